//! Tools the engine itself runs: `task_create` / `task_update` keep the objective's
//! to-do list, `memory_read` / `memory_write` reach its memory stack, and
//! `submit_output` ends it with structured output; `search_tools` (progressive
//! discovery) finds workspace tools and adds them to the objective (run in
//! `run::discover`, since re-ranking makes a request).

use crate::llm::Function;
use model::ids::{MemoryEntryId, TaskKind};
use model::objective::{EventData, MemoryRead};
use ports::Random;
use serde_json::{json, Map, Value};
use store::objectives::RunState;
use store::Db;

pub const TASK_CREATE: &str = "task_create";
pub const TASK_UPDATE: &str = "task_update";
pub const MEMORY_READ: &str = "memory_read";
pub const MEMORY_WRITE: &str = "memory_write";
pub const SUBMIT_OUTPUT: &str = "submit_output";
pub const SEARCH_TOOLS: &str = "search_tools";
/// Reserved: no tool or sub-agent may take these names.
pub const NAMES: &[&str] = &[
    TASK_CREATE,
    TASK_UPDATE,
    MEMORY_READ,
    MEMORY_WRITE,
    SUBMIT_OUTPUT,
    SEARCH_TOOLS,
];

const MAX_TASK_CHARS: usize = 2000;
const MAX_KEY_CHARS: usize = model::memory::MAX_KEY_CHARS;
const MAX_CONTENT_BYTES: usize = model::memory::MAX_CONTENT_BYTES;
/// Invalid `submit_output` calls an objective may make before it fails.
pub const MAX_OUTPUT_ATTEMPTS: i64 = 3;

fn object(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// The built-ins this objective offers: memory tools only with memory, `memory_write`
/// only with an episodic layer, `submit_output` only with an output definition,
/// `search_tools` only with the variation's `progressiveDiscovery`.
pub fn offered(state: &RunState) -> Vec<&'static str> {
    let mut names = vec![TASK_CREATE, TASK_UPDATE];
    if state
        .data
        .agent_variation
        .spec
        .progressive_discovery
        .is_some()
    {
        names.push(SEARCH_TOOLS);
    }
    if !state.memory_stack.is_empty() {
        names.push(MEMORY_READ);
    }
    if state.episodic_layer_id.is_some() {
        names.push(MEMORY_WRITE);
    }
    if state.data.output_definition.is_some() {
        names.push(SUBMIT_OUTPUT);
    }
    names
}

pub fn functions(state: &RunState) -> Vec<Function> {
    let offered = offered(state);
    let mut out = task_functions();
    if offered.contains(&MEMORY_READ) {
        out.push(Function::new(
            MEMORY_READ,
            "Look up a key in your memory. Returns the stored content, or says the key is not found.",
            &object(json!({
                "type": "object",
                "properties": {"key": {"type": "string", "description": "The key to look up."}},
                "required": ["key"]
            })),
        ));
    }
    if offered.contains(&MEMORY_WRITE) {
        out.push(Function::new(
            MEMORY_WRITE,
            "Remember something for later objectives of this episode: stores content under a key (replacing what was there).",
            &object(json!({
                "type": "object",
                "properties": {
                    "key": {"type": "string", "description": "The key to store under."},
                    "content": {"type": "string", "description": "What to remember."}
                },
                "required": ["key", "content"]
            })),
        ));
    }
    if offered.contains(&SEARCH_TOOLS) {
        out.push(Function::new(
            SEARCH_TOOLS,
            "Find more tools for the task: searches the workspace's tools by what they do. The tools found become callable from your next turn.",
            &object(json!({
                "type": "object",
                "properties": {"query": {"type": "string", "description": "What you need a tool for, in a few words."}},
                "required": ["query"]
            })),
        ));
    }
    if let Some(schema) = &state.data.output_definition {
        out.push(Function::new(
            SUBMIT_OUTPUT,
            "Submit the final output of this objective. Call it exactly once, when you are done; the arguments must match the schema.",
            schema,
        ));
    }
    out
}

