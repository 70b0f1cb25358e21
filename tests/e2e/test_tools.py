"""Tool sets, tools, workspace secrets and MCP sync against a real MCP server (docs/api.md §3)."""

from __future__ import annotations

import uuid

import pytest

from builders import (PARAMS, agent_variation, assign, mentions, missing, new_secret, new_tool, new_tool_set,
                      tools_path)
from client import expect, expect_error, eventually, request_id
from spinapp import free_port

ADAPTERS = {
    "http": {"type": "http", "http": {"baseUrl": "https://api.example.com/v1",
                                      "headers": {"Authorization": "Bearer {{secrets.API_TOKEN}}", "X-Team": "cx"}}},
    "mcp": {"type": "mcp", "mcp": {"url": "https://mcp.example.com/mcp",
                                   "headers": {"X-Api-Key": "{{ secrets.MCP_KEY }}"}}},
    "mcp-plain": {"type": "mcp", "mcp": {"url": "http://mcp.example.com:8080/mcp"}},
    "bare": {"type": "bare", "bare": {"contentTimeout": 300}},
    "bare-empty": {"type": "bare", "bare": {}},
}
HTTP = ADAPTERS["http"]
WEATHER_PARAMS = {"type": "object", "properties": {"city": {"type": "string"}, "units": {"enum": ["c", "f"]}},
                  "required": ["city"]}
FULL_TOOL = {
    "description": "Current weather for a city",
    "parameters": WEATHER_PARAMS,
    "requiresApproval": True,
    "llmToolName": "weather_lookup",
    "config": {"type": "http", "http": {"requestMethod": "GET", "path": "/weather/{city}", "query": "units=metric",
                                        "headers": {"X-Api-Key": "{{secrets.WEATHER_KEY}}"}}},
}


def sets(ws) -> str:
    return f"{ws.path}/tool_sets"


def info_without_creator(resource: dict) -> dict:
    info = dict(resource["info"])
    assert info.pop("createdBy")["metadata"]["id"], resource
    return info


# ---- tool sets

@pytest.mark.parametrize("kind", list(ADAPTERS))
def test_tool_set_round_trips_each_adapter(ws, kind):
    spec = {"description": f"{kind} tools", "adapter": ADAPTERS[kind]}
    body = {"metadata": {"name": f"{kind}-set", "externalId": f"ext-{kind}", "labels": {"k": kind}}, "spec": spec}
    created = expect(ws.api.post(sets(ws), body), 201)
    sid = created["metadata"]["id"]
    assert sid.startswith("toolset_")
    assert created["metadata"]["workspaceId"] == ws.id
    assert created["spec"] == spec
    assert created["state"] == "STATE_ACTIVE"
    got = expect(ws.api.get(f"{sets(ws)}/{sid}"), 200)
    assert got["spec"] == spec and got["state"] == "STATE_ACTIVE"
    assert info_without_creator(got) == {"toolCount": 0, "availableTools": 0}
    assert expect(ws.api.get(f"{sets(ws)}/external_id:ext-{kind}"), 200)["metadata"]["id"] == sid
    expect_error(ws.api.post(sets(ws), body), 409, "conflict", "metadata.externalId")


@pytest.mark.parametrize("adapter,field", [
    ({"type": "http", "http": {"baseUrl": "not a url"}}, "spec.adapter.http.baseUrl"),
    ({"type": "http", "http": {"baseUrl": "ftp://files.example.com"}}, "spec.adapter.http.baseUrl"),
    ({"type": "mcp", "mcp": {"url": "mcp.example.com/mcp"}}, "spec.adapter.mcp.url"),
    ({"type": "http", "http": {"baseUrl": "https://a.example.com", "headers": {"Authorization": "Bearer {{secrets.}}"}}},
     "spec.adapter.http.headers.Authorization"),
    ({"type": "http", "http": {"baseUrl": "https://a.example.com", "headers": {"X-Key": "{{secrets.API"}}},
     "spec.adapter.http.headers.X-Key"),
    ({"type": "http", "http": {"baseUrl": "https://a.example.com", "headers": {"X-Key": "{{env.HOME}}"}}},
     "spec.adapter.http.headers.X-Key"),
    ({"type": "mcp", "mcp": {"url": "https://m.example.com/mcp", "headers": {"Authorization": "{{secrets.1x}}"}}},
     "spec.adapter.mcp.headers.Authorization"),
    ({"type": "http", "http": {"baseUrl": "https://a.example.com", "headers": {"Bad Header": "x"}}},
     "spec.adapter.http.headers.Bad Header"),
    ({"type": "bare", "bare": {"contentTimeout": 0}}, "spec.adapter.bare.contentTimeout"),
    ({"type": "ftp", "ftp": {"host": "x"}}, None),
    ({"type": "http"}, None),
    ({"type": "http", "mcp": {"url": "https://m.example.com/mcp"}}, None),
    ({"type": "mcp", "mcp": {"url": "https://m.example.com/mcp", "extra": 1}}, None),
    ("http", None),
])
def test_bad_adapters_are_400(ws, adapter, field):
    body = {"metadata": {"name": "bad"}, "spec": {"adapter": adapter}}
    expect_error(ws.api.post(sets(ws), body), 400, "validation_error", field)
    assert expect(ws.api.get(sets(ws)), 200)["pagination"]["total"] == 0


def test_a_tool_set_needs_an_adapter(ws):
    expect_error(ws.api.post(sets(ws), {"metadata": {"name": "x"}, "spec": {}}), 400, "validation_error")
    expect_error(ws.api.post(sets(ws), {"metadata": {"name": "x"}}), 400, "validation_error")
    expect_error(ws.api.post(sets(ws), {"metadata": {}, "spec": {"adapter": ADAPTERS["bare"]}}), 400,
                 "validation_error", "metadata.name")


