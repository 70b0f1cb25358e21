//! Tool calls: execute them (built-ins, HTTP, MCP, bare tools) and record the outcome.

use crate::builtins;
use crate::execute;
use crate::run::Fence;
use crate::run::Next;
use crate::run::Runner;
use model::objective::{
    EventData, ExecutionStatus, Finalized, ObjectiveStatus, ToolCallResult, ToolCalled,
    ToolErrorEvent, ToolResultEvent,
};
use model::tools::{Adapter, ToolConfig};
use std::collections::BTreeMap;
use store::objectives::{self as objectives, RunState, SnapshotTool, ToolCallRecord};
use store::{Db, StoreError};

impl<'a> Runner<'a> {
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

    /// Runs one approved call: a built-in in the step's commit, a sub-agent by
    /// starting its child, a bare tool by waiting for content, anything else by a
    /// request made between two commits.
    pub(super) fn execute(
        &self,
        state: &RunState,
        call: ToolCallRecord,
    ) -> Result<Next, StoreError> {
        if call.target == builtins::SEARCH_TOOLS {
            return self.search_tools(state, call);
        }
        if builtins::NAMES.contains(&call.target.as_str()) {
            return self.run_builtin(state, call);
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
            return self.await_content(state, call, bare.content_timeout);
        }
        self.call_out(state, call, &tool)
    }

    /// A built-in runs inside the commit; `submit_output` may finalize or, after too
    /// many invalid submissions, fail the objective.
    fn run_builtin(&self, state: &RunState, mut call: ToolCallRecord) -> Result<Next, StoreError> {
        let args = arguments(&call);
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
                self.finalize(db, state, output)?;
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
        Ok(next.unwrap_or(Next::Stop))
    }

    /// FINALIZED with the accepted output (super-terminal).
    fn finalize(
        &self,
        db: &Db,
        state: &RunState,
        output: serde_json::Value,
    ) -> Result<(), StoreError> {
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
        )
    }

    /// A bare tool: the call waits until a client sets its content (or its
    /// `contentTimeout`, in seconds, passes).
    fn await_content(
        &self,
        state: &RunState,
        mut call: ToolCallRecord,
        content_timeout: Option<i64>,
    ) -> Result<Next, StoreError> {
        let deadline = content_timeout
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
        Ok(Next::Again)
    }

    /// An HTTP or MCP tool: the attempt is committed before anything leaves, so a
    /// crash from here on shows up as a second attempt, never as a silent repeat.
    fn call_out(
        &self,
        state: &RunState,
        mut call: ToolCallRecord,
        tool: &SnapshotTool,
    ) -> Result<Next, StoreError> {
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
        let outcome = self.perform(state, tool, arguments(&call));
        self.commit(&state.id, |db, fence| {
            self.finish(db, state, fence, &mut call, outcome)
        })?;
        Ok(Next::Again)
    }

    /// Makes the tool's request, with its header secrets resolved.
    pub(super) fn perform(
        &self,
        state: &RunState,
        tool: &SnapshotTool,
        args: serde_json::Map<String, serde_json::Value>,
    ) -> Result<String, String> {
        let secrets =
            |headers: Vec<&BTreeMap<String, String>>| -> Result<BTreeMap<String, String>, String> {
                let names = crate::secrets::names(headers.iter().flat_map(|h| h.values()))?;
                if names.is_empty() {
                    return Ok(BTreeMap::new());
                }
                let keys = crate::secrets::keyring(self.env.vars).map_err(|e| e.to_string())?;
                let stored =
                    store::tools::secret_values(&self.db, &state.workspace_id, &names, self.now())
                        .map_err(|e| format!("cannot read secrets: {e}"))?;
                let mut values = crate::secrets::open_workspace_secrets(&keys, stored)?;
                // the objective's own secrets win over the workspace's
                values.extend(crate::secrets::open_objective_secrets(
                    &keys,
                    &state.id,
                    &state.secrets,
                )?);
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

    pub(super) fn content_timed_out(
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

/// A call's arguments as an object (the model may have sent anything).
fn arguments(call: &ToolCallRecord) -> serde_json::Map<String, serde_json::Value> {
    match &call.arguments {
        serde_json::Value::Object(m) => m.clone(),
        _ => Default::default(),
    }
}
