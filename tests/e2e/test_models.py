"""The models catalog (`model_…`): the models a workspace can use.

What is tested:
- where rows come from: discovery (`GET …/models` asks every AI provider key of the workspace and the
  operator's providers for `GET <endpoint>/models` when the catalog was not refreshed in the last 300 s,
  or always with `refresh=true`; `maxInputTokens` from the listing's `context_length` /
  `max_input_tokens`) and references (a variation's `modelConfig.modelId` adds its model, enabled,
  when the variation is created or updated); one row per model id either way;
- the resource: its shape (`metadata.name` the model's own name, `metadata.externalId` the
  `family/model` id, `spec {provider, family, maxInputTokens?}`, `state`, `info {agentVariationCount,
  aiProviderKey?}` on single reads and with `includeInfo=true`), get, the `state` and `aiProviderKeyId`
  filters, both route forms, the `models:read` / `models:write` scopes (403 `forbidden` without them);
- `:disable` / `:enable` (idempotent; a refresh never re-enables a model); an objective on a disabled
  model is a 400 on `modelConfig.modelId` and stores nothing, and runs again once it is enabled;
- a variation's `info.model` is its catalog model's metadata;
- `models:swapModelOnVariations`: dry run, the swap itself (temperature kept, counts moved, optionally
  the current model disabled, the next objective on the new model), refusals, other workspaces untouched;
- compaction measures prompt tokens against the catalog's context length;
- workspace isolation: another workspace's key's models and ids are never visible.
"""

from __future__ import annotations

import uuid

import pytest

from agentloop import (create, describe, events, model_name, new_agent, new_variation, of_type, setup_agent,
                       uid, wait_status)
from builders import missing
from client import expect, expect_error
from fakes import FakeOpenAI, text, tool_calls as calls_reply

ENABLED = "STATE_ENABLED"
DISABLED = "STATE_DISABLED"
COMPATIBLE = "AI_PROVIDER_OPENAI_COMPATIBLE"


# ---------------------------------------------------------------- helpers


def models_path(ws) -> str:
    return f"{ws.path}/models"


def model_path(ws, mid: str) -> str:
    return f"{models_path(ws)}/{mid}"


def swap_path(ws) -> str:
    return f"{ws.path}/models:swapModelOnVariations"


def secret(prefix: str = "sk") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def compatible_key(ws, family: str, server: FakeOpenAI, token: str) -> dict:
    """An OPENAI_COMPATIBLE key serving `family/*` on `server`, with `token` as its api key."""
    body = {"metadata": {"name": f"key-{uid()}", "externalId": family},
            "spec": {"provider": COMPATIBLE,
                     "config": {"type": "openaiCompatible", "openaiCompatible": {"baseUrl": server.url}},
                     "credentials": {"type": "apiKey", "apiKey": {"apiKey": token}}}}
    resp = ws.api.post(f"{ws.path}/ai_provider_keys", body)
    key = expect(resp, 201)
    assert token not in resp.text
    return key


def page(ws, **params) -> dict:
    """One page of the catalog (up to 200 items); `params` are sent as given (e.g. refresh="true")."""
    return expect(ws.api.get(models_path(ws), params={"limit": 200, **params}), 200)


def listed(ws, **params) -> list[dict]:
    """Every item of the catalog matching `params`, following cursors (`refresh` only on the first page)."""
    items: list[dict] = []
    cursor = None
    while True:
        q = {"limit": 200, **params}
        if cursor:
            q["cursor"] = cursor
            q.pop("refresh", None)
        body = expect(ws.api.get(models_path(ws), params=q), 200)
        items += body["items"]
        cursor = body["pagination"].get("nextCursor")
        if not cursor:
            return items


