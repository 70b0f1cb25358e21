use super::*;
use crate::settings::Settings;
use host::native::NativeHost;
use ports::Clock;
use serde_json::json;

fn conversation() -> Vec<Turn> {
    vec![
        Turn::User("order 3 widgets".into()),
        Turn::Assistant {
            content: Some("On it.".into()),
            calls: vec![Call {
                id: "toolcall_1".into(),
                name: "create_order".into(),
                arguments: r#"{"quantity":3}"#.into(),
            }],
        },
        Turn::Results(vec![Outcome {
            call_id: "toolcall_1".into(),
            content: "order 42".into(),
            is_error: false,
        }]),
        Turn::User("thanks".into()),
    ]
}

fn request<'a>(turns: &'a [Turn], functions: &'a [Function]) -> Request<'a> {
    Request {
        model: "m",
        system: "You help.",
        turns,
        functions,
        temperature: Some(0.2),
    }
}

#[test]
fn model_ids_name_a_provider() {
    assert_eq!(
        resolve(Some("openai/gpt-4o")),
        Ok((Provider::OpenAi, "gpt-4o"))
    );
    assert_eq!(
        resolve(Some("claude/sonnet")),
        Ok((Provider::Anthropic, "sonnet"))
    );
    assert_eq!(
        resolve(Some("anthropic/x/y")),
        Ok((Provider::Anthropic, "x/y"))
    );
    assert_eq!(
        resolve(Some("mistral/large")).unwrap_err().kind(),
        "configuration"
    );
    assert!(resolve(None).unwrap_err().message().contains("modelId"));
    assert!(resolve(Some("openai"))
        .unwrap_err()
        .message()
        .contains("family/model"));
}

#[test]
fn openai_body_carries_system_history_tools_and_results() {
    let turns = conversation();
    let functions = vec![Function::new("create_order", "Create", &Default::default())];
    let body = openai::body(&request(&turns, &functions));
    assert_eq!(body["model"], "m");
    assert_eq!(body["temperature"], 0.2);
    let m = body["messages"].as_array().unwrap();
    assert_eq!(m[0], json!({"role": "system", "content": "You help."}));
    assert_eq!(m[1], json!({"role": "user", "content": "order 3 widgets"}));
    assert_eq!(m[2]["tool_calls"][0]["id"], "toolcall_1");
    assert_eq!(
        m[2]["tool_calls"][0]["function"]["arguments"],
        r#"{"quantity":3}"#
    );
    assert_eq!(
        m[3],
        json!({"role": "tool", "tool_call_id": "toolcall_1", "content": "order 42"})
    );
    assert_eq!(m[4], json!({"role": "user", "content": "thanks"}));
    // an argument-less tool still gets an object schema
    assert_eq!(
        body["tools"][0]["function"]["parameters"],
        json!({"type": "object", "properties": {}})
    );
}

#[test]
fn openai_replies_parse_calls_and_usage() {
    let reply = openai::parse(&json!({
        "choices": [{"message": {"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_9", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}}
        ]}}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20}
    }))
    .unwrap();
    assert_eq!(reply.content, None);
    assert_eq!(reply.calls[0].name, "f");
    assert_eq!(reply.calls[0].arguments, "{\"a\":1}");
    assert_eq!((reply.input_tokens, reply.output_tokens), (100, 20));
    assert!(openai::parse(&json!({"choices": []})).is_err());
}

#[test]
fn anthropic_body_merges_roles_and_pairs_tool_results() {
    let turns = conversation();
    let body = anthropic::body(&request(&turns, &[]), 1024);
    assert_eq!(body["system"], "You help.");
    assert_eq!(body["max_tokens"], 1024);
    assert!(body.get("tools").is_none());
    let m = body["messages"].as_array().unwrap();
    assert_eq!(m.len(), 3, "{m:?}");
    assert_eq!(m[1]["role"], "assistant");
    assert_eq!(
        m[1]["content"][1],
        json!({"type": "tool_use", "id": "toolcall_1", "name": "create_order", "input": {"quantity": 3}})
    );
    // the tool result and the next user message share one user turn, results first
    assert_eq!(m[2]["role"], "user");
    assert_eq!(m[2]["content"][0]["type"], "tool_result");
    assert_eq!(m[2]["content"][0]["tool_use_id"], "toolcall_1");
    assert_eq!(
        m[2]["content"][1],
        json!({"type": "text", "text": "thanks"})
    );
}

