//! `objectives watch` (the event stream as a readable timeline, reconnecting with the
//! last event id until the objective has ended) and `objectives create --wait`.

use crate::client::{Client, Failure};
use crate::output::{render, Format};
use serde_json::Value;
use std::time::Duration;

const ENDED: &[&str] = &[
    "OBJECTIVE_STATUS_COMPLETED",
    "OBJECTIVE_STATUS_FINALIZED",
    "OBJECTIVE_STATUS_FAILED",
    "OBJECTIVE_STATUS_CANCELLED",
];

fn cut(s: &str, n: usize) -> String {
    let one_line = s.replace('\n', " ");
    if one_line.chars().count() <= n {
        one_line
    } else {
        format!("{}…", one_line.chars().take(n).collect::<String>())
    }
}

/// One line per event: time, type, what happened.
pub fn timeline_line(e: &Value) -> String {
    let data = &e["data"];
    let kind = data["type"]
        .as_str()
        .unwrap_or("?")
        .trim_start_matches("OBJECTIVE_EVENT_TYPE_");
    let at = e["metadata"]["createdAt"].as_str().unwrap_or("");
    let time = at.get(11..23).unwrap_or(at);
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let what = match kind {
        "USER_MESSAGE" => s(&data["userMessage"]["content"]),
        "ASSISTANT_MESSAGE" => {
            let m = &data["assistantMessage"];
            let calls: Vec<String> = m["toolCalls"]
                .as_array()
                .map(|c| {
                    c.iter()
                        .map(|c| format!("{}({})", s(&c["functionName"]), s(&c["arguments"])))
                        .collect()
                })
                .unwrap_or_default();
            match (m["content"].as_str(), calls.is_empty()) {
                (Some(t), true) => t.to_owned(),
                (Some(t), false) => format!("{t} → {}", calls.join(", ")),
                (None, _) => format!("→ {}", calls.join(", ")),
            }
        }
        "TOOL_CALLED" => {
            let c = &data["toolCalled"];
            format!("{} {}", c["tool"], c["arguments"])
        }
        "TOOL_RESULT" => data["toolResult"]["result"]["content"]
            .as_array()
            .map(|b| {
                b.iter()
                    .map(|b| s(&b["text"]["text"]))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default(),
        "TOOL_ERROR" => s(&data["toolError"]["message"]),
        "TOOL_APPROVAL_REQUESTED" => format!(
            "approve with: cadenya objectives:tool-calls approve --objective-id {} {}",
            s(&e["info"]["objective"]["id"]),
            s(&data["toolApprovalRequested"]["toolCallId"])
        ),
        "ERROR" => format!(
            "{}: {}",
            s(&data["error"]["type"]),
            s(&data["error"]["message"])
        ),
        "FINALIZED" => data["finalized"]["output"].to_string(),
        "CANCELLED" => s(&data["cancelled"]["message"]),
        "SUB_AGENT_SPAWNED" => format!(
            "{} → {}",
            s(&data["subAgentSpawned"]["agent"]["name"]),
            s(&data["subAgentSpawned"]["objective"]["id"])
        ),
        "SUB_AGENT_UPDATED" => format!(
            "{} {}: {}",
            s(&data["subAgentUpdated"]["objective"]["id"]),
            s(&data["subAgentUpdated"]["status"]),
            s(&data["subAgentUpdated"]["message"])
        ),
        "MEMORY_READ" => s(&data["memoryRead"]["message"]),
        "CONTEXT_WINDOW_COMPACTED" => format!(
            "{} messages compacted ({})",
            data["contextWindowCompacted"]["messagesCompacted"],
            data["contextWindowCompacted"]["strategies"]
        ),
        other => data.get(other).map(Value::to_string).unwrap_or_default(),
    };
    format!("{time}  {kind:<24} {}", cut(&what, 160))
}

fn status(client: &Client, base: &str, id: &str) -> Result<String, Failure> {
    let o = client.call("GET", &format!("{base}/{id}"), &[], None)?;
    Ok(o["status"].as_str().unwrap_or_default().to_owned())
}

/// Follows the stream until the objective has ended; JSON/YAML print each event whole.
pub fn watch(client: &Client, base: &str, id: &str, format: Format) -> Result<(), Failure> {
    let mut last: Option<String> = None;
    loop {
        let resume = last.clone();
        let mut print = |event_id: &str, data: &str| {
            let line = match serde_json::from_str::<Value>(data) {
                Ok(e) if format == Format::Table => timeline_line(&e),
                Ok(e) if format == Format::Json => e.to_string(),
                Ok(e) => format!("---\n{}", render(&e, Format::Yaml)),
                Err(_) => data.to_owned(),
            };
            println!("{line}");
            last = Some(event_id.to_owned());
        };
        client.stream(
            &format!("{base}/{id}/events:stream"),
            resume.as_deref(),
            &mut print,
        )?;
        if ENDED.contains(&status(client, base, id)?.as_str()) {
            // the server closes after the last event of an ended objective
            return Ok(());
        }
    }
}

/// Polls until the objective has ended; the final objective.
pub fn wait(client: &Client, base: &str, id: &str) -> Result<Value, Failure> {
    let mut told = false;
    loop {
        let o = client.call("GET", &format!("{base}/{id}"), &[], None)?;
        let s = o["status"].as_str().unwrap_or_default();
        if ENDED.contains(&s) {
            return Ok(o);
        }
        if s == "OBJECTIVE_STATUS_WAITING_FOR_APPROVAL" && !told {
            eprintln!(
                "waiting for approval: cadenya objectives:tool-calls list --objective-id {id} --status TOOL_CALL_STATUS_WAITING_FOR_APPROVAL"
            );
            told = true;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The objective's answer: its output, else its last assistant message.
pub fn result(client: &Client, base: &str, o: &Value) -> Result<Value, Failure> {
    if let Some(output) = o["data"].get("output") {
        return Ok(output.clone());
    }
    let id = o["metadata"]["id"].as_str().unwrap_or_default();
    let q = [
        ("sortOrder".to_owned(), "desc".to_owned()),
        ("limit".to_owned(), "50".to_owned()),
    ];
    let page = client.call("GET", &format!("{base}/{id}/events"), &q, None)?;
    let answer = page["items"]
        .as_array()
        .and_then(|items| {
            items.iter().find_map(|e| {
                e["data"]["assistantMessage"]["content"]
                    .as_str()
                    .map(str::to_owned)
            })
        })
        .map_or(Value::Null, Value::String);
    Ok(answer)
}
