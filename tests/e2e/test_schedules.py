"""Schedules (issue 5, docs/api.md §6.2 "AgentsSchedules", docs/api.md §3.3 / §4.3) through the API: CRUD in
both route forms, defaults, dry-run previews of the next fire times (hand-checked across zones), the
validation table, lifecycle methods, `:trigger` (which fires at once through the scheduler's own path),
scopes and 404s. The timing-based firing tests are in test_schedule_firing.py."""

from __future__ import annotations

import time
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from agentloop import (DATA, WEIGHTED, model_name, never, new_agent, new_variation, setup_agent, variation_spec,
                       wait_for)
from builders import mentions, missing
from client import expect, expect_error, jwt_claims
from fakes import text
from scheduling import (ACTIVE, ALLOW, ARCHIVED, PAUSED, SKIP, Schedules, act, body, check_fired_objective,
                        created_at, daily, epoch, far_daily, far_hour, fired, get_schedule, next_daily, sched_path,
                        schedules_path, short_schedules_path, ts, utcnow, wait_ended, wait_fired)

SCHEMA = {"type": "object", "properties": {"customer": {"type": "string"}}, "required": ["customer"]}
BAD_ID = "agent_01ARZ3NDEKTSV4RRFFQ69G5FAV"


@pytest.fixture
def scheds():
    """Creates schedules and deletes them after the test, so none keeps firing in the shared app."""
    made = Schedules()
    yield made
    made.cleanup()


def create(ws, agent_id: str, payload: dict, **kw) -> dict:
    return expect(ws.api.post(schedules_path(ws, agent_id), payload, **kw), 201)


def total(ws, agent_id: str) -> int:
    return expect(ws.api.get(schedules_path(ws, agent_id)), 200)["pagination"]["total"]


def check_daily_preview(info: dict, hour: int, minute: int, before, after) -> None:
    """`nextFireAt` and the five `upcomingFireTimes` of a daily UTC calendar at hour:minute, computed from
    a moment between `before` and `after`."""
    upcoming = [ts(t) for t in info["upcomingFireTimes"]]
    assert len(upcoming) == 5, info
    first = upcoming[0]
    assert first in {next_daily(hour, minute, before), next_daily(hour, minute, after)}, info
    assert upcoming == [first + timedelta(days=i) for i in range(5)], info
    assert ts(info["nextFireAt"]) == first, info


# ---- create, read, defaults

def test_create_applies_defaults_and_reads_back_with_info(ws, scheds):
    s = setup_agent(ws)
    hour = far_hour()
    payload = body(daily(hour, 7), name="nightly", message="Run the nightly report")
    before = utcnow()
    created = create(ws, s.agent_id, payload)
    after = utcnow()
    scheds.track(ws, s.agent_id, created["metadata"]["id"])
    sid = created["metadata"]["id"]
    md = created["metadata"]
    assert sid.startswith("sched_")
    assert md["name"] == "nightly"
    assert md["workspaceId"] == ws.id
    assert md["accountId"] == s.agent["metadata"]["accountId"]
    assert md["profileId"] == jwt_claims(ws.token)["sub"]
    assert before - timedelta(seconds=1) <= ts(md["createdAt"]) <= after + timedelta(seconds=1)
    assert ts(md["updatedAt"]) == ts(md["createdAt"])
    # defaults are filled in, and what was sent comes back as sent
    assert created["spec"] == {"initialMessage": "Run the nightly report", "schedule": daily(hour, 7),
                               "data": DATA, "overlapPolicy": SKIP, "status": ACTIVE}

    got = get_schedule(ws, s.agent_id, sid)
    assert got["metadata"] == created["metadata"]
    assert got["spec"] == created["spec"]
    i = got["info"]
    assert i["createdBy"]["metadata"]["id"] == jwt_claims(ws.token)["sub"]
    assert i["createdBy"]["spec"]["type"] == "PROFILE_TYPE_API_KEY"
    assert i["totalFires"] == 0
    for absent in ("lastFireAt", "lastObjectiveId", "lastSkippedAt", "lastSkipReason"):
        assert absent not in i, i
    check_daily_preview(i, hour, 7, before, utcnow())
    # nothing fired it
    assert fired(ws, sid) == []


def test_unspecified_enums_mean_the_defaults_and_explicit_values_stick(ws, scheds):
    s = setup_agent(ws)
    unspecified = create(ws, s.agent_id, body(far_daily(), overlapPolicy="OVERLAP_POLICY_UNSPECIFIED",
                                               status="AGENT_SCHEDULE_STATUS_UNSPECIFIED"))
    scheds.track(ws, s.agent_id, unspecified["metadata"]["id"])
    assert (unspecified["spec"]["overlapPolicy"], unspecified["spec"]["status"]) == (SKIP, ACTIVE)

    allow = create(ws, s.agent_id, body(far_daily(), overlapPolicy=ALLOW))
    scheds.track(ws, s.agent_id, allow["metadata"]["id"])
    assert allow["spec"]["overlapPolicy"] == ALLOW

    # created PAUSED: no next fire time, no preview, and it stays paused
    paused = create(ws, s.agent_id, body(far_daily(), status=PAUSED))
    sid = paused["metadata"]["id"]
    scheds.track(ws, s.agent_id, sid)
    got = get_schedule(ws, s.agent_id, sid)
    assert got["spec"]["status"] == PAUSED
    assert "nextFireAt" not in got["info"] and "upcomingFireTimes" not in got["info"], got["info"]
    assert got["info"]["totalFires"] == 0


