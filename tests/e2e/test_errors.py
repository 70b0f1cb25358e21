"""Bad input always gets the documented 4xx envelope naming the field; never a 5xx."""

from __future__ import annotations

import pytest

from client import expect, expect_error


def agents(ws):
    return f"{ws.path}/agents"


def test_malformed_json(ws):
    for raw in [b"{", b"{\"metadata\": }", b"[1,2", b"{\"metadata\":{\"name\":\"a\"}} trailing", b"\xff\xfe"]:
        expect_error(ws.api.post(agents(ws), raw=raw), 400, "validation_error", "body")


def test_missing_body(ws):
    expect_error(ws.api.post(agents(ws)), 400, "validation_error", "body")


@pytest.mark.parametrize("body,field", [
    ({"metadata": {"name": 5}}, "metadata.name"),
    ({"metadata": {"name": "a", "labels": ["x"]}}, "metadata.labels"),
    ({"metadata": {"name": "a", "labels": {"k": 1}}}, "metadata.labels.k"),
    ({"metadata": {"name": "a"}, "spec": {"description": ["x"]}}, "spec.description"),
    ({"metadata": {"name": "a"}, "spec": "draft"}, "spec"),
    ({"metadata": "a"}, "metadata"),
    ([], "body"),
])
def test_wrong_types(ws, body, field):
    expect_error(ws.api.post(agents(ws), body), 400, "validation_error", field)


@pytest.mark.parametrize("body,field", [
    ({"metadata": {"name": "a"}, "colour": "red"}, "colour"),
    ({"metadata": {"name": "a", "nickname": "x"}}, "metadata.nickname"),
    ({"metadata": {"name": "a"}, "spec": {"model": "gpt"}}, "spec.model"),
])
def test_unknown_fields(ws, body, field):
    err = expect_error(ws.api.post(agents(ws), body), 400, "validation_error", field)
    assert "unknown field" in err["message"]


def test_bad_enums(ws):
    expect_error(ws.api.post(agents(ws), {"metadata": {"name": "a"}, "spec": {"status": "LIVE"}}), 400,
                 "validation_error", "spec.status")
    expect_error(ws.api.post(agents(ws), {"metadata": {"name": "a"},
                                          "spec": {"variationSelectionMode": "ROUND_ROBIN"}}), 400,
                 "validation_error", "spec.variationSelectionMode")


