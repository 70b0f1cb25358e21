//! An agent's webhook deliveries and the feedback on its objectives.

use model::agent::Agent;
use model::ids::{AgentKind, DeliveryId, Ref};
use model::objective::EventType;
use model::webhook::DeliveryStatus;
use store::feedback::FeedbackFilters;
use store::webhooks::DeliveryFilters;
use store::Db;
use web::{ApiError, Ctx, HandlerResult, Reply};

fn agent(ctx: &Ctx, db: &Db) -> Result<Agent, ApiError> {
    let r: Ref<AgentKind> = ctx.reference("agentId")?;
    store::agents::get(db, ctx.workspace()?, &r)?
        .ok_or_else(|| ApiError::not_found(format!("agent {} not found", ctx.param("agentId"))))
}

fn text<'a>(ctx: &'a Ctx, name: &str) -> Option<&'a str> {
    ctx.query.get(name).filter(|v| !v.is_empty())
}

/// A wire enum from the query, or a 400 naming the parameter.
fn parsed<T: Copy>(
    ctx: &Ctx,
    name: &str,
    parse: fn(&str) -> Option<T>,
    example: &str,
) -> Result<Option<T>, ApiError> {
    text(ctx, name)
        .map(|v| {
            parse(v).ok_or_else(|| {
                ApiError::invalid(name, format!("`{v}` is not valid here (e.g. {example})"))
            })
        })
        .transpose()
}

pub fn list_deliveries(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query()?;
    let objective_id = text(ctx, "objectiveId")
        .map(|v| {
            model::ids::ObjectiveId::parse(v)
                .map(|id| id.into_string())
                .map_err(|e| ApiError::invalid("objectiveId", e))
        })
        .transpose()?;
    let filters = DeliveryFilters {
        objective_id,
        event_type: parsed(
            ctx,
            "eventType",
            EventType::parse,
            "OBJECTIVE_EVENT_TYPE_ERROR",
        )?,
        status: parsed(
            ctx,
            "status",
            DeliveryStatus::parse,
            "WEBHOOK_DELIVERY_STATUS_FAILED",
        )?,
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

fn instant(ctx: &Ctx, name: &str) -> Result<Option<i64>, ApiError> {
    text(ctx, name)
        .map(|v| model::time::parse_ms(v).map_err(|e| ApiError::invalid(name, e)))
        .transpose()
}

fn score(ctx: &Ctx, name: &str) -> Result<Option<f64>, ApiError> {
    text(ctx, name)
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
    let variation_id = text(ctx, "agentVariationId")
        .map(|v| {
            model::ids::VariationId::parse(v)
                .map(|id| id.into_string())
                .map_err(|e| ApiError::invalid("agentVariationId", e))
        })
        .transpose()?;
    let filters = FeedbackFilters {
        variation_id,
        created_after_ms: instant(ctx, "createdAfter")?,
        created_before_ms: instant(ctx, "createdBefore")?,
        min_score: score(ctx, "minScore")?,
        max_score: score(ctx, "maxScore")?,
    };
    let agent = agent(ctx, ctx.db)?;
    let page = store::feedback::list_of_agent(ctx.db, &agent.metadata.id, &q, &filters)?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}
