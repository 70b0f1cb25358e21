//! Objective handlers: thin translations between HTTP and `engine`/`store`.

use engine::create::{Creator, Origin};
use model::ids::{AgentKind, EventId, EventKind, Id, ObjectiveKind, Ref, TaskId, ToolCallId};
use model::objective::{
    CancelRequest, CompactRequest, CompactResponse, ContextWindowData, ContinueRequest,
    CreateObjectiveRequest, DenyRequest, Objective, ObjectiveStatus, SetContentRequest,
    ToolCallStatus,
};
use model::scope::{Resource, Scope};
use serde::de::DeserializeOwned;
use store::objectives::{self as objectives, ObjectiveFilters};
use store::Db;
use web::{ApiError, Ctx, HandlerResult, Reply};

/// A body that may be empty (`{}` implied).
fn optional_json<T: DeserializeOwned + Default>(ctx: &Ctx) -> Result<T, ApiError> {
    if ctx.body.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        ctx.json()
    }
}

/// The objective named by path parameter `name`, resolved to its id in this workspace.
fn objective_id(ctx: &Ctx, db: &Db, name: &str) -> Result<String, ApiError> {
    named(ctx, db, name, objectives::resolve)
}

/// The objective named by path parameter `name`, whole, in one lookup.
fn find(ctx: &Ctx, db: &Db, name: &str) -> Result<Objective, ApiError> {
    named(ctx, db, name, objectives::get)
}

/// What `get` reads for the objective path parameter `name` names, or 404.
fn named<T>(
    ctx: &Ctx,
    db: &Db,
    name: &str,
    get: impl FnOnce(&Db, &str, &Ref<ObjectiveKind>) -> Result<Option<T>, store::StoreError>,
) -> Result<T, ApiError> {
    let r: Ref<ObjectiveKind> = ctx.reference(name)?;
    get(db, ctx.workspace()?, &r)?.ok_or_else(|| {
        ApiError::not_found(format!(
            "objective `{}` does not exist in this workspace",
            ctx.param(name)
        ))
    })
}

/// The objective `id` (already resolved in this workspace) as its records show it.
fn owner(db: &Db, id: &str) -> Result<objectives::Owner, ApiError> {
    objectives::owner(db, id)?
        .ok_or_else(|| ApiError::not_found(format!("objective `{id}` does not exist")))
}

fn load(ctx: &Ctx, db: &Db, id: &str) -> Result<Objective, ApiError> {
    let r = Ref::Id(model::ids::ObjectiveId::parse(id).map_err(|_| ApiError::internal())?);
    objectives::get(db, ctx.workspace()?, &r)?.ok_or_else(|| {
        ApiError::not_found(format!("objective `{id}` does not exist in this workspace"))
    })
}

/// Hands the objective to the engine once the response is out (not for dry runs).
fn kick(ctx: &Ctx, id: &str) {
    if !ctx.dry_run {
        ctx.defer(id);
    }
}

pub fn create(ctx: &Ctx) -> HandlerResult {
    let body: CreateObjectiveRequest = ctx.json()?;
    let p = ctx.principal()?;
    // the keyring only when there is something to seal: a bad key variable then answers
    // with its name, and objectives without secrets never depend on it
    let keys = match body.secrets.as_ref().is_some_and(|s| !s.is_empty()) {
        true => Some(
            engine::secrets::keyring(ctx.env.vars)
                .map_err(|e| ApiError::failed_precondition(e.to_string()))?,
        ),
        false => None,
    };
    let who = Creator {
        account_id: &p.account_id,
        workspace_id: ctx.workspace()?,
        profile_id: Some(&p.profile_id),
        may_use_drafts: p.scopes.allows(Scope::write(Resource::Agents)),
        keys: keys.as_ref(),
    };
    let objective = ctx.write(|db| {
        let id = engine::create::create(
            db,
            ctx.env.random,
            ctx.now_ms,
            &who,
            body,
            Origin::default(),
        )
        .map_err(ApiError::from)?;
        load(ctx, db, &id)
    })?;
    kick(ctx, &objective.metadata.id);
    Ok(ctx.created(&objective))
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    Ok(Reply::ok(&find(ctx, ctx.db, "id")?))
}

pub fn list(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query()?;
    let query = ctx.query;
    let filters = ObjectiveFilters {
        agent_id: query.id::<AgentKind>("agentId")?.map(Id::into_string),
        status: query.wire::<ObjectiveStatus>(
            "status",
            "an objective status (e.g. OBJECTIVE_STATUS_RUNNING)",
        )?,
        parent_objective_id: query
            .id::<ObjectiveKind>("parentObjectiveId")?
            .map(Id::into_string),
        source_schedule_id: query.text("sourceScheduleId").map(str::to_owned),
    };
    let page = objectives::list(ctx.db, ctx.workspace()?, &q, &filters)?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}

pub fn events(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query_ascending()?;
    let since = ctx.query.id::<EventKind>("sinceEventId")?;
    let id = objective_id(ctx, ctx.db, "objectiveId")?;
    let page = objectives::list_events(ctx.db, &id, &q, since.as_ref().map(|s| s.as_str()))?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}

