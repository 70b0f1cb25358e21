"""Helpers the objective tests share: agents wired to a fake model, HTTP tools on the tool server,
objectives and their events, waiting on the agent loop, and short-lived apps of their own."""

from __future__ import annotations

import json
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from client import Api, expect
from spinapp import BOOTSTRAP_TOKEN, SpinApp

PUBLISHED = "AGENT_STATUS_PUBLISHED"
DRAFT = "AGENT_STATUS_DRAFT"
WEIGHTED = "VARIATION_SELECTION_MODE_WEIGHTED"
RANDOM = "VARIATION_SELECTION_MODE_RANDOM"

PROMPT = "You help {{ customer }}."
DATA = {"customer": "ACME"}
SYSTEM_PROMPT = "You help ACME."

ORDER_PARAMS = {
    "type": "object",
    "properties": {"orderId": {"type": "string"}, "quantity": {"type": "integer"}, "note": {"type": "string"}},
    "required": ["orderId", "quantity"],
}
ORDER_DESCRIPTION = "Create an order"
TRUNCATION_MARKER = "[truncated: response exceeded 262144 bytes]"

TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "FINALIZED"}
# How long the agent loop may take for a few steps on a slow 2-core machine.
STEP_TIMEOUT = 30.0


def status(name: str) -> str:
    return name if name.startswith("OBJECTIVE_STATUS_") else f"OBJECTIVE_STATUS_{name}"


def short(full: str, prefix: str) -> str:
    return full[len(prefix):] if full.startswith(prefix) else full


def uid() -> str:
    return uuid.uuid4().hex[:12]


def model_name(prefix: str = "gpt-test") -> str:
    """A model name no other test uses, so the fakes' scripts stay per test."""
    return f"{prefix}-{uid()}"


# ---------------------------------------------------------------- agents and variations


@dataclass
class Setup:
    """An agent with one variation running `model_id` (`family/model`)."""

    ws: Any
    agent: dict
    variation: dict
    model: str      # what the app sends as the request's `model`
    model_id: str   # the variation's spec.modelConfig.modelId

    @property
    def agent_id(self) -> str:
        return self.agent["metadata"]["id"]

    @property
    def variation_id(self) -> str:
        return self.variation["metadata"]["id"]

    @property
    def vpath(self) -> str:
        return f"{self.ws.path}/agents/{self.agent_id}/variations/{self.variation_id}"

    def assign(self, body: dict) -> dict:
        return expect(self.ws.api.post(f"{self.vpath}/assignments", body), 200)


def new_agent(ws, name: str = "agent", *, status: str = PUBLISHED, mode: str = WEIGHTED,
              input_schema: dict | None = None) -> dict:
    spec: dict[str, Any] = {"status": status, "variationSelectionMode": mode}
    if input_schema is not None:
        spec["inputDataSchema"] = input_schema
    return expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": name}, "spec": spec}), 201)


def variation_spec(model_id: str | None, *, prompt: str | None = PROMPT, weight: float | None = 1,
                   max_tool_calls: int | None = None) -> dict:
    spec: dict[str, Any] = {}
    if prompt is not None:
        spec["prompt"] = prompt
    if model_id is not None:
        spec["modelConfig"] = {"modelId": model_id}
    if weight is not None:
        spec["weight"] = weight
    if max_tool_calls is not None:
        spec["constraints"] = {"maxToolCalls": max_tool_calls}
    return spec


def new_variation(ws, agent_id: str, name: str, spec: dict) -> dict:
    return expect(ws.api.post(f"{ws.path}/agents/{agent_id}/variations", {"metadata": {"name": name},
                                                                          "spec": spec}), 201)


