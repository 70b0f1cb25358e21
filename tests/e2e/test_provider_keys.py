"""AI provider keys (`aipk_…`): a workspace's own credentials for a model provider.

What is tested:
- the resource: create / get / list / update / delete in both route forms, the validation of provider,
  config, credentials and the compatible key's `metadata.externalId`, one key per model family and
  workspace (409), the `ai_provider_keys:read` / `:write` scopes (403 `forbidden` without them), and that
  credentials (an api key or header values) never appear in any response;
- the routing: a variation's `modelConfig.modelId` `family/model` goes to the workspace's key for that
  family when there is one (a compatible key's family is its externalId; an OPENAI key is used against
  the operator's OpenAI endpoint with the workspace's credential), else to the operator's Spin-variable
  provider, else the objective FAILS with an ERROR naming the family. Two workspaces with keys of the
  same family each reach their own server only; a workspace without a key never reaches either.
"""

from __future__ import annotations

import json
import uuid

import pytest

from agentloop import (create, describe, events, final_error, model_name, objective_texts, of_type, setup_agent,
                       uid, wait_status)
from builders import missing
from client import expect, expect_error
from conftest import Workspace
from fakes import FakeOpenAI, text

OPENAI = "AI_PROVIDER_OPENAI"
ANTHROPIC = "AI_PROVIDER_ANTHROPIC"
OPENROUTER = "AI_PROVIDER_OPENROUTER"
GEMINI = "AI_PROVIDER_GEMINI"
COMPATIBLE = "AI_PROVIDER_OPENAI_COMPATIBLE"
UNSPECIFIED = "AI_PROVIDER_UNSPECIFIED"

OPENAI_CONFIG = {"type": "openai", "openai": {"organizationId": "org-e2e", "projectId": "proj-e2e"}}
OPENROUTER_CONFIG = {"type": "openrouter", "openrouter": {}}
BUILT_IN_FAMILIES = ["openai", "anthropic", "claude", "openrouter", "gemini"]


# ---------------------------------------------------------------- helpers


def keys_path(ws) -> str:
    return f"{ws.path}/ai_provider_keys"


def key_path(ws, kid: str) -> str:
    return f"{keys_path(ws)}/{kid}"


def secret(prefix: str = "sk") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def api_key(value: str) -> dict:
    return {"type": "apiKey", "apiKey": {"apiKey": value}}


def header_credentials(headers: dict[str, str]) -> dict:
    return {"type": "headers", "headers": {"headers": headers}}


def compatible_config(base_url: str) -> dict:
    return {"type": "openaiCompatible", "openaiCompatible": {"baseUrl": base_url}}


def key_body(provider: str | None, name: str | None = None, *, config: dict | None = None,
             credentials: dict | None = None, external_id: str | None = None, labels: dict | None = None) -> dict:
    metadata: dict = {"name": name or f"key-{uid()}"}
    if external_id is not None:
        metadata["externalId"] = external_id
    if labels is not None:
        metadata["labels"] = labels
    spec: dict = {}
    if provider is not None:
        spec["provider"] = provider
    if config is not None:
        spec["config"] = config
    if credentials is not None:
        spec["credentials"] = credentials
    return {"metadata": metadata, "spec": spec}


def no_credentials(body: dict) -> None:
    """A key (or every item of a page) shows no `credentials` in its spec."""
    for item in body.get("items", [body]):
        assert "credentials" not in item["spec"], item


def shown(resp, status: int, *hidden: str):
    """`expect`, plus: none of the `hidden` strings occurs anywhere in the response, and no spec in it has
    `credentials`."""
    body = expect(resp, status)
    for value in hidden:
        assert value not in resp.text, f"a credential leaked into {resp.request.method} {resp.url}: {resp.text[:500]}"
    no_credentials(body)
    return body


def new_key(ws, provider: str, *, hidden: tuple[str, ...] = (), **fields) -> dict:
    """Creates a key (201) and checks its credentials (`hidden`) are not in the response."""
    return shown(ws.api.post(keys_path(ws), key_body(provider, **fields)), 201, *hidden)


