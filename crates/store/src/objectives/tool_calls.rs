//! Tool calls: what the model asked for, their approval and execution.

use crate::db::{json_text, Db, Row, StoreError};
use crate::identity::{get_profile, profile_at, PROFILE_COLS};
use crate::list::{self, ListQuery, Listed, Source};
use crate::objectives::owner::{owner_at, owner_cols, owner_join, Owner, OWNER_NCOLS};
use model::identity::Profile;
use model::metadata::OperationMetadata;
use model::objective::{
    CallableTool, ExecutionStatus, ObjectiveStatus, ObjectiveToolCall, ToolCallData, ToolCallInfo,
    ToolCallResult, ToolCallStatus,
};
use model::time::format_ms;
use ports::Value;

/// One tool call as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolCallRecord {
    pub id: String,
    pub objective_id: String,
    pub account_id: String,
    pub workspace_id: String,
    pub window_id: String,
    pub status: ToolCallStatus,
    pub execution_status: ExecutionStatus,
    pub callable: CallableTool,
    /// The snapshot tool's id, or the built-in's name.
    pub target: String,
    pub function_name: String,
    pub arguments: serde_json::Value,
    pub memo: Option<String>,
    pub result: Option<ToolCallResult>,
    pub error: Option<String>,
    pub attempts: i64,
    pub content_deadline_ms: Option<i64>,
    pub changed_by: Option<String>,
    /// Sub-agent calls: the objective they started.
    pub child_objective_id: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl ToolCallRecord {
    /// The call as the API shows it; `owner` is its objective's, on whose creator's
    /// behalf the model made it.
    /// `changed_by` is the profile named by `self.changed_by` (see [`wire_call`]).
    pub fn into_wire(mut self, owner: &Owner, changed_by: Option<Profile>) -> ObjectiveToolCall {
        owner.complete(&mut self.callable);
        ObjectiveToolCall {
            metadata: OperationMetadata::record(
                self.id,
                self.account_id,
                self.workspace_id,
                owner.profile_id(),
                self.created_at_ms,
            ),
            data: ToolCallData {
                callable: self.callable,
                function_name: self.function_name,
                arguments: self.arguments,
                memo: self.memo,
                result: self.result,
                error: self.error,
                attempts: self.attempts,
                context_window_id: self.window_id,
                content_deadline: self.content_deadline_ms.map(format_ms),
                status_changed_by: changed_by,
            },
            status: self.status,
            execution_status: self.execution_status,
            info: Some(ToolCallInfo {
                created_by: owner.created_by.clone(),
                objective: owner.objective.clone(),
            }),
        }
    }

    /// Still owes the model an answer.
    pub fn is_open(&self) -> bool {
        matches!(
            self.execution_status,
            ExecutionStatus::Pending
                | ExecutionStatus::Running
                | ExecutionStatus::WaitingForContent
        ) && self.status != ToolCallStatus::Denied
    }
}

// ---- tool calls

pub(super) const CALL_COLS: &str =
    "c.id, c.objective_id, c.account_id, c.workspace_id, c.window_id, c.status,
    c.execution_status, c.callable, c.target, c.function_name, c.arguments, c.memo, c.result,
    c.error, c.attempts, c.content_deadline, c.changed_by, c.created_at, c.updated_at,
    c.child_objective_id";
const CALL_NCOLS: usize = 20;

pub(super) fn call_from(row: &[Value]) -> Result<ToolCallRecord, StoreError> {
    let r = Row(row);
    Ok(ToolCallRecord {
        id: r.text(0)?,
        objective_id: r.text(1)?,
        account_id: r.text(2)?,
        workspace_id: r.text(3)?,
        window_id: r.text(4)?,
        status: r.wire(5, ToolCallStatus::parse)?,
        execution_status: r.wire(6, ExecutionStatus::parse)?,
        callable: r.json(7)?,
        target: r.text(8)?,
        function_name: r.text(9)?,
        arguments: r.json(10)?,
        memo: r.opt_text(11)?,
        result: if r.is_null(12) {
            None
        } else {
            Some(r.json(12)?)
        },
        error: r.opt_text(13)?,
        attempts: r.int(14)?,
        content_deadline_ms: r.opt_int(15)?,
        changed_by: r.opt_text(16)?,
        created_at_ms: r.int(17)?,
        updated_at_ms: r.int(18)?,
        child_objective_id: r.opt_text(19)?,
    })
}

