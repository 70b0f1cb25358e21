//! Firing schedules (docs/api.md §4.3): each instant creates at most one objective, through
//! the same code path as `POST /objectives`, honouring the overlap policy.

use crate::create::{Creator, Origin};
use crate::schedule::{compile, Plan};
use crate::Error;
use model::objective::CreateObjectiveRequest;
use model::schedule::{AgentScheduleSpec, OverlapPolicy, ScheduleStatus};
use ports::Env;
use store::schedules::{self, ScheduleRecord};
use store::{Db, StoreError};

/// What a fire did.
#[derive(Clone, Debug, PartialEq)]
pub enum Fired {
    Objective(String),
    /// No objective, and why (overlap, or the agent cannot start one now).
    Skipped(String),
}

/// How many due schedules one tick fires at most (the next tick takes the rest).
const BATCH: i64 = 100;

/// The plan of a stored spec (validated at write time, so it compiles).
fn plan(spec: &AgentScheduleSpec, now_ms: i64) -> Option<Plan> {
    compile(&spec.schedule, "spec.schedule", now_ms).ok()
}

/// When an ACTIVE schedule fires next after `now_ms`; `None` for PAUSED/ARCHIVED.
pub fn next_fire(spec: &AgentScheduleSpec, now_ms: i64) -> Option<i64> {
    if spec.status.unwrap_or(ScheduleStatus::Active) != ScheduleStatus::Active {
        return None;
    }
    plan(spec, now_ms)?.next_after(now_ms)
}

/// The next `n` fire instants of an ACTIVE schedule.
pub fn upcoming(spec: &AgentScheduleSpec, now_ms: i64, n: usize) -> Vec<i64> {
    if spec.status.unwrap_or(ScheduleStatus::Active) != ScheduleStatus::Active {
        return Vec::new();
    }
    plan(spec, now_ms)
        .map(|p| p.upcoming(now_ms, n))
        .unwrap_or_default()
}

/// Fires `rec` now (inside the caller's transaction): a new objective, or a skip.
pub fn fire(db: &Db, env: &Env, now_ms: i64, rec: &ScheduleRecord) -> Result<Fired, StoreError> {
    let s = &rec.schedule;
    let id = &s.metadata.id;
    let policy = s.spec.overlap_policy.unwrap_or(OverlapPolicy::Skip);
    let previous = s.info.as_ref().and_then(|i| i.last_objective_id.clone());
    if policy != OverlapPolicy::Allow {
        if let Some(prev) = previous {
            if let Some(status) = store::objectives::status_of(db, &prev)? {
                if !status.has_ended() {
                    return skip(
                        db,
                        id,
                        now_ms,
                        format!("previous objective {prev} is still {}", status.as_str()),
                    );
                }
            }
        }
    }
    let who = Creator {
        account_id: &s.metadata.account_id,
        workspace_id: &s.metadata.workspace_id,
        profile_id: Some(&s.metadata.profile_id),
        may_use_drafts: false,
        keys: None,
    };
    let req = CreateObjectiveRequest {
        agent_id: rec.agent_id.clone(),
        variation_id: s.spec.variation_id.clone(),
        initial_message: s.spec.initial_message.clone(),
        data: s.spec.data.clone(),
        memory_stack: None,
        episodic_key: None,
        secrets: None,
        metadata: None,
    };
    let origin = Origin {
        parent_objective_id: None,
        source_schedule_id: Some(id.clone()),
    };
    match crate::create::create(db, env.random, now_ms, &who, req, origin) {
        Ok(objective_id) => {
            schedules::record_fire(db, id, now_ms, &objective_id)?;
            Ok(Fired::Objective(objective_id))
        }
        Err(Error::Store(e)) => Err(e),
        Err(Error::Invalid(v)) => skip(
            db,
            id,
            now_ms,
            format!("the objective was refused: {}", v.summary()),
        ),
        Err(e @ (Error::NotFound { .. } | Error::Precondition(_) | Error::Model(_))) => {
            skip(db, id, now_ms, e.to_string())
        }
    }
}

fn skip(db: &Db, id: &str, now_ms: i64, reason: String) -> Result<Fired, StoreError> {
    schedules::record_skip(db, id, now_ms, &reason)?;
    Ok(Fired::Skipped(reason))
}

/// Fires every schedule due now, each in its own transaction that first moves
/// `next_fire_at` past now (so missed instants collapse into this one fire and a
/// racing instance finds nothing to claim); returns the objectives created.
pub fn fire_due(env: &Env, now_ms: i64) -> Result<Vec<String>, StoreError> {
    let db = Db::new(env.sql);
    let mut created = Vec::new();
    for (id, due_at) in schedules::due(&db, now_ms, BATCH)? {
        let outcome = db.transaction(true, |db| {
            let Some(rec) = schedules::by_id(db, &id)? else {
                return Ok(None);
            };
            let next = next_fire(&rec.schedule.spec, now_ms);
            if !schedules::claim_fire(db, &id, due_at, next)? {
                return Ok(None);
            }
            fire(db, env, now_ms, &rec).map(Some)
        });
        match outcome {
            Ok(Some(Fired::Objective(o))) => created.push(o),
            Ok(_) => {}
            Err(e) => eprintln!("schedule {id}: not fired, will retry: {e}"),
        }
    }
    Ok(created)
}
