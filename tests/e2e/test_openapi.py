"""/openapi.json is valid OpenAPI 3.1, lists every route the server answers, and its
schemas describe what the server returns."""

from __future__ import annotations

import re

import jsonschema
import pytest
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from client import Api, expect

DUMMY = {"workspaceId": None, "id": "agent_01ARZ3NDEKTSV4RRFFQ69G5FAV"}


@pytest.fixture(scope="module")
def doc(app):
    return expect(Api(app.base).get("/openapi.json"), 200)


def test_document_is_valid_openapi_3_1(doc):
    assert doc["openapi"].startswith("3.1")
    validate(doc)  # raises on any violation


def test_every_documented_route_is_served(doc, ws):
    """Each documented (path, method) reaches a handler: never the router's 404/405."""
    for path, item in doc["paths"].items():
        for method in item:
            url = re.sub(r"\{workspaceId\}", ws.id, path)
            url = re.sub(r"\{id\}", "apikey_01ARZ3NDEKTSV4RRFFQ69G5FAV" if "api_keys" in path else
                         (ws.id if path == "/v1/workspaces/{id}" else DUMMY["id"]), url)
            assert "{" not in url, url
            resp = ws.api.request(method.upper(), url, {}, params={"dryRun": "true"} if method != "get" else None)
            body = resp.json() if resp.content else {}
            message = body.get("error", {}).get("message", "")
            assert not message.startswith("no route"), f"{method} {path}: {resp.status_code} {body}"
            assert resp.status_code != 405, f"{method} {path}"
            assert resp.status_code < 500, f"{method} {path}: {resp.status_code} {body}"


def test_undocumented_routes_are_not_served(doc, ws):
    documented = {(p, m) for p, item in doc["paths"].items() for m in item}
    for path, method in [("/v1/workspaces/{workspaceId}/agents", "put"), ("/v1/agents/{id}", "post"),
                         ("/v1/me", "post"), ("/v1/bootstrap", "get")]:
        assert (path, method) not in documented
        url = path.replace("{workspaceId}", ws.id).replace("{id}", DUMMY["id"])
        assert ws.api.request(method.upper(), url, {}).status_code in (404, 405)


def registry(doc):
    """The document as a resource, so `$ref`s into components resolve."""
    return Registry().with_resource("urn:openapi", DRAFT202012.create_resource(doc))


def check_response(doc, path, method, status, body):
    op = doc["paths"][path][method]
    schema = op["responses"][str(status)]["content"]["application/json"]["schema"]
    wrapper = {"$ref": "urn:openapi#" + schema["$ref"].lstrip("#")} if "$ref" in schema else schema
    jsonschema.Draft202012Validator(wrapper, registry=registry(doc)).validate(body)


def test_responses_match_their_schemas(doc, ws):
    agent = expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": "s", "labels": {"a": "b"}},
                                                      "spec": {"inputDataSchema": {"type": "object"}}}), 201)
    check_response(doc, "/v1/workspaces/{workspaceId}/agents", "post", 201, agent)
    aid = agent["metadata"]["id"]
    check_response(doc, "/v1/workspaces/{workspaceId}/agents/{id}", "get", 200,
                   expect(ws.api.get(f"{ws.path}/agents/{aid}"), 200))
    check_response(doc, "/v1/agents", "get", 200, expect(ws.api.get("/v1/agents", params={"includeInfo": "true"}), 200))
    check_response(doc, "/v1/me", "get", 200, expect(ws.api.get("/v1/me"), 200))
    check_response(doc, "/v1/whoami", "get", 200, expect(ws.api.get("/v1/whoami"), 200))
    key = expect(ws.api.post(f"{ws.path}/api_keys", {"metadata": {"name": "k"}, "spec": {"scopes": ["agents:read"]}}), 201)
    check_response(doc, "/v1/workspaces/{workspaceId}/api_keys", "post", 201, key)
    check_response(doc, "/v1/workspaces/{workspaceId}/audit_logs", "get", 200,
                   expect(ws.api.get(f"{ws.path}/audit_logs"), 200))
    err = ws.api.get(f"{ws.path}/agents/{aid[:-1]}")
    schema = doc["components"]["responses"]["BadRequest"]["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator({"$ref": "urn:openapi#" + schema["$ref"].lstrip("#")},
                                    registry=registry(doc)).validate(err.json())
