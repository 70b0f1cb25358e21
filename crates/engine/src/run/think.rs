//! Model calls: ask the model, record its reply and the tool calls it asked for.

use crate::builtins;
use crate::llm::{self, Function, LlmError};
use crate::run::Fence;
use crate::run::Next;
use crate::run::Runner;
use crate::run::OUTPUT_REMINDER;
use crate::Error;
use model::ids::{Id, ToolCallKind};
use model::metadata::ResourceMetadata;
use model::objective::{
    AssistantMessage, AssistantToolCall, CallableTool, ErrorEvent, EventData, ExecutionStatus,
    ObjectiveStatus, ToolCallRef, ToolCallStatus, ToolErrorEvent, UserMessage,
};
use store::objectives::{self as objectives, RunState, SnapshotTool, ToolCallRecord};
use store::{Db, StoreError};

impl<'a> Runner<'a> {
    pub(super) fn think(&self, state: &RunState) -> Result<Next, StoreError> {
        let variation = &state.data.agent_variation;
        let model_config = variation.spec.model_config.as_ref();
        let (endpoint, model) = match llm::endpoint(
            &self.db,
            &self.env,
            &self.settings,
            &state.workspace_id,
            model_config.and_then(|m| m.model_id.as_deref()),
        ) {
            Ok(p) => p,
            Err(e) => return self.fail(state, &e),
        };
        if state.compact_due {
            return match self.compact(state, variation.spec.compaction_config.as_ref()) {
                Ok(Some(_)) => Ok(Next::Again),
                Ok(None) => Ok(Next::Stop),
                Err(Error::Model(e)) => self.fail(state, &e),
                Err(Error::Store(e)) => Err(e),
                Err(e @ (Error::Precondition(_) | Error::Invalid(_) | Error::NotFound { .. })) => {
                    eprintln!("objective {}: compaction skipped: {e}", state.id);
                    self.commit(&state.id, |db, _| {
                        objectives::set_compact_due(db, &state.id, false)
                    })?;
                    Ok(Next::Again)
                }
            };
        }
        self.commit(&state.id, |db, fence| {
            if fence == Fence::Live {
                self.keep_running(db, &state.id)?;
            }
            Ok(())
        })?;
        let tools = objectives::snapshot_tools(&self.db, &state.id)?;
        let mut functions: Vec<Function> = tools
            .iter()
            .map(|t| {
                Function::new(
                    &t.llm_name,
                    &t.tool.spec.description,
                    &t.tool.spec.parameters,
                )
            })
            .collect();
        functions.extend(crate::run::subagents::functions(&state.sub_agents));
        functions.extend(builtins::functions(state));
        let turns = self.conversation(state)?;
        let request = llm::Request {
            model,
            system: &state.data.system_prompt,
            turns: &turns,
            functions: &functions,
            temperature: model_config.and_then(|m| m.temperature),
        };
        let mut lease_held = true;
        let mut renew = || {
            lease_held = objectives::renew(
                &self.db,
                &state.id,
                &self.owner,
                self.now(),
                self.settings.lease_ms(),
            )
            .unwrap_or(false);
            lease_held
        };
        let reply = llm::complete(&self.env, &self.settings, &endpoint, &request, &mut renew);
        if !lease_held {
            return Ok(Next::Stop);
        }
        let reply = match reply {
            Ok(r) => r,
            Err(e) => return self.fail(state, &e),
        };
        let next = self.commit(&state.id, |db, fence| {
            if fence == Fence::Ended {
                // cancelled while the model was thinking: its answer is dropped
                return Ok(Next::Stop);
            }
            self.record_reply(db, state, &tools, model, reply)
        })?;
        Ok(next.unwrap_or(Next::Stop))
    }

