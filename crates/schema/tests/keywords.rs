//! Keyword-by-keyword behaviour of `validate`: valid and invalid instances, where violations
//! are reported, and what they say.

use schema::{validate, PathSegment, Violation};
use serde_json::{json, Value};

/// (JSON pointer, message) of every violation.
fn errors(schema: &Value, instance: &Value) -> Vec<(String, String)> {
    validate(schema, instance)
        .into_iter()
        .map(|v| (v.pointer(), v.message))
        .collect()
}

#[track_caller]
fn valid(schema: &Value, instance: Value) {
    assert_eq!(
        errors(schema, &instance),
        vec![],
        "{instance} should be valid under {schema}"
    );
}

/// Asserts exactly one violation, at `pointer`, whose message contains `words`.
#[track_caller]
fn invalid(schema: &Value, instance: Value, pointer: &str, words: &str) {
    let found = errors(schema, &instance);
    assert_eq!(found.len(), 1, "{instance} under {schema}: {found:?}");
    assert_eq!(found[0].0, pointer, "{found:?}");
    assert!(
        found[0].1.contains(words),
        "{:?} should contain {words:?}",
        found[0].1
    );
}

#[test]
fn boolean_schemas() {
    valid(&json!(true), json!({"anything": [1]}));
    invalid(&json!(false), json!(null), "", "no value is allowed here");
    invalid(
        &json!({"properties": {"x": false}}),
        json!({"x": 1}),
        "/x",
        "no value is allowed here",
    );
    valid(&json!({"properties": {"x": false}}), json!({"y": 1}));
}

#[test]
fn type_keyword() {
    let s = json!({"type": "integer"});
    valid(&s, json!(1));
    valid(&s, json!(1.0));
    valid(&s, json!(-9_223_372_036_854_775_808_i64));
    valid(&s, json!(1e300));
    invalid(&s, json!(1.5), "", "must be an integer (got a number)");
    invalid(&s, json!("1"), "", "must be an integer (got a string)");
    valid(&json!({"type": "number"}), json!(3));
    valid(&json!({"type": "number"}), json!(3.25));
    invalid(
        &json!({"type": "number"}),
        json!(true),
        "",
        "must be a number (got a boolean)",
    );
    let s = json!({"type": ["string", "null"]});
    valid(&s, json!(null));
    valid(&s, json!("x"));
    invalid(
        &s,
        json!(0),
        "",
        "must be a string or null (got an integer)",
    );
    let s = json!({"type": ["array", "object", "boolean"]});
    invalid(
        &s,
        json!(""),
        "",
        "must be an array, an object or a boolean (got a string)",
    );
    for (t, v) in [
        ("null", json!(null)),
        ("boolean", json!(false)),
        ("object", json!({})),
        ("array", json!([])),
        ("string", json!("")),
    ] {
        valid(&json!({"type": t}), v.clone());
        invalid(&json!({"type": t}), json!(0.5), "", "got a number");
    }
}

#[test]
fn enum_and_const() {
    let s = json!({"enum": ["red", "green", 1, {"a": [1]}]});
    valid(&s, json!("red"));
    valid(&s, json!(1.0));
    valid(&s, json!({"a": [1.0]}));
    invalid(
        &s,
        json!("blue"),
        "",
        r#"must be one of: "red", "green", 1, {"a":[1]}"#,
    );
    invalid(&s, json!(true), "", "must be one of");
    invalid(
        &json!({"enum": ["only"]}),
        json!("other"),
        "",
        r#"must be "only""#,
    );
    invalid(&json!({"enum": []}), json!(1), "", "must be one of");
    let s = json!({"const": {"k": [1, "x"]}});
    valid(&s, json!({"k": [1.0, "x"]}));
    invalid(
        &s,
        json!({"k": [1, "x"], "extra": 1}),
        "",
        r#"must be exactly {"k":[1,"x"]}"#,
    );
    invalid(&json!({"const": 0}), json!(false), "", "must be exactly 0");
    invalid(
        &json!({"const": null}),
        json!(0),
        "",
        "must be exactly null",
    );
    // Long values are cut in messages.
    let long = "x".repeat(500);
    let found = errors(&json!({"const": long}), &json!("y"));
    assert!(
        found[0].1.len() < 120 && found[0].1.ends_with('…'),
        "{found:?}"
    );
}

