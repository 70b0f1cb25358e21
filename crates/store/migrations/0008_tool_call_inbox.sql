-- The workspace's tool calls by status, newest first: the approvals inbox
-- (GET /v1/tool_calls?status=TOOL_CALL_STATUS_WAITING_FOR_APPROVAL).
CREATE INDEX objective_tool_calls_by_workspace ON objective_tool_calls(workspace_id, status, id);
