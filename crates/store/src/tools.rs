//! Tool sets, their tools, and workspace secrets.

use crate::db::{json_text, Db, Row, StoreError};
use crate::identity::{profile_at, PROFILE_COLS};
use crate::list::{self, ListQuery, Listed, Source};
use crate::resource;
use model::ids::{Ref, SecretKind, ToolKind, ToolSetKind};
use model::time::format_ms;
use model::tools::{
    Tool, ToolInfo, ToolSet, ToolSetInfo, ToolSetSpec, ToolSetState, ToolSpec, ToolState,
    WorkspaceSecret, WorkspaceSecretInfo, WorkspaceSecretSpec,
};
use model::variation::BareMetadata;
use ports::Value;

// ---- tool sets

const SET_INFO: &str = "(SELECT COUNT(*) FROM tools t WHERE t.tool_set_id = s.id),
    (SELECT COUNT(*) FROM tools t WHERE t.tool_set_id = s.id AND t.state = 'STATE_AVAILABLE')";
const SET_JOIN: &str = "LEFT JOIN profiles p ON p.id = s.profile_id";

fn set_columns(with_info: bool) -> String {
    let base = format!(
        "{}, s.state, s.spec, s.last_sync_at, s.last_sync_error",
        resource::cols("s")
    );
    if with_info {
        format!("{base}, {SET_INFO}, {PROFILE_COLS}")
    } else {
        base
    }
}

fn set_from(row: &[Value], with_info: bool) -> Result<ToolSet, StoreError> {
    let r = Row(row);
    let n = resource::NCOLS;
    let info = if with_info {
        Some(ToolSetInfo {
            tool_count: r.int(n + 4)?,
            available_tools: r.int(n + 5)?,
            last_sync: r.opt_int(n + 2)?.map(format_ms),
            last_sync_error: r.opt_text(n + 3)?,
            created_by: profile_at(&r, n + 6)?,
        })
    } else {
        None
    };
    Ok(ToolSet {
        metadata: resource::metadata(&r, 0)?,
        state: ToolSetState::parse(&r.text(n)?).unwrap_or(ToolSetState::Active),
        spec: r.json::<ToolSetSpec>(n + 1)?,
        info,
    })
}

pub fn insert_set(db: &Db, s: &ToolSet) -> Result<(), StoreError> {
    let mut params = resource::values(&s.metadata)?;
    params.push(s.state.as_str().into());
    params.push(json_text(&s.spec));
    db.exec(
        &format!(
            "INSERT INTO tool_sets ({}, state, spec) VALUES ({}, ?11, ?12)",
            resource::INSERT_COLS,
            resource::INSERT_PLACEHOLDERS
        ),
        &params,
    )?;
    Ok(())
}

pub fn get_set(
    db: &Db,
    workspace_id: &str,
    r: &Ref<ToolSetKind>,
) -> Result<Option<ToolSet>, StoreError> {
    let (cond, v) = resource::by_ref("s", r, 2);
    let sql = format!(
        "SELECT {} FROM tool_sets s {SET_JOIN} WHERE s.workspace_id = ?1 AND {cond}",
        set_columns(true)
    );
    db.one(&sql, &[workspace_id.into(), v])?
        .map(|row| set_from(&row, true))
        .transpose()
}

pub fn list_sets(
    db: &Db,
    workspace_id: &str,
    q: &ListQuery,
) -> Result<Listed<ToolSet>, StoreError> {
    let from = if q.include_info {
        format!("FROM tool_sets s {SET_JOIN}")
    } else {
        "FROM tool_sets s".to_owned()
    };
    let page = list::run(
        db,
        Source {
            columns: &set_columns(q.include_info),
            from: &from,
            count_from: "FROM tool_sets s",
            alias: "s",
            scope_col: "s.workspace_id",
            scope: workspace_id,
            counter: None,
            filters: vec![],
            prefix_col: "s.name",
        },
        q,
    )?;
    page.try_map(|row| set_from(&row, q.include_info))
}

pub fn update_set(db: &Db, s: &ToolSet) -> Result<(), StoreError> {
    let (set, mut params) = resource::update_set(&s.metadata, 2)?;
    params.insert(0, s.metadata.id.as_str().into());
    params.push(s.state.as_str().into());
    params.push(json_text(&s.spec));
    db.exec(
        &format!("UPDATE tool_sets SET {set}, state = ?7, spec = ?8 WHERE id = ?1"),
        &params,
    )?;
    Ok(())
}

