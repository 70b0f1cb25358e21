"""Fixtures: one real `spin up` per session, bootstrapped, with per-module workspaces."""

from __future__ import annotations

import itertools
import os

import pytest

from client import Api, expect
from fakes import FakeAnthropic, FakeOpenAI, ToolServer, model_variables
from mcpserver import McpServer
from cluster import Cluster
from spinapp import BOOTSTRAP_TOKEN, SpinApp
from webhooks import RETRY_SCHEDULE

_counter = itertools.count()


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes a minute or more; still part of the default run "
                                       "(deselect with -m 'not slow')")


# The fake model providers and the HTTP tool server live as long as the session; tests stay apart
# by using model names and tool paths of their own (see fakes.py).

@pytest.fixture(scope="session")
def fake_openai():
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fake_anthropic():
    server = FakeAnthropic().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tool_server():
    server = ToolServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app_variables(fake_openai, fake_anthropic) -> dict[str, str]:
    """The Spin variables the session's app runs with (beyond SpinApp's defaults): the fakes, a
    webhook retry schedule shrunk to seconds (a first try and two retries 1 s apart, then FAILED), and
    event streams with a keep-alive every second that close by themselves after 6 s."""
    return {**model_variables(fake_openai, fake_anthropic), "webhook_retry_schedule": RETRY_SCHEDULE,
            "event_stream_heartbeat_seconds": "1", "event_stream_max_seconds": "6"}


# CADENYA_E2E_CLUSTER=1 runs the suite against the distributed deployment: sqld, Redis
# and three instances behind a round-robin proxy (see cluster.py and `make e2e-cluster`).
CLUSTER = os.environ.get("CADENYA_E2E_CLUSTER", "") not in ("", "0")

# Tests about one `spin up` on one SQLite file (its state dir, its process); the distributed
# suite (test_distributed*.py) proves the same guarantees across instances.
single_instance_only = pytest.mark.skipif(CLUSTER, reason="about one spin up on an SQLite file; "
                                                          "test_distributed*.py covers several instances")


@pytest.fixture(scope="session")
def app(app_variables, tool_server):
    spin = Cluster(size=3, variables=app_variables).start() if CLUSTER else SpinApp(variables=app_variables).start()
    yield spin
    report_server_errors(spin)
    spin.stop()


# Logged server-side errors, gathered when the app stops and printed in the terminal summary:
# a session fixture's teardown runs under pytest's fd capture, so printing there is lost.
SERVER_ERRORS: list[str] = []


def report_server_errors(spin) -> None:
    """A 500 tells the client only its request id; the reason is in the component logs, which go
    away with the app. Keep the logged reasons (last 40) for the terminal summary, so a CI log has them."""
    signs = ("internal error", "store error:", "store unavailable:")
    lines = [line for line in spin.component_logs().splitlines() if any(s in line for s in signs)]
    SERVER_ERRORS.extend(lines[-40:])


def pytest_terminal_summary(terminalreporter) -> None:
    if SERVER_ERRORS:
        terminalreporter.section("server-side errors logged during the session")
        for line in SERVER_ERRORS:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def root(app):
    """The bootstrap response: an account, its first workspace and an all-scopes key."""
    body = expect(
        Api(app.base, BOOTSTRAP_TOKEN).post("/v1/bootstrap", {"accountName": "e2e", "workspaceName": "main"}), 201
    )
    return body


@pytest.fixture(scope="session")
def admin(app, root) -> Api:
    return Api(app.base, root["apiKey"]["spec"]["token"])


class Workspace:
    """A workspace of its own and an all-scopes key bound to it alone."""

    def __init__(self, admin: Api, name: str):
        ws = expect(admin.post("/v1/workspaces", {"metadata": {"name": name}}), 201)
        self.id = ws["metadata"]["id"]
        self.path = f"/v1/workspaces/{self.id}"
        key = self.key(admin, ["*"], name=f"{name}-admin")
        self.token = key["spec"]["token"]
        self.key_id = key["metadata"]["id"]
        self.api = admin.with_token(self.token)

    def key(self, caller: Api, scopes: list[str], name: str = "key", **spec) -> dict:
        body = {"metadata": {"name": name}, "spec": {"scopes": scopes, **spec}}
        return expect(caller.post(f"{self.path}/api_keys", body), 201)

    def client(self, scopes: list[str], name: str = "scoped") -> Api:
        return self.api.with_token(self.key(self.api, scopes, name=name)["spec"]["token"])


@pytest.fixture
def ws(admin) -> Workspace:
    """A fresh workspace per test, so counts and lists start empty."""
    return Workspace(admin, f"ws-{next(_counter)}")


@pytest.fixture
def other_ws(admin) -> Workspace:
    return Workspace(admin, f"other-{next(_counter)}")


@pytest.fixture
def mcp_server():
    """Starts MCP servers (`mcp_server(token=..., json_response=..., stateless=...)`), stopped after the test."""
    started: list[McpServer] = []

    def start(**options) -> McpServer:
        server = McpServer(**options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
