"""Bad input always gets the documented 4xx envelope naming the field; never a 5xx."""

from __future__ import annotations

import pytest
import requests

from agentloop import setup_agent
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
    "/v1/nope", "/nope", "/v1", "/v1/workspaces/{ws}/nope", "/v1/workspaces/{ws}/agents/{agent}/nope",
    "/v1/agents/x/y/z", "/v1/workspaces/{ws}/agents:list", "/v1/me/extra",
])
def test_unknown_routes_are_json_404(ws, path):
    agent = "agent_01ARZ3NDEKTSV4RRFFQ69G5FAV"
    resp = ws.api.get(path.format(ws=ws.id, agent=agent))
    expect_error(resp, 404, "not_found")


def test_the_root_redirects_to_the_console(app):
    resp = requests.get(app.base + "/", allow_redirects=False, timeout=30)
    assert resp.status_code == 302
    assert resp.headers["location"] == "/console/"
    expect_error(requests.get(app.base + "/console/nope.js", timeout=30), 404, "not_found")


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


# ---- strict input (docs/api.md §2 "Request bodies"): nothing is stored when refused

def agent_count(ws) -> int:
    return expect(ws.api.get(agents(ws)), 200)["pagination"]["total"]


@pytest.mark.parametrize("raw,field,message", [
    (b'[{"metadata": {"name": "x"}}]', "body", "must be a JSON object, not an array"),
    (b'"x"', "body", "must be a JSON object, not a string"),
    (b'{"metadata": ["x"]}', "metadata", "expected an object"),
    (b'{"metadata": {"name": "x"}, "spec": ["AGENT_STATUS_DRAFT"]}', "spec", "expected an object"),
    (b'{"metadata": {"name": "a", "name": "b"}}', "metadata.name", "duplicate key `name`"),
    (b'{"metadata": {"name": "a", "labels": {"t": "1", "t": "2"}}}', "metadata.labels.t", "duplicate key `t`"),
])
def test_arrays_for_objects_and_duplicate_keys_are_refused_everywhere(ws, raw, field, message):
    before = agent_count(ws)
    err = expect_error(ws.api.post(agents(ws), raw=raw), 400, "validation_error", field)
    assert message in err["message"], err
    assert agent_count(ws) == before


def test_the_same_rules_hold_on_every_route(ws):
    agent = expect(ws.api.post(agents(ws), {"metadata": {"name": "strict"}}), 201)
    path = f"{agents(ws)}/{agent['metadata']['id']}"
    expect_error(ws.api.patch(path, raw=b'[{"metadata": {"name": "y"}}]'), 400, "validation_error", "body")
    expect_error(ws.api.patch(path, raw=b'{"metadata": {"name": "y", "name": "z"}}'), 400, "validation_error",
                 "metadata.name")
    expect_error(ws.api.post(f"{ws.path}/api_keys", raw=b'[]'), 400, "validation_error", "body")
    expect_error(ws.api.post(f"{path}:publish", raw=b'[]'), 400, "validation_error", "body")
    assert expect(ws.api.get(path), 200)["metadata"]["name"] == "strict"


def test_integers_beyond_2_53_in_user_data_are_refused_not_rounded(ws):
    s = setup_agent(ws, prompt="Answer the question.")
    agent = s.agent
    path = f"{ws.path}/memory_layers"
    big = b'{"metadata": {"name": "layer"}, "spec": {"description": "x", "size": 123456789012345678901234567890}}'
    err = expect_error(ws.api.post(path, raw=big), 400, "validation_error", "spec.size")
    assert "9007199254740992" in err["message"]
    raw = (b'{"agentId": "%s", "initialMessage": "hi", "data": {"n": 123456789012345678901234567890}}'
           % agent["metadata"]["id"].encode())
    err = expect_error(ws.api.post(f"{ws.path}/objectives", raw=raw), 400, "validation_error", "data.n")
    assert "send large numbers as strings" in err["message"]
    # 2^53 itself is kept exactly
    ok = expect(ws.api.post(f"{ws.path}/objectives",
                            {"agentId": agent["metadata"]["id"], "initialMessage": "hi",
                             "data": {"n": 9007199254740992}}, params={"dryRun": "true"}), 200)
    assert ok["data"]["data"] == {"n": 9007199254740992}


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "application/xml; charset=utf-8", "multipart/form-data; boundary=x"])
def test_a_body_that_is_not_json_by_its_content_type_is_415(ws, content_type):
    before = agent_count(ws)
    err = expect_error(ws.api.post(agents(ws), {"metadata": {"name": "typed"}},
                                   headers={"Content-Type": content_type}), 415, "unsupported_media_type",
                       "Content-Type")
    assert "application/json" in err["message"]
    assert agent_count(ws) == before


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                          "APPLICATION/JSON", None])
def test_json_with_or_without_a_content_type_is_accepted(ws, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    resp = ws.api.session.post(ws.api.base + agents(ws), data=b'{"metadata": {"name": "ct"}}',
                               headers={"Authorization": f"Bearer {ws.token}", **headers}, timeout=30)
    if content_type is None:
        assert "content-type" not in {k.lower() for k in resp.request.headers}
    expect(resp, 201)


def test_a_bodiless_request_is_not_judged_by_its_content_type(ws):
    expect(ws.api.get(agents(ws), headers={"Content-Type": "text/plain"}), 200)


def test_a_non_ascii_bearer_token_is_malformed_not_missing(ws):
    resp = ws.api.session.get(ws.api.base + "/v1/me", headers={"Authorization": "Bearer t\u00f6ken".encode()},
                              timeout=30)
    err = expect_error(resp, 401, "unauthorized")
    assert err["message"].startswith("malformed token"), err