    /// Records a reply in the step's commit: usage, the ASSISTANT_MESSAGE, one tool
    /// call per requested call (with their TOOL_ERROR / TOOL_APPROVAL_REQUESTED), then
    /// either the end of the turn or the next step.
    fn record_reply(
        &self,
        db: &Db,
        state: &RunState,
        tools: &[SnapshotTool],
        model: &str,
        reply: llm::Reply,
    ) -> Result<Next, StoreError> {
        self.account_usage(db, state, model, &reply)?;
        let records = self.plan_calls(db, state, tools, &reply.calls)?;
        self.record_assistant_message(db, state, reply.content, &reply.calls, &records)?;
        self.record_calls(db, state, &records)?;
        self.end_of_turn(db, state, &records)
    }

    /// Usage on the objective and window; marks compaction due past the threshold.
    fn account_usage(
        &self,
        db: &Db,
        state: &RunState,
        model: &str,
        reply: &llm::Reply,
    ) -> Result<(), StoreError> {
        objectives::add_usage(
            db,
            &state.id,
            &state.window_id,
            reply.input_tokens,
            reply.output_tokens,
        )?;
        let spec = &state.data.agent_variation.spec;
        // the operator's override, else what the catalog learnt from the provider, else
        // the built-in table
        let catalog = match (self.settings.context_tokens, spec.model_config.as_ref()) {
            (None, Some(m)) => match m.model_id.as_deref() {
                Some(id) => {
                    store::models::lookup(db, &state.workspace_id, id)?.and_then(|(_, n)| n)
                }
                None => None,
            },
            _ => None,
        };
        let context = catalog.unwrap_or_else(|| {
            crate::run::compact::context_tokens(self.settings.context_tokens, model)
        });
        if crate::run::compact::crosses_threshold(
            spec.compaction_config.as_ref(),
            context,
            reply.input_tokens,
        ) {
            objectives::set_compact_due(db, &state.id, true)?;
        }
        Ok(())
    }

    /// One record per requested call, in order: what it targets, whether it needs
    /// approval, and the error it ends with at once (unknown function, bad arguments,
    /// a limit reached).
    fn plan_calls(
        &self,
        db: &Db,
        state: &RunState,
        tools: &[SnapshotTool],
        calls: &[llm::Call],
    ) -> Result<Vec<ToolCallRecord>, StoreError> {
        let now = self.now();
        let constraints = state.data.agent_variation.spec.constraints.as_ref();
        let limit = constraints.and_then(|c| c.max_tool_calls).unwrap_or(0);
        let sub_limit = constraints.and_then(|c| c.max_sub_objectives).unwrap_or(0);
        let mut subs_started = if sub_limit > 0 {
            objectives::count_children(db, &state.id)?
        } else {
            0
        };
        let mut counted = state.tool_calls;
        let ids = self.call_ids(db, state, calls.len())?;
        let offered = builtins::offered(state);
        let mut records = Vec::with_capacity(calls.len());
        for (c, id) in calls.iter().zip(ids) {
            let target = target_of(&offered, state, tools, &c.name);
            let is_sub_agent = matches!(target.callable, CallableTool::Agent { .. });
            let (arguments, mut error) = match llm::arguments_object(&c.arguments) {
                Ok(m) => (serde_json::Value::Object(m), None),
                Err(e) => (serde_json::Value::Object(Default::default()), Some(e)),
            };
            if target.id.is_empty() {
                error = Some(format!("`{}` is not one of your tools", c.name));
            }
            if error.is_none() && limit > 0 && counted >= limit {
                error = Some(format!(
                    "tool call limit reached: this objective may make at most {limit} tool calls (maxToolCalls)"
                ));
            }
            if error.is_none() && is_sub_agent && sub_limit > 0 {
                if subs_started >= sub_limit {
                    error = Some(format!(
                        "sub-objective limit reached: this objective may start at most {sub_limit} sub-objectives (maxSubObjectives)"
                    ));
                } else {
                    subs_started += 1;
                }
            }
            if error.is_none() {
                counted += 1;
            }
            let status = if target.requires_approval && error.is_none() {
                ToolCallStatus::WaitingForApproval
            } else {
                ToolCallStatus::AutoApproved
            };
            records.push(ToolCallRecord {
                id,
                objective_id: state.id.clone(),
                account_id: state.account_id.clone(),
                workspace_id: state.workspace_id.clone(),
                window_id: state.window_id.clone(),
                status,
                execution_status: if error.is_some() {
                    ExecutionStatus::Failed
                } else {
                    ExecutionStatus::Pending
                },
                callable: target.callable,
                target: target.id,
                function_name: c.name.clone(),
                arguments,
                memo: None,
                result: None,
                error,
                attempts: 0,
                content_deadline_ms: None,
                child_objective_id: None,
                changed_by: None,
                created_at_ms: now,
                updated_at_ms: now,
            });
        }
        Ok(records)
    }

