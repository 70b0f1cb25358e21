//! The server side of the Model Context Protocol (streamable HTTP, handshake era):
//! what a message is, which protocol revisions are spoken, and the shapes of tool
//! descriptors and results. Pure functions over JSON; the `mcp` component does the I/O.

use serde_json::{json, Map, Value};

/// The revisions this server negotiates, newest first. 2026-07-28 (the stateless
/// envelope announced with `server/discover`) is not spoken: `server/discover` answers
/// "method not found", which tells clients to fall back to `initialize`.
pub const VERSIONS: [&str; 3] = ["2025-11-25", "2025-06-18", "2025-03-26"];

/// What a request without `MCP-Protocol-Version` is taken to speak (the spec's rule).
pub const DEFAULT_HEADER_VERSION: &str = "2025-03-26";

/// JSON-RPC and MCP error codes.
pub mod code {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const INTERNAL: i64 = -32603;
    /// The session is unknown, ended, or another key's.
    pub const SESSION_NOT_FOUND: i64 = -32001;
}

/// A refusal: the JSON-RPC error and the HTTP status it travels with.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    pub http: u16,
    pub code: i64,
    pub message: String,
}

impl RpcError {
    pub fn new(http: u16, code: i64, message: impl Into<String>) -> Self {
        Self {
            http,
            code,
            message: message.into(),
        }
    }

    /// An error answered in a 200 (the request was understood; the method failed).
    pub fn in_band(code: i64, message: impl Into<String>) -> Self {
        Self::new(200, code, message)
    }

    /// The JSON-RPC error object answering request `id` (`null` when unknown).
    pub fn body(&self, id: &Value) -> Value {
        json!({"jsonrpc": "2.0", "id": id, "error": {"code": self.code, "message": self.message}})
    }
}

/// One JSON-RPC message from a client.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// Expects an answer.
    Request {
        id: Value,
        method: String,
        params: Map<String, Value>,
    },
    /// Expects none (`notifications/initialized`, `notifications/cancelled`…).
    Notification {
        method: String,
        params: Map<String, Value>,
    },
    /// A client's answer to a server request; this server sends none, so it is only
    /// acknowledged.
    Response,
}

/// Reads one message. Batches (JSON arrays) are refused: revisions from 2025-06-18 on
/// removed them, and this server asks for one message per POST.
pub fn parse(body: &[u8]) -> Result<Message, (Value, RpcError)> {
    let bad = |id: Value, m: &str| {
        Err((
            id,
            RpcError::new(400, code::INVALID_REQUEST, format!("invalid request: {m}")),
        ))
    };
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        (
            Value::Null,
            RpcError::new(400, code::PARSE_ERROR, format!("parse error: {e}")),
        )
    })?;
    let Value::Object(mut obj) = value else {
        return bad(
            Value::Null,
            "send one JSON-RPC message (an object) per POST; batches are not supported",
        );
    };
    let id = obj.remove("id");
    let id_ok = matches!(&id, None | Some(Value::String(_)) | Some(Value::Number(_)));
    let shown = match &id {
        Some(v @ (Value::String(_) | Value::Number(_))) => v.clone(),
        _ => Value::Null,
    };
    if obj.get("jsonrpc") != Some(&json!("2.0")) {
        return bad(shown, "`jsonrpc` must be \"2.0\"");
    }
    if !id_ok {
        return bad(Value::Null, "`id` must be a string or a number");
    }
    let params = match obj.remove("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p,
        Some(_) => return bad(shown, "`params` must be an object"),
    };
    match (obj.remove("method"), id) {
        (Some(Value::String(method)), Some(id)) => Ok(Message::Request { id, method, params }),
        (Some(Value::String(method)), None) => Ok(Message::Notification { method, params }),
        (Some(_), id) => bad(id.unwrap_or(Value::Null), "`method` must be a string"),
        (None, Some(_)) if obj.contains_key("result") || obj.contains_key("error") => {
            Ok(Message::Response)
        }
        (None, id) => bad(id.unwrap_or(Value::Null), "`method` is missing"),
    }
}

/// The revision to answer `initialize` with: the client's when spoken here, else ours.
pub fn negotiate(requested: Option<&str>) -> &'static str {
    VERSIONS
        .iter()
        .find(|v| Some(**v) == requested)
        .copied()
        .unwrap_or(VERSIONS[0])
}

/// Checks an `MCP-Protocol-Version` header (absent is allowed).
pub fn check_version_header(header: Option<&str>) -> Result<(), RpcError> {
    match header {
        None => Ok(()),
        Some(v) if VERSIONS.contains(&v) || v == DEFAULT_HEADER_VERSION => Ok(()),
        Some(v) => Err(RpcError::new(
            400,
            code::INVALID_REQUEST,
            format!(
                "unsupported MCP-Protocol-Version `{v}`; this server speaks {}",
                VERSIONS.join(", ")
            ),
        )),
    }
}

