"""In-process fake servers the objective tests drive the app against.

- `FakeOpenAI`: an OpenAI-compatible `POST /v1/chat/completions`, and `POST /v1/embeddings` (behind the
  same auth check): each input's vector is `fake.embedder(text)`, a callable tests may replace (default
  `hash_embedding`, 8 deterministic floats per text); `embedding_requests()` returns their bodies. They
  are not among any model's chat requests (`requests(model)`).
- `FakeAnthropic`: an Anthropic-compatible `POST /v1/messages`.
  Both also list models at `GET /v1/models` in their provider's shape: the models set with
  `catalog([(model_id, context_length_or_None), ...])` (none by default), behind the same auth
  check as their POST route; `model_list_requests()` returns those GETs.
- `ToolServer`: any method, any path; answers as scripted per path and records every call.

The model fakes are scripted per model name (the request's `model` field), so tests sharing one
server stay isolated by using a model name of their own:

    fake.script("gpt-test-1234", [tool_calls([("call_1", "create_order", {"orderId": "42"})]), text("done")])

Each request pops the next reply of its model; once the queue is empty every request gets the
default final answer `DEFAULT_TEXT` (usage 10 prompt / 5 completion tokens). Replies are built
with `text`, `tool_calls`, `error` and `raw`, each with an optional `delay` in seconds; `text` and
`tool_calls` are rendered in the fake's own wire format, so one script works for both providers.

Every server runs on 127.0.0.1 on a free port in daemon threads; `.base` is `http://127.0.0.1:PORT`
(`.url` is `.base + "/v1"` for the model fakes), `.stop()` shuts it down and cuts delays short.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

DEFAULT_TEXT = "done"
DEFAULT_USAGE = (10, 5)
OPENAI_KEY = "test-openai-key"
ANTHROPIC_KEY = "test-anthropic-key"
# The app's provider timeout in the test session; the durability lease is max(model, tool) + 10 s.
MODEL_TIMEOUT_S = 5
TOOL_TIMEOUT_S = 5


# ---------------------------------------------------------------- replies


@dataclass
class Reply:
    """One scripted answer. `kind` is text | tool_calls | error | raw."""

    kind: str
    content: str | None = None
    calls: list[tuple[str, str, dict]] = field(default_factory=list)
    prompt_tokens: int = 100
    completion_tokens: int = 20
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def text(content: str, prompt_tokens: int = 100, completion_tokens: int = 20, delay: float = 0.0) -> Reply:
    """A final answer: the model ends its turn with `content`."""
    return Reply("text", content=content, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                 delay=delay)


def tool_calls(calls: list[tuple[str, str, dict]], content: str | None = None, prompt_tokens: int = 100,
               completion_tokens: int = 20, delay: float = 0.0) -> Reply:
    """The model calls tools: `calls` is [(provider call id, function name, arguments dict), ...]."""
    return Reply("tool_calls", content=content, calls=list(calls), prompt_tokens=prompt_tokens,
                 completion_tokens=completion_tokens, delay=delay)


def error(status: int, body: Any, headers: dict[str, str] | None = None, delay: float = 0.0) -> Reply:
    """An HTTP error: `body` is a dict (sent as JSON) or text."""
    return Reply("error", status=status, body=body, headers=dict(headers or {}), delay=delay)


def raw(status: int, body: bytes, headers: dict[str, str] | None = None, delay: float = 0.0) -> Reply:
    """Exactly these bytes (e.g. malformed JSON) with `Content-Type: application/json` unless given."""
    return Reply("raw", status=status, body=body, headers=dict(headers or {}), delay=delay)


def default_reply() -> Reply:
    return text(DEFAULT_TEXT, *DEFAULT_USAGE)


# ---------------------------------------------------------------- recording


@dataclass
class Recorded:
    """One request a fake received."""

    method: str
    path: str                      # without the query string
    query: dict[str, str]          # first value of each parameter
    query_lists: dict[str, list[str]]
    headers: dict[str, str]        # lower-case names
    body: bytes
    at: float                      # time.monotonic() when it arrived
    replied_at: float | None = None  # time.monotonic() when the answer was sent (None: not yet / failed)
    status: int | None = None      # the status answered
    aborted: bool = False          # the client was gone when the answer was due

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


def _encode(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


# ---------------------------------------------------------------- the server base


class _Base:
    """A ThreadingHTTPServer on a free loopback port; subclasses implement `handle(rec) -> response`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.log: list[Recorded] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _serve(self) -> None:
                owner._dispatch(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False
            allow_reuse_address = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = self.base
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True, name=f"{type(self).__name__}:{self.port}")

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def sleep(self, seconds: float) -> None:
        """A delay that `stop()` cuts short."""
        if seconds > 0:
            self._stopping.wait(seconds)

    def _dispatch(self, h: BaseHTTPRequestHandler) -> None:
        at = time.monotonic()
        split = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        lists = parse_qs(split.query, keep_blank_values=True)
        rec = Recorded(method=h.command, path=split.path, query={k: v[0] for k, v in lists.items()},
                       query_lists=lists, headers={k.lower(): v for k, v in h.headers.items()}, body=body, at=at)
        with self._lock:
            self.log.append(rec)
        status, payload, headers, delay = self.handle(rec)
        self.sleep(delay)
        data = _encode(payload)
        headers = {k.lower(): v for k, v in headers.items()}
        headers.setdefault("content-type", "application/json")
        # set before writing, so a client that has the answer always finds them set
        rec.status, rec.replied_at = status, time.monotonic()
        try:
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            if h.command != "HEAD":
                h.wfile.write(data)
            h.wfile.flush()
        except OSError:  # the client gave up (timeout, killed app): nothing was answered
            rec.status = rec.replied_at = None
            rec.aborted = True
            h.close_connection = True

    def handle(self, rec: Recorded) -> tuple[int, Any, dict[str, str], float]:
        raise NotImplementedError


