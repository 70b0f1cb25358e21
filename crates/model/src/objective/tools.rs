//! The tools an objective can use, as snapshots taken when it was created.

use crate::tools::Tool;
use crate::variation::BareMetadata;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A tool the objective can use, as it was when the objective was created.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ObjectiveTool {
    pub metadata: BareMetadata,
    pub snapshot: Tool,
}
