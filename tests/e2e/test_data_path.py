"""The data path under pressure: the rate limit under concurrent connections, key changes on the very
next request while the key is hot, writes that survive `kill -9`, and one audit row per call (also across
a `kill -9`, within the documented loss window)."""

from __future__ import annotations

import collections
import threading
import time
from dataclasses import dataclass

import pytest
import requests

from agentloop import bootstrap
from blast import blast
from client import Api, expect, expect_error, request_id
from conftest import Workspace
from spinapp import SpinApp

# The documented audit loss window: rows buffered within the last drain interval before a kill -9 may
# be lost. The crash test sends its last batch of this many requests right before the kill; only they
# may be missing afterwards.
AUDIT_LOSS_WINDOW_REQUESTS = 10

RATE = 20
BURST = 100
BLAST_SECONDS = 10.0
SLACK = 1.05


# ---------------------------------------------------------------- helpers


@dataclass
class Call:
    """One request sent with a request id of our own, and what its audit row must say."""

    rid: str
    method: str
    status: int
    route: str
    scope: str | None


def send_mixed(api: Api, n: int, gap: float = 0.0) -> list[Call]:
    """`n` calls with request ids of our own, cycling GET /v1/agents, POST /v1/agents, GET /v1/me."""
    calls = []
    for i in range(n):
        rid = request_id()
        headers = {"x-request-id": rid}
        kind = i % 3
        if kind == 0:
            resp, call = api.get("/v1/agents", headers=headers), Call(rid, "GET", 200, "/v1/agents", "agents:read")
        elif kind == 1:
            resp = api.post("/v1/agents", {"metadata": {"name": f"audited-{i}"}}, headers=headers)
            call = Call(rid, "POST", 201, "/v1/agents", "agents:write")
        else:
            resp, call = api.get("/v1/me", headers=headers), Call(rid, "GET", 200, "/v1/me", None)
        expect(resp, call.status)
        assert resp.headers["x-request-id"] == rid, "a well-formed x-request-id is echoed"
        calls.append(call)
        if gap:
            time.sleep(gap)
    return calls


def audit_log(api: Api, ws_path: str, **params) -> list[dict]:
    """Every audit row matching `params`, following `nextCursor` to the end."""
    rows: list[dict] = []
    cursor = None
    while True:
        query = {"limit": 25, **params}
        if cursor:
            query["cursor"] = cursor
        page = expect(api.get(f"{ws_path}/audit_logs", params=query), 200)
        rows += page["items"]
        cursor = page["pagination"].get("nextCursor")
        if not cursor:
            return rows


def poll_audit(api: Api, ws_path: str, token_id: str, calls: list[Call], timeout: float = 10.0) -> list[dict]:
    """The key's audit rows, polled until every call's request id is there (or `timeout` passes)."""
    wanted = {c.rid for c in calls}
    deadline = time.monotonic() + timeout
    while True:
        rows = audit_log(api, ws_path, tokenId=token_id)
        if wanted <= {r["data"]["requestId"] for r in rows} or time.monotonic() >= deadline:
            return rows
        time.sleep(0.2)


def check_rows(rows: list[dict], calls: list[Call], ws_id: str, token_id: str) -> set[str]:
    """Asserts no call has two rows and every row present is right; returns the missing request ids."""
    counts = collections.Counter(r["data"]["requestId"] for r in rows)
    by_id = {r["data"]["requestId"]: r for r in rows}
    missing = set()
    for c in calls:
        if counts[c.rid] == 0:
            missing.add(c.rid)
            continue
        assert counts[c.rid] == 1, f"{c.rid} has {counts[c.rid]} audit rows"
        row = by_id[c.rid]
        data = row["data"]
        assert (data["method"], data["status"], data["route"], data.get("scope"), data["tokenId"]) == (
            c.method, c.status, c.route, c.scope, token_id), data
        assert data["path"] == c.route  # the short forms and /v1/me have no parameters
        assert data["latencyMs"] >= 0
        assert row["metadata"]["workspaceId"] == ws_id
        assert row["metadata"]["id"].startswith("audit_")
    return missing


