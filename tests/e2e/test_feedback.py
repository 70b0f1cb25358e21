"""Objective feedback end to end (issue 6, docs/api.md §3.4 and Agents, docs/api.md §6.3 `ObjectiveFeedback`):
submitting and listing feedback, the Beta(α, β) score of the variation that ran the objective
(α += (1+score)/2, β += (1−score)/2 from α = β = 1; `info.score` = α/(α+β)), the agent's feedback
list and its filters, and the 400/404/409/403 cases."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from agentloop import create, get, model_name, new_variation, setup_agent, variation_spec, wait_status
from builders import missing
from client import expect, expect_error, jwt_claims
from fakes import text


def feedback_path(ws, oid: str) -> str:
    return f"{ws.path}/objectives/{oid}/feedback"


def agent_feedback_path(ws, agent_id: str) -> str:
    return f"{ws.path}/agents/{agent_id}/feedback"


def give(ws, oid: str, score: float, comment: str | None = None, api=None, **metadata) -> dict:
    data: dict = {"score": score}
    if comment is not None:
        data["comment"] = comment
    body: dict = {"data": data}
    if metadata:
        body["metadata"] = metadata
    return expect((api or ws.api).post(feedback_path(ws, oid), body), 201)


def run(ws, agent_id: str, **fields) -> str:
    oid = create(ws, agent_id, **fields)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")
    return oid


def variation_info(ws, agent_id: str, variation_id: str) -> dict:
    return expect(ws.api.get(f"{ws.path}/agents/{agent_id}/variations/{variation_id}"), 200)["info"]


def score_of(ws, agent_id: str, variation_id: str) -> tuple[float, int]:
    info = variation_info(ws, agent_id, variation_id)
    return info["score"], info["feedbackCount"]


def ids(items: list[dict]) -> list[str]:
    return [i["metadata"]["id"] for i in items]


def listed(ws, path: str, **params) -> list[str]:
    """Ids of every item (following cursors), in the server's order."""
    out: list[str] = []
    cursor = None
    while True:
        q = dict(params)
        if cursor:
            q["cursor"] = cursor
        page = expect(ws.api.get(path, params=q), 200)
        out += ids(page["items"])
        cursor = page["pagination"].get("nextCursor")
        if not cursor:
            return out


def ms(stamp: str) -> int:
    return round(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)


def rfc3339(millis: int) -> str:
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# ---- submit and read

def test_feedback_round_trip_shows_who_what_and_which_variation(ws, fake_openai):
    s = setup_agent(ws)
    oid = run(ws, s.agent_id)
    claims = jwt_claims(ws.token)
    body = {"metadata": {"externalId": "csat-1", "labels": {"source": "csat"}},
            "data": {"score": 1, "comment": "spot on"}}
    fb = expect(ws.api.post(feedback_path(ws, oid), body), 201)
    md = fb["metadata"]
    assert md["id"].startswith("fb_")
    assert md["accountId"] == claims["acct"] and md["workspaceId"] == ws.id and md["profileId"] == claims["sub"]
    assert md["createdAt"].endswith("Z")
    assert md["externalId"] == "csat-1" and md["labels"] == {"source": "csat"}
    assert fb["data"] == {"score": 1, "comment": "spot on"}
    info = fb["info"]
    assert info["agentVariation"] == {"id": s.variation_id, "name": "agent-v"}
    assert info["objective"]["id"] == oid
    assert info["submittedBy"]["metadata"]["id"] == claims["sub"]

    # no comment: none shown
    plain = give(ws, oid, -0.5)
    assert plain["data"] == {"score": -0.5}
    assert plain["info"]["objective"]["id"] == oid

    page = expect(ws.api.get(feedback_path(ws, oid)), 200)
    assert ids(page["items"]) == [plain["metadata"]["id"], fb["metadata"]["id"]], "newest first"
    assert page["pagination"]["total"] == 2
    assert page["items"][1]["data"] == {"score": 1, "comment": "spot on"}
    assert page["items"][1]["metadata"]["externalId"] == "csat-1"
    # external ids are unique per workspace
    expect_error(ws.api.post(feedback_path(ws, oid), {"metadata": {"externalId": "csat-1"}, "data": {"score": 0}}),
                 409, "conflict")
    # α = 1 + 1 + 0.25, β = 1 + 0 + 0.75
    assert score_of(ws, s.agent_id, s.variation_id) == (pytest.approx(2.25 / 4), 2)


