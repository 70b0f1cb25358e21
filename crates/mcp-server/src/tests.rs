use super::*;

fn err(body: &str) -> (Value, i64, u16) {
    let (id, e) = parse(body.as_bytes()).unwrap_err();
    (id, e.code, e.http)
}

#[test]
fn requests_notifications_and_responses_are_told_apart() {
    assert_eq!(
        parse(br#"{"jsonrpc":"2.0","id":7,"method":"tools/list"}"#).unwrap(),
        Message::Request {
            id: json!(7),
            method: "tools/list".into(),
            params: Map::new()
        }
    );
    assert_eq!(
        parse(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap(),
        Message::Notification {
            method: "notifications/initialized".into(),
            params: Map::new()
        }
    );
    let Message::Notification { params, .. } = parse(
        br#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"x"}}"#,
    )
    .unwrap() else {
        panic!("a notification")
    };
    assert_eq!(cancelled_request(&params), Some(&json!(7)));
    assert_eq!(cancelled_request(&Map::new()), None);
    assert_eq!(
        parse(br#"{"jsonrpc":"2.0","id":"a","result":{}}"#).unwrap(),
        Message::Response
    );
}

#[test]
fn malformed_messages_are_refused_with_their_codes() {
    assert_eq!(err("{not json"), (Value::Null, code::PARSE_ERROR, 400));
    assert_eq!(
        err(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#),
        (Value::Null, code::INVALID_REQUEST, 400)
    );
    assert_eq!(
        err(r#"{"jsonrpc":"1.0","id":3,"method":"ping"}"#),
        (json!(3), code::INVALID_REQUEST, 400)
    );
    assert_eq!(
        err(r#"{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}"#),
        (Value::Null, code::INVALID_REQUEST, 400)
    );
    assert_eq!(
        err(r#"{"jsonrpc":"2.0","id":4,"method":"ping","params":[1]}"#),
        (json!(4), code::INVALID_REQUEST, 400)
    );
    assert_eq!(
        err(r#"{"jsonrpc":"2.0","id":5}"#),
        (json!(5), code::INVALID_REQUEST, 400)
    );
}

#[test]
fn versions_negotiate_to_the_clients_when_spoken() {
    assert_eq!(negotiate(Some("2025-06-18")), "2025-06-18");
    assert_eq!(negotiate(Some("2026-07-28")), "2025-11-25");
    assert_eq!(negotiate(None), "2025-11-25");
    assert!(check_version_header(None).is_ok());
    assert!(check_version_header(Some("2025-03-26")).is_ok());
    let e = check_version_header(Some("1999-01-01")).unwrap_err();
    assert_eq!((e.http, e.code), (400, code::INVALID_REQUEST));
    assert!(e.message.contains("MCP-Protocol-Version"));
}

#[test]
fn an_agent_without_data_takes_a_message() {
    let (schema, shape) = agent_input_schema(None);
    assert_eq!(shape, ArgumentShape::MessageOnly);
    assert_eq!(schema["required"], json!(["message"]));
    let args = json!({"message": "hi"}).as_object().cloned().unwrap();
    assert_eq!(split_arguments(&shape, args), Ok(("hi".into(), None)));
    let extra = json!({"message": "hi", "x": 1})
        .as_object()
        .cloned()
        .unwrap();
    assert!(split_arguments(&shape, extra).unwrap_err().contains("`x`"));
}

#[test]
fn an_object_data_schema_gains_a_message_property() {
    let data = json!({"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"], "additionalProperties": false});
    let (schema, shape) = agent_input_schema(data.as_object());
    assert_eq!(shape, ArgumentShape::Flat);
    assert_eq!(schema["required"], json!(["title", "message"]));
    assert_eq!(schema["properties"]["message"]["type"], json!("string"));
    assert_eq!(schema["additionalProperties"], json!(false));
    let args = json!({"message": "go", "title": "T"})
        .as_object()
        .cloned()
        .unwrap();
    assert_eq!(
        split_arguments(&shape, args),
        Ok(("go".into(), Some(json!({"title": "T"}))))
    );
}

#[test]
fn a_schema_that_cannot_take_message_is_nested_under_data() {
    let data = json!({"type": "object", "properties": {"message": {"type": "integer"}}});
    let (schema, shape) = agent_input_schema(data.as_object());
    assert_eq!(shape, ArgumentShape::Nested);
    assert_eq!(schema["properties"]["data"], data);
    let args = json!({"message": "go", "data": {"message": 3}})
        .as_object()
        .cloned()
        .unwrap();
    assert_eq!(
        split_arguments(&shape, args),
        Ok(("go".into(), Some(json!({"message": 3}))))
    );
    let missing = json!({"message": "go"}).as_object().cloned().unwrap();
    assert!(split_arguments(&shape, missing)
        .unwrap_err()
        .contains("`data`"));
    let no_message = json!({"data": {}}).as_object().cloned().unwrap();
    assert!(split_arguments(&shape, no_message)
        .unwrap_err()
        .contains("`message`"));
}

#[test]
fn results_and_events_have_the_wire_shapes() {
    let r = object_result(json!({"a": 1}), json!({"k": "v"}));
    assert_eq!(r["structuredContent"], json!({"a": 1}));
    assert_eq!(r["content"][0]["text"], json!("{\"a\":1}"));
    assert_eq!(r["isError"], json!(false));
    assert_eq!(r["_meta"]["k"], json!("v"));
    let e = error_result("nope", json!({}));
    assert_eq!(e["isError"], json!(true));
    assert!(e.get("structuredContent").is_none());
    assert_eq!(
        sse(&notification("notifications/tools/list_changed", None)),
        b"event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n\n"
            .to_vec()
    );
    assert_eq!(
        RpcError::in_band(code::METHOD_NOT_FOUND, "x").body(&json!(1)),
        json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "x"}})
    );
}