    /// `n` fresh tool call ids, ascending, after every earlier call of the objective.
    fn call_ids(&self, db: &Db, state: &RunState, n: usize) -> Result<Vec<String>, StoreError> {
        let now = self.now();
        let mut last: Option<String> =
            objectives::next_id::<ToolCallKind>(db, &state.id, now, self.env.random.next_u128())
                .map(|id| id.into_string())
                .ok();
        let mut ids = Vec::with_capacity(n);
        for i in 0..n {
            let id = if i == 0 {
                last.clone().unwrap_or_default()
            } else {
                Id::<ToolCallKind>::generate_after(
                    last.as_deref(),
                    now,
                    self.env.random.next_u128(),
                )
                .into_string()
            };
            last = Some(id.clone());
            ids.push(id);
        }
        Ok(ids)
    }

    fn record_assistant_message(
        &self,
        db: &Db,
        state: &RunState,
        content: Option<String>,
        calls: &[llm::Call],
        records: &[ToolCallRecord],
    ) -> Result<(), StoreError> {
        let assistant = AssistantMessage {
            content,
            tool_calls: records
                .iter()
                .zip(calls)
                .map(|(r, c)| AssistantToolCall {
                    tool_call_id: r.id.clone(),
                    function_name: c.name.clone(),
                    arguments: c.arguments.clone(),
                    tool: (!r.target.is_empty()).then(|| r.callable.clone()),
                })
                .collect(),
        };
        self.event(
            db,
            state,
            EventData::AssistantMessage {
                assistant_message: assistant,
            },
        )
    }

    /// Stores the calls; a failed one gets its TOOL_ERROR, one that waits for a
    /// reviewer its TOOL_APPROVAL_REQUESTED; the others count against the limit.
    fn record_calls(
        &self,
        db: &Db,
        state: &RunState,
        records: &[ToolCallRecord],
    ) -> Result<(), StoreError> {
        for r in records {
            objectives::insert_call(db, r)?;
            if let Some(message) = &r.error {
                let data = EventData::ToolError {
                    tool_error: ToolErrorEvent {
                        tool_call_id: r.id.clone(),
                        message: message.clone(),
                    },
                };
                self.event(db, state, data)?;
            } else {
                objectives::count_call(db, &state.id)?;
                if r.status == ToolCallStatus::WaitingForApproval {
                    let data = EventData::ToolApprovalRequested {
                        tool_approval_requested: ToolCallRef {
                            tool_call_id: r.id.clone(),
                        },
                    };
                    self.event(db, state, data)?;
                }
            }
        }
        Ok(())
    }

    /// No calls: the turn is over (COMPLETED, or a reminder to submit the output).
    /// Calls: the next step runs them.
    fn end_of_turn(
        &self,
        db: &Db,
        state: &RunState,
        records: &[ToolCallRecord],
    ) -> Result<Next, StoreError> {
        if !records.is_empty() {
            self.keep_running(db, &state.id)?;
            return Ok(Next::Again);
        }
        if state.data.output_definition.is_some() {
            return self.remind_or_fail(db, state);
        }
        objectives::set_status(
            db,
            &state.id,
            ObjectiveStatus::Completed,
            None,
            false,
            None,
            self.now(),
        )?;
        Ok(Next::Stop)
    }

    /// ERROR event and FAILED, with a message the user can act on.
    pub(super) fn fail(&self, state: &RunState, e: &LlmError) -> Result<Next, StoreError> {
        self.commit(&state.id, |db, fence| {
            if fence == Fence::Live {
                self.fail_in(db, state, e.kind(), e.message())?;
            }
            Ok(())
        })?;
        Ok(Next::Stop)
    }

