"""Webhooks end to end (issue 6, docs/api.md §4.2): every objective event of an agent with a
`webhookEventsUrl` is delivered to a receiver run by the test, signed per Standard Webhooks with the
account's secret (checked with the `standardwebhooks` package and by hand), retried per the session's
shrunk `webhook_retry_schedule` ("1s,1s": at most 3 attempts), in event order per objective; and the
account secret and webhook deliveries APIs."""

from __future__ import annotations

import base64
import collections
import json
import os
import threading
import time

import pytest
import requests

from agentloop import (PUBLISHED, create, events, model_name, new_variation, setup_agent, uid, variation_spec,
                       wait_status)
from builders import missing
from client import expect, expect_error, jwt_claims
from webhooks import (ASSISTANT_MESSAGE, COMPLETED, DELIVERY_PREFIX, DISABLED, FAILED, MAX_ATTEMPTS, PENDING,
                      SECRET_RE, USER_MESSAGE, Answer, Receiver, account, assert_delivery_shape, assert_event_order,
                      assert_signed, continue_and_wait, deliveries_path, delivery_page, expected_signature,
                      get_delivery, list_deliveries, retry_path, rotate, run, short_deliveries_path, signing_secret,
                      signing_key_bytes_ok, verifies, wait_delivery, wait_settled, webhook_agent)


@pytest.fixture
def receivers():
    """Makes receivers (started unless `start=False`), all stopped after the test."""
    made: list[Receiver] = []

    def make(start: bool = True, **kw) -> Receiver:
        rx = Receiver(**kw)
        made.append(rx)
        return rx.start() if start else rx

    yield make
    for rx in made:
        rx.stop()


def by_event(deliveries: list[dict]) -> dict[str, dict]:
    """Deliveries keyed by their objective event id (each event must have exactly one)."""
    counts = collections.Counter(d["data"]["objectiveEventId"] for d in deliveries)
    assert all(n == 1 for n in counts.values()), f"events with several deliveries: {counts}"
    return {d["data"]["objectiveEventId"]: d for d in deliveries}


def ids(items: list[dict]) -> list[str]:
    return [i["metadata"]["id"] for i in items]


# ---- the receiver itself (no app involved)

