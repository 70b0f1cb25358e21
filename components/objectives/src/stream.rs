//! `GET …/objectives/{id}/events:stream` (docs/api.md §4.5): server-sent events. The handler
//! checks the request like any other and answers the head; this writes the body: every
//! event after the resume point as `id:` + `data:`, polling the store, with a
//! `: keep-alive` comment every `event_stream_heartbeat_seconds`, until the objective
//! has ended and everything was sent, or `event_stream_max_seconds` passed.

use ports::Env;
use serde::{Deserialize, Serialize};
use store::objectives;
use store::Db;

/// What the handler hands the stream (through `Ctx::stream_after`).
#[derive(Serialize, Deserialize)]
pub struct Start {
    pub objective_id: String,
    pub after: Option<String>,
}

const POLL_MS: u64 = 250;
const BATCH: i64 = 100;

pub fn run(env: Env<'_>, key: &str, write: &mut dyn FnMut(&[u8]) -> bool) {
    let Ok(start) = serde_json::from_str::<Start>(key) else {
        return;
    };
    let db = Db::new(env.sql);
    let begun = env.clock.now_ms();
    let deadline = begun + env.vars.seconds_as_ms("event_stream_max_seconds", 300);
    let heartbeat = env.vars.seconds_as_ms("event_stream_heartbeat_seconds", 15);
    let mut next_beat = begun + heartbeat;
    let owner = match objectives::owner(&db, &start.objective_id) {
        Ok(Some(o)) => o,
        Ok(None) => return,
        Err(e) => {
            eprintln!("event stream of {}: {e}", start.objective_id);
            return;
        }
    };
    let mut last = start.after;
    loop {
        // the status is read before the events, so an objective that ends meanwhile
        // still has its last events sent before the stream closes
        let ended = match objectives::status_of(&db, &start.objective_id) {
            Ok(Some(s)) => s.has_ended(),
            Ok(None) => true,
            Err(e) => {
                eprintln!("event stream of {}: {e}", start.objective_id);
                return;
            }
        };
        let events =
            match objectives::events_after(&db, &start.objective_id, last.as_deref(), BATCH) {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("event stream of {}: {e}", start.objective_id);
                    return;
                }
            };
        let full = events.len() as i64 == BATCH;
        for e in events {
            let id = e.id.clone();
            let data = serde_json::to_string(&e.into_wire(&owner)).unwrap_or_default();
            if !write(format!("id: {id}\ndata: {data}\n\n").as_bytes()) {
                return;
            }
            last = Some(id);
        }
        if full {
            continue;
        }
        let now = env.clock.now_ms();
        if ended || now >= deadline {
            return;
        }
        if now >= next_beat {
            if !write(b": keep-alive\n\n") {
                return;
            }
            next_beat = now + heartbeat;
        }
        env.clock.sleep_ms(POLL_MS);
    }
}
