//! Hostile schemas and instances: validation must stay bounded and never panic.

use std::time::{Duration, Instant};

use schema::{check, validate, MAX_EVAL_DEPTH};
use serde_json::{json, Map, Value};

fn single_message(schema: &Value, instance: &Value) -> String {
    let found = validate(schema, instance);
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].message.clone()
}

/// `[[[…]]]` nested `depth` times (deeper than serde_json's parser would allow).
fn nested_arrays(depth: usize) -> Value {
    (0..depth).fold(json!([]), |inner, _| Value::Array(vec![inner]))
}

#[test]
fn self_referencing_refs_are_reported_not_followed_forever() {
    for schema in [
        json!({"$ref": "#"}),
        json!({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}),
        json!({"allOf": [{"$ref": "#"}]}),
        json!({"anyOf": [{"$ref": "#"}, {"$ref": "#"}]}),
        json!({"properties": {"a": {"$ref": "#/properties/a"}}}),
    ] {
        assert_eq!(check(&schema), Ok(()), "{schema}");
        let instance = json!({"a": 1});
        let message = single_message(&schema, &instance);
        assert!(
            message.contains("leads back to itself"),
            "{schema}: {message}"
        );
    }
}

#[test]
fn loops_are_not_negated_by_not() {
    // A loop inside `not` must not turn into "valid".
    let message = single_message(&json!({"not": {"$ref": "#"}}), &json!(1));
    assert!(message.contains("leads back to itself"), "{message}");
    let message = single_message(&json!({"if": {"$ref": "#"}, "then": false}), &json!(1));
    assert!(message.contains("leads back to itself"), "{message}");
}

#[test]
fn a_loop_in_an_unused_branch_is_harmless() {
    let schema = json!({"anyOf": [{"type": "string"}, {"$ref": "#"}]});
    assert!(validate(&schema, &json!("ok")).is_empty());
}

#[test]
fn deep_instances_hit_the_depth_limit() {
    let schema = json!({"type": "array", "items": {"$ref": "#"}});
    assert!(validate(&schema, &nested_arrays(60)).is_empty());
    let message = single_message(&schema, &nested_arrays(10_000));
    assert!(
        message.contains(&format!("more than {MAX_EVAL_DEPTH} nested")),
        "{message}"
    );
    // Keywords that compare whole values cope with deep values too.
    for schema in [
        json!({"const": []}),
        json!({"enum": [[], 1]}),
        json!({"uniqueItems": true}),
    ] {
        let _ = validate(
            &schema,
            &Value::Array(vec![nested_arrays(5_000), nested_arrays(5_000)]),
        );
    }
}

#[test]
fn deep_schemas_are_refused() {
    // (Built by hand: `json!` would serialize the interpolated value, recursively.)
    let deep = (0..1_000).fold(json!({}), |inner, _| {
        Value::Object(Map::from_iter([("items".to_owned(), inner)]))
    });
    let e = check(&deep).expect_err("too deep");
    assert!(e.message.contains("levels deep"), "{e}");
    let message = single_message(&deep, &json!([]));
    assert!(
        message.starts_with("the schema cannot be used"),
        "{message}"
    );
}

