//! Component tests: memory layers and entries over the native host.

use super::APP;
use serde_json::json;
use web::testing::Harness;

#[test]
fn entry_count_follows_creates_and_deletes() {
    let h = Harness::new(&APP);
    let layer = h.created("/memory_layers", json!({"metadata": {"name": "kb"}}));
    assert_eq!(layer["spec"]["type"], "MEMORY_LAYER_TYPE_USER");
    let layer_path = format!(
        "/memory_layers/{}",
        layer["metadata"]["id"].as_str().unwrap()
    );
    let entries = format!("{layer_path}/entries");
    let e = h.created(
        &entries,
        json!({"spec": {"key": "greeting", "content": "hi"}}),
    );
    assert_eq!(e["metadata"]["name"], "greeting");
    h.in_ws(
        "POST",
        &entries,
        Some(json!({"spec": {"key": "bye", "content": "ciao"}})),
    );
    assert_eq!(h.in_ws("GET", &layer_path, None).1["info"]["entryCount"], 2);
    let (status, err) = h.in_ws(
        "POST",
        &entries,
        Some(json!({"spec": {"key": "bye", "content": "again"}})),
    );
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (409, Some("spec.key"))
    );
    let (_, listed) = h.in_ws("GET", &entries, None);
    assert!(listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["spec"].get("content").is_none()));
    let id = e["metadata"]["id"].as_str().unwrap();
    assert_eq!(
        h.in_ws("GET", &format!("{entries}/{id}"), None).1["spec"]["content"],
        "hi"
    );
    assert_eq!(h.in_ws("DELETE", &format!("{entries}/{id}"), None).0, 204);
    assert_eq!(h.in_ws("GET", &layer_path, None).1["info"]["entryCount"], 1);
    assert_eq!(h.in_ws("DELETE", &layer_path, None).0, 204);
    assert_eq!(h.in_ws("GET", &entries, None).0, 404);
}

#[test]
fn entry_patch_merges_and_validates() {
    let h = Harness::new(&APP);
    let (_, layer) = h.in_ws(
        "POST",
        "/memory_layers",
        Some(json!({"metadata": {"name": "kb"}})),
    );
    let entries = format!(
        "/memory_layers/{}/entries",
        layer["metadata"]["id"].as_str().unwrap()
    );
    let (_, e) = h.in_ws(
        "POST",
        &entries,
        Some(json!({"spec": {"key": "k", "content": "v1", "description": "d"}})),
    );
    let path = format!("{entries}/{}", e["metadata"]["id"].as_str().unwrap());
    let (status, out) = h.in_ws("PATCH", &path, Some(json!({"spec": {"content": "v2"}})));
    assert_eq!(status, 200);
    assert_eq!(
        (
            out["spec"]["content"].as_str(),
            out["spec"]["description"].as_str()
        ),
        (Some("v2"), Some("d"))
    );
    let (status, err) = h.in_ws("PATCH", &path, Some(json!({"spec": {"key": "system/x"}})));
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (400, Some("spec.key"))
    );
}

#[test]
fn serves_every_memory_operation_of_the_catalog() {
    web::testing::assert_serves_catalog(&APP, api::memory::ALL);
}
