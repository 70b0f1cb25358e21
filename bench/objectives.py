#!/usr/bin/env python3
"""Objective start latency: from sending `POST …/objectives` to the model provider receiving the
objective's first request, measured against an in-process fake OpenAI-compatible server.

Starts its own `spin up` (tests/e2e/spinapp.py, after `spin build`) pointed at the fake, bootstraps
an account, creates a published agent whose variation runs `openai/bench-start`, then creates
objectives one at a time (a few warm-up ones first, not counted). Each objective carries a unique
initial message, so the fake's recorded arrival time of the request carrying it marks the start;
the next objective is created once the previous one has COMPLETED. Prints a Markdown table and
writes it as the "## Objective start latency" section of bench/RESULTS.md (other sections kept).

Run from the repository root:  .venv/bin/python bench/objectives.py [--count 50] [--warmup 3]
"""

from __future__ import annotations

import argparse
import datetime
import math
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from client import Api  # noqa: E402
from fakes import FakeAnthropic, FakeOpenAI, model_variables  # noqa: E402
from spinapp import BOOTSTRAP_TOKEN, SpinApp, spin_binary  # noqa: E402

RESULTS_FILE = ROOT / "bench" / "RESULTS.md"
SECTION = "## Objective start latency"
MODEL = "bench-start"


class BenchError(Exception):
    pass


def ok(resp, status: int) -> dict:
    if resp.status_code != status:
        raise BenchError(f"{resp.request.method} {resp.url} -> {resp.status_code}: {resp.text[:500]}")
    return resp.json()


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def first_request_at(fake: FakeOpenAI, message: str) -> float | None:
    """Arrival time of the first model request whose messages carry `message`."""
    for rec in fake.requests(MODEL):
        body = rec.json or {}
        if any(m.get("role") == "user" and m.get("content") == message for m in body.get("messages", [])):
            return rec.at
    return None


def wait(check, timeout: float, what: str, interval: float = 0.005):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(interval)
    raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")


def setup(api: Api, ws_path: str) -> str:
    agent = ok(api.post(f"{ws_path}/agents", {"metadata": {"name": "bench-start"},
                                              "spec": {"status": "AGENT_STATUS_PUBLISHED"}}), 201)
    aid = agent["metadata"]["id"]
    ok(api.post(f"{ws_path}/agents/{aid}/variations", {
        "metadata": {"name": "bench-start-v"},
        "spec": {"prompt": "You are a benchmark.", "modelConfig": {"modelId": f"openai/{MODEL}"}, "weight": 1}}),
        201)
    return aid


def run_one(api: Api, ws_path: str, aid: str, fake: FakeOpenAI) -> tuple[float, float]:
    """(create → first model request, POST round trip), in seconds."""
    message = f"bench {uuid.uuid4().hex}"
    sent = time.monotonic()
    resp = api.post(f"{ws_path}/objectives", {"agentId": aid, "initialMessage": message})
    answered = time.monotonic()
    oid = ok(resp, 201)["metadata"]["id"]
    arrived = wait(lambda: first_request_at(fake, message), 30, f"the model request of {oid}")

    def completed():
        status = ok(api.get(f"{ws_path}/objectives/{oid}"), 200)["status"]
        if status in ("OBJECTIVE_STATUS_FAILED", "OBJECTIVE_STATUS_CANCELLED"):
            raise BenchError(f"objective {oid} ended {status}")
        return status == "OBJECTIVE_STATUS_COMPLETED"

    wait(completed, 30, f"objective {oid} to complete", interval=0.02)
    return arrived - sent, answered - sent


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def report(start: list[float], post: list[float]) -> str:
    rows = ["| measure | n | p50 | p99 | min | max |", "|---|---:|---:|---:|---:|---:|"]
    for label, values in [("create → first model request", start), ("POST /objectives round trip", post)]:
        rows.append(f"| {label} | {len(values)} | {ms(percentile(values, 0.5))} | {ms(percentile(values, 0.99))} "
                    f"| {ms(min(values))} | {ms(max(values))} |")
    return "\n".join(rows)


def machine() -> str:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    spin = subprocess.run([spin_binary(), "--version"], capture_output=True, text=True).stdout.strip()
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"- spin: {spin}\n- nproc: {nproc}\n- CPU: {cpu}"


def write_section(table: str, count: int, warmup: int) -> None:
    section = (
        f"{SECTION}\n\n"
        "Generated by `.venv/bin/python bench/objectives.py`: the time from sending `POST …/objectives` to the\n"
        "model provider (an in-process fake OpenAI server, answering at once) receiving the objective's first\n"
        f"request, over {count} objectives created one after another ({warmup} warm-up objectives not counted);\n"
        "each objective completes before the next is created.\n\n"
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}\n"
        f"{machine()}\n\n"
        f"{table}\n"
    )
    text = RESULTS_FILE.read_text() if RESULTS_FILE.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS_FILE.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50, help="objectives measured (default 50)")
    parser.add_argument("--warmup", type=int, default=3, help="objectives run first and not counted (default 3)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = parser.parse_args()
    openai, anthropic = FakeOpenAI().start(), FakeAnthropic().start()
    app = SpinApp(variables=model_variables(openai, anthropic))
    try:
        print("starting spin up (spin build first)…", flush=True)
        app.start()
        root = ok(Api(app.base, BOOTSTRAP_TOKEN).post("/v1/bootstrap", {"accountName": "bench",
                                                                         "workspaceName": "bench"}), 201)
        api = Api(app.base, root["apiKey"]["spec"]["token"])
        ws_path = f"/v1/workspaces/{root['workspace']['metadata']['id']}"
        aid = setup(api, ws_path)
        for _ in range(args.warmup):
            run_one(api, ws_path, aid, openai)
        start, post = [], []
        for i in range(args.count):
            s, p = run_one(api, ws_path, aid, openai)
            start.append(s)
            post.append(p)
            print(f"  {i + 1:3d}/{args.count}: first model request after {ms(s)} (POST answered in {ms(p)})",
                  flush=True)
        table = report(start, post)
        print("\n" + table)
        if not args.no_write:
            write_section(table, args.count, args.warmup)
            print(f"\nwrote the \"{SECTION[3:]}\" section of {RESULTS_FILE.relative_to(ROOT)}")
    except BenchError as e:
        log = app.log_path.read_text(errors="replace") if app.log_path.exists() else ""
        tail = "\n".join(log.splitlines()[-30:])
        print(f"bench: error: {e}\nlast lines of the spin log:\n{tail}", file=sys.stderr)
        return 1
    finally:
        app.stop()
        openai.stop()
        anthropic.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
