//! Conformance: the JSON-Schema-Test-Suite's draft 2020-12 cases for every keyword this crate
//! implements, vendored under `tests/suite/` (see the README there for origin and licence).
//!
//! Every test runs except those listed below: groups in [`REFUSED`] need a feature this crate
//! refuses, and must actually be refused by `check` (so the refusal is tested); tests in
//! [`NOT_CHECKED`] expect behaviour the crate deliberately lacks. Every entry must match (so the
//! lists cannot go stale).

use std::path::{Path, PathBuf};

use serde_json::Value;

/// Case groups whose schema needs a feature `check` refuses: (file, group). The test asserts
/// that `check` does refuse them.
const REFUSED: &[(&str, &str)] = &[
    // Remote references (to other documents, or to `$id`s by URI).
    ("defs.json", "validate definition against metaschema"),
    ("ref.json", "remote ref, containing refs itself"),
    ("ref.json", "Recursive references between schemas"),
    ("ref.json", "refs with relative uris and defs"),
    ("ref.json", "relative refs with absolute uris and defs"),
    (
        "ref.json",
        "$id must be resolved against nearest parent, not just immediate parent",
    ),
    ("ref.json", "order of evaluation: $id and $ref"),
    (
        "ref.json",
        "order of evaluation: $id and $ref on nested schema",
    ),
    ("ref.json", "simple URN base URI with $ref via the URN"),
    ("ref.json", "URN base URI with URN and JSON pointer ref"),
    ("ref.json", "URN base URI with URN and anchor ref"),
    ("ref.json", "URN ref with nested pointer ref"),
    ("ref.json", "ref to if"),
    ("ref.json", "ref to then"),
    ("ref.json", "ref to else"),
    ("ref.json", "ref with absolute-path-reference"),
    // Anchor references (`#name`).
    ("ref.json", "order of evaluation: $id and $anchor and $ref"),
    // `unevaluatedProperties`.
    (
        "ref.json",
        "ref creates new scope when adjacent to keywords",
    ),
    (
        "not.json",
        "collect annotations inside a 'not', even if collection is disabled",
    ),
    // Regex features regex-lite lacks: Unicode classes (`\p{Letter}`), `\cX` control escapes.
    (
        "pattern.json",
        "pattern with Unicode property escape requires unicode mode",
    ),
    (
        "patternProperties.json",
        "patternProperties with Unicode property escape",
    ),
    (
        "optional/ecmascript-regex.json",
        "ECMA 262 regex escapes control codes with \\c and upper letter",
    ),
    (
        "optional/ecmascript-regex.json",
        "ECMA 262 regex escapes control codes with \\c and lower letter",
    ),
    (
        "optional/ecmascript-regex.json",
        "patterns always use unicode semantics with pattern",
    ),
    (
        "optional/ecmascript-regex.json",
        "pattern with non-ASCII digits",
    ),
    (
        "optional/ecmascript-regex.json",
        "patterns always use unicode semantics with patternProperties",
    ),
    (
        "optional/ecmascript-regex.json",
        "patternProperties with non-ASCII digits",
    ),
];

