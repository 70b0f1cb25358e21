//! The agent loop, one durable step at a time (SPEC §4.1 steps 2–4).
//!
//! A runner claims an objective with a lease (one UPDATE), then takes steps: one model
//! call, or one tool execution. Each step's outcome is committed before the next
//! starts, and every commit is fenced on the lease, so an instance that lost its lease
//! (it stalled past expiry) writes nothing. A tool call is marked RUNNING, with its
//! attempt counted, in its own commit before the request leaves: after a crash the
//! call is retried by whoever takes the lease next, and the record shows the attempt.

use crate::builtins;
use crate::compact::CompactError;
use crate::execute;
use crate::llm::{self, Call, Function, LlmError, Outcome, Turn};
use crate::settings::Settings;
use model::ids::{EventKind, Id, ToolCallKind};
use model::objective::{
    AssistantMessage, AssistantToolCall, CallableTool, ErrorEvent, EventData, ExecutionStatus,
    Finalized, ObjectiveStatus, ToolCallRef, ToolCallResult, ToolCallStatus, ToolCalled,
    ToolErrorEvent, ToolResultEvent, UserMessage,
};
use model::tools::{Adapter, ToolConfig};
use model::variation::BareMetadata;
use ports::Env;
use std::collections::BTreeMap;
use store::objectives::{self as objectives, EventRecord, RunState, SnapshotTool, ToolCallRecord};
use store::{Db, StoreError};

/// Starts the reminder the engine sends when a model with an output definition ends
/// its turn without `submit_output`.
pub const OUTPUT_REMINDER: &str = "You have not submitted your output";

/// How long a request's kick may run before leaving the rest to the cron driver.
pub const KICK_BUDGET_MS: i64 = 60_000;

/// Runs the given objectives after a response was sent (`web::App::background`).
pub fn kick_all(env: Env<'_>, ids: &[String]) {
    let runner = Runner::new(env);
    for id in ids {
        if let Err(e) = runner.kick(id, KICK_BUDGET_MS) {
            eprintln!("objective {id}: not started here ({e}); the scheduler will pick it up");
        }
    }
}

/// What to do after a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Another step is due now.
    Again,
    /// The objective waits (approval, content, end of run) or is not ours any more.
    Stop,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fence {
    /// We hold the lease and the run goes on.
    Live,
    /// We hold the lease but the objective ended meanwhile (cancelled).
    Ended,
}

pub struct Runner<'a> {
    pub(crate) env: Env<'a>,
    pub(crate) db: Db<'a>,
    pub(crate) settings: Settings,
    pub(crate) owner: String,
}

impl<'a> Runner<'a> {
    pub fn new(env: Env<'a>) -> Self {
        Runner {
            env,
            db: Db::new(env.sql),
            settings: Settings::from_vars(env.vars),
            owner: format!("runner_{:032x}", env.random.next_u128()),
        }
    }

    pub(crate) fn now(&self) -> i64 {
        self.env.clock.now_ms()
    }

    /// Runs one objective (the request that created or resumed it kicks it) until it
    /// waits, ends, or `budget_ms` is spent; the cron driver picks up what is left.
    pub fn kick(&self, id: &str, budget_ms: i64) -> Result<(), StoreError> {
        let deadline = self.now() + budget_ms;
        self.db.prepare_write()?;
        if objectives::claim(
            &self.db,
            id,
            &self.owner,
            self.now(),
            self.settings.lease_ms(),
        )? {
            self.drive(id, deadline);
        }
        Ok(())
    }

    /// Advances every due objective, one at a time, until none is left or the budget
    /// is spent; returns how many were advanced.
    pub fn tick(&self, budget_ms: i64) -> Result<usize, StoreError> {
        let deadline = self.now() + budget_ms;
        self.db.prepare_write()?;
        let mut n = 0;
        while self.now() < deadline {
            match objectives::claim_next(
                &self.db,
                &self.owner,
                self.now(),
                self.settings.lease_ms(),
            )? {
                Some(id) => {
                    self.drive(&id, deadline);
                    n += 1;
                }
                None => break,
            }
        }
        Ok(n)
    }

