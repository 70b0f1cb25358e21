//! Workspace secrets and `{{secrets.NAME}}` references: the resource, its requests, and name and value checks.

use crate::identity::Profile;
use crate::metadata::{MetadataInput, ResourceMetadata};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const MAX_SECRET_BYTES: usize = 16 * 1024;

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
    #[schemars(extend("format" = "date-time"))]
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
}
