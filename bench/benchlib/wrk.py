"""wrk: finding it, running it against a target and parsing its output."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from .common import BenchError, Measurement, Target, run
from .server import request


def find_wrk() -> str:
    """Returns the wrk binary, or fails with how to install it."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError("wrk not found; install it with: apt-get install -y wrk")
    return wrk


def parse_duration_ms(value: str, unit: str) -> float:
    """Converts a wrk latency such as ('1.23', 'ms') to milliseconds."""
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
    return float(value) * scale[unit]


@dataclass
class WrkRun:
    """One wrk run: req/s, latency percentiles, and how many requests timed out."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    timeouts: int


def parse_wrk(output: str, what: str, allow_timeouts: bool = False) -> WrkRun:
    """Parses `wrk --latency`, failing on any error count (with `allow_timeouts`, requests
    that took longer than wrk's 2 s timeout are counted instead; other errors still fail)."""
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise BenchError(f"{what}: wrk saw {errors.group(1)} non-2xx/3xx responses:\n{output}")
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    timeouts = int(sockets.group(4)) if sockets else 0
    if sockets and (not allow_timeouts or any(int(sockets.group(i)) for i in (1, 2, 3))):
        raise BenchError(f"{what}: wrk saw socket errors:\n{output}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    requests = re.search(r"(\d+) requests in", output)
    pct = dict(
        (p, parse_duration_ms(v, u))
        for p, v, u in re.findall(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
    )
    if not rps or not requests or "50" not in pct or "99" not in pct:
        raise BenchError(f"{what}: could not parse wrk output:\n{output}")
    return WrkRun(float(rps.group(1)), pct["50"], pct["99"], int(requests.group(1)), timeouts)


def write_lua(target: Target, directory: Path) -> Path | None:
    """Writes the wrk script that sends target's method and JSON body, if it has one."""
    if target.body is None:
        return None
    script = directory / f"{re.sub(r'[^a-z0-9]+', '-', target.label.lower())}.lua"
    script.write_text(
        f"wrk.method = {json.dumps(target.method)}\n"
        f"wrk.body = {json.dumps(json.dumps(target.body))}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return script


def run_wrk(wrk: str, port: int, token: str | None, target: Target, threads: int, conns: int,
            duration: int, lua: Path | None, allow_timeouts: bool = False) -> WrkRun:
    """Runs wrk once against target."""
    cmd = [wrk, f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--latency"]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    if lua:
        cmd += ["-s", str(lua)]
    cmd.append(f"http://127.0.0.1:{port}{target.path}")
    return parse_wrk(run(cmd).stdout, f"{target.label} (-c{conns})", allow_timeouts)


def check_target(port: int, token: str | None, target: Target) -> None:
    """Fails unless the target answers 2xx to one request."""
    status, data = request(port, target.method, target.path, token, target.body)
    if not 200 <= status < 300:
        raise BenchError(f"{target.label}: {target.method} {target.path} -> {status}: {data[:500]!r}")


def measure(wrk: str, port: int, token: str | None, target: Target, duration: int,
            tmp: Path) -> Measurement:
    """Checks target answers 2xx, then measures it at 16 connections and at one."""
    check_target(port, token, target)
    lua = write_lua(target, tmp)
    print(f"measuring {target.label}…", flush=True)
    many = run_wrk(wrk, port, token, target, 2, 16, duration, lua)
    one = run_wrk(wrk, port, token, target, 1, 1, duration, lua)
    return Measurement(target.label, many.rps, many.p50_ms, many.p99_ms, one.p50_ms)
