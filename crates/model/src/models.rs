//! The models catalog: the models a workspace can use (shapes after the `cadenya` SDK's
//! `Model`). A model's `metadata.externalId` is the `modelConfig.modelId` that names it
//! (`family/model`); `spec.provider` is that family, `spec.family` the model's own name.

use crate::metadata::ResourceMetadata;
use crate::providers::AiProviderKey;
use crate::variation::BareMetadata;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

crate::wire_enum! {
    ModelState {
        Unspecified = "STATE_UNSPECIFIED",
        Enabled = "STATE_ENABLED",
        Disabled = "STATE_DISABLED",
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Model {
    pub metadata: ResourceMetadata,
    pub spec: ModelSpec,
    /// Output only: `:enable` and `:disable` change it.
    pub state: ModelState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<ModelInfo>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelSpec {
    /// The model family of `modelConfig.modelId` that routes to it (`openai`,
    /// `anthropic`, or an OpenAI-compatible key's external id).
    pub provider: String,
    /// The model's own name at the provider (`gpt-4o`).
    pub family: String,
    /// The context length, when the provider's model list says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_input_tokens: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
    /// Variations of the workspace whose `modelConfig.modelId` is this model.
    pub agent_variation_count: i64,
    /// The workspace's key the model is served through; absent for the operator's
    /// providers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_provider_key: Option<AiProviderKey>,
}

/// `POST …/models:swapModelOnVariations`
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SwapModelsRequest {
    pub model_swaps: Vec<ModelSwap>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModelSwap {
    /// The model variations are on now: an id or `external_id:<family/model>`.
    pub current_model_id: String,
    /// The model to move them to: an id or `external_id:<family/model>`.
    pub next_model_id: String,
    #[serde(default)]
    pub disable_current_after_swap: bool,
}

/// What a swap moved (or, with `dryRun`, would move).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SwapModelsResponse {
    pub dry_run: bool,
    pub swaps: Vec<SwapOutcome>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SwapOutcome {
    pub current_model_id: String,
    pub next_model_id: String,
    /// The variations moved from current to next.
    pub variations: Vec<BareMetadata>,
    pub current_disabled: bool,
}

/// Splits a `family/model` id; `None` unless both parts are present.
pub fn split_model_id(id: &str) -> Option<(&str, &str)> {
    id.split_once('/')
        .filter(|(family, model)| !family.is_empty() && !model.is_empty())
}