def setup_agent(ws, family: str = "openai", model: str | None = None, *, name: str = "agent",
                prompt: str | None = PROMPT, weight: float | None = 1, max_tool_calls: int | None = None,
                status: str = PUBLISHED, mode: str = WEIGHTED, input_schema: dict | None = None,
                model_id: str | None = "") -> Setup:
    """An agent and one variation on `family/<a fresh model name>` (or `model_id` as given; None = no
    modelConfig at all)."""
    model = model or model_name("claude-test" if family in ("anthropic", "claude") else "gpt-test")
    if model_id == "":
        model_id = f"{family}/{model}"
    agent = new_agent(ws, name, status=status, mode=mode, input_schema=input_schema)
    spec = variation_spec(model_id, prompt=prompt, weight=weight, max_tool_calls=max_tool_calls)
    variation = new_variation(ws, agent["metadata"]["id"], f"{name}-v", spec)
    return Setup(ws, agent, variation, model, model_id or "")


# ---------------------------------------------------------------- tools


@dataclass
class HttpTools:
    """An HTTP tool set on the tool server under a path prefix of its own."""

    tool_set: dict
    prefix: str        # the tool server path the set's baseUrl points at, e.g. "/t-1a2b/api"
    secret: str        # the value `{{secrets.API_TOKEN}}` resolves to

    @property
    def id(self) -> str:
        return self.tool_set["metadata"]["id"]


def http_tool_set(ws, tool_server, *, secret_name: str = "API_TOKEN", workspace_secret: bool = True,
                  secret: str | None = None, name: str = "orders-api") -> HttpTools:
    """A tool set whose `Authorization: Bearer {{secrets.<secret_name>}}` header needs a secret; with
    `workspace_secret` the secret is stored in the workspace (else the test passes it on create)."""
    prefix = f"/t-{uid()}/api"
    secret = secret or f"sekrit-{uuid.uuid4().hex}"
    if workspace_secret:
        expect(ws.api.post(f"{ws.path}/workspace_secrets", {"metadata": {"name": secret_name},
                                                            "spec": {"value": secret}}), 201)
    adapter = {"type": "http", "http": {"baseUrl": tool_server.base + prefix,
                                        "headers": {"Authorization": f"Bearer {{{{secrets.{secret_name}}}}}"}}}
    tool_set = expect(ws.api.post(f"{ws.path}/tool_sets", {"metadata": {"name": name},
                                                           "spec": {"adapter": adapter}}), 201)
    return HttpTools(tool_set, prefix, secret)


def http_tool(ws, set_id: str, name: str = "create_order", *, method: str = "POST",
              path: str | None = "/orders/{orderId}", parameters: dict | None = None,
              requires_approval: bool = False, description: str = ORDER_DESCRIPTION) -> dict:
    http: dict[str, Any] = {"requestMethod": method}
    if path is not None:
        http["path"] = path
    spec = {"description": description, "parameters": parameters or ORDER_PARAMS,
            "requiresApproval": requires_approval, "config": {"type": "http", "http": http}}
    return expect(ws.api.post(f"{ws.path}/tool_sets/{set_id}/tools", {"metadata": {"name": name}, "spec": spec}),
                  201)


def bare_tool(ws, name: str = "count_stock", *, parameters: dict | None = None,
              requires_approval: bool = False) -> dict:
    """A bare tool in a bare tool set of its own."""
    tool_set = expect(ws.api.post(f"{ws.path}/tool_sets", {"metadata": {"name": f"{name}-set"},
                                                           "spec": {"adapter": {"type": "bare", "bare": {}}}}), 201)
    params = parameters or {"type": "object", "properties": {"sku": {"type": "string"}}, "required": ["sku"]}
    spec = {"description": "Count the stock of a SKU by hand", "parameters": params,
            "requiresApproval": requires_approval, "config": {"type": "bare", "bare": {}}}
    return expect(ws.api.post(f"{ws.path}/tool_sets/{tool_set['metadata']['id']}/tools",
                              {"metadata": {"name": name}, "spec": spec}), 201)


# ---------------------------------------------------------------- objectives


def objectives_path(ws) -> str:
    return f"{ws.path}/objectives"


def obj_path(ws, oid: str) -> str:
    return f"{ws.path}/objectives/{oid}"


def create_body(agent_id: str, message: str | None = None, data: Any = DATA, **fields) -> dict:
    body: dict[str, Any] = {"agentId": agent_id, "initialMessage": message or f"Please help ({uid()})"}
    if data is not None:
        body["data"] = data
    body.update(fields)
    return body


