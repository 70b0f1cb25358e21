//! Component tests: the MCP endpoint over the native host (the wire, sessions, the
//! tool list and what it costs). Agent calls run the engine; tests/e2e covers them.

use super::APP;
use ports::HttpService;
use serde_json::{json, Value};
use web::testing::Harness;

/// POSTs one JSON-RPC message to the short form; status, body, session header.
fn post(h: &Harness<web::App>, session: Option<&str>, msg: Value) -> (u16, Value, Option<String>) {
    let mut req = http::Request::builder()
        .method("POST")
        .uri("/v1/mcp")
        .header("authorization", format!("Bearer {}", h.token))
        .header("content-type", "application/json");
    if let Some(s) = session {
        req = req.header("mcp-session-id", s);
    }
    let req = req.body(serde_json::to_vec(&msg).unwrap()).unwrap();
    let env = h.host.env();
    let (resp, after) = APP.handle(env, req);
    APP.after(env, after);
    let header = resp
        .headers()
        .get("mcp-session-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = if resp.body().is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(resp.body()).unwrap()
    };
    (resp.status().as_u16(), body, header)
}

fn initialize(h: &Harness<web::App>) -> String {
    let (status, body, session) = post(
        h,
        None,
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
               "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(body["result"]["capabilities"]["tools"]["listChanged"], true);
    session.expect("initialize answers with a session")
}

fn agent(h: &Harness<web::App>, name: &str, status: &str) {
    h.expect_on(
        &agents::APP,
        "POST",
        "/agents",
        Some(json!({"metadata": {"name": name}, "spec": {"status": status, "description": format!("{name} does things")}})),
        201,
    );
}

fn tool_names(body: &Value) -> Vec<String> {
    body["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn sessions_open_answer_and_end() {
    let h = Harness::new(&APP);
    let session = initialize(&h);
    assert!(
        session.starts_with("mcps_") && session.len() == 37,
        "{session}"
    );
    let ping = json!({"jsonrpc": "2.0", "id": "p", "method": "ping"});
    let (status, body, _) = post(&h, Some(&session), ping.clone());
    assert_eq!(
        (status, body),
        (200, json!({"jsonrpc": "2.0", "id": "p", "result": {}}))
    );
    let (status, body, _) = post(&h, None, ping.clone());
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], -32600);
    let (status, body, _) = post(&h, Some("mcps_0000"), ping.clone());
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], -32001);
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(post(&h, Some(&session), note).0, 202);
    let (status, body, _) = post(
        &h,
        Some(&session),
        json!({"jsonrpc": "2.0", "id": 2, "method": "resources/list"}),
    );
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (200, json!(-32601))
    );

    let (status, _, _) =
        web::testing::call(&APP, &h.host, "DELETE", "/v1/mcp", Some(&h.token), None);
    assert_eq!(status, 400, "DELETE names its session");
    let req = http::Request::builder()
        .method("DELETE")
        .uri("/v1/mcp")
        .header("authorization", format!("Bearer {}", h.token))
        .header("mcp-session-id", &session)
        .body(Vec::new())
        .unwrap();
    assert_eq!(APP.handle(h.host.env(), req).0.status().as_u16(), 204);
    assert_eq!(post(&h, Some(&session), ping).0, 404);
}

#[test]
fn published_agents_are_tools_named_like_sub_agents() {
    let h = Harness::new(&APP);
    agent(&h, "Research Assistant", "AGENT_STATUS_PUBLISHED");
    agent(&h, "research assistant", "AGENT_STATUS_PUBLISHED");
    agent(&h, "cadenya_get_objective", "AGENT_STATUS_PUBLISHED");
    agent(&h, "draft", "AGENT_STATUS_DRAFT");
    let session = initialize(&h);
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let before = h.statements();
    let (status, body, _) = post(&h, Some(&session), list);
    assert_eq!(status, 200);
    // the published agents, in one statement (the schema is known current by now)
    assert_eq!(h.statements() - before, 1);
    let names = tool_names(&body);
    // agents created in the same millisecond have no order between them
    let mut agents = names[..3].to_vec();
    agents.sort();
    assert_eq!(
        agents,
        [
            "cadenya_get_objective_2",
            "research_assistant",
            "research_assistant_2"
        ]
    );
    assert_eq!(
        names[3..],
        [
            "cadenya_list_objectives",
            "cadenya_get_objective",
            "cadenya_approve_tool_call",
            "cadenya_deny_tool_call",
            "cadenya_cancel_objective",
        ]
    );
    let first = &body["result"]["tools"][0];
    assert!(first["description"]
        .as_str()
        .unwrap()
        .ends_with(" does things"));
    assert_eq!(first["inputSchema"]["required"], json!(["message"]));
}

#[test]
fn an_unknown_tool_is_invalid_params() {
    let h = Harness::new(&APP);
    let session = initialize(&h);
    let (status, body, _) = post(
        &h,
        Some(&session),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "nope", "arguments": {}}}),
    );
    assert_eq!(status, 200);
    assert_eq!(body["error"]["code"], -32602);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("`nope`"));
}

/// Opens the session's `GET` stream and runs it to its end (the manual clock jumps
/// instead of sleeping); `on_write` sees each chunk as it is written.
fn listen(h: &Harness<web::App>, session: &str, on_write: &mut dyn FnMut(&str)) -> String {
    let req = http::Request::builder()
        .method("GET")
        .uri("/v1/mcp")
        .header("authorization", format!("Bearer {}", h.token))
        .header("accept", "text/event-stream")
        .header("mcp-session-id", session)
        .body(Vec::new())
        .unwrap();
    let env = h.host.env();
    let (resp, after) = APP.handle(env, req);
    assert_eq!(resp.status().as_u16(), 200);
    assert!(APP.streams(&after), "GET answers with a stream");
    let mut out = String::new();
    APP.stream(env, &after, &mut |chunk| {
        let chunk = std::str::from_utf8(chunk).unwrap();
        out.push_str(chunk);
        on_write(chunk);
        true
    });
    out
}

#[test]
fn an_idle_listen_stream_reads_the_agents_once_and_a_publish_is_announced() {
    let h = Harness::new(&APP).with_vars(&[
        ("event_stream_max_seconds", "60"),
        ("event_stream_heartbeat_seconds", "10"),
    ]);
    agent(&h, "first", "AGENT_STATUS_PUBLISHED");
    let session = initialize(&h);
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    assert_eq!(post(&h, Some(&session), list).0, 200);

    // sixty polls, one load (and the stream's schema check): the agents counter stood
    // still after the first
    let before = h.statements();
    let idle = listen(&h, &session, &mut |_| {});
    assert_eq!(h.statements() - before, 2);
    assert!(!idle.contains("list_changed"), "{idle}");
    assert_eq!(idle.matches(": keep-alive").count(), 5, "{idle}");

    // a publish halfway through is announced once
    let mut published = false;
    let changed = listen(&h, &session, &mut |chunk| {
        if chunk.contains("keep-alive") && !published {
            published = true;
            agent(&h, "second", "AGENT_STATUS_PUBLISHED");
        }
    });
    assert!(published);
    assert_eq!(
        changed
            .matches("\"method\":\"notifications/tools/list_changed\"")
            .count(),
        1,
        "{changed}"
    );
}