/// Records the outcome of a `:sync`.
pub fn record_sync(db: &Db, id: &str, at_ms: i64, error: Option<&str>) -> Result<(), StoreError> {
    db.exec(
        "UPDATE tool_sets SET last_sync_at = ?2, last_sync_error = ?3 WHERE id = ?1",
        &[id.into(), at_ms.into(), error.map(str::to_owned).into()],
    )?;
    Ok(())
}

/// Deletes a tool set and its tools (inside the caller's transaction).
pub fn delete_set(db: &Db, id: &str) -> Result<bool, StoreError> {
    db.exec("DELETE FROM tools WHERE tool_set_id = ?1", &[id.into()])?;
    let rows = db.exec(
        "DELETE FROM tool_sets WHERE id = ?1 RETURNING id",
        &[id.into()],
    )?;
    Ok(!rows.rows.is_empty())
}

// ---- tools

const TOOL_JOIN: &str = "LEFT JOIN profiles p ON p.id = t.profile_id";

fn tool_columns(with_info: bool) -> String {
    let base = format!(
        "{}, t.state, t.spec, t.tool_set_id, t.vanished_at, (SELECT name FROM tool_sets WHERE id = t.tool_set_id)",
        resource::cols("t")
    );
    if with_info {
        format!("{base}, {PROFILE_COLS}")
    } else {
        base
    }
}

fn tool_from(row: &[Value], with_info: bool) -> Result<Tool, StoreError> {
    let r = Row(row);
    let n = resource::NCOLS;
    let info = if with_info {
        Some(ToolInfo {
            tool_set: BareMetadata {
                id: r.text(n + 2)?,
                name: r.opt_text(n + 4)?,
            },
            vanished_at: r.opt_int(n + 3)?.map(format_ms),
            created_by: profile_at(&r, n + 5)?,
        })
    } else {
        None
    };
    Ok(Tool {
        metadata: resource::metadata(&r, 0)?,
        state: ToolState::parse(&r.text(n)?).unwrap_or(ToolState::Available),
        spec: r.json::<ToolSpec>(n + 1)?,
        info,
    })
}

pub fn insert_tool(db: &Db, tool_set_id: &str, t: &Tool) -> Result<(), StoreError> {
    let mut params = resource::values(&t.metadata)?;
    params.push(tool_set_id.into());
    params.push(t.state.as_str().into());
    params.push(t.spec.llm_tool_name.as_str().into());
    params.push(json_text(&t.spec));
    db.exec(
        &format!(
            "INSERT INTO tools ({}, tool_set_id, state, llm_tool_name, spec) VALUES ({}, ?11, ?12, ?13, ?14)",
            resource::INSERT_COLS,
            resource::INSERT_PLACEHOLDERS
        ),
        &params,
    )?;
    Ok(())
}

/// A tool of the workspace; with `tool_set_id`, only within that set.
pub fn get_tool(
    db: &Db,
    workspace_id: &str,
    tool_set_id: Option<&str>,
    r: &Ref<ToolKind>,
) -> Result<Option<Tool>, StoreError> {
    let (cond, v) = resource::by_ref("t", r, 2);
    let mut params = vec![workspace_id.into(), v];
    let in_set = match tool_set_id {
        Some(s) => {
            params.push(s.into());
            " AND t.tool_set_id = ?3"
        }
        None => "",
    };
    let sql = format!(
        "SELECT {} FROM tools t {TOOL_JOIN} WHERE t.workspace_id = ?1 AND {cond}{in_set}",
        tool_columns(true)
    );
    db.one(&sql, &params)?
        .map(|row| tool_from(&row, true))
        .transpose()
}

pub fn list_tools(db: &Db, tool_set_id: &str, q: &ListQuery) -> Result<Listed<Tool>, StoreError> {
    let from = if q.include_info {
        format!("FROM tools t {TOOL_JOIN}")
    } else {
        "FROM tools t".to_owned()
    };
    let page = list::run(
        db,
        Source {
            columns: &tool_columns(q.include_info),
            from: &from,
            count_from: "FROM tools t",
            alias: "t",
            scope_col: "t.tool_set_id",
            scope: tool_set_id,
            counter: None,
            filters: vec![],
            prefix_col: "t.name",
        },
        q,
    )?;
    page.try_map(|row| tool_from(&row, q.include_info))
}

