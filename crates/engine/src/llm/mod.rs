//! Model providers behind one shape: a conversation and tool schemas in, an answer
//! (text and/or tool calls, with token usage) out. `openai/*` speaks Chat Completions
//! (any OpenAI-compatible server), `claude/*` and `anthropic/*` the Messages API.

mod anthropic;
mod endpoint;
mod openai;

pub use endpoint::{resolve as endpoint, Endpoint};

use crate::settings::{Provider, Settings};
use ports::{Env, HttpError, Limits};
use serde_json::Value;

/// A tool call the model asked for, or made earlier in the conversation.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Call {
    pub id: String,
    pub name: String,
    /// JSON text, as models write it.
    pub arguments: String,
}

/// The answer a tool call got.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    pub call_id: String,
    pub content: String,
    pub is_error: bool,
}

/// One turn of the conversation after the system prompt (serialized into a compacted
/// window's carried history).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Turn {
    User(String),
    Assistant {
        content: Option<String>,
        calls: Vec<Call>,
    },
    /// Answers to the previous assistant turn's calls.
    Results(Vec<Outcome>),
}

/// A function the model may call.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    pub name: String,
    pub description: String,
    /// A JSON Schema object (always `type: object`).
    pub parameters: Value,
}

impl Function {
    pub fn new(name: &str, description: &str, parameters: &serde_json::Map<String, Value>) -> Self {
        let mut parameters = parameters.clone();
        // Providers insist on an object schema even for tools without arguments.
        parameters
            .entry("type")
            .or_insert_with(|| Value::String("object".into()));
        if parameters.get("type").and_then(Value::as_str) == Some("object") {
            parameters
                .entry("properties")
                .or_insert_with(|| Value::Object(Default::default()));
        }
        Function {
            name: name.to_owned(),
            description: description.to_owned(),
            parameters: Value::Object(parameters),
        }
    }
}

pub struct Request<'a> {
    /// The model's name at the provider (after `family/`).
    pub model: &'a str,
    pub system: &'a str,
    pub turns: &'a [Turn],
    pub functions: &'a [Function],
    pub temperature: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub content: Option<String>,
    pub calls: Vec<Call>,
    pub input_tokens: i64,
    pub output_tokens: i64,
}

/// Why no answer came, phrased for the person who can fix it.
#[derive(Clone, Debug, PartialEq)]
pub enum LlmError {
    /// The app or the variation is misconfigured (no key, unknown model family).
    Configuration(String),
    /// The provider failed or could not be reached.
    Provider(String),
}

impl LlmError {
    pub fn kind(&self) -> &'static str {
        match self {
            LlmError::Configuration(_) => "configuration",
            LlmError::Provider(_) => "model_provider",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            LlmError::Configuration(m) | LlmError::Provider(m) => m,
        }
    }
}

/// A variation's `family/model` id split: (id, family, model), or what to fix.
pub(crate) fn split(model_id: Option<&str>) -> Result<(&str, &str, &str), LlmError> {
    let id = model_id.filter(|m| !m.trim().is_empty()).ok_or_else(|| {
        LlmError::Configuration(
            "the variation has no spec.modelConfig.modelId; set one such as `openai/gpt-4o` or `anthropic/claude-sonnet-4-5`"
                .into(),
        )
    })?;
    let (family, model) = id.split_once('/').unwrap_or((id, ""));
    if model.is_empty() {
        return Err(LlmError::Configuration(format!(
            "modelId `{id}` must be `family/model`, e.g. `openai/gpt-4o`"
        )));
    }
    Ok((id, family, model))
}

/// Which operator provider a `family/model` id names, and the model's own name.
pub fn resolve(model_id: Option<&str>) -> Result<(Provider, &str), LlmError> {
    let (id, family, model) = split(model_id)?;
    match family {
        "openai" => Ok((Provider::OpenAi, model)),
        "anthropic" | "claude" => Ok((Provider::Anthropic, model)),
        other => Err(LlmError::Configuration(format!(
            "modelId `{id}`: unknown model family `{other}`: the operator provides openai/*, anthropic/* and claude/*, and the workspace has no AI provider key for `{other}`"
        ))),
    }
}

