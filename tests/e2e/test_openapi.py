"""/openapi.json is valid OpenAPI 3.1, lists every route the server answers, and its
schemas describe what the server returns."""

from __future__ import annotations

import re

import jsonschema
import pytest
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from agentloop import create_body, http_tool, http_tool_set, setup_agent, wait_status
from client import Api, expect
from fakes import text, tool_calls as calls_reply

ULID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
DUMMY = {"workspaceId": None, "id": f"agent_{ULID}"}
# Named path parameters and the id prefix a plausible value has.
PARAM_PREFIX = {"agentId": "agent", "variationId": "agentvar", "toolSetId": "toolset", "memoryLayerId": "memlyr",
                "objectiveId": "obj"}
# `{id}` takes the prefix of the collection it follows.
ID_PREFIX = {"api_keys": "apikey", "agents": "agent", "variations": "agentvar", "assignments": "varasg",
             "memory_layer_assignments": "memlyrasg", "tool_sets": "toolset", "tools": "tool",
             "workspace_secrets": "secret", "memory_layers": "memlyr", "entries": "mement", "objectives": "obj",
             "tool_calls": "toolcall", "tasks": "task"}


def concrete(path: str, workspace_id: str) -> str:
    """A documented path with plausible ids filled in."""
    if path == "/v1/workspaces/{id}":
        return path.replace("{id}", workspace_id)
    url = path.replace("{workspaceId}", workspace_id)
    url = re.sub(r"\{(\w+Id)\}", lambda m: f"{PARAM_PREFIX[m.group(1)]}_{ULID}" if m.group(1) in PARAM_PREFIX
                 else m.group(0), url)
    collection = re.search(r"([a-z_]+)/\{id\}", url)
    prefix = ID_PREFIX.get(collection.group(1), "agent") if collection else "agent"
    return url.replace("{id}", f"{prefix}_{ULID}")


@pytest.fixture(scope="module")
def doc(app):
    return expect(Api(app.base).get("/openapi.json"), 200)


def test_document_is_valid_openapi_3_1(doc):
    assert doc["openapi"].startswith("3.1")
    validate(doc)  # raises on any violation


def test_the_document_is_served_under_the_versioned_prefix_too(doc, app):
    assert expect(Api(app.base).get("/v1/openapi.json"), 200) == doc
    assert "/v1/openapi.json" in doc["paths"] and "/v1/tool_calls" in doc["paths"]
    # `details` is sent only when a field is at fault, and the schema says so
    assert doc["components"]["schemas"]["ErrorDetail"]["required"] == ["code", "message"]


def test_every_documented_route_is_served(doc, ws):
    """Each documented (path, method) reaches a handler: never the router's 404/405."""
    for path, item in doc["paths"].items():
        for method in item:
            url = concrete(path, ws.id)
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


def test_new_resources_match_their_schemas(doc, ws):
    ws_base = "/v1/workspaces/{workspaceId}"
    agent = expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": "a"}}), 201)["metadata"]["id"]
    variation = expect(ws.api.post(f"{ws.path}/agents/{agent}/variations", {
        "metadata": {"name": "v"}, "spec": {"weight": 1, "modelConfig": {"modelId": "openai/gpt-4o-mini"}}}), 201)
    check_response(doc, f"{ws_base}/agents/{{agentId}}/variations", "post", 201, variation)
    vpath = f"{ws.path}/agents/{agent}/variations/{variation['metadata']['id']}"
    tool_set = expect(ws.api.post(f"{ws.path}/tool_sets", {
        "metadata": {"name": "s"}, "spec": {"adapter": {"type": "http", "http": {"baseUrl": "https://a.example.com"}}}}),
        201)
    check_response(doc, f"{ws_base}/tool_sets", "post", 201, tool_set)
    sid = tool_set["metadata"]["id"]
    tool = expect(ws.api.post(f"{ws.path}/tool_sets/{sid}/tools", {
        "metadata": {"name": "t"}, "spec": {"parameters": {}, "config": {"type": "http",
                                                                         "http": {"requestMethod": "GET"}}}}), 201)
    check_response(doc, f"{ws_base}/tool_sets/{{toolSetId}}/tools", "post", 201, tool)
    layer = expect(ws.api.post(f"{ws.path}/memory_layers", {"metadata": {"name": "l"}}), 201)
    check_response(doc, f"{ws_base}/memory_layers", "post", 201, layer)
    lid = layer["metadata"]["id"]
    entry = expect(ws.api.post(f"{ws.path}/memory_layers/{lid}/entries", {"spec": {"key": "k", "content": "c"}}), 201)
    check_response(doc, f"{ws_base}/memory_layers/{{memoryLayerId}}/entries", "post", 201, entry)
    secret = expect(ws.api.post(f"{ws.path}/workspace_secrets", {"metadata": {"name": "S"}, "spec": {"value": "v"}}),
                    201)
    check_response(doc, f"{ws_base}/workspace_secrets", "post", 201, secret)

    expect(ws.api.post(f"{vpath}/assignments", {"toolId": tool["metadata"]["id"]}), 200)
    with_layer = expect(ws.api.post(f"{vpath}/memory_layer_assignments", {"memoryLayerId": lid}), 200)
    check_response(doc, f"{ws_base}/agents/{{agentId}}/variations/{{variationId}}/memory_layer_assignments", "post",
                   200, with_layer)
    for template, url in [
        (f"{ws_base}/agents/{{agentId}}/variations/{{id}}", vpath),
        (f"{ws_base}/agents/{{agentId}}/variations", f"{ws.path}/agents/{agent}/variations?includeInfo=true"),
        (f"{ws_base}/tool_sets/{{id}}", f"{ws.path}/tool_sets/{sid}"),
        (f"{ws_base}/tool_sets", f"{ws.path}/tool_sets?includeInfo=true"),
        (f"{ws_base}/tool_sets/{{toolSetId}}/tools/{{id}}", f"{ws.path}/tool_sets/{sid}/tools/{tool['metadata']['id']}"),
        (f"{ws_base}/tool_sets/{{toolSetId}}/tools", f"{ws.path}/tool_sets/{sid}/tools?includeInfo=true"),
        (f"{ws_base}/memory_layers/{{id}}", f"{ws.path}/memory_layers/{lid}"),
        (f"{ws_base}/memory_layers", f"{ws.path}/memory_layers?includeInfo=true"),
        (f"{ws_base}/memory_layers/{{memoryLayerId}}/entries/{{id}}",
         f"{ws.path}/memory_layers/{lid}/entries/{entry['metadata']['id']}"),
        (f"{ws_base}/memory_layers/{{memoryLayerId}}/entries", f"{ws.path}/memory_layers/{lid}/entries"),
        (f"{ws_base}/workspace_secrets/{{id}}", f"{ws.path}/workspace_secrets/{secret['metadata']['id']}"),
        (f"{ws_base}/workspace_secrets", f"{ws.path}/workspace_secrets?includeInfo=true"),
    ]:
        check_response(doc, template, "get", 200, expect(ws.api.get(url), 200))