def test_plus_one_plus_one_minus_one_scores_the_variation_point_six(ws, fake_openai):
    s = setup_agent(ws)
    other = new_variation(ws, s.agent_id, "other-v", variation_spec(f"openai/{model_name()}"))["metadata"]["id"]
    o1 = run(ws, s.agent_id, variationId=s.variation_id)
    o2 = run(ws, s.agent_id, variationId=s.variation_id)
    o3 = run(ws, s.agent_id, variationId=other)
    assert score_of(ws, s.agent_id, s.variation_id) == (0.5, 0)

    give(ws, o1, 1)       # α 2, β 1
    assert score_of(ws, s.agent_id, s.variation_id) == (pytest.approx(2 / 3), 1)
    give(ws, o2, 1)       # α 3, β 1
    assert score_of(ws, s.agent_id, s.variation_id) == (pytest.approx(0.75), 2)
    give(ws, o1, -1)      # α 3, β 2
    assert score_of(ws, s.agent_id, s.variation_id) == (pytest.approx(0.6), 3)
    # the other variation is untouched until its own objective gets feedback
    assert score_of(ws, s.agent_id, other) == (0.5, 0)
    fb = give(ws, o3, 0.5)  # α 1.75, β 1.25
    assert fb["info"]["agentVariation"] == {"id": other, "name": "other-v"}
    assert score_of(ws, s.agent_id, other) == (pytest.approx(1.75 / 3), 1)
    assert score_of(ws, s.agent_id, s.variation_id) == (pytest.approx(0.6), 3)
    # each objective lists its own feedback only
    assert len(expect(ws.api.get(feedback_path(ws, o1)), 200)["items"]) == 2
    assert len(expect(ws.api.get(feedback_path(ws, o2)), 200)["items"]) == 1
    assert len(expect(ws.api.get(feedback_path(ws, o3)), 200)["items"]) == 1