    /// ERROR and FAILED inside a commit.
    pub(super) fn fail_in(
        &self,
        db: &Db,
        state: &RunState,
        kind: &str,
        message: &str,
    ) -> Result<(), StoreError> {
        let data = EventData::Error {
            error: ErrorEvent {
                kind: kind.to_owned(),
                message: message.to_owned(),
            },
        };
        self.event(db, state, data)?;
        objectives::set_status(
            db,
            &state.id,
            ObjectiveStatus::Failed,
            Some(message),
            false,
            None,
            self.now(),
        )
    }

    /// The model ended its turn without `submit_output`: remind it once, then fail.
    pub(super) fn remind_or_fail(&self, db: &Db, state: &RunState) -> Result<Next, StoreError> {
        let reminded = objectives::window_events(db, &state.id, &state.window_id)?
            .into_iter()
            .rev()
            .find_map(|e| match e {
                EventData::UserMessage { user_message } => Some(user_message.content),
                _ => None,
            })
            .is_some_and(|m| m.starts_with(OUTPUT_REMINDER));
        if reminded {
            self.fail_in(
                db,
                state,
                "output_missing",
                "the model ended its turn twice without calling submit_output, which this agent's outputDefinition requires",
            )?;
            return Ok(Next::Stop);
        }
        let data = EventData::UserMessage {
            user_message: UserMessage {
                content: format!(
                    "{OUTPUT_REMINDER}: this objective ends only when you call the submit_output tool with arguments that match its schema. Call it now."
                ),
            },
        };
        self.event(db, state, data)?;
        self.keep_running(db, &state.id)?;
        Ok(Next::Again)
    }
}

/// What a requested function resolves to.
struct Target {
    callable: CallableTool,
    /// The snapshot tool's or sub-agent's id, or the built-in's name; empty if unknown.
    id: String,
    requires_approval: bool,
}

/// What function `name` calls: a built-in, a sub-agent, a snapshot tool, or
/// nothing (an empty id).
fn target_of(offered: &[&str], state: &RunState, tools: &[SnapshotTool], name: &str) -> Target {
    if offered.contains(&name) {
        return Target {
            callable: CallableTool::CadenyaProvidedTool {
                cadenya_provided_tool: of_objective(state, name, name),
            },
            id: name.to_owned(),
            requires_approval: false,
        };
    }
    if let Some(s) = state.sub_agents.iter().find(|s| s.llm_name == name) {
        let agent = s
            .metadata
            .clone()
            .unwrap_or_else(|| of_objective(state, &s.agent_id, &s.name));
        return Target {
            callable: CallableTool::Agent { agent },
            id: s.agent_id.clone(),
            requires_approval: false,
        };
    }
    if let Some(t) = tools.iter().find(|t| t.llm_name == name) {
        return Target {
            callable: CallableTool::Tool {
                tool: t.tool.metadata.clone(),
            },
            id: t.tool.metadata.id.clone(),
            requires_approval: t.tool.spec.requires_approval,
        };
    }
    Target {
        callable: CallableTool::Tool {
            tool: of_objective(state, "", name),
        },
        id: String::new(),
        requires_approval: false,
    }
}

/// Metadata for a callee with no stored resource of its own (a built-in, or a name the
/// model made up): it exists within the objective, so it takes the objective's
/// workspace, creator and creation time.
fn of_objective(state: &RunState, id: &str, name: &str) -> ResourceMetadata {
    let at = model::time::format_ms(state.created_at_ms);
    ResourceMetadata {
        id: id.to_owned(),
        account_id: state.account_id.clone(),
        workspace_id: state.workspace_id.clone(),
        profile_id: state.profile_id.clone().unwrap_or_default(),
        created_at: at.clone(),
        updated_at: at,
        name: name.to_owned(),
        external_id: None,
        labels: Default::default(),
        bundle_key: None,
    }
}
