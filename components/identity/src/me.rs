//! `GET /v1/me` and `GET /v1/whoami`.

use model::identity::{Me, WhoAmI};
use model::time::format_ms;
use store::list::ListQuery;
use web::{ApiError, Ctx, HandlerResult, Principal, Reply};

pub fn me(ctx: &Ctx) -> HandlerResult {
    let p = ctx.principal()?;
    let account = store::identity::get_account(ctx.db, &p.account_id)?
        .ok_or_else(|| ApiError::unauthorized("the token's account no longer exists"))?;
    let profile = store::identity::get_profile(ctx.db, &p.profile_id)?
        .ok_or_else(|| ApiError::unauthorized("the token's profile no longer exists"))?;
    let q = ListQuery {
        limit: 200,
        ascending: true,
        ..Default::default()
    };
    let workspaces = store::identity::list_workspaces(ctx.db, &p.account_id, p.reach(), &q)?.items;
    let workspace = match p.workspaces.as_slice() {
        [one] if one != "*" => workspaces.iter().find(|w| &w.metadata.id == one).cloned(),
        _ => None,
    };
    Ok(Reply::ok(&Me {
        token_id: p.key_id.clone(),
        scopes: p.scopes.to_strings(),
        workspace,
        workspaces,
        profile,
        account,
        expires_at: p.expires_at_ms.map(format_ms),
    }))
}

pub fn whoami(ctx: &Ctx) -> HandlerResult {
    let p: &Principal = ctx.principal()?;
    let profile = store::identity::get_profile(ctx.db, &p.profile_id)?
        .ok_or_else(|| ApiError::unauthorized("the token's profile no longer exists"))?;
    Ok(Reply::ok(&WhoAmI {
        metadata: profile.metadata,
        spec: profile.spec,
        token_id: p.key_id.clone(),
        scopes: p.scopes.to_strings(),
        workspace_ids: p.workspaces.clone(),
    }))
}
