//! Instance validation against a schema that [`crate::check`] accepted.
//!
//! Malformed keyword values are skipped rather than trusted, so this never panics even on a
//! schema that was not checked.

use std::cmp::Ordering::{Equal, Greater, Less};
use std::collections::HashMap;
use std::rc::Rc;

use regex_lite::Regex;
use serde_json::{Map, Number, Value};

use crate::check::regex;
use crate::value::{as_count, cmp_num, equal, is_integer, is_multiple_of};
use crate::value::{compare, kind, plural, render, shorten};
use crate::{formats, pointer, render_path, PathSegment, Violation};
use crate::{MAX_EVAL_DEPTH, MAX_STEPS};

type Keywords = Map<String, Value>;

pub(crate) fn validate(schema: &Value, instance: &Value) -> Vec<Violation> {
    let mut v = Validator {
        resource: schema,
        depth: 0,
        path: Vec::new(),
        out: Vec::new(),
        quick: false,
        regexes: HashMap::new(),
        refs: Vec::new(),
        steps: 0,
        stopped: None,
    };
    v.eval(schema, instance);
    match v.stopped {
        Some(stop) => vec![stop.into()],
        None => v.out.into_iter().map(Violation::from).collect(),
    }
}

/// A path step; keys are shared, so recording a violation does not copy every key on its path.
#[derive(Clone)]
enum Step {
    Key(Rc<str>),
    Index(usize),
}

impl From<&Step> for PathSegment {
    fn from(step: &Step) -> Self {
        match step {
            Step::Key(k) => PathSegment::Key(k.to_string()),
            Step::Index(i) => PathSegment::Index(*i),
        }
    }
}

/// A violation as recorded during validation.
struct Found {
    path: Vec<Step>,
    message: String,
}

impl From<Found> for Violation {
    fn from(found: Found) -> Self {
        let path = found.path.iter().map(PathSegment::from).collect();
        Violation {
            path,
            message: found.message,
        }
    }
}

struct Validator<'s> {
    /// The nearest enclosing schema with an `$id` (or the root): what `$ref`s resolve against.
    resource: &'s Value,
    /// How many subschemas deep evaluation is.
    depth: usize,
    /// Where in the instance evaluation is.
    path: Vec<Step>,
    out: Vec<Found>,
    /// Only whether there is a violation matters (inside anyOf, not, if, …): stop at the first.
    quick: bool,
    regexes: HashMap<&'s str, Option<Regex>>,
    /// `$ref` targets being evaluated, with the instance value each applies to (by address).
    refs: Vec<(*const Value, *const Value)>,
    steps: usize,
    /// Set when validation had to stop; then nothing else is reported.
    stopped: Option<Found>,
}

impl<'s> Validator<'s> {
    fn fail(&mut self, message: String) {
        self.out.push(Found {
            path: self.path.clone(),
            message,
        });
    }

    fn stop(&mut self, message: String) {
        if self.stopped.is_none() {
            self.stopped = Some(Found {
                path: self.path.clone(),
                message,
            });
        }
    }

    /// Counts `steps` of work; false (and validation stops) once over the limit.
    fn spend(&mut self, steps: usize) -> bool {
        self.steps = self.steps.saturating_add(steps);
        if self.steps > MAX_STEPS {
            self.stop(format!(
                "validation gave up: checking this value against the schema takes more than \
                 {MAX_STEPS} steps"
            ));
        }
        self.stopped.is_none()
    }

    fn done(&self) -> bool {
        self.stopped.is_some() || (self.quick && !self.out.is_empty())
    }

    fn matches(&mut self, pattern: &'s str, text: &str) -> bool {
        if !self.spend(text.len()) {
            return true; // matching is linear in the text (see `check::regex`): charge for it
        }
        let regex = self
            .regexes
            .entry(pattern)
            .or_insert_with(|| regex(pattern).ok());
        regex.as_ref().is_some_and(|r| r.is_match(text))
    }

    /// Evaluates `schema` against `instance`, the child of the current value at `step`.
    fn at(&mut self, step: Step, schema: &'s Value, instance: &Value) {
        self.path.push(step);
        self.eval(schema, instance);
        self.path.pop();
    }

    /// The first violation of `schema` by `instance`, if any; evaluation stops there.
    fn first(&mut self, schema: &'s Value, instance: &Value) -> Option<Found> {
        let (out, quick) = (
            std::mem::take(&mut self.out),
            std::mem::replace(&mut self.quick, true),
        );
        self.eval(schema, instance);
        self.quick = quick;
        std::mem::replace(&mut self.out, out).into_iter().next()
    }

    fn is_valid(&mut self, schema: &'s Value, instance: &Value) -> bool {
        self.first(schema, instance).is_none()
    }

