//! Executing tool calls against the outside world: HTTP tools and MCP tools.
//! Secret references in headers are resolved here, into the outgoing request only.

use crate::mcp::Session;
use crate::settings::Settings;
use model::tools::{HttpAdapter, HttpMethod, HttpToolConfig, McpAdapter};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use ports::{Env, Limits, Truncated};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The most of a tool's answer the model and the record get.
pub const MAX_TOOL_RESPONSE_BYTES: usize = 256 * 1024;

/// Unreserved characters stay as they are in paths and queries.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn limits(settings: &Settings) -> Limits {
    Limits {
        timeout_ms: settings.tool_timeout_ms,
        max_response_bytes: MAX_TOOL_RESPONSE_BYTES,
        truncate: true,
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The request an HTTP tool call makes: `{name}` path segments from the arguments,
/// the rest as a JSON body (POST/PUT/PATCH) or as query parameters (GET/DELETE).
pub fn http_request(
    adapter: &HttpAdapter,
    config: &HttpToolConfig,
    mut args: Map<String, Value>,
    secrets: &BTreeMap<String, String>,
    allow_private: bool,
) -> Result<http::Request<Vec<u8>>, String> {
    let template = config.path.clone().unwrap_or_default();
    let mut path = String::new();
    let mut rest = template.as_str();
    while let Some(start) = rest.find('{') {
        path.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("the tool's path `{template}` has an unclosed `{{`"))?;
        let name = &after[..end];
        let value = args
            .remove(name)
            .filter(|v| !v.is_null())
            .ok_or_else(|| format!("missing argument `{name}` (a path parameter)"))?;
        path.push_str(&utf8_percent_encode(&scalar(&value), COMPONENT).to_string());
        rest = &after[end + 1..];
    }
    path.push_str(rest);
    let mut url = adapter.base_url.trim_end_matches('/').to_owned();
    if !path.is_empty() && !path.starts_with('/') {
        url.push('/');
    }
    url.push_str(&path);

    let mut query: Vec<String> = config
        .query
        .iter()
        .map(|q| q.trim_start_matches('?').to_owned())
        .filter(|q| !q.is_empty())
        .collect();
    let method = config.request_method;
    let sends_body = matches!(
        method,
        HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch
    );
    if !sends_body {
        for (k, v) in &args {
            if v.is_null() {
                continue;
            }
            query.push(format!(
                "{}={}",
                utf8_percent_encode(k, COMPONENT),
                utf8_percent_encode(&scalar(v), COMPONENT)
            ));
        }
    }
    if !query.is_empty() {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&query.join("&"));
    }
    crate::net::check_target(&url, allow_private)?;

    let mut builder = http::Request::builder()
        .method(method.as_str())
        .uri(&url)
        .header("accept", "application/json, text/plain;q=0.9, */*;q=0.5")
        .header("user-agent", "cadenya-spin");
    let mut headers = adapter.headers.clone();
    headers.extend(config.headers.clone());
    for (k, v) in crate::secrets::render_headers(&headers, secrets)? {
        builder = builder.header(k, v);
    }
    let body = if sends_body {
        builder = builder.header("content-type", "application/json");
        serde_json::to_vec(&Value::Object(args)).unwrap_or_default()
    } else {
        Vec::new()
    };
    builder
        .body(body)
        .map_err(|e| format!("cannot build the request: {e}"))
}

/// The response body as text, cut at the cap with a marker the model can see.
fn body_text(resp: &http::Response<Vec<u8>>) -> String {
    let mut text = String::from_utf8_lossy(resp.body()).into_owned();
    if resp.extensions().get::<Truncated>().is_some() {
        mark_truncated(&mut text);
    }
    text
}

/// Tells the model (and the record) that it sees only the start of the answer.
fn mark_truncated(text: &mut String) {
    text.push_str(&format!(
        "\n[truncated: response exceeded {MAX_TOOL_RESPONSE_BYTES} bytes]"
    ));
}

/// Calls an HTTP tool; `Ok` is the response body, `Err` a message for TOOL_ERROR.
pub fn call_http(
    env: &Env,
    settings: &Settings,
    adapter: &HttpAdapter,
    config: &HttpToolConfig,
    args: Map<String, Value>,
    secrets: &BTreeMap<String, String>,
) -> Result<String, String> {
    let req = http_request(adapter, config, args, secrets, settings.allow_private)?;
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let resp = env
        .http
        .send(req, limits(settings))
        .map_err(|e| format!("{method} {path}: {e}"))?;
    let status = resp.status().as_u16();
    let text = body_text(&resp);
    if status >= 400 {
        let excerpt: String = text.chars().take(2000).collect();
        return Err(format!("{method} {path} answered HTTP {status}: {excerpt}"));
    }
    Ok(text)
}

