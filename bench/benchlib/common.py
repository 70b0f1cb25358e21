"""What every part of the benchmark shares: paths, limits, errors, targets and run()."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SEED_AGENTS = 1_000
SEED_THREADS = 8
READY_TIMEOUT_S = 180


class BenchError(Exception):
    """A benchmark step failed; the message says which and why."""


@dataclass
class Target:
    """One endpoint to measure: a request wrk repeats."""

    label: str
    method: str
    path: str
    body: dict | None = None


@dataclass
class Measurement:
    """wrk results for one target: 16 connections and one keep-alive connection."""

    label: str
    rps: float
    p50_ms: float
    p99_ms: float
    p50_single_ms: float
    # what the numbers do not say (e.g. requests that timed out)
    note: str = ""
    # req/s of every round, when measured in interleaved rounds (rps is their median)
    rounds: tuple[float, ...] = ()


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Runs a command, raising BenchError with its output if it fails."""
    proc = subprocess.run(cmd, text=True, capture_output=True, **kwargs)
    if proc.returncode != 0:
        raise BenchError(
            f"`{' '.join(cmd)}` exited with {proc.returncode}:\n{proc.stdout}{proc.stderr}"
        )
    return proc
