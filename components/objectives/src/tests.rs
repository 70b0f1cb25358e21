//! Component tests: objectives over the native host, the engine kicked after each
//! request as under Spin, model and tool servers scripted in `ScriptedHttp`.

use super::APP;
use host::native::NativeHost;
use ports::Clock;
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
    host.vars.set("openai_api_key", "sk-test");
    host.vars.set("allow_private_targets", "true");
    host.vars.set("rate_limit_per_second", "100000");
    host.vars.set("rate_limit_burst", "100000");
    Setup {
        token: b.api_key.spec.token.clone().expect("token"),
        ws: format!("/v1/workspaces/{}", b.workspace.metadata.id),
        host,
    }
}

fn reply(content: Option<&str>, calls: &[(&str, Value)]) -> Value {
    let calls: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(i, (name, args))| {
            json!({"id": format!("call_{i}"), "type": "function",
                   "function": {"name": name, "arguments": args.to_string()}})
        })
        .collect();
    json!({"choices": [{"message": {"role": "assistant", "content": content, "tool_calls": calls}}],
           "usage": {"prompt_tokens": 100, "completion_tokens": 20}})
}

impl Setup {
    fn on<S: ports::HttpService>(
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
        self.on(&APP, method, path, body)
    }

    fn ok<S: ports::HttpService>(
        &self,
        app: &S,
        method: &str,
        path: &str,
        body: Value,
        status: u16,
    ) -> Value {
        let (s, out) = self.on(app, method, path, Some(body));
        assert_eq!(s, status, "{out}");
        out
    }

    /// A published agent with one variation on `openai/m`; returns the agent id.
    fn agent(&self, spec: Value) -> (String, String) {
        let agent = self.ok(
            &agents::APP,
            "POST",
            "/agents",
            json!({"metadata": {"name": "a"}, "spec": {"status": "AGENT_STATUS_PUBLISHED",
                   "variationSelectionMode": "VARIATION_SELECTION_MODE_WEIGHTED"}}),
            201,
        );
        let id = agent["metadata"]["id"].as_str().unwrap().to_owned();
        let mut vspec =
            json!({"prompt": "You help {{ customer }}.", "modelConfig": {"modelId": "openai/m"}});
        vspec
            .as_object_mut()
            .unwrap()
            .extend(spec.as_object().cloned().unwrap_or_default());
        let v = self.ok(
            &variations::APP,
            "POST",
            &format!("/agents/{id}/variations"),
            json!({"metadata": {"name": "v"}, "spec": vspec}),
            201,
        );
        (id, v["metadata"]["id"].as_str().unwrap().to_owned())
    }

    /// An HTTP tool assigned to the variation.
    fn http_tool(&self, agent: &str, variation: &str, requires_approval: bool) {
        self.ok(
            &tools::APP,
            "POST",
            "/workspace_secrets",
            json!({"metadata": {"name": "API_TOKEN"}, "spec": {"value": "s3cr3t-value"}}),
            201,
        );
        let set = self.ok(
            &tools::APP,
            "POST",
            "/tool_sets",
            json!({"metadata": {"name": "shop"}, "spec": {"adapter": {"type": "http", "http": {
                "baseUrl": "http://tools.test/api", "headers": {"Authorization": "Bearer {{secrets.API_TOKEN}}"}}}}}),
            201,
        );
        let set_id = set["metadata"]["id"].as_str().unwrap();
        let tool = self.ok(
            &tools::APP,
            "POST",
            &format!("/tool_sets/{set_id}/tools"),
            json!({"metadata": {"name": "create_order"}, "spec": {"description": "Create an order",
                   "parameters": {"type": "object", "properties": {"orderId": {"type": "string"}, "quantity": {"type": "integer"}}},
                   "requiresApproval": requires_approval,
                   "config": {"type": "http", "http": {"requestMethod": "POST", "path": "/orders/{orderId}"}}}}),
            201,
        );
        self.ok(
            &variations::APP,
            "POST",
            &format!("/agents/{agent}/variations/{variation}/assignments"),
            json!({"toolId": tool["metadata"]["id"]}),
            200,
        );
    }

    fn create(&self, agent: &str) -> String {
        let o = self.ok(
            &APP,
            "POST",
            "/objectives",
            json!({"agentId": agent, "initialMessage": "order 3", "data": {"customer": "ACME"}}),
            201,
        );
        o["metadata"]["id"].as_str().unwrap().to_owned()
    }

