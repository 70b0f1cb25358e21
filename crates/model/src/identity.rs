//! Accounts, workspaces, profiles, API keys, `/v1/me` and bootstrap (docs/api.md §2).

use crate::enums::{ApiKeyState, ProfileType, WorkspaceStatus};
use crate::metadata::{AccountResourceMetadata, MetadataInput, ResourceMetadata};
use crate::patch::{Section, METADATA_FIELDS};
use crate::scope::{Scope, ScopeSet};
use crate::violations::Violations;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A principal: a human user, an API key or the system itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Profile {
    pub metadata: AccountResourceMetadata,
    pub spec: ProfileSpec,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProfileSpec {
    #[serde(rename = "type")]
    pub kind: ProfileType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The top-level tenant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Account {
    pub metadata: AccountResourceMetadata,
    pub spec: AccountSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<AccountInfo>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    /// Signs webhook deliveries (Standard Webhooks); shown only to `*` tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_events_hmac_secret: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A workspace groups resources; tokens are bound to workspaces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Workspace {
    pub metadata: AccountResourceMetadata,
    pub spec: WorkspaceSpec,
    pub status: WorkspaceStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkspaceSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `POST /v1/workspaces`
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateWorkspaceRequest {
    pub metadata: MetadataInput,
    #[serde(default)]
    pub spec: WorkspaceSpec,
}

impl WorkspaceSpec {
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
        self
    }
}

/// An API key. Its token is shown once, on create and on rotate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApiKey {
    pub metadata: ResourceMetadata,
    pub spec: ApiKeySpec,
    pub state: ApiKeyState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<ApiKeyInfo>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeySpec {
    /// The bearer token; present only in the responses of create and `:rotate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `*` or `<resource>:read|write`; `:write` implies `:read`.
    pub scopes: Vec<String>,
    /// When the key stops working; absent = never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub expires_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyInfo {
    /// The profile this key authenticates as (the token's `sub`).
    pub profile_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Profile>,
    /// Workspaces the key can reach.
    pub workspace_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub last_rotated_at: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiKeySpecInput {
    /// Output only; ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Required on create; never more than the caller's own scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// RFC 3339; must be in the future. Fixed at create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub expires_at: Option<String>,
}

/// `POST …/api_keys`
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    pub metadata: MetadataInput,
    pub spec: ApiKeySpecInput,
}

/// `PATCH …/api_keys/{id}`: name, labels, description and scopes.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateApiKeyRequest {
    #[serde(default)]
    pub metadata: Option<MetadataInput>,
    #[serde(default)]
    pub spec: Option<ApiKeySpecInput>,
    #[serde(default)]
    pub update_mask: Option<String>,
    #[serde(default)]
    #[schemars(skip)]
    pub state: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    #[schemars(skip)]
    pub info: Option<serde::de::IgnoredAny>,
}

pub const API_KEY_SECTIONS: &[Section] = &[
    Section {
        name: "metadata",
        fields: METADATA_FIELDS,
    },
    Section {
        name: "spec",
        fields: &["description", "scopes"],
    },
];

/// Parses and checks a scope list; violations are named `<at>[i]`.
pub fn parse_scopes(list: &[String], at: &str, v: &mut Violations) -> ScopeSet {
    if list.is_empty() {
        v.add(at, "at least one scope is required (e.g. `agents:read`)");
    }
    let mut scopes = Vec::new();
    for (i, s) in list.iter().enumerate() {
        match s.parse::<Scope>() {
            Ok(scope) => scopes.push(scope),
            Err(e) => v.add(format!("{at}[{i}]"), e),
        }
    }
    ScopeSet::new(scopes)
}

/// `GET /v1/me`: who the token is and what it may do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    /// The API key id (`jti`).
    pub token_id: String,
    pub scopes: Vec<String>,
    /// The workspace, when the token is bound to exactly one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<Workspace>,
    pub workspaces: Vec<Workspace>,
    pub profile: Profile,
    pub account: Account,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub expires_at: Option<String>,
}

/// `GET /v1/whoami`: the caller's profile, plus the token facts of `/v1/me`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WhoAmI {
    pub metadata: AccountResourceMetadata,
    pub spec: ProfileSpec,
    pub token_id: String,
    pub scopes: Vec<String>,
    pub workspace_ids: Vec<String>,
}

/// `POST /v1/bootstrap`
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BootstrapRequest {
    pub account_name: String,
    pub workspace_name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BootstrapResponse {
    pub account: Account,
    pub workspace: Workspace,
    /// An all-scopes key for the workspace; its token is in `spec.token`, shown once.
    pub api_key: ApiKey,
}
