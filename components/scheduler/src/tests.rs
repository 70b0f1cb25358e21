//! The tick over the native host: work nobody kicked is picked up.

use serde_json::{json, Value};
use web::testing::Harness;
use web::App;

/// A harness on objectives with a model key and `vars`, and a published agent with
/// `agent_spec` whose one variation runs on `openai/m`; returns the agent's id too.
fn setup(vars: &[(&str, &str)], agent_spec: Value) -> (Harness<App>, String) {
    let h = Harness::new(&objectives::APP)
        .with_vars(&[("openai_api_key", "sk-test")])
        .with_vars(vars);
    let agent = h.expect_on(
        &agents::APP,
        "POST",
        "/agents",
        Some(json!({"metadata": {"name": "a"}, "spec": agent_spec})),
        201,
    );
    let agent_id = agent["metadata"]["id"].as_str().unwrap().to_owned();
    h.expect_on(
        &variations::APP,
        "POST",
        &format!("/agents/{agent_id}/variations"),
        Some(json!({"metadata": {"name": "v"}, "spec": {"modelConfig": {"modelId": "openai/m"}}})),
        201,
    );
    (h, agent_id)
}

#[test]
fn a_tick_runs_objectives_whose_kick_never_happened() {
    let (h, agent_id) = setup(&[], json!({"status": "AGENT_STATUS_PUBLISHED"}));
    let host = &h.host;

    // The create is answered, but the instance dies before its background kick.
    let (status, o) = h.without_after(
        &objectives::APP,
        "POST",
        "/objectives",
        Some(json!({"agentId": agent_id, "initialMessage": "hi"})),
    );
    assert_eq!(status, 201);
    let id = o["metadata"]["id"].as_str().unwrap().to_owned();
    assert!(host.http.sent.borrow().is_empty());

    host.http.then_json(
        200,
        json!({"choices": [{"message": {"content": "hello"}}]}),
        &[],
    );
    assert_eq!(super::tick(host.env()), Ok(1));
    let (_, o) = h.in_ws("GET", &format!("/objectives/{id}"), None);
    assert_eq!(o["status"], "OBJECTIVE_STATUS_COMPLETED", "{o}");
    // nothing is due any more
    assert_eq!(super::tick(host.env()), Ok(0));
    assert_eq!(host.http.sent.borrow().len(), 1);
}

#[test]
fn webhook_deliveries_are_signed_retried_and_in_order() {
    let (h, agent_id) = setup(
        &[("webhook_retry_schedule", "1s,1s")],
        json!({"status": "AGENT_STATUS_PUBLISHED", "webhookEventsUrl": "https://hooks.example.com/in"}),
    );
    let host = &h.host;
    host.http.then_json(
        200,
        json!({"choices": [{"message": {"content": "hello"}}]}),
        &[],
    );
    h.created(
        "/objectives",
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
    let secret = store::identity::webhook_secret(
        &store::Db::new(env.sql),
        &h.boot.account.metadata.id,
        "unused",
    )
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
    let (_, page) = h.on(
        &agents::APP,
        "GET",
        &format!("/agents/{agent_id}/webhook_deliveries?sortOrder=asc"),
        None,
    );
    assert_eq!(page["items"][0]["data"]["attemptCount"], 3);
    assert_eq!(
        page["items"][0]["data"]["status"],
        "WEBHOOK_DELIVERY_STATUS_COMPLETED"
    );
    assert_eq!(page["items"][1]["data"]["attemptCount"], 1);
}
