//! Memory layers and their entries (docs/api.md §3; shapes from the SDK).

use crate::identity::Profile;
use crate::metadata::{MetadataInput, ResourceMetadata};
use crate::patch::{Section, METADATA_FIELDS};
use crate::violations::Violations;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const MAX_CONTENT_BYTES: usize = 64 * 1024;
pub const MAX_KEY_CHARS: usize = 512;

crate::wire_enum! {
    /// USER layers are managed through the API; EPISODIC ones by the objective runtime
    /// (one per agent and episodic key) and are read-only here.
    MemoryLayerType {
        Unspecified = "MEMORY_LAYER_TYPE_UNSPECIFIED",
        User = "MEMORY_LAYER_TYPE_USER",
        Episodic = "MEMORY_LAYER_TYPE_EPISODIC",
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MemoryLayer {
    pub metadata: ResourceMetadata,
    pub spec: MemoryLayerSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<MemoryLayerInfo>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemoryLayerSpec {
    #[serde(rename = "type")]
    pub kind: MemoryLayerType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Episodic layers: the agent they belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Episodic layers: the key objectives share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub episodic_key: Option<String>,
    /// Episodic layers: when the layer becomes eligible for cleanup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub expires_at: Option<String>,
    /// True for layers the runtime owns; they are read-only through the API.
    pub system_managed: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemoryLayerInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Profile>,
    pub entry_count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub last_used_at: Option<String>,
}

/// What a client may set on a layer; the server-set fields are accepted back only
/// with their current values.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemoryLayerSpecInput {
    /// Only `MEMORY_LAYER_TYPE_USER` (the default) can be created here.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<MemoryLayerType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(skip)]
    pub agent_id: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(skip)]
    pub episodic_key: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(skip)]
    pub expires_at: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(skip)]
    pub system_managed: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateMemoryLayerRequest {
    pub metadata: MetadataInput,
    #[serde(default)]
    pub spec: MemoryLayerSpecInput,
    #[serde(default)]
    #[schemars(skip)]
    pub info: Option<serde::de::IgnoredAny>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateMemoryLayerRequest {
    #[serde(default)]
    pub metadata: Option<MetadataInput>,
    #[serde(default)]
    pub spec: Option<MemoryLayerSpecInput>,
    #[serde(default)]
    pub update_mask: Option<String>,
    #[serde(default)]
    #[schemars(skip)]
    pub info: Option<serde::de::IgnoredAny>,
}

pub const MEMORY_LAYER_SECTIONS: &[Section] = &[
    Section {
        name: "metadata",
        fields: METADATA_FIELDS,
    },
    Section {
        name: "spec",
        fields: &["type", "description"],
    },
];

impl MemoryLayerSpecInput {
    /// Validates a client-created layer (always USER).
    pub fn validate(&self, at: &str, v: &mut Violations) -> MemoryLayerSpec {
        match self.kind {
            None | Some(MemoryLayerType::Unspecified) | Some(MemoryLayerType::User) => {}
            Some(MemoryLayerType::Episodic) => v.add(
                format!("{at}.type"),
                "episodic layers are created by the runtime for objectives with an episodicKey",
            ),
        }
        for (name, given) in [
            ("agentId", &self.agent_id),
            ("episodicKey", &self.episodic_key),
            ("expiresAt", &self.expires_at),
        ] {
            if given.as_ref().is_some_and(|g| !g.is_null()) {
                v.add(
                    format!("{at}.{name}"),
                    "is set by the server on episodic layers",
                );
            }
        }
        if self
            .system_managed
            .as_ref()
            .is_some_and(|g| g != &serde_json::Value::Bool(false) && !g.is_null())
        {
            v.add(format!("{at}.systemManaged"), "is set by the server");
        }
        if let Some(d) = &self.description {
            if d.chars().count() > crate::agent::MAX_DESCRIPTION_CHARS {
                v.add(
                    format!("{at}.description"),
                    "must be at most 10000 characters",
                );
            }
        }
        MemoryLayerSpec {
            kind: MemoryLayerType::User,
            description: self.description.clone(),
            agent_id: None,
            episodic_key: None,
            expires_at: None,
            system_managed: false,
        }
    }
}

/// One keyed piece of memory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MemoryEntry {
    pub metadata: ResourceMetadata,
    pub spec: MemoryEntrySpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<MemoryEntryInfo>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemoryEntrySpec {
    /// Unique within the layer; S3-safe characters (letters, digits, `!-_.*'()/`).
    pub key: String,
    /// At most 64 KiB. Lists omit it; single reads include it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemoryEntryInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Profile>,
    pub memory_layer: crate::variation::BareMetadata,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemoryEntrySpecInput {
    /// The SDK's `"content"` form marker; only inline content is supported.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `metadata` is optional for entries: the name defaults to the key.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateMemoryEntryRequest {
    #[serde(default)]
    pub metadata: MetadataInput,
    pub spec: MemoryEntrySpecInput,
    #[serde(default)]
    #[schemars(skip)]
    pub info: Option<serde::de::IgnoredAny>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateMemoryEntryRequest {
    #[serde(default)]
    pub metadata: Option<MetadataInput>,
    #[serde(default)]
    pub spec: Option<MemoryEntrySpecInput>,
    #[serde(default)]
    pub update_mask: Option<String>,
    #[serde(default)]
    #[schemars(skip)]
    pub info: Option<serde::de::IgnoredAny>,
}

pub const MEMORY_ENTRY_SECTIONS: &[Section] = &[
    Section {
        name: "metadata",
        fields: METADATA_FIELDS,
    },
    Section {
        name: "spec",
        fields: &["key", "content", "description"],
    },
];

impl MemoryEntrySpecInput {
    pub fn validate(&self, at: &str, v: &mut Violations) -> MemoryEntrySpec {
        if let Some(k) = &self.kind {
            if k != "content" {
                v.add(
                    format!("{at}.type"),
                    "only inline `content` entries are supported",
                );
            }
        }
        let key = match &self.key {
            None => {
                v.add(format!("{at}.key"), "is required");
                String::new()
            }
            Some(k) => {
                if let Err(e) = check_entry_key(k) {
                    v.add(format!("{at}.key"), e);
                }
                k.clone()
            }
        };
        match &self.content {
            None => v.add(format!("{at}.content"), "is required"),
            Some(c) if c.len() > MAX_CONTENT_BYTES => v.add(
                format!("{at}.content"),
                format!("must be at most 64 KiB (got {} bytes)", c.len()),
            ),
            Some(_) => {}
        }
        if let Some(d) = &self.description {
            if d.chars().count() > 1000 {
                v.add(
                    format!("{at}.description"),
                    "must be at most 1000 characters",
                );
            }
        }
        MemoryEntrySpec {
            key,
            content: self.content.clone(),
            description: self.description.clone(),
        }
    }
}

/// S3-safe keys: `[A-Za-z0-9!_.*'()/-]`, no leading/trailing or doubled `/`, not under
/// the reserved `cadenya/` or `system/` prefixes.
pub fn check_entry_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.chars().count() > MAX_KEY_CHARS {
        return Err(format!("must be 1 to {MAX_KEY_CHARS} characters"));
    }
    if !key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "!-_.*'()/".contains(c))
    {
        return Err("may contain only letters, digits and ! - _ . * ' ( ) /".into());
    }
    if key.starts_with('/') || key.ends_with('/') || key.contains("//") {
        return Err("must not start or end with `/` or contain `//`".into());
    }
    if key.starts_with("cadenya/") || key.starts_with("system/") {
        return Err("`cadenya/` and `system/` are reserved prefixes".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        for ok in ["greeting", "skills/postmortem/write", "a.b_c-d!(1)*'"] {
            assert_eq!(check_entry_key(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "/a",
            "a/",
            "a//b",
            "system/x",
            "cadenya/y",
            "has space",
            "ü",
        ] {
            assert!(check_entry_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn entries_need_key_and_bounded_content() {
        let mut v = Violations::new();
        MemoryEntrySpecInput::default().validate("spec", &mut v);
        let fields: Vec<_> = v.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["spec.key", "spec.content"]);
        let big = MemoryEntrySpecInput {
            key: Some("k".into()),
            content: Some("x".repeat(MAX_CONTENT_BYTES + 1)),
            ..Default::default()
        };
        let mut v = Violations::new();
        big.validate("spec", &mut v);
        assert_eq!(v.0[0].field, "spec.content");
    }

    #[test]
    fn only_user_layers_are_created_here() {
        let input = MemoryLayerSpecInput {
            kind: Some(MemoryLayerType::Episodic),
            ..Default::default()
        };
        let mut v = Violations::new();
        input.validate("spec", &mut v);
        assert_eq!(v.0[0].field, "spec.type");
    }
}
