//! Context windows and compaction (docs/api.md §4.1 step 5). When a reply's prompt tokens
//! reach `triggerThreshold` of the model's context length, or on `:compact`, the
//! current window's conversation is compacted into a new window: tool-result clearing
//! keeps the conversation but replaces all but the newest results with
//! `[result cleared]`; summarization asks the model for a summary, which the new
//! window starts from (`previousWindowContinueInstructions`). With summarization only,
//! the old messages are not sent again; with both, the cleared conversation follows
//! the summary.

use crate::llm::{self, Function, LlmError, Turn};
use crate::run::{Fence, Runner};
use crate::Error;
use model::ids::ContextWindowId;
use model::objective::{ContextWindow, ContextWindowCompacted, EventData, ObjectiveStatus};
use model::variation::CompactionConfig;
use store::objectives::{self as objectives, NewWindow, RunState};
use store::{Db, StoreError};

pub const CLEARED: &str = "[result cleared]";
pub const DEFAULT_THRESHOLD: f64 = 0.75;
pub const DEFAULT_PRESERVE: i64 = 2;
const DEFAULT_INSTRUCTIONS: &str = "You compact a conversation between a user, an AI agent and its tools so the agent can continue the work in a fresh context. Write a concise summary that keeps: the user's goal and constraints, decisions made, facts learned from tool results (with exact identifiers, numbers and names), what is done and what remains. Do not address the user; write notes for the agent.";

/// The context length of a model (the provider's own name, after `family/`),
/// unless `model_context_tokens` overrides it.
pub fn context_tokens(override_tokens: Option<i64>, model: &str) -> i64 {
    if let Some(n) = override_tokens {
        return n;
    }
    let m = model.to_ascii_lowercase();
    const TABLE: &[(&str, i64)] = &[
        ("gpt-4.1", 1_047_576),
        ("gpt-5", 400_000),
        ("o1", 200_000),
        ("o3", 200_000),
        ("o4", 200_000),
        ("gpt-4o", 128_000),
        ("gpt-4-turbo", 128_000),
        ("gpt-3.5", 16_385),
        ("claude", 200_000),
        ("sonnet", 200_000),
        ("opus", 200_000),
        ("haiku", 200_000),
    ];
    TABLE
        .iter()
        .find(|(prefix, _)| m.starts_with(prefix))
        .map_or(128_000, |(_, n)| *n)
}

/// A reply with this many prompt tokens calls for compaction before the next call.
pub fn crosses_threshold(
    config: Option<&CompactionConfig>,
    context_tokens: i64,
    prompt_tokens: i64,
) -> bool {
    let t = config
        .and_then(|c| c.trigger_threshold)
        .unwrap_or(DEFAULT_THRESHOLD);
    prompt_tokens > 0 && prompt_tokens as f64 >= t * context_tokens as f64
}

/// What a compaction does.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Tool-result clearing, keeping this many newest results.
    pub preserve: Option<usize>,
    /// Summarization with these instructions.
    pub instructions: Option<String>,
}

impl Plan {
    /// The configured strategies; clearing with the default when none is configured.
    pub fn of(config: Option<&CompactionConfig>) -> Plan {
        let preserve = config
            .and_then(|c| c.tool_result_clearing.as_ref())
            .map(|t| t.preserve_recent_results.unwrap_or(DEFAULT_PRESERVE).max(0) as usize);
        let instructions = config.and_then(|c| c.summarization.as_ref()).map(|s| {
            s.instructions
                .clone()
                .filter(|i| !i.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_INSTRUCTIONS.to_owned())
        });
        match (preserve, instructions) {
            (None, None) => Plan {
                preserve: Some(DEFAULT_PRESERVE as usize),
                instructions: None,
            },
            (preserve, instructions) => Plan {
                preserve,
                instructions,
            },
        }
    }

    pub fn strategies(&self) -> Vec<String> {
        let mut s = Vec::new();
        if self.preserve.is_some() {
            s.push("toolResultClearing".to_owned());
        }
        if self.instructions.is_some() {
            s.push("summarization".to_owned());
        }
        s
    }
}

