//! Agents.

use crate::db::{json_text, Db, Row, StoreError};
use crate::identity::{profile_at, PROFILE_COLS};
use crate::list::{self, ListQuery, Listed, Source};
use model::agent::{Agent, AgentInfo, AgentSpec};
use model::enums::AgentStatus;
use model::ids::{AgentKind, Ref};
use model::metadata::ResourceMetadata;
use model::time::{format_ms, parse_ms};
use ports::Value;

const COLS: &str =
    "a.id, a.account_id, a.workspace_id, a.name, a.external_id, a.labels, a.bundle_key, \
                    a.profile_id, a.created_at, a.updated_at, a.spec";
const NCOLS: usize = 11;
/// Info columns: the creator, then the maintained variation count.
const INFO_COLS: &str = "(SELECT n FROM counters WHERE scope = a.id AND kind = 'variations')";
const INFO_JOIN: &str = "LEFT JOIN profiles p ON p.id = a.profile_id";

fn agent_from(row: &[Value], with_info: bool) -> Result<Agent, StoreError> {
    let r = Row(row);
    let spec: AgentSpec = r.json(10)?;
    let info = if with_info {
        Some(AgentInfo {
            variation_count: r.opt_int(NCOLS)?.unwrap_or(0),
            created_by: profile_at(&r, NCOLS + 1)?,
        })
    } else {
        None
    };
    Ok(Agent {
        metadata: ResourceMetadata {
            id: r.text(0)?,
            account_id: r.text(1)?,
            workspace_id: r.text(2)?,
            name: r.text(3)?,
            external_id: r.opt_text(4)?,
            labels: r.json(5)?,
            bundle_key: r.opt_text(6)?,
            profile_id: r.text(7)?,
            created_at: format_ms(r.int(8)?),
            updated_at: format_ms(r.int(9)?),
        },
        spec,
        info,
    })
}

fn ms(ts: &str) -> Result<i64, StoreError> {
    parse_ms(ts).map_err(StoreError::Backend)
}

pub fn insert(db: &Db, a: &Agent) -> Result<(), StoreError> {
    let m = &a.metadata;
    db.exec(
        "INSERT INTO agents (id, account_id, workspace_id, name, external_id, labels, bundle_key, profile_id,
            created_at, updated_at, status, spec)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        &[
            m.id.as_str().into(),
            m.account_id.as_str().into(),
            m.workspace_id.as_str().into(),
            m.name.as_str().into(),
            m.external_id.clone().into(),
            json_text(&m.labels),
            m.bundle_key.clone().into(),
            m.profile_id.as_str().into(),
            ms(&m.created_at)?.into(),
            ms(&m.updated_at)?.into(),
            a.spec.status.as_str().into(),
            json_text(&a.spec),
        ],
    )?;
    Ok(())
}

/// One agent of the workspace with its `info`, in one statement.
pub fn get(db: &Db, workspace_id: &str, r: &Ref<AgentKind>) -> Result<Option<Agent>, StoreError> {
    let (cond, v) = match r {
        Ref::Id(id) => ("a.id = ?2", id.as_str().to_owned()),
        Ref::External(e) => ("a.external_id = ?2", e.clone()),
    };
    let sql = format!(
        "SELECT {COLS}, {INFO_COLS}, {PROFILE_COLS} FROM agents a {INFO_JOIN} WHERE a.workspace_id = ?1 AND {cond}"
    );
    db.one(&sql, &[workspace_id.into(), v.into()])?
        .map(|row| agent_from(&row, true))
        .transpose()
}

/// Filters specific to agents.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AgentFilter {
    pub status: Option<AgentStatus>,
}

pub fn list(
    db: &Db,
    workspace_id: &str,
    q: &ListQuery,
    f: &AgentFilter,
) -> Result<Listed<Agent>, StoreError> {
    let (columns, from) = if q.include_info {
        (
            format!("{COLS}, {INFO_COLS}, {PROFILE_COLS}"),
            format!("FROM agents a {INFO_JOIN}"),
        )
    } else {
        (COLS.to_owned(), "FROM agents a".to_owned())
    };
    let mut filters = Vec::new();
    if let Some(s) = f.status {
        filters.push(("a.status = ?".to_owned(), vec![s.as_str().into()]));
    }
    let page = list::run(
        db,
        Source {
            columns: &columns,
            from: &from,
            count_from: "FROM agents a",
            alias: "a",
            scope_col: "a.workspace_id",
            scope: workspace_id,
            counter: Some("agents"),
            filters,
            prefix_col: "a.name",
        },
        q,
    )?;
    page.try_map(|row| agent_from(&row, q.include_info))
}

/// Stores the agent's metadata and spec as given.
pub fn update(db: &Db, a: &Agent) -> Result<(), StoreError> {
    let m = &a.metadata;
    db.exec(
        "UPDATE agents SET name = ?3, external_id = ?4, labels = ?5, bundle_key = ?6, updated_at = ?7,
            status = ?8, spec = ?9
         WHERE workspace_id = ?1 AND id = ?2",
        &[
            m.workspace_id.as_str().into(),
            m.id.as_str().into(),
            m.name.as_str().into(),
            m.external_id.clone().into(),
            json_text(&m.labels),
            m.bundle_key.clone().into(),
            ms(&m.updated_at)?.into(),
            a.spec.status.as_str().into(),
            json_text(&a.spec),
        ],
    )?;
    Ok(())
}

/// Deletes an agent; false when there was none.
pub fn delete(db: &Db, workspace_id: &str, id: &str) -> Result<bool, StoreError> {
    let rows = db.exec(
        "DELETE FROM agents WHERE workspace_id = ?1 AND id = ?2 RETURNING id",
        &[workspace_id.into(), id.into()],
    )?;
    Ok(!rows.rows.is_empty())
}
