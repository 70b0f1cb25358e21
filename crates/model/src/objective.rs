//! Objectives: an agent variation working on a task, step by step (seed 003, SPEC §3-4).

use crate::agent::Agent;
use crate::identity::Profile;
use crate::metadata::{Labels, OperationMetadata};
use crate::tools::Tool;
use crate::variation::{BareMetadata, Variation};
use crate::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const MAX_MESSAGE_CHARS: usize = 100_000;
pub const MAX_MEMORY_STACK: usize = 10;

crate::wire_enum! {
    ObjectiveStatus {
        Unspecified = "OBJECTIVE_STATUS_UNSPECIFIED",
        Pending = "OBJECTIVE_STATUS_PENDING",
        Running = "OBJECTIVE_STATUS_RUNNING",
        WaitingForApproval = "OBJECTIVE_STATUS_WAITING_FOR_APPROVAL",
        WaitingForSubObjectives = "OBJECTIVE_STATUS_WAITING_FOR_SUB_OBJECTIVES",
        Completed = "OBJECTIVE_STATUS_COMPLETED",
        Finalized = "OBJECTIVE_STATUS_FINALIZED",
        Cancelled = "OBJECTIVE_STATUS_CANCELLED",
        Failed = "OBJECTIVE_STATUS_FAILED",
    }
}

impl ObjectiveStatus {
    /// Nothing will ever happen again (no continue, no compaction).
    pub fn is_super_terminal(self) -> bool {
        matches!(
            self,
            ObjectiveStatus::Finalized | ObjectiveStatus::Cancelled
        )
    }

    /// The run has ended (COMPLETED can still be continued).
    pub fn has_ended(self) -> bool {
        matches!(
            self,
            ObjectiveStatus::Completed
                | ObjectiveStatus::Finalized
                | ObjectiveStatus::Cancelled
                | ObjectiveStatus::Failed
        )
    }
}

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

/// A memory layer, or one entry of it, on an objective's memory stack.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemoryReference {
    /// Id or `external_id:<value>` on input; the id on output.
    pub memory_layer_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_entry_id: Option<String>,
}

/// An agent variation at work.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Objective {
    pub metadata: OperationMetadata,
    pub data: ObjectiveData,
    pub status: ObjectiveStatus,
    /// Why the objective is in its status, when there is something to say (failures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<ObjectiveInfo>,
    /// The last five context windows, newest first (single reads only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_windows: Option<Vec<ContextWindow>>,
}

/// What the objective was created with, snapshots included, and its output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectiveData {
    /// The agent as it was when the objective was created.
    pub agent: Agent,
    /// The variation as it was when the objective was created.
    pub agent_variation: Variation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    pub initial_message: String,
    /// The variation's prompt rendered with `data`.
    pub system_prompt: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub memory_stack: Vec<MemoryReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub episodic_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_definition: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_objective_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_schedule_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectiveInfo {
    pub agent: BareMetadata,
    pub agent_variation: BareMetadata,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Profile>,
    /// Variation layers by position, then `memoryStack` in push order (last = top).
    pub effective_memory_stack: Vec<MemoryReference>,
    pub current_context_window_id: String,
    pub total_context_windows: i64,
    pub total_input_tokens: i64,
    pub total_completion_tokens: i64,
    pub total_tool_calls: i64,
    pub total_events: i64,
    pub total_iterations: i64,
}

/// What the model can call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum CallableTool {
    Tool {
        tool: BareMetadata,
    },
    Agent {
        agent: BareMetadata,
    },
    #[serde(rename_all = "camelCase")]
    CadenyaProvidedTool {
        cadenya_provided_tool: BareMetadata,
    },
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Profile>,
    pub objective: BareMetadata,
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

