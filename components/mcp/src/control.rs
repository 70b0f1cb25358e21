//! The control tools: objectives as an MCP client's model needs them — list, read,
//! approve or deny a waiting call, cancel. Each needs the scope its REST twin needs.

use crate::catalog;
use mcp_server::object_result;
use model::enums::WireEnum;
use model::ids::{AgentKind, ObjectiveKind, Ref, ToolCallId};
use model::objective::{Objective, ObjectiveStatus, ToolCallStatus};
use model::scope::{Resource, Scope};
use serde_json::{json, Map, Value};
use store::list::ListQuery;
use store::objectives::{self, ObjectiveFilters};
use web::query::{decode_cursor, encode_cursor};
use web::{ApiError, Ctx};

type Args = Map<String, Value>;

/// Runs control tool `name`; `Err` carries what the model is told (or a failure of the
/// server itself, which the caller answers as such).
pub fn call(ctx: &Ctx, name: &str, args: &Args) -> Result<Value, ApiError> {
    let read = Scope::read(Resource::Objectives);
    let write = Scope::write(Resource::Objectives);
    match name {
        catalog::LIST_OBJECTIVES => ctx.require(read).and_then(|()| list(ctx, args)),
        catalog::GET_OBJECTIVE => ctx.require(read).and_then(|()| get(ctx, args)),
        catalog::APPROVE_TOOL_CALL => ctx.require(write).and_then(|()| steer(ctx, args, true)),
        catalog::DENY_TOOL_CALL => ctx.require(write).and_then(|()| steer(ctx, args, false)),
        catalog::CANCEL_OBJECTIVE => ctx.require(write).and_then(|()| cancel(ctx, args)),
        _ => Err(ApiError::not_found(format!("unknown tool `{name}`"))),
    }
}

fn text<'a>(args: &'a Args, name: &str, required: bool) -> Result<Option<&'a str>, ApiError> {
    match args.get(name) {
        Some(Value::String(s)) => Ok(Some(s)),
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(ApiError::invalid(
            name,
            format!("argument `{name}` is required"),
        )),
        Some(_) => Err(ApiError::invalid(
            name,
            format!("argument `{name}` must be a string"),
        )),
    }
}

fn required<'a>(args: &'a Args, name: &str) -> Result<&'a str, ApiError> {
    text(args, name, true).map(Option::unwrap_or_default)
}

fn only(args: &Args, known: &[&str]) -> Result<(), ApiError> {
    match args.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(ApiError::invalid(k, format!("unknown argument `{k}`"))),
        None => Ok(()),
    }
}

fn objective(ctx: &Ctx, args: &Args) -> Result<Objective, ApiError> {
    let raw = required(args, "objectiveId")?;
    let r: Ref<ObjectiveKind> = Ref::parse(raw).map_err(|e| ApiError::invalid("objectiveId", e))?;
    objectives::get(ctx.db, ctx.workspace()?, &r)?.ok_or_else(|| {
        ApiError::not_found(format!(
            "objective `{raw}` does not exist in this workspace"
        ))
    })
}

fn summary(o: &Objective) -> Value {
    let mut s = json!({
        "id": o.metadata.id,
        "agentId": o.data.agent.metadata.id,
        "agentName": o.data.agent.metadata.name,
        "status": o.status.as_str(),
        "createdAt": o.metadata.created_at,
    });
    if let Some(m) = &o.status_message {
        s["statusMessage"] = json!(m);
    }
    s
}

fn list(ctx: &Ctx, args: &Args) -> Result<Value, ApiError> {
    only(args, &["agentId", "status", "pageSize", "pageToken"])?;
    let limit = match args.get("pageSize") {
        None | Some(Value::Null) => 20,
        Some(v) => match v.as_u64() {
            Some(n @ 1..=100) => n as usize,
            _ => {
                return Err(ApiError::invalid(
                    "pageSize",
                    "argument `pageSize` must be an integer from 1 to 100",
                ))
            }
        },
    };
    let after = text(args, "pageToken", false)?
        .map(|t| {
            decode_cursor(t, false).map_err(|_| {
                ApiError::invalid(
                    "pageToken",
                    "argument `pageToken` is not a nextPageToken this server gave",
                )
            })
        })
        .transpose()?;
    let agent_id = match text(args, "agentId", false)? {
        None => None,
        Some(raw) => {
            let r: Ref<AgentKind> = Ref::parse(raw).map_err(|e| ApiError::invalid("agentId", e))?;
            let agent = store::agents::get(ctx.db, ctx.workspace()?, &r)?.ok_or_else(|| {
                ApiError::not_found(format!("agent `{raw}` does not exist in this workspace"))
            })?;
            Some(agent.metadata.id)
        }
    };
    let status = match text(args, "status", false)? {
        None => None,
        Some(s) => Some(
            ObjectiveStatus::parse(s)
                .filter(|st| !st.is_unspecified())
                .ok_or_else(|| {
                    ApiError::invalid(
                        "status",
                        format!("`{s}` is not an objective status (e.g. OBJECTIVE_STATUS_RUNNING)"),
                    )
                })?,
        ),
    };
    let q = ListQuery {
        limit,
        after,
        ..ListQuery::default()
    };
    let filters = ObjectiveFilters {
        agent_id,
        status,
        ..ObjectiveFilters::default()
    };
    let page = objectives::list(ctx.db, ctx.workspace()?, &q, &filters)?;
    let mut out = json!({"objectives": page.items.iter().map(summary).collect::<Vec<_>>()});
    if let Some(next) = page.next {
        out["nextPageToken"] = json!(encode_cursor(&next, false));
    }
    Ok(object_result(out, json!({})))
}

