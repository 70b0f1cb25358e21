//! The tools an objective can use: snapshots taken when it was created, and those its
//! model found later with `search_tools` (progressive discovery).

use crate::tools::Tool;
use crate::variation::BareMetadata;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A tool the objective can use, as it was when it joined the objective.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ObjectiveTool {
    pub metadata: BareMetadata,
    pub snapshot: Tool,
    /// Found by the model with `search_tools` rather than assigned to the variation.
    #[serde(default)]
    pub discovered: bool,
}
