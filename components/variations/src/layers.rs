//! Memory layers attached to a variation, ordered by position.

use crate::handlers::{agent, variation};
use model::ids::{MemoryLayerAssignmentId, MemoryLayerKind, Ref};
use model::variation::{AddMemoryLayerRequest, UpdateMemoryLayerRequest, MAX_MEMORY_LAYERS};
use store::Db;
use web::{ApiError, Ctx, HandlerResult, Reply};

const MAX_POSITION: i64 = 1_000_000;

pub fn add(ctx: &Ctx) -> HandlerResult {
    let body: AddMemoryLayerRequest = ctx.json()?;
    let variation = ctx.write(|db| {
        let owner = agent(ctx, db)?;
        let record = variation(ctx, db, &owner, "variationId")?;
        let vid = record.variation.metadata.id.as_str();
        let r: Ref<MemoryLayerKind> =
            Ref::parse(&body.memory_layer_id).map_err(|e| ApiError::invalid("memoryLayerId", e))?;
        let layer = store::memory::get_layer(db, ctx.workspace()?, &r)?.ok_or_else(|| {
            ApiError::not_found(format!(
                "memory layer {} not found in this workspace",
                body.memory_layer_id
            ))
        })?;
        if layer.spec.system_managed {
            return Err(ApiError::invalid(
                "memoryLayerId",
                "episodic (system-managed) layers are attached by the runtime, not to variations",
            ));
        }
        let slots = store::variations::layer_slots(db, vid)?;
        if slots.count >= MAX_MEMORY_LAYERS as i64 {
            return Err(ApiError::invalid(
                "memoryLayerId",
                format!("a variation has at most {MAX_MEMORY_LAYERS} memory layers"),
            ));
        }
        let position = match body.position {
            Some(p) => p,
            None => slots.max_position.map_or(0, |m| m + 1),
        };
        free_position(db, vid, position, None)?;
        let id: MemoryLayerAssignmentId = ctx.new_id();
        store::variations::add_layer(
            db,
            vid,
            id.as_str(),
            &layer.metadata.id,
            position,
            ctx.now_ms,
        )
        .map_err(|e| match e {
            store::StoreError::Conflict { field, .. } if field == "memoryLayerId" => {
                ApiError::conflict(format!(
                    "memory layer {} is already attached to this variation",
                    layer.metadata.id
                ))
            }
            other => other.into(),
        })?;
        Ok(variation(ctx, db, &owner, "variationId")?.variation)
    })?;
    Ok(Reply::ok(&variation))
}

pub fn update(ctx: &Ctx) -> HandlerResult {
    let body: UpdateMemoryLayerRequest = ctx.json()?;
    let id: MemoryLayerAssignmentId = ctx.id("id")?;
    let variation = ctx.write(|db| {
        let owner = agent(ctx, db)?;
        let record = variation(ctx, db, &owner, "variationId")?;
        let vid = record.variation.metadata.id.as_str();
        free_position(db, vid, body.position, Some(id.as_str()))?;
        if !store::variations::move_layer(db, vid, id.as_str(), body.position)? {
            return Err(ApiError::not_found(format!(
                "memory layer assignment {id} not found on this variation"
            )));
        }
        Ok(variation(ctx, db, &owner, "variationId")?.variation)
    })?;
    Ok(Reply::ok(&variation))
}

pub fn remove(ctx: &Ctx) -> HandlerResult {
    let id: MemoryLayerAssignmentId = ctx.id("id")?;
    let variation = ctx.write(|db| {
        let owner = agent(ctx, db)?;
        let record = variation(ctx, db, &owner, "variationId")?;
        if !store::variations::remove_layer(db, &record.variation.metadata.id, id.as_str())? {
            return Err(ApiError::not_found(format!(
                "memory layer assignment {id} not found on this variation"
            )));
        }
        Ok(variation(ctx, db, &owner, "variationId")?.variation)
    })?;
    Ok(Reply::ok(&variation))
}

/// Positions are unique within a variation; a taken one is invalid input (docs/api.md §6.2).
fn free_position(
    db: &Db,
    variation_id: &str,
    position: i64,
    moving: Option<&str>,
) -> Result<(), ApiError> {
    if !(0..=MAX_POSITION).contains(&position) {
        return Err(ApiError::invalid(
            "position",
            format!("must be between 0 and {MAX_POSITION}"),
        ));
    }
    match store::variations::layer_at(db, variation_id, position)? {
        Some(holder) if Some(holder.as_str()) != moving => Err(ApiError::invalid(
            "position",
            format!("position {position} is taken by assignment {holder}; choose another or move that one first"),
        )),
        _ => Ok(()),
    }
}
