"""Secrets at rest (issue 18, part 1; docs/deploy.md "Secrets at rest"): workspace secrets, objective
secrets and AI provider key credentials are stored sealed with AES-256-GCM under `secrets_encryption_key`, bound to their rows; the database file
holds no value in clear; a rotated key still opens old rows, which the scheduler re-seals; rows from
before sealing are sealed by the scheduler; without a key nothing is stored (409 naming the variable)."""

from __future__ import annotations

import base64
import hashlib
import shutil
import sqlite3
import tempfile
from pathlib import Path

from agentloop import (bootstrap, create_body, http_tool, http_tool_set, objectives_path, own_app, rebind,
                       setup_agent, wait_for, wait_status)
from client import expect, expect_error
from fakes import text, tool_calls as calls_reply
from spinapp import SECRETS_KEY, SpinApp

ARGS = {"orderId": "42", "quantity": 3}
NEW_KEY = base64.b64encode(b"another-32-byte-key-for-rotation").decode()


def key_id(key_b64: str) -> str:
    return hashlib.sha256(base64.b64decode(key_b64)).digest()[:4].hex()


def db_bytes(app: SpinApp) -> bytes:
    """The database as it is on disk: the file and its write-ahead log."""
    return b"".join(p.read_bytes() for p in sorted(app.state_dir.glob("sqlite_db.db*")))


