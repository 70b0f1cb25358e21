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
