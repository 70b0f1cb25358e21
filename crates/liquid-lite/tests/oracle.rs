//! The oracle: every template of the corpus is parsed and rendered by `liquid-lite` and
//! by the real `liquid` crate (0.26, `ParserBuilder::with_stdlib()`), against every data
//! set, and the outcomes must be identical: the same output, or both refusing the
//! template, or both failing to render it.
//!
//! The corpus avoids what `liquid` does not do deterministically (printing or iterating
//! objects of several keys: its objects are hash maps) and what makes it panic (see
//! `documented_differences`).

use std::panic::{catch_unwind, AssertUnwindSafe};

use serde_json::{json, Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Refused,
    Failed,
    Rendered(String),
}

fn ours(template: &str, data: &Map<String, Value>) -> Outcome {
    match liquid_lite::parse(template) {
        Err(_) => Outcome::Refused,
        Ok(t) => match t.render(data) {
            Ok(s) => Outcome::Rendered(s),
            Err(_) => Outcome::Failed,
        },
    }
}

struct Oracle {
    parser: liquid::Parser,
}

impl Oracle {
    fn new() -> Oracle {
        // Silence the panics expected from `liquid` (caught below); keep all others.
        static QUIET: std::sync::Once = std::sync::Once::new();
        QUIET.call_once(|| {
            let default = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                let in_liquid = info.location().is_some_and(|l| {
                    ["/liquid-core-", "/liquid-lib-"]
                        .iter()
                        .any(|d| l.file().contains(d))
                });
                if !in_liquid {
                    default(info);
                }
            }));
        });
        let parser = liquid::ParserBuilder::with_stdlib()
            .build()
            .expect("liquid parser");
        Oracle { parser }
    }

    /// `None` when `liquid` panics.
    fn theirs(&self, template: &str, data: &Map<String, Value>) -> Option<Outcome> {
        let object = liquid::model::to_object(data).expect("data converts");
        catch_unwind(AssertUnwindSafe(|| match self.parser.parse(template) {
            Err(_) => Outcome::Refused,
            Ok(t) => match t.render(&object) {
                Ok(s) => Outcome::Rendered(s),
                Err(_) => Outcome::Failed,
            },
        }))
        .ok()
    }
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The data sets: the same names with values of different shapes, so each template
/// meets strings, numbers, nils, empties and missing variables.
fn data_sets() -> Vec<Map<String, Value>> {
    let full = json!({
        "name": "Ada", "n": 5, "f": 2.5, "neg": -3, "t": true, "fl": false, "nothing": null,
        "s": "Hello World", "no_text": "", "ws": "  \n", "num_s": "42", "float_s": "3.7",
        "items": ["b", "a", "c", "a"], "nums": [3, 1, 2, 10], "mixed": [1, "1", null, true, 2.5, [2]],
        "no_items": [], "nested_a": [[1, 2], [3]],
        "user": {"name": "Ada", "age": 36, "tags": ["x", "y"], "size": "XL"},
        "users": [
            {"name": "bo", "age": 20, "active": true, "team": "red"},
            {"name": "Al", "age": 35, "active": false, "team": null},
            {"name": "cy", "age": 27, "active": true}
        ],
        "one": {"k": "v"},
        "nested": {"a": {"b": {"c": "deep"}}},
        "html": "<p class=\"x\">Hi & 'you' &amp; &lt;b&gt;</p><!-- c --><script>x()</script>",
        "date": "2024-03-05 14:07:09 +0100", "ts": "1709647629",
        "unicode": "héllo wörld 👍🏽 日本 e\u{301}",
        "url": "a b&c/é?x=1+2",
        "key": "name", "idx": 1, "three": "3",
        "text": "The quick brown fox jumps over the lazy dog"
    });
    let empties = json!({
        "name": "", "n": 0, "f": 0.0, "neg": 0, "t": false, "fl": true, "nothing": null,
        "s": "", "no_text": "", "ws": "", "num_s": "", "float_s": "x",
        "items": [], "nums": [], "mixed": [], "no_items": [], "nested_a": [],
        "user": {"name": null, "tags": []}, "users": [], "one": {"k": null},
        "nested": {"a": {"b": {"c": null}}},
        "html": "", "date": "", "ts": "0", "unicode": "", "url": "", "key": "missing",
        "idx": -1, "three": 3, "text": ""
    });
    let odd = json!({
        "name": ["A", "d", "a"], "n": "7", "f": "2.5", "neg": -3.5, "t": "true", "fl": 0,
        "nothing": false, "s": 12345, "no_text": " ", "ws": "\t", "num_s": 42, "float_s": 3.7,
        "items": "a,b,c", "nums": [1.5, -2, "3"], "mixed": [[1, [2, 3]], [], null],
        "no_items": null, "nested_a": [["b"], ["a"]],
        "user": {"name": "Zoë", "tags": "x"}, "users": [{"name": "z"}, {"name": "Y"}],
        "one": {"k": [1, 2]}, "nested": {"a": null}, "html": "a&b<c>",
        "date": "05 March 2024 14:07:09", "ts": "-86400",
        "unicode": "ÀÉÎ ß ǅ İ 🇫🇷🇩🇪 한국어", "url": "%41%2", "key": "tags", "idx": "0",
        "three": 3.0, "text": "one  two\nthree"
    });
    let numbers = json!({
        "name": 3.0, "n": -12, "f": 1e21, "neg": -0.0, "t": 1, "fl": null, "nothing": [],
        "s": "  padded  ", "no_text": [], "ws": " ", "num_s": "-8", "float_s": "1e3",
        "items": [3, 1, 2], "nums": [2.5, 1, "a", null, true], "mixed": [true, false, null],
        "no_items": [], "nested_a": [1, [2, [3, [4]]]],
        "user": {"name": 7}, "users": [{"name": 3}, {"name": 1}, {"name": null}],
        "one": {"k": 0}, "nested": {"a": {"b": {}}}, "html": 12, "date": 1709647629,
        "ts": "1709647629", "unicode": 3.25, "url": 1, "key": 0, "idx": 2, "three": "three",
        "text": "a b c d e f g h i j"
    });
    vec![
        object(full),
        object(empties),
        object(odd),
        object(numbers),
        Map::new(),
    ]
}

