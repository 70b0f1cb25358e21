//! API keys under `/v1/workspaces/{workspaceId}/api_keys`.

use model::enums::ApiKeyState;
use model::identity::{
    parse_scopes, ApiKeySpecInput, CreateApiKeyRequest, UpdateApiKeyRequest, API_KEY_SECTIONS,
};
use model::metadata::MetadataInput;
use model::scope::ScopeSet;
use model::Violations;
use store::api_keys::KeyRecord;
use store::Db;
use web::cache::Changed;
use web::{keys, ApiError, Ctx, HandlerResult, Reply};

pub fn list(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query()?;
    let page = store::api_keys::list(ctx.db, ctx.workspace()?, &q)?;
    let page = page.try_map(|r| Ok::<_, ApiError>(r.key))?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    let record = load(ctx, ctx.db)?;
    Ok(Reply::ok(&record.key))
}

pub fn create(ctx: &Ctx) -> HandlerResult {
    let p = ctx.principal()?;
    let body: CreateApiKeyRequest = ctx.json()?;
    let mut v = Violations::new();
    let fields = body
        .metadata
        .validate_create("metadata", &ctx.owner()?, &mut v);
    let (description, scopes) = validate_spec(ctx, &body.spec, &mut v);
    let expires_at_ms = match &body.spec.expires_at {
        None => None,
        Some(ts) => match model::time::parse_ms(ts) {
            Ok(ms) if ms > ctx.now_ms => Some(ms),
            Ok(_) => {
                v.add("spec.expiresAt", "must be in the future");
                None
            }
            Err(e) => {
                v.add("spec.expiresAt", e);
                None
            }
        },
    };
    v.finish(())?;
    let workspace_id = ctx.workspace()?;
    let record = ctx.write(|db| {
        keys::create(
            db,
            &ctx.env,
            ctx.now_ms,
            keys::NewKey {
                account_id: &p.account_id,
                workspace_id,
                metadata: fields,
                description,
                scopes: &scopes,
                expires_at_ms,
                created_by: &p.profile_id,
            },
        )
    })?;
    let mut key = record.key.clone();
    if !ctx.dry_run {
        key.spec.token = Some(keys::token(&ctx.env, &record, ctx.now_ms)?);
    }
    Ok(ctx.created(&key))
}

/// Scopes are required and may not exceed the caller's own (no privilege escalation).
fn validate_spec(
    ctx: &Ctx,
    spec: &ApiKeySpecInput,
    v: &mut Violations,
) -> (Option<String>, ScopeSet) {
    if let Some(d) = &spec.description {
        if d.chars().count() > model::agent::MAX_DESCRIPTION_CHARS {
            v.add("spec.description", "must be at most 10000 characters");
        }
    }
    let scopes = match &spec.scopes {
        None => {
            v.add("spec.scopes", "is required, e.g. [\"agents:read\"]");
            ScopeSet::default()
        }
        Some(list) => parse_scopes(list, "spec.scopes", v),
    };
    if let Ok(p) = ctx.principal() {
        let beyond: Vec<String> = scopes
            .iter()
            .filter(|s| !p.scopes.allows(*s))
            .map(|s| s.to_string())
            .collect();
        if !beyond.is_empty() {
            v.add(
                "spec.scopes",
                format!(
                    "cannot grant scopes the calling token does not hold: {}",
                    beyond.join(", ")
                ),
            );
        }
    }
    (spec.description.clone(), scopes)
}

pub fn update(ctx: &Ctx) -> HandlerResult {
    let typed: UpdateApiKeyRequest = ctx.json()?;
    let key = ctx.write(|db| {
        let mut record = load(ctx, db)?;
        let current = &record.key;
        let view = serde_json::json!({
            "metadata": MetadataInput::settable(&current.metadata.fields()),
            "spec": {"description": current.spec.description, "scopes": current.spec.scopes},
        });
        let merged: CreateApiKeyRequest =
            ctx.merge(view, API_KEY_SECTIONS, typed.update_mask.as_deref())?;
        let mut v = Violations::new();
        let fields = merged.metadata.validate_fields("metadata", &mut v);
        let (description, scopes) = validate_spec(ctx, &merged.spec, &mut v);
        v.finish(())?;
        let renamed = fields.name != record.key.metadata.name;
        record
            .key
            .metadata
            .update(fields, model::time::format_ms(ctx.now_ms));
        record.key.spec.description = description;
        record.key.spec.scopes = scopes.to_strings();
        store::api_keys::update(db, &record, ctx.now_ms)?;
        if renamed {
            store::identity::rename_profile(db, &record.key_profile_id, &record.key.metadata.name)?;
        }
        Ok((record.key, renamed))
    })?;
    let (key, renamed) = key;
    let account = &key.metadata.account_id;
    if renamed {
        // the key's profile is shown by name as `info.createdBy` of what it created
        ctx.invalidate(&[
            Changed::ApiKey(&key.metadata.id),
            Changed::Profiles { account },
        ])?;
    } else {
        ctx.invalidate(&[Changed::ApiKey(&key.metadata.id)])?;
    }
    Ok(Reply::ok(&key))
}

pub fn delete(ctx: &Ctx) -> HandlerResult {
    ctx.write(|db| {
        let record = load(ctx, db)?;
        store::api_keys::revoke(db, &record.key.metadata.id, ctx.now_ms)?;
        Ok(record.key.metadata.id)
    })
    .and_then(|id| ctx.invalidate(&[Changed::ApiKey(&id)]))?;
    Ok(Reply::no_content())
}

pub fn rotate(ctx: &Ctx) -> HandlerResult {
    ctx.empty_body()?;
    let record = ctx.write(|db| {
        let mut record = load(ctx, db)?;
        record.version = store::api_keys::rotate(db, &record.key.metadata.id, ctx.now_ms)?;
        let now = model::time::format_ms(ctx.now_ms);
        record.key.metadata.updated_at = now.clone();
        if let Some(info) = record.key.info.as_mut() {
            info.last_rotated_at = Some(now);
        }
        Ok(record)
    })?;
    ctx.invalidate(&[Changed::ApiKey(&record.key.metadata.id)])?;
    let mut key = record.key.clone();
    if !ctx.dry_run {
        key.spec.token = Some(keys::token(&ctx.env, &record, ctx.now_ms)?);
    }
    Ok(Reply::ok(&key))
}

pub fn disable(ctx: &Ctx) -> HandlerResult {
    set_state(ctx, ApiKeyState::Disabled)
}

pub fn enable(ctx: &Ctx) -> HandlerResult {
    set_state(ctx, ApiKeyState::Enabled)
}

fn set_state(ctx: &Ctx, state: ApiKeyState) -> HandlerResult {
    ctx.empty_body()?;
    let key = ctx.write(|db| {
        let mut record = load(ctx, db)?;
        store::api_keys::set_state(db, &record.key.metadata.id, state, ctx.now_ms)?;
        record.key.state = state;
        record.key.metadata.updated_at = model::time::format_ms(ctx.now_ms);
        Ok(record.key)
    })?;
    ctx.invalidate(&[Changed::ApiKey(&key.metadata.id)])?;
    Ok(Reply::ok(&key))
}

fn load(ctx: &Ctx, db: &Db) -> Result<KeyRecord, ApiError> {
    ctx.lookup(db, "id", "API key", store::api_keys::get)
}