pub fn stream_events(ctx: &Ctx) -> HandlerResult {
    let header = ctx
        .headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let (field, given) = match header {
        Some(h) => ("Last-Event-ID", Some(h)),
        None => (
            "lastEventId",
            ctx.query.get("lastEventId").filter(|v| !v.is_empty()),
        ),
    };
    let after = match given {
        Some(s) => Some(
            EventId::parse(s)
                .map_err(|e| ApiError::invalid(field, e))?
                .into_string(),
        ),
        None => None,
    };
    let id = objective_id(ctx, ctx.db, "objectiveId")?;
    let start = crate::stream::Start {
        objective_id: id,
        after,
    };
    ctx.stream_after(serde_json::to_string(&start).map_err(|_| ApiError::internal())?);
    Ok(Reply::event_stream())
}

pub fn resume(ctx: &Ctx) -> HandlerResult {
    let body: ContinueRequest = ctx.json()?;
    let a = ctx.actor()?;
    let (event, owner) = ctx.write(|db| {
        let o = find(ctx, db, "id")?;
        let owner = objectives::Owner::of(&o);
        let id = o.metadata.id.clone();
        let window = o
            .info
            .map(|i| i.current_context_window_id)
            .unwrap_or_default();
        let event =
            engine::steer::resume(db, &a, &id, &window, body.message).map_err(ApiError::from)?;
        Ok((event, owner))
    })?;
    kick(ctx, &event.objective_id);
    Ok(Reply::ok(&event.into_wire(&owner)))
}

pub fn cancel(ctx: &Ctx) -> HandlerResult {
    let body: CancelRequest = optional_json(ctx)?;
    if let Some(r) = &body.reason {
        if r.chars().count() > model::objective::MAX_MESSAGE_CHARS {
            return Err(ApiError::invalid(
                "reason",
                "must be at most 100000 characters",
            ));
        }
    }
    let a = ctx.actor()?;
    let objective = ctx.write(|db| {
        let o = find(ctx, db, "id")?;
        let id = o.metadata.id.clone();
        let window = o
            .info
            .map(|i| i.current_context_window_id)
            .unwrap_or_default();
        engine::steer::cancel(db, &a, &id, &window, body.reason).map_err(ApiError::from)?;
        load(ctx, db, &id)
    })?;
    Ok(Reply::ok(&objective))
}

pub fn compact(ctx: &Ctx) -> HandlerResult {
    let body: CompactRequest = optional_json(ctx)?;
    let mut v = model::violations::Violations::new();
    let config = body
        .compaction_config
        .map(|c| c.validate("compactionConfig", &mut v));
    v.finish(())?;
    let o = find(ctx, ctx.db, "id")?;
    let id = o.metadata.id.clone();
    if ctx.dry_run {
        let window = o.info.as_ref().map(|i| i.current_context_window_id.clone());
        if let Some(why) =
            engine::run::compact::refusal(ctx.db, &id, o.status, &window.unwrap_or_default())?
        {
            return Err(ApiError::failed_precondition(why));
        }
        let sequence = o.info.as_ref().map_or(1, |i| i.total_context_windows) + 1;
        let preview = ContextWindowData {
            objective_id: id,
            sequence,
            prompt_tokens: 0,
            completion_tokens: 0,
            previous_window_continue_instructions: None,
        };
        return Ok(Reply::ok(&CompactResponse {
            context_window: preview,
        }));
    }
    let window = engine::run::compact::compact_now(ctx.env, &id, config.as_ref())?;
    Ok(Reply::ok(&CompactResponse {
        context_window: window.data,
    }))
}

pub fn tool_calls(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query_ascending()?;
    let status = ctx.query.wire::<ToolCallStatus>(
        "status",
        "a tool call status (e.g. TOOL_CALL_STATUS_WAITING_FOR_APPROVAL)",
    )?;
    let id = objective_id(ctx, ctx.db, "objectiveId")?;
    let page = objectives::list_calls(ctx.db, &id, &q, status)?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}

/// The workspace's tool calls (the approvals inbox with a status filter).
pub fn workspace_tool_calls(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query()?;
    let status = ctx.query.wire::<ToolCallStatus>(
        "status",
        "a tool call status (e.g. TOOL_CALL_STATUS_WAITING_FOR_APPROVAL)",
    )?;
    let page = objectives::list_workspace_calls(ctx.db, ctx.workspace()?, &q, status)?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}

fn call_id(ctx: &Ctx) -> Result<ToolCallId, ApiError> {
    ctx.id("id")
}

pub fn tool_call(ctx: &Ctx) -> HandlerResult {
    let call = call_id(ctx)?;
    let id = objective_id(ctx, ctx.db, "objectiveId")?;
    let c = objectives::get_call(ctx.db, &id, call.as_str())?.ok_or_else(|| {
        ApiError::not_found(format!("objective `{id}` has no tool call `{call}`"))
    })?;
    let owner = owner(ctx.db, &id)?;
    Ok(Reply::ok(&objectives::wire_call(ctx.db, c, &owner)?))
}