/// Templates rendered against every data set.
const TEMPLATES: &[&str] = &[
    // --- output and expressions
    "Hello {{ name }}!",
    "{{ n }}|{{ f }}|{{ neg }}|{{ t }}|{{ fl }}|{{ nothing }}",
    "{{ s }}",
    "{{ items }}",
    "{{ nums }}",
    "{{ mixed }}",
    "{{ no_items }}",
    "{{ nested_a }}",
    "{{ one }}",
    "{{ user.name }}",
    "{{ user['name'] }}",
    "{{ user[\"tags\"][0] }}",
    "{{ user.tags[-1] }}",
    "{{ user.tags.first }}|{{ user.tags.last }}|{{ user.tags.size }}",
    "{{ user.size }}",
    "{{ s.size }}",
    "{{ items[1] }}",
    "{{ items[-1] }}",
    "{{ items[9] }}",
    "{{ items['1'] }}",
    "{{ items.size }}",
    "{{ items.first }}",
    "{{ nested.a.b.c }}",
    "{{ nested['a'].b['c'] }}",
    "{{ users[0].name }}",
    "{{ users.first.name }}-{{ users.last.name }}",
    "{{ users[idx].name }}",
    "{{ user[key] }}",
    "{{ missing }}",
    "{{ user.missing }}",
    "{{ nothing.x }}",
    "{{ 'single' }} {{ \"double\" }}",
    "{{ 42 }} {{ -7 }} {{ +3 }} {{ 3.14 }} {{ -0.5 }} {{ 1.0 }}",
    "{{ true }} {{ false }} {{ nil }}|{{ null }}|{{ empty }}|{{ blank }}",
    "{{ 0.1 }} {{ 100000000000000000000.0 }}",
    "{{ name-x }}",
    "{{name}}{{n}}",
    "{{   name   }}",
    "{{\nname\n}}",
    "a {{ name | upcase }} b {{ s | downcase }} c",
    "{{ items | join: ', ' }}",
    "{{ user.tags | join }}",
    // --- whitespace control
    "a  {{- name -}}  b",
    "a\n  {%- if t -%}\n  yes\n  {%- endif -%}\n  b",
    "a \n {{- name }} \n b",
    "a\t{{- name -}}\tb",
    "a \r\n {{- name -}} \r\n b",
    "{%- assign x = 1 -%}\n\n{{- x -}}\n",
    "[ {%- for i in nums -%} {{ i }} {%- endfor -%} ]",
    "{% if t -%}   x   {%- endif %}",
    // --- if / elsif / else / unless
    "{% if t %}yes{% endif %}",
    "{% if t %}yes{% else %}no{% endif %}",
    "{% if fl %}a{% elsif t %}b{% else %}c{% endif %}",
    "{% if missing %}a{% else %}b{% endif %}",
    "{% if user.missing %}a{% else %}b{% endif %}",
    "{% if nothing %}a{% else %}b{% endif %}",
    "{% if no_text %}a{% else %}b{% endif %}",
    "{% if no_items %}a{% else %}b{% endif %}",
    "{% if n == 5 %}five{% endif %}",
    "{% if n != 5 %}not five{% endif %}",
    "{% if n <> 5 %}not five{% endif %}",
    "{% if n > 3 %}gt{% endif %}{% if n < 3 %}lt{% endif %}{% if n >= 5 %}ge{% endif %}{% if n <= 5 %}le{% endif %}",
    "{% if f > n %}a{% else %}b{% endif %}",
    "{% if name == 'Ada' %}hi Ada{% endif %}",
    "{% if s contains 'World' %}yes{% else %}no{% endif %}",
    "{% if items contains 'a' %}yes{% else %}no{% endif %}",
    "{% if user contains 'name' %}yes{% else %}no{% endif %}",
    "{% if nums contains 1 %}yes{% else %}no{% endif %}",
    "{% if nothing contains 'a' %}yes{% else %}no{% endif %}",
    "{% if t and fl %}a{% else %}b{% endif %}",
    "{% if t or fl %}a{% else %}b{% endif %}",
    "{% if fl and fl or t %}a{% else %}b{% endif %}",
    "{% if t or fl and fl %}a{% else %}b{% endif %}",
    "{% if fl or fl or fl or t %}a{% endif %}",
    "{% if missing == 1 %}a{% else %}b{% endif %}",
    "{% if t and missing %}a{% else %}b{% endif %}",
    "{% if fl and missing == 1 %}a{% else %}b{% endif %}",
    "{% if no_text == empty %}e{% endif %}{% if ws == blank %}b{% endif %}{% if no_items == empty %}a{% endif %}",
    "{% if nothing == nil %}n{% endif %}{% if fl == nil %}f{% endif %}{% if t == 1 %}1{% endif %}",
    "{% if n == '5' %}str{% else %}num{% endif %}",
    "{% if 1 == 1.0 %}eq{% endif %}",
    "{% if 'a' < 'b' %}lt{% endif %}{% if 'a' < 1 %}bad{% else %}none{% endif %}",
    "{% if items == items %}same{% endif %}",
    "{% if user.tags == user.tags %}same{% endif %}",
    "{% if empty %}e{% else %}ne{% endif %}",
    "{% unless t %}no{% else %}yes{% endunless %}",
    "{% unless fl %}u{% endunless %}",
    "{% if t %}{% if fl %}a{% else %}b{% endif %}{% endif %}",
    "{% if a-b %}x{% endif %}",
    // --- case / when
    "{% case name %}{% when 'Ada' %}ada{% when 'Bo' %}bo{% else %}other{% endcase %}",
    "{% case n %}{% when 1, 2, 3 %}small{% when 4 or 5 %}mid{% else %}big{% endcase %}",
    "{% case t %}{% when true %}T{% when false %}F{% endcase %}",
    "{% case missing %}{% when 1 %}a{% endcase %}",
    "{% case n %}before{% when 5 %}five{% endcase %}",
    "{% case no_text %}{% when empty %}E{% else %}X{% endcase %}",
    "{% case items %}{% when items %}same{% endcase %}",
    // --- for
    "{% for i in items %}{{ i }},{% endfor %}",
    "{% for i in items %}{{ forloop.index }}/{{ forloop.length }}{% if forloop.first %}F{% endif %}{% if forloop.last %}L{% endif %} {% endfor %}",
    "{% for i in items %}{{ forloop.index0 }}{{ forloop.rindex }}{{ forloop.rindex0 }}{% endfor %}",
    "{% for i in (1..5) %}{{ i }}{% endfor %}",
    "{% for i in (3..1) %}{{ i }}{% else %}none{% endfor %}",
    "{% for i in (1..n) %}{{ i }}{% endfor %}",
    "{% for i in (num_s..45) %}{{ i }}{% endfor %}",
    "{% for i in (-2..2) reversed %}{{ i }}{% endfor %}",
    "{% for i in nums limit:2 %}{{ i }}{% endfor %}",
    "{% for i in nums offset:1 %}{{ i }}{% endfor %}",
    "{% for i in nums offset:2 limit:3 %}[{{ i }}]{% endfor %}",
    "{% for i in nums limit: 2 offset: 1 reversed %}{{ i }}{% endfor %}",
    "{% for i in nums limit:-1 %}[{{ i }}]{% endfor %}",
    "{% for i in nums offset:9 %}{{ i }}{% else %}empty{% endfor %}",
    "{% for i in nums limit:idx %}{{ i }}{% endfor %}",
    "{% for i in no_items %}{{ i }}{% else %}nothing{% endfor %}",
    "{% for i in nothing %}{{ i }}{% else %}nil{% endfor %}",
    "{% for i in missing %}{{ i }}{% endfor %}",
    "{% for i in s %}{{ i }}{% endfor %}",
    "{% for i in n %}{{ i }}{% endfor %}",
    "{% for pair in one %}{{ pair[0] }}={{ pair[1] }}{% endfor %}",
    "{% for u in users %}{{ u.name }}:{{ u.age }} {% endfor %}",
    "{% for i in items %}{% if i == 'c' %}{% break %}{% endif %}{{ i }}{% endfor %}",
    "{% for i in items %}{% if i == 'a' %}{% continue %}{% endif %}{{ i }}{% endfor %}",
    "{% for a in (1..2) %}{% for b in (1..2) %}{{ a }}{{ b }}{{ forloop.parentloop.index }} {% endfor %}{% endfor %}",
    "{% for a in (1..2) %}{% for b in (1..3) %}{% if b == 2 %}{% break %}{% endif %}{{ a }}{{ b }} {% endfor %}{% endfor %}",
    "{% for i in (1..3) %}{% assign i = 9 %}{{ i }}{% endfor %}{{ i }}",
    "{% for forloop in items %}{{ forloop }}{% endfor %}",
    "{% for i in items %}{{ forloop.parentloop }}{% endfor %}",
    "{% for i in nested_a %}{{ i | size }}{% endfor %}",
    "{% for i in items %}{% endfor %}{{ i }}",
    "{% for c in user.tags %}{{ c }}{% endfor %}",
    "{% for i in (1..3) %}{% cycle 'a', 'b' %}{% endfor %}",
    // --- tablerow
    "{% tablerow i in items %}{{ i }}{% endtablerow %}",
    "{% tablerow i in items cols:2 %}{{ i }}{{ tablerow.col }}{% endtablerow %}",
    "{% tablerow i in (1..5) cols:2 limit:3 %}{{ tablerow.index }}{{ tablerow.col_first }}{{ tablerow.col_last }}{% endtablerow %}",
    "{% tablerow i in no_items %}{{ i }}{% endtablerow %}",
    // --- assign / capture / increment / cycle / ifchanged
    "{% assign x = 'hi' %}{{ x }}",
    "{% assign x = name | upcase | append: '!' %}{{ x }}",
    "{% assign name = 'shadow' %}{{ name }}",
    "{% assign x = items %}{{ x | size }}",
    "{% assign x = missing %}{{ x }}",
    "{% capture c %}{{ name }}-{{ n }}{% endcapture %}[{{ c }}]",
    "{% capture c %}{% for i in items %}{{ i }}{% endfor %}{% endcapture %}{{ c | size }}",
    "{% increment c %}{% increment c %}{% increment c %}{{ c }}",
    "{% decrement d %}{% decrement d %}{{ d }}",
    "{% assign c = 10 %}{% increment c %}{{ c }}",
    "{% increment n %}{{ n }}",
    "{% cycle 'a', 'b', 'c' %}{% cycle 'a', 'b', 'c' %}{% cycle 'a', 'b', 'c' %}{% cycle 'a', 'b', 'c' %}",
    "{% cycle 'g': 1, 2 %}{% cycle 'g': 1, 2 %}{% cycle 'h': 1, 2 %}",
    "{% cycle name, n %}{% cycle name, n %}",
    "{% cycle 'a', 'b' %}{% cycle 'a', 'b', 'c' %}{% cycle 'a', 'b', 'c' %}",
    "{% for i in (1..4) %}{% ifchanged %}{{ i | divided_by: 2 }}{% endifchanged %}{% endfor %}",
    // --- raw / comment
    "{% raw %}{{ name }} {% if %}{% endraw %}",
    "{% raw %}  {%- endraw %}|",
    "{% raw -%}  x  {%- endraw %}",
    "{% raw %}{{ {% endraw %}",
    "a{% comment %} {{ name }} {% if x %}{% endif %} {% endcomment %}b",
    "a{% comment %}{% comment %}x{% endcomment %}{% endcomment %}b",
    "{% comment %}{% raw %}{% endcomment %}{% endraw %}{% endcomment %}ok",
    // --- break outside loops, include/render
    "a{% break %}b",
    "{% if t %}a{% continue %}b{% endif %}c",
    "{% include 'x' %}",
    "{% render 'x' for no_items as i %}ok",
    "{% render 'x' for items as i %}ok",
    "{% render 'x' with name as y %}",
    // --- string filters
    "{{ name | append: '!' }} {{ name | prepend: '> ' }}",
    "{{ s | capitalize }} {{ 'élan' | capitalize }} {{ '' | capitalize }}",
    "{{ s | upcase }} {{ unicode | upcase }} {{ unicode | downcase }}",
    "{{ ws | strip }}|{{ s | lstrip }}|{{ s | rstrip }}|",
    "{{ '  a  ' | strip }}|{{ '  a  ' | lstrip }}|{{ '  a  ' | rstrip }}|",
    "{{ 'a\nb\r\nc' | strip_newlines }}",
    "{{ 'a\nb' | newline_to_br }}",
    "{{ s | remove: 'o' }} {{ s | remove_first: 'o' }}",
    "{{ s | replace: 'o', '0' }} {{ s | replace_first: 'o', '0' }} {{ s | replace: 'o' }}",
    "{{ 'abc' | replace: '', '-' }} {{ 'abc' | remove_first: '' }} {{ 'abc' | replace_first: '', '-' }}",
    "{{ s | split: ' ' | join: '|' }}",
    "{{ 'a,b,,c,' | split: ',' | size }}",
    "{{ 'abc' | split: '' | join: '.' }}",
    "{{ '' | split: ',' | size }}",
    "{{ s | size }} {{ unicode | size }} {{ n | size }} {{ nothing | size }} {{ user | size }}",
    "{{ s | slice: 0 }} {{ s | slice: 1, 3 }} {{ s | slice: -3, 2 }} {{ s | slice: -30, 2 }} {{ s | slice: 99 }}",
    "{{ unicode | slice: 1, 4 }}",
    "{{ items | slice: 1, 2 | join }} {{ items | slice: -1 | join }}",
    "{{ s | slice: 1, 0 }}",
    "{{ text | truncate: 20 }}|{{ text | truncate: 20, '…' }}|{{ text | truncate: 2 }}|{{ text | truncate: 0 }}|{{ text | truncate }}",
    "{{ unicode | truncate: 12, '' }}|{{ unicode | truncate: 9 }}",
    "{{ text | truncate: -1 }}",
    "{{ text | truncatewords: 3 }}|{{ text | truncatewords: 3, '--' }}|{{ text | truncatewords: 0 }}|{{ text | truncatewords }}",
    "{{ html | escape }}",
    "{{ html | escape_once }}",
    "{{ nothing | escape }}|{{ nothing | escape_once }}|{{ nothing | url_encode }}",
    "{{ html | strip_html }}",
    "{{ '<SCRIPT>x</script>a<b\nc>d<style a>e</STYLE>f<!-- g\n -->h<i' | strip_html }}",
    "{{ url | url_encode }}",
    "{{ url | url_encode | url_decode }}",
    "{{ 'a+b%20c%zz%4' | url_decode }}",
    "{{ s | first }}{{ s | last }}",
    "{{ unicode | first }}{{ unicode | last }}",
    "{{ '' | first }}|{{ 123 | first }}",
    "{{ s | default: 'dflt' }}|{{ no_text | default: 'dflt' }}|{{ nothing | default: 'dflt' }}|{{ fl | default: 'dflt' }}|{{ no_items | default: 'dflt' }}",
    "{{ n | default: 9 }}|{{ 0 | default: 9 }}|{{ ws | default: 9 }}",
    "{{ missing | default: 'x' }}",
    // --- math filters
    "{{ n | plus: 2 }} {{ n | minus: 2 }} {{ n | times: 2 }} {{ n | divided_by: 2 }} {{ n | modulo: 2 }}",
    "{{ n | plus: 2.5 }} {{ f | times: 2 }} {{ f | divided_by: 2 }} {{ 7 | divided_by: 2.0 }} {{ 7.5 | modulo: 2 }}",
    "{{ n | divided_by: 0 }}",
    "{{ n | modulo: 0 }}",
    "{{ f | divided_by: 0.0 }}",
    "{{ num_s | plus: 1 }} {{ float_s | plus: 1 }} {{ '1e3' | plus: 1 }} {{ 'abc' | plus: 1 }}",
    "{{ nothing | plus: 1 }}",
    "{{ items | plus: 1 }}",
    "{{ n | plus: items }}",
    "{{ -7 | modulo: 3 }} {{ 7 | modulo: -3 }} {{ -7 | divided_by: 2 }}",
    "{{ neg | abs }} {{ f | abs }} {{ '-4.5' | abs }} {{ 'x' | abs }}",
    "{{ f | round }} {{ 2.456 | round: 2 }} {{ 2.5 | round }} {{ -2.5 | round }} {{ 1234.5 | round: -1 }} {{ n | round: 1 }}",
    "{{ f | ceil }} {{ f | floor }} {{ neg | ceil }} {{ '3.2' | ceil }} {{ -1.5 | floor }}",
    "{{ n | at_least: 6 }} {{ n | at_least: 2 }} {{ n | at_most: 3 }} {{ f | at_most: 2 }} {{ n | at_least: 5.5 }}",
    "{{ 0.1 | plus: 0.2 }} {{ 1 | divided_by: 3.0 }} {{ 10 | times: 0.1 }}",
    "{{ 3 | times: 'x' }}",
    // --- array filters
    "{{ items | sort | join }} {{ items | sort_natural | join }} {{ items | reverse | join }} {{ items | uniq | join }}",
    "{{ nums | sort | join: ',' }}",
    "{{ mixed | sort | size }} {{ mixed | compact | size }} {{ mixed | uniq | size }}",
    "{{ mixed | uniq | join: ',' }}",
    "{{ mixed | sort | join: ',' }} {{ nums | sort | join: ',' }} {{ nums | sort_natural | join: ',' }}",
    "{{ 'b,A,c,a' | split: ',' | sort | join }} {{ 'b,A,c,a' | split: ',' | sort_natural | join }}",
    "{{ users | map: 'name' | join: ',' }}",
    "{{ users | sort: 'age' | map: 'name' | join }}",
    "{{ users | sort: 'name' | map: 'name' | join }} {{ users | sort_natural: 'name' | map: 'name' | join }}",
    "{{ users | sort: 'team' | map: 'name' | join }}",
    "{{ users | where: 'active' | map: 'name' | join }}",
    "{{ users | where: 'active', false | map: 'name' | join }}",
    "{{ users | where: 'team', 'red' | size }}",
    "{{ users | where: 'missing' | size }}",
    "{{ items | where: 'x' }}",
    "{{ user | where: 'name' | size }}",
    "{{ users | compact: 'team' | size }}",
    "{{ users | map: 'team' | compact | join }}",
    "{{ items | concat: nums | join: ',' }}",
    "{{ items | concat: 'x' }}",
    "{{ items | first }} {{ items | last }} {{ no_items | first }}|{{ nums | first | plus: 1 }}",
    "{{ user | first }}",
    "{{ nested_a | join: ';' }}",
    "{{ items | join: nothing }}",
    "{{ s | join }}",
    "{{ s | sort | join }}",
    "{{ nothing | sort | size }}",
    "{{ s | reverse }}",
    "{{ items | map: 'x' | size }}",
    "{{ nums | sort: 'x' }}",
    "{{ items | sort | first | upcase }}",
    // --- date
    "{{ date | date: '%Y-%m-%d %H:%M:%S %z' }}",
    "{{ date | date: '%a %A %b %B %d %e %j %U %W %V %G %u %w' }}",
    "{{ date | date: '%I:%M %p %P %l %k %y %C %D %F %T %R %r %c %v' }}",
    "{{ date | date: '%s %% %n %t %-d %_m %05Y %^a %#b %10A %-10A|%3N %L %:z %::z %Z' }}",
    "{{ date | date: '%Q %Ey %Od %' }}",
    "{{ date | date: '' }}",
    "{{ ts | date: '%Y-%m-%dT%H:%M:%S%z' }}",
    "{{ '2024-03-05 14:07:09.123456789 -0530' | date: '%F %T.%N %L %z' }}",
    "{{ '05 March 2024 14:07:09' | date: '%F' }} {{ '05 Mar 2024 14:07:09 +0200' | date: '%F %z' }}",
    "{{ '03/05/2024 14:07:09' | date: '%F' }} {{ 'Tue Mar 5 14:07:09 2024' | date: '%F' }}",
    "{{ '2024-03-05' | date: '%F' }} {{ 'garbage' | date: '%F' }} {{ 42 | date: '%F' }}",
    "{{ '2021-01-01 00:00:00' | date: '%G-%V %U %W %j' }} {{ '2024-12-31 23:59:59' | date: '%G-%V %j' }}",
    "{{ '2024-02-29 12:00:00' | date: '%A' }} {{ '2023-02-29 12:00:00' | date: '%A' }}",
    "{{ '0001-01-01 00:00:00' | date: '%Y %C %y %s' }}",
    // --- unicode and odd text
    "{{ unicode }} ✓ {{ 'ß' | upcase }} {{ 'ǅ' | downcase }}",
    "é{{ name }}ü\n{% if t %}日本{% endif %}",
    "{{ '{{' }} {{ '}}' }} {{ '%}' }}",
    "{ {{ name }} } %} }}",
    "",
    "plain text only",
];