def compatible_key(ws, family: str, server: FakeOpenAI, token: str, **fields) -> dict:
    """An OPENAI_COMPATIBLE key serving `family/*` on `server`, with `token` as its api key."""
    return new_key(ws, COMPATIBLE, external_id=family, config=compatible_config(server.url),
                   credentials=api_key(token), hidden=(token,), **fields)


def ids(page: dict) -> set[str]:
    return {item["metadata"]["id"] for item in page["items"]}


def answers(ws, oid: str) -> list[str]:
    return [p["content"] for p in of_type(events(ws, oid), "ASSISTANT_MESSAGE")]


def run_to(ws, agent_id: str, wanted: str, message: str | None = None) -> str:
    oid = create(ws, agent_id, message)["metadata"]["id"]
    wait_status(ws, oid, wanted, timeout=60)
    return oid


# ---------------------------------------------------------------- the resource


def test_a_key_round_trips_and_its_credentials_are_never_returned(ws):
    token = secret("sk-openai")
    created = new_key(ws, OPENAI, name="primary", labels={"team": "ml"}, config=OPENAI_CONFIG,
                      credentials=api_key(token), hidden=(token,))
    kid = created["metadata"]["id"]
    assert kid.startswith("aipk_")
    assert created["metadata"]["name"] == "primary"
    assert created["metadata"]["labels"] == {"team": "ml"}
    assert created["metadata"]["workspaceId"] == ws.id
    assert created["spec"] == {"provider": OPENAI, "config": OPENAI_CONFIG, "hasCredentials": True}
    assert created["info"]["modelFamily"] == "openai"

    got = shown(ws.api.get(key_path(ws, kid)), 200, token)
    assert got["metadata"]["id"] == kid and got["metadata"]["name"] == "primary"
    assert got["spec"] == {"provider": OPENAI, "config": OPENAI_CONFIG, "hasCredentials": True}
    assert got["info"]["modelFamily"] == "openai"

    page = shown(ws.api.get(keys_path(ws)), 200, token)
    assert ids(page) == {kid}
    assert page["pagination"]["total"] == 1
    assert page["items"][0]["spec"] == {"provider": OPENAI, "config": OPENAI_CONFIG, "hasCredentials": True}
    assert all("info" not in item for item in page["items"])

    page = shown(ws.api.get(keys_path(ws), params={"includeInfo": "true"}), 200, token)
    assert ids(page) == {kid}
    assert page["items"][0]["info"]["modelFamily"] == "openai"


def test_header_credentials_are_never_returned_either(ws):
    value = secret("hdr")
    created = new_key(ws, ANTHROPIC, credentials=header_credentials({"x-api-key": value}), hidden=(value,))
    kid = created["metadata"]["id"]
    assert created["spec"] == {"provider": ANTHROPIC, "hasCredentials": True}
    assert created["info"]["modelFamily"] == "anthropic"
    for resp in [ws.api.get(key_path(ws, kid)), ws.api.get(keys_path(ws)),
                 ws.api.get(keys_path(ws), params={"includeInfo": "true"})]:
        shown(resp, 200, value)


@pytest.mark.parametrize("provider,config,family", [
    (OPENAI, None, "openai"),
    (ANTHROPIC, None, "anthropic"),
    (OPENROUTER, OPENROUTER_CONFIG, "openrouter"),
    (OPENROUTER, None, "openrouter"),
    (GEMINI, None, "gemini"),
])
def test_each_named_provider_serves_its_family(ws, provider, config, family):
    token = secret()
    created = new_key(ws, provider, config=config, credentials=api_key(token), hidden=(token,))
    expected_spec = {"provider": provider, "hasCredentials": True}
    if config is not None:
        expected_spec["config"] = config
    assert created["spec"] == expected_spec
    assert created["info"]["modelFamily"] == family
    got = shown(ws.api.get(key_path(ws, created["metadata"]["id"])), 200, token)
    assert got["spec"] == expected_spec and got["info"]["modelFamily"] == family


