//! `cadenya`: the command-line client of the Cadenya API. Its commands are generated
//! from the API catalog (`api::all()`), the same values the server routes with, so
//! every operation has a command and no command calls a route that does not exist.

// A command-line client answers on stdout.
#![allow(clippy::print_stdout)]

mod args;
mod catalog;
mod client;
mod follow;
mod output;
mod request;

use args::{cli, select, Selected};
use catalog::Command as Op;
use clap::ArgMatches;
use client::{Client, Failure};
use output::render;
use request::resolve_path;
use std::process::ExitCode;

enum Fail {
    Usage(String),
    Api(Failure),
}

impl From<Failure> for Fail {
    fn from(f: Failure) -> Self {
        Fail::Api(f)
    }
}

fn run(ops: &[Op], root: &ArgMatches) -> Result<(), Fail> {
    let selected = select(ops, root)?;
    let g = match selected {
        Selected::Op(_, m) | Selected::Watch(m) => m,
    };
    let format = output::choose(g.get_one::<String>("format").map(String::as_str));
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
    let query = request::query(op, m, g)?;
    let body = request::body(op, m)?;

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
