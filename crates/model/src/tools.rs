//! Tool sets, tools and workspace secrets (SPEC §3; shapes from the SDK).

use crate::agent::check_http_url;
use crate::identity::Profile;
use crate::metadata::{MetadataInput, ResourceMetadata};
use crate::patch::{Section, METADATA_FIELDS};
use crate::variation::BareMetadata;
use crate::violations::Violations;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MAX_HEADERS: usize = 32;
pub const MAX_SECRET_BYTES: usize = 16 * 1024;
pub const MAX_TOOL_NAME: usize = 64;

crate::wire_enum! {
    ToolSetState {
        Unspecified = "STATE_UNSPECIFIED",
        Active = "STATE_ACTIVE",
        Archived = "STATE_ARCHIVED",
    }
}

crate::wire_enum! {
    /// AVAILABLE tools are offered to models; ARCHIVED ones vanished from their MCP
    /// server at the last sync (they come back if it lists them again).
    ToolState {
        Unspecified = "STATE_UNSPECIFIED",
        Available = "STATE_AVAILABLE",
        Omitted = "STATE_OMITTED",
        Archived = "STATE_ARCHIVED",
    }
}

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

/// A source of tools and how to reach it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolSet {
    pub metadata: ResourceMetadata,
    pub spec: ToolSetSpec,
    pub state: ToolSetState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<ToolSetInfo>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ToolSetSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub adapter: Adapter,
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolSetInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Profile>,
    pub tool_count: i64,
    pub available_tools: i64,
    /// When `:sync` last ran (MCP sets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync: Option<String>,
    /// Why the last sync failed; absent when it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync_error: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateToolSetRequest {
    pub metadata: MetadataInput,
    pub spec: ToolSetSpec,
    #[serde(default)]
    #[schemars(skip)]
    pub state: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    #[schemars(skip)]
    pub info: Option<serde::de::IgnoredAny>,
}

/// Fields given are merged; `spec.adapter` is replaced whole and keeps its type.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateToolSetRequest {
    #[serde(default)]
    pub metadata: Option<MetadataInput>,
    #[serde(default)]
    pub spec: Option<serde_json::Value>,
    #[serde(default)]
    pub update_mask: Option<String>,
    #[serde(default)]
    #[schemars(skip)]
    pub state: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    #[schemars(skip)]
    pub info: Option<serde::de::IgnoredAny>,
}

pub const TOOL_SET_SECTIONS: &[Section] = &[
    Section {
        name: "metadata",
        fields: METADATA_FIELDS,
    },
    Section {
        name: "spec",
        fields: &["description", "adapter"],
    },
];

impl ToolSetSpec {
    pub fn validate(&self, at: &str, v: &mut Violations) {
        if let Some(d) = &self.description {
            if d.chars().count() > crate::agent::MAX_DESCRIPTION_CHARS {
                v.add(
                    format!("{at}.description"),
                    "must be at most 10000 characters",
                );
            }
        }
        match &self.adapter {
            Adapter::Http { http } => {
                url_field(&http.base_url, &format!("{at}.adapter.http.baseUrl"), v);
                check_headers(&http.headers, &format!("{at}.adapter.http.headers"), v);
            }
            Adapter::Mcp { mcp } => {
                url_field(&mcp.url, &format!("{at}.adapter.mcp.url"), v);
                check_headers(&mcp.headers, &format!("{at}.adapter.mcp.headers"), v);
            }
            Adapter::Bare { bare } => {
                if bare.content_timeout.is_some_and(|t| t <= 0) {
                    v.add(
                        format!("{at}.adapter.bare.contentTimeout"),
                        "must be a positive number of seconds",
                    );
                }
            }
        }
    }
}

fn url_field(url: &str, at: &str, v: &mut Violations) {
    if let Err(e) = check_http_url(url) {
        v.add(at, e);
    }
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

/// The secret names `{{secrets.NAME}}` placeholders in `value` refer to.
pub fn secret_references(value: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or("unclosed `{{`: write secret references as {{secrets.NAME}}")?;
        let inner = after[..end].trim();
        let name = inner.strip_prefix("secrets.").ok_or_else(|| {
            format!("`{{{{{inner}}}}}` is not a secret reference; use {{{{secrets.NAME}}}}")
        })?;
        check_secret_name(name)?;
        names.push(name.to_owned());
        rest = &after[end + 2..];
    }
    Ok(names)
}

