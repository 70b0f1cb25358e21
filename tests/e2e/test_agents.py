"""Agents (docs/api.md §6.1, §6.2, §6.4, §3) in both route forms."""

from __future__ import annotations

from client import expect, expect_error, jwt_claims

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
OUTPUT = {"type": "object", "properties": {"answer": {"type": "string"}}}


def new_agent(ws, name="agent", **spec):
    return expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": name}, "spec": spec}), 201)


def test_create_defaults_and_every_field_round_trips(ws):
    a = new_agent(ws, "defaults")
    assert a["metadata"]["id"].startswith("agent_")
    assert a["metadata"]["workspaceId"] == ws.id
    assert a["spec"]["status"] == "AGENT_STATUS_DRAFT"
    assert a["spec"]["variationSelectionMode"] == "VARIATION_SELECTION_MODE_RANDOM"
    assert a["metadata"]["createdAt"].endswith("Z") and len(a["metadata"]["createdAt"]) == 24

    full = {
        "metadata": {"name": "full", "externalId": "crm-1", "labels": {"team": "cx", "tier": "1"},
                     "bundleKey": "bundle-a"},
        "spec": {"status": "AGENT_STATUS_PUBLISHED", "variationSelectionMode": "VARIATION_SELECTION_MODE_WEIGHTED",
                 "description": "answers tickets", "inputDataSchema": SCHEMA, "outputDefinition": OUTPUT,
                 "webhookEventsUrl": "https://hooks.example.com/cadenya"},
    }
    created = expect(ws.api.post(f"{ws.path}/agents", full), 201)
    for k, v in full["metadata"].items():
        assert created["metadata"][k] == v
    assert created["spec"] == full["spec"]
    got = expect(ws.api.get(f"{ws.path}/agents/{created['metadata']['id']}"), 200)
    assert got["spec"] == full["spec"]
    assert got["info"]["variationCount"] == 0
    assert got["info"]["createdBy"]["metadata"]["id"] == jwt_claims(ws.token)["sub"]
    assert got["info"]["createdBy"]["spec"]["type"] == "PROFILE_TYPE_API_KEY"
    assert got["metadata"]["profileId"] == jwt_claims(ws.token)["sub"]
    # by external id, and an external id is unique per workspace
    by_ext = expect(ws.api.get(f"{ws.path}/agents/external_id:crm-1"), 200)
    assert by_ext["metadata"]["id"] == created["metadata"]["id"]
    expect_error(ws.api.post(f"{ws.path}/agents", full), 409, "conflict", "metadata.externalId")


def test_both_route_forms_agree(ws):
    via_short = expect(ws.api.post("/v1/agents", {"metadata": {"name": "short"}}), 201)
    aid = via_short["metadata"]["id"]
    canonical = expect(ws.api.get(f"{ws.path}/agents/{aid}"), 200)
    short = expect(ws.api.get(f"/v1/agents/{aid}"), 200)
    assert canonical == short
    assert expect(ws.api.get(f"{ws.path}/agents"), 200) == expect(ws.api.get("/v1/agents"), 200)
    expect(ws.api.post(f"/v1/agents/{aid}:publish"), 200)
    assert expect(ws.api.get(f"{ws.path}/agents/{aid}"), 200)["spec"]["status"] == "AGENT_STATUS_PUBLISHED"
    expect(ws.api.patch(f"/v1/agents/{aid}", {"spec": {"description": "via short"}}), 200)
    assert expect(ws.api.get(f"{ws.path}/agents/{aid}"), 200)["spec"]["description"] == "via short"
    expect(ws.api.delete(f"/v1/agents/{aid}"), 204)
    expect_error(ws.api.get(f"{ws.path}/agents/{aid}"), 404, "not_found")


def test_short_form_needs_a_single_workspace_token(admin, root):
    # the bootstrap key reaches several workspaces once others were created
    expect(admin.post("/v1/workspaces", {"metadata": {"name": "second"}}), 201)
    err = expect_error(admin.get("/v1/agents"), 400, "validation_error")
    assert "canonical" in err["message"]
    expect(admin.get(f"/v1/workspaces/{root['workspace']['metadata']['id']}/agents"), 200)


def ids_of(page):
    return [a["metadata"]["id"] for a in page["items"]]


def walk(ws, params, create_between=0):
    """Pages through agents, creating agents between pages; returns ids in order."""
    seen, cursor, pages = [], None, 0
    while True:
        q = dict(params)
        if cursor:
            q["cursor"] = cursor
        page = expect(ws.api.get(f"{ws.path}/agents", params=q), 200)
        seen += ids_of(page)
        pages += 1
        cursor = page["pagination"].get("nextCursor")
        if not cursor:
            return seen, page
        for i in range(create_between):
            new_agent(ws, f"late-{pages}-{i}")


