"""Helpers the schedule tests share (issue 5, docs/api.md §3.3 / §4.3): request bodies, paths,
RFC 3339 parsing, the objectives a schedule fired, and waiting for a schedule's firing to settle.

Every schedule a test creates through `Schedules` (the test modules' `scheds` fixture) is deleted after
the test, so schedules that fire every two seconds never outlive their test in the session's shared
`spin up`."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from agentloop import DATA, TERMINAL, describe, short, uid, wait_for
from client import expect

ACTIVE = "AGENT_SCHEDULE_STATUS_ACTIVE"
PAUSED = "AGENT_SCHEDULE_STATUS_PAUSED"
ARCHIVED = "AGENT_SCHEDULE_STATUS_ARCHIVED"
SKIP = "OVERLAP_POLICY_SKIP"
ALLOW = "OVERLAP_POLICY_ALLOW"

# RFC 3339 UTC with `Z`; fractional seconds optional (the server writes milliseconds).
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
# Generous on a slow 2-core machine: how long an every-2s schedule may take to show a fire.
FIRE_TIMEOUT = 15.0
# How long a schedule's objective count must stay put before it counts as settled.
QUIET_S = 2.5


# ---------------------------------------------------------------- time


def ts(value: str) -> datetime:
    """Parses a server timestamp (asserting the RFC 3339 UTC `Z` form) into an aware datetime."""
    assert isinstance(value, str) and RFC3339.match(value), f"not an RFC 3339 UTC timestamp: {value!r}"
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def epoch(value: str) -> float:
    return ts(value).timestamp()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def next_daily(hour: int, minute: int, after: datetime, second: int = 0) -> datetime:
    """The first `hour:minute:second` UTC strictly after `after`."""
    at = after.astimezone(timezone.utc).replace(hour=hour, minute=minute, second=second, microsecond=0)
    return at if at > after else at + timedelta(days=1)


# ---------------------------------------------------------------- bodies and paths


def interval(every: str = "2s", offset: str | None = None, tz: str = "UTC") -> dict:
    rule: dict[str, Any] = {"every": every}
    if offset is not None:
        rule["offset"] = offset
    return {"intervals": [rule], "timezone": tz}


def daily(hour: int, minute: int = 0, tz: str = "UTC") -> dict:
    return {"calendars": [{"hour": [{"start": hour}], "minute": [{"start": minute}]}], "timezone": tz}


def far_hour() -> int:
    """A UTC hour about 12 hours away, so a daily calendar at it cannot fire during a test."""
    return (utcnow().hour + 12) % 24


def far_daily() -> dict:
    """A daily UTC calendar rule that fires roughly 12 hours from now (only `:trigger` fires it in a test)."""
    return daily(far_hour(), 7)


def body(schedule: dict, name: str | None = None, message: str | None = None, data: Any = DATA,
         metadata: dict | None = None, **spec) -> dict:
    """A create body. `data` defaults to the agentloop DATA (the default prompt renders `{{ customer }}`)."""
    s: dict[str, Any] = {"initialMessage": message or f"Run the report ({uid()})", "schedule": schedule}
    if data is not None:
        s["data"] = data
    s.update(spec)
    return {"metadata": {"name": name or f"sched-{uid()}", **(metadata or {})}, "spec": s}


def schedules_path(ws, agent_id: str) -> str:
    return f"{ws.path}/agents/{agent_id}/schedules"


def short_schedules_path(agent_id: str) -> str:
    return f"/v1/agents/{agent_id}/schedules"


def sched_path(ws, agent_id: str, sid: str) -> str:
    return f"{schedules_path(ws, agent_id)}/{sid}"


def get_schedule(ws, agent_id: str, sid: str) -> dict:
    return expect(ws.api.get(sched_path(ws, agent_id, sid)), 200)


def info(ws, agent_id: str, sid: str) -> dict:
    return get_schedule(ws, agent_id, sid)["info"]


def act(ws, agent_id: str, sid: str, verb: str, status: int = 200, **kw) -> dict:
    """POST `…/schedules/{sid}:{verb}` with an empty body."""
    return expect(ws.api.post(f"{sched_path(ws, agent_id, sid)}:{verb}", **kw), status)


class Schedules:
    """Creates schedules (201) and deletes every one of them when the test ends."""

    def __init__(self) -> None:
        self._made: list[tuple[Any, str]] = []

    def create(self, ws, agent_id: str, schedule: dict, **kw) -> dict:
        created = expect(ws.api.post(schedules_path(ws, agent_id), body(schedule, **kw)), 201)
        self.track(ws, agent_id, created["metadata"]["id"])
        return created

    def track(self, ws, agent_id: str, sid: str) -> None:
        self._made.append((ws, sched_path(ws, agent_id, sid)))

    def cleanup(self) -> None:
        for ws, path in self._made:
            try:
                ws.api.delete(path)  # 204, or 404 when the test (or an agent delete) removed it already
            except Exception:  # pragma: no cover - the app may be gone (own apps)
                pass


# ---------------------------------------------------------------- what a schedule fired


def fired(ws, sid: str) -> list[dict]:
    """Every objective created by schedule `sid` (following cursors), oldest first by `createdAt`."""
    items: list[dict] = []
    cursor = None
    while True:
        q: dict[str, Any] = {"sourceScheduleId": sid, "sortOrder": "asc", "limit": 200}
        if cursor:
            q["cursor"] = cursor
        page = expect(ws.api.get(f"{ws.path}/objectives", params=q), 200)
        items += page["items"]
        cursor = page["pagination"].get("nextCursor")
        if not cursor:
            break
    ids = [o["metadata"]["id"] for o in items]
    assert len(ids) == len(set(ids)), f"an objective was listed twice: {ids}"
    return sorted(items, key=lambda o: epoch(o["metadata"]["createdAt"]))


def created_at(o: dict) -> float:
    return epoch(o["metadata"]["createdAt"])


def gaps(objectives: list[dict]) -> list[float]:
    """Seconds between consecutive objectives' `createdAt` (input oldest first)."""
    times = [created_at(o) for o in objectives]
    return [round(b - a, 3) for a, b in zip(times, times[1:])]


