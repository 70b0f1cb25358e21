//! Agents (docs/api.md §6.1, §6.2, §6.4, §3).

use crate::enums::{AgentStatus, VariationSelectionMode};
use crate::identity::Profile;
use crate::json_schema::check_object_schema;
use crate::metadata::{MetadataInput, ResourceMetadata};
use crate::patch::{Section, METADATA_FIELDS};
use crate::violations::Violations;
use crate::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
pub const MAX_URL_CHARS: usize = 2048;

/// An agent: what it is for, how its variations are chosen, where its events go.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Agent {
    pub metadata: ResourceMetadata,
    pub spec: AgentSpec,
    /// Populated on single reads and on lists with `includeInfo=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<AgentInfo>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentSpec {
    pub status: AgentStatus,
    pub variation_selection_mode: VariationSelectionMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema (draft 2020-12) objective `data` must satisfy; also the parameters
    /// of this agent when it is used as a sub-agent tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_data_schema: Option<JsonObject>,
    /// JSON Schema of the structured output objectives must submit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_definition: Option<JsonObject>,
    /// Where objective events are delivered as signed webhooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_events_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Profile>,
    pub variation_count: i64,
}

/// The agent fields a client sends; absent fields take their defaults on create.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentSpecInput {
    /// Defaults to `AGENT_STATUS_DRAFT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AgentStatus>,
    /// Defaults to `VARIATION_SELECTION_MODE_RANDOM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variation_selection_mode: Option<VariationSelectionMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_data_schema: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_definition: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_events_url: Option<String>,
}

/// `POST …/agents`
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateAgentRequest {
    pub metadata: MetadataInput,
    #[serde(default)]
    pub spec: AgentSpecInput,
    /// Output only; ignored, so a fetched agent can be sent back.
    #[serde(default)]
    #[schemars(skip)]
    pub info: Option<serde::de::IgnoredAny>,
}

/// `PATCH …/agents/{id}`: fields given are merged; `updateMask` restricts to named paths.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateAgentRequest {
    #[serde(default)]
    pub metadata: Option<MetadataInput>,
    #[serde(default)]
    pub spec: Option<AgentSpecInput>,
    /// Comma-separated paths such as `spec.description,metadata.labels` (also accepted as a query parameter).
    #[serde(default)]
    pub update_mask: Option<String>,
    #[serde(default)]
    #[schemars(skip)]
    pub info: Option<serde::de::IgnoredAny>,
}

/// What PATCH may touch on an agent.
pub const AGENT_SECTIONS: &[Section] = &[
    Section {
        name: "metadata",
        fields: METADATA_FIELDS,
    },
    Section {
        name: "spec",
        fields: &[
            "status",
            "variationSelectionMode",
            "description",
            "inputDataSchema",
            "outputDefinition",
            "webhookEventsUrl",
        ],
    },
];

impl AgentSpecInput {
    /// The validated spec with defaults applied; violations are named under `at`.
    pub fn validate(&self, at: &str, v: &mut Violations) -> AgentSpec {
        let status = match self.status {
            None | Some(AgentStatus::Unspecified) => AgentStatus::Draft,
            Some(s) => s,
        };
        let mode = match self.variation_selection_mode {
            None | Some(VariationSelectionMode::Unspecified) => VariationSelectionMode::Random,
            Some(m) => m,
        };
        if let Some(d) = &self.description {
            if d.chars().count() > MAX_DESCRIPTION_CHARS {
                v.add(
                    format!("{at}.description"),
                    format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
                );
            }
        }
        let input_data_schema =
            schema_field(&self.input_data_schema, &format!("{at}.inputDataSchema"), v);
        let output_definition = schema_field(
            &self.output_definition,
            &format!("{at}.outputDefinition"),
            v,
        );
        if let Some(url) = &self.webhook_events_url {
            if let Err(e) = check_http_url(url) {
                v.add(format!("{at}.webhookEventsUrl"), e);
            }
        }
        AgentSpec {
            status,
            variation_selection_mode: mode,
            description: self.description.clone(),
            input_data_schema,
            output_definition,
            webhook_events_url: self.webhook_events_url.clone(),
        }
    }
}

fn schema_field(
    value: &Option<serde_json::Value>,
    at: &str,
    v: &mut Violations,
) -> Option<JsonObject> {
    let value = value.as_ref()?;
    match check_object_schema(value) {
        Ok(()) => value.as_object().cloned(),
        Err(e) => {
            v.add(at, e);
            None
        }
    }
}

/// An absolute `http`/`https` URL with a host.
pub fn check_http_url(url: &str) -> Result<(), String> {
    if url.len() > MAX_URL_CHARS {
        return Err(format!("must be at most {MAX_URL_CHARS} characters"));
    }
    let bad = || format!("`{url}` is not an absolute http(s) URL");
    let uri: http::Uri = url.parse().map_err(|_| bad())?;
    match uri.scheme_str() {
        Some("http") | Some("https") => {}
        _ => return Err(bad()),
    }
    match uri.host() {
        Some(h) if !h.is_empty() => Ok(()),
        _ => Err(bad()),
    }
}

impl Agent {
    /// What a model is told this agent does as a tool: its description, or — when it
    /// has none — `fallback`'s sentence naming it.
    pub fn tool_description(&self, fallback: impl FnOnce(&str) -> String) -> String {
        match self.spec.description.as_deref() {
            Some(d) if !d.trim().is_empty() => d.to_owned(),
            _ => fallback(&self.metadata.name),
        }
    }

    /// The agent as a client would send it, for merging updates.
    pub fn input_view(&self) -> serde_json::Value {
        let metadata = MetadataInput::settable(&self.metadata.fields());
        serde_json::json!({ "metadata": metadata, "spec": self.spec })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_are_draft_and_random() {
        let mut v = Violations::new();
        let spec = AgentSpecInput::default().validate("spec", &mut v);
        assert!(v.is_empty());
        assert_eq!(spec.status, AgentStatus::Draft);
        assert_eq!(
            spec.variation_selection_mode,
            VariationSelectionMode::Random
        );
    }

    #[test]
    fn unspecified_means_default() {
        let input: AgentSpecInput = serde_json::from_value(json!({
            "status": "AGENT_STATUS_UNSPECIFIED",
            "variationSelectionMode": "VARIATION_SELECTION_MODE_WEIGHTED"
        }))
        .unwrap();
        let spec = input.validate("spec", &mut Violations::new());
        assert_eq!(spec.status, AgentStatus::Draft);
        assert_eq!(
            spec.variation_selection_mode,
            VariationSelectionMode::Weighted
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let input = AgentSpecInput {
            webhook_events_url: Some("ftp://x".into()),
            input_data_schema: Some(json!({"type": 5})),
            description: Some("d".repeat(MAX_DESCRIPTION_CHARS + 1)),
            ..Default::default()
        };
        let mut v = Violations::new();
        input.validate("spec", &mut v);
        let fields: Vec<_> = v.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "spec.description",
                "spec.inputDataSchema",
                "spec.webhookEventsUrl"
            ]
        );
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let err = serde_json::from_value::<AgentSpecInput>(json!({"colour": "red"})).unwrap_err();
        assert!(err.to_string().contains("unknown field `colour`"));
    }

    #[test]
    fn urls() {
        assert!(check_http_url("https://hooks.example.com/cadenya?x=1").is_ok());
        assert!(check_http_url("http://127.0.0.1:8080/h").is_ok());
        assert!(check_http_url("/relative").is_err());
        assert!(check_http_url("mailto:a@b.c").is_err());
        assert!(check_http_url("not a url").is_err());
    }
}