/// Calls an MCP tool over a fresh session.
pub fn call_mcp(
    env: &Env,
    settings: &Settings,
    adapter: &McpAdapter,
    tool_name: &str,
    args: Map<String, Value>,
    secrets: &BTreeMap<String, String>,
) -> Result<String, String> {
    crate::net::check_target(&adapter.url, settings.allow_private)?;
    let headers = crate::secrets::render_headers(&adapter.headers, secrets)?;
    // the JSON-RPC reply must arrive whole; the text is cut afterwards
    let limits = Limits {
        timeout_ms: settings.tool_timeout_ms,
        max_response_bytes: 4 << 20,
        truncate: false,
    };
    let mut session =
        Session::connect(env.http, &adapter.url, headers, limits).map_err(|e| e.to_string())?;
    let (mut text, is_error) = session
        .call_tool(tool_name, &Value::Object(args))
        .map_err(|e| e.to_string())?;
    if text.len() > MAX_TOOL_RESPONSE_BYTES {
        let mut cut = MAX_TOOL_RESPONSE_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        mark_truncated(&mut text);
    }
    if is_error {
        return Err(text);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn adapter() -> HttpAdapter {
        serde_json::from_value(json!({"baseUrl": "https://shop.example.com/api/",
            "headers": {"Authorization": "Bearer {{secrets.TOKEN}}"}}))
        .unwrap()
    }

    fn config(method: &str, path: &str) -> HttpToolConfig {
        serde_json::from_value(json!({"requestMethod": method, "path": path, "query": "v=2"}))
            .unwrap()
    }

    fn args(v: serde_json::Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn secrets() -> BTreeMap<String, String> {
        BTreeMap::from([("TOKEN".to_owned(), "t0k".to_owned())])
    }

    #[test]
    fn path_parameters_leave_the_body_and_are_encoded() {
        let req = http_request(
            &adapter(),
            &config("POST", "/orders/{orderId}"),
            args(json!({"orderId": "a b/c", "quantity": 3})),
            &secrets(),
            false,
        )
        .unwrap();
        assert_eq!(req.method(), "POST");
        assert_eq!(
            req.uri().to_string(),
            "https://shop.example.com/api/orders/a%20b%2Fc?v=2"
        );
        assert_eq!(req.headers()["authorization"], "Bearer t0k");
        assert_eq!(req.headers()["content-type"], "application/json");
        assert_eq!(
            serde_json::from_slice::<Value>(req.body()).unwrap(),
            json!({"quantity": 3})
        );
    }

    #[test]
    fn get_and_delete_send_arguments_as_the_query() {
        let req = http_request(
            &adapter(),
            &config("GET", "/orders"),
            args(json!({"status": "open & paid", "limit": 5, "skip": null})),
            &secrets(),
            false,
        )
        .unwrap();
        assert_eq!(
            req.uri().to_string(),
            "https://shop.example.com/api/orders?v=2&limit=5&status=open%20%26%20paid"
        );
        assert!(req.body().is_empty());
    }

    #[test]
    fn missing_parameters_unknown_secrets_and_private_hosts_are_tool_errors() {
        let err = http_request(
            &adapter(),
            &config("DELETE", "/orders/{id}"),
            Map::new(),
            &secrets(),
            false,
        )
        .unwrap_err();
        assert!(err.contains("missing argument `id`"), "{err}");
        let err = http_request(
            &adapter(),
            &config("GET", "/x"),
            Map::new(),
            &BTreeMap::new(),
            false,
        )
        .unwrap_err();
        assert!(err.contains("TOKEN") && !err.contains("t0k"), "{err}");
        let mut local = adapter();
        local.base_url = "http://10.0.0.8".into();
        let err =
            http_request(&local, &config("GET", "/x"), Map::new(), &secrets(), false).unwrap_err();
        assert!(err.contains("private"), "{err}");
        assert!(http_request(&local, &config("GET", "/x"), Map::new(), &secrets(), true).is_ok());
    }
}
