"""Creating the resources variations, tools and memory tests share, and the odd row the API
cannot create (episodic memory layers), written straight into the app's SQLite file."""

from __future__ import annotations

import json
import secrets
import sqlite3
import time

from client import expect

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PARAMS = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def ulid(ms: int | None = None) -> str:
    """A canonical 26-character ULID: 48-bit millisecond time, 80 random bits."""
    ms = int(time.time() * 1000) if ms is None else ms
    value = (ms << 80) | secrets.randbits(80)
    return "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def missing(prefix: str) -> str:
    """A well-formed id of kind `prefix` that names nothing."""
    return f"{prefix}_{ulid()}"


def mentions(err: dict, *needles: str) -> bool:
    """Whether an error envelope (message or details) names any of `needles`."""
    text = json.dumps(err)
    return any(n in text for n in needles)


# ---- agents and variations

def new_agent(ws, name="agent", **metadata) -> dict:
    return expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": name, **metadata}}), 201)


def variations_path(ws, agent_id: str) -> str:
    return f"{ws.path}/agents/{agent_id}/variations"


def new_variation(ws, agent_id: str, name="variation", spec: dict | None = None, **metadata) -> dict:
    body = {"metadata": {"name": name, **metadata}, "spec": spec or {}}
    return expect(ws.api.post(variations_path(ws, agent_id), body), 201)


def agent_variation(ws, name="agent", **metadata) -> tuple[str, str]:
    """A new agent with one variation; returns (agent id, variation path)."""
    agent_id = new_agent(ws, name, **metadata)["metadata"]["id"]
    vid = new_variation(ws, agent_id, f"{name}-v")["metadata"]["id"]
    return agent_id, f"{variations_path(ws, agent_id)}/{vid}"


def assign(ws, vpath: str, body: dict, status: int = 200) -> dict:
    return expect(ws.api.post(f"{vpath}/assignments", body), status)


def attach(ws, vpath: str, layer_id: str, position: int | None = None, status: int = 200) -> dict:
    body = {"memoryLayerId": layer_id}
    if position is not None:
        body["position"] = position
    return expect(ws.api.post(f"{vpath}/memory_layer_assignments", body), status)


# ---- tool sets, tools, secrets

def new_tool_set(ws, name="set", adapter: dict | None = None, **metadata) -> dict:
    adapter = adapter or {"type": "bare", "bare": {}}
    body = {"metadata": {"name": name, **metadata}, "spec": {"adapter": adapter}}
    return expect(ws.api.post(f"{ws.path}/tool_sets", body), 201)


def tools_path(ws, set_id: str) -> str:
    return f"{ws.path}/tool_sets/{set_id}/tools"


def new_tool(ws, set_id: str, name="tool", config: dict | None = None, **spec) -> dict:
    spec = {"parameters": PARAMS, "config": config or {"type": "bare", "bare": {}}, **spec}
    body = {"metadata": {"name": name}, "spec": spec}
    return expect(ws.api.post(tools_path(ws, set_id), body), 201)


def new_secret(ws, name: str, value: str) -> dict:
    body = {"metadata": {"name": name}, "spec": {"value": value}}
    return expect(ws.api.post(f"{ws.path}/workspace_secrets", body), 201)


# ---- memory

def new_layer(ws, name="layer", **metadata) -> dict:
    return expect(ws.api.post(f"{ws.path}/memory_layers", {"metadata": {"name": name, **metadata}}), 201)


def entries_path(ws, layer_id: str) -> str:
    return f"{ws.path}/memory_layers/{layer_id}/entries"


def new_entry(ws, layer_id: str, key: str, content: str = "remember this", **spec) -> dict:
    body = {"spec": {"key": key, "content": content, **spec}}
    return expect(ws.api.post(entries_path(ws, layer_id), body), 201)


def write_row(app, sql: str, params: tuple) -> None:
    """One statement against the running app's database: its SQLite file (WAL mode, live: keep it
    short), or the libSQL server of a cluster."""
    if hasattr(app, "execute_sql"):
        app.execute_sql(sql, params)
        return
    conn = sqlite3.connect(str(app.state_dir / "sqlite_db.db"), timeout=5)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


def insert_episodic_layer(app, ws, agent: dict, key: str = "k") -> str:
    """An EPISODIC (system-managed) layer for `agent`, as the objective runtime would make it."""
    layer_id = f"memlyr_{ulid()}"
    now = int(time.time() * 1000)
    spec = {"type": "MEMORY_LAYER_TYPE_EPISODIC", "agentId": agent["metadata"]["id"], "episodicKey": key,
            "systemManaged": True}
    write_row(
        app,
        "INSERT INTO memory_layers (id, account_id, workspace_id, name, external_id, labels, bundle_key,"
        " profile_id, created_at, updated_at, kind, spec, agent_id, episodic_key, expires_at, entry_count,"
        " last_used_at) VALUES (?, ?, ?, ?, NULL, '{}', NULL, ?, ?, ?, ?, ?, ?, ?, NULL, 0, NULL)",
        (layer_id, agent["metadata"]["accountId"], ws.id, f"episodic {key}", agent["metadata"]["profileId"],
         now, now, "MEMORY_LAYER_TYPE_EPISODIC", json.dumps(spec), agent["metadata"]["id"], key),
    )
    return layer_id


def insert_episodic_entry(app, ws, layer_id: str, agent: dict, key: str = "fact") -> str:
    """An entry of an episodic layer (written by the runtime, never through the API)."""
    entry_id = f"mement_{ulid()}"
    now = int(time.time() * 1000)
    write_row(
        app,
        "INSERT INTO memory_entries (id, account_id, workspace_id, layer_id, name, external_id, labels,"
        " bundle_key, profile_id, created_at, updated_at, key, description, content)"
        " VALUES (?, ?, ?, ?, ?, NULL, '{}', NULL, ?, ?, ?, ?, NULL, ?)",
        (entry_id, agent["metadata"]["accountId"], ws.id, layer_id, key, agent["metadata"]["profileId"],
         now, now, key, "the customer prefers email"),
    )
    return entry_id