def test_external_ids_labels_and_duplicates(ws, scheds):
    s = setup_agent(ws)
    created = create(ws, s.agent_id, body(far_daily(), metadata={"externalId": "nightly-1",
                                                                  "labels": {"team": "ops"}}))
    sid = created["metadata"]["id"]
    scheds.track(ws, s.agent_id, sid)
    assert created["metadata"]["externalId"] == "nightly-1"
    assert created["metadata"]["labels"] == {"team": "ops"}
    by_ext = get_schedule(ws, s.agent_id, "external_id:nightly-1")
    assert by_ext["metadata"]["id"] == sid
    expect_error(ws.api.post(schedules_path(ws, s.agent_id), body(far_daily(), metadata={"externalId": "nightly-1"})),
                 409, "conflict", "metadata.externalId")
    assert total(ws, s.agent_id) == 1


# ---- dry runs and previews

def test_dry_run_create_previews_the_fire_times_and_stores_nothing(ws):
    s = setup_agent(ws)
    hour = far_hour()
    before = utcnow()
    dry = expect(ws.api.post(schedules_path(ws, s.agent_id), body(daily(hour, 7), name="dry",
                                                                  metadata={"externalId": "dry-1"}),
                             params={"dryRun": "true"}), 200)
    after = utcnow()
    assert dry["metadata"]["id"].startswith("sched_")
    assert dry["metadata"]["name"] == "dry"
    assert dry["spec"]["status"] == ACTIVE and dry["spec"]["overlapPolicy"] == SKIP
    check_daily_preview(dry["info"], hour, 7, before, after)
    assert dry["info"]["totalFires"] == 0
    # nothing stored
    assert total(ws, s.agent_id) == 0
    expect_error(ws.api.get(sched_path(ws, s.agent_id, dry["metadata"]["id"])), 404, "not_found")
    expect_error(ws.api.get(sched_path(ws, s.agent_id, "external_id:dry-1")), 404, "not_found")
    # dry runs validate like real ones
    expect_error(ws.api.post(schedules_path(ws, s.agent_id), body({"timezone": "UTC"}), params={"dryRun": "true"}),
                 400, "validation_error", "spec.schedule.calendars")


def preview(ws, agent_id: str, schedule: dict) -> list:
    dry = expect(ws.api.post(schedules_path(ws, agent_id), body(schedule), params={"dryRun": "true"}), 200)
    times = [ts(t) for t in dry["info"]["upcomingFireTimes"]]
    assert len(times) == 5, dry["info"]
    assert ts(dry["info"]["nextFireAt"]) == times[0], dry["info"]
    assert times == sorted(set(times)), f"strictly increasing: {dry['info']['upcomingFireTimes']}"
    return times


def test_preview_new_york_morning_is_dst_correct(ws):
    """09:30 America/New_York: 13:30Z while daylight saving time is on, 14:30Z otherwise (so 14:30Z in late
    November), each on the next five local days."""
    s = setup_agent(ws)
    ny = ZoneInfo("America/New_York")
    before = utcnow()
    times = preview(ws, s.agent_id, {"calendars": [{"hour": [{"start": 9}], "minute": [{"start": 30}]}],
                                     "timezone": "America/New_York"})
    assert times[0] > before
    assert times[0] - before <= timedelta(days=1, seconds=5)
    dates = []
    for t in times:
        local = t.astimezone(ny)
        assert (local.hour, local.minute, local.second, t.microsecond) == (9, 30, 0, 0), t
        dst = bool(local.dst())
        assert t.astimezone(timezone.utc).strftime("%H:%M:%S") == ("13:30:00" if dst else "14:30:00"), t
        dates.append(local.date())
    assert dates == [dates[0] + timedelta(days=i) for i in range(5)], dates
    if before.month == 11 and before.day >= 10:  # the case the issue hand-checks
        assert all(t.strftime("%H:%M:%S") == "14:30:00" for t in times), times


def test_preview_intervals_are_anchored_at_the_epoch(ws):
    s = setup_agent(ws)
    before = time.time()
    times = preview(ws, s.agent_id, {"intervals": [{"every": "2s"}], "timezone": "UTC"})
    stamps = [t.timestamp() for t in times]
    assert all(x == int(x) and int(x) % 2 == 0 for x in stamps), stamps
    assert [b - a for a, b in zip(stamps, stamps[1:])] == [2, 2, 2, 2]
    assert before - 1 < stamps[0] <= time.time() + 2

    # an offset shifts the phase: every hour at :15
    times = preview(ws, s.agent_id, {"intervals": [{"every": "1h", "offset": "15m"}], "timezone": "UTC"})
    assert all((t.minute, t.second) == (15, 0) for t in times), times
    assert [b - a for a, b in zip(times, times[1:])] == [timedelta(hours=1)] * 4

    # "1h30m" is 5400 s since the epoch
    times = preview(ws, s.agent_id, {"intervals": [{"every": "1h30m"}], "timezone": "Europe/Paris"})
    assert all(int(t.timestamp()) % 5400 == 0 for t in times), times