def create(ws, agent_id: str, message: str | None = None, data: Any = DATA, **fields) -> dict:
    """Creates an objective (201) and returns it."""
    return expect(ws.api.post(objectives_path(ws), create_body(agent_id, message, data, **fields)), 201)


def get(ws, oid: str) -> dict:
    return expect(ws.api.get(obj_path(ws, oid)), 200)


def events(ws, oid: str, **params) -> list[dict]:
    """Every event (following cursors), ascending unless `params` say otherwise."""
    items: list[dict] = []
    cursor = None
    while True:
        q = dict(params)
        if cursor:
            q["cursor"] = cursor
        page = expect(ws.api.get(f"{obj_path(ws, oid)}/events", params=q), 200)
        items += page["items"]
        cursor = page["pagination"].get("nextCursor")
        if not cursor:
            return items


def etype(event: dict) -> str:
    """`USER_MESSAGE` for `OBJECTIVE_EVENT_TYPE_USER_MESSAGE`."""
    return short(event["data"]["type"], "OBJECTIVE_EVENT_TYPE_")


def types(evts: list[dict]) -> list[str]:
    return [etype(e) for e in evts]


def camel(name: str) -> str:
    head, *rest = name.lower().split("_")
    return head + "".join(p.capitalize() for p in rest)


def payload(event: dict) -> dict:
    """The event's payload, under the key its type names (`userMessage`, `toolCalled`, ...)."""
    data = event["data"]
    key = camel(etype(event))
    assert set(data) == {"type", key}, f"event data has exactly its type and {key!r}: {data}"
    return data[key]


def of_type(evts: list[dict], name: str) -> list[dict]:
    return [payload(e) for e in evts if etype(e) == name]


def tool_calls(ws, oid: str, **params) -> list[dict]:
    page = expect(ws.api.get(f"{obj_path(ws, oid)}/tool_calls", params=params), 200)
    return page["items"]


def tool_call_path(ws, oid: str, tcid: str) -> str:
    return f"{obj_path(ws, oid)}/tool_calls/{tcid}"


def describe(ws, oid: str) -> str:
    """A one-glance summary for assertion messages."""
    try:
        o = get(ws, oid)
        evts = events(ws, oid)
        calls = tool_calls(ws, oid)
    except AssertionError as e:  # pragma: no cover - only for messages
        return f"(could not read objective {oid}: {e})"
    calls_s = [(c["data"]["functionName"], short(c["status"], "TOOL_CALL_STATUS_"),
                short(c["executionStatus"], "TOOL_CALL_EXECUTION_STATUS_")) for c in calls]
    last = json.dumps(evts[-1]["data"])[:600] if evts else None
    return (f"objective {oid}: status={o['status']} statusMessage={o.get('statusMessage')!r} "
            f"events={types(evts)} last={last} toolCalls={calls_s}")


