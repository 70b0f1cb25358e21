//! The tools a workspace offers over MCP: its PUBLISHED agents, then the control tools.

use engine::run::subagents::{llm_name, unique_name};
use mcp_server::{agent_input_schema, tool, ArgumentShape};
use model::agent::Agent;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use store::{Db, StoreError};

/// The most agents offered as tools (oldest first); a client's model could not choose
/// among more.
const MAX_AGENT_TOOLS: i64 = 500;

pub const LIST_OBJECTIVES: &str = "cadenya_list_objectives";
pub const GET_OBJECTIVE: &str = "cadenya_get_objective";
pub const APPROVE_TOOL_CALL: &str = "cadenya_approve_tool_call";
pub const DENY_TOOL_CALL: &str = "cadenya_deny_tool_call";
pub const CANCEL_OBJECTIVE: &str = "cadenya_cancel_objective";
const CONTROLS: [&str; 5] = [
    LIST_OBJECTIVES,
    GET_OBJECTIVE,
    APPROVE_TOOL_CALL,
    DENY_TOOL_CALL,
    CANCEL_OBJECTIVE,
];

pub fn is_control(name: &str) -> bool {
    CONTROLS.contains(&name)
}

/// One published agent as a tool.
pub struct AgentTool {
    pub name: String,
    pub agent: Agent,
    pub shape: ArgumentShape,
    pub descriptor: Value,
}

impl AgentTool {
    /// Whether results must carry `structuredContent` (the tool has an `outputSchema`).
    pub fn structured(&self) -> bool {
        self.descriptor.get("outputSchema").is_some()
    }
}

/// The workspace's published agents as tools, named as sub-agent tools are (lowercase,
/// `[a-z0-9_-]`, 64 characters, `_2`… on a clash, never a control tool's name).
pub fn agent_tools(db: &Db, workspace_id: &str) -> Result<Vec<AgentTool>, StoreError> {
    let mut taken: BTreeSet<String> = CONTROLS.iter().map(|c| (*c).to_owned()).collect();
    let agents = store::agents::published(db, workspace_id, MAX_AGENT_TOOLS)?;
    Ok(agents
        .into_iter()
        .map(|agent| {
            let name = unique_name(&llm_name(&agent.metadata.name), &mut taken);
            let (input, shape) = agent_input_schema(agent.spec.input_data_schema.as_ref());
            let description = agent.tool_description(|name| {
                format!("Run the agent `{name}` on a task; it works on it and returns its answer.")
            });
            // MCP output schemas are objects; another output definition stays untyped
            let output = agent
                .spec
                .output_definition
                .as_ref()
                .filter(|d| d.get("type") == Some(&json!("object")))
                .map(|d| Value::Object(d.clone()));
            let descriptor = tool(&name, &description, input, output);
            AgentTool {
                name,
                agent,
                shape,
                descriptor,
            }
        })
        .collect())
}

/// A short digest of what `tools/list` shows, to tell when it changed.
pub fn fingerprint(tools: &[AgentTool]) -> String {
    // FNV-1a over the descriptors: stable across instances and builds
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for t in tools {
        for b in t.descriptor.to_string().bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

/// The control tools' descriptors.
pub fn controls() -> Vec<Value> {
    let objective_id = json!({"type": "string", "description": "The objective's id (`objective_…`) or `external_id:<value>`."});
    let call_id = json!({"type": "string", "description": "The tool call's id (`toolcall_…`)."});
    vec![
        tool(
            LIST_OBJECTIVES,
            "List this workspace's objectives, newest first, with their status. Needs `objectives:read`.",
            object(
                json!({
                    "agentId": {"type": "string", "description": "Only objectives of this agent (id or `external_id:<value>`)."},
                    "status": {"type": "string", "description": "Only objectives in this status, e.g. `OBJECTIVE_STATUS_RUNNING`."},
                    "pageSize": {"type": "integer", "minimum": 1, "maximum": 100, "description": "At most this many (default 20)."},
                    "pageToken": {"type": "string", "description": "`nextPageToken` of the previous page."}
                }),
                &[],
            ),
            None,
        ),
        tool(
            GET_OBJECTIVE,
            "An objective's status, its answer or structured output once it has one, and the tool calls waiting for approval. Needs `objectives:read`.",
            object(json!({"objectiveId": objective_id}), &["objectiveId"]),
            None,
        ),
        tool(
            APPROVE_TOOL_CALL,
            "Approve a tool call waiting for approval; the objective goes on. Needs `objectives:write`.",
            object(
                json!({"objectiveId": objective_id, "toolCallId": call_id}),
                &["objectiveId", "toolCallId"],
            ),
            None,
        ),
        tool(
            DENY_TOOL_CALL,
            "Deny a tool call waiting for approval; the model is told, with the memo. Needs `objectives:write`.",
            object(
                json!({
                    "objectiveId": objective_id,
                    "toolCallId": call_id,
                    "memo": {"type": "string", "description": "Why, for the model."}
                }),
                &["objectiveId", "toolCallId"],
            ),
            None,
        ),
        tool(
            CANCEL_OBJECTIVE,
            "Cancel an objective that has not ended. Needs `objectives:write`.",
            object(
                json!({
                    "objectiveId": objective_id,
                    "reason": {"type": "string", "description": "Recorded with the cancellation."}
                }),
                &["objectiveId"],
            ),
            None,
        ),
    ]
}
