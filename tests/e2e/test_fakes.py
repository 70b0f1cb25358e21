"""The fake servers themselves (fakes.py), driven with `requests`: no Spin app involved."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from fakes import (ANTHROPIC_KEY, OPENAI_KEY, FakeAnthropic, FakeOpenAI, ToolServer, error, model_variables, raw,
                   text, tool_calls)


@pytest.fixture
def openai():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def anthropic():
    with FakeAnthropic() as server:
        yield server


@pytest.fixture
def tools():
    with ToolServer() as server:
        yield server


def chat(server, model, key=OPENAI_KEY, **extra):
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], **extra}
    return requests.post(f"{server.url}/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"},
                         timeout=10)


def messages(server, model, key=ANTHROPIC_KEY, version="2023-06-01", **extra):
    body = {"model": model, "max_tokens": 1024, "messages": [{"role": "user", "content": "hi"}], **extra}
    headers = {"x-api-key": key}
    if version:
        headers["anthropic-version"] = version
    return requests.post(f"{server.url}/messages", json=body, headers=headers, timeout=10)


# ---- FakeOpenAI

def test_openai_scripts_are_per_model_and_default_to_done(openai):
    openai.script("m1", [tool_calls([("call_1", "create_order", {"orderId": "42"})]), text("placed", 7, 3)])
    openai.script("m2", [text("other model")])
    r = chat(openai, "m1")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["object"] == "chat.completion" and body["model"] == "m1" and body["id"].startswith("chatcmpl-")
    [choice] = body["choices"]
    assert choice["index"] == 0 and choice["finish_reason"] == "tool_calls"
    assert choice["message"]["role"] == "assistant" and choice["message"]["content"] is None
    assert choice["message"]["tool_calls"] == [{"id": "call_1", "type": "function",
                                                "function": {"name": "create_order",
                                                             "arguments": json.dumps({"orderId": "42"})}}]
    assert body["usage"] == {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    assert chat(openai, "m2").json()["choices"][0]["message"]["content"] == "other model"
    second = chat(openai, "m1").json()
    assert second["choices"][0] == {"index": 0, "logprobs": None, "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": "placed"}}
    assert second["usage"] == {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}
    for model in ("m1", "m2", "never-scripted"):
        done = chat(openai, model).json()
        assert done["choices"][0]["message"] == {"role": "assistant", "content": "done"}
        assert done["usage"] == {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    assert openai.pending("m1") == 0
    assert [len(openai.requests(m)) for m in ("m1", "m2", "never-scripted", "nobody")] == [3, 2, 1, 0]


def test_openai_records_bodies_headers_and_arrival(openai):
    before = time.monotonic()
    chat(openai, "rec", tools=[{"type": "function", "function": {"name": "t", "parameters": {}}}])
    [rec] = openai.requests("rec")
    assert rec.method == "POST" and rec.path == "/v1/chat/completions"
    assert rec.json["tools"][0]["function"]["name"] == "t"
    assert openai.bodies("rec") == [rec.json]
    assert rec.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert before <= rec.at <= rec.replied_at <= time.monotonic()
    assert rec.status == 200


def test_openai_checks_the_key_and_the_body(openai):
    openai.script("k", [text("kept for the right key")])
    r = chat(openai, "k", key="wrong")
    assert r.status_code == 401
    assert r.json() == {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                  "code": "invalid_api_key"}}
    assert requests.post(f"{openai.url}/chat/completions", json={"model": "k", "messages": []}, timeout=10,
                         headers={"Authorization": "Bearer " + OPENAI_KEY}).status_code == 400
    assert requests.post(f"{openai.url}/chat/completions", data=b"{", timeout=10,
                         headers={"Authorization": "Bearer " + OPENAI_KEY}).status_code == 400
    assert requests.post(f"{openai.url}/completions", json={}, timeout=10).status_code == 404
    # rejected requests do not use up the script
    assert chat(openai, "k").json()["choices"][0]["message"]["content"] == "kept for the right key"
    assert [r.status for r in openai.requests("k")] == [401, 400, 200]


def test_openai_errors_raw_bodies_and_delays(openai):
    openai.script("e", [error(429, {"error": {"message": "slow down"}}, headers={"Retry-After": "1"}),
                        error(503, "unavailable"), raw(200, b'{"choices": ['), text("late", delay=0.6)])
    r = chat(openai, "e")
    assert r.status_code == 429 and r.headers["retry-after"] == "1" and r.json() == {"error": {"message": "slow down"}}
    r = chat(openai, "e")
    assert r.status_code == 503 and r.text == "unavailable"
    r = chat(openai, "e")
    assert r.status_code == 200 and r.content == b'{"choices": ['
    started = time.monotonic()
    r = chat(openai, "e")
    assert time.monotonic() - started >= 0.55
    assert r.json()["choices"][0]["message"]["content"] == "late"
    last = openai.requests("e")[-1]
    assert last.replied_at - last.at >= 0.55


def test_concurrent_requests_are_served_in_parallel(openai):
    openai.script("slow", [text("a", delay=1.0)])
    openai.script("fast", [text("b")])
    results = {}
    t = threading.Thread(target=lambda: results.setdefault("slow", chat(openai, "slow")))
    t.start()
    time.sleep(0.1)
    started = time.monotonic()
    assert chat(openai, "fast").json()["choices"][0]["message"]["content"] == "b"
    assert time.monotonic() - started < 0.8, "a delayed reply must not hold up other models"
    t.join(5)
    assert results["slow"].json()["choices"][0]["message"]["content"] == "a"


def test_stop_cuts_delays_short():
    server = FakeOpenAI().start()
    server.script("hang", [text("never", delay=30)])
    failures = []

    def call():
        try:
            chat(server, "hang")
        except requests.RequestException as e:
            failures.append(e)

    t = threading.Thread(target=call)
    t.start()
    deadline = time.monotonic() + 5
    while not server.requests("hang") and time.monotonic() < deadline:
        time.sleep(0.02)
    started = time.monotonic()
    server.stop()
    t.join(10)
    assert not t.is_alive() and time.monotonic() - started < 10
    with pytest.raises(requests.ConnectionError):
        requests.get(server.base, timeout=2)


# ---- FakeAnthropic

def test_anthropic_renders_messages(anthropic):
    anthropic.script("c", [tool_calls([("toolu_1", "create_order", {"orderId": "42"})], content="On it.",
                                      prompt_tokens=11, completion_tokens=4),
                           text("Placed.")])
    body = messages(anthropic, "c").json()
    assert body == {"id": body["id"], "type": "message", "role": "assistant", "model": "c",
                    "content": [{"type": "text", "text": "On it."},
                                {"type": "tool_use", "id": "toolu_1", "name": "create_order",
                                 "input": {"orderId": "42"}}],
                    "stop_reason": "tool_use", "stop_sequence": None,
                    "usage": {"input_tokens": 11, "output_tokens": 4}}
    assert body["id"].startswith("msg_")
    body = messages(anthropic, "c").json()
    assert body["content"] == [{"type": "text", "text": "Placed."}] and body["stop_reason"] == "end_turn"
    assert body["usage"] == {"input_tokens": 100, "output_tokens": 20}
    body = messages(anthropic, "c").json()
    assert body["content"] == [{"type": "text", "text": "done"}]
    assert body["usage"] == {"input_tokens": 10, "output_tokens": 5}
    # tool calls without text have no text block
    anthropic.script("d", [tool_calls([("toolu_2", "t", {})])])
    assert [b["type"] for b in messages(anthropic, "d").json()["content"]] == ["tool_use"]
    [rec] = anthropic.requests("d")
    assert rec.headers["x-api-key"] == ANTHROPIC_KEY and rec.headers["anthropic-version"] == "2023-06-01"


def test_anthropic_checks_key_version_and_body(anthropic):
    r = messages(anthropic, "x", key="wrong")
    assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"
    r = messages(anthropic, "x", version=None)
    assert r.status_code == 400 and "anthropic-version" in r.json()["error"]["message"]
    r = requests.post(f"{anthropic.url}/messages", timeout=10,
                      json={"model": "x", "messages": [{"role": "user", "content": "hi"}]},
                      headers={"x-api-key": ANTHROPIC_KEY, "anthropic-version": "2023-06-01"})
    assert r.status_code == 400 and "max_tokens" in r.json()["error"]["message"]
    assert [r.status for r in anthropic.requests("x")] == [401, 400, 400]
    anthropic.script("x", [error(529, {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}})])
    assert messages(anthropic, "x").status_code == 529


# ---- ToolServer

def test_tool_server_records_and_answers_per_path(tools):
    tools.on("/p/api/orders/42", status=201, body={"id": 42})
    r = requests.post(f"{tools.base}/p/api/orders/42?x=1&y=a%20b&y=c", json={"quantity": 3},
                      headers={"Authorization": "Bearer s3"}, timeout=10)
    assert r.status_code == 201 and r.json() == {"id": 42}
    r = requests.get(f"{tools.base}/p/api/anything", timeout=10)
    assert r.status_code == 200 and r.json() == {"ok": True}
    requests.delete(f"{tools.base}/elsewhere", timeout=10)
    [post, get] = tools.requests("/p/")
    assert (post.method, post.path, post.query) == ("POST", "/p/api/orders/42", {"x": "1", "y": "a b"})
    assert post.query_lists == {"x": ["1"], "y": ["a b", "c"]}
    assert post.json == {"quantity": 3} and post.text == '{"quantity": 3}'
    assert post.headers["authorization"] == "Bearer s3"
    assert (get.method, get.body, get.json) == ("GET", b"", None)
    assert len(tools.requests()) == 3
    assert post.at <= get.at


def test_tool_server_rules_times_delay_and_big_bodies(tools):
    sent = tools.on("/slow", body="first", delay=0.5, times=1, content_type="text/plain")
    assert sent == b"first"
    tools.on("/slow", status=502, body="then failing")
    big = tools.on("/big", body="x" * (300 * 1024), content_type="text/plain")
    started = time.monotonic()
    r = requests.get(f"{tools.base}/slow", timeout=10)
    assert r.text == "first" and r.headers["content-type"] == "text/plain" and time.monotonic() - started >= 0.45
    started = time.monotonic()
    r = requests.get(f"{tools.base}/slow", timeout=10)
    assert (r.status_code, r.text) == (502, "then failing") and time.monotonic() - started < 0.45
    assert requests.get(f"{tools.base}/slow", timeout=10).status_code == 502
    r = requests.get(f"{tools.base}/big", timeout=10)
    assert len(r.content) == 300 * 1024 == len(big)


def test_a_client_that_gives_up_does_not_break_the_server(tools):
    tools.on("/hang", delay=1.5, times=1)
    with pytest.raises(requests.Timeout):
        requests.get(f"{tools.base}/hang", timeout=0.3)
    # the server still answers, and the abandoned request is recorded without a reply yet
    assert requests.get(f"{tools.base}/hang", timeout=10).json() == {"ok": True}
    first, second = tools.requests("/hang")
    assert first.at < second.at and second.status == 200 and second.replied_at is not None


def test_model_variables_point_the_app_at_the_fakes(openai, anthropic):
    v = model_variables(openai, anthropic)
    assert v == {"openai_base_url": f"{openai.base}/v1", "openai_api_key": "test-openai-key",
                 "anthropic_base_url": f"{anthropic.base}/v1", "anthropic_api_key": "test-anthropic-key",
                 "model_timeout_seconds": "5", "tool_timeout_seconds": "5"}


def test_session_fixtures_need_no_app(fake_openai, fake_anthropic, tool_server, app_variables):
    """conftest's servers start on their own (the app fixture depends on them, not the reverse)."""
    assert app_variables == {**model_variables(fake_openai, fake_anthropic), "webhook_retry_schedule": "1s,1s",
                             "event_stream_heartbeat_seconds": "1", "event_stream_max_seconds": "6"}
    assert requests.get(f"{tool_server.base}/ping", timeout=5).json() == {"ok": True}
    assert chat(fake_openai, "session-check").json()["choices"][0]["message"]["content"] == "done"
    assert messages(fake_anthropic, "session-check").json()["content"] == [{"type": "text", "text": "done"}]