/// Templates both engines must refuse (at parse time) — or, where `liquid` accepts
/// them, render identically; checked with the full data set.
const INVALID: &[&str] = &[
    "{{ name | nope }}",
    "{% nope %}",
    "{% endif %}",
    "{% else %}",
    "{% if t %}",
    "{% if t %}{% endfor %}",
    "{% for i in items %}",
    "{% unless t %}{% elsif fl %}{% endunless %}",
    "{% if t %}{% else %}{% else %}{% endif %}",
    "{% if t %}{% else %}{% elsif fl %}{% endif %}",
    "{% case n %}{% when 1 %}{% else %}{% when 2 %}{% endcase %}",
    "{% case %}{% endcase %}",
    "{% case n n %}{% endcase %}",
    "{% case n %}{% when %}{% endcase %}",
    "{% case n %}{% when 1 2 %}{% endcase %}",
    "{% case n %}{% else x %}{% endcase %}",
    "{{ name",
    "{{ name }",
    "{% if t }",
    "{{ }}",
    "{%  %}",
    "{{ nilly }}",
    "{{ true_x }}",
    "{{ emptyish }}",
    "{{ 5abc }}",
    "{{ 1e5 }}",
    "{{ a. }}",
    "{{ a.0 }}",
    "{{ a[ }}",
    "{{ (1..3) }}",
    "{%\tif t %}{% endif %}",
    "{{\tname }}",
    "{{ name | append }}",
    "{{ name | append: 'a', 'b' }}",
    "{{ name | upcase: 1 }}",
    "{{ name | slice }}",
    "{{ name | replace: 'a', 'b', 'c' }}",
    "{{ name | append: x: 1 }}",
    "{{ name | truncate: 1, 2, 3 }}",
    "{{ name | default }}",
    "{{ name | date }}",
    "{{ name | where }}",
    "{{ name | | upcase }}",
    "{{ name | upcase | }}",
    "{% assign %}",
    "{% assign x %}",
    "{% assign x 1 %}",
    "{% assign x = %}",
    "{% assign x = 1 2 %}",
    "{% assign x.y = 1 %}",
    "{% assign x = 1 | nope %}",
    "{% capture %}{% endcapture %}",
    "{% capture a b %}{% endcapture %}",
    "{% capture x %}",
    "{% for %}{% endfor %}",
    "{% for i %}{% endfor %}",
    "{% for i on items %}{% endfor %}",
    "{% for i in %}{% endfor %}",
    "{% for i in items limit %}{% endfor %}",
    "{% for i in items limit 2 %}{% endfor %}",
    "{% for i in items sorted %}{% endfor %}",
    "{% for i in items %}{% else x %}{% endfor %}",
    "{% for i in items | sort %}{% endfor %}",
    "{% for i in (1..) %}{% endfor %}",
    "{% for i in (1 2) %}{% endfor %}",
    "{% tablerow i in items %}{% else %}{% endtablerow %}",
    "{% tablerow i in items rows:2 %}{% endtablerow %}",
    "{% if %}{% endif %}",
    "{% if t fl %}{% endif %}",
    "{% if t and %}{% endif %}",
    "{% if t == %}{% endif %}",
    "{% if t | upcase %}{% endif %}",
    "{% if t = 1 %}{% endif %}",
    "{% if t ! 1 %}{% endif %}",
    "{% if (1..2) %}{% endif %}",
    "{% if t %}{% endif t %}",
    "{% unless %}{% endunless %}",
    "{% break x %}",
    "{% continue 1 %}",
    "{% increment %}",
    "{% increment a b %}",
    "{% increment 'a' %}",
    "{% cycle %}",
    "{% cycle 'a' 'b' %}",
    "{% cycle 'a', 'b' 'c' %}",
    "{% cycle a.b: 1 %}",
    "{% raw x %}{% endraw %}",
    "{% raw %}",
    "{% raw %}{% endraw x %}",
    "{% comment x %}{% endcomment %}",
    "{% comment %}",
    "{% comment %}{% if x %}{% endcomment %}",
    "{% comment %}{% comment %}{% endcomment %}",
    "{% ifchanged x %}{% endifchanged %}",
    "{% include %}",
    "{% include 'a' b %}",
    "{% include 'a', b: 1 %}",
    "{% include 'a' b: 1 c: 2 %}",
    "{% render %}",
    "{% render 'a' with %}",
    "{% render 'a' for items %}",
    "{% render 'a' b: 1 %}",
    "{% liquid echo 'x' %}",
    "{% echo 'x' %}",
    "{{ 'a' }}{% endcase %}",
];