fn task_functions() -> Vec<Function> {
    vec![
        Function::new(
            TASK_CREATE,
            "Add a task to your to-do list for this objective. Returns the task's number.",
            &object(json!({
                "type": "object",
                "properties": {"task": {"type": "string", "description": "What needs doing."}},
                "required": ["task"]
            })),
        ),
        Function::new(
            TASK_UPDATE,
            "Change a task on your to-do list: mark it completed (or not) and/or reword it.",
            &object(json!({
                "type": "object",
                "properties": {
                    "number": {"type": "integer", "description": "The task's number."},
                    "completed": {"type": "boolean"},
                    "task": {"type": "string"}
                },
                "required": ["number"]
            })),
        ),
    ]
}

/// What a built-in did.
#[derive(Debug)]
pub struct Done {
    /// `Ok`: the text the model gets back; `Err`: a tool error.
    pub result: Result<String, String>,
    /// Events to record between TOOL_CALLED and the result (MEMORY_READ).
    pub events: Vec<EventData>,
    /// `submit_output` accepted this output: the objective is FINALIZED.
    pub output: Option<Value>,
}

impl Done {
    fn answer(result: Result<String, String>) -> Self {
        Done {
            result,
            events: Vec::new(),
            output: None,
        }
    }
}

/// Runs a built-in of `state`'s objective.
pub fn run(
    db: &Db,
    random: &dyn Random,
    state: &RunState,
    name: &str,
    args: &Map<String, Value>,
    now_ms: i64,
) -> Result<Done, store::StoreError> {
    match name {
        MEMORY_READ => memory_read(db, state, args, now_ms),
        MEMORY_WRITE => memory_write(db, random, state, args, now_ms),
        SUBMIT_OUTPUT => Ok(submit_output(state, args)),
        _ => Ok(Done::answer(tasks(
            db, random, &state.id, name, args, now_ms,
        )?)),
    }
}

/// How long a text argument may be.
#[derive(Clone, Copy)]
enum Limit {
    Chars(usize),
    Bytes(usize),
}

/// A string argument: absent (or null) is `None`; blank, too long or not a string is
/// the tool error naming it.
fn optional_text<'a>(
    args: &'a Map<String, Value>,
    key: &str,
    limit: Limit,
) -> Result<Option<&'a str>, String> {
    let too_long = |s: &str| match limit {
        Limit::Chars(n) if s.chars().count() > n => Some(format!("{n} characters")),
        Limit::Bytes(n) if s.len() > n => Some(format!("{n} bytes")),
        _ => None,
    };
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Err(format!("`{key}` may not be blank")),
        Some(Value::String(s)) => match too_long(s) {
            Some(max) => Err(format!("`{key}` must be at most {max}")),
            None => Ok(Some(s)),
        },
        Some(_) => Err(format!("`{key}` must be a string")),
    }
}

fn required_text<'a>(
    args: &'a Map<String, Value>,
    key: &str,
    limit: Limit,
) -> Result<&'a str, String> {
    optional_text(args, key, limit)?.ok_or_else(|| format!("`{key}` is required"))
}

/// Top-down through the stack (the last layer is the top); the first live entry wins.
fn memory_read(
    db: &Db,
    state: &RunState,
    args: &Map<String, Value>,
    now_ms: i64,
) -> Result<Done, store::StoreError> {
    let key = match required_text(args, "key", Limit::Bytes(MAX_KEY_CHARS)) {
        Ok(k) => k,
        Err(e) => return Ok(Done::answer(Err(e))),
    };
    for layer in state.memory_stack.iter().rev() {
        let pinned = layer.memory_entry_id.as_deref();
        if let Some(hit) =
            store::memory::resolve_key(db, &layer.memory_layer_id, pinned, key, now_ms)?
        {
            let name = store::memory::layer_name(db, &layer.memory_layer_id)?
                .unwrap_or_else(|| layer.memory_layer_id.clone());
            return Ok(Done {
                result: Ok(hit.content),
                events: vec![EventData::MemoryRead {
                    memory_read: MemoryRead {
                        memory_entry_id: hit.entry_id,
                        memory_layer_id: layer.memory_layer_id.clone(),
                        message: format!("Resolved key `{key}` from layer `{name}`"),
                    },
                }],
                output: None,
            });
        }
    }
    Ok(Done::answer(Ok(format!(
        "No memory entry has the key `{key}`."
    ))))
}