    fn drive(&self, id: &str, deadline: i64) {
        while self.now() < deadline {
            match self.step(id) {
                Ok(Next::Again) => continue,
                Ok(Next::Stop) => break,
                Err(e) => {
                    eprintln!("objective {id}: step failed, will retry: {e}");
                    break;
                }
            }
        }
        if let Err(e) = objectives::release(&self.db, id, &self.owner) {
            eprintln!("objective {id}: lease not released (it will expire): {e}");
        }
    }

    /// Commits `f` only while this runner holds the lease; `None` when it does not.
    pub(crate) fn commit<T>(
        &self,
        id: &str,
        f: impl FnOnce(&Db, Fence) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        self.db.transaction(true, |db| {
            let Some(status) = objectives::held_status(db, id, &self.owner)? else {
                return Ok(None);
            };
            let fence = if status.has_ended() {
                Fence::Ended
            } else {
                Fence::Live
            };
            f(db, fence).map(Some)
        })
    }

    /// RUNNING with a next step due now.
    pub(crate) fn keep_running(&self, db: &Db, id: &str) -> Result<(), StoreError> {
        objectives::set_status(
            db,
            id,
            ObjectiveStatus::Running,
            None,
            true,
            None,
            self.now(),
        )
    }

    pub(crate) fn event(
        &self,
        db: &Db,
        state: &RunState,
        data: EventData,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let id = objectives::next_id::<EventKind>(db, &state.id, now, self.env.random.next_u128())?;
        objectives::insert_event(
            db,
            &EventRecord {
                id: id.into_string(),
                objective_id: state.id.clone(),
                account_id: state.account_id.clone(),
                workspace_id: state.workspace_id.clone(),
                profile_id: None,
                window_id: state.window_id.clone(),
                data,
                created_at_ms: now,
            },
        )
    }

    /// Takes the next step of objective `id`.
    pub fn step(&self, id: &str) -> Result<Next, StoreError> {
        let now = self.now();
        if !objectives::renew(&self.db, id, &self.owner, now, self.settings.lease_ms())? {
            return Ok(Next::Stop);
        }
        let Some(state) = objectives::run_state(&self.db, id, &self.owner)? else {
            return Ok(Next::Stop);
        };
        if state.status.has_ended() {
            objectives::park(&self.db, id, &self.owner)?;
            return Ok(Next::Stop);
        }
        let mut waiting_approval = false;
        let mut waiting_content = false;
        let mut children: Vec<String> = Vec::new();
        let mut wake: Option<i64> = None;
        for call in objectives::open_calls(&self.db, id, &state.window_id)? {
            if let Some(child) = call.child_objective_id.clone() {
                match self.collect(&state, call, &child)? {
                    Some(next) => return Ok(next),
                    None => children.push(child),
                }
                continue;
            }
            match (call.status, call.execution_status) {
                (ToolCallStatus::WaitingForApproval, _) => waiting_approval = true,
                (_, ExecutionStatus::WaitingForContent) => match call.content_deadline_ms {
                    Some(d) if d <= now => return self.content_timed_out(&state, call),
                    Some(d) => {
                        waiting_content = true;
                        wake = Some(wake.map_or(d, |w| w.min(d)));
                    }
                    None => waiting_content = true,
                },
                (ToolCallStatus::AutoApproved | ToolCallStatus::Approved, _) => {
                    return self.execute(&state, call);
                }
                _ => {}
            }
        }
        if waiting_approval || waiting_content || !children.is_empty() {
            let status = if waiting_approval {
                ObjectiveStatus::WaitingForApproval
            } else if !children.is_empty() {
                ObjectiveStatus::WaitingForSubObjectives
            } else {
                ObjectiveStatus::Running
            };
            self.commit(id, |db, fence| {
                if fence == Fence::Live {
                    // a child that ended since we looked has a step for us
                    let due = crate::subagents::any_ended(db, &children)?;
                    objectives::set_status(db, id, status, None, due, wake, now)?;
                }
                Ok(())
            })?;
            return Ok(Next::Stop);
        }
        self.think(&state)
    }

    // ---- model calls

