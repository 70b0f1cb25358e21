"""Objectives end to end (issue 4, docs/api.md §3.4 and §4.1): the agent loop against the fake
model providers and the recording HTTP tool server — tool calls, approvals, bare tools, tasks,
cancel and continue, both providers, and what the API shows of it all."""

from __future__ import annotations

import json
import time

import pytest

from agentloop import (DATA, ORDER_DESCRIPTION, ORDER_PARAMS, SYSTEM_PROMPT, TRUNCATION_MARKER, bare_tool, blocks,
                       create, create_body, describe, etype, events, get, http_tool, http_tool_set, never, obj_path,
                       objective_texts, objectives_path, of_type, openai_tool, openai_tool_names, payload,
                       setup_agent, text_of, tool_call_path, tool_calls, types, wait_for, wait_status,
                       wait_tool_call)
from builders import missing
from client import expect, expect_error, jwt_claims
from fakes import text, tool_calls as calls_reply

ORDER_ARGS = {"orderId": "42", "quantity": 3, "note": "rush"}
ORDER_BODY = '{"orderId": "42", "status": "created", "eta": "tomorrow"}'


def order_scenario(ws, tool_server, *, family="openai", requires_approval=False, max_tool_calls=None,
                   workspace_secret=True):
    """A published agent whose variation runs `family/<fresh model>` with the HTTP `create_order` tool
    (POST {prefix}/orders/{orderId}, `Authorization: Bearer {{secrets.API_TOKEN}}`)."""
    s = setup_agent(ws, family, max_tool_calls=max_tool_calls)
    tools = http_tool_set(ws, tool_server, workspace_secret=workspace_secret)
    tool = http_tool(ws, tools.id, requires_approval=requires_approval)
    s.assign({"toolId": tool["metadata"]["id"]})
    return s, tools, tool


# ---- create and read

def test_create_answers_pending_with_snapshots_and_the_rendered_prompt(ws, fake_openai):
    s = setup_agent(ws)
    agent = expect(ws.api.get(f"{ws.path}/agents/{s.agent_id}"), 200)
    variation = expect(ws.api.get(s.vpath), 200)
    body = create_body(s.agent_id, "Where is my parcel?", metadata={"externalId": "ticket-7",
                                                                    "labels": {"channel": "email"}})
    created = expect(ws.api.post(objectives_path(ws), body), 201)
    oid = created["metadata"]["id"]
    assert oid.startswith("obj_")
    assert created["metadata"]["workspaceId"] == ws.id
    assert created["metadata"]["profileId"] == jwt_claims(ws.token)["sub"]
    assert created["metadata"]["externalId"] == "ticket-7"
    assert created["metadata"]["labels"] == {"channel": "email"}
    assert created["status"] == "OBJECTIVE_STATUS_PENDING"
    assert "statusMessage" not in created
    data = created["data"]
    assert data["initialMessage"] == "Where is my parcel?"
    assert data["systemPrompt"] == SYSTEM_PROMPT
    assert data["data"] == DATA
    assert data["agent"]["metadata"] == agent["metadata"] and data["agent"]["spec"] == agent["spec"]
    assert data["agentVariation"]["metadata"] == variation["metadata"]
    assert data["agentVariation"]["spec"] == variation["spec"]
    info = created["info"]
    assert info["agent"] == agent["metadata"]  # seed 003: the whole metadata, not a bare reference
    assert info["agentVariation"] == variation["metadata"]
    assert info["currentContextWindowId"].startswith("ctxwin_")
    assert {k: info[k] for k in ("totalInputTokens", "totalCompletionTokens", "totalToolCalls",
                                 "totalContextWindows")} == {"totalInputTokens": 0, "totalCompletionTokens": 0,
                                                             "totalToolCalls": 0, "totalContextWindows": 1}

    # no script: the fake's default final answer ends the turn
    done = wait_status(ws, oid, "COMPLETED")
    evts = events(ws, oid)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE"], describe(ws, oid)
    assert payload(evts[0]) == {"content": "Where is my parcel?"}
    assert payload(evts[1]) == {"content": "done"}
    for e in evts:
        assert e["metadata"]["id"].startswith("objevt_")
        assert e["contextWindowId"] == info["currentContextWindowId"]
    assert done["data"] == data
    assert done["metadata"]["id"] == oid
    assert done["info"]["totalEvents"] == 2
    assert done["info"]["totalInputTokens"] == 10 and done["info"]["totalCompletionTokens"] == 5
    # found by external id and in the list
    assert expect(ws.api.get(f"{objectives_path(ws)}/external_id:ticket-7"), 200)["metadata"]["id"] == oid
    page = expect(ws.api.get(objectives_path(ws)), 200)
    assert [o["metadata"]["id"] for o in page["items"]] == [oid] and page["pagination"]["total"] == 1
    # the model was asked once, with the rendered prompt and the message
    [req] = fake_openai.bodies(s.model)
    assert req["model"] == s.model
    assert req["messages"] == [{"role": "system", "content": SYSTEM_PROMPT},
                               {"role": "user", "content": "Where is my parcel?"}]