def wait_fired(ws, sid: str, at_least: int, timeout: float = FIRE_TIMEOUT) -> list[dict]:
    return wait_for(lambda: (lambda objs: objs if len(objs) >= at_least else None)(fired(ws, sid)), timeout,
                    f"schedule {sid} to have created {at_least} objective(s)", interval=0.2)


def settle(ws, agent_id: str, sid: str, quiet: float = QUIET_S, timeout: float = 30.0) -> tuple[dict, list[dict]]:
    """After a pause (or archive/delete of the agent): waits until the schedule's objective count has not
    changed for `quiet` seconds and `info.totalFires` agrees with it (a fire claimed just before the pause
    may still land); returns (schedule, objectives)."""
    deadline = time.monotonic() + timeout
    last_n, since = -1, time.monotonic()
    while True:
        objs = fired(ws, sid)
        s = get_schedule(ws, agent_id, sid)
        now = time.monotonic()
        if len(objs) != last_n:
            last_n, since = len(objs), now
        elif now - since >= quiet and s["info"]["totalFires"] == len(objs):
            return s, objs
        if now >= deadline:
            raise AssertionError(f"schedule {sid} did not settle: {len(objs)} objectives, info={s['info']}")
        time.sleep(0.25)


def settle_objectives(ws, sid: str, quiet: float = QUIET_S, timeout: float = 30.0) -> list[dict]:
    """Like `settle` for a schedule that can no longer be read (its agent was deleted)."""
    deadline = time.monotonic() + timeout
    last_n, since = -1, time.monotonic()
    while True:
        objs = fired(ws, sid)
        now = time.monotonic()
        if len(objs) != last_n:
            last_n, since = len(objs), now
        elif now - since >= quiet:
            return objs
        if now >= deadline:
            raise AssertionError(f"objectives of schedule {sid} kept coming: {len(objs)}")
        time.sleep(0.25)


def has_ended(o: dict) -> bool:
    return short(o["status"], "OBJECTIVE_STATUS_") in TERMINAL


def wait_ended(ws, oid: str, timeout: float = 45.0) -> dict:
    """Polls until the objective has ended (any terminal status) and returns it."""
    def check():
        o = expect(ws.api.get(f"{ws.path}/objectives/{oid}"), 200)
        return o if has_ended(o) else None
    return wait_for(check, timeout, lambda: f"objective to end: {describe(ws, oid)}", interval=0.2)


def ended_at(ws, oid: str) -> float:
    """When an ended objective ended: the `createdAt` of its last event."""
    page = expect(ws.api.get(f"{ws.path}/objectives/{oid}/events", params={"sortOrder": "desc", "limit": 1}),
                  200)
    [last] = page["items"]
    return epoch(last["metadata"]["createdAt"])


def check_fired_objective(o: dict, sid: str, agent_id: str, message: str, data: Any = DATA,
                          variation_id: str | None = None) -> None:
    """An objective a schedule created carries the schedule's id, message and data."""
    d = o["data"]
    assert d["sourceScheduleId"] == sid, o["metadata"]
    assert d["initialMessage"] == message, d["initialMessage"]
    assert d.get("data") == data, d.get("data")
    assert d["agent"]["metadata"]["id"] == agent_id
    if variation_id is not None:
        assert d["agentVariation"]["metadata"]["id"] == variation_id
    assert "parentObjectiveId" not in d
