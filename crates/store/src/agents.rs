//! Agents.

use crate::db::{json_text, Db, Row, StoreError};
use crate::identity::{profile_at, PROFILE_COLS};
use crate::list::{self, ListQuery, Listed, Source};
use crate::resource;
use model::agent::{Agent, AgentInfo, AgentSpec};
use model::enums::AgentStatus;
use model::ids::{AgentKind, Ref};
use ports::Value;

/// Info columns: the maintained variation count, then the creator.
const INFO_COLS: &str = "(SELECT n FROM counters WHERE scope = a.id AND kind = 'variations')";
const INFO_JOIN: &str = "LEFT JOIN profiles p ON p.id = a.profile_id";

fn columns(with_info: bool) -> String {
    let base = format!("{}, a.spec", resource::cols("a"));
    if with_info {
        format!("{base}, {INFO_COLS}, {PROFILE_COLS}")
    } else {
        base
    }
}

fn agent_from(row: &[Value], with_info: bool) -> Result<Agent, StoreError> {
    let r = Row(row);
    let n = resource::NCOLS;
    let spec: AgentSpec = r.json(n)?;
    let info = if with_info {
        Some(AgentInfo {
            variation_count: r.opt_int(n + 1)?.unwrap_or(0),
            created_by: profile_at(&r, n + 2)?,
        })
    } else {
        None
    };
    Ok(Agent {
        metadata: resource::metadata(&r, 0)?,
        spec,
        info,
    })
}

pub fn insert(db: &Db, a: &Agent) -> Result<(), StoreError> {
    let mut params = resource::values(&a.metadata)?;
    params.push(a.spec.status.as_str().into());
    params.push(json_text(&a.spec));
    db.exec(
        &format!(
            "INSERT INTO agents ({}, status, spec) VALUES ({}, ?11, ?12)",
            resource::INSERT_COLS,
            resource::INSERT_PLACEHOLDERS
        ),
        &params,
    )?;
    Ok(())
}

/// One agent of the workspace with its `info`, in one statement.
pub fn get(db: &Db, workspace_id: &str, r: &Ref<AgentKind>) -> Result<Option<Agent>, StoreError> {
    let (cond, v) = resource::by_ref("a", r, 2);
    let sql = format!(
        "SELECT {} FROM agents a {INFO_JOIN} WHERE a.workspace_id = ?1 AND {cond}",
        columns(true)
    );
    db.one(&sql, &[workspace_id.into(), v])?
        .map(|row| agent_from(&row, true))
        .transpose()
}

/// The workspace's PUBLISHED agents, oldest first, at most `limit` (what the MCP server
/// offers as tools).
pub fn published(db: &Db, workspace_id: &str, limit: i64) -> Result<Vec<Agent>, StoreError> {
    let sql = format!(
        "SELECT {} FROM agents a WHERE a.workspace_id = ?1 AND a.status = ?2 ORDER BY a.id LIMIT ?3",
        columns(false)
    );
    db.exec(
        &sql,
        &[
            workspace_id.into(),
            AgentStatus::Published.as_str().into(),
            limit.into(),
        ],
    )?
    .rows
    .iter()
    .map(|row| agent_from(row, false))
    .collect()
}

/// Filters specific to agents.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AgentFilter {
    pub status: Option<AgentStatus>,
}

/// The workspace's agents that are not archived, with `info` (what search ranks).
pub fn search_corpus(db: &Db, workspace_id: &str) -> Result<Vec<Agent>, StoreError> {
    let sql = format!(
        "SELECT {} FROM agents a {INFO_JOIN} WHERE a.workspace_id = ?1 AND a.status <> ?2 ORDER BY a.id",
        columns(true)
    );
    db.exec(
        &sql,
        &[workspace_id.into(), AgentStatus::Archived.as_str().into()],
    )?
    .rows
    .iter()
    .map(|row| agent_from(row, true))
    .collect()
}

pub fn list(
    db: &Db,
    workspace_id: &str,
    q: &ListQuery,
    f: &AgentFilter,
) -> Result<Listed<Agent>, StoreError> {
    let from = if q.include_info {
        format!("FROM agents a {INFO_JOIN}")
    } else {
        "FROM agents a".to_owned()
    };
    let mut filters = Vec::new();
    if let Some(s) = f.status {
        filters.push(("a.status = ?".to_owned(), vec![s.as_str().into()]));
    }
    let page = list::run(
        db,
        Source {
            columns: &columns(q.include_info),
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
    let (set, mut params) = resource::update_set(&a.metadata, 3)?;
    params.splice(
        0..0,
        [
            a.metadata.workspace_id.as_str().into(),
            a.metadata.id.as_str().into(),
        ],
    );
    params.push(a.spec.status.as_str().into());
    params.push(json_text(&a.spec));
    db.exec(
        &format!(
            "UPDATE agents SET {set}, status = ?8, spec = ?9 WHERE workspace_id = ?1 AND id = ?2"
        ),
        &params,
    )?;
    Ok(())
}

/// Deletes an agent with its variations (and their assignments) and schedules; false
/// when there was none. Run inside a transaction; refuse first if it is someone's
/// sub-agent.
pub fn delete(db: &Db, workspace_id: &str, id: &str) -> Result<bool, StoreError> {
    crate::variations::delete_of_agent(db, id)?;
    crate::schedules::delete_of_agent(db, id)?;
    let rows = db.exec(
        "DELETE FROM agents WHERE workspace_id = ?1 AND id = ?2 RETURNING id",
        &[workspace_id.into(), id.into()],
    )?;
    Ok(!rows.rows.is_empty())
}
