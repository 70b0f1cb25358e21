//! What clients do to a running objective: approve or deny a tool call, set a bare
//! tool's content, cancel, continue. Each is one transaction in the caller's request;
//! the engine then takes the next step (the request kicks it).

use crate::Error;
use model::ids::EventKind;
use model::objective::{
    Cancelled, ContentInput, EventData, ExecutionStatus, ObjectiveStatus, ToolCallRef,
    ToolCallStatus, ToolDenied, ToolResultEvent, UserMessage, MAX_MESSAGE_CHARS,
};
use ports::Random;
use store::objectives::{self as objectives, EventRecord, ToolCallRecord};
use store::{Db, StoreError};

/// Who acts, and when.
pub struct Actor<'a> {
    pub account_id: &'a str,
    pub workspace_id: &'a str,
    pub profile_id: &'a str,
    pub now_ms: i64,
    pub random: &'a dyn Random,
}

fn event(
    db: &Db,
    a: &Actor,
    objective_id: &str,
    window_id: &str,
    data: EventData,
) -> Result<EventRecord, StoreError> {
    let id = objectives::next_id::<EventKind>(db, objective_id, a.now_ms, a.random.next_u128())?;
    let e = EventRecord {
        id: id.into_string(),
        objective_id: objective_id.to_owned(),
        account_id: a.account_id.to_owned(),
        workspace_id: a.workspace_id.to_owned(),
        profile_id: Some(a.profile_id.to_owned()),
        window_id: window_id.to_owned(),
        data,
        created_at_ms: a.now_ms,
    };
    objectives::insert_event(db, &e)?;
    Ok(e)
}

fn status(db: &Db, objective_id: &str) -> Result<ObjectiveStatus, Error> {
    objectives::status_of(db, objective_id)?
        .ok_or_else(|| Error::not_found(format!("objective `{objective_id}` does not exist")))
}

fn call(db: &Db, objective_id: &str, id: &str) -> Result<ToolCallRecord, Error> {
    objectives::get_call(db, objective_id, id)?.ok_or_else(|| {
        Error::not_found(format!(
            "objective `{objective_id}` has no tool call `{id}`"
        ))
    })
}

fn ensure_running(s: ObjectiveStatus, objective_id: &str) -> Result<(), Error> {
    if s.has_ended() {
        return Err(Error::Precondition(format!(
            "objective `{objective_id}` is {}; its tool calls can no longer change",
            s.as_str()
        )));
    }
    Ok(())
}

fn awaiting_approval(c: &ToolCallRecord) -> Result<(), Error> {
    if c.status != ToolCallStatus::WaitingForApproval {
        return Err(Error::Precondition(format!(
            "tool call `{}` is {}, not TOOL_CALL_STATUS_WAITING_FOR_APPROVAL",
            c.id,
            c.status.as_str()
        )));
    }
    Ok(())
}

pub fn approve(db: &Db, a: &Actor, objective_id: &str, id: &str) -> Result<ToolCallRecord, Error> {
    let mut c = call(db, objective_id, id)?;
    ensure_running(status(db, objective_id)?, objective_id)?;
    awaiting_approval(&c)?;
    c.status = ToolCallStatus::Approved;
    c.changed_by = Some(a.profile_id.to_owned());
    c.updated_at_ms = a.now_ms;
    objectives::update_call(db, &c)?;
    let data = EventData::ToolApproved {
        tool_approved: ToolCallRef {
            tool_call_id: c.id.clone(),
        },
    };
    event(db, a, objective_id, &c.window_id, data)?;
    objectives::wake(db, objective_id, a.now_ms)?;
    Ok(c)
}

pub fn deny(
    db: &Db,
    a: &Actor,
    objective_id: &str,
    id: &str,
    memo: Option<String>,
) -> Result<ToolCallRecord, Error> {
    if let Some(m) = &memo {
        if m.chars().count() > MAX_MESSAGE_CHARS {
            return Err(Error::invalid(
                "memo",
                format!("must be at most {MAX_MESSAGE_CHARS} characters"),
            ));
        }
    }
    let mut c = call(db, objective_id, id)?;
    ensure_running(status(db, objective_id)?, objective_id)?;
    awaiting_approval(&c)?;
    c.status = ToolCallStatus::Denied;
    c.execution_status = ExecutionStatus::Failed;
    c.memo = memo.clone();
    c.changed_by = Some(a.profile_id.to_owned());
    c.updated_at_ms = a.now_ms;
    objectives::update_call(db, &c)?;
    let data = EventData::ToolDenied {
        tool_denied: ToolDenied {
            tool_call_id: c.id.clone(),
            memo,
        },
    };
    event(db, a, objective_id, &c.window_id, data)?;
    objectives::wake(db, objective_id, a.now_ms)?;
    Ok(c)
}