def test_archive_unarchive_and_lists(ws):
    a = new_tool_set(ws, "alpha")["metadata"]["id"]
    b = new_tool_set(ws, "beta", HTTP)["metadata"]["id"]
    archived = expect(ws.api.post(f"{sets(ws)}/{a}:archive"), 200)
    assert archived["state"] == "STATE_ARCHIVED" and archived["metadata"]["id"] == a
    assert expect(ws.api.get(f"{sets(ws)}/{a}"), 200)["state"] == "STATE_ARCHIVED"
    assert expect(ws.api.post(f"{sets(ws)}/{a}:unarchive", {}), 200)["state"] == "STATE_ACTIVE"
    assert expect(ws.api.get(f"{sets(ws)}/{a}"), 200)["state"] == "STATE_ACTIVE"
    expect_error(ws.api.post(f"{sets(ws)}/{a}:archive", {"force": True}), 400, "validation_error", "force")
    expect_error(ws.api.get(f"{sets(ws)}/{a}:archive"), 405, "method_not_allowed")
    expect_error(ws.api.post(f"{sets(ws)}/{missing('toolset')}:archive"), 404, "not_found")

    page = expect(ws.api.get(sets(ws)), 200)
    assert [s["metadata"]["id"] for s in page["items"]] == [b, a]
    assert page["pagination"]["total"] == 2
    assert all("info" not in s for s in page["items"])
    page = expect(ws.api.get(sets(ws), params={"includeInfo": "true", "prefix": "be"}), 200)
    assert [s["metadata"]["name"] for s in page["items"]] == ["beta"]
    assert info_without_creator(page["items"][0]) == {"toolCount": 0, "availableTools": 0}


def test_patch_tool_set(ws):
    s = new_tool_set(ws, "p", HTTP)
    path = f"{sets(ws)}/{s['metadata']['id']}"
    out = expect(ws.api.patch(path, {"spec": {"description": "now described"}}), 200)
    assert out["spec"] == {"description": "now described", "adapter": HTTP}
    # the adapter is replaced whole, keeping its type
    moved = {"type": "http", "http": {"baseUrl": "https://api2.example.com"}}
    out = expect(ws.api.patch(path, {"spec": {"adapter": moved}}), 200)
    assert out["spec"] == {"description": "now described", "adapter": moved}
    expect_error(ws.api.patch(path, {"spec": {"adapter": ADAPTERS["mcp"]}}), 400, "validation_error")
    expect_error(ws.api.patch(path, {"spec": {"adapter": {"type": "http", "http": {"baseUrl": "nope"}}}}), 400,
                 "validation_error", "spec.adapter.http.baseUrl")
    masked = expect(ws.api.patch(path, {"metadata": {"name": "renamed"}, "spec": {"description": "ignored"}},
                                 params={"updateMask": "metadata.name"}), 200)
    assert masked["metadata"]["name"] == "renamed" and masked["spec"]["description"] == "now described"
    assert expect(ws.api.get(path), 200)["spec"] == {"description": "now described", "adapter": moved}
    dry = expect(ws.api.patch(path, {"spec": {"description": "dry"}}, params={"dryRun": "true"}), 200)
    assert dry["spec"]["description"] == "dry"
    assert expect(ws.api.get(path), 200)["spec"]["description"] == "now described"


def test_deleting_a_tool_set_deletes_its_tools(ws):
    sid = new_tool_set(ws)["metadata"]["id"]
    tid = new_tool(ws, sid)["metadata"]["id"]
    expect(ws.api.delete(f"{sets(ws)}/{sid}"), 204)
    expect_error(ws.api.get(f"{sets(ws)}/{sid}"), 404, "not_found")
    expect_error(ws.api.get(f"{tools_path(ws, sid)}/{tid}"), 404, "not_found")
    expect_error(ws.api.get(tools_path(ws, sid)), 404, "not_found")
    expect_error(ws.api.delete(f"{sets(ws)}/{sid}"), 404, "not_found")


# ---- tools

def test_tool_round_trips_every_field(ws):
    s = new_tool_set(ws, "weather-api", HTTP)
    sid = s["metadata"]["id"]
    created = expect(ws.api.post(tools_path(ws, sid), {"metadata": {"name": "Weather", "externalId": "wx"},
                                                       "spec": FULL_TOOL}), 201)
    tid = created["metadata"]["id"]
    assert tid.startswith("tool_")
    assert created["spec"] == FULL_TOOL
    assert created["state"] == "STATE_AVAILABLE"
    got = expect(ws.api.get(f"{tools_path(ws, sid)}/{tid}"), 200)
    assert got["spec"] == FULL_TOOL and got["state"] == "STATE_AVAILABLE"
    assert info_without_creator(got) == {"toolSet": {"id": sid, "name": "weather-api"}}
    assert expect(ws.api.get(f"{tools_path(ws, sid)}/external_id:wx"), 200)["metadata"]["id"] == tid
    assert info_without_creator(expect(ws.api.get(f"{sets(ws)}/{sid}"), 200)) == {"toolCount": 1,
                                                                                  "availableTools": 1}