/// Every tool of a set (for syncs), without info.
pub fn tools_of_set(db: &Db, tool_set_id: &str) -> Result<Vec<Tool>, StoreError> {
    let sql = format!(
        "SELECT {} FROM tools t WHERE t.tool_set_id = ?1 ORDER BY t.id",
        tool_columns(false)
    );
    db.exec(&sql, &[tool_set_id.into()])?
        .rows
        .iter()
        .map(|row| tool_from(row, false))
        .collect()
}

/// What tool search ranks: the workspace's active tool sets (with `info`) and the
/// available tools in them (with `info`, which names the set).
pub fn search_corpus(db: &Db, workspace_id: &str) -> Result<(Vec<ToolSet>, Vec<Tool>), StoreError> {
    let sets = db
        .exec(
            &format!(
                "SELECT {} FROM tool_sets s {SET_JOIN} WHERE s.workspace_id = ?1 AND s.state = ?2 ORDER BY s.id",
                set_columns(true)
            ),
            &[workspace_id.into(), ToolSetState::Active.as_str().into()],
        )?
        .rows
        .iter()
        .map(|row| set_from(row, true))
        .collect::<Result<Vec<_>, _>>()?;
    let tools = db
        .exec(
            &format!(
                "SELECT {} FROM tools t {TOOL_JOIN} JOIN tool_sets s ON s.id = t.tool_set_id
                 WHERE t.workspace_id = ?1 AND t.state = ?2 AND s.state = ?3 ORDER BY t.id",
                tool_columns(true)
            ),
            &[
                workspace_id.into(),
                ToolState::Available.as_str().into(),
                ToolSetState::Active.as_str().into(),
            ],
        )?
        .rows
        .iter()
        .map(|row| tool_from(row, true))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((sets, tools))
}

pub fn update_tool(db: &Db, t: &Tool, vanished_at: Option<i64>) -> Result<(), StoreError> {
    let (set, mut params) = resource::update_set(&t.metadata, 2)?;
    params.insert(0, t.metadata.id.as_str().into());
    params.push(t.state.as_str().into());
    params.push(t.spec.llm_tool_name.as_str().into());
    params.push(json_text(&t.spec));
    params.push(vanished_at.into());
    db.exec(
        &format!("UPDATE tools SET {set}, state = ?7, llm_tool_name = ?8, spec = ?9, vanished_at = ?10 WHERE id = ?1"),
        &params,
    )?;
    Ok(())
}

pub fn delete_tool(db: &Db, id: &str) -> Result<bool, StoreError> {
    let rows = db.exec("DELETE FROM tools WHERE id = ?1 RETURNING id", &[id.into()])?;
    Ok(!rows.rows.is_empty())
}

// ---- workspace secrets

const SECRET_JOIN: &str = "LEFT JOIN profiles p ON p.id = w.profile_id";

fn secret_columns(with_info: bool) -> String {
    let base = format!("{}, w.last_used_at", resource::cols("w"));
    if with_info {
        format!("{base}, {PROFILE_COLS}")
    } else {
        base
    }
}

fn secret_from(row: &[Value], with_info: bool) -> Result<WorkspaceSecret, StoreError> {
    let r = Row(row);
    let n = resource::NCOLS;
    let info = if with_info {
        Some(WorkspaceSecretInfo {
            last_used_at: r.opt_int(n)?.map(format_ms),
            created_by: profile_at(&r, n + 1)?,
        })
    } else {
        None
    };
    Ok(WorkspaceSecret {
        metadata: resource::metadata(&r, 0)?,
        spec: WorkspaceSecretSpec { has_value: true },
        info,
    })
}

pub fn insert_secret(db: &Db, s: &WorkspaceSecret, value: &str) -> Result<(), StoreError> {
    let mut params = resource::values(&s.metadata)?;
    params.push(value.into());
    db.exec(
        &format!(
            "INSERT INTO workspace_secrets ({}, value) VALUES ({}, ?11)",
            resource::INSERT_COLS,
            resource::INSERT_PLACEHOLDERS
        ),
        &params,
    )?;
    Ok(())
}

pub fn get_secret(
    db: &Db,
    workspace_id: &str,
    r: &Ref<SecretKind>,
) -> Result<Option<WorkspaceSecret>, StoreError> {
    let (cond, v) = resource::by_ref("w", r, 2);
    let sql = format!(
        "SELECT {} FROM workspace_secrets w {SECRET_JOIN} WHERE w.workspace_id = ?1 AND {cond}",
        secret_columns(true)
    );
    db.one(&sql, &[workspace_id.into(), v])?
        .map(|row| secret_from(&row, true))
        .transpose()
}