#[test]
fn anthropic_replies_parse_text_and_tool_use() {
    let reply = anthropic::parse(&json!({
        "content": [{"type": "text", "text": "Let me "}, {"type": "text", "text": "check."},
                    {"type": "tool_use", "id": "tu_1", "name": "f", "input": {"a": 1}}],
        "usage": {"input_tokens": 7, "output_tokens": 3}
    }))
    .unwrap();
    assert_eq!(reply.content.as_deref(), Some("Let me check."));
    assert_eq!(reply.calls[0].arguments, r#"{"a":1}"#);
    assert_eq!((reply.input_tokens, reply.output_tokens), (7, 3));
}

fn settings(host: &NativeHost) -> Settings {
    Settings::from_vars(&host.vars)
}

#[test]
fn retries_429_then_succeeds_and_never_retries_401() {
    let host = NativeHost::new();
    host.vars.set("openai_api_key", "k");
    host.http.then_json(
        429,
        json!({"error": {"message": "slow down"}}),
        &[("retry-after", "2")],
    );
    host.http.then_json(
        200,
        json!({"choices": [{"message": {"content": "hi"}}]}),
        &[],
    );
    let turns = conversation();
    let env = host.env();
    let before = host.clock.now_ms();
    let mut attempts = 0;
    let reply = complete(
        &env,
        &settings(&host),
        &Endpoint::operator(&settings(&host), Provider::OpenAi),
        &request(&turns, &[]),
        &mut || {
            attempts += 1;
            true
        },
    )
    .unwrap();
    assert_eq!(reply.content.as_deref(), Some("hi"));
    assert_eq!(attempts, 2);
    assert_eq!(
        host.clock.now_ms() - before,
        2000,
        "Retry-After is honoured"
    );
    let sent = host.http.sent.borrow();
    assert_eq!(
        sent[0].uri().to_string(),
        "https://api.openai.com/v1/chat/completions"
    );
    assert_eq!(sent[0].headers()["authorization"], "Bearer k");
    drop(sent);

    host.http
        .then_json(401, json!({"error": {"message": "Incorrect API key"}}), &[]);
    let err = complete(
        &env,
        &settings(&host),
        &Endpoint::operator(&settings(&host), Provider::OpenAi),
        &request(&turns, &[]),
        &mut || true,
    )
    .unwrap_err();
    assert_eq!(err.kind(), "model_provider");
    assert!(
        err.message().contains("401") && err.message().contains("openai_api_key"),
        "{err:?}"
    );
    assert_eq!(host.http.sent.borrow().len(), 3);
}

#[test]
fn gives_up_after_three_5xx_and_reports_missing_keys_and_bad_replies() {
    let host = NativeHost::new();
    let turns = conversation();
    let env = host.env();
    let err = complete(
        &env,
        &settings(&host),
        &Endpoint::operator(&settings(&host), Provider::Anthropic),
        &request(&turns, &[]),
        &mut || true,
    )
    .unwrap_err();
    assert_eq!(err.kind(), "configuration");
    assert!(err.message().contains("anthropic_api_key"), "{err:?}");
    assert!(
        host.http.sent.borrow().is_empty(),
        "no request without a key"
    );

    host.vars.set("anthropic_api_key", "a");
    for _ in 0..3 {
        host.http
            .then_json(500, json!({"error": {"message": "boom"}}), &[]);
    }
    let err = complete(
        &env,
        &settings(&host),
        &Endpoint::operator(&settings(&host), Provider::Anthropic),
        &request(&turns, &[]),
        &mut || true,
    )
    .unwrap_err();
    assert!(
        err.message().contains("500") && err.message().contains("3 attempts"),
        "{err:?}"
    );
    let sent = host.http.sent.borrow();
    assert_eq!(sent[0].headers()["x-api-key"], "a");
    assert_eq!(sent[0].headers()["anthropic-version"], "2023-06-01");
    drop(sent);

    host.http.then(|_| {
        Ok(http::Response::builder()
            .status(200)
            .body(b"not json".to_vec())
            .unwrap())
    });
    let err = complete(
        &env,
        &settings(&host),
        &Endpoint::operator(&settings(&host), Provider::Anthropic),
        &request(&turns, &[]),
        &mut || true,
    )
    .unwrap_err();
    assert!(err.message().contains("malformed"), "{err:?}");
}

#[test]
fn private_model_endpoints_are_refused_unless_allowed() {
    let host = NativeHost::new();
    host.vars.set("openai_base_url", "http://127.0.0.1:9/v1");
    let turns = conversation();
    let env = host.env();
    let err = complete(
        &env,
        &settings(&host),
        &Endpoint::operator(&settings(&host), Provider::OpenAi),
        &request(&turns, &[]),
        &mut || true,
    )
    .unwrap_err();
    assert!(
        err.message().contains("private") && err.message().contains("openai_base_url"),
        "{err:?}"
    );
    assert!(host.http.sent.borrow().is_empty());
}
