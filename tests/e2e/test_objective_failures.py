"""When the model cannot be reached or answers badly (docs/api.md §4.1 step 4, issue 4 "any provider or
transport failure → ERROR event + FAILED with a message a user can act on"): retries on 429/5xx,
timeouts, bad keys, malformed replies, unknown model families, and apps configured wrongly."""

from __future__ import annotations

import time

import pytest

from agentloop import (create, describe, events, final_error, get, never, own_app, payload, setup_agent, types,
                       wait_status)
from client import expect
from fakes import error, raw, text
from spinapp import free_port

OPENAI_401 = {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                        "code": "invalid_api_key"}}
ANTHROPIC_401 = {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
SERVER_ERROR = {"error": {"message": "The server had an error while processing your request.",
                          "type": "server_error"}}

# family, script, words the message must contain, how many requests the fake must have seen (None: any)
FAILURES = {
    "openai-401": ("openai", [error(401, OPENAI_401)], ["401", "openai_api_key"], 1),
    "anthropic-401": ("anthropic", [error(401, ANTHROPIC_401)], ["401", "anthropic_api_key"], 1),
    # a 200 that is not JSON (scripted more than once, should the client retry it)
    "malformed": ("openai", [raw(200, b'{"id": "chatcmpl-1", "object": "chat.completion", "choices": [')] * 4,
                  ["malformed"], None),
    # 5xx is retried, at most three attempts in all
    "500-three-times": ("openai", [error(500, SERVER_ERROR)] * 5, ["500"], 3),
    # slower than model_timeout_seconds=5 every time (in case timeouts are retried too)
    "timeout": ("openai", [text("too late", delay=8)] * 4, ["timed out"], None),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_provider_failures_fail_the_objective_with_a_clear_message(ws, fake_openai, fake_anthropic, case):
    family, script, words, requests_seen = FAILURES[case]
    fake = fake_anthropic if family == "anthropic" else fake_openai
    s = setup_agent(ws, family)
    fake.script(s.model, script)
    oid = create(ws, s.agent_id)["metadata"]["id"]
    o, err = final_error(ws, oid, timeout=90)
    assert err["type"] == "model_provider", err
    for word in words:
        assert word.lower() in err["message"].lower(), (word, err)
    assert types(events(ws, oid)) == ["USER_MESSAGE", "ERROR"], describe(ws, oid)
    seen = len(fake.requests(s.model))
    if requests_seen is None:
        assert seen >= 1
    else:
        assert seen == requests_seen, f"{seen} requests for {case}"
    assert o["info"]["totalInputTokens"] == 0
    # a FAILED objective stays failed: the cron does not pick it up again
    never(lambda: len(fake.requests(s.model)) != seen or len(events(ws, oid)) != 2, 2.0,
          "a failed objective ran again")
    assert get(ws, oid)["status"] == "OBJECTIVE_STATUS_FAILED"


def test_429_then_success_is_retried_and_completes(ws, fake_openai):
    s = setup_agent(ws)
    fake_openai.script(s.model, [error(429, {"error": {"message": "Rate limit reached", "type": "requests"}},
                                       headers={"retry-after": "1"}),
                                 text("recovered", prompt_tokens=70, completion_tokens=7)])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    done = wait_status(ws, oid, "COMPLETED", timeout=60)
    evts = events(ws, oid)
    assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE"], describe(ws, oid)
    assert payload(evts[1]) == {"content": "recovered"}
    reqs = fake_openai.requests(s.model)
    assert len(reqs) == 2
    assert reqs[0].json == reqs[1].json, "the retry sends the same request"
    assert done["info"]["totalInputTokens"] == 70 and done["info"]["totalCompletionTokens"] == 7
    assert "statusMessage" not in done


def test_a_503_then_success_completes(ws, fake_openai):
    s = setup_agent(ws)
    fake_openai.script(s.model, [error(503, "upstream unavailable"), text("back again")])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED", timeout=60)
    assert payload(events(ws, oid)[-1]) == {"content": "back again"}
    assert len(fake_openai.requests(s.model)) == 2


def test_an_unknown_model_family_is_a_configuration_error(ws, fake_openai, fake_anthropic):
    s = setup_agent(ws, model_id="mistral/x")
    oid = create(ws, s.agent_id)["metadata"]["id"]
    _, err = final_error(ws, oid)
    assert err["type"] == "configuration", err
    assert "mistral" in err["message"], err
    assert fake_openai.requests("x") == [] and fake_anthropic.requests("x") == []


def test_a_variation_without_a_model_is_a_configuration_error(ws):
    s = setup_agent(ws, model_id=None)
    assert "modelConfig" not in s.variation["spec"]
    oid = create(ws, s.agent_id)["metadata"]["id"]
    _, err = final_error(ws, oid)
    assert err["type"] == "configuration", err
    assert "modelId" in err["message"], err


# ---- apps configured wrongly (each its own `spin up`)

@pytest.fixture(scope="module")
def misconfigured(app_variables):
    """No Anthropic key or URL (the official URL is the default), and OpenAI pointed at a closed port."""
    variables = {k: v for k, v in app_variables.items() if not k.startswith("anthropic_")}
    variables["openai_base_url"] = f"http://127.0.0.1:{free_port()}/v1"
    with own_app(variables) as (spin, ws):
        yield spin, ws


def test_a_missing_anthropic_key_fails_fast_naming_the_variable(misconfigured, fake_anthropic):
    _, ws = misconfigured
    s = setup_agent(ws, "anthropic")
    started = time.monotonic()
    oid = create(ws, s.agent_id)["metadata"]["id"]
    _, err = final_error(ws, oid, timeout=30)
    assert time.monotonic() - started < 30
    assert err["type"] == "configuration", err
    assert "anthropic_api_key" in err["message"], err
    assert fake_anthropic.requests(s.model) == []


def test_an_unreachable_provider_says_it_could_not_connect(misconfigured):
    _, ws = misconfigured
    s = setup_agent(ws, "openai")
    oid = create(ws, s.agent_id)["metadata"]["id"]
    _, err = final_error(ws, oid, timeout=60)
    assert err["type"] == "model_provider", err
    assert "could not connect" in err["message"].lower(), err


def test_private_model_urls_are_refused_unless_allowed(app_variables, fake_openai):
    variables = dict(app_variables, allow_private_targets="false")
    with own_app(variables) as (spin, ws):
        s = setup_agent(ws, "openai")
        oid = create(ws, s.agent_id)["metadata"]["id"]
        _, err = final_error(ws, oid, timeout=60)
        assert "private" in err["message"].lower(), err
        assert err["type"] in ("configuration", "model_provider"), err
        assert fake_openai.requests(s.model) == []
        # the objective list shows it failed
        listed = expect(ws.api.get(f"{ws.path}/objectives", params={"status": "OBJECTIVE_STATUS_FAILED"}), 200)
        assert [o["metadata"]["id"] for o in listed["items"]] == [oid]
