//! Tools every objective has, run inside the engine: `task_create` and `task_update`
//! keep the objective's to-do list (`ObjectiveTask`s).

use crate::llm::Function;
use model::ids::TaskKind;
use ports::Random;
use serde_json::{json, Map, Value};
use store::Db;

pub const TASK_CREATE: &str = "task_create";
pub const TASK_UPDATE: &str = "task_update";
pub const NAMES: &[&str] = &[TASK_CREATE, TASK_UPDATE];

const MAX_TASK_CHARS: usize = 2000;

pub fn functions() -> Vec<Function> {
    let object = |v: Value| v.as_object().cloned().unwrap_or_default();
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

/// Runs a built-in; `Ok` is the text the model gets back, `Err` a tool error.
pub fn run(
    db: &Db,
    random: &dyn Random,
    objective_id: &str,
    name: &str,
    args: &Map<String, Value>,
    now_ms: i64,
) -> Result<Result<String, String>, store::StoreError> {
    let text = |key: &str| -> Result<Option<String>, String> {
        match args.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => {
                Err(format!("`{key}` may not be blank"))
            }
            Some(Value::String(s)) if s.chars().count() > MAX_TASK_CHARS => Err(format!(
                "`{key}` must be at most {MAX_TASK_CHARS} characters"
            )),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("`{key}` must be a string")),
        }
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
                "objective_tasks",
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
