"""Identity (docs/api.md §2): bootstrap, /v1/me, /v1/whoami, workspaces, API keys."""

from __future__ import annotations

import time

from client import Api, expect, expect_error, jwt_claims
from spinapp import BOOTSTRAP_TOKEN, SpinApp


def test_bootstrap_returns_account_workspace_and_an_all_scopes_key(root):
    assert root["account"]["metadata"]["id"].startswith("acct_")
    assert root["account"]["metadata"]["name"] == "e2e"
    assert root["workspace"]["metadata"]["id"].startswith("ws_")
    assert root["workspace"]["metadata"]["name"] == "main"
    key = root["apiKey"]
    assert key["metadata"]["id"].startswith("apikey_")
    assert key["spec"]["scopes"] == ["*"]
    assert key["state"] == "STATE_ENABLED"
    claims = jwt_claims(key["spec"]["token"])
    assert claims["jti"] == key["metadata"]["id"]
    assert claims["acct"] == root["account"]["metadata"]["id"]
    assert claims["ws"] == [root["workspace"]["metadata"]["id"]]
    assert claims["scopes"] == ["*"]


def test_bootstrap_only_once_and_only_with_the_bootstrap_token(app, root):
    body = {"accountName": "again", "workspaceName": "again"}
    expect_error(Api(app.base, "wrong").post("/v1/bootstrap", body), 401, "unauthorized")
    expect_error(Api(app.base).post("/v1/bootstrap", body), 401, "unauthorized")
    expect_error(Api(app.base, BOOTSTRAP_TOKEN).post("/v1/bootstrap", body), 409, "conflict")


def test_bootstrap_validates_its_body():
    spin = SpinApp().start()
    try:
        api = Api(spin.base, BOOTSTRAP_TOKEN)
        expect_error(api.post("/v1/bootstrap", {"accountName": "", "workspaceName": "w"}), 400,
                     "validation_error", "accountName")
        expect_error(api.post("/v1/bootstrap", {"accountName": "a"}), 400, "validation_error")
        expect_error(api.post("/v1/bootstrap", {"accountName": "a", "workspaceName": "w", "x": 1}), 400,
                     "validation_error", "x")
        # nothing was created by the failed attempts: a valid one still succeeds
        expect(api.post("/v1/bootstrap", {"accountName": "a", "workspaceName": "w"}), 201)
    finally:
        spin.stop()


def test_bootstrap_is_disabled_without_the_variable():
    spin = SpinApp({"bootstrap_token": ""}).start()
    try:
        resp = Api(spin.base, "anything").post("/v1/bootstrap", {"accountName": "a", "workspaceName": "w"})
        expect_error(resp, 404, "not_found")
    finally:
        spin.stop()


def test_me_shows_workspace_scopes_and_token_id(admin, root):
    me = expect(admin.get("/v1/me"), 200)
    assert me["tokenId"] == root["apiKey"]["metadata"]["id"]
    assert me["scopes"] == ["*"]
    assert me["account"]["metadata"]["id"] == root["account"]["metadata"]["id"]
    assert me["profile"]["spec"]["type"] == "PROFILE_TYPE_API_KEY"
    assert me["profile"]["metadata"]["id"] == jwt_claims(admin.token)["sub"]
    ids = [w["metadata"]["id"] for w in me["workspaces"]]
    assert root["workspace"]["metadata"]["id"] in ids


def test_me_of_a_single_workspace_key(ws):
    reader = ws.client(["agents:read"], name="reader")
    me = expect(reader.get("/v1/me"), 200)
    assert me["workspace"]["metadata"]["id"] == ws.id
    assert [w["metadata"]["id"] for w in me["workspaces"]] == [ws.id]
    assert me["scopes"] == ["agents:read"]
    assert me["tokenId"] == jwt_claims(reader.token)["jti"]


