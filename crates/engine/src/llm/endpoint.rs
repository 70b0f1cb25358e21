//! Where a model call goes: the workspace's AI provider key for the model's family if it
//! has one, else the operator's provider from the Spin variables.

use super::LlmError;
use crate::settings::{Provider, Settings};
use model::providers::{
    canonical_family, AiProvider, AiProviderConfig, AiProviderCredentials, GEMINI_OPENAI_URL,
    OPENROUTER_URL,
};
use ports::Env;
use store::providers::StoredKey;
use store::Db;

/// A resolved model endpoint: its wire format, URL root and headers, and how errors
/// name it and say what to fix.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    pub wire: Provider,
    pub base_url: String,
    pub headers: Vec<(String, String)>,
    /// How messages name it, e.g. "OpenAI" or "OpenAI (AI provider key `aipk_…` “prod”)".
    pub label: String,
    /// What to check after the provider refuses the credentials.
    pub auth_hint: String,
    /// A reason not to call at all (an official endpoint with no key).
    pub missing_key: Option<String>,
    /// Where the URL comes from, for the outbound-policy error.
    pub url_source: String,
}

/// The endpoint and the model name for `model_id` (`family/model`) in `workspace_id`.
pub fn resolve<'m>(
    db: &Db,
    env: &Env,
    settings: &Settings,
    workspace_id: &str,
    model_id: Option<&'m str>,
) -> Result<(Endpoint, &'m str), LlmError> {
    let (id, family, model) = super::split(model_id)?;
    let key =
        store::providers::for_family(db, workspace_id, canonical_family(family)).map_err(|e| {
            LlmError::Provider(format!("cannot read the workspace's AI provider keys: {e}"))
        })?;
    if let Some(key) = key {
        return Ok((of_key(env, settings, key)?, model));
    }
    let (provider, model) = super::resolve(Some(id))?;
    Ok((of_operator(settings, provider), model))
}

impl Endpoint {
    /// The operator's provider, from the Spin variables.
    pub fn operator(settings: &Settings, provider: Provider) -> Endpoint {
        of_operator(settings, provider)
    }

    /// A workspace key's endpoint (its credentials opened).
    pub fn of_key(env: &Env, settings: &Settings, key: StoredKey) -> Result<Endpoint, LlmError> {
        of_key(env, settings, key)
    }
}

fn of_operator(settings: &Settings, provider: Provider) -> Endpoint {
    let cfg = settings.provider(provider);
    Endpoint {
        wire: provider,
        base_url: cfg.base_url.clone(),
        headers: provider
            .auth_headers(cfg.api_key.as_deref())
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        label: cfg.label(),
        auth_hint: format!("check the Spin variable `{}`", cfg.key_var),
        missing_key: (cfg.api_key.is_none() && cfg.is_official()).then(|| {
            format!(
                "no API key for {}: set the Spin variable `{}` (or point `{}` at a compatible server that needs none), or add an AI provider key to the workspace",
                cfg.label(),
                cfg.key_var,
                cfg.url_var
            )
        }),
        url_source: format!("`{}`", cfg.url_var),
    }
}

/// A workspace key's endpoint: named providers at their fixed endpoints (OpenAI and
/// Anthropic at the operator's configured ones, which default to the official URLs),
/// compatible servers at their `baseUrl`.
fn of_key(env: &Env, settings: &Settings, key: StoredKey) -> Result<Endpoint, LlmError> {
    let named = format!("AI provider key `{}` (“{}”)", key.id, key.name);
    let (wire, base_url) = match (&key.provider, &key.config) {
        (AiProvider::OpenAi, _) => (
            Provider::OpenAi,
            settings.provider(Provider::OpenAi).base_url.clone(),
        ),
        (AiProvider::Anthropic, _) => (
            Provider::Anthropic,
            settings.provider(Provider::Anthropic).base_url.clone(),
        ),
        (AiProvider::OpenRouter, _) => (Provider::OpenAi, OPENROUTER_URL.to_owned()),
        (AiProvider::Gemini, _) => (Provider::OpenAi, GEMINI_OPENAI_URL.to_owned()),
        (
            AiProvider::OpenAiCompatible,
            Some(AiProviderConfig::OpenAiCompatible { openai_compatible }),
        ) => (Provider::OpenAi, openai_compatible.base_url.clone()),
        _ => {
            return Err(LlmError::Configuration(format!(
                "{named} has no usable configuration; update or recreate it"
            )))
        }
    };
    let credentials = match &key.credentials {
        Some(sealed) => Some(open(env, &key.id, sealed, &named)?),
        None => None,
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    match &credentials {
        Some(AiProviderCredentials::ApiKey { api_key }) => headers.extend(
            wire.auth_headers(Some(&api_key.api_key))
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v)),
        ),
        Some(AiProviderCredentials::Headers { headers: h }) => {
            headers.extend(
                wire.auth_headers(None)
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v)),
            );
            headers.extend(h.headers.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        None => headers.extend(
            wire.auth_headers(None)
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v)),
        ),
    }
    if let Some(AiProviderConfig::OpenAi { openai }) = &key.config {
        if let Some(org) = &openai.organization_id {
            headers.push(("openai-organization".into(), org.clone()));
        }
        if let Some(project) = &openai.project_id {
            headers.push(("openai-project".into(), project.clone()));
        }
    }
    Ok(Endpoint {
        wire,
        base_url,
        headers,
        label: format!("{} ({named})", key.provider.label()),
        auth_hint: format!("the provider refused the credentials of {named}; update them"),
        missing_key: (credentials.is_none() && key.provider != AiProvider::OpenAiCompatible)
            .then(|| format!("{named} has no credentials; update it")),
        url_source: named,
    })
}

fn open(env: &Env, id: &str, sealed: &str, named: &str) -> Result<AiProviderCredentials, LlmError> {
    let keys = crate::secrets::keyring(env.vars)
        .map_err(|e| LlmError::Configuration(format!("cannot open {named}: {e}")))?;
    let opened = keys
        .open(sealed, id)
        .map_err(|e| LlmError::Configuration(format!("cannot open {named}: {e}")))?;
    serde_json::from_str(&opened.value).map_err(|_| {
        LlmError::Configuration(format!("{named} holds unreadable credentials; update them"))
    })
}
