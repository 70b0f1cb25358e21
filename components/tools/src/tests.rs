//! Component tests: tool sets, tools, secrets and MCP sync over the native host.

use super::APP;
use serde_json::{json, Value};
use web::testing::Harness;
use web::App;

/// The harness, allowed to reach the scripted servers on private addresses.
fn setup() -> Harness<App> {
    Harness::new(&APP).with_vars(&[("allow_private_targets", "true")])
}

/// Scripts one MCP session listing `tools`.
fn serve_mcp(h: &Harness<App>, tools: Value) {
    let http = &h.host.http;
    http.then_json(
        200,
        json!({"jsonrpc": "2.0", "id": 1, "result": {"protocolVersion": "2025-06-18"}}),
        &[("mcp-session-id", "s")],
    );
    http.then(|_| {
        Ok(http::Response::builder()
            .status(202)
            .body(Vec::new())
            .unwrap())
    });
    http.then_json(
        200,
        json!({"jsonrpc": "2.0", "id": 2, "result": {"tools": tools}}),
        &[],
    );
}

#[test]
fn tool_llm_names_default_and_stay_unique() {
    let h = setup();
    let set = h.created("/tool_sets", json!({"metadata": {"name": "api"}, "spec": {"adapter": {"type": "http", "http": {"baseUrl": "https://api.example.com"}}}}));
    let tools = format!(
        "/tool_sets/{}/tools",
        set["metadata"]["id"].as_str().unwrap()
    );
    let body = json!({"metadata": {"name": "Get weather (v2)!"}, "spec": {"description": "d", "parameters": {}, "config": {"type": "http", "http": {"requestMethod": "GET", "path": "/w"}}}});
    let tool = h.created(&tools, body.clone());
    assert_eq!(tool["spec"]["llmToolName"], "Get_weather_v2");
    assert_eq!(tool["spec"]["requiresApproval"], false);
    let (status, err) = h.in_ws("POST", &tools, Some(body));
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (409, Some("spec.llmToolName"))
    );
}

#[test]
fn sync_upserts_and_archives_vanished_tools_with_the_secret_header() {
    let h = setup();
    h.created(
        "/workspace_secrets",
        json!({"metadata": {"name": "MCP_TOKEN"}, "spec": {"value": "tok-123"}}),
    );
    let set = h.created("/tool_sets", json!({"metadata": {"name": "mcp"}, "spec": {"adapter": {"type": "mcp", "mcp": {"url": "http://127.0.0.1:9/mcp", "headers": {"Authorization": "Bearer {{secrets.MCP_TOKEN}}"}}}}}));
    let set_path = format!("/tool_sets/{}", set["metadata"]["id"].as_str().unwrap());
    let weather = json!({"name": "get_weather", "description": "Weather", "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}});
    serve_mcp(
        &h,
        json!([weather, {"name": "add", "inputSchema": {"type": "object"}}]),
    );
    let (status, synced) = h.in_ws("POST", &format!("{set_path}:sync"), None);
    assert_eq!(status, 200, "{synced}");
    assert!(synced["info"]["lastSync"].is_string());
    assert!(synced["info"].get("lastSyncError").is_none(), "{synced}");
    assert_eq!(synced["info"]["toolCount"], 2);
    {
        let sent = h.host.http.sent.borrow();
        assert_eq!(sent.len(), 3);
        assert!(sent
            .iter()
            .all(|r| r.headers()["authorization"] == "Bearer tok-123"));
    }
    let (_, listed) = h.in_ws("GET", &format!("{set_path}/tools?sortOrder=asc"), None);
    let items = listed["items"].as_array().unwrap();
    let weather_tool = items
        .iter()
        .find(|t| t["spec"]["config"]["mcp"]["toolName"] == "get_weather")
        .unwrap();
    assert_eq!(weather_tool["spec"]["parameters"], weather["inputSchema"]);
    let weather_id = weather_tool["metadata"]["id"].clone();

    // second sync: add vanished, weather stays with the same id
    serve_mcp(&h, json!([weather]));
    let (_, synced) = h.in_ws("POST", &format!("{set_path}:sync"), None);
    assert_eq!(synced["info"]["availableTools"], 1);
    let (_, listed) = h.in_ws("GET", &format!("{set_path}/tools"), None);
    let by_name = |n: &str| {
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["spec"]["config"]["mcp"]["toolName"] == n)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_name("get_weather")["metadata"]["id"], weather_id);
    assert_eq!(by_name("add")["state"], "STATE_ARCHIVED");

    // a failing server is recorded, not answered as an error; the secret never shows
    h.host.http.then_json(401, json!({}), &[]);
    let (status, failed) = h.in_ws("POST", &format!("{set_path}:sync"), None);
    assert_eq!(status, 200);
    let error = failed["info"]["lastSyncError"].as_str().unwrap();
    assert!(error.contains("401"), "{error}");
    assert!(!failed.to_string().contains("tok-123"));
}

#[test]
fn sync_refuses_private_targets_unless_allowed_and_non_mcp_sets() {
    let h = setup();
    h.host.vars.set("allow_private_targets", "");
    let set = h.created("/tool_sets", json!({"metadata": {"name": "mcp"}, "spec": {"adapter": {"type": "mcp", "mcp": {"url": "http://169.254.169.254/mcp"}}}}));
    let path = format!(
        "/tool_sets/{}:sync",
        set["metadata"]["id"].as_str().unwrap()
    );
    let (_, out) = h.in_ws("POST", &path, None);
    assert!(out["info"]["lastSyncError"]
        .as_str()
        .unwrap()
        .contains("allow_private_targets"));
    assert!(h.host.http.sent.borrow().is_empty());
    let bare = h.created(
        "/tool_sets",
        json!({"metadata": {"name": "b"}, "spec": {"adapter": {"type": "bare", "bare": {}}}}),
    );
    let (status, _) = h.in_ws(
        "POST",
        &format!(
            "/tool_sets/{}:sync",
            bare["metadata"]["id"].as_str().unwrap()
        ),
        None,
    );
    assert_eq!(status, 409);
}

#[test]
fn secrets_are_write_only() {
    let h = setup();
    let secret = h.created(
        "/workspace_secrets",
        json!({"metadata": {"name": "API_KEY"}, "spec": {"value": "hunter2"}}),
    );
    assert_eq!(secret["spec"], json!({"hasValue": true}));
    let path = format!(
        "/workspace_secrets/{}",
        secret["metadata"]["id"].as_str().unwrap()
    );
    for (method, body) in [
        ("GET", None),
        (
            "PATCH",
            Some(json!({"spec": {"value": "hunter3"}, "metadata": {"labels": {"a": "b"}}})),
        ),
    ] {
        let (status, out) = h.in_ws(method, &path, body);
        assert_eq!(status, 200);
        assert!(!out.to_string().contains("hunter"), "{out}");
    }
    let (_, listed) = h.in_ws("GET", "/workspace_secrets", None);
    assert!(!listed.to_string().contains("hunter"));
    let (status, err) = h.in_ws(
        "POST",
        "/workspace_secrets",
        Some(json!({"metadata": {"name": "bad name"}, "spec": {"value": "x"}})),
    );
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (400, Some("metadata.name"))
    );
}

#[test]
fn serves_every_tools_operation_of_the_catalog() {
    web::testing::assert_serves_catalog(&APP, api::tools::ALL);
}