/// `POST …/objectives/{id}:compact`
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompactRequest {
    /// Replaces the variation's compaction config for this compaction.
    #[serde(default)]
    pub compaction_config: Option<crate::variation::CompactionConfig>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompactResponse {
    /// The new context window.
    pub context_window: ContextWindowData,
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
    pub content_deadline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_changed_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolCallInfo {
    pub objective: BareMetadata,
}

/// A to-do item the model keeps with the built-in task tools.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ObjectiveTask {
    pub metadata: BareMetadata,
    pub data: TaskData,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskData {
    /// 1-based, in creation order.
    pub number: i64,
    pub task: String,
    pub completed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
}

/// A tool the objective can use, as it was when the objective was created.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ObjectiveTool {
    pub metadata: BareMetadata,
    pub snapshot: Tool,
}

/// A window of the conversation, with its token usage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ContextWindow {
    pub metadata: OperationMetadata,
    pub data: ContextWindowData,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContextWindowData {
    pub objective_id: String,
    /// 1 for the first window.
    pub sequence: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_window_continue_instructions: Option<String>,
}

/// `metadata` a client may give an objective.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OperationMetadataInput {
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub labels: Option<Labels>,
}

impl OperationMetadataInput {
    /// Checks the external id and labels (named under `metadata.`); the values to store.
    pub fn validate(
        input: Option<&Self>,
        v: &mut crate::violations::Violations,
    ) -> (Option<String>, Labels) {
        let Some(m) = input else {
            return (None, Labels::default());
        };
        if let Some(ext) = &m.external_id {
            if let Err(e) = crate::metadata::check_external_id(ext) {
                v.add("metadata.externalId", e);
            }
        }
        let labels = m.labels.clone().unwrap_or_default();
        crate::metadata::check_labels(&labels, "metadata.labels", v);
        (m.external_id.clone(), labels)
    }
}

/// A secret only this objective's tool calls may use, as `{{secrets.NAME}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveSecret {
    pub name: String,
    pub value: String,
}

/// `POST …/objectives`
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateObjectiveRequest {
    /// Id or `external_id:<value>`.
    pub agent_id: String,
    /// Explicit variation; otherwise the agent's selection mode picks one.
    #[serde(default)]
    pub variation_id: Option<String>,
    pub initial_message: String,
    /// Must satisfy the agent's `inputDataSchema`; rendered into the prompt.
    #[serde(default)]
    pub data: Option<Value>,
    /// Pushed on top of the variation's memory layers (at most 10 in all).
    #[serde(default)]
    pub memory_stack: Option<Vec<MemoryReference>>,
    #[serde(default)]
    pub episodic_key: Option<String>,
    /// Write-only, resolved into tool headers; never returned.
    #[serde(default)]
    pub secrets: Option<Vec<ObjectiveSecret>>,
    #[serde(default)]
    pub metadata: Option<OperationMetadataInput>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContinueRequest {
    pub message: String,
}

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    #[serde(default)]
    pub reason: Option<String>,
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

/// Feedback on an objective's run; it scores the variation that ran it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ObjectiveFeedback {
    pub metadata: OperationMetadata,
    pub data: FeedbackData,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<FeedbackInfo>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackData {
    /// From -1 (bad) to 1 (good).
    pub score: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackInfo {
    pub agent_variation: BareMetadata,
    pub objective: BareMetadata,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_by: Option<Profile>,
}

/// `POST …/objectives/{objectiveId}/feedback`
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFeedbackRequest {
    #[serde(default)]
    pub metadata: Option<OperationMetadataInput>,
    pub data: FeedbackData,
}

pub const MAX_COMMENT_CHARS: usize = 10_000;

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

    #[test]
    fn callables_and_content() {
        let c = CallableTool::CadenyaProvidedTool {
            cadenya_provided_tool: BareMetadata {
                id: "task_create".into(),
                name: Some("task_create".into()),
            },
        };
        assert_eq!(
            serde_json::to_value(&c).unwrap()["type"],
            "cadenyaProvidedTool"
        );
        let r: SetContentRequest = serde_json::from_value(json!({"content": "done"})).unwrap();
        assert_eq!(r.content.into_result().joined(), "done");
        let r: SetContentRequest =
            serde_json::from_value(json!({"content": [{"type": "text", "text": {"text": "a"}}, {"type": "text", "text": {"text": "b"}}]}))
                .unwrap();
        assert_eq!(r.content.into_result().joined(), "a\nb");
    }
}
