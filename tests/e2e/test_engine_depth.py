"""The engine in depth (issue 7): sub-agents, structured output, memory (stacked and episodic),
context-window compaction (automatic and `:compact`), MCP tool errors, and the objective event
stream (`…/events:stream`, server-sent events) — all against the fake model provider."""

from __future__ import annotations

import json
import time

import pytest
import requests

import builders
from agentloop import (PROMPT, PUBLISHED, SYSTEM_PROMPT, WEIGHTED, Setup, bare_tool, create, describe, etype,
                       events, final_error, get, http_tool, http_tool_set, model_name, never, new_variation,
                       obj_path, objectives_path, of_type, openai_tool, openai_tool_names, payload, text_of,
                       tool_call_path, tool_calls, types, uid, wait_for, wait_status, wait_tool_call)
from builders import missing
from client import expect, expect_error
from fakes import text, tool_calls as calls_reply

CHILD_PROMPT = "You are a focused helper."
CLEARED = "[result cleared]"
TASK_TOOLS = {"task_create", "task_update"}


# ---------------------------------------------------------------- helpers


def agent_setup(ws, name: str, *, prompt: str = CHILD_PROMPT, agent_spec: dict | None = None,
                variation: dict | None = None, model_id: str | None = None) -> Setup:
    """A published agent (weighted selection) with one variation on `openai/<a fresh model name>`
    (a name no context-length table knows, so 128000 tokens); `agent_spec` / `variation` add spec fields."""
    model = model_name("depth-test")
    model_id = model_id or f"openai/{model}"
    spec = {"status": PUBLISHED, "variationSelectionMode": WEIGHTED, **(agent_spec or {})}
    agent = expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": name}, "spec": spec}), 201)
    vspec = {"prompt": prompt, "modelConfig": {"modelId": model_id}, "weight": 1, **(variation or {})}
    var = new_variation(ws, agent["metadata"]["id"], f"{name}-v", vspec)
    return Setup(ws, agent, var, model, model_id)


def children(ws, parent_id: str) -> list[dict]:
    page = expect(ws.api.get(objectives_path(ws), params={"parentObjectiveId": parent_id}), 200)
    return page["items"]


def wait_children(ws, parent_id: str, n: int) -> list[dict]:
    def check():
        found = children(ws, parent_id)
        return found if len(found) == n else None
    return wait_for(check, 30, lambda: f"{n} children of {describe(ws, parent_id)}")


def result_text(text_: str) -> dict:
    """A TOOL_RESULT's `result` holding one text block."""
    return {"content": [{"type": "text", "text": {"text": text_}}]}


def tool_messages(request_body: dict) -> dict[str, str]:
    """An OpenAI request's tool messages as {function name of the call: text}, via the assistant's calls."""
    names = {}
    for m in request_body["messages"]:
        for call in m.get("tool_calls") or []:
            names[call["id"]] = call["function"]["name"]
    out = {}
    for m in request_body["messages"]:
        if m["role"] == "tool":
            out.setdefault(names[m["tool_call_id"]], []).append(text_of(m["content"]))
    return {k: v[0] if len(v) == 1 else v for k, v in out.items()}


def call_ids(evts: list[dict]) -> dict[str, dict]:
    """{recorded toolCallId: the ASSISTANT_MESSAGE's call} for every call the model made."""
    out = {}
    for asked in of_type(evts, "ASSISTANT_MESSAGE"):
        for call in asked.get("toolCalls", []):
            out[call["toolCallId"]] = call
    return out


def agent_ref(s: Setup) -> dict:
    return {"id": s.agent_id, "name": s.agent["metadata"]["name"]}


def callee(s: Setup) -> dict:
    """How a call names a sub-agent: CallableTool `agent`, its whole metadata at the parent's start."""
    return {"type": "agent", "agent": s.agent["metadata"]}


def assert_prompt_schema(params: dict) -> None:
    """The default parameters of a sub-agent without inputDataSchema: {prompt: string}, required."""
    assert params["type"] == "object", params
    assert set(params["properties"]) == {"prompt"}, params
    assert params["properties"]["prompt"]["type"] == "string", params
    assert params["required"] == ["prompt"], params


# ---------------------------------------------------------------- 1. sub-agents