    fn think(&self, state: &RunState) -> Result<Next, StoreError> {
        let variation = &state.data.agent_variation;
        let model_config = variation.spec.model_config.as_ref();
        let (provider, model) = match llm::resolve(model_config.and_then(|m| m.model_id.as_deref()))
        {
            Ok(p) => p,
            Err(e) => return self.fail(state, &e),
        };
        if state.compact_due {
            return match self.compact(state, variation.spec.compaction_config.as_ref()) {
                Ok(Some(_)) => Ok(Next::Again),
                Ok(None) => Ok(Next::Stop),
                Err(CompactError::Model(e)) => self.fail(state, &e),
                Err(CompactError::Store(e)) => Err(e),
                Err(CompactError::Precondition(m)) => {
                    eprintln!("objective {}: compaction skipped: {m}", state.id);
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
        functions.extend(crate::subagents::functions(&state.sub_agents));
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
        let reply = llm::complete(&self.env, &self.settings, provider, &request, &mut renew);
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

    /// Writes ASSISTANT_MESSAGE and one tool call per requested call.
    fn record_reply(
        &self,
        db: &Db,
        state: &RunState,
        tools: &[SnapshotTool],
        model: &str,
        reply: llm::Reply,
    ) -> Result<Next, StoreError> {
        let now = self.now();
        objectives::add_usage(
            db,
            &state.id,
            &state.window_id,
            reply.input_tokens,
            reply.output_tokens,
        )?;
        let spec = &state.data.agent_variation.spec;
        if crate::compact::crosses_threshold(
            spec.compaction_config.as_ref(),
            crate::compact::context_tokens(self.settings.context_tokens, model),
            reply.input_tokens,
        ) {
            objectives::set_compact_due(db, &state.id, true)?;
        }
        let constraints = spec.constraints.as_ref();
        let limit = constraints.and_then(|c| c.max_tool_calls).unwrap_or(0);
        let sub_limit = constraints.and_then(|c| c.max_sub_objectives).unwrap_or(0);
        let mut subs_started = if sub_limit > 0 {
            objectives::count_children(db, &state.id)?
        } else {
            0
        };
        let offered = builtins::offered(state);
        let mut counted = state.tool_calls;
        let mut records = Vec::new();
        let mut last: Option<String> =
            objectives::next_id::<ToolCallKind>(db, &state.id, now, self.env.random.next_u128())
                .map(|id| id.into_string())
                .ok();
        for (i, c) in reply.calls.iter().enumerate() {
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
            let sub = state.sub_agents.iter().find(|s| s.llm_name == c.name);
            let (callable, target, requires_approval) = if offered.contains(&c.name.as_str()) {
                let meta = BareMetadata {
                    id: c.name.clone(),
                    name: Some(c.name.clone()),
                };
                (
                    CallableTool::CadenyaProvidedTool {
                        cadenya_provided_tool: meta,
                    },
                    c.name.clone(),
                    false,
                )
            } else if let Some(s) = sub {
                let meta = BareMetadata {
                    id: s.agent_id.clone(),
                    name: Some(s.name.clone()),
                };
                (
                    CallableTool::Agent { agent: meta },
                    s.agent_id.clone(),
                    false,
                )
            } else if let Some(t) = tools.iter().find(|t| t.llm_name == c.name) {
                let meta = BareMetadata {
                    id: t.tool.metadata.id.clone(),
                    name: Some(t.tool.metadata.name.clone()),
                };
                (
                    CallableTool::Tool { tool: meta },
                    t.tool.metadata.id.clone(),
                    t.tool.spec.requires_approval,
                )
            } else {
                let meta = BareMetadata {
                    id: String::new(),
                    name: Some(c.name.clone()),
                };
                (CallableTool::Tool { tool: meta }, String::new(), false)
            };
            let (arguments, mut error) = match llm::arguments_object(&c.arguments) {
                Ok(m) => (serde_json::Value::Object(m), None),
                Err(e) => (serde_json::Value::Object(Default::default()), Some(e)),
            };
            if target.is_empty() {
                error = Some(format!("`{}` is not one of your tools", c.name));
            }
            if error.is_none() && limit > 0 && counted >= limit {
                error = Some(format!(
                    "tool call limit reached: this objective may make at most {limit} tool calls (maxToolCalls)"
                ));
            }
            if error.is_none() && sub.is_some() && sub_limit > 0 {
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
            let status = if requires_approval && error.is_none() {
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
                callable,
                target,
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
        let assistant = AssistantMessage {
            content: reply.content,
            tool_calls: records
                .iter()
                .zip(&reply.calls)
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
        )?;
        for r in &records {
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
        if records.is_empty() && state.data.output_definition.is_some() {
            return self.remind_or_fail(db, state);
        }
        if records.is_empty() {
            objectives::set_status(
                db,
                &state.id,
                ObjectiveStatus::Completed,
                None,
                false,
                None,
                now,
            )?;
            return Ok(Next::Stop);
        }
        self.keep_running(db, &state.id)?;
        Ok(Next::Again)
    }

    /// ERROR event and FAILED, with a message the user can act on.
    fn fail(&self, state: &RunState, e: &LlmError) -> Result<Next, StoreError> {
        self.commit(&state.id, |db, fence| {
            if fence == Fence::Live {
                self.fail_in(db, state, e.kind(), e.message())?;
            }
            Ok(())
        })?;
        Ok(Next::Stop)
    }

    /// ERROR and FAILED inside a commit.
    fn fail_in(
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
    fn remind_or_fail(&self, db: &Db, state: &RunState) -> Result<Next, StoreError> {
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

    // ---- tool calls

    pub(crate) fn called_event(
        &self,
        db: &Db,
        state: &RunState,
        call: &ToolCallRecord,
    ) -> Result<(), StoreError> {
        let data = EventData::ToolCalled {
            tool_called: ToolCalled {
                tool_call_id: call.id.clone(),
                tool: call.callable.clone(),
                arguments: call.arguments.clone(),
                attempt: call.attempts,
            },
        };
        self.event(db, state, data)
    }

    /// Records the outcome on the call and, while the run goes on, as an event.
    pub(crate) fn finish(
        &self,
        db: &Db,
        state: &RunState,
        fence: Fence,
        call: &mut ToolCallRecord,
        outcome: Result<String, String>,
    ) -> Result<(), StoreError> {
        call.updated_at_ms = self.now();
        let data = match outcome {
            Ok(text) => {
                let result = ToolCallResult::text(text);
                call.execution_status = ExecutionStatus::Completed;
                call.result = Some(result.clone());
                EventData::ToolResult {
                    tool_result: ToolResultEvent {
                        tool_call_id: call.id.clone(),
                        result,
                    },
                }
            }
            Err(message) => {
                call.execution_status = ExecutionStatus::Failed;
                call.error = Some(message.clone());
                EventData::ToolError {
                    tool_error: ToolErrorEvent {
                        tool_call_id: call.id.clone(),
                        message,
                    },
                }
            }
        };
        objectives::update_call(db, call)?;
        if fence == Fence::Live {
            self.event(db, state, data)?;
            self.keep_running(db, &state.id)?;
        }
        Ok(())
    }

    fn execute(&self, state: &RunState, mut call: ToolCallRecord) -> Result<Next, StoreError> {
        let args = match &call.arguments {
            serde_json::Value::Object(m) => m.clone(),
            _ => Default::default(),
        };
        if builtins::NAMES.contains(&call.target.as_str()) {
            let next = self.commit(&state.id, |db, fence| {
                if fence == Fence::Ended {
                    return Ok(Next::Stop);
                }
                call.attempts += 1;
                self.called_event(db, state, &call)?;
                let done = builtins::run(
                    db,
                    self.env.random,
                    state,
                    &call.target,
                    &args,
                    self.now(),
                )?;
                for data in done.events {
                    self.event(db, state, data)?;
                }
                let invalid_output = call.target == builtins::SUBMIT_OUTPUT && done.result.is_err();
                self.finish(db, state, fence, &mut call, done.result)?;
                if let Some(output) = done.output {
                    objectives::set_output(db, &state.id, &output)?;
                    let data = EventData::Finalized {
                        finalized: Finalized {
                            output: Some(output),
                        },
                    };
                    self.event(db, state, data)?;
                    objectives::set_status(
                        db,
                        &state.id,
                        ObjectiveStatus::Finalized,
                        None,
                        false,
                        None,
                        self.now(),
                    )?;
                    return Ok(Next::Stop);
                }
                if invalid_output
                    && objectives::failed_calls_of(db, &state.id, builtins::SUBMIT_OUTPUT)?
                        >= builtins::MAX_OUTPUT_ATTEMPTS
                {
                    self.fail_in(
                        db,
                        state,
                        "output_validation",
                        &format!(
                            "the model submitted output that does not match the outputDefinition {} times",
                            builtins::MAX_OUTPUT_ATTEMPTS
                        ),
                    )?;
                    return Ok(Next::Stop);
                }
                Ok(Next::Again)
            })?;
            return Ok(next.unwrap_or(Next::Stop));
        }
        if call.target.starts_with("agent_") {
            return self.spawn(state, call);
        }
        let tools = objectives::snapshot_tools(&self.db, &state.id)?;
        let Some(tool) = tools
            .into_iter()
            .find(|t| t.tool.metadata.id == call.target)
        else {
            return self.fail_call(state, call, "the tool is not part of this objective");
        };
        if let Adapter::Bare { bare } = &tool.adapter {
            let deadline = bare
                .content_timeout
                .filter(|s| *s > 0)
                .map(|s| self.now() + s * 1000);
            self.commit(&state.id, |db, fence| {
                if fence == Fence::Ended {
                    return Ok(());
                }
                call.attempts += 1;
                call.execution_status = ExecutionStatus::WaitingForContent;
                call.content_deadline_ms = deadline;
                call.updated_at_ms = self.now();
                objectives::update_call(db, &call)?;
                self.called_event(db, state, &call)?;
                self.keep_running(db, &state.id)
            })?;
            return Ok(Next::Again);
        }
        // Record the attempt before anything leaves: a crash from here on shows up
        // as a second attempt, never as a silent repeat.
        let started = self.commit(&state.id, |db, fence| {
            if fence == Fence::Ended {
                return Ok(false);
            }
            call.attempts += 1;
            call.execution_status = ExecutionStatus::Running;
            call.updated_at_ms = self.now();
            objectives::update_call(db, &call)?;
            self.called_event(db, state, &call)?;
            self.keep_running(db, &state.id)?;
            Ok(true)
        })?;
        if started != Some(true) {
            return Ok(Next::Stop);
        }
        let outcome = self.perform(state, &tool, args);
        self.commit(&state.id, |db, fence| {
            self.finish(db, state, fence, &mut call, outcome)
        })?;
        Ok(Next::Again)
    }

    /// Makes the tool's request, with its header secrets resolved.
    fn perform(
        &self,
        state: &RunState,
        tool: &SnapshotTool,
        args: serde_json::Map<String, serde_json::Value>,
    ) -> Result<String, String> {
        let secrets =
            |headers: Vec<&BTreeMap<String, String>>| -> Result<BTreeMap<String, String>, String> {
                let names = crate::secrets::names(headers.iter().flat_map(|h| h.values()))?;
                let mut values =
                    store::tools::secret_values(&self.db, &state.workspace_id, &names, self.now())
                        .map_err(|e| format!("cannot read secrets: {e}"))?;
                // the objective's own secrets win over the workspace's
                values.extend(state.secrets.iter().map(|(k, v)| (k.clone(), v.clone())));
                Ok(values)
            };
        match (&tool.adapter, &tool.tool.spec.config) {
            (Adapter::Http { http }, ToolConfig::Http { http: config }) => {
                let values = secrets(vec![&http.headers, &config.headers])?;
                execute::call_http(&self.env, &self.settings, http, config, args, &values)
            }
            (Adapter::Mcp { mcp }, ToolConfig::Mcp { mcp: config }) => {
                let values = secrets(vec![&mcp.headers])?;
                execute::call_mcp(
                    &self.env,
                    &self.settings,
                    mcp,
                    &config.tool_name,
                    args,
                    &values,
                )
            }
            (adapter, config) => Err(format!(
                "the tool's config ({}) does not match its tool set's adapter ({})",
                config.kind(),
                adapter.kind()
            )),
        }
    }

    fn content_timed_out(
        &self,
        state: &RunState,
        call: ToolCallRecord,
    ) -> Result<Next, StoreError> {
        self.fail_call(
            state,
            call,
            "no content was set for this bare tool call before its contentTimeout",
        )
    }

    /// Ends a call with a tool error, in a commit of its own.
    pub(crate) fn fail_call(
        &self,
        state: &RunState,
        mut call: ToolCallRecord,
        message: &str,
    ) -> Result<Next, StoreError> {
        self.commit(&state.id, |db, fence| {
            self.finish(db, state, fence, &mut call, Err(message.to_owned()))
        })?;
        Ok(Next::Again)
    }
}

/// The conversation of a window as provider-neutral turns.
pub fn history(events: Vec<EventData>) -> Vec<Turn> {
    let mut turns: Vec<Turn> = Vec::new();
    let answer = |turns: &mut Vec<Turn>, o: Outcome| match turns.last_mut() {
        Some(Turn::Results(list)) => list.push(o),
        _ => turns.push(Turn::Results(vec![o])),
    };
    for e in events {
        match e {
            EventData::UserMessage { user_message } => turns.push(Turn::User(user_message.content)),
            EventData::AssistantMessage {
                assistant_message: m,
            } => turns.push(Turn::Assistant {
                content: m.content,
                calls: m
                    .tool_calls
                    .into_iter()
                    .map(|c| Call {
                        id: c.tool_call_id,
                        name: c.function_name,
                        arguments: c.arguments,
                    })
                    .collect(),
            }),
            EventData::ToolResult { tool_result: r } => answer(
                &mut turns,
                Outcome {
                    call_id: r.tool_call_id,
                    content: r.result.joined(),
                    is_error: false,
                },
            ),
            EventData::ToolError { tool_error: r } => answer(
                &mut turns,
                Outcome {
                    call_id: r.tool_call_id,
                    content: format!("Error: {}", r.message),
                    is_error: true,
                },
            ),
            EventData::ToolDenied { tool_denied: d } => answer(
                &mut turns,
                Outcome {
                    call_id: d.tool_call_id,
                    content: match d.memo {
                        Some(memo) => format!("The reviewer denied this tool call: {memo}"),
                        None => "The reviewer denied this tool call.".to_owned(),
                    },
                    is_error: true,
                },
            ),
            _ => {}
        }
    }
    turns
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::objective::{AssistantMessage, AssistantToolCall, ToolDenied, UserMessage};

    #[test]
    fn history_pairs_every_call_with_its_answer() {
        let call = |id: &str| AssistantToolCall {
            tool_call_id: id.into(),
            function_name: "f".into(),
            arguments: "{}".into(),
            tool: None,
        };
        let events = vec![
            EventData::UserMessage {
                user_message: UserMessage {
                    content: "hi".into(),
                },
            },
            EventData::AssistantMessage {
                assistant_message: AssistantMessage {
                    content: None,
                    tool_calls: vec![call("a"), call("b")],
                },
            },
            EventData::ToolApprovalRequested {
                tool_approval_requested: ToolCallRef {
                    tool_call_id: "b".into(),
                },
            },
            EventData::ToolResult {
                tool_result: ToolResultEvent {
                    tool_call_id: "a".into(),
                    result: ToolCallResult::text("42"),
                },
            },
            EventData::ToolDenied {
                tool_denied: ToolDenied {
                    tool_call_id: "b".into(),
                    memo: Some("no".into()),
                },
            },
            EventData::UserMessage {
                user_message: UserMessage {
                    content: "again".into(),
                },
            },
        ];
        let turns = history(events);
        assert_eq!(turns.len(), 4);
        let Turn::Results(results) = &turns[2] else {
            panic!("{turns:?}")
        };
        assert_eq!(results[0].content, "42");
        assert!(!results[0].is_error);
        assert_eq!(results[1].call_id, "b");
        assert!(results[1].is_error && results[1].content.contains("no"));
        assert_eq!(turns[3], Turn::User("again".into()));
    }
}
