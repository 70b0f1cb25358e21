//! One test per tag (and the expression and whitespace rules), through the public API.

use serde_json::{json, Map, Value};

fn data() -> Map<String, Value> {
    match json!({
        "name": "Ada",
        "n": 5,
        "t": true,
        "items": ["a", "b", "c"],
        "user": {"name": "Ada", "tags": ["x", "y"]},
        "users": [{"name": "Bo", "age": 20}, {"name": "Al", "age": 35}],
        "nothing": null
    }) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn render(template: &str) -> String {
    let t = liquid_lite::parse(template).unwrap_or_else(|e| panic!("{template}: {e}"));
    t.render(&data())
        .unwrap_or_else(|e| panic!("{template}: {e}"))
}

fn render_error(template: &str) -> liquid_lite::Error {
    let t = liquid_lite::parse(template).unwrap_or_else(|e| panic!("{template}: {e}"));
    t.render(&data()).expect_err("a render error")
}

fn parse_error(template: &str) -> liquid_lite::Error {
    liquid_lite::parse(template).expect_err("a parse error")
}

#[test]
fn output_and_variables() {
    assert_eq!(
        render("Hi {{ name }}, {{ n }} {{ t }} {{ nothing }}."),
        "Hi Ada, 5 true ."
    );
    assert_eq!(
        render("{{ user.name }} {{ user['tags'][1] }} {{ users[0].name }}"),
        "Ada y Bo"
    );
    assert_eq!(
        render("{{ items.size }} {{ items.first }} {{ items.last }} {{ items[-1] }}"),
        "3 a c c"
    );
    assert_eq!(
        render("{{ 'lit' }} {{ 2.50 }} {{ -3 }} {{ nil }}|{{ empty }}"),
        "lit 2.5 -3 |"
    );
    assert_eq!(render("{{ items }}"), "abc");
    assert!(render_error("{{ missing }}")
        .message
        .contains("unknown variable `missing`"));
    assert!(render_error("{{ user.age }}")
        .message
        .contains("unknown index `age`"));
    assert!(render_error("{{ missing | default: 'x' }}")
        .message
        .contains("missing"));
    assert!(parse_error("{{ name | nope }}")
        .message
        .contains("unknown filter"));
}

#[test]
fn whitespace_control() {
    assert_eq!(render("a  {{- name -}}  b"), "aAdab");
    assert_eq!(
        render("a\n  {%- if t -%}\n  x\n  {%- endif -%}\n  b"),
        "axb"
    );
    assert_eq!(render("a\t{{- name }}"), "a\tAda", "tabs are not trimmed");
}

#[test]
fn if_elsif_else() {
    assert_eq!(render("{% if t %}y{% else %}n{% endif %}"), "y");
    assert_eq!(
        render("{% if n > 9 %}a{% elsif n == 5 %}b{% else %}c{% endif %}"),
        "b"
    );
    assert_eq!(render("{% if missing %}a{% else %}b{% endif %}"), "b");
    assert_eq!(
        render("{% if '' %}truthy{% endif %}{% if 0 %}0{% endif %}"),
        "truthy0"
    );
    assert_eq!(
        render("{% if nothing or false %}a{% else %}b{% endif %}"),
        "b"
    );
    assert_eq!(
        render("{% if t and n >= 5 and name != 'x' %}ok{% endif %}"),
        "ok"
    );
    assert_eq!(
        render("{% if false and false or true %}or-last{% endif %}"),
        "or-last"
    );
    assert_eq!(
        render("{% if name contains 'd' %}c{% endif %}{% if items contains 'b' %}i{% endif %}"),
        "ci"
    );
    assert_eq!(
        render("{% if n <> 4 %}ne{% endif %}{% if 'a' < 'b' %}lt{% endif %}"),
        "nelt"
    );
    assert_eq!(
        render("{% if items == empty %}e{% else %}ne{% endif %}"),
        "ne"
    );
    assert!(render_error("{% if missing == 1 %}{% endif %}")
        .message
        .contains("missing"));
    assert!(parse_error("{% if t %}").message.contains("unclosed"));
}

#[test]
fn unless() {
    assert_eq!(render("{% unless t %}a{% else %}b{% endunless %}"), "b");
    assert_eq!(render("{% unless nothing %}a{% endunless %}"), "a");
    assert!(parse_error("{% unless t %}{% elsif t %}{% endunless %}")
        .message
        .contains("elsif"));
}

#[test]
fn case_when() {
    let t = "{% case n %}{% when 1, 2 %}low{% when 5 or 6 %}mid{% else %}high{% endcase %}";
    assert_eq!(render(t), "mid");
    assert_eq!(
        render("{% case name %}{% when 'Bo' %}b{% else %}other{% endcase %}"),
        "other"
    );
    assert_eq!(
        render("{% case n %}ignored{% when 5 %}five{% endcase %}"),
        "five"
    );
}

#[test]
fn for_loops() {
    assert_eq!(render("{% for i in items %}{{ i }}{% endfor %}"), "abc");
    assert_eq!(
        render("{% for i in (1..4) reversed %}{{ i }}{% endfor %}"),
        "4321"
    );
    assert_eq!(
        render("{% for i in (1..9) limit:2 offset:3 %}{{ i }}{% endfor %}"),
        "45"
    );
    assert_eq!(
        render("{% for i in items offset:2 limit:2 %}[{{ i }}]{% endfor %}"),
        "[c][]",
        "liquid pads to the limit with nil"
    );
    assert_eq!(
        render("{% for i in nothing %}x{% else %}none{% endfor %}"),
        "none"
    );
    let t = "{% for i in items %}{{ forloop.index }}{{ forloop.index0 }}{{ forloop.rindex }}\
             {{ forloop.rindex0 }}{{ forloop.first }}{{ forloop.last }}{{ forloop.length }} {% endfor %}";
    assert_eq!(render(t), "1032truefalse3 2121falsefalse3 3210falsetrue3 ");
    let t = "{% for a in (1..2) %}{% for b in (1..2) %}{{ forloop.parentloop.index }}{{ b }}{% endfor %}{% endfor %}";
    assert_eq!(render(t), "11122122");
    let t = "{% for i in (1..5) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 4 %}{% break %}{% endif %}{{ i }}{% endfor %}";
    assert_eq!(render(t), "13");
    assert_eq!(
        render("{% for p in user %}{{ p[0] }};{% endfor %}"),
        "name;tags;"
    );
    assert!(render_error("{% for i in name %}{% endfor %}")
        .message
        .contains("expected array"));
}

#[test]
fn tablerow() {
    let t = "{% tablerow i in items cols:2 %}{{ i }}{{ tablerow.col }}{% endtablerow %}";
    assert_eq!(
        render(t),
        "<tr class=\"row1\"><td class=\"col1\">a1</td><td class=\"col2\">b2</td></tr>\
         <tr class=\"row2\"><td class=\"col1\">c1</td></tr>"
    );
}

#[test]
fn assign_and_capture() {
    assert_eq!(render("{% assign x = name | upcase %}{{ x }}"), "ADA");
    assert_eq!(render("{% assign name = 'new' %}{{ name }}"), "new");
    assert_eq!(
        render("{% capture c %}{{ n }}-{{ name }}{% endcapture %}[{{ c }}]"),
        "[5-Ada]"
    );
    assert_eq!(
        render("{% for i in items %}{% assign i = 'x' %}{{ i }}{% endfor %}{{ i }}"),
        "abcx",
        "the loop variable shadows assignments"
    );
    assert!(parse_error("{% assign x.y = 1 %}")
        .message
        .contains("identifier"));
}

#[test]
fn increment_decrement() {
    assert_eq!(render("{% increment c %}{% increment c %}{{ c }}"), "012");
    assert_eq!(
        render("{% decrement d %}{% decrement d %}{{ d }}"),
        "-1-2-2"
    );
    assert_eq!(
        render("{% assign c = 9 %}{% increment c %}{{ c }}"),
        "09",
        "counters are separate"
    );
}

#[test]
fn cycle() {
    assert_eq!(
        render("{% for i in (1..4) %}{% cycle 'a', 'b', 'c' %}{% endfor %}"),
        "abca"
    );
    assert_eq!(
        render("{% cycle 'g': 1, 2 %}{% cycle 'h': 1, 2 %}{% cycle 'g': 1, 2 %}"),
        "112"
    );
}

#[test]
fn raw_and_comment() {
    assert_eq!(
        render("{% raw %}{{ name }}{% if %}{% endraw %}"),
        "{{ name }}{% if %}"
    );
    assert_eq!(
        render("a{% comment %}{{ name }}{% nope %}{% endcomment %}b"),
        "ab"
    );
    assert!(parse_error("{% comment %}").message.contains("endcomment"));
}

#[test]
fn ifchanged() {
    let t =
        "{% for i in (1..6) %}{% ifchanged %}{{ i | divided_by: 3 }}{% endifchanged %}{% endfor %}";
    assert_eq!(render(t), "012");
}

#[test]
fn break_outside_a_loop_stops_rendering() {
    assert_eq!(render("a{% break %}b"), "a");
}

#[test]
fn partials_are_unavailable() {
    assert!(render_error("{% include 'x' %}")
        .message
        .contains("partial"));
    assert_eq!(render("{% render 'x' for nothing as i %}ok"), "ok");
}

#[test]
fn unknown_and_malformed_tags() {
    assert!(parse_error("{% nope %}")
        .message
        .contains("unknown tag `nope`"));
    assert!(parse_error("{% endif %}")
        .message
        .contains("unknown tag `endif`"));
    assert!(parse_error("{%\tif t %}{% endif %}")
        .message
        .contains("invalid tag"));
    assert!(parse_error("{{ nilly }}")
        .message
        .contains("invalid output"));
    let e = parse_error("ok\n  {% for x items %}{% endfor %}");
    assert_eq!((e.line, e.column), (2, 12));
}
