//! Schedule handlers.

use engine::fire;
use model::agent::Agent;
use model::ids::{Ref, ScheduleKind, VariationKind};
use model::schedule::{
    AgentSchedule, AgentScheduleSpec, CreateScheduleRequest, OverlapPolicy, ScheduleStatus,
    UpdateScheduleRequest, SCHEDULE_SECTIONS,
};
use model::time::format_ms;
use model::Violations;
use store::schedules::ScheduleRecord;
use store::Db;
use web::{ApiError, Ctx, HandlerResult, Reply};

/// How many upcoming fire times reads show.
const UPCOMING: usize = 5;

fn agent(ctx: &Ctx, db: &Db) -> Result<Agent, ApiError> {
    ctx.lookup(db, "agentId", "agent", store::agents::get)
}

fn record(ctx: &Ctx, db: &Db, agent: &Agent) -> Result<ScheduleRecord, ApiError> {
    ctx.lookup(db, "id", "schedule", |db, ws, r| {
        store::schedules::get(db, ws, &agent.metadata.id, r)
    })
}

/// The wire form: info with the next fire times computed from the spec.
fn view(ctx: &Ctx, rec: ScheduleRecord) -> AgentSchedule {
    let mut s = rec.schedule;
    let upcoming = fire::upcoming(&s.spec, ctx.now_ms, UPCOMING);
    if let Some(info) = s.info.as_mut() {
        info.next_fire_at = rec.next_fire_at.map(format_ms);
        info.upcoming_fire_times = upcoming.into_iter().map(format_ms).collect();
    }
    s
}

/// Defaults filled in, so responses always say what applies.
fn normalized(mut spec: AgentScheduleSpec) -> AgentScheduleSpec {
    if matches!(spec.overlap_policy, None | Some(OverlapPolicy::Unspecified)) {
        spec.overlap_policy = Some(OverlapPolicy::Skip);
    }
    if matches!(spec.status, None | Some(ScheduleStatus::Unspecified)) {
        spec.status = Some(ScheduleStatus::Active);
    }
    spec
}

/// Everything a spec must satisfy against its agent: the checked spec and its next
/// fire instant.
fn check(
    ctx: &Ctx,
    db: &Db,
    agent: &Agent,
    spec: AgentScheduleSpec,
    v: &mut Violations,
) -> Result<(AgentScheduleSpec, Option<i64>), ApiError> {
    let spec = spec.validate("spec", v);
    if v.is_empty() {
        if let Err(found) = engine::schedule::compile(&spec.schedule, "spec.schedule", ctx.now_ms) {
            v.0.extend(found.0);
        }
    }
    if let Some(schema) = &agent.spec.input_data_schema {
        let instance = spec.data.clone().unwrap_or_else(|| serde_json::json!({}));
        let schema = serde_json::Value::Object(schema.clone());
        for (field, message) in model::json_schema::violations(&schema, &instance, "spec.data") {
            v.add(field, message);
        }
    }
    if let Some(vid) = &spec.variation_id {
        let found = match Ref::<VariationKind>::parse(vid) {
            Ok(r) => {
                store::variations::get(db, ctx.workspace()?, &agent.metadata.id, &r)?.is_some()
            }
            Err(_) => false,
        };
        if !found {
            v.add(
                "spec.variationId",
                format!("`{vid}` is not a variation of agent {}", agent.metadata.id),
            );
        }
    }
    let next = fire::next_fire(&spec, ctx.now_ms);
    Ok((spec, next))
}

pub fn list(ctx: &Ctx) -> HandlerResult {
    let q = ctx.list_query()?;
    let status = ctx.query.wire::<ScheduleStatus>(
        "status",
        "a schedule status (e.g. AGENT_SCHEDULE_STATUS_ACTIVE)",
    )?;
    let agent = agent(ctx, ctx.db)?;
    let page = store::schedules::list(ctx.db, &agent.metadata.id, &q, status)?;
    let page = page.try_map(|rec| {
        let mut s = view(ctx, rec);
        if !q.include_info {
            s.info = None;
        }
        Ok::<_, ApiError>(s)
    })?;
    Ok(Reply::ok(&ctx.page(page, &q)))
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    let agent = agent(ctx, ctx.db)?;
    Ok(Reply::ok(&view(ctx, record(ctx, ctx.db, &agent)?)))
}

