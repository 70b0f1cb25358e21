//! Events: the event types and the payloads of the steps an objective records.

use super::context_windows::ContextWindowData;
use super::tool_calls::{CallableTool, ToolCallResult};
use crate::identity::Profile;
use crate::metadata::OperationMetadata;
use crate::variation::BareMetadata;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

crate::wire_enum! {
    EventType {
        Unspecified = "OBJECTIVE_EVENT_TYPE_UNSPECIFIED",
        UserMessage = "OBJECTIVE_EVENT_TYPE_USER_MESSAGE",
        ToolApprovalRequested = "OBJECTIVE_EVENT_TYPE_TOOL_APPROVAL_REQUESTED",
        ToolApproved = "OBJECTIVE_EVENT_TYPE_TOOL_APPROVED",
        ToolDenied = "OBJECTIVE_EVENT_TYPE_TOOL_DENIED",
        ToolCalled = "OBJECTIVE_EVENT_TYPE_TOOL_CALLED",
        Error = "OBJECTIVE_EVENT_TYPE_ERROR",
        AssistantMessage = "OBJECTIVE_EVENT_TYPE_ASSISTANT_MESSAGE",
        ToolResult = "OBJECTIVE_EVENT_TYPE_TOOL_RESULT",
        ToolError = "OBJECTIVE_EVENT_TYPE_TOOL_ERROR",
        ContextWindowCompacted = "OBJECTIVE_EVENT_TYPE_CONTEXT_WINDOW_COMPACTED",
        MemoryRead = "OBJECTIVE_EVENT_TYPE_MEMORY_READ",
        Cancelled = "OBJECTIVE_EVENT_TYPE_CANCELLED",
        SubAgentSpawned = "OBJECTIVE_EVENT_TYPE_SUB_AGENT_SPAWNED",
        SubAgentUpdated = "OBJECTIVE_EVENT_TYPE_SUB_AGENT_UPDATED",
        Finalized = "OBJECTIVE_EVENT_TYPE_FINALIZED",
    }
}

/// One recorded step of an objective.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectiveEvent {
    pub metadata: OperationMetadata,
    pub data: EventData,
    pub context_window_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<EventInfo>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventInfo {
    /// The profile that created the objective (absent for sub-objectives, which the
    /// engine creates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Profile>,
    /// The objective the event belongs to.
    pub objective: OperationMetadata,
}

/// The event's payload under the key its type names. (Variants differ in size; events
/// are built once and serialized, so boxing would buy nothing.)
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type")]
pub enum EventData {
    #[serde(rename = "OBJECTIVE_EVENT_TYPE_USER_MESSAGE", rename_all = "camelCase")]
    UserMessage { user_message: UserMessage },
    #[serde(
        rename = "OBJECTIVE_EVENT_TYPE_ASSISTANT_MESSAGE",
        rename_all = "camelCase"
    )]
    AssistantMessage { assistant_message: AssistantMessage },
    #[serde(
        rename = "OBJECTIVE_EVENT_TYPE_TOOL_APPROVAL_REQUESTED",
        rename_all = "camelCase"
    )]
    ToolApprovalRequested {
        tool_approval_requested: ToolCallRef,
    },
    #[serde(
        rename = "OBJECTIVE_EVENT_TYPE_TOOL_APPROVED",
        rename_all = "camelCase"
    )]
    ToolApproved { tool_approved: ToolCallRef },
    #[serde(rename = "OBJECTIVE_EVENT_TYPE_TOOL_DENIED", rename_all = "camelCase")]
    ToolDenied { tool_denied: ToolDenied },
    #[serde(rename = "OBJECTIVE_EVENT_TYPE_TOOL_CALLED", rename_all = "camelCase")]
    ToolCalled { tool_called: ToolCalled },
    #[serde(rename = "OBJECTIVE_EVENT_TYPE_TOOL_RESULT", rename_all = "camelCase")]
    ToolResult { tool_result: ToolResultEvent },
    #[serde(rename = "OBJECTIVE_EVENT_TYPE_TOOL_ERROR", rename_all = "camelCase")]
    ToolError { tool_error: ToolErrorEvent },
    #[serde(rename = "OBJECTIVE_EVENT_TYPE_ERROR", rename_all = "camelCase")]
    Error { error: ErrorEvent },
    #[serde(rename = "OBJECTIVE_EVENT_TYPE_CANCELLED", rename_all = "camelCase")]
    Cancelled { cancelled: Cancelled },
    #[serde(rename = "OBJECTIVE_EVENT_TYPE_FINALIZED", rename_all = "camelCase")]
    Finalized { finalized: Finalized },
    #[serde(
        rename = "OBJECTIVE_EVENT_TYPE_CONTEXT_WINDOW_COMPACTED",
        rename_all = "camelCase"
    )]
    ContextWindowCompacted {
        context_window_compacted: ContextWindowCompacted,
    },
    #[serde(rename = "OBJECTIVE_EVENT_TYPE_MEMORY_READ", rename_all = "camelCase")]
    MemoryRead { memory_read: MemoryRead },
    #[serde(
        rename = "OBJECTIVE_EVENT_TYPE_SUB_AGENT_SPAWNED",
        rename_all = "camelCase"
    )]
    SubAgentSpawned { sub_agent_spawned: SubAgentSpawned },
    #[serde(
        rename = "OBJECTIVE_EVENT_TYPE_SUB_AGENT_UPDATED",
        rename_all = "camelCase"
    )]
    SubAgentUpdated { sub_agent_updated: SubAgentUpdated },
}

