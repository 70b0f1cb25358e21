//! Memory layers and their entries.

use crate::db::{json_text, Db, Row, StoreError};
use crate::identity::{profile_at, PROFILE_COLS};
use crate::list::{self, ListQuery, Listed, Source};
use crate::resource;
use model::ids::{MemoryEntryKind, MemoryLayerKind, Ref};
use model::memory::{
    MemoryEntry, MemoryEntryInfo, MemoryEntrySpec, MemoryLayer, MemoryLayerInfo, MemoryLayerSpec,
};
use model::time::format_ms;
use model::variation::BareMetadata;
use ports::Value;

// ---- layers

const LAYER_JOIN: &str = "LEFT JOIN profiles p ON p.id = l.profile_id";

fn layer_columns(with_info: bool) -> String {
    let base = format!(
        "{}, l.spec, l.entry_count, l.last_used_at",
        resource::cols("l")
    );
    if with_info {
        format!("{base}, {PROFILE_COLS}")
    } else {
        base
    }
}

fn layer_from(row: &[Value], with_info: bool) -> Result<MemoryLayer, StoreError> {
    let r = Row(row);
    let n = resource::NCOLS;
    let info = if with_info {
        Some(MemoryLayerInfo {
            entry_count: r.int(n + 1)?,
            last_used_at: r.opt_int(n + 2)?.map(format_ms),
            created_by: profile_at(&r, n + 3)?,
        })
    } else {
        None
    };
    Ok(MemoryLayer {
        metadata: resource::metadata(&r, 0)?,
        spec: r.json::<MemoryLayerSpec>(n)?,
        info,
    })
}

pub fn insert_layer(
    db: &Db,
    l: &MemoryLayer,
    expires_at_ms: Option<i64>,
) -> Result<(), StoreError> {
    let mut params = resource::values(&l.metadata)?;
    params.push(l.spec.kind.as_str().into());
    params.push(json_text(&l.spec));
    params.push(l.spec.agent_id.clone().into());
    params.push(l.spec.episodic_key.clone().into());
    params.push(expires_at_ms.into());
    db.exec(
        &format!(
            "INSERT INTO memory_layers ({}, kind, spec, agent_id, episodic_key, expires_at)
             VALUES ({}, ?11, ?12, ?13, ?14, ?15)",
            resource::INSERT_COLS,
            resource::INSERT_PLACEHOLDERS
        ),
        &params,
    )?;
    Ok(())
}

pub fn get_layer(
    db: &Db,
    workspace_id: &str,
    r: &Ref<MemoryLayerKind>,
) -> Result<Option<MemoryLayer>, StoreError> {
    let (cond, v) = resource::by_ref("l", r, 2);
    let sql = format!(
        "SELECT {} FROM memory_layers l {LAYER_JOIN} WHERE l.workspace_id = ?1 AND {cond}",
        layer_columns(true)
    );
    db.one(&sql, &[workspace_id.into(), v])?
        .map(|row| layer_from(&row, true))
        .transpose()
}

/// The episodic layers (one per agent) whose objectives used `episodic_key`: what
/// `external_id:<episodicKey>` names when no layer has that external id (seed 003: the
/// episodic namespace uses the key as its external id).
pub fn episodic_layers(
    db: &Db,
    workspace_id: &str,
    episodic_key: &str,
) -> Result<Vec<MemoryLayer>, StoreError> {
    let sql = format!(
        "SELECT {} FROM memory_layers l {LAYER_JOIN}
         WHERE l.workspace_id = ?1 AND l.episodic_key = ?2 ORDER BY l.id LIMIT 20",
        layer_columns(true)
    );
    let rows = db.exec(&sql, &[workspace_id.into(), episodic_key.into()])?;
    rows.rows.iter().map(|r| layer_from(r, true)).collect()
}

pub fn list_layers(
    db: &Db,
    workspace_id: &str,
    q: &ListQuery,
) -> Result<Listed<MemoryLayer>, StoreError> {
    let from = if q.include_info {
        format!("FROM memory_layers l {LAYER_JOIN}")
    } else {
        "FROM memory_layers l".to_owned()
    };
    let page = list::run(
        db,
        Source {
            columns: &layer_columns(q.include_info),
            from: &from,
            count_from: "FROM memory_layers l",
            alias: "l",
            scope_col: "l.workspace_id",
            scope: workspace_id,
            counter: None,
            filters: vec![],
            prefix_col: "l.name",
        },
        q,
    )?;
    page.try_map(|row| layer_from(&row, q.include_info))
}

pub fn update_layer(db: &Db, l: &MemoryLayer) -> Result<(), StoreError> {
    let (set, mut params) = resource::update_set(&l.metadata, 2)?;
    params.insert(0, l.metadata.id.as_str().into());
    params.push(json_text(&l.spec));
    db.exec(
        &format!("UPDATE memory_layers SET {set}, spec = ?7 WHERE id = ?1"),
        &params,
    )?;
    Ok(())
}

