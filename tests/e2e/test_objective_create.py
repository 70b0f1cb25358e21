"""Creating objectives (docs/api.md §4.1 step 1): which agents accept them, `data` against the agent's
schema, the prompt rendered with it, variation selection (explicit, RANDOM, WEIGHTED), dry runs,
and bad input, scopes and workspaces."""

from __future__ import annotations

import collections

from agentloop import (DRAFT, PUBLISHED, RANDOM, SYSTEM_PROMPT, WEIGHTED, create, create_body, events, get,
                       model_name, never, new_agent, new_variation, obj_path, objectives_path, setup_agent, types,
                       variation_spec, wait_for, wait_status)
from builders import mentions, missing
from client import expect, expect_error

SCHEMA = {"type": "object",
          "properties": {"customer": {"type": "string"}, "seats": {"type": "integer", "minimum": 1}},
          "required": ["customer"], "additionalProperties": False}


def post(ws, body, **kw):
    return ws.api.post(objectives_path(ws), body, **kw)


def total(ws) -> int:
    return expect(ws.api.get(objectives_path(ws)), 200)["pagination"]["total"]


# ---- which agents and variations

def test_a_draft_agent_needs_an_explicit_variation(ws, fake_openai):
    s = setup_agent(ws, status=DRAFT)
    err = expect_error(post(ws, create_body(s.agent_id)), 409, "failed_precondition")
    assert "PUBLISHED" in err["message"] or "publish" in err["message"].lower()
    assert total(ws) == 0
    # an explicit variation tests a draft
    o = expect(post(ws, create_body(s.agent_id, variationId=s.variation_id)), 201)
    assert o["data"]["agentVariation"]["metadata"]["id"] == s.variation_id
    assert o["data"]["agent"]["spec"]["status"] == DRAFT
    wait_status(ws, o["metadata"]["id"], "COMPLETED")
    # agents are found by external id too
    expect(ws.api.patch(f"{ws.path}/agents/{s.agent_id}", {"metadata": {"externalId": "support"},
                                                            "spec": {"status": PUBLISHED}}), 200)
    o = expect(post(ws, create_body("external_id:support")), 201)
    assert o["data"]["agent"]["metadata"]["id"] == s.agent_id
    assert o["data"]["agent"]["spec"]["status"] == PUBLISHED


def test_an_archived_agent_takes_no_objectives(ws, fake_openai):
    s = setup_agent(ws)
    expect(ws.api.post(f"{ws.path}/agents/{s.agent_id}:archive"), 200)
    expect_error(post(ws, create_body(s.agent_id)), 409, "failed_precondition")
    assert total(ws) == 0


def test_the_variation_must_belong_to_the_agent(ws, fake_openai):
    a = setup_agent(ws, name="a")
    b = setup_agent(ws, name="b")
    expect_error(post(ws, create_body(a.agent_id, variationId=b.variation_id)), 404, "not_found")
    expect_error(post(ws, create_body(a.agent_id, variationId=missing("agentvar"))), 404, "not_found")
    expect_error(post(ws, create_body(a.agent_id, variationId="agent_01ARZ3NDEKTSV4RRFFQ69G5FAV")), 400,
                 "validation_error", "variationId")
    assert total(ws) == 0


def test_no_pickable_variation_is_a_failed_precondition(ws, fake_openai):
    none = new_agent(ws, "empty")
    err = expect_error(post(ws, create_body(none["metadata"]["id"])), 409, "failed_precondition")
    assert "variation" in err["message"].lower()
    zero = new_agent(ws, "zero", mode=WEIGHTED)
    zid = zero["metadata"]["id"]
    v1 = new_variation(ws, zid, "z1", variation_spec(f"openai/{model_name()}", weight=0))
    new_variation(ws, zid, "z2", variation_spec(f"openai/{model_name()}", weight=0))
    err = expect_error(post(ws, create_body(zid)), 409, "failed_precondition")
    assert "weight" in err["message"].lower()
    assert total(ws) == 0
    # weight 0 is only about automatic picks: naming it works
    o = expect(post(ws, create_body(zid, variationId=v1["metadata"]["id"])), 201)
    assert o["data"]["agentVariation"]["metadata"]["id"] == v1["metadata"]["id"]


