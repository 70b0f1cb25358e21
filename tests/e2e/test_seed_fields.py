"""Seed 003's read-only `info` fields on an objective's records (issue 15): an objective's `info`
carries the agent's and variation's full metadata; its events, tool calls and context windows carry
the objective's OperationMetadata and the profile that created it, and a `profileId` (the record's
own actor, else the objective's creator, on whose behalf the engine writes). Sub-objectives are
created on behalf of whoever created the parent."""

from __future__ import annotations

from agentloop import (create, events, get, obj_path, of_type, tool_call_path, tool_calls, wait_status,
                       wait_tool_call)
from client import expect, jwt_claims
from fakes import text, tool_calls as calls_reply
from test_engine_depth import agent_setup, children
from test_objectives import ORDER_ARGS, order_scenario


def creator(ws) -> str:
    return jwt_claims(ws.token)["sub"]


def assert_owned(record: dict, objective: dict, profile_id: str) -> None:
    """`record` names `objective` by its whole metadata, and its creator's profile."""
    info = record["info"]
    assert info["objective"] == objective["metadata"], info["objective"]
    assert info["createdBy"]["metadata"]["id"] == profile_id
    assert info["createdBy"]["spec"]["type"] == "PROFILE_TYPE_API_KEY"
    assert info["createdBy"] == objective["info"]["createdBy"]
    assert record["metadata"]["profileId"] == profile_id


def test_objective_info_names_the_agent_and_variation_by_their_whole_metadata(ws, fake_openai):
    s = agent_setup(ws, "described")
    fake_openai.script(s.model, [text("done")])
    created = create(ws, s.agent_id, "hello")
    agent = expect(ws.api.get(f"{ws.path}/agents/{s.agent_id}"), 200)
    variation = expect(ws.api.get(f"{ws.path}/agents/{s.agent_id}/variations/{s.variation_id}"), 200)
    for o in (created, get(ws, created["metadata"]["id"])):
        assert o["info"]["agent"] == agent["metadata"]
        assert o["info"]["agentVariation"] == variation["metadata"]
        assert set(o["info"]["agent"]) >= {"id", "accountId", "workspaceId", "profileId", "createdAt", "name"}


def test_events_tool_calls_and_windows_carry_their_objective_and_its_creator(ws, fake_openai, tool_server):
    s, _, _ = order_scenario(ws, tool_server, requires_approval=True)
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", ORDER_ARGS)]), text("ordered")])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "WAITING_FOR_APPROVAL")
    objective = get(ws, oid)
    me = creator(ws)

    # the waiting call, read four ways: the objective's list, one read, the inbox, and :approve
    call = wait_tool_call(ws, oid, status="TOOL_CALL_STATUS_WAITING_FOR_APPROVAL")
    assert_owned(call, objective, me)
    tcid = call["metadata"]["id"]
    one = expect(ws.api.get(tool_call_path(ws, oid, tcid)), 200)
    assert one == call
    [inboxed] = expect(ws.api.get(f"{ws.path}/tool_calls",
                                  params={"status": "TOOL_CALL_STATUS_WAITING_FOR_APPROVAL"}), 200)["items"]
    assert inboxed == call
    approved = expect(ws.api.post(f"{tool_call_path(ws, oid, tcid)}:approve"), 200)
    assert_owned(approved, objective, me)
    assert approved["data"]["statusChangedBy"]["metadata"]["id"] == me  # seed 003: a Profile
    assert approved["data"]["statusChangedBy"] == objective["info"]["createdBy"]

    wait_status(ws, oid, "COMPLETED")
    done = get(ws, oid)
    [rec] = tool_calls(ws, oid)
    assert_owned(rec, done, me)
    assert rec["data"]["statusChangedBy"] == approved["data"]["statusChangedBy"]

    # every event, engine-written or not, names the objective and a profile
    evts = expect(ws.api.get(f"{obj_path(ws, oid)}/events"), 200)["items"]
    assert len(evts) == len(events(ws, oid)) >= 4
    for e in evts:
        assert_owned(e, done, me)

    # context windows: the list and the objective's own
    windows = expect(ws.api.get(f"{obj_path(ws, oid)}/context_windows"), 200)["items"]
    assert [w["metadata"]["id"] for w in windows] == [done["info"]["currentContextWindowId"]]
    for w in windows + done["contextWindows"]:
        assert_owned(w, done, me)


def test_a_sub_objective_is_created_on_behalf_of_the_parents_creator(ws, fake_openai):
    parent = agent_setup(ws, "lead")
    helper = agent_setup(ws, "helper")
    parent.assign({"agentId": helper.agent_id})
    fake_openai.script(parent.model, [calls_reply([("c1", "helper", {"prompt": "look it up"})]), text("Done.")])
    fake_openai.script(helper.model, [text("found it")])
    pid = create(ws, parent.agent_id)["metadata"]["id"]
    wait_status(ws, pid, "COMPLETED")
    [kid] = children(ws, pid)
    kid = get(ws, kid["metadata"]["id"])
    assert kid["metadata"]["profileId"] == creator(ws)
    assert kid["info"]["createdBy"] == get(ws, pid)["info"]["createdBy"]
    for e in expect(ws.api.get(f"{obj_path(ws, kid['metadata']['id'])}/events"), 200)["items"]:
        assert_owned(e, kid, creator(ws))


