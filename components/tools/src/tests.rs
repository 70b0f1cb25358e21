//! Component tests: tool sets, tools, secrets and MCP sync over the native host.

use super::APP;
use host::native::NativeHost;
use serde_json::{json, Value};
use web::testing::{call, provision};

struct Setup {
    host: NativeHost,
    token: String,
    ws: String,
}

fn setup() -> Setup {
    let host = NativeHost::new();
    let b = provision(&host);
    host.vars.set("allow_private_targets", "true");
    Setup {
        token: b.api_key.spec.token.clone().expect("token"),
        ws: format!("/v1/workspaces/{}", b.workspace.metadata.id),
        host,
    }
}

impl Setup {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let (s, b, _) = call(&APP, &self.host, method, path, Some(&self.token), body);
        (s, b)
    }

    fn created(&self, path: &str, body: Value) -> Value {
        let (status, out) = self.call("POST", &format!("{}{path}", self.ws), Some(body));
        assert_eq!(status, 201, "{out}");
        out
    }

    /// Scripts one MCP session listing `tools`.
    fn serve_mcp(&self, tools: Value) {
        let http = &self.host.http;
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
}

#[test]
fn tool_llm_names_default_and_stay_unique() {
    let s = setup();
    let set = s.created("/tool_sets", json!({"metadata": {"name": "api"}, "spec": {"adapter": {"type": "http", "http": {"baseUrl": "https://api.example.com"}}}}));
    let tools = format!(
        "/tool_sets/{}/tools",
        set["metadata"]["id"].as_str().unwrap()
    );
    let body = json!({"metadata": {"name": "Get weather (v2)!"}, "spec": {"description": "d", "parameters": {}, "config": {"type": "http", "http": {"requestMethod": "GET", "path": "/w"}}}});
    let tool = s.created(&tools, body.clone());
    assert_eq!(tool["spec"]["llmToolName"], "Get_weather_v2");
    assert_eq!(tool["spec"]["requiresApproval"], false);
    let (status, err) = s.call("POST", &format!("{}{tools}", s.ws), Some(body));
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (409, Some("spec.llmToolName"))
    );
}

#[test]
fn sync_upserts_and_archives_vanished_tools_with_the_secret_header() {
    let s = setup();
    s.created(
        "/workspace_secrets",
        json!({"metadata": {"name": "MCP_TOKEN"}, "spec": {"value": "tok-123"}}),
    );
    let set = s.created("/tool_sets", json!({"metadata": {"name": "mcp"}, "spec": {"adapter": {"type": "mcp", "mcp": {"url": "http://127.0.0.1:9/mcp", "headers": {"Authorization": "Bearer {{secrets.MCP_TOKEN}}"}}}}}));
    let set_path = format!(
        "{}/tool_sets/{}",
        s.ws,
        set["metadata"]["id"].as_str().unwrap()
    );
    let weather = json!({"name": "get_weather", "description": "Weather", "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}});
    s.serve_mcp(json!([weather, {"name": "add", "inputSchema": {"type": "object"}}]));
    let (status, synced) = s.call("POST", &format!("{set_path}:sync"), None);
    assert_eq!(status, 200, "{synced}");
    assert!(synced["info"]["lastSync"].is_string());
    assert!(synced["info"].get("lastSyncError").is_none(), "{synced}");
    assert_eq!(synced["info"]["toolCount"], 2);
    {
        let sent = s.host.http.sent.borrow();
        assert_eq!(sent.len(), 3);
        assert!(sent
            .iter()
            .all(|r| r.headers()["authorization"] == "Bearer tok-123"));
    }
    let (_, listed) = s.call("GET", &format!("{set_path}/tools?sortOrder=asc"), None);
    let items = listed["items"].as_array().unwrap();
    let weather_tool = items
        .iter()
        .find(|t| t["spec"]["config"]["mcp"]["toolName"] == "get_weather")
        .unwrap();
    assert_eq!(weather_tool["spec"]["parameters"], weather["inputSchema"]);
    let weather_id = weather_tool["metadata"]["id"].clone();

    // second sync: add vanished, weather stays with the same id
    s.serve_mcp(json!([weather]));
    let (_, synced) = s.call("POST", &format!("{set_path}:sync"), None);
    assert_eq!(synced["info"]["availableTools"], 1);
    let (_, listed) = s.call("GET", &format!("{set_path}/tools"), None);
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
    s.host.http.then_json(401, json!({}), &[]);
    let (status, failed) = s.call("POST", &format!("{set_path}:sync"), None);
    assert_eq!(status, 200);
    let error = failed["info"]["lastSyncError"].as_str().unwrap();
    assert!(error.contains("401"), "{error}");
    assert!(!failed.to_string().contains("tok-123"));
}

#[test]
fn sync_refuses_private_targets_unless_allowed_and_non_mcp_sets() {
    let s = setup();
    s.host.vars.set("allow_private_targets", "");
    let set = s.created("/tool_sets", json!({"metadata": {"name": "mcp"}, "spec": {"adapter": {"type": "mcp", "mcp": {"url": "http://169.254.169.254/mcp"}}}}));
    let path = format!(
        "{}/tool_sets/{}:sync",
        s.ws,
        set["metadata"]["id"].as_str().unwrap()
    );
    let (_, out) = s.call("POST", &path, None);
    assert!(out["info"]["lastSyncError"]
        .as_str()
        .unwrap()
        .contains("allow_private_targets"));
    assert!(s.host.http.sent.borrow().is_empty());
    let bare = s.created(
        "/tool_sets",
        json!({"metadata": {"name": "b"}, "spec": {"adapter": {"type": "bare", "bare": {}}}}),
    );
    let (status, _) = s.call(
        "POST",
        &format!(
            "{}/tool_sets/{}:sync",
            s.ws,
            bare["metadata"]["id"].as_str().unwrap()
        ),
        None,
    );
    assert_eq!(status, 409);
}

#[test]
fn secrets_are_write_only() {
    let s = setup();
    let secret = s.created(
        "/workspace_secrets",
        json!({"metadata": {"name": "API_KEY"}, "spec": {"value": "hunter2"}}),
    );
    assert_eq!(secret["spec"], json!({"hasValue": true}));
    let path = format!(
        "{}/workspace_secrets/{}",
        s.ws,
        secret["metadata"]["id"].as_str().unwrap()
    );
    for (method, body) in [
        ("GET", None),
        (
            "PATCH",
            Some(json!({"spec": {"value": "hunter3"}, "metadata": {"labels": {"a": "b"}}})),
        ),
    ] {
        let (status, out) = s.call(method, &path, body);
        assert_eq!(status, 200);
        assert!(!out.to_string().contains("hunter"), "{out}");
    }
    let (_, listed) = s.call("GET", &format!("{}/workspace_secrets", s.ws), None);
    assert!(!listed.to_string().contains("hunter"));
    let (status, err) = s.call(
        "POST",
        &format!("{}/workspace_secrets", s.ws),
        Some(json!({"metadata": {"name": "bad name"}, "spec": {"value": "x"}})),
    );
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (400, Some("metadata.name"))
    );
}

#[test]
fn serves_every_tools_operation_of_the_catalog() {
    let served: Vec<&str> = APP.routes.iter().map(|r| r.op.id).collect();
    let catalog: Vec<&str> = api::tools::ALL.iter().map(|op| op.id).collect();
    assert_eq!(served, catalog);
    // and /openapi.json documents every one of them
    let documented: Vec<&str> = api::all().iter().map(|op| op.id).collect();
    assert!(served.iter().all(|id| documented.contains(id)));
}
