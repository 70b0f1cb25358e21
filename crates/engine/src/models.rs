//! Discovering a workspace's models: each of its AI provider keys and each usable
//! operator provider is asked for its model list (`GET {endpoint}/models`, the OpenAI
//! and Anthropic shape), outside any transaction; the caller writes what was found.

use crate::llm::{Endpoint, LlmError};
use crate::settings::{Provider, Settings};
use ports::{Env, Limits};
use serde_json::Value;
use store::{Db, StoreError};

/// A model a source offers.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// `family/model`.
    pub model_id: String,
    pub family: String,
    pub name: String,
    pub key_id: Option<String>,
    pub max_input_tokens: Option<i64>,
}

/// What every source offered, and a message per source that failed (never a secret).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Discovery {
    pub found: Vec<Found>,
    pub failures: Vec<String>,
}

const LIST_LIMITS: Limits = Limits {
    timeout_ms: 10_000,
    max_response_bytes: 4 << 20,
    truncate: false,
};

/// Asks every source of `workspace_id` for its models.
pub fn discover(env: &Env, db: &Db, workspace_id: &str) -> Result<Discovery, StoreError> {
    let settings = Settings::from_vars(env.vars);
    let mut out = Discovery::default();
    let keys = store::providers::all(db, workspace_id)?;
    let mut sources: Vec<(Result<Endpoint, LlmError>, String, Option<String>)> = Vec::new();
    for (provider, family) in [
        (Provider::OpenAi, "openai"),
        (Provider::Anthropic, "anthropic"),
    ] {
        if keys.iter().any(|(_, f)| f == family) {
            continue; // the workspace's own key serves this family
        }
        let endpoint = Endpoint::operator(&settings, provider);
        if endpoint.missing_key.is_none() {
            sources.push((Ok(endpoint), family.to_owned(), None));
        }
    }
    for (key, family) in keys {
        let id = key.id.clone();
        sources.push((Endpoint::of_key(env, &settings, key), family, Some(id)));
    }
    for (endpoint, family, key_id) in sources {
        let listed = endpoint.and_then(|e| list(env, &settings, &e));
        match listed {
            Ok(models) => out
                .found
                .extend(models.into_iter().map(|(name, max)| Found {
                    model_id: format!("{family}/{name}"),
                    family: family.clone(),
                    name,
                    key_id: key_id.clone(),
                    max_input_tokens: max,
                })),
            Err(e) => out.failures.push(e.message().to_owned()),
        }
    }
    Ok(out)
}

/// One source's `GET {base}/models`: (model name, context length if listed).
fn list(
    env: &Env,
    settings: &Settings,
    to: &Endpoint,
) -> Result<Vec<(String, Option<i64>)>, LlmError> {
    let url = format!("{}/models", to.base_url.trim_end_matches('/'));
    crate::net::check_target(&url, settings.allow_private)
        .map_err(|e| LlmError::Configuration(format!("{} ({}): {e}", to.label, to.url_source)))?;
    let mut builder = http::Request::builder()
        .method("GET")
        .uri(&url)
        .header("accept", "application/json");
    for (k, v) in &to.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let request = builder
        .body(Vec::new())
        .map_err(|e| LlmError::Provider(format!("{}: cannot build the request: {e}", to.label)))?;
    let response = env
        .http
        .send(request, LIST_LIMITS)
        .map_err(|e| LlmError::Provider(format!("{} listing models: {e}", to.label)))?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        let hint = if status == 401 || status == 403 {
            format!("; {}", to.auth_hint)
        } else {
            String::new()
        };
        return Err(LlmError::Provider(format!(
            "{} answered HTTP {status} listing models{hint}",
            to.label
        )));
    }
    let body: Value = serde_json::from_slice(response.body()).map_err(|_| {
        LlmError::Provider(format!(
            "{} listed models in something other than JSON",
            to.label
        ))
    })?;
    Ok(parse(&body))
}

/// The `data` array of an OpenAI- or Anthropic-shaped model list.
fn parse(body: &Value) -> Vec<(String, Option<i64>)> {
    body.get("data")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|m| {
                    let id = m.get("id")?.as_str()?.trim();
                    if id.is_empty() || id.len() > 200 {
                        return None;
                    }
                    let max = [
                        "context_length",
                        "max_input_tokens",
                        "max_model_len",
                        "context_window",
                    ]
                    .iter()
                    .find_map(|k| m.get(*k).and_then(Value::as_i64))
                    .filter(|n| *n > 0);
                    Some((id.to_owned(), max))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_list_shapes_and_their_context_lengths() {
        let openai = json!({"object": "list", "data": [
            {"id": "gpt-x", "object": "model", "context_length": 8192},
            {"id": "plain"}, {"id": ""}, {"nope": 1}]});
        assert_eq!(
            parse(&openai),
            [("gpt-x".to_owned(), Some(8192)), ("plain".to_owned(), None)]
        );
        let anthropic = json!({"data": [{"type": "model", "id": "claude-y", "max_input_tokens": 200000}],
                               "has_more": false});
        assert_eq!(parse(&anthropic), [("claude-y".to_owned(), Some(200_000))]);
        assert!(parse(&json!({"error": "x"})).is_empty());
    }
}
