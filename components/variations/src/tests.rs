//! Component tests: variations and their assignments over the native host.

use super::APP;
use serde_json::json;
use web::testing::Harness;
use web::App;

/// A draft agent named `name`; returns its id.
fn agent(h: &Harness<App>, name: &str) -> String {
    let a = h.expect_on(
        &agents::APP,
        "POST",
        "/agents",
        Some(json!({"metadata": {"name": name}})),
        201,
    );
    a["metadata"]["id"].as_str().unwrap().to_owned()
}

/// A variation of `agent`; returns its path below the workspace.
fn variation(h: &Harness<App>, agent: &str) -> String {
    let v = h.created(
        &format!("/agents/{agent}/variations"),
        json!({"metadata": {"name": "v"}}),
    );
    format!(
        "/agents/{agent}/variations/{}",
        v["metadata"]["id"].as_str().unwrap()
    )
}

#[test]
fn spec_round_trips_and_info_starts_neutral() {
    let h = Harness::new(&APP);
    let a = agent(&h, "a");
    let spec = json!({
        "compactionConfig": {"summarization": {"instructions": "keep code"}, "toolResultClearing": {"preserveRecentResults": 3}, "triggerThreshold": 0.8},
        "constraints": {"maxSubObjectives": 2, "maxToolCalls": 10},
        "description": "d", "enableEpisodicMemory": true, "episodicMemoryTtl": 3600,
        "modelConfig": {"modelId": "openai/gpt-4o-mini", "temperature": 0.2},
        "progressiveDiscovery": {"hints": ["weather"], "maxTools": 5, "rerankThreshold": 0.5},
        "prompt": "You help {{ customer }}.", "weight": 2.5
    });
    let (status, v) = h.in_ws(
        "POST",
        &format!("/agents/{a}/variations"),
        Some(json!({"metadata": {"name": "v"}, "spec": spec})),
    );
    assert_eq!(status, 201);
    assert_eq!(v["spec"], spec);
    let (_, got) = h.in_ws(
        "GET",
        &format!(
            "/agents/{a}/variations/{}",
            v["metadata"]["id"].as_str().unwrap()
        ),
        None,
    );
    assert_eq!(got["spec"], spec);
    assert_eq!(got["info"]["score"], 0.5);
    assert_eq!(got["info"]["assignments"], json!([]));
    let (_, agent) = h.on(&agents::APP, "GET", &format!("/agents/{a}"), None);
    assert_eq!(agent["info"]["variationCount"], 1);
}

#[test]
fn sub_agent_cycles_and_self_assignment_are_refused() {
    let h = Harness::new(&APP);
    let (a, b, c) = (agent(&h, "a"), agent(&h, "b"), agent(&h, "c"));
    let (va, vb, vc) = (variation(&h, &a), variation(&h, &b), variation(&h, &c));
    let (status, out) = h.in_ws(
        "POST",
        &format!("{va}/assignments"),
        Some(json!({"agentId": b})),
    );
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["info"]["subAgentCount"], 1);
    assert_eq!(
        h.in_ws(
            "POST",
            &format!("{vb}/assignments"),
            Some(json!({"type": "subAgentId", "subAgentId": c}))
        )
        .0,
        200
    );
    let (status, err) = h.in_ws(
        "POST",
        &format!("{vc}/assignments"),
        Some(json!({"agentId": a})),
    );
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (409, Some("conflict"))
    );
    let (status, err) = h.in_ws(
        "POST",
        &format!("{va}/assignments"),
        Some(json!({"agentId": a})),
    );
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (400, Some("agentId"))
    );
    assert_eq!(
        h.in_ws(
            "POST",
            &format!("{va}/assignments"),
            Some(json!({"agentId": b}))
        )
        .0,
        409
    );
    // b is in use by a's variation: it cannot be deleted; a (not used by anyone) can
    let (status, err) = h.on(&agents::APP, "DELETE", &format!("/agents/{b}"), None);
    assert_eq!(status, 409);
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("variations"));
    assert_eq!(
        h.on(&agents::APP, "DELETE", &format!("/agents/{a}"), None)
            .0,
        204
    );
    assert_eq!(h.in_ws("GET", &va, None).0, 404);
    assert_eq!(
        h.on(&agents::APP, "DELETE", &format!("/agents/{b}"), None)
            .0,
        204
    );
}

#[test]
fn memory_layer_positions() {
    let h = Harness::new(&APP);
    let a = agent(&h, "a");
    let v = variation(&h, &a);
    let mut layers = Vec::new();
    for i in 0..11 {
        let (status, l) = h.on(
            &memory::APP,
            "POST",
            "/memory_layers",
            Some(json!({"metadata": {"name": format!("l{i}")}})),
        );
        assert_eq!(status, 201);
        layers.push(l["metadata"]["id"].as_str().unwrap().to_owned());
    }
    let add = |layer: &str, position: Option<i64>| {
        let mut body = json!({"memoryLayerId": layer});
        if let Some(p) = position {
            body["position"] = json!(p);
        }
        h.in_ws("POST", &format!("{v}/memory_layer_assignments"), Some(body))
    };
    assert_eq!(
        add(&layers[0], None).1["info"]["memoryLayerAssignments"][0]["position"],
        0
    );
    assert_eq!(add(&layers[1], Some(5)).0, 200);
    let (_, out) = add(&layers[2], None);
    let positions: Vec<i64> = out["info"]["memoryLayerAssignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [0, 5, 6]);
    let (status, err) = add(&layers[3], Some(5));
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (400, Some("position"))
    );
    assert_eq!(add(&layers[0], Some(9)).0, 409);
    for layer in &layers[3..10] {
        assert_eq!(add(layer, None).0, 200);
    }
    let (status, err) = add(&layers[10], None);
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (400, Some("validation_error"))
    );
    // move the top one to the bottom
    let (_, got) = h.in_ws("GET", &v, None);
    let top = got["info"]["memoryLayerAssignments"][9]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, moved) = h.in_ws(
        "PATCH",
        &format!("{v}/memory_layer_assignments/{top}"),
        Some(json!({"position": 1})),
    );
    assert_eq!(status, 200);
    assert_eq!(
        moved["info"]["memoryLayerAssignments"][1]["id"],
        top.as_str()
    );
    // an assigned layer cannot be deleted
    let (status, _) = h.on(
        &memory::APP,
        "DELETE",
        &format!("/memory_layers/{}", layers[0]),
        None,
    );
    assert_eq!(status, 409);
}

#[test]
fn serves_every_variation_operation_of_the_catalog() {
    web::testing::assert_serves_catalog(&APP, api::variations::ALL);
}