def test_a_compatible_key_serves_its_external_id_and_may_have_no_credentials(ws):
    config = compatible_config("http://127.0.0.1:11434/v1")
    bare = new_key(ws, COMPATIBLE, name="local", external_id="local", config=config)
    assert bare["metadata"]["id"].startswith("aipk_")
    assert bare["metadata"]["externalId"] == "local"
    assert bare["spec"] == {"provider": COMPATIBLE, "config": config, "hasCredentials": False}
    assert bare["info"]["modelFamily"] == "local"

    token = secret("gw")
    https = compatible_config("https://gateway.example.com/v1")
    keyed = new_key(ws, COMPATIBLE, name="gateway", external_id="gateway", config=https,
                    credentials=api_key(token), hidden=(token,))
    assert keyed["spec"] == {"provider": COMPATIBLE, "config": https, "hasCredentials": True}
    assert keyed["info"]["modelFamily"] == "gateway"

    page = shown(ws.api.get(keys_path(ws), params={"includeInfo": "true"}), 200, token)
    assert ids(page) == {bare["metadata"]["id"], keyed["metadata"]["id"]}
    assert sorted(item["info"]["modelFamily"] for item in page["items"]) == ["gateway", "local"]


VALID_COMPATIBLE = compatible_config("http://127.0.0.1:1/v1")
CREDS = api_key("sk-validation")

