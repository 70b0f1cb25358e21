"""Progressive tool discovery (seed 002: a variation's `spec.progressiveDiscovery`) and the tool search
endpoint `GET …/search/tools_or_tool_sets`.

What is tested:
- `search_tools`: offered (parameters `{query: string}`, required) only to a variation with
  `progressiveDiscovery`; its candidates are the workspace's available tools in active tool sets that
  the objective does not hold yet (neither assigned nor found earlier), never another workspace's;
  ranked lexically over names, description, parameter names and the set's name, with the variation's
  `hints` joining the query; at most `maxTools` (default 5) results; with `rerankThreshold` the lexical
  candidates are re-scored by cosine similarity of embeddings from the model's provider (`POST
  …/embeddings` on the fake, model `text-embedding-3-small`) and only those at or above it are kept;
- the call itself: a completed tool call of a Cadenya-provided tool whose result (event and tool message
  alike) is `{"tools": [{"name", "description"}], "message"}`;
- what is found is callable from the model's next turn (offered in its next request, listed by
  `…/objectives/{id}/tools` with `discovered: true`, run like an assigned tool, approval included);
  the acceptance scenario: 200 tools, `maxTools: 3`, the model finds and calls `refund_order`;
- the search endpoint: both route forms, ranking best first, at most 20 of each kind, only matches,
  `tools:read` (403 without), `agents` only with `agents:read`, archived tool sets left out, another
  workspace's tools never, and a required `query` (400 `validation_error`).
"""

from __future__ import annotations

import json
from typing import Any

import requests

from agentloop import (STEP_TIMEOUT, Setup, create, describe, events, http_tool, http_tool_set, never, obj_path,
                       of_type, openai_tool, openai_tool_names, setup_agent, tool_call_path, tool_calls, uid,
                       wait_for, wait_status)
from client import expect, expect_error
from fakes import OPENAI_KEY, FakeOpenAI, hash_embedding, text, tool_calls as calls_reply
from test_engine_depth import agent_setup, tool_messages

SEARCH = "search_tools"
EMBEDDING_MODEL = "text-embedding-3-small"
ID_PARAMS = {"type": "object", "properties": {"orderId": {"type": "string"}}, "required": ["orderId"]}
REFUND_DESCRIPTION = "Refund a customer's order by order id"
STATUS_DESCRIPTION = "Get an order's status"
CUSTOMER_DESCRIPTION = "Look up a customer by email"
CUSTOMER_PARAMS = {"type": "object", "properties": {"email": {"type": "string"}}, "required": ["email"]}
REFUND_QUERY = "refund a customer order"
REFUND_BODY = '{"orderId": "42", "refunded": true}'
# Filler tools: nothing in their names, descriptions, parameters or sets' names matches the queries used here.
FILLER_NOUNS = ["inventory", "shipment", "invoice", "warehouse", "supplier", "catalog", "coupon", "payroll",
                "ticket", "calendar"]
FILLER_VERBS = ["check", "list", "sync", "archive", "count", "export", "schedule", "audit", "tag", "rename"]
FILLER_PARAMS = {"type": "object", "properties": {"sku": {"type": "string"}, "batch": {"type": "integer"}}}
BARE = {"type": "bare", "bare": {}}


# ---------------------------------------------------------------- helpers


class Shop:
    """An HTTP tool set `payments` on the tool server with `refund_order` (POST /refunds/{orderId}) and,
    optionally, `order_status` (GET /orders/{orderId}) and `customer_lookup` (GET /customers)."""

    def __init__(self, ws, tool_server, *, refund_approval: bool = False, status: bool = True,
                 customer: bool = False):
        self.tools = http_tool_set(ws, tool_server, name="payments")
        self.refund = http_tool(ws, self.tools.id, "refund_order", path="/refunds/{orderId}", parameters=ID_PARAMS,
                                description=REFUND_DESCRIPTION, requires_approval=refund_approval)
        self.status = (http_tool(ws, self.tools.id, "order_status", method="GET", path="/orders/{orderId}",
                                 parameters=ID_PARAMS, description=STATUS_DESCRIPTION) if status else None)
        self.customer = (http_tool(ws, self.tools.id, "customer_lookup", method="GET", path="/customers",
                                   parameters=CUSTOMER_PARAMS, description=CUSTOMER_DESCRIPTION)
                         if customer else None)

    @property
    def prefix(self) -> str:
        return self.tools.prefix

    @property
    def all(self) -> list[dict]:
        return [t for t in (self.refund, self.status, self.customer) if t is not None]