    fn objective(&self, id: &str) -> Value {
        let (s, o) = self.call("GET", &format!("/objectives/{id}"), None);
        assert_eq!(s, 200, "{o}");
        o
    }

    fn event_types(&self, id: &str) -> Vec<String> {
        let (_, page) = self.call("GET", &format!("/objectives/{id}/events"), None);
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e["data"]["type"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("OBJECTIVE_EVENT_TYPE_")
                    .to_owned()
            })
            .collect()
    }
}

#[test]
fn http_tool_round_trip_records_every_step_and_keeps_the_secret_out() {
    let s = setup();
    let (agent, variation) = s.agent(json!({}));
    s.http_tool(&agent, &variation, false);
    let http = &s.host.http;
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

    let id = s.create(&agent);
    let o = s.objective(&id);
    assert_eq!(o["status"], "OBJECTIVE_STATUS_COMPLETED", "{o}");
    assert_eq!(o["data"]["systemPrompt"], "You help ACME.");
    assert_eq!(o["info"]["totalInputTokens"], 200);
    assert_eq!(o["info"]["totalCompletionTokens"], 40);
    assert_eq!(o["info"]["totalToolCalls"], 1);
    assert_eq!(o["contextWindows"][0]["data"]["promptTokens"], 200);
    assert_eq!(
        s.event_types(&id),
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

    let (_, events) = s.call("GET", &format!("/objectives/{id}/events"), None);
    let (_, calls) = s.call("GET", &format!("/objectives/{id}/tool_calls"), None);
    let (_, tools) = s.call("GET", &format!("/objectives/{id}/tools"), None);
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
    let s = setup();
    let (agent, variation) = s.agent(json!({}));
    s.http_tool(&agent, &variation, true);
    let http = &s.host.http;
    http.then_json(
        200,
        reply(None, &[("create_order", json!({"orderId": "1"}))]),
        &[],
    );
    let id = s.create(&agent);
    assert_eq!(
        s.objective(&id)["status"],
        "OBJECTIVE_STATUS_WAITING_FOR_APPROVAL"
    );
    assert_eq!(
        http.sent.borrow().len(),
        1,
        "nothing executed before approval"
    );
    let (_, calls) = s.call(
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
    let denied = s.ok(
        &APP,
        "POST",
        &format!("/objectives/{id}/tool_calls/{call_id}:deny"),
        json!({"memo": "too expensive"}),
        200,
    );
    assert_eq!(denied["status"], "TOOL_CALL_STATUS_DENIED");
    assert_eq!(
        denied["executionStatus"],
        "TOOL_CALL_EXECUTION_STATUS_FAILED"
    );
    assert_eq!(s.objective(&id)["status"], "OBJECTIVE_STATUS_COMPLETED");
    let sent = http.sent.borrow();
    assert_eq!(sent.len(), 2);
    let last: Value = serde_json::from_slice(sent[1].body()).unwrap();
    assert!(last["messages"][3]["content"]
        .as_str()
        .unwrap()
        .contains("too expensive"));
    drop(sent);
    assert_eq!(
        s.event_types(&id),
        [
            "USER_MESSAGE",
            "ASSISTANT_MESSAGE",
            "TOOL_APPROVAL_REQUESTED",
            "TOOL_DENIED",
            "ASSISTANT_MESSAGE"
        ]
    );
    let (status, err) = s.call(
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
    let (status, event) = s.call(
        "POST",
        &format!("/objectives/{id}:continue"),
        Some(json!({"message": "try again"})),
    );
    assert_eq!(status, 200, "{event}");
    assert_eq!(event["data"]["userMessage"]["content"], "try again");
    let (_, calls) = s.call(
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
    let approved = s.ok(
        &APP,
        "POST",
        &format!("/objectives/{id}/tool_calls/{call_id}:approve"),
        json!({}),
        200,
    );
    assert_eq!(approved["status"], "TOOL_CALL_STATUS_APPROVED");
    assert_eq!(s.objective(&id)["status"], "OBJECTIVE_STATUS_COMPLETED");
    let sent = http.sent.borrow();
    assert_eq!(
        sent.iter()
            .filter(|r| r.uri().host() == Some("tools.test"))
            .count(),
        1
    );
}

#[test]
fn cancel_is_final_and_continue_after_it_is_refused() {
    let s = setup();
    let (agent, variation) = s.agent(json!({}));
    s.http_tool(&agent, &variation, true);
    s.host.http.then_json(
        200,
        reply(None, &[("create_order", json!({"orderId": "1"}))]),
        &[],
    );
    let id = s.create(&agent);
    let (status, o) = s.call(
        "POST",
        &format!("/objectives/{id}:cancel"),
        Some(json!({"reason": "stop"})),
    );
    assert_eq!(status, 200, "{o}");
    assert_eq!(o["status"], "OBJECTIVE_STATUS_CANCELLED");
    assert_eq!(
        s.event_types(&id).last().map(String::as_str),
        Some("CANCELLED")
    );
    for (path, body) in [
        (
            format!("/objectives/{id}:continue"),
            json!({"message": "more"}),
        ),
        (format!("/objectives/{id}:cancel"), json!({})),
    ] {
        let (status, err) = s.call("POST", &path, Some(body));
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (409, Some("failed_precondition")),
            "{err}"
        );
    }
    let (status, err) = s.call(
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
fn tasks_and_the_tool_call_limit() {
    let s = setup();
    let (agent, _) = s.agent(json!({"constraints": {"maxToolCalls": 2}}));
    let http = &s.host.http;
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
    let id = s.create(&agent);
    assert_eq!(s.objective(&id)["status"], "OBJECTIVE_STATUS_COMPLETED");
    let (_, tasks) = s.call("GET", &format!("/objectives/{id}/tasks"), None);
    assert_eq!(tasks["pagination"]["total"], 1);
    assert_eq!(tasks["items"][0]["data"]["task"], "Write report");
    assert_eq!(tasks["items"][0]["data"]["completed"], true);
    let (_, calls) = s.call("GET", &format!("/objectives/{id}/tool_calls"), None);
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
fn provider_errors_fail_the_objective_with_an_actionable_message() {
    let s = setup();
    let (agent, _) = s.agent(json!({}));
    s.host.http.then_json(
        401,
        json!({"error": {"message": "Incorrect API key provided"}}),
        &[],
    );
    let id = s.create(&agent);
    let o = s.objective(&id);
    assert_eq!(o["status"], "OBJECTIVE_STATUS_FAILED");
    let message = o["statusMessage"].as_str().unwrap();
    assert!(
        message.contains("401") && message.contains("openai_api_key"),
        "{message}"
    );
    assert_eq!(s.event_types(&id), ["USER_MESSAGE", "ERROR"]);
}

#[test]
fn weighted_selection_follows_weights_and_never_picks_zero() {
    let s = setup();
    let (agent, first) = s.agent(json!({"weight": 1}));
    let mut ids = vec![first];
    for w in [3, 0] {
        let v = s.ok(&variations::APP, "POST", &format!("/agents/{agent}/variations"),
            json!({"metadata": {"name": format!("w{w}")}, "spec": {"weight": w, "modelConfig": {"modelId": "openai/m"}}}), 201);
        ids.push(v["metadata"]["id"].as_str().unwrap().to_owned());
    }
    let mut counts = [0; 3];
    for _ in 0..1000 {
        let (status, o) = s.call(
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
    let (_, page) = s.call("GET", "/objectives", None);
    assert_eq!(page["pagination"]["total"], 0, "dry runs store nothing");
    assert!(
        s.host.http.sent.borrow().is_empty(),
        "dry runs call no model"
    );
}

#[test]
fn a_lost_lease_fences_the_late_runner_and_the_next_one_retries_the_call() {
    let s = setup();
    let (agent, variation) = s.agent(json!({}));
    s.http_tool(&agent, &variation, false);
    s.host.vars.set("tool_timeout_seconds", "5");
    s.host.vars.set("model_timeout_seconds", "5");
    // The kick dies mid tool call (the scripted tool server is unreachable and the
    // step's commit is lost with it): simulate by claiming and marking by hand.
    s.host.http.then_json(
        200,
        reply(None, &[("create_order", json!({"orderId": "7"}))]),
        &[],
    );
    s.host.http.then(|_| Err(ports::HttpError::Timeout));
    s.host.http.then_json(200, reply(Some("gave up"), &[]), &[]);
    let id = s.create(&agent);
    assert_eq!(s.objective(&id)["status"], "OBJECTIVE_STATUS_COMPLETED");

    // Two runners: the first holds the lease, so the second cannot claim it.
    let env = s.host.env();
    let db = store::Db::new(env.sql);
    let now = s.host.clock.now_ms();
    store::objectives::wake(&db, &id, now).unwrap();
    let a = engine::run::Runner::new(env);
    let b = engine::run::Runner::new(env);
    assert!(store::objectives::claim(&db, &id, "a", now, 15_000).unwrap());
    assert!(!store::objectives::claim(&db, &id, "b", now, 15_000).unwrap());
    // neither runner object holds "a", so both are fenced out
    assert_eq!(a.step(&id).unwrap(), engine::run::Next::Stop);
    assert_eq!(b.step(&id).unwrap(), engine::run::Next::Stop);
    s.host.clock.advance(15_001);
    assert!(store::objectives::claim(&db, &id, "b", s.host.clock.now_ms(), 15_000).unwrap());
    let (_, calls) = s.call("GET", &format!("/objectives/{id}/tool_calls"), None);
    assert_eq!(
        calls["items"][0]["data"]["error"]
            .as_str()
            .map(|e| e.contains("timed out")),
        Some(true)
    );
}

#[test]
fn bad_input_is_named() {
    let s = setup();
    let (agent, _) = s.agent(json!({}));
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
        let (got, err) = s.call("POST", "/objectives", Some(body.clone()));
        assert_eq!(got, status, "{body} → {err}");
        assert_eq!(err["error"]["details"][0]["field"], field, "{body} → {err}");
    }
    let (got, err) = s.call("GET", "/objectives?agentId=agentvar_01", None);
    assert_eq!(
        (got, err["error"]["details"][0]["field"].as_str()),
        (400, Some("agentId")),
        "{err}"
    );
    let (got, _) = s.call("GET", "/objectives/obj_01JAAAAAAAAAAAAAAAAAAAAAAA", None);
    assert_eq!(got, 404);
}

#[test]
fn feedback_moves_the_variation_score() {
    let s = setup();
    let (agent, variation) = s.agent(json!({}));
    let id = s.create(&agent);
    // the kick found no scripted model answer: FAILED without iterations → no feedback
    let (status, err) = s.call(
        "POST",
        &format!("/objectives/{id}/feedback"),
        Some(json!({"data": {"score": 1}})),
    );
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (409, Some("failed_precondition")),
        "{err}"
    );
    s.host.http.then_json(200, reply(Some("Done."), &[]), &[]);
    let (status, _) = s.call(
        "POST",
        &format!("/objectives/{id}:continue"),
        Some(json!({"message": "again"})),
    );
    assert_eq!(status, 200);
    for score in [1.0, 1.0, -1.0] {
        let fb = s.ok(
            &APP,
            "POST",
            &format!("/objectives/{id}/feedback"),
            json!({"data": {"score": score, "comment": "ok"}}),
            201,
        );
        assert_eq!(fb["info"]["agentVariation"]["id"], variation.as_str());
    }
    let (status, err) = s.call(
        "POST",
        &format!("/objectives/{id}/feedback"),
        Some(json!({"data": {"score": 1.5}})),
    );
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (400, Some("data.score")),
        "{err}"
    );
    let (_, v, _) = call(
        &variations::APP,
        &s.host,
        "GET",
        &format!("{}/agents/{agent}/variations/{variation}", s.ws),
        Some(&s.token),
        None,
    );
    assert_eq!(v["info"]["feedbackCount"], 3);
    assert_eq!(v["info"]["score"], 0.6);
    let (_, page) = s.call("GET", &format!("/objectives/{id}/feedback"), None);
    assert_eq!(page["pagination"]["total"], 3);
    let (_, negative, _) = call(
        &agents::APP,
        &s.host,
        "GET",
        &format!("{}/agents/{agent}/feedback?maxScore=0", s.ws),
        Some(&s.token),
        None,
    );
    assert_eq!(negative["pagination"]["total"], 1, "{negative}");
}

fn usage_reply(calls: &[(&str, Value)], prompt_tokens: i64) -> Value {
    let mut r = reply(None, calls);
    r["usage"]["prompt_tokens"] = json!(prompt_tokens);
    r
}

fn sent_body(s: &Setup, i: usize) -> Value {
    let sent = s.host.http.sent.borrow();
    serde_json::from_slice(sent[i].body()).unwrap()
}

#[test]
fn prompt_tokens_past_the_threshold_clear_old_results_in_a_new_window() {
    let s = setup();
    let (agent, _) = s.agent(json!({}));
    let http = &s.host.http;
    let task = |t: &str| ("task_create", json!({"task": t}));
    http.then_json(
        200,
        usage_reply(&[task("a"), task("b"), task("c")], 100_000),
        &[],
    );
    http.then_json(200, reply(Some("Done."), &[]), &[]);
    let id = s.create(&agent);
    let o = s.objective(&id);
    assert_eq!(o["status"], "OBJECTIVE_STATUS_COMPLETED");
    assert_eq!(o["info"]["totalContextWindows"], 2);
    let types = s.event_types(&id);
    assert_eq!(
        types[types.len() - 2],
        "CONTEXT_WINDOW_COMPACTED",
        "{types:?}"
    );
    let second = sent_body(&s, 1);
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
    let s = setup();
    let (agent, _) = s.agent(json!({}));
    s.host.http.then_json(200, reply(Some("Hi."), &[]), &[]);
    let id = s.create(&agent);
    let (status, e) = s.call(
        "POST",
        &format!("/objectives/{id}:compact"),
        Some(json!({"compactionConfig": {"triggerThreshold": 2}})),
    );
    assert_eq!(status, 400, "{e}");
    assert_eq!(
        e["error"]["details"][0]["field"],
        "compactionConfig.triggerThreshold"
    );
    let (status, w) = s.call(
        "POST",
        &format!("/objectives/{id}:compact?dryRun=true"),
        None,
    );
    assert_eq!(status, 200, "{w}");
    assert_eq!(w["contextWindow"]["sequence"], 2);
    assert_eq!(s.objective(&id)["info"]["totalContextWindows"], 1);
    let (status, w) = s.call("POST", &format!("/objectives/{id}:compact"), None);
    assert_eq!(status, 200, "{w}");
    assert_eq!(w["contextWindow"]["sequence"], 2);
    assert_eq!(s.objective(&id)["info"]["totalContextWindows"], 2);
    s.call("POST", &format!("/objectives/{id}:cancel"), None);
    let (status, e) = s.call("POST", &format!("/objectives/{id}:compact"), None);
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["code"], "failed_precondition");
}

#[test]
fn submit_output_finalizes_with_valid_output_only() {
    let s = setup();
    let agent = s.ok(
        &agents::APP,
        "POST",
        "/agents",
        json!({"metadata": {"name": "grader"}, "spec": {"status": "AGENT_STATUS_PUBLISHED",
               "outputDefinition": {"type": "object", "properties": {"score": {"type": "integer"}},
                                    "required": ["score"]}}}),
        201,
    );
    let agent = agent["metadata"]["id"].as_str().unwrap().to_owned();
    s.ok(
        &variations::APP,
        "POST",
        &format!("/agents/{agent}/variations"),
        json!({"metadata": {"name": "v"}, "spec": {"prompt": "Grade.", "modelConfig": {"modelId": "openai/m"}}}),
        201,
    );
    let http = &s.host.http;
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
    let id = s.create(&agent);
    let o = s.objective(&id);
    assert_eq!(o["status"], "OBJECTIVE_STATUS_FINALIZED", "{o}");
    assert_eq!(o["data"]["output"], json!({"score": 7}));
    assert_eq!(
        s.event_types(&id),
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
    let (status, _) = s.call(
        "POST",
        &format!("/objectives/{id}:continue"),
        Some(json!({"message": "more"})),
    );
    assert_eq!(status, 409);
}

#[test]
fn the_event_stream_names_a_bad_resume_point() {
    let s = setup();
    let (agent, _) = s.agent(json!({}));
    s.host.http.then_json(200, reply(Some("Hi."), &[]), &[]);
    let id = s.create(&agent);
    let (status, e) = s.call(
        "GET",
        &format!("/objectives/{id}/events:stream?lastEventId=bogus"),
        None,
    );
    assert_eq!(status, 400, "{e}");
    assert_eq!(e["error"]["details"][0]["field"], "lastEventId");
    let (status, _) = s.call(
        "GET",
        "/objectives/obj_01J00000000000000000000000/events:stream",
        None,
    );
    assert_eq!(status, 404);
}
