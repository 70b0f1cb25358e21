//! Tool sets: the resource, its spec and create/update requests, and spec validation.

use super::adapters::{check_headers, Adapter};
use crate::agent::check_http_url;
use crate::identity::Profile;
use crate::metadata::{MetadataInput, ResourceMetadata};
use crate::patch::{Section, METADATA_FIELDS};
use crate::violations::Violations;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

crate::wire_enum! {
    ToolSetState {
        Unspecified = "STATE_UNSPECIFIED",
        Active = "STATE_ACTIVE",
        Archived = "STATE_ARCHIVED",
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
    #[must_use = "validate returns the checked value: use it"]
    pub fn validate(self, at: &str, v: &mut Violations) -> Self {
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
        self
    }
}

fn url_field(url: &str, at: &str, v: &mut Violations) {
    if let Err(e) = check_http_url(url) {
        v.add(at, e);
    }
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
        let _ = s.validate("spec", &mut v);
        assert!(v.is_empty(), "{v:?}");
        assert!(
            serde_json::from_value::<ToolSetSpec>(json!({"adapter": {"type": "ftp"}})).is_err()
        );
        assert!(serde_json::from_value::<ToolSetSpec>(
            json!({"adapter": {"type": "mcp", "mcp": {"url": "x", "extra": 1}}})
        )
        .is_err());
    }
}