def test_preview_unions_rules_and_honours_steps_and_zones(ws):
    s = setup_agent(ws)
    # a calendar at :30 of every hour OR'd with an hourly interval: alternating :00 and :30
    times = preview(ws, s.agent_id, {"calendars": [{"minute": [{"start": 30}], "hour": [{"start": 0, "end": 23}]}],
                                     "intervals": [{"every": "1h"}], "timezone": "UTC"})
    assert [b - a for a, b in zip(times, times[1:])] == [timedelta(minutes=30)] * 4, times
    assert all(t.second == 0 and t.minute in (0, 30) for t in times), times

    # {start: 0, end: 59, step: 15} on seconds, every minute of every hour: every 15 s
    every_15 = {"second": [{"start": 0, "end": 59, "step": 15}], "minute": [{"start": 0, "end": 59}],
                "hour": [{"start": 0, "end": 23}]}
    times = preview(ws, s.agent_id, {"calendars": [every_15], "timezone": "UTC"})
    assert all(t.second in (0, 15, 30, 45) for t in times), times
    assert [b - a for a, b in zip(times, times[1:])] == [timedelta(seconds=15)] * 4, times

    # midnight in Kolkata (UTC+05:30, no DST) is 18:30Z the day before
    times = preview(ws, s.agent_id, {"calendars": [{}], "timezone": "Asia/Kolkata"})
    assert all(t.astimezone(timezone.utc).strftime("%H:%M:%S") == "18:30:00" for t in times), times

    # the 31st only in months that have one; weekdays with 0 = Sunday
    times = preview(ws, s.agent_id, {"calendars": [{"dayOfMonth": [{"start": 31}]}], "timezone": "UTC"})
    assert all(t.day == 31 and (t.hour, t.minute, t.second) == (0, 0, 0) for t in times), times
    times = preview(ws, s.agent_id, {"calendars": [{"dayOfWeek": [{"start": 0}], "hour": [{"start": 12}]}],
                                     "timezone": "UTC"})
    assert all(t.isoweekday() == 7 and t.hour == 12 for t in times), times
    assert [b - a for a, b in zip(times, times[1:])] == [timedelta(days=7)] * 4


# ---- validation

