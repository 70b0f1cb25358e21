//! Server-sent event bodies, written after the handler answered the head:
//! - an agent tool call: progress notifications while the objective runs, then the
//!   JSON-RPC response with the tool's result;
//! - a session's `GET` stream: `notifications/tools/list_changed` when the published
//!   agents differ from what the session last listed, keep-alive comments between,
//!   closed after `event_stream_max_seconds` (clients reconnect).

use crate::catalog;
use crate::wait::{self, Watch};
use mcp_server::{notification, response, sse};
use model::objective::ObjectiveStatus;
use ports::Env;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use store::Db;
use web::cache::Changed;

#[derive(Serialize, Deserialize)]
pub enum StreamKey {
    Call {
        request_id: Value,
        progress_token: Option<Value>,
        watch: Watch,
    },
    Listen {
        workspace_id: String,
        agents_visible: bool,
        listed: Option<String>,
    },
}

/// How often the tool list is compared while a session listens.
const LISTEN_POLL_MS: u64 = 1000;

pub fn run(env: Env<'_>, key: &str, write: &mut dyn FnMut(&[u8]) -> bool) {
    match serde_json::from_str::<StreamKey>(key) {
        Ok(StreamKey::Call {
            request_id,
            progress_token,
            watch,
        }) => {
            // a client that went away may still cancel the call (disconnecting is not
            // cancelling), so its record stays until an answer was delivered
            if call(env, &request_id, progress_token, &watch, write) {
                crate::session::forget_call(env.kv, &watch.call_key);
            }
        }
        Ok(StreamKey::Listen {
            workspace_id,
            agents_visible,
            listed,
        }) => listen(env, &workspace_id, agents_visible, listed, write),
        Err(e) => eprintln!("mcp stream: unreadable key: {e}"),
    }
}

/// Streams one agent call; whether its answer reached the client.
fn call(
    env: Env<'_>,
    request_id: &Value,
    progress_token: Option<Value>,
    w: &Watch,
    write: &mut dyn FnMut(&[u8]) -> bool,
) -> bool {
    let db = Db::new(env.sql);
    let mut reported = -1;
    let mut report = |status: ObjectiveStatus, events: i64| {
        let Some(token) = progress_token.as_ref().filter(|_| events > reported) else {
            return true;
        };
        reported = events;
        let params = json!({
            "progressToken": token,
            "progress": events,
            "message": format!("objective {}: {} ({events} events)", w.objective_id, status.as_str()),
        });
        write(&sse(&notification("notifications/progress", Some(params))))
    };
    match wait::settle(&db, env.clock, w, &mut report) {
        Ok(Some(result)) => write(&sse(&response(request_id, result))),
        Ok(None) => false,
        Err(e) => {
            eprintln!("mcp call on {}: {e}", w.objective_id);
            let error = mcp_server::RpcError::in_band(
                mcp_server::code::INTERNAL,
                format!(
                    "the server could not read objective {}; follow it with cadenya_get_objective",
                    w.objective_id
                ),
            );
            write(&sse(&error.body(request_id)))
        }
    }
}

fn listen(
    env: Env<'_>,
    workspace_id: &str,
    agents_visible: bool,
    mut listed: Option<String>,
    write: &mut dyn FnMut(&[u8]) -> bool,
) {
    let db = Db::new(env.sql);
    let begun = env.clock.now_ms();
    let deadline = begun + env.vars.seconds_as_ms("event_stream_max_seconds", 300);
    let heartbeat = env.vars.seconds_as_ms("event_stream_heartbeat_seconds", 15);
    let mut next_beat = begun + heartbeat;
    let agents_counter = Changed::Agents {
        workspace: workspace_id,
    }
    .counter();
    let mut compared = None;
    // a reconnecting client waits a second, not the SDK's default
    if !write(b"retry: 1000\n\n") {
        return;
    }
    loop {
        let now = env.clock.now_ms();
        if now >= deadline {
            return;
        }
        // Every agent write bumps the workspace's agents counter before it answers, so
        // while the counter stands still the tools are the ones last compared: an idle
        // stream costs one key-value read a second, not a load of every published agent.
        // (Read before loading: a write in between only costs one more load.)
        let generation = agents_visible.then(|| env.kv.get(&agents_counter).ok());
        let current = match generation {
            None => catalog::fingerprint(&[]),
            Some(Some(now)) if compared.as_ref() == Some(&now) => {
                listed.clone().unwrap_or_default()
            }
            Some(generation) => match catalog::agent_tools(&db, workspace_id) {
                Ok(tools) => {
                    compared = generation;
                    catalog::fingerprint(&tools)
                }
                Err(e) => {
                    eprintln!("mcp listen on {workspace_id}: {e}");
                    return;
                }
            },
        };
        if listed.as_deref() != Some(current.as_str()) {
            // a session that never listed learns nothing new from its first look
            if listed.is_some()
                && !write(&sse(&notification(
                    "notifications/tools/list_changed",
                    None,
                )))
            {
                return;
            }
            listed = Some(current);
        }
        if now >= next_beat {
            if !write(b": keep-alive\n\n") {
                return;
            }
            next_beat = now + heartbeat;
        }
        env.clock.sleep_ms(LISTEN_POLL_MS);
    }
}
