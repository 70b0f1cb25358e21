"""The MCP server (docs/api.md §3.9): a workspace's PUBLISHED agents as tools, plus five control tools
for their objectives, served over the Model Context Protocol (streamable HTTP, handshake era) at
`/v1/workspaces/{ws}/mcp` and `/v1/mcp`. Driven through the official `mcp` SDK client as an MCP host
would (handshake, tools/list, tools/call with `_meta`, progress, tools/list_changed), and over raw HTTP
for the wire rules the SDK hides: sessions, JSON-RPC error codes and HTTP statuses, the notification
stream, tokens, and the audit log."""

from __future__ import annotations

import functools
import json
import re
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable

import anyio
import httpx2
import mcp_types as types
import pytest
import requests
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from agentloop import (DRAFT, PUBLISHED, WEIGHTED, Setup, bare_tool, create, etype, events, get, http_tool,
                       http_tool_set, model_name, new_variation, objectives_path, payload, text_of, tool_calls,
                       wait_status, wait_tool_call)
from builders import missing
from client import Api, eventually, expect, expect_error, request_id
from fakes import error, text, tool_calls as calls_reply

ARCHIVED = "AGENT_STATUS_ARCHIVED"

PROTOCOL = "2025-11-25"          # the revision the server prefers (and the SDK offers)
BOTH = "application/json, text/event-stream"
SESSION_ID = re.compile(r"^mcps_[0-9a-f]{32}$")
UNKNOWN_SESSION = "mcps_" + "0" * 32

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, SESSION_NOT_FOUND = (
    -32700, -32600, -32601, -32602, -32001)

CONTROL_TOOLS = {"cadenya_list_objectives", "cadenya_get_objective", "cadenya_approve_tool_call",
                 "cadenya_deny_tool_call", "cadenya_cancel_objective"}
# control tool -> (required arguments, every argument)
CONTROL_ARGS = {
    "cadenya_list_objectives": (set(), {"agentId", "status", "pageSize", "pageToken"}),
    "cadenya_get_objective": ({"objectiveId"}, {"objectiveId"}),
    "cadenya_approve_tool_call": ({"objectiveId", "toolCallId"}, {"objectiveId", "toolCallId"}),
    "cadenya_deny_tool_call": ({"objectiveId", "toolCallId"}, {"objectiveId", "toolCallId", "memo"}),
    "cadenya_cancel_objective": ({"objectiveId"}, {"objectiveId", "reason"}),
}
WRITE_REFUSED = "lacks the `objectives:write` scope"
READ_REFUSED = "lacks the `objectives:read` scope"

COMPLETED = "OBJECTIVE_STATUS_COMPLETED"
FINALIZED = "OBJECTIVE_STATUS_FINALIZED"
FAILED = "OBJECTIVE_STATUS_FAILED"
CANCELLED = "OBJECTIVE_STATUS_CANCELLED"
WAITING = "OBJECTIVE_STATUS_WAITING_FOR_APPROVAL"
ENDED = {COMPLETED, FINALIZED, FAILED, CANCELLED}
NOT_ENDED_YET = {"OBJECTIVE_STATUS_PENDING", "OBJECTIVE_STATUS_RUNNING"}

TICKET_SCHEMA = {"type": "object",
                 "properties": {"title": {"type": "string", "minLength": 1},
                                "priority": {"type": "integer", "minimum": 1, "maximum": 5}},
                 "required": ["title"], "additionalProperties": False}
OUTPUT_DEF = {"type": "object", "properties": {"answer": {"type": "string"}, "score": {"type": "integer"}},
              "required": ["answer", "score"]}
ORDER_ARGS = {"orderId": "42", "quantity": 3, "note": "rush"}
OPENAI_401 = {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                        "code": "invalid_api_key"}}

# One SDK scenario (handshake, a few calls, an agent run or two) on a slow 2-core machine.
SCENARIO_TIMEOUT = 90.0
# How long an objective may take to reach the next status (the scheduler claims it within a second).
STEP_TIMEOUT = 30.0
# How soon tools/list_changed must follow a change (the notification stream reopens every 6 s).
CHANGE_TIMEOUT = 15.0


# ---------------------------------------------------------------- agents


def mcp_path(ws) -> str:
    return f"{ws.path}/mcp"


def bare_agent(ws, name: str, status: str = PUBLISHED, **spec) -> dict:
    """An agent without variations: enough to be listed as a tool."""
    body = {"metadata": {"name": name}, "spec": {"status": status, **spec}}
    return expect(ws.api.post(f"{ws.path}/agents", body), 201)


def agent(ws, name: str, *, description: str | None = None, schema: dict | None = None,
          output: dict | None = None, prompt: str = "You help.") -> Setup:
    """A published agent with one variation on `openai/<a fresh model name>`, ready to run."""
    model = model_name("mcp-test")
    spec: dict[str, Any] = {"status": PUBLISHED, "variationSelectionMode": WEIGHTED}
    if description is not None:
        spec["description"] = description
    if schema is not None:
        spec["inputDataSchema"] = schema
    if output is not None:
        spec["outputDefinition"] = output
    created = expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": name}, "spec": spec}), 201)
    variation = new_variation(ws, created["metadata"]["id"], f"{name}-v",
                              {"prompt": prompt, "modelConfig": {"modelId": f"openai/{model}"}, "weight": 1})
    return Setup(ws, created, variation, model, f"openai/{model}")


def order_agent(ws, tool_server) -> tuple[Setup, Any]:
    """`Order Desk` (tool `order_desk`) with the HTTP `create_order` tool, which needs approval."""
    s = agent(ws, "Order Desk")
    tools = http_tool_set(ws, tool_server)
    tool = http_tool(ws, tools.id, requires_approval=True)
    s.assign({"toolId": tool["metadata"]["id"]})
    return s, tools


def objective_ids(ws, **params) -> list[str]:
    page = expect(ws.api.get(objectives_path(ws), params=params), 200)
    return [o["metadata"]["id"] for o in page["items"]]


