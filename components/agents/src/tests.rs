//! Component tests: the agent handlers over the native host.

use super::APP;
use serde_json::json;
use web::testing::Harness;

#[test]
fn create_applies_defaults_and_get_adds_info() {
    let h = Harness::new(&APP);
    let a = h.created("/agents", json!({"metadata": {"name": "a"}}));
    assert_eq!(a["spec"]["status"], "AGENT_STATUS_DRAFT");
    assert_eq!(
        a["spec"]["variationSelectionMode"],
        "VARIATION_SELECTION_MODE_RANDOM"
    );
    assert!(a.get("info").is_none());
    let id = a["metadata"]["id"].as_str().unwrap();
    let (status, got) = h.in_ws("GET", &format!("/agents/{id}"), None);
    assert_eq!(status, 200);
    assert_eq!(got["info"]["variationCount"], 0);
    assert_eq!(
        got["info"]["createdBy"]["metadata"]["id"],
        a["metadata"]["profileId"]
    );
}

#[test]
fn get_agent_is_served_from_the_cache_until_it_changes() {
    let h = Harness::new(&APP);
    let a = h.created("/agents", json!({"metadata": {"name": "a"}}));
    let path = format!("/agents/{}", a["metadata"]["id"].as_str().unwrap());
    let before = h.statements();
    assert_eq!(h.in_ws("GET", &path, None).0, 200);
    // the agent with its info, once (an earlier request found the schema current)
    assert_eq!(h.statements() - before, 1);
    let (before, reads) = (h.statements(), h.host.kv.reads.get());
    let (status, cached) = h.in_ws("GET", &path, None);
    assert_eq!(status, 200);
    assert_eq!(h.statements() - before, 0, "a cached read touches no SQL");
    // the key state, the schema flag and the agent come in one key-value read
    assert_eq!(h.host.kv.reads.get() - reads, 1);
    assert_eq!(cached["info"]["variationCount"], 0);
    // a write invalidates it before it answers
    let patched = json!({"spec": {"description": "new"}});
    assert_eq!(h.in_ws("PATCH", &path, Some(patched)).0, 200);
    let (_, fresh) = h.in_ws("GET", &path, None);
    assert_eq!(fresh["spec"]["description"], "new");
    // and so does a variation, which `info` counts
    let variation = json!({"metadata": {"name": "v"}});
    h.expect_on(
        &variations::APP,
        "POST",
        &format!("{path}/variations"),
        Some(variation),
        201,
    );
    let (_, counted) = h.in_ws("GET", &path, None);
    assert_eq!(counted["info"]["variationCount"], 1);
}

#[test]
fn agent_lists_are_cached_per_query_until_an_agent_changes() {
    let h = Harness::new(&APP);
    h.created("/agents", json!({"metadata": {"name": "a"}}));
    let (_, first) = h.in_ws("GET", "/agents?limit=1", None);
    assert_eq!(first["pagination"]["total"], 1);
    let before = h.statements();
    let (_, again) = h.in_ws("GET", "/agents?limit=1", None);
    assert_eq!(h.statements() - before, 0);
    assert_eq!(again, first);
    // another query is another entry
    let (_, other) = h.in_ws("GET", "/agents?limit=1&sortOrder=asc", None);
    assert_eq!(other["items"][0]["metadata"]["name"], "a");
    h.created("/agents", json!({"metadata": {"name": "b"}}));
    let (_, after) = h.in_ws("GET", "/agents?limit=1", None);
    assert_eq!(after["pagination"]["total"], 2);
    assert_eq!(after["items"][0]["metadata"]["name"], "b");
}

#[test]
fn patch_validates_the_merged_result() {
    let h = Harness::new(&APP);
    let a = h.created(
        "/agents",
        json!({"metadata": {"name": "a"}, "spec": {"description": "d"}}),
    );
    let path = format!("/agents/{}", a["metadata"]["id"].as_str().unwrap());
    let (status, err) = h.in_ws(
        "PATCH",
        &path,
        Some(json!({"spec": {"webhookEventsUrl": "nope"}})),
    );
    assert_eq!(status, 400);
    assert_eq!(err["error"]["details"][0]["field"], "spec.webhookEventsUrl");
    let (status, err) = h.in_ws("PATCH", &path, Some(json!({"spec": {"status": 3}})));
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (400, Some("spec.status"))
    );
    let (status, out) = h.in_ws(
        "PATCH",
        &format!("{path}?updateMask=spec"),
        Some(json!({"spec": {"status": "AGENT_STATUS_PUBLISHED"}})),
    );
    assert_eq!(status, 200);
    // masking the whole section resets what the body leaves out
    assert_eq!(out["spec"]["status"], "AGENT_STATUS_PUBLISHED");
    assert!(out["spec"].get("description").is_none());
    let (status, _) = h.in_ws(
        "PATCH",
        &format!("{path}?updateMask=spec.status"),
        Some(json!({"updateMask": "spec.description"})),
    );
    assert_eq!(status, 400);
}

#[test]
fn counts_follow_creates_and_deletes() {
    let h = Harness::new(&APP);
    let ids: Vec<String> = (0..3)
        .map(|i| {
            h.created("/agents", json!({"metadata": {"name": format!("a{i}")}}))["metadata"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(h.in_ws("GET", "/agents", None).1["pagination"]["total"], 3);
    assert_eq!(
        h.in_ws("DELETE", &format!("/agents/{}", ids[0]), None).0,
        204
    );
    assert_eq!(h.in_ws("GET", "/agents", None).1["pagination"]["total"], 2);
    assert_eq!(
        h.in_ws("GET", "/agents?prefix=a1", None).1["pagination"]["total"],
        1
    );
}

#[test]
fn archived_agents_must_be_unarchived_first() {
    let h = Harness::new(&APP);
    let a = h.created(
        "/agents",
        json!({"metadata": {"name": "a"}, "spec": {"status": "AGENT_STATUS_ARCHIVED"}}),
    );
    let path = format!("/agents/{}", a["metadata"]["id"].as_str().unwrap());
    assert_eq!(h.in_ws("POST", &format!("{path}:publish"), None).0, 409);
    assert_eq!(
        h.in_ws("POST", &format!("{path}:unarchive"), None).1["spec"]["status"],
        "AGENT_STATUS_DRAFT"
    );
    assert_eq!(
        h.in_ws("POST", &format!("{path}:publish"), None).1["spec"]["status"],
        "AGENT_STATUS_PUBLISHED"
    );
}

#[test]
fn serves_every_agent_operation_of_the_catalog() {
    // deliveries and feedback live under /agents/{agentId}/ too
    let catalog: Vec<&api::Operation> = api::webhooks::ALL
        .iter()
        .chain(api::agents::ALL)
        .copied()
        .collect();
    web::testing::assert_serves_catalog(&APP, &catalog);
}
