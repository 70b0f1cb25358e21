//! The API catalog as commands. Every operation of `api::all()` becomes
//! `<resource>[:<sub>] <verb>`: the resource from its path (`/agents/{agentId}/schedules`
//! → `agents:schedules`), the verb from its method or `:verb` suffix (list, retrieve,
//! create, update, delete, publish, approve, …), named as the hosted CLI names them.
//! Path parameters are flags (the last one is the positional `<ID>`), query parameters
//! are flags, and the request body's fields are flags too (`--name` → `metadata.name`,
//! `--description` → `spec.description`), or the whole body comes from `--body`.

use api::{Method, Operation, ParamKind};
use serde_json::Value;

/// Operations whose command is one word.
const SINGLE: &[(&str, &str)] = &[
    ("getMe", "me"),
    ("whoAmI", "whoami"),
    ("bootstrap", "bootstrap"),
    ("getOpenApiDocument", "openapi"),
];

/// Names the path rule does not give.
const RENAMED: &[(&str, &str, &str)] = &[
    ("getAccount", "account", "retrieve"),
    (
        "addVariationAssignment",
        "agents:variations",
        "add-assignment",
    ),
    (
        "removeVariationAssignment",
        "agents:variations",
        "remove-assignment",
    ),
    (
        "addVariationMemoryLayer",
        "agents:variations",
        "add-memory-layer",
    ),
    (
        "updateVariationMemoryLayer",
        "agents:variations",
        "update-memory-layer",
    ),
    (
        "removeVariationMemoryLayer",
        "agents:variations",
        "remove-memory-layer",
    ),
    ("listObjectiveEvents", "objectives", "events"),
];

/// Served by `objectives watch`, which renders the stream.
const SKIPPED: &[&str] = &["streamObjectiveEvents"];

/// `camelCase` / `snake_case` → `kebab-case`.
pub fn kebab(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '_' {
            out.push('-');
        } else {
            out.push(c);
        }
    }
    out
}

/// How a flag's text becomes a JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Parsed as JSON (numbers, booleans, objects, arrays).
    Json,
}

/// A body field settable by a flag.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub flag: String,
    /// Where it goes in the body, e.g. `["spec", "description"]`.
    pub path: Vec<String>,
    pub kind: Kind,
    pub help: String,
}

/// One operation as a command.
pub struct Command {
    pub op: &'static Operation,
    pub resource: String,
    /// `None` for one-word commands (`me`, `bootstrap`).
    pub verb: Option<String>,
    /// Path parameters but `workspaceId`, in path order; the last is positional.
    pub path_params: Vec<String>,
    pub fields: Vec<Field>,
}

impl Command {
    /// `{id}`, the resource the command acts on, is the positional `<ID>`.
    pub fn positional(&self) -> Option<&str> {
        self.path_params
            .last()
            .map(String::as_str)
            .filter(|p| *p == "id")
    }

    /// Every other path parameter is a required flag (`--agent-id`).
    pub fn flag_params(&self) -> &[String] {
        match (self.positional(), self.path_params.split_last()) {
            (Some(_), Some((_, rest))) => rest,
            _ => &self.path_params,
        }
    }

    pub fn query(&self) -> impl Iterator<Item = (&'static str, ParamKind, &'static str)> {
        self.op
            .query
            .iter()
            .map(|p| (p.name, p.kind, p.description))
    }

    pub fn is_list(&self) -> bool {
        self.op.query.iter().any(|p| p.name == "cursor")
    }
}

fn names(op: &Operation) -> (String, Option<String>) {
    if let Some((_, word)) = SINGLE.iter().find(|(id, _)| *id == op.id) {
        return ((*word).to_owned(), None);
    }
    if let Some((_, r, v)) = RENAMED.iter().find(|(id, _, _)| *id == op.id) {
        return ((*r).to_owned(), Some((*v).to_owned()));
    }
    let (path, suffix) = match op.path.rsplit_once(':') {
        Some((p, v)) if !v.contains('/') => (p, Some(v)),
        _ => (op.path, None),
    };
    let segs: Vec<&str> = path
        .trim_start_matches("/v1/")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let segs = match segs.as_slice() {
        ["workspaces", "{workspaceId}", rest @ ..] => rest.to_vec(),
        all => all.to_vec(),
    };
    let resource = segs
        .iter()
        .filter(|s| !s.starts_with('{'))
        .map(|s| s.replace('_', "-"))
        .collect::<Vec<_>>()
        .join(":");
    let on_one = segs.last().is_some_and(|s| s.starts_with('{'));
    let verb = match (suffix, op.method, on_one) {
        (Some(v), _, _) => kebab(v),
        (None, Method::Get, false) => "list".into(),
        (None, Method::Get, true) => "retrieve".into(),
        (None, Method::Post, _) => "create".into(),
        (None, Method::Patch, _) => "update".into(),
        (None, Method::Delete, _) => "delete".into(),
    };
    (resource, Some(verb))
}

