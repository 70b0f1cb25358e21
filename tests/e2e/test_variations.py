"""Variations, their assignments and memory layer assignments (docs/api.md §6.2, §3), in both route forms."""

from __future__ import annotations

import pytest

from builders import (agent_variation, assign, attach, insert_episodic_layer, missing, mentions, new_agent,
                      new_layer, new_tool, new_tool_set, new_variation, variations_path)
from client import expect, expect_error, eventually, jwt_claims, request_id

FULL_SPEC = {
    "compactionConfig": {"summarization": {"instructions": "Keep decisions and open questions."},
                         "toolResultClearing": {"preserveRecentResults": 3}, "triggerThreshold": 0.8},
    "constraints": {"maxSubObjectives": 4, "maxToolCalls": 25},
    "description": "support flow, friendly tone",
    "enableEpisodicMemory": True,
    "episodicMemoryTtl": 86400,
    "modelConfig": {"modelId": "openai/gpt-4o-mini", "temperature": 0.2},
    "progressiveDiscovery": {"hints": ["billing", "refunds"], "maxTools": 8, "rerankThreshold": 0.35},
    "prompt": "You help {{ customer.name | upcase }}.{% if vip %} Be extra kind.{% endif %}",
    "weight": 2.5,
}

EMPTY_INFO = {"assignments": [], "memoryLayerAssignments": [], "toolCount": 0, "toolSetCount": 0,
              "subAgentCount": 0, "memoryLayerCount": 0, "feedbackCount": 0, "score": 0.5, "selectionCount": 0}


def info_without_creator(v: dict) -> dict:
    """`info` without `createdBy` and `model` (the catalog model the modelId names, seed 002), each
    checked here: a creator, and for a variation with a model id the model of that id."""
    info = dict(v["info"])
    assert info.pop("createdBy")["metadata"]["id"], v
    model_id = (v["spec"].get("modelConfig") or {}).get("modelId")
    if model_id:
        model = info.pop("model")
        assert model["externalId"] == model_id and model["id"].startswith("model_"), v
        assert model["workspaceId"] == v["metadata"]["workspaceId"], v
    else:
        assert "model" not in info, v
    return info


def counts(v: dict) -> tuple[int, int, int, int]:
    i = v["info"]
    return i["toolCount"], i["toolSetCount"], i["subAgentCount"], i["memoryLayerCount"]


# ---- variations

def test_create_round_trips_every_spec_field(ws):
    aid = new_agent(ws, "support")["metadata"]["id"]
    body = {"metadata": {"name": "friendly", "externalId": "friendly-1", "labels": {"tone": "warm"}},
            "spec": FULL_SPEC}
    created = expect(ws.api.post(variations_path(ws, aid), body), 201)
    vid = created["metadata"]["id"]
    assert vid.startswith("agentvar_")
    assert created["metadata"]["workspaceId"] == ws.id
    for k, v in body["metadata"].items():
        assert created["metadata"][k] == v
    assert created["spec"] == FULL_SPEC

    got = expect(ws.api.get(f"{variations_path(ws, aid)}/{vid}"), 200)
    assert got["spec"] == FULL_SPEC
    assert info_without_creator(got) == EMPTY_INFO
    assert got["info"]["createdBy"]["metadata"]["id"] == jwt_claims(ws.token)["sub"]
    assert got["metadata"]["profileId"] == jwt_claims(ws.token)["sub"]
    by_ext = expect(ws.api.get(f"{variations_path(ws, aid)}/external_id:friendly-1"), 200)
    assert by_ext["metadata"]["id"] == vid
    expect_error(ws.api.post(variations_path(ws, aid), body), 409, "conflict", "metadata.externalId")


def test_a_minimal_variation_keeps_an_empty_spec(ws):
    aid = new_agent(ws)["metadata"]["id"]
    created = expect(ws.api.post(variations_path(ws, aid), {"metadata": {"name": "bare"}}), 201)
    assert created["spec"] == {}
    got = expect(ws.api.get(f"{variations_path(ws, aid)}/{created['metadata']['id']}"), 200)
    assert got["spec"] == {}
    # the boundaries themselves are valid
    edge = {"weight": 0, "modelConfig": {"temperature": 1}, "compactionConfig": {"triggerThreshold": 1},
            "constraints": {"maxToolCalls": 0, "maxSubObjectives": 0}}
    assert new_variation(ws, aid, "edge", edge)["spec"] == edge
    assert new_variation(ws, aid, "cold", {"modelConfig": {"temperature": 0}})["spec"]["modelConfig"] == {
        "temperature": 0}


def test_both_route_forms_agree(ws):
    aid = new_agent(ws)["metadata"]["id"]
    created = expect(ws.api.post(f"/v1/agents/{aid}/variations", {"metadata": {"name": "short"},
                                                                  "spec": {"weight": 3}}), 201)
    vid = created["metadata"]["id"]
    canonical = f"{variations_path(ws, aid)}/{vid}"
    short = f"/v1/agents/{aid}/variations/{vid}"
    assert expect(ws.api.get(canonical), 200) == expect(ws.api.get(short), 200)
    assert expect(ws.api.get(variations_path(ws, aid)), 200) == expect(ws.api.get(f"/v1/agents/{aid}/variations"), 200)
    expect(ws.api.patch(short, {"spec": {"description": "via short"}}), 200)
    assert expect(ws.api.get(canonical), 200)["spec"] == {"weight": 3, "description": "via short"}
    tool_set = new_tool_set(ws)["metadata"]["id"]
    with_set = expect(ws.api.post(f"{short}/assignments", {"toolSetId": tool_set}), 200)
    asg = with_set["info"]["assignments"][0]["id"]
    assert expect(ws.api.delete(f"{short}/assignments/{asg}"), 200)["info"]["assignments"] == []
    expect(ws.api.delete(short), 204)
    expect_error(ws.api.get(canonical), 404, "not_found")


