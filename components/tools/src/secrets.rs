//! Workspace secrets. Values go in and never come out.

use model::ids::SecretId;
use model::metadata::{MetadataFields, MetadataInput};
use model::tools::{
    check_secret_name, check_secret_value, CreateWorkspaceSecretRequest,
    UpdateWorkspaceSecretRequest, WorkspaceSecret, WorkspaceSecretSpec, WorkspaceSecretSpecInput,
};
use model::Violations;
use store::Db;
use web::{ApiError, Ctx, HandlerResult, Reply};

pub fn list(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query()?;
    let page = store::tools::list_secrets(ctx.db, ctx.workspace()?, &q)?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    Ok(Reply::ok(&load(ctx, ctx.db)?))
}

/// Name rules plus the value (required on create).
fn validate(
    metadata: &MetadataInput,
    spec: &WorkspaceSecretSpecInput,
    create: bool,
    ctx: &Ctx,
    v: &mut Violations,
) -> Result<MetadataFields, ApiError> {
    let fields = if create {
        metadata.validate_create("metadata", &ctx.owner()?, v)
    } else {
        metadata.validate_fields("metadata", v)
    };
    if !fields.name.is_empty() {
        if let Err(e) = check_secret_name(&fields.name) {
            v.add("metadata.name", e);
        }
    }
    match &spec.value {
        Some(value) => {
            if let Err(e) = check_secret_value(value) {
                v.add("spec.value", e);
            }
        }
        None if create => v.add("spec.value", "is required"),
        None => {}
    }
    Ok(fields)
}

pub fn create(ctx: &Ctx) -> HandlerResult {
    let body: CreateWorkspaceSecretRequest = ctx.json()?;
    let mut v = Violations::new();
    let fields = validate(&body.metadata, &body.spec, true, ctx, &mut v)?;
    v.finish(())?;
    let id: SecretId = ctx.new_id();
    let secret = WorkspaceSecret {
        metadata: ctx.new_metadata(id.into_string(), fields)?,
        spec: WorkspaceSecretSpec { has_value: true },
        info: None,
    };
    let value = seal(
        ctx,
        &secret.metadata.id,
        &body.spec.value.unwrap_or_default(),
    )?;
    ctx.write_single(|db| Ok(store::tools::insert_secret(db, &secret, &value)?))?;
    Ok(ctx.created(&secret))
}

pub fn update(ctx: &Ctx) -> HandlerResult {
    let typed: UpdateWorkspaceSecretRequest = ctx.json()?;
    let spec = WorkspaceSecretSpecInput {
        value: typed.spec.and_then(|s| s.value),
        has_value: None,
    };
    let secret = ctx.write(|db| {
        let mut secret = load(ctx, db)?;
        let view =
            serde_json::json!({"metadata": MetadataInput::settable(&secret.metadata.fields())});
        let merged: MetadataOnly = ctx.merge(view, SECTIONS, typed.update_mask.as_deref())?;
        let mut v = Violations::new();
        let fields = validate(&merged.metadata, &spec, false, ctx, &mut v)?;
        v.finish(())?;
        secret
            .metadata
            .update(fields, model::time::format_ms(ctx.now_ms));
        secret.info = None;
        let sealed = spec
            .value
            .as_deref()
            .map(|v| seal(ctx, &secret.metadata.id, v))
            .transpose()?;
        store::tools::update_secret(db, &secret, sealed.as_deref())?;
        Ok(secret)
    })?;
    Ok(Reply::ok(&secret))
}

/// The value as stored: sealed under the operator's key and bound to the secret's id.
/// Without a key nothing is stored (409 naming the variable to set).
fn seal(ctx: &Ctx, id: &str, value: &str) -> Result<String, ApiError> {
    engine::secrets::seal_with_vars(ctx.env.vars, ctx.env.random, value, id)
        .map_err(|e| ApiError::failed_precondition(e.to_string()))
}

/// Only metadata merges; `spec.value` is write-only and handled apart.
const SECTIONS: &[model::patch::Section] = &[model::patch::Section {
    name: "metadata",
    fields: model::patch::METADATA_FIELDS,
}];

#[derive(serde::Deserialize)]
struct MetadataOnly {
    metadata: MetadataInput,
}

pub fn delete(ctx: &Ctx) -> HandlerResult {
    ctx.write(|db| {
        let secret = load(ctx, db)?;
        store::tools::delete_secret(db, &secret.metadata.id)?;
        Ok(())
    })?;
    Ok(Reply::no_content())
}

fn load(ctx: &Ctx, db: &Db) -> Result<WorkspaceSecret, ApiError> {
    ctx.lookup(db, "id", "workspace secret", store::tools::get_secret)
}
