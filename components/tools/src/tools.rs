//! Tools of a tool set.

use crate::sets::load as load_set;
use model::ids::ToolId;
use model::metadata::MetadataInput;
use model::tools::{CreateToolRequest, Tool, ToolState, UpdateToolRequest, TOOL_SECTIONS};
use model::Violations;
use store::Db;
use web::{ensure_unassigned, ApiError, Assigned, Ctx, HandlerResult, Reply};

const SET: &str = "toolSetId";

pub fn list(ctx: &Ctx) -> HandlerResult {
    let set = load_set(ctx, ctx.db, SET)?;
    let q = ctx.list_query()?;
    let page = store::tools::list_tools(ctx.db, &set.metadata.id, &q)?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    let set = load_set(ctx, ctx.db, SET)?;
    Ok(Reply::ok(&load(ctx, ctx.db, &set.metadata.id)?))
}

pub fn create(ctx: &Ctx) -> HandlerResult {
    let body: CreateToolRequest = ctx.json()?;
    let tool = ctx.write(|db| {
        let set = load_set(ctx, db, SET)?;
        let mut v = Violations::new();
        let fields = body
            .metadata
            .validate_create("metadata", &ctx.owner()?, &mut v);
        let spec = body
            .spec
            .validate("spec", &fields.name, set.spec.adapter.kind(), &mut v);
        v.finish(())?;
        let id: ToolId = ctx.new_id();
        let tool = Tool {
            metadata: ctx.new_metadata(id.into_string(), fields)?,
            spec: spec.ok_or_else(ApiError::internal)?,
            state: ToolState::Available,
            info: None,
        };
        store::tools::insert_tool(db, &set.metadata.id, &tool)?;
        Ok(tool)
    })?;
    Ok(ctx.created(&tool))
}

pub fn update(ctx: &Ctx) -> HandlerResult {
    let typed: UpdateToolRequest = ctx.json()?;
    let tool = ctx.write(|db| {
        let set = load_set(ctx, db, SET)?;
        let mut tool = load(ctx, db, &set.metadata.id)?;
        let view = serde_json::json!({
            "metadata": MetadataInput::settable(&tool.metadata.fields()),
            "spec": tool.spec,
        });
        let merged: CreateToolRequest =
            ctx.merge(view, TOOL_SECTIONS, typed.update_mask.as_deref())?;
        let mut v = Violations::new();
        let fields = merged.metadata.validate_fields("metadata", &mut v);
        let spec = merged
            .spec
            .validate("spec", &fields.name, set.spec.adapter.kind(), &mut v);
        v.finish(())?;
        tool.metadata
            .update(fields, model::time::format_ms(ctx.now_ms));
        tool.spec = spec.ok_or_else(ApiError::internal)?;
        tool.info = None;
        store::tools::update_tool(db, &tool, None)?;
        Ok(tool)
    })?;
    Ok(Reply::ok(&tool))
}

pub fn delete(ctx: &Ctx) -> HandlerResult {
    ctx.write(|db| {
        let set = load_set(ctx, db, SET)?;
        let tool = load(ctx, db, &set.metadata.id)?;
        ensure_unassigned(
            db,
            Assigned::Resource(&tool.metadata.id),
            &format!("tool {}", tool.metadata.id),
        )?;
        store::tools::delete_tool(db, &tool.metadata.id)?;
        Ok(())
    })?;
    Ok(Reply::no_content())
}

fn load(ctx: &Ctx, db: &Db, set_id: &str) -> Result<Tool, ApiError> {
    ctx.lookup(db, "id", "tool", |db, ws, r| {
        store::tools::get_tool(db, ws, Some(set_id), r)
    })
}