const MAX_ATTEMPTS: u32 = 3;
const MAX_REPLY_BYTES: usize = 8 << 20;

/// Asks the model once, retrying 429 and 5xx answers (at most three attempts, with
/// backoff honouring `Retry-After`). `before_attempt` runs before each attempt (the
/// engine renews its lease there); returning false abandons the call.
pub fn complete(
    env: &Env,
    settings: &Settings,
    to: &Endpoint,
    req: &Request,
    before_attempt: &mut dyn FnMut() -> bool,
) -> Result<Reply, LlmError> {
    if let Some(missing) = &to.missing_key {
        return Err(LlmError::Configuration(missing.clone()));
    }
    let provider = to.wire;
    let url = format!("{}/{}", to.base_url.trim_end_matches('/'), provider.path());
    crate::net::check_target(&url, settings.allow_private)
        .map_err(|e| LlmError::Configuration(format!("{} ({}): {e}", to.label, to.url_source)))?;
    let body = match provider {
        Provider::OpenAi => openai::body(req),
        Provider::Anthropic => anthropic::body(req, settings.max_tokens),
    };
    let body = serde_json::to_vec(&body).unwrap_or_default();
    let limits = Limits {
        timeout_ms: settings.model_timeout_ms,
        max_response_bytes: MAX_REPLY_BYTES,
        truncate: false,
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        if !before_attempt() {
            return Err(LlmError::Provider("the run lost its lease".into()));
        }
        let request = post_json(to, &url, body.clone())?;
        let response = match env.http.send(request, limits) {
            Ok(r) => r,
            Err(HttpError::Timeout) => {
                return Err(LlmError::Provider(format!(
                    "{} timed out after {} s (the Spin variable `model_timeout_seconds` sets the limit)",
                    to.label,
                    settings.model_timeout_ms / 1000
                )))
            }
            Err(e) => {
                return Err(LlmError::Provider(format!(
                    "{} at {}: {e}",
                    to.label,
                    to.base_url
                )))
            }
        };
        let status = response.status().as_u16();
        if status == 429 || status >= 500 {
            if attempt < MAX_ATTEMPTS {
                env.clock.sleep_ms(backoff_ms(&response, attempt));
                continue;
            }
            return Err(LlmError::Provider(format!(
                "{} answered {} after {attempt} attempts: {}",
                to.label,
                status_text(status),
                provider_message(response.body())
            )));
        }
        if status == 401 || status == 403 {
            return Err(LlmError::Provider(format!(
                "{} answered {}: {}; {}",
                to.label,
                status_text(status),
                provider_message(response.body()),
                to.auth_hint
            )));
        }
        if !(200..300).contains(&status) {
            return Err(LlmError::Provider(format!(
                "{} rejected the request with {}: {}",
                to.label,
                status_text(status),
                provider_message(response.body())
            )));
        }
        let parsed: Value = serde_json::from_slice(response.body()).map_err(|e| {
            LlmError::Provider(format!(
                "{} sent a malformed reply (not JSON: {e})",
                to.label
            ))
        })?;
        let reply = match provider {
            Provider::OpenAi => openai::parse(&parsed),
            Provider::Anthropic => anthropic::parse(&parsed),
        };
        return reply
            .map_err(|e| LlmError::Provider(format!("{} sent a malformed reply: {e}", to.label)));
    }
}