def test_pagination_never_skips_or_repeats_while_agents_are_created(ws):
    originals = [new_agent(ws, f"agent-{i:03d}")["metadata"]["id"] for i in range(125)]
    first = expect(ws.api.get(f"{ws.path}/agents", params={"limit": 20}), 200)
    assert first["pagination"]["total"] == 125
    assert len(first["items"]) == 20

    seen, last = walk(ws, {"limit": 20}, create_between=2)
    assert len(seen) == len(set(seen)), "an item was repeated"
    assert set(originals) <= set(seen), "an item was skipped"
    assert seen[:125] == list(reversed(originals)), "newest first by default"
    assert "nextCursor" not in last["pagination"]

    seen_asc, _ = walk(ws, {"limit": 30, "sortOrder": "asc"}, create_between=1)
    assert len(seen_asc) == len(set(seen_asc))
    assert seen_asc[:125] == originals
    total = expect(ws.api.get(f"{ws.path}/agents"), 200)["pagination"]["total"]
    assert total == len(seen_asc), "ascending walk reaches agents created while paging"


def test_filters_prefix_labels_status_and_sort(ws):
    for name, labels in [("alpha-1", {"env": "prod", "team": "a"}), ("alpha-2", {"env": "dev", "team": "a"}),
                         ("beta-1", {"env": "prod", "team": "b"})]:
        expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": name, "labels": labels}}), 201)
    def names(params):
        page = expect(ws.api.get(f"{ws.path}/agents", params=params), 200)
        return [a["metadata"]["name"] for a in page["items"]], page["pagination"]["total"]
    assert names({"prefix": "alpha"}) == (["alpha-2", "alpha-1"], 2)
    assert names({"prefix": "alpha", "sortOrder": "asc"}) == (["alpha-1", "alpha-2"], 2)
    assert names({"labels": "env=prod"}) == (["beta-1", "alpha-1"], 2)
    assert names([("labels", "env=prod"), ("labels", "team=a")]) == (["alpha-1"], 1)
    assert names({"labels": "env=prod,team=b"}) == (["beta-1"], 1)
    assert names({"prefix": "ALPHA"}) == ([], 0)
    beta = expect(ws.api.get(f"{ws.path}/agents", params={"prefix": "beta"}), 200)["items"][0]
    expect(ws.api.post(f"{ws.path}/agents/{beta['metadata']['id']}:publish"), 200)
    assert names({"status": "AGENT_STATUS_PUBLISHED"}) == (["beta-1"], 1)
    expect_error(ws.api.get(f"{ws.path}/agents", params={"status": "PUBLISHED"}), 400, "validation_error", "status")
    # info only on request
    page = expect(ws.api.get(f"{ws.path}/agents"), 200)
    assert all("info" not in a for a in page["items"])
    page = expect(ws.api.get(f"{ws.path}/agents", params={"includeInfo": "true"}), 200)
    assert all(a["info"]["variationCount"] == 0 and a["info"]["createdBy"] for a in page["items"])


def test_patch_merges_and_update_mask_restricts(ws):
    a = expect(ws.api.post(f"{ws.path}/agents", {
        "metadata": {"name": "p", "labels": {"a": "1"}},
        "spec": {"description": "old", "webhookEventsUrl": "https://a.example.com/h"}}), 201)
    path = f"{ws.path}/agents/{a['metadata']['id']}"
    merged = expect(ws.api.patch(path, {"spec": {"description": "new"}}), 200)
    assert merged["spec"]["description"] == "new"
    assert merged["spec"]["webhookEventsUrl"] == "https://a.example.com/h"
    assert merged["metadata"]["labels"] == {"a": "1"}
    assert merged["metadata"]["updatedAt"] >= a["metadata"]["updatedAt"]

    cleared = expect(ws.api.patch(path, {"spec": {"webhookEventsUrl": None}}), 200)
    assert "webhookEventsUrl" not in cleared["spec"]

    masked = expect(ws.api.patch(path, {"metadata": {"name": "ignored", "labels": {"b": "2"}},
                                        "spec": {"description": "ignored too"}},
                                 params={"updateMask": "metadata.labels"}), 200)
    assert masked["metadata"]["name"] == "p"
    assert masked["metadata"]["labels"] == {"b": "2"}
    assert masked["spec"]["description"] == "new"

    in_body = expect(ws.api.patch(path, {"spec": {"description": "body mask"}, "updateMask": "spec.description"}), 200)
    assert in_body["spec"]["description"] == "body mask"
    # a masked field absent from the body is cleared
    expect(ws.api.patch(path, {}, params={"updateMask": "spec.description"}), 200)
    assert "description" not in expect(ws.api.get(path), 200)["spec"]

    expect_error(ws.api.patch(path, {}, params={"updateMask": "spec.nope"}), 400, "validation_error", "updateMask")
    expect_error(ws.api.patch(path, {"metadata": {"name": ""}}), 400, "validation_error", "metadata.name")
    expect_error(ws.api.patch(path, {"spec": {"inputDataSchema": {"type": "objekt"}}}), 400, "validation_error",
                 "spec.inputDataSchema")
    # server-owned fields are ignored on update, so a fetched agent can be sent back
    current = expect(ws.api.get(path), 200)
    current["metadata"]["id"] = "agent_01ARZ3NDEKTSV4RRFFQ69G5FAV"
    current["spec"]["description"] = "round trip"
    back = expect(ws.api.patch(path, current), 200)
    assert back["metadata"]["id"] == a["metadata"]["id"]
    assert back["spec"]["description"] == "round trip"
    expect_error(ws.api.patch(f"{ws.path}/agents/agent_01ARZ3NDEKTSV4RRFFQ69G5FAV", {}), 404, "not_found")