def test_tool_defaults(ws):
    sid = new_tool_set(ws)["metadata"]["id"]
    body = {"metadata": {"name": "Get weather (v2)!"}, "spec": {"parameters": {}, "config": {"type": "bare",
                                                                                             "bare": {}}}}
    created = expect(ws.api.post(tools_path(ws, sid), body), 201)
    assert created["spec"] == {"description": "", "parameters": {}, "requiresApproval": False,
                               "llmToolName": "Get_weather_v2", "config": {"type": "bare", "bare": {}}}
    long = new_tool(ws, sid, "x" * 100)
    assert long["spec"]["llmToolName"] == "x" * 64
    assert new_tool(ws, sid, "  spaced   out  ")["spec"]["llmToolName"] == "spaced_out"
    assert new_tool(ws, sid, "kebab-case_ok")["spec"]["llmToolName"] == "kebab-case_ok"


def test_llm_tool_names_are_unique_per_set(ws):
    sid = new_tool_set(ws, "one")["metadata"]["id"]
    new_tool(ws, sid, "Get weather")
    # "Get  weather!" defaults to the same model-safe name
    body = {"metadata": {"name": "Get  weather!"}, "spec": {"parameters": PARAMS, "config": {"type": "bare",
                                                                                             "bare": {}}}}
    expect_error(ws.api.post(tools_path(ws, sid), body), 409, "conflict", "spec.llmToolName")
    explicit = dict(body, spec=dict(body["spec"], llmToolName="Get_weather"))
    expect_error(ws.api.post(tools_path(ws, sid), explicit), 409, "conflict", "spec.llmToolName")
    other = new_tool(ws, sid, "Other")
    expect_error(ws.api.patch(f"{tools_path(ws, sid)}/{other['metadata']['id']}", {"spec": {"llmToolName":
                                                                                             "Get_weather"}}),
                 409, "conflict", "spec.llmToolName")
    # another set may use it
    other_set = new_tool_set(ws, "two")["metadata"]["id"]
    assert new_tool(ws, other_set, "Get weather")["spec"]["llmToolName"] == "Get_weather"
    assert expect(ws.api.get(tools_path(ws, sid)), 200)["pagination"]["total"] == 2


@pytest.mark.parametrize("change,field", [
    ({"parameters": None}, "spec.parameters"),
    ({"parameters": {"type": "objekt"}}, "spec.parameters"),
    ({"parameters": {"type": "string"}}, "spec.parameters"),
    ({"parameters": "object"}, "spec.parameters"),
    ({"parameters": {"type": "object", "properties": {"city": {"type": 7}}}}, "spec.parameters"),
    ({"config": {"type": "mcp", "mcp": {"toolName": "weather"}}}, "spec.config.type"),
    ({"config": {"type": "bare", "bare": {}}}, "spec.config.type"),
    ({"config": {"type": "http", "http": {"requestMethod": "GET", "path": "/weather/{town}"}}},
     "spec.config.http.path"),
    ({"config": {"type": "http", "http": {"requestMethod": "GET", "path": "weather"}}}, "spec.config.http.path"),
    ({"config": {"type": "http", "http": {"requestMethod": "GET", "query": "?units=metric"}}},
     "spec.config.http.query"),
    ({"config": {"type": "http", "http": {"requestMethod": "GET", "headers": {"X-Key": "{{secrets.}}"}}}},
     "spec.config.http.headers.X-Key"),
    ({"config": None}, "spec.config"),
    ({"llmToolName": "get weather"}, "spec.llmToolName"),
    ({"llmToolName": "x" * 65}, "spec.llmToolName"),
    ({"requiresApproval": "yes"}, "spec.requiresApproval"),
    ({"description": "d" * 10001}, "spec.description"),
    ({"timeout": 5}, "spec.timeout"),
])
def test_invalid_tools_are_400_naming_the_field(ws, change, field):
    sid = new_tool_set(ws, "http", HTTP)["metadata"]["id"]
    spec = {"parameters": WEATHER_PARAMS, "config": {"type": "http", "http": {"requestMethod": "GET",
                                                                              "path": "/weather/{city}"}}}
    spec.update(change)
    spec = {k: v for k, v in spec.items() if v is not None}
    expect_error(ws.api.post(tools_path(ws, sid), {"metadata": {"name": "bad"}, "spec": spec}), 400,
                 "validation_error", field)
    assert expect(ws.api.get(tools_path(ws, sid)), 200)["pagination"]["total"] == 0


def test_bad_request_methods_and_mcp_tool_configs(ws):
    http = new_tool_set(ws, "http", HTTP)["metadata"]["id"]
    spec = {"parameters": {}, "config": {"type": "http", "http": {"requestMethod": "FETCH"}}}
    expect_error(ws.api.post(tools_path(ws, http), {"metadata": {"name": "x"}, "spec": spec}), 400,
                 "validation_error")
    mcp = new_tool_set(ws, "mcp", ADAPTERS["mcp"])["metadata"]["id"]
    spec = {"parameters": {}, "config": {"type": "mcp", "mcp": {"toolName": " "}}}
    expect_error(ws.api.post(tools_path(ws, mcp), {"metadata": {"name": "x"}, "spec": spec}), 400,
                 "validation_error", "spec.config.mcp.toolName")
    spec = {"parameters": {}, "config": {"type": "mcp", "mcp": {"toolName": "search"}}}
    made = expect(ws.api.post(tools_path(ws, mcp), {"metadata": {"name": "search"}, "spec": spec}), 201)
    assert made["spec"]["config"] == {"type": "mcp", "mcp": {"toolName": "search"}}