def test_whoami_is_the_profile_plus_token_facts(ws):
    who = expect(ws.api.get("/v1/whoami"), 200)
    assert who["metadata"]["id"].startswith("prof_")
    assert who["spec"]["type"] == "PROFILE_TYPE_API_KEY"
    assert who["tokenId"] == ws.key_id
    assert who["workspaceIds"] == [ws.id]


def test_workspaces_create_list_get(admin, ws, other_ws):
    listed = expect(admin.get("/v1/workspaces", params={"limit": 200}), 200)
    ids = [w["metadata"]["id"] for w in listed["items"]]
    assert ws.id in ids and other_ws.id in ids
    assert listed["pagination"]["total"] >= 3
    got = expect(admin.get(f"/v1/workspaces/{ws.id}"), 200)
    assert got["metadata"]["id"] == ws.id
    assert got["status"] == "STATUS_ENABLED"
    # a key bound to ws sees only ws
    assert [w["metadata"]["id"] for w in expect(ws.api.get("/v1/workspaces"), 200)["items"]] == [ws.id]
    expect_error(ws.api.get(f"/v1/workspaces/{other_ws.id}"), 404, "not_found")


def test_creating_a_workspace_needs_the_star_scope(ws):
    writer = ws.client(["agents:write", "api_keys:write"])
    expect_error(writer.post("/v1/workspaces", {"metadata": {"name": "nope"}}), 403, "forbidden")
    expect_error(ws.api.post("/v1/workspaces", {"metadata": {}}), 400, "validation_error", "metadata.name")


def test_workspace_dry_run_stores_nothing(admin):
    before = expect(admin.get("/v1/workspaces", params={"limit": 200}), 200)["pagination"]["total"]
    dry = expect(admin.post("/v1/workspaces", {"metadata": {"name": "dry"}}, params={"dryRun": "true"}), 200)
    assert dry["metadata"]["name"] == "dry"
    expect_error(admin.get(f"/v1/workspaces/{dry['metadata']['id']}"), 404, "not_found")
    assert expect(admin.get("/v1/workspaces", params={"limit": 200}), 200)["pagination"]["total"] == before


def test_api_key_lifecycle(ws):
    created = ws.key(ws.api, ["agents:read", "agents:write"], name="ci", description="for CI")
    key_id = created["metadata"]["id"]
    token = created["spec"]["token"]
    assert created["spec"]["scopes"] == ["agents:read", "agents:write"]
    assert created["info"]["workspaceIds"] == [ws.id]
    key_api = ws.api.with_token(token)
    expect(key_api.get(f"{ws.path}/agents"), 200)

    # reads never show the token again
    got = expect(ws.api.get(f"{ws.path}/api_keys/{key_id}"), 200)
    assert "token" not in got["spec"]
    assert got["spec"]["description"] == "for CI"
    listed = expect(ws.api.get(f"{ws.path}/api_keys"), 200)
    assert key_id in [k["metadata"]["id"] for k in listed["items"]]
    assert all("token" not in k["spec"] for k in listed["items"])

    # PATCH name, labels and scopes; scopes take effect on the next request
    patched = expect(ws.api.patch(f"{ws.path}/api_keys/{key_id}",
                                  {"metadata": {"name": "ci-2", "labels": {"env": "ci"}},
                                   "spec": {"scopes": ["agents:read"]}}), 200)
    assert patched["metadata"]["name"] == "ci-2"
    assert patched["metadata"]["labels"] == {"env": "ci"}
    assert patched["spec"]["scopes"] == ["agents:read"]
    expect_error(key_api.post(f"{ws.path}/agents", {"metadata": {"name": "x"}}), 403, "forbidden")

    # disable / enable
    expect(ws.api.post(f"{ws.path}/api_keys/{key_id}:disable"), 200)
    expect_error(key_api.get(f"{ws.path}/agents"), 401, "unauthorized")
    enabled = expect(ws.api.post(f"{ws.path}/api_keys/{key_id}:enable", {}), 200)
    assert enabled["state"] == "STATE_ENABLED"
    expect(key_api.get(f"{ws.path}/agents"), 200)

    # rotate: the old token stops at once, the new one works
    rotated = expect(ws.api.post(f"{ws.path}/api_keys/{key_id}:rotate"), 200)
    new_api = ws.api.with_token(rotated["spec"]["token"])
    expect_error(key_api.get(f"{ws.path}/agents"), 401, "unauthorized")
    expect(new_api.get(f"{ws.path}/agents"), 200)
    assert rotated["info"]["lastRotatedAt"]

    # revoke
    expect(ws.api.delete(f"{ws.path}/api_keys/{key_id}"), 204)
    expect_error(new_api.get(f"{ws.path}/agents"), 401, "unauthorized")
    expect_error(ws.api.get(f"{ws.path}/api_keys/{key_id}"), 404, "not_found")
    expect_error(ws.api.delete(f"{ws.path}/api_keys/{key_id}"), 404, "not_found")