/// Replaces every tool result but the newest `preserve` with [`CLEARED`]; returns how
/// many were cleared.
pub fn clear_results(turns: &mut [Turn], preserve: usize) -> usize {
    let total: usize = turns
        .iter()
        .map(|t| match t {
            Turn::Results(r) => r.len(),
            _ => 0,
        })
        .sum();
    let mut to_clear = total.saturating_sub(preserve);
    let mut cleared = 0;
    for t in turns.iter_mut() {
        if let Turn::Results(results) = t {
            for r in results.iter_mut() {
                if to_clear == 0 {
                    return cleared;
                }
                to_clear -= 1;
                if r.content != CLEARED {
                    r.content = CLEARED.to_owned();
                    cleared += 1;
                }
            }
        }
    }
    cleared
}

/// Messages in the provider's sense: each tool result counts as one.
pub fn message_count(turns: &[Turn]) -> i64 {
    turns
        .iter()
        .map(|t| match t {
            Turn::Results(r) => r.len() as i64,
            _ => 1,
        })
        .sum()
}

/// The conversation as plain text, for the summarizer.
pub fn transcript(turns: &[Turn]) -> String {
    let mut out = String::new();
    for t in turns {
        match t {
            Turn::User(text) => out.push_str(&format!("USER: {text}\n\n")),
            Turn::Assistant { content, calls } => {
                if let Some(c) = content.as_deref().filter(|c| !c.is_empty()) {
                    out.push_str(&format!("ASSISTANT: {c}\n\n"));
                }
                for c in calls {
                    out.push_str(&format!(
                        "ASSISTANT called {}({}) [call {}]\n\n",
                        c.name, c.arguments, c.id
                    ));
                }
            }
            Turn::Results(results) => {
                for r in results {
                    let label = if r.is_error {
                        "TOOL ERROR"
                    } else {
                        "TOOL RESULT"
                    };
                    out.push_str(&format!("{label} [call {}]: {}\n\n", r.call_id, r.content));
                }
            }
        }
    }
    out
}

/// How a new window starts from the summary of the one before.
pub fn preamble(summary: &str) -> String {
    format!("Summary of the conversation so far (earlier messages were compacted):\n\n{summary}")
}

impl<'a> Runner<'a> {
    /// The current window's conversation: its summary preamble, what it carried over,
    /// then its own events.
    pub(crate) fn conversation(&self, state: &RunState) -> Result<Vec<Turn>, StoreError> {
        let mut turns = Vec::new();
        if let Some(w) = objectives::window_state(&self.db, &state.window_id)? {
            if let Some(summary) = &w.continue_instructions {
                turns.push(Turn::User(preamble(summary)));
            }
            if let Some(carried) = &w.carried {
                turns.extend(serde_json::from_str::<Vec<Turn>>(carried).unwrap_or_default());
            }
        }
        turns.extend(crate::run::history(objectives::window_events(
            &self.db,
            &state.id,
            &state.window_id,
        )?));
        Ok(turns)
    }

