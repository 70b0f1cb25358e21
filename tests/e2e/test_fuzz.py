"""The contract under an independent fuzzer: schemathesis (pinned in tests/requirements.txt) generates
requests for every operation from `/openapi.json` and checks each response: no 5xx, the status and body
documented for it, the content type documented. Real ids of every kind are fed into the paths, so the
requests reach handlers instead of stopping at id validation. 0 failures.

A `spin up` of its own (an account of its own, model and tool calls cut short), so what the fuzzer
creates, deletes and rotates touches no other test."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from agentloop import bootstrap, create, http_tool, http_tool_set, setup_agent, tool_call_path, wait_status
from builders import assign, attach, new_entry, new_layer, new_secret
from client import expect
from fakes import text, tool_calls as calls_reply
from scheduling import body as schedule_body, interval, schedules_path
from spinapp import SpinApp
from webhooks import Receiver, wait_settled, webhook_agent

EXAMPLES = 10  # per operation; about two minutes for all of them on two cores
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"
# The coverage phase is left out: on Python 3.11 it crashes inside hypothesis (AST recursion depth
# mismatch while describing a lambda), before any request is sent.
PHASES = "examples,fuzzing,stateful"


@pytest.fixture(scope="module")
def fuzzed(app_variables, fake_openai, tool_server):
    spin = SpinApp(variables={**app_variables, "tool_timeout_seconds": "2", "model_timeout_seconds": "5"})
    try:
        yield spin.start()
    finally:
        spin.stop()


def real_ids(spin: SpinApp, fake_openai, tool_server) -> tuple[str, dict[str, str]]:
    """A workspace holding one resource of every kind; (its token, the id for each path segment)."""
    ws = bootstrap(spin, "fuzz")
    s = setup_agent(ws)
    tools = http_tool_set(ws, tool_server)
    tool = http_tool(ws, tools.id, requires_approval=True)
    assign(ws, s.vpath, {"toolId": tool["metadata"]["id"]})
    layer = new_layer(ws)
    entry = new_entry(ws, layer["metadata"]["id"], "fact")
    attach(ws, s.vpath, layer["metadata"]["id"])
    info = expect(ws.api.get(s.vpath), 200)["info"]
    secret = new_secret(ws, "FUZZ_SECRET", "not-a-real-secret")
    schedule = expect(ws.api.post(schedules_path(ws, s.agent_id), schedule_body(interval("1h"))), 201)
    key = expect(ws.api.post(f"{ws.path}/api_keys", {"metadata": {"name": "fuzzed"}, "spec": {"scopes": ["*"]}}),
                 201)
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", {"orderId": "1", "quantity": 1})]),
                                 text("done")])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "WAITING_FOR_APPROVAL")
    [call] = expect(ws.api.get(f"{ws.path}/objectives/{oid}/tool_calls"), 200)["items"]
    expect(ws.api.post(f"{tool_call_path(ws, oid, call['metadata']['id'])}:approve"), 200)
    wait_status(ws, oid, "COMPLETED", "FAILED")
    tasks = expect(ws.api.get(f"{ws.path}/objectives/{oid}/tasks"), 200)["items"]
    with Receiver() as rx:  # never started: connection refused, so the deliveries end FAILED
        hooked = webhook_agent(ws, rx.url)
        fake_openai.script(hooked.model, [text("hooked")])
        create(ws, hooked.agent_id)
        delivery = wait_settled(ws, hooked.agent_id, 2, status="WEBHOOK_DELIVERY_STATUS_FAILED", timeout=60)[0]
    ids = {
        "workspaces": ws.id, "agents": s.agent_id, "variations": s.variation_id, "tool_sets": tools.id,
        "tools": tool["metadata"]["id"], "assignments": info["assignments"][0]["id"],
        "memory_layers": layer["metadata"]["id"], "entries": entry["metadata"]["id"],
        "memory_layer_assignments": info["memoryLayerAssignments"][0]["id"],
        "workspace_secrets": secret["metadata"]["id"],
        "schedules": schedule["metadata"]["id"], "api_keys": key["metadata"]["id"], "objectives": oid,
        "tool_calls": call["metadata"]["id"], "webhook_deliveries": delivery["metadata"]["id"],
    }
    if tasks:
        ids["tasks"] = tasks[0]["metadata"]["id"]
    return ws.token, ids


NAMED = {"workspaceId": "workspaces", "agentId": "agents", "variationId": "variations", "toolSetId": "tool_sets",
         "memoryLayerId": "memory_layers", "objectiveId": "objectives"}


def config(base: str, token: str, ids: dict[str, str], paths: list[str]) -> str:
    """schemathesis.toml: the token, the named path parameters, and each `{id}` by the segment before it."""
    lines = [f'base-url = "{base}"', "", "[headers]", f'Authorization = "Bearer {token}"', "", "[parameters]"]
    lines += [f'"path.{name}" = "{ids[kind]}"' for name, kind in NAMED.items()]
    for path in paths:
        m = re.search(r"/([a-z_]+)/\{id\}", path)
        if m and m.group(1) in ids:
            lines += ["", "[[operations]]", f'include-path = "{path}"',
                      f'parameters = {{ "path.id" = "{ids[m.group(1)]}" }}']
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_schemathesis_finds_no_failure_in_any_operation(fuzzed, fake_openai, tool_server, tmp_path):
    """SLOW (~2 min): every operation, both route forms, three checks, real ids; 0 failures."""
    token, ids = real_ids(fuzzed, fake_openai, tool_server)
    doc = expect(requests.get(fuzzed.base + "/openapi.json", timeout=30), 200)
    cfg = tmp_path / "schemathesis.toml"
    cfg.write_text(config(fuzzed.base, token, ids, list(doc["paths"])))
    # from a file, so the document's own operation is tested too (from its URL it is skipped)
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(doc))
    binary = Path(sys.executable).with_name("schemathesis")
    run = subprocess.run(
        [str(binary), "--config-file", str(cfg), "run", str(document), "--url", fuzzed.base, "--checks", CHECKS,
         "--phases", PHASES, "--max-examples", str(EXAMPLES), "--workers", "2", "--seed", "20261130",
         "--generation-deterministic", "--request-timeout", "30", "--no-color"],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
    )
    (tmp_path / "schemathesis.out").write_text(run.stdout + run.stderr)
    tail = run.stdout[-6000:] + run.stderr[-2000:]
    print(f"schemathesis output: {tmp_path / 'schemathesis.out'}\n{tail}")
    operations = sum(1 for item in doc["paths"].values() for m in item if m in ("get", "post", "patch", "delete"))
    summary = re.search(r"Selected: (\d+)/(\d+)", run.stdout)
    assert summary and summary.group(1) == summary.group(2) == str(operations), tail
    assert "Failures" not in run.stdout and "failures" not in run.stdout.lower().split("summary")[-1], tail
    assert run.returncode == 0, tail
