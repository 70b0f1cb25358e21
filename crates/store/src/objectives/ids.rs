//! Ids of the records numbered within one objective (events, tool calls, tasks): each
//! new id sorts after every earlier one, so keyset lists keep causal order.

use crate::db::{Db, StoreError};
use model::ids::{EventKind, Id, Kind, TaskKind, ToolCallKind};
use model::time::parse_ms;
use ports::Value;

pub(super) fn ms(ts: &str) -> Result<i64, StoreError> {
    parse_ms(ts).map_err(StoreError::Backend)
}

mod sealed {
    pub trait Sealed {}
}

/// A kind of record kept per objective; the store knows its table, callers never name it.
pub trait ObjectiveRecord: Kind + sealed::Sealed {
    #[doc(hidden)]
    const TABLE: &'static str;
}

impl sealed::Sealed for EventKind {}
impl ObjectiveRecord for EventKind {
    const TABLE: &'static str = "objective_events";
}
impl sealed::Sealed for ToolCallKind {}
impl ObjectiveRecord for ToolCallKind {
    const TABLE: &'static str = "objective_tool_calls";
}
impl sealed::Sealed for TaskKind {}
impl ObjectiveRecord for TaskKind {
    const TABLE: &'static str = "objective_tasks";
}

/// A fresh id of kind `K` that sorts after every existing one of this objective.
pub fn next_id<K: ObjectiveRecord>(
    db: &Db,
    objective_id: &str,
    now_ms: i64,
    random: u128,
) -> Result<Id<K>, StoreError> {
    let row = db.one(
        &format!("SELECT MAX(id) FROM {} WHERE objective_id = ?1", K::TABLE),
        &[objective_id.into()],
    )?;
    let last = row.and_then(|r| match r.into_iter().next() {
        Some(Value::Text(s)) => Some(s),
        _ => None,
    });
    Ok(Id::generate_after(last.as_deref(), now_ms, random))
}