    /// Compacts the current window into a new one (the caller holds the lease).
    /// `None` when the lease was lost or the objective ended meanwhile.
    pub(crate) fn compact(
        &self,
        state: &RunState,
        config: Option<&CompactionConfig>,
    ) -> Result<Option<ContextWindow>, Error> {
        let plan = Plan::of(config);
        let old = self.conversation(state)?;
        let compacted = message_count(&old);
        let summary = match &plan.instructions {
            Some(instructions) => Some(self.summarize(state, instructions, &old)?),
            None => None,
        };
        let carried = match plan.preserve {
            Some(keep) => {
                let mut turns = old;
                // a summary preamble of an earlier compaction is superseded by the new one
                if summary.is_some() {
                    if let Some(Turn::User(first)) = turns.first() {
                        if first.starts_with("Summary of the conversation so far") {
                            turns.remove(0);
                        }
                    }
                }
                clear_results(&mut turns, keep);
                turns
            }
            None => Vec::new(),
        };
        let carried = serde_json::to_string(&carried)
            .map_err(|e| Error::Store(StoreError::Backend(e.to_string())))?;
        let now = self.now();
        let sequence =
            objectives::window_state(&self.db, &state.window_id)?.map_or(1, |w| w.sequence) + 1;
        let new_id = ContextWindowId::generate(now, self.env.random.next_u128()).into_string();
        let window = self.commit(&state.id, |db, fence| {
            if fence == Fence::Ended
                && state.status != ObjectiveStatus::Completed
                && state.status != ObjectiveStatus::Failed
            {
                return Ok(None);
            }
            let window = objectives::open_window(
                db,
                &NewWindow {
                    id: &new_id,
                    objective_id: &state.id,
                    account_id: &state.account_id,
                    workspace_id: &state.workspace_id,
                    profile_id: state.profile_id.as_deref().unwrap_or_default(),
                    sequence,
                    continue_instructions: summary.as_deref(),
                    carried: &carried,
                    created_at_ms: now,
                },
            )?;
            let in_new = RunState {
                window_id: new_id.clone(),
                ..state.clone()
            };
            let data = EventData::ContextWindowCompacted {
                context_window_compacted: ContextWindowCompacted {
                    messages_compacted: compacted,
                    new_context_window: window.data.clone(),
                    strategies: plan.strategies(),
                    summary: summary.clone(),
                },
            };
            self.event(db, &in_new, data)?;
            Ok(Some(window))
        })?;
        Ok(window.flatten())
    }

    fn summarize(
        &self,
        state: &RunState,
        instructions: &str,
        turns: &[Turn],
    ) -> Result<String, Error> {
        let model_config = state.data.agent_variation.spec.model_config.as_ref();
        let (endpoint, model) = llm::endpoint(
            &self.db,
            &self.env,
            &self.settings,
            &state.workspace_id,
            model_config.and_then(|m| m.model_id.as_deref()),
        )
        .map_err(Error::Model)?;
        let request_turns = vec![Turn::User(format!(
            "Summarize this conversation for the agent that will continue it:\n\n{}",
            transcript(turns)
        ))];
        let functions: Vec<Function> = Vec::new();
        let request = llm::Request {
            model,
            system: instructions,
            turns: &request_turns,
            functions: &functions,
            temperature: None,
        };
        let mut renew = || {
            objectives::renew(
                &self.db,
                &state.id,
                &self.owner,
                self.now(),
                self.settings.lease_ms(),
            )
            .unwrap_or(false)
        };
        let reply = llm::complete(&self.env, &self.settings, &endpoint, &request, &mut renew)
            .map_err(Error::Model)?;
        self.commit(&state.id, |db, _| {
            objectives::add_usage(
                db,
                &state.id,
                &state.window_id,
                reply.input_tokens,
                reply.output_tokens,
            )
        })?;
        let summary = reply.content.unwrap_or_default();
        if summary.trim().is_empty() {
            return Err(Error::Model(LlmError::Provider(
                "the model returned an empty summary".into(),
            )));
        }
        Ok(summary)
    }
}

/// Why an objective cannot be compacted now: it is FINALIZED or CANCELLED, or tool
/// calls of its window still wait for an answer.
pub fn refusal(
    db: &Db,
    objective_id: &str,
    status: ObjectiveStatus,
    window_id: &str,
) -> Result<Option<String>, StoreError> {
    if status.is_super_terminal() {
        return Ok(Some(format!(
            "objective `{objective_id}` is {} and can no longer be compacted",
            status.as_str()
        )));
    }
    if !objectives::open_calls(db, objective_id, window_id)?.is_empty() {
        return Ok(Some(format!(
            "objective `{objective_id}` has open tool calls; approve, deny or answer them before compacting"
        )));
    }
    Ok(None)
}