pub fn insert_call(db: &Db, c: &ToolCallRecord) -> Result<(), StoreError> {
    db.exec(
        &format!(
            "INSERT INTO objective_tool_calls ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,
                 ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
            CALL_COLS.replace("c.", "")
        ),
        &call_values(c),
    )?;
    Ok(())
}

pub(super) fn call_values(c: &ToolCallRecord) -> Vec<Value> {
    vec![
        c.id.as_str().into(),
        c.objective_id.as_str().into(),
        c.account_id.as_str().into(),
        c.workspace_id.as_str().into(),
        c.window_id.as_str().into(),
        c.status.as_str().into(),
        c.execution_status.as_str().into(),
        json_text(&c.callable),
        c.target.as_str().into(),
        c.function_name.as_str().into(),
        json_text(&c.arguments),
        c.memo.clone().into(),
        c.result.as_ref().map_or(Value::Null, json_text),
        c.error.clone().into(),
        c.attempts.into(),
        c.content_deadline_ms.into(),
        c.changed_by.clone().into(),
        c.created_at_ms.into(),
        c.updated_at_ms.into(),
        c.child_objective_id.clone().into(),
    ]
}

/// Writes back every mutable field of a call.
pub fn update_call(db: &Db, c: &ToolCallRecord) -> Result<(), StoreError> {
    db.exec(
        "UPDATE objective_tool_calls SET status = ?2, execution_status = ?3, memo = ?4, result = ?5,
             error = ?6, attempts = ?7, content_deadline = ?8, changed_by = ?9, updated_at = ?10,
             child_objective_id = ?11
         WHERE id = ?1",
        &[
            c.id.as_str().into(),
            c.status.as_str().into(),
            c.execution_status.as_str().into(),
            c.memo.clone().into(),
            c.result.as_ref().map_or(Value::Null, json_text),
            c.error.clone().into(),
            c.attempts.into(),
            c.content_deadline_ms.into(),
            c.changed_by.clone().into(),
            c.updated_at_ms.into(),
            c.child_objective_id.clone().into(),
        ],
    )?;
    Ok(())
}

/// Counts a call against the objective's `maxToolCalls`.
pub fn count_call(db: &Db, objective_id: &str) -> Result<(), StoreError> {
    db.exec(
        "UPDATE objectives SET tool_calls = tool_calls + 1 WHERE id = ?1",
        &[objective_id.into()],
    )?;
    Ok(())
}

pub fn get_call(
    db: &Db,
    objective_id: &str,
    id: &str,
) -> Result<Option<ToolCallRecord>, StoreError> {
    let row = db.one(
        &format!("SELECT {CALL_COLS} FROM objective_tool_calls c WHERE c.objective_id = ?1 AND c.id = ?2"),
        &[objective_id.into(), id.into()],
    )?;
    row.map(|r| call_from(&r)).transpose()
}

/// One call as the API shows it: with its owner and the profile that last changed it.
pub fn wire_call(
    db: &Db,
    c: ToolCallRecord,
    owner: &Owner,
) -> Result<ObjectiveToolCall, StoreError> {
    let changed_by = match &c.changed_by {
        Some(id) => get_profile(db, id)?,
        None => None,
    };
    Ok(c.into_wire(owner, changed_by))
}

pub fn list_calls(
    db: &Db,
    objective_id: &str,
    q: &ListQuery,
    status: Option<ToolCallStatus>,
) -> Result<Listed<ObjectiveToolCall>, StoreError> {
    calls_page(db, "c.objective_id", objective_id, q, status, false)
}

