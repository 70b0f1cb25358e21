//! Audit log entries (docs/api.md §6.0, §2): one per API call.

use crate::metadata::OperationMetadata;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AuditLog {
    pub metadata: OperationMetadata,
    pub data: AuditLogData,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditLogData {
    pub request_id: String,
    /// The API key that made the call, when its signature verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    pub method: String,
    /// The route template, e.g. `/v1/workspaces/{workspaceId}/agents/{id}`.
    pub route: String,
    pub path: String,
    /// The scope the route required, or the one the request exercised where the route
    /// checks scopes per message (MCP tool calls); absent when neither.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub status: u16,
    pub latency_ms: i64,
}
