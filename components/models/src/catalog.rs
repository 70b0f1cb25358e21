//! The models catalog: listing (with discovery from the providers), state, and swaps.

use model::ids::{ModelKind, ProviderKeyKind, Ref};
use model::models::{Model, ModelState, SwapModelsRequest, SwapModelsResponse, SwapOutcome};
use model::variation::BareMetadata;
use store::models::{ModelFilters, Offered};
use store::Db;
use web::{ApiError, Ctx, HandlerResult, Reply};

/// How long a workspace's discovered catalog is used before the providers are asked again.
const REFRESH_MS: i64 = 300_000;

pub fn list(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query()?;
    let query = ctx.query;
    let filters = ModelFilters {
        state: query.wire::<ModelState>("state", "STATE_ENABLED or STATE_DISABLED")?,
        key_id: query
            .id::<ProviderKeyKind>("aiProviderKeyId")?
            .map(|id| id.into_string()),
    };
    refresh_if_due(ctx, query.bool("refresh")?)?;
    let page = store::models::list(ctx.db, ctx.workspace()?, &filters, &q)?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    Ok(Reply::ok(&load(ctx, ctx.db)?))
}

pub fn enable(ctx: &Ctx) -> HandlerResult {
    set_state(ctx, ModelState::Enabled)
}

pub fn disable(ctx: &Ctx) -> HandlerResult {
    set_state(ctx, ModelState::Disabled)
}

fn set_state(ctx: &Ctx, state: ModelState) -> HandlerResult {
    let model = ctx.write(|db| {
        let m = load(ctx, db)?;
        store::models::set_state(db, &m.metadata.id, state, ctx.now_ms)?;
        load(ctx, db)
    })?;
    Ok(Reply::ok(&model))
}

pub fn swap(ctx: &Ctx) -> HandlerResult {
    let body: SwapModelsRequest = ctx.json()?;
    if body.model_swaps.is_empty() {
        return Err(ApiError::invalid(
            "modelSwaps",
            "must name at least one swap",
        ));
    }
    let ws = ctx.workspace()?.to_owned();
    let (swaps, agents) = ctx.write(|db| {
        let mut swaps = Vec::with_capacity(body.model_swaps.len());
        let mut agents = Vec::new();
        for (i, s) in body.model_swaps.iter().enumerate() {
            let current = model_at(
                db,
                &ws,
                &s.current_model_id,
                &format!("modelSwaps[{i}].currentModelId"),
            )?;
            let next = model_at(
                db,
                &ws,
                &s.next_model_id,
                &format!("modelSwaps[{i}].nextModelId"),
            )?;
            let field = format!("modelSwaps[{i}].nextModelId");
            if next.state == ModelState::Disabled {
                return Err(ApiError::invalid(
                    field,
                    format!("model `{}` is disabled; enable it first", external(&next)),
                ));
            }
            if next.metadata.id == current.metadata.id {
                return Err(ApiError::invalid(field, "is the current model"));
            }
            let moved = store::models::variations_on(db, &ws, external(&current))?;
            store::models::swap_variations(
                db,
                &ws,
                external(&current),
                external(&next),
                ctx.now_ms,
            )?;
            if s.disable_current_after_swap {
                store::models::set_state(
                    db,
                    &current.metadata.id,
                    ModelState::Disabled,
                    ctx.now_ms,
                )?;
            }
            let variations: Vec<BareMetadata> = moved
                .into_iter()
                .map(|(v, agent)| {
                    agents.push(agent);
                    v
                })
                .collect();
            swaps.push(SwapOutcome {
                current_model_id: current.metadata.id,
                next_model_id: next.metadata.id,
                variations,
                current_disabled: s.disable_current_after_swap,
            });
        }
        Ok((swaps, agents))
    })?;
    for agent in &agents {
        ctx.invalidate(&web::cache::agent(agent, &ws))?;
    }
    Ok(Reply::ok(&SwapModelsResponse {
        dry_run: ctx.dry_run,
        swaps,
    }))
}

fn external(m: &Model) -> &str {
    m.metadata.external_id.as_deref().unwrap_or_default()
}

/// A model named in a swap body: its id, or `external_id:<family/model>` (a model's
/// external id is a model id, `/` included, unlike other kinds'); a 404 naming `field`.
fn model_at(db: &Db, ws: &str, reference: &str, field: &str) -> Result<Model, ApiError> {
    let r = match reference.strip_prefix(model::ids::EXTERNAL_ID_PREFIX) {
        Some(model_id) if model::models::split_model_id(model_id).is_some() => {
            Ref::<ModelKind>::External(model_id.to_owned())
        }
        _ => Ref::<ModelKind>::parse(reference).map_err(|e| ApiError::invalid(field, e))?,
    };
    store::models::get(db, ws, &r)?
        .ok_or_else(|| ApiError::not_found(format!("model {reference} (`{field}`) not found")))
}

fn load(ctx: &Ctx, db: &Db) -> Result<Model, ApiError> {
    ctx.lookup(db, "id", "model", store::models::get)
}

/// Asks the providers for their models when the workspace's catalog is older than
/// [`REFRESH_MS`] (a stamp in the key-value store) or the client asks; what they offer,
/// and every model the workspace's variations name, is upserted in one transaction.
/// A failing provider is logged (its message carries no secret) and skipped.
fn refresh_if_due(ctx: &Ctx, forced: bool) -> Result<(), ApiError> {
    let ws = ctx.workspace()?.to_owned();
    let stamp = format!("models:refreshed:{ws}");
    let fresh = !forced
        && ctx
            .env
            .kv
            .get(&stamp)
            .ok()
            .flatten()
            .and_then(|v| String::from_utf8(v).ok())
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|at| ctx.now_ms - at < REFRESH_MS);
    if fresh {
        return Ok(());
    }
    let found = engine::models::discover(&ctx.env, ctx.db, &ws)?;
    for failure in &found.failures {
        eprintln!("request {}: model discovery: {failure}", ctx.request_id);
    }
    ctx.write(|db| {
        for f in &found.found {
            ctx.offer_model(
                db,
                &Offered {
                    model_id: &f.model_id,
                    provider: &f.family,
                    name: &f.name,
                    key_id: f.key_id.as_deref(),
                    max_input_tokens: f.max_input_tokens,
                },
            )?;
        }
        for model_id in store::models::unlisted_references(db, &ws)? {
            if let Some((family, name)) = model::models::split_model_id(&model_id) {
                let key = store::providers::for_family(
                    db,
                    &ws,
                    model::providers::canonical_family(family),
                )?;
                ctx.offer_model(
                    db,
                    &Offered {
                        model_id: &model_id,
                        provider: family,
                        name,
                        key_id: key.as_ref().map(|k| k.id.as_str()),
                        max_input_tokens: None,
                    },
                )?;
            }
        }
        Ok(())
    })?;
    // a lost stamp only means the next list asks again
    let _ = ctx.env.kv.set(&stamp, ctx.now_ms.to_string().as_bytes());
    Ok(())
}
