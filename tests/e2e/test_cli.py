"""Ring 3 for the `cadenya` CLI: the binary drives its own fresh `spin up` (bootstrap needs an
empty app) through bootstrap → agent → variation → assignment → schedule → objective → approve →
events, and the assertions are on its JSON output (stdout is a pipe, so JSON is the default)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from fakes import text, tool_calls
from spinapp import BOOTSTRAP_TOKEN, SpinApp

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cadenya() -> str:
    subprocess.run(["cargo", "build", "-q", "-p", "cadenya-cli"], cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return str(target / "debug" / "cadenya")


@pytest.fixture(scope="module")
def fresh_app(app_variables):
    spin = SpinApp(variables=app_variables).start()
    yield spin
    spin.stop()


class Cli:
    def __init__(self, binary: str, base: str):
        self.binary = binary
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CADENYA_")}
        self.env["CADENYA_BASE_URL"] = base

    def run(self, *args: str, code: int = 0, key: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess:
        env = dict(self.env)
        if not key:
            env.pop("CADENYA_API_KEY", None)
        p = subprocess.run([self.binary, *args], capture_output=True, text=True, env=env, input=stdin, timeout=120)
        assert p.returncode == code, f"cadenya {' '.join(args)} → {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
        return p

    def json(self, *args: str, **kw):
        return json.loads(self.run(*args, **kw).stdout)


def poll(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


@pytest.fixture(scope="module")
def boot(cadenya, fresh_app) -> dict:
    """`cadenya bootstrap` on the fresh app: its first account, workspace and all-scopes key."""
    return Cli(cadenya, fresh_app.base).json("bootstrap", "--bootstrap-token", BOOTSTRAP_TOKEN,
                                             "--account-name", "cli", "--workspace-name", "main", key=False)


def test_the_cli_drives_the_whole_flow(cadenya, fresh_app, fake_openai, boot):
    cli = Cli(cadenya, fresh_app.base)
    assert boot["workspace"]["metadata"]["name"] == "main"
    assert boot["apiKey"]["spec"]["token"]
    cli.env["CADENYA_API_KEY"] = boot["apiKey"]["spec"]["token"]
    me = cli.json("me")
    assert me["workspace"]["metadata"]["id"] == boot["workspace"]["metadata"]["id"]

    # agent → variation → a bare tool that needs approval → assignment
    agent = cli.json("agents", "create", "--name", "desk", "--description", "Front desk",
                     "--status", "AGENT_STATUS_PUBLISHED", "--labels", '{"team": "ops"}')
    aid = agent["metadata"]["id"]
    assert agent["spec"]["description"] == "Front desk" and agent["metadata"]["labels"] == {"team": "ops"}
    model = f"cli-model-{int(time.time() * 1000)}"
    variation = cli.json("agents:variations", "create", "--agent-id", aid, "--name", "v1",
                         "--prompt", "You run the desk.", "--model-config", json.dumps({"modelId": f"openai/{model}"}))
    vid = variation["metadata"]["id"]
    tool_set = cli.json("tool-sets", "create", "--name", "humans", "--adapter", '{"type": "bare", "bare": {}}')
    tool = cli.json("tool-sets:tools", "create", "--tool-set-id", tool_set["metadata"]["id"], "--name", "ask_human",
                    "--description", "Ask a human",
                    "--parameters", '{"type": "object", "properties": {"q": {"type": "string"}}}',
                    "--requires-approval", "true", "--config", '{"type": "bare", "bare": {}}')
    assert tool["spec"]["requiresApproval"] is True
    assigned = cli.json("agents:variations", "add-assignment", "--agent-id", aid, "--variation-id", vid,
                        "--tool-id", tool["metadata"]["id"])
    assert [a["tool"]["id"] for a in assigned["info"]["assignments"]] == [tool["metadata"]["id"]]

    # a schedule, paused at once so it never fires during the test
    schedule = cli.json("agents:schedules", "create", "--agent-id", aid, "--name", "daily",
                        "--schedule", '{"intervals": [{"every": "24h"}], "timezone": "UTC"}',
                        "--initial-message", "Daily check")
    sid = schedule["metadata"]["id"]
    paused = cli.json("agents:schedules", "pause", "--agent-id", aid, sid)
    assert paused["spec"]["status"] == "AGENT_SCHEDULE_STATUS_PAUSED"
    listed = cli.json("agents:schedules", "list", "--agent-id", aid)
    assert [s["metadata"]["id"] for s in listed["items"]] == [sid]

    # an objective that asks for approval, is approved, gets content, and completes
    fake_openai.script(model, [tool_calls([("c1", "ask_human", {"q": "Open the door?"})]), text("Door opened.")])
    objective = cli.json("objectives", "create", "--agent-id", aid, "--initial-message", "Someone knocks")
    oid = objective["metadata"]["id"]
    waiting = poll(lambda: cli.json("objectives:tool-calls", "list", "--objective-id", oid,
                                    "--status", "TOOL_CALL_STATUS_WAITING_FOR_APPROVAL")["items"])
    call_id = waiting[0]["metadata"]["id"]
    approved = cli.json("objectives:tool-calls", "approve", "--objective-id", oid, call_id)
    assert approved["status"] == "TOOL_CALL_STATUS_APPROVED"
    poll(lambda: cli.json("objectives:tool-calls", "retrieve", "--objective-id", oid, call_id)["executionStatus"]
         == "TOOL_CALL_EXECUTION_STATUS_WAITING_FOR_CONTENT")
    answered = cli.json("objectives:tool-calls", "set-content", "--objective-id", oid, call_id, "--content", "yes")
    assert answered["data"]["result"]["content"][0]["text"]["text"] == "yes"
    done = poll(lambda: (o := cli.json("objectives", "retrieve", oid))["status"] == "OBJECTIVE_STATUS_COMPLETED" and o)
    assert done["info"]["totalToolCalls"] == 1

    events = cli.json("objectives", "events", "--objective-id", oid)
    assert [e["data"]["type"].removeprefix("OBJECTIVE_EVENT_TYPE_") for e in events["items"]] == [
        "USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_APPROVAL_REQUESTED", "TOOL_APPROVED", "TOOL_CALLED",
        "TOOL_RESULT", "ASSISTANT_MESSAGE"]

    # watch renders the (ended) objective's stream as a timeline and returns
    timeline = cli.run("--format", "table", "objectives", "watch", oid).stdout.splitlines()
    assert [line.split()[1] for line in timeline] == [e["data"]["type"].removeprefix("OBJECTIVE_EVENT_TYPE_")
                                                      for e in events["items"]]
    assert timeline[0].endswith("Someone knocks") and timeline[-1].endswith("Door opened.")

    # --wait blocks until the end and prints the answer
    fake_openai.script(model, [text("Nobody there.")])
    waited = cli.json("objectives", "create", "--agent-id", aid, "--initial-message", "Knock again", "--wait")
    assert waited["status"] == "OBJECTIVE_STATUS_COMPLETED" and waited["result"] == "Nobody there."

    # pagination: --limit and --cursor, or --all
    for n in range(3):
        cli.json("agents", "create", "--name", f"extra-{n}")
    first = cli.json("agents", "list", "--limit", "2", "--sort-order", "asc")
    assert len(first["items"]) == 2 and first["pagination"]["nextCursor"]
    second = cli.json("agents", "list", "--limit", "2", "--sort-order", "asc", "--cursor", first["pagination"]["nextCursor"])
    every = cli.json("agents", "list", "--limit", "2", "--sort-order", "asc", "--all")
    assert [a["metadata"]["id"] for a in every["items"]] == [a["metadata"]["id"] for a in first["items"] + second["items"]]
    assert len(every["items"]) == 4

    # formats, dry runs, bodies from stdin
    as_yaml = cli.run("--format", "yaml", "agents", "retrieve", aid).stdout
    assert "\nmetadata:\n" in as_yaml and f"\n  id: {aid}\n" in as_yaml and "\n  status: AGENT_STATUS_PUBLISHED" in as_yaml
    table = cli.run("--format", "table", "agents", "list", "--prefix", "desk").stdout.splitlines()
    assert table[0].split() == ["ID", "NAME", "STATUS", "CREATED"] and table[1].split()[:2] == [aid, "desk"]
    preview = cli.json("--dry-run", "agents", "create", "--name", "not-stored")
    assert preview["metadata"]["name"] == "not-stored"
    assert cli.json("agents", "list", "--prefix", "not-stored")["items"] == []
    piped = cli.json("agents", "create", "--body", "-", "--description", "from flags",
                     stdin='{"metadata": {"name": "piped"}, "spec": {"description": "from stdin"}}')
    assert piped["metadata"]["name"] == "piped" and piped["spec"]["description"] == "from flags"


def test_errors_name_the_code_and_exit_non_zero(cadenya, fresh_app, boot):
    cli = Cli(cadenya, fresh_app.base)
    missing_key = cli.run("agents", "list", code=1, key=False)
    assert "unauthorized (401)" in missing_key.stderr
    cli.env["CADENYA_API_KEY"] = "not-a-token"
    bad = cli.run("agents", "list", code=1)
    assert "unauthorized (401)" in bad.stderr
    again = Cli(cadenya, fresh_app.base).run("bootstrap", "--bootstrap-token", BOOTSTRAP_TOKEN, "--account-name",
                                             "x", "--workspace-name", "y", code=1, key=False)
    assert again.stderr.startswith("error: ")
    usage = cli.run("agents", "retrieve", code=2)
    assert "<ID>" in usage.stderr
    unknown = cli.run("agents", "frobnicate", code=2)
    assert "frobnicate" in unknown.stderr
    down = Cli(cadenya, "http://127.0.0.1:9").run("me", code=1)
    assert "cannot reach http://127.0.0.1:9" in down.stderr


def test_validation_errors_show_every_field(cadenya, fresh_app, boot):
    cli = Cli(cadenya, fresh_app.base)
    cli.env["CADENYA_API_KEY"] = boot["apiKey"]["spec"]["token"]
    p = cli.run("agents", "create", "--name", "", code=1)
    assert p.stderr.startswith("error: validation_error (400)")
    assert "metadata.name" in p.stderr


def test_help_is_generated_from_the_catalog(cadenya):
    cli = Cli(cadenya, "http://127.0.0.1:9")
    top = cli.run("--help").stdout
    for group in ["agents", "agents:variations", "agents:schedules", "agents:webhook-deliveries", "agents:feedback",
                  "objectives", "objectives:tool-calls", "tool-sets", "tool-sets:tools", "memory-layers",
                  "memory-layers:entries", "api-keys", "workspaces", "audit-logs", "me", "bootstrap"]:
        assert f"  {group} " in top or f"  {group}\n" in top, group
    verbs = cli.run("agents:variations", "--help").stdout
    for verb in ["add-assignment", "remove-assignment", "add-memory-layer", "update-memory-layer",
                 "remove-memory-layer", "create", "list", "retrieve", "update", "delete"]:
        assert f"  {verb} " in verbs or f"  {verb}\n" in verbs, verb
    create = cli.run("agents", "create", "--help").stdout
    assert "--name <name>" in create and "--body <JSON|@FILE|->" in create and "--dry-run" in create
    objectives = cli.run("objectives", "--help").stdout
    assert "watch" in objectives and "compact" in objectives
