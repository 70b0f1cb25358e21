//! Component tests: objectives over the native host, the engine kicked after each
//! request as under Spin, model and tool servers scripted in `ScriptedHttp`.

mod create;
mod run;
mod tool_calls;
mod windows;

use super::APP;
use ports::Clock;
use serde_json::{json, Value};
use web::testing::Harness;
use web::App;

/// The harness with a model key, private tool servers allowed and rate limits out of
/// the way.
fn setup() -> Harness<App> {
    Harness::new(&APP).with_vars(&[
        ("openai_api_key", "sk-test"),
        ("allow_private_targets", "true"),
        ("rate_limit_per_second", "100000"),
        ("rate_limit_burst", "100000"),
    ])
}

/// A scripted model answer: `content` and tool `calls`, 100 prompt / 20 completion tokens.
fn reply(content: Option<&str>, calls: &[(&str, Value)]) -> Value {
    let calls: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(i, (name, args))| {
            json!({"id": format!("call_{i}"), "type": "function",
                   "function": {"name": name, "arguments": args.to_string()}})
        })
        .collect();
    json!({"choices": [{"message": {"role": "assistant", "content": content, "tool_calls": calls}}],
           "usage": {"prompt_tokens": 100, "completion_tokens": 20}})
}

/// What these tests set up and read through the objectives app.
trait Objectives {
    /// A published agent with one variation on `openai/m` (its spec extended by `spec`);
    /// returns the agent's and the variation's ids.
    fn agent(&self, spec: Value) -> (String, String);
    /// An HTTP tool assigned to the variation.
    fn http_tool(&self, agent: &str, variation: &str, requires_approval: bool);
    /// Creates an objective of `agent`; returns its id.
    fn create(&self, agent: &str) -> String;
    fn objective(&self, id: &str) -> Value;
    /// The objective's event types, without their common prefix.
    fn event_types(&self, id: &str) -> Vec<String>;
}

impl Objectives for Harness<App> {
    fn agent(&self, spec: Value) -> (String, String) {
        let agent = self.expect_on(
            &agents::APP,
            "POST",
            "/agents",
            Some(
                json!({"metadata": {"name": "a"}, "spec": {"status": "AGENT_STATUS_PUBLISHED",
                   "variationSelectionMode": "VARIATION_SELECTION_MODE_WEIGHTED"}}),
            ),
            201,
        );
        let id = agent["metadata"]["id"].as_str().unwrap().to_owned();
        let mut vspec =
            json!({"prompt": "You help {{ customer }}.", "modelConfig": {"modelId": "openai/m"}});
        vspec
            .as_object_mut()
            .unwrap()
            .extend(spec.as_object().cloned().unwrap_or_default());
        let v = self.expect_on(
            &variations::APP,
            "POST",
            &format!("/agents/{id}/variations"),
            Some(json!({"metadata": {"name": "v"}, "spec": vspec})),
            201,
        );
        (id, v["metadata"]["id"].as_str().unwrap().to_owned())
    }

    fn http_tool(&self, agent: &str, variation: &str, requires_approval: bool) {
        let on_tools =
            |rest: &str, body: Value| self.expect_on(&tools::APP, "POST", rest, Some(body), 201);
        on_tools(
            "/workspace_secrets",
            json!({"metadata": {"name": "API_TOKEN"}, "spec": {"value": "s3cr3t-value"}}),
        );
        let set = on_tools(
            "/tool_sets",
            json!({"metadata": {"name": "shop"}, "spec": {"adapter": {"type": "http", "http": {
                "baseUrl": "http://tools.test/api", "headers": {"Authorization": "Bearer {{secrets.API_TOKEN}}"}}}}}),
        );
        let set_id = set["metadata"]["id"].as_str().unwrap();
        let tool = on_tools(
            &format!("/tool_sets/{set_id}/tools"),
            json!({"metadata": {"name": "create_order"}, "spec": {"description": "Create an order",
                   "parameters": {"type": "object", "properties": {"orderId": {"type": "string"}, "quantity": {"type": "integer"}}},
                   "requiresApproval": requires_approval,
                   "config": {"type": "http", "http": {"requestMethod": "POST", "path": "/orders/{orderId}"}}}}),
        );
        self.expect_on(
            &variations::APP,
            "POST",
            &format!("/agents/{agent}/variations/{variation}/assignments"),
            Some(json!({"toolId": tool["metadata"]["id"]})),
            200,
        );
    }

    fn create(&self, agent: &str) -> String {
        let o = self.created(
            "/objectives",
            json!({"agentId": agent, "initialMessage": "order 3", "data": {"customer": "ACME"}}),
        );
        o["metadata"]["id"].as_str().unwrap().to_owned()
    }

    fn objective(&self, id: &str) -> Value {
        let (s, o) = self.in_ws("GET", &format!("/objectives/{id}"), None);
        assert_eq!(s, 200, "{o}");
        o
    }

    fn event_types(&self, id: &str) -> Vec<String> {
        let (_, page) = self.in_ws("GET", &format!("/objectives/{id}/events"), None);
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e["data"]["type"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("OBJECTIVE_EVENT_TYPE_")
                    .to_owned()
            })
            .collect()
    }
}