def token(ws, scopes: list[str], name: str = "mcp") -> str:
    return ws.key(ws.api, scopes, name=name)["spec"]["token"]


# ---------------------------------------------------------------- the SDK client


@asynccontextmanager
async def connect(url: str, bearer: str, *, message_handler=None) -> AsyncIterator[Client]:
    """An SDK client (`mode="auto"`: probes server/discover, falls back to initialize) with the key as
    its bearer token; no response cache, so every list goes to the server. Ends the session on exit."""
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {bearer}"},
                              timeout=httpx2.Timeout(30.0, read=180.0))
    async with http:
        async with Client(streamable_http_client(url, http_client=http), mode="auto", cache=None,
                          message_handler=message_handler) as client:
            yield client


def _leaf(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def run(scenario: Callable[[], Awaitable[Any]], timeout: float = SCENARIO_TIMEOUT) -> Any:
    """Runs an async scenario from a plain test, bounded; a failure inside the SDK's task groups
    surfaces as itself rather than as a one-exception group."""
    async def main():
        with anyio.fail_after(timeout):
            return await scenario()
    try:
        return anyio.run(main)
    except BaseExceptionGroup as group:
        leaf = _leaf(group)
        if leaf is group:
            raise
        raise leaf from group


class Mcp:
    """One bearer token at one MCP endpoint, used from sync code: each method is an SDK session of its own."""

    def __init__(self, ws, bearer: str, path: str = "/v1/mcp"):
        self.url = ws.api.base + path
        self.bearer = bearer

    def session(self, body: Callable[[Client], Awaitable[Any]], timeout: float = SCENARIO_TIMEOUT,
                **options) -> Any:
        async def scenario():
            async with connect(self.url, self.bearer, **options) as client:
                return await body(client)
        return run(scenario, timeout)

    def tools(self) -> dict[str, types.Tool]:
        async def body(client):
            listed = await client.list_tools()
            assert listed.next_cursor is None, "one page holds every tool"
            return listed.tools
        tools = self.session(body)
        names = [t.name for t in tools]
        assert len(names) == len(set(names)), f"tool names are unique: {names}"
        return {t.name: t for t in tools}

    def call(self, name: str, arguments: dict | None = None, **kw) -> types.CallToolResult:
        return self.session(lambda client: client.call_tool(name, arguments, **kw))


# ---------------------------------------------------------------- tool results


def only_text(result: types.CallToolResult) -> str:
    """The result's single text block."""
    assert len(result.content) == 1, result
    block = result.content[0]
    assert block.type == "text", result
    return block.text


def structured(result: types.CallToolResult) -> dict:
    """A successful object result: `structuredContent`, and the same object as the text."""
    assert result.is_error is False, only_text(result)
    assert isinstance(result.structured_content, dict), result
    assert json.loads(only_text(result)) == result.structured_content, result
    return result.structured_content


def refused(result: types.CallToolResult, *needles: str) -> str:
    """A tool error (`isError: true`) whose text contains every needle."""
    assert result.is_error is True, result
    said = only_text(result)
    for needle in needles:
        assert needle in said, f"{needle!r} not in {said!r}"
    return said


def subset(got: dict, want: dict) -> None:
    assert {k: got.get(k, "<absent>") for k in want} == want, got


async def follow(client: Client, oid: str, wanted: str, timeout: float = STEP_TIMEOUT) -> dict:
    """Polls `cadenya_get_objective` until the objective is in `wanted`; fails if it ends otherwise."""
    deadline = anyio.current_time() + timeout
    while True:
        got = structured(await client.call_tool("cadenya_get_objective", {"objectiveId": oid}))
        if got["status"] == wanted:
            return got
        assert got["status"] not in ENDED, f"wanted {wanted}, the objective ended: {got}"
        assert anyio.current_time() < deadline, f"timed out waiting for {wanted}: {got}"
        await anyio.sleep(0.25)


async def in_thread(fn: Callable, *args, **kw) -> Any:
    """A blocking REST call from inside a scenario, off the event loop the SDK's streams run on."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kw))


# ---------------------------------------------------------------- raw HTTP


def rpc(method: str, params: dict | None = None, id_: Any = 1) -> dict:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": id_, "method": method}
    if params is not None:
        msg["params"] = params
    return msg


def init_params(version: str = PROTOCOL) -> dict:
    return {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1.0"}}


def send(api: Api, method: str, path: str, body: Any = None, *, raw: bytes | None = None, sid: str | None = None,
         accept: str = BOTH, version: str | None = PROTOCOL, headers: dict | None = None,
         stream: bool = False) -> requests.Response:
    """One HTTP request as an MCP client sends it (Accept both, the session and protocol headers)."""
    h = {"Accept": accept}
    if api.token is not None:
        h["Authorization"] = f"Bearer {api.token}"
    if sid is not None:
        h["Mcp-Session-Id"] = sid
    if version is not None:
        h["MCP-Protocol-Version"] = version
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    if data is not None:
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    return api.session.request(method, api.base + path, data=data, headers=h, timeout=60, stream=stream)


def post(api: Api, path: str, body: Any = None, **kw) -> requests.Response:
    return send(api, "POST", path, body, **kw)


def initialize(api: Api, path: str, version: str = PROTOCOL) -> requests.Response:
    return post(api, path, rpc("initialize", init_params(version), 0), version=None)


def open_session(api: Api, path: str) -> str:
    """initialize, then notifications/initialized (202); the session id."""
    resp = initialize(api, path)
    assert resp.status_code == 200, resp.text
    sid = resp.headers["mcp-session-id"]
    note = post(api, path, {"jsonrpc": "2.0", "method": "notifications/initialized"}, sid=sid)
    assert note.status_code == 202 and note.content == b"", (note.status_code, note.text)
    return sid


def answer(resp: requests.Response, id_: Any) -> dict:
    """The JSON-RPC message answering `id_`, from a JSON body or a server-sent event stream."""
    assert resp.status_code == 200, f"{resp.status_code}: {resp.text[:2000]}"
    ctype = resp.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        return resp.json()
    assert ctype.startswith("text/event-stream"), ctype
    data: list[str] = []
    for line in resp.iter_lines(chunk_size=1, decode_unicode=True):
        if line.startswith("data:"):
            data.append(line[5:].lstrip())
        elif line == "" and data:
            msg = json.loads("\n".join(data))
            data = []
            if msg.get("id") == id_ and ("result" in msg or "error" in msg):
                resp.close()
                return msg
    raise AssertionError(f"the stream ended without an answer to {id_!r}")


ANY_ID = object()


def rpc_error(resp: requests.Response, status: int, code: int, id_: Any = ANY_ID) -> str:
    """Asserts a JSON-RPC error body at this HTTP status; returns its message."""
    assert resp.status_code == status, f"{resp.request.method} {resp.url} -> {resp.status_code}: {resp.text[:2000]}"
    assert resp.headers.get("content-type", "").startswith("application/json"), resp.headers
    body = resp.json()
    assert set(body) == {"jsonrpc", "id", "error"} and body["jsonrpc"] == "2.0", body
    if id_ is not ANY_ID:
        assert body["id"] == id_, body
    assert body["error"]["code"] == code, body
    message = body["error"]["message"]
    assert isinstance(message, str) and message, body
    return message


def in_band_error(resp: requests.Response, id_: Any, code: int) -> str:
    """A JSON-RPC error answered with HTTP 200 (the request was understood; the method failed)."""
    msg = answer(resp, id_)
    assert set(msg) == {"jsonrpc", "id", "error"} and msg["id"] == id_, msg
    assert msg["error"]["code"] == code, msg
    return msg["error"]["message"]


# ---------------------------------------------------------------- 1. handshake and tools/list


def assert_message_only(schema: dict) -> None:
    message = schema["properties"]["message"]
    assert message["type"] == "string" and isinstance(message.get("description"), str) and message["description"]
    assert schema == {"type": "object", "properties": {"message": message}, "required": ["message"]}, schema


def test_the_sdk_connects_on_the_short_form_and_lists_published_agents_as_tools(ws):
    bare_agent(ws, "Support Bot", description="Answers support tickets.")
    bare_agent(ws, "Ticket Filer", description="Files tickets.", inputDataSchema=TICKET_SCHEMA)
    bare_agent(ws, "grader", outputDefinition=OUTPUT_DEF)                     # no description
    bare_agent(ws, "Dup Agent")
    bare_agent(ws, "dup_agent")                                                # the same tool name
    bare_agent(ws, "Long " + "x" * 80)                                         # over 64 characters
    bare_agent(ws, "Drafty", status=DRAFT)
    bare_agent(ws, "Retired", status=ARCHIVED)
    was_published = bare_agent(ws, "Was Published")
    expect(ws.api.post(f"{ws.path}/agents/{was_published['metadata']['id']}:archive"), 200)
    long_name = ("long_" + "x" * 80)[:64]

    async def body(client: Client):
        listed = await client.list_tools()
        return client.protocol_version, client.session.initialize_result, listed
    version, init, listed = Mcp(ws, ws.token).session(body)

    # mode="auto" fell back to the initialize handshake, at the preferred revision
    assert version == PROTOCOL
    assert init is not None and init.protocol_version == PROTOCOL
    assert init.server_info.name == "cadenya"
    assert isinstance(init.server_info.version, str) and init.server_info.version
    assert init.capabilities.tools is not None and init.capabilities.tools.list_changed is True
    assert isinstance(init.instructions, str) and init.instructions

    assert listed.next_cursor is None
    tools = {t.name: t for t in listed.tools}
    assert len(tools) == len(listed.tools)
    assert set(tools) == {"support_bot", "ticket_filer", "grader", "dup_agent", "dup_agent_2", long_name} \
        | CONTROL_TOOLS, sorted(tools)

    support = tools["support_bot"]
    assert support.description == "Answers support tickets."
    assert_message_only(support.input_schema)
    assert support.output_schema is None

    # an object schema: its properties plus `message`, which is appended to `required`
    filer = tools["ticket_filer"]
    assert filer.description == "Files tickets."
    message = filer.input_schema["properties"]["message"]
    assert message["type"] == "string"
    assert filer.input_schema == {**TICKET_SCHEMA,
                                  "properties": {**TICKET_SCHEMA["properties"], "message": message},
                                  "required": ["title", "message"]}

    # an output definition is the output schema; an empty description is generated, naming the agent
    grader = tools["grader"]
    assert grader.output_schema == OUTPUT_DEF
    assert "grader" in grader.description
    assert_message_only(grader.input_schema)

    # the older agent keeps the plain name, the duplicate gets `_2`
    assert "Dup Agent" in tools["dup_agent"].description
    assert "Dup Agent" not in tools["dup_agent_2"].description
    assert len(long_name) == 64

    for name, (required, arguments) in CONTROL_ARGS.items():
        schema = tools[name].input_schema
        assert schema["type"] == "object", (name, schema)
        assert set(schema["properties"]) == arguments, (name, schema)
        assert set(schema.get("required", [])) == required, (name, schema)
        assert tools[name].description, name

    # a token without agents:read is offered the control tools only
    assert set(Mcp(ws, token(ws, ["objectives:read"])).tools()) == CONTROL_TOOLS


# ---------------------------------------------------------------- 2-4. calling an agent


def test_calling_an_agent_runs_an_objective_and_answers_with_the_final_text(ws, fake_openai):
    s = agent(ws, "Ticket Filer", schema=TICKET_SCHEMA, prompt="You file tickets about {{ title }}.")
    fake_openai.script(s.model, [text("Filed as T-1."), text("Filed as T-2.")])

    first = Mcp(ws, ws.token).call("ticket_filer", {"message": "File this, please", "title": "Printer jam",
                                                    "priority": 2})
    assert first.is_error is False, first
    assert only_text(first) == "Filed as T-1."
    assert first.structured_content is None
    oid = first.meta["cadenya/objectiveId"]
    assert oid.startswith("obj_")
    assert first.meta["cadenya/status"] == COMPLETED
    # exactly like POST /v1/objectives: message -> initialMessage, the other arguments -> data
    o = get(ws, oid)
    assert o["status"] == COMPLETED
    assert o["data"]["agent"]["metadata"]["id"] == s.agent_id
    assert o["data"]["initialMessage"] == "File this, please"
    assert o["data"]["data"] == {"title": "Printer jam", "priority": 2}
    assert o["data"]["systemPrompt"] == "You file tickets about Printer jam."
    [req] = fake_openai.bodies(s.model)
    assert req["messages"][-1] == {"role": "user", "content": "File this, please"}

    # the canonical route form
    second = Mcp(ws, ws.token, mcp_path(ws)).call("ticket_filer", {"message": "And this", "title": "Paper out"})
    assert second.is_error is False, second
    assert only_text(second) == "Filed as T-2."
    oid2 = second.meta["cadenya/objectiveId"]
    assert oid2 != oid and second.meta["cadenya/status"] == COMPLETED
    o2 = get(ws, oid2)
    assert o2["status"] == COMPLETED
    assert (o2["data"]["initialMessage"], o2["data"]["data"]) == ("And this", {"title": "Paper out"})
    assert objective_ids(ws, agentId=s.agent_id) == [oid2, oid]


def test_arguments_the_input_schema_refuses_are_a_tool_error_and_create_nothing(ws, fake_openai):
    s = agent(ws, "Ticket Filer", schema=TICKET_SCHEMA)

    async def body(client: Client):
        return [await client.call_tool("ticket_filer", args) for args in (
            {"message": "File it", "title": 5},
            {"message": "File it", "title": "Printer jam", "priority": 9},
            {"title": "Printer jam"},
        )]
    wrong_type, too_high, no_message = Mcp(ws, ws.token).session(body)
    refused(wrong_type, "title")
    refused(too_high, "priority")
    refused(no_message, "message")
    assert objective_ids(ws, agentId=s.agent_id) == []
    assert fake_openai.requests(s.model) == []


def test_an_agent_with_an_output_definition_answers_with_structured_content(ws, fake_openai):
    s = agent(ws, "grader", output=OUTPUT_DEF)
    out = {"answer": "yes", "score": 7}
    fake_openai.script(s.model, [calls_reply([("o1", "submit_output", out)])])
    # the SDK also checks structuredContent against the tool's outputSchema
    result = Mcp(ws, ws.token).call("grader", {"message": "Grade this essay"})
    assert structured(result) == out
    assert result.meta["cadenya/status"] == FINALIZED
    o = get(ws, result.meta["cadenya/objectiveId"])
    assert o["status"] == FINALIZED and o["data"]["output"] == out
    assert o["data"]["initialMessage"] == "Grade this essay"


def test_a_failed_objective_is_a_tool_error_with_its_status_message(ws, fake_openai):
    s = agent(ws, "Support Bot")
    fake_openai.script(s.model, [error(401, OPENAI_401)])
    result = Mcp(ws, ws.token).call("support_bot", {"message": "Help me"})
    assert result.meta["cadenya/status"] == FAILED
    o = get(ws, result.meta["cadenya/objectiveId"])
    assert o["status"] == FAILED and "401" in o["statusMessage"], o
    refused(result, o["statusMessage"])


# ---------------------------------------------------------------- 5-6. scopes and workspaces


def test_a_read_only_token_reads_objectives_but_starts_and_steers_none(ws, fake_openai):
    s = agent(ws, "Stock Keeper")
    count = bare_tool(ws, "count_stock", requires_approval=True)
    s.assign({"toolId": count["metadata"]["id"]})
    fake_openai.script(s.model, [text("Earlier answer."), calls_reply([("c1", "count_stock", {"sku": "X1"})])])
    done = create(ws, s.agent_id, "What is in stock?")
    wait_status(ws, done["metadata"]["id"], "COMPLETED")
    waiting = create(ws, s.agent_id, "Count X1")
    wid, did = waiting["metadata"]["id"], done["metadata"]["id"]
    wait_status(ws, wid, "WAITING_FOR_APPROVAL")
    tcid = wait_tool_call(ws, wid, status="TOOL_CALL_STATUS_WAITING_FOR_APPROVAL")["metadata"]["id"]
    rest = {oid: get(ws, oid) for oid in (did, wid)}

    async def body(client: Client):
        r: dict[str, Any] = {"tools": {t.name for t in (await client.list_tools()).tools}}
        r["all"] = await client.call_tool("cadenya_list_objectives", {})
        r["completed"] = await client.call_tool("cadenya_list_objectives",
                                                {"status": COMPLETED, "agentId": s.agent_id})
        r["page1"] = await client.call_tool("cadenya_list_objectives", {"pageSize": 1})
        token_ = (r["page1"].structured_content or {}).get("nextPageToken")
        r["page2"] = await client.call_tool("cadenya_list_objectives", {"pageSize": 1, "pageToken": token_})
        r["done"] = await client.call_tool("cadenya_get_objective", {"objectiveId": did})
        r["waiting"] = await client.call_tool("cadenya_get_objective", {"objectiveId": wid})
        r["unknown"] = await client.call_tool("cadenya_get_objective", {"objectiveId": missing("obj")})
        r["no_id"] = await client.call_tool("cadenya_get_objective", {})
        r["run"] = await client.call_tool("stock_keeper", {"message": "Count again"})
        r["cancel"] = await client.call_tool("cadenya_cancel_objective", {"objectiveId": wid})
        r["approve"] = await client.call_tool("cadenya_approve_tool_call", {"objectiveId": wid, "toolCallId": tcid})
        r["deny"] = await client.call_tool("cadenya_deny_tool_call", {"objectiveId": wid, "toolCallId": tcid})
        return r
    r = Mcp(ws, token(ws, ["agents:read", "objectives:read"], "reader")).session(body)

    assert r["tools"] == {"stock_keeper"} | CONTROL_TOOLS
    # newest first, each with its agent and status
    listed = structured(r["all"])
    assert "nextPageToken" not in listed, listed
    assert [o["id"] for o in listed["objectives"]] == [wid, did]
    for item in listed["objectives"]:
        subset(item, {"agentId": s.agent_id, "agentName": "Stock Keeper", "status": rest[item["id"]]["status"],
                      "createdAt": rest[item["id"]]["metadata"]["createdAt"]})
    assert [o["id"] for o in structured(r["completed"])["objectives"]] == [did]
    page1, page2 = structured(r["page1"]), structured(r["page2"])
    assert [o["id"] for o in page1["objectives"]] == [wid] and page1["nextPageToken"]
    assert [o["id"] for o in page2["objectives"]] == [did] and "nextPageToken" not in page2
    # one objective: its answer, and the calls waiting for a person
    got = structured(r["done"])
    subset(got, {"objectiveId": did, "agentId": s.agent_id, "agentName": "Stock Keeper", "status": COMPLETED,
                 "answer": "Earlier answer.", "waitingToolCalls": []})
    assert "output" not in got and "statusMessage" not in got, got
    subset(structured(r["waiting"]), {
        "objectiveId": wid, "status": WAITING,
        "waitingToolCalls": [{"toolCallId": tcid, "toolName": "count_stock", "arguments": {"sku": "X1"}}]})
    refused(r["unknown"], "does not exist")
    refused(r["no_id"], "objectiveId")

    # writes are refused, and nothing was created or changed
    for key in ("run", "cancel", "approve", "deny"):
        refused(r[key], WRITE_REFUSED)
    assert objective_ids(ws, agentId=s.agent_id) == [wid, did]
    assert get(ws, wid)["status"] == WAITING
    [call] = tool_calls(ws, wid)
    assert call["status"] == "TOOL_CALL_STATUS_WAITING_FOR_APPROVAL"
    assert len(fake_openai.requests(s.model)) == 2

    # without objectives:read the reads are refused too
    async def reads(client: Client):
        return (await client.call_tool("cadenya_list_objectives", {}),
                await client.call_tool("cadenya_get_objective", {"objectiveId": did}))
    for result in Mcp(ws, token(ws, ["agents:read"], "agents-only")).session(reads):
        refused(result, READ_REFUSED)


def test_another_workspace_token_sees_and_reaches_nothing_of_this_workspace(ws, other_ws, fake_openai):
    mine = agent(ws, "Ticket Filer", schema=TICKET_SCHEMA)
    fake_openai.script(mine.model, [text("Filed.")])
    oid = create(ws, mine.agent_id, data={"title": "Printer jam"})["metadata"]["id"]
    bare_agent(other_ws, "Theirs")

    async def body(client: Client):
        names = {t.name for t in (await client.list_tools()).tools}
        with pytest.raises(MCPError) as raised:
            await client.call_tool("ticket_filer", {"message": "File it", "title": "x"})
        got = await client.call_tool("cadenya_get_objective", {"objectiveId": oid})
        return names, raised.value, got
    names, err, got = Mcp(other_ws, other_ws.token).session(body)
    assert names == {"theirs"} | CONTROL_TOOLS
    assert err.code == INVALID_PARAMS, (err.code, err.message)
    refused(got, "does not exist")

    # their token on this workspace's canonical path: what the REST API answers for it
    expect_error(other_ws.api.get(f"{ws.path}/agents"), 404, "not_found")
    expect_error(initialize(other_ws.api, mcp_path(ws)), 404, "not_found")
    assert objective_ids(ws) == [oid]


# ---------------------------------------------------------------- 7. approvals through the control tools


def test_a_call_waiting_for_approval_is_approved_through_the_control_tools(ws, fake_openai, tool_server):
    s, tools = order_agent(ws, tool_server)
    tool_server.on(f"{tools.prefix}/orders/42", body='{"orderId": "42", "status": "created"}')
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", ORDER_ARGS)]), text("Order 42 is placed.")])

    async def body(client: Client):
        first = await client.call_tool("order_desk", {"message": "Order three of item 42"})
        oid = first.meta["cadenya/objectiveId"]
        seen = await client.call_tool("cadenya_get_objective", {"objectiveId": oid})
        [tcid] = first.meta["cadenya/toolCallIds"]
        missing_call = await client.call_tool("cadenya_approve_tool_call", {"objectiveId": oid})
        approved = await client.call_tool("cadenya_approve_tool_call", {"objectiveId": oid, "toolCallId": tcid})
        final = await follow(client, oid, COMPLETED)
        return first, seen, missing_call, approved, final
    first, seen, missing_call, approved, final = Mcp(ws, ws.token).session(body)

    oid = first.meta["cadenya/objectiveId"]
    [rec] = tool_calls(ws, oid)
    tcid = rec["metadata"]["id"]
    assert first.is_error is False, first
    assert first.meta["cadenya/status"] == WAITING
    assert first.meta["cadenya/toolCallIds"] == [tcid]
    said = only_text(first)
    assert tcid in said and "cadenya_approve_tool_call" in said, said
    subset(structured(seen), {"objectiveId": oid, "status": WAITING, "waitingToolCalls": [
        {"toolCallId": tcid, "toolName": "create_order", "arguments": ORDER_ARGS}]})
    refused(missing_call, "toolCallId")
    assert structured(approved) == {"objectiveId": oid, "toolCallId": tcid, "status": "TOOL_CALL_STATUS_APPROVED"}
    subset(final, {"objectiveId": oid, "status": COMPLETED, "answer": "Order 42 is placed.", "waitingToolCalls": []})

    assert get(ws, oid)["status"] == COMPLETED
    rec = expect(ws.api.get(f"{ws.path}/objectives/{oid}/tool_calls/{tcid}"), 200)
    assert (rec["status"], rec["executionStatus"]) == ("TOOL_CALL_STATUS_APPROVED",
                                                       "TOOL_CALL_EXECUTION_STATUS_COMPLETED")
    [seen_call] = tool_server.requests(tools.prefix)
    assert seen_call.method == "POST" and seen_call.json == {"quantity": 3, "note": "rush"}


def test_a_call_waiting_for_approval_is_denied_with_a_memo(ws, fake_openai, tool_server):
    s, tools = order_agent(ws, tool_server)
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", ORDER_ARGS)]), text("Understood, no order.")])

    async def body(client: Client):
        first = await client.call_tool("order_desk", {"message": "Order three of item 42"})
        oid = first.meta["cadenya/objectiveId"]
        [tcid] = first.meta["cadenya/toolCallIds"]
        denied = await client.call_tool("cadenya_deny_tool_call",
                                        {"objectiveId": oid, "toolCallId": tcid, "memo": "too expensive"})
        final = await follow(client, oid, COMPLETED)
        again = await client.call_tool("cadenya_approve_tool_call", {"objectiveId": oid, "toolCallId": tcid})
        return first, denied, final, again
    first, denied, final, again = Mcp(ws, ws.token).session(body)

    oid = first.meta["cadenya/objectiveId"]
    [tcid] = first.meta["cadenya/toolCallIds"]
    assert first.meta["cadenya/status"] == WAITING
    assert structured(denied) == {"objectiveId": oid, "toolCallId": tcid, "status": "TOOL_CALL_STATUS_DENIED"}
    subset(final, {"status": COMPLETED, "answer": "Understood, no order.", "waitingToolCalls": []})
    assert again.is_error is True, again  # decided already
    rec = expect(ws.api.get(f"{ws.path}/objectives/{oid}/tool_calls/{tcid}"), 200)
    assert rec["status"] == "TOOL_CALL_STATUS_DENIED" and rec["data"]["memo"] == "too expensive"
    assert tool_server.requests(tools.prefix) == []
    tool_msg = fake_openai.bodies(s.model)[1]["messages"][-1]
    assert tool_msg["role"] == "tool" and "too expensive" in text_of(tool_msg["content"])


def test_cancelling_a_waiting_objective_through_the_control_tools(ws, fake_openai, tool_server):
    s, tools = order_agent(ws, tool_server)
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", ORDER_ARGS)])])

    async def body(client: Client):
        first = await client.call_tool("order_desk", {"message": "Order three of item 42"})
        oid = first.meta["cadenya/objectiveId"]
        [tcid] = first.meta["cadenya/toolCallIds"]
        unknown = await client.call_tool("cadenya_cancel_objective", {"objectiveId": missing("obj")})
        cancelled = await client.call_tool("cadenya_cancel_objective",
                                           {"objectiveId": oid, "reason": "not needed any more"})
        seen = await client.call_tool("cadenya_get_objective", {"objectiveId": oid})
        again = await client.call_tool("cadenya_cancel_objective", {"objectiveId": oid})
        approve = await client.call_tool("cadenya_approve_tool_call", {"objectiveId": oid, "toolCallId": tcid})
        return first, unknown, cancelled, seen, again, approve
    first, unknown, cancelled, seen, again, approve = Mcp(ws, ws.token).session(body)

    oid = first.meta["cadenya/objectiveId"]
    assert first.meta["cadenya/status"] == WAITING
    refused(unknown, "does not exist")
    assert structured(cancelled) == {"objectiveId": oid, "status": CANCELLED}
    subset(structured(seen), {"objectiveId": oid, "status": CANCELLED})
    assert again.is_error is True, again      # CANCELLED is final
    assert approve.is_error is True, approve  # nothing can act on its calls any more
    assert get(ws, oid)["status"] == CANCELLED
    last = events(ws, oid)[-1]
    assert etype(last) == "CANCELLED" and payload(last) == {"message": "not needed any more"}
    assert tool_server.requests(tools.prefix) == []


# ---------------------------------------------------------------- 8. waits and progress


def test_a_call_that_outlasts_its_wait_answers_with_the_running_objective(ws, fake_openai):
    s = agent(ws, "Slow Poke")
    fake_openai.script(s.model, [text("Finally done.", delay=4)])

    async def body(client: Client):
        await client.list_tools()
        started = anyio.current_time()
        result = await client.call_tool("slow_poke", {"message": "Take your time"},
                                        meta={"cadenya/waitSeconds": 1})
        elapsed = anyio.current_time() - started
        final = await follow(client, result.meta["cadenya/objectiveId"], COMPLETED)
        return result, elapsed, final
    result, elapsed, final = Mcp(ws, ws.token).session(body)

    assert result.is_error is False, result
    assert result.meta["cadenya/status"] in NOT_ENDED_YET, result.meta
    assert "cadenya_get_objective" in only_text(result)
    assert elapsed < 4, f"the call waited {elapsed:.1f} s, past the model's answer"
    subset(final, {"status": COMPLETED, "answer": "Finally done."})
    assert get(ws, result.meta["cadenya/objectiveId"])["status"] == COMPLETED


def test_a_client_that_gives_up_on_a_call_cancels_its_objective(ws, fake_openai):
    """The SDK abandons a call past its read timeout with `notifications/cancelled`: the objective
    the call started is cancelled (the specification asks a server to stop a cancelled request)."""
    s = agent(ws, "Slow Poke")
    fake_openai.script(s.model, [text("Too late.", delay=6)])

    async def body(client: Client):
        await client.list_tools()
        with pytest.raises(MCPError) as gave_up:
            await client.call_tool("slow_poke", {"message": "Take your time"}, read_timeout_seconds=1.5)
        # the SDK sends its courtesy `notifications/cancelled` from a task of its own: a client
        # that stays connected lets it out before the session ends
        await anyio.sleep(1.0)
        return gave_up.value
    gave_up = Mcp(ws, ws.token).session(body)
    assert "timed out" in str(gave_up), gave_up

    oid = eventually(lambda: (ids := objective_ids(ws, agentId=s.agent_id)) and ids[0], timeout=10)
    cancelled = wait_status(ws, oid, "OBJECTIVE_STATUS_CANCELLED", timeout=15)
    assert "cancelled the tool call" in cancelled.get("statusMessage", "") or any(
        "cancelled the tool call" in json.dumps(e) for e in events(ws, oid)), cancelled


def test_progress_notifications_arrive_while_an_agent_runs(ws, fake_openai):
    s = agent(ws, "Slow Poke")
    fake_openai.script(s.model, [text("Worth the wait.", delay=4)])
    progress: list[tuple[float, float]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((anyio.current_time(), value))

    async def body(client: Client):
        await client.list_tools()
        result = await client.call_tool("slow_poke", {"message": "Take your time"}, progress_callback=on_progress)
        returned = anyio.current_time()
        await anyio.sleep(0.3)  # progress callbacks run as tasks of their own
        return result, returned
    result, returned = Mcp(ws, ws.token).session(body)

    assert result.is_error is False and only_text(result) == "Worth the wait.", result
    assert result.meta["cadenya/status"] == COMPLETED
    assert progress, "no notifications/progress for a call that ran about 4 s"
    assert progress[0][0] < returned - 1.0, f"progress came only at the end: {progress} (result at {returned})"
    values = [v for _, v in progress]
    assert all(b > a for a, b in zip(values, values[1:])), f"progress must increase: {values}"


# ---------------------------------------------------------------- 9. tools/list_changed


def test_tools_list_changed_follows_publishing_and_archiving(ws):
    late = bare_agent(ws, "Late Bloomer", status=DRAFT)
    keeper = bare_agent(ws, "Keeper")
    changes: list[float] = []

    async def on_message(message) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            changes.append(anyio.current_time())

    async def agent_tools(client: Client) -> set[str]:
        return {t.name for t in (await client.list_tools()).tools} - CONTROL_TOOLS

    async def changed(what: str) -> None:
        with anyio.move_on_after(CHANGE_TIMEOUT):
            while not changes:
                await anyio.sleep(0.1)
        assert changes, f"no notifications/tools/list_changed within {CHANGE_TIMEOUT:.0f} s of {what}"

    async def body(client: Client) -> None:
        assert await agent_tools(client) == {"keeper"}
        # a new DRAFT agent changes no tool
        await in_thread(bare_agent, ws, "Still Drafting", status=DRAFT)
        await anyio.sleep(3)
        assert changes == [], "tools/list_changed without a change to the published agents"

        await in_thread(lambda: expect(ws.api.post(f"{ws.path}/agents/{late['metadata']['id']}:publish"), 200))
        await changed("publishing a draft")
        assert await agent_tools(client) == {"keeper", "late_bloomer"}
        changes.clear()

        await in_thread(bare_agent, ws, "Fresh Face")
        await changed("creating a published agent")
        assert await agent_tools(client) == {"keeper", "late_bloomer", "fresh_face"}
        changes.clear()

        await in_thread(lambda: expect(ws.api.post(f"{ws.path}/agents/{keeper['metadata']['id']}:archive"), 200))
        await changed("archiving an agent")
        assert await agent_tools(client) == {"late_bloomer", "fresh_face"}

    Mcp(ws, ws.token).session(body, message_handler=on_message)


# ---------------------------------------------------------------- 10. the wire


def test_initialize_over_the_wire_opens_a_session(ws):
    resp = initialize(ws.api, "/v1/mcp", "2025-06-18")
    assert resp.status_code == 200, resp.text
    assert resp.headers.get("content-type", "").startswith("application/json")
    sid = resp.headers.get("mcp-session-id", "")
    assert SESSION_ID.match(sid), sid
    body = resp.json()
    assert set(body) == {"jsonrpc", "id", "result"} and body["jsonrpc"] == "2.0" and body["id"] == 0, body
    result = body["result"]
    assert result["protocolVersion"] == "2025-06-18"   # the client's, when spoken here
    assert result["capabilities"] == {"tools": {"listChanged": True}}
    assert result["serverInfo"]["name"] == "cadenya" and isinstance(result["serverInfo"]["version"], str)
    assert isinstance(result["instructions"], str) and result["instructions"]

    assert initialize(ws.api, "/v1/mcp", "2025-03-26").json()["result"]["protocolVersion"] == "2025-03-26"
    other = initialize(ws.api, mcp_path(ws), "1999-01-01")
    assert other.json()["result"]["protocolVersion"] == PROTOCOL   # else the server's preferred revision
    assert SESSION_ID.match(other.headers["mcp-session-id"]) and other.headers["mcp-session-id"] != sid

    # a notification or a client's response is accepted with 202 and no body
    for message in ({"jsonrpc": "2.0", "method": "notifications/initialized"},
                    {"jsonrpc": "2.0", "id": 5, "result": {}}):
        accepted = post(ws.api, "/v1/mcp", message, sid=sid)
        assert (accepted.status_code, accepted.content) == (202, b""), (message, accepted.status_code, accepted.text)
    assert answer(post(ws.api, "/v1/mcp", rpc("ping", None, "p-1"), sid=sid), "p-1") == {
        "jsonrpc": "2.0", "id": "p-1", "result": {}}


def test_requests_need_a_live_session_of_their_own_key(ws):
    sid = open_session(ws.api, "/v1/mcp")
    message = rpc_error(post(ws.api, "/v1/mcp", rpc("tools/list", None, 7)), 400, INVALID_REQUEST, 7)
    assert "Mcp-Session-Id" in message, message
    rpc_error(post(ws.api, "/v1/mcp", rpc("tools/list", None, 8), sid=UNKNOWN_SESSION), 404, SESSION_NOT_FOUND, 8)
    # another key of the same workspace cannot use it
    second = ws.api.with_token(token(ws, ["*"], "second"))
    rpc_error(post(second, "/v1/mcp", rpc("ping", None, 9), sid=sid), 404, SESSION_NOT_FOUND, 9)
    assert answer(post(ws.api, "/v1/mcp", rpc("ping", None, 10), sid=sid), 10)["result"] == {}

    # GET and DELETE need the session too
    no_stream = send(ws.api, "GET", "/v1/mcp", accept="text/event-stream")
    assert no_stream.status_code == 400, no_stream.text
    body = no_stream.json()
    assert body["jsonrpc"] == "2.0" and isinstance(body["error"]["code"], int), body
    assert send(ws.api, "DELETE", "/v1/mcp").status_code == 400

    ended = send(ws.api, "DELETE", "/v1/mcp", sid=sid)
    assert (ended.status_code, ended.content) == (204, b""), (ended.status_code, ended.text)
    rpc_error(post(ws.api, "/v1/mcp", rpc("ping", None, 11), sid=sid), 404, SESSION_NOT_FOUND, 11)


def test_bad_messages_are_json_rpc_errors(ws):
    sid = open_session(ws.api, "/v1/mcp")
    message = rpc_error(post(ws.api, "/v1/mcp", rpc("ping", None, 1), sid=sid, version="1999-01-01"), 400,
                        INVALID_REQUEST)
    assert "MCP-Protocol-Version" in message, message
    rpc_error(post(ws.api, "/v1/mcp", raw=b'{"jsonrpc": "2.0", "id": 1, "method": ', sid=sid), 400, PARSE_ERROR, None)
    rpc_error(post(ws.api, "/v1/mcp", [rpc("ping", None, 2)], sid=sid), 400, INVALID_REQUEST)
    rpc_error(post(ws.api, "/v1/mcp", {"hello": "world"}, sid=sid), 400, INVALID_REQUEST)
    # unknown methods are answered in band, so an SDK in mode="auto" falls back to initialize
    in_band_error(post(ws.api, "/v1/mcp", rpc("resources/list", {}, 3), sid=sid), 3, METHOD_NOT_FOUND)
    in_band_error(post(ws.api, "/v1/mcp", rpc("server/discover", {}, 4), sid=sid), 4, METHOD_NOT_FOUND)
    # an unknown tool is invalid params
    in_band_error(post(ws.api, "/v1/mcp", rpc("tools/call", {"name": "no_such_tool", "arguments": {}}, 5), sid=sid),
                  5, INVALID_PARAMS)


def test_tokens_are_checked_like_the_rest_api(ws):
    nobody = ws.api.with_token(None)
    for api in (nobody, ws.api.with_token("not-a-token")):
        for path in ("/v1/mcp", mcp_path(ws)):
            expect_error(initialize(api, path), 401, "unauthorized")
        expect_error(send(api, "GET", "/v1/mcp", accept="text/event-stream"), 401, "unauthorized")


def test_the_notification_stream_of_a_session_sends_keep_alives(ws):
    sid = open_session(ws.api, mcp_path(ws))
    started = time.monotonic()
    with send(ws.api, "GET", mcp_path(ws), sid=sid, accept="text/event-stream", stream=True) as resp:
        assert resp.status_code == 200, resp.text
        assert resp.headers.get("content-type", "").startswith("text/event-stream"), resp.headers
        comment = next((line for line in resp.iter_lines(chunk_size=1, decode_unicode=True)
                        if line.startswith(":")), None)
    assert comment is not None and "keep-alive" in comment, comment
    assert time.monotonic() - started < 5


def test_a_tool_call_streams_for_an_event_stream_client_and_is_one_json_body_for_a_json_one(ws, fake_openai):
    s = agent(ws, "Support Bot")
    fake_openai.script(s.model, [text("First answer."), text("Second answer.")])
    sid = open_session(ws.api, "/v1/mcp")
    call = {"name": "support_bot", "arguments": {"message": "Help me"}}

    streamed = post(ws.api, "/v1/mcp", rpc("tools/call", call, 21), sid=sid, stream=True)
    assert streamed.headers.get("content-type", "").startswith("text/event-stream"), streamed.headers
    msg = answer(streamed, 21)
    assert msg["result"]["content"] == [{"type": "text", "text": "First answer."}], msg
    assert msg["result"]["isError"] is False
    assert msg["result"]["_meta"]["cadenya/status"] == COMPLETED

    plain = post(ws.api, "/v1/mcp", rpc("tools/call", call, 22), sid=sid, accept="application/json")
    assert plain.status_code == 200, plain.text
    assert plain.headers.get("content-type", "").startswith("application/json"), plain.headers
    body = plain.json()
    assert set(body) == {"jsonrpc", "id", "result"} and body["id"] == 22, body
    result = body["result"]
    assert result["content"] == [{"type": "text", "text": "Second answer."}], result
    assert result["isError"] is False
    assert result["_meta"]["cadenya/status"] == COMPLETED
    oid = result["_meta"]["cadenya/objectiveId"]
    assert oid != msg["result"]["_meta"]["cadenya/objectiveId"]
    assert get(ws, oid)["data"]["initialMessage"] == "Help me"


# ---------------------------------------------------------------- 11. audit


def test_a_tools_call_is_audited_on_both_route_forms(ws):
    key = ws.key(ws.api, ["agents:read", "objectives:read"], name="audited")
    kid = key["metadata"]["id"]
    api = ws.api.with_token(key["spec"]["token"])
    calls = []
    for path, route in ((mcp_path(ws), "/v1/workspaces/{workspaceId}/mcp"), ("/v1/mcp", "/v1/mcp")):
        sid = open_session(api, path)
        rid = request_id()
        resp = post(api, path, rpc("tools/call", {"name": "cadenya_list_objectives", "arguments": {}}, 31),
                    sid=sid, headers={"x-request-id": rid})
        assert answer(resp, 31)["result"]["structuredContent"] == {"objectives": []}
        calls.append((rid, route))

    def rows():
        page = expect(ws.api.get(f"{ws.path}/audit_logs", params={"limit": 200, "tokenId": kid}), 200)
        found = {r["data"]["requestId"]: r for r in page["items"]}
        return found if all(rid in found for rid, _ in calls) else None
    found = eventually(rows)
    assert found, "the tools/call requests left no audit rows"
    for rid, route in calls:
        data = found[rid]["data"]
        assert (data["method"], data["route"], data["status"], data["tokenId"]) == ("POST", route, 200, kid), data
        # the scope the call exercised (the route itself needs none beyond a valid token)
        assert data["scope"] == "objectives:read", data
        assert found[rid]["metadata"]["workspaceId"] == ws.id