pub fn create(ctx: &Ctx) -> HandlerResult {
    let body: CreateScheduleRequest = ctx.json()?;
    let spec = normalized(body.spec);
    let schedule = ctx.write(|db| {
        let agent = agent(ctx, db)?;
        let (metadata, checked) = ctx
            .new_resource::<ScheduleKind, _>(&body.metadata, |v| check(ctx, db, &agent, spec, v))?;
        let (spec, next) = checked?;
        let schedule = AgentSchedule {
            metadata,
            spec,
            info: None,
        };
        store::schedules::insert(db, &schedule, &agent.metadata.id, next)?;
        Ok(view(ctx, record_by_id(db, &schedule.metadata.id)?))
    })?;
    Ok(ctx.created(&schedule))
}

fn record_by_id(db: &Db, id: &str) -> Result<ScheduleRecord, ApiError> {
    store::schedules::by_id(db, id)?.ok_or_else(ApiError::internal)
}

pub fn update(ctx: &Ctx) -> HandlerResult {
    let typed: UpdateScheduleRequest = ctx.json()?;
    let schedule = ctx.write(|db| {
        let agent = agent(ctx, db)?;
        let current = record(ctx, db, &agent)?.schedule;
        let merged: CreateScheduleRequest = ctx.merge(
            current.input_view(),
            SCHEDULE_SECTIONS,
            typed.update_mask.as_deref(),
        )?;
        let mut v = Violations::new();
        let fields = merged.metadata.validate_fields("metadata", &mut v);
        let (spec, next) = check(ctx, db, &agent, normalized(merged.spec), &mut v)?;
        v.finish(())?;
        let mut schedule = current;
        schedule.metadata.update(fields, format_ms(ctx.now_ms));
        schedule.spec = spec;
        store::schedules::update(db, &schedule, next)?;
        Ok(view(ctx, record_by_id(db, &schedule.metadata.id)?))
    })?;
    Ok(Reply::ok(&schedule))
}

pub fn delete(ctx: &Ctx) -> HandlerResult {
    ctx.write(|db| {
        let agent = agent(ctx, db)?;
        let rec = record(ctx, db, &agent)?;
        store::schedules::delete(db, &rec.schedule.metadata.id)?;
        Ok(())
    })?;
    Ok(Reply::no_content())
}

/// Moves a schedule to `to`; ARCHIVED is final.
fn transition(ctx: &Ctx, to: ScheduleStatus) -> HandlerResult {
    ctx.empty_body()?;
    let schedule = ctx.write(|db| {
        let agent = agent(ctx, db)?;
        let mut s = record(ctx, db, &agent)?.schedule;
        let from = s.spec.status.unwrap_or(ScheduleStatus::Active);
        if from == ScheduleStatus::Archived && to != ScheduleStatus::Archived {
            return Err(ApiError::failed_precondition(format!(
                "schedule {} is archived and can no longer be paused or resumed",
                s.metadata.id
            )));
        }
        s.spec.status = Some(to);
        s.metadata.updated_at = format_ms(ctx.now_ms);
        // resuming starts from now: instants missed while paused are not caught up
        let next = fire::next_fire(&s.spec, ctx.now_ms);
        store::schedules::update(db, &s, next)?;
        Ok(view(ctx, record_by_id(db, &s.metadata.id)?))
    })?;
    Ok(Reply::ok(&schedule))
}

pub fn pause(ctx: &Ctx) -> HandlerResult {
    transition(ctx, ScheduleStatus::Paused)
}

pub fn resume(ctx: &Ctx) -> HandlerResult {
    transition(ctx, ScheduleStatus::Active)
}

pub fn archive(ctx: &Ctx) -> HandlerResult {
    transition(ctx, ScheduleStatus::Archived)
}

/// Fires once now through the scheduler's own path.
pub fn trigger(ctx: &Ctx) -> HandlerResult {
    ctx.empty_body()?;
    let schedule = ctx.write(|db| {
        let agent = agent(ctx, db)?;
        let rec = record(ctx, db, &agent)?;
        if rec.schedule.spec.status == Some(ScheduleStatus::Archived) {
            return Err(ApiError::failed_precondition(format!(
                "schedule {} is archived and never fires",
                rec.schedule.metadata.id
            )));
        }
        fire::fire(db, &ctx.env, ctx.now_ms, &rec)?;
        Ok(view(ctx, record_by_id(db, &rec.schedule.metadata.id)?))
    })?;
    Ok(Reply::ok(&schedule))
}
