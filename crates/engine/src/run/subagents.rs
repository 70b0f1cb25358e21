//! Sub-agents (docs/api.md §4.1 step 3): agents assigned to a variation are offered to the
//! model as tools. A call starts a child objective (`parentObjectiveId`); the parent
//! waits (WAITING_FOR_SUB_OBJECTIVES) until every child it started in the turn has
//! ended, and each child's answer, output or error becomes its call's result. A
//! child that ends wakes its parent in the same commit (`store::objectives::set_status`).

use crate::create::{self, Creator, Origin};
use crate::llm::Function;
use crate::run::{Fence, Next, Runner};
use crate::Error;
use model::ids::{AgentId, Ref};
use model::metadata::OperationMetadata;
use model::objective::{
    CreateObjectiveRequest, EventData, ExecutionStatus, ObjectiveStatus, SubAgentSpawned,
    SubAgentStatus, SubAgentUpdated,
};
use model::variation::BareMetadata;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use store::objectives::{self as objectives, ChildOutcome, RunState, SubAgent, ToolCallRecord};
use store::{Db, StoreError};

/// A function name providers accept: `[a-z0-9_-]`, at most 64 characters.
pub fn llm_name(name: &str) -> String {
    let mut s: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        s.push_str("agent");
    }
    s.chars().take(64).collect()
}

/// `base`, or `base_2`, `base_3`… whichever is free; the name is then taken.
pub fn unique_name(base: &str, taken: &mut BTreeSet<String>) -> String {
    let mut name = base.to_owned();
    let mut n = 2;
    while taken.contains(&name) {
        let suffix = format!("_{n}");
        let room = 64usize.saturating_sub(suffix.len());
        name = format!("{}{suffix}", base.chars().take(room).collect::<String>());
        n += 1;
    }
    taken.insert(name.clone());
    name
}

/// The variation's sub-agent assignments, frozen for a new objective.
pub fn snapshot(
    db: &Db,
    workspace_id: &str,
    info: Option<&model::variation::VariationInfo>,
    taken: &mut BTreeSet<String>,
) -> Result<Vec<SubAgent>, StoreError> {
    let mut out = Vec::new();
    for a in info.map(|i| i.assignments.as_slice()).unwrap_or_default() {
        let Some(agent) = &a.agent else { continue };
        let Ok(id) = AgentId::parse(&agent.id) else {
            continue;
        };
        let Some(agent) = store::agents::get(db, workspace_id, &Ref::Id(id))? else {
            continue;
        };
        let (parameters, takes_data) = match &agent.spec.input_data_schema {
            Some(schema) => (schema.clone(), true),
            None => (
                json!({
                    "type": "object",
                    "properties": {"prompt": {
                        "type": "string",
                        "description": "The task for this agent, with everything it needs to know."
                    }},
                    "required": ["prompt"]
                })
                .as_object()
                .cloned()
                .unwrap_or_default(),
                false,
            ),
        };
        let description = agent.tool_description(|name| {
            format!("Hand a task to the agent `{name}`; it works on it on its own and returns its answer.")
        });
        out.push(SubAgent {
            llm_name: unique_name(&llm_name(&agent.metadata.name), taken),
            agent_id: agent.metadata.id.clone(),
            name: agent.metadata.name.clone(),
            description,
            parameters,
            takes_data,
            metadata: Some(agent.metadata),
        });
    }
    Ok(out)
}

pub fn functions(subs: &[SubAgent]) -> Vec<Function> {
    subs.iter()
        .map(|s| Function::new(&s.llm_name, &s.description, &s.parameters))
        .collect()
}

/// What the parent's model receives for a child that ended; `None` while it runs.
fn outcome(child_id: &str, o: &ChildOutcome) -> Option<(SubAgentStatus, Result<String, String>)> {
    Some(match o.status {
        ObjectiveStatus::Finalized => (
            SubAgentStatus::Completed,
            Ok(o.output.as_ref().map_or_else(String::new, Value::to_string)),
        ),
        ObjectiveStatus::Completed => (
            SubAgentStatus::Completed,
            Ok(o.answer
                .clone()
                .filter(|a| !a.trim().is_empty())
                .unwrap_or_else(|| "(the sub-agent finished without a message)".into())),
        ),
        ObjectiveStatus::Failed => (
            SubAgentStatus::Failed,
            Err(format!(
                "the sub-agent's objective {child_id} failed: {}",
                o.status_message.as_deref().unwrap_or("no reason given")
            )),
        ),
        ObjectiveStatus::Cancelled => (
            SubAgentStatus::Cancelled,
            Err(format!(
                "the sub-agent's objective {child_id} was cancelled"
            )),
        ),
        _ => return None,
    })
}

/// Whether any of these children has ended (checked inside the parent's commit, so a
/// child ending meanwhile is never missed).
pub fn any_ended(db: &Db, children: &[String]) -> Result<bool, StoreError> {
    for c in children {
        if objectives::child_outcome(db, c)?.is_some_and(|o| o.status.has_ended()) {
            return Ok(true);
        }
    }
    Ok(false)
}

