//! The engine's knobs, read from Spin variables once per run.

use crate::net::ALLOW_PRIVATE_VAR;
use ports::Variables;

pub const OPENAI_DEFAULT_URL: &str = "https://api.openai.com/v1";
pub const ANTHROPIC_DEFAULT_URL: &str = "https://api.anthropic.com/v1";
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    OpenAi,
    Anthropic,
}

impl Provider {
    pub(crate) fn path(self) -> &'static str {
        match self {
            Provider::OpenAi => "chat/completions",
            Provider::Anthropic => "messages",
        }
    }

    pub(crate) fn auth_headers(self, key: Option<&str>) -> Vec<(&'static str, String)> {
        match (self, key) {
            (Provider::OpenAi, Some(k)) => vec![("authorization", format!("Bearer {k}"))],
            (Provider::OpenAi, None) => vec![],
            (Provider::Anthropic, k) => {
                let mut h = vec![("anthropic-version", ANTHROPIC_VERSION.to_owned())];
                if let Some(k) = k {
                    h.push(("x-api-key", k.to_owned()));
                }
                h
            }
        }
    }
}

/// Where one provider lives and how to authenticate.
#[derive(Clone, Debug, PartialEq)]
pub struct ProviderConfig {
    pub base_url: String,
    pub api_key: Option<String>,
    default_url: &'static str,
    name: &'static str,
    pub url_var: &'static str,
    pub key_var: &'static str,
}

impl ProviderConfig {
    /// The provider's own endpoint (which always needs a key).
    pub fn is_official(&self) -> bool {
        self.base_url.trim_end_matches('/') == self.default_url
    }

    /// How errors name it.
    pub fn label(&self) -> String {
        if self.is_official() {
            self.name.to_owned()
        } else {
            format!("the {}-compatible server", self.name)
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub model_timeout_ms: u64,
    pub tool_timeout_ms: u64,
    pub allow_private: bool,
    /// Anthropic requires a cap on the answer's length.
    pub max_tokens: u32,
    /// `model_context_tokens`: overrides the built-in context length table (0 = use it).
    pub context_tokens: Option<i64>,
    /// `embedding_model`: what re-ranks progressive discovery's results.
    pub embedding_model: String,
    openai: ProviderConfig,
    anthropic: ProviderConfig,
}

/// How long a lease outlives the longest single step.
const LEASE_MARGIN_MS: u64 = 10_000;

impl Settings {
    pub fn from_vars(vars: &dyn Variables) -> Self {
        let text = |name: &str| {
            vars.get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let seconds = |name: &str, default: u64| {
            text(name)
                .and_then(|v| v.parse::<u64>().ok())
                .filter(|s| *s > 0)
                .unwrap_or(default)
                * 1000
        };
        Settings {
            model_timeout_ms: seconds("model_timeout_seconds", 120),
            tool_timeout_ms: seconds("tool_timeout_seconds", 30),
            allow_private: text(ALLOW_PRIVATE_VAR).is_some_and(|v| v == "true"),
            max_tokens: text("model_max_tokens")
                .and_then(|v| v.parse().ok())
                .unwrap_or(4096),
            context_tokens: text("model_context_tokens")
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|n| *n > 0),
            embedding_model: text("embedding_model")
                .unwrap_or_else(|| "text-embedding-3-small".into()),
            openai: ProviderConfig {
                base_url: text("openai_base_url").unwrap_or_else(|| OPENAI_DEFAULT_URL.into()),
                api_key: text("openai_api_key"),
                default_url: OPENAI_DEFAULT_URL,
                name: "OpenAI",
                url_var: "openai_base_url",
                key_var: "openai_api_key",
            },
            anthropic: ProviderConfig {
                base_url: text("anthropic_base_url")
                    .unwrap_or_else(|| ANTHROPIC_DEFAULT_URL.into()),
                api_key: text("anthropic_api_key"),
                default_url: ANTHROPIC_DEFAULT_URL,
                name: "Anthropic",
                url_var: "anthropic_base_url",
                key_var: "anthropic_api_key",
            },
        }
    }

    pub fn provider(&self, p: Provider) -> &ProviderConfig {
        match p {
            Provider::OpenAi => &self.openai,
            Provider::Anthropic => &self.anthropic,
        }
    }

    /// Long enough that no single step (one HTTP call) outlives it: a lease that
    /// expired mid-step could let a second instance repeat the step's side effect.
    pub fn lease_ms(&self) -> i64 {
        (self.model_timeout_ms.max(self.tool_timeout_ms) + LEASE_MARGIN_MS) as i64
    }
}
