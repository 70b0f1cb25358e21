//! AI provider keys: a workspace's own credentials for a model provider (shapes after the
//! `cadenya` SDK's `AIProviderKey`). A key serves one model family — the part of
//! `modelConfig.modelId` before the `/` — and the engine prefers it to the operator's
//! Spin-variable providers. Credentials are write-only: no response contains them.

use crate::identity::Profile;
use crate::metadata::{MetadataInput, ResourceMetadata};
use crate::violations::Violations;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

crate::wire_enum! {
    AiProvider {
        Unspecified = "AI_PROVIDER_UNSPECIFIED",
        OpenRouter = "AI_PROVIDER_OPENROUTER",
        OpenAi = "AI_PROVIDER_OPENAI",
        Anthropic = "AI_PROVIDER_ANTHROPIC",
        Gemini = "AI_PROVIDER_GEMINI",
        OpenAiCompatible = "AI_PROVIDER_OPENAI_COMPATIBLE",
    }
}

/// The model families named providers serve; a compatible key may not take one.
pub const BUILT_IN_FAMILIES: &[&str] = &["openai", "anthropic", "claude", "openrouter", "gemini"];

pub const OPENROUTER_URL: &str = "https://openrouter.ai/api/v1";
pub const GEMINI_OPENAI_URL: &str = "https://generativelanguage.googleapis.com/v1beta/openai";

impl AiProvider {
    /// The family a key of this provider serves; a compatible key's is its external id.
    pub fn family(self, external_id: Option<&str>) -> Option<String> {
        match self {
            AiProvider::OpenAi => Some("openai".into()),
            AiProvider::Anthropic => Some("anthropic".into()),
            AiProvider::OpenRouter => Some("openrouter".into()),
            AiProvider::Gemini => Some("gemini".into()),
            AiProvider::OpenAiCompatible => external_id.map(str::to_owned),
            AiProvider::Unspecified => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AiProvider::OpenAi => "OpenAI",
            AiProvider::Anthropic => "Anthropic",
            AiProvider::OpenRouter => "OpenRouter",
            AiProvider::Gemini => "Gemini",
            AiProvider::OpenAiCompatible => "the OpenAI-compatible server",
            AiProvider::Unspecified => "an unspecified provider",
        }
    }
}

/// The family a `modelId` family resolves to (`claude/…` is Anthropic's).
pub fn canonical_family(family: &str) -> &str {
    match family {
        "claude" => "anthropic",
        other => other,
    }
}

/// Non-secret, provider-specific settings; the case must match the provider.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum AiProviderConfig {
    #[serde(rename = "openai")]
    OpenAi { openai: OpenAiConfig },
    #[serde(rename = "openrouter")]
    OpenRouter { openrouter: OpenRouterConfig },
    #[serde(rename = "openaiCompatible", rename_all = "camelCase")]
    OpenAiCompatible {
        openai_compatible: OpenAiCompatibleConfig,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenAiConfig {
    /// Sent as the `OpenAI-Organization` header when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// Sent as the `OpenAI-Project` header when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
}

/// OpenRouter has no settings here (data-residency regions are not supported).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenRouterConfig {}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenAiCompatibleConfig {
    /// The server's OpenAI API root, e.g. `http://127.0.0.1:11434/v1`.
    pub base_url: String,
}

