//! Tool calls: the HTTP round trip and approvals.

use super::*;

#[test]
fn http_tool_round_trip_records_every_step_and_keeps_the_secret_out() {
    let h = setup();
    let (agent, variation) = h.agent(json!({}));
    h.http_tool(&agent, &variation, false);
    let http = &h.host.http;
    http.then_json(
        200,
        reply(
            None,
            &[("create_order", json!({"orderId": "42", "quantity": 3}))],
        ),
        &[],
    );
    http.then_json(201, json!({"order": 42}), &[]);
    http.then_json(200, reply(Some("Ordered."), &[]), &[]);

    let id = h.create(&agent);
    let o = h.objective(&id);
    assert_eq!(o["status"], "OBJECTIVE_STATUS_COMPLETED", "{o}");
    assert_eq!(o["data"]["systemPrompt"], "You help ACME.");
    assert_eq!(o["info"]["totalInputTokens"], 200);
    assert_eq!(o["info"]["totalCompletionTokens"], 40);
    assert_eq!(o["info"]["totalToolCalls"], 1);
    assert_eq!(o["contextWindows"][0]["data"]["promptTokens"], 200);
    assert_eq!(
        h.event_types(&id),
        [
            "USER_MESSAGE",
            "ASSISTANT_MESSAGE",
            "TOOL_CALLED",
            "TOOL_RESULT",
            "ASSISTANT_MESSAGE"
        ]
    );

    let sent = http.sent.borrow();
    assert_eq!(sent.len(), 3);
    let tool_req = &sent[1];
    assert_eq!(tool_req.method(), "POST");
    assert_eq!(
        tool_req.uri().to_string(),
        "http://tools.test/api/orders/42"
    );
    assert_eq!(tool_req.headers()["authorization"], "Bearer s3cr3t-value");
    assert_eq!(
        serde_json::from_slice::<Value>(tool_req.body()).unwrap(),
        json!({"quantity": 3})
    );
    let second: Value = serde_json::from_slice(sent[2].body()).unwrap();
    let messages = second["messages"].as_array().unwrap();
    assert_eq!(messages[3]["role"], "tool");
    assert_eq!(messages[3]["content"], r#"{"order":42}"#);
    drop(sent);

    let (_, events) = h.in_ws("GET", &format!("/objectives/{id}/events"), None);
    let (_, calls) = h.in_ws("GET", &format!("/objectives/{id}/tool_calls"), None);
    let (_, tools) = h.in_ws("GET", &format!("/objectives/{id}/tools"), None);
    for body in [&events, &calls, &tools, &o] {
        assert!(
            !body.to_string().contains("s3cr3t-value"),
            "secret leaked: {body}"
        );
    }
    assert_eq!(calls["items"][0]["data"]["attempts"], 1);
    assert_eq!(
        calls["items"][0]["executionStatus"],
        "TOOL_CALL_EXECUTION_STATUS_COMPLETED"
    );
    assert_eq!(tools["items"][0]["metadata"]["name"], "create_order");
}

#[test]
fn approval_holds_the_call_until_approved_and_denial_reaches_the_model() {
    let h = setup();
    let (agent, variation) = h.agent(json!({}));
    h.http_tool(&agent, &variation, true);
    let http = &h.host.http;
    http.then_json(
        200,
        reply(None, &[("create_order", json!({"orderId": "1"}))]),
        &[],
    );
    let id = h.create(&agent);
    assert_eq!(
        h.objective(&id)["status"],
        "OBJECTIVE_STATUS_WAITING_FOR_APPROVAL"
    );
    assert_eq!(
        http.sent.borrow().len(),
        1,
        "nothing executed before approval"
    );
    let (_, calls) = h.in_ws(
        "GET",
        &format!("/objectives/{id}/tool_calls?status=TOOL_CALL_STATUS_WAITING_FOR_APPROVAL"),
        None,
    );
    let call_id = calls["items"][0]["metadata"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // deny: the model hears the memo, the tool never runs
    http.then_json(200, reply(Some("Understood."), &[]), &[]);
    let denied = h.expect_on(
        &APP,
        "POST",
        &format!("/objectives/{id}/tool_calls/{call_id}:deny"),
        Some(json!({"memo": "too expensive"})),
        200,
    );
    assert_eq!(denied["status"], "TOOL_CALL_STATUS_DENIED");
    assert_eq!(
        denied["executionStatus"],
        "TOOL_CALL_EXECUTION_STATUS_FAILED"
    );
    assert_eq!(h.objective(&id)["status"], "OBJECTIVE_STATUS_COMPLETED");
    let sent = http.sent.borrow();
    assert_eq!(sent.len(), 2);
    let last: Value = serde_json::from_slice(sent[1].body()).unwrap();
    assert!(last["messages"][3]["content"]
        .as_str()
        .unwrap()
        .contains("too expensive"));
    drop(sent);
    assert_eq!(
        h.event_types(&id),
        [
            "USER_MESSAGE",
            "ASSISTANT_MESSAGE",
            "TOOL_APPROVAL_REQUESTED",
            "TOOL_DENIED",
            "ASSISTANT_MESSAGE"
        ]
    );
    let (status, err) = h.in_ws(
        "POST",
        &format!("/objectives/{id}/tool_calls/{call_id}:approve"),
        None,
    );
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (409, Some("failed_precondition")),
        "{err}"
    );

    // continue, then approve: executed exactly once
    http.then_json(
        200,
        reply(None, &[("create_order", json!({"orderId": "2"}))]),
        &[],
    );
    let (status, event) = h.in_ws(
        "POST",
        &format!("/objectives/{id}:continue"),
        Some(json!({"message": "try again"})),
    );
    assert_eq!(status, 200, "{event}");
    assert_eq!(event["data"]["userMessage"]["content"], "try again");
    let (_, calls) = h.in_ws(
        "GET",
        &format!("/objectives/{id}/tool_calls?status=TOOL_CALL_STATUS_WAITING_FOR_APPROVAL"),
        None,
    );
    let call_id = calls["items"][0]["metadata"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    http.then_json(200, json!({"ok": true}), &[]);
    http.then_json(200, reply(Some("Done."), &[]), &[]);
    let approved = h.expect_on(
        &APP,
        "POST",
        &format!("/objectives/{id}/tool_calls/{call_id}:approve"),
        Some(json!({})),
        200,
    );
    assert_eq!(approved["status"], "TOOL_CALL_STATUS_APPROVED");
    assert_eq!(h.objective(&id)["status"], "OBJECTIVE_STATUS_COMPLETED");
    let sent = http.sent.borrow();
    assert_eq!(
        sent.iter()
            .filter(|r| r.uri().host() == Some("tools.test"))
            .count(),
        1
    );
}