/// The request a `notifications/cancelled` names (its `requestId`).
pub fn cancelled_request(params: &Map<String, Value>) -> Option<&Value> {
    params
        .get("requestId")
        .filter(|id| id.is_string() || id.is_number())
}

/// A successful answer to request `id`.
pub fn response(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// A notification from the server.
pub fn notification(method: &str, params: Option<Value>) -> Value {
    match params {
        Some(p) => json!({"jsonrpc": "2.0", "method": method, "params": p}),
        None => json!({"jsonrpc": "2.0", "method": method}),
    }
}

/// One server-sent event carrying `message`.
pub fn sse(message: &Value) -> Vec<u8> {
    format!("event: message\ndata: {message}\n\n").into_bytes()
}

/// A tool's descriptor for `tools/list`.
pub fn tool(
    name: &str,
    description: &str,
    input_schema: Value,
    output_schema: Option<Value>,
) -> Value {
    let mut t = json!({"name": name, "description": description, "inputSchema": input_schema});
    if let Some(o) = output_schema {
        t["outputSchema"] = o;
    }
    t
}

/// A `tools/call` result: `text` as the content, `structured` when there is any.
pub fn tool_result(text: String, structured: Option<Value>, is_error: bool, meta: Value) -> Value {
    let mut r = json!({
        "content": [{"type": "text", "text": text}],
        "isError": is_error,
        "_meta": meta,
    });
    if let Some(s) = structured {
        r["structuredContent"] = s;
    }
    r
}

/// A tool result that is an object: structured, and the same JSON as text.
pub fn object_result(value: Value, meta: Value) -> Value {
    tool_result(value.to_string(), Some(value), false, meta)
}

/// A tool execution error the model can read and act on.
pub fn error_result(message: impl Into<String>, meta: Value) -> Value {
    tool_result(message.into(), None, true, meta)
}

/// How an agent's arguments map onto an objective.
#[derive(Clone, Debug, PartialEq)]
pub enum ArgumentShape {
    /// `{message}`: the agent takes no data.
    MessageOnly,
    /// The data schema's properties plus `message`; everything but `message` is data.
    Flat,
    /// `{message, data}`: the data schema could not take a `message` property.
    Nested,
}

const MESSAGE_DESCRIPTION: &str = "What you want the agent to do: the objective's first message.";

/// The input schema of an agent as a tool, and how its arguments split.
pub fn agent_input_schema(data_schema: Option<&Map<String, Value>>) -> (Value, ArgumentShape) {
    let message = json!({"type": "string", "description": MESSAGE_DESCRIPTION});
    let Some(schema) = data_schema else {
        return (
            json!({"type": "object", "properties": {"message": message}, "required": ["message"]}),
            ArgumentShape::MessageOnly,
        );
    };
    let is_object = schema.get("type") == Some(&json!("object"));
    let flat_props = schema.get("properties").and_then(Value::as_object);
    let required_ok = schema.get("required").is_none_or(Value::is_array);
    match flat_props {
        Some(props) if is_object && required_ok && !props.contains_key("message") => {
            let mut s = schema.clone();
            let mut props = props.clone();
            props.insert("message".into(), message);
            s.insert("properties".into(), Value::Object(props));
            let mut required = schema
                .get("required")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            required.push(json!("message"));
            s.insert("required".into(), Value::Array(required));
            (Value::Object(s), ArgumentShape::Flat)
        }
        _ => (
            json!({
                "type": "object",
                "properties": {"message": message, "data": Value::Object(schema.clone())},
                "required": ["message", "data"]
            }),
            ArgumentShape::Nested,
        ),
    }
}

/// Splits a call's arguments into the objective's first message and its data.
pub fn split_arguments(
    shape: &ArgumentShape,
    mut args: Map<String, Value>,
) -> Result<(String, Option<Value>), String> {
    let message = match args.remove("message") {
        Some(Value::String(m)) => m,
        Some(_) => return Err("argument `message` must be a string".into()),
        None => return Err("argument `message` is required".into()),
    };
    let data = match shape {
        ArgumentShape::MessageOnly => {
            if let Some(k) = args.keys().next() {
                return Err(format!(
                    "unknown argument `{k}`; this agent takes only `message`"
                ));
            }
            None
        }
        ArgumentShape::Flat => Some(Value::Object(args)),
        ArgumentShape::Nested => {
            let data = args.remove("data");
            if let Some(k) = args.keys().next() {
                return Err(format!(
                    "unknown argument `{k}`; this agent takes `message` and `data`"
                ));
            }
            Some(data.ok_or("argument `data` is required")?)
        }
    };
    Ok((message, data))
}

#[cfg(test)]
mod tests;