def test_agent_counts_its_variations_and_lists_show_info_on_request(ws):
    aid = new_agent(ws)["metadata"]["id"]
    ids = [new_variation(ws, aid, f"v-{i}")["metadata"]["id"] for i in range(3)]
    assert expect(ws.api.get(f"{ws.path}/agents/{aid}"), 200)["info"]["variationCount"] == 3

    page = expect(ws.api.get(variations_path(ws, aid)), 200)
    assert [v["metadata"]["id"] for v in page["items"]] == list(reversed(ids))
    assert page["pagination"]["total"] == 3
    assert all("info" not in v for v in page["items"])
    page = expect(ws.api.get(variations_path(ws, aid), params={"includeInfo": "true", "sortOrder": "asc"}), 200)
    assert [v["metadata"]["id"] for v in page["items"]] == ids
    assert all(info_without_creator(v) == EMPTY_INFO for v in page["items"])
    assert [v["metadata"]["name"] for v in
            expect(ws.api.get(variations_path(ws, aid), params={"prefix": "v-1"}), 200)["items"]] == ["v-1"]

    # variations belong to one agent
    other = new_agent(ws, "other")["metadata"]["id"]
    assert expect(ws.api.get(variations_path(ws, other)), 200)["pagination"]["total"] == 0
    expect_error(ws.api.get(f"{variations_path(ws, other)}/{ids[0]}"), 404, "not_found")

    expect(ws.api.delete(f"{variations_path(ws, aid)}/{ids[0]}"), 204)
    expect_error(ws.api.delete(f"{variations_path(ws, aid)}/{ids[0]}"), 404, "not_found")
    assert expect(ws.api.get(f"{ws.path}/agents/{aid}"), 200)["info"]["variationCount"] == 2
    page = expect(ws.api.get(f"{ws.path}/agents", params={"includeInfo": "true"}), 200)
    assert {a["metadata"]["id"]: a["info"]["variationCount"] for a in page["items"]} == {aid: 2, other: 0}


def test_deleting_an_agent_deletes_its_variations_and_their_assignments(ws):
    agent = new_agent(ws, "doomed")["metadata"]["id"]
    helper = new_agent(ws, "helper")["metadata"]["id"]
    tool_set = new_tool_set(ws)["metadata"]["id"]
    tool = new_tool(ws, tool_set)["metadata"]["id"]
    layer = new_layer(ws)["metadata"]["id"]
    vids = [new_variation(ws, agent, f"v{i}")["metadata"]["id"] for i in range(2)]
    vpath = f"{variations_path(ws, agent)}/{vids[0]}"
    assign(ws, vpath, {"toolId": tool})
    assign(ws, vpath, {"agentId": helper})
    attach(ws, vpath, layer)

    expect(ws.api.delete(f"{ws.path}/agents/{agent}"), 204)
    for vid in vids:
        expect_error(ws.api.get(f"{variations_path(ws, agent)}/{vid}"), 404, "not_found")
    # nothing refers to the targets any more, so they can go
    expect(ws.api.delete(f"{ws.path}/tool_sets/{tool_set}/tools/{tool}"), 204)
    expect(ws.api.delete(f"{ws.path}/agents/{helper}"), 204)
    expect(ws.api.delete(f"{ws.path}/memory_layers/{layer}"), 204)


@pytest.mark.parametrize("spec,field", [
    ({"weight": -1}, "spec.weight"),
    ({"weight": -0.01}, "spec.weight"),
    ({"modelConfig": {"temperature": 1.5}}, "spec.modelConfig.temperature"),
    ({"modelConfig": {"temperature": -0.1}}, "spec.modelConfig.temperature"),
    ({"compactionConfig": {"triggerThreshold": 0}}, "spec.compactionConfig.triggerThreshold"),
    ({"compactionConfig": {"triggerThreshold": 1.01}}, "spec.compactionConfig.triggerThreshold"),
    ({"modelConfig": {"modelId": "gpt-4o"}}, "spec.modelConfig.modelId"),
    ({"modelConfig": {"modelId": "openai/"}}, "spec.modelConfig.modelId"),
    ({"constraints": {"maxToolCalls": -1}}, "spec.constraints.maxToolCalls"),
    ({"constraints": {"maxSubObjectives": -1}}, "spec.constraints.maxSubObjectives"),
    ({"compactionConfig": {"toolResultClearing": {"preserveRecentResults": -1}}},
     "spec.compactionConfig.toolResultClearing.preserveRecentResults"),
    ({"episodicMemoryTtl": -5}, "spec.episodicMemoryTtl"),
    ({"progressiveDiscovery": {"rerankThreshold": 1.2}}, "spec.progressiveDiscovery.rerankThreshold"),
    ({"progressiveDiscovery": {"maxTools": -1}}, "spec.progressiveDiscovery.maxTools"),
    ({"progressiveDiscovery": {"hints": ["ok", " "]}}, "spec.progressiveDiscovery.hints[1]"),
    ({"prompt": "Hello {{ name "}, "spec.prompt"),
    # wrong types and unknown fields are named too
    ({"weight": "heavy"}, "spec.weight"),
    ({"episodicMemoryTtl": "1h"}, "spec.episodicMemoryTtl"),
    ({"enableEpisodicMemory": "yes"}, "spec.enableEpisodicMemory"),
    ({"modelConfig": {"temperature": "hot"}}, "spec.modelConfig.temperature"),
    ({"modelConfig": {"topP": 0.3}}, "spec.modelConfig.topP"),
    ({"status": "ACTIVE"}, "spec.status"),
])
def test_invalid_values_are_400_naming_the_field(ws, spec, field):
    aid = new_agent(ws)["metadata"]["id"]
    expect_error(ws.api.post(variations_path(ws, aid), {"metadata": {"name": "bad"}, "spec": spec}), 400,
                 "validation_error", field)
    assert expect(ws.api.get(variations_path(ws, aid)), 200)["pagination"]["total"] == 0


