//! Tool calls: what the model can call, a call's statuses, data and result, and the deny and setContent requests.

use crate::metadata::OperationMetadata;
use crate::variation::BareMetadata;
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