def _signed(secret: str, msg_id: str, body: bytes, ts: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if ts is None else ts
    return {"content-type": "application/json", "webhook-id": msg_id, "webhook-timestamp": str(ts),
            "webhook-signature": expected_signature(secret, msg_id, str(ts), body)}


def test_the_receiver_is_down_until_started_records_and_answers_as_scripted(receivers):
    rx = receivers(start=False)
    with pytest.raises(requests.ConnectionError):
        requests.post(rx.url, data=b"{}", timeout=5)
    rx.start()
    rx.script(Answer(500, b"nope"), Answer(410))
    secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    body = json.dumps({"type": USER_MESSAGE, "data": {}}).encode()
    headers = _signed(secret, "whdel_1", body)
    got = [requests.post(rx.url, data=body, headers=headers, timeout=5) for _ in range(3)]
    assert [(r.status_code, r.content) for r in got] == [(500, b"nope"), (410, b'{"received": true}'),
                                                         (200, b'{"received": true}')]
    hits = rx.hits()
    assert [h.status for h in hits] == [500, 410, 200] and all(h.body == body for h in hits)
    assert [h.webhook_id for h in hits] == ["whdel_1"] * 3 and len(rx.hits_for("whdel_1")) == 3
    assert hits[0].replied_at <= hits[1].at and hits[0].path == "/hooks/events"
    assert verifies(hits[0].body, hits[0].headers, secret)
    assert signing_key_bytes_ok(secret) and not signing_key_bytes_ok("whsec_" + base64.b64encode(b"short").decode())
    # the package and the hand-made signature agree; tampering, age and other secrets fail
    assert not verifies(body + b" ", headers, secret)
    assert not verifies(body, _signed(secret, "whdel_1", body, int(time.time()) - 600), secret)
    assert not verifies(body, headers, "whsec_" + base64.b64encode(os.urandom(24)).decode())
    # chunked bodies are read whole; a held answer waits for its gate
    gate = threading.Event()
    rx.script(Answer(202, hold=gate))
    threading.Timer(0.3, gate.set).start()
    started = time.monotonic()
    r = requests.post(rx.url, data=iter([body[:5], body[5:]]), headers=headers, timeout=5)
    assert r.status_code == 202 and time.monotonic() - started >= 0.25
    assert rx.hits()[-1].body == body
    rx.stop()
    with pytest.raises(requests.ConnectionError):
        requests.post(rx.url, data=b"{}", timeout=5)


def test_event_order_check_catches_a_later_event_sent_early():
    from webhooks import Hit

    def hit(oid, eid, at, status=200):
        body = json.dumps({"data": {"objective": {"metadata": {"id": oid}},
                                    "objectiveEvent": {"metadata": {"id": eid}}}}).encode()
        return Hit("POST", "/", {}, body, at=at, wall=at, status=status, replied_at=at + 0.01)

    good = [hit("o1", "e1", 0, 500), hit("o2", "f1", 0.5), hit("o1", "e1", 1), hit("o1", "e2", 2)]
    assert_event_order(good, {"o1": ["e1", "e2"], "o2": ["f1"]})
    with pytest.raises(AssertionError, match="before event #0"):
        assert_event_order([hit("o1", "e1", 0, 500), hit("o1", "e2", 0.5), hit("o1", "e1", 1)],
                           {"o1": ["e1", "e2"]})
    with pytest.raises(AssertionError, match="delivered"):
        assert_event_order([hit("o1", "e1", 0)], {"o1": ["e1", "e2"]})


# ---- the account signing secret

def test_the_signing_secret_is_shown_only_to_star_tokens_and_rotation_needs_star(ws, admin, root):
    body = account(ws.api)
    acct = jwt_claims(ws.token)["acct"]
    assert body["metadata"]["id"] == acct and acct.startswith("acct_")
    assert body["metadata"]["name"] == root["account"]["metadata"]["name"] == "e2e"
    secret = body["info"]["webhookEventsHmacSecret"]
    assert SECRET_RE.match(secret), secret
    assert signing_key_bytes_ok(secret), f"whsec_ + base64 of at least 24 bytes: {secret!r}"
    # stable across reads, the same for every `*` token of the account
    assert signing_secret(ws.api) == secret
    assert signing_secret(admin) == secret

    # a narrower token sees the account, never the secret
    for scopes in (["agents:read"], ["agents:write", "objectives:write", "webhooks:write"]):
        narrow = ws.client(scopes)
        resp = narrow.get("/v1/account")
        got = expect(resp, 200)
        assert got["metadata"]["id"] == acct
        assert "webhookEventsHmacSecret" not in got.get("info", {}), got
        assert secret not in resp.text and secret.removeprefix("whsec_") not in resp.text
        # and cannot rotate it
        expect_error(narrow.post("/v1/account:rotateWebhookSigningKey"), 403, "forbidden")
    assert signing_secret(ws.api) == secret, "a refused rotation changes nothing"
    # nor does it leak through the identity endpoints
    for path in ("/v1/me", f"{ws.path}/api_keys"):
        resp = ws.api.get(path)
        expect(resp, 200)
        assert secret.removeprefix("whsec_") not in resp.text, path


# ---- signed deliveries

def test_every_event_is_delivered_signed_with_the_event_and_its_context(ws, fake_openai, receivers):
    rx = receivers()
    secret = signing_secret(ws.api)
    s = webhook_agent(ws, rx.url)
    oid = run(ws, s, "Where is my parcel?")
    evts = events(ws, oid)
    assert [e["data"]["type"] for e in evts] == [USER_MESSAGE, ASSISTANT_MESSAGE]
    ds = wait_settled(ws, s.agent_id, 2)
    delivery_of = by_event(ds)
    assert set(delivery_of) == {e["metadata"]["id"] for e in evts}

    hits = rx.wait_hits(2)
    assert len(hits) == 2, [h.headers for h in hits]
    agent = expect(ws.api.get(f"{ws.path}/agents/{s.agent_id}"), 200)
    for hit, event in zip(hits, evts):
        body = assert_signed(hit, secret)
        d = delivery_of[event["metadata"]["id"]]
        assert hit.webhook_id == d["metadata"]["id"]
        assert hit.path == "/hooks/events"
        # the envelope: ObjectiveEventWebhookData
        assert set(body) == {"type", "timestamp", "data"}, body
        assert body["type"] == event["data"]["type"]
        assert body["timestamp"] == event["metadata"]["createdAt"]
        assert set(body["data"]) == {"agent", "agentVariation", "objective", "objectiveEvent"}, body["data"]
        assert body["data"]["objectiveEvent"] == event, "the event exactly as the events API shows it"
        assert body["data"]["agent"]["metadata"] == agent["metadata"]
        assert body["data"]["agent"]["spec"] == agent["spec"]
        assert body["data"]["agent"]["spec"]["webhookEventsUrl"] == rx.url
        assert body["data"]["agentVariation"]["metadata"]["id"] == s.variation_id
        assert body["data"]["agentVariation"]["spec"]["modelConfig"]["modelId"] == s.model_id
        assert body["data"]["objective"]["metadata"]["id"] == oid
        assert body["data"]["objective"]["data"]["initialMessage"] == "Where is my parcel?"
        # what the API shows of it
        assert_delivery_shape(d, ws, s.agent_id, rx.url)
        assert d["data"]["objectiveId"] == oid
        assert d["data"]["eventType"] == event["data"]["type"]
        assert d["data"]["status"] == COMPLETED
        assert d["data"]["attemptCount"] == 1
        assert d["data"]["httpStatusCode"] == 200
        assert isinstance(d["data"]["latencyMs"], int) and d["data"]["latencyMs"] >= 0
        assert d["data"]["lastAttemptAt"].endswith("Z")
        assert "errorMessage" not in d["data"], d
        assert get_delivery(ws, s.agent_id, d["metadata"]["id"]) == d


def test_tampering_an_old_timestamp_or_another_secret_fail_verification(ws, fake_openai, receivers):
    rx = receivers()
    secret = signing_secret(ws.api)
    s = webhook_agent(ws, rx.url)
    run(ws, s)
    wait_settled(ws, s.agent_id, 2)
    hit = rx.wait_hits(2)[0]
    assert_signed(hit, secret)
    headers = dict(hit.headers)
    ts = int(headers["webhook-timestamp"])

    # a tampered body: one byte more (still valid JSON), or another event type
    assert not verifies(hit.body[:-1] + b" " + hit.body[-1:], headers, secret)
    assert USER_MESSAGE.encode() in hit.body
    assert not verifies(hit.body.replace(USER_MESSAGE.encode(), ASSISTANT_MESSAGE.encode(), 1), headers, secret)
    # another delivery id with the same signature
    assert not verifies(hit.body, {**headers, "webhook-id": missing("whdel")}, secret)
    # an old timestamp: the header moved back 10 minutes, and even a message correctly signed then
    old = str(ts - 600)
    assert not verifies(hit.body, {**headers, "webhook-timestamp": old}, secret)
    resigned = {**headers, "webhook-timestamp": old,
                "webhook-signature": expected_signature(secret, headers["webhook-id"], old, hit.body)}
    assert not verifies(hit.body, resigned, secret), "older than the 5-minute tolerance"
    # ... while the same re-signing at the original time verifies (the check above is about the age)
    assert verifies(hit.body, {**headers, "webhook-signature": expected_signature(secret, headers["webhook-id"],
                                                                                  str(ts), hit.body)}, secret)
    # another secret
    other = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    assert not verifies(hit.body, headers, other)


def test_a_url_set_at_create_delivers_and_a_cleared_url_stops_deliveries(ws, fake_openai, receivers):
    rx = receivers()
    secret = signing_secret(ws.api)
    agent = expect(ws.api.post(f"{ws.path}/agents", {"metadata": {"name": "hooked"},
                                                     "spec": {"status": PUBLISHED, "webhookEventsUrl": rx.url}}), 201)
    aid = agent["metadata"]["id"]
    assert agent["spec"]["webhookEventsUrl"] == rx.url
    new_variation(ws, aid, "hooked-v", variation_spec(f"openai/{model_name()}"))
    first = create(ws, aid)["metadata"]["id"]
    wait_status(ws, first, "COMPLETED")
    ds = wait_settled(ws, aid, 2)
    assert {d["data"]["objectiveId"] for d in ds} == {first}
    for hit in rx.wait_hits(2):
        assert_signed(hit, secret)

    cleared = expect(ws.api.patch(f"{ws.path}/agents/{aid}", {"spec": {"webhookEventsUrl": None}}), 200)
    assert "webhookEventsUrl" not in cleared["spec"]
    second = create(ws, aid)["metadata"]["id"]
    wait_status(ws, second, "COMPLETED")
    # deliveries are queued with their events, so none can appear later
    page = delivery_page(ws, aid, objectiveId=second)
    assert page["items"] == [] and page["pagination"]["total"] == 0
    assert ids(list_deliveries(ws, aid)) == ids(list(reversed(ds)))
    assert len(rx.hits()) == 2


# ---- retries, failures, 410

def test_two_500s_then_200_completes_after_three_attempts_and_holds_back_later_events(ws, fake_openai, receivers):
    token = uid()
    ok_body = json.dumps({"received": True, "marker": f"receiver-body-{token}"}).encode()
    rx = receivers(respond=lambda hit: Answer(200, ok_body, {"x-receiver-id": token}))
    failing = Answer(500, f"receiver-error-{token}".encode(), {"x-attempt": "failed"})
    rx.script(failing, Answer(500, failing.body, dict(failing.headers)))
    secret = signing_secret(ws.api)
    s = webhook_agent(ws, rx.url)
    oid = run(ws, s)
    evts = events(ws, oid)
    first_event, later_event = (e["metadata"]["id"] for e in evts)
    ds = wait_settled(ws, s.agent_id, 2)
    d1, d2 = (by_event(ds)[first_event], by_event(ds)[later_event])

    # the receiver saw the first event three times (500, 500, 200), and only then the later one
    hits = rx.hits()
    assert [(h.webhook_id, h.status) for h in hits] == [
        (d1["metadata"]["id"], 500), (d1["metadata"]["id"], 500), (d1["metadata"]["id"], 200),
        (d2["metadata"]["id"], 200)]
    for h in hits:
        assert_signed(h, secret)  # every attempt is signed afresh
    assert hits[3].at >= hits[2].replied_at, "the later event waited for the earlier one"
    assert hits[2].at - hits[0].at >= 0.9, "retries follow the schedule, not at once"
    assert_event_order(hits, {oid: [first_event, later_event]})

    data = d1["data"]
    assert data["status"] == COMPLETED
    assert data["attemptCount"] == MAX_ATTEMPTS
    assert data["httpStatusCode"] == 200
    assert data["responseHeaders"]["x-receiver-id"] == token, data
    assert "x-attempt" not in data["responseHeaders"], "headers are the last attempt's"
    assert data["responseHeaders"]["content-type"] == "application/json"
    assert data["responseContentLength"] == str(len(ok_body))
    assert isinstance(data["latencyMs"], int) and data["latencyMs"] >= 0
    assert data["lastAttemptAt"].endswith("Z")
    assert d2["data"]["attemptCount"] == 1 and d2["data"]["status"] == COMPLETED
    # never the response body
    for resp in (ws.api.get(f"{deliveries_path(ws, s.agent_id)}/{d1['metadata']['id']}"),
                 ws.api.get(deliveries_path(ws, s.agent_id))):
        expect(resp, 200)
        assert f"receiver-body-{token}" not in resp.text and f"receiver-error-{token}" not in resp.text


@pytest.mark.slow
def test_a_receiver_down_for_the_whole_run_fails_then_retry_delivers(ws, fake_openai, receivers):
    rx = receivers(start=False)  # bound, not listening: connection refused
    secret = signing_secret(ws.api)
    s = webhook_agent(ws, rx.url)
    oid = run(ws, s)
    evts = events(ws, oid)
    ds = wait_settled(ws, s.agent_id, 2, FAILED, timeout=90)
    for d in ds:
        assert_delivery_shape(d, ws, s.agent_id, rx.url)
        assert d["data"]["attemptCount"] == MAX_ATTEMPTS, d
        assert isinstance(d["data"].get("errorMessage"), str) and d["data"]["errorMessage"].strip(), d
        assert d["data"]["httpStatusCode"] == 0, "no HTTP answer was ever received"
        assert d["data"]["responseContentLength"] == "0"
        assert d["data"]["lastAttemptAt"].endswith("Z")
    first, later = (by_event(ds)[e["metadata"]["id"]]["metadata"]["id"] for e in evts)

    rx.start()
    retried = expect(ws.api.post(retry_path(ws, s.agent_id, first)), 200)
    assert retried["metadata"]["id"] == first
    assert retried["data"]["status"] == PENDING
    done = wait_delivery(ws, s.agent_id, first, COMPLETED)
    assert done["data"]["httpStatusCode"] == 200
    assert done["data"]["attemptCount"] in (1, MAX_ATTEMPTS + 1), done  # counted afresh or on top
    [hit] = rx.hits()
    assert hit.webhook_id == first
    body = assert_signed(hit, secret)
    assert body["data"]["objectiveEvent"] == evts[0]
    # the other failed delivery stays failed until retried itself
    assert get_delivery(ws, s.agent_id, later)["data"]["status"] == FAILED
    # a completed delivery cannot be retried
    expect_error(ws.api.post(retry_path(ws, s.agent_id, first)), 409, "failed_precondition")

    retried = expect(ws.api.post(retry_path(ws, s.agent_id, later)), 200)
    assert retried["data"]["status"] == PENDING
    # pending (or already completed): not retryable either
    expect_error(ws.api.post(retry_path(ws, s.agent_id, later)), 409, "failed_precondition")
    wait_delivery(ws, s.agent_id, later, COMPLETED)
    assert [h.webhook_id for h in rx.hits()] == [first, later]
    assert_signed(rx.hits()[1], secret)


def test_410_gone_disables_the_delivery_and_the_pending_ones_to_that_url(ws, fake_openai, receivers):
    rx = receivers()
    gate = threading.Event()
    rx.script(Answer(410, b'{"error": "gone"}', hold=gate))  # answered once the later event exists
    s = webhook_agent(ws, rx.url)
    oid = create(ws, s.agent_id)["metadata"]["id"]
    rx.wait_hits(1)
    wait_status(ws, oid, "COMPLETED")
    first_event, later_event = (e["metadata"]["id"] for e in events(ws, oid))
    queued = by_event(list_deliveries(ws, s.agent_id))
    assert set(queued) == {first_event, later_event}
    assert queued[later_event]["data"]["status"] == PENDING and queued[later_event]["data"]["attemptCount"] == 0
    gate.set()

    ds = by_event(wait_settled(ws, s.agent_id, 2, DISABLED))
    gone, held = ds[first_event]["data"], ds[later_event]["data"]
    assert gone["attemptCount"] == 1 and gone["httpStatusCode"] == 410, gone
    assert held["attemptCount"] == 0 and held["httpStatusCode"] == 0 and held["latencyMs"] == 0, held
    assert held["responseContentLength"] == "0" and "lastAttemptAt" not in held, held
    assert len(rx.hits()) == 1, "a disabled delivery is not sent"

    # a disabled delivery can be re-queued by hand
    lid = ds[later_event]["metadata"]["id"]
    assert expect(ws.api.post(retry_path(ws, s.agent_id, lid)), 200)["data"]["status"] == PENDING
    done = wait_delivery(ws, s.agent_id, lid, COMPLETED)
    assert done["data"]["httpStatusCode"] == 200
    assert [h.webhook_id for h in rx.hits()] == [ds[first_event]["metadata"]["id"], lid]


# ---- ordering and completeness

@pytest.mark.slow
def test_three_concurrent_objectives_deliver_in_event_order_one_delivery_per_event(ws, fake_openai, receivers):
    lock = threading.Lock()
    first_seen: list[str] = []

    def flaky(hit):
        """Every other delivery fails its first attempt, so retries interleave with the others."""
        with lock:
            if hit.webhook_id not in first_seen:
                first_seen.append(hit.webhook_id)
                if len(first_seen) % 2 == 0:
                    return Answer(500, b'{"error": "try again"}')
        return Answer(200)

    rx = receivers(respond=flaky)
    secret = signing_secret(ws.api)
    s = webhook_agent(ws, rx.url)
    oids = [create(ws, s.agent_id, f"question {n}")["metadata"]["id"] for n in range(3)]
    for oid in oids:
        wait_status(ws, oid, "COMPLETED")
    for n, oid in enumerate(oids):
        continue_and_wait(ws, oid, f"follow-up {n}", 4)

    ds = wait_settled(ws, s.agent_id, 12, timeout=120)
    event_ids = {}
    all_events = {}
    for oid in oids:
        evts = events(ws, oid)
        assert [e["data"]["type"] for e in evts] == [USER_MESSAGE, ASSISTANT_MESSAGE] * 2
        event_ids[oid] = [e["metadata"]["id"] for e in evts]
        all_events.update({e["metadata"]["id"]: (oid, e) for e in evts})
    # exactly one delivery per event, and none for anything else
    delivery_of = by_event(ds)
    assert set(delivery_of) == set(all_events)
    for eid, d in delivery_of.items():
        oid, event = all_events[eid]
        assert d["data"]["objectiveId"] == oid and d["data"]["eventType"] == event["data"]["type"]
        assert d["data"]["attemptCount"] == len(rx.hits_for(d["metadata"]["id"])), d
    # in order per objective, each request signed and carrying its event
    hits = rx.hits()
    assert_event_order(hits, event_ids)
    for hit in hits:
        body = assert_signed(hit, secret)
        oid, event = all_events[body["data"]["objectiveEvent"]["metadata"]["id"]]
        assert body["data"]["objective"]["metadata"]["id"] == oid
        assert hit.webhook_id == delivery_of[event["metadata"]["id"]]["metadata"]["id"]
    assert any(h.status == 500 for h in hits), "some first attempts failed"


# ---- rotation

def test_after_rotation_deliveries_are_signed_with_the_new_secret_only(ws, admin, fake_openai, receivers):
    rx = receivers()
    s = webhook_agent(ws, rx.url)
    old = signing_secret(ws.api)
    before = run(ws, s)
    wait_settled(ws, s.agent_id, 2, objectiveId=before)
    for hit in rx.wait_hits(2):
        assert_signed(hit, old)

    rotated = rotate(ws.api)
    new = rotated["info"]["webhookEventsHmacSecret"]
    assert new != old and signing_key_bytes_ok(new), rotated
    assert rotated["metadata"]["id"] == jwt_claims(ws.token)["acct"]
    assert signing_secret(ws.api) == new and signing_secret(admin) == new

    after = run(ws, s)
    new_ids = {d["metadata"]["id"] for d in wait_settled(ws, s.agent_id, 2, objectiveId=after)}
    new_hits = [h for h in rx.wait_hits(4) if h.webhook_id in new_ids]
    assert len(new_hits) == 2
    for hit in new_hits:
        assert_signed(hit, new)
        assert not verifies(hit.body, hit.headers, old), "the old secret no longer signs"


# ---- the deliveries API

def test_deliveries_list_filters_pages_and_reads_on_both_route_forms(ws, fake_openai, receivers):
    rx = receivers()
    s = webhook_agent(ws, rx.url)
    a = run(ws, s, "first")
    b = run(ws, s, "second")
    ds = wait_settled(ws, s.agent_id, 4)  # oldest first
    oldest_first = ids(ds)
    for d in ds:
        assert_delivery_shape(d, ws, s.agent_id, rx.url)

    page = delivery_page(ws, s.agent_id)
    assert ids(page["items"]) == oldest_first[::-1], "newest first by default"
    assert page["pagination"]["total"] == 4 and not page["pagination"].get("nextCursor")
    assert ids(delivery_page(ws, s.agent_id, sortOrder="asc")["items"]) == oldest_first

    def listed(**params) -> list[dict]:
        return list_deliveries(ws, s.agent_id, sortOrder="asc", **params)

    only_a = listed(objectiveId=a)
    assert len(only_a) == 2 and {d["data"]["objectiveId"] for d in only_a} == {a}
    assert [d["data"]["eventType"] for d in only_a] == [USER_MESSAGE, ASSISTANT_MESSAGE]
    users = listed(eventType=USER_MESSAGE)
    assert [d["data"]["objectiveId"] for d in users] == [a, b]
    assert {d["data"]["eventType"] for d in users} == {USER_MESSAGE}
    [one] = listed(objectiveId=b, eventType=ASSISTANT_MESSAGE)
    assert one["data"]["objectiveId"] == b and one["data"]["eventType"] == ASSISTANT_MESSAGE
    assert ids(listed(status=COMPLETED)) == oldest_first
    failed = delivery_page(ws, s.agent_id, status=FAILED)
    assert failed["items"] == [] and failed["pagination"]["total"] == 0

    # pages of one
    seen, cursor = [], None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        p = delivery_page(ws, s.agent_id, **params)
        assert len(p["items"]) == 1
        seen += ids(p["items"])
        cursor = p["pagination"].get("nextCursor")
        if not cursor:
            break
    assert seen == oldest_first[::-1]

    # single reads, both forms; the short form lists the same
    for d in ds:
        did = d["metadata"]["id"]
        assert get_delivery(ws, s.agent_id, did) == d
        assert expect(ws.api.get(f"{short_deliveries_path(s.agent_id)}/{did}"), 200) == d
    assert ids(expect(ws.api.get(short_deliveries_path(s.agent_id)), 200)["items"]) == oldest_first[::-1]
    assert ids(expect(ws.api.get(short_deliveries_path(s.agent_id), params={"objectiveId": a,
                                                                               "sortOrder": "asc"}), 200)["items"]) \
        == ids(only_a)

    # a completed delivery is not retryable
    expect_error(ws.api.post(retry_path(ws, s.agent_id, oldest_first[0])), 409, "failed_precondition")
    expect_error(ws.api.post(f"{short_deliveries_path(s.agent_id)}/{oldest_first[0]}:retry"), 409,
                 "failed_precondition")
    # bad filters
    expect_error(ws.api.get(deliveries_path(ws, s.agent_id), params={"status": "DELIVERED"}), 400, "validation_error")
    expect_error(ws.api.get(deliveries_path(ws, s.agent_id), params={"eventType": "USER_MSG"}), 400,
                 "validation_error")


def test_deliveries_404s_and_scopes(ws, other_ws, fake_openai, receivers):
    rx = receivers()
    s = webhook_agent(ws, rx.url)
    run(ws, s)
    did = wait_settled(ws, s.agent_id, 2)[0]["metadata"]["id"]
    secret = signing_secret(ws.api)
    other_agent = setup_agent(ws, name="other").agent_id

    # unknown agent, unknown delivery, another agent's delivery
    expect_error(ws.api.get(deliveries_path(ws, missing("agent"))), 404, "not_found")
    expect_error(ws.api.get(f"{deliveries_path(ws, s.agent_id)}/{missing('whdel')}"), 404, "not_found")
    expect_error(ws.api.post(retry_path(ws, s.agent_id, missing("whdel"))), 404, "not_found")
    expect_error(ws.api.get(f"{deliveries_path(ws, other_agent)}/{did}"), 404, "not_found")
    expect_error(ws.api.post(retry_path(ws, other_agent, did)), 404, "not_found")
    expect_error(ws.api.get(f"{short_deliveries_path(s.agent_id)}/{missing('whdel')}"), 404, "not_found")
    # a malformed id is a 400, not a 404
    expect_error(ws.api.get(f"{deliveries_path(ws, s.agent_id)}/{missing('obj')}"), 400, "validation_error")
    assert expect(ws.api.get(deliveries_path(ws, other_agent)), 200)["items"] == []
    # another workspace sees none of it, on either route form
    expect_error(ws.api.get(f"{other_ws.path}/agents/{s.agent_id}/webhook_deliveries"), 404, "not_found")
    expect_error(other_ws.api.get(f"{other_ws.path}/agents/{s.agent_id}/webhook_deliveries"), 404, "not_found")
    expect_error(other_ws.api.get(f"{other_ws.path}/agents/{s.agent_id}/webhook_deliveries/{did}"), 404,
                 "not_found")
    expect_error(other_ws.api.get(short_deliveries_path(s.agent_id)), 404, "not_found")
    expect_error(other_ws.api.get(f"{short_deliveries_path(s.agent_id)}/{did}"), 404, "not_found")
    expect_error(other_ws.api.post(f"{short_deliveries_path(s.agent_id)}/{did}:retry"), 404, "not_found")

    # webhooks:read reads, cannot retry; agents:* alone sees no deliveries (docs/api.md §2)
    reader = ws.client(["webhooks:read"])
    resp = reader.get(deliveries_path(ws, s.agent_id))
    assert len(expect(resp, 200)["items"]) == 2
    assert secret.removeprefix("whsec_") not in resp.text
    assert expect(reader.get(f"{deliveries_path(ws, s.agent_id)}/{did}"), 200)["metadata"]["id"] == did
    expect_error(reader.post(retry_path(ws, s.agent_id, did)), 403, "forbidden")
    stranger = ws.client(["agents:write", "objectives:read"])
    assert "webhooks:read" in expect_error(stranger.get(deliveries_path(ws, s.agent_id)), 403, "forbidden")["message"]
    assert "webhooks:write" in expect_error(stranger.post(retry_path(ws, s.agent_id, did)), 403,
                                            "forbidden")["message"]
    # webhooks:write passes the scope check (a COMPLETED delivery is then not retried)
    expect_error(ws.client(["webhooks:write"]).post(retry_path(ws, s.agent_id, did)), 409, "failed_precondition")
    expect_error(stranger.get(f"{deliveries_path(ws, s.agent_id)}/{did}"), 403, "forbidden")
    # the secret appears in no delivery read, even for a `*` token
    for path in (deliveries_path(ws, s.agent_id), f"{deliveries_path(ws, s.agent_id)}/{did}"):
        resp = ws.api.get(path)
        expect(resp, 200)
        assert secret.removeprefix("whsec_") not in resp.text
    assert did.startswith(DELIVERY_PREFIX)