def test_every_violation_is_reported_at_once(ws):
    aid = new_agent(ws)["metadata"]["id"]
    spec = {"weight": -1, "modelConfig": {"modelId": "gpt", "temperature": 1.5},
            "compactionConfig": {"triggerThreshold": 0}}
    err = expect_error(ws.api.post(variations_path(ws, aid), {"metadata": {"name": ""}, "spec": spec}), 400,
                       "validation_error")
    assert {d["field"] for d in err["details"]} == {
        "metadata.name", "spec.weight", "spec.modelConfig.modelId", "spec.modelConfig.temperature",
        "spec.compactionConfig.triggerThreshold"}


def test_a_broken_liquid_prompt_names_its_position(ws):
    aid = new_agent(ws)["metadata"]["id"]

    def prompt_error(prompt, method="post", path=None):
        body = {"metadata": {"name": "p"}, "spec": {"prompt": prompt}}
        resp = ws.api.request(method.upper(), path or variations_path(ws, aid), body)
        err = expect_error(resp, 400, "validation_error", "spec.prompt")
        return next(d["message"] for d in err["details"] if d["field"] == "spec.prompt")

    msg = prompt_error("Hello {{ name ")
    assert "line" in msg and "column" in msg, msg
    assert "line 1" in msg, msg
    msg = prompt_error("All good on line one.\nHello {{ name | }}")
    assert "line 2" in msg and "column" in msg, msg
    # PATCH is checked the same way, and nothing changes
    v = new_variation(ws, aid, "ok", {"prompt": "Hi {{ name }}"})
    vpath = f"{variations_path(ws, aid)}/{v['metadata']['id']}"
    assert prompt_error("{% if vip %}never closed", "patch", vpath).startswith("invalid Liquid template")
    assert expect(ws.api.get(vpath), 200)["spec"]["prompt"] == "Hi {{ name }}"


def test_patch_merges_and_update_mask_restricts(ws):
    aid = new_agent(ws)["metadata"]["id"]
    v = new_variation(ws, aid, "p", FULL_SPEC, labels={"a": "1"})
    path = f"{variations_path(ws, aid)}/{v['metadata']['id']}"

    merged = expect(ws.api.patch(path, {"spec": {"weight": 0.5, "description": "new"}}), 200)
    assert merged["spec"] == {**FULL_SPEC, "weight": 0.5, "description": "new"}
    assert merged["metadata"]["labels"] == {"a": "1"}
    assert merged["metadata"]["updatedAt"] >= v["metadata"]["updatedAt"]
    assert expect(ws.api.get(path), 200)["spec"] == merged["spec"]

    cleared = expect(ws.api.patch(path, {"spec": {"progressiveDiscovery": None}}), 200)
    assert "progressiveDiscovery" not in cleared["spec"]

    masked = expect(ws.api.patch(path, {"metadata": {"name": "ignored", "labels": {"b": "2"}},
                                        "spec": {"weight": 7, "description": "ignored too"}},
                                 params={"updateMask": "spec.weight,metadata.labels"}), 200)
    assert masked["metadata"]["name"] == "p"
    assert masked["metadata"]["labels"] == {"b": "2"}
    assert masked["spec"]["weight"] == 7
    assert masked["spec"]["description"] == "new"
    # a masked field absent from the body is cleared
    expect(ws.api.patch(path, {}, params={"updateMask": "spec.prompt"}), 200)
    assert "prompt" not in expect(ws.api.get(path), 200)["spec"]

    expect_error(ws.api.patch(path, {}, params={"updateMask": "spec.nope"}), 400, "validation_error", "updateMask")
    expect_error(ws.api.patch(path, {"spec": {"modelConfig": {"temperature": 1.5}}}), 400, "validation_error",
                 "spec.modelConfig.temperature")
    expect_error(ws.api.patch(path, {"spec": {"weight": -2}}), 400, "validation_error", "spec.weight")
    assert expect(ws.api.get(path), 200)["spec"]["weight"] == 7
    # a fetched variation (with info) can be sent back; server-owned fields are ignored
    current = expect(ws.api.get(path), 200)
    current["metadata"]["id"] = missing("agentvar")
    current["spec"]["description"] = "round trip"
    back = expect(ws.api.patch(path, current), 200)
    assert back["metadata"]["id"] == v["metadata"]["id"]
    assert back["spec"]["description"] == "round trip"
    expect_error(ws.api.patch(f"{variations_path(ws, aid)}/{missing('agentvar')}", {}), 404, "not_found")