# ---- data and the prompt

def test_data_must_satisfy_the_input_schema(ws, fake_openai):
    s = setup_agent(ws, input_schema=SCHEMA)
    err = expect_error(post(ws, create_body(s.agent_id, data={"seats": 0})), 400, "validation_error")
    assert all(d["field"].startswith("data") for d in err["details"]), err
    assert mentions(err, "customer") and mentions(err, "seats"), err
    err = expect_error(post(ws, create_body(s.agent_id, data={"customer": "ACME", "colour": "red"})), 400,
                       "validation_error")
    assert mentions(err, "colour"), err
    expect_error(post(ws, create_body(s.agent_id, data=None)), 400, "validation_error")
    expect_error(post(ws, create_body(s.agent_id, data=["ACME"])), 400, "validation_error")
    assert total(ws) == 0
    o = expect(post(ws, create_body(s.agent_id, data={"customer": "ACME", "seats": 2})), 201)
    assert o["data"]["data"] == {"customer": "ACME", "seats": 2}
    assert o["data"]["systemPrompt"] == SYSTEM_PROMPT


def test_the_prompt_is_rendered_with_data(ws, fake_openai):
    prompt = "Serve {{ customer | upcase }}{% if vip %} (VIP){% endif %} with {{ seats | plus: 1 }} seats."
    s = setup_agent(ws, prompt=prompt)
    o = create(ws, s.agent_id, data={"customer": "acme", "vip": True, "seats": 2})
    assert o["data"]["systemPrompt"] == "Serve ACME (VIP) with 3 seats."
    wait_status(ws, o["metadata"]["id"], "COMPLETED")
    [req] = fake_openai.bodies(s.model)
    assert req["messages"][0] == {"role": "system", "content": "Serve ACME (VIP) with 3 seats."}
    # no prompt at all: an empty system prompt is not an error
    bare = setup_agent(ws, name="no-prompt", prompt=None)
    assert create(ws, bare.agent_id, data=None)["data"]["systemPrompt"] == ""


def test_a_prompt_that_fails_to_render_is_400(ws, fake_openai):
    s = setup_agent(ws, prompt="You help {{ customer }} with {{ seats | divided_by: 0 }} seats.")
    err = expect_error(post(ws, create_body(s.agent_id, data={"customer": "ACME", "seats": 3})), 400,
                       "validation_error")
    assert mentions(err, "prompt"), err
    assert total(ws) == 0
    assert fake_openai.requests(s.model) == []


def test_dry_run_stores_nothing_and_calls_no_model(ws, fake_openai):
    s = setup_agent(ws)
    dry = expect(post(ws, create_body(s.agent_id, "dry question"), params={"dryRun": "true"}), 200)
    assert dry["metadata"]["id"].startswith("obj_")
    assert dry["status"] == "OBJECTIVE_STATUS_PENDING"
    assert dry["data"]["systemPrompt"] == SYSTEM_PROMPT
    assert dry["data"]["initialMessage"] == "dry question"
    assert dry["data"]["agentVariation"]["metadata"]["id"] == s.variation_id
    assert total(ws) == 0
    expect_error(ws.api.get(obj_path(ws, dry["metadata"]["id"])), 404, "not_found")
    # dry runs validate like real ones
    expect_error(post(ws, {"agentId": s.agent_id}, params={"dryRun": "true"}), 400, "validation_error",
                 "initialMessage")
    never(lambda: fake_openai.requests(s.model), 2.5, "a dry run called the model")
    assert total(ws) == 0


# ---- variation selection