def own_workspace(spin: SpinApp, name: str) -> Workspace:
    """Bootstraps a dedicated app (as conftest's `root` does) and gives it a workspace of its own."""
    root = bootstrap(spin, name)
    return Workspace(root.api, f"{name}-ws")


# ---------------------------------------------------------------- key changes on the next request


def test_key_mutations_apply_on_the_very_next_request_while_the_key_is_hot(ws):
    key = ws.key(ws.api, ["agents:read"], name="hot")
    kid = key["metadata"]["id"]
    keys = f"{ws.path}/api_keys/{kid}"
    tokens = [key["spec"]["token"]]
    old = ws.api.with_token(tokens[0])

    def warm(api: Api) -> None:
        for _ in range(50):
            expect(api.get("/v1/me"), 200)

    warm(old)

    # a second client keeps using the key (and, once rotated, its new token) all along
    stop = threading.Event()
    background: collections.Counter = collections.Counter()

    def keep_using() -> None:
        session = requests.Session()
        while not stop.is_set():
            for token in list(tokens):
                resp = session.get(ws.api.base + "/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
                background[resp.status_code] += 1

    thread = threading.Thread(target=keep_using, daemon=True)
    thread.start()
    try:
        time.sleep(0.3)

        expect(ws.api.post(f"{keys}:disable"), 200)
        assert "disabled" in expect_error(old.get("/v1/me"), 401, "unauthorized")["message"]

        expect(ws.api.post(f"{keys}:enable"), 200)
        expect(old.get("/v1/me"), 200)
        warm(old)

        rotated = expect(ws.api.post(f"{keys}:rotate"), 200)
        new = old.with_token(rotated["spec"]["token"])
        assert "rotate" in expect_error(old.get("/v1/me"), 401, "unauthorized")["message"]
        expect(new.get("/v1/me"), 200)
        tokens.append(rotated["spec"]["token"])
        warm(new)

        expect(ws.api.delete(keys), 204)
        assert "revoked" in expect_error(new.get("/v1/me"), 401, "unauthorized")["message"]
        expect_error(old.get("/v1/me"), 401, "unauthorized")
    finally:
        stop.set()
        thread.join(timeout=35)
    assert sum(background.values()) > 0, "the background client ran alongside"
    assert set(background) <= {200, 401}, f"the background client saw only 200 and 401: {dict(background)}"


# ---------------------------------------------------------------- durability of acknowledged writes


@pytest.mark.slow
def test_writes_acknowledged_before_kill_9_are_readable_after_restart():
    spin = SpinApp()
    try:
        spin.start()
        ws = bootstrap(spin, "durable-writes")
        created: dict[str, tuple[str, str]] = {}
        for i in range(50):
            body = {"metadata": {"name": f"durable-{i}"}, "spec": {"description": f"original {i}"}}
            agent = expect(ws.api.post(f"{ws.path}/agents", body), 201)
            created[agent["metadata"]["id"]] = (f"durable-{i}", f"original {i}")
        for aid in list(created)[::5]:
            name, _ = created[aid]
            description = f"patched {name}"
            patched = expect(ws.api.patch(f"{ws.path}/agents/{aid}", {"spec": {"description": description}}), 200)
            assert patched["spec"]["description"] == description
            created[aid] = (name, description)
        spin.kill()

        spin.start()
        api = Api(spin.base, ws.token)
        for aid, (name, description) in created.items():
            agent = expect(api.get(f"{ws.path}/agents/{aid}"), 200)
            assert (agent["metadata"]["name"], agent["spec"]["description"]) == (name, description), aid
        assert sum(d.startswith("patched") for _, d in created.values()) == 10
        assert expect(api.get(f"{ws.path}/agents"), 200)["pagination"]["total"] == 50
    finally:
        spin.stop()


# ---------------------------------------------------------------- audit completeness


def test_every_call_has_exactly_one_audit_row(ws):
    key = ws.key(ws.api, ["agents:read", "agents:write"], name="audited")
    kid = key["metadata"]["id"]
    calls = send_mixed(ws.api.with_token(key["spec"]["token"]), 40)
    rows = poll_audit(ws.api, ws.path, kid, calls)
    missing = check_rows(rows, calls, ws.id, kid)
    assert not missing, f"{len(missing)} of 40 calls have no audit row: {sorted(missing)}"
    assert len(rows) == 40, "no rows beyond the calls made"


@pytest.mark.slow
def test_audit_rows_survive_kill_9_except_the_documented_window():
    spin = SpinApp()
    try:
        spin.start()
        ws = own_workspace(spin, "audit-crash")
        key = ws.key(ws.api, ["agents:read", "agents:write"], name="audited")
        kid, token = key["metadata"]["id"], key["spec"]["token"]
        api = ws.api.with_token(token)
        early = send_mixed(api, 30, gap=0.1)
        time.sleep(3)
        late = send_mixed(api, AUDIT_LOSS_WINDOW_REQUESTS)
        spin.kill()

        spin.start()
        admin = Api(spin.base, ws.token)
        rows = poll_audit(admin, ws.path, kid, early + late)
        missing = check_rows(rows, early + late, ws.id, kid)
        print(f"audit after kill -9: {len(missing)} of the last {len(late)} calls have no row")
        assert not missing & {c.rid for c in early}, "every call before the last drain interval is audited"
        assert len(missing) <= AUDIT_LOSS_WINDOW_REQUESTS
        assert len(rows) == 40 - len(missing), "no rows beyond the calls made"
    finally:
        spin.stop()


# ---------------------------------------------------------------- the rate limit under concurrency


@pytest.fixture(scope="module")
def limited():
    """An app of its own with the documented default limits: 20/s sustained, bursts of 100."""
    spin = SpinApp(variables={"rate_limit_per_second": str(RATE), "rate_limit_burst": str(BURST)})
    try:
        spin.start()
        yield spin, own_workspace(spin, "limited")
    finally:
        spin.stop()


@pytest.mark.slow
@pytest.mark.parametrize("connections", [16, 64])
def test_rate_limit_holds_under_concurrency(limited, connections):
    spin, ws = limited
    token = ws.key(ws.api, ["agents:read"], name=f"blast-{connections}")["spec"]["token"]
    other = ws.api.with_token(ws.key(ws.api, ["agents:read"], name=f"bystander-{connections}")["spec"]["token"])
    during: list[requests.Response] = []
    got = blast([spin.base + "/v1/me"] * connections, token, BLAST_SECONDS,
                midway=lambda: during.append(other.get("/v1/me")))  # another token, mid-blast
    assert not got.errors, f"{len(got.errors)} connections failed, e.g. {got.errors[:3]}"
    expect(during[0], 200)
    expect(other.get("/v1/me"), 200)

    statuses, elapsed = got.statuses, got.elapsed
    admitted, refused = statuses[200], statuses[429]
    bound = (BURST + RATE * elapsed) * SLACK
    figures = (f"{connections} connections: admitted {admitted}, refused {refused}, t {elapsed:.2f} s, "
               f"bound {bound:.1f}, statuses {dict(statuses)}")
    print(figures)
    assert set(statuses) <= {200, 429}, figures
    assert not got.bad_429s, f"{len(got.bad_429s)} malformed 429s, e.g. {got.bad_429s[:3]}"
    assert refused >= 1, figures
    assert admitted >= BURST, f"the limiter must not refuse a fresh key's burst; {figures}"
    assert admitted <= bound, f"the limiter admitted more than burst + rate × t (+5 %); {figures}"
