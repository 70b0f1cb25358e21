//! What the engine reads and writes while it runs an objective: its run state, status, usage and output.

use crate::db::{json_text, Db, Row, StoreError};
use crate::objectives::SubAgent;
use model::objective::{MemoryReference, ObjectiveData, ObjectiveStatus};
use std::collections::BTreeMap;

/// What the engine needs to take a step, read under its lease.
#[derive(Clone, Debug, PartialEq)]
pub struct RunState {
    pub id: String,
    pub account_id: String,
    pub workspace_id: String,
    /// Who created the objective; its sub-objectives are created on their behalf.
    pub profile_id: Option<String>,
    pub status: ObjectiveStatus,
    pub data: ObjectiveData,
    pub secrets: BTreeMap<String, String>,
    pub window_id: String,
    pub tool_calls: i64,
    pub memory_stack: Vec<MemoryReference>,
    pub sub_agents: Vec<SubAgent>,
    pub episodic_layer_id: Option<String>,
    /// The last reply crossed the compaction threshold.
    pub compact_due: bool,
    pub created_at_ms: i64,
}

/// The objective, if `owner` still holds its lease.
pub fn run_state(db: &Db, id: &str, owner: &str) -> Result<Option<RunState>, StoreError> {
    let row = db.one(
        "SELECT id, account_id, workspace_id, status, data, secrets, window_id, tool_calls,
             memory_stack, sub_agents, episodic_layer_id, compact_due, profile_id, created_at
         FROM objectives WHERE id = ?1 AND lease_owner = ?2",
        &[id.into(), owner.into()],
    )?;
    let Some(row) = row else { return Ok(None) };
    let r = Row(&row);
    Ok(Some(RunState {
        id: r.text(0)?,
        account_id: r.text(1)?,
        workspace_id: r.text(2)?,
        status: r.wire(3, ObjectiveStatus::parse)?,
        data: r.json(4)?,
        secrets: r.json(5)?,
        window_id: r.text(6)?,
        tool_calls: r.int(7)?,
        memory_stack: r.json(8)?,
        sub_agents: r.json(9)?,
        episodic_layer_id: r.opt_text(10)?,
        compact_due: r.int(11)? != 0,
        profile_id: r.opt_text(12)?,
        created_at_ms: r.int(13)?,
    }))
}

/// The status of an objective (for steering requests, inside their transaction).
pub fn status_of(db: &Db, id: &str) -> Result<Option<ObjectiveStatus>, StoreError> {
    let row = db.one("SELECT status FROM objectives WHERE id = ?1", &[id.into()])?;
    row.map(|r| Row(&r).wire(0, ObjectiveStatus::parse))
        .transpose()
}

/// Sets the status; `runnable` says whether a step is due now, `wake_at` when one
/// becomes due later (a bare tool's content deadline).
pub fn set_status(
    db: &Db,
    id: &str,
    status: ObjectiveStatus,
    message: Option<&str>,
    runnable: bool,
    wake_at_ms: Option<i64>,
    now_ms: i64,
) -> Result<(), StoreError> {
    db.exec(
        "UPDATE objectives SET status = ?2, status_message = ?3, runnable = ?4, wake_at = ?5,
             updated_at = ?6 WHERE id = ?1",
        &[
            id.into(),
            status.as_str().into(),
            message.into(),
            runnable.into(),
            wake_at_ms.into(),
            now_ms.into(),
        ],
    )?;
    if status.has_ended() {
        // a parent waiting on this objective has a step to take
        db.exec(
            "UPDATE objectives SET runnable = 1, wake_at = NULL
             WHERE id = (SELECT parent_objective_id FROM objectives WHERE id = ?1)",
            &[id.into()],
        )?;
    }
    Ok(())
}

/// Marks a step as due (after an approval, a denial, content, a continue).
pub fn wake(db: &Db, id: &str, now_ms: i64) -> Result<(), StoreError> {
    db.exec(
        "UPDATE objectives SET runnable = 1, wake_at = NULL, updated_at = ?2 WHERE id = ?1",
        &[id.into(), now_ms.into()],
    )?;
    Ok(())
}

/// Adds a model call's usage to the objective and its current window.
pub fn add_usage(
    db: &Db,
    id: &str,
    window_id: &str,
    input: i64,
    output: i64,
) -> Result<(), StoreError> {
    db.exec(
        "UPDATE objectives SET input_tokens = input_tokens + ?2,
             completion_tokens = completion_tokens + ?3, iterations = iterations + 1 WHERE id = ?1",
        &[id.into(), input.into(), output.into()],
    )?;
    db.exec(
        "UPDATE context_windows SET prompt_tokens = prompt_tokens + ?2,
             completion_tokens = completion_tokens + ?3 WHERE id = ?1",
        &[window_id.into(), input.into(), output.into()],
    )?;
    Ok(())
}

/// Records the structured output in the objective's `data.output`.
pub fn set_output(db: &Db, id: &str, output: &serde_json::Value) -> Result<(), StoreError> {
    db.exec(
        "UPDATE objectives SET data = json_set(data, '$.output', json(?2)) WHERE id = ?1",
        &[id.into(), json_text(output)],
    )?;
    Ok(())
}

// ---- compaction

pub fn set_compact_due(db: &Db, id: &str, due: bool) -> Result<(), StoreError> {
    db.exec(
        "UPDATE objectives SET compact_due = ?2 WHERE id = ?1",
        &[id.into(), due.into()],
    )?;
    Ok(())
}
