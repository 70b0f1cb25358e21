"""Three instances over one libSQL server and one Redis, started at the same moment on an empty
database: they migrate it once between them, and one token's rate limit is one budget across all
of them (docs/deploy.md). A cluster of its own, with the documented default limits."""

from __future__ import annotations

import collections
import threading
import time

import pytest
import requests

from agentloop import OwnWorkspace, bootstrap
from client import Api
from cluster import Cluster, new_key
from spinapp import ROOT

RATE = 20
BURST = 100
BLAST_SECONDS = 15.0
SLACK = 1.05
LATEST_SCHEMA = len(list((ROOT / "crates" / "store" / "migrations").glob("*.sql")))


def root_ws(c: Cluster) -> OwnWorkspace:
    """The cluster's one account (bootstrapped by the start-up test, or here)."""
    if not hasattr(c, "root_ws"):
        c.root_ws = bootstrap(c, "limited")
    return c.root_ws


def run_together(calls) -> None:
    threads = [threading.Thread(target=c) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


@pytest.fixture(scope="module")
def limited():
    """A cluster of its own with the documented default limits (20/s, bursts of 100), its three
    instances started at the same moment on an empty database."""
    c = Cluster(size=3, variables={"rate_limit_per_second": str(RATE), "rate_limit_burst": str(BURST)})
    try:
        yield c.start()
    finally:
        c.stop()


def test_instances_started_together_migrate_one_fresh_database_once(limited):
    # right after the simultaneous start, all three instances take writes at once: bootstrap
    # (exactly one wins: it works while no account exists), then agents on every instance
    outcomes: list[int] = []
    tokens: list[str] = []

    def bootstrap_on(i: int, n: int) -> None:
        resp = requests.post(limited.instances[i].base + "/v1/bootstrap", timeout=30,
                             headers={"Authorization": "Bearer " + limited.instances[i].variables["bootstrap_token"]},
                             json={"accountName": f"race-{i}-{n}", "workspaceName": f"race-{i}-{n}"})
        outcomes.append(resp.status_code)
        if resp.status_code == 201:
            body = resp.json()
            wid = body["workspace"]["metadata"]["id"]
            token = body["apiKey"]["spec"]["token"]
            tokens.append(token)
            limited.root_ws = OwnWorkspace(wid, f"/v1/workspaces/{wid}", token, Api(limited.base, token))

    run_together([lambda i=i, n=n: bootstrap_on(i, n) for i in range(3) for n in range(3)])
    assert sorted(outcomes) == [201] + [409] * 8, outcomes

    created: list[int] = []

    def create_on(i: int, n: int) -> None:
        resp = requests.post(limited.instances[i].base + "/v1/agents", timeout=30,
                             headers={"Authorization": f"Bearer {tokens[0]}"},
                             json={"metadata": {"name": f"agent-{i}-{n}"}})
        created.append(resp.status_code)

    run_together([lambda i=i, n=n: create_on(i, n) for i in range(3) for n in range(5)])
    assert created == [201] * 15, created
    listed = requests.get(limited.instances[2].base + "/v1/agents", params={"limit": 50}, timeout=30,
                          headers={"Authorization": f"Bearer {tokens[0]}"}).json()
    assert len(listed["items"]) == 15
    version = limited.query_sql("PRAGMA user_version")
    assert version == [[LATEST_SCHEMA]], version
    logs = limited.component_logs()
    assert "migration failed" not in logs and "store error" not in logs, logs[-3000:]


@pytest.mark.slow
def test_rate_limit_is_one_budget_shared_by_every_instance(limited):
    """SLOW (15 s): 3 instances × 16 connections on one token admit at most burst + rate × t (+5 %)."""
    ws = root_ws(limited)
    token = new_key(ws, ["agents:read"], "blast")["spec"]["token"]
    connections = 16
    start = threading.Barrier(3 * connections + 1)
    window: dict[str, float] = {}
    samples: list[tuple[float, float, int]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def hammer(url: str) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {token}"}
        mine = []
        start.wait()
        while time.monotonic() < window["until"]:
            sent = time.monotonic()
            try:
                resp = session.get(url, headers=headers, timeout=30)
            except requests.RequestException as e:
                errors.append(repr(e))
                return
            mine.append((sent, time.monotonic(), resp.status_code))
            if resp.status_code == 429:
                assert resp.json()["error"]["code"] == "rate_limited"
                assert int(resp.headers["retry-after"]) >= 1
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=hammer, args=(app.base + "/v1/me",), daemon=True)
               for app in limited.instances for _ in range(connections)]
    for t in threads:
        t.start()
    window["until"] = time.monotonic() + BLAST_SECONDS
    start.wait()
    for t in threads:
        t.join(timeout=90)
    assert not errors, f"{len(errors)} connections failed, e.g. {errors[:3]}"
    statuses = collections.Counter(status for _, _, status in samples)
    elapsed = max(got for _, got, _ in samples) - min(sent for sent, _, _ in samples)
    admitted, refused = statuses[200], statuses[429]
    bound = (BURST + RATE * elapsed) * SLACK
    figures = f"admitted {admitted}, refused {refused}, t {elapsed:.2f} s, bound {bound:.1f}, {dict(statuses)}"
    print(figures)
    assert set(statuses) == {200, 429}, figures
    assert BURST <= admitted <= bound, figures


