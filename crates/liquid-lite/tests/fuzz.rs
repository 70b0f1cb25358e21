//! Fuzz-ish: random byte strings and mutated templates never make `parse` or `render`
//! panic (a deterministic generator, no extra dependencies).

use serde_json::{json, Map, Value};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn data() -> Map<String, Value> {
    match json!({
        "a": "text", "n": -3, "f": 1.5, "items": [1, "x", null, [2], {"k": "v"}],
        "o": {"k": [1, 2], "size": 2}, "d": "2024-03-05 14:07:09 +0100", "nil": null
    }) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Parses and renders; only a panic would fail the test.
fn exercise(source: &str, data: &Map<String, Value>) {
    if let Ok(t) = liquid_lite::parse(source) {
        let _ = t.render(data);
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(1);
    let data = data();
    for _ in 0..20_000 {
        let len = rng.below(64);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        exercise(&String::from_utf8_lossy(&bytes), &data);
    }
}

#[test]
fn random_liquid_alphabet_never_panics() {
    const ALPHABET: &[&str] = &[
        "{{",
        "}}",
        "{%",
        "%}",
        "-",
        " ",
        "\n",
        "\t",
        "|",
        ":",
        ",",
        "'",
        "\"",
        ".",
        "..",
        "[",
        "]",
        "(",
        ")",
        "=",
        "<",
        ">",
        "!",
        "a",
        "n",
        "f",
        "o",
        "d",
        "items",
        "0",
        "9",
        "-1",
        "1.5",
        "if",
        "endif",
        "elsif",
        "else",
        "for",
        "in",
        "endfor",
        "case",
        "when",
        "endcase",
        "unless",
        "endunless",
        "assign",
        "capture",
        "endcapture",
        "raw",
        "endraw",
        "comment",
        "endcomment",
        "cycle",
        "increment",
        "decrement",
        "break",
        "continue",
        "tablerow",
        "endtablerow",
        "cols",
        "limit",
        "offset",
        "reversed",
        "ifchanged",
        "endifchanged",
        "include",
        "render",
        "with",
        "as",
        "and",
        "or",
        "contains",
        "nil",
        "empty",
        "blank",
        "true",
        "é",
        "👍🏽",
        "date",
        "slice",
        "truncate",
        "plus",
        "divided_by",
        "modulo",
        "round",
        "split",
        "join",
        "sort",
        "where",
        "map",
        "uniq",
        "replace",
        "escape_once",
        "strip_html",
        "url_decode",
        "size",
        "first",
        "%Y",
        "%é",
        "%:",
        "99999999999999999999",
        "9223372036854775807",
    ];
    let mut rng = Rng(2);
    let data = data();
    for _ in 0..30_000 {
        let mut s = String::new();
        for _ in 0..rng.below(40) {
            s.push_str(ALPHABET[rng.below(ALPHABET.len())]);
        }
        exercise(&s, &data);
    }
}

#[test]
fn mutated_templates_never_panic() {
    const SEEDS: &[&str] = &[
        "{% for i in items limit:2 offset:1 reversed %}{{ forloop.index }}{{ i | size }}{% else %}e{% endfor %}",
        "{% tablerow i in items cols:2 %}{{ i }}{% break %}{% endtablerow %}",
        "{% cycle 'g': 1, 2 %}{% cycle 'g': 1 %}{% cycle 'g': 1, 2, 3 %}",
        "{{ d | date: '%Y-%m-%d %H:%M:%S %z %-5N %:::z %^10B' }}",
        "{{ a | slice: -9223372036854775807, 9223372036854775807 }}{{ items | slice: 2, 9 }}",
        "{{ n | plus: 9223372036854775807 | times: 9223372036854775807 | divided_by: -1 | abs }}",
        "{{ -9223372036854775807 | minus: 2 | modulo: -1 | round: 99999999999 }}",
        "{% case o %}{% when o %}same{% endcase %}{% if items contains o %}y{% endif %}",
        "{{ a | truncate: -1, 'xx' | truncatewords: 0 | replace: '', 'z' | url_decode }}",
        "{% capture c %}{% increment c %}{% endcapture %}{% ifchanged %}{{ c }}{% endifchanged %}",
        "{% raw %}{{ x }}{% endraw %}{% comment %}{% if %}{% endcomment %}",
        "{{ o.k[1] }}{{ items[-9] }}{{ items[4].k }}{{ o.size }}{{ a.size }}",
        "{% for i in (n..f) %}{% endfor %}{% for i in (1..'x') %}{% endfor %}",
        "{% render 'x' for items as i, a: 1 %}{% include 'y' a: 1, %}",
    ];
    let mut rng = Rng(3);
    let data = data();
    for _ in 0..20_000 {
        let mut chars: Vec<char> = SEEDS[rng.below(SEEDS.len())].chars().collect();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(chars.len() + 1);
            match rng.below(3) {
                0 if at < chars.len() => {
                    chars.remove(at);
                }
                1 if at < chars.len() => chars.insert(at, chars[at]),
                _ => chars.insert(at, char::from(b" {}%-|:'[]()0-9a"[rng.below(16)])),
            }
        }
        exercise(&chars.into_iter().collect::<String>(), &data);
    }
}
