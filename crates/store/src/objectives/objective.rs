//! The objective row itself: create (with its first window, tool snapshot and first
//! event), read, resolve and list.

use crate::db::{json_text, Db, Row, StoreError};
use crate::identity::{profile_at, PROFILE_COLS};
use crate::list::{self, ListQuery, Listed, Source};
use crate::objectives::ids::ms;
use crate::objectives::insert_event;
use crate::objectives::list_windows;
use crate::objectives::EventRecord;
use crate::objectives::SnapshotTool;
use crate::objectives::SubAgent;
use model::ids::{ObjectiveKind, Ref};
use model::metadata::OperationMetadata;
use model::objective::{MemoryReference, Objective, ObjectiveData, ObjectiveInfo, ObjectiveStatus};
use model::time::format_ms;
use ports::Value;
use std::collections::BTreeMap;

/// Everything written when an objective is created, in one transaction.
pub struct NewObjective<'a> {
    pub objective: &'a Objective,
    pub agent_id: &'a str,
    pub variation_id: &'a str,
    pub secrets: &'a BTreeMap<String, String>,
    pub memory_stack: &'a [MemoryReference],
    pub window_id: &'a str,
    pub tools: &'a [SnapshotTool],
    pub sub_agents: &'a [SubAgent],
    /// The episodic layer on top of the stack (also the stack's last element).
    pub episodic_layer_id: Option<&'a str>,
    pub first_event: &'a EventRecord,
}

pub fn insert(db: &Db, n: &NewObjective) -> Result<(), StoreError> {
    let o = n.objective;
    let m = &o.metadata;
    let created = ms(&m.created_at)?;
    db.exec(
        "INSERT INTO objectives (id, account_id, workspace_id, profile_id, created_at, updated_at,
             external_id, labels, agent_id, variation_id, parent_objective_id, source_schedule_id,
             status, data, memory_stack, secrets, window_id, sub_agents, episodic_layer_id,
             runnable)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
             ?17, ?18, 1)",
        &[
            m.id.as_str().into(),
            m.account_id.as_str().into(),
            m.workspace_id.as_str().into(),
            m.profile_id.clone().into(),
            created.into(),
            m.external_id.clone().into(),
            json_text(&m.labels),
            n.agent_id.into(),
            n.variation_id.into(),
            o.data.parent_objective_id.clone().into(),
            o.data.source_schedule_id.clone().into(),
            o.status.as_str().into(),
            json_text(&o.data),
            json_text(&n.memory_stack),
            json_text(n.secrets),
            n.window_id.into(),
            json_text(&n.sub_agents),
            n.episodic_layer_id.into(),
        ],
    )?;
    db.exec(
        "INSERT INTO context_windows (id, objective_id, account_id, workspace_id, sequence, created_at)
         VALUES (?1, ?2, ?3, ?4, 1, ?5)",
        &[
            n.window_id.into(),
            m.id.as_str().into(),
            m.account_id.as_str().into(),
            m.workspace_id.as_str().into(),
            created.into(),
        ],
    )?;
    for t in n.tools {
        db.exec(
            "INSERT INTO objective_tools (objective_id, id, name, llm_name, adapter, snapshot)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[
                m.id.as_str().into(),
                t.tool.metadata.id.as_str().into(),
                t.tool.metadata.name.as_str().into(),
                t.llm_name.as_str().into(),
                json_text(&t.adapter),
                json_text(&t.tool),
            ],
        )?;
    }
    insert_event(db, n.first_event)
}

pub(super) const OBJECTIVE_COLS: &str =
    "o.id, o.account_id, o.workspace_id, o.profile_id, o.created_at, o.external_id,
    o.labels, o.status, o.status_message, o.data, o.memory_stack, o.window_id, o.windows,
    o.input_tokens, o.completion_tokens, o.tool_calls, o.events, o.iterations";
pub(super) const OBJECTIVE_NCOLS: usize = 18;
pub(super) const OBJECTIVE_JOIN: &str = "LEFT JOIN profiles p ON p.id = o.profile_id";

