//! Sub-objectives as their parent sees them.

use crate::db::{Db, Row, StoreError};
use model::objective::ObjectiveStatus;

// ---- sub-objectives, output

/// How a child objective stands, as its parent needs to know.
#[derive(Clone, Debug, PartialEq)]
pub struct ChildOutcome {
    pub status: ObjectiveStatus,
    pub status_message: Option<String>,
    pub output: Option<serde_json::Value>,
    /// The text of its last ASSISTANT_MESSAGE.
    pub answer: Option<String>,
}

pub fn child_outcome(db: &Db, id: &str) -> Result<Option<ChildOutcome>, StoreError> {
    let row = db.one(
        "SELECT o.status, o.status_message, json_object('v', json_extract(o.data, '$.output')),
             (SELECT json_extract(e.data, '$.assistantMessage.content') FROM objective_events e
              WHERE e.objective_id = o.id AND e.type = ?2 ORDER BY e.id DESC LIMIT 1)
         FROM objectives o WHERE o.id = ?1",
        &[
            id.into(),
            model::objective::EventType::AssistantMessage
                .as_str()
                .into(),
        ],
    )?;
    let Some(row) = row else { return Ok(None) };
    let r = Row(&row);
    let output = r
        .json::<serde_json::Value>(2)?
        .get_mut("v")
        .map(serde_json::Value::take)
        .filter(|v| !v.is_null());
    Ok(Some(ChildOutcome {
        status: r.wire(0, ObjectiveStatus::parse)?,
        status_message: r.opt_text(1)?,
        output,
        answer: r.opt_text(3)?,
    }))
}

/// How many events the objective has recorded (a measure of progress that only grows).
pub fn event_count(db: &Db, id: &str) -> Result<i64, StoreError> {
    let row = db.one(
        "SELECT count(*) FROM objective_events WHERE objective_id = ?1",
        &[id.into()],
    )?;
    row.map_or(Ok(0), |r| Row(&r).int(0))
}

/// Children that have not ended (to cancel with their parent): (id, window id).
pub fn running_children(db: &Db, parent_id: &str) -> Result<Vec<(String, String)>, StoreError> {
    let rows = db.exec(
        &format!(
            "SELECT id, window_id FROM objectives
             WHERE parent_objective_id = ?1 AND status NOT IN ('{}', '{}', '{}', '{}')",
            ObjectiveStatus::Completed.as_str(),
            ObjectiveStatus::Finalized.as_str(),
            ObjectiveStatus::Cancelled.as_str(),
            ObjectiveStatus::Failed.as_str(),
        ),
        &[parent_id.into()],
    )?;
    rows.rows
        .iter()
        .map(|row| {
            let r = Row(row);
            Ok((r.text(0)?, r.text(1)?))
        })
        .collect()
}

/// Sub-objectives started so far (for `maxSubObjectives`).
pub fn count_children(db: &Db, parent_id: &str) -> Result<i64, StoreError> {
    let row = db.one(
        "SELECT COUNT(*) FROM objectives WHERE parent_objective_id = ?1",
        &[parent_id.into()],
    )?;
    row.map_or(Ok(0), |r| Row(&r).int(0))
}
