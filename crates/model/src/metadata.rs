//! Resource metadata (docs/api.md §1) and the rules for the fields a client may set.

use crate::violations::{path, Violations};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub type Labels = BTreeMap<String, String>;

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_EXTERNAL_ID_CHARS: usize = 200;
pub const MAX_LABELS: usize = 64;
pub const MAX_LABEL_KEY_CHARS: usize = 63;
pub const MAX_LABEL_VALUE_CHARS: usize = 256;

/// Metadata of persistent, named, workspace-scoped resources (agents, API keys, …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceMetadata {
    /// Prefixed ULID, e.g. `agent_01HX…`.
    pub id: String,
    pub account_id: String,
    pub workspace_id: String,
    /// The profile that created the resource.
    pub profile_id: String,
    #[schemars(extend("format" = "date-time"))]
    pub created_at: String,
    #[schemars(extend("format" = "date-time"))]
    pub updated_at: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default)]
    pub labels: Labels,
    /// Set when a configuration bundle manages the resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_key: Option<String>,
}

impl ResourceMetadata {
    /// Read from a row that kept only `{id, name}` (see [`lenient`]); the reader fills
    /// in the rest from what owns the row.
    pub fn is_partial(&self) -> bool {
        self.account_id.is_empty()
    }
}

/// Reads full ResourceMetadata, or the `{id, name}` that older rows hold (the other
/// fields empty, [`ResourceMetadata::is_partial`]).
pub fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ResourceMetadata, D::Error> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Stored {
        id: String,
        #[serde(default)]
        account_id: String,
        #[serde(default)]
        workspace_id: String,
        #[serde(default)]
        profile_id: String,
        #[serde(default)]
        created_at: String,
        #[serde(default)]
        updated_at: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        external_id: Option<String>,
        #[serde(default)]
        labels: Labels,
        #[serde(default)]
        bundle_key: Option<String>,
    }
    let s = Stored::deserialize(d)?;
    Ok(ResourceMetadata {
        name: s.name.unwrap_or_else(|| s.id.clone()),
        id: s.id,
        account_id: s.account_id,
        workspace_id: s.workspace_id,
        profile_id: s.profile_id,
        created_at: s.created_at,
        updated_at: s.updated_at,
        external_id: s.external_id,
        labels: s.labels,
        bundle_key: s.bundle_key,
    })
}

/// Metadata of account-level resources (accounts, workspaces, profiles).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountResourceMetadata {
    pub id: String,
    pub account_id: String,
    pub profile_id: String,
    #[schemars(extend("format" = "date-time"))]
    pub created_at: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default)]
    pub labels: Labels,
}

/// Metadata of operations and records (audit log entries, later objectives and events).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationMetadata {
    pub id: String,
    pub account_id: String,
    pub workspace_id: String,
    /// The actor that created the operation: the caller's profile, or for what the
    /// engine writes, the profile of whoever created the objective.
    pub profile_id: String,
    #[schemars(extend("format" = "date-time"))]
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
}

impl OperationMetadata {
    /// Metadata of a record the system writes (events, tool calls, windows,
    /// deliveries): no external id, no labels.
    pub fn record(
        id: String,
        account_id: String,
        workspace_id: String,
        profile_id: String,
        created_at_ms: i64,
    ) -> Self {
        OperationMetadata {
            id,
            account_id,
            workspace_id,
            profile_id,
            created_at: crate::time::format_ms(created_at_ms),
            external_id: None,
            labels: Labels::default(),
        }
    }
}

/// Metadata a client sends. Output-only fields are accepted so a resource read with
/// GET can be sent back: ignored on update, and on create rejected only if they conflict.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetadataInput {
    /// Required on create, at most 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 200))]
    pub name: Option<String>,
    /// Your own identifier, unique per workspace and kind; usable as `external_id:<value>` in paths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// At most 64 pairs; keys `[a-z0-9_.-/]{1,63}`, values at most 256 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_key: Option<String>,
    /// Output only; must not be set on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Output only; must match the caller's account when set on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Output only; must match the workspace in the path when set on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    /// Output only; ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
    /// Output only; ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Output only; ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// The client-settable metadata fields, validated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetadataFields {
    pub name: String,
    pub external_id: Option<String>,
    pub labels: Labels,
    pub bundle_key: Option<String>,
}

impl ResourceMetadata {
    /// The client-settable fields as they are now.
    pub fn fields(&self) -> MetadataFields {
        MetadataFields {
            name: self.name.clone(),
            external_id: self.external_id.clone(),
            labels: self.labels.clone(),
            bundle_key: self.bundle_key.clone(),
        }
    }

    /// Takes validated client fields in an update made at `now` (RFC 3339).
    pub fn update(&mut self, fields: MetadataFields, now: String) {
        self.name = fields.name;
        self.external_id = fields.external_id;
        self.labels = fields.labels;
        self.bundle_key = fields.bundle_key;
        self.updated_at = now;
    }
}

/// Which server-owned values a create request may repeat without conflict.
pub struct Owner<'a> {
    pub account_id: &'a str,
    pub workspace_id: Option<&'a str>,
}

impl MetadataInput {
    /// Names the client-settable fields as stored, for merging updates.
    pub fn settable(fields: &MetadataFields) -> Self {
        MetadataInput {
            name: Some(fields.name.clone()),
            external_id: fields.external_id.clone(),
            labels: Some(fields.labels.clone()),
            bundle_key: fields.bundle_key.clone(),
            ..Default::default()
        }
    }

