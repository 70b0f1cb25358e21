"""wrk: finding it, running it against a target and parsing its output."""

from __future__ import annotations

import json
import re
import shutil
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


def parse_wrk(output: str, what: str) -> tuple[float, float, float]:
    """Extracts (req/s, p50 ms, p99 ms) from `wrk --latency`, failing on any error count."""
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise BenchError(f"{what}: wrk saw {errors.group(1)} non-2xx/3xx responses:\n{output}")
    if "Socket errors" in output:
        raise BenchError(f"{what}: wrk saw socket errors:\n{output}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    pct = dict(
        (p, parse_duration_ms(v, u))
        for p, v, u in re.findall(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
    )
    if not rps or "50" not in pct or "99" not in pct:
        raise BenchError(f"{what}: could not parse wrk output:\n{output}")
    return float(rps.group(1)), pct["50"], pct["99"]


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
            duration: int, lua: Path | None) -> tuple[float, float, float]:
    """Runs wrk once against target; returns (req/s, p50 ms, p99 ms)."""
    cmd = [wrk, f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--latency"]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    if lua:
        cmd += ["-s", str(lua)]
    cmd.append(f"http://127.0.0.1:{port}{target.path}")
    return parse_wrk(run(cmd).stdout, f"{target.label} (-c{conns})")


def measure(wrk: str, port: int, token: str | None, target: Target, duration: int,
            tmp: Path) -> Measurement:
    """Checks target answers 2xx, then measures it at 16 connections and at one."""
    status, data = request(port, target.method, target.path, token, target.body)
    if not 200 <= status < 300:
        raise BenchError(f"{target.label}: {target.method} {target.path} -> {status}: {data[:500]!r}")
    lua = write_lua(target, tmp)
    print(f"measuring {target.label}…", flush=True)
    rps, p50, p99 = run_wrk(wrk, port, token, target, 2, 16, duration, lua)
    _, p50_single, _ = run_wrk(wrk, port, token, target, 1, 1, duration, lua)
    return Measurement(target.label, rps, p50, p99, p50_single)