# ---------------------------------------------------------------- model fakes


class _ModelFake(_Base):
    """Per-model scripts and per-model request records, shared by both providers."""

    route = ""
    models_route = "/v1/models"

    def __init__(self, api_key: str) -> None:
        super().__init__()
        self.api_key = api_key
        self.url = self.base + "/v1"
        self._scripts: dict[str, list[Reply]] = {}
        self._by_model: dict[str, list[Recorded]] = {}
        self._ids = itertools.count(1)
        self._catalog: list[tuple[str, int | None]] = []

    def script(self, model: str, replies: list[Reply]) -> None:
        """Queues `replies` for requests naming `model`, after any still queued."""
        with self._lock:
            self._scripts.setdefault(model, []).extend(replies)

    def pending(self, model: str) -> int:
        """Replies still queued for `model`."""
        with self._lock:
            return len(self._scripts.get(model, []))

    def requests(self, model: str) -> list[Recorded]:
        """Every request that named `model` (parsed JSON in `.json`), in arrival order."""
        with self._lock:
            return list(self._by_model.get(model, []))

    def bodies(self, model: str) -> list[dict]:
        return [r.json for r in self.requests(model)]

    def catalog(self, entries: list[tuple[str, int | None]]) -> None:
        """Sets what `GET /v1/models` lists, in this order: `(model id, context length or None)` each
        (None: the entry carries no context length). Replaces the previous list; empty by default."""
        listed = [(str(model_id), None if n is None else int(n)) for model_id, n in entries]
        with self._lock:
            self._catalog = listed

    def model_list_requests(self) -> list[Recorded]:
        """Every `GET /v1/models` received (answered or refused), in arrival order."""
        with self._lock:
            return [r for r in self.log if r.method == "GET" and r.path == self.models_route]

    def handle(self, rec: Recorded):
        if rec.method == "GET" and rec.path == self.models_route:
            denied = self.check_auth(rec)
            if denied is not None:
                return 401, denied, {}, 0
            with self._lock:
                listed = list(self._catalog)
            return 200, self.render_models(listed), {}, 0
        if rec.method != "POST" or rec.path != self.route:
            return 404, self.not_found(rec), {}, 0
        payload = rec.json
        model = payload.get("model") if isinstance(payload, dict) else None
        if isinstance(model, str):
            with self._lock:
                self._by_model.setdefault(model, []).append(rec)
        denied = self.check_auth(rec)
        if denied is not None:
            return 401, denied, {}, 0
        invalid = self.check_body(payload)
        if invalid is not None:
            return 400, self.invalid(invalid), {}, 0
        with self._lock:
            queue = self._scripts.get(model)
            reply = queue.pop(0) if queue else default_reply()
        if reply.kind in ("error", "raw"):
            return reply.status, reply.body, reply.headers, reply.delay
        return 200, self.render(model, reply, next(self._ids)), {}, reply.delay

    # provider specifics
    def not_found(self, rec: Recorded) -> dict:
        raise NotImplementedError

    def check_auth(self, rec: Recorded) -> dict | None:
        raise NotImplementedError

    def check_body(self, payload: Any) -> str | None:
        raise NotImplementedError

    def invalid(self, message: str) -> dict:
        raise NotImplementedError

    def render(self, model: str, reply: Reply, n: int) -> dict:
        raise NotImplementedError

    def render_models(self, listed: list[tuple[str, int | None]]) -> dict:
        raise NotImplementedError


