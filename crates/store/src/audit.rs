//! The audit log: one row per API call, bodies never stored.

use crate::db::{Db, Row, StoreError};
use crate::list::{self, ListQuery, Listed, Source};
use model::audit::{AuditLog, AuditLogData};
use model::metadata::OperationMetadata;
use ports::Value;

/// One call, as recorded.
#[derive(Clone, Debug, PartialEq)]
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

pub fn insert(db: &Db, e: &Entry) -> Result<(), StoreError> {
    db.exec(
        "INSERT INTO audit_logs (id, account_id, workspace_id, token_id, profile_id, request_id, method, route,
            path, scope, status, latency_ms, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        &[
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
        ],
    )?;
    Ok(())
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
            r.opt_text(4)?,
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
