"""Memory layers and entries (docs/api.md §3): user layers, read-only episodic layers, entry rules."""

from __future__ import annotations

import pytest

from builders import (agent_variation, attach, entries_path, insert_episodic_entry, insert_episodic_layer,
                      mentions, missing, new_agent, new_entry, new_layer)
from client import expect, expect_error, eventually, jwt_claims, request_id

USER_SPEC = {"type": "MEMORY_LAYER_TYPE_USER", "systemManaged": False}


def layers(ws) -> str:
    return f"{ws.path}/memory_layers"


def entry_count(ws, layer_id: str) -> int:
    return expect(ws.api.get(f"{layers(ws)}/{layer_id}"), 200)["info"]["entryCount"]


# ---- layers

def test_layer_round_trip(ws):
    body = {"metadata": {"name": "kb", "externalId": "kb-1", "labels": {"team": "cx"}},
            "spec": {"description": "product facts"}}
    created = expect(ws.api.post(layers(ws), body), 201)
    lid = created["metadata"]["id"]
    assert lid.startswith("memlyr_")
    assert created["metadata"]["workspaceId"] == ws.id
    assert created["spec"] == {**USER_SPEC, "description": "product facts"}
    got = expect(ws.api.get(f"{layers(ws)}/{lid}"), 200)
    assert got["spec"] == created["spec"]
    assert got["info"]["entryCount"] == 0
    assert got["info"]["createdBy"]["metadata"]["id"] == jwt_claims(ws.token)["sub"]
    assert expect(ws.api.get(f"{layers(ws)}/external_id:kb-1"), 200)["metadata"]["id"] == lid
    expect_error(ws.api.post(layers(ws), body), 409, "conflict", "metadata.externalId")

    # the type may be given, as USER; without a spec a layer is a plain user layer
    explicit = expect(ws.api.post(layers(ws), {"metadata": {"name": "typed"},
                                               "spec": {"type": "MEMORY_LAYER_TYPE_USER"}}), 201)
    assert explicit["spec"] == USER_SPEC
    assert new_layer(ws, "plain")["spec"] == USER_SPEC


@pytest.mark.parametrize("spec,field", [
    ({"type": "MEMORY_LAYER_TYPE_EPISODIC"}, "spec.type"),
    ({"type": "EPISODIC"}, "spec.type"),
    ({"systemManaged": True}, "spec.systemManaged"),
    ({"agentId": "agent_01ARZ3NDEKTSV4RRFFQ69G5FAV"}, "spec.agentId"),
    ({"episodicKey": "customer-1"}, "spec.episodicKey"),
    ({"description": "d" * 10001}, "spec.description"),
    ({"kind": "user"}, "spec.kind"),
])
def test_only_user_layers_can_be_created(ws, spec, field):
    expect_error(ws.api.post(layers(ws), {"metadata": {"name": "x"}, "spec": spec}), 400, "validation_error", field)
    assert expect(ws.api.get(layers(ws)), 200)["pagination"]["total"] == 0


def test_layer_patch_list_and_delete(ws):
    a = new_layer(ws, "alpha")
    b = expect(ws.api.post(layers(ws), {"metadata": {"name": "beta"}, "spec": {"description": "old"}}), 201)
    path = f"{layers(ws)}/{b['metadata']['id']}"
    out = expect(ws.api.patch(path, {"spec": {"description": "new"}, "metadata": {"labels": {"x": "y"}}}), 200)
    assert out["spec"] == {**USER_SPEC, "description": "new"}
    assert out["metadata"]["labels"] == {"x": "y"} and out["metadata"]["name"] == "beta"
    masked = expect(ws.api.patch(path, {"metadata": {"name": "ignored"}}, params={"updateMask": "spec.description"}),
                    200)
    assert masked["metadata"]["name"] == "beta" and "description" not in masked["spec"]
    expect_error(ws.api.patch(path, {"spec": {"type": "MEMORY_LAYER_TYPE_EPISODIC"}}), 400, "validation_error",
                 "spec.type")
    # a fetched layer can be sent back
    current = expect(ws.api.get(path), 200)
    current["metadata"]["name"] = "beta 2"
    assert expect(ws.api.patch(path, current), 200)["metadata"]["name"] == "beta 2"

    page = expect(ws.api.get(layers(ws)), 200)
    assert [x["metadata"]["id"] for x in page["items"]] == [b["metadata"]["id"], a["metadata"]["id"]]
    assert page["pagination"]["total"] == 2 and all("info" not in x for x in page["items"])
    page = expect(ws.api.get(layers(ws), params={"includeInfo": "true", "prefix": "al"}), 200)
    assert [(x["metadata"]["name"], x["info"]["entryCount"]) for x in page["items"]] == [("alpha", 0)]

    new_entry(ws, b["metadata"]["id"], "k")
    expect(ws.api.delete(path), 204)
    expect_error(ws.api.get(path), 404, "not_found")
    expect_error(ws.api.get(entries_path(ws, b["metadata"]["id"])), 404, "not_found")
    expect_error(ws.api.delete(path), 404, "not_found")
    assert expect(ws.api.get(layers(ws)), 200)["pagination"]["total"] == 1


