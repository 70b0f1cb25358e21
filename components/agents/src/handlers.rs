//! Agent handlers.

use model::agent::{Agent, CreateAgentRequest, UpdateAgentRequest, AGENT_SECTIONS};
use model::enums::AgentStatus;
use model::ids::{AgentId, AgentKind, Ref};
use model::Violations;
use store::agents::AgentFilter;
use web::{ApiError, Ctx, HandlerResult, Reply};

pub fn create(ctx: &Ctx) -> HandlerResult {
    let body: CreateAgentRequest = ctx.json()?;
    let mut v = Violations::new();
    let fields = body
        .metadata
        .validate_create("metadata", &ctx.owner()?, &mut v);
    let spec = body.spec.validate("spec", &mut v);
    v.finish(())?;
    let id: AgentId = ctx.new_id();
    let agent = Agent {
        metadata: ctx.new_metadata(id.into_string(), fields)?,
        spec,
        info: None,
    };
    ctx.write_single(|db| Ok(store::agents::insert(db, &agent)?))?;
    Ok(ctx.created(&agent))
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    let r = reference(ctx)?;
    let agent = store::agents::get(ctx.db, ctx.workspace()?, &r)?.ok_or_else(|| not_found(ctx))?;
    Ok(Reply::ok(&agent))
}

pub fn list(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query()?;
    let status = ctx
        .query
        .get("status")
        .map(|s| match AgentStatus::parse(s) {
            Some(AgentStatus::Unspecified) | None => Err(ApiError::invalid(
                "status",
                format!("`{s}` is not one of AGENT_STATUS_DRAFT, AGENT_STATUS_PUBLISHED, AGENT_STATUS_ARCHIVED"),
            )),
            Some(st) => Ok(st),
        })
        .transpose()?;
    let page = store::agents::list(ctx.db, ctx.workspace()?, &q, &AgentFilter { status })?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}

pub fn update(ctx: &Ctx) -> HandlerResult {
    // Typed first, so wrong types and unknown fields are named precisely.
    let typed: UpdateAgentRequest = ctx.json()?;
    let r = reference(ctx)?;
    let ws = ctx.workspace()?;
    let agent = ctx.write(|db| {
        let current = store::agents::get(db, ws, &r)?.ok_or_else(|| not_found(ctx))?;
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
    Ok(Reply::ok(&agent))
}

pub fn delete(ctx: &Ctx) -> HandlerResult {
    let r = reference(ctx)?;
    let ws = ctx.workspace()?;
    ctx.write(|db| {
        let agent = store::agents::get(db, ws, &r)?.ok_or_else(|| not_found(ctx))?;
        // Its own variations go with it; other agents' variations using it as a
        // sub-agent must let go first.
        let users: Vec<(String, String)> =
            store::variations::referrers(db, &agent.metadata.id, false)?
                .into_iter()
                .filter(|u| u.agent_id != agent.metadata.id)
                .map(|u| (u.variation_id, u.variation_name))
                .collect();
        if !users.is_empty() {
            return Err(ApiError::in_use(
                &format!("agent {} (as a sub-agent)", agent.metadata.id),
                &users,
            ));
        }
        store::agents::delete(db, ws, &agent.metadata.id)?;
        Ok(())
    })?;
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
    let r = reference(ctx)?;
    let ws = ctx.workspace()?;
    let agent = ctx.write(|db| {
        let mut agent = store::agents::get(db, ws, &r)?.ok_or_else(|| not_found(ctx))?;
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
    Ok(Reply::ok(&agent))
}

fn reference(ctx: &Ctx) -> Result<Ref<AgentKind>, ApiError> {
    ctx.reference("id")
}

fn not_found(ctx: &Ctx) -> ApiError {
    ApiError::not_found(format!("agent {} not found", ctx.param("id")))
}
