//! A Model Context Protocol client over streamable HTTP (MCP 2025-06-18): one JSON-RPC
//! message per POST, answered with JSON or a short SSE stream, a session id from the
//! `initialize` reply echoed on later requests.

use ports::{HttpClient, HttpError, Limits};
use serde_json::{json, Value};
use std::fmt;

pub const PROTOCOL_VERSION: &str = "2025-06-18";
const MAX_PAGES: usize = 50;

/// A tool as an MCP server lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct McpTool {
    pub name: String,
    pub description: Option<String>,
    pub input_schema: serde_json::Map<String, Value>,
    pub annotations: Option<serde_json::Map<String, Value>>,
}

/// Why talking to an MCP server failed, phrased for the person configuring it.
#[derive(Clone, Debug, PartialEq)]
pub enum McpError {
    Http(String, HttpError),
    Status {
        step: String,
        status: u16,
    },
    Protocol(String),
    Rpc {
        step: String,
        code: i64,
        message: String,
    },
}

impl fmt::Display for McpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            McpError::Http(step, e) => write!(f, "MCP {step}: {e}"),
            McpError::Status { step, status } => {
                let reason = http::StatusCode::from_u16(*status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("");
                write!(f, "MCP server answered {status} {reason} to {step}")?;
                if *status == 401 || *status == 403 {
                    f.write_str(" (check the tool set's headers and the secrets they reference)")?;
                }
                Ok(())
            }
            McpError::Protocol(m) => write!(f, "MCP protocol error: {m}"),
            McpError::Rpc {
                step,
                code,
                message,
            } => write!(f, "MCP server error {code} on {step}: {message}"),
        }
    }
}

/// One initialized session with a server.
pub struct Session<'a> {
    http: &'a dyn HttpClient,
    url: String,
    headers: Vec<(String, String)>,
    limits: Limits,
    session_id: Option<String>,
    protocol: String,
    next_id: u64,
}

impl<'a> Session<'a> {
    /// Runs the `initialize` handshake.
    pub fn connect(
        http: &'a dyn HttpClient,
        url: &str,
        headers: Vec<(String, String)>,
        limits: Limits,
    ) -> Result<Self, McpError> {
        let mut s = Session {
            http,
            url: url.to_owned(),
            headers,
            limits,
            session_id: None,
            protocol: PROTOCOL_VERSION.to_owned(),
            next_id: 1,
        };
        let params = json!({
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "cadenya-spin", "version": env!("CARGO_PKG_VERSION")}
        });
        let result = s.request("initialize", params)?;
        if let Some(v) = result.get("protocolVersion").and_then(Value::as_str) {
            s.protocol = v.to_owned();
        }
        s.notify("notifications/initialized")?;
        Ok(s)
    }

    /// Every tool the server lists, following `nextCursor`.
    pub fn list_tools(&mut self) -> Result<Vec<McpTool>, McpError> {
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let params = match &cursor {
                Some(c) => json!({"cursor": c}),
                None => json!({}),
            };
            let result = self.request("tools/list", params)?;
            let listed = result
                .get("tools")
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    McpError::Protocol("tools/list result has no `tools` array".into())
                })?;
            for t in listed {
                tools.push(parse_tool(t)?);
            }
            cursor = result
                .get("nextCursor")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if cursor.is_none() {
                return Ok(tools);
            }
        }
        Err(McpError::Protocol(format!(
            "tools/list did not end after {MAX_PAGES} pages"
        )))
    }

    /// Calls one tool; its text content joined, and whether the server flagged it an error.
    pub fn call_tool(&mut self, name: &str, arguments: &Value) -> Result<(String, bool), McpError> {
        let result = self.request("tools/call", json!({"name": name, "arguments": arguments}))?;
        let text = result
            .get("content")
            .and_then(Value::as_array)
            .map(|blocks| {
                blocks
                    .iter()
                    .map(|b| match b.get("text").and_then(Value::as_str) {
                        Some(t) => t.to_owned(),
                        None => b.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .or_else(|| result.get("structuredContent").map(Value::to_string))
            .unwrap_or_default();
        let is_error = result
            .get("isError")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        Ok((text, is_error))
    }

    fn post(&self, step: &str, message: &Value) -> Result<http::Response<Vec<u8>>, McpError> {
        let mut req = http::Request::builder()
            .method("POST")
            .uri(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", &self.protocol);
        if let Some(id) = &self.session_id {
            req = req.header("mcp-session-id", id);
        }
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        let req = req
            .body(serde_json::to_vec(message).unwrap_or_default())
            .map_err(|e| McpError::Protocol(format!("cannot build the {step} request: {e}")))?;
        self.http
            .send(req, self.limits)
            .map_err(|e| McpError::Http(step.to_owned(), e))
    }

    fn request(&mut self, method: &str, params: Value) -> Result<Value, McpError> {
        let id = self.next_id;
        self.next_id += 1;
        let resp = self.post(
            method,
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        )?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(McpError::Status {
                step: method.to_owned(),
                status,
            });
        }
        if let Some(sid) = resp
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
        {
            self.session_id = Some(sid.to_owned());
        }
        let is_sse = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("text/event-stream"));
        let messages = if is_sse {
            sse_messages(resp.body())?
        } else {
            vec![serde_json::from_slice(resp.body())
                .map_err(|e| McpError::Protocol(format!("{method} reply is not JSON: {e}")))?]
        };
        let reply = messages
            .into_iter()
            .find(|m| m.get("id").and_then(Value::as_u64) == Some(id))
            .ok_or_else(|| {
                McpError::Protocol(format!("no reply to {method} in the server's response"))
            })?;
        if let Some(err) = reply.get("error") {
            return Err(McpError::Rpc {
                step: method.to_owned(),
                code: err.get("code").and_then(Value::as_i64).unwrap_or(0),
                message: err
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            });
        }
        reply.get("result").cloned().ok_or_else(|| {
            McpError::Protocol(format!("{method} reply has neither result nor error"))
        })
    }

    fn notify(&self, method: &str) -> Result<(), McpError> {
        let resp = self.post(method, &json!({"jsonrpc": "2.0", "method": method}))?;
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(McpError::Status {
                step: method.to_owned(),
                status,
            })
        }
    }
}

fn parse_tool(t: &Value) -> Result<McpTool, McpError> {
    let name = t
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| McpError::Protocol("a listed tool has no name".into()))?;
    let input_schema = match t.get("inputSchema") {
        Some(Value::Object(o)) => o.clone(),
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(_) => {
            return Err(McpError::Protocol(format!(
                "tool `{name}` has a non-object inputSchema"
            )))
        }
    };
    Ok(McpTool {
        name: name.to_owned(),
        description: t
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned),
        input_schema,
        annotations: t.get("annotations").and_then(Value::as_object).cloned(),
    })
}

