//! Tool calls: what the model can call, a call's statuses, data and result, and the deny and setContent requests.

use crate::metadata::{OperationMetadata, ResourceMetadata};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

crate::wire_enum! {
    ToolCallStatus {
        Unspecified = "TOOL_CALL_STATUS_UNSPECIFIED",
        AutoApproved = "TOOL_CALL_STATUS_AUTO_APPROVED",
        WaitingForApproval = "TOOL_CALL_STATUS_WAITING_FOR_APPROVAL",
        Approved = "TOOL_CALL_STATUS_APPROVED",
        Denied = "TOOL_CALL_STATUS_DENIED",
    }
}

crate::wire_enum! {
    ExecutionStatus {
        Unspecified = "TOOL_CALL_EXECUTION_STATUS_UNSPECIFIED",
        Pending = "TOOL_CALL_EXECUTION_STATUS_PENDING",
        Running = "TOOL_CALL_EXECUTION_STATUS_RUNNING",
        WaitingForContent = "TOOL_CALL_EXECUTION_STATUS_WAITING_FOR_CONTENT",
        Completed = "TOOL_CALL_EXECUTION_STATUS_COMPLETED",
        Failed = "TOOL_CALL_EXECUTION_STATUS_FAILED",
    }
}

/// What the model can call, with the callee's metadata as it was when the objective
/// started (seed 003: ResourceMetadata). A built-in has no stored resource: its metadata
/// names it and belongs to the objective (see `engine`'s `target_of`).
///
/// Rows written before the full metadata was kept hold only `{id, name}`; they read with
/// the other fields empty, and `store` completes them from the objective
/// ([`ResourceMetadata::is_partial`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum CallableTool {
    Tool {
        #[serde(deserialize_with = "crate::metadata::lenient")]
        tool: ResourceMetadata,
    },
    Agent {
        #[serde(deserialize_with = "crate::metadata::lenient")]
        agent: ResourceMetadata,
    },
    #[serde(rename_all = "camelCase")]
    CadenyaProvidedTool {
        #[serde(deserialize_with = "crate::metadata::lenient")]
        cadenya_provided_tool: ResourceMetadata,
    },
}

impl CallableTool {
    pub fn metadata(&self) -> &ResourceMetadata {
        match self {
            CallableTool::Tool { tool: m }
            | CallableTool::Agent { agent: m }
            | CallableTool::CadenyaProvidedTool {
                cadenya_provided_tool: m,
            } => m,
        }
    }

    pub fn metadata_mut(&mut self) -> &mut ResourceMetadata {
        match self {
            CallableTool::Tool { tool: m }
            | CallableTool::Agent { agent: m }
            | CallableTool::CadenyaProvidedTool {
                cadenya_provided_tool: m,
            } => m,
        }
    }
}

/// A tool's answer: content blocks (text only, for now).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolCallResult {
    pub content: Vec<ContentBlock>,
}

impl ToolCallResult {
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            content: vec![ContentBlock::Text {
                text: TextBlock { text: text.into() },
            }],
        }
    }

    /// All text blocks joined, as the model sees them.
    pub fn joined(&self) -> String {
        self.content
            .iter()
            .map(|b| match b {
                ContentBlock::Text { text } => text.text.as_str(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum ContentBlock {
    Text { text: TextBlock },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TextBlock {
    pub text: String,
}

/// A call the model made to one of its tools, and what became of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectiveToolCall {
    pub metadata: OperationMetadata,
    pub data: ToolCallData,
    pub status: ToolCallStatus,
    pub execution_status: ExecutionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<ToolCallInfo>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolCallData {
    pub callable: CallableTool,
    /// The name the model used.
    pub function_name: String,
    pub arguments: Value,
    /// The reviewer's memo, for denied calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ToolCallResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Executions started; more than one only after a crash mid-call.
    pub attempts: i64,
    pub context_window_id: String,
    /// For bare tools: when the call fails if no content was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub content_deadline: Option<String>,
    /// The profile that approved, denied or set content (seed 003: a Profile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_changed_by: Option<crate::identity::Profile>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolCallInfo {
    /// The profile that created the objective, on whose behalf the model made the call
    /// (absent for sub-objectives, which the engine creates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<crate::identity::Profile>,
    /// The objective the call belongs to.
    pub objective: OperationMetadata,
}

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DenyRequest {
    #[serde(default)]
    pub memo: Option<String>,
}

/// Content for a bare tool call: plain text or content blocks.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ContentInput {
    Text(String),
    Blocks(Vec<ContentBlock>),
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetContentRequest {
    pub content: ContentInput,
}

impl ContentInput {
    pub fn into_result(self) -> ToolCallResult {
        match self {
            ContentInput::Text(t) => ToolCallResult::text(t),
            ContentInput::Blocks(content) => ToolCallResult { content },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn callables_and_content() {
        let c: CallableTool = serde_json::from_value(json!({
            "type": "cadenyaProvidedTool",
            "cadenyaProvidedTool": {"id": "task_create", "name": "task_create"}
        }))
        .unwrap();
        let m = c.metadata();
        assert_eq!(
            (m.id.as_str(), m.name.as_str()),
            ("task_create", "task_create")
        );
        assert!(m.is_partial(), "an old {{id, name}} row reads as partial");
        assert_eq!(
            serde_json::to_value(&c).unwrap()["type"],
            "cadenyaProvidedTool"
        );
        let full = json!({"type": "tool", "tool": {
            "id": "tool_1", "accountId": "acct_1", "workspaceId": "ws_1", "profileId": "prof_1",
            "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-02T00:00:00Z",
            "name": "search", "labels": {"team": "a"}}});
        let c: CallableTool = serde_json::from_value(full.clone()).unwrap();
        assert!(!c.metadata().is_partial());
        assert_eq!(serde_json::to_value(&c).unwrap(), full);
        let r: SetContentRequest = serde_json::from_value(json!({"content": "done"})).unwrap();
        assert_eq!(r.content.into_result().joined(), "done");
        let r: SetContentRequest =
            serde_json::from_value(json!({"content": [{"type": "text", "text": {"text": "a"}}, {"type": "text", "text": {"text": "b"}}]}))
                .unwrap();
        assert_eq!(r.content.into_result().joined(), "a\nb");
    }
}
