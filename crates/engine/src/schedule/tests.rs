//! Expectations computed by hand from the 2026 transition dates:
//! New York DST 8 March 02:00 → 03:00 and 1 November 02:00 → 01:00; London
//! 29 March 01:00 → 02:00 and 25 October 02:00 → 01:00; Lord Howe (30-minute DST)
//! 5 April 02:00 → 01:30 and 4 October 02:00 → 02:30.

use super::*;
use model::schedule::Schedule;
use serde_json::json;

fn plan(schedule: serde_json::Value) -> Plan {
    let s: Schedule = serde_json::from_value(schedule).unwrap();
    compile(&s, "spec.schedule", ms("2026-01-01T00:00:00Z")).unwrap()
}

fn ms(rfc3339: &str) -> i64 {
    rfc3339.parse::<Timestamp>().unwrap().as_millisecond()
}

fn utc(ms: i64) -> String {
    Timestamp::from_millisecond(ms).unwrap().to_string()
}

/// The next `n` fire times after `after`, in UTC.
fn next(p: &Plan, after: &str, n: usize) -> Vec<String> {
    p.upcoming(ms(after), n).into_iter().map(utc).collect()
}

fn business_hours(tz: &str) -> Plan {
    plan(json!({"timezone": tz, "calendars": [{
        "dayOfWeek": [{"start": 1, "end": 5}],
        "hour": [{"start": 9, "end": 16}],
        "minute": [{"start": 0, "end": 59, "step": 15}]
    }]}))
}

#[test]
fn business_hours_in_new_york_follow_both_dst_transitions() {
    let p = business_hours("America/New_York");
    // Friday 6 March, last slot 16:45 EST; the weekend holds the spring-forward
    assert_eq!(
        next(&p, "2026-03-06T21:30:00Z", 3),
        [
            "2026-03-06T21:45:00Z",
            "2026-03-09T13:00:00Z",
            "2026-03-09T13:15:00Z"
        ]
    );
    // Friday 30 October 16:45 EDT, then Monday 2 November 09:00 EST
    assert_eq!(
        next(&p, "2026-10-30T20:30:00Z", 3),
        [
            "2026-10-30T20:45:00Z",
            "2026-11-02T14:00:00Z",
            "2026-11-02T14:15:00Z"
        ]
    );
    // 32 slots a weekday, none at the weekend
    let week = p.upcoming(ms("2026-03-08T00:00:00Z"), 32 * 5 + 1);
    assert_eq!(utc(week[32 * 5]), "2026-03-16T13:00:00Z");
}

#[test]
fn london_half_past_one_fires_once_in_the_fold_and_not_in_the_gap() {
    let p = plan(
        json!({"timezone": "Europe/London", "calendars": [{"hour": [{"start": 1}], "minute": [{"start": 30}]}]}),
    );
    assert_eq!(
        next(&p, "2026-10-23T12:00:00Z", 3),
        [
            "2026-10-24T00:30:00Z",
            "2026-10-25T00:30:00Z",
            "2026-10-26T01:30:00Z"
        ]
    );
    // between the two 01:30s of 25 October: the second one does not fire
    assert_eq!(
        next(&p, "2026-10-25T01:00:00Z", 1),
        ["2026-10-26T01:30:00Z"]
    );
    // 29 March has no 01:30
    assert_eq!(
        next(&p, "2026-03-27T12:00:00Z", 2),
        ["2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z"]
    );
}

#[test]
fn lord_howe_half_hour_dst() {
    // 02:15 does not exist on 4 October (02:00 → 02:30)
    let p = plan(
        json!({"timezone": "Australia/Lord_Howe", "calendars": [{"hour": [{"start": 2}], "minute": [{"start": 15}]}]}),
    );
    assert_eq!(
        next(&p, "2026-10-02T00:00:00Z", 2),
        ["2026-10-02T15:45:00Z", "2026-10-04T15:15:00Z"]
    );
    // 01:45 happens twice on 5 April (02:00 → 01:30): only the first fires
    let p = plan(
        json!({"timezone": "Australia/Lord_Howe", "calendars": [{"hour": [{"start": 1}], "minute": [{"start": 45}]}]}),
    );
    assert_eq!(
        next(&p, "2026-04-03T12:00:00Z", 3),
        [
            "2026-04-03T14:45:00Z",
            "2026-04-04T14:45:00Z",
            "2026-04-05T15:15:00Z"
        ]
    );
}