def callees(ws, oid: str) -> list[tuple[str, dict]]:
    """(type, metadata) of each callee an objective's records name: its tool calls (list and single
    read), the model's requests in ASSISTANT_MESSAGE and each TOOL_CALLED, in that order."""
    found = []
    for call in tool_calls(ws, oid):
        for c in (call, expect(ws.api.get(tool_call_path(ws, oid, call["metadata"]["id"])), 200)):
            callable_ = c["data"]["callable"]
            found.append((callable_["type"], callable_[callable_["type"]]))
    evts = events(ws, oid)
    for msg in of_type(evts, "ASSISTANT_MESSAGE"):
        for c in msg.get("toolCalls", []):
            found.append((c["tool"]["type"], c["tool"][c["tool"]["type"]]))
    for called in of_type(evts, "TOOL_CALLED"):
        found.append((called["tool"]["type"], called["tool"][called["tool"]["type"]]))
    return found


def test_a_tool_call_names_its_callee_by_the_callees_whole_metadata(ws, fake_openai, tool_server):
    """Seed 003 CallableTool: a tool and a sub-agent are named by their ResourceMetadata as it was
    when the objective started; a built-in, which has no resource, by metadata of the objective's:
    its name as id and name, the objective's workspace, creator and creation time."""
    s, _, tool = order_scenario(ws, tool_server)
    fake_openai.script(s.model, [calls_reply([("c1", "create_order", ORDER_ARGS)]), text("ordered")])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    assert callees(ws, oid) == [("tool", tool["metadata"])] * 4

    lead = agent_setup(ws, "lead-callee")
    helper = agent_setup(ws, "helper-callee")
    lead.assign({"agentId": helper.agent_id})
    fake_openai.script(lead.model, [calls_reply([("c1", "helper-callee", {"prompt": "look it up"})]),
                                    text("Done.")])
    fake_openai.script(helper.model, [text("found it")])
    pid = create(ws, lead.agent_id)["metadata"]["id"]
    wait_status(ws, pid, "COMPLETED")
    helper_agent = expect(ws.api.get(f"{ws.path}/agents/{helper.agent_id}"), 200)
    assert callees(ws, pid) == [("agent", helper_agent["metadata"])] * 4

    worker = agent_setup(ws, "tasker")
    fake_openai.script(worker.model, [calls_reply([("c1", "task_create", {"task": "alpha"})]), text("made")])
    wid = create(ws, worker.agent_id)["metadata"]["id"]
    objective = wait_status(ws, wid, "COMPLETED")
    meta = objective["metadata"]
    builtin = {"id": "task_create", "name": "task_create", "accountId": meta["accountId"],
               "workspaceId": ws.id, "profileId": creator(ws), "createdAt": meta["createdAt"],
               "updatedAt": meta["createdAt"], "labels": {}}
    assert callees(ws, wid) == [("cadenyaProvidedTool", builtin)] * 4


def test_the_episodic_layer_is_addressable_by_its_key_as_external_id_and_read_only(ws, fake_openai):
    """Seed 003: the episodic namespace of an objective uses its `episodicKey` as external id."""
    s = agent_setup(ws, "concierge", variation={"enableEpisodicMemory": True})
    fake_openai.script(s.model, [calls_reply([("w1", "memory_write", {"key": "pref", "content": "prefers email"})]),
                                 text("Noted.")])
    oid = create(ws, s.agent_id, episodicKey="ticket-42")["metadata"]["id"]
    done = wait_status(ws, oid, "COMPLETED")
    episodic = done["info"]["effectiveMemoryStack"][-1]["memoryLayerId"]

    by_key = expect(ws.api.get(f"{ws.path}/memory_layers/external_id:ticket-42"), 200)
    assert by_key == expect(ws.api.get(f"{ws.path}/memory_layers/{episodic}"), 200)
    assert by_key["spec"]["episodicKey"] == "ticket-42" and by_key["spec"]["systemManaged"] is True
    [entry] = expect(ws.api.get(f"{ws.path}/memory_layers/external_id:ticket-42/entries"), 200)["items"]
    assert entry["spec"]["key"] == "pref"
    one = expect(ws.api.get(f"{ws.path}/memory_layers/external_id:ticket-42/entries/{entry['metadata']['id']}"), 200)
    assert one["spec"]["content"] == "prefers email"
    # read-only to users, whichever way it is named
    err = ws.api.patch(f"{ws.path}/memory_layers/external_id:ticket-42", {"metadata": {"name": "mine"}})
    assert err.status_code == 409 and err.json()["error"]["code"] == "failed_precondition", err.text
    assert "read-only" in err.json()["error"]["message"]
    err = ws.api.post(f"{ws.path}/memory_layers/external_id:ticket-42/entries", {"spec": {"key": "k", "content": "v"}})
    assert err.status_code == 409 and err.json()["error"]["code"] == "failed_precondition", err.text
    # an unknown key is still a 404
    expect(ws.api.get(f"{ws.path}/memory_layers/external_id:ticket-43"), 404)

    # a second agent keeping a layer for the same key makes the name ambiguous: 409 listing both
    other = agent_setup(ws, "second", variation={"enableEpisodicMemory": True})
    fake_openai.script(other.model, [text("Hi.")])
    wait_status(ws, create(ws, other.agent_id, episodicKey="ticket-42")["metadata"]["id"], "COMPLETED")
    amb = ws.api.get(f"{ws.path}/memory_layers/external_id:ticket-42")
    assert amb.status_code == 409 and amb.json()["error"]["code"] == "conflict", amb.text
    assert episodic in amb.json()["error"]["message"]