fn compare(
    oracle: &Oracle,
    template: &str,
    data: &Map<String, Value>,
    mismatches: &mut Vec<String>,
) -> bool {
    let Some(theirs) = oracle.theirs(template, data) else {
        return false;
    };
    let ours = ours(template, data);
    if ours != theirs {
        mismatches.push(format!(
            "template {template:?}\n  data {}\n  liquid:      {theirs:?}\n  liquid-lite: {ours:?}",
            Value::Object(data.clone())
        ));
    }
    true
}

#[test]
fn corpus_renders_as_liquid_does() {
    let oracle = Oracle::new();
    let data = data_sets();
    let mut mismatches = Vec::new();
    let (mut compared, mut rendered) = (0, 0);
    for template in TEMPLATES {
        for d in &data {
            assert!(
                compare(&oracle, template, d, &mut mismatches),
                "liquid panicked on {template:?}"
            );
            compared += 1;
            rendered += usize::from(matches!(ours(template, d), Outcome::Rendered(_)));
        }
    }
    eprintln!("corpus: {compared} compared, {rendered} rendered");
    assert!(
        mismatches.is_empty(),
        "{} of {compared} differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(
        TEMPLATES.len() >= 200,
        "corpus of {} templates",
        TEMPLATES.len()
    );
}