# ---- entries

def test_entry_round_trip_and_content_only_on_single_reads(ws):
    lid = new_layer(ws, "kb")["metadata"]["id"]
    created = expect(ws.api.post(entries_path(ws, lid), {"spec": {"key": "skills/refunds", "content": "Refund in 5 days.",
                                                                  "description": "refund policy"}}), 201)
    eid = created["metadata"]["id"]
    assert eid.startswith("mement_")
    assert created["metadata"]["name"] == "skills/refunds"
    assert created["spec"] == {"key": "skills/refunds", "content": "Refund in 5 days.", "description": "refund policy"}
    got = expect(ws.api.get(f"{entries_path(ws, lid)}/{eid}"), 200)
    assert got["spec"] == created["spec"]
    assert got["info"]["memoryLayer"] == {"id": lid, "name": "kb"}
    assert got["info"]["createdBy"]["metadata"]["id"] == jwt_claims(ws.token)["sub"]

    named = expect(ws.api.post(entries_path(ws, lid), {"metadata": {"name": "Greeting", "labels": {"l": "1"}},
                                                       "spec": {"key": "greeting", "content": "Hi!"}}), 201)
    assert named["metadata"]["name"] == "Greeting" and named["metadata"]["labels"] == {"l": "1"}
    assert named["spec"] == {"key": "greeting", "content": "Hi!"}
    # the SDK's content form marker is accepted
    sdk = expect(ws.api.post(entries_path(ws, lid), {"spec": {"type": "content", "key": "sdk", "content": "x"}}), 201)
    assert sdk["spec"]["content"] == "x"

    page = expect(ws.api.get(entries_path(ws, lid)), 200)
    assert page["pagination"]["total"] == 3
    assert [e["spec"]["key"] for e in page["items"]] == ["sdk", "greeting", "skills/refunds"]
    assert all("content" not in e["spec"] for e in page["items"])
    assert page["items"][2]["spec"] == {"key": "skills/refunds", "description": "refund policy"}
    page = expect(ws.api.get(entries_path(ws, lid), params={"includeInfo": "true", "sortOrder": "asc"}), 200)
    assert [e["spec"]["key"] for e in page["items"]] == ["skills/refunds", "greeting", "sdk"]
    assert all("content" not in e["spec"] and e["info"]["memoryLayer"]["id"] == lid for e in page["items"])
    assert entry_count(ws, lid) == 3


def test_entry_patch_delete_and_entry_count(ws):
    lid = new_layer(ws)["metadata"]["id"]
    e = new_entry(ws, lid, "fact", "old content", description="d")
    path = f"{entries_path(ws, lid)}/{e['metadata']['id']}"
    assert entry_count(ws, lid) == 1
    out = expect(ws.api.patch(path, {"spec": {"content": "new content"}}), 200)
    assert out["spec"] == {"key": "fact", "content": "new content", "description": "d"}
    assert expect(ws.api.get(path), 200)["spec"]["content"] == "new content"
    renamed = expect(ws.api.patch(path, {"spec": {"key": "facts/one"}}), 200)
    assert renamed["spec"]["key"] == "facts/one"
    expect_error(ws.api.patch(path, {"spec": {"key": "/bad"}}), 400, "validation_error", "spec.key")
    expect_error(ws.api.patch(path, {"spec": {"content": "x" * (64 * 1024 + 1)}}), 400, "validation_error",
                 "spec.content")
    second = new_entry(ws, lid, "second")
    expect_error(ws.api.patch(f"{entries_path(ws, lid)}/{second['metadata']['id']}", {"spec": {"key": "facts/one"}}),
                 409, "conflict", "spec.key")
    assert entry_count(ws, lid) == 2
    expect(ws.api.delete(path), 204)
    expect_error(ws.api.get(path), 404, "not_found")
    expect_error(ws.api.delete(path), 404, "not_found")
    assert entry_count(ws, lid) == 1
    # the deleted key is free again
    new_entry(ws, lid, "facts/one")
    assert entry_count(ws, lid) == 2