def test_http_tool_round_trip(app, ws, fake_openai, tool_server):
    """The acceptance scenario: objective → tool call → tool result → final answer, exactly recorded."""
    s, tools, tool = order_scenario(ws, tool_server)
    tid = tool["metadata"]["id"]
    assert tool["spec"]["llmToolName"] == "create_order"
    tool_server.on(f"{tools.prefix}/orders/42", status=200, body=ORDER_BODY)
    fake_openai.script(s.model, [calls_reply([("call_1", "create_order", ORDER_ARGS)]),
                                 text("Order 42 is placed and arrives tomorrow.")])
    created = create(ws, s.agent_id, "Order three of item 42, rush")
    oid = created["metadata"]["id"]
    done = wait_status(ws, oid, "COMPLETED")

    # the events, exactly
    evts = events(ws, oid)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_CALLED", "TOOL_RESULT",
                           "ASSISTANT_MESSAGE"], describe(ws, oid)
    user, asked, called, result, final = (payload(e) for e in evts)
    assert user == {"content": "Order three of item 42, rush"}
    assert "content" not in asked or asked["content"] in (None, "")
    [call] = asked["toolCalls"]
    tcid = call["toolCallId"]
    assert tcid.startswith("toolcall_")
    assert call["functionName"] == "create_order"
    assert json.loads(call["arguments"]) == ORDER_ARGS
    if "tool" in call:
        assert call["tool"]["type"] == "tool" and call["tool"]["tool"]["id"] == tid
    assert called["toolCallId"] == tcid
    assert called["arguments"] == ORDER_ARGS
    assert called["attempt"] == 1
    assert called["tool"]["type"] == "tool" and called["tool"]["tool"]["id"] == tid
    assert result == {"toolCallId": tcid, "result": {"content": [{"type": "text", "text": {"text": ORDER_BODY}}]}}
    assert final == {"content": "Order 42 is placed and arrives tomorrow."}
    window = done["info"]["currentContextWindowId"]
    assert all(e["contextWindowId"] == window for e in evts)
    created_at = [e["metadata"]["createdAt"] for e in evts]
    assert created_at == sorted(created_at)

    # the tool server saw one call: method, path, body without the path parameter, resolved secret
    [seen] = tool_server.requests(tools.prefix)
    assert seen.method == "POST"
    assert seen.path == f"{tools.prefix}/orders/42"
    assert seen.query == {}
    assert seen.json == {"quantity": 3, "note": "rush"}
    assert seen.headers["authorization"] == f"Bearer {tools.secret}"
    assert seen.headers.get("content-type", "").startswith("application/json")

    # what the model was sent
    first, second = fake_openai.bodies(s.model)
    assert first["model"] == s.model
    assert first["messages"] == [{"role": "system", "content": SYSTEM_PROMPT},
                                 {"role": "user", "content": "Order three of item 42, rush"}]
    assert {"create_order", "task_create", "task_update"} <= set(openai_tool_names(first))
    offered = openai_tool(first, "create_order")
    assert offered["type"] == "function"
    assert offered["function"]["description"] == ORDER_DESCRIPTION
    assert offered["function"]["parameters"] == ORDER_PARAMS
    msgs = second["messages"]
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "tool"]
    assert msgs[:2] == first["messages"]
    [echoed] = msgs[2]["tool_calls"]
    assert echoed["type"] == "function" and echoed["function"]["name"] == "create_order"
    assert json.loads(echoed["function"]["arguments"]) == ORDER_ARGS
    assert msgs[3]["tool_call_id"] == echoed["id"]
    assert text_of(msgs[3]["content"]) == ORDER_BODY

    # usage accrues on the objective and its context window
    info = done["info"]
    assert info["totalInputTokens"] == 200 and info["totalCompletionTokens"] == 40
    assert info["totalToolCalls"] == 1 and info["totalEvents"] == 5 and info["totalContextWindows"] == 1
    [cw] = done["contextWindows"]
    assert cw["metadata"]["id"] == window
    assert cw["data"] == {"objectiveId": oid, "sequence": 1, "promptTokens": 200, "completionTokens": 40}
    page = expect(ws.api.get(f"{obj_path(ws, oid)}/context_windows"), 200)
    assert page["pagination"]["total"] == 1 and page["items"][0]["data"] == cw["data"]
    assert page["items"][0]["metadata"]["id"] == window

    # the tool call record
    [rec] = tool_calls(ws, oid)
    assert rec["metadata"]["id"] == tcid
    assert rec["status"] == "TOOL_CALL_STATUS_AUTO_APPROVED"
    assert rec["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_COMPLETED"
    assert rec["data"]["callable"]["type"] == "tool" and rec["data"]["callable"]["tool"]["id"] == tid
    assert rec["data"]["functionName"] == "create_order"
    assert rec["data"]["arguments"] == ORDER_ARGS
    assert rec["data"]["result"] == result["result"]
    assert rec["data"]["attempts"] == 1
    assert rec["data"]["contextWindowId"] == window
    assert "error" not in rec["data"] and "memo" not in rec["data"]
    assert expect(ws.api.get(tool_call_path(ws, oid, tcid)), 200) == rec

    # the objective's tools: the assigned tool, not the built-ins
    page = expect(ws.api.get(f"{obj_path(ws, oid)}/tools"), 200)
    [listed] = page["items"]
    assert listed["metadata"] == {"id": tid, "name": "create_order"}
    assert listed["snapshot"]["metadata"] == tool["metadata"] and listed["snapshot"]["spec"] == tool["spec"]

    # the secret shows nowhere: responses, events, tool calls, tools, windows, logs
    for body in objective_texts(ws, oid):
        assert tools.secret not in body
    for path in [f"{ws.path}/tool_sets/{tools.id}", f"{ws.path}/tool_sets/{tools.id}/tools/{tid}"]:
        resp = ws.api.get(path)
        expect(resp, 200)
        assert tools.secret not in resp.text
    assert tools.secret not in app.component_logs()


def test_objective_secrets_resolve_into_tool_headers(app, ws, fake_openai, tool_server):
    """`secrets` given at create fill `{{secrets.NAME}}` for this objective only and are never returned."""
    s, tools, tool = order_scenario(ws, tool_server, workspace_secret=False)
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", ORDER_ARGS)]), text("ok")])
    resp = ws.api.post(objectives_path(ws), create_body(s.agent_id, secrets=[{"name": "API_TOKEN",
                                                                              "value": tools.secret}]))
    oid = expect(resp, 201)["metadata"]["id"]
    assert tools.secret not in resp.text
    wait_status(ws, oid, "COMPLETED")
    [seen] = tool_server.requests(tools.prefix)
    assert seen.headers["authorization"] == f"Bearer {tools.secret}"
    for body in objective_texts(ws, oid):
        assert tools.secret not in body
    assert tools.secret not in app.component_logs()


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_get_and_delete_tools_send_arguments_as_query(ws, fake_openai, tool_server, method):
    s = setup_agent(ws)
    tools = http_tool_set(ws, tool_server)
    params = {"type": "object", "properties": {"sku": {"type": "string"}, "warehouse": {"type": "string"},
                                               "limit": {"type": "integer"}}, "required": ["sku"]}
    tool = http_tool(ws, tools.id, "stock_item", method=method, path="/stock/{sku}", parameters=params)
    s.assign({"toolId": tool["metadata"]["id"]})
    tool_server.on(f"{tools.prefix}/stock/A1", body='{"units": 7}')
    fake_openai.script(s.model, [calls_reply([("c1", "stock_item", {"sku": "A1", "warehouse": "north",
                                                                    "limit": 5})]), text("7 units")])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    [seen] = tool_server.requests(tools.prefix)
    assert seen.method == method
    assert seen.path == f"{tools.prefix}/stock/A1"
    assert seen.query == {"warehouse": "north", "limit": "5"}
    assert seen.body == b""
    assert seen.headers["authorization"] == f"Bearer {tools.secret}"
    assert of_type(events(ws, oid), "TOOL_RESULT")[0]["result"]["content"][0]["text"]["text"] == '{"units": 7}'


def test_tool_http_error_is_a_tool_error_and_the_model_goes_on(ws, fake_openai, tool_server):
    s, tools, _ = order_scenario(ws, tool_server)
    tool_server.on(f"{tools.prefix}/orders/42", status=422, body='{"error": "quantity too high"}')
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", ORDER_ARGS)]), text("Sorry, that failed.")])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    evts = events(ws, oid)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_CALLED", "TOOL_ERROR",
                           "ASSISTANT_MESSAGE"], describe(ws, oid)
    tool_error = payload(evts[3])
    tcid = payload(evts[1])["toolCalls"][0]["toolCallId"]
    assert set(tool_error) == {"toolCallId", "message"} and tool_error["toolCallId"] == tcid
    assert "422" in tool_error["message"]
    assert payload(evts[4]) == {"content": "Sorry, that failed."}
    [rec] = tool_calls(ws, oid)
    assert rec["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_FAILED"
    assert "422" in rec["data"]["error"] and "result" not in rec["data"]
    # the model heard about it
    second = fake_openai.bodies(s.model)[1]
    tool_msg = second["messages"][-1]
    assert tool_msg["role"] == "tool" and "422" in text_of(tool_msg["content"])
    assert len(tool_server.requests(tools.prefix)) == 1


def test_a_large_tool_response_is_truncated_with_a_marker(ws, fake_openai, tool_server):
    s, tools, _ = order_scenario(ws, tool_server)
    big = "".join(f"line {i:06d} of a very long tool answer\n" for i in range(8000))  # ~300 KiB
    assert len(big.encode()) > 300 * 1024 - 8000
    tool_server.on(f"{tools.prefix}/orders/42", body=big, content_type="text/plain")
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", ORDER_ARGS)]), text("That was long.")])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    [result] = of_type(events(ws, oid), "TOOL_RESULT")
    [block] = result["result"]["content"]
    got = block["text"]["text"]
    assert got.endswith(TRUNCATION_MARKER), got[-200:]
    kept = got[:-len(TRUNCATION_MARKER)].rstrip("\n ")
    assert 200 * 1024 < len(kept.encode()) <= 262144
    assert big.startswith(kept)
    # the model got the truncated text too, not the whole body
    tool_msg = fake_openai.bodies(s.model)[1]["messages"][-1]
    assert text_of(tool_msg["content"]).endswith(TRUNCATION_MARKER)


def test_tools_list_is_the_snapshot_taken_at_create(ws, fake_openai, tool_server):
    s, tools, tool = order_scenario(ws, tool_server)
    oid = create(ws, s.agent_id)["metadata"]["id"]
    tpath = f"{ws.path}/tool_sets/{tools.id}/tools/{tool['metadata']['id']}"
    expect(ws.api.patch(tpath, {"spec": {"description": "changed later"}}), 200)
    page = expect(ws.api.get(f"{obj_path(ws, oid)}/tools"), 200)
    assert page["pagination"]["total"] == 1
    assert page["items"][0]["snapshot"]["spec"]["description"] == ORDER_DESCRIPTION
    assert page["items"][0]["snapshot"]["spec"] == tool["spec"]
    # a tool set assignment snapshots every tool of the set
    s2 = setup_agent(ws, name="second")
    other = http_tool(ws, tools.id, "cancel_order", method="DELETE")
    s2.assign({"toolSetId": tools.id})
    oid2 = create(ws, s2.agent_id)["metadata"]["id"]
    page = expect(ws.api.get(f"{obj_path(ws, oid2)}/tools"), 200)
    assert sorted((i["metadata"]["id"], i["metadata"]["name"]) for i in page["items"]) == sorted(
        [(tool["metadata"]["id"], "create_order"), (other["metadata"]["id"], "cancel_order")])
    # both offered to the model
    wait_status(ws, oid2, "COMPLETED")
    assert {"create_order", "cancel_order"} <= set(openai_tool_names(fake_openai.bodies(s2.model)[0]))


def test_events_paginate_and_follow_since_event_id(ws, fake_openai, tool_server):
    s, tools, _ = order_scenario(ws, tool_server)
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", ORDER_ARGS)]), text("ok")])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    all_events = events(ws, oid)
    assert len(all_events) == 5
    ids = [e["metadata"]["id"] for e in all_events]
    page = expect(ws.api.get(f"{obj_path(ws, oid)}/events", params={"limit": 2}), 200)
    assert [e["metadata"]["id"] for e in page["items"]] == ids[:2]
    assert page["pagination"]["total"] == 5 and page["pagination"]["nextCursor"]
    assert [e["metadata"]["id"] for e in events(ws, oid, limit=2)] == ids
    since = expect(ws.api.get(f"{obj_path(ws, oid)}/events", params={"sinceEventId": ids[1]}), 200)
    assert [e["metadata"]["id"] for e in since["items"]] == ids[2:]
    last = expect(ws.api.get(f"{obj_path(ws, oid)}/events", params={"sinceEventId": ids[-1]}), 200)
    assert last["items"] == []
    desc = expect(ws.api.get(f"{obj_path(ws, oid)}/events", params={"sortOrder": "desc"}), 200)
    assert [e["metadata"]["id"] for e in desc["items"]] == ids[::-1]
    expect_error(ws.api.get(f"{obj_path(ws, oid)}/events", params={"sinceEventId": "nope"}), 400,
                 "validation_error", "sinceEventId")
    expect_error(ws.api.get(f"{obj_path(ws, oid)}/events", params={"cursor": "garbage"}), 400,
                 "validation_error", "cursor")


# ---- approvals

def test_the_workspace_tool_call_inbox_lists_waiting_calls_of_every_objective(ws, other_ws, fake_openai,
                                                                             tool_server):
    s, tools, _ = order_scenario(ws, tool_server, requires_approval=True)
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", ORDER_ARGS)]),
                                 calls_reply([("c2", "create_order", ORDER_ARGS)])])
    first = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, first, "WAITING_FOR_APPROVAL")
    second = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, second, "WAITING_FOR_APPROVAL")
    calls = [wait_tool_call(ws, oid, status="TOOL_CALL_STATUS_WAITING_FOR_APPROVAL") for oid in (first, second)]
    waiting = {"status": "TOOL_CALL_STATUS_WAITING_FOR_APPROVAL"}

    # both route forms; newest first by default; each call names its objective
    canonical = expect(ws.api.get(f"{ws.path}/tool_calls", params=waiting), 200)
    short = expect(ws.api.get("/v1/tool_calls", params=waiting), 200)
    assert canonical == short
    assert [c["metadata"]["id"] for c in canonical["items"]] == [calls[1]["metadata"]["id"],
                                                                 calls[0]["metadata"]["id"]]
    assert [c["info"]["objective"]["id"] for c in canonical["items"]] == [second, first]
    assert canonical["items"][0] == expect(ws.api.get(tool_call_path(ws, second, calls[1]["metadata"]["id"])), 200)
    asc = expect(ws.api.get("/v1/tool_calls", params={**waiting, "sortOrder": "asc", "limit": 1}), 200)
    assert [c["metadata"]["id"] for c in asc["items"]] == [calls[0]["metadata"]["id"]]
    assert asc["pagination"]["nextCursor"]

    # once approved, a call leaves the inbox; the other workspace never sees them
    expect(ws.api.post(f"{tool_call_path(ws, first, calls[0]['metadata']['id'])}:deny", {"memo": "no"}), 200)
    left = expect(ws.api.get("/v1/tool_calls", params=waiting), 200)["items"]
    assert [c["metadata"]["id"] for c in left] == [calls[1]["metadata"]["id"]]
    denied = expect(ws.api.get("/v1/tool_calls", params={"status": "TOOL_CALL_STATUS_DENIED"}), 200)["items"]
    assert [c["metadata"]["id"] for c in denied] == [calls[0]["metadata"]["id"]]
    assert expect(other_ws.api.get("/v1/tool_calls"), 200)["items"] == []
    expect_error(other_ws.api.get(f"{ws.path}/tool_calls"), 404, "not_found")

    # the objectives:read scope, and a clear error for a bad status
    expect(ws.client(["objectives:read"]).get("/v1/tool_calls"), 200)
    expect_error(ws.client(["agents:read"]).get("/v1/tool_calls"), 403, "forbidden")
    expect_error(ws.api.get("/v1/tool_calls", params={"status": "MAYBE"}), 400, "validation_error", "status")
    expect(ws.api.post(f"{tool_call_path(ws, second, calls[1]['metadata']['id'])}:deny", {"memo": "no"}), 200)