def by_external_id(items: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for item in items:
        external_id = item["metadata"]["externalId"]
        assert external_id not in out, f"{external_id} is listed twice: {items}"
        out[external_id] = item
    return out


def find(ws, external_id: str, **params) -> dict | None:
    """The catalog item whose externalId is `external_id` (listed with `prefix` = its model name), or None."""
    name = external_id.split("/", 1)[1]
    return by_external_id(listed(ws, prefix=name, **params)).get(external_id)


def the_model(ws, external_id: str, **params) -> dict:
    found = find(ws, external_id, **params)
    assert found is not None, f"{external_id} is not in the catalog of {ws.id}"
    return found


def get_model(ws, mid: str) -> dict:
    return expect(ws.api.get(model_path(ws, mid)), 200)


def disable(ws, mid: str) -> dict:
    return expect(ws.api.post(f"{model_path(ws, mid)}:disable"), 200)


def enable(ws, mid: str) -> dict:
    return expect(ws.api.post(f"{model_path(ws, mid)}:enable"), 200)


def swap(current: str, next_: str, disable_current: bool = False) -> dict:
    return {"modelSwaps": [{"currentModelId": current, "nextModelId": next_,
                            "disableCurrentAfterSwap": disable_current}]}


def vpath(ws, agent_id: str, variation_id: str) -> str:
    return f"{ws.path}/agents/{agent_id}/variations/{variation_id}"


def get_variation(ws, agent_id: str, variation_id: str) -> dict:
    return expect(ws.api.get(vpath(ws, agent_id, variation_id)), 200)


def on_model(model_id: str, temperature: float | None = None, **spec) -> dict:
    config: dict = {"modelId": model_id}
    if temperature is not None:
        config["temperature"] = temperature
    return {"prompt": "You help.", "modelConfig": config, "weight": 1, **spec}


def variation_count(ws, mid: str) -> int:
    return get_model(ws, mid)["info"]["agentVariationCount"]


def check_shape(item: dict, ws, external_id: str, provider: str, max_input_tokens: int | None,
                state: str = ENABLED) -> None:
    name = external_id.split("/", 1)[1]
    meta = item["metadata"]
    assert meta["id"].startswith("model_"), meta
    assert meta["name"] == name, meta
    assert meta["externalId"] == external_id, meta
    assert meta["workspaceId"] == ws.id, meta
    expected = {"provider": provider, "family": name}
    if max_input_tokens is not None:
        expected["maxInputTokens"] = max_input_tokens
    assert item["spec"] == expected, item
    assert item["state"] == state, item


# ---------------------------------------------------------------- where rows come from


def test_a_compatible_keys_models_are_discovered_with_their_context_lengths(ws):
    token = secret("gw")
    server = FakeOpenAI(api_key=token).start()
    try:
        big, plain = model_name("cat-big"), model_name("cat-plain")
        server.catalog([(big, 8192), (plain, None)])
        key = compatible_key(ws, "gateway", server, token)
        kid = key["metadata"]["id"]

        resp = ws.api.get(models_path(ws), params={"limit": 200})
        body = expect(resp, 200)
        assert token not in resp.text
        mine = by_external_id([m for m in body["items"] if m["spec"]["provider"] == "gateway"])
        assert set(mine) == {f"gateway/{big}", f"gateway/{plain}"}, mine
        check_shape(mine[f"gateway/{big}"], ws, f"gateway/{big}", "gateway", 8192)
        check_shape(mine[f"gateway/{plain}"], ws, f"gateway/{plain}", "gateway", None)
        assert all("info" not in m for m in body["items"]), body

        # the key's server was asked at `<baseUrl>/models`, with the key's credentials
        reqs = server.model_list_requests()
        assert len(reqs) >= 1
        assert all(r.headers.get("authorization") == f"Bearer {token}" for r in reqs)
        assert all(r.status == 200 for r in reqs)

        resp = ws.api.get(models_path(ws), params={"includeInfo": "true", "aiProviderKeyId": kid})
        with_info = by_external_id(expect(resp, 200)["items"])
        assert token not in resp.text
        assert set(with_info) == {f"gateway/{big}", f"gateway/{plain}"}
        for item in with_info.values():
            assert item["info"]["agentVariationCount"] == 0, item
            served_by = item["info"]["aiProviderKey"]
            assert served_by["metadata"]["id"] == kid, served_by
            assert served_by["metadata"]["externalId"] == "gateway", served_by
            assert served_by["spec"]["provider"] == COMPATIBLE, served_by
            assert "credentials" not in served_by["spec"], served_by

        mid = mine[f"gateway/{big}"]["metadata"]["id"]
        resp = ws.api.get(model_path(ws, mid))
        got = expect(resp, 200)
        assert token not in resp.text
        check_shape(got, ws, f"gateway/{big}", "gateway", 8192)
        assert got["metadata"] == mine[f"gateway/{big}"]["metadata"]
        assert got["info"]["agentVariationCount"] == 0
        assert got["info"]["aiProviderKey"]["metadata"]["id"] == kid
    finally:
        server.stop()


def test_the_operators_providers_are_discovered(ws, fake_openai, fake_anthropic):
    gpt_long, gpt_plain = model_name("op-gpt"), model_name("op-gpt")
    claude = model_name("op-claude")
    openai_before = len(fake_openai.model_list_requests())
    anthropic_before = len(fake_anthropic.model_list_requests())
    fake_openai.catalog([(gpt_long, 16000), (gpt_plain, None)])
    fake_anthropic.catalog([(claude, 200000)])
    try:
        items = by_external_id(listed(ws, refresh="true", includeInfo="true"))
    finally:
        fake_openai.catalog([])
        fake_anthropic.catalog([])
    for external_id, provider, n in [(f"openai/{gpt_long}", "openai", 16000), (f"openai/{gpt_plain}", "openai", None),
                                     (f"anthropic/{claude}", "anthropic", 200000)]:
        assert external_id in items, sorted(items)
        check_shape(items[external_id], ws, external_id, provider, n)
        info = items[external_id]["info"]
        assert info["agentVariationCount"] == 0, info
        assert "aiProviderKey" not in info, "the operator's providers are no workspace key"
        got = get_model(ws, items[external_id]["metadata"]["id"])
        assert got["spec"] == items[external_id]["spec"] and "aiProviderKey" not in got["info"]

    openai_reqs = fake_openai.model_list_requests()[openai_before:]
    anthropic_reqs = fake_anthropic.model_list_requests()[anthropic_before:]
    assert openai_reqs and anthropic_reqs, (len(openai_reqs), len(anthropic_reqs))
    assert all(r.headers.get("authorization") == f"Bearer {fake_openai.api_key}" for r in openai_reqs)
    assert all(r.headers.get("x-api-key") == fake_anthropic.api_key for r in anthropic_reqs)
    assert all(r.status == 200 for r in openai_reqs + anthropic_reqs)


def test_a_variation_adds_its_model_enabled_without_a_context_length(ws):
    s = setup_agent(ws, "openai", model_name("ref-test"))
    model = the_model(ws, s.model_id, includeInfo="true")
    check_shape(model, ws, s.model_id, "openai", None)
    assert model["info"]["agentVariationCount"] == 1
    assert "aiProviderKey" not in model["info"]

    # an update naming another model adds that one too; the first stays, used by nobody
    other = f"anthropic/{model_name('ref-claude')}"
    expect(ws.api.patch(s.vpath, {"spec": {"modelConfig": {"modelId": other}}}), 200)
    moved = the_model(ws, other, includeInfo="true")
    check_shape(moved, ws, other, "anthropic", None)
    assert moved["info"]["agentVariationCount"] == 1
    left = get_model(ws, model["metadata"]["id"])
    assert left["state"] == ENABLED and left["info"]["agentVariationCount"] == 0


def test_a_discovered_model_that_a_variation_names_is_one_row(ws):
    token = secret("gw")
    server = FakeOpenAI(api_key=token).start()
    try:
        name = model_name("cat-shared")
        server.catalog([(name, 32000)])
        kid = compatible_key(ws, "gateway", server, token)["metadata"]["id"]
        discovered = the_model(ws, f"gateway/{name}", refresh="true")
        agent = new_agent(ws, f"uses-{uid()}")
        new_variation(ws, agent["metadata"]["id"], "v1", on_model(f"gateway/{name}"))
        new_variation(ws, agent["metadata"]["id"], "v2", on_model(f"gateway/{name}"))

        rows = [m for m in listed(ws, includeInfo="true") if m["metadata"]["externalId"] == f"gateway/{name}"]
        assert len(rows) == 1, rows
        [row] = rows
        assert row["metadata"]["id"] == discovered["metadata"]["id"]
        check_shape(row, ws, f"gateway/{name}", "gateway", 32000)
        assert row["info"]["agentVariationCount"] == 2
        assert row["info"]["aiProviderKey"]["metadata"]["id"] == kid
    finally:
        server.stop()


def test_the_catalog_is_rediscovered_only_after_300_seconds_or_on_refresh(ws):
    token = secret("gw")
    server = FakeOpenAI(api_key=token).start()
    try:
        first, later = model_name("cat-first"), model_name("cat-later")
        server.catalog([(first, None)])
        kid = compatible_key(ws, "gateway", server, token)["metadata"]["id"]
        assert set(by_external_id(listed(ws, aiProviderKeyId=kid))) == {f"gateway/{first}"}
        asked = len(server.model_list_requests())
        assert asked >= 1

        # within 300 s a plain list answers from the catalog: the server is not asked again
        server.catalog([(first, None), (later, 4096)])
        assert set(by_external_id(listed(ws, aiProviderKeyId=kid))) == {f"gateway/{first}"}
        assert find(ws, f"gateway/{later}") is None
        assert len(server.model_list_requests()) == asked

        # refresh=true asks at once
        refreshed = by_external_id(listed(ws, aiProviderKeyId=kid, refresh="true"))
        assert set(refreshed) == {f"gateway/{first}", f"gateway/{later}"}
        check_shape(refreshed[f"gateway/{later}"], ws, f"gateway/{later}", "gateway", 4096)
        assert len(server.model_list_requests()) == asked + 1
    finally:
        server.stop()


# ---------------------------------------------------------------- get, enable, disable, filters


def test_unknown_models_are_404(ws):
    path = model_path(ws, missing("model"))
    expect_error(ws.api.get(path), 404, "not_found")
    expect_error(ws.api.post(f"{path}:enable"), 404, "not_found")
    expect_error(ws.api.post(f"{path}:disable"), 404, "not_found")


def test_disable_and_enable_are_idempotent(ws):
    s = setup_agent(ws, "openai", model_name("toggle-test"))
    model = the_model(ws, s.model_id)
    mid = model["metadata"]["id"]

    off = disable(ws, mid)
    assert off["metadata"]["id"] == mid and off["metadata"]["externalId"] == s.model_id
    assert off["state"] == DISABLED
    assert off["spec"] == model["spec"]
    assert off["info"]["agentVariationCount"] == 1
    again = disable(ws, mid)
    assert again["state"] == DISABLED and again["metadata"]["id"] == mid
    assert get_model(ws, mid)["state"] == DISABLED
    assert the_model(ws, s.model_id)["state"] == DISABLED

    on = enable(ws, mid)
    assert on["metadata"]["id"] == mid and on["state"] == ENABLED
    assert on["info"]["agentVariationCount"] == 1
    assert enable(ws, mid)["state"] == ENABLED
    assert get_model(ws, mid)["state"] == ENABLED
    assert the_model(ws, s.model_id)["state"] == ENABLED


def test_a_refresh_never_re_enables_a_disabled_model(ws):
    token = secret("gw")
    server = FakeOpenAI(api_key=token).start()
    try:
        name = model_name("cat-off")
        server.catalog([(name, 2048)])
        compatible_key(ws, "gateway", server, token)
        mid = the_model(ws, f"gateway/{name}", refresh="true")["metadata"]["id"]
        assert disable(ws, mid)["state"] == DISABLED
        asked = len(server.model_list_requests())

        after = the_model(ws, f"gateway/{name}", refresh="true")
        assert len(server.model_list_requests()) == asked + 1, "the refresh asked the server again"
        assert after["metadata"]["id"] == mid
        check_shape(after, ws, f"gateway/{name}", "gateway", 2048, state=DISABLED)
        assert get_model(ws, mid)["state"] == DISABLED
    finally:
        server.stop()


def test_the_state_filter(ws):
    token = secret("gw")
    server = FakeOpenAI(api_key=token).start()
    try:
        names = [model_name("cat-state") for _ in range(3)]
        server.catalog([(n, None) for n in names])
        kid = compatible_key(ws, "gateway", server, token)["metadata"]["id"]
        items = by_external_id(listed(ws, aiProviderKeyId=kid, refresh="true"))
        assert set(items) == {f"gateway/{n}" for n in names}
        off = items[f"gateway/{names[1]}"]["metadata"]["id"]
        disable(ws, off)

        body = page(ws, state=DISABLED)
        assert [m["metadata"]["id"] for m in body["items"]] == [off], body
        assert body["pagination"]["total"] == 1
        assert body["items"][0]["state"] == DISABLED

        enabled = listed(ws, state=ENABLED, aiProviderKeyId=kid)
        assert set(by_external_id(enabled)) == {f"gateway/{names[0]}", f"gateway/{names[2]}"}
        assert all(m["state"] == ENABLED for m in listed(ws, state=ENABLED))
    finally:
        server.stop()


def test_the_key_filter_lists_only_that_keys_models(ws):
    token_a, token_b = secret("gw-a"), secret("gw-b")
    server_a = FakeOpenAI(api_key=token_a).start()
    try:
        server_b = FakeOpenAI(api_key=token_b).start()
        try:
            a1, a2, b1 = model_name("cat-a"), model_name("cat-a"), model_name("cat-b")
            server_a.catalog([(a1, 1000), (a2, None)])
            server_b.catalog([(b1, 2000)])
            key_a = compatible_key(ws, "gateway-a", server_a, token_a)["metadata"]["id"]
            key_b = compatible_key(ws, "gateway-b", server_b, token_b)["metadata"]["id"]
            setup_agent(ws, "openai", model_name("cat-ref"))  # a reference served by no key

            only_a = by_external_id(listed(ws, aiProviderKeyId=key_a, refresh="true", includeInfo="true"))
            assert set(only_a) == {f"gateway-a/{a1}", f"gateway-a/{a2}"}
            assert all(m["info"]["aiProviderKey"]["metadata"]["id"] == key_a for m in only_a.values())
            check_shape(only_a[f"gateway-a/{a1}"], ws, f"gateway-a/{a1}", "gateway-a", 1000)

            body = page(ws, aiProviderKeyId=key_b)
            assert [m["metadata"]["externalId"] for m in body["items"]] == [f"gateway-b/{b1}"]
            assert body["pagination"]["total"] == 1
            check_shape(body["items"][0], ws, f"gateway-b/{b1}", "gateway-b", 2000)
        finally:
            server_b.stop()
    finally:
        server_a.stop()


# ---------------------------------------------------------------- objectives and variations


def test_an_objective_on_a_disabled_model_is_refused_until_it_is_enabled(ws, fake_openai):
    s = setup_agent(ws, "openai", model_name("gate-test"))
    fake_openai.script(s.model, [text("enabled again")])
    mid = the_model(ws, s.model_id)["metadata"]["id"]
    disable(ws, mid)

    body = {"agentId": s.agent_id, "initialMessage": f"Please help ({uid()})", "data": {"customer": "ACME"}}
    expect_error(ws.api.post(f"{ws.path}/objectives", body), 400, "validation_error", "modelConfig.modelId")
    assert expect(ws.api.get(f"{ws.path}/objectives"), 200)["pagination"]["total"] == 0, "nothing was stored"
    assert fake_openai.requests(s.model) == []

    enable(ws, mid)
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED", timeout=60)
    assert [p["content"] for p in of_type(events(ws, oid), "ASSISTANT_MESSAGE")] == ["enabled again"], \
        describe(ws, oid)
    assert len(fake_openai.requests(s.model)) == 1
    assert expect(ws.api.get(f"{ws.path}/objectives"), 200)["pagination"]["total"] == 1


def test_a_variation_shows_its_catalog_model(ws):
    s = setup_agent(ws, "openai", model_name("info-test"))
    model = the_model(ws, s.model_id)
    own = get_model(ws, model["metadata"]["id"])["metadata"]
    assert expect(ws.api.get(s.vpath), 200)["info"]["model"] == own

    other = f"anthropic/{model_name('info-claude')}"
    expect(ws.api.patch(s.vpath, {"spec": {"modelConfig": {"modelId": other}}}), 200)
    other_meta = get_model(ws, the_model(ws, other)["metadata"]["id"])["metadata"]
    shown = expect(ws.api.get(s.vpath), 200)["info"]["model"]
    assert shown == other_meta
    assert shown["externalId"] == other and shown["id"] != own["id"]


# ---------------------------------------------------------------- swaps


class SwapSetup:
    """Two variations of one agent on `current` (temperatures 0.3 and 0.7), one of another agent on
    `next`; both models in the catalog by reference."""

    def __init__(self, ws):
        self.ws = ws
        self.current_model, self.next_model = model_name("swap-cur"), model_name("swap-next")
        self.current, self.next = f"openai/{self.current_model}", f"openai/{self.next_model}"
        self.agent = new_agent(ws, f"swapped-{uid()}")
        self.agent_id = self.agent["metadata"]["id"]
        self.moving = [new_variation(ws, self.agent_id, "cool", on_model(self.current, 0.3)),
                       new_variation(ws, self.agent_id, "warm", on_model(self.current, 0.7))]
        self.bystander_agent = new_agent(ws, f"bystander-{uid()}")
        self.bystander = new_variation(ws, self.bystander_agent["metadata"]["id"], "already",
                                       on_model(self.next, 0.5))
        self.current_id = the_model(ws, self.current)["metadata"]["id"]
        self.next_id = the_model(ws, self.next)["metadata"]["id"]

    def bare(self) -> list[dict]:
        return sorted(({"id": v["metadata"]["id"], "name": v["metadata"]["name"]} for v in self.moving),
                      key=lambda v: v["id"])

    def specs(self) -> list[dict]:
        return [get_variation(self.ws, self.agent_id, v["metadata"]["id"])["spec"] for v in self.moving]


def outcome(body: dict) -> dict:
    assert set(body) == {"dryRun", "swaps"}, body
    [one] = body["swaps"]
    one = dict(one)
    one["variations"] = sorted(one["variations"], key=lambda v: v["id"])
    return one


def test_a_dry_run_swap_changes_nothing(ws):
    sw = SwapSetup(ws)
    before = sw.specs()
    body = expect(ws.api.post(swap_path(ws), swap(sw.current_id, f"external_id:{sw.next}", True),
                              params={"dryRun": "true"}), 200)
    assert body["dryRun"] is True, body
    # a dry run answers what the swap would do (the current model would be disabled) ...
    assert outcome(body) == {"currentModelId": sw.current_id, "nextModelId": sw.next_id,
                             "variations": sw.bare(), "currentDisabled": True}
    # ... and does none of it
    assert sw.specs() == before
    assert [s["modelConfig"]["modelId"] for s in sw.specs()] == [sw.current, sw.current]
    cur = get_model(ws, sw.current_id)
    assert cur["state"] == ENABLED and cur["info"]["agentVariationCount"] == 2
    assert variation_count(ws, sw.next_id) == 1


def test_a_swap_moves_the_variations_and_disables_the_current_model(ws, other_ws, fake_openai):
    sw = SwapSetup(ws)
    # another workspace on the very same model id is never touched
    theirs = setup_agent(other_ws, "openai", sw.current_model)
    assert theirs.model_id == sw.current
    their_model = the_model(other_ws, sw.current)
    assert their_model["metadata"]["id"] != sw.current_id

    body = expect(ws.api.post(swap_path(ws), swap(f"external_id:{sw.current}", sw.next_id, True)), 200)
    assert body["dryRun"] is False, body
    assert outcome(body) == {"currentModelId": sw.current_id, "nextModelId": sw.next_id,
                             "variations": sw.bare(), "currentDisabled": True}

    assert [s["modelConfig"] for s in sw.specs()] == [{"modelId": sw.next, "temperature": 0.3},
                                                      {"modelId": sw.next, "temperature": 0.7}]
    cur = get_model(ws, sw.current_id)
    assert cur["state"] == DISABLED and cur["info"]["agentVariationCount"] == 0
    nxt = get_model(ws, sw.next_id)
    assert nxt["state"] == ENABLED and nxt["info"]["agentVariationCount"] == 3
    assert get_variation(ws, sw.bystander_agent["metadata"]["id"],
                         sw.bystander["metadata"]["id"])["spec"]["modelConfig"] == {"modelId": sw.next,
                                                                                      "temperature": 0.5}
    for v in sw.moving:
        assert get_variation(ws, sw.agent_id, v["metadata"]["id"])["info"]["model"] == nxt["metadata"]

    theirs_now = expect(other_ws.api.get(theirs.vpath), 200)
    assert theirs_now["spec"]["modelConfig"] == {"modelId": sw.current}
    their_now = get_model(other_ws, their_model["metadata"]["id"])
    assert their_now["state"] == ENABLED and their_now["info"]["agentVariationCount"] == 1

    # the agent's next objective runs on the next model
    fake_openai.script(sw.next_model, [text("from the next model")])
    oid = create(ws, sw.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED", timeout=60)
    assert [p["content"] for p in of_type(events(ws, oid), "ASSISTANT_MESSAGE")] == ["from the next model"], \
        describe(ws, oid)
    assert fake_openai.requests(sw.current_model) == []
    assert len(fake_openai.requests(sw.next_model)) == 1


def test_a_swap_without_disabling_keeps_the_current_model_enabled(ws):
    sw = SwapSetup(ws)
    body = expect(ws.api.post(swap_path(ws), swap(sw.current_id, sw.next_id)), 200)
    assert body["dryRun"] is False, body
    assert outcome(body) == {"currentModelId": sw.current_id, "nextModelId": sw.next_id,
                             "variations": sw.bare(), "currentDisabled": False}
    assert [s["modelConfig"]["modelId"] for s in sw.specs()] == [sw.next, sw.next]
    cur = get_model(ws, sw.current_id)
    assert cur["state"] == ENABLED and cur["info"]["agentVariationCount"] == 0
    assert variation_count(ws, sw.next_id) == 3


def test_swap_refusals(ws):
    sw = SwapSetup(ws)
    before = sw.specs()
    unknown = missing("model")
    expect_error(ws.api.post(swap_path(ws), swap(unknown, sw.next_id)), 404, "not_found")
    expect_error(ws.api.post(swap_path(ws), swap(sw.current_id, unknown)), 404, "not_found")
    nowhere = f"external_id:openai/{model_name('swap-none')}"
    expect_error(ws.api.post(swap_path(ws), swap(nowhere, sw.next_id)), 404, "not_found")
    expect_error(ws.api.post(swap_path(ws), swap(sw.current_id, nowhere)), 404, "not_found")

    disable(ws, sw.next_id)
    expect_error(ws.api.post(swap_path(ws), swap(sw.current_id, sw.next_id, True)), 400, "validation_error",
                 "modelSwaps[0].nextModelId")
    expect_error(ws.api.post(swap_path(ws), swap(sw.current_id, sw.next_id), params={"dryRun": "true"}), 400,
                 "validation_error", "modelSwaps[0].nextModelId")

    assert sw.specs() == before
    cur = get_model(ws, sw.current_id)
    assert cur["state"] == ENABLED and cur["info"]["agentVariationCount"] == 2
    assert variation_count(ws, sw.next_id) == 1


# ---------------------------------------------------------------- scopes and route forms


def test_scopes(ws):
    sw = SwapSetup(ws)
    mid = sw.current_id

    nobody = ws.client(["agents:read"], name="agents-reader")
    for resp in [nobody.get(models_path(ws)), nobody.get(model_path(ws, mid))]:
        err = expect_error(resp, 403, "forbidden")
        assert "models:read" in err["message"], err

    reader = ws.client(["models:read"], name="models-reader")
    assert mid in {m["metadata"]["id"] for m in expect(reader.get(models_path(ws), params={"limit": 200}),
                                                        200)["items"]}
    assert expect(reader.get(model_path(ws, mid)), 200)["metadata"]["id"] == mid
    for resp in [reader.post(f"{model_path(ws, mid)}:disable"), reader.post(f"{model_path(ws, mid)}:enable"),
                 reader.post(swap_path(ws), swap(mid, sw.next_id), params={"dryRun": "true"}),
                 reader.post(swap_path(ws), swap(mid, sw.next_id))]:
        err = expect_error(resp, 403, "forbidden")
        assert "models:write" in err["message"], err
    assert get_model(ws, mid)["state"] == ENABLED
    assert [s["modelConfig"]["modelId"] for s in sw.specs()] == [sw.current, sw.current]

    writer = ws.client(["models:write"], name="models-writer")
    assert expect(writer.post(f"{model_path(ws, mid)}:disable"), 200)["state"] == DISABLED
    assert expect(writer.post(f"{model_path(ws, mid)}:enable"), 200)["state"] == ENABLED
    assert expect(writer.get(model_path(ws, mid)), 200)["metadata"]["id"] == mid, "write includes read"
    moved = expect(writer.post(swap_path(ws), swap(mid, sw.next_id)), 200)
    assert outcome(moved)["variations"] == sw.bare()
    assert [s["modelConfig"]["modelId"] for s in sw.specs()] == [sw.next, sw.next]


def test_both_route_forms_agree(ws):
    sw = SwapSetup(ws)
    mid = sw.current_id
    canonical = page(ws)
    short = expect(ws.api.get("/v1/models", params={"limit": 200}), 200)
    assert canonical == short
    assert expect(ws.api.get(models_path(ws), params={"includeInfo": "true", "limit": 200}), 200) == expect(
        ws.api.get("/v1/models", params={"includeInfo": "true", "limit": 200}), 200)
    assert get_model(ws, mid) == expect(ws.api.get(f"/v1/models/{mid}"), 200)

    assert expect(ws.api.post(f"/v1/models/{mid}:disable"), 200)["state"] == DISABLED
    assert get_model(ws, mid)["state"] == DISABLED
    assert expect(ws.api.post(f"/v1/models/{mid}:enable"), 200)["state"] == ENABLED
    assert get_model(ws, mid)["state"] == ENABLED

    dry = expect(ws.api.post("/v1/models:swapModelOnVariations", swap(mid, sw.next_id), params={"dryRun": "true"}),
                 200)
    assert dry["dryRun"] is True and outcome(dry)["variations"] == sw.bare()
    assert [s["modelConfig"]["modelId"] for s in sw.specs()] == [sw.current, sw.current]
    done = expect(ws.api.post("/v1/models:swapModelOnVariations", swap(mid, sw.next_id)), 200)
    assert done["dryRun"] is False and outcome(done)["nextModelId"] == sw.next_id
    assert [s["modelConfig"]["modelId"] for s in sw.specs()] == [sw.next, sw.next]
    expect_error(ws.api.get(f"/v1/models/{missing('model')}"), 404, "not_found")


# ---------------------------------------------------------------- compaction


@pytest.mark.parametrize("prompt_tokens,compacts", [(600, True), (400, False)], ids=["over-half", "under-half"])
def test_compaction_measures_against_the_catalogs_context_length(ws, prompt_tokens, compacts):
    token = secret("ctx")
    server = FakeOpenAI(api_key=token).start()
    try:
        # a name no built-in table knows (128 000 tokens there): only the catalog says 1000
        name = model_name("ctx-test")
        server.catalog([(name, 1000)])
        compatible_key(ws, "ctxgw", server, token)
        agent = new_agent(ws, f"compacting-{uid()}")
        new_variation(ws, agent["metadata"]["id"], "half",
                      on_model(f"ctxgw/{name}", compactionConfig={"triggerThreshold": 0.5}))
        server.script(name, [
            calls_reply([("c1", "task_create", {"task": "one"}), ("c2", "task_create", {"task": "two"}),
                         ("c3", "task_create", {"task": "three"})], prompt_tokens=prompt_tokens),
            text("All three noted."),
        ])
        model = the_model(ws, f"ctxgw/{name}", refresh="true")
        assert model["spec"].get("maxInputTokens") == 1000, model

        oid = create(ws, agent["metadata"]["id"], "Note three tasks")["metadata"]["id"]
        done = wait_status(ws, oid, "COMPLETED", timeout=60)
        evts = events(ws, oid)
        compacted = of_type(evts, "CONTEXT_WINDOW_COMPACTED")
        assert len(server.requests(name)) == 2, describe(ws, oid)
        if compacts:
            assert len(compacted) == 1, describe(ws, oid)
            assert compacted[0]["strategies"] == ["toolResultClearing"], compacted
            assert compacted[0]["newContextWindow"]["sequence"] == 2, compacted
            assert done["info"]["totalContextWindows"] == 2
        else:
            assert compacted == [], describe(ws, oid)
            assert done["info"]["totalContextWindows"] == 1
    finally:
        server.stop()


# ---------------------------------------------------------------- isolation


def test_another_workspaces_models_are_never_visible(ws, other_ws):
    token = secret("gw")
    server = FakeOpenAI(api_key=token).start()
    try:
        theirs = model_name("iso-theirs")
        server.catalog([(theirs, 4096)])
        compatible_key(other_ws, "gateway", server, token)
        their_model = the_model(other_ws, f"gateway/{theirs}", refresh="true")
        assert their_model["metadata"]["workspaceId"] == other_ws.id
        their_ref = setup_agent(other_ws, "openai", model_name("iso-ref"))
        their_ref_id = the_model(other_ws, their_ref.model_id)["metadata"]["id"]
        asked = len(server.model_list_requests())

        mine = listed(ws, refresh="true", includeInfo="true")
        external_ids = {m["metadata"]["externalId"] for m in mine}
        ids = {m["metadata"]["id"] for m in mine}
        assert f"gateway/{theirs}" not in external_ids and their_ref.model_id not in external_ids
        assert their_model["metadata"]["id"] not in ids and their_ref_id not in ids
        assert all(m["metadata"]["workspaceId"] == ws.id for m in mine)
        assert all("aiProviderKey" not in m["info"] for m in mine), "this workspace has no keys"
        assert len(server.model_list_requests()) == asked, "this workspace never asks another's key"

        for mid in [their_model["metadata"]["id"], their_ref_id]:
            expect_error(ws.api.get(model_path(ws, mid)), 404, "not_found")
            expect_error(ws.api.get(f"/v1/models/{mid}"), 404, "not_found")
            expect_error(ws.api.post(f"{model_path(ws, mid)}:disable"), 404, "not_found")
            expect_error(ws.api.post(f"{model_path(ws, mid)}:enable"), 404, "not_found")
        expect_error(ws.api.post(swap_path(ws), swap(their_ref_id, their_model["metadata"]["id"])), 404,
                     "not_found")
        assert get_model(other_ws, their_model["metadata"]["id"])["state"] == ENABLED
        assert get_model(other_ws, their_ref_id)["info"]["agentVariationCount"] == 1
    finally:
        server.stop()
