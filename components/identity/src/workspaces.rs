//! Workspaces: listed and read within the token's reach; created with scope `*`.

use model::enums::WorkspaceStatus;
use model::identity::{CreateWorkspaceRequest, Workspace};
use model::ids::{Id, WorkspaceId};
use model::metadata::{AccountResourceMetadata, Owner};
use model::time::format_ms;
use model::Violations;
use store::identity::Reach;
use web::cache::Changed;
use web::{ApiError, Ctx, HandlerResult, Reply};

pub fn list(ctx: &Ctx) -> HandlerResult {
    let p = ctx.principal()?;
    let q = ctx.list_query()?;
    let page = store::identity::list_workspaces(ctx.db, &p.account_id, p.reach(), &q)?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    let p = ctx.principal()?;
    let id: WorkspaceId = ctx.id("id")?;
    let not_found = || ApiError::not_found(format!("workspace {id} not found"));
    if let Reach::Only(ids) = p.reach() {
        if !ids.iter().any(|w| w == id.as_str()) {
            return Err(not_found());
        }
    }
    let ws = store::identity::get_workspace(ctx.db, &p.account_id, id.as_str())?
        .ok_or_else(not_found)?;
    Ok(Reply::ok(&ws))
}

pub fn create(ctx: &Ctx) -> HandlerResult {
    let p = ctx.principal()?;
    let body: CreateWorkspaceRequest = ctx.json()?;
    let mut v = Violations::new();
    let owner = Owner {
        account_id: &p.account_id,
        workspace_id: None,
    };
    let fields = body.metadata.validate_create("metadata", &owner, &mut v);
    let spec = body.spec.validate("spec", &mut v);
    v.finish(())?;
    let id: WorkspaceId = Id::generate(ctx.now_ms, ctx.env.random.next_u128());
    let ws = Workspace {
        metadata: AccountResourceMetadata {
            id: id.to_string(),
            account_id: p.account_id.clone(),
            profile_id: p.profile_id.clone(),
            created_at: format_ms(ctx.now_ms),
            name: fields.name,
            external_id: fields.external_id,
            labels: fields.labels,
        },
        spec,
        status: WorkspaceStatus::Enabled,
    };
    ctx.write(|db| {
        store::identity::insert_workspace(db, &ws)?;
        // The creating key gains access, so the new workspace is usable at once.
        store::api_keys::add_workspace(db, &p.key_id, id.as_str())?;
        Ok(())
    })?;
    ctx.invalidate(&[Changed::ApiKey(&p.key_id)])?;
    Ok(ctx.created(&ws))
}
