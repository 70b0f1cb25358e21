//! Tasks: the to-do items the model keeps with the built-in task tools.

use crate::variation::BareMetadata;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
    #[schemars(extend("format" = "date-time"))]
    pub completed_at: Option<String>,
}
