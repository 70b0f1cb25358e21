//! `GET /v1/workspaces/{workspaceId}/audit_logs`

use model::ids::ApiKeyId;
use store::audit::AuditFilter;
use web::{ApiError, Ctx, HandlerResult, Reply};

pub fn list(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query()?;
    let token_id = ctx
        .query
        .get("tokenId")
        .map(|t| {
            ApiKeyId::parse(t)
                .map(|id| id.into_string())
                .map_err(|e| ApiError::invalid("tokenId", e))
        })
        .transpose()?;
    let status = ctx
        .query
        .get("status")
        .map(|s| match s.parse::<u16>() {
            Ok(n) if (100..=599).contains(&n) => Ok(n),
            _ => Err(ApiError::invalid(
                "status",
                format!("`{s}` is not an HTTP status code"),
            )),
        })
        .transpose()?;
    let filter = AuditFilter {
        token_id,
        status,
        since_ms: ctx.query.time("since")?,
        until_ms: ctx.query.time("until")?,
    };
    let page = store::audit::list(ctx.db, ctx.workspace()?, &q, &filter)?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}