/// Deletes a layer and its entries (inside the caller's transaction).
pub fn delete_layer(db: &Db, id: &str) -> Result<bool, StoreError> {
    db.exec(
        "DELETE FROM memory_entries WHERE layer_id = ?1",
        &[id.into()],
    )?;
    let rows = db.exec(
        "DELETE FROM memory_layers WHERE id = ?1 RETURNING id",
        &[id.into()],
    )?;
    Ok(!rows.rows.is_empty())
}

// ---- entries

const ENTRY_JOIN: &str = "LEFT JOIN profiles p ON p.id = e.profile_id";

/// Lists leave the content out (it can be 64 KiB an entry).
fn entry_columns(with_content: bool, with_info: bool) -> String {
    let content = if with_content { "e.content" } else { "NULL" };
    let base = format!(
        "{}, e.key, {content}, e.description, e.layer_id, (SELECT name FROM memory_layers WHERE id = e.layer_id)",
        resource::cols("e")
    );
    if with_info {
        format!("{base}, {PROFILE_COLS}")
    } else {
        base
    }
}

fn entry_from(row: &[Value], with_info: bool) -> Result<MemoryEntry, StoreError> {
    let r = Row(row);
    let n = resource::NCOLS;
    let info = if with_info {
        Some(MemoryEntryInfo {
            memory_layer: BareMetadata {
                id: r.text(n + 3)?,
                name: r.opt_text(n + 4)?,
            },
            created_by: profile_at(&r, n + 5)?,
        })
    } else {
        None
    };
    Ok(MemoryEntry {
        metadata: resource::metadata(&r, 0)?,
        spec: MemoryEntrySpec {
            key: r.text(n)?,
            content: r.opt_text(n + 1)?,
            description: r.opt_text(n + 2)?,
        },
        info,
    })
}

pub fn insert_entry(db: &Db, layer_id: &str, e: &MemoryEntry) -> Result<(), StoreError> {
    let mut params = resource::values(&e.metadata)?;
    params.push(layer_id.into());
    params.push(e.spec.key.as_str().into());
    params.push(e.spec.description.clone().into());
    params.push(e.spec.content.clone().unwrap_or_default().into());
    db.exec(
        &format!(
            "INSERT INTO memory_entries ({}, layer_id, key, description, content) VALUES ({}, ?11, ?12, ?13, ?14)",
            resource::INSERT_COLS,
            resource::INSERT_PLACEHOLDERS
        ),
        &params,
    )?;
    Ok(())
}

pub fn get_entry(
    db: &Db,
    layer_id: &str,
    r: &Ref<MemoryEntryKind>,
) -> Result<Option<MemoryEntry>, StoreError> {
    let (cond, v) = resource::by_ref("e", r, 2);
    let sql = format!(
        "SELECT {} FROM memory_entries e {ENTRY_JOIN} WHERE e.layer_id = ?1 AND {cond}",
        entry_columns(true, true)
    );
    db.one(&sql, &[layer_id.into(), v])?
        .map(|row| entry_from(&row, true))
        .transpose()
}

pub fn list_entries(
    db: &Db,
    layer_id: &str,
    q: &ListQuery,
) -> Result<Listed<MemoryEntry>, StoreError> {
    let from = if q.include_info {
        format!("FROM memory_entries e {ENTRY_JOIN}")
    } else {
        "FROM memory_entries e".to_owned()
    };
    let page = list::run(
        db,
        Source {
            columns: &entry_columns(false, q.include_info),
            from: &from,
            count_from: "FROM memory_entries e",
            alias: "e",
            scope_col: "e.layer_id",
            scope: layer_id,
            counter: None,
            filters: vec![],
            // SDK semantics: the prefix filter applies to entry keys.
            prefix_col: "e.key",
        },
        q,
    )?;
    page.try_map(|row| entry_from(&row, q.include_info))
}

pub fn update_entry(db: &Db, e: &MemoryEntry) -> Result<(), StoreError> {
    let (set, mut params) = resource::update_set(&e.metadata, 2)?;
    params.insert(0, e.metadata.id.as_str().into());
    params.push(e.spec.key.as_str().into());
    params.push(e.spec.description.clone().into());
    params.push(e.spec.content.clone().unwrap_or_default().into());
    db.exec(
        &format!("UPDATE memory_entries SET {set}, key = ?7, description = ?8, content = ?9 WHERE id = ?1"),
        &params,
    )?;
    Ok(())
}

pub fn delete_entry(db: &Db, id: &str) -> Result<bool, StoreError> {
    let rows = db.exec(
        "DELETE FROM memory_entries WHERE id = ?1 RETURNING id",
        &[id.into()],
    )?;
    Ok(!rows.rows.is_empty())
}

