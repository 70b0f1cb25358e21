//! Variations with their assignments (tools, tool sets, sub-agents) and memory layer
//! assignments.

use crate::db::{json_text, Db, Row, StoreError};
use crate::identity::{profile_at, PROFILE_COLS};
use crate::list::{self, ListQuery, Listed, Source};
use crate::resource;
use model::ids::{Ref, VariationKind};
use model::variation::{
    AssignmentKind, BareMetadata, MemoryLayerAssignment, Variation, VariationAssignment,
    VariationInfo, VariationSpec,
};
use ports::Value;
use serde::Deserialize;

/// Assignments and memory layers as JSON arrays, so a variation and its whole `info`
/// come back in one statement.
const INFO_COLS: &str = "v.alpha, v.beta, v.feedback_count,
    (SELECT json_group_array(json_object('id', a.id, 'kind', a.kind, 'target', a.target_id,
        'name', CASE a.kind
            WHEN 'tool' THEN (SELECT name FROM tools WHERE id = a.target_id)
            WHEN 'tool_set' THEN (SELECT name FROM tool_sets WHERE id = a.target_id)
            ELSE (SELECT name FROM agents WHERE id = a.target_id) END))
     FROM variation_assignments a WHERE a.variation_id = v.id),
    (SELECT json_group_array(json_object('id', m.id, 'layer', m.memory_layer_id, 'position', m.position,
        'name', (SELECT name FROM memory_layers WHERE id = m.memory_layer_id)))
     FROM memory_layer_assignments m WHERE m.variation_id = v.id)";
const INFO_JOIN: &str = "LEFT JOIN profiles p ON p.id = v.profile_id";

fn columns(with_info: bool) -> String {
    let base = format!("{}, v.agent_id, v.spec", resource::cols("v"));
    if with_info {
        format!(
            "{base}, {INFO_COLS}, {}, v.selections, {PROFILE_COLS}",
            crate::models::VARIATION_MODEL_COL
        )
    } else {
        base
    }
}

#[derive(Deserialize)]
struct AssignmentRow {
    id: String,
    kind: String,
    target: String,
    name: Option<String>,
}

#[derive(Deserialize)]
struct LayerRow {
    id: String,
    layer: String,
    position: i64,
    name: Option<String>,
}

/// A stored variation and the agent it belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct VariationRecord {
    pub variation: Variation,
    pub agent_id: String,
}

fn from_row(row: &[Value], with_info: bool) -> Result<VariationRecord, StoreError> {
    let r = Row(row);
    let n = resource::NCOLS;
    let spec: VariationSpec = r.json(n + 1)?;
    let info = if with_info {
        Some(info_at(&r, n + 2)?)
    } else {
        None
    };
    Ok(VariationRecord {
        variation: Variation {
            metadata: resource::metadata(&r, 0)?,
            spec,
            info,
        },
        agent_id: r.text(n)?,
    })
}

fn info_at(r: &Row, at: usize) -> Result<VariationInfo, StoreError> {
    let alpha = r.real(at)?;
    let beta = r.real(at + 1)?;
    let mut rows: Vec<AssignmentRow> = r.json(at + 3)?;
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    let mut layers: Vec<LayerRow> = r.json(at + 4)?;
    layers.sort_by_key(|l| l.position);
    let mut info = VariationInfo {
        assignments: Vec::with_capacity(rows.len()),
        memory_layer_assignments: layers
            .into_iter()
            .map(|l| MemoryLayerAssignment {
                id: l.id,
                memory_layer: BareMetadata {
                    id: l.layer,
                    name: l.name,
                },
                position: l.position,
            })
            .collect(),
        tool_count: 0,
        tool_set_count: 0,
        sub_agent_count: 0,
        memory_layer_count: 0,
        feedback_count: r.int(at + 2)?,
        score: if alpha + beta > 0.0 {
            alpha / (alpha + beta)
        } else {
            0.5
        },
        created_by: profile_at(r, at + 7)?,
        model: crate::models::model_meta(r, at + 5)?,
        selection_count: r.int(at + 6)?,
    };
    info.memory_layer_count = info.memory_layer_assignments.len() as i64;
    for a in rows {
        let target = Some(BareMetadata {
            id: a.target,
            name: a.name,
        });
        let mut entry = VariationAssignment {
            id: a.id,
            tool: None,
            tool_set: None,
            agent: None,
        };
        match AssignmentKind::parse(&a.kind) {
            Some(AssignmentKind::Tool) => {
                info.tool_count += 1;
                entry.tool = target;
            }
            Some(AssignmentKind::ToolSet) => {
                info.tool_set_count += 1;
                entry.tool_set = target;
            }
            Some(AssignmentKind::Agent) => {
                info.sub_agent_count += 1;
                entry.agent = target;
            }
            None => {
                return Err(StoreError::Backend(format!(
                    "unknown assignment kind {}",
                    a.kind
                )))
            }
        }
        info.assignments.push(entry);
    }
    Ok(info)
}

