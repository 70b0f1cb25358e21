//! AI provider keys. Credentials go in sealed (bound to the key's id) and never come out.

use model::ids::ProviderKeyId;
use model::metadata::MetadataInput;
use model::patch::{Section, METADATA_FIELDS};
use model::providers::{
    check_key, AiProvider, AiProviderCredentials, AiProviderKey, AiProviderKeySpec,
    CreateAiProviderKeyRequest, UpdateAiProviderKeyRequest,
};
use model::Violations;
use store::Db;
use web::{ApiError, Ctx, HandlerResult, Reply};

const SECTIONS: &[Section] = &[
    Section {
        name: "metadata",
        fields: METADATA_FIELDS,
    },
    Section {
        name: "spec",
        fields: &["provider", "config", "credentials"],
    },
];

pub fn list(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query()?;
    let page = store::providers::list(ctx.db, ctx.workspace()?, &q)?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    Ok(Reply::ok(&load(ctx, ctx.db)?))
}

pub fn create(ctx: &Ctx) -> HandlerResult {
    let body: CreateAiProviderKeyRequest = ctx.json()?;
    let mut v = Violations::new();
    let fields = body
        .metadata
        .validate_create("metadata", &ctx.owner()?, &mut v);
    let family = check_key(
        body.spec.provider,
        body.spec.config.as_ref(),
        body.spec.credentials.as_ref(),
        fields.external_id.as_deref(),
        true,
        &mut v,
    );
    let family = v.finish(family)?.unwrap_or_default();
    let id: ProviderKeyId = ctx.new_id();
    let id = id.into_string();
    let credentials = body
        .spec
        .credentials
        .as_ref()
        .map(|c| seal(ctx, &id, c))
        .transpose()?;
    let mut key = AiProviderKey {
        metadata: ctx.new_metadata(id, fields)?,
        spec: AiProviderKeySpec {
            provider: body.spec.provider.unwrap_or(AiProvider::Unspecified),
            config: body.spec.config,
            has_credentials: credentials.is_some(),
        },
        info: None,
    };
    let key = ctx.write(|db| {
        store::providers::insert(db, &key, &family, credentials.as_deref())?;
        key = load_id(ctx, db, &key.metadata.id)?;
        Ok(key)
    })?;
    Ok(ctx.created(&key))
}

pub fn update(ctx: &Ctx) -> HandlerResult {
    let typed: UpdateAiProviderKeyRequest = ctx.json()?;
    let key = ctx.write(|db| {
        let current = load(ctx, db)?;
        let view = serde_json::json!({
            "metadata": MetadataInput::settable(&current.metadata.fields()),
            "spec": {"provider": current.spec.provider, "config": current.spec.config},
        });
        let merged: CreateAiProviderKeyRequest =
            ctx.merge(view, SECTIONS, typed.update_mask.as_deref())?;
        let mut v = Violations::new();
        let fields = merged.metadata.validate_fields("metadata", &mut v);
        if merged
            .spec
            .provider
            .is_some_and(|p| p != current.spec.provider)
        {
            v.add(
                "spec.provider",
                format!(
                    "a key's provider cannot change (it is {}); create a new key",
                    current.spec.provider.as_str()
                ),
            );
        }
        let family = check_key(
            Some(current.spec.provider),
            merged.spec.config.as_ref(),
            merged.spec.credentials.as_ref(),
            fields.external_id.as_deref(),
            false,
            &mut v,
        );
        let family = v.finish(family)?.unwrap_or_default();
        let credentials = merged
            .spec
            .credentials
            .as_ref()
            .map(|c| seal(ctx, &current.metadata.id, c))
            .transpose()?;
        let mut key = current;
        key.metadata
            .update(fields, model::time::format_ms(ctx.now_ms));
        key.spec.config = merged.spec.config;
        key.spec.has_credentials |= credentials.is_some();
        store::providers::update(db, &key, &family, credentials.as_deref())?;
        load_id(ctx, db, &key.metadata.id)
    })?;
    Ok(Reply::ok(&key))
}

pub fn delete(ctx: &Ctx) -> HandlerResult {
    ctx.write(|db| {
        let key = load(ctx, db)?;
        store::providers::delete(db, &key.metadata.id)?;
        Ok(())
    })?;
    Ok(Reply::no_content())
}

/// The credentials as stored: their JSON sealed under the operator's key and bound to
/// the key's id. Without a key nothing is stored (409 naming the variable to set).
fn seal(ctx: &Ctx, id: &str, credentials: &AiProviderCredentials) -> Result<String, ApiError> {
    let json = serde_json::to_string(credentials).unwrap_or_default();
    engine::secrets::seal_with_vars(ctx.env.vars, ctx.env.random, &json, id)
        .map_err(|e| ApiError::failed_precondition(e.to_string()))
}

fn load(ctx: &Ctx, db: &Db) -> Result<AiProviderKey, ApiError> {
    ctx.lookup(db, "id", "AI provider key", store::providers::get)
}

/// The key just written, read back with its `info` (inside the same transaction).
fn load_id(ctx: &Ctx, db: &Db, id: &str) -> Result<AiProviderKey, ApiError> {
    let id = ProviderKeyId::parse(id).map_err(|_| ApiError::internal())?;
    store::providers::get(db, ctx.workspace()?, &model::ids::Ref::Id(id))?
        .ok_or_else(ApiError::internal)
}