def test_weighted_selection_follows_the_weights(ws, fake_openai):
    """Weights 1:3:0 over 400 objectives land within ±9 points of 25/75/0 %: four standard
    deviations of a 25 % share over 400 draws (2.2 points each), so a fair draw fails about once
    in 16,000 runs, while an unweighted pick (50/50) or a swapped one (75/25) is far outside."""
    model = model_name()
    agent = new_agent(ws, "weighted", mode=WEIGHTED)
    aid = agent["metadata"]["id"]
    ids = [new_variation(ws, aid, f"w{w}", variation_spec(f"openai/{model}", weight=w))["metadata"]["id"]
           for w in (1, 3, 0)]
    counts: collections.Counter = collections.Counter()
    for i in range(400):
        o = expect(post(ws, create_body(aid, f"weighted {i}")), 201)
        counts[o["data"]["agentVariation"]["metadata"]["id"]] += 1
    assert sum(counts.values()) == 400
    assert set(counts) <= set(ids), counts
    share = [counts[v] / 400 for v in ids]
    assert abs(share[0] - 0.25) <= 0.09, share
    assert abs(share[1] - 0.75) <= 0.09, share
    assert share[2] == 0, share
    listed = expect(ws.api.get(objectives_path(ws), params={"agentId": aid}), 200)
    assert listed["pagination"]["total"] == 400
    # every one of them runs to its end (and stops loading the app before the next test)
    wait_for(lambda: expect(ws.api.get(objectives_path(ws), params={"agentId": aid,
                                                                    "status": "OBJECTIVE_STATUS_COMPLETED"}),
                            200)["pagination"]["total"] == 400, 300, "all 400 objectives completed", interval=2)


def test_random_selection_picks_every_variation(ws, fake_openai):
    model = model_name()
    agent = new_agent(ws, "random", mode=RANDOM)
    aid = agent["metadata"]["id"]
    # RANDOM is uniform whatever the weights (weight 0 is about WEIGHTED only)
    ids = {new_variation(ws, aid, f"r{i}", variation_spec(f"openai/{model}", weight=w))["metadata"]["id"]
           for i, w in enumerate((1, 5))}
    seen = collections.Counter(expect(post(ws, create_body(aid, f"random {i}")), 201)["data"]["agentVariation"]
                               ["metadata"]["id"] for i in range(40))
    assert set(seen) == ids, seen
    wait_for(lambda: expect(ws.api.get(objectives_path(ws), params={"agentId": aid,
                                                                    "status": "OBJECTIVE_STATUS_COMPLETED"}),
                            200)["pagination"]["total"] == 40, 120, "all 40 objectives completed", interval=1)


# ---- bad input, scopes, workspaces

def test_bad_create_bodies_are_400_naming_the_field(ws, fake_openai):
    s = setup_agent(ws)
    for body, field in [
        ({"agentId": s.agent_id}, "initialMessage"),
        ({"agentId": s.agent_id, "initialMessage": 7}, "initialMessage"),
        ({"agentId": s.agent_id, "initialMessage": "x" * 100_001}, "initialMessage"),
        ({"initialMessage": "hi"}, "agentId"),
        ({"agentId": "agentvar_01ARZ3NDEKTSV4RRFFQ69G5FAV", "initialMessage": "hi"}, "agentId"),
        ({"agentId": s.agent_id, "initialMessage": "hi", "colour": "red"}, "colour"),
        ({"agentId": s.agent_id, "initialMessage": "hi", "metadata": {"name": "x"}}, "metadata.name"),
        ({"agentId": s.agent_id, "initialMessage": "hi", "metadata": {"labels": {"Bad Key": "x"}}},
         "metadata.labels.Bad Key"),
    ]:
        expect_error(post(ws, body), 400, "validation_error", field)
    err = expect_error(post(ws, create_body(s.agent_id, secrets=[{"name": "A"}])), 400, "validation_error")
    assert any(d["field"].startswith("secrets[0]") for d in err["details"]), err
    expect_error(ws.api.post(objectives_path(ws), raw=b"{"), 400, "validation_error", "body")
    expect_error(post(ws, create_body(s.agent_id), params={"colour": "red"}), 400, "validation_error", "colour")
    expect_error(post(ws, create_body(missing("agent"))), 404, "not_found")
    expect_error(post(ws, create_body("external_id:nobody")), 404, "not_found")
    assert total(ws) == 0
    assert fake_openai.requests(s.model) == []


