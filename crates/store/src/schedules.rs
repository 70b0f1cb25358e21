//! Agent schedules and their firing bookkeeping.

use crate::db::{json_text, Db, Row, StoreError};
use crate::identity::{profile_at, PROFILE_COLS};
use crate::list::{self, ListQuery, Listed, Source};
use crate::resource;
use model::ids::{Ref, ScheduleKind};
use model::schedule::{AgentSchedule, AgentScheduleInfo, ScheduleStatus};
use model::time::format_ms;
use ports::Value;

/// A stored schedule, its agent and the instant it fires next.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleRecord {
    pub schedule: AgentSchedule,
    pub agent_id: String,
    pub next_fire_at: Option<i64>,
}

const JOIN: &str = "LEFT JOIN profiles p ON p.id = s.profile_id";

fn columns() -> String {
    format!(
        "{}, s.agent_id, s.spec, s.next_fire_at, s.last_fire_at, s.last_objective_id, s.last_skipped_at,
         s.last_skip_reason, s.total_fires, {PROFILE_COLS}",
        resource::cols("s")
    )
}

fn from_row(row: &[Value]) -> Result<ScheduleRecord, StoreError> {
    let r = Row(row);
    let n = resource::NCOLS;
    let next_fire_at = r.opt_int(n + 2)?;
    let info = AgentScheduleInfo {
        created_by: profile_at(&r, n + 8)?,
        last_fire_at: r.opt_int(n + 3)?.map(format_ms),
        last_objective_id: r.opt_text(n + 4)?,
        last_skipped_at: r.opt_int(n + 5)?.map(format_ms),
        last_skip_reason: r.opt_text(n + 6)?,
        next_fire_at: next_fire_at.map(format_ms),
        total_fires: r.int(n + 7)?,
        upcoming_fire_times: Vec::new(),
    };
    Ok(ScheduleRecord {
        schedule: AgentSchedule {
            metadata: resource::metadata(&r, 0)?,
            spec: r.json(n + 1)?,
            info: Some(info),
        },
        agent_id: r.text(n)?,
        next_fire_at,
    })
}

fn status_of(s: &AgentSchedule) -> &'static str {
    s.spec.status.unwrap_or(ScheduleStatus::Active).as_str()
}

pub fn insert(
    db: &Db,
    s: &AgentSchedule,
    agent_id: &str,
    next_fire_at: Option<i64>,
) -> Result<(), StoreError> {
    let mut params = resource::values(&s.metadata)?;
    params.push(agent_id.into());
    params.push(json_text(&s.spec));
    params.push(status_of(s).into());
    params.push(next_fire_at.into());
    db.exec(
        &format!(
            "INSERT INTO schedules ({}, agent_id, spec, status, next_fire_at)
             VALUES ({}, ?11, ?12, ?13, ?14)",
            resource::INSERT_COLS,
            resource::INSERT_PLACEHOLDERS
        ),
        &params,
    )?;
    Ok(())
}

/// One schedule of an agent.
pub fn get(
    db: &Db,
    workspace_id: &str,
    agent_id: &str,
    r: &Ref<ScheduleKind>,
) -> Result<Option<ScheduleRecord>, StoreError> {
    let (cond, value) = resource::by_ref("s", r, 3);
    let sql = format!(
        "SELECT {} FROM schedules s {JOIN} WHERE s.workspace_id = ?1 AND s.agent_id = ?2 AND {cond}",
        columns()
    );
    db.one(&sql, &[workspace_id.into(), agent_id.into(), value])?
        .map(|row| from_row(&row))
        .transpose()
}

/// A schedule by id alone (the scheduler's view).
pub fn by_id(db: &Db, id: &str) -> Result<Option<ScheduleRecord>, StoreError> {
    let sql = format!(
        "SELECT {} FROM schedules s {JOIN} WHERE s.id = ?1",
        columns()
    );
    db.one(&sql, &[id.into()])?
        .map(|row| from_row(&row))
        .transpose()
}