def test_two_sub_agents_in_one_turn_run_and_the_parent_waits_for_both(ws, fake_openai):
    parent = agent_setup(ws, "lead", prompt=PROMPT)
    researcher = agent_setup(ws, "researcher")
    writer = agent_setup(ws, "writer")
    parent.assign({"agentId": researcher.agent_id})
    parent.assign({"agentId": writer.agent_id})
    # the writer is held up by a bare tool until the test gives it content
    hold = bare_tool(ws, "count_stock")
    writer.assign({"toolId": hold["metadata"]["id"]})

    fake_openai.script(parent.model, [
        calls_reply([("c1", "researcher", {"prompt": "find facts"}), ("c2", "writer", {"prompt": "write a draft"})]),
        text("Both are done."),
    ])
    fake_openai.script(researcher.model, [text("Research: the sky is blue")])
    fake_openai.script(writer.model, [calls_reply([("w1", "count_stock", {"sku": "A-1"})]), text("Draft: blue sky")])

    pid = create(ws, parent.agent_id, "Research and write")["metadata"]["id"]
    wait_status(ws, pid, "WAITING_FOR_SUB_OBJECTIVES")
    kids = {c["data"]["agent"]["metadata"]["id"]: c for c in wait_children(ws, pid, 2)}
    assert set(kids) == {researcher.agent_id, writer.agent_id}
    r_id = kids[researcher.agent_id]["metadata"]["id"]
    w_id = kids[writer.agent_id]["metadata"]["id"]
    assert kids[researcher.agent_id]["data"]["parentObjectiveId"] == pid
    assert kids[writer.agent_id]["data"]["parentObjectiveId"] == pid
    assert kids[researcher.agent_id]["data"]["initialMessage"] == "find facts"
    assert kids[writer.agent_id]["data"]["initialMessage"] == "write a draft"
    assert kids[researcher.agent_id]["data"]["systemPrompt"] == CHILD_PROMPT

    # the researcher ends; the writer waits for content; the parent keeps waiting for it
    wait_status(ws, r_id, "COMPLETED")
    w_call = wait_tool_call(ws, w_id, executionStatus="TOOL_CALL_EXECUTION_STATUS_WAITING_FOR_CONTENT")
    wait_for(lambda: of_type(events(ws, pid), "SUB_AGENT_UPDATED"), 30,
             lambda: f"the researcher's SUB_AGENT_UPDATED: {describe(ws, pid)}")
    never(lambda: len(fake_openai.requests(parent.model)) != 1, 2.5,
          "the parent called its model before both sub-agents ended")
    assert get(ws, pid)["status"] == "OBJECTIVE_STATUS_WAITING_FOR_SUB_OBJECTIVES"
    [only_update] = of_type(events(ws, pid), "SUB_AGENT_UPDATED")
    assert only_update["objective"]["id"] == r_id
    by_name = {c["data"]["functionName"]: c for c in tool_calls(ws, pid)}
    assert set(by_name) == {"researcher", "writer"}
    assert by_name["writer"]["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_RUNNING"
    assert by_name["writer"]["data"]["callable"] == callee(writer)

    expect(ws.api.post(f"{tool_call_path(ws, w_id, w_call['metadata']['id'])}:setContent", {"content": "7"}), 200)
    wait_status(ws, w_id, "COMPLETED")
    wait_status(ws, pid, "COMPLETED")

    evts = events(ws, pid)
    t = types(evts)
    assert t[:2] == ["USER_MESSAGE", "ASSISTANT_MESSAGE"], describe(ws, pid)
    assert sorted(t[2:6]) == ["SUB_AGENT_SPAWNED", "SUB_AGENT_SPAWNED", "TOOL_CALLED", "TOOL_CALLED"], t
    assert t[6:] == ["SUB_AGENT_UPDATED", "TOOL_RESULT", "SUB_AGENT_UPDATED", "TOOL_RESULT", "ASSISTANT_MESSAGE"], t
    calls = call_ids(evts)
    tcid = {c["functionName"]: i for i, c in calls.items()}
    assert set(tcid) == {"researcher", "writer"}

    # TOOL_CALLED names the agent; its SUB_AGENT_SPAWNED comes after it
    for child, oid, task in [(researcher, r_id, "find facts"), (writer, w_id, "write a draft")]:
        name = child.agent["metadata"]["name"]
        [called_i] = [i for i in range(2, 6) if t[i] == "TOOL_CALLED" and payload(evts[i])["toolCallId"] == tcid[name]]
        called = payload(evts[called_i])
        assert called["tool"] == callee(child), called
        assert called["arguments"] == {"prompt": task}
        [spawned_i] = [i for i in range(2, 6) if t[i] == "SUB_AGENT_SPAWNED"
                       and payload(evts[i])["agent"]["id"] == child.agent_id]
        assert called_i < spawned_i, t
        spawned = payload(evts[spawned_i])
        assert spawned["agent"]["name"] == name
        assert spawned["objective"]["id"] == oid
        assert spawned["task"] == task

    r_upd, r_res, w_upd, w_res = (payload(e) for e in evts[6:10])
    assert r_upd["agent"] == agent_ref(researcher) and r_upd["objective"]["id"] == r_id
    assert r_upd["status"] == "STATUS_COMPLETED" and r_upd["message"] == "Research: the sky is blue"
    assert r_res == {"toolCallId": tcid["researcher"], "result": result_text("Research: the sky is blue")}
    assert w_upd["agent"] == agent_ref(writer) and w_upd["objective"]["id"] == w_id
    assert w_upd["status"] == "STATUS_COMPLETED" and w_upd["message"] == "Draft: blue sky"
    assert w_res == {"toolCallId": tcid["writer"], "result": result_text("Draft: blue sky")}
    assert payload(evts[-1]) == {"content": "Both are done."}

    # what the parent's model was offered, and what it got back in one request
    first, second = fake_openai.bodies(parent.model)
    assert set(openai_tool_names(first)) == {"researcher", "writer"} | TASK_TOOLS
    for name in ("researcher", "writer"):
        assert_prompt_schema(openai_tool(first, name)["function"]["parameters"])
    assert [m["role"] for m in second["messages"]] == ["system", "user", "assistant", "tool", "tool"]
    assert tool_messages(second) == {"researcher": "Research: the sky is blue", "writer": "Draft: blue sky"}
    recs = {c["data"]["functionName"]: c for c in tool_calls(ws, pid)}
    assert recs["researcher"]["data"]["callable"] == callee(researcher)
    assert all(c["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_COMPLETED" for c in recs.values()), recs


def test_a_sub_agent_with_an_input_schema_gets_the_arguments_as_data(ws, fake_openai):
    schema = {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
              "required": ["city"]}
    parent = agent_setup(ws, "planner", prompt=PROMPT)
    child = agent_setup(ws, "Weather Bot", prompt="You forecast for {{ city }}.",
                        agent_spec={"inputDataSchema": schema})
    parent.assign({"agentId": child.agent_id})
    args = {"city": "Oslo", "days": 3}
    compact = '{"city":"Oslo","days":3}'
    fake_openai.script(parent.model, [calls_reply([("c1", "weather_bot", args)]), text("Pack an umbrella.")])
    fake_openai.script(child.model, [text("Rain for 3 days")])
    pid = create(ws, parent.agent_id)["metadata"]["id"]
    wait_status(ws, pid, "COMPLETED")

    [kid] = children(ws, pid)
    assert kid["status"] == "OBJECTIVE_STATUS_COMPLETED"
    assert kid["data"]["data"] == args
    assert kid["data"]["initialMessage"] == compact
    assert kid["data"]["systemPrompt"] == "You forecast for Oslo."
    assert kid["data"]["parentObjectiveId"] == pid
    # the child's model got the compact JSON as the user message
    [child_req] = fake_openai.bodies(child.model)
    assert child_req["messages"] == [{"role": "system", "content": "You forecast for Oslo."},
                                     {"role": "user", "content": compact}]

    evts = events(ws, pid)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_CALLED", "SUB_AGENT_SPAWNED",
                           "SUB_AGENT_UPDATED", "TOOL_RESULT", "ASSISTANT_MESSAGE"], describe(ws, pid)
    called, spawned, updated, result = (payload(e) for e in evts[2:6])
    assert called["tool"] == callee(child) and called["tool"]["agent"]["name"] == "Weather Bot"
    assert called["arguments"] == args
    assert spawned["task"] == compact and spawned["objective"]["id"] == kid["metadata"]["id"]
    assert updated["status"] == "STATUS_COMPLETED" and updated["message"] == "Rain for 3 days"
    assert result["result"] == result_text("Rain for 3 days")

    first = fake_openai.bodies(parent.model)[0]
    assert set(openai_tool_names(first)) == {"weather_bot"} | TASK_TOOLS
    assert openai_tool(first, "weather_bot")["function"]["parameters"] == schema


def test_a_finalized_sub_agent_returns_its_output_as_compact_json(ws, fake_openai):
    output_def = {"type": "object", "properties": {"verdict": {"type": "string"}}, "required": ["verdict"]}
    parent = agent_setup(ws, "judge-lead", prompt=PROMPT)
    child = agent_setup(ws, "judge", agent_spec={"outputDefinition": output_def})
    parent.assign({"agentId": child.agent_id})
    fake_openai.script(parent.model, [calls_reply([("c1", "judge", {"prompt": "rule on it"})]), text("Ruled.")])
    fake_openai.script(child.model, [calls_reply([("o1", "submit_output", {"verdict": "guilty"})])])
    pid = create(ws, parent.agent_id)["metadata"]["id"]
    wait_status(ws, pid, "COMPLETED")
    [kid] = children(ws, pid)
    assert kid["status"] == "OBJECTIVE_STATUS_FINALIZED"
    assert kid["data"]["output"] == {"verdict": "guilty"}
    [updated] = of_type(events(ws, pid), "SUB_AGENT_UPDATED")
    assert updated["status"] == "STATUS_COMPLETED"
    assert updated["message"] == '{"verdict":"guilty"}'
    [result] = of_type(events(ws, pid), "TOOL_RESULT")
    assert result["result"] == result_text('{"verdict":"guilty"}')
    assert tool_messages(fake_openai.bodies(parent.model)[1]) == {"judge": '{"verdict":"guilty"}'}


def test_max_sub_objectives_turns_a_further_call_into_a_tool_error(ws, fake_openai):
    parent = agent_setup(ws, "boss", prompt=PROMPT, variation={"constraints": {"maxSubObjectives": 1}})
    helper = agent_setup(ws, "helper")
    parent.assign({"agentId": helper.agent_id})
    fake_openai.script(parent.model, [
        calls_reply([("c1", "helper", {"prompt": "first job"}), ("c2", "helper", {"prompt": "second job"})]),
        text("Only one ran."),
    ])
    fake_openai.script(helper.model, [text("first job done")])
    pid = create(ws, parent.agent_id)["metadata"]["id"]
    wait_status(ws, pid, "COMPLETED")

    [kid] = children(ws, pid)
    assert kid["data"]["initialMessage"] == "first job"
    evts = events(ws, pid)
    by_prompt = {json.loads(c["arguments"])["prompt"]: i for i, c in call_ids(evts).items()}
    assert of_type(evts, "SUB_AGENT_SPAWNED")[0]["objective"]["id"] == kid["metadata"]["id"]
    assert len(of_type(evts, "SUB_AGENT_SPAWNED")) == 1, describe(ws, pid)
    [over] = of_type(evts, "TOOL_ERROR")
    assert over["toolCallId"] == by_prompt["second job"]
    assert "maxSubObjectives" in over["message"], over
    [result] = of_type(evts, "TOOL_RESULT")
    assert result == {"toolCallId": by_prompt["first job"], "result": result_text("first job done")}
    assert payload(evts[-1]) == {"content": "Only one ran."}
    assert len(fake_openai.requests(helper.model)) == 1
    second = fake_openai.bodies(parent.model)[1]
    texts = [text_of(m["content"]) for m in second["messages"] if m["role"] == "tool"]
    assert len(texts) == 2 and "first job done" in texts and any("maxSubObjectives" in x for x in texts), texts


def test_cancelling_the_parent_cancels_a_waiting_child(ws, fake_openai):
    parent = agent_setup(ws, "lead", prompt=PROMPT)
    child = agent_setup(ws, "cautious")
    parent.assign({"agentId": child.agent_id})
    risky = bare_tool(ws, "risky_op", requires_approval=True)
    child.assign({"toolId": risky["metadata"]["id"]})
    fake_openai.script(parent.model, [calls_reply([("c1", "cautious", {"prompt": "do the risky thing"})])])
    fake_openai.script(child.model, [calls_reply([("k1", "risky_op", {"sku": "X"})])])
    pid = create(ws, parent.agent_id)["metadata"]["id"]
    wait_status(ws, pid, "WAITING_FOR_SUB_OBJECTIVES")
    [kid] = wait_children(ws, pid, 1)
    kid_id = kid["metadata"]["id"]
    wait_status(ws, kid_id, "WAITING_FOR_APPROVAL")
    k_call = wait_tool_call(ws, kid_id, status="TOOL_CALL_STATUS_WAITING_FOR_APPROVAL")

    cancelled = expect(ws.api.post(f"{obj_path(ws, pid)}:cancel", {"reason": "abort"}), 200)
    assert cancelled["status"] == "OBJECTIVE_STATUS_CANCELLED"
    assert "CANCELLED" in types(events(ws, pid))
    wait_status(ws, kid_id, "CANCELLED")
    kid_events = events(ws, kid_id)
    assert types(kid_events).count("CANCELLED") == 1, describe(ws, kid_id)
    assert etype(kid_events[-1]) == "CANCELLED", describe(ws, kid_id)
    expect_error(ws.api.post(f"{tool_call_path(ws, kid_id, k_call['metadata']['id'])}:approve"), 409,
                 "failed_precondition")
    never(lambda: len(fake_openai.requests(parent.model)) != 1 or len(fake_openai.requests(child.model)) != 1,
          2.5, "a cancelled objective called its model again")
    assert get(ws, pid)["status"] == "OBJECTIVE_STATUS_CANCELLED"
    assert get(ws, kid_id)["status"] == "OBJECTIVE_STATUS_CANCELLED"
    # a cancelled objective cannot be compacted
    expect_error(ws.api.post(f"{obj_path(ws, pid)}:compact", {}), 409, "failed_precondition")


def test_a_failed_sub_agent_is_a_tool_error_for_the_parent(ws, fake_openai, fake_anthropic):
    parent = agent_setup(ws, "lead", prompt=PROMPT)
    flaky = agent_setup(ws, "flaky", model_id="mistral/x")  # an unknown family fails at once
    parent.assign({"agentId": flaky.agent_id})
    fake_openai.script(parent.model, [calls_reply([("c1", "flaky", {"prompt": "try it"})]), text("It failed.")])
    pid = create(ws, parent.agent_id)["metadata"]["id"]
    wait_status(ws, pid, "COMPLETED", timeout=60)
    [kid] = children(ws, pid)
    assert kid["status"] == "OBJECTIVE_STATUS_FAILED"
    evts = events(ws, pid)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_CALLED", "SUB_AGENT_SPAWNED",
                           "SUB_AGENT_UPDATED", "TOOL_ERROR", "ASSISTANT_MESSAGE"], describe(ws, pid)
    updated, err = payload(evts[4]), payload(evts[5])
    assert updated["agent"] == agent_ref(flaky) and updated["objective"]["id"] == kid["metadata"]["id"]
    assert updated["status"] == "STATUS_FAILED"
    assert "failed" in err["message"], err
    assert updated["message"] == err["message"]
    assert err["toolCallId"] == payload(evts[2])["toolCallId"]
    [rec] = tool_calls(ws, pid)
    assert rec["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_FAILED"
    assert "failed" in tool_messages(fake_openai.bodies(parent.model)[1])["flaky"]


# ---------------------------------------------------------------- 2. structured output

OUTPUT_DEF = {"type": "object", "properties": {"answer": {"type": "string"}, "score": {"type": "integer"}},
              "required": ["answer", "score"]}


def test_submit_output_is_validated_then_finalizes(ws, fake_openai):
    s = agent_setup(ws, "grader", prompt=PROMPT, agent_spec={"outputDefinition": OUTPUT_DEF})
    good = {"answer": "yes", "score": 7}
    fake_openai.script(s.model, [calls_reply([("o1", "submit_output", {"answer": "yes", "score": "high"})]),
                                 calls_reply([("o2", "submit_output", good)])])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    done = wait_status(ws, oid, "FINALIZED")
    assert done["data"]["output"] == good
    evts = events(ws, oid)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_CALLED", "TOOL_ERROR", "ASSISTANT_MESSAGE",
                           "TOOL_CALLED", "TOOL_RESULT", "FINALIZED"], describe(ws, oid)
    bad_err = payload(evts[3])
    assert bad_err["message"].startswith("the output does not match the outputDefinition"), bad_err
    assert "score" in bad_err["message"], bad_err
    assert payload(evts[5])["arguments"] == good
    assert payload(evts[6])["result"] == result_text("Output accepted.")
    assert payload(evts[7]) == {"output": good}

    reqs = fake_openai.bodies(s.model)
    assert len(reqs) == 2
    assert set(openai_tool_names(reqs[0])) == {"submit_output"} | TASK_TOOLS
    assert openai_tool(reqs[0], "submit_output")["function"]["parameters"] == OUTPUT_DEF
    # tool errors reach the model prefixed with "Error: "
    assert tool_messages(reqs[1])["submit_output"].startswith("Error: the output does not match the outputDefinition")
    never(lambda: len(fake_openai.requests(s.model)) != 2, 1.5, "a finalized objective called its model")

    err = expect_error(ws.api.post(f"{obj_path(ws, oid)}:continue", {"message": "more?"}), 409,
                       "failed_precondition")
    assert err["message"]
    expect_error(ws.api.post(f"{obj_path(ws, oid)}:compact", {}), 409, "failed_precondition")
    assert get(ws, oid)["status"] == "OBJECTIVE_STATUS_FINALIZED"