def test_tool_patch_delete_and_counts(ws):
    sid = new_tool_set(ws, "http", HTTP)["metadata"]["id"]
    t = expect(ws.api.post(tools_path(ws, sid), {"metadata": {"name": "w"}, "spec": FULL_TOOL}), 201)
    second = new_tool(ws, sid, "second", config={"type": "http", "http": {"requestMethod": "POST"}})
    path = f"{tools_path(ws, sid)}/{t['metadata']['id']}"
    out = expect(ws.api.patch(path, {"spec": {"description": "changed", "requiresApproval": False}}), 200)
    assert out["spec"] == {**FULL_TOOL, "description": "changed", "requiresApproval": False}
    expect_error(ws.api.patch(path, {"spec": {"parameters": {"type": "objekt"}}}), 400, "validation_error",
                 "spec.parameters")
    # the path still has to match the parameters after a change
    expect_error(ws.api.patch(path, {"spec": {"parameters": {"type": "object", "properties": {"town": {}}}}}), 400,
                 "validation_error", "spec.config.http.path")
    assert expect(ws.api.get(path), 200)["spec"]["parameters"] == WEATHER_PARAMS

    page = expect(ws.api.get(tools_path(ws, sid), params={"includeInfo": "true"}), 200)
    assert [x["metadata"]["id"] for x in page["items"]] == [second["metadata"]["id"], t["metadata"]["id"]]
    assert all(x["info"]["toolSet"]["id"] == sid for x in page["items"])
    assert all("info" not in x for x in expect(ws.api.get(tools_path(ws, sid)), 200)["items"])
    assert expect(ws.api.get(f"{sets(ws)}/{sid}"), 200)["info"]["toolCount"] == 2

    expect(ws.api.delete(path), 204)
    expect_error(ws.api.get(path), 404, "not_found")
    expect_error(ws.api.delete(path), 404, "not_found")
    assert info_without_creator(expect(ws.api.get(f"{sets(ws)}/{sid}"), 200)) == {"toolCount": 1,
                                                                                  "availableTools": 1}


def test_tools_live_in_their_set_and_workspace(ws, other_ws):
    a = new_tool_set(ws, "a")["metadata"]["id"]
    b = new_tool_set(ws, "b")["metadata"]["id"]
    tid = new_tool(ws, a)["metadata"]["id"]
    expect_error(ws.api.get(f"{tools_path(ws, b)}/{tid}"), 404, "not_found")
    valid = {"metadata": {"name": "x"}, "spec": {"parameters": {}, "config": {"type": "bare", "bare": {}}}}
    expect_error(ws.api.post(tools_path(ws, missing("toolset")), valid), 404, "not_found")
    expect_error(ws.api.get(f"{sets(ws)}/{a}/tools/{missing('tool')}"), 404, "not_found")
    expect_error(ws.api.get(f"{sets(ws)}/{a}/tools/{missing('toolset')}"), 400, "validation_error", "id")

    theirs = new_tool_set(other_ws, "theirs")["metadata"]["id"]
    their_tool = new_tool(other_ws, theirs)["metadata"]["id"]
    for base in [sets(ws), "/v1/tool_sets"]:
        expect_error(ws.api.get(f"{base}/{theirs}"), 404, "not_found")
        expect_error(ws.api.patch(f"{base}/{theirs}", {"spec": {"description": "x"}}), 404, "not_found")
        expect_error(ws.api.delete(f"{base}/{theirs}"), 404, "not_found")
        expect_error(ws.api.post(f"{base}/{theirs}:archive"), 404, "not_found")
        expect_error(ws.api.get(f"{base}/{theirs}/tools"), 404, "not_found")
        expect_error(ws.api.get(f"{base}/{theirs}/tools/{their_tool}"), 404, "not_found")
    expect_error(ws.api.get(f"{other_ws.path}/tool_sets"), 404, "not_found")
    assert expect(other_ws.api.get(f"{tools_path(other_ws, theirs)}/{their_tool}"), 200)["state"] == "STATE_AVAILABLE"


def test_both_route_forms_agree(ws):
    created = expect(ws.api.post("/v1/tool_sets", {"metadata": {"name": "short"}, "spec": {"adapter": HTTP}}), 201)
    sid = created["metadata"]["id"]
    assert expect(ws.api.get(f"{sets(ws)}/{sid}"), 200) == expect(ws.api.get(f"/v1/tool_sets/{sid}"), 200)
    assert expect(ws.api.get(sets(ws)), 200) == expect(ws.api.get("/v1/tool_sets"), 200)
    tool = expect(ws.api.post(f"/v1/tool_sets/{sid}/tools", {"metadata": {"name": "t"}, "spec": FULL_TOOL}), 201)
    tid = tool["metadata"]["id"]
    assert expect(ws.api.get(f"{tools_path(ws, sid)}/{tid}"), 200) == expect(
        ws.api.get(f"/v1/tool_sets/{sid}/tools/{tid}"), 200)
    assert expect(ws.api.post(f"/v1/tool_sets/{sid}:archive"), 200)["state"] == "STATE_ARCHIVED"
    secret = expect(ws.api.post("/v1/workspace_secrets", {"metadata": {"name": "SHORT"}, "spec": {"value": "v1"}}),
                    201)
    assert expect(ws.api.get(f"/v1/workspace_secrets/{secret['metadata']['id']}"), 200) == expect(
        ws.api.get(f"{ws.path}/workspace_secrets/{secret['metadata']['id']}"), 200)
    expect(ws.api.delete(f"/v1/tool_sets/{sid}/tools/{tid}"), 204)
    expect(ws.api.delete(f"/v1/tool_sets/{sid}"), 204)
    expect(ws.api.delete(f"/v1/workspace_secrets/{secret['metadata']['id']}"), 204)
    expect_error(ws.api.get(f"{sets(ws)}/{sid}"), 404, "not_found")