fn path_params(path: &str) -> Vec<String> {
    path.split(['/', ':'])
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .filter(|p| *p != "workspaceId")
        .map(str::to_owned)
        .collect()
}

/// Follows `$ref`s into the document's components, `anyOf [T, null]` to `T`, and
/// `allOf [T, constraints]` (create bodies) to `T`.
fn resolve<'a>(doc: &'a Value, mut s: &'a Value) -> &'a Value {
    for _ in 0..8 {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap_or_default();
            s = &doc["components"]["schemas"][name];
            continue;
        }
        if let Some(first) = s.get("allOf").and_then(|a| a.get(0)) {
            s = first;
            continue;
        }
        let branches = s.get("anyOf").or_else(|| s.get("oneOf"));
        if let Some(Value::Array(b)) = branches {
            let real: Vec<&Value> = b.iter().filter(|x| x["type"] != "null").collect();
            if let [one] = real.as_slice() {
                s = one;
                continue;
            }
        }
        break;
    }
    s
}

fn kind_of(doc: &Value, s: &Value) -> Kind {
    let s = resolve(doc, s);
    let is_text = |t: &Value| t == "string";
    match &s["type"] {
        Value::String(_) if is_text(&s["type"]) => Kind::Text,
        Value::Array(ts) if ts.iter().any(is_text) && ts.len() <= 2 => Kind::Text,
        _ if s
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e.iter().all(Value::is_string)) =>
        {
            Kind::Text
        }
        _ => Kind::Json,
    }
}

