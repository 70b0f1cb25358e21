//! Objectives: an agent variation working on a task, step by step (docs/api.md §6.3, §3.4, §4).
//!
//! One file per resource, as the objectives component serves them:
//!
//! - `resource`: the objective itself: [`Objective`], its [`ObjectiveStatus`], data and
//!   info, [`MemoryReference`], and the create, continue and cancel requests.
//! - `events`: [`ObjectiveEvent`], the [`EventType`]s and the [`EventData`] payloads.
//! - `tool_calls`: [`ObjectiveToolCall`], [`CallableTool`], call and execution statuses,
//!   results and content blocks, and the deny and setContent requests.
//! - `tools`: [`ObjectiveTool`], the tools an objective can use.
//! - `tasks`: [`ObjectiveTask`], the model's to-do items.
//! - `context_windows`: [`ContextWindow`] and the compact request and response.
//! - `feedback`: [`ObjectiveFeedback`] and the request that submits it.

mod context_windows;
mod events;
mod feedback;
mod resource;
mod tasks;
mod tool_calls;
mod tools;

pub use context_windows::{
    CompactRequest, CompactResponse, ContextWindow, ContextWindowData, ContextWindowInfo,
};
pub use events::{
    AssistantMessage, AssistantToolCall, Cancelled, ContextWindowCompacted, ErrorEvent, EventData,
    EventInfo, EventType, Finalized, MemoryRead, ObjectiveEvent, SubAgentSpawned, SubAgentStatus,
    SubAgentUpdated, ToolCallRef, ToolCalled, ToolDenied, ToolErrorEvent, ToolResultEvent,
    UserMessage,
};
pub use feedback::{
    CreateFeedbackRequest, FeedbackData, FeedbackInfo, ObjectiveFeedback, MAX_COMMENT_CHARS,
};
pub use resource::{
    CancelRequest, ContinueRequest, CreateObjectiveRequest, MemoryReference, Objective,
    ObjectiveData, ObjectiveInfo, ObjectiveSecret, ObjectiveStatus, OperationMetadataInput,
    MAX_MEMORY_STACK, MAX_MESSAGE_CHARS,
};
pub use tasks::{ObjectiveTask, TaskData};
pub use tool_calls::{
    CallableTool, ContentBlock, ContentInput, DenyRequest, ExecutionStatus, ObjectiveToolCall,
    SetContentRequest, TextBlock, ToolCallData, ToolCallInfo, ToolCallResult, ToolCallStatus,
};
pub use tools::ObjectiveTool;