/// `POST …/objectives/{id}:compact`: compacts now, in the request, under a lease of
/// its own. Refused while a step runs, while tool calls are open, and on FINALIZED or
/// CANCELLED objectives.
pub fn compact_now(
    env: ports::Env<'_>,
    objective_id: &str,
    config: Option<&CompactionConfig>,
) -> Result<ContextWindow, Error> {
    let runner = Runner::new(env);
    runner.db.prepare_write()?;
    let now = runner.now();
    if !objectives::claim_idle(
        &runner.db,
        objective_id,
        &runner.owner,
        now,
        runner.settings.lease_ms(),
    )? {
        return Err(Error::Precondition(format!(
            "objective `{objective_id}` is taking a step right now; retry in a moment"
        )));
    }
    let result = (|| {
        let state = objectives::run_state(&runner.db, objective_id, &runner.owner)?
            .ok_or_else(|| Error::Precondition("the objective is busy".into()))?;
        if let Some(why) = refusal(&runner.db, objective_id, state.status, &state.window_id)? {
            return Err(Error::Precondition(why));
        }
        runner
            .compact(&state, config)?
            .ok_or_else(|| Error::Precondition("the objective ended meanwhile".into()))
    })();
    if let Err(e) = objectives::release(&runner.db, objective_id, &runner.owner) {
        eprintln!("objective {objective_id}: lease not released after compaction: {e}");
    }
    // The request asked for it: a failed summary call is a refusal, not a failed run.
    result.map_err(|e| match e {
        Error::Model(e) => {
            Error::Precondition(format!("the summarization call failed: {}", e.message()))
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::{Call, Outcome};
    use model::variation::{Summarization, ToolResultClearing};

    fn result(id: &str, text: &str) -> Outcome {
        Outcome {
            call_id: id.into(),
            content: text.into(),
            is_error: false,
        }
    }

    #[test]
    fn clearing_keeps_the_newest_results_and_every_call() {
        let call = |id: &str| Call {
            id: id.into(),
            name: "f".into(),
            arguments: "{}".into(),
        };
        let mut turns = vec![
            Turn::User("go".into()),
            Turn::Assistant {
                content: None,
                calls: vec![call("a"), call("b")],
            },
            Turn::Results(vec![result("a", "1"), result("b", "2")]),
            Turn::Assistant {
                content: None,
                calls: vec![call("c")],
            },
            Turn::Results(vec![result("c", "3")]),
        ];
        assert_eq!(clear_results(&mut turns, 2), 1);
        let Turn::Results(first) = &turns[2] else {
            panic!()
        };
        assert_eq!(first[0].content, CLEARED);
        assert_eq!(first[1].content, "2");
        assert_eq!(message_count(&turns), 6);
        assert_eq!(clear_results(&mut turns, 0), 2);
        assert!(transcript(&turns).contains("ASSISTANT called f({}) [call c]"));
    }

    #[test]
    fn plans_default_to_clearing_two() {
        assert_eq!(
            Plan::of(None),
            Plan {
                preserve: Some(2),
                instructions: None
            }
        );
        let both = CompactionConfig {
            summarization: Some(Summarization { instructions: None }),
            tool_result_clearing: Some(ToolResultClearing {
                preserve_recent_results: Some(0),
            }),
            trigger_threshold: None,
        };
        let p = Plan::of(Some(&both));
        assert_eq!(p.preserve, Some(0));
        assert!(p.instructions.unwrap().starts_with("You compact"));
        assert_eq!(
            Plan::of(Some(&both)).strategies(),
            ["toolResultClearing", "summarization"]
        );
    }

    #[test]
    fn thresholds_and_context_lengths() {
        assert_eq!(context_tokens(None, "gpt-4o-mini"), 128_000);
        assert_eq!(context_tokens(None, "claude-sonnet-4-5"), 200_000);
        assert_eq!(context_tokens(Some(1000), "gpt-4o"), 1000);
        assert_eq!(context_tokens(None, "my-local-model"), 128_000);
        assert!(crosses_threshold(None, 128_000, 96_000));
        assert!(!crosses_threshold(None, 128_000, 95_999));
        let c = CompactionConfig {
            trigger_threshold: Some(0.5),
            ..Default::default()
        };
        assert!(crosses_threshold(Some(&c), 1000, 500));
        assert!(!crosses_threshold(None, 1000, 0));
    }
}
