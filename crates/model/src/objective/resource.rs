//! The objective itself: its status, data, info and memory references, and the create, continue and cancel requests.

use super::context_windows::ContextWindow;
use crate::agent::Agent;
use crate::identity::Profile;
use crate::metadata::{Labels, OperationMetadata, ResourceMetadata};
use crate::variation::Variation;
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
    /// The agent's metadata as it was when the objective was created.
    pub agent: ResourceMetadata,
    /// The variation's metadata as it was when the objective was created.
    pub agent_variation: ResourceMetadata,
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