/// Secret names are identifiers, so `{{secrets.NAME}}` stays unambiguous.
pub fn check_secret_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 128;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a secret name (letters, digits and _, not starting with a digit)"
        ))
    }
}

/// One callable tool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Tool {
    pub metadata: ResourceMetadata,
    pub spec: ToolSpec,
    pub state: ToolState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<ToolInfo>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolSpec {
    pub description: String,
    /// JSON Schema of the arguments, as handed to the model (`{}` for none).
    pub parameters: crate::JsonObject,
    pub requires_approval: bool,
    /// The name the model sees: `^[a-zA-Z0-9_-]{1,64}$`, unique in the tool set.
    pub llm_tool_name: String,
    pub config: ToolConfig,
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Profile>,
    pub tool_set: BareMetadata,
    /// When a sync last saw this tool missing from its MCP server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vanished_at: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ToolSpecInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Required: a JSON Schema object (`{}` when the tool takes no arguments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_approval: Option<bool>,
    /// Defaults to `metadata.name` made model-safe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub llm_tool_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ToolConfig>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateToolRequest {
    pub metadata: MetadataInput,
    pub spec: ToolSpecInput,
    #[serde(default)]
    #[schemars(skip)]
    pub state: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    #[schemars(skip)]
    pub info: Option<serde::de::IgnoredAny>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateToolRequest {
    #[serde(default)]
    pub metadata: Option<MetadataInput>,
    #[serde(default)]
    pub spec: Option<ToolSpecInput>,
    #[serde(default)]
    pub update_mask: Option<String>,
    #[serde(default)]
    #[schemars(skip)]
    pub state: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    #[schemars(skip)]
    pub info: Option<serde::de::IgnoredAny>,
}

pub const TOOL_SECTIONS: &[Section] = &[
    Section {
        name: "metadata",
        fields: METADATA_FIELDS,
    },
    Section {
        name: "spec",
        fields: &[
            "description",
            "parameters",
            "requiresApproval",
            "llmToolName",
            "config",
        ],
    },
];

impl ToolSpecInput {
    /// Validates against the tool set's adapter type; `name` seeds the default LLM name.
    pub fn validate(
        &self,
        at: &str,
        name: &str,
        adapter: &str,
        v: &mut Violations,
    ) -> Option<ToolSpec> {
        let f = |n: &str| format!("{at}.{n}");
        let description = self.description.clone().unwrap_or_default();
        if description.chars().count() > crate::agent::MAX_DESCRIPTION_CHARS {
            v.add(f("description"), "must be at most 10000 characters");
        }
        let parameters = match &self.parameters {
            None => {
                v.add(
                    f("parameters"),
                    "is required: a JSON Schema object, `{}` for no arguments",
                );
                None
            }
            Some(p) => match check_parameters(p) {
                Ok(obj) => Some(obj),
                Err(e) => {
                    v.add(f("parameters"), e);
                    None
                }
            },
        };
        let llm_tool_name = match &self.llm_tool_name {
            Some(n) => {
                if let Err(e) = check_llm_tool_name(n) {
                    v.add(f("llmToolName"), e);
                }
                n.clone()
            }
            None => sanitize_tool_name(name),
        };
        let config = match &self.config {
            None => {
                v.add(
                    f("config"),
                    format!("is required, e.g. {{\"type\": \"{adapter}\", \"{adapter}\": {{…}}}}"),
                );
                None
            }
            Some(c) if c.kind() != adapter => {
                v.add(
                    f("config.type"),
                    format!(
                        "`{}` does not match the tool set's `{adapter}` adapter",
                        c.kind()
                    ),
                );
                None
            }
            Some(c) => {
                if let ToolConfig::Http { http } = c {
                    check_http_config(http, parameters.as_ref(), &f("config.http"), v);
                }
                if let ToolConfig::Mcp { mcp } = c {
                    if mcp.tool_name.trim().is_empty() {
                        v.add(f("config.mcp.toolName"), "must not be empty");
                    }
                }
                Some(c.clone())
            }
        };
        Some(ToolSpec {
            description,
            parameters: parameters?,
            requires_approval: self.requires_approval.unwrap_or(false),
            llm_tool_name,
            config: config?,
        })
    }
}

fn check_http_config(
    http: &HttpToolConfig,
    params: Option<&crate::JsonObject>,
    at: &str,
    v: &mut Violations,
) {
    if http.request_method == HttpMethod::Unspecified {
        v.add(
            format!("{at}.requestMethod"),
            "must be GET, POST, PUT, PATCH or DELETE",
        );
    }
    if let Some(path) = &http.path {
        if !path.starts_with('/') || path.contains("://") || path.chars().any(char::is_whitespace) {
            v.add(format!("{at}.path"), "must be a path starting with `/`");
        }
        let known: Vec<&str> = params
            .and_then(|p| p.get("properties"))
            .and_then(|p| p.as_object())
            .map(|props| props.keys().map(String::as_str).collect())
            .unwrap_or_default();
        for name in path_params(path) {
            if params.is_some() && !known.contains(&name) {
                v.add(
                    format!("{at}.path"),
                    format!("`{{{name}}}` is not a property of spec.parameters"),
                );
            }
        }
    }
    if let Some(q) = &http.query {
        if q.starts_with('?') || q.chars().any(char::is_whitespace) {
            v.add(
                format!("{at}.query"),
                "must be a query string without the leading `?`",
            );
        }
    }
    check_headers(&http.headers, &format!("{at}.headers"), v);
}

/// `{name}` placeholders of a tool path.
pub fn path_params(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n))
        .collect()
}