def test_a_text_answer_gets_one_reminder_then_fails_output_missing(ws, fake_openai):
    s = agent_setup(ws, "grader", prompt=PROMPT, agent_spec={"outputDefinition": OUTPUT_DEF})
    fake_openai.script(s.model, [text("I think yes."), text("Still yes.")])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    o, err = final_error(ws, oid)
    assert err["type"] == "output_missing", err
    assert "submit_output" in o["statusMessage"], o["statusMessage"]
    evts = events(ws, oid)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "USER_MESSAGE", "ASSISTANT_MESSAGE", "ERROR"], \
        describe(ws, oid)
    reminder = payload(evts[2])["content"]
    assert reminder.startswith("You have not submitted your output"), reminder
    reqs = fake_openai.bodies(s.model)
    assert len(reqs) == 2
    last = reqs[1]["messages"][-1]
    assert last["role"] == "user" and text_of(last["content"]) == reminder


def test_three_invalid_submissions_fail_output_validation(ws, fake_openai):
    s = agent_setup(ws, "grader", prompt=PROMPT, agent_spec={"outputDefinition": OUTPUT_DEF})
    bad = [{"answer": "a"}, {"answer": 1, "score": 1}, {"score": "x", "answer": "b"}]
    fake_openai.script(s.model, [calls_reply([(f"o{i}", "submit_output", b)]) for i, b in enumerate(bad)]
                       + [calls_reply([("o9", "submit_output", {"answer": "late", "score": 1})])])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    _, err = final_error(ws, oid)
    assert err["type"] == "output_validation", err
    t = types(events(ws, oid))
    assert t[:9] == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_CALLED", "TOOL_ERROR", "ASSISTANT_MESSAGE",
                     "TOOL_CALLED", "TOOL_ERROR", "ASSISTANT_MESSAGE", "TOOL_CALLED"], describe(ws, oid)
    assert t[9:] in (["ERROR"], ["TOOL_ERROR", "ERROR"]), describe(ws, oid)
    assert "FINALIZED" not in t
    assert len(fake_openai.requests(s.model)) == 3
    assert "output" not in get(ws, oid)["data"]