def test_dry_run_stores_nothing(ws):
    dry = expect(ws.api.post(sets(ws), {"metadata": {"name": "dry"}, "spec": {"adapter": HTTP}},
                             params={"dryRun": "true"}), 200)
    assert dry["metadata"]["id"].startswith("toolset_") and dry["state"] == "STATE_ACTIVE"
    expect_error(ws.api.get(f"{sets(ws)}/{dry['metadata']['id']}"), 404, "not_found")
    sid = new_tool_set(ws, "real", HTTP)["metadata"]["id"]
    dry = expect(ws.api.post(tools_path(ws, sid), {"metadata": {"name": "t"}, "spec": FULL_TOOL},
                             params={"dryRun": "true"}), 200)
    assert dry["spec"] == FULL_TOOL
    assert expect(ws.api.get(tools_path(ws, sid)), 200)["pagination"]["total"] == 0
    expect(ws.api.post(f"{sets(ws)}/{sid}:archive", params={"dryRun": "true"}), 200)
    assert expect(ws.api.get(f"{sets(ws)}/{sid}"), 200)["state"] == "STATE_ACTIVE"
    expect(ws.api.delete(f"{sets(ws)}/{sid}", params={"dryRun": "true"}), 204)
    expect(ws.api.get(f"{sets(ws)}/{sid}"), 200)
    value = f"dry-{uuid.uuid4().hex}"
    resp = ws.api.post(f"{ws.path}/workspace_secrets", {"metadata": {"name": "DRY"}, "spec": {"value": value}},
                       params={"dryRun": "true"})
    assert expect(resp, 200)["spec"] == {"hasValue": True}
    assert value not in resp.text
    assert expect(ws.api.get(f"{ws.path}/workspace_secrets"), 200)["pagination"]["total"] == 0


# ---- referential rules

def test_an_assigned_tool_and_its_set_cannot_be_deleted(ws):
    sid = new_tool_set(ws, "s")["metadata"]["id"]
    tid = new_tool(ws, sid, "t")["metadata"]["id"]
    _, vpath = agent_variation(ws, "user")
    vid = vpath.rsplit("/", 1)[1]
    v = assign(ws, vpath, {"toolId": tid})
    err = expect_error(ws.api.delete(f"{tools_path(ws, sid)}/{tid}"), 409, "conflict")
    assert mentions(err, vid, "user-v"), err
    err = expect_error(ws.api.delete(f"{sets(ws)}/{sid}"), 409, "conflict")
    assert mentions(err, vid, "user-v"), err
    expect(ws.api.get(f"{tools_path(ws, sid)}/{tid}"), 200)
    # archiving is the way to retire it while assigned
    assert expect(ws.api.post(f"{sets(ws)}/{sid}:archive"), 200)["state"] == "STATE_ARCHIVED"
    expect(ws.api.delete(f"{vpath}/assignments/{v['info']['assignments'][0]['id']}"), 200)
    expect(ws.api.delete(f"{tools_path(ws, sid)}/{tid}"), 204)
    expect(ws.api.delete(f"{sets(ws)}/{sid}"), 204)


def test_an_assigned_tool_set_cannot_be_deleted(ws):
    sid = new_tool_set(ws, "s")["metadata"]["id"]
    new_tool(ws, sid, "t")
    _, first = agent_variation(ws, "first")
    _, second = agent_variation(ws, "second")
    assign(ws, first, {"toolSetId": sid})
    v2 = assign(ws, second, {"toolSetId": sid})
    err = expect_error(ws.api.delete(f"{sets(ws)}/{sid}"), 409, "conflict")
    assert mentions(err, first.rsplit("/", 1)[1], "first-v") and mentions(err, second.rsplit("/", 1)[1],
                                                                          "second-v"), err
    a1 = expect(ws.api.get(first), 200)["info"]["assignments"][0]["id"]
    expect(ws.api.delete(f"{first}/assignments/{a1}"), 200)
    err = expect_error(ws.api.delete(f"{sets(ws)}/{sid}"), 409, "conflict")
    assert mentions(err, second.rsplit("/", 1)[1], "second-v"), err
    expect(ws.api.delete(f"{second}/assignments/{v2['info']['assignments'][0]['id']}"), 200)
    expect(ws.api.delete(f"{sets(ws)}/{sid}"), 204)


# ---- workspace secrets

def secrets_path(ws) -> str:
    return f"{ws.path}/workspace_secrets"


def test_secret_values_are_never_returned(ws):
    value = f"sv-{uuid.uuid4().hex}"
    resp = ws.api.post(secrets_path(ws), {"metadata": {"name": "MCP_TOKEN", "labels": {"use": "mcp"}},
                                          "spec": {"value": value}})
    created = expect(resp, 201)
    assert value not in resp.text
    sid = created["metadata"]["id"]
    assert sid.startswith("secret_")
    assert created["metadata"]["name"] == "MCP_TOKEN"
    assert created["spec"] == {"hasValue": True}
    for r in [ws.api.get(f"{secrets_path(ws)}/{sid}"), ws.api.get(secrets_path(ws)),
              ws.api.get(secrets_path(ws), params={"includeInfo": "true"})]:
        expect(r, 200)
        assert value not in r.text
    got = expect(ws.api.get(f"{secrets_path(ws)}/{sid}"), 200)
    assert got["spec"] == {"hasValue": True}
    assert got["info"]["createdBy"]["metadata"]["id"]
    assert "lastUsedAt" not in got["info"]
    page = expect(ws.api.get(secrets_path(ws)), 200)
    assert [s["spec"] for s in page["items"]] == [{"hasValue": True}]

    resp = ws.api.patch(f"{secrets_path(ws)}/{sid}", {"metadata": {"labels": {"use": "both"}}})
    assert expect(resp, 200)["metadata"]["labels"] == {"use": "both"}
    assert value not in resp.text
    new_value = f"nv-{uuid.uuid4().hex}"
    resp = ws.api.patch(f"{secrets_path(ws)}/{sid}", {"spec": {"value": new_value}})
    assert expect(resp, 200)["spec"] == {"hasValue": True}
    assert new_value not in resp.text and value not in resp.text
    # a fetched secret can be sent back (hasValue is accepted and ignored)
    back = ws.api.patch(f"{secrets_path(ws)}/{sid}", got)
    assert expect(back, 200)["spec"] == {"hasValue": True}
    assert new_value not in back.text