/// A JSON Schema for tool arguments: valid draft 2020-12, an object schema (or `{}`).
pub fn check_parameters(p: &serde_json::Value) -> Result<crate::JsonObject, String> {
    let obj = p.as_object().ok_or("must be a JSON Schema object")?;
    if obj.is_empty() {
        return Ok(obj.clone());
    }
    match obj.get("type") {
        None => {}
        Some(serde_json::Value::String(t)) if t == "object" => {}
        Some(_) => return Err("must describe an object: \"type\": \"object\"".into()),
    }
    jsonschema::draft202012::meta::validate(p)
        .map_err(|e| format!("is not a valid JSON Schema (draft 2020-12): {e}"))?;
    jsonschema::draft202012::new(p).map_err(|e| format!("cannot be used as a JSON Schema: {e}"))?;
    Ok(obj.clone())
}

pub fn check_llm_tool_name(n: &str) -> Result<(), String> {
    let ok = !n.is_empty()
        && n.len() <= MAX_TOOL_NAME
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!("`{n}` must match ^[a-zA-Z0-9_-]{{1,64}}$"))
    }
}

/// A model-safe tool name: invalid characters become `_`, runs collapse, 64 max.
pub fn sanitize_tool_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            c
        } else {
            '_'
        };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    let trimmed: String = out.trim_matches('_').chars().take(MAX_TOOL_NAME).collect();
    if trimmed.is_empty() {
        "tool".to_owned()
    } else {
        trimmed
    }
}

/// A named secret for `{{secrets.NAME}}` (`metadata.name` is NAME). The value is
/// write-only: no response ever contains it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorkspaceSecret {
    pub metadata: ResourceMetadata,
    pub spec: WorkspaceSecretSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<WorkspaceSecretInfo>,
}

