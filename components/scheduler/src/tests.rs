//! The tick over the native host: work nobody kicked is picked up.

use host::native::NativeHost;
use ports::HttpService;
use serde_json::{json, Value};
use web::testing::{call, provision};

fn post<S: HttpService>(app: &S, host: &NativeHost, token: &str, path: &str, body: Value) -> Value {
    let (status, out, _) = call(app, host, "POST", path, Some(token), Some(body));
    assert!(status == 200 || status == 201, "{status} {out}");
    out
}

#[test]
fn a_tick_runs_objectives_whose_kick_never_happened() {
    let host = NativeHost::new();
    let b = provision(&host);
    host.vars.set("openai_api_key", "sk-test");
    let token = b.api_key.spec.token.clone().unwrap();
    let ws = format!("/v1/workspaces/{}", b.workspace.metadata.id);
    let agent = post(
        &agents::APP,
        &host,
        &token,
        &format!("{ws}/agents"),
        json!({"metadata": {"name": "a"}, "spec": {"status": "AGENT_STATUS_PUBLISHED"}}),
    );
    let agent_id = agent["metadata"]["id"].as_str().unwrap();
    post(
        &variations::APP,
        &host,
        &token,
        &format!("{ws}/agents/{agent_id}/variations"),
        json!({"metadata": {"name": "v"}, "spec": {"modelConfig": {"modelId": "openai/m"}}}),
    );

    // The create is answered, but the instance dies before its background kick.
    let req = http::Request::builder()
        .method("POST")
        .uri(format!("{ws}/objectives"))
        .header("authorization", format!("Bearer {token}"))
        .body(serde_json::to_vec(&json!({"agentId": agent_id, "initialMessage": "hi"})).unwrap())
        .unwrap();
    let (resp, _never_run) = objectives::APP.handle(host.env(), req);
    assert_eq!(resp.status(), 201);
    let id = serde_json::from_slice::<Value>(resp.body()).unwrap()["metadata"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(host.http.sent.borrow().is_empty());

    host.http.then_json(
        200,
        json!({"choices": [{"message": {"content": "hello"}}]}),
        &[],
    );
    assert_eq!(super::tick(host.env()), Ok(1));
    let (_, o, _) = call(
        &objectives::APP,
        &host,
        "GET",
        &format!("{ws}/objectives/{id}"),
        Some(&token),
        None,
    );
    assert_eq!(o["status"], "OBJECTIVE_STATUS_COMPLETED", "{o}");
    // nothing is due any more
    assert_eq!(super::tick(host.env()), Ok(0));
    assert_eq!(host.http.sent.borrow().len(), 1);
}

#[test]
fn webhook_deliveries_are_signed_retried_and_in_order() {
    let host = NativeHost::new();
    let b = provision(&host);
    host.vars.set("openai_api_key", "sk-test");
    host.vars.set("webhook_retry_schedule", "1s,1s");
    let token = b.api_key.spec.token.clone().unwrap();
    let ws = format!("/v1/workspaces/{}", b.workspace.metadata.id);
    let agent = post(
        &agents::APP,
        &host,
        &token,
        &format!("{ws}/agents"),
        json!({"metadata": {"name": "a"}, "spec": {"status": "AGENT_STATUS_PUBLISHED", "webhookEventsUrl": "https://hooks.example.com/in"}}),
    );
    let agent_id = agent["metadata"]["id"].as_str().unwrap();
    post(
        &variations::APP,
        &host,
        &token,
        &format!("{ws}/agents/{agent_id}/variations"),
        json!({"metadata": {"name": "v"}, "spec": {"modelConfig": {"modelId": "openai/m"}}}),
    );
    host.http.then_json(
        200,
        json!({"choices": [{"message": {"content": "hello"}}]}),
        &[],
    );
    post(
        &objectives::APP,
        &host,
        &token,
        &format!("{ws}/objectives"),
        json!({"agentId": agent_id, "initialMessage": "hi"}),
    );
    let sent_before = host.http.sent.borrow().len();

    // USER_MESSAGE then ASSISTANT_MESSAGE are queued; the first fails twice
    host.http.then_json(500, json!({}), &[]);
    let env = host.env();
    assert_eq!(
        engine::webhooks::deliver_due(&env, 5_000),
        Ok(1),
        "the second waits for the first"
    );
    host.clock.advance(1_000);
    host.http.then_json(503, json!({}), &[]);
    assert_eq!(engine::webhooks::deliver_due(&env, 5_000), Ok(1));
    host.clock.advance(1_000);
    host.http.then_json(200, json!({"ok": true}), &[]);
    host.http.then_json(200, json!({"ok": true}), &[]);
    assert_eq!(engine::webhooks::deliver_due(&env, 5_000), Ok(2));

    let sent = host.http.sent.borrow();
    let hooks: Vec<&http::Request<Vec<u8>>> = sent[sent_before..].iter().collect();
    assert_eq!(hooks.len(), 4);
    let secret =
        store::identity::webhook_secret(&store::Db::new(env.sql), &b.account.metadata.id, "unused")
            .unwrap();
    for h in &hooks {
        let id = h.headers()["webhook-id"].to_str().unwrap();
        let ts: i64 = h.headers()["webhook-timestamp"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let expected = engine::webhooks::sign(&secret, id, ts, h.body()).unwrap();
        assert_eq!(h.headers()["webhook-signature"].to_str().unwrap(), expected);
    }
    let types: Vec<String> = hooks
        .iter()
        .map(|h| {
            serde_json::from_slice::<Value>(h.body()).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        types,
        ["OBJECTIVE_EVENT_TYPE_USER_MESSAGE"; 3]
            .iter()
            .map(|s| s.to_string())
            .chain(["OBJECTIVE_EVENT_TYPE_ASSISTANT_MESSAGE".to_string()])
            .collect::<Vec<_>>()
    );
    drop(sent);
    let (_, page, _) = call(
        &agents::APP,
        &host,
        "GET",
        &format!("{ws}/agents/{agent_id}/webhook_deliveries?sortOrder=asc"),
        Some(&token),
        None,
    );
    assert_eq!(page["items"][0]["data"]["attemptCount"], 3);
    assert_eq!(
        page["items"][0]["data"]["status"],
        "WEBHOOK_DELIVERY_STATUS_COMPLETED"
    );
    assert_eq!(page["items"][1]["data"]["attemptCount"], 1);
}
