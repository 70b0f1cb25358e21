"""Schedules firing under real `spin up` with the cron trigger (issue 5, docs/api.md §4.3): an every-2s schedule
creates objectives about every 2 s with `sourceScheduleId` and the `info` counters right; SKIP vs ALLOW
with a slow model; pause stops fires and resume restarts them without a burst; missed instants after
downtime collapse into one fire; deleting a schedule or its agent stops it; and two `spin up` processes
sharing one SQLite file fire each instant exactly once.

These tests watch the clock, so they wait (for a few seconds each, a minute for the two-process test);
every schedule is paused or deleted before its test ends (see `scheds`)."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest

from agentloop import DATA, bootstrap, never, rebind, setup_agent, wait_for
from client import Api, expect, expect_error
from fakes import text
from scheduling import (ACTIVE, ALLOW, PAUSED, SKIP, Schedules, act, check_fired_objective, created_at, ended_at,
                        epoch, fired, gaps, get_schedule, interval, sched_path, schedules_path, settle,
                        settle_objectives, wait_ended, wait_fired)
from conftest import single_instance_only
from spinapp import SpinApp

# Two objectives of one schedule closer than this share a fire instant: instants are 2 s apart and a
# double fire would be milliseconds apart; the margin absorbs ticks running late on a loaded machine.
MIN_GAP_S = 0.5


@pytest.fixture
def scheds():
    """Creates schedules and deletes them after the test, so none keeps firing in the shared app."""
    made = Schedules()
    yield made
    made.cleanup()


def assert_distinct_instants(objectives: list[dict]) -> None:
    g = gaps(objectives)
    assert all(x >= MIN_GAP_S for x in g), f"objectives closer than {MIN_GAP_S} s (one instant fired twice?): {g}"


def assert_counters(schedule: dict, objectives: list[dict]) -> None:
    """`totalFires` counts the objectives; `lastObjectiveId`/`lastFireAt` name the newest."""
    i = schedule["info"]
    assert i["totalFires"] == len(objectives), (i, len(objectives))
    if objectives:
        newest = objectives[-1]
        assert i["lastObjectiveId"] == newest["metadata"]["id"], (i, newest["metadata"])
        # the fire time is the instant or the moment of the fire: at most a tick or two before the objective
        # (later only if a skip counts as a fire too, which the seed leaves open)
        lag = created_at(newest) - epoch(i["lastFireAt"])
        assert lag <= 3.0, (i["lastFireAt"], newest["metadata"])
        if "lastSkippedAt" not in i:
            assert lag >= -1.0, (i["lastFireAt"], newest["metadata"])


# ---- cadence and counters

def test_every_2s_creates_an_objective_about_every_2s(ws, fake_openai, scheds):
    s = setup_agent(ws)
    message = "Check the queue"
    c = scheds.create(ws, s.agent_id, interval("2s"), message=message, overlapPolicy=ALLOW)
    started = time.time()
    sid = c["metadata"]["id"]

    # while active: the next instant is an even second just ahead, five of them previewed
    i = get_schedule(ws, s.agent_id, sid)["info"]
    nxt = epoch(i["nextFireAt"])
    assert nxt == int(nxt) and int(nxt) % 2 == 0, i["nextFireAt"]
    assert nxt <= time.time() + 2.5, i
    ups = [epoch(t) for t in i["upcomingFireTimes"]]
    assert len(ups) == 5 and [b - a for a, b in zip(ups, ups[1:])] == [2, 2, 2, 2], i["upcomingFireTimes"]

    # the first fire comes at the first instant (plus a tick)
    [first] = wait_fired(ws, sid, 1, timeout=10)[:1]
    assert created_at(first) - started <= 5.0, (started, first["metadata"]["createdAt"])

    # watch for ~9 s in all, then stop it
    time.sleep(max(0.0, started + 9.0 - time.time()))
    paused = act(ws, s.agent_id, sid, "pause")
    stopped = time.time()
    assert paused["spec"]["status"] == PAUSED
    schedule, objs = settle(ws, s.agent_id, sid)

    assert 3 <= len(objs) <= 6, f"{len(objs)} objectives in {stopped - started:.1f} s: {gaps(objs)}"
    # never more than the instants in the window
    instants = int(stopped // 2) - int(started // 2)
    assert len(objs) <= instants + 1, (len(objs), instants)
    assert_distinct_instants(objs)
    assert all(started - 1 <= created_at(o) <= stopped + 3 for o in objs)
    for o in objs:
        check_fired_objective(o, sid, s.agent_id, message, variation_id=s.variation_id)
    assert_counters(schedule, objs)
    # they are ordinary objectives: they run to the end (the fake answers "done")
    for o in objs:
        assert wait_ended(ws, o["metadata"]["id"])["status"] == "OBJECTIVE_STATUS_COMPLETED"
    assert len(fake_openai.requests(s.model)) == len(objs)
    # and the list filter names exactly them
    everything = expect(ws.api.get(f"{ws.path}/objectives", params={"limit": 200}), 200)["items"]
    assert {o["metadata"]["id"] for o in everything if o["data"].get("sourceScheduleId") == sid} == {
        o["metadata"]["id"] for o in objs}


# ---- overlap policy

def test_skip_creates_nothing_while_the_previous_objective_runs(ws, fake_openai, scheds):
    s = setup_agent(ws)
    fake_openai.script(s.model, [text("slow", delay=4)])  # the first objective runs for ~4 s, later ones at once
    c = scheds.create(ws, s.agent_id, interval("2s"))  # overlap policy: the default
    sid = c["metadata"]["id"]
    assert c["spec"]["overlapPolicy"] == SKIP

    [first] = wait_fired(ws, sid, 1)[:1]
    oid = first["metadata"]["id"]
    # the next instant finds it still running: a skip is recorded, naming it
    def skipped():
        i = get_schedule(ws, s.agent_id, sid)["info"]
        return i if i.get("lastSkippedAt") else None
    i = wait_for(skipped, 10, "a skip to be recorded", interval=0.2)
    assert oid in i["lastSkipReason"], i
    assert i["totalFires"] == 1 and i["lastObjectiveId"] == oid, i
    skipped_at = epoch(i["lastSkippedAt"])

    wait_ended(ws, oid)
    first_end = ended_at(ws, oid)
    assert created_at(first) <= skipped_at <= first_end + 0.5, (first["metadata"]["createdAt"], i["lastSkippedAt"])
    # once it ended, fires resume
    wait_fired(ws, sid, 2)
    act(ws, s.agent_id, sid, "pause")
    schedule, objs = settle(ws, s.agent_id, sid)
    assert objs[0]["metadata"]["id"] == oid
    later = [o for o in objs[1:] if created_at(o) < first_end - 0.5]
    assert not later, f"created while {oid} was still running (ended {first_end}): {[o['metadata'] for o in later]}"
    assert_counters(schedule, objs)
    assert_distinct_instants(objs)
    for o in objs:
        check_fired_objective(o, sid, s.agent_id, c["spec"]["initialMessage"])


def test_allow_creates_objectives_while_the_previous_one_runs(ws, fake_openai, scheds):
    s = setup_agent(ws)
    fake_openai.script(s.model, [text("slow", delay=4), text("slow", delay=4)])
    c = scheds.create(ws, s.agent_id, interval("2s"), overlapPolicy=ALLOW)
    sid = c["metadata"]["id"]
    assert c["spec"]["overlapPolicy"] == ALLOW

    objs = wait_fired(ws, sid, 2)
    act(ws, s.agent_id, sid, "pause")
    first, second = objs[0], objs[1]
    wait_ended(ws, first["metadata"]["id"])
    first_end = ended_at(ws, first["metadata"]["id"])
    assert created_at(second) < first_end, (
        f"ALLOW: the second objective ({second['metadata']['createdAt']}) should not wait for the first to end "
        f"({first_end})")
    schedule, objs = settle(ws, s.agent_id, sid)
    assert "lastSkippedAt" not in schedule["info"] and "lastSkipReason" not in schedule["info"], schedule["info"]
    assert_counters(schedule, objs)
    assert_distinct_instants(objs)
    for o in objs:
        wait_ended(ws, o["metadata"]["id"])


# ---- pause and resume

def test_pause_stops_fires_and_resume_restarts_them_without_a_burst(ws, fake_openai, scheds):
    s = setup_agent(ws)
    c = scheds.create(ws, s.agent_id, interval("2s"), overlapPolicy=ALLOW)
    sid = c["metadata"]["id"]
    wait_fired(ws, sid, 2)

    paused = act(ws, s.agent_id, sid, "pause")
    paused_at = time.time()
    assert paused["spec"]["status"] == PAUSED
    assert "nextFireAt" not in paused["info"] and "upcomingFireTimes" not in paused["info"], paused["info"]
    schedule, objs = settle(ws, s.agent_id, sid)
    n = len(objs)
    # a fire claimed just before the pause may land; nothing later than that
    assert all(created_at(o) <= paused_at + 1.5 for o in objs), (paused_at, [o["metadata"]["createdAt"] for o in objs])
    # several instants pass while paused: nothing fires
    never(lambda: len(fired(ws, sid)) != n, 6, "a paused schedule fired")
    got = get_schedule(ws, s.agent_id, sid)
    assert got["spec"]["status"] == PAUSED and "nextFireAt" not in got["info"]
    assert got["info"]["totalFires"] == n

    before = time.time()
    resumed = act(ws, s.agent_id, sid, "resume")
    resumed_at = time.time()
    assert resumed["spec"]["status"] == ACTIVE
    nxt = epoch(resumed["info"]["nextFireAt"])
    assert before < nxt <= resumed_at + 2.5, (before, resumed["info"]["nextFireAt"])
    assert int(nxt) == nxt and int(nxt) % 2 == 0
    assert len(resumed["info"]["upcomingFireTimes"]) == 5

    objs = wait_fired(ws, sid, n + 2)
    new = objs[n:]
    assert all(created_at(o) >= before for o in new), [o["metadata"]["createdAt"] for o in new]
    # the instants missed while paused are not caught up: only the next instant fires, then the one after
    early = [o for o in new if created_at(o) < nxt + 1.5]
    assert len(early) <= 1, (resumed["info"]["nextFireAt"], [o["metadata"]["createdAt"] for o in early])
    act(ws, s.agent_id, sid, "pause")
    schedule, objs = settle(ws, s.agent_id, sid)
    assert_distinct_instants(objs)
    assert_counters(schedule, objs)


def test_archive_stops_fires_for_good(ws, fake_openai, scheds):
    s = setup_agent(ws)
    c = scheds.create(ws, s.agent_id, interval("2s"), overlapPolicy=ALLOW)
    sid = c["metadata"]["id"]
    wait_fired(ws, sid, 1)
    archived = act(ws, s.agent_id, sid, "archive")
    assert "nextFireAt" not in archived["info"]
    schedule, objs = settle(ws, s.agent_id, sid)
    never(lambda: len(fired(ws, sid)) != len(objs), 5, "an archived schedule fired")
    expect_error(ws.api.post(f"{sched_path(ws, s.agent_id, sid)}:resume"), 409, "failed_precondition")
    assert get_schedule(ws, s.agent_id, sid)["info"]["totalFires"] == len(objs)


def test_a_patch_to_the_schedule_takes_effect_for_the_next_fire(ws, fake_openai, scheds):
    """An every-2s schedule changed to fire every 3 s at offset 1 s (instants ≡ 1 mod 3) from then on."""
    s = setup_agent(ws)
    c = scheds.create(ws, s.agent_id, interval("2s"), overlapPolicy=ALLOW)
    sid = c["metadata"]["id"]
    wait_fired(ws, sid, 1)
    before = time.time()
    patched = expect(ws.api.patch(sched_path(ws, s.agent_id, sid), {"spec": {"schedule": interval("3s", "1s"),
                                                                            "initialMessage": "patched"}}), 200)
    nxt = epoch(patched["info"]["nextFireAt"])
    assert int(nxt) % 3 == 1 and before < nxt <= time.time() + 3.5, patched["info"]
    ups = [epoch(t) for t in patched["info"]["upcomingFireTimes"]]
    assert all(int(t) % 3 == 1 for t in ups) and [b - a for a, b in zip(ups, ups[1:])] == [3, 3, 3, 3], ups
    # the next fires carry the new message
    objs = wait_for(lambda: (lambda o: o if sum(x["data"]["initialMessage"] == "patched" for x in o) >= 2 else None)(
        fired(ws, sid)), 20, "two fires after the patch", interval=0.2)
    act(ws, s.agent_id, sid, "pause")
    schedule, objs = settle(ws, s.agent_id, sid)
    after = [o for o in objs if o["data"]["initialMessage"] == "patched"]
    assert all(created_at(o) >= before for o in after)
    assert all(x >= 2.0 for x in gaps(after)), gaps(after)
    assert_counters(schedule, objs)


# ---- delete

def test_deleting_a_schedule_stops_it(ws, fake_openai, scheds):
    s = setup_agent(ws)
    c = scheds.create(ws, s.agent_id, interval("2s"), overlapPolicy=ALLOW)
    sid = c["metadata"]["id"]
    path = sched_path(ws, s.agent_id, sid)
    wait_fired(ws, sid, 1)
    expect(ws.api.delete(path), 204)
    expect_error(ws.api.get(path), 404, "not_found")
    expect_error(ws.api.delete(path), 404, "not_found")
    objs = settle_objectives(ws, sid)
    assert objs, "its objectives stay"
    never(lambda: len(fired(ws, sid)) != len(objs), 6, "a deleted schedule fired")


def test_deleting_the_agent_deletes_its_schedules(ws, fake_openai, scheds):
    s = setup_agent(ws)
    c = scheds.create(ws, s.agent_id, interval("2s"), overlapPolicy=ALLOW)
    sid = c["metadata"]["id"]
    other = scheds.create(ws, s.agent_id, interval("1h"))["metadata"]["id"]
    keep = setup_agent(ws, name="keeper")
    kid = scheds.create(ws, keep.agent_id, interval("1h"))["metadata"]["id"]
    wait_fired(ws, sid, 1)
    expect(ws.api.delete(f"{ws.path}/agents/{s.agent_id}"), 204)
    for path in [sched_path(ws, s.agent_id, sid), sched_path(ws, s.agent_id, other),
                 f"/v1/agents/{s.agent_id}/schedules/{sid}", schedules_path(ws, s.agent_id)]:
        expect_error(ws.api.get(path), 404, "not_found")
    objs = settle_objectives(ws, sid)
    assert objs, "the objectives it created keep their snapshots"
    never(lambda: len(fired(ws, sid)) != len(objs), 6, "a deleted agent's schedule fired")
    # only that agent's schedules went
    kept = get_schedule(ws, keep.agent_id, kid)
    assert kept["spec"]["status"] == ACTIVE and kept["info"]["nextFireAt"]


# ---- downtime

def test_missed_instants_after_downtime_collapse_into_one_fire(app_variables, fake_openai):
    state = Path(tempfile.mkdtemp(prefix="cadenya-sched-down-"))
    first = SpinApp(variables=dict(app_variables), state_dir=state)  # not its own state: kill() keeps it
    second: SpinApp | None = None
    try:
        first.start()
        ws = bootstrap(first, "sched-down")
        s = setup_agent(ws)
        c = expect(ws.api.post(schedules_path(ws, s.agent_id),
                               {"metadata": {"name": "down"},
                                "spec": {"initialMessage": "tick", "data": DATA, "schedule": interval("2s"),
                                         "overlapPolicy": ALLOW}}), 201)
        sid = c["metadata"]["id"]
        wait_fired(ws, sid, 1)
        first.kill()
        killed_at = time.time()
        time.sleep(10)  # the downtime is the test: five instants or more are missed

        second = SpinApp(variables=dict(app_variables), state_dir=state).start()
        ws = rebind(ws, second)
        after_kill = lambda objs: [o for o in objs if created_at(o) > killed_at]  # noqa: E731
        wait_for(lambda: len(after_kill(fired(ws, sid))) >= 3, 25, "fires after the restart", interval=0.2)
        i = get_schedule(ws, s.agent_id, sid)["info"]
        assert epoch(i["nextFireAt"]) > epoch(i["lastFireAt"]), i
        paused_resp = expect(ws.api.post(f"{sched_path(ws, s.agent_id, sid)}:pause"), 200)
        paused_at = time.time()
        assert paused_resp["spec"]["status"] == PAUSED
        schedule, objs = settle(ws, s.agent_id, sid)
        new = after_kill(objs)
        # no burst: one fire for all the missed instants, then the regular cadence (every 2 s). The
        # collapsed fire happens whenever the restarted scheduler first ticks, so it may come any time
        # before the next instant: the cadence is checked on both sides of it, not across it.
        before = [o for o in objs if created_at(o) <= killed_at]
        assert_distinct_instants(before)
        assert_distinct_instants(new[1:])
        assert all(g > 0 for g in gaps(new)), gaps(new)
        assert sum(g < 1.5 for g in gaps(new)) <= 2, f"missed instants caught up one by one? {gaps(new)}"
        restart_window = paused_at - (killed_at + 10)
        assert len(new) <= restart_window / 2 + 3, (len(new), restart_window, gaps(new))
        assert_counters(schedule, objs)
    finally:
        first.kill()
        if second is not None:
            second.kill()
        shutil.rmtree(state, ignore_errors=True)


# ---- two instances, one database

@single_instance_only
@pytest.mark.slow
def test_slow_two_instances_sharing_one_database_fire_each_instant_once(app, app_variables, ws, fake_openai,
                                                                         scheds):
    """SLOW (~75 s): a second `spin up` on the session app's state dir (one SQLite file), both running the
    cron trigger for 60 s; an ALLOW every-2s schedule fires each instant exactly once."""
    second = SpinApp(variables=dict(app_variables), state_dir=app.state_dir)  # shares, never deletes, the dir
    try:
        second.start()
        s = setup_agent(ws)
        c = scheds.create(ws, s.agent_id, interval("2s"), message="both instances", overlapPolicy=ALLOW)
        started = time.time()
        sid = c["metadata"]["id"]
        # the second process serves the same data
        via_second = Api(second.base, ws.token)
        assert expect(via_second.get(sched_path(ws, s.agent_id, sid)), 200)["metadata"]["id"] == sid

        deadline = started + 60
        while time.time() < deadline:
            assert second.proc is not None and second.proc.poll() is None, "the second spin up died"
            assert app.proc is not None and app.proc.poll() is None, "the session spin up died"
            time.sleep(min(5.0, max(0.0, deadline - time.time())))
        expect(via_second.post(f"{sched_path(ws, s.agent_id, sid)}:pause"), 200)
        stopped = time.time()
        schedule, objs = settle(ws, s.agent_id, sid)

        assert_distinct_instants(objs)
        expected = (stopped - started) / 2
        assert abs(len(objs) - expected) <= 3, f"{len(objs)} objectives for ~{expected:.0f} instants: {gaps(objs)}"
        assert_counters(schedule, objs)
        for o in objs:
            check_fired_objective(o, sid, s.agent_id, "both instances")
        assert expect(via_second.get(sched_path(ws, s.agent_id, sid)), 200)["info"]["totalFires"] == len(objs)
    finally:
        second.kill()
