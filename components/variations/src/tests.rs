//! Component tests: variations and their assignments over the native host.

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
    Setup {
        token: b.api_key.spec.token.clone().expect("token"),
        ws: format!("/v1/workspaces/{}", b.workspace.metadata.id),
        host,
    }
}

impl Setup {
    fn call_app<S: ports::HttpService>(
        &self,
        app: &S,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let (s, b, _) = call(
            app,
            &self.host,
            method,
            &format!("{}{path}", self.ws),
            Some(&self.token),
            body,
        );
        (s, b)
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call_app(&APP, method, path, body)
    }

    fn agent(&self, name: &str) -> String {
        let (status, a) = self.call_app(
            &agents::APP,
            "POST",
            "/agents",
            Some(json!({"metadata": {"name": name}})),
        );
        assert_eq!(status, 201);
        a["metadata"]["id"].as_str().unwrap().to_owned()
    }

    fn variation(&self, agent: &str) -> String {
        let (status, v) = self.call(
            "POST",
            &format!("/agents/{agent}/variations"),
            Some(json!({"metadata": {"name": "v"}})),
        );
        assert_eq!(status, 201, "{v}");
        format!(
            "/agents/{agent}/variations/{}",
            v["metadata"]["id"].as_str().unwrap()
        )
    }
}

#[test]
fn spec_round_trips_and_info_starts_neutral() {
    let s = setup();
    let a = s.agent("a");
    let spec = json!({
        "compactionConfig": {"summarization": {"instructions": "keep code"}, "toolResultClearing": {"preserveRecentResults": 3}, "triggerThreshold": 0.8},
        "constraints": {"maxSubObjectives": 2, "maxToolCalls": 10},
        "description": "d", "enableEpisodicMemory": true, "episodicMemoryTtl": 3600,
        "modelConfig": {"modelId": "openai/gpt-4o-mini", "temperature": 0.2},
        "progressiveDiscovery": {"hints": ["weather"], "maxTools": 5, "rerankThreshold": 0.5},
        "prompt": "You help {{ customer }}.", "weight": 2.5
    });
    let (status, v) = s.call(
        "POST",
        &format!("/agents/{a}/variations"),
        Some(json!({"metadata": {"name": "v"}, "spec": spec})),
    );
    assert_eq!(status, 201);
    assert_eq!(v["spec"], spec);
    let (_, got) = s.call(
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
    let (_, agent) = s.call_app(&agents::APP, "GET", &format!("/agents/{a}"), None);
    assert_eq!(agent["info"]["variationCount"], 1);
}

#[test]
fn sub_agent_cycles_and_self_assignment_are_refused() {
    let s = setup();
    let (a, b, c) = (s.agent("a"), s.agent("b"), s.agent("c"));
    let (va, vb, vc) = (s.variation(&a), s.variation(&b), s.variation(&c));
    let (status, out) = s.call(
        "POST",
        &format!("{va}/assignments"),
        Some(json!({"agentId": b})),
    );
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["info"]["subAgentCount"], 1);
    assert_eq!(
        s.call(
            "POST",
            &format!("{vb}/assignments"),
            Some(json!({"type": "subAgentId", "subAgentId": c}))
        )
        .0,
        200
    );
    let (status, err) = s.call(
        "POST",
        &format!("{vc}/assignments"),
        Some(json!({"agentId": a})),
    );
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (409, Some("conflict"))
    );
    let (status, err) = s.call(
        "POST",
        &format!("{va}/assignments"),
        Some(json!({"agentId": a})),
    );
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (400, Some("agentId"))
    );
    assert_eq!(
        s.call(
            "POST",
            &format!("{va}/assignments"),
            Some(json!({"agentId": b}))
        )
        .0,
        409
    );
    // b is in use by a's variation: it cannot be deleted; a (not used by anyone) can
    let (status, err) = s.call_app(&agents::APP, "DELETE", &format!("/agents/{b}"), None);
    assert_eq!(status, 409);
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("variations"));
    assert_eq!(
        s.call_app(&agents::APP, "DELETE", &format!("/agents/{a}"), None)
            .0,
        204
    );
    assert_eq!(s.call("GET", &va, None).0, 404);
    assert_eq!(
        s.call_app(&agents::APP, "DELETE", &format!("/agents/{b}"), None)
            .0,
        204
    );
}

#[test]
fn memory_layer_positions() {
    let s = setup();
    let a = s.agent("a");
    let v = s.variation(&a);
    let mut layers = Vec::new();
    for i in 0..11 {
        let (status, l) = s.call_app(
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
        s.call("POST", &format!("{v}/memory_layer_assignments"), Some(body))
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
    let (_, got) = s.call("GET", &v, None);
    let top = got["info"]["memoryLayerAssignments"][9]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, moved) = s.call(
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
    let (status, _) = s.call_app(
        &memory::APP,
        "DELETE",
        &format!("/memory_layers/{}", layers[0]),
        None,
    );
    assert_eq!(status, 409);
}

#[test]
fn serves_every_variation_operation_of_the_catalog() {
    let served: Vec<&str> = APP.routes.iter().map(|r| r.op.id).collect();
    let catalog: Vec<&str> = api::variations::ALL.iter().map(|op| op.id).collect();
    assert_eq!(served, catalog);
    // and /openapi.json documents every one of them
    let documented: Vec<&str> = api::all().iter().map(|op| op.id).collect();
    assert!(served.iter().all(|id| documented.contains(id)));
}
