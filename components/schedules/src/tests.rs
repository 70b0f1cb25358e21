//! Component tests: schedules over the native host (clock at 2026-01-01T00:00:00Z).

use super::APP;
use ports::Clock;
use serde_json::{json, Value};
use web::testing::Harness;
use web::App;

/// The harness and a published agent (one variation) whose schedules the tests drive.
struct Agent {
    h: Harness<App>,
    /// `/agents/{agentId}/schedules`, below the workspace.
    schedules: String,
}

fn setup() -> Agent {
    let h = Harness::new(&APP).with_vars(&[("rate_limit_per_second", "0")]);
    let (_, agent) = h.on(
        &agents::APP,
        "POST",
        "/agents",
        Some(
            json!({"metadata": {"name": "a"}, "spec": {"status": "AGENT_STATUS_PUBLISHED",
            "inputDataSchema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}),
        ),
    );
    let agent = agent["metadata"]["id"].as_str().unwrap().to_owned();
    h.expect_on(
        &variations::APP,
        "POST",
        &format!("/agents/{agent}/variations"),
        Some(json!({"metadata": {"name": "v"}, "spec": {"modelConfig": {"modelId": "openai/m"}}})),
        201,
    );
    Agent {
        h,
        schedules: format!("/agents/{agent}/schedules"),
    }
}

fn hourly() -> Value {
    json!({"metadata": {"name": "hourly"}, "spec": {"initialMessage": "check the weather",
        "data": {"city": "Lisbon"}, "schedule": {"timezone": "Europe/Lisbon", "intervals": [{"every": "1h"}]}}})
}

impl Agent {
    /// Calls this app at `rest` below the agent's schedules.
    fn call(&self, method: &str, rest: &str, body: Option<Value>) -> (u16, Value) {
        self.h
            .in_ws(method, &format!("{}{rest}", self.schedules), body)
    }

    fn created(&self, body: Value) -> Value {
        self.h.created(&self.schedules, body)
    }

    /// `POST …:trigger`; the objective it fires stays PENDING until a scheduler tick.
    fn trigger(&self, id: &str) -> Value {
        let (status, fired) = self.h.on(
            &APP,
            "POST",
            &format!("{}/{id}:trigger", self.schedules),
            None,
        );
        assert_eq!(status, 200);
        fired
    }

    fn objectives(&self, schedule: &str) -> Vec<Value> {
        let (_, page) = self.h.on(
            &objectives::APP,
            "GET",
            &format!("/objectives?sourceScheduleId={schedule}"),
            None,
        );
        page["items"].as_array().cloned().unwrap_or_default()
    }
}

#[test]
fn create_fills_defaults_and_previews_fire_times() {
    let s = setup();
    let (status, preview) = s.call("POST", "?dryRun=true", Some(hourly()));
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["info"]["nextFireAt"], "2026-01-01T01:00:00.000Z");
    let (_, page) = s.call("GET", "", None);
    assert_eq!(page["pagination"]["total"], 0, "a dry run stores nothing");

    let created = s.created(hourly());
    assert!(created["metadata"]["id"]
        .as_str()
        .unwrap()
        .starts_with("sched_"));
    assert_eq!(created["spec"]["status"], "AGENT_SCHEDULE_STATUS_ACTIVE");
    assert_eq!(created["spec"]["overlapPolicy"], "OVERLAP_POLICY_SKIP");
    assert_eq!(created["info"]["totalFires"], 0);
    assert_eq!(
        created["info"]["upcomingFireTimes"],
        json!([
            "2026-01-01T01:00:00.000Z",
            "2026-01-01T02:00:00.000Z",
            "2026-01-01T03:00:00.000Z",
            "2026-01-01T04:00:00.000Z",
            "2026-01-01T05:00:00.000Z"
        ])
    );
    assert_eq!(
        created["info"]["createdBy"]["spec"]["type"],
        "PROFILE_TYPE_API_KEY"
    );
}

#[test]
fn bad_specs_name_the_field() {
    let s = setup();
    let cases = [
        (json!({"timezone": "UTC"}), None, "spec.schedule.calendars"),
        (
            json!({"timezone": "Mars/Olympus", "intervals": [{"every": "1m"}]}),
            None,
            "spec.schedule.timezone",
        ),
        (
            json!({"timezone": "UTC", "calendars": [{}, {"hour": [{"start": 1, "end": 24}]}]}),
            None,
            "spec.schedule.calendars[1].hour[0].end",
        ),
        (
            json!({"timezone": "UTC", "intervals": [{"every": "10m", "offset": "10m"}]}),
            None,
            "spec.schedule.intervals[0].offset",
        ),
        (
            json!({"timezone": "UTC", "intervals": [{"every": "ten minutes"}]}),
            None,
            "spec.schedule.intervals[0].every",
        ),
        (
            json!({"timezone": "UTC", "calendars": [{"month": [{"start": 2}], "dayOfMonth": [{"start": 30}]}]}),
            None,
            "spec.schedule.calendars[0]",
        ),
        (
            json!({"timezone": "UTC", "intervals": [{"every": "1m"}]}),
            Some(json!({"town": "x"})),
            "spec.data",
        ),
    ];
    for (schedule, data, field) in cases {
        let body = json!({"metadata": {"name": "bad"}, "spec": {"initialMessage": "go", "schedule": schedule,
            "data": data.unwrap_or(json!({"city": "x"}))}});
        let (status, err) = s.call("POST", "", Some(body));
        assert_eq!(status, 400, "{field}: {err}");
        assert_eq!(err["error"]["details"][0]["field"], field, "{err}");
    }
    let mut body = hourly();
    body["spec"]["variationId"] = json!("agentvar_01JAAAAAAAAAAAAAAAAAAAAAAA");
    let (status, err) = s.call("POST", "", Some(body));
    assert_eq!(
        (status, err["error"]["details"][0]["field"].as_str()),
        (400, Some("spec.variationId")),
        "{err}"
    );
}

#[test]
fn pause_resume_archive() {
    let s = setup();
    let id = s.created(hourly())["metadata"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, paused) = s.call("POST", &format!("/{id}:pause"), None);
    assert_eq!(status, 200, "{paused}");
    assert_eq!(paused["spec"]["status"], "AGENT_SCHEDULE_STATUS_PAUSED");
    assert!(
        paused["info"].get("nextFireAt").is_none()
            && paused["info"].get("upcomingFireTimes").is_none()
    );
    s.h.host.clock.advance(90 * 60 * 1000);
    let (_, resumed) = s.call("POST", &format!("/{id}:resume"), None);
    assert_eq!(
        resumed["info"]["nextFireAt"], "2026-01-01T02:00:00.000Z",
        "recomputed from now, nothing caught up"
    );
    let (_, archived) = s.call("POST", &format!("/{id}:archive"), None);
    assert_eq!(archived["spec"]["status"], "AGENT_SCHEDULE_STATUS_ARCHIVED");
    for verb in ["resume", "pause", "trigger"] {
        let (status, err) = s.call("POST", &format!("/{id}:{verb}"), None);
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (409, Some("failed_precondition")),
            "{verb}: {err}"
        );
    }
    let (status, _) = s.call("DELETE", &format!("/{id}"), None);
    assert_eq!(status, 204);
    let (status, _) = s.call("GET", &format!("/{id}"), None);
    assert_eq!(status, 404);
}

#[test]
fn trigger_fires_through_the_same_path_and_skip_holds_overlaps() {
    let s = setup();
    let id = s.created(hourly())["metadata"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let fired = s.trigger(&id);
    assert_eq!(fired["info"]["totalFires"], 1);
    let objectives = s.objectives(&id);
    assert_eq!(objectives.len(), 1);
    let o = &objectives[0];
    assert_eq!(fired["info"]["lastObjectiveId"], o["metadata"]["id"]);
    assert_eq!(o["data"]["initialMessage"], "check the weather");
    assert_eq!(o["data"]["data"], json!({"city": "Lisbon"}));
    assert_eq!(o["data"]["sourceScheduleId"], id.as_str());

    // the first objective has not ended: SKIP records why instead of firing
    let skipped = s.trigger(&id);
    assert_eq!(skipped["info"]["totalFires"], 1);
    let reason = skipped["info"]["lastSkipReason"].as_str().unwrap();
    assert!(
        reason.contains(o["metadata"]["id"].as_str().unwrap()),
        "{reason}"
    );
    assert_eq!(s.objectives(&id).len(), 1);

    // ALLOW fires anyway
    let (status, _) = s.call(
        "PATCH",
        &format!("/{id}"),
        Some(json!({"spec": {"overlapPolicy": "OVERLAP_POLICY_ALLOW"}})),
    );
    assert_eq!(status, 200);
    assert_eq!(s.trigger(&id)["info"]["totalFires"], 2);
}

#[test]
fn due_instants_fire_once_and_missed_ones_collapse() {
    let s = setup();
    let id = s.created(hourly())["metadata"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = s.call(
        "PATCH",
        &format!("/{id}"),
        Some(json!({"spec": {"overlapPolicy": "OVERLAP_POLICY_ALLOW"}})),
    );
    assert_eq!(status, 200);
    let env = s.h.host.env();
    assert_eq!(
        engine::fire::fire_due(&env, s.h.host.clock.now_ms())
            .unwrap()
            .len(),
        0,
        "not due yet"
    );
    s.h.host.clock.advance(60 * 60 * 1000);
    assert_eq!(
        engine::fire::fire_due(&env, s.h.host.clock.now_ms())
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        engine::fire::fire_due(&env, s.h.host.clock.now_ms())
            .unwrap()
            .len(),
        0,
        "each instant once"
    );
    // three instants missed while down: one fire, then the next instant after now
    s.h.host.clock.advance(3 * 60 * 60 * 1000 + 60_000);
    assert_eq!(
        engine::fire::fire_due(&env, s.h.host.clock.now_ms())
            .unwrap()
            .len(),
        1
    );
    let (_, got) = s.call("GET", &format!("/{id}"), None);
    assert_eq!(got["info"]["totalFires"], 2);
    assert_eq!(got["info"]["nextFireAt"], "2026-01-01T05:00:00.000Z");
    assert_eq!(s.objectives(&id).len(), 2);
}