pub fn list(
    db: &Db,
    agent_id: &str,
    q: &ListQuery,
    status: Option<ScheduleStatus>,
) -> Result<Listed<ScheduleRecord>, StoreError> {
    let mut filters = Vec::new();
    if let Some(s) = status {
        filters.push(("s.status = ?".to_owned(), vec![Value::from(s.as_str())]));
    }
    let columns = columns();
    let from = format!("FROM schedules s {JOIN}");
    list::run(
        db,
        Source {
            columns: &columns,
            from: &from,
            count_from: "FROM schedules s",
            alias: "s",
            scope_col: "s.agent_id",
            scope: agent_id,
            counter: None,
            filters,
            prefix_col: "s.name",
        },
        q,
    )?
    .try_map(|row| from_row(&row))
}

/// Writes metadata, spec, status and the next fire instant.
pub fn update(db: &Db, s: &AgentSchedule, next_fire_at: Option<i64>) -> Result<(), StoreError> {
    let (set, mut params) = resource::update_set(&s.metadata, 2)?;
    params.insert(0, s.metadata.id.as_str().into());
    params.push(json_text(&s.spec));
    params.push(status_of(s).into());
    params.push(next_fire_at.into());
    db.exec(
        &format!(
            "UPDATE schedules SET {set}, spec = ?7, status = ?8, next_fire_at = ?9 WHERE id = ?1"
        ),
        &params,
    )?;
    Ok(())
}

pub fn delete(db: &Db, id: &str) -> Result<bool, StoreError> {
    let rows = db.exec(
        "DELETE FROM schedules WHERE id = ?1 RETURNING id",
        &[id.into()],
    )?;
    Ok(!rows.rows.is_empty())
}

/// Deletes every schedule of an agent (inside the agent delete's transaction).
pub fn delete_of_agent(db: &Db, agent_id: &str) -> Result<(), StoreError> {
    db.exec(
        "DELETE FROM schedules WHERE agent_id = ?1",
        &[agent_id.into()],
    )?;
    Ok(())
}

/// Schedules due at `now_ms`, with the instant each was due (a read: idle ticks
/// take no write lock).
pub fn due(db: &Db, now_ms: i64, limit: i64) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = db.exec(
        "SELECT id, next_fire_at FROM schedules WHERE next_fire_at IS NOT NULL AND next_fire_at <= ?1
         ORDER BY next_fire_at LIMIT ?2",
        &[now_ms.into(), limit.into()],
    )?;
    rows.rows
        .iter()
        .map(|row| {
            let r = Row(row);
            Ok((r.text(0)?, r.int(1)?))
        })
        .collect()
}

/// Moves `next_fire_at` from `expected` to `next` in one statement: only one caller
/// wins an instant.
pub fn claim_fire(db: &Db, id: &str, expected: i64, next: Option<i64>) -> Result<bool, StoreError> {
    let rows = db.exec(
        "UPDATE schedules SET next_fire_at = ?3 WHERE id = ?1 AND next_fire_at = ?2 RETURNING id",
        &[id.into(), expected.into(), next.into()],
    )?;
    Ok(!rows.rows.is_empty())
}

pub fn record_fire(db: &Db, id: &str, at_ms: i64, objective_id: &str) -> Result<(), StoreError> {
    db.exec(
        "UPDATE schedules SET last_fire_at = ?2, last_objective_id = ?3, total_fires = total_fires + 1
         WHERE id = ?1",
        &[id.into(), at_ms.into(), objective_id.into()],
    )?;
    Ok(())
}

pub fn record_skip(db: &Db, id: &str, at_ms: i64, reason: &str) -> Result<(), StoreError> {
    db.exec(
        "UPDATE schedules SET last_skipped_at = ?2, last_skip_reason = ?3 WHERE id = ?1",
        &[id.into(), at_ms.into(), reason.into()],
    )?;
    Ok(())
}
