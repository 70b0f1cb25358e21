//! Tool sets, tools and workspace secrets (docs/api.md §3; shapes from the SDK).
//!
//! One file per resource, as the tools component serves them, plus their shared parts:
//!
//! - `sets`: [`ToolSet`], its spec, state and info, the create/update requests and
//!   [`TOOL_SET_SECTIONS`].
//! - `tool`: [`Tool`], its spec, state and info, the create/update requests,
//!   [`TOOL_SECTIONS`], parameter checks and model-safe tool names.
//! - `secrets`: [`WorkspaceSecret`], its requests, and the `{{secrets.NAME}}` reference,
//!   name and value checks.
//! - `adapters`: how tools are reached: a set's [`Adapter`], each tool's matching
//!   [`ToolConfig`], [`HttpMethod`] and the header checks both use.

mod adapters;
mod secrets;
mod sets;
mod tool;

pub use adapters::{
    check_headers, Adapter, BareAdapter, BareToolConfig, HttpAdapter, HttpMethod, HttpToolConfig,
    McpAdapter, McpToolConfig, ToolConfig, MAX_HEADERS,
};
pub use secrets::{
    check_secret_name, check_secret_value, secret_references, CreateWorkspaceSecretRequest,
    UpdateWorkspaceSecretRequest, WorkspaceSecret, WorkspaceSecretInfo, WorkspaceSecretSpec,
    WorkspaceSecretSpecInput, MAX_SECRET_BYTES,
};
pub use sets::{
    CreateToolSetRequest, ToolSet, ToolSetInfo, ToolSetSpec, ToolSetState, UpdateToolSetRequest,
    TOOL_SET_SECTIONS,
};
/// `GET …/search/tools_or_tool_sets`: the best matches of each kind, best first.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchToolsOrToolSetsResponse {
    pub tools: Vec<Tool>,
    pub tool_sets: Vec<ToolSet>,
    /// Present when the token may read agents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agents: Option<Vec<crate::agent::Agent>>,
}

pub use tool::{
    check_llm_tool_name, check_parameters, path_params, sanitize_tool_name, CreateToolRequest,
    Tool, ToolInfo, ToolSpec, ToolSpecInput, ToolState, UpdateToolRequest, MAX_TOOL_NAME,
    TOOL_SECTIONS,
};
