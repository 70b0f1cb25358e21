//! The Anthropic Messages API with tools.

use super::{arguments_object, Call, Reply, Request, Turn};
use serde_json::{json, Value};

pub(super) fn body(req: &Request, max_tokens: u32) -> Value {
    // The API wants alternating roles: consecutive same-role turns become one message.
    let mut messages: Vec<(String, Vec<Value>)> = Vec::new();
    for turn in req.turns {
        let (role, blocks) = match turn {
            Turn::User(text) => ("user", vec![json!({"type": "text", "text": text})]),
            Turn::Assistant { content, calls } => {
                let mut blocks = Vec::new();
                if let Some(text) = content.as_ref().filter(|t| !t.is_empty()) {
                    blocks.push(json!({"type": "text", "text": text}));
                }
                for c in calls {
                    let input = arguments_object(&c.arguments).unwrap_or_default();
                    blocks.push(
                        json!({"type": "tool_use", "id": c.id, "name": c.name, "input": input}),
                    );
                }
                ("assistant", blocks)
            }
            Turn::Results(outcomes) => (
                "user",
                outcomes
                    .iter()
                    .map(|o| {
                        json!({"type": "tool_result", "tool_use_id": o.call_id,
                               "content": o.content, "is_error": o.is_error})
                    })
                    .collect(),
            ),
        };
        match messages.last_mut() {
            Some((r, existing)) if r == role => existing.extend(blocks),
            _ => messages.push((role.to_owned(), blocks)),
        }
    }
    let messages: Vec<Value> = messages
        .into_iter()
        .map(|(role, content)| json!({"role": role, "content": content}))
        .collect();
    let mut body = json!({
        "model": req.model,
        "max_tokens": max_tokens,
        "system": req.system,
        "messages": messages,
    });
    if !req.functions.is_empty() {
        body["tools"] = req
            .functions
            .iter()
            .map(|f| json!({"name": f.name, "description": f.description, "input_schema": f.parameters}))
            .collect();
    }
    if let Some(t) = req.temperature {
        body["temperature"] = json!(t);
    }
    body
}

pub(super) fn parse(v: &Value) -> Result<Reply, String> {
    let blocks = v
        .get("content")
        .and_then(Value::as_array)
        .ok_or("no content array")?;
    let mut text = Vec::new();
    let mut calls = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        match b.get("type").and_then(Value::as_str) {
            Some("text") => text.push(b.get("text").and_then(Value::as_str).unwrap_or_default()),
            Some("tool_use") => {
                let name = b
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("content[{i}] tool_use has no name"))?;
                calls.push(Call {
                    id: b
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    name: name.to_owned(),
                    arguments: b.get("input").cloned().unwrap_or(json!({})).to_string(),
                });
            }
            // thinking and other blocks are not part of the answer
            _ => {}
        }
    }
    let tokens = |k: &str| {
        v.pointer(&format!("/usage/{k}"))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    let content = text.join("");
    Ok(Reply {
        content: (!content.is_empty()).then_some(content),
        calls,
        input_tokens: tokens("input_tokens"),
        output_tokens: tokens("output_tokens"),
    })
}