@pytest.mark.parametrize("body,status,field", [
    ({"metadata": {"name": "bad name"}, "spec": {"value": "v"}}, 400, "metadata.name"),
    ({"metadata": {"name": "1X"}, "spec": {"value": "v"}}, 400, "metadata.name"),
    ({"metadata": {"name": "A-B"}, "spec": {"value": "v"}}, 400, "metadata.name"),
    ({"metadata": {"name": "OK"}, "spec": {}}, 400, "spec.value"),
    ({"metadata": {"name": "OK"}, "spec": {"value": ""}}, 400, "spec.value"),
    ({"metadata": {"name": "OK"}, "spec": {"value": "two\nlines"}}, 400, "spec.value"),
    ({"metadata": {"name": "OK"}, "spec": {"value": "x" * (16 * 1024 + 1)}}, 400, "spec.value"),
    ({"metadata": {"name": "OK"}, "spec": {"value": "v", "secret": "v"}}, 400, "spec.secret"),
])
def test_secret_validation(ws, body, status, field):
    expect_error(ws.api.post(secrets_path(ws), body), status, "validation_error", field)


def test_secret_names_are_unique_and_deletable(ws):
    s = new_secret(ws, "API_TOKEN", "one")
    expect_error(ws.api.post(secrets_path(ws), {"metadata": {"name": "API_TOKEN"}, "spec": {"value": "two"}}), 409,
                 "conflict", "metadata.name")
    other = new_secret(ws, "OTHER", "three")
    expect_error(ws.api.patch(f"{secrets_path(ws)}/{other['metadata']['id']}", {"metadata": {"name": "API_TOKEN"}}),
                 409, "conflict", "metadata.name")
    expect_error(ws.api.patch(f"{secrets_path(ws)}/{other['metadata']['id']}", {"metadata": {"name": "bad name"}}),
                 400, "validation_error", "metadata.name")
    expect_error(ws.api.patch(f"{secrets_path(ws)}/{other['metadata']['id']}", {"spec": {"value": ""}}),
                 400, "validation_error", "spec.value")
    path = f"{secrets_path(ws)}/{s['metadata']['id']}"
    expect(ws.api.delete(path), 204)
    expect_error(ws.api.get(path), 404, "not_found")
    expect_error(ws.api.delete(path), 404, "not_found")
    # the name is free again
    new_secret(ws, "API_TOKEN", "four")


# ---- MCP sync

MODES = {"sse": {}, "json": {"json_response": True}, "stateless": {"stateless": True}}


def mcp_set(ws, server, name="mcp", headers: dict | None = None) -> str:
    mcp = {"url": server.url}
    if headers:
        mcp["headers"] = headers
    return new_tool_set(ws, name, {"type": "mcp", "mcp": mcp})["metadata"]["id"]


def sync(ws, set_id: str) -> dict:
    return expect(ws.api.post(f"{sets(ws)}/{set_id}:sync"), 200)


def synced_tools(ws, set_id: str) -> dict[str, dict]:
    page = expect(ws.api.get(tools_path(ws, set_id), params={"limit": 200, "includeInfo": "true"}), 200)
    assert page["pagination"]["total"] == len(page["items"])
    return {t["spec"]["config"]["mcp"]["toolName"]: t for t in page["items"]}


@pytest.mark.parametrize("mode", list(MODES))
def test_sync_imports_the_servers_tools(ws, mcp_server, mode):
    server = mcp_server(**MODES[mode])
    sid = mcp_set(ws, server)
    out = sync(ws, sid)
    assert out["metadata"]["id"] == sid and out["state"] == "STATE_ACTIVE"
    assert out["info"]["lastSync"].endswith("Z")
    assert "lastSyncError" not in out["info"], out["info"]
    assert (out["info"]["toolCount"], out["info"]["availableTools"]) == (3, 3)

    wire = server.tools()
    tools = synced_tools(ws, sid)
    assert set(tools) == set(wire) == {"get_weather", "add", "search_docs"}
    for name, t in tools.items():
        assert t["metadata"]["id"].startswith("tool_")
        assert t["state"] == "STATE_AVAILABLE"
        assert t["spec"]["config"]["type"] == "mcp"
        assert t["spec"]["config"]["mcp"]["toolName"] == name
        assert t["spec"]["parameters"] == wire[name]["inputSchema"]
        assert t["spec"]["description"] == wire[name]["description"]
        assert t["spec"]["llmToolName"] == name
        assert t["info"]["toolSet"]["id"] == sid
    assert tools["add"]["spec"]["parameters"]["properties"]["a"]["type"] == "integer"
    assert tools["get_weather"]["spec"]["parameters"]["required"] == ["city"]
    assert tools["get_weather"]["spec"]["config"]["mcp"]["annotations"] == wire["get_weather"]["annotations"]
    got = expect(ws.api.get(f"{sets(ws)}/{sid}"), 200)
    assert got["info"]["lastSync"] == out["info"]["lastSync"]


