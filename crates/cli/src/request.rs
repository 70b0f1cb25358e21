//! From parsed arguments to an HTTP request: the path, the query and the body.

use crate::catalog::{Command as Op, Kind};
use crate::client::{self, Client};
use crate::Fail;
use api::ParamKind;
use clap::ArgMatches;
use serde_json::{Map, Value};
use std::io::Read;

/// The canonical path with the workspace and parameters filled in.
pub fn resolve_path(
    client: &Client,
    op: &Op,
    m: &ArgMatches,
    g: &ArgMatches,
) -> Result<String, Fail> {
    let mut path = op.op.path.to_owned();
    if path.contains("{workspaceId}") {
        let ws = match g.get_one::<String>("workspace-id") {
            Some(w) => w.clone(),
            None if op.op.short_form => {
                path = api::short_form(&path).unwrap_or(path);
                String::new()
            }
            None => {
                let me = client.call("GET", "/v1/me", &[], None)?;
                me["workspace"]["metadata"]["id"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        Fail::Usage(
                            "this key reaches several workspaces: pass --workspace-id (or CADENYA_WORKSPACE_ID)"
                                .into(),
                        )
                    })?
            }
        };
        path = path.replace("{workspaceId}", &client::encode(&ws));
    }
    for p in &op.path_params {
        let v = m.get_one::<String>(p).cloned().unwrap_or_default();
        path = path.replace(&format!("{{{p}}}"), &client::encode(&v));
    }
    Ok(path)
}

/// The query string: the operation's query flags, and `dryRun` for `--dry-run`.
pub fn query(op: &Op, m: &ArgMatches, g: &ArgMatches) -> Result<Vec<(String, String)>, Fail> {
    let mut query: Vec<(String, String)> = Vec::new();
    for (name, kind, _) in op.query() {
        match kind {
            ParamKind::Boolean if name != "dryRun" => {
                if m.get_flag(name) {
                    query.push((name.to_owned(), "true".into()));
                }
            }
            ParamKind::StringList => {
                for v in m.get_many::<String>(name).into_iter().flatten() {
                    query.push((name.to_owned(), v.clone()));
                }
            }
            ParamKind::String | ParamKind::Integer => {
                if let Some(v) = m.get_one::<String>(name) {
                    query.push((name.to_owned(), v.clone()));
                }
            }
            ParamKind::Boolean => {}
        }
    }
    if g.get_flag("dry-run") {
        if !op.op.dry_run {
            return Err(Fail::Usage(format!(
                "--dry-run is not supported by `{}`",
                op.op.id
            )));
        }
        query.push(("dryRun".into(), "true".into()));
    }
    Ok(query)
}

/// The body, for operations that take one: `--body`, then the field flags on top.
pub fn body(op: &Op, m: &ArgMatches) -> Result<Option<Value>, Fail> {
    Ok(match op.op.body {
        None => None,
        Some(_) => {
            let mut body = match m.get_one::<String>("body") {
                Some(spec) => read_body(spec).map_err(Fail::Usage)?,
                None => Value::Object(Map::new()),
            };
            for f in &op.fields {
                if let Some(text) = m.get_one::<String>(&f.flag) {
                    let value = match f.kind {
                        Kind::Text => Value::String(text.clone()),
                        // JSON when it parses, else the text itself (the server names
                        // the field if that is wrong)
                        Kind::Json => serde_json::from_str(text)
                            .unwrap_or_else(|_| Value::String(text.clone())),
                    };
                    set_path(&mut body, &f.path, value);
                }
            }
            Some(body)
        }
    })
}

/// Reads `--body`: inline JSON, `@file`, or `-` (stdin).
fn read_body(spec: &str) -> Result<Value, String> {
    let text = if spec == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("--body -: cannot read stdin: {e}"))?;
        s
    } else if let Some(path) = spec.strip_prefix('@') {
        std::fs::read_to_string(path).map_err(|e| format!("--body {spec}: {e}"))?
    } else {
        spec.to_owned()
    };
    serde_json::from_str(&text).map_err(|e| format!("--body is not JSON: {e}"))
}

fn set_path(body: &mut Value, path: &[String], value: Value) {
    let mut at = body;
    for (i, key) in path.iter().enumerate() {
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        let map = at.as_object_mut().expect("just made an object");
        if i == path.len() - 1 {
            map.insert(key.clone(), value);
            return;
        }
        at = map
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::cli;
    use crate::catalog;

    #[test]
    fn flags_build_the_body() {
        let ops = catalog::commands();
        let m = cli(&ops)
            .try_get_matches_from([
                "cadenya",
                "agents",
                "create",
                "--name",
                "support",
                "--status",
                "AGENT_STATUS_PUBLISHED",
                "--labels",
                "{\"team\":\"a\"}",
            ])
            .unwrap();
        let (_, agents) = m.subcommand().unwrap();
        let (verb, create) = agents.subcommand().unwrap();
        assert_eq!(verb, "create");
        let op = ops.iter().find(|o| o.op.id == "createAgent").unwrap();
        let mut body = Value::Object(Map::new());
        for f in &op.fields {
            if let Some(t) = create.get_one::<String>(&f.flag) {
                let v = match f.kind {
                    Kind::Text => Value::String(t.clone()),
                    Kind::Json => serde_json::from_str(t).unwrap(),
                };
                set_path(&mut body, &f.path, v);
            }
        }
        assert_eq!(
            body,
            serde_json::json!({"metadata": {"name": "support", "labels": {"team": "a"}},
                               "spec": {"status": "AGENT_STATUS_PUBLISHED"}})
        );
    }
}