def test_approval_waits_then_runs_once(ws, fake_openai, tool_server):
    s, tools, _ = order_scenario(ws, tool_server, requires_approval=True)
    tool_server.on(f"{tools.prefix}/orders/42", body=ORDER_BODY)
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", ORDER_ARGS)]), text("Approved and placed.")])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    waiting = wait_status(ws, oid, "WAITING_FOR_APPROVAL")
    assert waiting["status"] == "OBJECTIVE_STATUS_WAITING_FOR_APPROVAL"
    call = wait_tool_call(ws, oid, status="TOOL_CALL_STATUS_WAITING_FOR_APPROVAL")
    tcid = call["metadata"]["id"]
    assert call["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_PENDING"
    assert call["data"]["attempts"] == 0 and call["data"]["arguments"] == ORDER_ARGS
    evts = events(ws, oid)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_APPROVAL_REQUESTED"], describe(ws, oid)
    assert payload(evts[2]) == {"toolCallId": tcid}
    assert tool_server.requests(tools.prefix) == []
    # filters
    assert [c["metadata"]["id"] for c in tool_calls(ws, oid, status="TOOL_CALL_STATUS_WAITING_FOR_APPROVAL")] == [
        tcid]
    assert tool_calls(ws, oid, status="TOOL_CALL_STATUS_APPROVED") == []
    expect_error(ws.api.get(f"{obj_path(ws, oid)}/tool_calls", params={"status": "MAYBE"}), 400,
                 "validation_error", "status")
    # it stays waiting (the cron does not run it) and cannot be continued meanwhile
    never(lambda: tool_server.requests(tools.prefix), 2.5, "an unapproved call reached the tool server")
    assert get(ws, oid)["status"] == "OBJECTIVE_STATUS_WAITING_FOR_APPROVAL"
    expect_error(ws.api.post(f"{obj_path(ws, oid)}:continue", {"message": "hurry"}), 409, "failed_precondition")
    expect_error(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:setContent", {"content": "x"}), 409,
                 "failed_precondition")

    # approve through the short route form, with an empty body
    approved = expect(ws.api.post(f"/v1/objectives/{oid}/tool_calls/{tcid}:approve"), 200)
    assert approved["metadata"]["id"] == tcid
    assert approved["status"] == "TOOL_CALL_STATUS_APPROVED"
    done = wait_status(ws, oid, "COMPLETED")
    evts = events(ws, oid)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_APPROVAL_REQUESTED", "TOOL_APPROVED",
                           "TOOL_CALLED", "TOOL_RESULT", "ASSISTANT_MESSAGE"], describe(ws, oid)
    assert payload(evts[3]) == {"toolCallId": tcid}
    assert payload(evts[4])["attempt"] == 1
    assert payload(evts[6]) == {"content": "Approved and placed."}
    [seen] = tool_server.requests(tools.prefix)
    assert seen.method == "POST" and seen.json == {"quantity": 3, "note": "rush"}
    rec = expect(ws.api.get(tool_call_path(ws, oid, tcid)), 200)
    assert rec["status"] == "TOOL_CALL_STATUS_APPROVED"
    assert rec["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_COMPLETED"
    assert rec["data"]["attempts"] == 1
    assert expect(ws.api.get(f"/v1/objectives/{oid}/tool_calls/{tcid}"), 200) == rec
    assert done["info"]["totalToolCalls"] == 1
    # a second decision is refused
    expect_error(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:approve", {}), 409, "failed_precondition")
    expect_error(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:deny", {"memo": "late"}), 409, "failed_precondition")
    assert len(tool_server.requests(tools.prefix)) == 1


def test_deny_never_runs_the_tool_and_the_model_sees_the_memo(ws, fake_openai, tool_server):
    s, tools, _ = order_scenario(ws, tool_server, requires_approval=True)
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", ORDER_ARGS)]), text("Understood, not ordering.")])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "WAITING_FOR_APPROVAL")
    tcid = wait_tool_call(ws, oid, status="TOOL_CALL_STATUS_WAITING_FOR_APPROVAL")["metadata"]["id"]
    expect_error(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:deny", {"memo": 5}), 400, "validation_error", "memo")
    expect_error(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:deny", {"reason": "x"}), 400, "validation_error",
                 "reason")
    denied = expect(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:deny", {"memo": "too expensive"}), 200)
    assert denied["metadata"]["id"] == tcid
    assert denied["status"] == "TOOL_CALL_STATUS_DENIED"
    assert denied["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_FAILED"
    assert denied["data"]["memo"] == "too expensive"
    wait_status(ws, oid, "COMPLETED")
    evts = events(ws, oid)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_APPROVAL_REQUESTED", "TOOL_DENIED",
                           "ASSISTANT_MESSAGE"], describe(ws, oid)
    assert payload(evts[3]) == {"toolCallId": tcid, "memo": "too expensive"}
    assert payload(evts[4]) == {"content": "Understood, not ordering."}
    assert tool_server.requests(tools.prefix) == []
    msgs = fake_openai.bodies(s.model)[1]["messages"]
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "tool"]
    assert msgs[3]["tool_call_id"] == msgs[2]["tool_calls"][0]["id"]
    assert "too expensive" in text_of(msgs[3]["content"])
    rec = expect(ws.api.get(tool_call_path(ws, oid, tcid)), 200)
    assert (rec["status"], rec["executionStatus"]) == ("TOOL_CALL_STATUS_DENIED",
                                                       "TOOL_CALL_EXECUTION_STATUS_FAILED")
    assert rec["data"]["attempts"] == 0 and rec["data"]["memo"] == "too expensive"
    expect_error(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:approve"), 409, "failed_precondition")
    expect_error(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:deny", {}), 409, "failed_precondition")
    assert tool_server.requests(tools.prefix) == []


def test_approve_and_deny_of_unknown_or_auto_approved_calls(ws, fake_openai, tool_server):
    s, tools, _ = order_scenario(ws, tool_server)
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", ORDER_ARGS)]), text("ok")])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    [rec] = tool_calls(ws, oid)
    tcid = rec["metadata"]["id"]
    expect_error(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:approve"), 409, "failed_precondition")
    expect_error(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:deny", {"memo": "no"}), 409, "failed_precondition")
    expect_error(ws.api.post(f"{tool_call_path(ws, oid, missing('toolcall'))}:approve"), 404, "not_found")
    expect_error(ws.api.get(tool_call_path(ws, oid, missing("toolcall"))), 404, "not_found")
    expect_error(ws.api.get(tool_call_path(ws, missing("obj"), tcid)), 404, "not_found")
    expect_error(ws.api.get(tool_call_path(ws, oid, missing("task"))), 400, "validation_error", "id")
    assert expect(ws.api.get(tool_call_path(ws, oid, tcid)), 200)["status"] == "TOOL_CALL_STATUS_AUTO_APPROVED"
    assert len(tool_server.requests(tools.prefix)) == 1


# ---- bare tools

@pytest.mark.parametrize("content,expected", [
    ("42 units", [{"type": "text", "text": {"text": "42 units"}}]),
    ([{"type": "text", "text": {"text": "40 in aisle 3"}}, {"type": "text", "text": {"text": "2 in the back"}}],
     [{"type": "text", "text": {"text": "40 in aisle 3"}}, {"type": "text", "text": {"text": "2 in the back"}}]),
], ids=["text", "blocks"])
def test_bare_tool_waits_for_set_content(ws, fake_openai, content, expected):
    s = setup_agent(ws)
    tool = bare_tool(ws)
    s.assign({"toolId": tool["metadata"]["id"]})
    fake_openai.script(s.model, [calls_reply([("c1", "count_stock", {"sku": "A-1"})]), text("You have 42 units.")])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    call = wait_tool_call(ws, oid, executionStatus="TOOL_CALL_EXECUTION_STATUS_WAITING_FOR_CONTENT")
    tcid = call["metadata"]["id"]
    assert call["status"] == "TOOL_CALL_STATUS_AUTO_APPROVED"
    assert call["data"]["arguments"] == {"sku": "A-1"}
    assert call["data"]["callable"]["type"] == "tool"
    assert call["data"]["callable"]["tool"]["id"] == tool["metadata"]["id"]
    assert get(ws, oid)["status"] == "OBJECTIVE_STATUS_RUNNING"
    assert types(events(ws, oid)) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_CALLED"]
    # it keeps waiting: no second model call while the content is missing
    never(lambda: len(fake_openai.requests(s.model)) != 1, 2.5, "the model was called before the content came")
    assert get(ws, oid)["status"] == "OBJECTIVE_STATUS_RUNNING"
    expect_error(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:setContent", {}), 400, "validation_error")
    expect_error(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:setContent", {"content": 42}), 400,
                 "validation_error", "content")
    expect_error(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:approve"), 409, "failed_precondition")

    set_ = expect(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:setContent", {"content": content}), 200)
    assert set_["metadata"]["id"] == tcid
    assert set_["data"]["result"] == {"content": expected}
    wait_status(ws, oid, "COMPLETED")
    evts = events(ws, oid)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_CALLED", "TOOL_RESULT",
                           "ASSISTANT_MESSAGE"], describe(ws, oid)
    assert payload(evts[3]) == {"toolCallId": tcid, "result": {"content": expected}}
    rec = expect(ws.api.get(tool_call_path(ws, oid, tcid)), 200)
    assert rec["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_COMPLETED"
    assert rec["data"]["result"] == {"content": expected}
    tool_msg = fake_openai.bodies(s.model)[1]["messages"][-1]
    assert tool_msg["role"] == "tool"
    assert text_of(tool_msg["content"]) == "\n".join(b["text"]["text"] for b in expected)
    expect_error(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:setContent", {"content": "again"}), 409,
                 "failed_precondition")


# ---- tasks

def test_tasks_the_model_keeps_appear_in_the_tasks_api(ws, fake_openai):
    s = setup_agent(ws)
    fake_openai.script(s.model, [
        calls_reply([("c1", "task_create", {"task": "Write report"})]),
        calls_reply([("c2", "task_update", {"number": 1, "completed": True})]),
        text("Report written."),
    ])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    page = expect(ws.api.get(f"{obj_path(ws, oid)}/tasks"), 200)
    assert page["pagination"]["total"] == 1
    [task] = page["items"]
    assert task["metadata"]["id"].startswith("task_")
    data = dict(task["data"])
    completed_at = data.pop("completedAt")
    assert data == {"number": 1, "task": "Write report", "completed": True}
    assert completed_at.endswith("Z")
    assert expect(ws.api.get(f"{obj_path(ws, oid)}/tasks/{task['metadata']['id']}"), 200) == task
    expect_error(ws.api.get(f"{obj_path(ws, oid)}/tasks/{missing('task')}"), 404, "not_found")
    # the built-ins are recorded as tool calls of Cadenya-provided tools, but not listed as the objective's tools
    recs = sorted(tool_calls(ws, oid), key=lambda c: c["data"]["functionName"])
    assert [c["data"]["functionName"] for c in recs] == ["task_create", "task_update"]
    assert all(c["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_COMPLETED" for c in recs)
    assert all(c["data"]["callable"]["type"] == "cadenyaProvidedTool" for c in recs)
    assert expect(ws.api.get(f"{obj_path(ws, oid)}/tools"), 200)["items"] == []
    assert of_type(events(ws, oid), "ASSISTANT_MESSAGE")[-1] == {"content": "Report written."}
    assert len(fake_openai.requests(s.model)) == 3


def test_task_list_shows_open_tasks_while_running(ws, fake_openai):
    s = setup_agent(ws)
    tool = bare_tool(ws, "wait_here")
    s.assign({"toolId": tool["metadata"]["id"]})
    fake_openai.script(s.model, [
        calls_reply([("c1", "task_create", {"task": "Draft"}), ("c2", "task_create", {"task": "Review"})]),
        calls_reply([("c3", "wait_here", {"sku": "x"})]),
        text("ok"),
    ])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_for(lambda: any(c["data"]["functionName"] == "wait_here" and
                         c["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_WAITING_FOR_CONTENT"
                         for c in tool_calls(ws, oid)), 30, lambda: describe(ws, oid))
    items = expect(ws.api.get(f"{obj_path(ws, oid)}/tasks", params={"sortOrder": "asc"}), 200)["items"]
    assert [t["data"] for t in items] == [{"number": 1, "task": "Draft", "completed": False},
                                         {"number": 2, "task": "Review", "completed": False}]
    assert get(ws, oid)["status"] == "OBJECTIVE_STATUS_RUNNING"
    expect(ws.api.post(f"{obj_path(ws, oid)}:cancel", {"reason": "test over"}), 200)


# ---- limits

def test_max_tool_calls_turns_further_calls_into_tool_errors(ws, fake_openai, tool_server):
    s, tools, _ = order_scenario(ws, tool_server, max_tool_calls=1)
    first_args = {"orderId": "1", "quantity": 1}
    second_args = {"orderId": "2", "quantity": 2}
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", first_args), ("c2", "create_order", second_args)]),
                                 text("One order placed.")])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    evts = events(ws, oid)
    asked = payload(evts[1])
    by_order = {json.loads(c["arguments"])["orderId"]: c["toolCallId"] for c in asked["toolCalls"]}
    assert sorted(types(evts)) == sorted(["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_CALLED", "TOOL_RESULT",
                                          "TOOL_ERROR", "ASSISTANT_MESSAGE"]), describe(ws, oid)
    [called] = of_type(evts, "TOOL_CALLED")
    assert called["toolCallId"] == by_order["1"]
    [result] = of_type(evts, "TOOL_RESULT")
    assert result["toolCallId"] == by_order["1"]
    [over] = of_type(evts, "TOOL_ERROR")
    assert over["toolCallId"] == by_order["2"]
    assert "maxToolCalls" in over["message"] or "limit" in over["message"].lower(), over
    assert [r.path for r in tool_server.requests(tools.prefix)] == [f"{tools.prefix}/orders/1"]
    over_rec = expect(ws.api.get(tool_call_path(ws, oid, by_order["2"])), 200)
    assert over_rec["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_FAILED"
    assert over_rec["data"]["attempts"] == 0 and over_rec["data"]["error"] == over["message"]
    # the model hears both outcomes, one tool message per call
    msgs = fake_openai.bodies(s.model)[1]["messages"]
    replies = {m["tool_call_id"]: text_of(m["content"]) for m in msgs if m["role"] == "tool"}
    assert len(replies) == 2


# ---- the Anthropic-compatible provider

@pytest.mark.parametrize("family", ["anthropic", "claude"])
def test_http_tool_round_trip_through_anthropic(app, ws, fake_anthropic, fake_openai, tool_server, family):
    s, tools, tool = order_scenario(ws, tool_server, family=family)
    tool_server.on(f"{tools.prefix}/orders/42", body=ORDER_BODY)
    fake_anthropic.script(s.model, [calls_reply([("toolu_01", "create_order", ORDER_ARGS)],
                                                content="Let me place that order."),
                                    text("Order 42 is placed.", prompt_tokens=120, completion_tokens=30)])
    oid = create(ws, s.agent_id, "Order three of item 42, rush")["metadata"]["id"]
    done = wait_status(ws, oid, "COMPLETED")
    evts = events(ws, oid)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_CALLED", "TOOL_RESULT",
                           "ASSISTANT_MESSAGE"], describe(ws, oid)
    asked = payload(evts[1])
    assert asked["content"] == "Let me place that order."
    [call] = asked["toolCalls"]
    assert call["functionName"] == "create_order" and json.loads(call["arguments"]) == ORDER_ARGS
    assert payload(evts[2])["arguments"] == ORDER_ARGS and payload(evts[2])["attempt"] == 1
    assert payload(evts[3])["result"] == {"content": [{"type": "text", "text": {"text": ORDER_BODY}}]}
    assert payload(evts[4]) == {"content": "Order 42 is placed."}
    [seen] = tool_server.requests(tools.prefix)
    assert (seen.method, seen.path, seen.json) == ("POST", f"{tools.prefix}/orders/42", {"quantity": 3, "note": "rush"})
    assert seen.headers["authorization"] == f"Bearer {tools.secret}"
    assert fake_openai.requests(s.model) == []

    reqs = fake_anthropic.requests(s.model)
    assert len(reqs) == 2
    for r in reqs:
        assert r.headers["x-api-key"] == "test-anthropic-key"
        assert r.headers["anthropic-version"]
    first, second = (r.json for r in reqs)
    assert first["model"] == s.model
    assert text_of(first["system"]) == SYSTEM_PROMPT
    assert [m["role"] for m in first["messages"]] == ["user"]
    assert text_of(first["messages"][0]["content"]) == "Order three of item 42, rush"
    offered = {t["name"]: t for t in first["tools"]}
    assert {"create_order", "task_create", "task_update"} <= set(offered)
    assert offered["create_order"]["description"] == ORDER_DESCRIPTION
    assert offered["create_order"]["input_schema"] == ORDER_PARAMS
    roles = [m["role"] for m in second["messages"]]
    assert roles == ["user", "assistant", "user"]
    uses = [b for b in blocks(second["messages"][1]["content"]) if b["type"] == "tool_use"]
    assert len(uses) == 1 and uses[0]["name"] == "create_order" and uses[0]["input"] == ORDER_ARGS
    results = [b for b in blocks(second["messages"][2]["content"]) if b["type"] == "tool_result"]
    assert len(results) == 1 and results[0]["tool_use_id"] == uses[0]["id"]
    assert text_of(results[0]["content"]) == ORDER_BODY

    info = done["info"]
    assert info["totalInputTokens"] == 220 and info["totalCompletionTokens"] == 50
    assert done["contextWindows"][0]["data"]["promptTokens"] == 220
    assert done["contextWindows"][0]["data"]["completionTokens"] == 50
    for body in objective_texts(ws, oid):
        assert tools.secret not in body
    assert tools.secret not in app.component_logs()


# ---- cancel

def test_cancel_during_a_slow_model_call_stops_the_run(ws, fake_openai):
    s = setup_agent(ws)
    fake_openai.script(s.model, [text("too late", delay=3)])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    [req] = wait_for(lambda: fake_openai.requests(s.model), 30, "the model request")
    cancelled = expect(ws.api.post(f"{obj_path(ws, oid)}:cancel", {"reason": "stop"}), 200)
    assert cancelled["metadata"]["id"] == oid
    assert cancelled["status"] == "OBJECTIVE_STATUS_CANCELLED"
    evts = events(ws, oid)
    assert types(evts) == ["USER_MESSAGE", "CANCELLED"], describe(ws, oid)
    assert payload(evts[-1]) == {"message": "stop"}
    # through the delayed answer and a few cron ticks after it: nothing more happens
    remaining = req.at + 3 + 3 - time.monotonic()
    never(lambda: [t for t in types(events(ws, oid)) if t not in ("USER_MESSAGE", "CANCELLED")],
          max(remaining, 3), "events after cancel")
    o = get(ws, oid)
    assert o["status"] == "OBJECTIVE_STATUS_CANCELLED"
    assert types(events(ws, oid)) == ["USER_MESSAGE", "CANCELLED"]
    assert len(fake_openai.requests(s.model)) == 1
    # super-terminal
    expect_error(ws.api.post(f"{obj_path(ws, oid)}:cancel", {"reason": "again"}), 409, "failed_precondition")
    err = expect_error(ws.api.post(f"{obj_path(ws, oid)}:continue", {"message": "and now?"}), 409,
                       "failed_precondition")
    assert "cancel" in err["message"].lower()
    assert types(events(ws, oid)) == ["USER_MESSAGE", "CANCELLED"]


def test_cancel_while_waiting_for_approval(ws, fake_openai, tool_server):
    s, tools, _ = order_scenario(ws, tool_server, requires_approval=True)
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", ORDER_ARGS)])])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "WAITING_FOR_APPROVAL")
    tcid = wait_tool_call(ws, oid, status="TOOL_CALL_STATUS_WAITING_FOR_APPROVAL")["metadata"]["id"]
    # an empty body is fine: the reason is optional
    cancelled = expect(ws.api.post(f"{obj_path(ws, oid)}:cancel"), 200)
    assert cancelled["status"] == "OBJECTIVE_STATUS_CANCELLED"
    last = events(ws, oid)[-1]
    assert etype(last) == "CANCELLED" and payload(last) == {}
    expect_error(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:approve"), 409, "failed_precondition")
    expect_error(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:deny", {"memo": "x"}), 409, "failed_precondition")
    # the approvals inbox drops it (nothing can act on it), the objective's own list keeps its history
    waiting = {"status": "TOOL_CALL_STATUS_WAITING_FOR_APPROVAL"}
    inbox = expect(ws.api.get(f"{ws.path}/tool_calls", params=waiting), 200)
    assert inbox["items"] == [] and inbox["pagination"]["total"] == 0, inbox
    assert [c["metadata"]["id"] for c in tool_calls(ws, oid, **waiting)] == [tcid]
    never(lambda: tool_server.requests(tools.prefix), 2.5, "a cancelled objective's call ran")
    assert get(ws, oid)["status"] == "OBJECTIVE_STATUS_CANCELLED"
    assert len(fake_openai.requests(s.model)) == 1


def test_cancel_bad_input(ws, fake_openai):
    s = setup_agent(ws)
    fake_openai.script(s.model, [text("fine", delay=2)])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_for(lambda: fake_openai.requests(s.model), 30, "the model request")
    expect_error(ws.api.post(f"{obj_path(ws, oid)}:cancel", {"reason": 7}), 400, "validation_error", "reason")
    expect_error(ws.api.post(f"{obj_path(ws, oid)}:cancel", {"why": "x"}), 400, "validation_error", "why")
    expect_error(ws.api.post(f"{obj_path(ws, missing('obj'))}:cancel", {}), 404, "not_found")
    # a dry run changes nothing
    dry = expect(ws.api.post(f"{obj_path(ws, oid)}:cancel", {"reason": "dry"}, params={"dryRun": "true"}), 200)
    assert dry["status"] == "OBJECTIVE_STATUS_CANCELLED"
    done = wait_status(ws, oid, "COMPLETED")
    assert "CANCELLED" not in types(events(ws, oid)) and done["status"] == "OBJECTIVE_STATUS_COMPLETED"


# ---- continue

def test_continue_after_completed_runs_again_with_the_whole_history(ws, fake_openai):
    s = setup_agent(ws)
    fake_openai.script(s.model, [text("first answer"), text("second answer")])
    oid = create(ws, s.agent_id, "first question")["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    event = expect(ws.api.post(f"{obj_path(ws, oid)}:continue", {"message": "and now?"}), 200)
    assert event["metadata"]["id"].startswith("objevt_")
    assert event["data"] == {"type": "OBJECTIVE_EVENT_TYPE_USER_MESSAGE", "userMessage": {"content": "and now?"}}
    assert get(ws, oid)["status"] != "OBJECTIVE_STATUS_COMPLETED" or len(events(ws, oid)) == 4
    wait_for(lambda: get(ws, oid)["status"] == "OBJECTIVE_STATUS_COMPLETED" and len(events(ws, oid)) == 4, 30,
             lambda: describe(ws, oid))
    evts = events(ws, oid)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "USER_MESSAGE", "ASSISTANT_MESSAGE"]
    assert evts[2]["metadata"]["id"] == event["metadata"]["id"]
    assert [payload(e) for e in evts] == [{"content": "first question"}, {"content": "first answer"},
                                          {"content": "and now?"}, {"content": "second answer"}]
    first, second = fake_openai.bodies(s.model)
    msgs = second["messages"]
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user"]
    assert msgs[0]["content"] == SYSTEM_PROMPT
    assert text_of(msgs[1]["content"]) == "first question"
    assert text_of(msgs[2]["content"]) == "first answer"
    assert text_of(msgs[3]["content"]) == "and now?"
    o = get(ws, oid)
    assert o["info"]["totalInputTokens"] == 200 and o["info"]["totalEvents"] == 4
    # and once more, through the short route form
    expect(ws.api.post(f"/v1/objectives/{oid}:continue", {"message": "thanks"}), 200)
    wait_for(lambda: len(events(ws, oid)) == 6 and get(ws, oid)["status"] == "OBJECTIVE_STATUS_COMPLETED", 30,
             lambda: describe(ws, oid))
    assert payload(events(ws, oid)[-1]) == {"content": "done"}


def test_continue_is_refused_while_running_and_checks_its_body(ws, fake_openai):
    s = setup_agent(ws)
    fake_openai.script(s.model, [text("slow answer", delay=3)])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_for(lambda: fake_openai.requests(s.model), 30, "the model request")
    assert get(ws, oid)["status"] == "OBJECTIVE_STATUS_RUNNING"
    expect_error(ws.api.post(f"{obj_path(ws, oid)}:continue", {"message": "hello?"}), 409, "failed_precondition")
    wait_status(ws, oid, "COMPLETED")
    expect_error(ws.api.post(f"{obj_path(ws, oid)}:continue", {}), 400, "validation_error", "message")
    expect_error(ws.api.post(f"{obj_path(ws, oid)}:continue"), 400, "validation_error")
    expect_error(ws.api.post(f"{obj_path(ws, oid)}:continue", {"message": 5}), 400, "validation_error", "message")
    expect_error(ws.api.post(f"{obj_path(ws, oid)}:continue", {"message": "x", "extra": 1}), 400,
                 "validation_error", "extra")
    expect_error(ws.api.post(f"{obj_path(ws, oid)}:continue", {"message": "x" * 100_001}), 400,
                 "validation_error", "message")
    expect_error(ws.api.post(f"{obj_path(ws, missing('obj'))}:continue", {"message": "x"}), 404, "not_found")
    assert types(events(ws, oid)) == ["USER_MESSAGE", "ASSISTANT_MESSAGE"]
    assert len(fake_openai.requests(s.model)) == 1


# ---- lists

def test_list_filters(ws, fake_openai):
    a = setup_agent(ws, name="a")
    b = setup_agent(ws, name="b")
    oa = create(ws, a.agent_id, metadata={"labels": {"team": "red"}})["metadata"]["id"]
    ob = create(ws, b.agent_id, metadata={"labels": {"team": "blue"}})["metadata"]["id"]
    wait_status(ws, oa, "COMPLETED")
    wait_status(ws, ob, "COMPLETED")
    ids = lambda **q: [o["metadata"]["id"] for o in expect(ws.api.get(objectives_path(ws), params=q), 200)["items"]]
    assert ids() == [ob, oa]
    assert ids(sortOrder="asc") == [oa, ob]
    assert ids(agentId=a.agent_id) == [oa]
    assert ids(agentId=b.agent_id) == [ob]
    assert ids(status="OBJECTIVE_STATUS_COMPLETED") == [ob, oa]
    assert ids(status="OBJECTIVE_STATUS_FAILED") == []
    assert ids(labels="team=blue") == [ob]
    assert ids(agentId=missing("agent")) == []
    page = expect(ws.api.get(objectives_path(ws), params={"limit": 1}), 200)
    assert page["pagination"]["total"] == 2 and len(page["items"]) == 1 and page["pagination"]["nextCursor"]
    with_info = expect(ws.api.get(objectives_path(ws), params={"includeInfo": "true"}), 200)["items"]
    assert all(o["info"]["totalEvents"] == 2 for o in with_info)
    expect_error(ws.api.get(objectives_path(ws), params={"status": "DONE"}), 400, "validation_error", "status")
    expect_error(ws.api.get(objectives_path(ws), params={"agentId": "agentvar_x"}), 400, "validation_error",
                 "agentId")
    expect_error(ws.api.get(objectives_path(ws), params={"colour": "red"}), 400, "validation_error", "colour")
    expect_error(ws.api.get(objectives_path(ws), params={"dryRun": "true"}), 400, "validation_error", "dryRun")


# ---- MCP tools

def test_mcp_tool_set_runs_through_tools_call(ws, fake_openai, mcp_server):
    server = mcp_server()
    s = setup_agent(ws)
    sid = expect(ws.api.post(f"{ws.path}/tool_sets", {"metadata": {"name": "mcp"},
                 "spec": {"adapter": {"type": "mcp", "mcp": {"url": server.url}}}}), 201)["metadata"]["id"]
    expect(ws.api.post(f"{ws.path}/tool_sets/{sid}:sync"), 200)
    s.assign({"toolSetId": sid})
    fake_openai.script(s.model, [calls_reply([("c1", "add", {"a": 2, "b": 40})]), text("It is 42.")])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    evts = events(ws, oid)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_CALLED", "TOOL_RESULT", "ASSISTANT_MESSAGE"]
    called = payload(evts[2])
    assert called["arguments"] == {"a": 2, "b": 40}
    assert called["tool"]["type"] == "tool" and called["tool"]["tool"]["name"] == "add"
    assert payload(evts[3])["result"] == {"content": [{"type": "text", "text": {"text": "42"}}]}
    # the model offered the synced tools beside the built-ins, and got the result back
    first, second = fake_openai.bodies(s.model)
    offered = {t["function"]["name"] for t in first["tools"]}
    assert offered == {"get_weather", "add", "search_docs", "task_create", "task_update"}
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": payload(evts[3])["toolCallId"], "content": "42"}
