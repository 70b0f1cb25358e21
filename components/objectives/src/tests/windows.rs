//! Context windows and the end of a run: compaction, submitted output, the event stream.

use super::*;

fn usage_reply(calls: &[(&str, Value)], prompt_tokens: i64) -> Value {
    let mut r = reply(None, calls);
    r["usage"]["prompt_tokens"] = json!(prompt_tokens);
    r
}

fn sent_body(h: &Harness<App>, i: usize) -> Value {
    let sent = h.host.http.sent.borrow();
    serde_json::from_slice(sent[i].body()).unwrap()
}

#[test]
fn prompt_tokens_past_the_threshold_clear_old_results_in_a_new_window() {
    let h = setup();
    let (agent, _) = h.agent(json!({}));
    let http = &h.host.http;
    let task = |t: &str| ("task_create", json!({"task": t}));
    http.then_json(
        200,
        usage_reply(&[task("a"), task("b"), task("c")], 100_000),
        &[],
    );
    http.then_json(200, reply(Some("Done."), &[]), &[]);
    let id = h.create(&agent);
    let o = h.objective(&id);
    assert_eq!(o["status"], "OBJECTIVE_STATUS_COMPLETED");
    assert_eq!(o["info"]["totalContextWindows"], 2);
    let types = h.event_types(&id);
    assert_eq!(
        types[types.len() - 2],
        "CONTEXT_WINDOW_COMPACTED",
        "{types:?}"
    );
    let second = sent_body(&h, 1);
    let results: Vec<&str> = second["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(results[0], "[result cleared]");
    assert!(results[1].starts_with("Created task #2"), "{results:?}");
    assert!(results[2].starts_with("Created task #3"), "{results:?}");
}

#[test]
fn compact_checks_its_config_and_the_objective_state() {
    let h = setup();
    let (agent, _) = h.agent(json!({}));
    h.host.http.then_json(200, reply(Some("Hi."), &[]), &[]);
    let id = h.create(&agent);
    let (status, e) = h.in_ws(
        "POST",
        &format!("/objectives/{id}:compact"),
        Some(json!({"compactionConfig": {"triggerThreshold": 2}})),
    );
    assert_eq!(status, 400, "{e}");
    assert_eq!(
        e["error"]["details"][0]["field"],
        "compactionConfig.triggerThreshold"
    );
    let (status, w) = h.in_ws(
        "POST",
        &format!("/objectives/{id}:compact?dryRun=true"),
        None,
    );
    assert_eq!(status, 200, "{w}");
    assert_eq!(w["contextWindow"]["sequence"], 2);
    assert_eq!(h.objective(&id)["info"]["totalContextWindows"], 1);
    let (status, w) = h.in_ws("POST", &format!("/objectives/{id}:compact"), None);
    assert_eq!(status, 200, "{w}");
    assert_eq!(w["contextWindow"]["sequence"], 2);
    assert_eq!(h.objective(&id)["info"]["totalContextWindows"], 2);
    h.in_ws("POST", &format!("/objectives/{id}:cancel"), None);
    let (status, e) = h.in_ws("POST", &format!("/objectives/{id}:compact"), None);
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["code"], "failed_precondition");
}

#[test]
fn submit_output_finalizes_with_valid_output_only() {
    let h = setup();
    let agent = h.expect_on(
        &agents::APP,
        "POST",
        "/agents",
        Some(
            json!({"metadata": {"name": "grader"}, "spec": {"status": "AGENT_STATUS_PUBLISHED",
               "outputDefinition": {"type": "object", "properties": {"score": {"type": "integer"}},
                                    "required": ["score"]}}}),
        ),
        201,
    );
    let agent = agent["metadata"]["id"].as_str().unwrap().to_owned();
    h.expect_on(
        &variations::APP,
        "POST",
        &format!("/agents/{agent}/variations"),
        Some(json!({"metadata": {"name": "v"}, "spec": {"prompt": "Grade.", "modelConfig": {"modelId": "openai/m"}}})),
        201,
    );
    let http = &h.host.http;
    http.then_json(
        200,
        reply(None, &[("submit_output", json!({"score": "high"}))]),
        &[],
    );
    http.then_json(
        200,
        reply(None, &[("submit_output", json!({"score": 7}))]),
        &[],
    );
    let id = h.create(&agent);
    let o = h.objective(&id);
    assert_eq!(o["status"], "OBJECTIVE_STATUS_FINALIZED", "{o}");
    assert_eq!(o["data"]["output"], json!({"score": 7}));
    assert_eq!(
        h.event_types(&id),
        [
            "USER_MESSAGE",
            "ASSISTANT_MESSAGE",
            "TOOL_CALLED",
            "TOOL_ERROR",
            "ASSISTANT_MESSAGE",
            "TOOL_CALLED",
            "TOOL_RESULT",
            "FINALIZED"
        ]
    );
    let (status, _) = h.in_ws(
        "POST",
        &format!("/objectives/{id}:continue"),
        Some(json!({"message": "more"})),
    );
    assert_eq!(status, 409);
}

#[test]
fn the_event_stream_names_a_bad_resume_point() {
    let h = setup();
    let (agent, _) = h.agent(json!({}));
    h.host.http.then_json(200, reply(Some("Hi."), &[]), &[]);
    let id = h.create(&agent);
    let (status, e) = h.in_ws(
        "GET",
        &format!("/objectives/{id}/events:stream?lastEventId=bogus"),
        None,
    );
    assert_eq!(status, 400, "{e}");
    assert_eq!(e["error"]["details"][0]["field"], "lastEventId");
    let (status, _) = h.in_ws(
        "GET",
        "/objectives/obj_01J00000000000000000000000/events:stream",
        None,
    );
    assert_eq!(status, 404);
}