def test_dry_run_stores_nothing(ws):
    aid = new_agent(ws)["metadata"]["id"]
    dry = expect(ws.api.post(variations_path(ws, aid), {"metadata": {"name": "dry", "externalId": "dry-1"},
                                                         "spec": {"weight": 2}}, params={"dryRun": "true"}), 200)
    assert dry["metadata"]["id"].startswith("agentvar_")
    assert dry["spec"] == {"weight": 2}
    expect_error(ws.api.get(f"{variations_path(ws, aid)}/{dry['metadata']['id']}"), 404, "not_found")
    expect_error(ws.api.get(f"{variations_path(ws, aid)}/external_id:dry-1"), 404, "not_found")
    assert expect(ws.api.get(variations_path(ws, aid)), 200)["pagination"]["total"] == 0
    assert expect(ws.api.get(f"{ws.path}/agents/{aid}"), 200)["info"]["variationCount"] == 0
    expect_error(ws.api.post(variations_path(ws, aid), {"metadata": {"name": "d"}, "spec": {"weight": -1}},
                             params={"dryRun": "true"}), 400, "validation_error", "spec.weight")

    v = new_variation(ws, aid, "real", {"weight": 1})
    path = f"{variations_path(ws, aid)}/{v['metadata']['id']}"
    assert expect(ws.api.patch(path, {"spec": {"weight": 9}}, params={"dryRun": "true"}), 200)["spec"]["weight"] == 9
    assert expect(ws.api.get(path), 200)["spec"]["weight"] == 1
    tool_set = new_tool_set(ws)["metadata"]["id"]
    would = expect(ws.api.post(f"{path}/assignments", {"toolSetId": tool_set}, params={"dryRun": "true"}), 200)
    assert [a["toolSet"]["id"] for a in would["info"]["assignments"]] == [tool_set]
    layer = new_layer(ws)["metadata"]["id"]
    would = expect(ws.api.post(f"{path}/memory_layer_assignments", {"memoryLayerId": layer},
                               params={"dryRun": "true"}), 200)
    assert [a["memoryLayer"]["id"] for a in would["info"]["memoryLayerAssignments"]] == [layer]
    assert info_without_creator(expect(ws.api.get(path), 200)) == EMPTY_INFO
    expect(ws.api.delete(path, params={"dryRun": "true"}), 204)
    expect(ws.api.get(path), 200)


def test_unknown_and_foreign_agents_are_404(ws, other_ws):
    nobody = missing("agent")
    expect_error(ws.api.post(variations_path(ws, nobody), {"metadata": {"name": "x"}}), 404, "not_found")
    expect_error(ws.api.get(variations_path(ws, nobody)), 404, "not_found")
    expect_error(ws.api.get(f"/v1/agents/{nobody}/variations"), 404, "not_found")

    theirs = new_agent(other_ws, "theirs")["metadata"]["id"]
    their_v = new_variation(other_ws, theirs, "tv")["metadata"]["id"]
    for base in [variations_path(ws, theirs), f"/v1/agents/{theirs}/variations"]:
        expect_error(ws.api.post(base, {"metadata": {"name": "x"}}), 404, "not_found")
        expect_error(ws.api.get(base), 404, "not_found")
        expect_error(ws.api.get(f"{base}/{their_v}"), 404, "not_found")
        expect_error(ws.api.patch(f"{base}/{their_v}", {"spec": {"weight": 1}}), 404, "not_found")
        expect_error(ws.api.delete(f"{base}/{their_v}"), 404, "not_found")
    expect_error(ws.api.get(f"{variations_path(other_ws, theirs)}/{their_v}"), 404, "not_found")
    # a variation id under an agent of mine that does not own it
    mine = new_agent(ws)["metadata"]["id"]
    expect_error(ws.api.get(f"{variations_path(ws, mine)}/{their_v}"), 404, "not_found")
    expect_error(ws.api.get(f"{variations_path(ws, mine)}/agent_{their_v.split('_')[1]}"), 400,
                 "validation_error", "id")
    assert expect(other_ws.api.get(f"{variations_path(other_ws, theirs)}/{their_v}"), 200)["spec"] == {}


# ---- assignments

def kinds_of(v: dict) -> list[tuple[str, str, str]]:
    """(kind, target id, target name) of each assignment, checking its shape on the way."""
    out = []
    for a in v["info"]["assignments"]:
        assert a["id"].startswith("varasg_"), a
        targets = [k for k in ("tool", "toolSet", "agent") if k in a]
        assert len(targets) == 1, a
        assert set(a) == {"id", targets[0]}, a
        out.append((targets[0], a[targets[0]]["id"], a[targets[0]]["name"]))
    return out


