//! Helpers for component tests: a provisioned account and in-process calls.

use crate::keys;
use model::identity::BootstrapResponse;
use ports::HttpService;
use serde_json::Value;
use store::{schema, Db};

pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret!";

/// Provisions an account, workspace and all-scopes key on `host`.
pub fn provision(host: &host::native::NativeHost) -> BootstrapResponse {
    host.vars.set(crate::auth::JWT_SECRET_VAR, TEST_SECRET);
    let env = host.env();
    let db = Db::new(env.sql);
    schema::ensure(&db).expect("schema");
    db.transaction(true, |db| {
        keys::provision(db, &env, env.clock.now_ms(), "acme", "main")
    })
    .expect("provision")
}

/// Calls `app` in process; returns status, JSON body (Null when empty) and headers.
pub fn call<S: HttpService>(
    app: &S,
    host: &host::native::NativeHost,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value, http::HeaderMap) {
    let mut req = http::Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let bytes = body
        .map(|b| serde_json::to_vec(&b).expect("json"))
        .unwrap_or_default();
    let req = req.body(bytes).expect("request");
    let env = host.env();
    let (resp, after) = app.handle(env, req);
    app.after(env, after);
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = if resp.body().is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(resp.body()).expect("JSON response")
    };
    (status, body, headers)
}
