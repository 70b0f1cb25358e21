//! The run: provider errors, tasks and limits, cancel, the lease fence.

use super::*;

#[test]
fn provider_errors_fail_the_objective_with_an_actionable_message() {
    let h = setup();
    let (agent, _) = h.agent(json!({}));
    h.host.http.then_json(
        401,
        json!({"error": {"message": "Incorrect API key provided"}}),
        &[],
    );
    let id = h.create(&agent);
    let o = h.objective(&id);
    assert_eq!(o["status"], "OBJECTIVE_STATUS_FAILED");
    let message = o["statusMessage"].as_str().unwrap();
    assert!(
        message.contains("401") && message.contains("openai_api_key"),
        "{message}"
    );
    assert_eq!(h.event_types(&id), ["USER_MESSAGE", "ERROR"]);
}

#[test]
fn tasks_and_the_tool_call_limit() {
    let h = setup();
    let (agent, _) = h.agent(json!({"constraints": {"maxToolCalls": 2}}));
    let http = &h.host.http;
    http.then_json(
        200,
        reply(
            None,
            &[
                ("task_create", json!({"task": "Write report"})),
                ("task_update", json!({"number": 1, "completed": true})),
                ("task_create", json!({"task": "one too many"})),
            ],
        ),
        &[],
    );
    http.then_json(200, reply(Some("Done."), &[]), &[]);
    let id = h.create(&agent);
    assert_eq!(h.objective(&id)["status"], "OBJECTIVE_STATUS_COMPLETED");
    let (_, tasks) = h.in_ws("GET", &format!("/objectives/{id}/tasks"), None);
    assert_eq!(tasks["pagination"]["total"], 1);
    assert_eq!(tasks["items"][0]["data"]["task"], "Write report");
    assert_eq!(tasks["items"][0]["data"]["completed"], true);
    let (_, calls) = h.in_ws("GET", &format!("/objectives/{id}/tool_calls"), None);
    let over = &calls["items"][2];
    assert_eq!(over["executionStatus"], "TOOL_CALL_EXECUTION_STATUS_FAILED");
    assert!(
        over["data"]["error"]
            .as_str()
            .unwrap()
            .contains("maxToolCalls"),
        "{over}"
    );
}

#[test]
fn cancel_is_final_and_continue_after_it_is_refused() {
    let h = setup();
    let (agent, variation) = h.agent(json!({}));
    h.http_tool(&agent, &variation, true);
    h.host.http.then_json(
        200,
        reply(None, &[("create_order", json!({"orderId": "1"}))]),
        &[],
    );
    let id = h.create(&agent);
    let (status, o) = h.in_ws(
        "POST",
        &format!("/objectives/{id}:cancel"),
        Some(json!({"reason": "stop"})),
    );
    assert_eq!(status, 200, "{o}");
    assert_eq!(o["status"], "OBJECTIVE_STATUS_CANCELLED");
    assert_eq!(
        h.event_types(&id).last().map(String::as_str),
        Some("CANCELLED")
    );
    for (path, body) in [
        (
            format!("/objectives/{id}:continue"),
            json!({"message": "more"}),
        ),
        (format!("/objectives/{id}:cancel"), json!({})),
    ] {
        let (status, err) = h.in_ws("POST", &path, Some(body));
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (409, Some("failed_precondition")),
            "{err}"
        );
    }
    let (status, err) = h.in_ws(
        "POST",
        &format!("/objectives/{id}:continue"),
        Some(json!({})),
    );
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (400, Some("message")),
        "{err}"
    );
}

#[test]
fn a_lost_lease_fences_the_late_runner_and_the_next_one_retries_the_call() {
    let h = setup();
    let (agent, variation) = h.agent(json!({}));
    h.http_tool(&agent, &variation, false);
    h.host.vars.set("tool_timeout_seconds", "5");
    h.host.vars.set("model_timeout_seconds", "5");
    // The kick dies mid tool call (the scripted tool server is unreachable and the
    // step's commit is lost with it): simulate by claiming and marking by hand.
    h.host.http.then_json(
        200,
        reply(None, &[("create_order", json!({"orderId": "7"}))]),
        &[],
    );
    h.host.http.then(|_| Err(ports::HttpError::Timeout));
    h.host.http.then_json(200, reply(Some("gave up"), &[]), &[]);
    let id = h.create(&agent);
    assert_eq!(h.objective(&id)["status"], "OBJECTIVE_STATUS_COMPLETED");

    // Two runners: the first holds the lease, so the second cannot claim it.
    let env = h.host.env();
    let db = store::Db::new(env.sql);
    let now = h.host.clock.now_ms();
    store::objectives::wake(&db, &id, now).unwrap();
    let a = engine::run::Runner::new(env);
    let b = engine::run::Runner::new(env);
    assert!(store::objectives::claim(&db, &id, "a", now, 15_000).unwrap());
    assert!(!store::objectives::claim(&db, &id, "b", now, 15_000).unwrap());
    // neither runner object holds "a", so both are fenced out
    assert_eq!(a.step(&id).unwrap(), engine::run::Next::Stop);
    assert_eq!(b.step(&id).unwrap(), engine::run::Next::Stop);
    h.host.clock.advance(15_001);
    assert!(store::objectives::claim(&db, &id, "b", h.host.clock.now_ms(), 15_000).unwrap());
    let (_, calls) = h.in_ws("GET", &format!("/objectives/{id}/tool_calls"), None);
    assert_eq!(
        calls["items"][0]["data"]["error"]
            .as_str()
            .map(|e| e.contains("timed out")),
        Some(true)
    );
}
