//! Tool sets.

use model::ids::ToolSetKind;
use model::metadata::MetadataInput;
use model::tools::{
    CreateToolSetRequest, ToolSet, ToolSetState, UpdateToolSetRequest, TOOL_SET_SECTIONS,
};
use model::Violations;
use store::Db;
use web::{ensure_unassigned, ApiError, Assigned, Ctx, HandlerResult, Reply};

pub fn list(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query()?;
    let page = store::tools::list_sets(ctx.db, ctx.workspace()?, &q)?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    Ok(Reply::ok(&load(ctx, ctx.db, "id")?))
}

pub fn create(ctx: &Ctx) -> HandlerResult {
    let body: CreateToolSetRequest = ctx.json()?;
    let (metadata, spec) =
        ctx.new_resource::<ToolSetKind, _>(&body.metadata, |v| body.spec.validate("spec", v))?;
    let set = ToolSet {
        metadata,
        spec,
        state: ToolSetState::Active,
        info: None,
    };
    ctx.write_single(|db| Ok(store::tools::insert_set(db, &set)?))?;
    Ok(ctx.created(&set))
}

pub fn update(ctx: &Ctx) -> HandlerResult {
    let typed: UpdateToolSetRequest = ctx.json()?;
    let set = ctx.write(|db| {
        let mut set = load(ctx, db, "id")?;
        let view = serde_json::json!({
            "metadata": MetadataInput::settable(&set.metadata.fields()),
            "spec": set.spec,
        });
        let merged: CreateToolSetRequest = ctx.merge(view, TOOL_SET_SECTIONS, typed.update_mask.as_deref())?;
        let mut v = Violations::new();
        let fields = merged.metadata.validate_fields("metadata", &mut v);
        let spec = merged.spec.validate("spec", &mut v);
        if spec.adapter.kind() != set.spec.adapter.kind() {
            v.add(
                "spec.adapter.type",
                format!(
                    "a `{}` tool set cannot become `{}`: its tools are configured for it; create a new set",
                    set.spec.adapter.kind(),
                    spec.adapter.kind()
                ),
            );
        }
        v.finish(())?;
        set.metadata.update(fields, model::time::format_ms(ctx.now_ms));
        set.spec = spec;
        set.info = None;
        store::tools::update_set(db, &set)?;
        Ok(set)
    })?;
    Ok(Reply::ok(&set))
}

pub fn delete(ctx: &Ctx) -> HandlerResult {
    ctx.write(|db| {
        let set = load(ctx, db, "id")?;
        ensure_unassigned(
            db,
            Assigned::ToolSet(&set.metadata.id),
            &format!("tool set {} (or one of its tools)", set.metadata.id),
        )?;
        store::tools::delete_set(db, &set.metadata.id)?;
        Ok(())
    })?;
    Ok(Reply::no_content())
}

pub fn archive(ctx: &Ctx) -> HandlerResult {
    set_state(ctx, ToolSetState::Archived)
}

pub fn unarchive(ctx: &Ctx) -> HandlerResult {
    set_state(ctx, ToolSetState::Active)
}

fn set_state(ctx: &Ctx, state: ToolSetState) -> HandlerResult {
    ctx.empty_body()?;
    let set = ctx.write(|db| {
        let mut set = load(ctx, db, "id")?;
        if set.state != state {
            set.state = state;
            set.metadata.updated_at = model::time::format_ms(ctx.now_ms);
            store::tools::update_set(db, &set)?;
        }
        set.info = None;
        Ok(set)
    })?;
    Ok(Reply::ok(&set))
}

/// The tool set named by path parameter `param` (with info), or 404.
pub fn load(ctx: &Ctx, db: &Db, param: &str) -> Result<ToolSet, ApiError> {
    ctx.lookup(db, param, "tool set", store::tools::get_set)
}