pub fn set_content(
    db: &Db,
    a: &Actor,
    objective_id: &str,
    id: &str,
    content: ContentInput,
) -> Result<ToolCallRecord, Error> {
    let mut c = call(db, objective_id, id)?;
    ensure_running(status(db, objective_id)?, objective_id)?;
    if c.execution_status != ExecutionStatus::WaitingForContent {
        return Err(Error::Precondition(format!(
            "tool call `{}` is {}, not TOOL_CALL_EXECUTION_STATUS_WAITING_FOR_CONTENT (only bare tool calls wait for content)",
            c.id,
            c.execution_status.as_str()
        )));
    }
    let result = content.into_result();
    if result.joined().len() > crate::execute::MAX_TOOL_RESPONSE_BYTES {
        return Err(Error::invalid(
            "content",
            format!(
                "must be at most {} bytes",
                crate::execute::MAX_TOOL_RESPONSE_BYTES
            ),
        ));
    }
    c.execution_status = ExecutionStatus::Completed;
    c.result = Some(result.clone());
    c.changed_by = Some(a.profile_id.to_owned());
    c.updated_at_ms = a.now_ms;
    objectives::update_call(db, &c)?;
    let data = EventData::ToolResult {
        tool_result: ToolResultEvent {
            tool_call_id: c.id.clone(),
            result,
        },
    };
    event(db, a, objective_id, &c.window_id, data)?;
    objectives::wake(db, objective_id, a.now_ms)?;
    Ok(c)
}

/// CANCELLED: super-terminal; a step in flight finds it at its next commit.
pub fn cancel(
    db: &Db,
    a: &Actor,
    objective_id: &str,
    window_id: &str,
    reason: Option<String>,
) -> Result<(), Error> {
    let s = status(db, objective_id)?;
    if s.is_super_terminal() {
        return Err(Error::Precondition(format!(
            "objective `{objective_id}` is already {}",
            s.as_str()
        )));
    }
    event(
        db,
        a,
        objective_id,
        window_id,
        EventData::Cancelled {
            cancelled: Cancelled { message: reason },
        },
    )?;
    objectives::set_status(
        db,
        objective_id,
        ObjectiveStatus::Cancelled,
        None,
        false,
        None,
        a.now_ms,
    )?;
    // its sub-objectives work for it alone: they stop with it
    for (child, child_window) in objectives::running_children(db, objective_id)? {
        cancel(
            db,
            a,
            &child,
            &child_window,
            Some(format!("parent objective {objective_id} was cancelled")),
        )?;
    }
    Ok(())
}

/// A new USER_MESSAGE after the run ended (COMPLETED, or FAILED once the cause is
/// fixed); the run resumes.
pub fn resume(
    db: &Db,
    a: &Actor,
    objective_id: &str,
    window_id: &str,
    message: String,
) -> Result<EventRecord, Error> {
    if message.trim().is_empty() {
        return Err(Error::invalid(
            "message",
            "is required and may not be blank",
        ));
    }
    if message.chars().count() > MAX_MESSAGE_CHARS {
        return Err(Error::invalid(
            "message",
            format!("must be at most {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    let s = status(db, objective_id)?;
    if !matches!(s, ObjectiveStatus::Completed | ObjectiveStatus::Failed) {
        let why = if s.is_super_terminal() {
            "it can never run again"
        } else {
            "it is still running; continue once it is OBJECTIVE_STATUS_COMPLETED"
        };
        return Err(Error::Precondition(format!(
            "objective `{objective_id}` is {}: {why}",
            s.as_str()
        )));
    }
    let e = event(
        db,
        a,
        objective_id,
        window_id,
        EventData::UserMessage {
            user_message: UserMessage { content: message },
        },
    )?;
    objectives::set_status(
        db,
        objective_id,
        ObjectiveStatus::Pending,
        None,
        true,
        None,
        a.now_ms,
    )?;
    Ok(e)
}
