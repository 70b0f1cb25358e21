//! Context windows: the conversation's windows with their token usage, and the compact request and response.

use crate::metadata::OperationMetadata;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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

/// A window of the conversation, with its token usage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ContextWindow {
    pub metadata: OperationMetadata,
    pub data: ContextWindowData,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<ContextWindowInfo>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContextWindowInfo {
    /// The profile that created the objective (absent for sub-objectives).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<crate::identity::Profile>,
    /// The objective the window belongs to.
    pub objective: OperationMetadata,
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
