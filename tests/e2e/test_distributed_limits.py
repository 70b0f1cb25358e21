"""Three instances over one libSQL server and one Redis, started at the same moment on an empty
database: they migrate it once between them, and one token's rate limit is one budget across all
of them (docs/deploy.md). A cluster of its own, with the documented default limits."""

from __future__ import annotations

import threading

import pytest
import requests

from agentloop import OwnWorkspace, bootstrap
from client import Api
from blast import blast
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
    got = blast([app.base + "/v1/me" for app in limited.instances for _ in range(connections)], token,
                BLAST_SECONDS)
    assert not got.errors, f"{len(got.errors)} connections failed, e.g. {got.errors[:3]}"
    assert not got.bad_429s, f"{len(got.bad_429s)} malformed 429s, e.g. {got.bad_429s[:3]}"
    statuses, elapsed = got.statuses, got.elapsed
    admitted, refused = statuses[200], statuses[429]
    bound = (BURST + RATE * elapsed) * SLACK
    figures = f"admitted {admitted}, refused {refused}, t {elapsed:.2f} s, bound {bound:.1f}, {dict(statuses)}"
    print(figures)
    assert set(statuses) == {200, 429}, figures
    assert BURST <= admitted <= bound, figures