#[test]
fn invalid_templates_are_refused_as_liquid_does() {
    let oracle = Oracle::new();
    let data = &data_sets()[0];
    let mut mismatches = Vec::new();
    let mut refused = 0;
    for template in INVALID {
        assert!(
            compare(&oracle, template, data, &mut mismatches),
            "liquid panicked on {template:?}"
        );
        if ours(template, data) == Outcome::Refused {
            refused += 1;
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(refused * 10 >= INVALID.len() * 9, "only {refused} refused");
}

/// How many positional arguments a filter takes (least, most).
fn arity(name: &str) -> (usize, usize) {
    match name {
        "append" | "at_least" | "at_most" | "concat" | "date" | "default" | "divided_by"
        | "map" | "minus" | "modulo" | "plus" | "prepend" | "remove" | "remove_first" | "split"
        | "times" => (1, 1),
        "replace" | "replace_first" | "slice" | "where" => (1, 2),
        "compact" | "join" | "round" | "sort" | "sort_natural" => (0, 1),
        "truncate" | "truncatewords" => (0, 2),
        _ => (0, 0),
    }
}

/// A small deterministic generator (xorshift) of templates mixing every construct,
/// some with syntax noise; `liquid` is the judge.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn value(&mut self) -> String {
        const VALUES: &[&str] = &[
            "name",
            "n",
            "f",
            "s",
            "items",
            "nums",
            "t",
            "fl",
            "nothing",
            "user.name",
            "users[0].name",
            "users",
            "items[0]",
            "items.size",
            "missing",
            "'x'",
            "'a b'",
            "3",
            "-2",
            "1.5",
            "0",
            "true",
            "false",
            "nil",
            "empty",
            "blank",
            "''",
            "i",
            "forloop.index",
            "c",
            "user.tags",
            "mixed",
            "date",
        ];
        self.pick(VALUES).to_owned()
    }

    fn filter(&mut self) -> String {
        let name = self.pick(liquid_lite::FILTERS);
        if name == "date" {
            let f = self.pick(&["'%Y-%m-%d'", "'%H:%M %p'", "'%s %j %a'", "''"]);
            return format!("date: {f}");
        }
        // Mostly a valid number of arguments, sometimes not.
        let (min, max) = arity(name);
        let count = if self.below(40) == 0 {
            self.below(3)
        } else {
            min + self.below(max - min + 1)
        };
        let args: Vec<String> = (0..count).map(|_| self.value()).collect();
        if args.is_empty() {
            name.to_owned()
        } else {
            format!("{name}: {}", args.join(", "))
        }
    }

    fn expr(&mut self) -> String {
        let mut e = self.value();
        for _ in 0..self.below(3) {
            e = format!("{e} | {}", self.filter());
        }
        e
    }

    fn cond(&mut self) -> String {
        let ops = ["==", "!=", "<", ">=", "contains", "and", "or"];
        match self.below(3) {
            0 => self.value(),
            _ => format!("{} {} {}", self.value(), self.pick(&ops), self.value()),
        }
    }

    fn trim(&mut self, open: bool) -> &'static str {
        match (self.below(4), open) {
            (0, true) => "-",
            (0, false) => "-",
            _ => "",
        }
    }

    fn block(&mut self, depth: usize) -> String {
        let mut out = String::new();
        for _ in 0..1 + self.below(3) {
            out.push_str(&self.piece(depth));
        }
        out
    }

    fn piece(&mut self, depth: usize) -> String {
        let (l, r) = (self.trim(true), self.trim(false));
        let k = if depth >= 3 {
            self.below(4)
        } else {
            self.below(12)
        };
        match k {
            0 => self
                .pick(&["a", " ", "\n", "x y", "é", " \n ", "} %}"])
                .to_owned(),
            1 | 2 => format!("{{{{{l} {} {r}}}}}", self.expr()),
            3 => format!("{{%{l} assign v = {} {r}%}}{{{{ v }}}}", self.expr()),
            4 => format!(
                "{{%{l} if {} {r}%}}{}{{% else %}}{}{{% endif %}}",
                self.cond(),
                self.block(depth + 1),
                self.block(depth + 1)
            ),
            5 => {
                let src = self.pick(&[
                    "items", "nums", "(1..3)", "users", "no_items", "s", "nothing",
                ]);
                let opts = self.pick(&[
                    "",
                    " limit:2",
                    " offset:1",
                    " reversed",
                    " limit:1 offset:1",
                ]);
                format!(
                    "{{%{l} for i in {src}{opts} {r}%}}{}{{% else %}}E{{% endfor %}}",
                    self.block(depth + 1)
                )
            }
            6 => format!(
                "{{% capture c %}}{}{{% endcapture %}}[{{{{ c }}}}]",
                self.block(depth + 1)
            ),
            7 => format!(
                "{{% case {} %}}{{% when {}, {} %}}{}{{% else %}}{}{{% endcase %}}",
                self.value(),
                self.value(),
                self.value(),
                self.block(depth + 1),
                self.block(depth + 1)
            ),
            8 => format!(
                "{{% unless {} %}}{}{{% endunless %}}",
                self.cond(),
                self.block(depth + 1)
            ),
            9 => self
                .pick(&[
                    "{% increment k %}",
                    "{% decrement k %}",
                    "{% cycle 'p', 'q' %}",
                    "{% break %}",
                    "{% continue %}",
                    "{% raw %}{{ x }}{% endraw %}",
                    "{% comment %}{{ x }}{% endcomment %}",
                ])
                .to_owned(),
            10 => format!(
                "{{% tablerow i in {} cols:2 %}}{}{{% endtablerow %}}",
                self.pick(&["items", "(1..3)", "nums"]),
                self.block(depth + 1)
            ),
            _ => format!(
                "{{% for i in (1..2) %}}{{% ifchanged %}}{}{{% endifchanged %}}{{% endfor %}}",
                self.block(depth + 1)
            ),
        }
    }

    /// A soup of Liquid fragments: exercises the lexer's corners.
    fn soup(&mut self) -> String {
        const BITS: &[&str] = &[
            "{{",
            "}}",
            "{%",
            "%}",
            "{{-",
            "-}}",
            "{%-",
            "-%}",
            " ",
            " ",
            " ",
            "\n",
            "\t",
            "\r\n",
            "a",
            "n",
            "s",
            "items",
            "user.name",
            "x.y",
            "[0]",
            "['name']",
            "[n]",
            "|",
            ":",
            ",",
            "'s'",
            "\"d\"",
            "'",
            "1",
            "-2",
            "+3",
            "3.5",
            "(1..2)",
            "(",
            ")",
            "..",
            ".",
            "==",
            "=",
            "<",
            ">=",
            "!=",
            "<>",
            "!",
            "contains",
            "and",
            "or",
            "if",
            "endif",
            "for",
            "in",
            "endfor",
            "else",
            "elsif",
            "assign",
            "capture",
            "endcapture",
            "raw",
            "endraw",
            "comment",
            "endcomment",
            "upcase",
            "plus",
            "append",
            "split",
            "nil",
            "null",
            "true",
            "false",
            "empty",
            "blank",
            "-",
            "_",
            "é",
            "case",
            "when",
            "endcase",
            "unless",
            "endunless",
            "cycle",
            "increment",
            "break",
            "continue",
            "limit",
            "offset",
            "reversed",
            "tablerow",
            "endtablerow",
            "cols",
            "ifchanged",
            "endifchanged",
            "include",
            "render",
            "with",
            "as",
            "nilly",
            "truex",
            "a-b",
            "a-",
        ];
        let mut out = String::new();
        for _ in 0..1 + self.below(3) {
            let (open, close) = match self.below(3) {
                0 => ("{{ ", " }}"),
                1 => ("{% ", " %}"),
                _ => ("", ""),
            };
            out.push_str(open);
            for _ in 0..self.below(8) {
                out.push_str(self.pick(BITS));
            }
            out.push_str(close);
        }
        out
    }

    /// Deletes, duplicates or inserts a few characters.
    fn noise(&mut self, s: &str) -> String {
        let mut chars: Vec<char> = s.chars().collect();
        for _ in 0..1 + self.below(3) {
            if chars.is_empty() {
                break;
            }
            let at = self.below(chars.len());
            match self.below(3) {
                0 => {
                    chars.remove(at);
                }
                1 => chars.insert(at, chars[at]),
                _ => {
                    let c =
                        self.pick(&["{", "}", "%", "|", ":", "'", "-", " ", "\t", "[", "]", "."]);
                    chars.insert(at, c.chars().next().unwrap_or(' '));
                }
            }
        }
        chars.into_iter().collect()
    }
}

