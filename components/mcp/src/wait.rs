//! Waiting for an objective an agent tool started, and the tool result it ends with.
//! The engine runs the objective (the scheduler's tick claims it within a second); this
//! only polls, so the caller's wait is honoured to the poll interval.

use mcp_server::{error_result, object_result, tool_result};
use model::objective::{ObjectiveStatus, ToolCallStatus};
use ports::Clock;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use store::list::ListQuery;
use store::objectives;
use store::{Db, StoreError};

pub const POLL_MS: u64 = 250;

/// An agent tool call in flight: what the wait needs, carried from the request to its
/// stream (as JSON) or used inline.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Watch {
    pub objective_id: String,
    /// The tool has an `outputSchema`: a result without the output is an error.
    pub structured: bool,
    pub deadline_ms: i64,
    /// The call's record for `notifications/cancelled` ([`crate::session::call_key`]).
    pub call_key: String,
}

/// Where the objective stands after one poll.
enum Polled {
    /// Ended, or waiting for a person: the tool's result.
    Settled(Value),
    Running {
        status: ObjectiveStatus,
        events: i64,
    },
}

fn meta(id: &str, status: ObjectiveStatus) -> Value {
    json!({"cadenya/objectiveId": id, "cadenya/status": status.as_str()})
}

/// Polls until the objective settles or the wait's deadline passes, and returns the
/// tool's result. After each poll that finds it running, `on_running(status, events)`
/// may report progress; its `false` (the client went away) ends the wait with `None`.
pub fn settle(
    db: &Db,
    clock: &dyn Clock,
    w: &Watch,
    on_running: &mut dyn FnMut(ObjectiveStatus, i64) -> bool,
) -> Result<Option<Value>, StoreError> {
    loop {
        match poll(db, w)? {
            Polled::Settled(result) => return Ok(Some(result)),
            Polled::Running { status, events } => {
                if clock.now_ms() >= w.deadline_ms {
                    return Ok(Some(still_running(w, status)));
                }
                if !on_running(status, events) {
                    return Ok(None);
                }
            }
        }
        clock.sleep_ms(POLL_MS);
    }
}

fn poll(db: &Db, w: &Watch) -> Result<Polled, StoreError> {
    let id = &w.objective_id;
    let Some(o) = objectives::child_outcome(db, id)? else {
        return Ok(Polled::Settled(error_result(
            format!("objective {id} no longer exists"),
            json!({"cadenya/objectiveId": id}),
        )));
    };
    let m = meta(id, o.status);
    let why = o
        .status_message
        .as_deref()
        .unwrap_or("no reason was recorded");
    let settled = match o.status {
        ObjectiveStatus::Finalized => match o.output {
            Some(output) => object_result(output, m),
            None => error_result(format!("objective {id} ended without an output"), m),
        },
        ObjectiveStatus::Completed if w.structured => error_result(
            format!("objective {id} completed without submitting its output"),
            m,
        ),
        ObjectiveStatus::Completed => tool_result(
            o.answer
                .filter(|a| !a.trim().is_empty())
                .unwrap_or_else(|| "(the agent finished without a message)".into()),
            None,
            false,
            m,
        ),
        ObjectiveStatus::Failed => error_result(format!("objective {id} failed: {why}"), m),
        ObjectiveStatus::Cancelled => {
            error_result(format!("objective {id} was cancelled: {why}"), m)
        }
        ObjectiveStatus::WaitingForApproval => waiting(db, w, m)?,
        status => {
            return Ok(Polled::Running {
                status,
                events: objectives::event_count(db, id)?,
            })
        }
    };
    Ok(Polled::Settled(settled))
}

/// The calls a person must approve or deny before the objective goes on.
fn waiting(db: &Db, w: &Watch, mut m: Value) -> Result<Value, StoreError> {
    let q = ListQuery {
        limit: 20,
        ascending: true,
        ..ListQuery::default()
    };
    let calls = objectives::list_calls(
        db,
        &w.objective_id,
        &q,
        Some(ToolCallStatus::WaitingForApproval),
    )?
    .items;
    let named: Vec<String> = calls
        .iter()
        .map(|c| format!("{} ({})", c.metadata.id, c.data.function_name))
        .collect();
    m["cadenya/toolCallIds"] = json!(calls.iter().map(|c| &c.metadata.id).collect::<Vec<_>>());
    let text = format!(
        "objective {} is waiting for approval of tool call {}; approve with cadenya_approve_tool_call or deny with cadenya_deny_tool_call, then follow it with cadenya_get_objective",
        w.objective_id,
        named.join(", ")
    );
    Ok(tool_result(text, None, w.structured, m))
}

/// The result when the wait ends first: the objective goes on; the client follows it.
fn still_running(w: &Watch, status: ObjectiveStatus) -> Value {
    let text = format!(
        "objective {} is still running ({}); follow it with cadenya_get_objective",
        w.objective_id,
        status.as_str()
    );
    // a tool with an output schema owes structured content on success, so a result
    // without it says the call did not finish
    tool_result(text, None, w.structured, meta(&w.objective_id, status))
}