def test_keys_are_unique_per_layer(ws):
    a = new_layer(ws, "a")["metadata"]["id"]
    b = new_layer(ws, "b")["metadata"]["id"]
    new_entry(ws, a, "greeting")
    expect_error(ws.api.post(entries_path(ws, a), {"spec": {"key": "greeting", "content": "again"}}), 409,
                 "conflict", "spec.key")
    assert new_entry(ws, b, "greeting")["spec"]["key"] == "greeting"
    assert (entry_count(ws, a), entry_count(ws, b)) == (1, 1)


@pytest.mark.parametrize("spec,field", [
    ({"key": "/x", "content": "c"}, "spec.key"),
    ({"key": "x/", "content": "c"}, "spec.key"),
    ({"key": "a//b", "content": "c"}, "spec.key"),
    ({"key": "system/x", "content": "c"}, "spec.key"),
    ({"key": "cadenya/y", "content": "c"}, "spec.key"),
    ({"key": "has space", "content": "c"}, "spec.key"),
    ({"key": "ü", "content": "c"}, "spec.key"),
    ({"key": "k" * 513, "content": "c"}, "spec.key"),
    ({"key": "", "content": "c"}, "spec.key"),
    ({"content": "c"}, "spec.key"),
    ({"key": "k"}, "spec.content"),
    ({"key": "k", "content": "x" * (64 * 1024 + 1)}, "spec.content"),
    ({"key": "k", "content": 5}, "spec.content"),
    ({"key": "k", "content": "c", "description": "d" * 1001}, "spec.description"),
    ({"key": "k", "content": "c", "type": "file"}, "spec.type"),
    ({"key": "k", "content": "c", "ttl": 5}, "spec.ttl"),
])
def test_invalid_entries_are_400_naming_the_field(ws, spec, field):
    lid = new_layer(ws)["metadata"]["id"]
    expect_error(ws.api.post(entries_path(ws, lid), {"spec": spec}), 400, "validation_error", field)
    assert entry_count(ws, lid) == 0


def test_content_up_to_64_kib_and_valid_keys(ws):
    lid = new_layer(ws)["metadata"]["id"]
    big = "é" * (32 * 1024)  # 64 KiB in UTF-8
    e = new_entry(ws, lid, "big", big)
    assert expect(ws.api.get(f"{entries_path(ws, lid)}/{e['metadata']['id']}"), 200)["spec"]["content"] == big
    expect_error(ws.api.post(entries_path(ws, lid), {"spec": {"key": "bigger", "content": big + "x"}}), 400,
                 "validation_error", "spec.content")
    for key in ["skills/postmortem/write", "a.b_c-d!(1)*'", "k" * 512]:
        assert new_entry(ws, lid, key)["spec"]["key"] == key
    assert entry_count(ws, lid) == 4


def test_entries_of_unknown_or_foreign_layers_are_404(ws, other_ws):
    body = {"spec": {"key": "k", "content": "c"}}
    expect_error(ws.api.post(entries_path(ws, missing("memlyr")), body), 404, "not_found")
    expect_error(ws.api.get(entries_path(ws, missing("memlyr"))), 404, "not_found")
    a = new_layer(ws, "a")["metadata"]["id"]
    b = new_layer(ws, "b")["metadata"]["id"]
    e = new_entry(ws, a, "k")["metadata"]["id"]
    expect_error(ws.api.get(f"{entries_path(ws, b)}/{e}"), 404, "not_found")
    expect_error(ws.api.get(f"{entries_path(ws, a)}/{missing('mement')}"), 404, "not_found")
    expect_error(ws.api.get(f"{entries_path(ws, a)}/{missing('memlyr')}"), 400, "validation_error", "id")

    theirs = new_layer(other_ws, "theirs")["metadata"]["id"]
    their_entry = new_entry(other_ws, theirs, "k")["metadata"]["id"]
    for base in [layers(ws), "/v1/memory_layers"]:
        expect_error(ws.api.get(f"{base}/{theirs}"), 404, "not_found")
        expect_error(ws.api.patch(f"{base}/{theirs}", {"spec": {"description": "x"}}), 404, "not_found")
        expect_error(ws.api.delete(f"{base}/{theirs}"), 404, "not_found")
        expect_error(ws.api.post(f"{base}/{theirs}/entries", body), 404, "not_found")
        expect_error(ws.api.get(f"{base}/{theirs}/entries/{their_entry}"), 404, "not_found")
    expect_error(ws.api.get(f"{other_ws.path}/memory_layers"), 404, "not_found")
    assert entry_count(other_ws, theirs) == 1


