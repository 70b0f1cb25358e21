//! Agent handlers.

use api::Operation;
use model::agent::{Agent, CreateAgentRequest, UpdateAgentRequest, AGENT_SECTIONS};
use model::enums::AgentStatus;
use model::ids::{AgentKind, Ref};
use model::Violations;
use store::agents::AgentFilter;
use store::Db;
use web::cache::{CacheRead, Changed};
use web::{ensure_unassigned, ApiError, Assigned, Ctx, HandlerResult, Hint, Reply};

pub fn create(ctx: &Ctx) -> HandlerResult {
    let body: CreateAgentRequest = ctx.json()?;
    let (metadata, spec) =
        ctx.new_resource::<AgentKind, _>(&body.metadata, |v| body.spec.validate("spec", v))?;
    let agent = Agent {
        metadata,
        spec,
        info: None,
    };
    ctx.write_single(|db| Ok(store::agents::insert(db, &agent)?))?;
    ctx.invalidate(&[Changed::Agents {
        workspace: ctx.workspace()?,
    }])?;
    Ok(ctx.created(&agent))
}

/// Served from the key-value store until the agent, its variations (counted in
/// `info`) or its creator's name change.
pub fn get(ctx: &Ctx) -> HandlerResult {
    let Ref::Id(id) = ctx.reference::<AgentKind>("id")? else {
        return Ok(Reply::ok(&load(ctx, ctx.db)?));
    };
    let account = &ctx.principal()?.account_id;
    ctx.cached(&agent_read(ctx.workspace()?, id.as_str(), account), || {
        load(ctx, ctx.db)
    })
}

/// Served from the key-value store until any agent of the workspace changes.
pub fn list(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query()?;
    let status = ctx.query.wire::<AgentStatus>(
        "status",
        "one of AGENT_STATUS_DRAFT, AGENT_STATUS_PUBLISHED, AGENT_STATUS_ARCHIVED",
    )?;
    let ws = ctx.workspace()?;
    let account = &ctx.principal()?.account_id;
    ctx.cached(&list_read(ws, &ctx.query.canonical(), account), || {
        let page = store::agents::list(ctx.db, ws, &q, &AgentFilter { status })?;
        Ok(ctx.page(page, &q))
    })
}

/// The cache entry of `GET …/agents/{id}`.
fn agent_read(workspace: &str, id: &str, account: &str) -> CacheRead {
    CacheRead::new(
        format!("c:agent:{workspace}:{id}"),
        &[Changed::Agent { id }, Changed::Profiles { account }],
    )
}

/// The cache entry of one agent list query (parameters in canonical order).
fn list_read(workspace: &str, canonical_query: &str, account: &str) -> CacheRead {
    CacheRead::new(
        format!("c:agents:{workspace}:{canonical_query}"),
        &[Changed::Agents { workspace }, Changed::Profiles { account }],
    )
}

/// What [`get`] and [`list`] will read, fetched with the caller's key state.
pub fn prefetch(op: &Operation, hint: &Hint<'_>) -> Option<CacheRead> {
    let ws = hint.workspace_id?;
    if op.id == api::agents::GET_AGENT.id {
        let id = hint.param("id").filter(|id| id.starts_with("agent_"))?;
        Some(agent_read(ws, id, hint.account_id))
    } else if op.id == api::agents::LIST_AGENTS.id {
        let query = web::query::Query::parse(hint.query).ok()?;
        Some(list_read(ws, &query.canonical(), hint.account_id))
    } else {
        None
    }
}

pub fn update(ctx: &Ctx) -> HandlerResult {
    // Typed first, so wrong types and unknown fields are named precisely.
    let typed: UpdateAgentRequest = ctx.json()?;
    let agent = ctx.write(|db| {
        let current = load(ctx, db)?;
        let merged: CreateAgentRequest = ctx.merge(
            current.input_view(),
            AGENT_SECTIONS,
            typed.update_mask.as_deref(),
        )?;
        let mut v = Violations::new();
        let fields = merged.metadata.validate_fields("metadata", &mut v);
        let spec = merged.spec.validate("spec", &mut v);
        v.finish(())?;
        let mut agent = current;
        agent.info = None;
        agent
            .metadata
            .update(fields, model::time::format_ms(ctx.now_ms));
        agent.spec = spec;
        store::agents::update(db, &agent)?;
        Ok(agent)
    })?;
    changed(ctx, &agent.metadata.id)?;
    Ok(Reply::ok(&agent))
}

pub fn delete(ctx: &Ctx) -> HandlerResult {
    let ws = ctx.workspace()?;
    ctx.write(|db| {
        let agent = load(ctx, db)?;
        // Its own variations go with it; other agents' variations using it as a
        // sub-agent must let go first.
        ensure_unassigned(
            db,
            Assigned::SubAgent(&agent.metadata.id),
            &format!("agent {} (as a sub-agent)", agent.metadata.id),
        )?;
        store::agents::delete(db, ws, &agent.metadata.id)?;
        Ok(agent.metadata.id)
    })
    .and_then(|id| changed(ctx, &id))?;
    Ok(Reply::no_content())
}

pub fn publish(ctx: &Ctx) -> HandlerResult {
    transition(ctx, AgentStatus::Published)
}

pub fn unpublish(ctx: &Ctx) -> HandlerResult {
    transition(ctx, AgentStatus::Draft)
}

pub fn archive(ctx: &Ctx) -> HandlerResult {
    transition(ctx, AgentStatus::Archived)
}

pub fn unarchive(ctx: &Ctx) -> HandlerResult {
    transition(ctx, AgentStatus::Unspecified)
}

/// Lifecycle moves. Archived agents must be unarchived (back to DRAFT) before being
/// published or unpublished; repeating a move is a no-op. `Unspecified` means unarchive.
fn transition(ctx: &Ctx, to: AgentStatus) -> HandlerResult {
    ctx.empty_body()?;
    let agent = ctx.write(|db| {
        let mut agent = load(ctx, db)?;
        let from = agent.spec.status;
        let target = match (from, to) {
            (AgentStatus::Archived, AgentStatus::Unspecified) => AgentStatus::Draft,
            (_, AgentStatus::Unspecified) => {
                return Err(ApiError::failed_precondition(format!(
                    "agent is {}, not archived",
                    from.as_str()
                )))
            }
            (AgentStatus::Archived, AgentStatus::Published | AgentStatus::Draft) => {
                return Err(ApiError::failed_precondition(
                    "agent is archived; :unarchive it first",
                ))
            }
            (_, t) => t,
        };
        agent.info = None;
        if target != from {
            agent.spec.status = target;
            agent.metadata.updated_at = model::time::format_ms(ctx.now_ms);
            store::agents::update(db, &agent)?;
        }
        Ok(agent)
    })?;
    changed(ctx, &agent.metadata.id)?;
    Ok(Reply::ok(&agent))
}

/// Invalidates what reads of agent `id` cached (after a committed write).
fn changed(ctx: &Ctx, id: &str) -> Result<(), ApiError> {
    ctx.invalidate(&web::cache::agent(id, ctx.workspace()?))
}

/// The agent the path names, or 404.
fn load(ctx: &Ctx, db: &Db) -> Result<Agent, ApiError> {
    ctx.lookup(db, "id", "agent", store::agents::get)
}
