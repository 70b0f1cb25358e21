//! `cadenya`: the command-line client of the Cadenya API. Its commands are generated
//! from the API catalog (`api::all()`), the same values the server routes with, so
//! every operation has a command and no command calls a route that does not exist.

mod catalog;
mod client;
mod follow;
mod output;

use api::ParamKind;
use catalog::{kebab, Command as Op, Kind};
use clap::{Arg, ArgAction, ArgMatches, Command};
use client::{Client, Failure};
use output::{render, Format};
use serde_json::{Map, Value};
use std::io::{IsTerminal, Read};
use std::process::ExitCode;

const ABOUT: &str = "The Cadenya API from the command line: agents, variations, schedules, objectives, tools, memory, keys.";
const AFTER: &str = "Commands are `<resource>[:<sub>] <verb>`, e.g. `cadenya agents list`, \
`cadenya agents:variations add-assignment --agent-id A --variation-id V --tool-id T`. \
Body fields are flags (`--name`, `--description`, `--status`…) or a whole body with `--body @file.json|-|'{…}'`. \
Exit codes: 0 ok, 1 API or network error, 2 usage error.";

fn global_args(cmd: Command) -> Command {
    cmd.arg(
        Arg::new("api-key")
            .long("api-key")
            .help_heading("Global options")
            .env("CADENYA_API_KEY")
            .hide_env_values(true)
            .global(true)
            .help("API key (bootstrap: the operator's bootstrap token)"),
    )
    .arg(
        Arg::new("base-url")
            .long("base-url")
            .help_heading("Global options")
            .env("CADENYA_BASE_URL")
            .default_value("http://127.0.0.1:3000")
            .global(true)
            .help("Where the API is served"),
    )
    .arg(
        Arg::new("workspace-id")
            .long("workspace-id")
            .help_heading("Global options")
            .env("CADENYA_WORKSPACE_ID")
            .global(true)
            .help("Workspace to act in; default: the key's only workspace"),
    )
    .arg(
        Arg::new("format")
            .long("format")
            .help_heading("Global options")
            .value_parser(["json", "yaml", "table"])
            .global(true)
            .help("Output format; default: table on a terminal, JSON when piped"),
    )
    .arg(
        Arg::new("dry-run")
            .long("dry-run")
            .help_heading("Global options")
            .action(ArgAction::SetTrue)
            .global(true)
            .help("Validate and show the would-be result of a mutation without storing anything"),
    )
}

fn value_name(param: &str) -> String {
    kebab(param).replace('-', "_").to_ascii_uppercase()
}

fn op_command(name: String, op: &Op) -> Command {
    let mut c = Command::new(name).about(op.op.summary.to_owned());
    if let Some(p) = op.positional() {
        c = c.arg(
            Arg::new(p.to_owned())
                .value_name(value_name(p))
                .required(true)
                .help(format!(
                    "`{p}` (an id, or external_id:<value> where supported)"
                )),
        );
    }
    for p in op.flag_params() {
        c = c.arg(
            Arg::new(p.clone())
                .long(kebab(p))
                .value_name(value_name(p))
                .required(true),
        );
    }
    for (name, kind, help) in op.query() {
        if name == "dryRun" {
            continue;
        }
        let a = Arg::new(name.to_owned())
            .long(kebab(name))
            .help(help.to_owned());
        c = c.arg(match kind {
            ParamKind::Boolean => a.action(ArgAction::SetTrue),
            ParamKind::StringList => a.action(ArgAction::Append),
            ParamKind::String | ParamKind::Integer => a,
        });
    }
    if op.is_list() {
        c = c.arg(
            Arg::new("all")
                .long("all")
                .action(ArgAction::SetTrue)
                .help("Follow nextCursor and print every item"),
        );
    }
    if op.op.body.is_some() {
        c = c.arg(
            Arg::new("body")
                .long("body")
                .value_name("JSON|@FILE|-")
                .help("The whole request body: inline JSON, @file.json, or - for stdin; field flags apply on top"),
        );
        for f in &op.fields {
            let help = match f.kind {
                Kind::Text => f.help.clone(),
                Kind::Json => format!("{} (JSON)", f.help),
            };
            c = c.arg(Arg::new(f.flag.clone()).long(f.flag.clone()).help(help));
        }
    }
    if op.op.id == "createObjective" {
        c = c.arg(
            Arg::new("wait")
                .long("wait")
                .action(ArgAction::SetTrue)
                .help("Block until the objective has ended; print its output or final answer"),
        );
    }
    if op.op.id == "bootstrap" {
        c = c.arg(
            Arg::new("bootstrap-token")
                .long("bootstrap-token")
                .env("CADENYA_BOOTSTRAP_TOKEN")
                .hide_env_values(true)
                .help("The operator's bootstrap token (else --api-key)"),
        );
    }
    c
}

