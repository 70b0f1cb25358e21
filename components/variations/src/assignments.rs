//! Tools, tool sets and sub-agents assigned to a variation.

use crate::handlers::{agent, variation};
use model::ids::{AgentKind, AssignmentId, Ref, ToolKind, ToolSetKind};
use model::variation::{AddAssignmentRequest, AssignmentKind};
use store::Db;
use web::{ApiError, Ctx, HandlerResult, Reply};

pub fn add(ctx: &Ctx) -> HandlerResult {
    let body: AddAssignmentRequest = ctx.json()?;
    let (kind, raw) = body.target()?;
    let variation = ctx.write(|db| {
        let owner = agent(ctx, db)?;
        let record = variation(ctx, db, &owner, "variationId")?;
        let target_id = resolve(ctx, db, kind, &raw, &owner.metadata.id)?;
        let id: AssignmentId = ctx.new_id();
        store::variations::add_assignment(
            db,
            &record.variation.metadata.id,
            id.as_str(),
            kind,
            &target_id,
            ctx.now_ms,
        )
        .map_err(|e| match e {
            store::StoreError::Conflict { .. } => {
                let mut err =
                    ApiError::conflict(format!("{raw} is already assigned to this variation"));
                err.details = vec![model::FieldViolation {
                    field: kind.field().to_owned(),
                    message: "already assigned".to_owned(),
                }];
                err
            }
            other => other.into(),
        })?;
        Ok(variation(ctx, db, &owner, "variationId")?.variation)
    })?;
    Ok(Reply::ok(&variation))
}

pub fn remove(ctx: &Ctx) -> HandlerResult {
    let id: AssignmentId = ctx.id("id")?;
    let variation = ctx.write(|db| {
        let owner = agent(ctx, db)?;
        let record = variation(ctx, db, &owner, "variationId")?;
        if !store::variations::remove_assignment(db, &record.variation.metadata.id, id.as_str())? {
            return Err(ApiError::not_found(format!(
                "assignment {id} not found on this variation"
            )));
        }
        Ok(variation(ctx, db, &owner, "variationId")?.variation)
    })?;
    Ok(Reply::ok(&variation))
}

/// The id of the assigned resource, which must exist in this workspace. A sub-agent
/// may be neither the variation's own agent nor one that already uses it (a cycle).
fn resolve(
    ctx: &Ctx,
    db: &Db,
    kind: AssignmentKind,
    raw: &str,
    owner_agent: &str,
) -> Result<String, ApiError> {
    let ws = ctx.workspace()?;
    let field = kind.field();
    let not_found =
        |what: &str| ApiError::not_found(format!("{what} {raw} not found in this workspace"));
    match kind {
        AssignmentKind::Tool => {
            let r: Ref<ToolKind> = Ref::parse(raw).map_err(|e| ApiError::invalid(field, e))?;
            let tool =
                store::tools::get_tool(db, ws, None, &r)?.ok_or_else(|| not_found("tool"))?;
            Ok(tool.metadata.id)
        }
        AssignmentKind::ToolSet => {
            let r: Ref<ToolSetKind> = Ref::parse(raw).map_err(|e| ApiError::invalid(field, e))?;
            let set = store::tools::get_set(db, ws, &r)?.ok_or_else(|| not_found("tool set"))?;
            Ok(set.metadata.id)
        }
        AssignmentKind::Agent => {
            let r: Ref<AgentKind> = Ref::parse(raw).map_err(|e| ApiError::invalid(field, e))?;
            let sub = store::agents::get(db, ws, &r)?.ok_or_else(|| not_found("agent"))?;
            let sub_id = sub.metadata.id;
            if sub_id == owner_agent {
                return Err(ApiError::invalid(
                    field,
                    "an agent cannot be its own sub-agent",
                ));
            }
            if store::variations::reaches(db, &sub_id, owner_agent)? {
                return Err(ApiError::conflict(format!(
                    "agent {sub_id} already uses agent {owner_agent} as a sub-agent (directly or through others); \
                     assigning it back would make a cycle"
                )));
            }
            Ok(sub_id)
        }
    }
}