def test_assign_and_remove_each_kind(ws):
    _, vpath = agent_variation(ws, "main")
    tool_set = new_tool_set(ws, "weather-set")["metadata"]["id"]
    tool = new_tool(ws, tool_set, "weather")["metadata"]["id"]
    other_set = new_tool_set(ws, "crm-set")["metadata"]["id"]
    helper = new_agent(ws, "helper")["metadata"]["id"]

    v = assign(ws, vpath, {"toolId": tool})
    assert kinds_of(v) == [("tool", tool, "weather")]
    assert counts(v) == (1, 0, 0, 0)
    v = assign(ws, vpath, {"toolSetId": other_set})
    assert counts(v) == (1, 1, 0, 0)
    v = assign(ws, vpath, {"agentId": helper})
    assert counts(v) == (1, 1, 1, 0)
    assert sorted(kinds_of(v)) == sorted([("tool", tool, "weather"), ("toolSet", other_set, "crm-set"),
                                          ("agent", helper, "helper")])
    got = expect(ws.api.get(vpath), 200)
    assert got["info"]["assignments"] == v["info"]["assignments"]
    assert counts(got) == (1, 1, 1, 0)
    assert got["info"]["feedbackCount"] == 0 and got["info"]["score"] == 0.5

    by_kind = {k: a["id"] for a in v["info"]["assignments"] for k in ("tool", "toolSet", "agent") if k in a}
    v = expect(ws.api.delete(f"{vpath}/assignments/{by_kind['tool']}"), 200)
    assert sorted(k for k, _, _ in kinds_of(v)) == ["agent", "toolSet"]
    assert counts(v) == (0, 1, 1, 0)
    expect_error(ws.api.delete(f"{vpath}/assignments/{by_kind['tool']}"), 404, "not_found")
    v = expect(ws.api.delete(f"{vpath}/assignments/{by_kind['toolSet']}"), 200)
    v = expect(ws.api.delete(f"{vpath}/assignments/{by_kind['agent']}"), 200)
    assert v["info"]["assignments"] == [] and counts(v) == (0, 0, 0, 0)
    assert info_without_creator(expect(ws.api.get(vpath), 200)) == EMPTY_INFO
    expect_error(ws.api.delete(f"{vpath}/assignments/{missing('varasg')}"), 404, "not_found")
    # unassigning re-allows assigning
    assert counts(assign(ws, vpath, {"toolId": tool})) == (1, 0, 0, 0)


def test_sdk_form_and_external_ids(ws):
    _, vpath = agent_variation(ws)
    tool_set = new_tool_set(ws, "s", externalId="crm")["metadata"]["id"]
    tool = expect(ws.api.post(f"{ws.path}/tool_sets/{tool_set}/tools", {
        "metadata": {"name": "lookup", "externalId": "lookup-1"},
        "spec": {"parameters": {}, "config": {"type": "bare", "bare": {}}}}), 201)["metadata"]["id"]
    helper = new_agent(ws, "helper", externalId="helper-1")["metadata"]["id"]

    v = assign(ws, vpath, {"type": "toolId", "toolId": "external_id:lookup-1"})
    v = assign(ws, vpath, {"type": "toolSetId", "toolSetId": "external_id:crm"})
    v = assign(ws, vpath, {"type": "subAgentId", "subAgentId": "external_id:helper-1"})
    assert sorted(kinds_of(v)) == sorted([("tool", tool, "lookup"), ("toolSet", tool_set, "s"),
                                          ("agent", helper, "helper")])
    assert counts(v) == (1, 1, 1, 0)
    # the type must match the id given
    other = new_tool_set(ws, "other")["metadata"]["id"]
    expect_error(ws.api.post(f"{vpath}/assignments", {"type": "toolId", "toolSetId": other}), 400,
                 "validation_error", "type")


@pytest.mark.parametrize("body", [
    {},
    {"type": "toolId"},
    {"toolId": "TOOL", "agentId": "AGENT"},
    {"toolId": "TOOL", "toolSetId": "SET"},
    {"toolId": "TOOL", "toolSetId": "SET", "agentId": "AGENT"},
])
def test_an_assignment_names_exactly_one_target(ws, body):
    _, vpath = agent_variation(ws)
    tool_set = new_tool_set(ws)["metadata"]["id"]
    ids = {"TOOL": new_tool(ws, tool_set)["metadata"]["id"], "SET": tool_set,
           "AGENT": new_agent(ws, "helper")["metadata"]["id"]}
    body = {k: ids.get(v, v) for k, v in body.items()}
    expect_error(ws.api.post(f"{vpath}/assignments", body), 400, "validation_error")
    assert expect(ws.api.get(vpath), 200)["info"]["assignments"] == []


def test_assignment_body_is_checked(ws):
    _, vpath = agent_variation(ws)
    tool_set = new_tool_set(ws)["metadata"]["id"]
    err = expect_error(ws.api.post(f"{vpath}/assignments", {"toolSetId": tool_set, "weight": 1}), 400,
                       "validation_error", "weight")
    assert "unknown field" in err["message"]
    expect_error(ws.api.post(f"{vpath}/assignments", {"toolSetId": 5}), 400, "validation_error", "toolSetId")
    expect_error(ws.api.post(f"{vpath}/assignments", raw=b"{"), 400, "validation_error", "body")


def test_duplicate_assignments_conflict(ws):
    _, vpath = agent_variation(ws)
    tool_set = new_tool_set(ws)["metadata"]["id"]
    tool = new_tool(ws, tool_set)["metadata"]["id"]
    helper = new_agent(ws, "helper", externalId="h")["metadata"]["id"]
    for body in [{"toolId": tool}, {"toolSetId": tool_set}, {"agentId": helper}]:
        assign(ws, vpath, body)
        expect_error(ws.api.post(f"{vpath}/assignments", body), 409, "conflict")
    # the same target spelled differently is still the same
    expect_error(ws.api.post(f"{vpath}/assignments", {"type": "subAgentId", "subAgentId": "external_id:h"}), 409,
                 "conflict")
    assert counts(expect(ws.api.get(vpath), 200)) == (1, 1, 1, 0)
    # another variation may assign the same targets
    _, other = agent_variation(ws, "other")
    assert counts(assign(ws, other, {"toolId": tool})) == (1, 0, 0, 0)