fn cli(ops: &[Op]) -> Command {
    let mut root = global_args(
        Command::new("cadenya")
            .version(env!("CARGO_PKG_VERSION"))
            .about(ABOUT)
            .after_help(AFTER)
            .subcommand_required(true)
            .arg_required_else_help(true),
    );
    let mut resources: Vec<&str> = Vec::new();
    for op in ops {
        if !resources.contains(&op.resource.as_str()) {
            resources.push(&op.resource);
        }
    }
    for r in resources {
        let mine: Vec<&Op> = ops.iter().filter(|o| o.resource == r).collect();
        if let [single] = mine.as_slice() {
            if single.verb.is_none() {
                root = root.subcommand(op_command(r.to_owned(), single));
                continue;
            }
        }
        let mut group = Command::new(r.to_owned())
            .about(format!("{} operations", r.replace(':', " → ")))
            .subcommand_required(true)
            .arg_required_else_help(true);
        for op in mine {
            group = group.subcommand(op_command(op.verb.clone().unwrap_or_default(), op));
        }
        if r == "objectives" {
            group = group.subcommand(
                Command::new("watch")
                    .about(
                        "Follow an objective's events live (server-sent events) until it has ended",
                    )
                    .arg(Arg::new("id").value_name("ID").required(true)),
            );
        }
        root = root.subcommand(group);
    }
    root
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

enum Fail {
    Usage(String),
    Api(Failure),
}

impl From<Failure> for Fail {
    fn from(f: Failure) -> Self {
        Fail::Api(f)
    }
}

/// The canonical path with the workspace and parameters filled in.
fn resolve_path(client: &Client, op: &Op, m: &ArgMatches, g: &ArgMatches) -> Result<String, Fail> {
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

/// The operation (or `objectives watch`) a parse selected, with its own matches (which
/// also hold the global flags, wherever on the line they were given).
#[derive(Clone, Copy)]
enum Selected<'a> {
    Op(&'a Op, &'a ArgMatches),
    Watch(&'a ArgMatches),
}

fn select<'a>(ops: &'a [Op], root: &'a ArgMatches) -> Result<Selected<'a>, Fail> {
    let Some((resource, rm)) = root.subcommand() else {
        return Err(Fail::Usage("a command is required".into()));
    };
    if let Some(op) = ops
        .iter()
        .find(|o| o.resource == resource && o.verb.is_none())
    {
        return Ok(Selected::Op(op, rm));
    }
    let Some((verb, vm)) = rm.subcommand() else {
        return Err(Fail::Usage(format!("`{resource}` needs a verb")));
    };
    if resource == "objectives" && verb == "watch" {
        return Ok(Selected::Watch(vm));
    }
    ops.iter()
        .find(|o| o.resource == resource && o.verb.as_deref() == Some(verb))
        .map(|op| Selected::Op(op, vm))
        .ok_or_else(|| Fail::Usage(format!("unknown command {resource} {verb}")))
}

fn run(ops: &[Op], root: &ArgMatches) -> Result<(), Fail> {
    let selected = select(ops, root)?;
    let g = match selected {
        Selected::Op(_, m) | Selected::Watch(m) => m,
    };
    let format = match g.get_one::<String>("format") {
        Some(f) => Format::parse(f).unwrap_or(Format::Json),
        None if std::io::stdout().is_terminal() => Format::Table,
        None => Format::Json,
    };
    let base = g.get_one::<String>("base-url").cloned().unwrap_or_default();
    let key = g.get_one::<String>("api-key").cloned();
    let (op, m) = match selected {
        Selected::Op(op, m) => (op, m),
        Selected::Watch(vm) => {
            let client = Client::new(&base, key);
            let id = vm.get_one::<String>("id").cloned().unwrap_or_default();
            let list = ops
                .iter()
                .find(|o| o.op.id == "listObjectives")
                .expect("the catalog lists objectives");
            let base_path = resolve_path(&client, list, vm, g)?;
            return follow::watch(&client, &base_path, &client::encode(&id), format)
                .map_err(Fail::Api);
        }
    };
    let key = if op.op.id == "bootstrap" {
        m.get_one::<String>("bootstrap-token").cloned().or(key)
    } else {
        key
    };
    let client = Client::new(&base, key);
    let path = resolve_path(&client, op, m, g)?;

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

    let body = match op.op.body {
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
    };

    let method = op.op.method.as_str();
    let mut answer = client.call(method, &path, &query, body.as_ref())?;
    if op.is_list() && m.get_flag("all") {
        let mut items = answer["items"].as_array().cloned().unwrap_or_default();
        while let Some(next) = answer["pagination"]["nextCursor"]
            .as_str()
            .map(str::to_owned)
        {
            let mut q = query.clone();
            q.retain(|(k, _)| k != "cursor");
            q.push(("cursor".into(), next));
            answer = client.call(method, &path, &q, None)?;
            items.extend(answer["items"].as_array().cloned().unwrap_or_default());
        }
        let total = items.len();
        answer = serde_json::json!({"items": items, "pagination": {"total": total}});
    }
    if op.op.id == "createObjective" && m.get_flag("wait") && !g.get_flag("dry-run") {
        let id = answer["metadata"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let list_path = path.clone();
        let done = follow::wait(&client, &list_path, &id)?;
        let result = follow::result(&client, &list_path, &done)?;
        let summary = serde_json::json!({
            "id": id,
            "status": done["status"],
            "statusMessage": done.get("statusMessage"),
            "result": result,
        });
        println!("{}", render(&summary, format));
        if done["status"] == "OBJECTIVE_STATUS_FAILED" {
            return Err(Fail::Api(Failure::Transport(format!(
                "objective {id} failed: {}",
                done["statusMessage"].as_str().unwrap_or("no reason given")
            ))));
        }
        return Ok(());
    }
    println!("{}", render(&answer, format));
    Ok(())
}

fn main() -> ExitCode {
    let ops = catalog::commands();
    let matches = match cli(&ops).try_get_matches() {
        Ok(m) => m,
        Err(e) => e.exit(),
    };
    match run(&ops, &matches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail::Usage(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(2)
        }
        Err(Fail::Api(f)) => {
            eprintln!("error: {f}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_tree_is_valid_and_every_operation_has_help() {
        let ops = catalog::commands();
        let cmd = cli(&ops);
        cmd.clone().debug_assert();
        let mut count = 0;
        for group in cmd.get_subcommands() {
            for verb in group.get_subcommands() {
                assert!(
                    verb.get_about().is_some(),
                    "{} {}",
                    group.get_name(),
                    verb.get_name()
                );
                count += 1;
            }
        }
        assert!(count > 90, "{count}");
    }

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

    #[test]
    fn usage_errors_exit_2() {
        let ops = catalog::commands();
        let e = cli(&ops)
            .try_get_matches_from(["cadenya", "agents", "retrieve"])
            .unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }
}
