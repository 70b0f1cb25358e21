//! Tasks: the model's to-do list (`task_create` / `task_update`).

use crate::db::{Db, Row, StoreError};
use crate::list::{self, ListQuery, Listed, Source};
use model::objective::{ObjectiveTask, TaskData};
use model::time::format_ms;
use model::variation::BareMetadata;
use ports::Value;

// ---- tasks

pub(super) fn task_from(row: &[Value]) -> Result<ObjectiveTask, StoreError> {
    let r = Row(row);
    let completed_at = r.opt_int(3)?;
    Ok(ObjectiveTask {
        metadata: BareMetadata {
            id: r.text(0)?,
            name: None,
        },
        data: TaskData {
            number: r.int(1)?,
            task: r.text(2)?,
            completed: completed_at.is_some(),
            completed_at: completed_at.map(format_ms),
        },
    })
}

pub(super) const TASK_COLS: &str = "t.id, t.number, t.task, t.completed_at";

/// Adds a task numbered after the objective's last one.
pub fn create_task(
    db: &Db,
    objective_id: &str,
    id: &str,
    task: &str,
    now_ms: i64,
) -> Result<ObjectiveTask, StoreError> {
    let rows = db.exec(
        &format!(
            "INSERT INTO objective_tasks (id, objective_id, number, task, created_at, updated_at)
             VALUES (?1, ?2, (SELECT COALESCE(MAX(number), 0) + 1 FROM objective_tasks WHERE objective_id = ?2),
                     ?3, ?4, ?4)
             RETURNING {}",
            TASK_COLS.replace("t.", "")
        ),
        &[id.into(), objective_id.into(), task.into(), now_ms.into()],
    )?;
    match rows.rows.first() {
        Some(r) => task_from(r),
        None => Err(StoreError::Backend("task insert returned nothing".into())),
    }
}

/// Changes a task by number; `None` when there is no such task.
pub fn update_task(
    db: &Db,
    objective_id: &str,
    number: i64,
    task: Option<&str>,
    completed: Option<bool>,
    now_ms: i64,
) -> Result<Option<ObjectiveTask>, StoreError> {
    let completed_at = match completed {
        None => "completed_at",
        Some(true) => "COALESCE(completed_at, ?4)",
        Some(false) => "NULL",
    };
    let rows = db.exec(
        &format!(
            "UPDATE objective_tasks SET task = COALESCE(?3, task), completed_at = {completed_at},
                 updated_at = ?4
             WHERE objective_id = ?1 AND number = ?2 RETURNING {}",
            TASK_COLS.replace("t.", "")
        ),
        &[
            objective_id.into(),
            number.into(),
            task.into(),
            now_ms.into(),
        ],
    )?;
    rows.rows.first().map(|r| task_from(r)).transpose()
}

pub fn get_task(
    db: &Db,
    objective_id: &str,
    id: &str,
) -> Result<Option<ObjectiveTask>, StoreError> {
    let row = db.one(
        &format!(
            "SELECT {TASK_COLS} FROM objective_tasks t WHERE t.objective_id = ?1 AND t.id = ?2"
        ),
        &[objective_id.into(), id.into()],
    )?;
    row.map(|r| task_from(&r)).transpose()
}

pub fn list_tasks(
    db: &Db,
    objective_id: &str,
    q: &ListQuery,
) -> Result<Listed<ObjectiveTask>, StoreError> {
    let src = Source {
        columns: TASK_COLS,
        from: "FROM objective_tasks t",
        count_from: "FROM objective_tasks t",
        alias: "t",
        scope_col: "t.objective_id",
        scope: objective_id,
        counter: None,
        filters: Vec::new(),
        prefix_col: "t.task",
    };
    list::run(db, src, q)?.try_map(|row| task_from(&row))
}