def hash_embedding(text: str) -> list[float]:
    """A deterministic 8-dimensional vector in [-1, 1] from a hash of `text`."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return [round(b / 127.5 - 1.0, 6) for b in digest[:8]]


class FakeOpenAI(_ModelFake):
    """OpenAI Chat Completions at `POST /v1/chat/completions` and Embeddings at `POST /v1/embeddings`
    (give the app `.url`)."""

    route = "/v1/chat/completions"
    embeddings_route = "/v1/embeddings"

    def __init__(self, api_key: str = OPENAI_KEY) -> None:
        super().__init__(api_key)
        # what `POST /v1/embeddings` answers for each input text; tests may replace it (and restore it)
        self.embedder: Callable[[str], list[float]] = hash_embedding

    def embedding_requests(self) -> list[Any]:
        """The parsed JSON body of every `POST /v1/embeddings` received (answered or refused), in arrival
        order."""
        with self._lock:
            return [r.json for r in self.log if r.method == "POST" and r.path == self.embeddings_route]

    def handle(self, rec):
        if rec.method == "POST" and rec.path == self.embeddings_route:
            return self.embeddings(rec)
        return super().handle(rec)

    def embeddings(self, rec: Recorded):
        denied = self.check_auth(rec)
        if denied is not None:
            return 401, denied, {}, 0
        payload = rec.json
        if not isinstance(payload, dict):
            return 400, self.invalid("the body must be a JSON object"), {}, 0
        model = payload.get("model")
        if not isinstance(model, str) or not model:
            return 400, self.invalid("you must provide a model parameter"), {}, 0
        inputs = payload.get("input")
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not inputs or not all(isinstance(t, str) for t in inputs):
            return 400, self.invalid("'input' must be a string or a non-empty array of strings"), {}, 0
        embedder = self.embedder
        try:
            vectors = [[float(x) for x in embedder(t)] for t in inputs]
        except Exception as e:  # a broken test embedder: say so rather than drop the connection
            return 500, {"error": {"message": f"the fake's embedder failed: {e!r}", "type": "server_error"}}, {}, 0
        tokens = sum(max(1, len(t.split())) for t in inputs)
        data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
        return 200, {"object": "list", "data": data, "model": model,
                     "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}, {}, 0

    def not_found(self, rec):
        return {"error": {"message": f"Unknown request URL: {rec.method} {rec.path}", "type": "invalid_request_error",
                          "code": "unknown_url"}}

    def check_auth(self, rec):
        if rec.headers.get("authorization") != f"Bearer {self.api_key}":
            return {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                              "code": "invalid_api_key"}}
        return None

    def check_body(self, payload):
        if not isinstance(payload, dict):
            return "the body must be a JSON object"
        if not isinstance(payload.get("model"), str) or not payload["model"]:
            return "you must provide a model parameter"
        if not isinstance(payload.get("messages"), list) or not payload["messages"]:
            return "'messages' must be a non-empty array"
        return None

    def invalid(self, message):
        return {"error": {"message": message, "type": "invalid_request_error"}}

    def render(self, model, reply, n):
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if reply.calls:
            message["tool_calls"] = [
                {"id": cid, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
                for cid, name, args in reply.calls
            ]
        return {
            "id": f"chatcmpl-fake{n}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": "tool_calls" if reply.calls else "stop"}],
            "usage": {"prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens,
                      "total_tokens": reply.prompt_tokens + reply.completion_tokens},
        }

    def render_models(self, listed):
        data = []
        for model_id, context_length in listed:
            item: dict[str, Any] = {"id": model_id, "object": "model", "created": 0, "owned_by": "fake"}
            if context_length is not None:
                item["context_length"] = context_length
            data.append(item)
        return {"object": "list", "data": data}


class FakeAnthropic(_ModelFake):
    """Anthropic Messages at `POST /v1/messages` (give the app `.url`)."""

    route = "/v1/messages"

    def __init__(self, api_key: str = ANTHROPIC_KEY) -> None:
        super().__init__(api_key)

    @staticmethod
    def _error(kind: str, message: str) -> dict:
        return {"type": "error", "error": {"type": kind, "message": message}}

    def not_found(self, rec):
        return self._error("not_found_error", f"Not found: {rec.method} {rec.path}")

    def check_auth(self, rec):
        if rec.headers.get("x-api-key") != self.api_key:
            return self._error("authentication_error", "invalid x-api-key")
        return None

    def handle(self, rec):
        if rec.method == "POST" and rec.path == self.route and not rec.headers.get("anthropic-version"):
            payload = rec.json
            if isinstance(payload, dict) and isinstance(payload.get("model"), str):
                with self._lock:
                    self._by_model.setdefault(payload["model"], []).append(rec)
            return 400, self._error("invalid_request_error", "anthropic-version: header is required"), {}, 0
        if rec.method == "GET" and rec.path == self.models_route and not rec.headers.get("anthropic-version"):
            return 400, self._error("invalid_request_error", "anthropic-version: header is required"), {}, 0
        return super().handle(rec)

    def check_body(self, payload):
        if not isinstance(payload, dict):
            return "the body must be a JSON object"
        if not isinstance(payload.get("model"), str) or not payload["model"]:
            return "model: Field required"
        if not isinstance(payload.get("max_tokens"), int) or isinstance(payload["max_tokens"], bool) \
                or payload["max_tokens"] < 1:
            return "max_tokens: Field required (a positive integer)"
        if not isinstance(payload.get("messages"), list) or not payload["messages"]:
            return "messages: Field required (a non-empty list)"
        return None

    def invalid(self, message):
        return self._error("invalid_request_error", message)

    def render(self, model, reply, n):
        content: list[dict] = []
        if reply.content is not None or not reply.calls:
            content.append({"type": "text", "text": reply.content or ""})
        for cid, name, args in reply.calls:
            content.append({"type": "tool_use", "id": cid, "name": name, "input": args})
        return {
            "id": f"msg_fake{n}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": "tool_use" if reply.calls else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": reply.prompt_tokens, "output_tokens": reply.completion_tokens},
        }

    def render_models(self, listed):
        data = []
        for model_id, max_input_tokens in listed:
            item: dict[str, Any] = {"type": "model", "id": model_id, "display_name": model_id,
                                    "created_at": "2025-01-01T00:00:00Z"}
            if max_input_tokens is not None:
                item["max_input_tokens"] = max_input_tokens
            data.append(item)
        return {"data": data, "has_more": False, "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None}


# ---------------------------------------------------------------- tool server


@dataclass
class _Rule:
    status: int
    body: bytes
    headers: dict[str, str]
    delay: float
    times: int | None  # None = forever


class ToolServer(_Base):
    """Answers any request; per exact path (no query) the first live rule set with `on` decides.

    Default answer: 200 `{"ok": true}`. Records every request in arrival order.
    """

    DEFAULT_BODY = b'{"ok": true}'

    def __init__(self) -> None:
        super().__init__()
        self._rules: dict[str, list[_Rule]] = {}

    def on(self, path: str, status: int = 200, body: Any = None, delay: float = 0.0, times: int | None = None,
           headers: dict[str, str] | None = None, content_type: str = "application/json") -> bytes:
        """Adds a rule for `path`: `body` is a dict/list (JSON), str or bytes; `times` answers (None = every
        later request). Rules are used in the order added; returns the exact body bytes it will send."""
        data = self.DEFAULT_BODY if body is None else _encode(body)
        h = {"content-type": content_type, **{k.lower(): v for k, v in (headers or {}).items()}}
        with self._lock:
            self._rules.setdefault(path, []).append(_Rule(status, data, h, delay, times))
        return data

    def requests(self, prefix: str = "") -> list[Recorded]:
        """Requests whose path starts with `prefix`, in arrival order."""
        with self._lock:
            return [r for r in self.log if r.path.startswith(prefix)]

    def handle(self, rec):
        with self._lock:
            for rule in self._rules.get(rec.path, []):
                if rule.times is None or rule.times > 0:
                    if rule.times is not None:
                        rule.times -= 1
                    return rule.status, rule.body, dict(rule.headers), rule.delay
        return 200, self.DEFAULT_BODY, {}, 0


# ---------------------------------------------------------------- the app's variables


def model_variables(openai: FakeOpenAI, anthropic: FakeAnthropic) -> dict[str, str]:
    """The Spin variables that point the app at the fakes (what the session's `app` runs with)."""
    return {
        "openai_base_url": openai.url,
        "openai_api_key": openai.api_key,
        "anthropic_base_url": anthropic.url,
        "anthropic_api_key": anthropic.api_key,
        "model_timeout_seconds": str(MODEL_TIMEOUT_S),
        "tool_timeout_seconds": str(TOOL_TIMEOUT_S),
    }