/// The JSON messages of an SSE body (`data:` lines, events separated by blank lines).
fn sse_messages(body: &[u8]) -> Result<Vec<Value>, McpError> {
    let text = String::from_utf8_lossy(body).replace("\r\n", "\n");
    let mut out = Vec::new();
    for event in text.split("\n\n") {
        let data: Vec<&str> = event
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(|d| d.strip_prefix(' ').unwrap_or(d))
            .collect();
        if data.is_empty() {
            continue;
        }
        let joined = data.join("\n");
        let value = serde_json::from_str(&joined)
            .map_err(|e| McpError::Protocol(format!("an event-stream message is not JSON: {e}")))?;
        out.push(value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use host::native::ScriptedHttp;

    const LIMITS: Limits = Limits {
        timeout_ms: 1000,
        max_response_bytes: 1 << 20,
        truncate: false,
    };

    fn sse(
        body: Value,
    ) -> impl Fn(&http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
        move |_| {
            let text = format!("event: message\r\ndata: {body}\r\n\r\n");
            Ok(http::Response::builder()
                .status(200)
                .header("content-type", "text/event-stream")
                .body(text.into_bytes())
                .unwrap())
        }
    }

    #[test]
    fn handshake_then_paged_tools_over_json_and_sse() {
        let http = ScriptedHttp::default();
        http.then_json(
            200,
            json!({"jsonrpc": "2.0", "id": 1, "result": {"protocolVersion": "2025-03-26", "capabilities": {}}}),
            &[("mcp-session-id", "s-1")],
        );
        http.then(|_| {
            Ok(http::Response::builder()
                .status(202)
                .body(Vec::new())
                .unwrap())
        });
        http.then(sse(json!({"jsonrpc": "2.0", "id": 2, "result": {
            "tools": [{"name": "get_weather", "description": "Weather", "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}}}],
            "nextCursor": "p2"}})));
        http.then_json(200, json!({"jsonrpc": "2.0", "id": 3, "result": {"tools": [{"name": "add", "inputSchema": {"type": "object"}, "annotations": {"readOnlyHint": true}}]}}), &[]);

        let mut s = Session::connect(
            &http,
            "http://mcp.test/mcp",
            vec![("authorization".into(), "Bearer t".into())],
            LIMITS,
        )
        .unwrap();
        let tools = s.list_tools().unwrap();
        assert_eq!(
            tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["get_weather", "add"]
        );
        assert_eq!(
            tools[0].input_schema["properties"]["city"]["type"],
            "string"
        );
        assert_eq!(tools[1].annotations.as_ref().unwrap()["readOnlyHint"], true);

        let sent = http.sent.borrow();
        assert_eq!(sent.len(), 4);
        assert!(sent[0].headers().get("mcp-session-id").is_none());
        for req in &sent[1..] {
            assert_eq!(req.headers()["mcp-session-id"], "s-1");
            assert_eq!(req.headers()["mcp-protocol-version"], "2025-03-26");
            assert_eq!(req.headers()["authorization"], "Bearer t");
        }
        let list: Value = serde_json::from_slice(sent[3].body()).unwrap();
        assert_eq!(list["params"]["cursor"], "p2");
    }

    #[test]
    fn errors_say_what_went_wrong() {
        let http = ScriptedHttp::default();
        http.then_json(401, json!({"error": "nope"}), &[]);
        let e = Session::connect(&http, "http://mcp.test/mcp", vec![], LIMITS)
            .err()
            .unwrap();
        assert_eq!(
            e,
            McpError::Status {
                step: "initialize".into(),
                status: 401
            }
        );
        assert!(e.to_string().contains("401 Unauthorized"));

        let http = ScriptedHttp::default();
        http.then_json(
            200,
            json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32600, "message": "bad version"}}),
            &[],
        );
        let e = Session::connect(&http, "http://mcp.test/mcp", vec![], LIMITS)
            .err()
            .unwrap();
        assert!(e.to_string().contains("-32600") && e.to_string().contains("bad version"));

        let http = ScriptedHttp::default();
        let e = Session::connect(&http, "http://mcp.test/mcp", vec![], LIMITS)
            .err()
            .unwrap();
        assert!(matches!(e, McpError::Http(_, HttpError::Connect(_))));
    }
}
