//! `POST …/tool_sets/{id}:sync`: list an MCP server's tools and upsert them.
//!
//! The network exchange runs outside any transaction; its outcome is then written in
//! one. Failures are recorded on the tool set (`info.lastSyncError`) rather than
//! answered as errors: the call worked, the server did not.

use crate::sets::load as load_set;
use engine::mcp::{McpTool, Session};
use model::ids::ToolId;
use model::metadata::{check_name, MetadataFields};
use model::tools::{
    sanitize_tool_name, Adapter, McpToolConfig, Tool, ToolConfig, ToolSet, ToolSpec, ToolState,
};
use ports::Limits;
use std::collections::{BTreeMap, BTreeSet};
use web::{ApiError, Ctx, HandlerResult, Reply};

const LIMITS: Limits = Limits {
    timeout_ms: 30_000,
    max_response_bytes: 4 << 20,
    truncate: false,
};

pub fn sync(ctx: &Ctx) -> HandlerResult {
    ctx.empty_body()?;
    let set = load_set(ctx, ctx.db, "id")?;
    let Adapter::Mcp { mcp } = &set.spec.adapter else {
        return Err(ApiError::failed_precondition(format!(
            "tool set {} has a `{}` adapter; only mcp tool sets sync",
            set.metadata.id,
            set.spec.adapter.kind()
        )));
    };
    if ctx.dry_run {
        // Nothing is contacted or stored: the would-be call is the set as it is.
        return Ok(Reply::ok(&set));
    }
    let listed = fetch(ctx, &mcp.url, &mcp.headers);
    let set_id = set.metadata.id.clone();
    ctx.write(|db| {
        match &listed {
            Ok(tools) => {
                upsert(ctx, db, &set, tools)?;
                store::tools::record_sync(db, &set_id, ctx.now_ms, None)?;
            }
            Err(e) => store::tools::record_sync(db, &set_id, ctx.now_ms, Some(e))?,
        }
        Ok(())
    })?;
    Ok(Reply::ok(&load_set(ctx, ctx.db, "id")?))
}

/// Talks to the server; the error is a message for `info.lastSyncError` and never
/// contains a resolved secret.
fn fetch(ctx: &Ctx, url: &str, headers: &BTreeMap<String, String>) -> Result<Vec<McpTool>, String> {
    let allow_private = ctx
        .env
        .vars
        .get(engine::net::ALLOW_PRIVATE_VAR)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    engine::net::check_target(url, allow_private)?;
    let names = engine::secrets::names(headers.values())?;
    let stored = store::tools::secret_values(
        ctx.db,
        ctx.workspace().map_err(|e| e.message)?,
        &names,
        ctx.now_ms,
    )
    .map_err(|e| format!("could not read secrets: {e}"))?;
    let secrets = match stored.is_empty() {
        true => BTreeMap::new(),
        false => {
            let keys = engine::secrets::keyring(ctx.env.vars).map_err(|e| e.to_string())?;
            engine::secrets::open_workspace_secrets(&keys, stored)?
        }
    };
    let headers = engine::secrets::render_headers(headers, &secrets)?;
    let mut session =
        Session::connect(ctx.env.http, url, headers, LIMITS).map_err(|e| e.to_string())?;
    session.list_tools().map_err(|e| e.to_string())
}

/// Inserts new tools, refreshes known ones (keeping what users set: name, labels,
/// approval, LLM name) and archives the ones the server no longer lists.
fn upsert(ctx: &Ctx, db: &store::Db, set: &ToolSet, listed: &[McpTool]) -> Result<(), ApiError> {
    let existing = store::tools::tools_of_set(db, &set.metadata.id)?;
    let mut by_name: BTreeMap<String, Tool> = BTreeMap::new();
    let mut llm_names: BTreeSet<String> = BTreeSet::new();
    for t in existing {
        llm_names.insert(t.spec.llm_tool_name.clone());
        if let ToolConfig::Mcp { mcp } = &t.spec.config {
            by_name.insert(mcp.tool_name.clone(), t);
        }
    }
    let now = model::time::format_ms(ctx.now_ms);
    let mut seen = BTreeSet::new();
    for remote in listed {
        if !seen.insert(remote.name.clone()) {
            continue;
        }
        let config = ToolConfig::Mcp {
            mcp: McpToolConfig {
                tool_name: remote.name.clone(),
                annotations: remote.annotations.clone(),
            },
        };
        let description = remote.description.clone().unwrap_or_default();
        match by_name.remove(&remote.name) {
            Some(mut tool) => {
                let unchanged = tool.state == ToolState::Available
                    && tool.spec.description == description
                    && tool.spec.parameters == remote.input_schema
                    && tool.spec.config == config;
                if !unchanged {
                    tool.spec.description = description;
                    tool.spec.parameters = remote.input_schema.clone();
                    tool.spec.config = config;
                    tool.state = ToolState::Available;
                    tool.metadata.updated_at = now.clone();
                    store::tools::update_tool(db, &tool, None)?;
                }
            }
            None => {
                let id: ToolId = ctx.new_id();
                let name: String = remote
                    .name
                    .chars()
                    .take(model::metadata::MAX_NAME_CHARS)
                    .collect();
                let name = if check_name(&name).is_ok() {
                    name
                } else {
                    sanitize_tool_name(&remote.name)
                };
                let llm_tool_name = unique_llm_name(&remote.name, &mut llm_names);
                let tool = Tool {
                    metadata: ctx.new_metadata(
                        id.into_string(),
                        MetadataFields {
                            name,
                            ..Default::default()
                        },
                    )?,
                    spec: ToolSpec {
                        description,
                        parameters: remote.input_schema.clone(),
                        requires_approval: false,
                        llm_tool_name,
                        config,
                    },
                    state: ToolState::Available,
                    info: None,
                };
                store::tools::insert_tool(db, &set.metadata.id, &tool)?;
            }
        }
    }
    // What is left was not listed this time.
    for (_, mut tool) in by_name {
        if tool.state != ToolState::Archived {
            tool.state = ToolState::Archived;
            tool.metadata.updated_at = now.clone();
            store::tools::update_tool(db, &tool, Some(ctx.now_ms))?;
        }
    }
    Ok(())
}

/// A model-safe name not yet used in the set (`name`, `name_2`, …).
fn unique_llm_name(remote: &str, taken: &mut BTreeSet<String>) -> String {
    let base = sanitize_tool_name(remote);
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        let suffix = format!("_{n}");
        let keep = model::tools::MAX_TOOL_NAME - suffix.len();
        candidate = format!("{}{suffix}", base.chars().take(keep).collect::<String>());
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llm_names_stay_unique() {
        let mut taken = BTreeSet::from(["get_weather".to_owned()]);
        assert_eq!(unique_llm_name("get.weather", &mut taken), "get_weather_2");
        assert_eq!(unique_llm_name("get weather", &mut taken), "get_weather_3");
        assert_eq!(unique_llm_name("add", &mut taken), "add");
    }
}