def test_an_agent_cannot_be_its_own_sub_agent(ws):
    aid, vpath = agent_variation(ws, "self")
    expect_error(ws.api.post(f"{vpath}/assignments", {"agentId": aid}), 400, "validation_error", "agentId")
    ext = new_agent(ws, "selfish", externalId="me")["metadata"]["id"]
    ev = new_variation(ws, ext, "v")["metadata"]["id"]
    expect_error(ws.api.post(f"{variations_path(ws, ext)}/{ev}/assignments",
                             {"type": "subAgentId", "subAgentId": "external_id:me"}), 400, "validation_error")
    assert expect(ws.api.get(vpath), 200)["info"]["assignments"] == []


def test_sub_agent_cycles_are_refused(ws):
    a, va = agent_variation(ws, "a")
    b, vb = agent_variation(ws, "b")
    c, vc = agent_variation(ws, "c")
    assign(ws, va, {"agentId": b})
    # b -> a would close a -> b -> a
    expect_error(ws.api.post(f"{vb}/assignments", {"agentId": a}), 409, "conflict")
    assign(ws, vb, {"agentId": c})
    # c -> a would close a -> b -> c -> a; c -> b would close b -> c -> b
    expect_error(ws.api.post(f"{vc}/assignments", {"agentId": a}), 409, "conflict")
    expect_error(ws.api.post(f"{vc}/assignments", {"type": "subAgentId", "subAgentId": b}), 409, "conflict")
    # any variation of the agent counts: a second variation of c is refused too
    vc2 = f"{variations_path(ws, c)}/{new_variation(ws, c, 'c2')['metadata']['id']}"
    expect_error(ws.api.post(f"{vc2}/assignments", {"agentId": a}), 409, "conflict")
    # a diamond is not a cycle
    assert counts(assign(ws, va, {"agentId": c})) == (0, 0, 2, 0)
    assert expect(ws.api.get(vc), 200)["info"]["assignments"] == []
    # once the path is cut, the former cycle edge is allowed
    asg = next(x["id"] for x in expect(ws.api.get(vb), 200)["info"]["assignments"])
    expect(ws.api.delete(f"{vb}/assignments/{asg}"), 200)
    assert counts(assign(ws, vc, {"agentId": b})) == (0, 0, 1, 0)


def test_targets_must_exist_in_the_same_workspace(ws, other_ws):
    _, vpath = agent_variation(ws)
    their_set = new_tool_set(other_ws, "theirs")["metadata"]["id"]
    their_tool = new_tool(other_ws, their_set)["metadata"]["id"]
    their_agent = new_agent(other_ws, "theirs")["metadata"]["id"]
    for body in [{"toolId": their_tool}, {"toolSetId": their_set}, {"agentId": their_agent},
                 {"toolId": missing("tool")}, {"toolSetId": missing("toolset")}, {"agentId": missing("agent")},
                 {"type": "toolId", "toolId": "external_id:nowhere"}]:
        expect_error(ws.api.post(f"{vpath}/assignments", body), 404, "not_found")
    assert expect(ws.api.get(vpath), 200)["info"]["assignments"] == []
    # their variation is out of reach too
    their_aid = new_agent(other_ws, "a")["metadata"]["id"]
    their_v = new_variation(other_ws, their_aid, "v")["metadata"]["id"]
    mine = new_tool_set(ws)["metadata"]["id"]
    expect_error(ws.api.post(f"{variations_path(ws, their_aid)}/{their_v}/assignments", {"toolSetId": mine}),
                 404, "not_found")
    expect_error(ws.api.post(f"/v1/agents/{their_aid}/variations/{their_v}/assignments", {"toolSetId": mine}),
                 404, "not_found")


# ---- memory layer assignments

def stack(v: dict) -> list[tuple[str, int]]:
    """(layer name, position) bottom to top, checking each assignment's shape."""
    out = []
    for a in v["info"]["memoryLayerAssignments"]:
        assert a["id"].startswith("memlyrasg_"), a
        assert set(a) == {"id", "memoryLayer", "position"}, a
        assert a["memoryLayer"]["id"].startswith("memlyr_"), a
        out.append((a["memoryLayer"]["name"], a["position"]))
    assert [p for _, p in out] == sorted(p for _, p in out), "ascending by position"
    assert v["info"]["memoryLayerCount"] == len(out)
    return out