/// Data without multi-key objects, so `liquid`'s output is deterministic.
/// Data sets without multi-key objects, so `liquid`'s output is deterministic.
fn random_data() -> Vec<Map<String, Value>> {
    vec![
        object(json!({
            "name": "Ada", "n": 5, "f": 2.5, "s": "Hello World", "items": ["b", "a", "c", "a"],
            "nums": [3, 1, 2, 10], "t": true, "fl": false, "nothing": null,
            "user": {"name": "Zoë"}, "users": [{"name": "bo"}, {"name": "Al"}, {"name": null}],
            "no_items": [], "mixed": [1, "1", null, true, 2.5], "date": "2024-03-05 14:07:09 +0100"
        })),
        object(json!({
            "name": "", "n": "7", "f": -0.5, "s": "  a,b  ", "items": "b,a", "nums": [2.5, "10", 1],
            "t": "x", "fl": 0, "nothing": [], "user": {"name": ["x", "y"]}, "users": [{"name": "z"}],
            "no_items": {}, "mixed": [[1, 2], [], [null]], "date": "1709647629"
        })),
        object(json!({
            "name": 3, "n": -2, "f": "1e2", "s": "é👍🏽\n<b>&amp;</b>", "items": [], "nums": [],
            "t": null, "fl": true, "nothing": "", "user": {"name": ""}, "users": [],
            "no_items": null, "mixed": [true, false], "date": "05 Mar 2024 14:07:09 -0130"
        })),
    ]
}

