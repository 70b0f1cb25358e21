//! Feedback on an objective's run, and the request that submits it.

use super::resource::OperationMetadataInput;
use crate::identity::Profile;
use crate::metadata::OperationMetadata;
use crate::variation::BareMetadata;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