pub(super) fn objective_from(row: &[Value], with_info: bool) -> Result<Objective, StoreError> {
    let r = Row(row);
    let data: ObjectiveData = r.json(9)?;
    let info = if with_info {
        Some(ObjectiveInfo {
            agent: data.agent.metadata.clone(),
            agent_variation: data.agent_variation.metadata.clone(),
            created_by: profile_at(&r, OBJECTIVE_NCOLS)?,
            effective_memory_stack: r.json(10)?,
            current_context_window_id: r.text(11)?,
            total_context_windows: r.int(12)?,
            total_input_tokens: r.int(13)?,
            total_completion_tokens: r.int(14)?,
            total_tool_calls: r.int(15)?,
            total_events: r.int(16)?,
            total_iterations: r.int(17)?,
        })
    } else {
        None
    };
    Ok(Objective {
        metadata: OperationMetadata {
            id: r.text(0)?,
            account_id: r.text(1)?,
            workspace_id: r.text(2)?,
            // every objective has a creator (sub-objectives their parent's, migration 0009)
            profile_id: r.opt_text(3)?.unwrap_or_default(),
            created_at: format_ms(r.int(4)?),
            external_id: r.opt_text(5)?,
            labels: r.json(6)?,
        },
        status: r.wire(7, ObjectiveStatus::parse)?,
        status_message: r.opt_text(8)?,
        data,
        info,
        context_windows: None,
    })
}

/// One objective with its info and last five context windows.
pub fn get(
    db: &Db,
    workspace_id: &str,
    r: &Ref<ObjectiveKind>,
) -> Result<Option<Objective>, StoreError> {
    let (cond, key) = match r {
        Ref::Id(id) => ("o.id = ?2", id.as_str().to_owned()),
        Ref::External(e) => ("o.external_id = ?2", e.clone()),
    };
    let sql = format!(
        "SELECT {OBJECTIVE_COLS}, {PROFILE_COLS} FROM objectives o {OBJECTIVE_JOIN}
         WHERE o.workspace_id = ?1 AND {cond}"
    );
    let Some(row) = db.one(&sql, &[workspace_id.into(), key.into()])? else {
        return Ok(None);
    };
    let mut o = objective_from(&row, true)?;
    let q = ListQuery {
        limit: 5,
        ..ListQuery::default()
    };
    o.context_windows = Some(list_windows(db, &o.metadata.id, &q)?.items);
    Ok(Some(o))
}

/// The id of an objective of this workspace (for child resources), if it exists.
pub fn resolve(
    db: &Db,
    workspace_id: &str,
    r: &Ref<ObjectiveKind>,
) -> Result<Option<String>, StoreError> {
    let (cond, key) = match r {
        Ref::Id(id) => ("id = ?2", id.as_str().to_owned()),
        Ref::External(e) => ("external_id = ?2", e.clone()),
    };
    let row = db.one(
        &format!("SELECT id FROM objectives WHERE workspace_id = ?1 AND {cond}"),
        &[workspace_id.into(), key.into()],
    )?;
    row.map(|r| Row(&r).text(0)).transpose()
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ObjectiveFilters {
    pub agent_id: Option<String>,
    pub status: Option<ObjectiveStatus>,
    pub parent_objective_id: Option<String>,
    pub source_schedule_id: Option<String>,
}

pub fn list(
    db: &Db,
    workspace_id: &str,
    q: &ListQuery,
    f: &ObjectiveFilters,
) -> Result<Listed<Objective>, StoreError> {
    let mut filters = Vec::new();
    let mut eq = |col: &str, v: &Option<String>| {
        if let Some(v) = v {
            filters.push((format!("o.{col} = ?"), vec![Value::from(v.as_str())]));
        }
    };
    eq("agent_id", &f.agent_id);
    eq("parent_objective_id", &f.parent_objective_id);
    eq("source_schedule_id", &f.source_schedule_id);
    eq("status", &f.status.map(|s| s.as_str().to_owned()));
    let columns = if q.include_info {
        format!("{OBJECTIVE_COLS}, {PROFILE_COLS}")
    } else {
        OBJECTIVE_COLS.to_owned()
    };
    let from = format!("FROM objectives o {OBJECTIVE_JOIN}");
    let src = Source {
        columns: &columns,
        from: &from,
        count_from: "FROM objectives o",
        alias: "o",
        scope_col: "o.workspace_id",
        scope: workspace_id,
        counter: None,
        filters,
        prefix_col: "o.id",
    };
    list::run(db, src, q)?.try_map(|row| objective_from(&row, q.include_info))
}