# ---------------------------------------------------------------- 3. memory


def read_script(*keys: str, final: str = "ok") -> list:
    """One memory_read per turn, then a final answer."""
    return [calls_reply([(f"m{i}", "memory_read", {"key": k})]) for i, k in enumerate(keys)] + [text(final)]


def read_turns(evts: list[dict]) -> list[tuple[list[str], dict | None, dict]]:
    """Per memory_read turn: (event types from TOOL_CALLED to TOOL_RESULT, MEMORY_READ payload or None, TOOL_RESULT)."""
    out = []
    i = 0
    while i < len(evts):
        if etype(evts[i]) == "TOOL_CALLED":
            j = i
            while etype(evts[j]) != "TOOL_RESULT":
                j += 1
            chunk = evts[i:j + 1]
            reads = [payload(e) for e in chunk if etype(e) == "MEMORY_READ"]
            out.append((types(chunk), reads[0] if reads else None, payload(evts[j])))
            i = j
        i += 1
    return out


def test_memory_read_resolves_top_down_through_the_stack(ws, fake_openai):
    s = agent_setup(ws, "memo", prompt=PROMPT)
    l1 = builders.new_layer(ws, "L1")["metadata"]["id"]
    builders.attach(ws, s.vpath, l1, position=0)
    ext = f"l2-{uid()}"
    l2 = builders.new_layer(ws, "L2", externalId=ext)["metadata"]["id"]
    builders.new_entry(ws, l1, "tone", "formal, from L1")
    greeting = builders.new_entry(ws, l1, "greeting", "Good day, from L1")["metadata"]["id"]
    tone2 = builders.new_entry(ws, l2, "tone", "casual, from L2")["metadata"]["id"]
    fake_openai.script(s.model, read_script("tone", "greeting", "nope", final="Read all."))

    created = create(ws, s.agent_id, memoryStack=[{"memoryLayerId": f"external_id:{ext}"}])
    oid = created["metadata"]["id"]
    stack = [{"memoryLayerId": l1}, {"memoryLayerId": l2}]
    assert created["info"]["effectiveMemoryStack"] == stack
    done = wait_status(ws, oid, "COMPLETED")
    assert done["info"]["effectiveMemoryStack"] == stack

    evts = events(ws, oid)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_CALLED", "MEMORY_READ", "TOOL_RESULT",
                           "ASSISTANT_MESSAGE", "TOOL_CALLED", "MEMORY_READ", "TOOL_RESULT",
                           "ASSISTANT_MESSAGE", "TOOL_CALLED", "TOOL_RESULT", "ASSISTANT_MESSAGE"], describe(ws, oid)
    (_, tone_read, tone_res), (_, greet_read, greet_res), (_, miss_read, miss_res) = read_turns(evts)
    # "tone" is in both layers: the top one (L2, pushed at create) wins
    assert tone_read["memoryEntryId"] == tone2 and tone_read["memoryLayerId"] == l2
    assert isinstance(tone_read["message"], str) and tone_read["message"]
    assert tone_res["result"] == result_text("casual, from L2")
    # "greeting" is only in L1
    assert greet_read["memoryEntryId"] == greeting and greet_read["memoryLayerId"] == l1
    assert greet_res["result"] == result_text("Good day, from L1")
    # a miss: a plain result, no MEMORY_READ
    assert miss_read is None
    assert miss_res["result"] == result_text("No memory entry has the key `nope`.")

    first = fake_openai.bodies(s.model)[0]
    assert set(openai_tool_names(first)) == {"memory_read"} | TASK_TOOLS, "no memory_write without episodic memory"
    params = openai_tool(first, "memory_read")["function"]["parameters"]
    assert params["type"] == "object" and params["properties"]["key"]["type"] == "string"
    assert params["required"] == ["key"]
    assert tool_messages(fake_openai.bodies(s.model)[1]) == {"memory_read": "casual, from L2"}