/// Always empty in responses: the value is never returned.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSecretSpec {
    /// Whether a value is stored (it always is; the value itself is never shown).
    pub has_value: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSecretInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Profile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkspaceSecretSpecInput {
    /// Write-only; at most 16 KiB.
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    #[schemars(skip)]
    pub has_value: Option<serde::de::IgnoredAny>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateWorkspaceSecretRequest {
    /// `name` is the NAME used in `{{secrets.NAME}}`.
    pub metadata: MetadataInput,
    pub spec: WorkspaceSecretSpecInput,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateWorkspaceSecretRequest {
    #[serde(default)]
    pub metadata: Option<MetadataInput>,
    #[serde(default)]
    pub spec: Option<WorkspaceSecretSpecInput>,
    #[serde(default)]
    pub update_mask: Option<String>,
    #[serde(default)]
    #[schemars(skip)]
    pub info: Option<serde::de::IgnoredAny>,
}

pub fn check_secret_value(value: &str) -> Result<(), String> {
    if value.is_empty() || value.len() > MAX_SECRET_BYTES {
        return Err("must be 1 byte to 16 KiB".into());
    }
    if value.chars().any(|c| c == '\r' || c == '\n') {
        return Err("must not contain line breaks (it is sent in HTTP headers)".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn adapters_are_tagged_unions() {
        let s: ToolSetSpec = serde_json::from_value(json!({
            "adapter": {"type": "http", "http": {"baseUrl": "https://api.example.com", "headers": {"Authorization": "Bearer {{secrets.TOKEN}}"}}}
        }))
        .unwrap();
        assert_eq!(s.adapter.kind(), "http");
        let mut v = Violations::new();
        s.validate("spec", &mut v);
        assert!(v.is_empty(), "{v:?}");
        assert!(
            serde_json::from_value::<ToolSetSpec>(json!({"adapter": {"type": "ftp"}})).is_err()
        );
        assert!(serde_json::from_value::<ToolSetSpec>(
            json!({"adapter": {"type": "mcp", "mcp": {"url": "x", "extra": 1}}})
        )
        .is_err());
    }

    #[test]
    fn secret_reference_syntax() {
        assert_eq!(
            secret_references("Bearer {{secrets.API_TOKEN}}").unwrap(),
            ["API_TOKEN"]
        );
        assert_eq!(
            secret_references("{{ secrets.a }}-{{secrets.b}}").unwrap(),
            ["a", "b"]
        );
        assert!(secret_references("{{secrets.API").is_err());
        assert!(secret_references("{{env.HOME}}").is_err());
        assert!(secret_references("{{secrets.1x}}").is_err());
        assert!(secret_references("no refs").unwrap().is_empty());
    }

    #[test]
    fn tool_names() {
        assert_eq!(sanitize_tool_name("Get weather (v2)!"), "Get_weather_v2");
        assert_eq!(sanitize_tool_name("***"), "tool");
        assert_eq!(sanitize_tool_name(&"x".repeat(100)).len(), 64);
        assert!(check_llm_tool_name("get_weather-2").is_ok());
        assert!(check_llm_tool_name("get weather").is_err());
    }

    #[test]
    fn tool_specs_match_their_set() {
        let spec: ToolSpecInput = serde_json::from_value(json!({
            "description": "Weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            "config": {"type": "http", "http": {"requestMethod": "GET", "path": "/weather/{city}"}}
        }))
        .unwrap();
        let mut v = Violations::new();
        let out = spec
            .validate("spec", "Get weather", "http", &mut v)
            .unwrap();
        assert!(v.is_empty(), "{v:?}");
        assert_eq!(out.llm_tool_name, "Get_weather");
        let mut v = Violations::new();
        assert!(spec.validate("spec", "w", "mcp", &mut v).is_none());
        assert_eq!(v.0[0].field, "spec.config.type");

        let bad: ToolSpecInput = serde_json::from_value(json!({
            "parameters": {"type": "object"},
            "config": {"type": "http", "http": {"requestMethod": "GET", "path": "/w/{town}"}}
        }))
        .unwrap();
        let mut v = Violations::new();
        bad.validate("spec", "w", "http", &mut v);
        assert_eq!(v.0[0].field, "spec.config.http.path");
        let missing: ToolSpecInput =
            serde_json::from_value(json!({"config": {"type": "bare", "bare": {}}})).unwrap();
        let mut v = Violations::new();
        missing.validate("spec", "w", "bare", &mut v);
        assert_eq!(v.0[0].field, "spec.parameters");
    }
}