def test_sync_is_idempotent_and_archives_vanished_tools(ws, mcp_server):
    server = mcp_server()
    sid = mcp_set(ws, server)
    sync(ws, sid)
    first = {n: t["metadata"]["id"] for n, t in synced_tools(ws, sid).items()}
    again = sync(ws, sid)
    assert (again["info"]["toolCount"], again["info"]["availableTools"]) == (3, 3)
    assert {n: t["metadata"]["id"] for n, t in synced_tools(ws, sid).items()} == first

    server.offer(["get_weather", "search_docs"])
    out = sync(ws, sid)
    assert "lastSyncError" not in out["info"]
    assert (out["info"]["toolCount"], out["info"]["availableTools"]) == (3, 2)
    tools = synced_tools(ws, sid)
    assert {n: t["metadata"]["id"] for n, t in tools.items()} == first
    assert {n: t["state"] for n, t in tools.items()} == {
        "get_weather": "STATE_AVAILABLE", "search_docs": "STATE_AVAILABLE", "add": "STATE_ARCHIVED"}
    assert tools["add"]["info"]["vanishedAt"].endswith("Z")
    assert expect(ws.api.get(f"{tools_path(ws, sid)}/{first['add']}"), 200)["state"] == "STATE_ARCHIVED"

    # a tool that comes back is available again, under the same id
    server.offer(["get_weather", "search_docs", "add"])
    out = sync(ws, sid)
    assert (out["info"]["toolCount"], out["info"]["availableTools"]) == (3, 3)
    tools = synced_tools(ws, sid)
    assert {n: t["metadata"]["id"] for n, t in tools.items()} == first
    assert all(t["state"] == "STATE_AVAILABLE" for t in tools.values())


def test_sync_against_an_unreachable_server_records_the_error(ws, mcp_server):
    url = f"http://127.0.0.1:{free_port()}/mcp"
    sid = new_tool_set(ws, "down", {"type": "mcp", "mcp": {"url": url}})["metadata"]["id"]
    out = sync(ws, sid)
    err = out["info"]["lastSyncError"]
    assert isinstance(err, str) and err.strip()
    assert out["info"]["lastSync"].endswith("Z")
    assert (out["info"]["toolCount"], out["info"]["availableTools"]) == (0, 0)
    assert expect(ws.api.get(tools_path(ws, sid)), 200)["pagination"]["total"] == 0
    assert expect(ws.api.get(f"{sets(ws)}/{sid}"), 200)["info"]["lastSyncError"] == err

    # pointed at a live server, the next sync succeeds and clears the error
    server = mcp_server()
    expect(ws.api.patch(f"{sets(ws)}/{sid}", {"spec": {"adapter": {"type": "mcp", "mcp": {"url": server.url}}}}),
           200)
    out = sync(ws, sid)
    assert "lastSyncError" not in out["info"], out["info"]
    assert out["info"]["toolCount"] == 3


def test_sync_is_only_for_mcp_sets(ws):
    for adapter in [HTTP, ADAPTERS["bare"]]:
        sid = new_tool_set(ws, adapter["type"], adapter)["metadata"]["id"]
        expect_error(ws.api.post(f"{sets(ws)}/{sid}:sync"), 409, "failed_precondition")
        assert "lastSync" not in expect(ws.api.get(f"{sets(ws)}/{sid}"), 200)["info"]
    expect_error(ws.api.post(f"{sets(ws)}/{missing('toolset')}:sync"), 404, "not_found")


def test_sync_resolves_secret_headers(ws, mcp_server):
    token = f"mcp-{uuid.uuid4().hex}"
    server = mcp_server(token=token)
    secret = new_secret(ws, "MCP_TOKEN", token)
    sid = mcp_set(ws, server, headers={"Authorization": "Bearer {{secrets.MCP_TOKEN}}"})
    resp = ws.api.post(f"{sets(ws)}/{sid}:sync")
    out = expect(resp, 200)
    assert "lastSyncError" not in out["info"], out["info"]
    assert out["info"]["toolCount"] == 3
    assert out["spec"]["adapter"]["mcp"]["headers"] == {"Authorization": "Bearer {{secrets.MCP_TOKEN}}"}
    assert server.requests_seen()["rejected"] == 0
    for r in [resp, ws.api.get(f"{sets(ws)}/{sid}"), ws.api.get(tools_path(ws, sid), params={"includeInfo": "true"}),
              ws.api.get(f"{secrets_path(ws)}/{secret['metadata']['id']}")]:
        assert r.status_code == 200 and token not in r.text
    assert expect(ws.api.get(f"{secrets_path(ws)}/{secret['metadata']['id']}"), 200)["info"]["lastUsedAt"].endswith("Z")

    # with the wrong value the server refuses, and the sync says so (without the value)
    wrong = f"wrong-{uuid.uuid4().hex}"
    expect(ws.api.patch(f"{secrets_path(ws)}/{secret['metadata']['id']}", {"spec": {"value": wrong}}), 200)
    resp = ws.api.post(f"{sets(ws)}/{sid}:sync")
    out = expect(resp, 200)
    assert isinstance(out["info"]["lastSyncError"], str) and out["info"]["lastSyncError"].strip()
    assert wrong not in resp.text and token not in resp.text
    assert server.requests_seen()["rejected"] >= 1

    # without the header at all, too
    bare = mcp_set(ws, server, name="no-auth")
    out = sync(ws, bare)
    assert out["info"]["lastSyncError"].strip()
    assert expect(ws.api.get(tools_path(ws, bare)), 200)["pagination"]["total"] == 0