def test_api_key_validation(ws):
    base = f"{ws.path}/api_keys"
    expect_error(ws.api.post(base, {"metadata": {"name": "k"}, "spec": {}}), 400, "validation_error", "spec.scopes")
    expect_error(ws.api.post(base, {"metadata": {"name": "k"}, "spec": {"scopes": ["agents:read", "agents:fly"]}}),
                 400, "validation_error", "spec.scopes[1]")
    expect_error(ws.api.post(base, {"metadata": {"name": "k"}, "spec": {"scopes": ["*"], "expiresAt": "2001-01-01T00:00:00Z"}}),
                 400, "validation_error", "spec.expiresAt")
    expect_error(ws.api.post(base, {"metadata": {"name": "k"}, "spec": {"scopes": ["*"], "token": 5}}),
                 400, "validation_error", "spec.token")


def test_keys_cannot_grant_more_than_they_hold(ws):
    key_admin = ws.client(["api_keys:write", "agents:read"])
    expect_error(key_admin.post(f"{ws.path}/api_keys", {"metadata": {"name": "esc"}, "spec": {"scopes": ["*"]}}),
                 400, "validation_error", "spec.scopes")
    created = expect(key_admin.post(f"{ws.path}/api_keys",
                                    {"metadata": {"name": "ok"}, "spec": {"scopes": ["agents:read"]}}), 201)
    expect_error(key_admin.patch(f"{ws.path}/api_keys/{created['metadata']['id']}",
                                 {"spec": {"scopes": ["agents:write"]}}), 400, "validation_error", "spec.scopes")


def test_api_key_dry_run_and_update_mask(ws):
    dry = expect(ws.api.post(f"{ws.path}/api_keys", {"metadata": {"name": "dry"}, "spec": {"scopes": ["agents:read"]}},
                             params={"dryRun": "true"}), 200)
    assert "token" not in dry["spec"]
    expect_error(ws.api.get(f"{ws.path}/api_keys/{dry['metadata']['id']}"), 404, "not_found")

    key = ws.key(ws.api, ["agents:read"], name="masked", description="keep")
    kid = key["metadata"]["id"]
    out = expect(ws.api.patch(f"{ws.path}/api_keys/{kid}", {"metadata": {"name": "renamed"}, "spec": {"description": "x"}},
                              params={"updateMask": "metadata.name"}), 200)
    assert out["metadata"]["name"] == "renamed"
    assert out["spec"]["description"] == "keep"
    # the key's profile follows its name
    who = expect(ws.api.with_token(key["spec"]["token"]).get("/v1/whoami"), 200)
    assert who["metadata"]["name"] == "renamed"


def test_expiring_keys(ws):
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3))
    key = ws.key(ws.api, ["agents:read"], name="short-lived", expiresAt=soon)
    assert key["spec"]["expiresAt"].startswith(soon[:19])
    api = ws.api.with_token(key["spec"]["token"])
    expect(api.get(f"{ws.path}/agents"), 200)
    time.sleep(4)
    err = expect_error(api.get(f"{ws.path}/agents"), 401, "unauthorized")
    assert "expired" in err["message"]