fn describe(doc: &Value, s: &Value) -> String {
    let r = resolve(doc, s);
    let text = s
        .get("description")
        .or_else(|| r.get("description"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let first = text.lines().next().unwrap_or_default().to_owned();
    match r.get("enum").and_then(Value::as_array) {
        Some(values) => {
            let v: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
            format!("{first} [{}]", v.join(", ")).trim().to_owned()
        }
        None => first,
    }
}

fn help_text(path: &str, description: &str) -> String {
    if description.is_empty() {
        path.to_owned()
    } else {
        format!("{path}: {description}")
    }
}

/// The body's fields as flags: top-level scalars as themselves, the fields of
/// top-level objects (`metadata`, `spec`) one level down; the first of a name wins.
fn fields(doc: &Value, op: &Operation, taken: &[String]) -> Vec<Field> {
    let method = op.method.as_str().to_ascii_lowercase();
    let schema =
        &doc["paths"][op.path][&method]["requestBody"]["content"]["application/json"]["schema"];
    let body = resolve(doc, schema);
    let mut out: Vec<Field> = Vec::new();
    let mut add = |flag: String, path: Vec<String>, kind: Kind, help: String| {
        let reserved = [
            "body",
            "help",
            "format",
            "dry-run",
            "api-key",
            "base-url",
            "workspace-id",
            "all",
            "wait",
        ];
        if reserved.contains(&flag.as_str())
            || taken.iter().any(|t| kebab(t) == flag)
            || out.iter().any(|f| f.flag == flag)
        {
            return;
        }
        out.push(Field {
            flag,
            path,
            kind,
            help,
        });
    };
    let Some(props) = body.get("properties").and_then(Value::as_object) else {
        return out;
    };
    // fields the server sets (documented "Output only") are not flags
    let settable = |s: &Value| {
        let d = describe(doc, s);
        !d.starts_with("Output only") && s.get("readOnly") != Some(&Value::Bool(true))
    };
    for (name, s) in props.iter().filter(|(_, s)| settable(s)) {
        let inner = resolve(doc, s);
        match inner.get("properties").and_then(Value::as_object) {
            Some(sub) if !sub.is_empty() => {
                for (sub_name, sub_s) in sub.iter().filter(|(_, s)| settable(s)) {
                    add(
                        kebab(sub_name),
                        vec![name.clone(), sub_name.clone()],
                        kind_of(doc, sub_s),
                        help_text(&format!("{name}.{sub_name}"), &describe(doc, sub_s)),
                    );
                }
            }
            _ => add(
                kebab(name),
                vec![name.clone()],
                kind_of(doc, s),
                help_text(name, &describe(doc, s)),
            ),
        }
    }
    out
}

/// Every operation but the streamed one, as commands.
pub fn commands() -> Vec<Command> {
    let doc = api::openapi::document();
    api::all()
        .into_iter()
        .filter(|op| !SKIPPED.contains(&op.id))
        .map(|op| {
            let (resource, verb) = names(op);
            let path_params = path_params(op.path);
            let mut taken = path_params.clone();
            taken.extend(op.query.iter().map(|p| p.name.to_owned()));
            let fields = if op.body.is_some() {
                fields(&doc, op, &taken)
            } else {
                Vec::new()
            };
            Command {
                op,
                resource,
                verb,
                path_params,
                fields,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_follow_the_hosted_cli() {
        let all = commands();
        let name = |id: &str| {
            let c = all.iter().find(|c| c.op.id == id).unwrap();
            format!("{} {}", c.resource, c.verb.clone().unwrap_or_default())
        };
        assert_eq!(name("listAgents"), "agents list");
        assert_eq!(name("getAgent"), "agents retrieve");
        assert_eq!(name("publishAgent"), "agents publish");
        assert_eq!(
            name("addVariationAssignment"),
            "agents:variations add-assignment"
        );
        assert_eq!(name("listSchedules"), "agents:schedules list");
        assert_eq!(
            name("listWebhookDeliveries"),
            "agents:webhook-deliveries list"
        );
        assert_eq!(name("listAgentFeedback"), "agents:feedback list");
        assert_eq!(name("approveToolCall"), "objectives:tool-calls approve");
        assert_eq!(
            name("setToolCallContent"),
            "objectives:tool-calls set-content"
        );
        assert_eq!(name("listObjectiveEvents"), "objectives events");
        assert_eq!(
            name("rotateWebhookSigningKey"),
            "account rotate-webhook-signing-key"
        );
        assert_eq!(name("getMe"), "me ");
    }

    #[test]
    fn every_command_is_unique_and_its_flags_too() {
        let mut seen = HashSet::new();
        for c in commands() {
            assert!(
                seen.insert((c.resource.clone(), c.verb.clone())),
                "{} twice",
                c.resource
            );
            let mut flags = HashSet::new();
            for f in c
                .flag_params()
                .iter()
                .map(|p| kebab(p))
                .chain(c.query().map(|q| kebab(q.0)))
                .chain(c.fields.iter().map(|f| f.flag.clone()))
            {
                assert!(flags.insert(f.clone()), "{}: --{f} twice", c.op.id);
            }
        }
    }

    #[test]
    fn body_fields_become_flags() {
        let all = commands();
        let agent = all.iter().find(|c| c.op.id == "createAgent").unwrap();
        let f = |flag: &str| agent.fields.iter().find(|f| f.flag == flag).cloned();
        assert_eq!(f("name").unwrap().path, ["metadata", "name"]);
        assert_eq!(f("description").unwrap().path, ["spec", "description"]);
        assert_eq!(f("status").unwrap().kind, Kind::Text);
        assert_eq!(f("labels").unwrap().kind, Kind::Json);
        let objective = all.iter().find(|c| c.op.id == "createObjective").unwrap();
        assert!(objective
            .fields
            .iter()
            .any(|f| f.flag == "initial-message" && f.path == ["initialMessage"]));
        let approve = all.iter().find(|c| c.op.id == "approveToolCall").unwrap();
        assert_eq!(approve.path_params, ["objectiveId", "id"]);
        assert_eq!(approve.positional(), Some("id"));
        assert_eq!(approve.flag_params(), ["objectiveId"]);
        let events = all
            .iter()
            .find(|c| c.op.id == "listObjectiveEvents")
            .unwrap();
        assert_eq!(events.positional(), None);
        assert_eq!(events.flag_params(), ["objectiveId"]);
    }
}