def test_the_agent_feedback_list_filters(ws, fake_openai):
    s = setup_agent(ws)
    v1 = s.variation_id
    v2 = new_variation(ws, s.agent_id, "v2", variation_spec(f"openai/{model_name()}"))["metadata"]["id"]
    o1 = run(ws, s.agent_id, variationId=v1)
    o2 = run(ws, s.agent_id, variationId=v2)
    # feedback on another agent never shows up in this agent's list
    stranger = setup_agent(ws, name="stranger")
    give(ws, run(ws, stranger.agent_id), 1)

    fb1 = give(ws, o1, 1)
    fb2 = give(ws, o1, -1)
    assert score_of(ws, s.agent_id, v1)[1] == 2  # (some time passes between fb2 and fb3)
    fb3 = give(ws, o2, 0.5)
    fb4 = give(ws, o1, 1)
    f1, f2, f3, f4 = (f["metadata"]["id"] for f in (fb1, fb2, fb3, fb4))
    t2, t3 = ms(fb2["metadata"]["createdAt"]), ms(fb3["metadata"]["createdAt"])
    assert t3 - t2 >= 2, f"feedback 2 and 3 are apart in time: {t2} {t3}"
    mid = rfc3339((t2 + t3) // 2)
    assert ms(fb2["metadata"]["createdAt"]) < ms(mid) < ms(fb3["metadata"]["createdAt"])

    path = agent_feedback_path(ws, s.agent_id)
    page = expect(ws.api.get(path), 200)
    assert ids(page["items"]) == [f4, f3, f2, f1] and page["pagination"]["total"] == 4
    assert listed(ws, path, sortOrder="asc") == [f1, f2, f3, f4]
    assert listed(ws, path, limit=1) == [f4, f3, f2, f1]
    # by variation
    assert listed(ws, path, agentVariationId=v2) == [f3]
    assert listed(ws, path, agentVariationId=v1) == [f4, f2, f1]
    # by score (bounds inclusive)
    assert listed(ws, path, minScore=0.75) == [f4, f1]
    assert listed(ws, path, maxScore=0) == [f2]
    assert listed(ws, path, minScore=0.25, maxScore=0.75) == [f3]
    assert listed(ws, path, minScore=1) == [f4, f1]
    assert listed(ws, path, maxScore=-1) == [f2]
    # by time
    assert listed(ws, path, createdBefore=mid) == [f2, f1]
    assert listed(ws, path, createdAfter=mid) == [f4, f3]
    assert listed(ws, path, createdAfter=mid, agentVariationId=v1) == [f4]
    assert listed(ws, path, createdAfter=mid, minScore=0.75) == [f4]
    assert listed(ws, path, createdBefore=mid, maxScore=0) == [f2]
    far = rfc3339(t3 + 3_600_000)
    assert listed(ws, path, createdAfter=far) == []
    # the filtered total counts the filtered items
    assert expect(ws.api.get(path, params={"agentVariationId": v1}), 200)["pagination"]["total"] == 3
    # bad filter values
    for params in ({"minScore": "high"}, {"createdAfter": "yesterday"}, {"createdBefore": "2024-13-01"}):
        expect_error(ws.api.get(path, params=params), 400, "validation_error")


# ---- bad input, missing things, not yet started

def test_scores_outside_minus_one_to_one_or_missing_are_400(ws, fake_openai):
    s = setup_agent(ws)
    oid = run(ws, s.agent_id)
    for data in ({"score": 1.5}, {"score": -1.01}, {"score": 2}, {"comment": "no score"}, {}):
        expect_error(ws.api.post(feedback_path(ws, oid), {"data": data}), 400, "validation_error", "data.score")
    for body in ({"data": {"score": "high"}}, {"data": {"score": None}}, {"data": {"score": 0.5}, "rating": 5},
                 {"data": {"score": 0.5, "stars": 4}}, {}, {"data": [1]}):
        expect_error(ws.api.post(feedback_path(ws, oid), body), 400, "validation_error")
    expect_error(ws.api.post(feedback_path(ws, oid), raw=b'{"data": {"score": 0.5'), 400, "validation_error")
    # nothing was stored
    assert expect(ws.api.get(feedback_path(ws, oid)), 200)["items"] == []
    assert score_of(ws, s.agent_id, s.variation_id) == (0.5, 0)
    # the bounds themselves are fine
    give(ws, oid, -1)
    give(ws, oid, 1)
    assert score_of(ws, s.agent_id, s.variation_id) == (pytest.approx(0.5), 2)


def test_feedback_on_an_objective_that_has_not_started_is_409(ws, fake_openai):
    s = setup_agent(ws)
    fake_openai.script(s.model, [text("late answer", delay=4)])
    oid = create(ws, s.agent_id)["metadata"]["id"]
    assert get(ws, oid)["info"]["totalIterations"] == 0
    expect_error(ws.api.post(feedback_path(ws, oid), {"data": {"score": 1}}), 409, "failed_precondition")
    assert expect(ws.api.get(feedback_path(ws, oid)), 200)["items"] == []
    assert score_of(ws, s.agent_id, s.variation_id) == (0.5, 0)
    # once the model has answered, feedback is welcome
    wait_status(ws, oid, "COMPLETED")
    give(ws, oid, 1)
    assert score_of(ws, s.agent_id, s.variation_id) == (pytest.approx(2 / 3), 1)


def test_unknown_or_foreign_objectives_and_agents_are_404(ws, other_ws, fake_openai):
    body = {"data": {"score": 1}}
    expect_error(ws.api.post(feedback_path(ws, missing("obj")), body), 404, "not_found")
    expect_error(ws.api.get(feedback_path(ws, missing("obj"))), 404, "not_found")
    expect_error(ws.api.get(agent_feedback_path(ws, missing("agent"))), 404, "not_found")
    # theirs, through my workspace or theirs
    theirs = setup_agent(other_ws)
    their_oid = run(other_ws, theirs.agent_id)
    expect_error(ws.api.post(feedback_path(ws, their_oid), body), 404, "not_found")
    expect_error(ws.api.get(feedback_path(ws, their_oid)), 404, "not_found")
    expect_error(ws.api.post(feedback_path(other_ws, their_oid), body), 404, "not_found")
    expect_error(ws.api.get(agent_feedback_path(ws, theirs.agent_id)), 404, "not_found")
    assert score_of(other_ws, theirs.agent_id, theirs.variation_id) == (0.5, 0)
    # a bad id is a 400, not a 404
    expect_error(ws.api.post(feedback_path(ws, missing("agent")), body), 400, "validation_error")


def test_read_only_tokens_cannot_give_feedback(ws, fake_openai):
    s = setup_agent(ws)
    oid = run(ws, s.agent_id)
    reader = ws.client(["agents:read", "objectives:read", "feedback:read"])
    err = expect_error(reader.post(feedback_path(ws, oid), {"data": {"score": 1}}), 403, "forbidden")
    assert ":write" in err["message"] or "`*`" in err["message"]
    assert expect(reader.get(feedback_path(ws, oid)), 200)["items"] == []
    assert expect(reader.get(agent_feedback_path(ws, s.agent_id)), 200)["items"] == []
    assert score_of(ws, s.agent_id, s.variation_id) == (0.5, 0)
    nobody = ws.client(["audit:read"])
    expect_error(nobody.get(feedback_path(ws, oid)), 403, "forbidden")
    expect_error(nobody.get(agent_feedback_path(ws, s.agent_id)), 403, "forbidden")
    expect_error(nobody.post(feedback_path(ws, oid), {"data": {"score": 1}}), 403, "forbidden")
    # a writer's feedback is submitted by the writer's profile
    writer = ws.client(["objectives:write", "feedback:write"], name="rater")
    fb = give(ws, oid, 1, api=writer)
    sub = jwt_claims(writer.token)["sub"]
    assert fb["metadata"]["profileId"] == sub and fb["info"]["submittedBy"]["metadata"]["id"] == sub
    assert sub != jwt_claims(ws.token)["sub"]
    assert score_of(ws, s.agent_id, s.variation_id) == (pytest.approx(2 / 3), 1)
