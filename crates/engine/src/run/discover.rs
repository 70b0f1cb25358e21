//! `search_tools`, progressive discovery's built-in (seed 002): ranks the workspace's
//! tools that are not in the objective yet, optionally re-ranks them by embedding
//! similarity, and adds the best to the objective's snapshot (marked discovered) so
//! they are callable from the model's next turn. The search and any embeddings request
//! happen between commits; the snapshot rows and the call's result in one.

use super::{Fence, Next, Runner};
use crate::builtins;
use crate::llm;
use crate::search;
use model::tools::{Tool, ToolSet};
use model::variation::ProgressiveDiscovery;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use store::objectives::{self as objectives, RunState, SnapshotTool, ToolCallRecord};
use store::StoreError;

const DEFAULT_MAX_TOOLS: usize = 5;
const MAX_TOOLS: usize = 20;
/// Lexical candidates per result slot that re-ranking chooses from.
const RERANK_POOL: usize = 4;

impl<'a> Runner<'a> {
    pub(super) fn search_tools(
        &self,
        state: &RunState,
        mut call: ToolCallRecord,
    ) -> Result<Next, StoreError> {
        let pd = state
            .data
            .agent_variation
            .spec
            .progressive_discovery
            .clone()
            .unwrap_or_default();
        let query = call
            .arguments
            .get("query")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_owned();
        let found = self.find_tools(state, &query, &pd)?;
        let next = self.commit(&state.id, |db, fence| {
            if fence == Fence::Ended {
                return Ok(Next::Stop);
            }
            call.attempts += 1;
            self.called_event(db, state, &call)?;
            let outcome = match &found {
                Ok(tools) => {
                    objectives::add_discovered(db, &state.id, tools)?;
                    Ok(answer(tools))
                }
                Err(e) => Err(e.clone()),
            };
            self.finish(db, state, fence, &mut call, outcome)?;
            Ok(Next::Again)
        })?;
        Ok(next.unwrap_or(Next::Stop))
    }

    /// The tools to add, named for the model; `Err` is the tool error it receives.
    fn find_tools(
        &self,
        state: &RunState,
        query: &str,
        pd: &ProgressiveDiscovery,
    ) -> Result<Result<Vec<SnapshotTool>, String>, StoreError> {
        let hints = pd.hints.clone().unwrap_or_default().join(" ");
        let text = format!("{query} {hints}").trim().to_owned();
        if text.is_empty() {
            return Ok(Err(
                "search_tools needs a `query`: what you need a tool for".into(),
            ));
        }
        let max = match pd.max_tools {
            Some(n) if n > 0 => (n as usize).min(MAX_TOOLS),
            _ => DEFAULT_MAX_TOOLS,
        };
        let snapshot = objectives::snapshot_tools(&self.db, &state.id)?;
        let held: BTreeSet<&str> = snapshot
            .iter()
            .map(|t| t.tool.metadata.id.as_str())
            .collect();
        let (sets, tools) = store::tools::search_corpus(&self.db, &state.workspace_id)?;
        let candidates: Vec<Tool> = tools
            .into_iter()
            .filter(|t| !held.contains(t.metadata.id.as_str()))
            .collect();
        let docs: Vec<String> = candidates.iter().map(search::tool_text).collect();
        let ranked = search::rank(&text, &docs);
        let chosen: Vec<usize> = match pd.rerank_threshold {
            None => ranked.iter().take(max).map(|r| r.0).collect(),
            Some(threshold) => {
                let pool: Vec<usize> = ranked.iter().take(max * RERANK_POOL).map(|r| r.0).collect();
                match self.rerank(state, &text, &pool, &docs, threshold) {
                    Ok(kept) => kept.into_iter().take(max).collect(),
                    Err(e) => return Ok(Err(e)),
                }
            }
        };
        let adapters: HashMap<&str, &ToolSet> =
            sets.iter().map(|s| (s.metadata.id.as_str(), s)).collect();
        let mut taken: BTreeSet<String> = snapshot.iter().map(|t| t.llm_name.clone()).collect();
        taken.extend(state.sub_agents.iter().map(|s| s.llm_name.clone()));
        taken.extend(builtins::NAMES.iter().map(|n| n.to_string()));
        let mut out = Vec::with_capacity(chosen.len());
        for i in chosen {
            let mut tool = candidates[i].clone();
            let set_id = tool
                .info
                .as_ref()
                .map(|i| i.tool_set.id.clone())
                .unwrap_or_default();
            let Some(set) = adapters.get(set_id.as_str()) else {
                continue;
            };
            tool.info = None;
            out.push(SnapshotTool {
                llm_name: super::subagents::unique_name(&tool.spec.llm_tool_name, &mut taken),
                adapter: set.spec.adapter.clone(),
                tool,
            });
        }
        Ok(Ok(out))
    }

    /// `pool` (indexes into `docs`) re-scored by cosine similarity to `text`; those at or
    /// above `threshold`, best first.
    fn rerank(
        &self,
        state: &RunState,
        text: &str,
        pool: &[usize],
        docs: &[String],
        threshold: f64,
    ) -> Result<Vec<usize>, String> {
        if pool.is_empty() {
            return Ok(Vec::new());
        }
        let model_id = state
            .data
            .agent_variation
            .spec
            .model_config
            .as_ref()
            .and_then(|m| m.model_id.as_deref());
        let (endpoint, _) = llm::endpoint(
            &self.db,
            &self.env,
            &self.settings,
            &state.workspace_id,
            model_id,
        )
        .map_err(|e| format!("cannot re-rank the results: {}", e.message()))?;
        let mut inputs = vec![text.to_owned()];
        inputs.extend(pool.iter().map(|i| docs[*i].clone()));
        let vectors = llm::embed(&self.env, &self.settings, &endpoint, &inputs)
            .map_err(|e| format!("cannot re-rank the results: {}", e.message()))?;
        let (query, rest) = vectors.split_first().ok_or("no embeddings came back")?;
        let mut scored: Vec<(usize, f64)> = pool
            .iter()
            .zip(rest)
            .map(|(i, v)| (*i, search::cosine(query, v)))
            .filter(|(_, s)| *s >= threshold)
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(scored.into_iter().map(|s| s.0).collect())
    }
}

/// What the model receives: the tools it can call from now on.
fn answer(tools: &[SnapshotTool]) -> String {
    let listed: Vec<Value> = tools
        .iter()
        .map(|t| json!({"name": t.llm_name, "description": t.tool.spec.description}))
        .collect();
    let message = if listed.is_empty() {
        "No tools matched; try other words."
    } else {
        "These tools are callable from your next turn."
    };
    json!({"tools": listed, "message": message}).to_string()
}