impl<'a> Runner<'a> {
    /// Starts the child objective of a sub-agent call.
    pub(crate) fn spawn(
        &self,
        state: &RunState,
        mut call: ToolCallRecord,
    ) -> Result<Next, StoreError> {
        let Some(sub) = state.sub_agents.iter().find(|s| s.agent_id == call.target) else {
            return self.fail_call(state, call, "the sub-agent is not part of this objective");
        };
        let args = match &call.arguments {
            Value::Object(m) => m.clone(),
            _ => Default::default(),
        };
        let task = if sub.takes_data {
            Ok((
                Value::Object(args.clone()).to_string(),
                Some(Value::Object(args)),
            ))
        } else {
            match args.get("prompt") {
                Some(Value::String(p)) if !p.trim().is_empty() => Ok((p.clone(), None)),
                _ => Err("`prompt` is required: the task for the sub-agent".to_owned()),
            }
        };
        self.commit(&state.id, |db, fence| {
            if fence == Fence::Ended {
                return Ok(());
            }
            let (message, data) = match task {
                Ok(t) => t,
                Err(e) => return self.finish(db, state, fence, &mut call, Err(e)),
            };
            let now = self.now();
            let who = Creator {
                account_id: &state.account_id,
                workspace_id: &state.workspace_id,
                // on behalf of whoever created the parent
                profile_id: state.profile_id.as_deref(),
                may_use_drafts: false,
                keys: None,
            };
            let request = CreateObjectiveRequest {
                agent_id: sub.agent_id.clone(),
                variation_id: None,
                initial_message: message.clone(),
                data,
                memory_stack: None,
                episodic_key: None,
                secrets: None,
                metadata: None,
            };
            let origin = Origin {
                parent_objective_id: Some(state.id.clone()),
                source_schedule_id: None,
            };
            let child_id = match create::create(db, self.env.random, now, &who, request, origin) {
                Ok(id) => id,
                Err(Error::Store(e)) => return Err(e),
                Err(Error::Invalid(v)) => {
                    let e = format!("the sub-agent rejected the arguments: {}", v.summary());
                    return self.finish(db, state, fence, &mut call, Err(e));
                }
                Err(e @ (Error::NotFound { .. } | Error::Precondition(_) | Error::Model(_))) => {
                    let e = format!("the sub-agent cannot start: {e}");
                    return self.finish(db, state, fence, &mut call, Err(e));
                }
            };
            call.attempts += 1;
            call.execution_status = ExecutionStatus::Running;
            call.child_objective_id = Some(child_id.clone());
            call.updated_at_ms = now;
            objectives::update_call(db, &call)?;
            self.called_event(db, state, &call)?;
            let agent_id = AgentId::parse(&sub.agent_id).map_err(StoreError::Backend)?;
            if let Some(agent) = store::agents::get(db, &state.workspace_id, &Ref::Id(agent_id))? {
                let data = EventData::SubAgentSpawned {
                    sub_agent_spawned: SubAgentSpawned {
                        agent: agent.metadata,
                        objective: OperationMetadata::record(
                            child_id,
                            state.account_id.clone(),
                            state.workspace_id.clone(),
                            state.profile_id.clone().unwrap_or_default(),
                            now,
                        ),
                        task: message,
                    },
                };
                self.event(db, state, data)?;
            }
            self.keep_running(db, &state.id)
        })?;
        Ok(Next::Again)
    }

    /// Hands an ended child's answer to its call; `None` while the child runs.
    pub(crate) fn collect(
        &self,
        state: &RunState,
        mut call: ToolCallRecord,
        child_id: &str,
    ) -> Result<Option<Next>, StoreError> {
        let Some(o) = objectives::child_outcome(&self.db, child_id)? else {
            // the child is gone (its agent was deleted): the call cannot be answered
            let e = format!("the sub-agent's objective {child_id} no longer exists");
            return self.fail_call(state, call, &e).map(Some);
        };
        let Some((status, result)) = outcome(child_id, &o) else {
            return Ok(None);
        };
        let agent_name = match &call.callable {
            model::objective::CallableTool::Agent { agent } => Some(agent.name.clone()),
            _ => None,
        };
        self.commit(&state.id, |db, fence| {
            if fence == Fence::Live {
                let message = match &result {
                    Ok(m) | Err(m) => m.clone(),
                };
                let data = EventData::SubAgentUpdated {
                    sub_agent_updated: SubAgentUpdated {
                        agent: BareMetadata {
                            id: call.target.clone(),
                            name: agent_name,
                        },
                        objective: BareMetadata {
                            id: child_id.to_owned(),
                            name: None,
                        },
                        status,
                        message,
                    },
                };
                self.event(db, state, data)?;
            }
            self.finish(db, state, fence, &mut call, result)
        })?;
        Ok(Some(Next::Again))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_what_providers_accept_and_unique() {
        assert_eq!(
            llm_name("Research Assistant (EU)"),
            "research_assistant__eu_"
        );
        assert_eq!(llm_name(""), "agent");
        assert_eq!(llm_name(&"x".repeat(80)).len(), 64);
        let mut taken: BTreeSet<String> = ["task_create".to_owned()].into();
        assert_eq!(unique_name("task_create", &mut taken), "task_create_2");
        assert_eq!(unique_name("task_create", &mut taken), "task_create_3");
        assert_eq!(unique_name("writer", &mut taken), "writer");
    }

    #[test]
    fn outcomes_say_what_became_of_the_child() {
        let o = |status, answer: Option<&str>, output: Option<Value>| ChildOutcome {
            status,
            status_message: Some("no key".into()),
            output,
            answer: answer.map(str::to_owned),
        };
        assert_eq!(
            outcome("c", &o(ObjectiveStatus::Completed, Some("42"), None)),
            Some((SubAgentStatus::Completed, Ok("42".into())))
        );
        assert_eq!(
            outcome(
                "c",
                &o(ObjectiveStatus::Finalized, None, Some(json!({"a": 1})))
            ),
            Some((SubAgentStatus::Completed, Ok("{\"a\":1}".into())))
        );
        let (s, r) = outcome("c", &o(ObjectiveStatus::Failed, None, None)).unwrap();
        assert_eq!(s, SubAgentStatus::Failed);
        assert!(r.unwrap_err().contains("failed: no key"));
        assert_eq!(outcome("c", &o(ObjectiveStatus::Running, None, None)), None);
    }
}