def query(app: SpinApp, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(str(app.state_dir / "sqlite_db.db"), timeout=5)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def execute(app: SpinApp, sql: str, params: tuple = ()) -> None:
    conn = sqlite3.connect(str(app.state_dir / "sqlite_db.db"), timeout=5)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


def ordering_objective(ws, tool_server, fake_openai, *, objective_secret: str | None = None):
    """An agent whose HTTP tool sends `Bearer {{secrets.API_TOKEN}}`; the workspace holds API_TOKEN
    unless `objective_secret` is given, which the objective then carries. Runs one call to the end
    and returns (the tool set, the Authorization header the tool server saw)."""
    s = setup_agent(ws)
    tools = http_tool_set(ws, tool_server, workspace_secret=objective_secret is None)
    tool = http_tool(ws, tools.id)
    s.assign({"toolId": tool["metadata"]["id"]})
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", ARGS)]), text("ok")])
    extra = {"secrets": [{"name": "API_TOKEN", "value": objective_secret}]} if objective_secret else {}
    oid = expect(ws.api.post(objectives_path(ws), create_body(s.agent_id, **extra)), 201)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    [seen] = tool_server.requests(tools.prefix)
    return tools, seen.headers["authorization"]


def test_no_secret_value_is_on_disk_in_clear_and_each_still_reaches_its_tool(app_variables, fake_openai,
                                                                             tool_server):
    with own_app(app_variables) as (app, ws):
        tools, auth = ordering_objective(ws, tool_server, fake_openai)
        assert auth == f"Bearer {tools.secret}"
        mine = "objective-only-" + tools.secret
        _, auth = ordering_objective(ws, tool_server, fake_openai, objective_secret=mine)
        assert auth == f"Bearer {mine}"

        credential = "sk-provider-" + tools.secret
        key = expect(ws.api.post(f"{ws.path}/ai_provider_keys", {
            "metadata": {"name": "local", "externalId": "local-llm"},
            "spec": {"provider": "AI_PROVIDER_OPENAI_COMPATIBLE",
                     "config": {"type": "openaiCompatible", "openaiCompatible": {"baseUrl": "http://127.0.0.1:9/v1"}},
                     "credentials": {"type": "apiKey", "apiKey": {"apiKey": credential}}}}), 201)

        on_disk = db_bytes(app)
        assert tools.secret.encode() not in on_disk and mine.encode() not in on_disk
        assert credential.encode() not in on_disk
        [(sealed,)] = query(app, "SELECT credentials FROM ai_provider_keys WHERE id = ?", (key["metadata"]["id"],))
        assert sealed.startswith(f"sealed:v1:{key_id(SECRETS_KEY)}:"), sealed
        [(value,)] = query(app, "SELECT value FROM workspace_secrets WHERE workspace_id = ?", (ws.id,))
        assert value.startswith(f"sealed:v1:{key_id(SECRETS_KEY)}:"), value
        [(stored,)] = query(app, "SELECT secrets FROM objectives WHERE secrets <> '{}'")
        assert stored.startswith('{"API_TOKEN":"sealed:v1:'), stored
        assert tools.secret not in app.component_logs() and mine not in app.component_logs()


def test_a_sealed_value_moved_to_another_row_does_not_open(app_variables, fake_openai, tool_server):
    """Each value is bound to its row: copying one secret's ciphertext over another's fails the tool call
    with an error naming the secret, never a value."""
    with own_app(app_variables) as (app, ws):
        tools, _ = ordering_objective(ws, tool_server, fake_openai)
        other = expect(ws.api.post(f"{ws.path}/workspace_secrets",
                                   {"metadata": {"name": "OTHER"}, "spec": {"value": "other-value-123"}}), 201)
        execute(app, "UPDATE workspace_secrets SET value = (SELECT value FROM workspace_secrets WHERE id = ?)"
                     " WHERE name = 'API_TOKEN' AND workspace_id = ?", (other["metadata"]["id"], ws.id))
        s = setup_agent(ws)
        tool = http_tool(ws, tools.id, name="create_order_2")
        s.assign({"toolId": tool["metadata"]["id"]})
        fake_openai.script(s.model, [calls_reply([("c1", "create_order_2", ARGS)]), text("ok")])
        oid = expect(ws.api.post(objectives_path(ws), create_body(s.agent_id)), 201)["metadata"]["id"]
        wait_status(ws, oid, "COMPLETED")
        [call] = expect(ws.api.get(f"{ws.path}/objectives/{oid}/tool_calls"), 200)["items"]
        assert call["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_FAILED"
        assert "workspace secret `API_TOKEN`" in call["data"]["error"], call["data"]
        assert "other-value-123" not in str(call)
        assert len(tool_server.requests(tools.prefix)) == 1  # only the first objective's call left


def test_without_a_key_no_secret_is_stored_and_the_error_names_the_variable(app_variables, fake_openai):
    with own_app({**app_variables, "secrets_encryption_key": ""}) as (app, ws):
        err = expect_error(ws.api.post(f"{ws.path}/workspace_secrets",
                                       {"metadata": {"name": "API_TOKEN"}, "spec": {"value": "v-123456"}}),
                           409, "failed_precondition")
        assert "secrets_encryption_key" in err["message"] and "v-123456" not in err["message"]
        assert expect(ws.api.get(f"{ws.path}/workspace_secrets"), 200)["items"] == []

        s = setup_agent(ws)
        body = create_body(s.agent_id, secrets=[{"name": "API_TOKEN", "value": "v-123456"}])
        err = expect_error(ws.api.post(objectives_path(ws), body), 409, "failed_precondition")
        assert "secrets_encryption_key" in err["message"]
        assert expect(ws.api.get(objectives_path(ws)), 200)["items"] == []
        fake_openai.script(s.model, [text("fine")])  # an objective without secrets needs no key
        oid = expect(ws.api.post(objectives_path(ws), create_body(s.agent_id)), 201)["metadata"]["id"]
        wait_status(ws, oid, "COMPLETED")


def test_a_malformed_key_is_refused_by_name(app_variables):
    with own_app({**app_variables, "secrets_encryption_key": "c2hvcnQ="}) as (app, ws):
        err = expect_error(ws.api.post(f"{ws.path}/workspace_secrets",
                                       {"metadata": {"name": "API_TOKEN"}, "spec": {"value": "v-123456"}}),
                           409, "failed_precondition")
        assert "`secrets_encryption_key` must be 32 random bytes" in err["message"]


def test_rotation_and_upgrade_old_rows_open_and_are_resealed_under_the_new_key(app_variables, fake_openai,
                                                                               tool_server):
    """A row sealed under the old key and a row from before sealing (plain) both keep working after the
    key rotates; the scheduler re-seals both under the new key; then the old key can go."""
    state = Path(tempfile.mkdtemp(prefix="cadenya-rotate-"))
    first = SpinApp(variables=dict(app_variables), state_dir=state)
    apps = [first]
    try:
        first.start()
        ws = bootstrap(first, "rotation")
        tools, _ = ordering_objective(ws, tool_server, fake_openai)
        plain = expect(ws.api.post(f"{ws.path}/workspace_secrets",
                                   {"metadata": {"name": "LEGACY"}, "spec": {"value": "legacy-value"}}), 201)
        first.stop()
        # as an older version stored it
        execute(first, "UPDATE workspace_secrets SET value = 'legacy-plain-value' WHERE id = ?",
                (plain["metadata"]["id"],))

        rotated = {**app_variables, "secrets_encryption_key": NEW_KEY, "secrets_encryption_key_previous": SECRETS_KEY}
        second = SpinApp(variables=rotated, state_dir=state).start()
        apps.append(second)
        new_prefix = f"sealed:v1:{key_id(NEW_KEY)}:"
        wait_for(lambda: all(v.startswith(new_prefix) for (v,) in query(
            second, "SELECT value FROM workspace_secrets")), 20,
            lambda: f"every secret re-sealed under the new key; log: {second.component_logs()[-3000:]}")
        second.stop()

        third = SpinApp(variables={**app_variables, "secrets_encryption_key": NEW_KEY}, state_dir=state).start()
        apps.append(third)
        ws = rebind(ws, third)
        legacy = http_tool_set(ws, tool_server, secret_name="LEGACY", workspace_secret=False, name="legacy-api")
        s = setup_agent(ws)
        for set_id, name in [(tools.id, "create_order_again"), (legacy.id, "legacy_order")]:
            tool = http_tool(ws, set_id, name=name)
            s.assign({"toolId": tool["metadata"]["id"]})
        fake_openai.script(s.model, [calls_reply([("c1", "create_order_again", ARGS), ("c2", "legacy_order", ARGS)]),
                                     text("ok")])
        oid = expect(ws.api.post(objectives_path(ws), create_body(s.agent_id)), 201)["metadata"]["id"]
        wait_status(ws, oid, "COMPLETED")
        assert tool_server.requests(tools.prefix)[-1].headers["authorization"] == f"Bearer {tools.secret}"
        [seen] = tool_server.requests(legacy.prefix)
        assert seen.headers["authorization"] == "Bearer legacy-plain-value"
    finally:
        for a in apps:
            a.stop()
        shutil.rmtree(state, ignore_errors=True)
