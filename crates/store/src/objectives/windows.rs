//! Context windows.

use crate::db::{Db, Row, StoreError};
use crate::list::{self, ListQuery, Listed, Source};
use crate::objectives::owner::{owner_at, owner_cols, owner_join};
use model::metadata::OperationMetadata;
use model::objective::{ContextWindow, ContextWindowData, ContextWindowInfo};
use ports::Value;

// ---- context windows

const WINDOW_NCOLS: usize = 9;

/// A window from its columns followed by its owner's ([`owner_cols`]).
pub(super) fn window_from(row: &[Value]) -> Result<ContextWindow, StoreError> {
    let r = Row(row);
    let owner = owner_at(&r, WINDOW_NCOLS)?;
    Ok(ContextWindow {
        metadata: OperationMetadata::record(
            r.text(0)?,
            r.text(2)?,
            r.text(3)?,
            owner.profile_id(),
            r.int(8)?,
        ),
        data: ContextWindowData {
            objective_id: r.text(1)?,
            sequence: r.int(4)?,
            prompt_tokens: r.int(5)?,
            completion_tokens: r.int(6)?,
            previous_window_continue_instructions: r.opt_text(7)?,
        },
        info: Some(ContextWindowInfo {
            created_by: owner.created_by,
            objective: owner.objective,
        }),
    })
}

pub fn list_windows(
    db: &Db,
    objective_id: &str,
    q: &ListQuery,
) -> Result<Listed<ContextWindow>, StoreError> {
    let columns = format!(
        "w.id, w.objective_id, w.account_id, w.workspace_id, w.sequence, w.prompt_tokens,
         w.completion_tokens, w.continue_instructions, w.created_at, {}",
        owner_cols()
    );
    let from = format!("FROM context_windows w {}", owner_join("w"));
    let src = Source {
        columns: &columns,
        from: &from,
        count_from: "FROM context_windows w",
        alias: "w",
        scope_col: "w.objective_id",
        scope: objective_id,
        counter: None,
        filters: Vec::new(),
        prefix_col: "w.id",
    };
    list::run(db, src, q)?.try_map(|row| window_from(&row))
}

/// A window's place and what it carries over from the one before.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowState {
    pub sequence: i64,
    pub continue_instructions: Option<String>,
    /// JSON the engine wrote at compaction (its provider-neutral turns).
    pub carried: Option<String>,
}

pub fn window_state(db: &Db, window_id: &str) -> Result<Option<WindowState>, StoreError> {
    let row = db.one(
        "SELECT sequence, continue_instructions, carried FROM context_windows WHERE id = ?1",
        &[window_id.into()],
    )?;
    let Some(row) = row else { return Ok(None) };
    let r = Row(&row);
    Ok(Some(WindowState {
        sequence: r.int(0)?,
        continue_instructions: r.opt_text(1)?,
        carried: r.opt_text(2)?,
    }))
}

/// A window opened by compaction.
pub struct NewWindow<'a> {
    pub id: &'a str,
    pub objective_id: &'a str,
    pub account_id: &'a str,
    pub workspace_id: &'a str,
    /// The objective's creator, to whom the window is attributed.
    pub profile_id: &'a str,
    pub sequence: i64,
    pub continue_instructions: Option<&'a str>,
    pub carried: &'a str,
    pub created_at_ms: i64,
}

/// Opens the window and makes it the objective's current one.
pub fn open_window(db: &Db, w: &NewWindow) -> Result<ContextWindow, StoreError> {
    db.exec(
        "INSERT INTO context_windows (id, objective_id, account_id, workspace_id, sequence,
             continue_instructions, carried, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &[
            w.id.into(),
            w.objective_id.into(),
            w.account_id.into(),
            w.workspace_id.into(),
            w.sequence.into(),
            w.continue_instructions.into(),
            w.carried.into(),
            w.created_at_ms.into(),
        ],
    )?;
    db.exec(
        "UPDATE objectives SET window_id = ?2, windows = windows + 1, compact_due = 0 WHERE id = ?1",
        &[w.objective_id.into(), w.id.into()],
    )?;
    Ok(ContextWindow {
        metadata: OperationMetadata::record(
            w.id.to_owned(),
            w.account_id.to_owned(),
            w.workspace_id.to_owned(),
            w.profile_id.to_owned(),
            w.created_at_ms,
        ),
        data: ContextWindowData {
            objective_id: w.objective_id.to_owned(),
            sequence: w.sequence,
            prompt_tokens: 0,
            completion_tokens: 0,
            previous_window_continue_instructions: w.continue_instructions.map(str::to_owned),
        },
        info: None,
    })
}