/// Every tool call of the workspace (of all its objectives), optionally in one status:
/// the approvals inbox. Calls waiting for approval are listed only while their objective
/// can still act on them (a cancelled or failed objective's call waits for nothing).
pub fn list_workspace_calls(
    db: &Db,
    workspace_id: &str,
    q: &ListQuery,
    status: Option<ToolCallStatus>,
) -> Result<Listed<ObjectiveToolCall>, StoreError> {
    calls_page(db, "c.workspace_id", workspace_id, q, status, true)
}

fn calls_page(
    db: &Db,
    scope_col: &str,
    scope: &str,
    q: &ListQuery,
    status: Option<ToolCallStatus>,
    live_approvals_only: bool,
) -> Result<Listed<ObjectiveToolCall>, StoreError> {
    let mut filters = Vec::new();
    let mut count_from = "FROM objective_tool_calls c".to_owned();
    if let Some(s) = status {
        filters.push(("c.status = ?".to_owned(), vec![Value::from(s.as_str())]));
        if live_approvals_only && s == ToolCallStatus::WaitingForApproval {
            let ended = [
                ObjectiveStatus::Completed,
                ObjectiveStatus::Finalized,
                ObjectiveStatus::Cancelled,
                ObjectiveStatus::Failed,
            ];
            filters.push((
                "o.status NOT IN (?, ?, ?, ?)".to_owned(),
                ended.iter().map(|e| Value::from(e.as_str())).collect(),
            ));
            count_from.push_str(" JOIN objectives o ON o.id = c.objective_id");
        }
    }
    let columns = format!(
        "{CALL_COLS}, {}, {}",
        owner_cols(),
        PROFILE_COLS.replace("p.", "q.")
    );
    let from = format!(
        "FROM objective_tool_calls c {} LEFT JOIN profiles q ON q.id = c.changed_by",
        owner_join("c")
    );
    let src = Source {
        columns: &columns,
        from: &from,
        count_from: &count_from,
        alias: "c",
        scope_col,
        scope,
        counter: None,
        filters,
        prefix_col: "c.function_name",
    };
    list::run(db, src, q)?.try_map(|row| {
        let r = Row(&row);
        let owner = owner_at(&r, CALL_NCOLS)?;
        let changed_by = profile_at(&r, CALL_NCOLS + OWNER_NCOLS)?;
        call_from(&row).map(|c| c.into_wire(&owner, changed_by))
    })
}

/// The calls of this window that still owe the model an answer, in order.
pub fn open_calls(
    db: &Db,
    objective_id: &str,
    window_id: &str,
) -> Result<Vec<ToolCallRecord>, StoreError> {
    let rows = db.exec(
        &format!(
            "SELECT {CALL_COLS} FROM objective_tool_calls c
             WHERE c.objective_id = ?1 AND c.window_id = ?2
               AND c.execution_status IN ('{}', '{}', '{}') AND c.status <> '{}'
             ORDER BY c.id",
            ExecutionStatus::Pending.as_str(),
            ExecutionStatus::Running.as_str(),
            ExecutionStatus::WaitingForContent.as_str(),
            ToolCallStatus::Denied.as_str(),
        ),
        &[objective_id.into(), window_id.into()],
    )?;
    rows.rows.iter().map(|r| call_from(r)).collect()
}

/// Invalid `submit_output` calls so far (they are bounded).
pub fn failed_calls_of(db: &Db, objective_id: &str, target: &str) -> Result<i64, StoreError> {
    let row = db.one(
        "SELECT COUNT(*) FROM objective_tool_calls
         WHERE objective_id = ?1 AND target = ?2 AND execution_status = ?3",
        &[
            objective_id.into(),
            target.into(),
            ExecutionStatus::Failed.as_str().into(),
        ],
    )?;
    row.map_or(Ok(0), |r| Row(&r).int(0))
}
