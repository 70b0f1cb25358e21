"""VARIATION_SELECTION_MODE_THOMPSON (issue 19, docs/api.md §4.4): each new objective draws once from every
eligible variation's Beta(α, β) feedback posterior and runs the variation with the highest draw, so
traffic follows feedback while still exploring; weight 0 still means never chosen automatically;
`info.selectionCount` counts the objectives each variation ran."""

from __future__ import annotations

import collections

from agentloop import create, new_variation, setup_agent, uid, wait_status
from client import expect
from test_feedback import give

THOMPSON = "VARIATION_SELECTION_MODE_THOMPSON"


def thompson_agent(ws, weights: dict[str, float]):
    """A published THOMPSON agent whose variations (named by `weights`' keys) share one fake model."""
    s = setup_agent(ws, name=f"thompson-{uid()}", mode=THOMPSON, weight=0)
    ids = {name: new_variation(ws, s.agent_id, name, {"prompt": "Be helpful.", "weight": w,
                                                      "modelConfig": {"modelId": s.model_id}})["metadata"]["id"]
           for name, w in weights.items()}
    return s, ids


def rate(ws, agent_id: str, variation_id: str, score: float, times: int) -> None:
    oid = create(ws, agent_id, variationId=variation_id)["metadata"]["id"]
    wait_status(ws, oid, "COMPLETED")  # feedback is for objectives that ran
    for _ in range(times):
        give(ws, oid, score)


def picks(ws, agent_id: str, n: int) -> collections.Counter:
    return collections.Counter(create(ws, agent_id)["data"]["agentVariation"]["metadata"]["id"] for _ in range(n))


def info(ws, agent_id: str, variation_id: str) -> dict:
    return expect(ws.api.get(f"{ws.path}/agents/{agent_id}/variations/{variation_id}"), 200)["info"]


def test_traffic_follows_feedback_and_weight_zero_is_never_drawn(ws, fake_openai):
    s, v = thompson_agent(ws, {"liked": 1, "disliked": 1, "parked": 0})
    rate(ws, s.agent_id, v["liked"], 1, 40)
    rate(ws, s.agent_id, v["disliked"], -1, 40)
    rate(ws, s.agent_id, v["parked"], 1, 40)  # the best posterior of all, but weight 0
    assert info(ws, s.agent_id, v["liked"])["score"] > 0.95
    assert info(ws, s.agent_id, v["disliked"])["score"] < 0.05

    counts = picks(ws, s.agent_id, 200)
    assert counts[v["liked"]] >= 180, counts
    assert counts[v["parked"]] == 0, counts
    assert sum(counts.values()) == 200
    # each variation counts every objective it ran: the rated one plus those drawn
    assert info(ws, s.agent_id, v["liked"])["selectionCount"] == 1 + counts[v["liked"]]
    assert info(ws, s.agent_id, v["disliked"])["selectionCount"] == 1 + counts[v["disliked"]]
    assert info(ws, s.agent_id, v["parked"])["selectionCount"] == 1


def test_equal_feedback_splits_traffic_evenly(ws, fake_openai):
    s, v = thompson_agent(ws, {"left": 1, "right": 2})  # weights do not bias Thompson draws
    for name in ("left", "right"):
        rate(ws, s.agent_id, v[name], 1, 5)
        rate(ws, s.agent_id, v[name], -1, 5)
    counts = picks(ws, s.agent_id, 300)
    share = counts[v["left"]] / 300
    assert 0.40 <= share <= 0.60, counts


def test_thompson_with_every_weight_zero_is_refused_like_weighted(ws, fake_openai):
    s, v = thompson_agent(ws, {"only": 0})
    resp = ws.api.post(f"{ws.path}/objectives", {"agentId": s.agent_id, "initialMessage": "hi"})
    assert resp.status_code == 409, resp.text
    body = resp.json()["error"]
    assert body["code"] == "failed_precondition" and "every weight is 0" in body["message"]
    assert info(ws, s.agent_id, v["only"])["selectionCount"] == 0