pub fn list_secrets(
    db: &Db,
    workspace_id: &str,
    q: &ListQuery,
) -> Result<Listed<WorkspaceSecret>, StoreError> {
    let from = if q.include_info {
        format!("FROM workspace_secrets w {SECRET_JOIN}")
    } else {
        "FROM workspace_secrets w".to_owned()
    };
    let page = list::run(
        db,
        Source {
            columns: &secret_columns(q.include_info),
            from: &from,
            count_from: "FROM workspace_secrets w",
            alias: "w",
            scope_col: "w.workspace_id",
            scope: workspace_id,
            counter: None,
            filters: vec![],
            prefix_col: "w.name",
        },
        q,
    )?;
    page.try_map(|row| secret_from(&row, q.include_info))
}

/// Stores changed metadata and, when given, a new value.
pub fn update_secret(db: &Db, s: &WorkspaceSecret, value: Option<&str>) -> Result<(), StoreError> {
    let (set, mut params) = resource::update_set(&s.metadata, 2)?;
    params.insert(0, s.metadata.id.as_str().into());
    params.push(value.map(str::to_owned).into());
    db.exec(
        &format!("UPDATE workspace_secrets SET {set}, value = COALESCE(?7, value) WHERE id = ?1"),
        &params,
    )?;
    Ok(())
}

pub fn delete_secret(db: &Db, id: &str) -> Result<bool, StoreError> {
    let rows = db.exec(
        "DELETE FROM workspace_secrets WHERE id = ?1 RETURNING id",
        &[id.into()],
    )?;
    Ok(!rows.rows.is_empty())
}

/// A workspace secret's stored (sealed, or from before sealing, plain) value.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredSecret {
    pub id: String,
    pub name: String,
    pub value: String,
}

fn stored_secrets(rows: &[Vec<Value>]) -> Result<Vec<StoredSecret>, StoreError> {
    rows.iter()
        .map(|row| {
            let r = Row(row);
            Ok(StoredSecret {
                id: r.text(0)?,
                name: r.text(1)?,
                value: r.text(2)?,
            })
        })
        .collect()
}

/// The stored values of the named secrets of a workspace (missing names are absent),
/// and marks them used. Only for resolving `{{secrets.NAME}}` in outgoing requests.
pub fn secret_values(
    db: &Db,
    workspace_id: &str,
    names: &[String],
    now_ms: i64,
) -> Result<Vec<StoredSecret>, StoreError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let rows = db.exec(
        "UPDATE workspace_secrets SET last_used_at = ?3
         WHERE workspace_id = ?1 AND name IN (SELECT value FROM json_each(?2))
         RETURNING id, name, value",
        &[workspace_id.into(), json_text(&names), now_ms.into()],
    )?;
    stored_secrets(&rows.rows)
}

/// Up to `limit` secrets (any workspace) whose value does not start with `prefix`: plain,
/// or sealed under another key.
pub fn unsealed_secrets(
    db: &Db,
    prefix: &str,
    limit: i64,
) -> Result<Vec<StoredSecret>, StoreError> {
    let rows = db.exec(
        "SELECT id, name, value FROM workspace_secrets
         WHERE substr(value, 1, length(?1)) <> ?1 LIMIT ?2",
        &[prefix.into(), limit.into()],
    )?;
    stored_secrets(&rows.rows)
}

/// Whether a sealing pass already found every secret under the key `prefix` names.
pub fn sealing_done(db: &Db, prefix: &str) -> Result<bool, StoreError> {
    Ok(db
        .one(
            "SELECT 1 FROM secrets_sealed WHERE key_id = ?1",
            &[prefix.into()],
        )?
        .is_some())
}

/// Records that every secret is sealed under the key `prefix` names.
pub fn mark_sealing_done(db: &Db, prefix: &str, now_ms: i64) -> Result<(), StoreError> {
    db.exec(
        "INSERT INTO secrets_sealed (key_id, done_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        &[prefix.into(), now_ms.into()],
    )?;
    Ok(())
}

/// Replaces a secret's stored value if it is still `old` (compare-and-set); false when
/// another write came first.
pub fn reseal_secret(db: &Db, id: &str, old: &str, new: &str) -> Result<bool, StoreError> {
    let rows = db.exec(
        "UPDATE workspace_secrets SET value = ?3 WHERE id = ?1 AND value = ?2 RETURNING id",
        &[id.into(), old.into(), new.into()],
    )?;
    Ok(!rows.rows.is_empty())
}