    fn eval(&mut self, schema: &'s Value, instance: &Value) {
        if self.done() || !self.spend(1) {
            return;
        }
        if self.depth >= MAX_EVAL_DEPTH {
            return self.stop(format!(
                "validation gave up: the schema applies more than {MAX_EVAL_DEPTH} nested \
                 subschemas here (is a \"$ref\" recursing too deeply?)"
            ));
        }
        let s = match schema {
            Value::Object(s) => s,
            Value::Bool(false) => return self.fail("no value is allowed here".into()),
            _ => return,
        };
        let resource = self.resource;
        if s.get("$id").is_some_and(Value::is_string) {
            self.resource = schema;
        }
        self.depth += 1;
        self.generic(s, instance);
        match instance {
            Value::Number(n) => self.number(s, n),
            Value::String(text) => self.string(s, text),
            Value::Array(items) => self.array(s, items),
            Value::Object(map) => self.object(s, map),
            _ => {}
        }
        if !self.done() {
            self.applicators(s, instance);
        }
        self.depth -= 1;
        self.resource = resource;
    }

    fn generic(&mut self, s: &Keywords, instance: &Value) {
        let types: Vec<&str> = match s.get("type") {
            Some(Value::String(t)) => vec![t],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let fits = |t: &&str| match (*t, instance) {
            ("integer", Value::Number(n)) => is_integer(n),
            (t, _) => t == type_name(instance),
        };
        if !types.is_empty() && !types.iter().any(fits) {
            let wanted: Vec<&str> = types.iter().map(|t| type_phrase(t)).collect();
            self.fail(format!(
                "must be {} (got {})",
                join(&wanted, "or"),
                kind(instance)
            ));
        }
        if let Some(Value::Array(options)) = s.get("enum") {
            if !options.iter().any(|o| equal(o, instance)) {
                let shown: Vec<String> = options.iter().take(20).map(render).collect();
                let more = if options.len() > 20 { ", …" } else { "" };
                self.fail(match shown.as_slice() {
                    [only] => format!("must be {only}"),
                    _ => format!("must be one of: {}{more}", shown.join(", ")),
                });
            }
        }
        if let Some(c) = s.get("const").filter(|c| !equal(c, instance)) {
            self.fail(format!("must be exactly {}", render(c)));
        }
    }

    fn number(&mut self, s: &Keywords, n: &Number) {
        if let Some(Value::Number(m)) = s.get("multipleOf") {
            if m.as_f64().is_some_and(|m| m > 0.0) && !is_multiple_of(n, m) {
                self.fail(format!("must be a multiple of {m}"));
            }
        }
        let bounds = [
            ("maximum", [Greater, Greater], "at most"),
            ("exclusiveMaximum", [Greater, Equal], "less than"),
            ("minimum", [Less, Less], "at least"),
            ("exclusiveMinimum", [Less, Equal], "greater than"),
        ];
        for (key, failing, words) in bounds {
            if let Some(Value::Number(limit)) = s.get(key) {
                if failing.contains(&cmp_num(n, limit)) {
                    self.fail(format!("must be {words} {limit}"));
                }
            }
        }
    }

    fn string(&mut self, s: &'s Keywords, text: &str) {
        let length = text.chars().count() as u64;
        self.limits(
            s,
            ["minLength", "maxLength"],
            length,
            ["character", "be", " long"],
        );
        if let Some(Value::String(pattern)) = s.get("pattern") {
            if !self.matches(pattern, text) {
                self.fail(format!(
                    "must match the pattern {}",
                    render(&pattern[..].into())
                ));
            }
        }
        if let Some(Value::String(format)) = s.get("format") {
            if let Some(Some(expected)) = formats::check(format, text) {
                self.fail(format!("must be a valid {format}: {expected}"));
            }
        }
    }

    /// `min…`/`max…` keywords on a count: "must <verb> at least <n> <noun>s<tail> (got <count>)".
    fn limits(&mut self, s: &Keywords, keys: [&str; 2], count: u64, words: [&str; 3]) {
        let [noun, verb, tail] = words;
        let min = s.get(keys[0]).and_then(as_count).filter(|m| count < *m);
        let max = s.get(keys[1]).and_then(as_count).filter(|m| count > *m);
        for (bound, n) in [("at least", min), ("at most", max)] {
            if let Some(n) = n {
                self.fail(format!(
                    "must {verb} {bound} {}{tail} (got {count})",
                    plural(n, noun)
                ));
            }
        }
    }

    fn array(&mut self, s: &'s Keywords, items: &[Value]) {
        let prefix = match s.get("prefixItems") {
            Some(Value::Array(schemas)) => {
                for (i, (sub, item)) in schemas.iter().zip(items).enumerate() {
                    self.at(Step::Index(i), sub, item);
                }
                schemas.len()
            }
            _ => 0,
        };
        match s.get("items") {
            Some(Value::Bool(false)) if items.len() > prefix => self.fail(match prefix {
                0 => "must be an empty array".to_owned(),
                n => format!(
                    "must have at most {} (got {})",
                    plural(n as u64, "item"),
                    items.len()
                ),
            }),
            Some(sub) => {
                for (i, item) in items.iter().enumerate().skip(prefix) {
                    self.at(Step::Index(i), sub, item);
                }
            }
            None => {}
        }
        if let Some(sub) = s.get("contains") {
            let mut found = 0;
            for (i, item) in items.iter().enumerate() {
                self.path.push(Step::Index(i));
                found += u64::from(self.is_valid(sub, item));
                self.path.pop();
            }
            let min = s.get("minContains").and_then(as_count).unwrap_or(1);
            let max = s.get("maxContains").and_then(as_count).unwrap_or(u64::MAX);
            for (bound, n, broken) in [
                ("at least", min, found < min),
                ("at most", max, found > max),
            ] {
                if broken {
                    let n = plural(n, "item");
                    let message = "matching the \"contains\" schema";
                    self.fail(format!("must contain {bound} {n} {message} (got {found})"));
                }
            }
        }
        let count = items.len() as u64;
        self.limits(s, ["minItems", "maxItems"], count, ["item", "have", ""]);
        if s.get("uniqueItems") == Some(&Value::Bool(true)) {
            // Sort positions by value, then look for equal neighbours: O(n log n).
            let mut order: Vec<usize> = (0..items.len()).collect();
            order.sort_by(|a, b| compare(&items[*a], &items[*b], 0));
            if !self.spend(items.len()) {
                return;
            }
            let duplicate = order
                .windows(2)
                .filter(|w| equal(&items[w[0]], &items[w[1]]))
                .map(|w| (w[0].min(w[1]), w[0].max(w[1])))
                .min_by_key(|(_, later)| *later);
            if let Some((a, b)) = duplicate {
                self.fail(format!(
                    "must not contain duplicates (items {a} and {b} are equal)"
                ));
            }
        }
    }

    fn object(&mut self, s: &'s Keywords, map: &Map<String, Value>) {
        let required = s.get("required").and_then(Value::as_array);
        for name in required.into_iter().flatten().filter_map(Value::as_str) {
            if !map.contains_key(name) {
                self.fail(format!("\"{name}\" is a required property"));
            }
        }
        let dependent = s.get("dependentRequired").and_then(Value::as_object);
        let legacy = s.get("dependencies").and_then(Value::as_object);
        for (name, needs) in dependent.into_iter().chain(legacy).flatten() {
            let needs = needs.as_array().filter(|_| map.contains_key(name));
            for need in needs.into_iter().flatten().filter_map(Value::as_str) {
                if !map.contains_key(need) {
                    self.fail(format!("\"{need}\" is required when \"{name}\" is present"));
                }
            }
        }
        let properties = s.get("properties").and_then(Value::as_object);
        for (name, sub) in properties.into_iter().flatten() {
            if let Some(value) = map.get(name) {
                self.at(Step::Key(name.as_str().into()), sub, value);
            }
        }
        let patterns = s.get("patternProperties").and_then(Value::as_object);
        for (pattern, sub) in patterns.into_iter().flatten() {
            for (name, value) in map {
                if self.matches(pattern, name) {
                    self.at(Step::Key(name.as_str().into()), sub, value);
                }
            }
        }
        if let Some(extra) = s.get("additionalProperties") {
            for (name, value) in map {
                if properties.is_some_and(|p| p.contains_key(name))
                    || patterns
                        .into_iter()
                        .flatten()
                        .any(|(p, _)| self.matches(p, name))
                {
                    continue;
                }
                self.path.push(Step::Key(name.as_str().into()));
                match extra {
                    Value::Bool(false) => self.fail(not_allowed(name, properties, patterns)),
                    _ => self.eval(extra, value),
                }
                self.path.pop();
            }
        }
        if let Some(sub) = s.get("propertyNames") {
            for name in map.keys() {
                if let Some(found) = self.first(sub, &Value::String(name.clone())) {
                    let message = format!("property name \"{name}\" is invalid: {}", found.message);
                    self.fail(message);
                }
            }
        }
        let words = ["property", "have", ""];
        self.limits(
            s,
            ["minProperties", "maxProperties"],
            map.len() as u64,
            words,
        );
    }

    fn applicators(&mut self, s: &'s Keywords, instance: &Value) {
        if let Some(Value::String(reference)) = s.get("$ref") {
            self.reference(reference, instance);
        }
        if let Value::Object(map) = instance {
            let dependent = s.get("dependentSchemas").and_then(Value::as_object);
            let legacy = s.get("dependencies").and_then(Value::as_object);
            for (name, sub) in dependent.into_iter().chain(legacy).flatten() {
                if map.contains_key(name) && !sub.is_array() {
                    self.eval(sub, instance);
                }
            }
        }
        for sub in s
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.eval(sub, instance);
        }
        if let Some(Value::Array(any)) = s.get("anyOf") {
            let mut failures = Vec::new();
            for sub in any {
                match self.first(sub, instance) {
                    Some(found) => failures.push(Some(found)),
                    None => break,
                }
            }
            if failures.len() == any.len() {
                let summary = self.summary(&failures);
                self.fail(format!(
                    "must match at least one of the \"anyOf\" alternatives: {summary}"
                ));
            }
        }
        if let Some(Value::Array(one)) = s.get("oneOf") {
            let results: Vec<Option<Found>> =
                one.iter().map(|sub| self.first(sub, instance)).collect();
            let passing: Vec<String> = (1..=results.len())
                .filter(|i| results[i - 1].is_none())
                .map(|i| i.to_string())
                .collect();
            let message = "must match exactly one of the \"oneOf\" alternatives, but matches";
            match passing.len() {
                1 => {}
                0 => self.fail(format!("{message} none: {}", self.summary(&results))),
                _ => self.fail(format!("{message} alternatives {}", join(&passing, "and"))),
            }
        }
        if let Some(sub) = s.get("not") {
            if self.is_valid(sub, instance) {
                self.fail("must not match the schema given in \"not\"".into());
            }
        }
        if let Some(condition) = s.get("if") {
            let branch = if self.is_valid(condition, instance) {
                "then"
            } else {
                "else"
            };
            if let Some(sub) = s.get(branch) {
                self.eval(sub, instance);
            }
        }
    }

