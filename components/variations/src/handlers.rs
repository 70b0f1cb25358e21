//! Variation CRUD, and loading the agent and variation a path names.

use model::agent::Agent;
use model::ids::VariationKind;
use model::variation::{
    CreateVariationRequest, UpdateVariationRequest, Variation, VARIATION_SECTIONS,
};
use model::Violations;
use store::variations::VariationRecord;
use store::Db;
use web::{ApiError, Ctx, HandlerResult, Reply};

pub fn list(ctx: &Ctx) -> HandlerResult {
    let agent = agent(ctx, ctx.db)?;
    let q = ctx.list_query()?;
    let page = store::variations::list(ctx.db, &agent.metadata.id, &q)?;
    let page = page.try_map(|r| Ok::<_, ApiError>(r.variation))?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    let agent = agent(ctx, ctx.db)?;
    Ok(Reply::ok(&variation(ctx, ctx.db, &agent, "id")?.variation))
}

pub fn create(ctx: &Ctx) -> HandlerResult {
    let body: CreateVariationRequest = ctx.json()?;
    let (metadata, spec) =
        ctx.new_resource::<VariationKind, _>(&body.metadata, |v| body.spec.validate("spec", v))?;
    let variation = Variation {
        metadata,
        spec,
        info: None,
    };
    let agent_id = ctx.write(|db| {
        let agent = agent(ctx, db)?;
        store::variations::insert(db, &variation, &agent.metadata.id)?;
        catalog_model(ctx, db, &variation)?;
        Ok(agent.metadata.id)
    })?;
    ctx.invalidate(&web::cache::agent(&agent_id, ctx.workspace()?))?;
    Ok(ctx.created(&variation))
}

pub fn update(ctx: &Ctx) -> HandlerResult {
    let typed: UpdateVariationRequest = ctx.json()?;
    let variation = ctx.write(|db| {
        let agent = agent(ctx, db)?;
        let mut current = variation(ctx, db, &agent, "id")?.variation;
        let merged: CreateVariationRequest = ctx.merge(
            current.input_view(),
            VARIATION_SECTIONS,
            typed.update_mask.as_deref(),
        )?;
        let mut v = Violations::new();
        let fields = merged.metadata.validate_fields("metadata", &mut v);
        let spec = merged.spec.validate("spec", &mut v);
        v.finish(())?;
        current
            .metadata
            .update(fields, model::time::format_ms(ctx.now_ms));
        current.spec = spec;
        current.info = None;
        store::variations::update(db, &current)?;
        catalog_model(ctx, db, &current)?;
        Ok(current)
    })?;
    Ok(Reply::ok(&variation))
}

/// The model a variation names joins the workspace's catalog (enabled) if it is not
/// there yet, so `info.model`, `:disable` and swaps can find it.
fn catalog_model(ctx: &Ctx, db: &Db, v: &Variation) -> Result<(), ApiError> {
    let Some(model_id) = v
        .spec
        .model_config
        .as_ref()
        .and_then(|m| m.model_id.as_deref())
    else {
        return Ok(());
    };
    let Some((family, name)) = model::models::split_model_id(model_id) else {
        return Ok(());
    };
    ctx.offer_model(
        db,
        &store::models::Offered {
            model_id,
            provider: family,
            name,
            key_id: None,
            max_input_tokens: None,
        },
    )
}

pub fn delete(ctx: &Ctx) -> HandlerResult {
    let agent_id = ctx.write(|db| {
        let agent = agent(ctx, db)?;
        let record = variation(ctx, db, &agent, "id")?;
        store::variations::delete(db, &record.variation.metadata.id)?;
        Ok(agent.metadata.id)
    })?;
    // the agent's `info.variationCount` changed
    ctx.invalidate(&web::cache::agent(&agent_id, ctx.workspace()?))?;
    Ok(Reply::no_content())
}

/// The agent of the path (`agentId`), or 404.
pub fn agent(ctx: &Ctx, db: &Db) -> Result<Agent, ApiError> {
    ctx.lookup(db, "agentId", "agent", store::agents::get)
}

/// The agent's variation named by path parameter `param`, with info, or 404.
pub fn variation(
    ctx: &Ctx,
    db: &Db,
    agent: &Agent,
    param: &str,
) -> Result<VariationRecord, ApiError> {
    ctx.lookup(db, param, "variation", |db, ws, r| {
        store::variations::get(db, ws, &agent.metadata.id, r)
    })
}