def test_custom_methods_move_the_status(ws):
    a = new_agent(ws, "lifecycle")
    path = f"{ws.path}/agents/{a['metadata']['id']}"
    assert expect(ws.api.post(f"{path}:publish"), 200)["spec"]["status"] == "AGENT_STATUS_PUBLISHED"
    assert expect(ws.api.post(f"{path}:publish", {}), 200)["spec"]["status"] == "AGENT_STATUS_PUBLISHED"
    assert expect(ws.api.post(f"{path}:unpublish"), 200)["spec"]["status"] == "AGENT_STATUS_DRAFT"
    assert expect(ws.api.post(f"{path}:archive"), 200)["spec"]["status"] == "AGENT_STATUS_ARCHIVED"
    expect_error(ws.api.post(f"{path}:publish"), 409, "failed_precondition")
    assert expect(ws.api.post(f"{path}:unarchive"), 200)["spec"]["status"] == "AGENT_STATUS_DRAFT"
    expect_error(ws.api.post(f"{path}:unarchive"), 409, "failed_precondition")
    expect_error(ws.api.post(f"{path}:publish", {"force": True}), 400, "validation_error", "force")
    assert expect(ws.api.get(path), 200)["spec"]["status"] == "AGENT_STATUS_DRAFT"
    expect_error(ws.api.get(f"{path}:publish"), 405, "method_not_allowed")
    # an unknown verb names no resource this method serves
    expect_error(ws.api.post(f"{path}:explode"), 405, "method_not_allowed")


def test_delete_then_404(ws):
    a = new_agent(ws, "doomed")
    path = f"{ws.path}/agents/{a['metadata']['id']}"
    total = expect(ws.api.get(f"{ws.path}/agents"), 200)["pagination"]["total"]
    expect(ws.api.delete(path), 204)
    expect_error(ws.api.get(path), 404, "not_found")
    expect_error(ws.api.delete(path), 404, "not_found")
    assert expect(ws.api.get(f"{ws.path}/agents"), 200)["pagination"]["total"] == total - 1


def test_dry_run_stores_nothing(ws):
    dry = expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": "dry", "externalId": "dry-1"}},
                             params={"dryRun": "true"}), 200)
    assert dry["metadata"]["id"].startswith("agent_")
    expect_error(ws.api.get(f"{ws.path}/agents/{dry['metadata']['id']}"), 404, "not_found")
    expect_error(ws.api.get(f"{ws.path}/agents/external_id:dry-1"), 404, "not_found")
    assert expect(ws.api.get(f"{ws.path}/agents"), 200)["pagination"]["total"] == 0
    # dry runs still validate
    expect_error(ws.api.post(f"{ws.path}/agents", {"metadata": {}}, params={"dryRun": "true"}), 400,
                 "validation_error", "metadata.name")

    a = new_agent(ws, "real")
    path = f"{ws.path}/agents/{a['metadata']['id']}"
    out = expect(ws.api.patch(path, {"spec": {"description": "dry"}}, params={"dryRun": "true"}), 200)
    assert out["spec"]["description"] == "dry"
    assert "description" not in expect(ws.api.get(path), 200)["spec"]
    expect(ws.api.post(f"{path}:publish", params={"dryRun": "true"}), 200)
    assert expect(ws.api.get(path), 200)["spec"]["status"] == "AGENT_STATUS_DRAFT"
    expect(ws.api.delete(path, params={"dryRun": "true"}), 204)
    expect(ws.api.get(path), 200)
    # a dry-run conflict is reported like the real thing
    expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": "e", "externalId": "taken"}}), 201)
    expect_error(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": "e", "externalId": "taken"}},
                             params={"dryRun": "true"}), 409, "conflict")