#[test]
fn random_templates_render_as_liquid_does() {
    let oracle = Oracle::new();
    let data_sets = random_data();
    // More cases and other seeds: ORACLE_CASES=100000 ORACLE_SEED=7 cargo test …
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let cases = env("ORACLE_CASES", 3000);
    let mut generator = Gen(0x9E37_79B9_7F4A_7C15 ^ env("ORACLE_SEED", 0));
    let mut mismatches = Vec::new();
    let (mut compared, mut rendered, mut refused) = (0, 0, 0);
    for i in 0..cases {
        let template = match i % 4 {
            0 => {
                let t = generator.block(0);
                generator.noise(&t)
            }
            1 => generator.soup(),
            _ => generator.block(0),
        };
        let data = &data_sets[(i % 7 % 3) as usize];
        let judged = compare(&oracle, &template, data, &mut mismatches);
        if !judged && std::env::var("ORACLE_SHOW_PANICS").is_ok() {
            eprintln!(
                "liquid panicked on {template:?}: ours {:?}",
                ours(&template, data)
            );
        }
        if judged {
            compared += 1;
            match ours(&template, data) {
                Outcome::Rendered(_) => rendered += 1,
                Outcome::Refused => refused += 1,
                Outcome::Failed => {}
            }
        }
    }
    eprintln!("random: {compared} compared, {rendered} rendered, {refused} refused");
    let shown: Vec<_> = mismatches.iter().take(15).cloned().collect();
    assert!(
        mismatches.is_empty(),
        "{} of {compared} differ:\n{}",
        mismatches.len(),
        shown.join("\n")
    );
    assert!(
        compared * 100 > cases * 97,
        "liquid panicked on {} templates",
        cases - compared
    );
    assert!(
        rendered > 300 && refused > 300,
        "rendered {rendered}, refused {refused}"
    );
}

