"""Webhook tests' helpers (issue 6, docs/api.md §4.2): a recording receiver the app delivers to, Standard
Webhooks verification of what it got, and the account signing secret and deliveries APIs.

`Receiver` is a ThreadingHTTPServer on 127.0.0.1. Its socket is bound (so its port and `url` are
known) as soon as it is constructed, but it only listens once `start()` is called: until then, and
after `stop()`, a delivery meets "connection refused" — the receiver is down. Answers come from
`script(...)` (one `Answer` per request, in order), else from `respond(hit)` when set, else the
default 200. Every request is recorded as a `Hit` (raw body bytes, lower-case headers, arrival time).

    rx = Receiver().start()
    rx.script(Answer(500), Answer(500))      # two failures, then the default 200
    ...
    payload = verify(rx.hits()[0], secret)  # standardwebhooks; raises WebhookVerificationError
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from standardwebhooks import Webhook, WebhookVerificationError

from agentloop import Setup, create, events, obj_path, setup_agent, wait_for, wait_status
from client import expect, jwt_claims

# The session app's `webhook_retry_schedule` (conftest): a first try, then two retries 1 s apart.
RETRY_SCHEDULE = "1s,1s"
MAX_ATTEMPTS = 3
# How long deliveries may take to settle on a slow 2-core machine (cron ticks every second).
DELIVERY_TIMEOUT = 45.0

DELIVERY_PREFIX = "whdel_"
SECRET_RE = re.compile(r"^whsec_([A-Za-z0-9+/]+={0,2})$")

PENDING = "WEBHOOK_DELIVERY_STATUS_PENDING"
COMPLETED = "WEBHOOK_DELIVERY_STATUS_COMPLETED"
FAILED = "WEBHOOK_DELIVERY_STATUS_FAILED"
DISABLED = "WEBHOOK_DELIVERY_STATUS_DISABLED"

USER_MESSAGE = "OBJECTIVE_EVENT_TYPE_USER_MESSAGE"
ASSISTANT_MESSAGE = "OBJECTIVE_EVENT_TYPE_ASSISTANT_MESSAGE"

# What a delivery's `data` may hold (docs/api.md §6.1 `WebhookDeliveryData`, plus `nextAttemptAt` while pending).
# Seed 001 requires httpStatusCode, latencyMs and responseContentLength: 0 / "0" until an HTTP answer comes.
DELIVERY_DATA_REQUIRED = {"agentId", "objectiveId", "objectiveEventId", "eventType", "webhookId", "webhookUrl",
                          "status", "attemptCount", "httpStatusCode", "latencyMs", "responseContentLength"}
DELIVERY_DATA_OPTIONAL = {"lastAttemptAt", "nextAttemptAt", "responseHeaders", "errorMessage"}


# ---------------------------------------------------------------- the receiver


@dataclass
class Answer:
    """One scripted answer. With `hold`, the answer waits until the event is set (at most `max_hold`
    seconds, which stays below the app's 10 s delivery timeout)."""

    status: int = 200
    body: bytes = b'{"received": true}'
    headers: dict[str, str] = field(default_factory=dict)
    hold: threading.Event | None = None
    max_hold: float = 8.0


@dataclass
class Hit:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict[str, str]      # lower-case names
    body: bytes                  # exactly the bytes received
    at: float                    # time.monotonic() at arrival
    wall: float                  # time.time() at arrival (to compare with webhook-timestamp)
    status: int | None = None    # what was answered (None: not yet, or the app hung up)
    replied_at: float | None = None  # time.monotonic() just before the answer was written

    @property
    def webhook_id(self) -> str | None:
        return self.headers.get("webhook-id")

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def objective_id(self) -> str:
        return self.json["data"]["objective"]["metadata"]["id"]

    @property
    def event_id(self) -> str:
        return self.json["data"]["objectiveEvent"]["metadata"]["id"]

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Receiver:
    """A webhook endpoint on a loopback port of its own (see the module docstring)."""

    PATH = "/hooks/events"

    def __init__(self, respond: Callable[[Hit], Answer] | None = None):
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._script: list[Answer] = []
        self._hits: list[Hit] = []
        self.respond = respond
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _serve(self) -> None:
                owner._dispatch(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False
            allow_reuse_address = True

        # bound now (the port is reserved and known), listening only from start()
        self.httpd = Server(("127.0.0.1", 0), Handler, bind_and_activate=False)
        self.httpd.server_bind()
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = self.base + self.PATH
        self._thread: threading.Thread | None = None
        self._closed = False

    # lifecycle

    def start(self) -> "Receiver":
        assert self._thread is None and not self._closed, "a receiver starts once"
        self.httpd.server_activate()
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True, name=f"webhook-receiver:{self.port}")
        self._thread.start()
        return self

    @property
    def up(self) -> bool:
        return self._thread is not None and not self._closed

    def stop(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        if self._thread is not None:
            self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "Receiver":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # scripting and records

    def script(self, *answers: Answer) -> None:
        """Queues answers for the next requests (any delivery), after any still queued."""
        with self._lock:
            self._script.extend(answers)

    def hits(self) -> list[Hit]:
        """Every request so far, in arrival order."""
        with self._lock:
            return list(self._hits)

    def hits_for(self, delivery_id: str) -> list[Hit]:
        """The attempts of one delivery (by `webhook-id`), in arrival order."""
        return [h for h in self.hits() if h.webhook_id == delivery_id]

    def answered(self) -> list[Hit]:
        """Requests answered 2xx, in arrival order."""
        return [h for h in self.hits() if h.ok]

    def wait_hits(self, n: int, timeout: float = DELIVERY_TIMEOUT) -> list[Hit]:
        """Waits until at least `n` requests have arrived and returns them all."""
        return wait_for(lambda: (lambda hs: hs if len(hs) >= n else None)(self.hits()), timeout,
                        lambda: f"{n} webhook requests at {self.url}, got {len(self.hits())}")

    # serving

    def _answer_for(self, hit: Hit) -> Answer:
        with self._lock:
            if self._script:
                return self._script.pop(0)
        if self.respond is not None:
            return self.respond(hit)
        return Answer()

    def _dispatch(self, h: BaseHTTPRequestHandler) -> None:
        at, wall = time.monotonic(), time.time()
        body = _read_body(h)
        hit = Hit(method=h.command, path=h.path, headers={k.lower(): v for k, v in h.headers.items()}, body=body,
                  at=at, wall=wall)
        with self._lock:
            self._hits.append(hit)
        answer = self._answer_for(hit)
        if answer.hold is not None:
            deadline = time.monotonic() + answer.max_hold
            while not answer.hold.is_set() and not self._stopping.is_set() and time.monotonic() < deadline:
                answer.hold.wait(0.05)
        hit.status, hit.replied_at = answer.status, time.monotonic()
        try:
            h.send_response(answer.status)
            headers = {k.lower(): v for k, v in answer.headers.items()}
            headers.setdefault("content-type", "application/json")
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(answer.body)))
            h.end_headers()
            h.wfile.write(answer.body)
            h.wfile.flush()
        except OSError:  # the app gave up (timeout): nothing was answered
            hit.status = hit.replied_at = None
            h.close_connection = True


