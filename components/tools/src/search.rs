//! `GET …/search/tools_or_tool_sets`: the same ranking progressive discovery uses
//! (`engine::search`), over the workspace's active tool sets, their available tools and,
//! for a token that may read them, its agents that are not archived.

use model::scope::{Resource, Scope};
use model::tools::SearchToolsOrToolSetsResponse;
use web::{ApiError, Ctx, HandlerResult, Reply};

const MAX_PER_KIND: usize = 20;

pub fn search(ctx: &Ctx) -> HandlerResult {
    let query = ctx.query.text("query").map(str::trim).unwrap_or_default();
    if query.is_empty() {
        return Err(ApiError::invalid(
            "query",
            "is required: the words to search for",
        ));
    }
    let ws = ctx.workspace()?;
    let (sets, tools) = store::tools::search_corpus(ctx.db, ws)?;
    let agents = if ctx
        .principal()?
        .scopes
        .allows(Scope::read(Resource::Agents))
    {
        let agents = store::agents::search_corpus(ctx.db, ws)?;
        let docs: Vec<String> = agents.iter().map(engine::search::agent_text).collect();
        Some(best(query, &docs, agents))
    } else {
        None
    };
    let tool_docs: Vec<String> = tools.iter().map(engine::search::tool_text).collect();
    let set_docs: Vec<String> = sets.iter().map(engine::search::set_text).collect();
    Ok(Reply::ok(&SearchToolsOrToolSetsResponse {
        tools: best(query, &tool_docs, tools),
        tool_sets: best(query, &set_docs, sets),
        agents,
    }))
}

/// The items whose documents match `query`, best first, at most [`MAX_PER_KIND`].
fn best<T>(query: &str, docs: &[String], items: Vec<T>) -> Vec<T> {
    let mut items: Vec<Option<T>> = items.into_iter().map(Some).collect();
    engine::search::rank(query, docs)
        .into_iter()
        .take(MAX_PER_KIND)
        .filter_map(|(i, _)| items.get_mut(i).and_then(Option::take))
        .collect()
}