INVALID = {
    "no-provider": (key_body(None, credentials=CREDS), "spec.provider"),
    "unspecified-provider": (key_body(UNSPECIFIED, credentials=CREDS), "spec.provider"),
    "openai-with-compatible-config": (key_body(OPENAI, config=VALID_COMPATIBLE, credentials=CREDS), "spec.config"),
    "openai-with-openrouter-config": (key_body(OPENAI, config=OPENROUTER_CONFIG, credentials=CREDS), "spec.config"),
    "anthropic-with-openai-config": (key_body(ANTHROPIC, config=OPENAI_CONFIG, credentials=CREDS), "spec.config"),
    "gemini-with-openai-config": (key_body(GEMINI, config=OPENAI_CONFIG, credentials=CREDS), "spec.config"),
    "openrouter-with-openai-config": (key_body(OPENROUTER, config=OPENAI_CONFIG, credentials=CREDS),
                                      "spec.config"),
    "compatible-without-config": (key_body(COMPATIBLE, external_id="gw", credentials=CREDS), "spec.config"),
    "compatible-with-openai-config": (key_body(COMPATIBLE, external_id="gw", config=OPENAI_CONFIG,
                                               credentials=CREDS), "spec.config"),
    "compatible-ftp-url": (key_body(COMPATIBLE, external_id="gw", config=compatible_config("ftp://gw.example.com")),
                           "spec.config.openaiCompatible.baseUrl"),
    "compatible-not-a-url": (key_body(COMPATIBLE, external_id="gw", config=compatible_config("not a url")),
                             "spec.config.openaiCompatible.baseUrl"),
    "compatible-empty-url": (key_body(COMPATIBLE, external_id="gw", config=compatible_config("")),
                             "spec.config.openaiCompatible.baseUrl"),
    "openai-without-credentials": (key_body(OPENAI), "spec.credentials"),
    "anthropic-without-credentials": (key_body(ANTHROPIC), "spec.credentials"),
    "openrouter-without-credentials": (key_body(OPENROUTER, config=OPENROUTER_CONFIG), "spec.credentials"),
    "gemini-without-credentials": (key_body(GEMINI), "spec.credentials"),
    "compatible-without-external-id": (key_body(COMPATIBLE, config=VALID_COMPATIBLE), "metadata.externalId"),
    **{f"compatible-named-{family}": (key_body(COMPATIBLE, external_id=family, config=VALID_COMPATIBLE),
                                      "metadata.externalId")
       for family in BUILT_IN_FAMILIES},
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_keys_are_400_naming_the_field(ws, case):
    body, field = INVALID[case]
    err = expect_error(ws.api.post(keys_path(ws), body), 400, "validation_error", field)
    assert "sk-validation" not in json.dumps(err)
    # nothing was stored
    assert expect(ws.api.get(keys_path(ws)), 200)["pagination"]["total"] == 0


def test_one_key_per_family_and_workspace(ws, other_ws):
    first = new_key(ws, OPENAI, credentials=api_key(secret()))
    expect_error(ws.api.post(keys_path(ws), key_body(OPENAI, credentials=api_key(secret()))), 409, "conflict")

    gateway = new_key(ws, COMPATIBLE, external_id="gateway", config=VALID_COMPATIBLE)
    expect_error(ws.api.post(keys_path(ws), key_body(COMPATIBLE, external_id="gateway",
                                                     config=compatible_config("http://127.0.0.1:2/v1"))),
                 409, "conflict")
    # other families in the same workspace are fine
    other_family = new_key(ws, COMPATIBLE, external_id="gateway-b", config=VALID_COMPATIBLE)
    anthropic = new_key(ws, ANTHROPIC, credentials=api_key(secret()))
    page = expect(ws.api.get(keys_path(ws)), 200)
    assert ids(page) == {first["metadata"]["id"], gateway["metadata"]["id"], other_family["metadata"]["id"],
                         anthropic["metadata"]["id"]}
    assert page["pagination"]["total"] == 4

    # the same families in another workspace are fine, and each workspace sees only its own keys
    theirs = new_key(other_ws, OPENAI, credentials=api_key(secret()))
    new_key(other_ws, COMPATIBLE, external_id="gateway", config=VALID_COMPATIBLE)
    assert theirs["metadata"]["workspaceId"] == other_ws.id
    assert first["metadata"]["id"] not in ids(expect(other_ws.api.get(keys_path(other_ws)), 200))
    expect_error(other_ws.api.get(key_path(other_ws, first["metadata"]["id"])), 404, "not_found")
    expect_error(ws.api.get(key_path(ws, theirs["metadata"]["id"])), 404, "not_found")

    # once the first OPENAI key is deleted, the family is free again
    expect(ws.api.delete(key_path(ws, first["metadata"]["id"])), 204)
    again = new_key(ws, OPENAI, credentials=api_key(secret()))
    assert again["info"]["modelFamily"] == "openai"


def test_patch_merges_replaces_credentials_and_keeps_the_provider(ws):
    old = secret("old")
    created = new_key(ws, OPENAI, name="primary", config=OPENAI_CONFIG, credentials=api_key(old), hidden=(old,))
    kid = created["metadata"]["id"]
    path = key_path(ws, kid)

    renamed = shown(ws.api.patch(path, {"metadata": {"name": "renamed"}}), 200, old)
    assert renamed["metadata"]["id"] == kid
    assert renamed["metadata"]["name"] == "renamed"
    assert renamed["spec"] == {"provider": OPENAI, "config": OPENAI_CONFIG, "hasCredentials": True}
    assert renamed["info"]["modelFamily"] == "openai"

    new = secret("new")
    replaced = shown(ws.api.patch(path, {"spec": {"credentials": api_key(new)}}), 200, old, new)
    assert replaced["metadata"]["name"] == "renamed"
    assert replaced["spec"] == {"provider": OPENAI, "config": OPENAI_CONFIG, "hasCredentials": True}
    assert replaced["info"]["modelFamily"] == "openai"

    err = expect_error(ws.api.patch(path, {"spec": {"provider": ANTHROPIC}}), 400, "validation_error",
                       "spec.provider")
    assert new not in json.dumps(err) and old not in json.dumps(err)

    got = shown(ws.api.get(path), 200, old, new)
    assert got["metadata"]["name"] == "renamed"
    assert got["spec"] == {"provider": OPENAI, "config": OPENAI_CONFIG, "hasCredentials": True}
    assert got["info"]["modelFamily"] == "openai"


def test_patching_a_compatible_key_validates_its_base_url(ws):
    config = compatible_config("http://127.0.0.1:1/v1")
    created = new_key(ws, COMPATIBLE, external_id="gateway", config=config)
    path = key_path(ws, created["metadata"]["id"])
    expect_error(ws.api.patch(path, {"spec": {"config": compatible_config("ftp://gw.example.com")}}), 400,
                 "validation_error", "spec.config.openaiCompatible.baseUrl")
    moved = compatible_config("https://gateway.example.com/v1")
    patched = shown(ws.api.patch(path, {"spec": {"config": moved}}), 200)
    assert patched["spec"] == {"provider": COMPATIBLE, "config": moved, "hasCredentials": False}
    assert patched["info"]["modelFamily"] == "gateway"
    assert expect(ws.api.get(path), 200)["spec"]["config"] == moved


def test_delete_then_get_is_404(ws):
    kept = new_key(ws, ANTHROPIC, credentials=api_key(secret()))
    gone = new_key(ws, OPENAI, credentials=api_key(secret()))
    path = key_path(ws, gone["metadata"]["id"])
    expect(ws.api.delete(path), 204)
    expect_error(ws.api.get(path), 404, "not_found")
    expect_error(ws.api.delete(path), 404, "not_found")
    expect_error(ws.api.patch(path, {"metadata": {"name": "x"}}), 404, "not_found")
    page = expect(ws.api.get(keys_path(ws)), 200)
    assert ids(page) == {kept["metadata"]["id"]}
    assert page["pagination"]["total"] == 1


def test_unknown_keys_are_404(ws):
    path = key_path(ws, missing("aipk"))
    expect_error(ws.api.get(path), 404, "not_found")
    expect_error(ws.api.patch(path, {"metadata": {"name": "x"}}), 404, "not_found")
    expect_error(ws.api.delete(path), 404, "not_found")


def test_scopes(ws):
    token = secret()
    created = new_key(ws, OPENAI, credentials=api_key(token), hidden=(token,))
    kid, name = created["metadata"]["id"], created["metadata"]["name"]

    nobody = ws.client(["agents:read"], name="agents-reader")
    expect_error(nobody.get(keys_path(ws)), 403, "forbidden")
    expect_error(nobody.get(key_path(ws, kid)), 403, "forbidden")

    reader = ws.client(["ai_provider_keys:read"], name="keys-reader")
    page = shown(reader.get(keys_path(ws)), 200, token)
    assert ids(page) == {kid}
    assert shown(reader.get(key_path(ws, kid)), 200, token)["metadata"]["id"] == kid
    expect_error(reader.post(keys_path(ws), key_body(GEMINI, credentials=api_key(secret()))), 403, "forbidden")
    expect_error(reader.patch(key_path(ws, kid), {"metadata": {"name": "nope"}}), 403, "forbidden")
    expect_error(reader.delete(key_path(ws, kid)), 403, "forbidden")
    assert expect(ws.api.get(key_path(ws, kid)), 200)["metadata"]["name"] == name

    writer = ws.client(["ai_provider_keys:write"], name="keys-writer")
    made = shown(writer.post(keys_path(ws), key_body(GEMINI, credentials=api_key(token))), 201, token)
    assert made["info"]["modelFamily"] == "gemini"
    assert shown(writer.patch(key_path(ws, kid), {"metadata": {"name": "by-writer"}}), 200,
                 token)["metadata"]["name"] == "by-writer"
    expect(writer.delete(key_path(ws, made["metadata"]["id"])), 204)
    assert ids(expect(ws.api.get(keys_path(ws)), 200)) == {kid}


def test_both_route_forms_agree(ws):
    token = secret()
    via_short = shown(ws.api.post("/v1/ai_provider_keys", key_body(OPENAI, name="short", credentials=api_key(token))),
                      201, token)
    kid = via_short["metadata"]["id"]
    assert kid.startswith("aipk_") and via_short["metadata"]["workspaceId"] == ws.id
    new_key(ws, COMPATIBLE, external_id="gateway", config=VALID_COMPATIBLE)

    assert shown(ws.api.get(key_path(ws, kid)), 200, token) == shown(ws.api.get(f"/v1/ai_provider_keys/{kid}"),
                                                                      200, token)
    canonical = shown(ws.api.get(keys_path(ws)), 200, token)
    short = shown(ws.api.get("/v1/ai_provider_keys"), 200, token)
    assert canonical == short
    assert canonical["pagination"]["total"] == 2
    assert expect(ws.api.get(keys_path(ws), params={"includeInfo": "true"}), 200) == expect(
        ws.api.get("/v1/ai_provider_keys", params={"includeInfo": "true"}), 200)

    patched = shown(ws.api.patch(f"/v1/ai_provider_keys/{kid}", {"metadata": {"name": "via-short"}}), 200, token)
    assert patched["metadata"]["name"] == "via-short"
    assert expect(ws.api.get(key_path(ws, kid)), 200)["metadata"]["name"] == "via-short"
    expect(ws.api.delete(f"/v1/ai_provider_keys/{kid}"), 204)
    expect_error(ws.api.get(key_path(ws, kid)), 404, "not_found")
    expect_error(ws.api.get(f"/v1/ai_provider_keys/{kid}"), 404, "not_found")


# ---------------------------------------------------------------- routing


def test_a_workspace_key_serves_its_family_and_another_workspace_never_sees_it(admin, ws, other_ws, fake_openai):
    token_a, token_b = secret("gw-a"), secret("gw-b")
    server_a = FakeOpenAI(api_key=token_a)
    server_b = FakeOpenAI(api_key=token_b)
    server_a.start()
    try:
        server_b.start()
        try:
            key_a = compatible_key(ws, "gateway", server_a, token_a)
            key_b = compatible_key(other_ws, "gateway", server_b, token_b)
            assert key_a["info"]["modelFamily"] == key_b["info"]["modelFamily"] == "gateway"

            # the same model id in both workspaces: only the key decides where each request goes
            model = model_name("gw-test")
            server_a.script(model, [text("answer from A")])
            server_b.script(model, [text("answer from B")])
            s_a = setup_agent(ws, "gateway", model)
            s_b = setup_agent(other_ws, "gateway", model)
            assert s_a.model_id == s_b.model_id == f"gateway/{model}"
            message_a, message_b = f"workspace A asks ({uid()})", f"workspace B asks ({uid()})"
            oid_a = create(ws, s_a.agent_id, message_a)["metadata"]["id"]
            oid_b = create(other_ws, s_b.agent_id, message_b)["metadata"]["id"]
            wait_status(ws, oid_a, "COMPLETED", timeout=60)
            wait_status(other_ws, oid_b, "COMPLETED", timeout=60)
            assert answers(ws, oid_a) == ["answer from A"], describe(ws, oid_a)
            assert answers(other_ws, oid_b) == ["answer from B"], describe(other_ws, oid_b)

            # each server saw exactly its own workspace's request, with its own credential
            reqs_a, reqs_b = server_a.requests(model), server_b.requests(model)
            assert len(reqs_a) == 1 and len(reqs_b) == 1, (len(reqs_a), len(reqs_b))
            assert len(server_a.log) == 1 and len(server_b.log) == 1
            assert reqs_a[0].headers.get("authorization") == f"Bearer {token_a}"
            assert reqs_b[0].headers.get("authorization") == f"Bearer {token_b}"
            assert reqs_a[0].json["model"] == model and reqs_b[0].json["model"] == model
            assert message_a in reqs_a[0].text and message_b not in reqs_a[0].text
            assert message_b in reqs_b[0].text and message_a not in reqs_b[0].text
            assert fake_openai.requests(model) == [], "a workspace key's family never reaches the operator"
            for owner, oid in [(ws, oid_a), (other_ws, oid_b)]:
                for body in objective_texts(owner, oid):
                    assert token_a not in body and token_b not in body

            # a third workspace without a key for the family reaches neither server and fails
            third = Workspace(admin, f"no-keys-{uid()}")
            s_c = setup_agent(third, "gateway", model)
            oid_c = create(third, s_c.agent_id)["metadata"]["id"]
            _, err = final_error(third, oid_c)
            assert err["type"] == "configuration", err
            assert "gateway" in err["message"], err
            assert len(server_a.log) == 1 and len(server_b.log) == 1
            assert fake_openai.requests(model) == []
        finally:
            server_b.stop()
    finally:
        server_a.stop()


def test_a_workspace_without_keys_uses_the_operators_provider(ws, fake_openai):
    s = setup_agent(ws, "openai")
    fake_openai.script(s.model, [text("operator answer")])
    oid = run_to(ws, s.agent_id, "COMPLETED")
    assert answers(ws, oid) == ["operator answer"], describe(ws, oid)
    reqs = fake_openai.requests(s.model)
    assert len(reqs) == 1
    assert reqs[0].headers.get("authorization") == f"Bearer {fake_openai.api_key}"


def test_an_openai_key_is_used_on_the_operators_endpoint_and_deleting_it_falls_back(ws, fake_openai):
    bad = secret("sk-not-accepted")
    assert bad != fake_openai.api_key
    key = new_key(ws, OPENAI, credentials=api_key(bad), hidden=(bad,))
    kid = key["metadata"]["id"]
    s = setup_agent(ws, "openai")
    # the fake checks the key before it pops a reply, so this reply waits for the second objective
    fake_openai.script(s.model, [text("operator key again")])

    oid = create(ws, s.agent_id)["metadata"]["id"]
    _, err = final_error(ws, oid, timeout=60)
    assert kid in err["message"], err
    assert err["type"] == "model_provider", err
    assert "401" in err["message"], err
    assert bad not in err["message"]
    reqs = fake_openai.requests(s.model)
    assert len(reqs) == 1, f"{len(reqs)} requests"
    assert reqs[0].headers.get("authorization") == f"Bearer {bad}", "the workspace's credential was sent"
    for body in objective_texts(ws, oid):
        assert bad not in body

    expect(ws.api.delete(key_path(ws, kid)), 204)
    oid2 = run_to(ws, s.agent_id, "COMPLETED")
    assert answers(ws, oid2) == ["operator key again"], describe(ws, oid2)
    reqs = fake_openai.requests(s.model)
    assert len(reqs) == 2
    assert reqs[1].headers.get("authorization") == f"Bearer {fake_openai.api_key}"


def test_a_family_with_neither_a_key_nor_an_operator_provider_fails_naming_it(ws, fake_openai, fake_anthropic):
    # a key for another compatible family does not serve gateway2
    new_key(ws, COMPATIBLE, external_id="gateway", config=VALID_COMPATIBLE)
    s = setup_agent(ws, "gateway2")
    assert s.model_id == f"gateway2/{s.model}"
    oid = create(ws, s.agent_id)["metadata"]["id"]
    _, err = final_error(ws, oid)
    assert err["type"] == "configuration", err
    assert "gateway2" in err["message"], err
    assert fake_openai.requests(s.model) == [] and fake_anthropic.requests(s.model) == []


def test_header_credentials_are_sent_to_the_compatible_server(ws, fake_openai):
    token = secret("hdr")
    server = FakeOpenAI(api_key=token).start()
    try:
        key = new_key(ws, COMPATIBLE, external_id="headered", config=compatible_config(server.url),
                      credentials=header_credentials({"Authorization": f"Bearer {token}"}), hidden=(token,))
        assert key["spec"]["hasCredentials"] is True
        s = setup_agent(ws, "headered")
        server.script(s.model, [text("via headers")])
        oid = run_to(ws, s.agent_id, "COMPLETED")
        assert answers(ws, oid) == ["via headers"], describe(ws, oid)
        reqs = server.requests(s.model)
        assert len(reqs) == 1
        assert reqs[0].headers.get("authorization") == f"Bearer {token}"
        assert fake_openai.requests(s.model) == []
        for body in objective_texts(ws, oid):
            assert token not in body
    finally:
        server.stop()


def test_replaced_credentials_take_effect_on_the_next_objective(ws):
    good = secret("good")
    wrong = secret("wrong")
    server = FakeOpenAI(api_key=good).start()
    try:
        key = new_key(ws, COMPATIBLE, external_id="rotating", config=compatible_config(server.url),
                      credentials=api_key(wrong), hidden=(wrong,))
        kid = key["metadata"]["id"]
        s = setup_agent(ws, "rotating")
        server.script(s.model, [text("after rotation")])

        oid = create(ws, s.agent_id)["metadata"]["id"]
        _, err = final_error(ws, oid, timeout=60)
        assert wrong not in err["message"]
        reqs = server.requests(s.model)
        assert len(reqs) == 1
        assert reqs[0].headers.get("authorization") == f"Bearer {wrong}"

        shown(ws.api.patch(key_path(ws, kid), {"spec": {"credentials": api_key(good)}}), 200, good, wrong)
        oid2 = run_to(ws, s.agent_id, "COMPLETED")
        assert answers(ws, oid2) == ["after rotation"], describe(ws, oid2)
        reqs = server.requests(s.model)
        assert len(reqs) == 2
        assert reqs[1].headers.get("authorization") == f"Bearer {good}"
    finally:
        server.stop()