def tid(tool: dict) -> str:
    return tool["metadata"]["id"]


def llm(tool: dict) -> str:
    return tool["spec"]["llmToolName"]


def bare_set(ws, name: str, description: str | None = None) -> dict:
    spec: dict[str, Any] = {"adapter": BARE}
    if description is not None:
        spec["description"] = description
    return expect(ws.api.post(f"{ws.path}/tool_sets", {"metadata": {"name": name}, "spec": spec}), 201)


def bare_tool_in(ws, set_id: str, name: str, description: str, parameters: dict | None = None) -> dict:
    spec = {"description": description, "parameters": parameters or FILLER_PARAMS, "config": BARE}
    return expect(ws.api.post(f"{ws.path}/tool_sets/{set_id}/tools", {"metadata": {"name": name}, "spec": spec}),
                  201)


def crowd(ws, count: int, per_set: int = 50) -> list[dict]:
    """`count` unrelated bare tools (`inventory_check_17`, ...) in bare sets of `per_set` (`ops-1`, ...)."""
    made: list[dict] = []
    set_id = None
    for i in range(count):
        if i % per_set == 0:
            set_id = bare_set(ws, f"ops-{i // per_set + 1}", "Back office chores")["metadata"]["id"]
        noun, verb = FILLER_NOUNS[i % len(FILLER_NOUNS)], FILLER_VERBS[(i // len(FILLER_NOUNS)) % len(FILLER_VERBS)]
        made.append(bare_tool_in(ws, set_id, f"{noun}_{verb}_{i}",
                                 f"{verb.capitalize()} the {noun} records of batch {i}"))
    return made


def discovering(ws, name: str = "support", **pd) -> Setup:
    """A published agent (`<name>-<uid>`) on `openai/<fresh model>` whose variation has
    `progressiveDiscovery: pd`."""
    return agent_setup(ws, f"{name}-{uid()}", variation={"progressiveDiscovery": dict(pd)})


def search_call(cid: str, query: str):
    return calls_reply([(cid, SEARCH, {"query": query})])


def search_calls(ws, oid: str) -> list[dict]:
    return [c for c in tool_calls(ws, oid) if c["data"]["functionName"] == SEARCH]


def search_results(ws, oid: str) -> list[dict]:
    """The parsed result of each `search_tools` call, in the order the TOOL_RESULT events were recorded;
    checks the shape `{"tools": [{"name", "description"}], "message"}`."""
    ids = {c["metadata"]["id"] for c in search_calls(ws, oid)}
    out = []
    for p in of_type(events(ws, oid), "TOOL_RESULT"):
        if p["toolCallId"] not in ids:
            continue
        [block] = p["result"]["content"]
        assert block["type"] == "text", p
        result = json.loads(block["text"]["text"])
        assert set(result) == {"tools", "message"}, result
        assert isinstance(result["message"], str) and result["message"], result
        assert all(set(t) == {"name", "description"} for t in result["tools"]), result
        out.append(result)
    assert len(out) == len(ids), describe(ws, oid)
    return out


def names(result: dict) -> list[str]:
    return [t["name"] for t in result["tools"]]


def searched(fake_openai, s: Setup, turn: int = 1) -> dict:
    """The `search_tools` result as the model received it in its request number `turn` (0-based)."""
    got = tool_messages(fake_openai.bodies(s.model)[turn])[SEARCH]
    return json.loads(got if isinstance(got, str) else got[-1])


def objective_tools(ws, oid: str) -> dict[str, dict]:
    """`…/objectives/{id}/tools` by tool id."""
    page = expect(ws.api.get(f"{obj_path(ws, oid)}/tools"), 200)
    return {item["metadata"]["id"]: item for item in page["items"]}


def call_named(ws, oid: str, name: str, **want: str) -> dict:
    """The objective's tool call of `name` once its fields equal `want`."""
    def check():
        for c in tool_calls(ws, oid):
            if c["data"]["functionName"] == name and all(c[k] == v for k, v in want.items()):
                return c
        return None
    return wait_for(check, STEP_TIMEOUT, lambda: f"a {name} call with {want}: {describe(ws, oid)}")


def run(ws, s: Setup, message: str | None = None) -> str:
    oid = create(ws, s.agent_id, message)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    return oid


def search_path(ws) -> str:
    return f"{ws.path}/search/tools_or_tool_sets"


def search(api, ws, query: str | None, status: int = 200) -> dict:
    params = {} if query is None else {"query": query}
    return expect(api.get(search_path(ws), params=params), status)


def ids(items: list[dict]) -> list[str]:
    return [i["metadata"]["id"] for i in items]


# ---------------------------------------------------------------- the fake's embeddings route


def test_the_fake_openai_answers_embeddings_in_openais_shape():
    fake = FakeOpenAI().start()
    try:
        auth = {"Authorization": f"Bearer {OPENAI_KEY}"}
        url = f"{fake.url}/embeddings"
        resp = requests.post(url, json={"model": "emb-1", "input": ["refund an order", "count stock"]},
                             headers=auth, timeout=10)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["object"] == "list" and body["model"] == "emb-1"
        assert [d["index"] for d in body["data"]] == [0, 1]
        assert all(d["object"] == "embedding" and len(d["embedding"]) == 8 for d in body["data"])
        assert body["data"][0]["embedding"] == hash_embedding("refund an order")
        assert body["data"][0]["embedding"] != body["data"][1]["embedding"]
        assert body["usage"]["prompt_tokens"] == body["usage"]["total_tokens"] > 0
        # a string input, a replaced embedder, auth and bad bodies
        fake.embedder = lambda t: [1.0, 0.0] if "refund" in t else [0.0, 1.0]
        one = requests.post(url, json={"model": "emb-1", "input": "a refund"}, headers=auth, timeout=10).json()
        assert one["data"] == [{"object": "embedding", "index": 0, "embedding": [1.0, 0.0]}]
        denied = requests.post(url, json={"model": "emb-1", "input": "x"},
                               headers={"Authorization": "Bearer wrong"}, timeout=10)
        assert denied.status_code == 401 and denied.json()["error"]["code"] == "invalid_api_key"
        assert requests.post(url, json={"input": "x"}, headers=auth, timeout=10).status_code == 400
        assert requests.post(url, json={"model": "emb-1", "input": []}, headers=auth, timeout=10).status_code == 400
        # recorded in order, and never among a model's chat requests
        assert [b.get("input") for b in fake.embedding_requests()] == [
            ["refund an order", "count stock"], "a refund", "x", "x", []]
        assert fake.requests("emb-1") == []
    finally:
        fake.stop()


# ---------------------------------------------------------------- offering search_tools


def test_without_progressive_discovery_there_is_no_search_tools(ws, fake_openai, tool_server):
    shop = Shop(ws, tool_server)
    s = setup_agent(ws)
    run(ws, s)
    [req] = fake_openai.bodies(s.model)
    offered = openai_tool_names(req)
    assert SEARCH not in offered, offered
    assert llm(shop.refund) not in offered and llm(shop.status) not in offered, offered


def test_progressive_discovery_offers_search_tools_with_a_required_query(ws, fake_openai, tool_server):
    Shop(ws, tool_server)
    s = discovering(ws, maxTools=3)
    run(ws, s)
    [req] = fake_openai.bodies(s.model)
    fn = openai_tool(req, SEARCH)
    assert fn["type"] == "function"
    assert isinstance(fn["function"]["description"], str) and fn["function"]["description"]
    params = fn["function"]["parameters"]
    assert params["type"] == "object", params
    assert set(params["properties"]) == {"query"}, params
    assert params["properties"]["query"]["type"] == "string", params
    assert params["required"] == ["query"], params
    # nothing of the workspace is offered before a search
    assert not {"refund_order", "order_status"} & set(openai_tool_names(req))


# ---------------------------------------------------------------- the acceptance scenario


def test_the_model_finds_refund_order_among_200_tools_and_calls_it(ws, fake_openai, tool_server):
    shop = Shop(ws, tool_server, customer=True)
    filler = crowd(ws, 200 - len(shop.all))
    everything = {llm(t) for t in shop.all + filler}
    assert len(everything) == 200
    tool_server.on(f"{shop.prefix}/refunds/42", body=REFUND_BODY)
    s = discovering(ws, maxTools=3)
    fake_openai.script(s.model, [search_call("c1", REFUND_QUERY),
                                 calls_reply([("c2", "refund_order", {"orderId": "42"})]),
                                 text("Order 42 is refunded.")])
    oid = run(ws, s, "Please refund my order 42")

    # the search: at most 3 results, refund_order first, only tools of this workspace
    [result] = search_results(ws, oid)
    found = names(result)
    assert 1 <= len(found) <= 3, result
    assert found[0] == "refund_order", result
    assert result["tools"][0]["description"] == REFUND_DESCRIPTION
    assert set(found) <= {"refund_order", "order_status", "customer_lookup"}, result
    assert len(set(found)) == len(found), result

    # the model saw the same result, then the found tools; nothing of the workspace before
    first, second, third = fake_openai.bodies(s.model)
    assert searched(fake_openai, s) == result
    before = set(openai_tool_names(first))
    assert SEARCH in before and not before & everything, sorted(before)
    after = set(openai_tool_names(second))
    assert SEARCH in after and "refund_order" in after, sorted(after)
    assert after & everything == set(found), sorted(after)
    offered = openai_tool(second, "refund_order")["function"]
    assert offered["description"] == REFUND_DESCRIPTION and offered["parameters"] == ID_PARAMS
    assert "refund_order" in openai_tool_names(third)
    assert tool_messages(third)["refund_order"] == REFUND_BODY

    # the search is a completed call of a Cadenya-provided tool
    [rec] = search_calls(ws, oid)
    assert rec["data"]["callable"]["type"] == "cadenyaProvidedTool", rec
    assert rec["data"]["callable"]["cadenyaProvidedTool"]["name"] == SEARCH, rec
    assert rec["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_COMPLETED", rec
    assert rec["data"]["arguments"] == {"query": REFUND_QUERY}

    # refund_order ran like an assigned tool: the tool server got it
    [seen] = tool_server.requests(shop.prefix)
    assert seen.method == "POST" and seen.path == f"{shop.prefix}/refunds/42"
    assert seen.headers["authorization"] == f"Bearer {shop.tools.secret}"
    [refund] = [c for c in tool_calls(ws, oid) if c["data"]["functionName"] == "refund_order"]
    assert refund["data"]["callable"]["type"] == "tool" and refund["data"]["callable"]["tool"]["id"] == tid(shop.refund)
    assert refund["status"] == "TOOL_CALL_STATUS_AUTO_APPROVED"
    assert refund["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_COMPLETED"
    assert refund["data"]["arguments"] == {"orderId": "42"}

    # the objective's tools: exactly what was found, each marked discovered
    listed = objective_tools(ws, oid)
    by_name = {llm(t): t for t in shop.all}
    assert set(listed) == {tid(by_name[n]) for n in found}, listed
    assert all(item["discovered"] is True for item in listed.values()), listed
    assert listed[tid(shop.refund)]["snapshot"]["spec"] == shop.refund["spec"]
    assert of_type(events(ws, oid), "ASSISTANT_MESSAGE")[-1] == {"content": "Order 42 is refunded."}


def test_a_discovered_tool_that_requires_approval_waits_for_it(ws, fake_openai, tool_server):
    shop = Shop(ws, tool_server, refund_approval=True, customer=True)
    crowd(ws, 200 - len(shop.all))
    tool_server.on(f"{shop.prefix}/refunds/42", body=REFUND_BODY)
    s = discovering(ws, maxTools=3)
    fake_openai.script(s.model, [search_call("c1", REFUND_QUERY),
                                 calls_reply([("c2", "refund_order", {"orderId": "42"})]),
                                 text("Refunded after approval.")])
    oid = create(ws, s.agent_id, "Please refund my order 42")["metadata"]["id"]
    waiting = wait_status(ws, oid, "WAITING_FOR_APPROVAL")
    assert waiting["status"] == "OBJECTIVE_STATUS_WAITING_FOR_APPROVAL"
    call = call_named(ws, oid, "refund_order", status="TOOL_CALL_STATUS_WAITING_FOR_APPROVAL")
    tcid = call["metadata"]["id"]
    assert call["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_PENDING"
    assert call["data"]["callable"]["type"] == "tool" and call["data"]["callable"]["tool"]["id"] == tid(shop.refund)
    assert names(search_results(ws, oid)[0])[0] == "refund_order"
    assert objective_tools(ws, oid)[tid(shop.refund)]["discovered"] is True
    never(lambda: tool_server.requests(shop.prefix), 2.0, "an unapproved refund reached the tool server")

    approved = expect(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:approve"), 200)
    assert approved["status"] == "TOOL_CALL_STATUS_APPROVED"
    wait_status(ws, oid, "COMPLETED")
    [seen] = tool_server.requests(shop.prefix)
    assert seen.method == "POST" and seen.path == f"{shop.prefix}/refunds/42"
    rec = expect(ws.api.get(tool_call_path(ws, oid, tcid)), 200)
    assert rec["status"] == "TOOL_CALL_STATUS_APPROVED"
    assert rec["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_COMPLETED"
    assert of_type(events(ws, oid), "ASSISTANT_MESSAGE")[-1] == {"content": "Refunded after approval."}
    assert len(fake_openai.bodies(s.model)) == 3


# ---------------------------------------------------------------- what is a candidate, and how many


def test_hints_join_the_query(ws, fake_openai, tool_server):
    shop = Shop(ws, tool_server)
    crowd(ws, 6)
    plain = discovering(ws, "plain", maxTools=3)
    hinted = discovering(ws, "hinted", maxTools=3, hints=["refund"])
    for s in (plain, hinted):
        fake_openai.script(s.model, [search_call("c1", "zzz"), text("ok")])

    # "zzz" alone matches nothing: an empty list, and nothing new offered
    oid = run(ws, plain)
    [result] = search_results(ws, oid)
    assert result["tools"] == [], result
    assert searched(fake_openai, plain) == result
    assert objective_tools(ws, oid) == {}
    assert "refund_order" not in openai_tool_names(fake_openai.bodies(plain.model)[1])

    # with the hint the refund tool is found first and offered next
    oid = run(ws, hinted)
    [result] = search_results(ws, oid)
    assert names(result)[0] == "refund_order", result
    assert "refund_order" in openai_tool_names(fake_openai.bodies(hinted.model)[1])
    assert objective_tools(ws, oid)[tid(shop.refund)]["discovered"] is True


def test_max_tools_defaults_to_five(ws, fake_openai):
    ledger = bare_set(ws, "bookkeeping")
    for i in range(7):
        bare_tool_in(ws, ledger["metadata"]["id"], f"ledger_entry_{i}", f"Post ledger entry kind {i}")
    s = discovering(ws)  # progressiveDiscovery: {}
    fake_openai.script(s.model, [search_call("c1", "ledger"), text("ok")])
    oid = run(ws, s)
    [result] = search_results(ws, oid)
    assert len(names(result)) == 5, result
    assert all(n.startswith("ledger_entry_") for n in names(result)), result
    assert len(objective_tools(ws, oid)) == 5


def test_an_assigned_tool_is_never_a_result_but_stays_callable(ws, fake_openai, tool_server):
    shop = Shop(ws, tool_server)
    crowd(ws, 3)
    tool_server.on(f"{shop.prefix}/refunds/42", body=REFUND_BODY)
    s = discovering(ws, maxTools=5)
    s.assign({"toolId": tid(shop.refund)})
    fake_openai.script(s.model, [search_call("c1", REFUND_QUERY),
                                 calls_reply([("c2", "refund_order", {"orderId": "42"})]),
                                 text("done")])
    oid = run(ws, s)
    [result] = search_results(ws, oid)
    assert names(result) == ["order_status"], result
    first = fake_openai.bodies(s.model)[0]
    assert "refund_order" in openai_tool_names(first) and "order_status" not in openai_tool_names(first)
    assert {"refund_order", "order_status"} <= set(openai_tool_names(fake_openai.bodies(s.model)[1]))
    [seen] = tool_server.requests(shop.prefix)
    assert seen.method == "POST" and seen.path == f"{shop.prefix}/refunds/42"
    listed = objective_tools(ws, oid)
    assert set(listed) == {tid(shop.refund), tid(shop.status)}
    assert listed[tid(shop.refund)]["discovered"] is False
    assert listed[tid(shop.status)]["discovered"] is True


def test_a_tool_found_earlier_is_not_found_again(ws, fake_openai, tool_server):
    shop = Shop(ws, tool_server)
    s = discovering(ws, maxTools=1)
    fake_openai.script(s.model, [search_call("c1", REFUND_QUERY), search_call("c2", REFUND_QUERY), text("ok")])
    oid = run(ws, s)
    first, second = search_results(ws, oid)
    assert names(first) == ["refund_order"], first
    assert names(second) == ["order_status"], second
    listed = objective_tools(ws, oid)
    assert set(listed) == {tid(shop.refund), tid(shop.status)}
    assert all(item["discovered"] is True for item in listed.values())
    third = fake_openai.bodies(s.model)[2]
    assert {"refund_order", "order_status"} <= set(openai_tool_names(third))
    assert openai_tool_names(third).count("refund_order") == 1


def test_tools_of_another_workspace_are_never_found(ws, other_ws, fake_openai, tool_server):
    shop = Shop(ws, tool_server)
    # another workspace's tools match the query far better
    theirs = bare_set(other_ws, "refunds", "Customer refunds")["metadata"]["id"]
    better = [bare_tool_in(other_ws, theirs, "refund_customer_order", "Refund a customer order, refund it",
                           ID_PARAMS),
              bare_tool_in(other_ws, theirs, "customer_refund", "Customer order refund", ID_PARAMS)]
    s = discovering(ws, maxTools=5)
    fake_openai.script(s.model, [search_call("c1", REFUND_QUERY), text("ok")])
    oid = run(ws, s)
    [result] = search_results(ws, oid)
    found = names(result)
    assert found[0] == "refund_order", result
    assert set(found) <= {"refund_order", "order_status"}, result
    listed = objective_tools(ws, oid)
    assert set(listed) == {tid(t) for t in shop.all if llm(t) in found}, listed
    assert not {tid(t) for t in better} & set(listed), listed
    assert not {"refund_customer_order", "customer_refund"} & set(openai_tool_names(fake_openai.bodies(s.model)[1]))


def test_archived_tool_sets_are_not_searched(ws, fake_openai):
    archived = bare_set(ws, "refunds", "Customer refunds")["metadata"]["id"]
    bare_tool_in(ws, archived, "refund_order", REFUND_DESCRIPTION, ID_PARAMS)
    expect(ws.api.post(f"{ws.path}/tool_sets/{archived}:archive"), 200)
    crowd(ws, 3)
    s = discovering(ws, maxTools=3)
    fake_openai.script(s.model, [search_call("c1", REFUND_QUERY), text("ok")])
    oid = run(ws, s)
    [result] = search_results(ws, oid)
    assert result["tools"] == [], result
    assert objective_tools(ws, oid) == {}


# ---------------------------------------------------------------- re-ranking by embeddings


def test_rerank_threshold_keeps_only_semantically_close_tools(ws, fake_openai, tool_server):
    """Both tools match "money back for an order" lexically (on "order"); the embeddings say only the
    refund is close to it, so with `rerankThreshold: 0.9` only it is offered."""
    shop = Shop(ws, tool_server)
    query = "money back for an order"

    def embed(t: str) -> list[float]:
        low = t.lower()
        return [1.0, 0.0] if "refund" in low or "money back" in low else [0.0, 1.0]

    saved = fake_openai.embedder
    fake_openai.embedder = embed
    try:
        # lexical only: both are found, and no embeddings are asked for
        lexical = discovering(ws, "lexical", maxTools=5)
        fake_openai.script(lexical.model, [search_call("c1", query), text("ok")])
        before = len(fake_openai.embedding_requests())
        oid = run(ws, lexical)
        [result] = search_results(ws, oid)
        assert set(names(result)) == {"refund_order", "order_status"}, result
        assert len(fake_openai.embedding_requests()) == before

        # re-ranked: one embeddings request (the search text, then one text per candidate), refund only
        reranked = discovering(ws, "reranked", maxTools=5, rerankThreshold=0.9)
        fake_openai.script(reranked.model, [search_call("c1", query), text("ok")])
        oid = run(ws, reranked)
        [result] = search_results(ws, oid)
        assert names(result) == ["refund_order"], result
        assert searched(fake_openai, reranked) == result
        offered = set(openai_tool_names(fake_openai.bodies(reranked.model)[1]))
        assert "refund_order" in offered and "order_status" not in offered, sorted(offered)
        assert set(objective_tools(ws, oid)) == {tid(shop.refund)}
        [req] = fake_openai.embedding_requests()[before:]
        assert req["model"] == EMBEDDING_MODEL, req
        inputs = req["input"]
        assert isinstance(inputs, list) and len(inputs) == 3, req
        assert inputs[0] == query, req
        assert sum("refund" in t.lower() for t in inputs[1:]) == 1, req
    finally:
        fake_openai.embedder = saved


# ---------------------------------------------------------------- GET …/search/tools_or_tool_sets


def catalog(ws) -> dict[str, dict]:
    """Two tool sets, three tools and two agents, described so "refund order" and "stock" tell them apart."""
    payments = bare_set(ws, "payments", "Refunds and order payments")
    warehouse = bare_set(ws, "warehouse", "Stock levels")
    refund = bare_tool_in(ws, payments["metadata"]["id"], "refund_order", REFUND_DESCRIPTION, ID_PARAMS)
    status = bare_tool_in(ws, payments["metadata"]["id"], "order_status", STATUS_DESCRIPTION, ID_PARAMS)
    stock = bare_tool_in(ws, warehouse["metadata"]["id"], "inventory_check", "Check stock levels of a SKU",
                         {"type": "object", "properties": {"sku": {"type": "string"}}})
    desk = expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": "refund-desk"},
                                                    "spec": {"description": "Answers refund requests"}}), 201)
    counter = expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": "stock-bot"},
                                                       "spec": {"description": "Counts stock"}}), 201)
    return {"payments": payments, "warehouse": warehouse, "refund": refund, "status": status, "stock": stock,
            "desk": desk, "counter": counter}


def test_search_ranks_tools_tool_sets_and_agents_best_first(ws):
    c = catalog(ws)
    body = search(ws.api, ws, "refund order")
    assert set(body) == {"tools", "toolSets", "agents"}, body
    assert ids(body["tools"]) == [tid(c["refund"]), tid(c["status"])]
    assert ids(body["toolSets"]) == [c["payments"]["metadata"]["id"]]
    assert ids(body["agents"]) == [c["desk"]["metadata"]["id"]]
    # whole resources
    assert body["tools"][0]["spec"] == c["refund"]["spec"]
    assert body["tools"][0]["metadata"]["name"] == "refund_order"
    assert body["toolSets"][0]["spec"] == c["payments"]["spec"]
    assert body["agents"][0]["spec"] == c["desk"]["spec"]

    body = search(ws.api, ws, "stock")
    assert ids(body["tools"]) == [tid(c["stock"])]
    assert ids(body["toolSets"]) == [c["warehouse"]["metadata"]["id"]]
    assert ids(body["agents"]) == [c["counter"]["metadata"]["id"]]

    # only matches: nothing matches nothing
    assert search(ws.api, ws, "zzz") == {"tools": [], "toolSets": [], "agents": []}


def test_search_short_route_form_agrees(ws):
    catalog(ws)
    for query in ["refund order", "stock"]:
        canonical = search(ws.api, ws, query)
        short = expect(ws.api.get("/v1/search/tools_or_tool_sets", params={"query": query}), 200)
        assert short == canonical


def test_search_needs_tools_read_and_shows_agents_only_with_agents_read(ws):
    c = catalog(ws)
    tools_only = ws.client(["tools:read"])
    body = search(tools_only, ws, "refund order")
    assert "agents" not in body, body
    assert ids(body["tools"]) == [tid(c["refund"]), tid(c["status"])]
    assert ids(body["toolSets"]) == [c["payments"]["metadata"]["id"]]
    short = expect(tools_only.get("/v1/search/tools_or_tool_sets", params={"query": "refund order"}), 200)
    assert "agents" not in short

    both = ws.client(["tools:read", "agents:read"])
    assert ids(search(both, ws, "refund order")["agents"]) == [c["desk"]["metadata"]["id"]]

    agents_only = ws.client(["agents:read"])
    for path in [search_path(ws), "/v1/search/tools_or_tool_sets"]:
        err = expect_error(agents_only.get(path, params={"query": "refund"}), 403, "forbidden")
        assert "tools:read" in err["message"] or "`*`" in err["message"], err


def test_search_returns_at_most_twenty_of_each_kind(ws):
    for i in range(22):
        ledger = bare_set(ws, f"ledger-{i}", f"Ledger book {i}")
        bare_tool_in(ws, ledger["metadata"]["id"], f"ledger_entry_{i}", f"Post a ledger entry to book {i}")
        expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": f"ledger-agent-{i}"},
                                                 "spec": {"description": "Keeps the ledger"}}), 201)
    body = search(ws.api, ws, "ledger")
    assert len(body["tools"]) == 20 and len(set(ids(body["tools"]))) == 20
    assert len(body["toolSets"]) == 20 and len(set(ids(body["toolSets"]))) == 20
    assert len(body["agents"]) == 20 and len(set(ids(body["agents"]))) == 20