pub fn insert(db: &Db, v: &Variation, agent_id: &str) -> Result<(), StoreError> {
    let mut params = resource::values(&v.metadata)?;
    params.push(agent_id.into());
    params.push(json_text(&v.spec));
    params.push(Value::Real(v.spec.effective_weight()));
    db.exec(
        &format!(
            "INSERT INTO variations ({}, agent_id, spec, weight) VALUES ({}, ?11, ?12, ?13)",
            resource::INSERT_COLS,
            resource::INSERT_PLACEHOLDERS
        ),
        &params,
    )?;
    Ok(())
}

/// One variation of an agent, with its whole `info`.
pub fn get(
    db: &Db,
    workspace_id: &str,
    agent_id: &str,
    r: &Ref<VariationKind>,
) -> Result<Option<VariationRecord>, StoreError> {
    let (cond, value) = resource::by_ref("v", r, 3);
    let sql = format!(
        "SELECT {} FROM variations v {INFO_JOIN} WHERE v.workspace_id = ?1 AND v.agent_id = ?2 AND {cond}",
        columns(true)
    );
    db.one(&sql, &[workspace_id.into(), agent_id.into(), value])?
        .map(|row| from_row(&row, true))
        .transpose()
}

pub fn list(db: &Db, agent_id: &str, q: &ListQuery) -> Result<Listed<VariationRecord>, StoreError> {
    let from = if q.include_info {
        format!("FROM variations v {INFO_JOIN}")
    } else {
        "FROM variations v".to_owned()
    };
    let page = list::run(
        db,
        Source {
            columns: &columns(q.include_info),
            from: &from,
            count_from: "FROM variations v",
            alias: "v",
            scope_col: "v.agent_id",
            scope: agent_id,
            counter: Some("variations"),
            filters: vec![],
            prefix_col: "v.name",
        },
        q,
    )?;
    page.try_map(|row| from_row(&row, q.include_info))
}

pub fn update(db: &Db, v: &Variation) -> Result<(), StoreError> {
    let (set, mut params) = resource::update_set(&v.metadata, 2)?;
    params.insert(0, v.metadata.id.as_str().into());
    params.push(json_text(&v.spec));
    params.push(Value::Real(v.spec.effective_weight()));
    db.exec(
        &format!("UPDATE variations SET {set}, spec = ?7, weight = ?8 WHERE id = ?1"),
        &params,
    )?;
    Ok(())
}

/// Deletes a variation with its assignments (inside the caller's transaction).
pub fn delete(db: &Db, id: &str) -> Result<bool, StoreError> {
    db.exec(
        "DELETE FROM variation_assignments WHERE variation_id = ?1",
        &[id.into()],
    )?;
    db.exec(
        "DELETE FROM memory_layer_assignments WHERE variation_id = ?1",
        &[id.into()],
    )?;
    let rows = db.exec(
        "DELETE FROM variations WHERE id = ?1 RETURNING id",
        &[id.into()],
    )?;
    Ok(!rows.rows.is_empty())
}

/// Deletes every variation of an agent with their assignments.
pub fn delete_of_agent(db: &Db, agent_id: &str) -> Result<(), StoreError> {
    let of_agent = "SELECT id FROM variations WHERE agent_id = ?1";
    db.exec(
        &format!("DELETE FROM variation_assignments WHERE variation_id IN ({of_agent})"),
        &[agent_id.into()],
    )?;
    db.exec(
        &format!("DELETE FROM memory_layer_assignments WHERE variation_id IN ({of_agent})"),
        &[agent_id.into()],
    )?;
    db.exec(
        "DELETE FROM variations WHERE agent_id = ?1",
        &[agent_id.into()],
    )?;
    Ok(())
}

/// A variation that references something, for "still assigned" conflicts.
#[derive(Clone, Debug, PartialEq)]
pub struct Referrer {
    pub variation_id: String,
    pub variation_name: String,
    pub agent_id: String,
}

/// Variations that assign `target_id` (a tool, tool set, sub-agent or memory layer).
/// `via_tools_of` also counts assignments of the tools of that tool set.
pub fn referrers(
    db: &Db,
    target_id: &str,
    via_tools_of: bool,
) -> Result<Vec<Referrer>, StoreError> {
    let tools = if via_tools_of {
        " OR target_id IN (SELECT id FROM tools WHERE tool_set_id = ?1)"
    } else {
        ""
    };
    let sql = format!(
        "SELECT DISTINCT v.id, v.name, v.agent_id FROM variations v
         WHERE v.id IN (SELECT variation_id FROM variation_assignments WHERE target_id = ?1{tools})
            OR v.id IN (SELECT variation_id FROM memory_layer_assignments WHERE memory_layer_id = ?1)
         ORDER BY v.id LIMIT 20"
    );
    db.exec(&sql, &[target_id.into()])?
        .rows
        .iter()
        .map(|row| {
            let r = Row(row);
            Ok(Referrer {
                variation_id: r.text(0)?,
                variation_name: r.text(1)?,
                agent_id: r.text(2)?,
            })
        })
        .collect()
}