def test_bad_ids(ws):
    expect_error(ws.api.get(f"{agents(ws)}/ws_01ARZ3NDEKTSV4RRFFQ69G5FAV"), 400, "validation_error", "id")
    expect_error(ws.api.get(f"{agents(ws)}/agent_123"), 400, "validation_error", "id")
    expect_error(ws.api.get(f"{agents(ws)}/agent_01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404, "not_found")
    expect_error(ws.api.get("/v1/workspaces/agent_01ARZ3NDEKTSV4RRFFQ69G5FAV/agents"), 400, "validation_error",
                 "workspaceId")
    expect_error(ws.api.get(f"{agents(ws)}/external_id:has%20space"), 400, "validation_error", "id")
    expect_error(ws.api.post(agents(ws), {"metadata": {"name": "a", "id": "agent_x"}}), 400, "validation_error",
                 "metadata.id")


def test_over_long_and_invalid_values(ws):
    expect_error(ws.api.post(agents(ws), {"metadata": {"name": "n" * 201}}), 400, "validation_error", "metadata.name")
    expect(ws.api.post(agents(ws), {"metadata": {"name": "n" * 200}}), 201)
    expect_error(ws.api.post(agents(ws), {"metadata": {"name": "   "}}), 400, "validation_error", "metadata.name")
    expect_error(ws.api.post(agents(ws), {"metadata": {"name": "a", "labels": {"Bad Key": "x"}}}), 400,
                 "validation_error", "metadata.labels.Bad Key")
    expect_error(ws.api.post(agents(ws), {"metadata": {"name": "a", "labels": {f"k{i}": "v" for i in range(65)}}}),
                 400, "validation_error", "metadata.labels")
    expect_error(ws.api.post(agents(ws), {"metadata": {"name": "a"}, "spec": {"webhookEventsUrl": "not a url"}}),
                 400, "validation_error", "spec.webhookEventsUrl")
    expect_error(ws.api.post(agents(ws), {"metadata": {"name": "a"}, "spec": {"inputDataSchema": {"type": 7}}}),
                 400, "validation_error", "spec.inputDataSchema")
    expect_error(ws.api.post(agents(ws), {"metadata": {"name": "a"}, "spec": {"outputDefinition": "object"}}),
                 400, "validation_error", "spec.outputDefinition")
    err = expect_error(ws.api.post(agents(ws), {"metadata": {"name": "", "labels": {"UP": "x"}},
                                                "spec": {"webhookEventsUrl": "ftp://x"}}), 400, "validation_error")
    assert {d["field"] for d in err["details"]} == {"metadata.name", "metadata.labels.UP", "spec.webhookEventsUrl"}


def test_two_mebibyte_body_is_413(ws):
    big = b'{"metadata":{"name":"big"},"spec":{"description":"' + b"x" * (2 << 20) + b'"}}'
    expect_error(ws.api.post(agents(ws), raw=big), 413, "payload_too_large")
    # a body just under the limit is judged on its content instead
    under = b'{"metadata":{"name":"ok"},"spec":{"description":"' + b"x" * 20_000 + b'"}}'
    expect_error(ws.api.post(agents(ws), raw=under), 400, "validation_error", "spec.description")


@pytest.mark.parametrize("path", [
    "/v1/nope", "/nope", "/", "/v1", "/v1/workspaces/{ws}/nope", "/v1/workspaces/{ws}/agents/{agent}/nope",
    "/v1/agents/x/y/z", "/v1/workspaces/{ws}/agents:list", "/v1/me/extra",
])
def test_unknown_routes_are_json_404(ws, path):
    agent = "agent_01ARZ3NDEKTSV4RRFFQ69G5FAV"
    resp = ws.api.get(path.format(ws=ws.id, agent=agent))
    expect_error(resp, 404, "not_found")


def test_wrong_method_is_405_with_allow(ws):
    resp = ws.api.request("PUT", agents(ws), {"metadata": {"name": "x"}})
    expect_error(resp, 405, "method_not_allowed")
    assert set(resp.headers["allow"].split(", ")) == {"GET", "POST"}


def test_query_parameters_are_checked(ws):
    expect_error(ws.api.get(agents(ws), params={"colour": "red"}), 400, "validation_error", "colour")
    expect_error(ws.api.get(agents(ws), params={"limit": "-3"}), 400, "validation_error", "limit")
    expect_error(ws.api.get(agents(ws), params={"limit": "ten"}), 400, "validation_error", "limit")
    expect_error(ws.api.get(agents(ws), params={"cursor": "garbage"}), 400, "validation_error", "cursor")
    expect_error(ws.api.get(agents(ws), params={"sortOrder": "sideways"}), 400, "validation_error", "sortOrder")
    expect_error(ws.api.get(agents(ws), params={"labels": "novalue"}), 400, "validation_error", "labels")
    expect_error(ws.api.get(agents(ws), params={"includeInfo": "maybe"}), 400, "validation_error", "includeInfo")
    expect_error(ws.api.post(agents(ws), {"metadata": {"name": "a"}}, params={"dryRun": "perhaps"}), 400,
                 "validation_error", "dryRun")
    # dryRun is only for mutations
    expect_error(ws.api.get(agents(ws), params={"dryRun": "true"}), 400, "validation_error", "dryRun")
    assert expect(ws.api.get(agents(ws), params={"limit": "1000"}), 200)["items"] == []


def test_request_ids_are_echoed_or_generated(ws):
    resp = ws.api.get(agents(ws), headers={"x-request-id": "my-trace-123"})
    assert resp.headers["x-request-id"] == "my-trace-123"
    generated = ws.api.get(agents(ws), headers={"x-request-id": "bad id with spaces"}).headers["x-request-id"]
    assert generated.startswith("req_")