def test_search_leaves_out_archived_tool_sets_and_their_tools(ws):
    c = catalog(ws)
    sid = c["payments"]["metadata"]["id"]
    expect(ws.api.post(f"{ws.path}/tool_sets/{sid}:archive"), 200)
    body = search(ws.api, ws, "refund order")
    assert body["tools"] == [] and body["toolSets"] == [], body
    assert ids(body["agents"]) == [c["desk"]["metadata"]["id"]]
    # active again, found again
    expect(ws.api.post(f"{ws.path}/tool_sets/{sid}:unarchive"), 200)
    body = search(ws.api, ws, "refund order")
    assert ids(body["tools"]) == [tid(c["refund"]), tid(c["status"])]
    assert ids(body["toolSets"]) == [sid]


def test_search_sees_only_its_own_workspace(ws, other_ws):
    mine = bare_set(ws, "payments", "Order payments")
    status = bare_tool_in(ws, mine["metadata"]["id"], "order_status", STATUS_DESCRIPTION, ID_PARAMS)
    theirs = bare_set(other_ws, "refunds", "Customer refunds")
    bare_tool_in(other_ws, theirs["metadata"]["id"], "refund_order", REFUND_DESCRIPTION, ID_PARAMS)
    body = search(ws.api, ws, "refund order")
    assert ids(body["tools"]) == [tid(status)]
    assert ids(body["toolSets"]) == [mine["metadata"]["id"]]
    assert search(ws.api, ws, "refund") == {"tools": [], "toolSets": [], "agents": []}
    expect_error(ws.api.get(search_path(other_ws), params={"query": "refund"}), 404, "not_found")


def test_search_needs_a_query(ws):
    for path in [search_path(ws), "/v1/search/tools_or_tool_sets"]:
        expect_error(ws.api.get(path), 400, "validation_error", "query")
        for blank in ["", "   "]:
            expect_error(ws.api.get(path, params={"query": blank}), 400, "validation_error", "query")
