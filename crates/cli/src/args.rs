//! The command tree built from the catalog (one subcommand per operation, its flags), and
//! finding the operation a parse selected.

use crate::catalog::{kebab, Command as Op, Kind};
use crate::Fail;
use api::ParamKind;
use clap::{Arg, ArgAction, ArgMatches, Command};

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

pub fn cli(ops: &[Op]) -> Command {
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

/// The operation (or `objectives watch`) a parse selected, with its own matches (which
/// also hold the global flags, wherever on the line they were given).
#[derive(Clone, Copy)]
pub enum Selected<'a> {
    Op(&'a Op, &'a ArgMatches),
    Watch(&'a ArgMatches),
}

pub fn select<'a>(ops: &'a [Op], root: &'a ArgMatches) -> Result<Selected<'a>, Fail> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

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
    fn usage_errors_exit_2() {
        let ops = catalog::commands();
        let e = cli(&ops)
            .try_get_matches_from(["cadenya", "agents", "retrieve"])
            .unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }
}