pub fn add_assignment(
    db: &Db,
    variation_id: &str,
    id: &str,
    kind: AssignmentKind,
    target_id: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    db.exec(
        "INSERT INTO variation_assignments (variation_id, id, kind, target_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        &[variation_id.into(), id.into(), kind.as_str().into(), target_id.into(), now_ms.into()],
    )?;
    Ok(())
}

pub fn remove_assignment(db: &Db, variation_id: &str, id: &str) -> Result<bool, StoreError> {
    let rows = db.exec(
        "DELETE FROM variation_assignments WHERE variation_id = ?1 AND id = ?2 RETURNING id",
        &[variation_id.into(), id.into()],
    )?;
    Ok(!rows.rows.is_empty())
}

/// Whether `from_agent` reaches `to_agent` through sub-agent assignments (so
/// assigning `from_agent` as a sub-agent of `to_agent` would close a cycle).
pub fn reaches(db: &Db, from_agent: &str, to_agent: &str) -> Result<bool, StoreError> {
    let sql = "WITH RECURSIVE reach(agent) AS (
            SELECT ?1
            UNION
            SELECT a.target_id
            FROM reach
            JOIN variations v ON v.agent_id = reach.agent
            JOIN variation_assignments a ON a.variation_id = v.id AND a.kind = 'agent'
        )
        SELECT 1 FROM reach WHERE agent = ?2 LIMIT 1";
    Ok(db
        .one(sql, &[from_agent.into(), to_agent.into()])?
        .is_some())
}

/// Memory layer assignment facts for placing a new one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LayerSlots {
    pub count: i64,
    pub max_position: Option<i64>,
}

pub fn layer_slots(db: &Db, variation_id: &str) -> Result<LayerSlots, StoreError> {
    let row = db.one(
        "SELECT COUNT(*), MAX(position) FROM memory_layer_assignments WHERE variation_id = ?1",
        &[variation_id.into()],
    )?;
    let row = row.unwrap_or_default();
    let r = Row(&row);
    Ok(LayerSlots {
        count: r.opt_int(0)?.unwrap_or(0),
        max_position: r.opt_int(1)?,
    })
}

/// The assignment holding `position` in the variation, if any.
pub fn layer_at(db: &Db, variation_id: &str, position: i64) -> Result<Option<String>, StoreError> {
    let row = db.one(
        "SELECT id FROM memory_layer_assignments WHERE variation_id = ?1 AND position = ?2",
        &[variation_id.into(), position.into()],
    )?;
    Ok(match row.as_deref() {
        Some([Value::Text(id), ..]) => Some(id.clone()),
        _ => None,
    })
}

pub fn add_layer(
    db: &Db,
    variation_id: &str,
    id: &str,
    layer_id: &str,
    position: i64,
    now_ms: i64,
) -> Result<(), StoreError> {
    db.exec(
        "INSERT INTO memory_layer_assignments (variation_id, id, memory_layer_id, position, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        &[variation_id.into(), id.into(), layer_id.into(), position.into(), now_ms.into()],
    )?;
    Ok(())
}

pub fn move_layer(
    db: &Db,
    variation_id: &str,
    id: &str,
    position: i64,
) -> Result<bool, StoreError> {
    let rows = db.exec(
        "UPDATE memory_layer_assignments SET position = ?3 WHERE variation_id = ?1 AND id = ?2 RETURNING id",
        &[variation_id.into(), id.into(), position.into()],
    )?;
    Ok(!rows.rows.is_empty())
}

pub fn remove_layer(db: &Db, variation_id: &str, id: &str) -> Result<bool, StoreError> {
    let rows = db.exec(
        "DELETE FROM memory_layer_assignments WHERE variation_id = ?1 AND id = ?2 RETURNING id",
        &[variation_id.into(), id.into()],
    )?;
    Ok(!rows.rows.is_empty())
}

/// Every variation of an agent with its selection weight, oldest first.
/// What selecting among an agent's variations weighs: (id, weight, α, β), by id.
pub fn weights(db: &Db, agent_id: &str) -> Result<Vec<(String, f64, f64, f64)>, StoreError> {
    let rows = db.exec(
        "SELECT id, weight, alpha, beta FROM variations WHERE agent_id = ?1 ORDER BY id",
        &[agent_id.into()],
    )?;
    rows.rows
        .iter()
        .map(|row| {
            let r = Row(row);
            Ok((r.text(0)?, r.real(1)?, r.real(2)?, r.real(3)?))
        })
        .collect()
}

/// Counts an objective started on the variation.
pub fn count_selection(db: &Db, variation_id: &str) -> Result<(), StoreError> {
    db.exec(
        "UPDATE variations SET selections = selections + 1 WHERE id = ?1",
        &[variation_id.into()],
    )?;
    Ok(())
}