/// The secret material: write-only, stored sealed, never returned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum AiProviderCredentials {
    #[serde(rename_all = "camelCase")]
    ApiKey {
        api_key: ApiKeyCredential,
    },
    Headers {
        headers: HeadersCredential,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiKeyCredential {
    pub api_key: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeadersCredential {
    /// Sent with every request to the provider, e.g. `{"Authorization": "Bearer …"}`.
    pub headers: BTreeMap<String, String>,
}

/// A workspace's key for an AI provider.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AiProviderKey {
    pub metadata: ResourceMetadata,
    pub spec: AiProviderKeySpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<AiProviderKeyInfo>,
}

/// The key as responses show it: credentials are never returned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AiProviderKeySpec {
    pub provider: AiProvider,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<AiProviderConfig>,
    /// Whether credentials are stored (they are never shown).
    pub has_credentials: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AiProviderKeyInfo {
    /// The `modelConfig.modelId` prefix this key serves (`<family>/<model>`).
    pub model_family: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Profile>,
}

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AiProviderKeySpecInput {
    #[serde(default)]
    pub provider: Option<AiProvider>,
    #[serde(default)]
    pub config: Option<AiProviderConfig>,
    /// Write-only.
    #[serde(default)]
    pub credentials: Option<AiProviderCredentials>,
    /// Output only; ignored.
    #[serde(default)]
    #[schemars(skip)]
    pub has_credentials: Option<serde::de::IgnoredAny>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateAiProviderKeyRequest {
    /// An OpenAI-compatible key's `externalId` is the model family it serves.
    pub metadata: MetadataInput,
    pub spec: AiProviderKeySpecInput,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateAiProviderKeyRequest {
    #[serde(default)]
    pub metadata: Option<MetadataInput>,
    #[serde(default)]
    pub spec: Option<AiProviderKeySpecInput>,
    #[serde(default)]
    pub update_mask: Option<String>,
    #[serde(default)]
    #[schemars(skip)]
    pub info: Option<serde::de::IgnoredAny>,
}

const MAX_CREDENTIAL_BYTES: usize = 16 * 1024;

/// Checks a key's provider, config, credentials and family together; `credentials`
/// is required (except for compatible servers) only where `require_credentials`.
pub fn check_key(
    provider: Option<AiProvider>,
    config: Option<&AiProviderConfig>,
    credentials: Option<&AiProviderCredentials>,
    external_id: Option<&str>,
    require_credentials: bool,
    v: &mut Violations,
) -> Option<String> {
    let provider = match provider {
        None | Some(AiProvider::Unspecified) => {
            v.add(
                "spec.provider",
                "is required: AI_PROVIDER_OPENAI, _ANTHROPIC, _OPENROUTER, _GEMINI or _OPENAI_COMPATIBLE",
            );
            return None;
        }
        Some(p) => p,
    };
    match (provider, config) {
        (AiProvider::OpenAi, None | Some(AiProviderConfig::OpenAi { .. }))
        | (AiProvider::OpenRouter, None | Some(AiProviderConfig::OpenRouter { .. }))
        | (AiProvider::Anthropic | AiProvider::Gemini | AiProvider::Unspecified, None) => {}
        (AiProvider::OpenAiCompatible, Some(AiProviderConfig::OpenAiCompatible { openai_compatible })) => {
            if let Err(e) = check_base_url(&openai_compatible.base_url) {
                v.add("spec.config.openaiCompatible.baseUrl", e);
            }
        }
        (AiProvider::OpenAiCompatible, None) => v.add(
            "spec.config",
            "is required for AI_PROVIDER_OPENAI_COMPATIBLE: {\"type\": \"openaiCompatible\", \"openaiCompatible\": {\"baseUrl\": …}}",
        ),
        (p, Some(_)) => v.add(
            "spec.config",
            format!("does not match the provider {}", p.as_str()),
        ),
    }
    match credentials {
        Some(c) => check_credentials(c, v),
        None if require_credentials && provider != AiProvider::OpenAiCompatible => v.add(
            "spec.credentials",
            format!("is required for {}", provider.as_str()),
        ),
        None => {}
    }
    if provider == AiProvider::OpenAiCompatible {
        match external_id {
            None => v.add(
                "metadata.externalId",
                "is required for an OpenAI-compatible key: it is the model family its models are addressed by (`<externalId>/<model>`)",
            ),
            Some(id) if BUILT_IN_FAMILIES.contains(&id) => v.add(
                "metadata.externalId",
                format!("`{id}` is a built-in model family; choose another"),
            ),
            Some(id) if id.contains('/') => v.add("metadata.externalId", "may not contain `/`"),
            Some(_) => {}
        }
    }
    provider.family(external_id)
}

fn check_base_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("must be an http:// or https:// URL")?;
    if rest.is_empty() || rest.starts_with('/') || url.chars().any(char::is_whitespace) {
        return Err("must be an http:// or https:// URL with a host".into());
    }
    if url.len() > 2048 {
        return Err("must be at most 2048 characters".into());
    }
    Ok(())
}

fn check_credentials(c: &AiProviderCredentials, v: &mut Violations) {
    let ok =
        |s: &str| !s.is_empty() && s.len() <= MAX_CREDENTIAL_BYTES && !s.contains(['\r', '\n']);
    match c {
        AiProviderCredentials::ApiKey { api_key } => {
            if !ok(&api_key.api_key) {
                v.add(
                    "spec.credentials.apiKey.apiKey",
                    "must be 1 byte to 16 KiB without line breaks",
                );
            }
        }
        AiProviderCredentials::Headers { headers } => {
            if headers.headers.is_empty() {
                v.add(
                    "spec.credentials.headers.headers",
                    "must name at least one header",
                );
            }
            for (name, value) in &headers.headers {
                let token = !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
                if !token {
                    v.add(
                        format!("spec.credentials.headers.headers.{name}"),
                        "is not a valid header name",
                    );
                } else if !ok(value) {
                    v.add(
                        format!("spec.credentials.headers.headers.{name}"),
                        "must be 1 byte to 16 KiB without line breaks",
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        p: Option<AiProvider>,
        config: Option<AiProviderConfig>,
        creds: bool,
        ext: Option<&str>,
    ) -> (Option<String>, Vec<String>) {
        let mut v = Violations::new();
        let c = creds.then(|| AiProviderCredentials::ApiKey {
            api_key: ApiKeyCredential {
                api_key: "k".into(),
            },
        });
        let family = check_key(p, config.as_ref(), c.as_ref(), ext, true, &mut v);
        (family, v.0.iter().map(|f| f.field.clone()).collect())
    }

    fn compat(url: &str) -> Option<AiProviderConfig> {
        Some(AiProviderConfig::OpenAiCompatible {
            openai_compatible: OpenAiCompatibleConfig {
                base_url: url.into(),
            },
        })
    }

    #[test]
    fn families_and_the_rules_per_provider() {
        assert_eq!(
            check(Some(AiProvider::OpenAi), None, true, None),
            (Some("openai".into()), vec![])
        );
        assert_eq!(
            check(Some(AiProvider::Anthropic), None, true, None)
                .0
                .as_deref(),
            Some("anthropic")
        );
        assert_eq!(check(None, None, true, None).1, ["spec.provider"]);
        assert_eq!(
            check(Some(AiProvider::OpenAi), None, false, None).1,
            ["spec.credentials"]
        );
        assert_eq!(
            check(Some(AiProvider::Anthropic), compat("http://x"), true, None).1,
            ["spec.config"]
        );
        let (family, errs) = check(
            Some(AiProvider::OpenAiCompatible),
            compat("http://127.0.0.1:1/v1"),
            false,
            Some("gateway"),
        );
        assert_eq!((family.as_deref(), errs.len()), (Some("gateway"), 0));
        assert_eq!(
            check(
                Some(AiProvider::OpenAiCompatible),
                compat("ftp://x"),
                false,
                Some("g")
            )
            .1,
            ["spec.config.openaiCompatible.baseUrl"]
        );
        assert_eq!(
            check(
                Some(AiProvider::OpenAiCompatible),
                compat("http://x"),
                false,
                None
            )
            .1,
            ["metadata.externalId"]
        );
        assert_eq!(
            check(
                Some(AiProvider::OpenAiCompatible),
                compat("http://x"),
                false,
                Some("claude")
            )
            .1,
            ["metadata.externalId"]
        );
        assert_eq!(canonical_family("claude"), "anthropic");
    }
}