/// Tests expecting behaviour this crate deliberately does not have: (file, group, tests).
const NOT_CHECKED: &[(&str, &str, &[&str])] = &[
    // The API asserts `format` (the suite's default is annotation-only): these tests expect
    // invalid values of the formats this crate asserts to pass. Assertion is what
    // optional/format/*.json tests.
    (
        "format.json",
        "email format",
        &["invalid email string is only an annotation by default"],
    ),
    (
        "format.json",
        "ipv4 format",
        &["invalid ipv4 string is only an annotation by default"],
    ),
    (
        "format.json",
        "ipv6 format",
        &["invalid ipv6 string is only an annotation by default"],
    ),
    (
        "format.json",
        "hostname format",
        &["invalid hostname string is only an annotation by default"],
    ),
    (
        "format.json",
        "date format",
        &["invalid date string is only an annotation by default"],
    ),
    (
        "format.json",
        "date-time format",
        &["invalid date-time string is only an annotation by default"],
    ),
    (
        "format.json",
        "time format",
        &["invalid time string is only an annotation by default"],
    ),
    (
        "format.json",
        "uri format",
        &["invalid uri string is only an annotation by default"],
    ),
    (
        "format.json",
        "uuid format",
        &["invalid uuid string is only an annotation by default"],
    ),
    // IDNA 2008 A-label rules (Punycode decoding, Unicode contextual rules) need Unicode tables;
    // `hostname` checks RFC 1123 letters-digits-hyphens syntax only, so these invalid A-labels
    // are accepted.
    (
        "optional/format/hostname.json",
        "validation of A-label (punycode) host names",
        &[
            "invalid Punycode",
            "contains illegal char U+302E Hangul single dot tone mark",
            "Begins with a Spacing Combining Mark",
            "Begins with a Nonspacing Mark",
            "Begins with an Enclosing Mark",
            "Exceptions that are DISALLOWED, right-to-left chars",
            "Exceptions that are DISALLOWED, left-to-right chars",
            "MIDDLE DOT with no preceding 'l'",
            "MIDDLE DOT with nothing preceding",
            "MIDDLE DOT with no following 'l'",
            "MIDDLE DOT with nothing following",
            "Greek KERAIA not followed by Greek",
            "Greek KERAIA not followed by anything",
            "Hebrew GERESH not preceded by Hebrew",
            "Hebrew GERESH not preceded by anything",
            "Hebrew GERSHAYIM not preceded by Hebrew",
            "Hebrew GERSHAYIM not preceded by anything",
            "KATAKANA MIDDLE DOT with no Hiragana, Katakana, or Han",
            "KATAKANA MIDDLE DOT with no other characters",
            "Arabic-Indic digits mixed with Extended Arabic-Indic digits",
            "ZERO WIDTH JOINER not preceded by Virama",
            "ZERO WIDTH JOINER not preceded by anything",
            "contains \"--\" in the 3rd and 4th position",
        ],
    ),
    // regex-lite's `\s` is ASCII whitespace only (not NBSP, BOM, EM SPACE, U+2029).
    (
        "optional/ecmascript-regex.json",
        "ECMA 262 \\s matches whitespace",
        &[
            "latin-1 non-breaking-space matches",
            "zero-width whitespace matches",
            "paragraph separator matches (line terminator)",
            "EM SPACE matches (Space_Separator)",
        ],
    ),
    (
        "optional/ecmascript-regex.json",
        "ECMA 262 \\S matches everything but whitespace",
        &[
            "latin-1 non-breaking-space does not match",
            "zero-width whitespace does not match",
            "paragraph separator does not match (line terminator)",
            "EM SPACE does not match (Space_Separator)",
        ],
    ),
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("suite directory is readable")
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn draft2020_12() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/suite");
    let mut paths = Vec::new();
    files(&root, &mut paths);
    assert!(
        paths.len() >= 50,
        "the vendored suite is missing: {}",
        root.display()
    );

    let (mut passed, mut skipped, mut failures) = (0, 0, Vec::new());
    let mut used_refused = vec![false; REFUSED.len()];
    let mut used_not_checked = vec![0; NOT_CHECKED.len()];
    for path in &paths {
        let file = path
            .strip_prefix(&root)
            .expect("under root")
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(path).expect("suite file is readable");
        let groups: Vec<Value> = serde_json::from_str(&text).expect("suite file is JSON");
        for group in &groups {
            let description = group["description"].as_str().unwrap_or_default();
            let schema = &group["schema"];
            let tests = group["tests"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            if let Some(i) = REFUSED
                .iter()
                .position(|(f, d)| *f == file && *d == description)
            {
                used_refused[i] = true;
                skipped += tests.len();
                if schema::check(schema).is_ok() {
                    failures.push(format!(
                        "{file} / {description}: expected check to refuse it"
                    ));
                }
                continue;
            }
            if let Err(e) = schema::check(schema) {
                failures.push(format!("{file} / {description}: schema refused: {e}"));
                continue;
            }
            let not_checked = NOT_CHECKED
                .iter()
                .position(|(f, d, _)| *f == file && *d == description);
            for test in tests {
                let name = test["description"].as_str().unwrap_or_default();
                if let Some(i) = not_checked.filter(|i| NOT_CHECKED[*i].2.contains(&name)) {
                    used_not_checked[i] += 1;
                    skipped += 1;
                    continue;
                }
                let valid = test["valid"].as_bool().expect("valid is a boolean");
                let violations = schema::validate(schema, &test["data"]);
                if violations.is_empty() == valid {
                    passed += 1;
                } else {
                    let expected = if valid { "valid" } else { "invalid" };
                    failures.push(format!(
                        "{file} / {description} / {name}: expected {expected}, got {violations:?}"
                    ));
                }
            }
        }
    }
    for (i, (f, d)) in REFUSED.iter().enumerate() {
        if !used_refused[i] {
            failures.push(format!("stale REFUSED entry: {f} / {d}"));
        }
    }
    for (i, (f, d, tests)) in NOT_CHECKED.iter().enumerate() {
        if used_not_checked[i] != tests.len() {
            failures.push(format!("stale NOT_CHECKED entry: {f} / {d}"));
        }
    }
    let report = failures.join("\n");
    assert!(
        failures.is_empty(),
        "{} failures:\n{report}",
        failures.len()
    );
    assert!(passed > 1000, "only {passed} suite tests ran");
    eprintln!("suite: {passed} tests passed, {skipped} skipped");
}