fn memory_write(
    db: &Db,
    random: &dyn Random,
    state: &RunState,
    args: &Map<String, Value>,
    now_ms: i64,
) -> Result<Done, store::StoreError> {
    let fail = |e: String| Ok(Done::answer(Err(e)));
    let Some(layer_id) = &state.episodic_layer_id else {
        return fail("this objective has no episodic memory to write to".into());
    };
    let key = match required_text(args, "key", Limit::Bytes(MAX_KEY_CHARS)) {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let content = match required_text(args, "content", Limit::Bytes(MAX_CONTENT_BYTES)) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let ttl = state
        .data
        .agent_variation
        .spec
        .episodic_memory_ttl
        .filter(|t| *t > 0);
    let writer = store::memory::Writer {
        account_id: &state.account_id,
        workspace_id: &state.workspace_id,
        profile_id: state.data.agent.metadata.profile_id.as_str(),
        now_ms,
    };
    let entry_id = MemoryEntryId::generate(now_ms, random.next_u128()).into_string();
    store::memory::write_episodic(
        db,
        &writer,
        layer_id,
        &entry_id,
        key,
        content,
        ttl.map(|t| now_ms + t * 1000),
    )?;
    Ok(Done::answer(Ok(format!("Saved `{key}`."))))
}

/// Checks the arguments against the output definition.
fn submit_output(state: &RunState, args: &Map<String, Value>) -> Done {
    let output = Value::Object(args.clone());
    let Some(schema) = &state.data.output_definition else {
        return Done::answer(Err("this objective has no outputDefinition".into()));
    };
    let found = model::json_schema::violations(&Value::Object(schema.clone()), &output, "output");
    if !found.is_empty() {
        let list = found
            .into_iter()
            .map(|(field, message)| format!("{field}: {message}"))
            .collect::<Vec<_>>()
            .join("; ");
        return Done::answer(Err(format!(
            "the output does not match the outputDefinition: {list}. Fix it and call submit_output again."
        )));
    }
    Done {
        result: Ok("Output accepted.".into()),
        events: Vec::new(),
        output: Some(output),
    }
}

/// `task_create` / `task_update`.
fn tasks(
    db: &Db,
    random: &dyn Random,
    objective_id: &str,
    name: &str,
    args: &Map<String, Value>,
    now_ms: i64,
) -> Result<Result<String, String>, store::StoreError> {
    let text = |key: &str| {
        optional_text(args, key, Limit::Chars(MAX_TASK_CHARS)).map(|t| t.map(str::to_owned))
    };
    match name {
        TASK_CREATE => {
            let task = match text("task") {
                Ok(Some(t)) => t,
                Ok(None) => return Ok(Err("`task` is required".into())),
                Err(e) => return Ok(Err(e)),
            };
            let id = store::objectives::next_id::<TaskKind>(
                db,
                objective_id,
                now_ms,
                random.next_u128(),
            )?;
            let t = store::objectives::create_task(db, objective_id, id.as_str(), &task, now_ms)?;
            Ok(Ok(format!(
                "Created task #{}: {}",
                t.data.number, t.data.task
            )))
        }
        TASK_UPDATE => {
            let Some(number) = args.get("number").and_then(Value::as_i64) else {
                return Ok(Err("`number` is required and must be an integer".into()));
            };
            let task = match text("task") {
                Ok(t) => t,
                Err(e) => return Ok(Err(e)),
            };
            let completed = match args.get("completed") {
                None | Some(Value::Null) => None,
                Some(Value::Bool(b)) => Some(*b),
                Some(_) => return Ok(Err("`completed` must be true or false".into())),
            };
            match store::objectives::update_task(
                db,
                objective_id,
                number,
                task.as_deref(),
                completed,
                now_ms,
            )? {
                Some(t) => Ok(Ok(format!(
                    "Task #{} is now {}: {}",
                    t.data.number,
                    if t.data.completed {
                        "completed"
                    } else {
                        "open"
                    },
                    t.data.task
                ))),
                None => Ok(Err(format!("there is no task #{number}"))),
            }
        }
        other => Ok(Err(format!("unknown built-in tool `{other}`"))),
    }
}