def test_unknown_and_malformed_objective_ids(ws):
    oid = missing("obj")
    for path in [obj_path(ws, oid), f"{obj_path(ws, oid)}/events", f"{obj_path(ws, oid)}/tool_calls",
                 f"{obj_path(ws, oid)}/tools", f"{obj_path(ws, oid)}/tasks", f"{obj_path(ws, oid)}/context_windows",
                 f"/v1/objectives/{oid}"]:
        expect_error(ws.api.get(path), 404, "not_found")
    expect_error(ws.api.post(f"{obj_path(ws, oid)}:cancel"), 404, "not_found")
    expect_error(ws.api.get(obj_path(ws, "agent_01ARZ3NDEKTSV4RRFFQ69G5FAV")), 400, "validation_error", "id")
    expect_error(ws.api.get(obj_path(ws, "obj_123")), 400, "validation_error", "id")
    expect_error(ws.api.get(obj_path(ws, "external_id:nothing")), 404, "not_found")


def test_objectives_are_private_to_their_workspace(ws, other_ws, fake_openai):
    s = setup_agent(ws)
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    for path in [f"{other_ws.path}/objectives/{oid}", f"/v1/objectives/{oid}",
                 f"{other_ws.path}/objectives/{oid}/events", f"/v1/objectives/{oid}/events",
                 f"{other_ws.path}/objectives/{oid}/tool_calls"]:
        expect_error(other_ws.api.get(path), 404, "not_found")
    expect_error(other_ws.api.post(f"/v1/objectives/{oid}:continue", {"message": "hi"}), 404, "not_found")
    expect_error(other_ws.api.post(f"/v1/objectives/{oid}:cancel"), 404, "not_found")
    # their agent cannot be used from here either, and their workspace path is closed to me
    expect_error(other_ws.api.post(f"{other_ws.path}/objectives", create_body(s.agent_id)), 404, "not_found")
    expect_error(ws.api.get(f"{other_ws.path}/objectives"), 404, "not_found")
    assert expect(other_ws.api.get(f"{other_ws.path}/objectives"), 200)["items"] == []
    assert expect(ws.api.get(f"/v1/objectives/{oid}"), 200)["metadata"]["id"] == oid


def test_read_only_tokens_cannot_create_or_steer(ws, fake_openai):
    s = setup_agent(ws)
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    reader = ws.client(["objectives:read"])
    assert expect(reader.get(obj_path(ws, oid)), 200)["metadata"]["id"] == oid
    assert [e["data"]["type"] for e in expect(reader.get(f"{obj_path(ws, oid)}/events"), 200)["items"]] == [
        "OBJECTIVE_EVENT_TYPE_USER_MESSAGE", "OBJECTIVE_EVENT_TYPE_ASSISTANT_MESSAGE"]
    for resp in [
        reader.post(objectives_path(ws), create_body(s.agent_id)),
        reader.post(objectives_path(ws), create_body(s.agent_id), params={"dryRun": "true"}),
        reader.post(f"{obj_path(ws, oid)}:continue", {"message": "more"}),
        reader.post(f"{obj_path(ws, oid)}:cancel"),
        reader.post(f"{obj_path(ws, oid)}/tool_calls/{missing('toolcall')}:approve"),
    ]:
        err = expect_error(resp, 403, "forbidden")
        assert "objectives:write" in err["message"], err
    other = ws.client(["agents:read"])
    assert "objectives:read" in expect_error(other.get(objectives_path(ws)), 403, "forbidden")["message"]
    assert types(events(ws, oid)) == ["USER_MESSAGE", "ASSISTANT_MESSAGE"]
    assert get(ws, oid)["status"] == "OBJECTIVE_STATUS_COMPLETED"
    assert total(ws) == 1