def test_memory_layer_positions(ws):
    _, vpath = agent_variation(ws)
    layers = {n: new_layer(ws, n, externalId=f"ext-{n}")["metadata"]["id"] for n in "abcdef"}

    v = attach(ws, vpath, layers["a"])
    assert stack(v) == [("a", 0)]
    assert v["info"]["memoryLayerAssignments"][0]["memoryLayer"] == {"id": layers["a"], "name": "a"}
    assert stack(attach(ws, vpath, layers["b"])) == [("a", 0), ("b", 1)]
    assert stack(attach(ws, vpath, layers["c"], position=10)) == [("a", 0), ("b", 1), ("c", 10)]
    assert stack(attach(ws, vpath, "external_id:ext-d")) == [("a", 0), ("b", 1), ("c", 10), ("d", 11)]
    v = attach(ws, vpath, layers["e"], position=5)
    assert stack(v) == [("a", 0), ("b", 1), ("e", 5), ("c", 10), ("d", 11)]
    assert stack(expect(ws.api.get(vpath), 200)) == stack(v)

    # a taken position is a validation error; the same layer twice a conflict
    expect_error(ws.api.post(f"{vpath}/memory_layer_assignments", {"memoryLayerId": layers["f"], "position": 5}),
                 400, "validation_error", "position")
    expect_error(ws.api.post(f"{vpath}/memory_layer_assignments", {"memoryLayerId": layers["a"]}), 409, "conflict")
    expect_error(ws.api.post(f"{vpath}/memory_layer_assignments", {"memoryLayerId": "external_id:ext-a",
                                                                   "position": 30}), 409, "conflict")
    assert stack(expect(ws.api.get(vpath), 200)) == stack(v)

    # PATCH moves; a taken position is refused
    ids = {a["memoryLayer"]["name"]: a["id"] for a in v["info"]["memoryLayerAssignments"]}
    moved = expect(ws.api.patch(f"{vpath}/memory_layer_assignments/{ids['a']}", {"position": 20}), 200)
    assert stack(moved) == [("b", 1), ("e", 5), ("c", 10), ("d", 11), ("a", 20)]
    expect_error(ws.api.patch(f"{vpath}/memory_layer_assignments/{ids['b']}", {"position": 10}), 400,
                 "validation_error", "position")
    expect_error(ws.api.patch(f"{vpath}/memory_layer_assignments/{ids['b']}", {"position": "top"}), 400,
                 "validation_error", "position")
    expect_error(ws.api.patch(f"{vpath}/memory_layer_assignments/{ids['b']}", {}), 400, "validation_error")
    expect_error(ws.api.patch(f"{vpath}/memory_layer_assignments/{missing('memlyrasg')}", {"position": 3}), 404,
                 "not_found")
    # the default is still max + 1
    assert stack(attach(ws, vpath, layers["f"]))[-1] == ("f", 21)

    # DELETE detaches and returns the variation
    out = expect(ws.api.delete(f"{vpath}/memory_layer_assignments/{ids['e']}"), 200)
    assert stack(out) == [("b", 1), ("c", 10), ("d", 11), ("a", 20), ("f", 21)]
    expect_error(ws.api.delete(f"{vpath}/memory_layer_assignments/{ids['e']}"), 404, "not_found")
    assert stack(expect(ws.api.get(vpath), 200)) == stack(out)
    # the freed position can be used again
    assert ("e", 5) in stack(attach(ws, vpath, layers["e"], position=5))


def test_at_most_ten_memory_layers(ws):
    _, vpath = agent_variation(ws)
    layers = [new_layer(ws, f"l{i:02d}")["metadata"]["id"] for i in range(11)]
    for i, layer in enumerate(layers[:10]):
        assert stack(attach(ws, vpath, layer))[-1] == (f"l{i:02d}", i)
    expect_error(ws.api.post(f"{vpath}/memory_layer_assignments", {"memoryLayerId": layers[10]}), 400,
                 "validation_error")
    expect_error(ws.api.post(f"{vpath}/memory_layer_assignments", {"memoryLayerId": layers[10], "position": 50}),
                 400, "validation_error")
    v = expect(ws.api.get(vpath), 200)
    assert len(stack(v)) == 10
    # after detaching one, there is room again
    expect(ws.api.delete(f"{vpath}/memory_layer_assignments/{v['info']['memoryLayerAssignments'][0]['id']}"), 200)
    assert len(stack(attach(ws, vpath, layers[10]))) == 10


def test_memory_layer_assignment_targets(app, ws, other_ws):
    agent = new_agent(ws, "remembers")
    vid = new_variation(ws, agent["metadata"]["id"], "v")["metadata"]["id"]
    vpath = f"{variations_path(ws, agent['metadata']['id'])}/{vid}"
    episodic = insert_episodic_layer(app, ws, agent, key="customer-42")
    assert expect(ws.api.get(f"{ws.path}/memory_layers/{episodic}"), 200)["spec"]["systemManaged"] is True
    expect_error(ws.api.post(f"{vpath}/memory_layer_assignments", {"memoryLayerId": episodic}), 400,
                 "validation_error", "memoryLayerId")
    theirs = new_layer(other_ws, "theirs")["metadata"]["id"]
    for layer in [theirs, missing("memlyr"), "external_id:nowhere"]:
        expect_error(ws.api.post(f"{vpath}/memory_layer_assignments", {"memoryLayerId": layer}), 404, "not_found")
    expect_error(ws.api.post(f"{vpath}/memory_layer_assignments", {}), 400, "validation_error")
    expect_error(ws.api.post(f"{vpath}/memory_layer_assignments", {"memoryLayerId": missing("agent")}), 400,
                 "validation_error", "memoryLayerId")
    mine = new_layer(ws)["metadata"]["id"]
    expect_error(ws.api.post(f"{vpath}/memory_layer_assignments", {"memoryLayerId": mine, "slot": 1}), 400,
                 "validation_error", "slot")
    assert stack(expect(ws.api.get(vpath), 200)) == []


# ---- referential rules

def test_an_assigned_sub_agent_cannot_be_deleted(ws):
    helper = new_agent(ws, "helper")["metadata"]["id"]
    aid, vpath = agent_variation(ws, "boss")
    vid = vpath.rsplit("/", 1)[1]
    v = assign(ws, vpath, {"agentId": helper})
    err = expect_error(ws.api.delete(f"{ws.path}/agents/{helper}"), 409, "conflict")
    assert mentions(err, vid, "boss-v"), err
    expect(ws.api.get(f"{ws.path}/agents/{helper}"), 200)
    expect(ws.api.delete(f"{vpath}/assignments/{v['info']['assignments'][0]['id']}"), 200)
    expect(ws.api.delete(f"{ws.path}/agents/{helper}"), 204)
    # the agent that assigned it may always be deleted (its variations go with it)
    assign(ws, vpath, {"toolSetId": new_tool_set(ws)["metadata"]["id"]})
    expect(ws.api.delete(f"{ws.path}/agents/{aid}"), 204)