#[test]
fn exponential_schemas_hit_the_step_limit() {
    // Every level tries two alternatives that both fail, but only at the innermost value:
    // 2^depth evaluations without a limit.
    let branch = json!({"properties": {"a": {"$ref": "#"}}, "minProperties": 1});
    let schema = json!({"anyOf": [branch, branch]});
    let instance = (0..60).fold(json!({}), |inner, _| {
        Value::Object(Map::from_iter([("a".to_owned(), inner)]))
    });
    let start = Instant::now();
    let message = single_message(&schema, &instance);
    assert!(message.contains("steps"), "{message}");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn huge_numbers() {
    let big: Value = serde_json::from_str("123456789012345678901234567890").expect("parses");
    let huge: Value = serde_json::from_str("1e308").expect("parses");
    for schema in [
        json!({"type": "integer"}),
        json!({"minimum": 1}),
        json!({"maximum": 1e308}),
        json!({"multipleOf": 1}),
        json!({"multipleOf": 0.5}),
        json!({"multipleOf": 1e-300}),
        json!({"const": 1e308}),
    ] {
        let _ = validate(&schema, &big);
        let _ = validate(&schema, &huge);
        let _ = validate(&schema, &json!(-1e308));
        let _ = validate(&schema, &json!(u64::MAX));
        let _ = validate(&schema, &json!(i64::MIN));
    }
    assert!(validate(&json!({"type": "integer"}), &big).is_empty());
    assert!(validate(&json!({"multipleOf": 0.5}), &huge).is_empty());
    assert!(validate(&json!({"maximum": 1e308}), &huge).is_empty());
    assert!(!validate(&json!({"exclusiveMaximum": 1e308}), &huge).is_empty());
    assert!(!validate(&json!({"maximum": i64::MIN}), &json!(u64::MAX)).is_empty());
    assert!(check(&json!({"minLength": 1e300, "maxItems": u64::MAX})).is_ok());
    assert!(!validate(&json!({"minLength": 1e300}), &json!("short")).is_empty());
}

#[test]
fn invalid_and_expensive_regexes() {
    for pattern in [
        "(",
        "[z-a]",
        "a{2,1}",
        "(?<!a)b",
        "(a)\\1",
        "\\p{Letter}",
        "x{99999999}",
    ] {
        assert!(check(&json!({"pattern": pattern})).is_err(), "{pattern}");
    }
    // Patterns that compile to large automata are refused: matching costs size × text length.
    let e = check(&json!({"pattern": "^.{0,1000}$"})).expect_err("too large");
    assert!(
        e.message.contains("size limit") && e.message.contains("maxLength"),
        "{e}"
    );
    assert!(check(&json!({"pattern": "^[^\\s]{1,255}$"})).is_ok());
    // The largest allowed automaton against a long text is still quick, and the text's length
    // counts towards the step limit.
    let (mut n, mut pattern) = (1, String::new());
    while check(&json!({"pattern": format!("(a|b|c)?{{{n}}}x")})).is_ok() {
        pattern = format!("(a|b|c)?{{{n}}}x");
        n *= 2;
    }
    let start = Instant::now();
    assert_eq!(
        validate(&json!({"pattern": pattern}), &json!("a".repeat(20_000))).len(),
        1
    );
    let big = json!("a".repeat(300_000));
    let message = single_message(
        &json!({"allOf": [{"pattern": "a"}, {"pattern": "b"}]}),
        &big,
    );
    assert!(message.contains("steps"), "{message}");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    // regex-lite has no backtracking: a "catastrophic" pattern is linear.
    let schema = json!({"pattern": "^(a+)+$"});
    let text = format!("{}b", "a".repeat(50_000));
    let start = Instant::now();
    assert_eq!(validate(&schema, &json!(text)).len(), 1);
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn wide_instances() {
    let items: Vec<Value> = (0..50_000).map(|i| json!(i)).collect();
    let schema = json!({"items": {"type": "integer", "minimum": 0}, "uniqueItems": true});
    assert!(validate(&schema, &Value::Array(items.clone())).is_empty());
    let mut dup = items;
    dup.push(json!(49_999.0));
    let message = single_message(&schema, &Value::Array(dup));
    assert!(
        message.contains("items 49999 and 50000 are equal"),
        "{message}"
    );
}

#[test]
fn never_panics_on_suite_schemas_against_suite_data() {
    // Every vendored suite schema against every vendored instance: no panic, no hang.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/suite");
    let mut schemas = Vec::new();
    let mut data = Vec::new();
    for name in [
        "ref.json",
        "items.json",
        "properties.json",
        "anyOf.json",
        "uniqueItems.json",
        "const.json",
    ] {
        let text = std::fs::read_to_string(root.join(name)).expect("readable");
        let groups: Vec<Value> = serde_json::from_str(&text).expect("JSON");
        for g in groups {
            schemas.push(g["schema"].clone());
            for t in g["tests"].as_array().into_iter().flatten() {
                data.push(t["data"].clone());
            }
        }
    }
    for s in &schemas {
        for d in &data {
            let _ = validate(s, d);
        }
    }
}