# ---- scopes and audit

def test_tool_scopes(ws):
    sid = new_tool_set(ws, "s", HTTP)["metadata"]["id"]
    tid = expect(ws.api.post(tools_path(ws, sid), {"metadata": {"name": "t"}, "spec": FULL_TOOL}), 201)["metadata"]["id"]
    secret = new_secret(ws, "KEY", "v")["metadata"]["id"]
    reader = ws.client(["tools:read"])
    for path in [sets(ws), f"{sets(ws)}/{sid}", tools_path(ws, sid), f"{tools_path(ws, sid)}/{tid}",
                 secrets_path(ws), f"{secrets_path(ws)}/{secret}", "/v1/tool_sets", "/v1/workspace_secrets"]:
        expect(reader.get(path), 200)
    for resp in [
        reader.post(sets(ws), {"metadata": {"name": "x"}, "spec": {"adapter": HTTP}}),
        reader.post(sets(ws), {"metadata": {"name": "x"}, "spec": {"adapter": HTTP}}, params={"dryRun": "true"}),
        reader.patch(f"{sets(ws)}/{sid}", {"spec": {"description": "x"}}),
        reader.delete(f"{sets(ws)}/{sid}"),
        reader.post(f"{sets(ws)}/{sid}:archive"),
        reader.post(f"{sets(ws)}/{sid}:unarchive"),
        reader.post(f"{sets(ws)}/{sid}:sync"),
        reader.post(tools_path(ws, sid), {"metadata": {"name": "x"}, "spec": FULL_TOOL}),
        reader.patch(f"{tools_path(ws, sid)}/{tid}", {"spec": {"description": "x"}}),
        reader.delete(f"{tools_path(ws, sid)}/{tid}"),
        reader.post(secrets_path(ws), {"metadata": {"name": "X"}, "spec": {"value": "v"}}),
        reader.patch(f"{secrets_path(ws)}/{secret}", {"spec": {"value": "w"}}),
        reader.delete(f"{secrets_path(ws)}/{secret}"),
        reader.post("/v1/tool_sets", {"metadata": {"name": "x"}, "spec": {"adapter": HTTP}}),
    ]:
        err = expect_error(resp, 403, "forbidden")
        assert "tools:write" in err["message"] or "`*`" in err["message"], err
    assert expect(ws.api.get(f"{sets(ws)}/{sid}"), 200)["state"] == "STATE_ACTIVE"
    assert expect(ws.api.get(tools_path(ws, sid)), 200)["pagination"]["total"] == 1

    other = ws.client(["agents:write", "variations:write", "memory:write"])
    for path in [sets(ws), f"{tools_path(ws, sid)}/{tid}", secrets_path(ws)]:
        assert "tools:read" in expect_error(other.get(path), 403, "forbidden")["message"]


def test_tool_calls_are_audited(ws):
    key = ws.key(ws.api, ["tools:write"], name="audited")
    kid = key["metadata"]["id"]
    api = ws.api.with_token(key["spec"]["token"])
    route = "/v1/workspaces/{workspaceId}/tool_sets"
    calls = []

    def call(method, path, status, template, scope, **kw):
        rid = request_id()
        resp = api.request(method, path, headers={"x-request-id": rid}, **kw)
        assert resp.status_code == status, resp.text
        calls.append((rid, status, method, template, scope))
        return resp

    sid = call("POST", sets(ws), 201, route, "tools:write",
               body={"metadata": {"name": "s"}, "spec": {"adapter": HTTP}}).json()["metadata"]["id"]
    call("POST", f"{sets(ws)}/{sid}:sync", 409, route + "/{id}:sync", "tools:write")
    tid = call("POST", tools_path(ws, sid), 201, route + "/{toolSetId}/tools", "tools:write",
               body={"metadata": {"name": "t"}, "spec": FULL_TOOL}).json()["metadata"]["id"]
    call("GET", f"{tools_path(ws, sid)}/{tid}", 200, route + "/{toolSetId}/tools/{id}", "tools:read")
    call("GET", f"/v1/tool_sets/{sid}/tools/{tid}", 200, "/v1/tool_sets/{toolSetId}/tools/{id}", "tools:read")
    call("POST", f"/v1/tool_sets/{sid}:archive", 200, "/v1/tool_sets/{id}:archive", "tools:write")
    call("POST", f"{ws.path}/workspace_secrets", 201, "/v1/workspaces/{workspaceId}/workspace_secrets",
         "tools:write", body={"metadata": {"name": "S"}, "spec": {"value": "v"}})
    call("POST", f"{ws.path}/workspace_secrets", 400, "/v1/workspaces/{workspaceId}/workspace_secrets",
         "tools:write", body={"metadata": {"name": "bad name"}, "spec": {"value": "v"}})
    call("DELETE", f"{sets(ws)}/{sid}", 204, route + "/{id}", "tools:write")

    def all_present():
        rows = {r["data"]["requestId"]: r for r in expect(ws.api.get(
            f"{ws.path}/audit_logs", params={"tokenId": kid, "limit": 200}), 200)["items"]}
        return rows if all(c[0] in rows for c in calls) else None

    rows = eventually(all_present)
    assert rows, "audit rows missing"
    for rid, status, method, template, scope in calls:
        data = rows[rid]["data"]
        assert (data["status"], data["method"], data["route"], data.get("scope"), data["tokenId"]) == (
            status, method, template, scope, kid), data