def test_objective_responses_match_their_schemas(doc, ws, fake_openai, tool_server):
    ws_base = "/v1/workspaces/{workspaceId}"
    s = setup_agent(ws)
    tools = http_tool_set(ws, tool_server)
    tool = http_tool(ws, tools.id)
    s.assign({"toolId": tool["metadata"]["id"]})
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", {"orderId": "7", "quantity": 1}),
                                              ("c2", "task_create", {"task": "Check stock"})]),
                                 text("ok")])
    created = expect(ws.api.post(f"{ws.path}/objectives", create_body(s.agent_id)), 201)
    check_response(doc, f"{ws_base}/objectives", "post", 201, created)
    oid = created["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    base = f"{ws.path}/objectives/{oid}"
    calls = expect(ws.api.get(f"{base}/tool_calls"), 200)
    tasks = expect(ws.api.get(f"{base}/tasks"), 200)
    assert len(calls["items"]) == 2 and len(tasks["items"]) == 1
    for template, url in [
        (f"{ws_base}/objectives", f"{ws.path}/objectives?includeInfo=true"),
        (f"{ws_base}/objectives/{{id}}", base),
        (f"{ws_base}/objectives/{{objectiveId}}/events", f"{base}/events"),
        (f"{ws_base}/objectives/{{objectiveId}}/tool_calls", f"{base}/tool_calls"),
        (f"{ws_base}/objectives/{{objectiveId}}/tool_calls/{{id}}",
         f"{base}/tool_calls/{calls['items'][0]['metadata']['id']}"),
        (f"{ws_base}/objectives/{{objectiveId}}/tools", f"{base}/tools"),
        (f"{ws_base}/objectives/{{objectiveId}}/tasks", f"{base}/tasks"),
        (f"{ws_base}/objectives/{{objectiveId}}/tasks/{{id}}", f"{base}/tasks/{tasks['items'][0]['metadata']['id']}"),
        (f"{ws_base}/objectives/{{objectiveId}}/context_windows", f"{base}/context_windows"),
    ]:
        check_response(doc, template, "get", 200, expect(ws.api.get(url), 200))
    event = expect(ws.api.post(f"{base}:continue", {"message": "more"}), 200)
    check_response(doc, f"{ws_base}/objectives/{{id}}:continue", "post", 200, event)
    cancelled = expect(ws.api.post(f"{base}:cancel", {"reason": "schema check"}), 200)
    check_response(doc, f"{ws_base}/objectives/{{id}}:cancel", "post", 200, cancelled)
    check_response(doc, f"{ws_base}/objectives/{{objectiveId}}/events", "get", 200,
                   expect(ws.api.get(f"{base}/events"), 200))


# ---- the rules the server enforces are in the schema (issue 15)


def resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_path_ids_have_their_patterns_and_real_ids_match_them(doc, ws):
    agent = expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": "patterned"}}), 201)
    pattern = doc["paths"]["/v1/workspaces/{workspaceId}/agents/{id}"]["get"]["parameters"]
    by_name = {p["name"]: p["schema"]["pattern"] for p in pattern}
    assert re.fullmatch(by_name["id"], agent["metadata"]["id"])
    assert re.fullmatch(by_name["id"], "external_id:crm-7")
    assert re.fullmatch(by_name["workspaceId"], ws.id)
    assert not re.fullmatch(by_name["id"], ws.id)  # another kind's id
    # every id-like path parameter has one, and the server refuses what it rules out
    for path, item in doc["paths"].items():
        for op in item.values():
            for p in op.get("parameters", []):
                if p["in"] == "path" and p["name"].endswith(("Id", "id")):
                    assert "pattern" in p["schema"], (path, p["name"])
    expect(ws.api.get(f"{ws.path}/agents/{ws.id}"), 400)


def test_number_ranges_formats_and_lengths_are_declared(doc):
    schemas = doc["components"]["schemas"]
    spec = schemas["VariationSpec"]["properties"]
    assert spec["weight"]["minimum"] == 0
    model_config = resolve(doc, {"$ref": spec["modelConfig"]["$ref"]} if "$ref" in spec["modelConfig"]
                           else next(s for s in spec["modelConfig"]["anyOf"] if "$ref" in s))
    assert (model_config["properties"]["temperature"]["minimum"], model_config["properties"]["temperature"]["maximum"]) \
        == (0, 1)
    threshold = schemas["CompactionConfig"]["properties"]["triggerThreshold"]
    assert (threshold["exclusiveMinimum"], threshold["maximum"]) == (0, 1)
    for name in ("ResourceMetadata", "OperationMetadata", "AccountResourceMetadata"):
        assert schemas[name]["properties"]["createdAt"]["format"] == "date-time", name
        assert "profileId" in schemas[name]["required"], name  # seed 001/003: every record names its actor
    name = schemas["MetadataInput"]["properties"]["name"]
    assert (name["minLength"], name["maxLength"]) == (1, 200)


def test_creates_require_metadata_name_and_every_error_status_is_described(doc, ws):
    create = doc["paths"]["/v1/workspaces/{workspaceId}/agents"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert {"required": ["metadata"], "properties": {"metadata": {"required": ["name"]}}} in body["allOf"]
    update = doc["paths"]["/v1/workspaces/{workspaceId}/agents/{id}"]["patch"]
    assert "allOf" not in update["requestBody"]["content"]["application/json"]["schema"]
    assert {"400", "401", "403", "404", "405", "409", "413", "415", "429", "500", "503"} <= set(create["responses"])
    # and the wire agrees: no name, a 400 naming it
    err = expect(ws.api.post(f"{ws.path}/agents", {"metadata": {}}), 400)
    assert [d["field"] for d in err["error"]["details"]] == ["metadata.name"]


# ---- descriptions and examples a tool-using model can act on (issue 15)


def operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield path, method, op


def test_every_operation_says_what_it_needs_and_every_body_has_a_valid_example(doc):
    for path, method, op in operations(doc):
        assert op["summary"] and len(op.get("description", "")) >= 60, (path, method)
        if "x-required-scope" in op:
            assert f"`{op['x-required-scope']}`" in op["description"], (path, method)
        if "requestBody" in op:
            media = op["requestBody"]["content"]["application/json"]
            assert "example" in media, (path, method)
            schema = media["schema"]
            wrapper = {"$ref": "urn:openapi#" + schema["$ref"].lstrip("#")} if "$ref" in schema else \
                {"allOf": [{"$ref": "urn:openapi#" + s["$ref"].lstrip("#")} if "$ref" in s else s
                           for s in schema["allOf"]]}
            jsonschema.Draft202012Validator(wrapper, registry=registry(doc)).validate(media["example"])


def test_the_create_examples_are_accepted_by_the_server(doc, ws):
    """Each create example, sent as documented (dry run where offered), is accepted as is."""
    agent = expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": "examples"}}), 201)["metadata"]["id"]
    ids = {"workspaceId": ws.id, "agentId": agent}
    accepted = []
    for path, method, op in operations(doc):
        if method != "post" or op["operationId"].endswith("InTokenWorkspace") or "requestBody" not in op:
            continue
        if not op["operationId"].startswith("create") or op["operationId"] in ("createWorkspace", "createObjective",
                                                                             "createObjectiveFeedback"):
            continue
        if re.search(r"\{(?!workspaceId|agentId)\w+\}", path):
            continue  # needs an id of another kind; its shape is checked by the schema test
        url = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)
        dry = any(p["name"] == "dryRun" for p in op.get("parameters", []))
        body = op["requestBody"]["content"]["application/json"]["example"]
        resp = ws.api.post(url + ("?dryRun=true" if dry else ""), body)
        assert resp.status_code == (200 if dry else 201), (op["operationId"], resp.text)
        accepted.append(op["operationId"])
    assert {"createAgent", "createVariation", "createSchedule", "createToolSet", "createWorkspaceSecret",
            "createMemoryLayer", "createApiKey"} <= set(accepted), accepted