#[test]
fn numeric_keywords() {
    let s = json!({"multipleOf": 0.01});
    valid(&s, json!(19.99));
    valid(&s, json!(0));
    invalid(&s, json!(0.001), "", "must be a multiple of 0.01");
    valid(&json!({"multipleOf": 3}), json!(-9));
    invalid(&json!({"multipleOf": 3}), json!(10), "", "multiple of 3");
    valid(&json!({"multipleOf": 2}), json!(4.0));

    let s = json!({"minimum": 0, "maximum": 10});
    valid(&s, json!(0));
    valid(&s, json!(10.0));
    invalid(&s, json!(-0.5), "", "must be at least 0");
    invalid(&s, json!(11), "", "must be at most 10");
    valid(&s, json!("not a number"));
    let s = json!({"exclusiveMinimum": 0, "exclusiveMaximum": 1.5});
    valid(&s, json!(1));
    invalid(&s, json!(0), "", "must be greater than 0");
    invalid(&s, json!(1.5), "", "must be less than 1.5");
    // Exact comparison of large integers.
    let s = json!({"maximum": 9_007_199_254_740_992_u64});
    valid(&s, json!(9_007_199_254_740_992_u64));
    invalid(
        &s,
        json!(9_007_199_254_740_993_u64),
        "",
        "at most 9007199254740992",
    );
    valid(&json!({"minimum": -1}), json!(u64::MAX));
    valid(&json!({"maximum": u64::MAX}), json!(1e19));
    invalid(&json!({"maximum": u64::MAX}), json!(1e20), "", "at most");
}

#[test]
fn string_keywords() {
    let s = json!({"minLength": 2, "maxLength": 3});
    valid(&s, json!("ab"));
    valid(&s, json!("é😀")); // two code points, six bytes
    invalid(
        &s,
        json!("a"),
        "",
        "must be at least 2 characters long (got 1)",
    );
    invalid(
        &s,
        json!("abcd"),
        "",
        "must be at most 3 characters long (got 4)",
    );
    invalid(
        &json!({"maxLength": 1}),
        json!("ab"),
        "",
        "at most 1 character long",
    );
    valid(&s, json!(12345));
    let s = json!({"pattern": "[0-9]{3}"});
    valid(&s, json!("abc123def")); // unanchored
    invalid(
        &s,
        json!("ab12"),
        "",
        r#"must match the pattern "[0-9]{3}""#,
    );
    valid(&s, json!(12));
    valid(
        &json!({"pattern": "^\u{1F432}*$"}),
        json!("\u{1F432}\u{1F432}"),
    );
}

#[test]
fn formats() {
    let cases = [
        (
            "date-time",
            "2024-05-01T12:00:00.5+02:00",
            "2024-05-01 12:00",
        ),
        ("date", "2024-02-29", "2023-02-29"),
        ("time", "23:59:59Z", "25:00:00Z"),
        ("email", "ada@example.com", "ada@"),
        ("uri", "https://example.com/a?b#c", "/relative/path"),
        ("uuid", "123e4567-e89b-12d3-a456-426614174000", "123e4567"),
        ("ipv4", "127.0.0.1", "127.0.0.256"),
        ("ipv6", "fe80::1", "fe80::1::2"),
        ("hostname", "api.example.com", "api..example.com"),
    ];
    for (format, good, bad) in cases {
        let s = json!({"format": format});
        valid(&s, json!(good));
        invalid(&s, json!(bad), "", &format!("must be a valid {format}"));
        valid(&s, json!(42)); // formats only constrain strings
    }
    valid(&json!({"format": "duration"}), json!("not checked"));
    valid(&json!({"format": "made-up"}), json!("anything"));
    let found = errors(&json!({"format": "date"}), &json!("01/05/2024"));
    assert!(found[0].1.contains("such as \"2024-05-01\""), "{found:?}");
}

