//! Rendering is bounded: runaway templates stop with an error instead of hanging or
//! exhausting memory.

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

fn outcome(template: &str) -> Result<String, String> {
    let mut data = Map::new();
    data.insert("big".into(), Value::String("x".repeat(600_000)));
    data.insert("items".into(), json!([1, 2, 3]));
    let floats: Vec<f64> = (0..30_000).map(|i| f64::from(i) + 0.5).collect();
    data.insert("floats".into(), json!(floats));
    let started = Instant::now();
    let result = liquid_lite::parse(template)
        .and_then(|t| t.render(&data))
        .map_err(|e| e.message);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{template} took {:?}",
        started.elapsed()
    );
    result
}

fn fails_with(template: &str, needle: &str) {
    match outcome(template) {
        Ok(out) => panic!("{template} rendered {} bytes", out.len()),
        Err(e) => assert!(e.contains(needle), "{template}: {e}"),
    }
}

#[test]
fn output_size() {
    fails_with("{{ big }}{{ big }}", "output too large");
    fails_with(
        "{% for i in (1..100000) %}{{ 'xxxxxxxxxxxxxxxxxxxxxx' }}{% endfor %}",
        "output too large",
    );
    fails_with(
        "{% capture c %}{{ big }}{{ big }}{% endcapture %}",
        "output too large",
    );
}

#[test]
fn loop_iterations() {
    fails_with(
        "{% for i in (1..1000000) %}{% endfor %}",
        "too many loop iterations",
    );
    fails_with(
        "{% for i in (1..1000) %}{% for j in (1..1000) %}{% endfor %}{% endfor %}",
        "too many loop iterations",
    );
    // A huge range is not materialized: breaking out early is fine.
    assert_eq!(
        outcome("{% for i in (1..9223372036854775807) %}{{ i }}{% break %}{% endfor %}"),
        Ok("1".into())
    );
    assert_eq!(
        outcome(
            "{% for i in (-9223372036854775807..9223372036854775807) limit:2 %}{{ i }}{% endfor %}"
        ),
        Ok("-9223372036854775807-9223372036854775806".into())
    );
}

#[test]
fn value_sizes() {
    fails_with(
        "{% assign s = big %}{% for i in (1..30) %}{% assign s = s | append: s %}{% endfor %}",
        "result too large",
    );
    fails_with("{{ big | replace: 'x', 'yyyy' }}", "result too large");
    fails_with("{{ big | split: '' | size }}", "result too large");
    fails_with(
        "{% assign a = items %}{% for i in (1..40) %}{% assign a = a | concat: a %}{% endfor %}",
        "result too large",
    );
    fails_with("{{ '2024-01-01 00:00:00' | date: '%2000000Y' }}", "padding");
}

#[test]
fn work() {
    fails_with(
        "{% for i in (1..90000) %}{% assign x = big | size %}{% endfor %}",
        "too long",
    );
    // `uniq` compares pairwise unless all items are strings or all integers.
    fails_with("{{ floats | uniq | size }}", "too long");
    assert_eq!(
        outcome("{{ big | slice: 0, 90000 | split: '' | uniq | size }}"),
        Ok("2".into())
    );
}

#[test]
fn nesting() {
    let deep = "{% if true %}".repeat(100) + &"{% endif %}".repeat(100);
    let e = liquid_lite::parse(&deep).expect_err("too deep");
    assert!(e.message.contains("nested deeper"), "{}", e.message);
    let ok = "{% if true %}".repeat(50) + "x" + &"{% endif %}".repeat(50);
    assert_eq!(outcome(&ok), Ok("x".into()));
    let brackets = "{{ a".to_owned() + &"[a".repeat(200) + &"]".repeat(200) + " }}";
    assert!(liquid_lite::parse(&brackets).is_err());
    let long_chain = "{% if ".to_owned() + &"false or ".repeat(5000) + "true %}y{% endif %}";
    assert_eq!(outcome(&long_chain), Ok("y".into()));
    let many_elsifs =
        "{% if false %}".to_owned() + &"{% elsif false %}".repeat(5000) + "{% else %}e{% endif %}";
    assert_eq!(outcome(&many_elsifs), Ok("e".into()));
}