    /// Validates for create, adding violations under `at` (usually `metadata`).
    pub fn validate_create(&self, at: &str, owner: &Owner, v: &mut Violations) -> MetadataFields {
        if self.id.is_some() {
            v.add(
                path(at, "id"),
                "ids are assigned by the server; use metadata.externalId for your own identifier",
            );
        }
        if let Some(acct) = &self.account_id {
            if acct != owner.account_id {
                v.add(path(at, "accountId"), "does not match the caller's account");
            }
        }
        if let (Some(ws), Some(expected)) = (&self.workspace_id, owner.workspace_id) {
            if ws != expected {
                v.add(
                    path(at, "workspaceId"),
                    "does not match the workspace in the path",
                );
            }
        }
        self.validate_fields(at, v)
    }

    /// Validates the client-settable fields (server-owned ones are ignored).
    pub fn validate_fields(&self, at: &str, v: &mut Violations) -> MetadataFields {
        let name = match &self.name {
            None => {
                v.add(path(at, "name"), "is required");
                String::new()
            }
            Some(name) => {
                if let Err(e) = check_name(name) {
                    v.add(path(at, "name"), e);
                }
                name.clone()
            }
        };
        if let Some(ext) = &self.external_id {
            if let Err(e) = check_external_id(ext) {
                v.add(path(at, "externalId"), e);
            }
        }
        let labels = self.labels.clone().unwrap_or_default();
        check_labels(&labels, &path(at, "labels"), v);
        if let Some(bk) = &self.bundle_key {
            if bk.is_empty() || bk.chars().count() > MAX_NAME_CHARS {
                v.add(path(at, "bundleKey"), "must be 1 to 200 characters");
            }
        }
        MetadataFields {
            name,
            external_id: self.external_id.clone(),
            labels,
            bundle_key: self.bundle_key.clone(),
        }
    }
}

pub fn check_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("must not be empty".into());
    }
    let n = name.chars().count();
    if n > MAX_NAME_CHARS {
        return Err(format!(
            "must be at most {MAX_NAME_CHARS} characters (got {n})"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(())
}

/// External ids appear in paths (`external_id:<value>`), so they stay URL-safe.
pub fn check_external_id(ext: &str) -> Result<(), String> {
    let n = ext.chars().count();
    if n == 0 || n > MAX_EXTERNAL_ID_CHARS {
        return Err(format!(
            "external ids must be 1 to {MAX_EXTERNAL_ID_CHARS} characters"
        ));
    }
    if !ext
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.~:@+=".contains(c))
    {
        return Err("external ids may contain only letters, digits and - _ . ~ : @ + =".into());
    }
    Ok(())
}

pub fn check_label_key(key: &str) -> Result<(), String> {
    let ok = !key.is_empty()
        && key.len() <= MAX_LABEL_KEY_CHARS
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-/".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "label key `{key}` must be 1 to {MAX_LABEL_KEY_CHARS} characters of a-z 0-9 _ . - /"
        ))
    }
}

pub fn check_labels(labels: &Labels, at: &str, v: &mut Violations) {
    if labels.len() > MAX_LABELS {
        v.add(
            at,
            format!("at most {MAX_LABELS} labels (got {})", labels.len()),
        );
    }
    for (k, val) in labels {
        if let Err(e) = check_label_key(k) {
            v.add(format!("{at}.{k}"), e);
        }
        if val.chars().count() > MAX_LABEL_VALUE_CHARS {
            v.add(
                format!("{at}.{k}"),
                format!("label values must be at most {MAX_LABEL_VALUE_CHARS} characters"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> Owner<'static> {
        Owner {
            account_id: "acct_1",
            workspace_id: Some("ws_1"),
        }
    }

    #[test]
    fn name_is_required_and_bounded() {
        let mut v = Violations::new();
        MetadataInput::default().validate_create("metadata", &owner(), &mut v);
        assert_eq!(v.0[0].field, "metadata.name");

        let mut v = Violations::new();
        let long = MetadataInput {
            name: Some("x".repeat(201)),
            ..Default::default()
        };
        long.validate_create("metadata", &owner(), &mut v);
        assert_eq!(v.0.len(), 1);
        assert!(v.0[0].message.contains("at most 200"));
    }

    #[test]
    fn labels_are_checked() {
        let mut labels = Labels::new();
        labels.insert("Env".into(), "x".into());
        labels.insert("team".into(), "y".repeat(257));
        labels.insert("app.kubernetes.io/name".into(), "ok".into());
        let input = MetadataInput {
            name: Some("a".into()),
            labels: Some(labels),
            ..Default::default()
        };
        let mut v = Violations::new();
        input.validate_create("metadata", &owner(), &mut v);
        let fields: Vec<_> = v.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["metadata.labels.Env", "metadata.labels.team"]);
    }

    #[test]
    fn conflicting_owner_fields_are_rejected_on_create_only() {
        let input = MetadataInput {
            name: Some("a".into()),
            workspace_id: Some("ws_2".into()),
            id: Some("agent_x".into()),
            ..Default::default()
        };
        let mut v = Violations::new();
        input.validate_create("metadata", &owner(), &mut v);
        assert_eq!(v.0.len(), 2);
        let mut v = Violations::new();
        input.validate_fields("metadata", &mut v);
        assert!(v.is_empty());
    }

    #[test]
    fn external_ids_are_url_safe() {
        assert!(check_external_id("crm-42:eu").is_ok());
        assert!(check_external_id("a b").is_err());
        assert!(check_external_id("a/b").is_err());
        assert!(check_external_id("").is_err());
    }
}
