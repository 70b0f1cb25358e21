//! Component tests: the identity handlers over the native host.

use super::APP;
use host::native::NativeHost;
use serde_json::{json, Value};
use web::testing::{call, Harness};

#[test]
fn bootstrap_needs_the_variable_and_the_token_and_runs_once() {
    let host = NativeHost::new();
    host.vars.set("jwt_secret", web::testing::TEST_SECRET);
    let body = json!({"accountName": "acme", "workspaceName": "main"});
    // no account yet: the bootstrap token is the only credential
    let bootstrap = |token: &str| {
        let (status, out, _) = call(
            &APP,
            &host,
            "POST",
            "/v1/bootstrap",
            Some(token),
            Some(body.clone()),
        );
        (status, out)
    };
    let (status, err) = bootstrap("x");
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (404, Some("not_found"))
    );

    host.vars.set("bootstrap_token", "boot");
    let (status, _) = bootstrap("nope");
    assert_eq!(status, 401);
    let (status, created) = bootstrap("boot");
    assert_eq!(status, 201);
    assert_eq!(created["apiKey"]["spec"]["scopes"], json!(["*"]));
    let token = created["apiKey"]["spec"]["token"].as_str().unwrap();
    let (status, me, _) = call(&APP, &host, "GET", "/v1/me", Some(token), None);
    assert_eq!(status, 200);
    assert_eq!(me["tokenId"], created["apiKey"]["metadata"]["id"]);
    assert_eq!(
        me["workspace"]["metadata"]["id"],
        created["workspace"]["metadata"]["id"]
    );

    let (status, err) = bootstrap("boot");
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (409, Some("conflict"))
    );
}

/// Calls `path` with `token` instead of the harness's all-scopes key; returns the status.
fn status_as(h: &Harness<web::App>, token: &str, path: &str) -> u16 {
    call(h.app, &h.host, "GET", path, Some(token), None).0
}

#[test]
fn short_jwt_secrets_are_refused() {
    let h = Harness::new(&APP);
    h.host.vars.set("jwt_secret", "too-short");
    let (status, err) = h.call("GET", "/v1/me", None);
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (500, Some("internal"))
    );
}

#[test]
fn key_changes_apply_on_the_next_request() {
    let h = Harness::new(&APP);
    let body =
        json!({"metadata": {"name": "ci"}, "spec": {"scopes": ["agents:read", "audit:read"]}});
    let key = h.created("/api_keys", body);
    let id = key["metadata"]["id"].as_str().unwrap();
    let token = key["spec"]["token"].as_str().unwrap().to_owned();
    let audit = format!("{}/audit_logs", h.ws);
    assert_eq!(status_as(&h, &token, &audit), 200);

    let patch = json!({"spec": {"scopes": ["agents:read"]}});
    assert_eq!(
        h.in_ws("PATCH", &format!("/api_keys/{id}"), Some(patch)).0,
        200
    );
    let (status, err, _) = call(&APP, &h.host, "GET", &audit, Some(&token), None);
    assert_eq!(status, 403);
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("audit:read"));

    let (_, rotated) = h.in_ws("POST", &format!("/api_keys/{id}:rotate"), None);
    let new_token = rotated["spec"]["token"].as_str().unwrap();
    assert_eq!(status_as(&h, &token, "/v1/me"), 401);
    assert_eq!(status_as(&h, new_token, "/v1/me"), 200);
}

#[test]
fn every_call_writes_one_audit_row_after_the_response() {
    let h = Harness::new(&APP);
    h.call("GET", "/v1/me", None);
    h.host.clock.advance(1);
    h.call("GET", "/v1/nowhere", None);
    // rows wait in the key-value buffer until the scheduler drains their second
    h.host.clock.advance(1000 * (audit::SETTLE_SECONDS + 1));
    let now = ports::Clock::now_ms(&h.host.clock);
    let drained = audit::drain(&h.host.kv, &store::Db::new(&h.host.sql), now).unwrap();
    assert_eq!(drained.rows, 2);
    let (status, page) = h.in_ws("GET", "/audit_logs?sortOrder=asc", None);
    assert_eq!(status, 200);
    let rows: Vec<(String, i64)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["data"]["route"].as_str().unwrap().to_owned(),
                r["data"]["status"].as_i64().unwrap(),
            )
        })
        .collect();
    // unknown routes are attributed to the verified token too; the listing call itself
    // is written after its response
    assert_eq!(
        rows,
        vec![("/v1/me".to_owned(), 200), ("/v1/nowhere".to_owned(), 404)]
    );
}

#[test]
fn rate_limits_answer_429_with_retry_after() {
    let h =
        Harness::new(&APP).with_vars(&[("rate_limit_per_second", "1"), ("rate_limit_burst", "2")]);
    assert_eq!(h.call("GET", "/v1/me", None).0, 200);
    assert_eq!(h.call("GET", "/v1/me", None).0, 200);
    // the headers too: the key's own token, through the plain call
    let (status, err, headers) = call(&APP, &h.host, "GET", "/v1/me", Some(&h.token), None);
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (429, Some("rate_limited"))
    );
    assert_eq!(headers["retry-after"], "1");
    h.host.clock.advance(1000);
    assert_eq!(h.call("GET", "/v1/me", None).0, 200);
}

#[test]
fn authenticating_a_known_key_costs_no_statement() {
    let h = Harness::new(&APP);
    let missing = "/api_keys/apikey_01ARZ3NDEKTSV4RRFFQ69G5FAV";
    // (the first call of a second also drains the audit buffer, after its response)
    assert_eq!(h.call("GET", "/openapi.json", None).0, 200);
    // the first authenticated call reads the key's state from SQL and caches it
    let before = h.statements();
    assert_eq!(h.in_ws("GET", missing, None).0, 404);
    assert_eq!(
        h.statements() - before,
        3,
        "schema check, key state, the read"
    );
    let before = h.statements();
    assert_eq!(h.in_ws("GET", missing, None).0, 404);
    // only the read: the key state, the audit row and the schema's currency are
    // key-value work
    assert_eq!(h.statements() - before, 1);
}

#[test]
fn openapi_is_public_and_lists_identity_routes() {
    let host = NativeHost::new();
    let (status, doc, _) = call(&APP, &host, "GET", "/openapi.json", None, None);
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/v1/workspaces/{workspaceId}/api_keys/{id}:rotate"]["post"].is_object());
    assert_eq!(doc["paths"]["/v1/me"]["get"]["security"], Value::Null);
    assert_eq!(doc["paths"]["/openapi.json"]["get"]["security"], json!([]));
}

#[test]
fn serves_every_identity_operation_of_the_catalog() {
    web::testing::assert_serves_catalog(&APP, api::identity::ALL);
}
