//! Memory entries of a layer.

use crate::layers::{load as load_layer, writable};
use model::ids::MemoryEntryId;
use model::memory::{
    CreateMemoryEntryRequest, MemoryEntry, UpdateMemoryEntryRequest, MEMORY_ENTRY_SECTIONS,
};
use model::metadata::MetadataInput;
use model::Violations;
use store::Db;
use web::{ApiError, Ctx, HandlerResult, Reply};

const LAYER: &str = "memoryLayerId";

pub fn list(ctx: &Ctx) -> HandlerResult {
    let layer = load_layer(ctx, ctx.db, LAYER)?;
    let q = ctx.list_query()?;
    let page = store::memory::list_entries(ctx.db, &layer.metadata.id, &q)?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    let layer = load_layer(ctx, ctx.db, LAYER)?;
    Ok(Reply::ok(&load(ctx, ctx.db, &layer.metadata.id)?))
}

pub fn create(ctx: &Ctx) -> HandlerResult {
    let mut body: CreateMemoryEntryRequest = ctx.json()?;
    let mut v = Violations::new();
    // Entries are addressed by key; the name defaults to it.
    if body.metadata.name.is_none() {
        let max = model::metadata::MAX_NAME_CHARS;
        body.metadata.name = body
            .spec
            .key
            .as_ref()
            .map(|k| k.chars().take(max).collect());
    }
    let fields = body
        .metadata
        .validate_create("metadata", &ctx.owner()?, &mut v);
    let spec = body.spec.validate("spec", &mut v);
    v.finish(())?;
    let id: MemoryEntryId = ctx.new_id();
    let mut entry = MemoryEntry {
        metadata: ctx.new_metadata(id.into_string(), fields)?,
        spec,
        info: None,
    };
    ctx.write(|db| {
        let layer = writable(load_layer(ctx, db, LAYER)?)?;
        store::memory::insert_entry(db, &layer.metadata.id, &entry)?;
        Ok(())
    })?;
    entry.info = None;
    Ok(ctx.created(&entry))
}

pub fn update(ctx: &Ctx) -> HandlerResult {
    let typed: UpdateMemoryEntryRequest = ctx.json()?;
    let entry = ctx.write(|db| {
        let layer = writable(load_layer(ctx, db, LAYER)?)?;
        let mut entry = load(ctx, db, &layer.metadata.id)?;
        let view = serde_json::json!({
            "metadata": MetadataInput::settable(&entry.metadata.fields()),
            "spec": {"key": entry.spec.key, "content": entry.spec.content, "description": entry.spec.description},
        });
        let merged: CreateMemoryEntryRequest = ctx.merge(view, MEMORY_ENTRY_SECTIONS, typed.update_mask.as_deref())?;
        let mut v = Violations::new();
        let fields = merged.metadata.validate_fields("metadata", &mut v);
        let spec = merged.spec.validate("spec", &mut v);
        v.finish(())?;
        entry.metadata.update(fields, model::time::format_ms(ctx.now_ms));
        entry.spec = spec;
        entry.info = None;
        store::memory::update_entry(db, &entry)?;
        Ok(entry)
    })?;
    Ok(Reply::ok(&entry))
}

pub fn delete(ctx: &Ctx) -> HandlerResult {
    ctx.write(|db| {
        let layer = writable(load_layer(ctx, db, LAYER)?)?;
        let entry = load(ctx, db, &layer.metadata.id)?;
        store::memory::delete_entry(db, &entry.metadata.id)?;
        Ok(())
    })?;
    Ok(Reply::no_content())
}

fn load(ctx: &Ctx, db: &Db, layer_id: &str) -> Result<MemoryEntry, ApiError> {
    ctx.lookup(db, "id", "memory entry", |db, _, r| {
        store::memory::get_entry(db, layer_id, r)
    })
}
