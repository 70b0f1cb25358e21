//! The agent loop, one durable step at a time (docs/api.md §4.1 steps 2–4).
//!
//! A runner claims an objective with a lease (one UPDATE), then takes steps: one model
//! call, or one tool execution. Each step's outcome is committed before the next
//! starts, and every commit is fenced on the lease, so an instance that lost its lease
//! (it stalled past expiry) writes nothing. A tool call is marked RUNNING, with its
//! attempt counted, in its own commit before the request leaves: after a crash the
//! call is retried by whoever takes the lease next, and the record shows the attempt.

pub mod compact;
mod discover;
mod history;
pub use history::history;
pub mod subagents;
mod think;
mod tools;

use crate::settings::Settings;
use model::ids::EventKind;
use model::objective::{EventData, ExecutionStatus, ObjectiveStatus, ToolCallStatus};
use ports::Env;
use store::objectives::{self as objectives, EventRecord, RunState};
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
                    let due = crate::run::subagents::any_ended(db, &children)?;
                    objectives::set_status(db, id, status, None, due, wake, now)?;
                }
                Ok(())
            })?;
            return Ok(Next::Stop);
        }
        self.think(&state)
    }
}