def test_both_route_forms_agree(ws):
    lid = expect(ws.api.post("/v1/memory_layers", {"metadata": {"name": "short"}}), 201)["metadata"]["id"]
    assert expect(ws.api.get(f"{layers(ws)}/{lid}"), 200) == expect(ws.api.get(f"/v1/memory_layers/{lid}"), 200)
    assert expect(ws.api.get(layers(ws)), 200) == expect(ws.api.get("/v1/memory_layers"), 200)
    eid = expect(ws.api.post(f"/v1/memory_layers/{lid}/entries", {"spec": {"key": "k", "content": "c"}}),
                 201)["metadata"]["id"]
    assert expect(ws.api.get(f"{entries_path(ws, lid)}/{eid}"), 200) == expect(
        ws.api.get(f"/v1/memory_layers/{lid}/entries/{eid}"), 200)
    expect(ws.api.patch(f"/v1/memory_layers/{lid}/entries/{eid}", {"spec": {"content": "short"}}), 200)
    assert expect(ws.api.get(f"{entries_path(ws, lid)}/{eid}"), 200)["spec"]["content"] == "short"
    expect(ws.api.delete(f"/v1/memory_layers/{lid}/entries/{eid}"), 204)
    expect(ws.api.delete(f"/v1/memory_layers/{lid}"), 204)
    expect_error(ws.api.get(f"{layers(ws)}/{lid}"), 404, "not_found")


def test_dry_run_stores_nothing(ws):
    dry = expect(ws.api.post(layers(ws), {"metadata": {"name": "dry"}}, params={"dryRun": "true"}), 200)
    assert dry["metadata"]["id"].startswith("memlyr_") and dry["spec"] == USER_SPEC
    expect_error(ws.api.get(f"{layers(ws)}/{dry['metadata']['id']}"), 404, "not_found")
    lid = new_layer(ws)["metadata"]["id"]
    dry = expect(ws.api.post(entries_path(ws, lid), {"spec": {"key": "k", "content": "c"}},
                             params={"dryRun": "true"}), 200)
    assert dry["metadata"]["id"].startswith("mement_") and dry["spec"]["content"] == "c"
    assert entry_count(ws, lid) == 0
    e = new_entry(ws, lid, "k", "kept")
    path = f"{entries_path(ws, lid)}/{e['metadata']['id']}"
    expect(ws.api.patch(path, {"spec": {"content": "dry"}}, params={"dryRun": "true"}), 200)
    assert expect(ws.api.get(path), 200)["spec"]["content"] == "kept"
    expect(ws.api.delete(path, params={"dryRun": "true"}), 204)
    assert entry_count(ws, lid) == 1
    expect(ws.api.delete(f"{layers(ws)}/{lid}", params={"dryRun": "true"}), 204)
    expect(ws.api.get(path), 200)


# ---- episodic layers

def test_episodic_layers_are_read_only(app, ws):
    agent = new_agent(ws, "remembers")
    lid = insert_episodic_layer(app, ws, agent, key="customer-42")
    eid = insert_episodic_entry(app, ws, lid, agent, key="prefers")
    path = f"{layers(ws)}/{lid}"

    got = expect(ws.api.get(path), 200)
    assert got["spec"] == {"type": "MEMORY_LAYER_TYPE_EPISODIC", "agentId": agent["metadata"]["id"],
                           "episodicKey": "customer-42", "systemManaged": True}
    assert got["info"]["entryCount"] == 1
    entry = expect(ws.api.get(f"{path}/entries/{eid}"), 200)
    assert entry["spec"] == {"key": "prefers", "content": "the customer prefers email"}
    assert expect(ws.api.get(f"{path}/entries"), 200)["pagination"]["total"] == 1

    for resp in [
        ws.api.patch(path, {"spec": {"description": "mine now"}}),
        ws.api.patch(path, {"metadata": {"labels": {"a": "b"}}}),
        ws.api.delete(path),
        ws.api.post(f"{path}/entries", {"spec": {"key": "new", "content": "c"}}),
        ws.api.patch(f"{path}/entries/{eid}", {"spec": {"content": "changed"}}),
        ws.api.delete(f"{path}/entries/{eid}"),
    ]:
        expect_error(resp, 409, "failed_precondition")
    assert expect(ws.api.get(path), 200) == got
    assert expect(ws.api.get(f"{path}/entries/{eid}"), 200)["spec"]["content"] == "the customer prefers email"