#[test]
fn steps_defaults_and_last_days() {
    let p = plan(
        json!({"timezone": "UTC", "calendars": [{"minute": [{"start": 0, "end": 59, "step": 15}], "hour": [{"start": 0, "end": 23}]}]}),
    );
    assert_eq!(
        next(&p, "2026-01-01T00:00:00Z", 4),
        [
            "2026-01-01T00:15:00Z",
            "2026-01-01T00:30:00Z",
            "2026-01-01T00:45:00Z",
            "2026-01-01T01:00:00Z"
        ]
    );
    // empty second/minute/hour mean 0: a bare calendar is daily at midnight
    let p = plan(json!({"timezone": "UTC", "calendars": [{}]}));
    assert_eq!(
        next(&p, "2026-01-01T00:00:00Z", 1),
        ["2026-01-02T00:00:00Z"]
    );
    // the 31st only in months that have one
    let p = plan(json!({"timezone": "UTC", "calendars": [{"dayOfMonth": [{"start": 31}]}]}));
    assert_eq!(
        next(&p, "2026-01-01T00:00:00Z", 4),
        [
            "2026-01-31T00:00:00Z",
            "2026-03-31T00:00:00Z",
            "2026-05-31T00:00:00Z",
            "2026-07-31T00:00:00Z"
        ]
    );
    // day of month and day of week both given: both must match (Friday the 13th)
    let p = plan(
        json!({"timezone": "UTC", "calendars": [{"dayOfMonth": [{"start": 13}], "dayOfWeek": [{"start": 5}]}]}),
    );
    assert_eq!(
        next(&p, "2026-01-01T00:00:00Z", 3),
        [
            "2026-02-13T00:00:00Z",
            "2026-03-13T00:00:00Z",
            "2026-11-13T00:00:00Z"
        ]
    );
}

#[test]
fn intervals_are_anchored_at_the_epoch() {
    let p = plan(json!({"timezone": "UTC", "intervals": [{"every": "90m", "offset": "15m"}]}));
    // 2026-01-01T00:00Z is a multiple of 90 minutes since the epoch
    assert_eq!(
        next(&p, "2026-01-01T00:00:00Z", 3),
        [
            "2026-01-01T00:15:00Z",
            "2026-01-01T01:45:00Z",
            "2026-01-01T03:15:00Z"
        ]
    );
    let p = plan(json!({"timezone": "UTC", "intervals": [{"every": "1s"}]}));
    assert_eq!(
        p.next_after(ms("2026-01-01T00:00:00Z") + 1),
        Some(ms("2026-01-01T00:00:01Z"))
    );
    assert_eq!(
        p.next_after(ms("2026-01-01T00:00:00Z")),
        Some(ms("2026-01-01T00:00:01Z"))
    );
    // the union of rules, earliest first, each instant once
    let p = plan(
        json!({"timezone": "UTC", "intervals": [{"every": "1h"}], "calendars": [{"minute": [{"start": 0}, {"start": 30}], "hour": [{"start": 0, "end": 23}]}]}),
    );
    assert_eq!(
        next(&p, "2026-01-01T00:00:00Z", 3),
        [
            "2026-01-01T00:30:00Z",
            "2026-01-01T01:00:00Z",
            "2026-01-01T01:30:00Z"
        ]
    );
}

#[test]
fn durations() {
    assert_eq!(parse_duration("30s"), Ok(30));
    assert_eq!(parse_duration("15m"), Ok(900));
    assert_eq!(parse_duration("1h30m"), Ok(5400));
    assert_eq!(parse_duration("86400s"), Ok(86400));
    for bad in ["", "5", "1d", "m5", "1.5h", "-1s", "1h 30m"] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
}

fn errors(schedule: serde_json::Value) -> Vec<String> {
    let s: Schedule = serde_json::from_value(schedule).unwrap();
    match compile(&s, "spec.schedule", ms("2026-01-01T00:00:00Z")) {
        Ok(_) => vec![],
        Err(v) => v.0.into_iter().map(|f| f.field).collect(),
    }
}

#[test]
fn bad_schedules_name_their_field() {
    assert_eq!(
        errors(json!({"timezone": "Mars/Olympus", "intervals": [{"every": "1m"}]})),
        ["spec.schedule.timezone"]
    );
    assert_eq!(
        errors(
            json!({"timezone": "UTC", "intervals": [{"every": "1m", "offset": "1m"}, {"every": "soon"}, {"every": "0s"}]})
        ),
        [
            "spec.schedule.intervals[0].offset",
            "spec.schedule.intervals[1].every",
            "spec.schedule.intervals[2].every"
        ]
    );
    assert_eq!(
        errors(
            json!({"timezone": "UTC", "calendars": [{}, {"month": [{"start": 2}], "dayOfMonth": [{"start": 30}]}]})
        ),
        ["spec.schedule.calendars[1]"]
    );
    // 29 February is real, just rare
    assert!(errors(json!({"timezone": "UTC", "calendars": [{"month": [{"start": 2}], "dayOfMonth": [{"start": 29}]}]})).is_empty());
}