# ---- scopes and audit

def test_variation_scopes(ws):
    aid, vpath = agent_variation(ws)
    layer = new_layer(ws)["metadata"]["id"]
    tool_set = new_tool_set(ws)["metadata"]["id"]
    v = attach(ws, vpath, layer)
    lasg = v["info"]["memoryLayerAssignments"][0]["id"]
    v = assign(ws, vpath, {"toolSetId": tool_set})
    asg = v["info"]["assignments"][0]["id"]
    base = variations_path(ws, aid)

    reader = ws.client(["variations:read"])
    expect(reader.get(base), 200)
    expect(reader.get(vpath), 200)
    expect(reader.get(f"/v1/agents/{aid}/variations"), 200)
    for resp in [
        reader.post(base, {"metadata": {"name": "x"}}),
        reader.post(base, {"metadata": {"name": "x"}}, params={"dryRun": "true"}),
        reader.post(f"/v1/agents/{aid}/variations", {"metadata": {"name": "x"}}),
        reader.patch(vpath, {"spec": {"weight": 3}}),
        reader.delete(vpath),
        reader.post(f"{vpath}/assignments", {"agentId": new_agent(ws, "h")["metadata"]["id"]}),
        reader.delete(f"{vpath}/assignments/{asg}"),
        reader.post(f"{vpath}/memory_layer_assignments", {"memoryLayerId": new_layer(ws, "l2")["metadata"]["id"]}),
        reader.patch(f"{vpath}/memory_layer_assignments/{lasg}", {"position": 4}),
        reader.delete(f"{vpath}/memory_layer_assignments/{lasg}"),
    ]:
        err = expect_error(resp, 403, "forbidden")
        assert "variations:write" in err["message"] or "`*`" in err["message"], err
    after = expect(ws.api.get(vpath), 200)
    assert after["spec"] == {} and counts(after) == (0, 1, 0, 1)

    # agents:* does not reach variations
    agents_only = ws.client(["agents:write"])
    err = expect_error(agents_only.get(base), 403, "forbidden")
    assert "variations:read" in err["message"]
    expect_error(agents_only.get(vpath), 403, "forbidden")
    expect_error(agents_only.post(base, {"metadata": {"name": "x"}}), 403, "forbidden")
    # variations:write alone is enough to configure one
    writer = ws.client(["variations:write"])
    created = expect(writer.post(base, {"metadata": {"name": "by writer"}}), 201)
    expect(writer.get(f"{base}/{created['metadata']['id']}"), 200)


def test_variation_calls_are_audited(ws):
    key = ws.key(ws.api, ["variations:write"], name="audited")
    kid = key["metadata"]["id"]
    api = ws.api.with_token(key["spec"]["token"])
    aid = new_agent(ws)["metadata"]["id"]
    tool_set = new_tool_set(ws)["metadata"]["id"]
    base = variations_path(ws, aid)
    route = "/v1/workspaces/{workspaceId}/agents/{agentId}/variations"
    calls = []

    def call(method, path, status, template, scope, **kw):
        rid = request_id()
        resp = api.request(method, path, headers={"x-request-id": rid}, **kw)
        assert resp.status_code == status, resp.text
        calls.append((rid, status, method, template, scope))
        return resp

    vid = call("POST", base, 201, route, "variations:write", body={"metadata": {"name": "v"}}).json()["metadata"]["id"]
    call("GET", f"{base}/{vid}", 200, route + "/{id}", "variations:read")
    call("GET", f"/v1/agents/{aid}/variations/{vid}", 200, "/v1/agents/{agentId}/variations/{id}", "variations:read")
    call("POST", f"{base}/{vid}", 405, f"{base}/{vid}", None, body={})
    asg = call("POST", f"{base}/{vid}/assignments", 200, route + "/{variationId}/assignments", "variations:write",
               body={"toolSetId": tool_set}).json()["info"]["assignments"][0]["id"]
    call("DELETE", f"{base}/{vid}/assignments/{asg}", 200, route + "/{variationId}/assignments/{id}",
         "variations:write")
    call("POST", f"{base}/{vid}/memory_layer_assignments", 404, route + "/{variationId}/memory_layer_assignments",
         "variations:write", body={"memoryLayerId": missing("memlyr")})
    call("PATCH", f"{base}/{vid}", 400, route + "/{id}", "variations:write", body={"spec": {"weight": -1}})
    call("DELETE", f"{base}/{vid}", 204, route + "/{id}", "variations:write")

    def all_present():
        rows = {r["data"]["requestId"]: r for r in expect(ws.api.get(
            f"{ws.path}/audit_logs", params={"tokenId": kid, "limit": 200}), 200)["items"]}
        return rows if all(c[0] in rows for c in calls) else None

    rows = eventually(all_present)
    assert rows, "audit rows missing"
    for rid, status, method, template, scope in calls:
        data = rows[rid]["data"]
        assert (data["status"], data["method"], data["route"], data.get("scope"), data["tokenId"]) == (
            status, method, template, scope, kid), data
