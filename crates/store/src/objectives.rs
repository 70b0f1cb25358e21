//! Objectives and the record of their runs: events, tool calls, tasks, the tool
//! snapshot and context windows, plus the lease the engine holds while it runs one.

use crate::db::{json_text, Db, Row, StoreError};
use crate::identity::{profile_at, PROFILE_COLS};
use crate::list::{self, ListQuery, Listed, Source};
use model::ids::{Id, Kind, ObjectiveKind, Ref};
use model::metadata::OperationMetadata;
use model::objective::{
    CallableTool, ContextWindow, ContextWindowData, EventData, EventInfo, ExecutionStatus,
    MemoryReference, Objective, ObjectiveData, ObjectiveEvent, ObjectiveInfo, ObjectiveStatus,
    ObjectiveTask, ObjectiveTool, ObjectiveToolCall, TaskData, ToolCallData, ToolCallInfo,
    ToolCallResult, ToolCallStatus,
};
use model::time::{format_ms, parse_ms};
use model::tools::{Adapter, Tool};
use model::variation::BareMetadata;
use ports::Value;
use std::collections::BTreeMap;

/// A tool frozen into an objective at create.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotTool {
    pub tool: Tool,
    /// The function name the model sees (unique within the objective).
    pub llm_name: String,
    /// The tool set's adapter at create (base URL, headers with secret references).
    pub adapter: Adapter,
}

/// An agent offered to the model as a tool, frozen into an objective at create.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubAgent {
    pub agent_id: String,
    pub name: String,
    /// The function name the model sees (unique within the objective).
    pub llm_name: String,
    pub description: String,
    pub parameters: serde_json::Map<String, serde_json::Value>,
    /// The agent has an `inputDataSchema`: arguments become the child's `data`.
    pub takes_data: bool,
}

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

/// One event as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRecord {
    pub id: String,
    pub objective_id: String,
    pub account_id: String,
    pub workspace_id: String,
    pub profile_id: Option<String>,
    pub window_id: String,
    pub data: EventData,
    pub created_at_ms: i64,
}

