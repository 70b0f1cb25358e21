//! Events: the objective's append-only record (the conversation included).

use crate::db::{json_text, Db, Row, StoreError};
use crate::list::{self, ListQuery, Listed, Source};
use crate::objectives::owner::{owner_at, owner_cols, owner_join, Owner};
use model::metadata::OperationMetadata;
use model::objective::{EventData, EventInfo, ObjectiveEvent};
use ports::Value;

/// One event as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRecord {
    pub id: String,
    pub objective_id: String,
    pub account_id: String,
    pub workspace_id: String,
    pub profile_id: Option<String>,
    pub window_id: String,
    pub data: EventData,
    pub created_at_ms: i64,
}

impl EventRecord {
    /// The event as the API shows it; `owner` is its objective's. An event written by the
    /// engine is attributed to the objective's creator.
    pub fn into_wire(mut self, owner: &Owner) -> ObjectiveEvent {
        for callable in self.data.callables_mut() {
            owner.complete(callable);
        }
        ObjectiveEvent {
            metadata: OperationMetadata::record(
                self.id,
                self.account_id,
                self.workspace_id,
                self.profile_id.unwrap_or_else(|| owner.profile_id()),
                self.created_at_ms,
            ),
            data: self.data,
            context_window_id: self.window_id,
            info: Some(EventInfo {
                created_by: owner.created_by.clone(),
                objective: owner.objective.clone(),
            }),
        }
    }
}

// ---- events

pub fn insert_event(db: &Db, e: &EventRecord) -> Result<(), StoreError> {
    db.exec(
        "INSERT INTO objective_events (id, objective_id, account_id, workspace_id, profile_id,
             window_id, type, data, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        &[
            e.id.as_str().into(),
            e.objective_id.as_str().into(),
            e.account_id.as_str().into(),
            e.workspace_id.as_str().into(),
            e.profile_id.clone().into(),
            e.window_id.as_str().into(),
            e.data.kind().as_str().into(),
            json_text(&e.data),
            e.created_at_ms.into(),
        ],
    )?;
    db.exec(
        "UPDATE objectives SET events = events + 1, updated_at = ?2 WHERE id = ?1",
        &[e.objective_id.as_str().into(), e.created_at_ms.into()],
    )?;
    crate::webhooks::queue(db, e)
}

pub(super) const EVENT_COLS: &str =
    "e.id, e.objective_id, e.account_id, e.workspace_id, e.profile_id, e.window_id, e.data, e.created_at";
const EVENT_NCOLS: usize = 8;

pub(super) fn event_from(row: &[Value]) -> Result<EventRecord, StoreError> {
    let r = Row(row);
    Ok(EventRecord {
        id: r.text(0)?,
        objective_id: r.text(1)?,
        account_id: r.text(2)?,
        workspace_id: r.text(3)?,
        profile_id: r.opt_text(4)?,
        window_id: r.text(5)?,
        data: r.json(6)?,
        created_at_ms: r.int(7)?,
    })
}

/// Events of one objective; `since` keeps only those after that event.
pub fn list_events(
    db: &Db,
    objective_id: &str,
    q: &ListQuery,
    since: Option<&str>,
) -> Result<Listed<ObjectiveEvent>, StoreError> {
    let mut filters = Vec::new();
    if let Some(since) = since {
        filters.push(("e.id > ?".to_owned(), vec![Value::from(since)]));
    }
    let columns = format!("{EVENT_COLS}, {}", owner_cols());
    let from = format!("FROM objective_events e {}", owner_join("e"));
    let src = Source {
        columns: &columns,
        from: &from,
        count_from: "FROM objective_events e",
        alias: "e",
        scope_col: "e.objective_id",
        scope: objective_id,
        counter: None,
        filters,
        prefix_col: "e.id",
    };
    list::run(db, src, q)?.try_map(|row| {
        let owner = owner_at(&Row(&row), EVENT_NCOLS)?;
        event_from(&row).map(|e| e.into_wire(&owner))
    })
}

/// The conversation of one context window, oldest first.
pub fn window_events(
    db: &Db,
    objective_id: &str,
    window_id: &str,
) -> Result<Vec<EventData>, StoreError> {
    let rows = db.exec(
        "SELECT data FROM objective_events WHERE objective_id = ?1 AND window_id = ?2 ORDER BY id",
        &[objective_id.into(), window_id.into()],
    )?;
    rows.rows.iter().map(|r| Row(r).json(0)).collect()
}

/// One event by id.
pub fn get_event(db: &Db, id: &str) -> Result<Option<EventRecord>, StoreError> {
    let row = db.one(
        &format!("SELECT {EVENT_COLS} FROM objective_events e WHERE e.id = ?1"),
        &[id.into()],
    )?;
    row.map(|r| event_from(&r)).transpose()
}

/// Up to `limit` events after `after` (from the first without), oldest first.
pub fn events_after(
    db: &Db,
    objective_id: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<EventRecord>, StoreError> {
    let rows = db.exec(
        &format!(
            "SELECT {EVENT_COLS} FROM objective_events e
             WHERE e.objective_id = ?1 AND (?2 IS NULL OR e.id > ?2) ORDER BY e.id LIMIT ?3"
        ),
        &[objective_id.into(), after.into(), limit.into()],
    )?;
    rows.rows.iter().map(|r| event_from(r)).collect()
}