impl EventData {
    pub fn kind(&self) -> EventType {
        match self {
            EventData::UserMessage { .. } => EventType::UserMessage,
            EventData::AssistantMessage { .. } => EventType::AssistantMessage,
            EventData::ToolApprovalRequested { .. } => EventType::ToolApprovalRequested,
            EventData::ToolApproved { .. } => EventType::ToolApproved,
            EventData::ToolDenied { .. } => EventType::ToolDenied,
            EventData::ToolCalled { .. } => EventType::ToolCalled,
            EventData::ToolResult { .. } => EventType::ToolResult,
            EventData::ToolError { .. } => EventType::ToolError,
            EventData::Error { .. } => EventType::Error,
            EventData::Cancelled { .. } => EventType::Cancelled,
            EventData::Finalized { .. } => EventType::Finalized,
            EventData::ContextWindowCompacted { .. } => EventType::ContextWindowCompacted,
            EventData::MemoryRead { .. } => EventType::MemoryRead,
            EventData::SubAgentSpawned { .. } => EventType::SubAgentSpawned,
            EventData::SubAgentUpdated { .. } => EventType::SubAgentUpdated,
        }
    }

    /// The callees the event names (so a reader can complete older, partial metadata).
    pub fn callables_mut(&mut self) -> Vec<&mut CallableTool> {
        match self {
            EventData::AssistantMessage { assistant_message } => assistant_message
                .tool_calls
                .iter_mut()
                .filter_map(|c| c.tool.as_mut())
                .collect(),
            EventData::ToolCalled { tool_called } => vec![&mut tool_called.tool],
            _ => Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UserMessage {
    pub content: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssistantMessage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<AssistantToolCall>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssistantToolCall {
    /// The recorded tool call (`toolcall_…`).
    pub tool_call_id: String,
    pub function_name: String,
    /// The arguments as the model wrote them (JSON text).
    pub arguments: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<CallableTool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolCallRef {
    pub tool_call_id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolDenied {
    pub tool_call_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolCalled {
    pub tool_call_id: String,
    pub tool: CallableTool,
    pub arguments: Value,
    /// Which attempt this is (a second one follows a crash mid-call).
    pub attempt: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolResultEvent {
    pub tool_call_id: String,
    pub result: ToolCallResult,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolErrorEvent {
    pub tool_call_id: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorEvent {
    /// A stable category: `model_provider`, `configuration`, `tool_limit`, `internal`.
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Cancelled {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finalized {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
}

/// A context window was compacted into a new one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContextWindowCompacted {
    /// Messages of the old window that were cleared or summarized.
    pub messages_compacted: i64,
    pub new_context_window: ContextWindowData,
    /// `toolResultClearing` and/or `summarization`.
    pub strategies: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// `memory_read` resolved a key (misses write no event).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemoryRead {
    pub memory_entry_id: String,
    /// The top-most layer holding the key; layers beneath it are shadowed.
    pub memory_layer_id: String,
    pub message: String,
}

/// A sub-agent call started a child objective.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SubAgentSpawned {
    pub agent: crate::metadata::ResourceMetadata,
    pub objective: OperationMetadata,
    /// The child's initial message.
    pub task: String,
}

crate::wire_enum! {
    /// How a sub-agent's objective ended, as the parent sees it.
    SubAgentStatus {
        Unspecified = "STATUS_UNSPECIFIED",
        Pending = "STATUS_PENDING",
        Running = "STATUS_RUNNING",
        Completed = "STATUS_COMPLETED",
        Failed = "STATUS_FAILED",
        Cancelled = "STATUS_CANCELLED",
    }
}

/// A sub-agent's objective ended; `message` is what the parent's model receives.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SubAgentUpdated {
    pub agent: BareMetadata,
    pub objective: BareMetadata,
    pub status: SubAgentStatus,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn event_data_is_tagged_with_the_payload_under_its_key() {
        let e = EventData::UserMessage {
            user_message: UserMessage {
                content: "hi".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"type": "OBJECTIVE_EVENT_TYPE_USER_MESSAGE", "userMessage": {"content": "hi"}})
        );
        let back: EventData = serde_json::from_value(serde_json::to_value(&e).unwrap()).unwrap();
        assert_eq!(back.kind(), EventType::UserMessage);
        let t = EventData::ToolApproved {
            tool_approved: ToolCallRef {
                tool_call_id: "toolcall_1".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(&t).unwrap()["toolApproved"]["toolCallId"],
            "toolcall_1"
        );
    }
}