def test_a_pinned_entry_hides_the_rest_of_its_layer(ws, fake_openai):
    s = agent_setup(ws, "memo", prompt=PROMPT)
    l1 = builders.new_layer(ws, "L1")["metadata"]["id"]
    builders.attach(ws, s.vpath, l1, position=0)
    l2 = builders.new_layer(ws, "L2")["metadata"]["id"]
    tone1 = builders.new_entry(ws, l1, "tone", "formal, from L1")["metadata"]["id"]
    builders.new_entry(ws, l2, "tone", "casual, from L2")
    builders.new_entry(ws, l2, "motto", "not pinned")
    fact_ext = f"fact-{uid()}"
    fact = expect(ws.api.post(builders.entries_path(ws, l2), {"metadata": {"name": "fact", "externalId": fact_ext},
                                                             "spec": {"key": "fact", "content": "the pinned fact"}}),
                  201)["metadata"]["id"]
    fake_openai.script(s.model, read_script("tone", "fact", "motto"))
    created = create(ws, s.agent_id, memoryStack=[{"memoryLayerId": l2, "memoryEntryId": f"external_id:{fact_ext}"}])
    oid = created["metadata"]["id"]
    assert created["info"]["effectiveMemoryStack"] == [{"memoryLayerId": l1},
                                                        {"memoryLayerId": l2, "memoryEntryId": fact}]
    wait_status(ws, oid, "COMPLETED")
    (_, tone_read, tone_res), (_, fact_read, fact_res), (_, motto_read, motto_res) = read_turns(events(ws, oid))
    # L2 is pinned to "fact": its "tone" is hidden, so L1's shows through
    assert (tone_read["memoryLayerId"], tone_read["memoryEntryId"]) == (l1, tone1)
    assert tone_res["result"] == result_text("formal, from L1")
    assert (fact_read["memoryLayerId"], fact_read["memoryEntryId"]) == (l2, fact)
    assert fact_res["result"] == result_text("the pinned fact")
    assert motto_read is None
    assert motto_res["result"] == result_text("No memory entry has the key `motto`.")


EPISODIC_TTL = 8


def test_episodic_memory_is_shared_per_key_and_expires(ws, fake_openai):
    s = agent_setup(ws, "concierge", prompt=PROMPT,
                    variation={"enableEpisodicMemory": True, "episodicMemoryTtl": EPISODIC_TTL})

    # 1: writes under key cust-42
    fake_openai.script(s.model, [calls_reply([("w1", "memory_write", {"key": "pref", "content": "prefers email"})]),
                                 text("Noted.")])
    o1 = create(ws, s.agent_id, episodicKey="cust-42")["metadata"]["id"]
    done1 = wait_status(ws, o1, "COMPLETED")
    reqs = fake_openai.requests(s.model)
    assert len(reqs) == 2
    write_lo, write_hi = reqs[0].replied_at, reqs[1].at  # the write happened between these
    evts = events(ws, o1)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_CALLED", "TOOL_RESULT", "ASSISTANT_MESSAGE"], \
        describe(ws, o1)
    assert payload(evts[3])["result"] == result_text("Saved `pref`.")
    first = reqs[0].json
    assert set(openai_tool_names(first)) == {"memory_read", "memory_write"} | TASK_TOOLS
    wparams = openai_tool(first, "memory_write")["function"]["parameters"]
    assert set(wparams["properties"]) == {"key", "content"} and sorted(wparams["required"]) == ["content", "key"]
    stack = done1["info"]["effectiveMemoryStack"]
    episodic = stack[-1]["memoryLayerId"]
    assert stack == [{"memoryLayerId": episodic}]
    layer = expect(ws.api.get(f"{ws.path}/memory_layers/{episodic}"), 200)
    assert layer["spec"]["type"] == "MEMORY_LAYER_TYPE_EPISODIC"
    assert layer["spec"]["systemManaged"] is True
    assert layer["spec"]["episodicKey"] == "cust-42"
    assert layer["spec"]["agentId"] == s.agent_id

    # 2: the same key reads it from the same episodic layer
    fake_openai.script(s.model, read_script("pref", final="Email it is."))
    o2 = create(ws, s.agent_id, episodicKey="cust-42")["metadata"]["id"]
    done2 = wait_status(ws, o2, "COMPLETED")
    read_hi = fake_openai.requests(s.model)[3].at
    assert read_hi - write_lo < EPISODIC_TTL, "the machine was too slow to read within the TTL"
    assert done2["info"]["effectiveMemoryStack"][-1]["memoryLayerId"] == episodic
    [(_, read, res)] = read_turns(events(ws, o2))
    assert read is not None and read["memoryLayerId"] == episodic, describe(ws, o2)
    assert read["memoryEntryId"].startswith("mement_")
    assert res["result"] == result_text("prefers email")

    # 3: another key has a layer of its own, without the entry
    fake_openai.script(s.model, read_script("pref"))
    o3 = create(ws, s.agent_id, episodicKey="cust-7")["metadata"]["id"]
    done3 = wait_status(ws, o3, "COMPLETED")
    assert done3["info"]["effectiveMemoryStack"][-1]["memoryLayerId"] != episodic
    [(_, read, res)] = read_turns(events(ws, o3))
    assert read is None and res["result"] == result_text("No memory entry has the key `pref`.")

    # 4: no episodicKey: neither memory tool is offered (the variation has no layers)
    before = len(fake_openai.requests(s.model))
    o4 = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, o4, "COMPLETED")
    assert set(openai_tool_names(fake_openai.bodies(s.model)[before])) == TASK_TOOLS

    # 5: past the TTL, the same key no longer sees the entry
    time.sleep(max(0.0, write_hi + EPISODIC_TTL + 1.5 - time.monotonic()))
    fake_openai.script(s.model, read_script("pref"))
    o5 = create(ws, s.agent_id, episodicKey="cust-42")["metadata"]["id"]
    done5 = wait_status(ws, o5, "COMPLETED")
    assert done5["info"]["effectiveMemoryStack"][-1]["memoryLayerId"] == episodic
    [(_, read, res)] = read_turns(events(ws, o5))
    assert read is None, describe(ws, o5)
    assert res["result"] == result_text("No memory entry has the key `pref`.")