def wait_for(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    """Like `eventually`, but fails with `what` (a string or a callable giving one) on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        last = check()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for: "
                                 f"{what() if callable(what) else what}")
        time.sleep(interval)


def never(check: Callable[[], Any], duration: float, what: str, interval: float = 0.2) -> None:
    """Asserts `check` stays falsy for `duration` seconds (the one place a wait is the test)."""
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        got = check()
        assert not got, f"{what}: {got}"
        time.sleep(interval)


def wait_status(ws, oid: str, *wanted: str, timeout: float = STEP_TIMEOUT) -> dict:
    """Polls the objective until its status is one of `wanted` (short or full names) and returns it;
    fails at once if it ends in another terminal status."""
    want = {status(w) for w in wanted}
    deadline = time.monotonic() + timeout
    while True:
        o = get(ws, oid)
        if o["status"] in want:
            return o
        if short(o["status"], "OBJECTIVE_STATUS_") in TERMINAL and o["status"] not in want:
            raise AssertionError(f"wanted {sorted(want)}, but {describe(ws, oid)}")
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {sorted(want)}: {describe(ws, oid)}")
        time.sleep(0.1)


def wait_tool_call(ws, oid: str, timeout: float = STEP_TIMEOUT, **want: str) -> dict:
    """The objective's single tool call once its fields equal `want` (e.g. status=..., executionStatus=...)."""
    def check():
        calls = tool_calls(ws, oid)
        if len(calls) == 1 and all(calls[0][k] == v for k, v in want.items()):
            return calls[0]
        return None
    return wait_for(check, timeout, lambda: f"a tool call with {want}: {describe(ws, oid)}")


def final_error(ws, oid: str, timeout: float = STEP_TIMEOUT) -> tuple[dict, dict]:
    """Waits for FAILED; returns (objective, the last event's ERROR payload) after checking they agree."""
    o = wait_status(ws, oid, "FAILED", timeout=timeout)
    evts = events(ws, oid)
    assert etype(evts[-1]) == "ERROR", describe(ws, oid)
    err = payload(evts[-1])
    assert set(err) == {"type", "message"}, err
    assert err["message"] and o["statusMessage"] == err["message"], (o.get("statusMessage"), err)
    return o, err


def objective_texts(ws, oid: str) -> list[str]:
    """The raw text of every read of the objective and its children (for leak checks)."""
    base = obj_path(ws, oid)
    paths = [base, f"{base}/events", f"{base}/tool_calls", f"{base}/tools", f"{base}/context_windows",
             f"{base}/tasks", objectives_path(ws)]
    texts = []
    for p in paths:
        resp = ws.api.get(p)
        expect(resp, 200)
        texts.append(resp.text)
    for call in tool_calls(ws, oid):
        resp = ws.api.get(tool_call_path(ws, oid, call["metadata"]["id"]))
        expect(resp, 200)
        texts.append(resp.text)
    return texts


# ---------------------------------------------------------------- reading what the model was sent


def text_of(content: Any) -> str:
    """Text of a message `content`: a string, or a list of text blocks/parts (joined)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    out = []
    for block in content:
        if isinstance(block, str):
            out.append(block)
        elif block.get("type") == "text":
            out.append(block["text"] if isinstance(block["text"], str) else block["text"].get("text", ""))
    return "\n".join(out)


def blocks(content: Any) -> list[dict]:
    """Anthropic content as a list of blocks (a plain string is one text block)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return list(content or [])


def openai_tool_names(request_body: dict) -> list[str]:
    return [t["function"]["name"] for t in request_body.get("tools", [])]


def openai_tool(request_body: dict, name: str) -> dict:
    found = [t for t in request_body.get("tools", []) if t["function"]["name"] == name]
    assert len(found) == 1, f"{name!r} offered once among {openai_tool_names(request_body)}"
    return found[0]


# ---------------------------------------------------------------- apps of their own


@dataclass
class OwnWorkspace:
    """The bootstrap workspace of an app of a test's own, shaped like conftest's `Workspace`."""

    id: str
    path: str
    token: str
    api: Api


def bootstrap(spin: SpinApp, account: str = "own") -> OwnWorkspace:
    root = expect(Api(spin.base, BOOTSTRAP_TOKEN).post("/v1/bootstrap", {"accountName": account,
                                                                          "workspaceName": account}), 201)
    wid = root["workspace"]["metadata"]["id"]
    token = root["apiKey"]["spec"]["token"]
    return OwnWorkspace(wid, f"/v1/workspaces/{wid}", token, Api(spin.base, token))


def rebind(ws: OwnWorkspace, spin: SpinApp) -> OwnWorkspace:
    """The same workspace and token against another process (a restart on another port)."""
    return OwnWorkspace(ws.id, ws.path, ws.token, Api(spin.base, ws.token))


@contextmanager
def own_app(variables: dict[str, str], state_dir: Path | None = None) -> Iterator[tuple[SpinApp, OwnWorkspace]]:
    """A short-lived `spin up` with these variables (plus SpinApp's defaults), bootstrapped; stopped after."""
    spin = SpinApp(variables=variables, state_dir=state_dir)
    try:
        spin.start()
        yield spin, bootstrap(spin)
    finally:
        spin.stop()
