"""Interleaved rounds: the app, hello-world and the peer measured turn about.

This machine's speed drifts by tens of percent over minutes, so a ratio between runs made
minutes apart says more about the drift than about the servers. Here every target's
ratio is taken within one round (its runs seconds apart), and the report uses the median
of the rounds' ratios.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .common import Measurement, Target
from .wrk import check_target, run_wrk, write_lua

ROUNDS = 3


@dataclass
class Endpoint:
    """A target on a running server."""

    port: int
    token: str | None
    target: Target


def measure_rounds(wrk: str, group: list[Endpoint], duration: int, tmp: Path,
                   rounds: int = ROUNDS) -> list[Measurement]:
    """Runs every endpoint of the group at 16 connections, one after another, `rounds`
    times over, then each once at one keep-alive connection. A measurement's req/s,
    p50 and p99 are those of its median round; `rounds` keeps every round's req/s."""
    for e in group:
        check_target(e.port, e.token, e.target)
    scripts = {e.target.label: write_lua(e.target, tmp) for e in group}
    runs: dict[str, list] = {e.target.label: [] for e in group}
    for r in range(rounds):
        for e in group:
            label = e.target.label
            print(f"measuring {label} (round {r + 1} of {rounds})…", flush=True)
            runs[label].append(run_wrk(wrk, e.port, e.token, e.target, 2, 16, duration,
                                       scripts[label]))
    results = []
    for e in group:
        label = e.target.label
        one = run_wrk(wrk, e.port, e.token, e.target, 1, 1, duration, scripts[label])
        median = sorted(runs[label], key=lambda run: run.rps)[len(runs[label]) // 2]
        results.append(Measurement(label, median.rps, median.p50_ms, median.p99_ms, one.p50_ms,
                                   rounds=tuple(run.rps for run in runs[label])))
    return results
