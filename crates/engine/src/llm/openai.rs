//! OpenAI Chat Completions with tools.

use super::{Call, Reply, Request, Turn};
use serde_json::{json, Value};

pub(super) fn body(req: &Request) -> Value {
    let mut messages = vec![json!({"role": "system", "content": req.system})];
    for turn in req.turns {
        match turn {
            Turn::User(text) => messages.push(json!({"role": "user", "content": text})),
            Turn::Assistant { content, calls } => {
                let mut m = json!({"role": "assistant", "content": content});
                if !calls.is_empty() {
                    m["tool_calls"] = calls
                        .iter()
                        .map(|c| {
                            json!({"id": c.id, "type": "function",
                                   "function": {"name": c.name, "arguments": c.arguments}})
                        })
                        .collect();
                }
                messages.push(m);
            }
            Turn::Results(outcomes) => {
                for o in outcomes {
                    messages.push(
                        json!({"role": "tool", "tool_call_id": o.call_id, "content": o.content}),
                    );
                }
            }
        }
    }
    let mut body = json!({"model": req.model, "messages": messages});
    if !req.functions.is_empty() {
        body["tools"] = req
            .functions
            .iter()
            .map(|f| {
                json!({"type": "function",
                       "function": {"name": f.name, "description": f.description, "parameters": f.parameters}})
            })
            .collect();
    }
    if let Some(t) = req.temperature {
        body["temperature"] = json!(t);
    }
    body
}

pub(super) fn parse(v: &Value) -> Result<Reply, String> {
    let message = v
        .pointer("/choices/0/message")
        .ok_or("no choices[0].message")?;
    let content = match message.get("content") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("message.content is not a string".into()),
    };
    let mut calls = Vec::new();
    if let Some(list) = message.get("tool_calls").filter(|v| !v.is_null()) {
        let list = list
            .as_array()
            .ok_or("message.tool_calls is not an array")?;
        for (i, c) in list.iter().enumerate() {
            let name = c
                .pointer("/function/name")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("tool_calls[{i}] has no function.name"))?;
            let arguments = match c.pointer("/function/arguments") {
                Some(Value::String(s)) => s.clone(),
                None | Some(Value::Null) => "{}".to_owned(),
                Some(other) => other.to_string(),
            };
            let id = c.get("id").and_then(Value::as_str).unwrap_or_default();
            calls.push(Call {
                id: id.to_owned(),
                name: name.to_owned(),
                arguments,
            });
        }
    }
    let tokens = |k: &str| {
        v.pointer(&format!("/usage/{k}"))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    Ok(Reply {
        content: content.filter(|c| !c.is_empty()),
        calls,
        input_tokens: tokens("prompt_tokens"),
        output_tokens: tokens("completion_tokens"),
    })
}
