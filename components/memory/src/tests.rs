//! Component tests: memory layers and entries over the native host.

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
        base: format!("/v1/workspaces/{}/memory_layers", b.workspace.metadata.id),
        host,
    }
}

impl Setup {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let (s, b, _) = call(&APP, &self.host, method, path, Some(&self.token), body);
        (s, b)
    }
}

#[test]
fn entry_count_follows_creates_and_deletes() {
    let s = setup();
    let (status, layer) = s.call("POST", &s.base, Some(json!({"metadata": {"name": "kb"}})));
    assert_eq!(status, 201);
    assert_eq!(layer["spec"]["type"], "MEMORY_LAYER_TYPE_USER");
    let entries = format!(
        "{}/{}/entries",
        s.base,
        layer["metadata"]["id"].as_str().unwrap()
    );
    let (status, e) = s.call(
        "POST",
        &entries,
        Some(json!({"spec": {"key": "greeting", "content": "hi"}})),
    );
    assert_eq!(status, 201);
    assert_eq!(e["metadata"]["name"], "greeting");
    s.call(
        "POST",
        &entries,
        Some(json!({"spec": {"key": "bye", "content": "ciao"}})),
    );
    let layer_path = format!("{}/{}", s.base, layer["metadata"]["id"].as_str().unwrap());
    assert_eq!(s.call("GET", &layer_path, None).1["info"]["entryCount"], 2);
    let (status, err) = s.call(
        "POST",
        &entries,
        Some(json!({"spec": {"key": "bye", "content": "again"}})),
    );
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (409, Some("spec.key"))
    );
    let (_, listed) = s.call("GET", &entries, None);
    assert!(listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["spec"].get("content").is_none()));
    let id = e["metadata"]["id"].as_str().unwrap();
    assert_eq!(
        s.call("GET", &format!("{entries}/{id}"), None).1["spec"]["content"],
        "hi"
    );
    assert_eq!(s.call("DELETE", &format!("{entries}/{id}"), None).0, 204);
    assert_eq!(s.call("GET", &layer_path, None).1["info"]["entryCount"], 1);
    assert_eq!(s.call("DELETE", &layer_path, None).0, 204);
    assert_eq!(s.call("GET", &entries, None).0, 404);
}

#[test]
fn entry_patch_merges_and_validates() {
    let s = setup();
    let (_, layer) = s.call("POST", &s.base, Some(json!({"metadata": {"name": "kb"}})));
    let entries = format!(
        "{}/{}/entries",
        s.base,
        layer["metadata"]["id"].as_str().unwrap()
    );
    let (_, e) = s.call(
        "POST",
        &entries,
        Some(json!({"spec": {"key": "k", "content": "v1", "description": "d"}})),
    );
    let path = format!("{entries}/{}", e["metadata"]["id"].as_str().unwrap());
    let (status, out) = s.call("PATCH", &path, Some(json!({"spec": {"content": "v2"}})));
    assert_eq!(status, 200);
    assert_eq!(
        (
            out["spec"]["content"].as_str(),
            out["spec"]["description"].as_str()
        ),
        (Some("v2"), Some("d"))
    );
    let (status, err) = s.call("PATCH", &path, Some(json!({"spec": {"key": "system/x"}})));
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (400, Some("spec.key"))
    );
}

#[test]
fn serves_every_memory_operation_of_the_catalog() {
    let served: Vec<&str> = APP.routes.iter().map(|r| r.op.id).collect();
    let catalog: Vec<&str> = api::memory::ALL.iter().map(|op| op.id).collect();
    assert_eq!(served, catalog);
    // and /openapi.json documents every one of them
    let documented: Vec<&str> = api::all().iter().map(|op| op.id).collect();
    assert!(served.iter().all(|id| documented.contains(id)));
}