/// Where `liquid` panics, `liquid-lite` returns an error (or, for `%é` in a date
/// format, copies the conversion).
#[test]
fn documented_differences() {
    let oracle = Oracle::new();
    let data = data_sets().swap_remove(0);
    let panics = [
        ("{{ 99999999999999999999 }}", Outcome::Refused),
        (
            "{% tablerow i in items cols:0 %}{{ i }}{% endtablerow %}",
            Outcome::Failed,
        ),
        ("{% cycle 'g': %}", Outcome::Failed),
        ("{{ date | date: '%é' }}", Outcome::Rendered("%é".into())),
        // An invalid element inside a block inside an unclosed comment.
        ("{% comment %}{% if t %}{{ a. }}", Outcome::Refused),
    ];
    for (template, expected) in panics {
        if template.contains("9999") {
            // liquid panics at parse time; our refusal is checked directly.
            assert_eq!(ours(template, &data), expected);
            continue;
        }
        assert_eq!(
            oracle.theirs(template, &data),
            None,
            "liquid no longer panics on {template}"
        );
        assert_eq!(ours(template, &data), expected, "{template}");
    }
    // Sorting many items of mixed types: `liquid`'s comparison is not a total order and
    // Rust's sort panics on it; ours sorts stably, incomparable items counting as equal.
    let mut mixed = data.clone();
    let items: Vec<Value> = (0..60)
        .map(|i| match i % 4 {
            0 => json!(i),
            1 => json!(format!("s{i}")),
            2 => Value::Null,
            _ => json!(i % 3 == 0),
        })
        .collect();
    mixed.insert("mixed".into(), Value::Array(items));
    let t = "{{ mixed | sort | size }}";
    assert_eq!(oracle.theirs(t, &mixed), None);
    assert_eq!(ours(t, &mixed), Outcome::Rendered("60".into()));
    // Integer overflow panics in a debug build of liquid, wraps here.
    let t = "{{ 9223372036854775807 | plus: 1 }}";
    assert_eq!(oracle.theirs(t, &data), None);
    assert_eq!(ours(t, &data), Outcome::Rendered(i64::MIN.to_string()));
}

/// Every date reading and every `strftime` conversion, flag and width.
#[test]
fn dates_render_as_liquid_does() {
    const DATES: &[&str] = &[
        "2024-03-05 14:07:09",
        "2024-03-05 14:07:09 +0100",
        "2024-03-05 14:07:09 -0000",
        "2024-03-05 14:07:09 +2500",
        "2024-03-05 14:07:09 +2600",
        "2024-03-05 14:07:09 +0160",
        "2024-03-05 14:07:09 +1959",
        "2024-03-05 14:07:09 -1230",
        "2024-03-05 14:07:09 -0030",
        "2024-03-05 14:07:09.5",
        "2024-03-05 14:07:09.123456789123 +0200",
        "2024-03-05 14:07:09.000000001",
        "2024-03-05 14:07:09.",
        "2024-3-5 14:07:09",
        "2024-03-05T14:07:09",
        "2024-03-05 24:00:00",
        "2024-03-05 23:60:00",
        "2024-03-05 23:59:60",
        "2024-03-05 00:00:00",
        "2024-03-05 12:00:00",
        "2023-02-29 00:00:00",
        "2024-02-29 00:00:00",
        "2000-02-29 00:00:00",
        "1900-02-29 00:00:00",
        "2021-01-03 00:00:00",
        "2026-12-31 00:00:00",
        "2020-12-31 00:00:00",
        "0000-01-01 00:00:00",
        "-0001-12-31 23:59:59",
        "+2024-03-05 14:07:09",
        "9999-12-31 23:59:59 -0100",
        "05 March 2024 14:07:09",
        "5 March 2024 14:07:09",
        "05 march 2024 14:07:09",
        "05 Mar 2024 14:07:09 +0530",
        "05 Sept 2024 14:07:09",
        "05 Marc 2024 14:07:09",
        "03/05/2024 14:07:09",
        "3/5/2024 14:07:09",
        "13/05/2024 14:07:09",
        "Tue Mar 5 14:07:09 2024",
        "Tue Mar 05 14:07:09 2024",
        "Sun Mar 5 14:07:09 2024",
        "Xyz Mar 5 14:07:09 2024",
        "Tue Mar  5 14:07:09 2024",
        "tue Mar 5 14:07:09 2024",
        "1709647629",
        "+1709647629",
        "-1",
        "0",
        "007",
        "99999999999999",
        "999999999999999",
        "253402300799",
        "253402300800",
        "-377705116800",
        "-377705116801",
        "",
        " ",
        "2024-03-05 14:07:09 +01:00",
        "2024-03-05 14:07:09+0100",
        "2024-03-05 14:07:09  +0100",
        "2024-03-05 14:07:09 +0100 ",
        "2024-03-05 14:07:09 UTC",
        "1e9",
        "12.5",
    ];
    const FORMATS: &[&str] = &[
        "%Y-%m-%d %H:%M:%S %z",
        "%a %A %b %h %B %^B %#a %-d %e %_d %0e %3d %10B %-10B %_10B %010B",
        "%C %y %G %g %V %U %W %j %u %w %s",
        "%I %l %k %p %P %^p %#p %#P %-I %_H %3M",
        "%F %12F %_12F %012F %D %x %T %X %R %r %c %^c %v %#v %30c",
        "%L %N %1N %3L %12N %0N %-N",
        "%z %:z %::z %:::z %:x %Z %10z %_10z %-z %_z %010:z %_8::z",
        "%% %n %t %5% %-5n %_3t",
        "%Q %EY %OY %Ez %E%%",
        "%-Y %5Y %_5Y %05Y %-j %_j %^Y %#m",
        "%^a%#A%^b%#h",
        "%",
        "%5",
        "%E",
        "%-",
        "%99999999999999999999Y",
        "",
        "no conversions",
    ];
    let oracle = Oracle::new();
    let mut mismatches = Vec::new();
    let mut data = Map::new();
    let mut compared = 0;
    for date in DATES {
        for format in FORMATS {
            data.insert("d".into(), json!(date));
            data.insert("f".into(), json!(format));
            if compare(&oracle, "{{ d | date: f }}", &data, &mut mismatches) {
                compared += 1;
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(compared >= DATES.len() * FORMATS.len(), "liquid panicked");
}
