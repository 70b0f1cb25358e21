//! Memory layers.

use model::ids::{MemoryLayerKind, Ref};
use model::memory::{
    CreateMemoryLayerRequest, MemoryLayer, UpdateMemoryLayerRequest, MEMORY_LAYER_SECTIONS,
};
use model::metadata::MetadataInput;
use model::Violations;
use store::Db;
use web::{ensure_unassigned, ApiError, Assigned, Ctx, HandlerResult, Reply};

pub fn list(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query()?;
    let page = store::memory::list_layers(ctx.db, ctx.workspace()?, &q)?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    Ok(Reply::ok(&load(ctx, ctx.db, "id")?))
}

pub fn create(ctx: &Ctx) -> HandlerResult {
    let body: CreateMemoryLayerRequest = ctx.json()?;
    let (metadata, spec) =
        ctx.new_resource::<MemoryLayerKind, _>(&body.metadata, |v| body.spec.validate("spec", v))?;
    let layer = MemoryLayer {
        metadata,
        spec,
        info: None,
    };
    ctx.write_single(|db| Ok(store::memory::insert_layer(db, &layer, None)?))?;
    Ok(ctx.created(&layer))
}

pub fn update(ctx: &Ctx) -> HandlerResult {
    let typed: UpdateMemoryLayerRequest = ctx.json()?;
    let layer = ctx.write(|db| {
        let mut layer = writable(load(ctx, db, "id")?)?;
        let view = serde_json::json!({
            "metadata": MetadataInput::settable(&layer.metadata.fields()),
            "spec": {"type": layer.spec.kind, "description": layer.spec.description},
        });
        let merged: CreateMemoryLayerRequest =
            ctx.merge(view, MEMORY_LAYER_SECTIONS, typed.update_mask.as_deref())?;
        let mut v = Violations::new();
        let fields = merged.metadata.validate_fields("metadata", &mut v);
        let spec = merged.spec.validate("spec", &mut v);
        v.finish(())?;
        layer
            .metadata
            .update(fields, model::time::format_ms(ctx.now_ms));
        layer.spec.description = spec.description;
        layer.info = None;
        store::memory::update_layer(db, &layer)?;
        Ok(layer)
    })?;
    Ok(Reply::ok(&layer))
}

pub fn delete(ctx: &Ctx) -> HandlerResult {
    ctx.write(|db| {
        let layer = writable(load(ctx, db, "id")?)?;
        ensure_unassigned(
            db,
            Assigned::Resource(&layer.metadata.id),
            &format!("memory layer {}", layer.metadata.id),
        )?;
        store::memory::delete_layer(db, &layer.metadata.id)?;
        Ok(())
    })?;
    Ok(Reply::no_content())
}

/// The layer named by path parameter `param`, or 404.
/// The layer path parameter `param` names. `external_id:<key>` also finds the episodic
/// layer of objectives started with `episodicKey: <key>` (read-only), when no layer has
/// that external id; when several agents keep one for the key, their ids are listed.
pub fn load(ctx: &Ctx, db: &Db, param: &str) -> Result<MemoryLayer, ApiError> {
    let r: Ref<MemoryLayerKind> = ctx.reference(param)?;
    let ws = ctx.workspace()?;
    if let Some(layer) = store::memory::get_layer(db, ws, &r)? {
        return Ok(layer);
    }
    let Ref::External(key) = &r else {
        return Err(ctx.not_found(param, "memory layer"));
    };
    let mut episodic = store::memory::episodic_layers(db, ws, key)?;
    match episodic.len() {
        0 => Err(ctx.not_found(param, "memory layer")),
        1 => Ok(episodic.remove(0)),
        _ => Err(ApiError::conflict(format!(
            "several agents keep an episodic memory layer for key `{key}`; address one by id: {}",
            episodic
                .iter()
                .map(|l| l.metadata.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// System-managed (episodic) layers belong to the runtime.
pub fn writable(layer: MemoryLayer) -> Result<MemoryLayer, ApiError> {
    if layer.spec.system_managed {
        return Err(ApiError::failed_precondition(format!(
            "memory layer {} is system-managed (episodic) and read-only through the API",
            layer.metadata.id
        )));
    }
    Ok(layer)
}
