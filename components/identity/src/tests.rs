//! Component tests: the identity handlers over the native host.

use super::APP;
use host::native::NativeHost;
use serde_json::{json, Value};
use web::testing::{call, provision};

fn boot(host: &NativeHost) -> (String, String) {
    let b = provision(host);
    (
        b.api_key.spec.token.clone().expect("token"),
        b.workspace.metadata.id.clone(),
    )
}

#[test]
fn bootstrap_needs_the_variable_and_the_token_and_runs_once() {
    let host = NativeHost::new();
    host.vars.set("jwt_secret", web::testing::TEST_SECRET);
    let body = json!({"accountName": "acme", "workspaceName": "main"});
    let (status, err, _) = call(
        &APP,
        &host,
        "POST",
        "/v1/bootstrap",
        Some("x"),
        Some(body.clone()),
    );
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (404, Some("not_found"))
    );

    host.vars.set("bootstrap_token", "boot");
    let (status, _, _) = call(
        &APP,
        &host,
        "POST",
        "/v1/bootstrap",
        Some("nope"),
        Some(body.clone()),
    );
    assert_eq!(status, 401);
    let (status, created, _) = call(
        &APP,
        &host,
        "POST",
        "/v1/bootstrap",
        Some("boot"),
        Some(body.clone()),
    );
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

    let (status, err, _) = call(
        &APP,
        &host,
        "POST",
        "/v1/bootstrap",
        Some("boot"),
        Some(body),
    );
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (409, Some("conflict"))
    );
}

#[test]
fn short_jwt_secrets_are_refused() {
    let host = NativeHost::new();
    let (token, _) = boot(&host);
    host.vars.set("jwt_secret", "too-short");
    let (status, err, _) = call(&APP, &host, "GET", "/v1/me", Some(&token), None);
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (500, Some("internal"))
    );
}

#[test]
fn key_changes_apply_on_the_next_request() {
    let host = NativeHost::new();
    let (admin, ws) = boot(&host);
    let keys = format!("/v1/workspaces/{ws}/api_keys");
    let body =
        json!({"metadata": {"name": "ci"}, "spec": {"scopes": ["agents:read", "audit:read"]}});
    let (status, key, _) = call(&APP, &host, "POST", &keys, Some(&admin), Some(body));
    assert_eq!(status, 201);
    let id = key["metadata"]["id"].as_str().unwrap();
    let token = key["spec"]["token"].as_str().unwrap().to_owned();
    let audit = format!("/v1/workspaces/{ws}/audit_logs");
    assert_eq!(call(&APP, &host, "GET", &audit, Some(&token), None).0, 200);

    let patch = json!({"spec": {"scopes": ["agents:read"]}});
    assert_eq!(
        call(
            &APP,
            &host,
            "PATCH",
            &format!("{keys}/{id}"),
            Some(&admin),
            Some(patch)
        )
        .0,
        200
    );
    let (status, err, _) = call(&APP, &host, "GET", &audit, Some(&token), None);
    assert_eq!(status, 403);
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("audit:read"));

    let (_, rotated, _) = call(
        &APP,
        &host,
        "POST",
        &format!("{keys}/{id}:rotate"),
        Some(&admin),
        None,
    );
    let new_token = rotated["spec"]["token"].as_str().unwrap();
    assert_eq!(
        call(&APP, &host, "GET", "/v1/me", Some(&token), None).0,
        401
    );
    assert_eq!(
        call(&APP, &host, "GET", "/v1/me", Some(new_token), None).0,
        200
    );
}

#[test]
fn every_call_writes_one_audit_row_after_the_response() {
    let host = NativeHost::new();
    let (admin, ws) = boot(&host);
    call(&APP, &host, "GET", "/v1/me", Some(&admin), None);
    host.clock.advance(1);
    call(&APP, &host, "GET", "/v1/nowhere", Some(&admin), None);
    let (status, page, _) = call(
        &APP,
        &host,
        "GET",
        &format!("/v1/workspaces/{ws}/audit_logs?sortOrder=asc"),
        Some(&admin),
        None,
    );
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
    let host = NativeHost::new();
    let (admin, _) = boot(&host);
    host.vars.set("rate_limit_per_second", "1");
    host.vars.set("rate_limit_burst", "2");
    assert_eq!(
        call(&APP, &host, "GET", "/v1/me", Some(&admin), None).0,
        200
    );
    assert_eq!(
        call(&APP, &host, "GET", "/v1/me", Some(&admin), None).0,
        200
    );
    let (status, err, headers) = call(&APP, &host, "GET", "/v1/me", Some(&admin), None);
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (429, Some("rate_limited"))
    );
    assert_eq!(headers["retry-after"], "1");
    host.clock.advance(1000);
    assert_eq!(
        call(&APP, &host, "GET", "/v1/me", Some(&admin), None).0,
        200
    );
}

#[test]
fn authenticating_costs_one_statement() {
    let host = NativeHost::new();
    let (admin, ws) = boot(&host);
    let before = host.sql.statements.get();
    let (status, _, _) = call(
        &APP,
        &host,
        "GET",
        &format!("/v1/workspaces/{ws}/api_keys/apikey_01ARZ3NDEKTSV4RRFFQ69G5FAV"),
        Some(&admin),
        None,
    );
    assert_eq!(status, 404);
    // auth lookup (with the schema check folded in) + the read, then relax sync + audit insert
    assert_eq!(host.sql.statements.get() - before, 4);
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
    let served: Vec<&str> = APP.routes.iter().map(|r| r.op.id).collect();
    let catalog: Vec<&str> = api::identity::ALL.iter().map(|op| op.id).collect();
    assert_eq!(served, catalog);
    // and /openapi.json documents every one of them
    let documented: Vec<&str> = api::all().iter().map(|op| op.id).collect();
    assert!(served.iter().all(|id| documented.contains(id)));
}