# ---------------------------------------------------------------- 4. compaction


def windows(ws, oid: str) -> list[dict]:
    page = expect(ws.api.get(f"{obj_path(ws, oid)}/context_windows"), 200)
    return sorted(page["items"], key=lambda w: w["data"]["sequence"])


def test_high_prompt_usage_compacts_by_clearing_old_tool_results(ws, fake_openai):
    s = agent_setup(ws, "busy", prompt=PROMPT)
    fake_openai.script(s.model, [
        calls_reply([("c1", "task_create", {"task": "one"}), ("c2", "task_create", {"task": "two"}),
                     ("c3", "task_create", {"task": "three"})], prompt_tokens=100000),
        text("All three noted."),
    ])
    created = create(ws, s.agent_id, "Note three tasks")
    oid = created["metadata"]["id"]
    old_window = created["info"]["currentContextWindowId"]
    done = wait_status(ws, oid, "COMPLETED")

    evts = events(ws, oid)
    t = types(evts)
    assert t[:2] == ["USER_MESSAGE", "ASSISTANT_MESSAGE"], describe(ws, oid)
    assert sorted(t[2:8]) == ["TOOL_CALLED"] * 3 + ["TOOL_RESULT"] * 3, t
    assert t[8:] == ["CONTEXT_WINDOW_COMPACTED", "ASSISTANT_MESSAGE"], t
    new_window = done["info"]["currentContextWindowId"]
    assert new_window != old_window
    assert all(e["contextWindowId"] == old_window for e in evts[:8])
    assert evts[8]["contextWindowId"] == new_window and evts[9]["contextWindowId"] == new_window
    compacted = payload(evts[8])
    assert isinstance(compacted["messagesCompacted"], int) and compacted["messagesCompacted"] > 0, compacted
    assert compacted["strategies"] == ["toolResultClearing"], compacted
    assert "summary" not in compacted
    nw = compacted["newContextWindow"]
    assert nw["objectiveId"] == oid and nw["sequence"] == 2, nw
    assert isinstance(nw["promptTokens"], int) and isinstance(nw["completionTokens"], int), nw
    assert "previousWindowContinueInstructions" not in nw

    assert done["info"]["totalContextWindows"] == 2
    ws_list = windows(ws, oid)
    assert [(w["metadata"]["id"], w["data"]["sequence"]) for w in ws_list] == [(old_window, 1), (new_window, 2)]

    # the next request keeps the calls but clears all but the newest two results
    first, second = fake_openai.bodies(s.model)
    msgs = second["messages"]
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "tool", "tool", "tool"], msgs
    assert msgs[0] == first["messages"][0] and msgs[1] == first["messages"][1]
    order = [c["id"] for c in msgs[2]["tool_calls"]]
    assert [c["function"]["name"] for c in msgs[2]["tool_calls"]] == ["task_create"] * 3
    by_id = {m["tool_call_id"]: text_of(m["content"]) for m in msgs[3:]}
    assert [by_id[i] == CLEARED for i in order] == [True, False, False], by_id
    assert all(by_id[i] for i in order[1:])


SUMMARY = "SUMMARY: the user asked for task alpha, which was created."
INSTRUCTIONS = "Summarize the conversation in one line."


