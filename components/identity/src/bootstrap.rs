//! `POST /v1/bootstrap`: the first account of a fresh install.

use model::identity::BootstrapRequest;
use model::metadata::check_name;
use model::Violations;
use store::schema;
use web::{auth, keys, ApiError, Ctx, HandlerResult, Reply};

pub const BOOTSTRAP_TOKEN_VAR: &str = "bootstrap_token";

pub fn bootstrap(ctx: &Ctx) -> HandlerResult {
    let Some(expected) = ctx.env.vars.get(BOOTSTRAP_TOKEN_VAR) else {
        return Err(ApiError::not_found(
            "bootstrap is disabled: set the `bootstrap_token` variable to enable it on a fresh install",
        ));
    };
    let header = ctx
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    let given = auth::bearer(header)?;
    if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        return Err(ApiError::unauthorized("wrong bootstrap token"));
    }
    let body: BootstrapRequest = ctx.json()?;
    let mut v = Violations::new();
    if let Err(e) = check_name(&body.account_name) {
        v.add("accountName", e);
    }
    if let Err(e) = check_name(&body.workspace_name) {
        v.add("workspaceName", e);
    }
    v.finish(())?;
    schema::ensure(ctx.db)?;
    let created = ctx.db.transaction(true, |db| {
        if store::identity::any_account(db)? {
            return Err(ApiError::conflict(
                "already bootstrapped: an account exists; use its API keys to mint more",
            ));
        }
        keys::provision(
            db,
            &ctx.env,
            ctx.now_ms,
            &body.account_name,
            &body.workspace_name,
        )
    })?;
    Ok(Reply::json(201, &created))
}

/// Compares secrets without revealing through timing how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