    fn reference(&mut self, reference: &str, instance: &Value) {
        let Ok((target, owner)) = pointer::resolve(self.resource, reference) else {
            return self.stop(format!(
                "the schema reference \"{reference}\" cannot be followed"
            ));
        };
        let key: (*const Value, *const Value) = (target, instance);
        if self.refs.contains(&key) {
            return self.stop(format!(
                "the schema reference \"{reference}\" leads back to itself for the same value, \
                 so validation could never finish"
            ));
        }
        self.refs.push(key);
        let resource = std::mem::replace(&mut self.resource, owner);
        self.eval(target, instance);
        self.resource = resource;
        self.refs.pop();
    }

    /// "(1) must be a string (got an integer); (2) at .a: must be …": the first problem of each
    /// failing alternative.
    fn summary(&self, failures: &[Option<Found>]) -> String {
        let parts: Vec<String> = (failures.iter().enumerate())
            .filter_map(|(i, found)| {
                let found = found.as_ref()?;
                let relative = found.path.get(self.path.len()..).unwrap_or_default();
                let relative: Vec<PathSegment> = relative.iter().map(PathSegment::from).collect();
                let at = match render_path("", &relative) {
                    p if p.is_empty() => p,
                    p => format!("at {p}: "),
                };
                Some(shorten(format!("({}) {at}{}", i + 1, found.message), 160))
            })
            .take(5)
            .collect();
        let more = if failures.len() > 5 { "; …" } else { "" };
        format!("{}{more}", parts.join("; "))
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_phrase(t: &str) -> &str {
    match t {
        "boolean" => "a boolean",
        "object" => "an object",
        "array" => "an array",
        "number" => "a number",
        "string" => "a string",
        "integer" => "an integer",
        other => other, // null
    }
}

/// "a", "a or b", "a, b or c".
fn join(items: &[impl AsRef<str>], word: &str) -> String {
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    match items.split_last() {
        Some((last, init)) if !init.is_empty() => format!("{} {word} {last}", init.join(", ")),
        _ => items.concat(),
    }
}

/// The message for a property that `additionalProperties: false` forbids.
fn not_allowed(name: &str, properties: Option<&Keywords>, patterns: Option<&Keywords>) -> String {
    let named = properties
        .into_iter()
        .flatten()
        .take(20)
        .map(|(k, _)| format!("\"{k}\""));
    let matching = patterns
        .into_iter()
        .flatten()
        .map(|(p, _)| format!("names matching {p}"));
    let allowed: Vec<String> = named.chain(matching).collect();
    match allowed.as_slice() {
        [] => format!("\"{name}\" is not an allowed property (no properties are allowed here)"),
        _ => format!(
            "\"{name}\" is not an allowed property (allowed: {})",
            allowed.join(", ")
        ),
    }
}