def _read_body(h: BaseHTTPRequestHandler) -> bytes:
    """The request body, whether sent with Content-Length or chunked."""
    if "chunked" in (h.headers.get("Transfer-Encoding") or "").lower():
        out = bytearray()
        while True:
            size = int(h.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while h.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return bytes(out)
            out += h.rfile.read(size)
            h.rfile.readline()  # the CRLF after each chunk
    length = int(h.headers.get("Content-Length") or 0)
    return h.rfile.read(length) if length else b""


# ---------------------------------------------------------------- verification


def secret_key(secret: str) -> bytes:
    """The HMAC key a `whsec_<base64>` secret stands for."""
    m = SECRET_RE.match(secret)
    assert m, f"not a whsec_<base64> secret: {secret!r}"
    encoded = m.group(1)
    return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)


def verify(hit: Hit, secret: str) -> dict:
    """Verifies a delivery with the `standardwebhooks` package (5-minute tolerance) and returns the
    parsed body; raises WebhookVerificationError."""
    return Webhook(secret).verify(hit.body, hit.headers)


def verifies(body: bytes, headers: dict[str, str], secret: str) -> bool:
    try:
        Webhook(secret).verify(body, headers)
        return True
    except WebhookVerificationError:
        return False


def expected_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`, computed here independently of the package."""
    mac = hmac.new(secret_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def assert_signed(hit: Hit, secret: str) -> dict:
    """The Standard Webhooks headers of one request, checked exactly and with the package; returns the body."""
    assert hit.method == "POST", hit
    assert hit.headers.get("content-type", "").split(";")[0].strip() == "application/json", hit.headers
    msg_id, ts, sig = hit.headers.get("webhook-id"), hit.headers.get("webhook-timestamp"), \
        hit.headers.get("webhook-signature")
    assert msg_id and msg_id.startswith(DELIVERY_PREFIX), hit.headers
    assert ts and ts.isdigit(), f"webhook-timestamp is unix seconds: {ts!r}"
    assert abs(int(ts) - hit.wall) <= 30, f"webhook-timestamp {ts} is the send time (arrived at {hit.wall:.0f})"
    assert sig == expected_signature(secret, msg_id, ts, hit.body), \
        f"webhook-signature {sig!r} is v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>"
    return verify(hit, secret)


def signing_key_bytes_ok(secret: str) -> bool:
    try:
        return len(secret_key(secret)) >= 24
    except (AssertionError, binascii.Error, ValueError):
        return False


# ---------------------------------------------------------------- account signing secret


def account(api) -> dict:
    return expect(api.get("/v1/account"), 200)


def signing_secret(api) -> str:
    """The account's current `whsec_…` secret (needs a `*` token)."""
    body = account(api)
    secret = body.get("info", {}).get("webhookEventsHmacSecret")
    assert isinstance(secret, str) and signing_key_bytes_ok(secret), body
    return secret


def rotate(api) -> dict:
    return expect(api.post("/v1/account:rotateWebhookSigningKey"), 200)


# ---------------------------------------------------------------- agents with a webhook


def webhook_agent(ws, url: str, **kw) -> Setup:
    """`setup_agent` (a published agent, one variation on a fresh fake model) whose
    `spec.webhookEventsUrl` is then set by PATCH."""
    s = setup_agent(ws, **kw)
    patched = expect(ws.api.patch(f"{ws.path}/agents/{s.agent_id}", {"spec": {"webhookEventsUrl": url}}), 200)
    assert patched["spec"]["webhookEventsUrl"] == url, patched
    s.agent = patched
    return s


def run(ws, s: Setup, message: str | None = None, **fields) -> str:
    """Creates an objective, waits for COMPLETED and returns its id."""
    oid = create(ws, s.agent_id, message, **fields)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    return oid


def continue_and_wait(ws, oid: str, message: str, n_events: int) -> None:
    expect(ws.api.post(f"{obj_path(ws, oid)}:continue", {"message": message}), 200)
    wait_for(lambda: get_status(ws, oid) == "OBJECTIVE_STATUS_COMPLETED" and len(events(ws, oid)) == n_events,
             30, f"objective {oid} completed again with {n_events} events")


def get_status(ws, oid: str) -> str:
    return expect(ws.api.get(obj_path(ws, oid)), 200)["status"]


# ---------------------------------------------------------------- deliveries API


def deliveries_path(ws, agent_id: str) -> str:
    return f"{ws.path}/agents/{agent_id}/webhook_deliveries"


def short_deliveries_path(agent_id: str) -> str:
    return f"/v1/agents/{agent_id}/webhook_deliveries"


def delivery_page(ws, agent_id: str, api=None, **params) -> dict:
    return expect((api or ws.api).get(deliveries_path(ws, agent_id), params=params), 200)


def list_deliveries(ws, agent_id: str, **params) -> list[dict]:
    """Every delivery of the agent (following cursors), newest first unless `params` say otherwise."""
    items: list[dict] = []
    cursor = None
    while True:
        q = dict(params)
        if cursor:
            q["cursor"] = cursor
        page = delivery_page(ws, agent_id, **q)
        items += page["items"]
        cursor = page["pagination"].get("nextCursor")
        if not cursor:
            return items


def get_delivery(ws, agent_id: str, delivery_id: str) -> dict:
    return expect(ws.api.get(f"{deliveries_path(ws, agent_id)}/{delivery_id}"), 200)


def retry_path(ws, agent_id: str, delivery_id: str) -> str:
    return f"{deliveries_path(ws, agent_id)}/{delivery_id}:retry"


def describe_deliveries(ws, agent_id: str) -> str:
    rows = [(d["metadata"]["id"], d["data"]["eventType"].removeprefix("OBJECTIVE_EVENT_TYPE_"),
             d["data"]["status"].removeprefix("WEBHOOK_DELIVERY_STATUS_"), d["data"]["attemptCount"],
             d["data"].get("httpStatusCode"), d["data"].get("errorMessage"))
            for d in list_deliveries(ws, agent_id, sortOrder="asc")]
    return f"deliveries of {agent_id}: {rows}"


def wait_delivery(ws, agent_id: str, delivery_id: str, status: str, timeout: float = DELIVERY_TIMEOUT) -> dict:
    """Polls one delivery until its status is `status` and returns it."""
    def check():
        d = get_delivery(ws, agent_id, delivery_id)
        return d if d["data"]["status"] == status else None
    return wait_for(check, timeout, lambda: f"{delivery_id} {status}: {describe_deliveries(ws, agent_id)}",
                    interval=0.25)


def wait_settled(ws, agent_id: str, n: int, status: str = COMPLETED, timeout: float = DELIVERY_TIMEOUT,
                 **params) -> list[dict]:
    """Polls until the agent has exactly `n` deliveries (matching `params`), all in `status`; returns them
    oldest first."""
    def check():
        ds = list_deliveries(ws, agent_id, sortOrder="asc", **params)
        return ds if len(ds) == n and all(d["data"]["status"] == status for d in ds) else None
    return wait_for(check, timeout, lambda: f"{n} deliveries {status}: {describe_deliveries(ws, agent_id)}",
                    interval=0.25)


def assert_delivery_shape(d: dict, ws, agent_id: str, url: str) -> None:
    """What every delivery shows (docs/api.md §6.1 `WebhookDelivery`); never a response body."""
    md, data = d["metadata"], d["data"]
    assert md["id"].startswith(DELIVERY_PREFIX), d
    assert md["workspaceId"] == ws.id and md["accountId"].startswith("acct_") and md["createdAt"].endswith("Z"), d
    # attributed to the objective's creator, on whose behalf the event was delivered
    assert md["profileId"] == jwt_claims(ws.token)["sub"], d
    assert DELIVERY_DATA_REQUIRED <= set(data) <= DELIVERY_DATA_REQUIRED | DELIVERY_DATA_OPTIONAL, \
        f"delivery data keys {sorted(data)}"
    assert data["agentId"] == agent_id and data["webhookId"] == agent_id, d
    assert data["webhookUrl"] == url, d
    assert data["objectiveId"].startswith("obj_") and data["objectiveEventId"].startswith("objevt_"), d
    assert data["eventType"].startswith("OBJECTIVE_EVENT_TYPE_"), d
    assert isinstance(data["attemptCount"], int) and data["attemptCount"] >= 0, d
    if "responseHeaders" in data:
        headers = data["responseHeaders"]
        assert isinstance(headers, dict) and all(k == k.lower() and isinstance(v, str) for k, v in headers.items()), d
    assert isinstance(data["responseContentLength"], str) and data["responseContentLength"].isdigit(), d
    assert isinstance(data["httpStatusCode"], int) and isinstance(data["latencyMs"], int), d


# ---------------------------------------------------------------- ordering


def assert_event_order(hits: list[Hit], event_ids: dict[str, list[str]]) -> None:
    """Per objective (event ids in the events API's order): every request for the k-th event arrived only
    after each earlier event had been answered 2xx, and the 2xx answers came in exactly the events' order."""
    position = {oid: {eid: k for k, eid in enumerate(ids)} for oid, ids in event_ids.items()}
    done_at: dict[str, dict[int, float]] = {oid: {} for oid in event_ids}
    for hit in sorted(hits, key=lambda h: h.at):
        oid, eid = hit.objective_id, hit.event_id
        assert oid in position and eid in position[oid], f"a delivery of an unexpected event {oid}/{eid}"
        k = position[oid][eid]
        for j in range(k):
            finished = done_at[oid].get(j)
            assert finished is not None and finished <= hit.at, (
                f"objective {oid}: event #{k} ({eid}) was sent before event #{j} ({event_ids[oid][j]}) "
                f"was delivered")
        if hit.ok:
            assert k not in done_at[oid], f"event #{k} ({eid}) of {oid} was delivered twice"
            done_at[oid][k] = hit.replied_at
    for oid, ids in event_ids.items():
        got = [h.event_id for h in sorted(hits, key=lambda h: h.at) if h.ok and h.objective_id == oid]
        assert got == ids, f"objective {oid}: delivered {got}, events {ids}"