/// Embeddings of `inputs` from an OpenAI-compatible endpoint (`POST {base}/embeddings`
/// with the operator's `embedding_model`), in input order.
pub fn embed(
    env: &Env,
    settings: &Settings,
    to: &Endpoint,
    inputs: &[String],
) -> Result<Vec<Vec<f64>>, LlmError> {
    if to.wire != Provider::OpenAi {
        return Err(LlmError::Configuration(format!(
            "{} has no embeddings endpoint; re-ranking needs an OpenAI-compatible provider",
            to.label
        )));
    }
    if let Some(missing) = &to.missing_key {
        return Err(LlmError::Configuration(missing.clone()));
    }
    let url = format!("{}/embeddings", to.base_url.trim_end_matches('/'));
    crate::net::check_target(&url, settings.allow_private)
        .map_err(|e| LlmError::Configuration(format!("{} ({}): {e}", to.label, to.url_source)))?;
    let body = serde_json::json!({"model": settings.embedding_model, "input": inputs});
    let request = post_json(to, &url, serde_json::to_vec(&body).unwrap_or_default())?;
    let limits = Limits {
        timeout_ms: settings.model_timeout_ms,
        max_response_bytes: MAX_REPLY_BYTES,
        truncate: false,
    };
    let response = env
        .http
        .send(request, limits)
        .map_err(|e| LlmError::Provider(format!("{} embeddings: {e}", to.label)))?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(LlmError::Provider(format!(
            "{} embeddings answered {}: {}",
            to.label,
            status_text(status),
            provider_message(response.body())
        )));
    }
    let parsed: Value = serde_json::from_slice(response.body())
        .map_err(|_| LlmError::Provider(format!("{} sent malformed embeddings", to.label)))?;
    let mut rows: Vec<(i64, Vec<f64>)> = parsed
        .get("data")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .enumerate()
                .filter_map(|(i, d)| {
                    let index = d.get("index").and_then(Value::as_i64).unwrap_or(i as i64);
                    let v = d.get("embedding")?.as_array()?;
                    Some((index, v.iter().filter_map(Value::as_f64).collect()))
                })
                .collect()
        })
        .unwrap_or_default();
    rows.sort_by_key(|r| r.0);
    if rows.len() != inputs.len() {
        return Err(LlmError::Provider(format!(
            "{} returned {} embeddings for {} inputs",
            to.label,
            rows.len(),
            inputs.len()
        )));
    }
    Ok(rows.into_iter().map(|r| r.1).collect())
}

/// A JSON POST to `url` with the endpoint's headers.
fn post_json(to: &Endpoint, url: &str, body: Vec<u8>) -> Result<http::Request<Vec<u8>>, LlmError> {
    let mut builder = http::Request::builder()
        .method("POST")
        .uri(url)
        .header("content-type", "application/json")
        .header("accept", "application/json");
    for (k, v) in &to.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    builder
        .body(body)
        .map_err(|e| LlmError::Provider(format!("cannot build the request: {e}")))
}

/// `Retry-After` seconds (capped at 10 s) or 1 s, 2 s.
fn backoff_ms(response: &http::Response<Vec<u8>>, attempt: u32) -> u64 {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| s.min(10) * 1000)
        .unwrap_or(1000 << (attempt - 1))
}

fn status_text(status: u16) -> String {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    format!("{status} {reason}").trim_end().to_owned()
}

/// The provider's own error message (both APIs use `{error: {message}}`), else a
/// short excerpt of the body.
fn provider_message(body: &[u8]) -> String {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    if let Some(m) = parsed
        .as_ref()
        .and_then(|v| v.pointer("/error/message"))
        .and_then(Value::as_str)
    {
        return m.to_owned();
    }
    let text = String::from_utf8_lossy(body);
    let excerpt: String = text.chars().take(300).collect();
    if excerpt.trim().is_empty() {
        "(empty body)".into()
    } else {
        excerpt
    }
}

/// Tool arguments as a JSON object (models occasionally send `""` for "none").
pub fn arguments_object(text: &str) -> Result<serde_json::Map<String, Value>, String> {
    if text.trim().is_empty() {
        return Ok(Default::default());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("the arguments are not a JSON object".into()),
        Err(e) => Err(format!("the arguments are not valid JSON: {e}")),
    }
}

#[cfg(test)]
mod tests;