#[test]
fn array_keywords() {
    let s = json!({"prefixItems": [{"type": "string"}, {"type": "integer"}], "items": {"type": "boolean"}});
    valid(&s, json!([]));
    valid(&s, json!(["a", 1, true, false]));
    assert_eq!(
        errors(&s, &json!([1, "a", true, 0])),
        vec![
            ("/0".into(), "must be a string (got an integer)".into()),
            ("/1".into(), "must be an integer (got a string)".into()),
            ("/3".into(), "must be a boolean (got an integer)".into()),
        ]
    );
    let s = json!({"prefixItems": [{}, {}], "items": false});
    valid(&s, json!([1, 2]));
    invalid(
        &s,
        json!([1, 2, 3]),
        "",
        "must have at most 2 items (got 3)",
    );
    invalid(
        &json!({"items": false}),
        json!([1]),
        "",
        "must be an empty array",
    );
    valid(
        &json!({"items": {"type": "string"}}),
        json!({"not": "an array"}),
    );

    let s = json!({"minItems": 1, "maxItems": 2});
    invalid(&s, json!([]), "", "must have at least 1 item (got 0)");
    invalid(
        &s,
        json!([1, 2, 3]),
        "",
        "must have at most 2 items (got 3)",
    );

    let s = json!({"uniqueItems": true});
    valid(&s, json!([1, "1", [1], {"a": 1}, true, null]));
    invalid(&s, json!([1, 2, 1.0]), "", "items 0 and 2 are equal");
    invalid(
        &s,
        json!([{"a": 1, "b": 2}, {"b": 2, "a": 1}]),
        "",
        "items 0 and 1",
    );
    invalid(&s, json!(["x", "y", "y", "x"]), "", "items 1 and 2");
    valid(&json!({"uniqueItems": false}), json!([1, 1]));
    valid(&s, json!([0, false, [], {}, ""]));

    let s = json!({"contains": {"type": "integer"}});
    valid(&s, json!(["a", 1]));
    invalid(
        &s,
        json!(["a"]),
        "",
        r#"at least 1 item matching the "contains" schema (got 0)"#,
    );
    invalid(&s, json!([]), "", "got 0");
    let s = json!({"contains": {"const": 1}, "minContains": 2, "maxContains": 3});
    valid(&s, json!([1, 1, 2]));
    invalid(&s, json!([1, 2]), "", "at least 2 items matching");
    invalid(
        &s,
        json!([1, 1, 1, 1]),
        "",
        "at most 3 items matching the \"contains\" schema (got 4)",
    );
    valid(&json!({"contains": false, "minContains": 0}), json!([1]));
    valid(&json!({"maxContains": 0}), json!([1])); // without contains: ignored
}

#[test]
fn object_keywords() {
    let s = json!({
        "type": "object",
        "properties": {"customer": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}},
        "required": ["customer", "items"]
    });
    valid(&s, json!({"customer": {"name": "Ada"}, "items": []}));
    invalid(
        &s,
        json!({"customer": {"name": "Ada"}}),
        "",
        "\"items\" is a required property",
    );
    invalid(
        &s,
        json!({"customer": {}, "items": 1}),
        "/customer",
        "\"name\" is a required property",
    );
    invalid(
        &s,
        json!({"customer": {"name": 7}, "items": 1}),
        "/customer/name",
        "must be a string",
    );

    let s = json!({
        "properties": {"id": {"type": "integer"}},
        "patternProperties": {"^x-": {"type": "string"}},
        "additionalProperties": {"type": "boolean"}
    });
    valid(&s, json!({"id": 1, "x-trace": "t", "flag": true}));
    assert_eq!(
        errors(&s, &json!({"id": "1", "x-trace": 2, "flag": 0})),
        vec![
            ("/id".into(), "must be an integer (got a string)".into()),
            (
                "/x-trace".into(),
                "must be a string (got an integer)".into()
            ),
            ("/flag".into(), "must be a boolean (got an integer)".into()),
        ]
    );
    // A name matched by both properties and patternProperties gets both.
    let s = json!({"properties": {"ab": {"maxLength": 1}}, "patternProperties": {"b": {"minLength": 3}}});
    assert_eq!(errors(&s, &json!({"ab": "xy"})).len(), 2);

    let s = json!({"properties": {"name": {}, "age": {}}, "additionalProperties": false});
    invalid(
        &s,
        json!({"name": "a", "nmae": "b"}),
        "/nmae",
        r#""nmae" is not an allowed property (allowed: "age", "name")"#,
    );
    invalid(
        &json!({"additionalProperties": false}),
        json!({"a": 1}),
        "/a",
        "no properties are allowed",
    );
    let s = json!({"patternProperties": {"^x-": {}}, "additionalProperties": false});
    invalid(&s, json!({"y": 1}), "/y", "names matching ^x-");

    let s = json!({"minProperties": 1, "maxProperties": 2});
    invalid(&s, json!({}), "", "must have at least 1 property (got 0)");
    invalid(
        &s,
        json!({"a": 1, "b": 2, "c": 3}),
        "",
        "must have at most 2 properties (got 3)",
    );
    valid(&s, json!([]));

    let s = json!({"propertyNames": {"pattern": "^[a-z_]+$", "maxLength": 5}});
    valid(&s, json!({"ok": 1}));
    invalid(
        &s,
        json!({"Bad": 1}),
        "",
        r#"property name "Bad" is invalid: must match the pattern"#,
    );
    invalid(
        &json!({"propertyNames": false}),
        json!({"a": 1}),
        "",
        r#"property name "a" is invalid"#,
    );
    valid(&json!({"propertyNames": false}), json!({}));
}

