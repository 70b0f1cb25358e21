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
fn get_agent_costs_two_statements_before_the_response() {
    let h = Harness::new(&APP);
    let a = h.created("/agents", json!({"metadata": {"name": "a"}}));
    let path = format!("/agents/{}", a["metadata"]["id"].as_str().unwrap());
    let before = h.statements();
    assert_eq!(h.in_ws("GET", &path, None).0, 200);
    // auth (+ schema check) and the agent with its info; then relax sync + audit insert
    assert_eq!(h.statements() - before, 4);
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
