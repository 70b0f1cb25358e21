//! `GET /v1/account` and `POST /v1/account:rotateWebhookSigningKey`.

use model::identity::{Account, AccountInfo};
use model::scope::Scope;
use store::Db;
use web::{ApiError, Ctx, HandlerResult, Reply};

fn fresh_secret(ctx: &Ctx) -> String {
    let mut key = [0u8; 32];
    ctx.env.random.fill(&mut key);
    model::webhook::secret_from_key(&key)
}

fn account(ctx: &Ctx, db: &Db, secret: Option<String>) -> Result<Account, ApiError> {
    let p = ctx.principal()?;
    let mut account = store::identity::get_account(db, &p.account_id)?
        .ok_or_else(|| ApiError::unauthorized("the token's account no longer exists"))?;
    account.info = Some(AccountInfo {
        webhook_events_hmac_secret: secret,
    });
    Ok(account)
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    let p = ctx.principal()?;
    // The signing secret is for the account's owners only (tokens with `*`).
    let secret = if p.scopes.allows(Scope::All) {
        ctx.db.prepare_write()?;
        Some(store::identity::webhook_secret(
            ctx.db,
            &p.account_id,
            &fresh_secret(ctx),
        )?)
    } else {
        None
    };
    Ok(Reply::ok(&account(ctx, ctx.db, secret)?))
}

pub fn rotate(ctx: &Ctx) -> HandlerResult {
    ctx.empty_body()?;
    let secret = fresh_secret(ctx);
    let account = ctx.write(|db| {
        store::identity::rotate_webhook_secret(db, &ctx.principal()?.account_id, &secret)?;
        account(ctx, db, Some(secret.clone()))
    })?;
    Ok(Reply::ok(&account))
}