def test_compact_with_summarization_then_continue(ws, fake_openai):
    s = agent_setup(ws, "summarized", prompt=PROMPT)
    fake_openai.script(s.model, [calls_reply([("c1", "task_create", {"task": "alpha"})]), text("Alpha created."),
                                 text(SUMMARY), text("Continuing from the summary.")])
    oid = create(ws, s.agent_id, "Create task alpha please")["metadata"]["id"]
    before = wait_status(ws, oid, "COMPLETED")
    old_window = before["info"]["currentContextWindowId"]

    config = {"summarization": {"instructions": INSTRUCTIONS}, "toolResultClearing": {"preserveRecentResults": 0}}
    out = expect(ws.api.post(f"{obj_path(ws, oid)}:compact", {"compactionConfig": config}), 200)
    cw = out["contextWindow"]
    assert set(out) == {"contextWindow"}
    assert cw["objectiveId"] == oid and cw["sequence"] == 2, cw
    assert isinstance(cw["promptTokens"], int) and isinstance(cw["completionTokens"], int), cw
    assert cw["previousWindowContinueInstructions"] == SUMMARY

    reqs = fake_openai.bodies(s.model)
    assert len(reqs) == 3
    summarize = reqs[2]
    assert not summarize.get("tools"), "the summarization request offers no tools"
    assert summarize["messages"][0] == {"role": "system", "content": INSTRUCTIONS}
    assert [m["role"] for m in summarize["messages"]] == ["system", "user"]
    transcript = text_of(summarize["messages"][1]["content"])
    assert "Create task alpha please" in transcript and "Alpha created." in transcript

    o = get(ws, oid)
    assert o["info"]["totalContextWindows"] == 2
    new_window = o["info"]["currentContextWindowId"]
    assert new_window != old_window
    assert [w["data"]["sequence"] for w in windows(ws, oid)] == [1, 2]
    assert windows(ws, oid)[1]["data"]["previousWindowContinueInstructions"] == SUMMARY
    [compacted] = of_type(events(ws, oid), "CONTEXT_WINDOW_COMPACTED")
    assert sorted(compacted["strategies"]) == ["summarization", "toolResultClearing"], compacted
    assert compacted["summary"] == SUMMARY
    assert compacted["newContextWindow"]["sequence"] == 2
    assert compacted["messagesCompacted"] > 0

    # continue: the summary leads, the cleared transcript follows, then the new message
    expect(ws.api.post(f"{obj_path(ws, oid)}:continue", {"message": "What next?"}), 200)
    wait_for(lambda: len(fake_openai.requests(s.model)) == 4 and get(ws, oid)["status"] ==
             "OBJECTIVE_STATUS_COMPLETED", 30, lambda: describe(ws, oid))
    msgs = fake_openai.bodies(s.model)[3]["messages"]
    assert msgs[0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert msgs[1]["role"] == "user" and SUMMARY in text_of(msgs[1]["content"]), msgs
    tools_ = [m for m in msgs if m["role"] == "tool"]
    assert tools_ and all(text_of(m["content"]) == CLEARED for m in tools_), tools_
    assert msgs[-1]["role"] == "user" and text_of(msgs[-1]["content"]) == "What next?"
    evts = events(ws, oid)
    assert payload(evts[-1]) == {"content": "Continuing from the summary."}
    [compacted_event] = [e for e in evts if etype(e) == "CONTEXT_WINDOW_COMPACTED"]
    assert compacted_event["contextWindowId"] == new_window
    assert evts[-1]["contextWindowId"] == new_window


def test_compact_refusals(ws, fake_openai):
    s = agent_setup(ws, "refused", prompt=PROMPT)
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    expect_error(ws.api.post(f"{obj_path(ws, oid)}:compact", {"compactionConfig": {"triggerThreshold": 2}}), 400,
                 "validation_error", "compactionConfig.triggerThreshold")
    expect_error(ws.api.post(f"{obj_path(ws, missing('obj'))}:compact", {}), 404, "not_found")
    reader = ws.client(["objectives:read"])
    err = expect_error(reader.post(f"{obj_path(ws, oid)}:compact", {}), 403, "forbidden")
    assert "objectives:write" in err["message"], err
    assert get(ws, oid)["info"]["totalContextWindows"] == 1

    # open tool calls (an approval pending) cannot be compacted
    a = agent_setup(ws, "approver", prompt=PROMPT)
    tool = bare_tool(ws, "sign_off", requires_approval=True)
    a.assign({"toolId": tool["metadata"]["id"]})
    fake_openai.script(a.model, [calls_reply([("c1", "sign_off", {"sku": "Z"})])])
    wid = create(ws, a.agent_id)["metadata"]["id"]
    wait_status(ws, wid, "WAITING_FOR_APPROVAL")
    expect_error(ws.api.post(f"{obj_path(ws, wid)}:compact", {}), 409, "failed_precondition")
    assert get(ws, wid)["info"]["totalContextWindows"] == 1
    expect(ws.api.post(f"{obj_path(ws, wid)}:cancel", {"reason": "test over"}), 200)


# ---------------------------------------------------------------- 5. MCP tool errors


@pytest.mark.parametrize("json_response", [True, False], ids=["json", "sse"])
def test_an_mcp_tool_error_is_a_tool_error(ws, fake_openai, mcp_server, json_response):
    server = mcp_server(json_response=json_response, tools=["get_weather", "add", "search_docs", "explode"])
    s = agent_setup(ws, "mcp-user", prompt=PROMPT)
    sid = expect(ws.api.post(f"{ws.path}/tool_sets", {"metadata": {"name": "mcp"},
                 "spec": {"adapter": {"type": "mcp", "mcp": {"url": server.url}}}}), 201)["metadata"]["id"]
    expect(ws.api.post(f"{ws.path}/tool_sets/{sid}:sync"), 200)
    s.assign({"toolSetId": sid})
    reason = f"kaboom-{uid()}"
    fake_openai.script(s.model, [calls_reply([("c1", "explode", {"reason": reason})]), text("It blew up.")])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    evts = events(ws, oid)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_CALLED", "TOOL_ERROR", "ASSISTANT_MESSAGE"], \
        describe(ws, oid)
    assert payload(evts[2])["arguments"] == {"reason": reason}
    err = payload(evts[3])
    assert err["toolCallId"] == payload(evts[2])["toolCallId"]
    assert reason in err["message"], err
    [rec] = tool_calls(ws, oid)
    assert rec["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_FAILED"
    assert reason in tool_messages(fake_openai.bodies(s.model)[1])["explode"]
    assert "explode" in openai_tool_names(fake_openai.bodies(s.model)[0])


# ---------------------------------------------------------------- 6. the event stream


class EventStream:
    """A server-sent events reader over `requests` (stream=True): `id:`/`data:` fields, `:` comments."""

    def __init__(self, ws, oid: str, *, last_event_id: str | None = None, params: dict | None = None,
                 short_route: bool = False, read_timeout: float = 20.0):
        path = f"/v1/objectives/{oid}/events:stream" if short_route else f"{obj_path(ws, oid)}/events:stream"
        headers = {"Authorization": f"Bearer {ws.token}", "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self.started = time.monotonic()
        self.resp = requests.get(ws.api.base + path, headers=headers, params=params, stream=True,
                                 timeout=(5, read_timeout))
        self.buf = b""
        self.eof = False
        self.ended_at: float | None = None
        self.comments: list[str] = []

    def _line(self) -> str | None:
        while b"\n" not in self.buf:
            if self.eof:
                if self.buf:
                    line, self.buf = self.buf, b""
                    return line.rstrip(b"\r").decode()
                return None
            chunk = self.resp.raw.read1(65536)
            if chunk:
                self.buf += chunk
            else:
                self.eof = True
                self.ended_at = time.monotonic()
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode()

    def next(self) -> tuple[str | None, dict] | None:
        """The next event as (id, parsed data), or None once the server closed the stream."""
        eid, data = None, []
        while True:
            line = self._line()
            if line is None:
                return None
            if line == "":
                if data:
                    return eid, json.loads("\n".join(data))
                continue
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
                continue
            name, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            if name == "id":
                eid = value
            elif name == "data":
                data.append(value)

    def take(self, n: int) -> list[tuple[str | None, dict]]:
        out = []
        while len(out) < n:
            got = self.next()
            assert got is not None, f"the stream ended after {len(out)} of {n} events"
            out.append(got)
        return out

    def rest(self) -> list[tuple[str | None, dict]]:
        """Every event until the server closes the stream."""
        out = []
        while (got := self.next()) is not None:
            out.append(got)
        return out

    def close(self) -> None:
        self.resp.close()


def check_stream_headers(stream: EventStream) -> None:
    if stream.resp.status_code != 200:
        raise AssertionError(f"stream -> {stream.resp.status_code}: {stream.resp.text[:500]}")
    assert stream.resp.headers.get("content-type", "").startswith("text/event-stream"), stream.resp.headers


def check_frames(frames: list[tuple[str | None, dict]]) -> list[dict]:
    """Each frame's `id:` is its event's id; returns the events."""
    for eid, evt in frames:
        assert eid == evt["metadata"]["id"], (eid, evt["metadata"])
    return [evt for _, evt in frames]


def test_the_stream_delivers_every_event_then_closes(ws, fake_openai):
    s = agent_setup(ws, "streamer", prompt=PROMPT)
    fake_openai.script(s.model, [calls_reply([("c1", "task_create", {"task": "stream me"})]),
                                 text("Streamed.", delay=0.5)])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    live = EventStream(ws, oid)
    check_stream_headers(live)
    got = check_frames(live.rest())
    live.close()
    done = wait_status(ws, oid, "COMPLETED")
    listed = events(ws, oid)
    assert [e["metadata"]["id"] for e in got] == [e["metadata"]["id"] for e in listed], describe(ws, oid)
    assert got == listed
    assert types(got) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_CALLED", "TOOL_RESULT", "ASSISTANT_MESSAGE"]
    assert done["info"]["totalEvents"] == len(got)

    # on an ended objective, both route forms send everything and close at once (well before the 6 s cap)
    for short_route in (False, True):
        again = EventStream(ws, oid, short_route=short_route)
        check_stream_headers(again)
        assert check_frames(again.rest()) == listed
        assert again.ended_at - again.started < 4, "the stream of an ended objective closes by itself"
        again.close()


@pytest.mark.parametrize("how", ["header", "query", "header-wins"])
def test_reconnecting_resumes_after_the_last_event(ws, fake_openai, tool_server, how):
    s = agent_setup(ws, "resumer", prompt=PROMPT)
    tools = http_tool_set(ws, tool_server)
    tool = http_tool(ws, tools.id, requires_approval=True)
    s.assign({"toolId": tool["metadata"]["id"]})
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", {"orderId": "9", "quantity": 1})]),
                                 text("Placed.")])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "WAITING_FOR_APPROVAL")
    tcid = wait_tool_call(ws, oid, status="TOOL_CALL_STATUS_WAITING_FOR_APPROVAL")["metadata"]["id"]

    first = EventStream(ws, oid)
    check_stream_headers(first)
    head = check_frames(first.take(2))
    first.close()  # disconnect mid-stream
    assert types(head) == ["USER_MESSAGE", "ASSISTANT_MESSAGE"]

    expect(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:approve"), 200)
    wait_status(ws, oid, "COMPLETED")
    listed = events(ws, oid)
    last = head[-1]["metadata"]["id"]
    if how == "header":
        again = EventStream(ws, oid, last_event_id=last)
    elif how == "query":
        again = EventStream(ws, oid, params={"lastEventId": last})
    else:  # the header wins over the query parameter
        again = EventStream(ws, oid, last_event_id=last, params={"lastEventId": head[0]["metadata"]["id"]})
    check_stream_headers(again)
    tail = check_frames(again.rest())
    again.close()
    assert types(tail) == ["TOOL_APPROVAL_REQUESTED", "TOOL_APPROVED", "TOOL_CALLED", "TOOL_RESULT",
                           "ASSISTANT_MESSAGE"], types(tail)
    assert head + tail == listed, "no gaps, no duplicates"


def test_a_stream_sends_keep_alives_and_closes_after_the_maximum(ws, fake_openai):
    s = agent_setup(ws, "idle", prompt=PROMPT)
    tool = bare_tool(ws, "needs_ok", requires_approval=True)
    s.assign({"toolId": tool["metadata"]["id"]})
    fake_openai.script(s.model, [calls_reply([("c1", "needs_ok", {"sku": "Q"})])])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "WAITING_FOR_APPROVAL")
    stream = EventStream(ws, oid)
    check_stream_headers(stream)
    got = check_frames(stream.rest())
    stream.close()
    elapsed = stream.ended_at - stream.started
    assert types(got) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_APPROVAL_REQUESTED"]
    assert got == events(ws, oid)
    # event_stream_max_seconds=6 (conftest): it ends by itself although the objective still waits
    assert 4.5 <= elapsed <= 15, elapsed
    assert get(ws, oid)["status"] == "OBJECTIVE_STATUS_WAITING_FOR_APPROVAL"
    # event_stream_heartbeat_seconds=1: keep-alive comments meanwhile
    assert stream.comments.count("keep-alive") >= 2, stream.comments
    expect(ws.api.post(f"{obj_path(ws, oid)}:cancel", {"reason": "test over"}), 200)


def test_stream_errors(ws, fake_openai):
    s = agent_setup(ws, "streamer", prompt=PROMPT)
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    path = f"{obj_path(ws, oid)}/events:stream"
    expect_error(ws.api.get(path, params={"lastEventId": "bogus"}), 400, "validation_error", "lastEventId")
    expect_error(ws.api.get(f"{obj_path(ws, missing('obj'))}/events:stream"), 404, "not_found")
    expect_error(ws.api.get(f"/v1/objectives/{missing('obj')}/events:stream"), 404, "not_found")
    assert requests.get(ws.api.base + path, timeout=10).status_code == 401
    # a well-formed id after the last event: nothing to send, and the stream of an ended objective closes
    last = events(ws, oid)[-1]["metadata"]["id"]
    stream = EventStream(ws, oid, params={"lastEventId": last})
    check_stream_headers(stream)
    assert stream.rest() == []
    stream.close()
