//! How tools are reached: a set's adapter, each tool's matching config, and the header checks they share.

use super::secrets::secret_references;
use crate::violations::Violations;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MAX_HEADERS: usize = 32;

crate::wire_enum! {
    HttpMethod {
        Unspecified = "HTTP_METHOD_UNSPECIFIED",
        Get = "GET",
        Post = "POST",
        Put = "PUT",
        Patch = "PATCH",
        Delete = "DELETE",
    }
}

/// How the set's tools are executed, tagged as the SDK sends it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Adapter {
    Http { http: HttpAdapter },
    Mcp { mcp: McpAdapter },
    Bare { bare: BareAdapter },
}

impl Adapter {
    pub fn kind(&self) -> &'static str {
        match self {
            Adapter::Http { .. } => "http",
            Adapter::Mcp { .. } => "mcp",
            Adapter::Bare { .. } => "bare",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpAdapter {
    /// Absolute http(s) URL tool paths are appended to.
    pub base_url: String,
    /// Values may contain `{{secrets.NAME}}`, resolved at call time.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct McpAdapter {
    /// A streamable-HTTP MCP endpoint.
    pub url: String,
    /// Values may contain `{{secrets.NAME}}`, resolved at call and sync time.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BareAdapter {
    /// Seconds a call waits for its content before failing; absent = forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_timeout: Option<i64>,
}

/// Header names are HTTP tokens; values are printable and may reference secrets.
pub fn check_headers(headers: &BTreeMap<String, String>, at: &str, v: &mut Violations) {
    if headers.len() > MAX_HEADERS {
        v.add(at, format!("at most {MAX_HEADERS} headers"));
    }
    for (name, value) in headers {
        let path = format!("{at}.{name}");
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        {
            v.add(&path, "is not a valid header name");
        }
        if value.len() > 8192 || value.chars().any(|c| c.is_control() && c != '\t') {
            v.add(&path, "header values must be printable and at most 8 KiB");
        }
        if let Err(e) = secret_references(value) {
            v.add(&path, e);
        }
    }
}

/// How this tool is called within its set's adapter (the types must match).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum ToolConfig {
    Http { http: HttpToolConfig },
    Mcp { mcp: McpToolConfig },
    Bare { bare: BareToolConfig },
}

impl ToolConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            ToolConfig::Http { .. } => "http",
            ToolConfig::Mcp { .. } => "mcp",
            ToolConfig::Bare { .. } => "bare",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpToolConfig {
    pub request_method: HttpMethod,
    /// Appended to the set's baseUrl; `{name}` segments are filled from arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A fixed query string added to every call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct McpToolConfig {
    /// The tool's name on the MCP server.
    pub tool_name: String,
    /// Hints the server declared (readOnlyHint, destructiveHint, …), kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<crate::JsonObject>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BareToolConfig {}