# ---- referential rules

def test_an_assigned_layer_cannot_be_deleted(ws):
    lid = new_layer(ws, "kb")["metadata"]["id"]
    _, vpath = agent_variation(ws, "reader")
    v = attach(ws, vpath, lid)
    err = expect_error(ws.api.delete(f"{layers(ws)}/{lid}"), 409, "conflict")
    assert mentions(err, vpath.rsplit("/", 1)[1], "reader-v"), err
    expect(ws.api.get(f"{layers(ws)}/{lid}"), 200)
    # its entries can still change
    new_entry(ws, lid, "still-writable")
    expect(ws.api.delete(f"{vpath}/memory_layer_assignments/{v['info']['memoryLayerAssignments'][0]['id']}"), 200)
    expect(ws.api.delete(f"{layers(ws)}/{lid}"), 204)


# ---- scopes and audit

def test_memory_scopes(ws):
    lid = new_layer(ws)["metadata"]["id"]
    eid = new_entry(ws, lid, "k")["metadata"]["id"]
    reader = ws.client(["memory:read"])
    for path in [layers(ws), f"{layers(ws)}/{lid}", entries_path(ws, lid), f"{entries_path(ws, lid)}/{eid}",
                 "/v1/memory_layers"]:
        expect(reader.get(path), 200)
    for resp in [
        reader.post(layers(ws), {"metadata": {"name": "x"}}),
        reader.post(layers(ws), {"metadata": {"name": "x"}}, params={"dryRun": "true"}),
        reader.post("/v1/memory_layers", {"metadata": {"name": "x"}}),
        reader.patch(f"{layers(ws)}/{lid}", {"spec": {"description": "x"}}),
        reader.delete(f"{layers(ws)}/{lid}"),
        reader.post(entries_path(ws, lid), {"spec": {"key": "k2", "content": "c"}}),
        reader.patch(f"{entries_path(ws, lid)}/{eid}", {"spec": {"content": "x"}}),
        reader.delete(f"{entries_path(ws, lid)}/{eid}"),
    ]:
        err = expect_error(resp, 403, "forbidden")
        assert "memory:write" in err["message"] or "`*`" in err["message"], err
    assert entry_count(ws, lid) == 1
    other = ws.client(["tools:write", "variations:write"])
    for path in [layers(ws), f"{entries_path(ws, lid)}/{eid}"]:
        assert "memory:read" in expect_error(other.get(path), 403, "forbidden")["message"]


def test_memory_calls_are_audited(ws):
    key = ws.key(ws.api, ["memory:write"], name="audited")
    kid = key["metadata"]["id"]
    api = ws.api.with_token(key["spec"]["token"])
    route = "/v1/workspaces/{workspaceId}/memory_layers"
    calls = []

    def call(method, path, status, template, scope, **kw):
        rid = request_id()
        resp = api.request(method, path, headers={"x-request-id": rid}, **kw)
        assert resp.status_code == status, resp.text
        calls.append((rid, status, method, template, scope))
        return resp

    lid = call("POST", layers(ws), 201, route, "memory:write", body={"metadata": {"name": "l"}}).json()["metadata"]["id"]
    eid = call("POST", entries_path(ws, lid), 201, route + "/{memoryLayerId}/entries", "memory:write",
               body={"spec": {"key": "k", "content": "c"}}).json()["metadata"]["id"]
    call("POST", entries_path(ws, lid), 409, route + "/{memoryLayerId}/entries", "memory:write",
         body={"spec": {"key": "k", "content": "c"}})
    call("GET", f"/v1/memory_layers/{lid}/entries/{eid}", 200, "/v1/memory_layers/{memoryLayerId}/entries/{id}",
         "memory:read")
    call("DELETE", f"{entries_path(ws, lid)}/{eid}", 204, route + "/{memoryLayerId}/entries/{id}", "memory:write")
    call("GET", f"{layers(ws)}/{lid}", 200, route + "/{id}", "memory:read")

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