fn get(ctx: &Ctx, args: &Args) -> Result<Value, ApiError> {
    only(args, &["objectiveId"])?;
    let o = objective(ctx, args)?;
    let id = &o.metadata.id;
    let mut out = summary(&o);
    out["objectiveId"] = out["id"].take();
    if let Some(m) = out.as_object_mut() {
        m.remove("id");
    }
    if let Some(outcome) = objectives::child_outcome(ctx.db, id)? {
        if let Some(a) = outcome.answer.filter(|a| !a.trim().is_empty()) {
            out["answer"] = json!(a);
        }
        if let Some(output) = outcome.output {
            out["output"] = output;
        }
    }
    let q = ListQuery {
        limit: 20,
        ascending: true,
        ..ListQuery::default()
    };
    let waiting = objectives::list_calls(ctx.db, id, &q, Some(ToolCallStatus::WaitingForApproval))?;
    out["waitingToolCalls"] = json!(waiting
        .items
        .iter()
        .map(|c| json!({"toolCallId": c.metadata.id, "toolName": c.data.function_name, "arguments": c.data.arguments}))
        .collect::<Vec<_>>());
    Ok(object_result(out, json!({"cadenya/objectiveId": id})))
}

fn steer(ctx: &Ctx, args: &Args, approve: bool) -> Result<Value, ApiError> {
    if approve {
        only(args, &["objectiveId", "toolCallId"])?;
    } else {
        only(args, &["objectiveId", "toolCallId", "memo"])?;
    }
    let call_raw = required(args, "toolCallId")?;
    let call = ToolCallId::parse(call_raw).map_err(|e| ApiError::invalid("toolCallId", e))?;
    let memo = text(args, "memo", false)?.map(str::to_owned);
    let a = ctx.actor()?;
    let (id, status) = ctx.write(|db| {
        let raw = required(args, "objectiveId")?;
        let r: Ref<ObjectiveKind> =
            Ref::parse(raw).map_err(|e| ApiError::invalid("objectiveId", e))?;
        let id = objectives::resolve(db, ctx.workspace()?, &r)?.ok_or_else(|| {
            ApiError::not_found(format!(
                "objective `{raw}` does not exist in this workspace"
            ))
        })?;
        let record = if approve {
            engine::steer::approve(db, &a, &id, call.as_str())
        } else {
            engine::steer::deny(db, &a, &id, call.as_str(), memo)
        }
        .map_err(ApiError::from)?;
        Ok((id, record.status))
    })?;
    Ok(object_result(
        json!({"objectiveId": id, "toolCallId": call.as_str(), "status": status.as_str()}),
        json!({"cadenya/objectiveId": id}),
    ))
}

fn cancel(ctx: &Ctx, args: &Args) -> Result<Value, ApiError> {
    only(args, &["objectiveId", "reason"])?;
    let reason = text(args, "reason", false)?.map(str::to_owned);
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > model::objective::MAX_MESSAGE_CHARS)
    {
        return Err(ApiError::invalid(
            "reason",
            "must be at most 100000 characters",
        ));
    }
    let a = ctx.actor()?;
    let o = ctx.write(|db| {
        let o = objective(ctx, args)?;
        let window = o
            .info
            .as_ref()
            .map(|i| i.current_context_window_id.clone())
            .unwrap_or_default();
        engine::steer::cancel(db, &a, &o.metadata.id, &window, reason).map_err(ApiError::from)?;
        Ok(o)
    })?;
    let id = o.metadata.id;
    Ok(object_result(
        json!({"objectiveId": id, "status": ObjectiveStatus::Cancelled.as_str()}),
        json!({"cadenya/objectiveId": id}),
    ))
}