@pytest.mark.parametrize("spec,field", [
    ({"schedule": {"timezone": "UTC"}}, "spec.schedule.calendars"),
    ({"schedule": {"calendars": [], "intervals": [], "timezone": "UTC"}}, "spec.schedule.calendars"),
    ({"schedule": {"intervals": [{"every": "1m"}]}}, "spec.schedule.timezone"),
    ({"schedule": {"intervals": [{"every": "1m"}], "timezone": "  "}}, "spec.schedule.timezone"),
    ({"schedule": {"intervals": [{"every": "1m"}], "timezone": "Mars/Olympus"}}, "spec.schedule.timezone"),
    ({"schedule": {"calendars": [{}, {"hour": [{"start": 1, "end": 24}]}], "timezone": "UTC"}},
     "spec.schedule.calendars[1].hour[0].end"),
    ({"schedule": {"calendars": [{"hour": [{"start": 24}]}], "timezone": "UTC"}},
     "spec.schedule.calendars[0].hour[0].start"),
    ({"schedule": {"calendars": [{"minute": [{"start": 60}]}], "timezone": "UTC"}},
     "spec.schedule.calendars[0].minute[0].start"),
    ({"schedule": {"calendars": [{"second": [{"start": -1}]}], "timezone": "UTC"}},
     "spec.schedule.calendars[0].second[0].start"),
    ({"schedule": {"calendars": [{"dayOfMonth": [{"start": 0}]}], "timezone": "UTC"}},
     "spec.schedule.calendars[0].dayOfMonth[0].start"),
    ({"schedule": {"calendars": [{"month": [{"start": 13}]}], "timezone": "UTC"}},
     "spec.schedule.calendars[0].month[0].start"),
    ({"schedule": {"calendars": [{"dayOfWeek": [{"start": 7}]}], "timezone": "UTC"}},
     "spec.schedule.calendars[0].dayOfWeek[0].start"),
    ({"schedule": {"calendars": [{"minute": [{"start": 0, "end": 59, "step": 0}]}], "timezone": "UTC"}},
     "spec.schedule.calendars[0].minute[0].step"),
    ({"schedule": {"calendars": [{"dayOfWeek": [{"start": 5, "end": 1}]}], "timezone": "UTC"}},
     "spec.schedule.calendars[0].dayOfWeek[0].end"),
    ({"schedule": {"intervals": [{"every": "1m", "offset": "1m"}], "timezone": "UTC"}},
     "spec.schedule.intervals[0].offset"),
    ({"schedule": {"intervals": [{"every": "1m", "offset": "90s"}], "timezone": "UTC"}},
     "spec.schedule.intervals[0].offset"),
    ({"schedule": {"intervals": [{"every": "soon"}], "timezone": "UTC"}}, "spec.schedule.intervals[0].every"),
    ({"schedule": {"intervals": [{"every": "0s"}], "timezone": "UTC"}}, "spec.schedule.intervals[0].every"),
    ({"schedule": {"intervals": [{"every": "1.5h"}], "timezone": "UTC"}}, "spec.schedule.intervals[0].every"),
    ({"schedule": {"intervals": [{"every": "-1s"}], "timezone": "UTC"}}, "spec.schedule.intervals[0].every"),
    ({"schedule": {"intervals": [{"offset": "1s"}], "timezone": "UTC"}}, "spec.schedule.intervals[0].every"),
    ({"schedule": {"intervals": [{"every": "1m", "offset": "later"}], "timezone": "UTC"}},
     "spec.schedule.intervals[0].offset"),
    ({"schedule": {"calendars": [{"month": [{"start": 2}], "dayOfMonth": [{"start": 30}]}], "timezone": "UTC"}},
     "spec.schedule.calendars[0]"),
    ({"schedule": {"calendars": [{}, {"month": [{"start": 4}], "dayOfMonth": [{"start": 31}]}],
                   "timezone": "UTC"}}, "spec.schedule.calendars[1]"),
    ({"initialMessage": "   "}, "spec.initialMessage"),
    ({"initialMessage": ""}, "spec.initialMessage"),
    # wrong types, unknown fields and enums are named like every other resource's
    ({"initialMessage": 7}, "spec.initialMessage"),
    ({"schedule": {"calendars": [{"hour": [{"start": "nine"}]}], "timezone": "UTC"}},
     "spec.schedule.calendars[0].hour[0].start"),
    ({"schedule": {"intervals": [{"every": 5}], "timezone": "UTC"}}, "spec.schedule.intervals[0].every"),
    ({"schedule": {"cron": "* * * * *", "timezone": "UTC"}}, "spec.schedule.cron"),
    ({"cron": "* * * * *"}, "spec.cron"),
    ({"overlapPolicy": "OVERLAP_POLICY_SOMETIMES"}, "spec.overlapPolicy"),
    ({"status": "ACTIVE"}, "spec.status"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_bad_specs_are_400_naming_the_field(ws, spec, field):
    s = setup_agent(ws)
    payload = body(far_daily())
    payload["spec"].update(spec)
    expect_error(ws.api.post(schedules_path(ws, s.agent_id), payload), 400, "validation_error", field)
    assert total(ws, s.agent_id) == 0


def test_bad_request_shapes_are_400(ws):
    s = setup_agent(ws)
    path = schedules_path(ws, s.agent_id)
    good = body(far_daily())
    expect_error(ws.api.post(path, {"spec": good["spec"]}), 400, "validation_error", "metadata")
    expect_error(ws.api.post(path, {"metadata": {}, "spec": good["spec"]}), 400, "validation_error",
                 "metadata.name")
    expect_error(ws.api.post(path, {"metadata": {"name": "x"}}), 400, "validation_error", "spec")
    expect_error(ws.api.post(path, {"metadata": {"name": "x"}, "spec": {"schedule": far_daily()}}), 400,
                 "validation_error", "spec.initialMessage")
    expect_error(ws.api.post(path, {"metadata": {"name": "x"}, "spec": {"initialMessage": "go"}}), 400,
                 "validation_error", "spec.schedule")
    expect_error(ws.api.post(path, dict(good, colour="red")), 400, "validation_error", "colour")
    expect_error(ws.api.post(path, raw=b"{"), 400, "validation_error", "body")
    expect_error(ws.api.post(path, good, params={"colour": "red"}), 400, "validation_error", "colour")
    # every violation at once
    bad = body({"calendars": [{"hour": [{"start": 24}], "minute": [{"start": 60}]}], "timezone": ""},
               message=" ")
    bad["metadata"]["name"] = ""
    err = expect_error(ws.api.post(path, bad), 400, "validation_error")
    fields = {d["field"] for d in err["details"]}
    assert {"metadata.name", "spec.initialMessage", "spec.schedule.timezone",
            "spec.schedule.calendars[0].hour[0].start", "spec.schedule.calendars[0].minute[0].start"} <= fields, err
    assert total(ws, s.agent_id) == 0


def test_unknown_zone_and_bad_durations_are_explained(ws):
    s = setup_agent(ws)
    err = expect_error(ws.api.post(schedules_path(ws, s.agent_id),
                                   body({"intervals": [{"every": "1m"}], "timezone": "Mars/Olympus"})),
                       400, "validation_error", "spec.schedule.timezone")
    assert mentions(err, "Mars/Olympus"), err
    err = expect_error(ws.api.post(schedules_path(ws, s.agent_id),
                                   body({"intervals": [{"every": "soon"}], "timezone": "UTC"})),
                       400, "validation_error", "spec.schedule.intervals[0].every")
    assert mentions(err, "soon"), err


def test_data_must_satisfy_the_agents_input_schema(ws, scheds):
    s = setup_agent(ws, input_schema=SCHEMA)
    err = expect_error(ws.api.post(schedules_path(ws, s.agent_id), body(far_daily(), data={"seats": 2})), 400,
                       "validation_error")
    assert err["details"] and all(d["field"].startswith("spec.data") for d in err["details"]), err
    assert mentions(err, "customer"), err
    err = expect_error(ws.api.post(schedules_path(ws, s.agent_id), body(far_daily(), data={"customer": 5})), 400,
                       "validation_error")
    assert all(d["field"].startswith("spec.data") for d in err["details"]), err
    assert total(ws, s.agent_id) == 0
    ok = create(ws, s.agent_id, body(far_daily(), data={"customer": "ACME"}))
    scheds.track(ws, s.agent_id, ok["metadata"]["id"])
    assert ok["spec"]["data"] == {"customer": "ACME"}
    # PATCH is held to the same schema
    path = sched_path(ws, s.agent_id, ok["metadata"]["id"])
    err = expect_error(ws.api.patch(path, {"spec": {"data": {"seats": 1}}}), 400, "validation_error")
    assert all(d["field"].startswith("spec.data") for d in err["details"]), err
    assert expect(ws.api.get(path), 200)["spec"]["data"] == {"customer": "ACME"}


def test_variation_must_belong_to_the_agent(ws, scheds):
    a = setup_agent(ws, name="a")
    b = setup_agent(ws, name="b")
    for vid in [b.variation_id, missing("agentvar"), BAD_ID]:
        expect_error(ws.api.post(schedules_path(ws, a.agent_id), body(far_daily(), variationId=vid)), 400,
                     "validation_error", "spec.variationId")
    assert total(ws, a.agent_id) == 0
    ok = create(ws, a.agent_id, body(far_daily(), variationId=a.variation_id))
    scheds.track(ws, a.agent_id, ok["metadata"]["id"])
    assert ok["spec"]["variationId"] == a.variation_id


# ---- list

def test_list_paginates_filters_and_shows_info_on_request(ws, scheds):
    s = setup_agent(ws)
    other = setup_agent(ws, name="other")
    ids = []
    for name, labels in [("alpha-1", {"env": "prod"}), ("alpha-2", {"env": "dev"}), ("beta-1", {"env": "prod"})]:
        c = create(ws, s.agent_id, body(far_daily(), name=name, metadata={"labels": labels}))
        scheds.track(ws, s.agent_id, c["metadata"]["id"])
        ids.append(c["metadata"]["id"])
    theirs = create(ws, other.agent_id, body(far_daily(), name="alpha-other"))
    scheds.track(ws, other.agent_id, theirs["metadata"]["id"])
    path = schedules_path(ws, s.agent_id)

    def names(params):
        page = expect(ws.api.get(path, params=params), 200)
        return [x["metadata"]["name"] for x in page["items"]], page["pagination"]["total"]

    page = expect(ws.api.get(path), 200)
    assert [x["metadata"]["id"] for x in page["items"]] == list(reversed(ids))
    assert page["pagination"]["total"] == 3
    assert all("info" not in x for x in page["items"])
    assert all(x["spec"]["status"] == ACTIVE and x["spec"]["overlapPolicy"] == SKIP for x in page["items"])
    assert names({"sortOrder": "asc"}) == (["alpha-1", "alpha-2", "beta-1"], 3)
    assert names({"prefix": "alpha"}) == (["alpha-2", "alpha-1"], 2)
    assert names({"labels": "env=prod"}) == (["beta-1", "alpha-1"], 2)

    first = expect(ws.api.get(path, params={"limit": 2}), 200)
    assert len(first["items"]) == 2 and first["pagination"]["nextCursor"]
    rest = expect(ws.api.get(path, params={"limit": 2, "cursor": first["pagination"]["nextCursor"]}), 200)
    assert [x["metadata"]["id"] for x in first["items"] + rest["items"]] == list(reversed(ids))
    assert not rest["pagination"].get("nextCursor")

    with_info = expect(ws.api.get(path, params={"includeInfo": "true"}), 200)["items"]
    assert all(x["info"]["totalFires"] == 0 and x["info"]["nextFireAt"] and len(x["info"]["upcomingFireTimes"]) == 5
               for x in with_info), with_info

    act(ws, s.agent_id, ids[1], "pause")
    assert names({"status": PAUSED}) == (["alpha-2"], 1)
    assert names({"status": ACTIVE}) == (["beta-1", "alpha-1"], 2)
    assert names({"status": ARCHIVED}) == ([], 0)
    expect_error(ws.api.get(path, params={"status": "PAUSED"}), 400, "validation_error", "status")
    expect_error(ws.api.get(path, params={"colour": "red"}), 400, "validation_error", "colour")
    expect_error(ws.api.get(path, params={"cursor": "garbage"}), 400, "validation_error", "cursor")
    # the other agent's list has only its own
    assert [x["metadata"]["name"] for x in expect(ws.api.get(schedules_path(ws, other.agent_id)), 200)["items"]] == [
        "alpha-other"]


# ---- update and delete

def test_patch_merges_recomputes_the_next_fire_and_validates(ws, scheds):
    s = setup_agent(ws)
    hour = far_hour()
    c = create(ws, s.agent_id, body(daily(hour, 7), message="first message", metadata={"labels": {"a": "1"}}))
    sid = c["metadata"]["id"]
    scheds.track(ws, s.agent_id, sid)
    path = sched_path(ws, s.agent_id, sid)

    merged = expect(ws.api.patch(path, {"spec": {"initialMessage": "second message"}}), 200)
    assert merged["spec"]["initialMessage"] == "second message"
    assert merged["spec"]["schedule"] == daily(hour, 7)
    assert merged["spec"]["data"] == DATA and merged["spec"]["overlapPolicy"] == SKIP
    assert merged["metadata"]["labels"] == {"a": "1"}
    assert ts(merged["metadata"]["updatedAt"]) >= ts(c["metadata"]["updatedAt"])

    # a new schedule moves nextFireAt and the preview
    new_hour = (hour + 5) % 24
    before = utcnow()
    moved = expect(ws.api.patch(path, {"spec": {"schedule": daily(new_hour, 45)}}), 200)
    after = utcnow()
    assert moved["spec"]["schedule"] == daily(new_hour, 45)
    check_daily_preview(moved["info"], new_hour, 45, before, after)
    check_daily_preview(get_schedule(ws, s.agent_id, sid)["info"], new_hour, 45, before, utcnow())

    # dry run: the would-be schedule and its preview, nothing stored
    dry = expect(ws.api.patch(path, {"spec": {"schedule": daily(hour, 7), "overlapPolicy": ALLOW}},
                              params={"dryRun": "true"}), 200)
    assert dry["spec"]["schedule"] == daily(hour, 7) and dry["spec"]["overlapPolicy"] == ALLOW
    check_daily_preview(dry["info"], hour, 7, before, utcnow())
    stored = get_schedule(ws, s.agent_id, sid)
    assert stored["spec"]["schedule"] == daily(new_hour, 45) and stored["spec"]["overlapPolicy"] == SKIP
    check_daily_preview(stored["info"], new_hour, 45, before, utcnow())

    # bad updates are 400 and change nothing
    expect_error(ws.api.patch(path, {"spec": {"schedule": {"intervals": [{"every": "1m"}],
                                                           "timezone": "Mars/Olympus"}}}),
                 400, "validation_error", "spec.schedule.timezone")
    expect_error(ws.api.patch(path, {"spec": {"schedule": {"timezone": "UTC"}}}), 400, "validation_error",
                 "spec.schedule.calendars")
    expect_error(ws.api.patch(path, {"spec": {"initialMessage": " "}}), 400, "validation_error",
                 "spec.initialMessage")
    expect_error(ws.api.patch(path, {"spec": {"variationId": missing("agentvar")}}), 400, "validation_error",
                 "spec.variationId")
    expect_error(ws.api.patch(path, {"metadata": {"name": ""}}), 400, "validation_error", "metadata.name")
    expect_error(ws.api.patch(path, {}, params={"updateMask": "spec.nope"}), 400, "validation_error",
                 "updateMask")
    assert get_schedule(ws, s.agent_id, sid)["spec"] == stored["spec"]

    # updateMask restricts the update
    masked = expect(ws.api.patch(path, {"metadata": {"name": "renamed"}, "spec": {"initialMessage": "ignored"}},
                                 params={"updateMask": "metadata.name"}), 200)
    assert masked["metadata"]["name"] == "renamed"
    assert masked["spec"]["initialMessage"] == "second message"
    # a fetched schedule can be sent back as is (server-owned fields are ignored)
    current = get_schedule(ws, s.agent_id, sid)
    current["spec"]["initialMessage"] = "round trip"
    back = expect(ws.api.patch(path, current), 200)
    assert back["metadata"]["id"] == sid and back["spec"]["initialMessage"] == "round trip"
    assert back["info"]["totalFires"] == 0


def test_patching_a_paused_schedule_keeps_it_quiet(ws, scheds):
    s = setup_agent(ws)
    c = scheds.create(ws, s.agent_id, far_daily())
    sid = c["metadata"]["id"]
    act(ws, s.agent_id, sid, "pause")
    patched = expect(ws.api.patch(sched_path(ws, s.agent_id, sid), {"spec": {"schedule": far_daily()}}), 200)
    assert patched["spec"]["status"] == PAUSED
    assert "nextFireAt" not in patched["info"] and "upcomingFireTimes" not in patched["info"], patched["info"]


def test_delete_then_404(ws):
    s = setup_agent(ws)
    c = create(ws, s.agent_id, body(far_daily()))
    path = sched_path(ws, s.agent_id, c["metadata"]["id"])
    expect(ws.api.delete(path, params={"dryRun": "true"}), 204)
    expect(ws.api.get(path), 200)
    expect(ws.api.delete(path), 204)
    expect_error(ws.api.get(path), 404, "not_found")
    expect_error(ws.api.delete(path), 404, "not_found")
    expect_error(ws.api.patch(path, {"spec": {"initialMessage": "x"}}), 404, "not_found")
    for verb in ("pause", "resume", "archive", "trigger"):
        expect_error(ws.api.post(f"{path}:{verb}"), 404, "not_found")
    assert total(ws, s.agent_id) == 0


# ---- lifecycle

def test_pause_resume_archive_move_the_status(ws, scheds):
    s = setup_agent(ws)
    hour = far_hour()
    c = scheds.create(ws, s.agent_id, daily(hour, 7))
    sid = c["metadata"]["id"]
    path = sched_path(ws, s.agent_id, sid)

    paused = act(ws, s.agent_id, sid, "pause")
    assert paused["metadata"]["id"] == sid and paused["spec"]["status"] == PAUSED
    assert "nextFireAt" not in paused["info"] and "upcomingFireTimes" not in paused["info"], paused["info"]
    assert ts(paused["metadata"]["updatedAt"]) >= ts(c["metadata"]["updatedAt"])
    assert get_schedule(ws, s.agent_id, sid)["spec"]["status"] == PAUSED

    before = utcnow()
    resumed = expect(ws.api.post(f"{path}:resume", {}), 200)
    assert resumed["spec"]["status"] == ACTIVE
    check_daily_preview(resumed["info"], hour, 7, before, utcnow())

    # dry runs of the lifecycle methods answer the would-be schedule and store nothing
    assert act(ws, s.agent_id, sid, "pause", params={"dryRun": "true"})["spec"]["status"] == PAUSED
    assert get_schedule(ws, s.agent_id, sid)["spec"]["status"] == ACTIVE

    # a body with fields is refused
    expect_error(ws.api.post(f"{path}:pause", {"force": True}), 400, "validation_error", "force")
    expect_error(ws.api.get(f"{path}:pause"), 405, "method_not_allowed")

    archived = act(ws, s.agent_id, sid, "archive")
    assert archived["spec"]["status"] == ARCHIVED
    assert "nextFireAt" not in archived["info"] and "upcomingFireTimes" not in archived["info"], archived["info"]
    for verb in ("resume", "pause", "trigger"):
        err = expect_error(ws.api.post(f"{path}:{verb}"), 409, "failed_precondition")
        assert "archived" in err["message"].lower(), err
    got = get_schedule(ws, s.agent_id, sid)
    assert got["spec"]["status"] == ARCHIVED and "nextFireAt" not in got["info"]
    assert got["info"]["totalFires"] == 0 and fired(ws, sid) == []
    # still listed, by status too
    listed = expect(ws.api.get(schedules_path(ws, s.agent_id), params={"status": ARCHIVED}), 200)["items"]
    assert [x["metadata"]["id"] for x in listed] == [sid]


# ---- :trigger

def test_trigger_fires_at_once_honours_skip_and_works_while_paused(ws, fake_openai, scheds):
    s = setup_agent(ws)
    fake_openai.script(s.model, [text("slow", delay=4)])  # the first objective runs for ~4 s
    c = scheds.create(ws, s.agent_id, far_daily(), message="triggered run")
    sid = c["metadata"]["id"]
    next_fire = ts(get_schedule(ws, s.agent_id, sid)["info"]["nextFireAt"])
    assert next_fire - utcnow() > timedelta(hours=1), "only :trigger can fire it during this test"
    assert fired(ws, sid) == []

    called = time.time()
    out = act(ws, s.agent_id, sid, "trigger")
    assert out["metadata"]["id"] == sid and out["spec"]["status"] == ACTIVE
    [first] = wait_fired(ws, sid, 1, timeout=5)
    oid = first["metadata"]["id"]
    assert created_at(first) - called <= 3.0, "the objective exists right after the call"
    assert created_at(first) < next_fire.timestamp()
    check_fired_objective(first, sid, s.agent_id, "triggered run", variation_id=s.variation_id)
    # the response already shows the fire (it went through the same path, synchronously)
    assert out["info"]["totalFires"] == 1 and out["info"]["lastObjectiveId"] == oid, out["info"]
    i = get_schedule(ws, s.agent_id, sid)["info"]
    assert i["totalFires"] == 1 and i["lastObjectiveId"] == oid
    assert abs(epoch(i["lastFireAt"]) - created_at(first)) <= 2.0, (i, first["metadata"])
    assert ts(i["nextFireAt"]) == next_fire, "a trigger does not move the calendar"
    wait_for(lambda: fake_openai.requests(s.model), 30, "the first objective's model call")

    # SKIP (the default): the first objective is still running, so a second trigger creates nothing
    skipped = act(ws, s.agent_id, sid, "trigger", body={})
    assert skipped["spec"]["status"] == ACTIVE
    i = wait_for(lambda: (lambda x: x if x.get("lastSkippedAt") else None)(info_of(ws, s.agent_id, sid)), 5,
                 "the skip to be recorded")
    assert oid in i["lastSkipReason"], i
    assert i["totalFires"] == 1 and i["lastObjectiveId"] == oid
    assert [o["metadata"]["id"] for o in fired(ws, sid)] == [oid]
    assert epoch(i["lastSkippedAt"]) >= created_at(first)

    # once it ended, a trigger fires again, also while PAUSED, which it stays
    wait_ended(ws, oid)
    act(ws, s.agent_id, sid, "pause")
    called = time.time()
    paused_fire = act(ws, s.agent_id, sid, "trigger")
    assert paused_fire["spec"]["status"] == PAUSED
    assert "nextFireAt" not in paused_fire["info"]
    objs = wait_fired(ws, sid, 2, timeout=5)
    second = objs[-1]
    assert created_at(second) - called <= 3.0
    check_fired_objective(second, sid, s.agent_id, "triggered run")
    i = get_schedule(ws, s.agent_id, sid)["info"]
    assert i["totalFires"] == 2 and i["lastObjectiveId"] == second["metadata"]["id"]
    assert get_schedule(ws, s.agent_id, sid)["spec"]["status"] == PAUSED
    wait_ended(ws, second["metadata"]["id"])

    # archived: never again
    act(ws, s.agent_id, sid, "archive")
    expect_error(ws.api.post(f"{sched_path(ws, s.agent_id, sid)}:trigger"), 409, "failed_precondition")
    assert len(fired(ws, sid)) == 2 and get_schedule(ws, s.agent_id, sid)["info"]["totalFires"] == 2


def info_of(ws, agent_id: str, sid: str) -> dict:
    return get_schedule(ws, agent_id, sid)["info"]


def test_trigger_dry_run_creates_nothing(ws, fake_openai, scheds):
    s = setup_agent(ws)
    sid = scheds.create(ws, s.agent_id, far_daily())["metadata"]["id"]
    dry = act(ws, s.agent_id, sid, "trigger", params={"dryRun": "true"})
    assert dry["metadata"]["id"] == sid
    never(lambda: fired(ws, sid), 2.5, "a dry-run trigger created an objective")
    assert get_schedule(ws, s.agent_id, sid)["info"]["totalFires"] == 0
    assert fake_openai.requests(s.model) == []


def test_trigger_uses_the_explicit_variation_or_the_agents_selection(ws, fake_openai, scheds):
    agent = new_agent(ws, "picky", mode=WEIGHTED)
    aid = agent["metadata"]["id"]
    usual = new_variation(ws, aid, "usual", variation_spec(f"openai/{model_name()}", weight=1))
    never_picked = new_variation(ws, aid, "explicit-only", variation_spec(f"openai/{model_name()}", weight=0))
    uid_, nid = usual["metadata"]["id"], never_picked["metadata"]["id"]

    explicit = scheds.create(ws, aid, far_daily(), message="explicit", variationId=nid)["metadata"]["id"]
    by_mode = scheds.create(ws, aid, far_daily(), message="by mode")["metadata"]["id"]
    for _ in range(2):
        for sid in (explicit, by_mode):
            before = len(fired(ws, sid))
            act(ws, aid, sid, "trigger")
            objs = wait_fired(ws, sid, before + 1, timeout=5)
            wait_ended(ws, objs[-1]["metadata"]["id"])
    for o in fired(ws, explicit):
        check_fired_objective(o, explicit, aid, "explicit", variation_id=nid)
    for o in fired(ws, by_mode):
        check_fired_objective(o, by_mode, aid, "by mode", variation_id=uid_)


def test_a_fire_the_agent_refuses_is_recorded_as_a_skip(ws, scheds):
    """A DRAFT agent takes no objectives without an explicit variation: the fire is skipped, with the reason."""
    s = setup_agent(ws, status="AGENT_STATUS_DRAFT")
    sid = scheds.create(ws, s.agent_id, far_daily())["metadata"]["id"]
    out = act(ws, s.agent_id, sid, "trigger")
    assert out["info"]["totalFires"] == 0
    i = get_schedule(ws, s.agent_id, sid)["info"]
    assert i.get("lastSkippedAt") and i.get("lastSkipReason"), i
    assert "lastObjectiveId" not in i and i["totalFires"] == 0
    assert fired(ws, sid) == []


# ---- route forms, scopes, workspaces

def test_both_route_forms_agree(ws, scheds):
    s = setup_agent(ws)
    via_short = expect(ws.api.post(short_schedules_path(s.agent_id), body(far_daily(), name="short")), 201)
    sid = via_short["metadata"]["id"]
    scheds.track(ws, s.agent_id, sid)
    canonical = sched_path(ws, s.agent_id, sid)
    short = f"{short_schedules_path(s.agent_id)}/{sid}"
    a, b = expect(ws.api.get(canonical), 200), expect(ws.api.get(short), 200)
    assert (a["metadata"], a["spec"]) == (b["metadata"], b["spec"])
    assert [x["metadata"]["id"] for x in expect(ws.api.get(short_schedules_path(s.agent_id)), 200)["items"]] == [sid]
    assert expect(ws.api.patch(short, {"spec": {"initialMessage": "via short"}}), 200)["spec"][
        "initialMessage"] == "via short"
    assert expect(ws.api.post(f"{short}:pause"), 200)["spec"]["status"] == PAUSED
    assert expect(ws.api.get(canonical), 200)["spec"]["status"] == PAUSED
    assert expect(ws.api.post(f"{short}:resume", {}), 200)["spec"]["status"] == ACTIVE
    expect(ws.api.post(short_schedules_path(s.agent_id), body(far_daily()), params={"dryRun": "true"}), 200)
    assert total(ws, s.agent_id) == 1
    expect(ws.api.delete(short), 204)
    expect_error(ws.api.get(canonical), 404, "not_found")


def test_scopes(ws, scheds):
    s = setup_agent(ws)
    sid = scheds.create(ws, s.agent_id, far_daily())["metadata"]["id"]
    path = sched_path(ws, s.agent_id, sid)
    reader = ws.client(["schedules:read"])
    assert expect(reader.get(path), 200)["metadata"]["id"] == sid
    assert expect(reader.get(schedules_path(ws, s.agent_id)), 200)["pagination"]["total"] == 1
    for resp in [
        reader.post(schedules_path(ws, s.agent_id), body(far_daily())),
        reader.post(schedules_path(ws, s.agent_id), body(far_daily()), params={"dryRun": "true"}),
        reader.post(short_schedules_path(s.agent_id), body(far_daily())),
        reader.patch(path, {"spec": {"initialMessage": "x"}}),
        reader.delete(path),
        reader.post(f"{path}:pause"),
        reader.post(f"{path}:resume"),
        reader.post(f"{path}:archive"),
        reader.post(f"{path}:trigger"),
    ]:
        err = expect_error(resp, 403, "forbidden")
        assert "schedules:write" in err["message"], err
    others = ws.client(["agents:read", "objectives:write"])
    assert "schedules:read" in expect_error(others.get(path), 403, "forbidden")["message"]
    assert "schedules:read" in expect_error(others.get(schedules_path(ws, s.agent_id)), 403, "forbidden")["message"]
    got = expect(ws.api.get(path), 200)
    assert got["spec"]["status"] == ACTIVE and got["info"]["totalFires"] == 0
    assert total(ws, s.agent_id) == 1
    # :write implies :read
    writer = ws.client(["schedules:write"])
    made = expect(writer.post(schedules_path(ws, s.agent_id), body(far_daily())), 201)
    scheds.track(ws, s.agent_id, made["metadata"]["id"])
    assert expect(writer.get(sched_path(ws, s.agent_id, made["metadata"]["id"])), 200)["metadata"]["id"] == \
        made["metadata"]["id"]


def test_unknown_agents_and_foreign_schedules_are_404(ws, other_ws, scheds):
    a = setup_agent(ws, name="a")
    b = setup_agent(ws, name="b")
    sid = scheds.create(ws, a.agent_id, far_daily())["metadata"]["id"]
    nobody = missing("agent")
    expect_error(ws.api.get(schedules_path(ws, nobody)), 404, "not_found")
    expect_error(ws.api.post(schedules_path(ws, nobody), body(far_daily())), 404, "not_found")
    expect_error(ws.api.get(sched_path(ws, nobody, sid)), 404, "not_found")
    expect_error(ws.api.get(short_schedules_path(nobody)), 404, "not_found")
    expect_error(ws.api.get(sched_path(ws, a.agent_id, missing("sched"))), 404, "not_found")
    expect_error(ws.api.get(sched_path(ws, a.agent_id, "external_id:nothing")), 404, "not_found")
    # a's schedule is not b's
    b_path = sched_path(ws, b.agent_id, sid)
    expect_error(ws.api.get(b_path), 404, "not_found")
    expect_error(ws.api.patch(b_path, {"spec": {"initialMessage": "x"}}), 404, "not_found")
    expect_error(ws.api.delete(b_path), 404, "not_found")
    for verb in ("pause", "resume", "archive", "trigger"):
        expect_error(ws.api.post(f"{b_path}:{verb}"), 404, "not_found")
    # another workspace sees none of it, in either route form
    for path in [sched_path(other_ws, a.agent_id, sid), f"{short_schedules_path(a.agent_id)}/{sid}",
                 schedules_path(other_ws, a.agent_id), short_schedules_path(a.agent_id)]:
        expect_error(other_ws.api.get(path), 404, "not_found")
    expect_error(other_ws.api.post(f"{short_schedules_path(a.agent_id)}/{sid}:trigger"), 404, "not_found")
    expect_error(other_ws.api.delete(f"{short_schedules_path(a.agent_id)}/{sid}"), 404, "not_found")
    expect_error(other_ws.api.post(short_schedules_path(a.agent_id), body(far_daily())), 404, "not_found")
    expect_error(ws.api.get(sched_path(other_ws, a.agent_id, sid)), 404, "not_found")
    # malformed ids are 400
    expect_error(ws.api.get(sched_path(ws, a.agent_id, BAD_ID)), 400, "validation_error", "id")
    expect_error(ws.api.get(sched_path(ws, a.agent_id, "sched_123")), 400, "validation_error", "id")
    got = get_schedule(ws, a.agent_id, sid)
    assert got["spec"]["status"] == ACTIVE and got["info"]["totalFires"] == 0 and fired(ws, sid) == []