#[test]
fn dependencies() {
    let s = json!({"dependentRequired": {"card": ["billing_address"]}});
    valid(&s, json!({"billing_address": "x"}));
    invalid(
        &s,
        json!({"card": 1}),
        "",
        r#""billing_address" is required when "card" is present"#,
    );
    let s = json!({"dependentSchemas": {"card": {"properties": {"cvc": {"minLength": 3}}}}});
    valid(&s, json!({"cvc": "1"}));
    invalid(
        &s,
        json!({"card": 1, "cvc": "1"}),
        "/cvc",
        "at least 3 characters",
    );
    // Draft 7's `dependencies` keyword is still honoured.
    let s = json!({"dependencies": {"a": ["b"], "c": {"required": ["d"]}}});
    invalid(
        &s,
        json!({"a": 1}),
        "",
        r#""b" is required when "a" is present"#,
    );
    invalid(&s, json!({"c": 1}), "", r#""d" is a required property"#);
}

#[test]
fn combinators() {
    let s = json!({"allOf": [{"minimum": 2}, {"multipleOf": 2}]});
    valid(&s, json!(4));
    assert_eq!(
        errors(&s, &json!(1)),
        vec![
            ("".into(), "must be at least 2".into()),
            ("".into(), "must be a multiple of 2".into())
        ]
    );

    let s = json!({"anyOf": [{"type": "string"}, {"properties": {"n": {"type": "integer"}}, "required": ["n"]}]});
    valid(&s, json!("x"));
    valid(&s, json!({"n": 1}));
    invalid(
        &s,
        json!({"n": "1"}),
        "",
        r#"must match at least one of the "anyOf" alternatives: (1) must be a string (got an object); (2) at .n: must be an integer (got a string)"#,
    );
    let found = errors(&s, &json!({}));
    assert!(
        found[0].1.ends_with(r#"(2) "n" is a required property"#),
        "{found:?}"
    );

    let s = json!({"oneOf": [{"type": "integer"}, {"minimum": 2}]});
    valid(&s, json!(1));
    valid(&s, json!(2.5));
    invalid(&s, json!(3), "", "matches alternatives 1 and 2");
    invalid(
        &s,
        json!(1.5),
        "",
        r#"exactly one of the "oneOf" alternatives, but matches none: (1) must be an integer (got a number); (2) must be at least 2"#,
    );

    invalid(
        &json!({"not": {"type": "null"}}),
        json!(null),
        "",
        r#"must not match the schema given in "not""#,
    );
    valid(&json!({"not": {"type": "null"}}), json!(0));

    let s = json!({
        "if": {"properties": {"kind": {"const": "card"}}, "required": ["kind"]},
        "then": {"required": ["number"]},
        "else": {"required": ["iban"]}
    });
    valid(&s, json!({"kind": "card", "number": "4242"}));
    invalid(
        &s,
        json!({"kind": "card"}),
        "",
        r#""number" is a required property"#,
    );
    invalid(
        &s,
        json!({"kind": "sepa"}),
        "",
        r#""iban" is a required property"#,
    );
    valid(&json!({"then": false}), json!(1)); // no `if`: then/else ignored
    valid(&json!({"if": false}), json!(1)); // no branch to apply
}

#[test]
fn references() {
    let s = json!({
        "$defs": {"positive": {"type": "integer", "exclusiveMinimum": 0}},
        "definitions": {"name": {"type": "string", "minLength": 1}},
        "properties": {
            "count": {"$ref": "#/$defs/positive"},
            "name": {"$ref": "#/definitions/name", "maxLength": 3},
            "alias": {"$ref": "#/properties/name"}
        }
    });
    valid(&s, json!({"count": 1, "name": "ab"}));
    invalid(&s, json!({"count": 0}), "/count", "greater than 0");
    invalid(&s, json!({"name": ""}), "/name", "at least 1 character");
    invalid(&s, json!({"name": "abcd"}), "/name", "at most 3"); // siblings of $ref apply too
    invalid(&s, json!({"alias": "abcd"}), "/alias", "at most 3");

    // Recursion that follows the instance is fine, and reports deep paths.
    let tree = json!({
        "type": "object",
        "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#"}}},
        "required": ["value"]
    });
    valid(
        &tree,
        json!({"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]}),
    );
    invalid(
        &tree,
        json!({"value": 1, "children": [{"value": 2}, {"value": 3, "children": [{"value": "x"}]}]}),
        "/children/1/children/0/value",
        "must be an integer",
    );
    // The same subschema applied twice to the same value is not a loop.
    let s = json!({"$defs": {"int": {"type": "integer"}}, "allOf": [{"$ref": "#/$defs/int"}, {"$ref": "#/$defs/int"}]});
    assert_eq!(errors(&s, &json!("x")).len(), 2);
}

#[test]
fn every_violation_in_a_stable_order() {
    let s = json!({
        "type": "object",
        "required": ["id", "email"],
        "properties": {
            "age": {"type": "integer", "minimum": 0},
            "id": {"type": "string", "format": "uuid"},
            "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}
        },
        "additionalProperties": false
    });
    // Keywords are evaluated in a fixed order; properties in map order (keys are sorted here so
    // the expectation holds with or without serde_json's `preserve_order`).
    let instance = json!({"age": -1.5, "extra": true, "id": "nope", "tags": ["a", 1, "a"]});
    let expected = vec![
        ("", "\"email\" is a required property"),
        ("/age", "must be an integer (got a number)"),
        ("/age", "must be at least 0"),
        (
            "/id",
            "must be a valid uuid: a UUID such as \"123e4567-e89b-12d3-a456-426614174000\"",
        ),
        ("/tags/1", "must be a string (got an integer)"),
        (
            "/tags",
            "must not contain duplicates (items 0 and 2 are equal)",
        ),
        (
            "/extra",
            "\"extra\" is not an allowed property (allowed: \"age\", \"id\", \"tags\")",
        ),
    ];
    let expected: Vec<(String, String)> = expected
        .into_iter()
        .map(|(p, m)| (p.to_owned(), m.to_owned()))
        .collect();
    for _ in 0..3 {
        assert_eq!(errors(&s, &instance), expected);
    }
}

#[test]
fn violation_paths_render() {
    let v = Violation {
        path: vec![
            PathSegment::Key("items".into()),
            PathSegment::Index(2),
            PathSegment::Key("a/b~c".into()),
        ],
        message: "must be a string".into(),
    };
    assert_eq!(v.pointer(), "/items/2/a~1b~0c");
    assert_eq!(v.field("data"), "data.items[2].a/b~c");
    assert_eq!(v.to_string(), "/items/2/a~1b~0c: must be a string");
    let root = Violation {
        path: vec![],
        message: "m".into(),
    };
    assert_eq!(
        (root.pointer().as_str(), root.field("data").as_str()),
        ("", "data")
    );
    // A numeric-looking key stays a key.
    let found = validate(
        &json!({"properties": {"0": {"type": "string"}}}),
        &json!({"0": 1}),
    );
    assert_eq!(found[0].path, vec![PathSegment::Key("0".into())]);
    assert_eq!(found[0].field("data"), "data.0");
}

#[test]
fn unusable_schemas_yield_one_violation() {
    for schema in [
        json!({"type": "objekt"}),
        json!({"pattern": "("}),
        json!({"unevaluatedProperties": false}),
        json!({"$ref": "https://example.com/schema.json"}),
        json!(42),
    ] {
        let found = validate(&schema, &json!({}));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.starts_with("the schema cannot be used: "),
            "{found:?}"
        );
        assert!(found[0].path.is_empty());
    }
}
