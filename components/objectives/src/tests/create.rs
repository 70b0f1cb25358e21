//! Creating objectives: input checks, weighted variation selection, feedback.

use super::*;

#[test]
fn bad_input_is_named() {
    let h = setup();
    let (agent, _) = h.agent(json!({}));
    let cases = [
        (json!({"agentId": agent}), 400, "initialMessage"),
        (
            json!({"agentId": agent, "initialMessage": "  "}),
            400,
            "initialMessage",
        ),
        (
            json!({"agentId": "nope", "initialMessage": "x"}),
            400,
            "agentId",
        ),
        (
            json!({"agentId": agent, "initialMessage": "x"}),
            400,
            "data",
        ),
        (
            json!({"agentId": agent, "initialMessage": "x", "data": {"customer": "c"}, "secrets": [{"name": "bad name", "value": "v"}]}),
            400,
            "secrets[0].name",
        ),
    ];
    for (body, status, field) in cases {
        let (got, err) = h.in_ws("POST", "/objectives", Some(body.clone()));
        assert_eq!(got, status, "{body} → {err}");
        assert_eq!(err["error"]["details"][0]["field"], field, "{body} → {err}");
    }
    let (got, err) = h.in_ws("GET", "/objectives?agentId=agentvar_01", None);
    assert_eq!(
        (got, err["error"]["details"][0]["field"].as_str()),
        (400, Some("agentId")),
        "{err}"
    );
    let (got, _) = h.in_ws("GET", "/objectives/obj_01JAAAAAAAAAAAAAAAAAAAAAAA", None);
    assert_eq!(got, 404);
}

#[test]
fn weighted_selection_follows_weights_and_never_picks_zero() {
    let h = setup();
    let (agent, first) = h.agent(json!({"weight": 1}));
    let mut ids = vec![first];
    for w in [3, 0] {
        let v = h.expect_on(&variations::APP, "POST", &format!("/agents/{agent}/variations"),
            Some(json!({"metadata": {"name": format!("w{w}")}, "spec": {"weight": w, "modelConfig": {"modelId": "openai/m"}}})), 201);
        ids.push(v["metadata"]["id"].as_str().unwrap().to_owned());
    }
    let mut counts = [0; 3];
    for _ in 0..1000 {
        let (status, o) = h.in_ws(
            "POST",
            "/objectives?dryRun=true",
            Some(json!({"agentId": agent, "initialMessage": "hi", "data": {"customer": "x"}})),
        );
        assert_eq!(status, 200, "{o}");
        let picked = o["data"]["agentVariation"]["metadata"]["id"]
            .as_str()
            .unwrap();
        counts[ids.iter().position(|i| i == picked).unwrap()] += 1;
    }
    assert_eq!(counts[2], 0);
    assert!((200..300).contains(&counts[0]), "{counts:?}");
    let (_, page) = h.in_ws("GET", "/objectives", None);
    assert_eq!(page["pagination"]["total"], 0, "dry runs store nothing");
    assert!(
        h.host.http.sent.borrow().is_empty(),
        "dry runs call no model"
    );
}

#[test]
fn feedback_moves_the_variation_score() {
    let h = setup();
    let (agent, variation) = h.agent(json!({}));
    let id = h.create(&agent);
    // the kick found no scripted model answer: FAILED without iterations → no feedback
    let (status, err) = h.in_ws(
        "POST",
        &format!("/objectives/{id}/feedback"),
        Some(json!({"data": {"score": 1}})),
    );
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (409, Some("failed_precondition")),
        "{err}"
    );
    h.host.http.then_json(200, reply(Some("Done."), &[]), &[]);
    let (status, _) = h.in_ws(
        "POST",
        &format!("/objectives/{id}:continue"),
        Some(json!({"message": "again"})),
    );
    assert_eq!(status, 200);
    for score in [1.0, 1.0, -1.0] {
        let fb = h.created(
            &format!("/objectives/{id}/feedback"),
            json!({"data": {"score": score, "comment": "ok"}}),
        );
        assert_eq!(fb["info"]["agentVariation"]["id"], variation.as_str());
    }
    let (status, err) = h.in_ws(
        "POST",
        &format!("/objectives/{id}/feedback"),
        Some(json!({"data": {"score": 1.5}})),
    );
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (400, Some("data.score")),
        "{err}"
    );
    let (_, v) = h.on(
        &variations::APP,
        "GET",
        &format!("/agents/{agent}/variations/{variation}"),
        None,
    );
    assert_eq!(v["info"]["feedbackCount"], 3);
    assert_eq!(v["info"]["score"], 0.6);
    let (_, page) = h.in_ws("GET", &format!("/objectives/{id}/feedback"), None);
    assert_eq!(page["pagination"]["total"], 3);
    let (_, negative) = h.on(
        &agents::APP,
        "GET",
        &format!("/agents/{agent}/feedback?maxScore=0"),
        None,
    );
    assert_eq!(negative["pagination"]["total"], 1, "{negative}");
}