impl EventRecord {
    pub fn into_wire(self) -> ObjectiveEvent {
        ObjectiveEvent {
            metadata: OperationMetadata::record(
                self.id,
                self.account_id,
                self.workspace_id,
                self.profile_id,
                self.created_at_ms,
            ),
            data: self.data,
            context_window_id: self.window_id,
            info: Some(EventInfo {
                created_by: None,
                objective: BareMetadata {
                    id: self.objective_id,
                    name: None,
                },
            }),
        }
    }
}

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
    pub fn into_wire(self) -> ObjectiveToolCall {
        ObjectiveToolCall {
            metadata: OperationMetadata::record(
                self.id,
                self.account_id,
                self.workspace_id,
                None,
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
                status_changed_by: self.changed_by,
            },
            status: self.status,
            execution_status: self.execution_status,
            info: Some(ToolCallInfo {
                objective: BareMetadata {
                    id: self.objective_id,
                    name: None,
                },
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

fn ms(ts: &str) -> Result<i64, StoreError> {
    parse_ms(ts).map_err(StoreError::Backend)
}

/// The largest id of `table` for this objective: new ids are generated after it.
fn last_id(db: &Db, table: &str, objective_id: &str) -> Result<Option<String>, StoreError> {
    let row = db.one(
        &format!("SELECT MAX(id) FROM {table} WHERE objective_id = ?1"),
        &[objective_id.into()],
    )?;
    Ok(row.and_then(|r| match r.into_iter().next() {
        Some(Value::Text(s)) => Some(s),
        _ => None,
    }))
}

/// A fresh id that sorts after every existing row of this objective in `table`.
pub fn next_id<K: Kind>(
    db: &Db,
    table: &str,
    objective_id: &str,
    now_ms: i64,
    random: u128,
) -> Result<Id<K>, StoreError> {
    let last = last_id(db, table, objective_id)?;
    Ok(Id::generate_after(last.as_deref(), now_ms, random))
}

// ---- objectives

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

const OBJECTIVE_COLS: &str =
    "o.id, o.account_id, o.workspace_id, o.profile_id, o.created_at, o.external_id,
    o.labels, o.status, o.status_message, o.data, o.memory_stack, o.window_id, o.windows,
    o.input_tokens, o.completion_tokens, o.tool_calls, o.events, o.iterations";
const OBJECTIVE_NCOLS: usize = 18;
const OBJECTIVE_JOIN: &str = "LEFT JOIN profiles p ON p.id = o.profile_id";

fn objective_from(row: &[Value], with_info: bool) -> Result<Objective, StoreError> {
    let r = Row(row);
    let data: ObjectiveData = r.json(9)?;
    let info = if with_info {
        Some(ObjectiveInfo {
            agent: BareMetadata {
                id: data.agent.metadata.id.clone(),
                name: Some(data.agent.metadata.name.clone()),
            },
            agent_variation: BareMetadata {
                id: data.agent_variation.metadata.id.clone(),
                name: Some(data.agent_variation.metadata.name.clone()),
            },
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
            profile_id: r.opt_text(3)?,
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

/// What the engine needs to take a step, read under its lease.
#[derive(Clone, Debug, PartialEq)]
pub struct RunState {
    pub id: String,
    pub account_id: String,
    pub workspace_id: String,
    pub status: ObjectiveStatus,
    pub data: ObjectiveData,
    pub secrets: BTreeMap<String, String>,
    pub window_id: String,
    pub tool_calls: i64,
    pub memory_stack: Vec<MemoryReference>,
    pub sub_agents: Vec<SubAgent>,
    pub episodic_layer_id: Option<String>,
    /// The last reply crossed the compaction threshold.
    pub compact_due: bool,
}

/// The objective, if `owner` still holds its lease.
pub fn run_state(db: &Db, id: &str, owner: &str) -> Result<Option<RunState>, StoreError> {
    let row = db.one(
        "SELECT id, account_id, workspace_id, status, data, secrets, window_id, tool_calls,
             memory_stack, sub_agents, episodic_layer_id, compact_due
         FROM objectives WHERE id = ?1 AND lease_owner = ?2",
        &[id.into(), owner.into()],
    )?;
    let Some(row) = row else { return Ok(None) };
    let r = Row(&row);
    Ok(Some(RunState {
        id: r.text(0)?,
        account_id: r.text(1)?,
        workspace_id: r.text(2)?,
        status: r.wire(3, ObjectiveStatus::parse)?,
        data: r.json(4)?,
        secrets: r.json(5)?,
        window_id: r.text(6)?,
        tool_calls: r.int(7)?,
        memory_stack: r.json(8)?,
        sub_agents: r.json(9)?,
        episodic_layer_id: r.opt_text(10)?,
        compact_due: r.int(11)? != 0,
    }))
}

/// The status of an objective (for steering requests, inside their transaction).
pub fn status_of(db: &Db, id: &str) -> Result<Option<ObjectiveStatus>, StoreError> {
    let row = db.one("SELECT status FROM objectives WHERE id = ?1", &[id.into()])?;
    row.map(|r| Row(&r).wire(0, ObjectiveStatus::parse))
        .transpose()
}

/// Sets the status; `runnable` says whether a step is due now, `wake_at` when one
/// becomes due later (a bare tool's content deadline).
pub fn set_status(
    db: &Db,
    id: &str,
    status: ObjectiveStatus,
    message: Option<&str>,
    runnable: bool,
    wake_at_ms: Option<i64>,
    now_ms: i64,
) -> Result<(), StoreError> {
    db.exec(
        "UPDATE objectives SET status = ?2, status_message = ?3, runnable = ?4, wake_at = ?5,
             updated_at = ?6 WHERE id = ?1",
        &[
            id.into(),
            status.as_str().into(),
            message.into(),
            runnable.into(),
            wake_at_ms.into(),
            now_ms.into(),
        ],
    )?;
    if status.has_ended() {
        // a parent waiting on this objective has a step to take
        db.exec(
            "UPDATE objectives SET runnable = 1, wake_at = NULL
             WHERE id = (SELECT parent_objective_id FROM objectives WHERE id = ?1)",
            &[id.into()],
        )?;
    }
    Ok(())
}

/// Marks a step as due (after an approval, a denial, content, a continue).
pub fn wake(db: &Db, id: &str, now_ms: i64) -> Result<(), StoreError> {
    db.exec(
        "UPDATE objectives SET runnable = 1, wake_at = NULL, updated_at = ?2 WHERE id = ?1",
        &[id.into(), now_ms.into()],
    )?;
    Ok(())
}

/// Adds a model call's usage to the objective and its current window.
pub fn add_usage(
    db: &Db,
    id: &str,
    window_id: &str,
    input: i64,
    output: i64,
) -> Result<(), StoreError> {
    db.exec(
        "UPDATE objectives SET input_tokens = input_tokens + ?2,
             completion_tokens = completion_tokens + ?3, iterations = iterations + 1 WHERE id = ?1",
        &[id.into(), input.into(), output.into()],
    )?;
    db.exec(
        "UPDATE context_windows SET prompt_tokens = prompt_tokens + ?2,
             completion_tokens = completion_tokens + ?3 WHERE id = ?1",
        &[window_id.into(), input.into(), output.into()],
    )?;
    Ok(())
}

// ---- leases

/// Claims `id` for `owner` if it is due and nobody holds it: one statement, so two
/// instances racing for it cannot both win.
pub fn claim(
    db: &Db,
    id: &str,
    owner: &str,
    now_ms: i64,
    lease_ms: i64,
) -> Result<bool, StoreError> {
    take_lease(db, id, owner, now_ms, lease_ms, true)
}

/// Sets the lease on `id` unless someone holds it; `only_due` also requires a step
/// to be due.
fn take_lease(
    db: &Db,
    id: &str,
    owner: &str,
    now_ms: i64,
    lease_ms: i64,
    only_due: bool,
) -> Result<bool, StoreError> {
    let due = if only_due {
        "AND (runnable = 1 OR (wake_at IS NOT NULL AND wake_at <= ?4))"
    } else {
        ""
    };
    let rows = db.exec(
        &format!(
            "UPDATE objectives SET lease_owner = ?2, lease_until = ?3
             WHERE id = ?1 AND lease_until <= ?4 {due} RETURNING id"
        ),
        &[
            id.into(),
            owner.into(),
            (now_ms + lease_ms).into(),
            now_ms.into(),
        ],
    )?;
    Ok(!rows.rows.is_empty())
}

/// Claims any due objective nobody holds (oldest first); its id.
pub fn claim_next(
    db: &Db,
    owner: &str,
    now_ms: i64,
    lease_ms: i64,
) -> Result<Option<String>, StoreError> {
    // A read first: an idle tick (the common case) then takes no write lock.
    let due = db.one(
        "SELECT 1 FROM objectives WHERE runnable = 1 AND lease_until <= ?1
         UNION ALL
         SELECT 1 FROM objectives WHERE wake_at IS NOT NULL AND wake_at <= ?1 AND lease_until <= ?1
         LIMIT 1",
        &[now_ms.into()],
    )?;
    if due.is_none() {
        return Ok(None);
    }
    let rows = db.exec(
        "UPDATE objectives SET lease_owner = ?1, lease_until = ?2
         WHERE id = (
             SELECT id FROM (
                 SELECT id, updated_at FROM objectives WHERE runnable = 1 AND lease_until <= ?3
                 UNION ALL
                 SELECT id, updated_at FROM objectives
                 WHERE wake_at IS NOT NULL AND wake_at <= ?3 AND lease_until <= ?3
             ) ORDER BY updated_at LIMIT 1)
         RETURNING id",
        &[owner.into(), (now_ms + lease_ms).into(), now_ms.into()],
    )?;
    match rows.rows.into_iter().next() {
        Some(r) => Ok(Some(Row(&r).text(0)?)),
        None => Ok(None),
    }
}

/// Extends the lease before a step; false when `owner` no longer holds it.
pub fn renew(
    db: &Db,
    id: &str,
    owner: &str,
    now_ms: i64,
    lease_ms: i64,
) -> Result<bool, StoreError> {
    let rows = db.exec(
        "UPDATE objectives SET lease_until = ?3 WHERE id = ?1 AND lease_owner = ?2 RETURNING id",
        &[id.into(), owner.into(), (now_ms + lease_ms).into()],
    )?;
    Ok(!rows.rows.is_empty())
}

/// Lets go of the lease so any instance may take the next step at once.
pub fn release(db: &Db, id: &str, owner: &str) -> Result<(), StoreError> {
    db.exec(
        "UPDATE objectives SET lease_owner = NULL, lease_until = 0
         WHERE id = ?1 AND lease_owner = ?2",
        &[id.into(), owner.into()],
    )?;
    Ok(())
}

// ---- events

pub fn insert_event(db: &Db, e: &EventRecord) -> Result<(), StoreError> {
    db.exec(
        "INSERT INTO objective_events (id, objective_id, account_id, workspace_id, profile_id,
             window_id, type, data, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        &[
            e.id.as_str().into(),
            e.objective_id.as_str().into(),
            e.account_id.as_str().into(),
            e.workspace_id.as_str().into(),
            e.profile_id.clone().into(),
            e.window_id.as_str().into(),
            e.data.kind().as_str().into(),
            json_text(&e.data),
            e.created_at_ms.into(),
        ],
    )?;
    db.exec(
        "UPDATE objectives SET events = events + 1, updated_at = ?2 WHERE id = ?1",
        &[e.objective_id.as_str().into(), e.created_at_ms.into()],
    )?;
    crate::webhooks::queue(db, e)
}

const EVENT_COLS: &str =
    "e.id, e.objective_id, e.account_id, e.workspace_id, e.profile_id, e.window_id, e.data, e.created_at";

fn event_from(row: &[Value]) -> Result<EventRecord, StoreError> {
    let r = Row(row);
    Ok(EventRecord {
        id: r.text(0)?,
        objective_id: r.text(1)?,
        account_id: r.text(2)?,
        workspace_id: r.text(3)?,
        profile_id: r.opt_text(4)?,
        window_id: r.text(5)?,
        data: r.json(6)?,
        created_at_ms: r.int(7)?,
    })
}

/// Events of one objective; `since` keeps only those after that event.
pub fn list_events(
    db: &Db,
    objective_id: &str,
    q: &ListQuery,
    since: Option<&str>,
) -> Result<Listed<ObjectiveEvent>, StoreError> {
    let mut filters = Vec::new();
    if let Some(since) = since {
        filters.push(("e.id > ?".to_owned(), vec![Value::from(since)]));
    }
    let src = Source {
        columns: EVENT_COLS,
        from: "FROM objective_events e",
        count_from: "FROM objective_events e",
        alias: "e",
        scope_col: "e.objective_id",
        scope: objective_id,
        counter: None,
        filters,
        prefix_col: "e.id",
    };
    list::run(db, src, q)?.try_map(|row| event_from(&row).map(EventRecord::into_wire))
}

/// The conversation of one context window, oldest first.
pub fn window_events(
    db: &Db,
    objective_id: &str,
    window_id: &str,
) -> Result<Vec<EventData>, StoreError> {
    let rows = db.exec(
        "SELECT data FROM objective_events WHERE objective_id = ?1 AND window_id = ?2 ORDER BY id",
        &[objective_id.into(), window_id.into()],
    )?;
    rows.rows.iter().map(|r| Row(r).json(0)).collect()
}

// ---- context windows

fn window_from(row: &[Value]) -> Result<ContextWindow, StoreError> {
    let r = Row(row);
    Ok(ContextWindow {
        metadata: OperationMetadata::record(r.text(0)?, r.text(2)?, r.text(3)?, None, r.int(8)?),
        data: ContextWindowData {
            objective_id: r.text(1)?,
            sequence: r.int(4)?,
            prompt_tokens: r.int(5)?,
            completion_tokens: r.int(6)?,
            previous_window_continue_instructions: r.opt_text(7)?,
        },
    })
}

pub fn list_windows(
    db: &Db,
    objective_id: &str,
    q: &ListQuery,
) -> Result<Listed<ContextWindow>, StoreError> {
    let src = Source {
        columns: "w.id, w.objective_id, w.account_id, w.workspace_id, w.sequence, w.prompt_tokens,
                  w.completion_tokens, w.continue_instructions, w.created_at",
        from: "FROM context_windows w",
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

// ---- the tool snapshot

pub fn list_tools(
    db: &Db,
    objective_id: &str,
    q: &ListQuery,
) -> Result<Listed<ObjectiveTool>, StoreError> {
    let src = Source {
        columns: "t.id, t.name, t.snapshot",
        from: "FROM objective_tools t",
        count_from: "FROM objective_tools t",
        alias: "t",
        scope_col: "t.objective_id",
        scope: objective_id,
        counter: None,
        filters: Vec::new(),
        prefix_col: "t.name",
    };
    list::run(db, src, q)?.try_map(|row| {
        let r = Row(&row);
        Ok(ObjectiveTool {
            metadata: BareMetadata {
                id: r.text(0)?,
                name: Some(r.text(1)?),
            },
            snapshot: r.json(2)?,
        })
    })
}

/// Every snapshot tool of an objective (to offer the model, and to execute calls).
pub fn snapshot_tools(db: &Db, objective_id: &str) -> Result<Vec<SnapshotTool>, StoreError> {
    let rows = db.exec(
        "SELECT llm_name, adapter, snapshot FROM objective_tools WHERE objective_id = ?1 ORDER BY llm_name",
        &[objective_id.into()],
    )?;
    rows.rows
        .iter()
        .map(|row| {
            let r = Row(row);
            Ok(SnapshotTool {
                llm_name: r.text(0)?,
                adapter: r.json(1)?,
                tool: r.json(2)?,
            })
        })
        .collect()
}

// ---- tool calls

const CALL_COLS: &str = "c.id, c.objective_id, c.account_id, c.workspace_id, c.window_id, c.status,
    c.execution_status, c.callable, c.target, c.function_name, c.arguments, c.memo, c.result,
    c.error, c.attempts, c.content_deadline, c.changed_by, c.created_at, c.updated_at,
    c.child_objective_id";

fn call_from(row: &[Value]) -> Result<ToolCallRecord, StoreError> {
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

fn call_values(c: &ToolCallRecord) -> Vec<Value> {
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

pub fn list_calls(
    db: &Db,
    objective_id: &str,
    q: &ListQuery,
    status: Option<ToolCallStatus>,
) -> Result<Listed<ObjectiveToolCall>, StoreError> {
    let mut filters = Vec::new();
    if let Some(s) = status {
        filters.push(("c.status = ?".to_owned(), vec![Value::from(s.as_str())]));
    }
    let src = Source {
        columns: CALL_COLS,
        from: "FROM objective_tool_calls c",
        count_from: "FROM objective_tool_calls c",
        alias: "c",
        scope_col: "c.objective_id",
        scope: objective_id,
        counter: None,
        filters,
        prefix_col: "c.function_name",
    };
    list::run(db, src, q)?.try_map(|row| call_from(&row).map(ToolCallRecord::into_wire))
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

// ---- tasks

fn task_from(row: &[Value]) -> Result<ObjectiveTask, StoreError> {
    let r = Row(row);
    let completed_at = r.opt_int(3)?;
    Ok(ObjectiveTask {
        metadata: BareMetadata {
            id: r.text(0)?,
            name: None,
        },
        data: TaskData {
            number: r.int(1)?,
            task: r.text(2)?,
            completed: completed_at.is_some(),
            completed_at: completed_at.map(format_ms),
        },
    })
}

const TASK_COLS: &str = "t.id, t.number, t.task, t.completed_at";

/// Adds a task numbered after the objective's last one.
pub fn create_task(
    db: &Db,
    objective_id: &str,
    id: &str,
    task: &str,
    now_ms: i64,
) -> Result<ObjectiveTask, StoreError> {
    let rows = db.exec(
        &format!(
            "INSERT INTO objective_tasks (id, objective_id, number, task, created_at, updated_at)
             VALUES (?1, ?2, (SELECT COALESCE(MAX(number), 0) + 1 FROM objective_tasks WHERE objective_id = ?2),
                     ?3, ?4, ?4)
             RETURNING {}",
            TASK_COLS.replace("t.", "")
        ),
        &[id.into(), objective_id.into(), task.into(), now_ms.into()],
    )?;
    match rows.rows.first() {
        Some(r) => task_from(r),
        None => Err(StoreError::Backend("task insert returned nothing".into())),
    }
}

/// Changes a task by number; `None` when there is no such task.
pub fn update_task(
    db: &Db,
    objective_id: &str,
    number: i64,
    task: Option<&str>,
    completed: Option<bool>,
    now_ms: i64,
) -> Result<Option<ObjectiveTask>, StoreError> {
    let completed_at = match completed {
        None => "completed_at",
        Some(true) => "COALESCE(completed_at, ?4)",
        Some(false) => "NULL",
    };
    let rows = db.exec(
        &format!(
            "UPDATE objective_tasks SET task = COALESCE(?3, task), completed_at = {completed_at},
                 updated_at = ?4
             WHERE objective_id = ?1 AND number = ?2 RETURNING {}",
            TASK_COLS.replace("t.", "")
        ),
        &[
            objective_id.into(),
            number.into(),
            task.into(),
            now_ms.into(),
        ],
    )?;
    rows.rows.first().map(|r| task_from(r)).transpose()
}

pub fn get_task(
    db: &Db,
    objective_id: &str,
    id: &str,
) -> Result<Option<ObjectiveTask>, StoreError> {
    let row = db.one(
        &format!(
            "SELECT {TASK_COLS} FROM objective_tasks t WHERE t.objective_id = ?1 AND t.id = ?2"
        ),
        &[objective_id.into(), id.into()],
    )?;
    row.map(|r| task_from(&r)).transpose()
}

pub fn list_tasks(
    db: &Db,
    objective_id: &str,
    q: &ListQuery,
) -> Result<Listed<ObjectiveTask>, StoreError> {
    let src = Source {
        columns: TASK_COLS,
        from: "FROM objective_tasks t",
        count_from: "FROM objective_tasks t",
        alias: "t",
        scope_col: "t.objective_id",
        scope: objective_id,
        counter: None,
        filters: Vec::new(),
        prefix_col: "t.task",
    };
    list::run(db, src, q)?.try_map(|row| task_from(&row))
}

/// One event by id.
pub fn get_event(db: &Db, id: &str) -> Result<Option<EventRecord>, StoreError> {
    let row = db.one(
        &format!("SELECT {EVENT_COLS} FROM objective_events e WHERE e.id = ?1"),
        &[id.into()],
    )?;
    row.map(|r| event_from(&r)).transpose()
}

// ---- sub-objectives, output

/// How a child objective stands, as its parent needs to know.
#[derive(Clone, Debug, PartialEq)]
pub struct ChildOutcome {
    pub status: ObjectiveStatus,
    pub status_message: Option<String>,
    pub output: Option<serde_json::Value>,
    /// The text of its last ASSISTANT_MESSAGE.
    pub answer: Option<String>,
}

pub fn child_outcome(db: &Db, id: &str) -> Result<Option<ChildOutcome>, StoreError> {
    let row = db.one(
        "SELECT o.status, o.status_message, json_object('v', json_extract(o.data, '$.output')),
             (SELECT json_extract(e.data, '$.assistantMessage.content') FROM objective_events e
              WHERE e.objective_id = o.id AND e.type = ?2 ORDER BY e.id DESC LIMIT 1)
         FROM objectives o WHERE o.id = ?1",
        &[
            id.into(),
            model::objective::EventType::AssistantMessage
                .as_str()
                .into(),
        ],
    )?;
    let Some(row) = row else { return Ok(None) };
    let r = Row(&row);
    let output = r
        .json::<serde_json::Value>(2)?
        .get_mut("v")
        .map(serde_json::Value::take)
        .filter(|v| !v.is_null());
    Ok(Some(ChildOutcome {
        status: r.wire(0, ObjectiveStatus::parse)?,
        status_message: r.opt_text(1)?,
        output,
        answer: r.opt_text(3)?,
    }))
}

/// Children that have not ended (to cancel with their parent): (id, window id).
pub fn running_children(db: &Db, parent_id: &str) -> Result<Vec<(String, String)>, StoreError> {
    let rows = db.exec(
        &format!(
            "SELECT id, window_id FROM objectives
             WHERE parent_objective_id = ?1 AND status NOT IN ('{}', '{}', '{}', '{}')",
            ObjectiveStatus::Completed.as_str(),
            ObjectiveStatus::Finalized.as_str(),
            ObjectiveStatus::Cancelled.as_str(),
            ObjectiveStatus::Failed.as_str(),
        ),
        &[parent_id.into()],
    )?;
    rows.rows
        .iter()
        .map(|row| {
            let r = Row(row);
            Ok((r.text(0)?, r.text(1)?))
        })
        .collect()
}

/// Sub-objectives started so far (for `maxSubObjectives`).
pub fn count_children(db: &Db, parent_id: &str) -> Result<i64, StoreError> {
    let row = db.one(
        "SELECT COUNT(*) FROM objectives WHERE parent_objective_id = ?1",
        &[parent_id.into()],
    )?;
    row.map_or(Ok(0), |r| Row(&r).int(0))
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

/// Records the structured output in the objective's `data.output`.
pub fn set_output(db: &Db, id: &str, output: &serde_json::Value) -> Result<(), StoreError> {
    db.exec(
        "UPDATE objectives SET data = json_set(data, '$.output', json(?2)) WHERE id = ?1",
        &[id.into(), json_text(output)],
    )?;
    Ok(())
}

// ---- compaction

pub fn set_compact_due(db: &Db, id: &str, due: bool) -> Result<(), StoreError> {
    db.exec(
        "UPDATE objectives SET compact_due = ?2 WHERE id = ?1",
        &[id.into(), due.into()],
    )?;
    Ok(())
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
            None,
            w.created_at_ms,
        ),
        data: ContextWindowData {
            objective_id: w.objective_id.to_owned(),
            sequence: w.sequence,
            prompt_tokens: 0,
            completion_tokens: 0,
            previous_window_continue_instructions: w.continue_instructions.map(str::to_owned),
        },
    })
}

/// Takes the lease whatever the objective's schedule (for `:compact`, which works on
/// waiting and ended objectives); false while someone else holds it.
pub fn claim_idle(
    db: &Db,
    id: &str,
    owner: &str,
    now_ms: i64,
    lease_ms: i64,
) -> Result<bool, StoreError> {
    take_lease(db, id, owner, now_ms, lease_ms, false)
}

/// Up to `limit` events after `after` (from the first without), oldest first.
pub fn events_after(
    db: &Db,
    objective_id: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<EventRecord>, StoreError> {
    let rows = db.exec(
        &format!(
            "SELECT {EVENT_COLS} FROM objective_events e
             WHERE e.objective_id = ?1 AND (?2 IS NULL OR e.id > ?2) ORDER BY e.id LIMIT ?3"
        ),
        &[objective_id.into(), after.into(), limit.into()],
    )?;
    rows.rows.iter().map(|r| event_from(r)).collect()
}
