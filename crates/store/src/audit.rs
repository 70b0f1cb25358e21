//! The audit log: one row per API call, bodies never stored.

use crate::db::{Db, Row, StoreError};
use crate::list::{self, ListQuery, Listed, Source};
use model::audit::{AuditLog, AuditLogData};
use model::metadata::OperationMetadata;
use ports::Value;

/// One call, as recorded (buffered in the key-value store as JSON before it lands here).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub id: String,
    pub account_id: Option<String>,
    pub workspace_id: Option<String>,
    pub token_id: Option<String>,
    pub profile_id: Option<String>,
    pub request_id: String,
    pub method: String,
    pub route: String,
    pub path: String,
    pub scope: Option<String>,
    pub status: u16,
    pub latency_ms: i64,
    pub created_at_ms: i64,
}

/// Rows per INSERT statement when draining (13 parameters each, under SQLite's limit).
const ROWS_PER_STATEMENT: usize = 50;

/// Inserts buffered rows; a row already there (the same id drained twice, e.g. by
/// overlapping ticks) is skipped, so draining is idempotent.
pub fn insert_many(db: &Db, entries: &[Entry]) -> Result<(), StoreError> {
    for chunk in entries.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let n = i * 13;
                format!(
                    "({})",
                    (1..=13)
                        .map(|c| format!("?{}", n + c))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        let params: Vec<Value> = chunk.iter().flat_map(values).collect();
        db.exec(
            &format!(
                "INSERT OR IGNORE INTO audit_logs (id, account_id, workspace_id, token_id, profile_id,
                    request_id, method, route, path, scope, status, latency_ms, created_at)
                 VALUES {}",
                rows.join(", ")
            ),
            &params,
        )?;
    }
    Ok(())
}

fn values(e: &Entry) -> Vec<Value> {
    vec![
        e.id.as_str().into(),
        e.account_id.clone().into(),
        e.workspace_id.clone().into(),
        e.token_id.clone().into(),
        e.profile_id.clone().into(),
        e.request_id.as_str().into(),
        e.method.as_str().into(),
        e.route.as_str().into(),
        e.path.as_str().into(),
        e.scope.clone().into(),
        (e.status as i64).into(),
        e.latency_ms.into(),
        e.created_at_ms.into(),
    ]
}

/// Inserts one row (when the key-value buffer is unavailable).
pub fn insert(db: &Db, e: &Entry) -> Result<(), StoreError> {
    insert_many(db, std::slice::from_ref(e))
}

/// The last second whose buffered rows are in `audit_logs`; `None` before the first drain.
pub fn drained_until(db: &Db) -> Result<Option<i64>, StoreError> {
    let row = db.one("SELECT drained_until FROM audit_drain WHERE id = 1", &[])?;
    row.map(|r| Row(&r).int(0)).transpose()
}

/// Moves the drain mark from `from` to `to` unless another drainer moved it first
/// (compare-and-swap; run it in the transaction that inserts the rows).
pub fn advance_drain(db: &Db, from: Option<i64>, to: i64) -> Result<bool, StoreError> {
    let rows = match from {
        None => db.exec(
            "INSERT OR IGNORE INTO audit_drain (id, drained_until) VALUES (1, ?1) RETURNING id",
            &[to.into()],
        )?,
        Some(from) => db.exec(
            "UPDATE audit_drain SET drained_until = ?2 WHERE id = 1 AND drained_until = ?1 RETURNING id",
            &[from.into(), to.into()],
        )?,
    };
    Ok(!rows.rows.is_empty())
}

/// Audit list filters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditFilter {
    pub token_id: Option<String>,
    pub status: Option<u16>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
}

const COLS: &str =
    "l.id, l.account_id, l.workspace_id, l.token_id, l.profile_id, l.request_id, l.method, \
                    l.route, l.path, l.scope, l.status, l.latency_ms, l.created_at";

fn from_row(row: &[Value]) -> Result<AuditLog, StoreError> {
    let r = Row(row);
    Ok(AuditLog {
        metadata: OperationMetadata::record(
            r.text(0)?,
            r.opt_text(1)?.unwrap_or_default(),
            r.opt_text(2)?.unwrap_or_default(),
            // rows a workspace can list were authenticated, so they have a profile
            r.opt_text(4)?.unwrap_or_default(),
            r.int(12)?,
        ),
        data: AuditLogData {
            request_id: r.text(5)?,
            token_id: r.opt_text(3)?,
            method: r.text(6)?,
            route: r.text(7)?,
            path: r.text(8)?,
            scope: r.opt_text(9)?,
            status: u16::try_from(r.int(10)?).unwrap_or(0),
            latency_ms: r.int(11)?,
        },
    })
}

pub fn list(
    db: &Db,
    workspace_id: &str,
    q: &ListQuery,
    f: &AuditFilter,
) -> Result<Listed<AuditLog>, StoreError> {
    let mut filters = Vec::new();
    if let Some(t) = &f.token_id {
        filters.push(("l.token_id = ?".to_owned(), vec![t.as_str().into()]));
    }
    if let Some(s) = f.status {
        filters.push(("l.status = ?".to_owned(), vec![(s as i64).into()]));
    }
    if let Some(s) = f.since_ms {
        filters.push(("l.created_at >= ?".to_owned(), vec![s.into()]));
    }
    if let Some(u) = f.until_ms {
        filters.push(("l.created_at < ?".to_owned(), vec![u.into()]));
    }
    let page = list::run(
        db,
        Source {
            columns: COLS,
            from: "FROM audit_logs l",
            count_from: "FROM audit_logs l",
            alias: "l",
            scope_col: "l.workspace_id",
            scope: workspace_id,
            counter: None,
            filters,
            prefix_col: "l.route",
        },
        q,
    )?;
    page.try_map(|row| from_row(&row))
}