/// Approve, deny and setContent share their shape: one transaction, then a kick.
fn steer_call(
    ctx: &Ctx,
    f: impl FnOnce(
        &Db,
        &engine::steer::Actor,
        &str,
        &str,
    ) -> Result<store::objectives::ToolCallRecord, engine::Error>,
) -> HandlerResult {
    let call = call_id(ctx)?;
    let a = ctx.actor()?;
    let (wire, objective) = ctx.write(|db| {
        let id = objective_id(ctx, db, "objectiveId")?;
        let record = f(db, &a, &id, call.as_str()).map_err(ApiError::from)?;
        let owner = owner(db, &id)?;
        Ok((objectives::wire_call(db, record, &owner)?, id))
    })?;
    kick(ctx, &objective);
    Ok(Reply::ok(&wire))
}

pub fn approve(ctx: &Ctx) -> HandlerResult {
    ctx.empty_body()?;
    steer_call(ctx, engine::steer::approve)
}

pub fn deny(ctx: &Ctx) -> HandlerResult {
    let body: DenyRequest = optional_json(ctx)?;
    steer_call(ctx, |db, a, o, c| {
        engine::steer::deny(db, a, o, c, body.memo)
    })
}

pub fn set_content(ctx: &Ctx) -> HandlerResult {
    let body: SetContentRequest = ctx.json()?;
    steer_call(ctx, |db, a, o, c| {
        engine::steer::set_content(db, a, o, c, body.content)
    })
}

pub fn tools(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query_ascending()?;
    let id = objective_id(ctx, ctx.db, "objectiveId")?;
    Ok(Reply::ok(
        &ctx.page(objectives::list_tools(ctx.db, &id, &q)?, &q),
    ))
}

pub fn tasks(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query_ascending()?;
    let id = objective_id(ctx, ctx.db, "objectiveId")?;
    Ok(Reply::ok(
        &ctx.page(objectives::list_tasks(ctx.db, &id, &q)?, &q),
    ))
}

pub fn task(ctx: &Ctx) -> HandlerResult {
    let task: TaskId = ctx.id("id")?;
    let id = objective_id(ctx, ctx.db, "objectiveId")?;
    let t = objectives::get_task(ctx.db, &id, task.as_str())?
        .ok_or_else(|| ApiError::not_found(format!("objective `{id}` has no task `{task}`")))?;
    Ok(Reply::ok(&t))
}

pub fn context_windows(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query_ascending()?;
    let id = objective_id(ctx, ctx.db, "objectiveId")?;
    Ok(Reply::ok(
        &ctx.page(objectives::list_windows(ctx.db, &id, &q)?, &q),
    ))
}

pub fn create_feedback(ctx: &Ctx) -> HandlerResult {
    // serde would also read `{"data": [0.5]}` as a struct; only an object is meant
    if let Some(data) = ctx.json_value()?.get("data") {
        if !data.is_object() {
            return Err(ApiError::invalid(
                "data",
                "must be an object {score, comment?}",
            ));
        }
    }
    let body: model::objective::CreateFeedbackRequest = ctx.json()?;
    let mut v = model::Violations::new();
    if !(-1.0..=1.0).contains(&body.data.score) || !body.data.score.is_finite() {
        v.add("data.score", "must be between -1 and 1");
    }
    if body
        .data
        .comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > model::objective::MAX_COMMENT_CHARS)
    {
        v.add("data.comment", "must be at most 10000 characters");
    }
    let (external_id, labels) =
        model::objective::OperationMetadataInput::validate(body.metadata.as_ref(), &mut v);
    v.finish(())?;
    let p = ctx.principal()?;
    let feedback = ctx.write(|db| {
        let o = find(ctx, db, "objectiveId")?;
        let id = o.metadata.id.clone();
        if o.info.as_ref().map_or(0, |i| i.total_iterations) == 0 {
            return Err(ApiError::failed_precondition(format!(
                "objective `{id}` has not run yet (no model answer); give feedback once it has"
            )));
        }
        let fid: model::ids::FeedbackId = ctx.new_id();
        let feedback = model::objective::ObjectiveFeedback {
            metadata: model::metadata::OperationMetadata {
                id: fid.into_string(),
                account_id: p.account_id.clone(),
                workspace_id: ctx.workspace()?.to_owned(),
                profile_id: p.profile_id.clone(),
                created_at: model::time::format_ms(ctx.now_ms),
                external_id: external_id.clone(),
                labels: labels.clone(),
            },
            data: body.data.clone(),
            info: None,
        };
        store::feedback::insert(
            db,
            &feedback,
            &o.data.agent.metadata.id,
            &o.data.agent_variation.metadata.id,
            &id,
        )?;
        store::feedback::get(db, &feedback.metadata.id)?.ok_or_else(ApiError::internal)
    })?;
    Ok(ctx.created(&feedback))
}

pub fn list_feedback(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query()?;
    let id = objective_id(ctx, ctx.db, "objectiveId")?;
    Ok(Reply::ok(&ctx.page(
        store::feedback::list_of_objective(ctx.db, &id, &q)?,
        &q,
    )))
}