// ---- the runtime's view: memory_read / memory_write

/// An entry `memory_read` resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    pub entry_id: String,
    pub content: String,
}

/// The live entry with `key` in one layer (`pinned`: only that entry may match);
/// expired episodic entries are invisible.
pub fn resolve_key(
    db: &Db,
    layer_id: &str,
    pinned: Option<&str>,
    key: &str,
    now_ms: i64,
) -> Result<Option<Resolved>, StoreError> {
    let row = db.one(
        "SELECT id, content FROM memory_entries
         WHERE layer_id = ?1 AND key = ?2 AND (expires_at IS NULL OR expires_at > ?3)
           AND (?4 IS NULL OR id = ?4)",
        &[layer_id.into(), key.into(), now_ms.into(), pinned.into()],
    )?;
    let Some(row) = row else { return Ok(None) };
    let r = Row(&row);
    db.exec(
        "UPDATE memory_layers SET last_used_at = ?2 WHERE id = ?1",
        &[layer_id.into(), now_ms.into()],
    )?;
    Ok(Some(Resolved {
        entry_id: r.text(0)?,
        content: r.text(1)?,
    }))
}

/// The layer's name, for event messages.
pub fn layer_name(db: &Db, layer_id: &str) -> Result<Option<String>, StoreError> {
    let row = db.one(
        "SELECT name FROM memory_layers WHERE id = ?1",
        &[layer_id.into()],
    )?;
    row.map(|r| Row(&r).text(0)).transpose()
}

/// Who and when, for rows the runtime writes.
pub struct Writer<'a> {
    pub account_id: &'a str,
    pub workspace_id: &'a str,
    pub profile_id: &'a str,
    pub now_ms: i64,
}

/// The system-managed episodic layer of (agent, key), created on first use with
/// `new_id`; returns its id.
pub fn episodic_layer(
    db: &Db,
    w: &Writer,
    agent_id: &str,
    episodic_key: &str,
    new_id: &str,
) -> Result<String, StoreError> {
    if let Some(row) = db.one(
        "SELECT id FROM memory_layers WHERE agent_id = ?1 AND episodic_key = ?2",
        &[agent_id.into(), episodic_key.into()],
    )? {
        return Row(&row).text(0);
    }
    let spec = MemoryLayerSpec {
        kind: model::memory::MemoryLayerType::Episodic,
        description: Some(format!(
            "Episodic memory of agent {agent_id} for key `{episodic_key}` (managed by the runtime)"
        )),
        agent_id: Some(agent_id.to_owned()),
        episodic_key: Some(episodic_key.to_owned()),
        expires_at: None,
        system_managed: true,
    };
    db.exec(
        "INSERT INTO memory_layers (id, account_id, workspace_id, name, labels, profile_id,
             created_at, updated_at, kind, spec, agent_id, episodic_key)
         VALUES (?1, ?2, ?3, ?4, '{}', ?5, ?6, ?6, ?7, ?8, ?9, ?10)",
        &[
            new_id.into(),
            w.account_id.into(),
            w.workspace_id.into(),
            format!("episodic: {episodic_key}").into(),
            w.profile_id.into(),
            w.now_ms.into(),
            spec.kind.as_str().into(),
            json_text(&spec),
            agent_id.into(),
            episodic_key.into(),
        ],
    )?;
    Ok(new_id.to_owned())
}

/// Writes (or overwrites) `key` in an episodic layer; `expires_at_ms` from the
/// variation's TTL. The layer's own expiry follows its newest entry.
pub fn write_episodic(
    db: &Db,
    w: &Writer,
    layer_id: &str,
    new_entry_id: &str,
    key: &str,
    content: &str,
    expires_at_ms: Option<i64>,
) -> Result<(), StoreError> {
    db.exec(
        "INSERT INTO memory_entries (id, account_id, workspace_id, layer_id, name, labels,
             profile_id, created_at, updated_at, key, content, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, '{}', ?6, ?7, ?7, ?5, ?8, ?9)
         ON CONFLICT (layer_id, key) DO UPDATE SET content = excluded.content,
             expires_at = excluded.expires_at, updated_at = excluded.updated_at",
        &[
            new_entry_id.into(),
            w.account_id.into(),
            w.workspace_id.into(),
            layer_id.into(),
            key.into(),
            w.profile_id.into(),
            w.now_ms.into(),
            content.into(),
            expires_at_ms.into(),
        ],
    )?;
    let expires = expires_at_ms.map(format_ms);
    db.exec(
        "UPDATE memory_layers SET expires_at = ?2, updated_at = ?3, last_used_at = ?3,
             spec = json_set(spec, '$.expiresAt', ?4)
         WHERE id = ?1",
        &[
            layer_id.into(),
            expires_at_ms.into(),
            w.now_ms.into(),
            expires.into(),
        ],
    )?;
    Ok(())
}
