//! An agent's webhook deliveries and the feedback on its objectives.

use model::agent::Agent;
use model::ids::{DeliveryId, Id, ObjectiveKind, VariationKind};
use model::objective::EventType;
use model::webhook::DeliveryStatus;
use store::feedback::FeedbackFilters;
use store::webhooks::DeliveryFilters;
use store::Db;
use web::{ApiError, Ctx, HandlerResult, Reply};

fn agent(ctx: &Ctx, db: &Db) -> Result<Agent, ApiError> {
    ctx.lookup(db, "agentId", "agent", store::agents::get)
}

pub fn list_deliveries(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query()?;
    let filters = DeliveryFilters {
        objective_id: ctx
            .query
            .id::<ObjectiveKind>("objectiveId")?
            .map(Id::into_string),
        event_type: ctx
            .query
            .wire::<EventType>("eventType", "valid here (e.g. OBJECTIVE_EVENT_TYPE_ERROR)")?,
        status: ctx
            .query
            .wire::<DeliveryStatus>("status", "valid here (e.g. WEBHOOK_DELIVERY_STATUS_FAILED)")?,
    };
    let agent = agent(ctx, ctx.db)?;
    let page = store::webhooks::list(ctx.db, &agent.metadata.id, &q, &filters)?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}

fn delivery_id(ctx: &Ctx) -> Result<DeliveryId, ApiError> {
    ctx.id("id")
}

pub fn get_delivery(ctx: &Ctx) -> HandlerResult {
    let id = delivery_id(ctx)?;
    let agent = agent(ctx, ctx.db)?;
    let d = store::webhooks::get(ctx.db, &agent.metadata.id, id.as_str())?
        .ok_or_else(|| ApiError::not_found(format!("webhook delivery {id} not found")))?;
    Ok(Reply::ok(&d))
}

pub fn retry_delivery(ctx: &Ctx) -> HandlerResult {
    ctx.empty_body()?;
    let id = delivery_id(ctx)?;
    let d = ctx.write(|db| {
        let agent = agent(ctx, db)?;
        let current = store::webhooks::get(db, &agent.metadata.id, id.as_str())?
            .ok_or_else(|| ApiError::not_found(format!("webhook delivery {id} not found")))?;
        if !store::webhooks::retry(db, id.as_str(), ctx.now_ms)? {
            return Err(ApiError::failed_precondition(format!(
                "webhook delivery {id} is {}; only FAILED or DISABLED deliveries can be retried",
                current.data.status.as_str()
            )));
        }
        store::webhooks::get(db, &agent.metadata.id, id.as_str())?.ok_or_else(ApiError::internal)
    })?;
    Ok(Reply::ok(&d))
}

fn score(ctx: &Ctx, name: &str) -> Result<Option<f64>, ApiError> {
    ctx.query
        .text(name)
        .map(|v| match v.parse::<f64>() {
            Ok(s) if (-1.0..=1.0).contains(&s) => Ok(s),
            _ => Err(ApiError::invalid(
                name,
                format!("`{v}` is not a score between -1 and 1"),
            )),
        })
        .transpose()
}

pub fn list_feedback(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query()?;
    let filters = FeedbackFilters {
        variation_id: ctx
            .query
            .id::<VariationKind>("agentVariationId")?
            .map(Id::into_string),
        created_after_ms: ctx.query.time("createdAfter")?,
        created_before_ms: ctx.query.time("createdBefore")?,
        min_score: score(ctx, "minScore")?,
        max_score: score(ctx, "maxScore")?,
    };
    let agent = agent(ctx, ctx.db)?;
    let page = store::feedback::list_of_agent(ctx.db, &agent.metadata.id, &q, &filters)?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}
