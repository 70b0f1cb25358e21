//! Tools: the resource, its spec and create/update requests, spec validation and tool names.

use super::adapters::{check_headers, HttpMethod, HttpToolConfig, ToolConfig};
use crate::identity::Profile;
use crate::metadata::{MetadataInput, ResourceMetadata};
use crate::patch::{Section, METADATA_FIELDS};
use crate::variation::BareMetadata;
use crate::violations::Violations;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const MAX_TOOL_NAME: usize = 64;

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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Profile>,
    pub tool_set: BareMetadata,
    /// When a sync last saw this tool missing from its MCP server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
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
    schema::check(p).map_err(|e| format!("is not a valid JSON Schema (draft 2020-12): {e}"))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
