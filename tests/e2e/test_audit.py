"""Every call leaves one audit row with its status and token id (docs/api.md §6.0, §2)."""

from __future__ import annotations

import time

from client import expect, expect_error, eventually, request_id


def audit_rows(ws, **params):
    return expect(ws.api.get(f"{ws.path}/audit_logs", params={"limit": 200, **params}), 200)["items"]


def test_every_call_is_audited_with_status_and_token(ws):
    key = ws.key(ws.api, ["agents:read", "agents:write"], name="audited")
    kid = key["metadata"]["id"]
    api = ws.api.with_token(key["spec"]["token"])
    agents = f"{ws.path}/agents"
    calls = []

    def call(method, path, status, route, scope, **kw):
        rid = request_id()
        resp = api.request(method, path, headers={"x-request-id": rid}, **kw)
        assert resp.status_code == status, resp.text
        calls.append((rid, status, method, route, scope))
        return resp

    created = call("POST", agents, 201, "/v1/workspaces/{workspaceId}/agents", "agents:write",
                   body={"metadata": {"name": "a"}}).json()
    aid = created["metadata"]["id"]
    call("GET", f"{agents}/{aid}", 200, "/v1/workspaces/{workspaceId}/agents/{id}", "agents:read")
    call("GET", f"/v1/agents/{aid}", 200, "/v1/agents/{id}", "agents:read")
    call("POST", f"{agents}/{aid}:publish", 200, "/v1/workspaces/{workspaceId}/agents/{id}:publish", "agents:write")
    call("POST", agents, 400, "/v1/workspaces/{workspaceId}/agents", "agents:write", body={"metadata": {}})
    call("GET", f"{agents}/agent_01ARZ3NDEKTSV4RRFFQ69G5FAV", 404, "/v1/workspaces/{workspaceId}/agents/{id}",
         "agents:read")
    call("GET", f"{ws.path}/api_keys", 403, "/v1/workspaces/{workspaceId}/api_keys", "api_keys:read")
    call("DELETE", f"{agents}/{aid}", 204, "/v1/workspaces/{workspaceId}/agents/{id}", "agents:write")
    call("GET", f"{ws.path}/nowhere", 404, f"{ws.path}/nowhere", None)
    call("PUT", agents, 405, agents, None, body={})
    call("POST", agents, 413, agents, None, raw=b"x" * ((1 << 20) + 1))
    # after revocation the key's calls are still attributed to it
    expect(ws.api.delete(f"{ws.path}/api_keys/{kid}"), 204)
    call("GET", agents, 401, "/v1/workspaces/{workspaceId}/agents", "agents:read")

    def all_present():
        rows = {r["data"]["requestId"]: r for r in audit_rows(ws, tokenId=kid)}
        return rows if all(c[0] in rows for c in calls) else None

    rows = eventually(all_present)
    assert rows, "audit rows missing"
    assert len(rows) == len(calls), "exactly one row per call"
    for rid, status, method, route, scope in calls:
        data = rows[rid]["data"]
        assert (data["status"], data["method"], data["route"], data.get("scope"), data["tokenId"]) == (
            status, method, route, scope, kid), data
        assert data["latencyMs"] >= 0
        assert rows[rid]["metadata"]["workspaceId"] == ws.id
        assert rows[rid]["metadata"]["id"].startswith("audit_")
    # bodies are never stored
    assert all("body" not in r["data"] for r in rows.values())


def test_audit_filters_and_paging(ws):
    t0 = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
    for _ in range(3):
        expect_error(ws.api.get(f"{ws.path}/agents/agent_01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404, "not_found")
    expect(ws.api.get(f"{ws.path}/agents"), 200)

    def not_found_rows():
        rows = audit_rows(ws, status=404)
        return rows if len(rows) == 3 else None
    assert eventually(not_found_rows)
    assert all(r["data"]["status"] == 404 for r in audit_rows(ws, status=404))
    assert audit_rows(ws, until=t0) == []
    assert len(audit_rows(ws, since=t0)) >= 4
    page = expect(ws.api.get(f"{ws.path}/audit_logs", params={"limit": 2}), 200)
    assert len(page["items"]) == 2 and page["pagination"]["nextCursor"]
    nxt = expect(ws.api.get(f"{ws.path}/audit_logs", params={"limit": 2, "cursor": page["pagination"]["nextCursor"]}), 200)
    assert not {r["metadata"]["id"] for r in page["items"]} & {r["metadata"]["id"] for r in nxt["items"]}
    expect_error(ws.api.get(f"{ws.path}/audit_logs", params={"status": "abc"}), 400, "validation_error", "status")
    expect_error(ws.api.get(f"{ws.path}/audit_logs", params={"since": "yesterday"}), 400, "validation_error", "since")
    expect_error(ws.api.get(f"{ws.path}/audit_logs", params={"tokenId": "agent_01ARZ3NDEKTSV4RRFFQ69G5FAV"}), 400,
                 "validation_error", "tokenId")


def test_audit_needs_its_scope(ws):
    expect_error(ws.client(["agents:read"]).get(f"{ws.path}/audit_logs"), 403, "forbidden")
    expect(ws.client(["audit:read"]).get(f"{ws.path}/audit_logs"), 200)
