"""Tokens, scopes, workspace isolation and rate limits (docs/api.md §2)."""

from __future__ import annotations

import time

from client import Api, expect, expect_error, hs256, jwt_claims
from spinapp import JWT_SECRET, SpinApp


def test_missing_malformed_and_foreign_tokens_are_401(app, ws):
    path = f"{ws.path}/agents"
    expect_error(Api(app.base).get(path), 401, "unauthorized")
    expect_error(Api(app.base, "not-a-jwt").get(path), 401, "unauthorized")
    expect_error(Api(app.base).get(path, headers={"Authorization": f"Basic {ws.token}"}), 401, "unauthorized")
    claims = jwt_claims(ws.token)
    forged = hs256(claims, "some-other-secret-some-other-secret-xx")
    expect_error(Api(app.base, forged).get(path), 401, "unauthorized")
    tampered = dict(claims, scopes=["*"], ws=["*"])
    head, _, sig = ws.token.split(".")
    body = hs256(tampered, JWT_SECRET).split(".")[1]
    expect_error(Api(app.base, f"{head}.{body}.{sig}").get(path), 401, "unauthorized")


def test_expired_token_is_401(app, ws):
    claims = dict(jwt_claims(ws.token), exp=int(time.time()) - 5)
    expired = hs256(claims, JWT_SECRET)
    err = expect_error(Api(app.base, expired).get(f"{ws.path}/agents"), 401, "unauthorized")
    assert "expired" in err["message"]
    # the same claims without exp are accepted: only expiry was wrong
    claims.pop("exp")
    expect(Api(app.base, hs256(claims, JWT_SECRET)).get(f"{ws.path}/agents"), 200)


def test_revoked_disabled_and_rotated_keys_are_401(ws):
    def fresh():
        key = ws.key(ws.api, ["agents:read"])
        return key["metadata"]["id"], ws.api.with_token(key["spec"]["token"])
    path = f"{ws.path}/agents"

    kid, api = fresh()
    expect(ws.api.delete(f"{ws.path}/api_keys/{kid}"), 204)
    assert "revoked" in expect_error(api.get(path), 401, "unauthorized")["message"]

    kid, api = fresh()
    expect(ws.api.post(f"{ws.path}/api_keys/{kid}:disable"), 200)
    assert "disabled" in expect_error(api.get(path), 401, "unauthorized")["message"]

    kid, api = fresh()
    new = expect(ws.api.post(f"{ws.path}/api_keys/{kid}:rotate"), 200)["spec"]["token"]
    assert "rotate" in expect_error(api.get(path), 401, "unauthorized")["message"]
    expect(api.with_token(new).get(path), 200)


def test_read_only_tokens_never_mutate(ws):
    agent = expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": "ro"}}), 201)
    path = f"{ws.path}/agents/{agent['metadata']['id']}"
    reader = ws.client(["agents:read", "api_keys:read", "audit:read"])
    expect(reader.get(path), 200)
    expect(reader.get(f"{ws.path}/agents"), 200)
    for resp in [
        reader.post(f"{ws.path}/agents", {"metadata": {"name": "x"}}),
        reader.post(f"{ws.path}/agents", {"metadata": {"name": "x"}}, params={"dryRun": "true"}),
        reader.patch(path, {"spec": {"description": "x"}}),
        reader.delete(path),
        reader.post(f"{path}:publish"),
        reader.post(f"{ws.path}/api_keys", {"metadata": {"name": "k"}, "spec": {"scopes": ["agents:read"]}}),
        reader.post("/v1/agents", {"metadata": {"name": "x"}}),
    ]:
        err = expect_error(resp, 403, "forbidden")
        assert ":write" in err["message"] or "`*`" in err["message"]
    assert expect(ws.api.get(path), 200)["spec"]["status"] == "AGENT_STATUS_DRAFT"
    # a scope for another resource does not help
    other = ws.client(["audit:read"])
    assert "agents:read" in expect_error(other.get(f"{ws.path}/agents"), 403, "forbidden")["message"]


def test_workspace_isolation_on_both_route_forms(ws, other_ws):
    mine = expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": "mine", "externalId": "shared"}}), 201)
    theirs = expect(other_ws.api.post(f"{other_ws.path}/agents", {"metadata": {"name": "theirs"}}), 201)
    tid = theirs["metadata"]["id"]
    # canonical route naming the other workspace
    expect_error(ws.api.get(f"{other_ws.path}/agents"), 404, "not_found")
    expect_error(ws.api.get(f"{other_ws.path}/agents/{tid}"), 404, "not_found")
    expect_error(ws.api.post(f"{other_ws.path}/agents", {"metadata": {"name": "x"}}), 404, "not_found")
    expect_error(ws.api.get(f"{other_ws.path}/api_keys"), 404, "not_found")
    expect_error(ws.api.get(f"{other_ws.path}/audit_logs"), 404, "not_found")
    # their id through my workspace, both forms
    for path in [f"{ws.path}/agents/{tid}", f"/v1/agents/{tid}"]:
        expect_error(ws.api.get(path), 404, "not_found")
        expect_error(ws.api.patch(path, {"spec": {"description": "x"}}), 404, "not_found")
        expect_error(ws.api.delete(path), 404, "not_found")
        expect_error(ws.api.post(f"{path}:archive"), 404, "not_found")
    # external ids are per workspace too
    expect_error(other_ws.api.get("/v1/agents/external_id:shared"), 404, "not_found")
    expect(other_ws.api.post(f"{other_ws.path}/agents", {"metadata": {"name": "x", "externalId": "shared"}}), 201)
    assert expect(ws.api.get("/v1/agents/external_id:shared"), 200)["metadata"]["id"] == mine["metadata"]["id"]
    # their keys are invisible too
    expect_error(ws.api.get(f"{ws.path}/api_keys/{other_ws.key_id}"), 404, "not_found")
    expect(other_ws.api.get(f"{other_ws.path}/agents/{tid}"), 200)


def test_rate_limit_answers_429_with_retry_after():
    spin = SpinApp({"rate_limit_per_second": "1", "rate_limit_burst": "3"}).start()
    try:
        from spinapp import BOOTSTRAP_TOKEN
        root = expect(Api(spin.base, BOOTSTRAP_TOKEN).post("/v1/bootstrap", {"accountName": "rl", "workspaceName": "rl"}), 201)
        api = Api(spin.base, root["apiKey"]["spec"]["token"])
        statuses = [api.get("/v1/me").status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        limited = api.get("/v1/me")
        err = expect_error(limited, 429, "rate_limited")
        assert int(limited.headers["retry-after"]) >= 1
        assert "rate limit" in err["message"]
        time.sleep(int(limited.headers["retry-after"]) + 0.2)
        expect(api.get("/v1/me"), 200)
        # the MCP endpoint spends the same bucket: an agent call is limited like POST /v1/objectives
        mcp = api.post("/v1/mcp", {"jsonrpc": "2.0", "id": 1, "method": "ping"})
        err = expect_error(mcp, 429, "rate_limited")
        assert int(mcp.headers["retry-after"]) >= 1
        assert "rate limit" in err["message"]
    finally:
        spin.stop()
