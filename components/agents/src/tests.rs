//! Component tests: the agent handlers over the native host.

use super::APP;
use host::native::NativeHost;
use serde_json::{json, Value};
use web::testing::{call, provision};

struct Setup {
    host: NativeHost,
    token: String,
    base: String,
}

fn setup() -> Setup {
    let host = NativeHost::new();
    let b = provision(&host);
    Setup {
        token: b.api_key.spec.token.clone().expect("token"),
        base: format!("/v1/workspaces/{}/agents", b.workspace.metadata.id),
        host,
    }
}

impl Setup {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let (s, b, _) = call(&APP, &self.host, method, path, Some(&self.token), body);
        (s, b)
    }

    fn create(&self, body: Value) -> Value {
        let (status, agent) = self.call("POST", &self.base, Some(body));
        assert_eq!(status, 201, "{agent}");
        agent
    }
}

#[test]
fn create_applies_defaults_and_get_adds_info() {
    let s = setup();
    let a = s.create(json!({"metadata": {"name": "a"}}));
    assert_eq!(a["spec"]["status"], "AGENT_STATUS_DRAFT");
    assert_eq!(
        a["spec"]["variationSelectionMode"],
        "VARIATION_SELECTION_MODE_RANDOM"
    );
    assert!(a.get("info").is_none());
    let id = a["metadata"]["id"].as_str().unwrap();
    let (status, got) = s.call("GET", &format!("{}/{id}", s.base), None);
    assert_eq!(status, 200);
    assert_eq!(got["info"]["variationCount"], 0);
    assert_eq!(
        got["info"]["createdBy"]["metadata"]["id"],
        a["metadata"]["profileId"]
    );
}

#[test]
fn get_agent_costs_two_statements_before_the_response() {
    let s = setup();
    let a = s.create(json!({"metadata": {"name": "a"}}));
    let path = format!("{}/{}", s.base, a["metadata"]["id"].as_str().unwrap());
    let before = s.host.sql.statements.get();
    assert_eq!(s.call("GET", &path, None).0, 200);
    // auth (+ schema check) and the agent with its info; then relax sync + audit insert
    assert_eq!(s.host.sql.statements.get() - before, 4);
}

#[test]
fn patch_validates_the_merged_result() {
    let s = setup();
    let a = s.create(json!({"metadata": {"name": "a"}, "spec": {"description": "d"}}));
    let path = format!("{}/{}", s.base, a["metadata"]["id"].as_str().unwrap());
    let (status, err) = s.call(
        "PATCH",
        &path,
        Some(json!({"spec": {"webhookEventsUrl": "nope"}})),
    );
    assert_eq!(status, 400);
    assert_eq!(err["error"]["details"][0]["field"], "spec.webhookEventsUrl");
    let (status, err) = s.call("PATCH", &path, Some(json!({"spec": {"status": 3}})));
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (400, Some("spec.status"))
    );
    let (status, out) = s.call(
        "PATCH",
        &format!("{path}?updateMask=spec"),
        Some(json!({"spec": {"status": "AGENT_STATUS_PUBLISHED"}})),
    );
    assert_eq!(status, 200);
    // masking the whole section resets what the body leaves out
    assert_eq!(out["spec"]["status"], "AGENT_STATUS_PUBLISHED");
    assert!(out["spec"].get("description").is_none());
    let (status, _) = s.call(
        "PATCH",
        &format!("{path}?updateMask=spec.status"),
        Some(json!({"updateMask": "spec.description"})),
    );
    assert_eq!(status, 400);
}

#[test]
fn counts_follow_creates_and_deletes() {
    let s = setup();
    let ids: Vec<String> = (0..3)
        .map(|i| {
            s.create(json!({"metadata": {"name": format!("a{i}")}}))["metadata"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(s.call("GET", &s.base, None).1["pagination"]["total"], 3);
    assert_eq!(
        s.call("DELETE", &format!("{}/{}", s.base, ids[0]), None).0,
        204
    );
    assert_eq!(s.call("GET", &s.base, None).1["pagination"]["total"], 2);
    assert_eq!(
        s.call("GET", &format!("{}?prefix=a1", s.base), None).1["pagination"]["total"],
        1
    );
}

#[test]
fn archived_agents_must_be_unarchived_first() {
    let s = setup();
    let a =
        s.create(json!({"metadata": {"name": "a"}, "spec": {"status": "AGENT_STATUS_ARCHIVED"}}));
    let path = format!("{}/{}", s.base, a["metadata"]["id"].as_str().unwrap());
    assert_eq!(s.call("POST", &format!("{path}:publish"), None).0, 409);
    assert_eq!(
        s.call("POST", &format!("{path}:unarchive"), None).1["spec"]["status"],
        "AGENT_STATUS_DRAFT"
    );
    assert_eq!(
        s.call("POST", &format!("{path}:publish"), None).1["spec"]["status"],
        "AGENT_STATUS_PUBLISHED"
    );
}

#[test]
fn serves_every_agent_operation_of_the_catalog() {
    let served: Vec<&str> = APP.routes.iter().map(|r| r.op.id).collect();
    // deliveries and feedback live under /agents/{agentId}/ too
    let catalog: Vec<&str> = api::webhooks::ALL
        .iter()
        .chain(api::agents::ALL)
        .map(|op| op.id)
        .collect();
    assert_eq!(served, catalog);
    // and /openapi.json documents every one of them
    let documented: Vec<&str> = api::all().iter().map(|op| op.id).collect();
    assert!(served.iter().all(|id| documented.contains(id)));
}
