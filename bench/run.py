#!/usr/bin/env python3
"""End-to-end HTTP benchmark of the Spin app, measured with wrk.

Builds the components, serves them with one `spin up` (plus a hello-world baseline
component at /bench/hello), seeds a workspace with agents, measures throughput at 16
connections and latency at one keep-alive connection, grows the workspace to 100,000
agents directly in SQLite, measures again, prints a Markdown table and writes it to
bench/RESULTS.md.

Run from the repository root:  python3 bench/run.py [--duration SECONDS]
Needs: cargo with the wasm32-wasip2 target, wrk (apt-get install -y wrk), Spin.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WASM_DIR = ROOT / "target" / "wasm32-wasip2" / "release"
RESULTS_FILE = ROOT / "bench" / "RESULTS.md"
BOOTSTRAP_TOKEN = "bench-bootstrap"
HELLO_ROUTE = "/bench/hello"
BENCH_MANIFEST = ".bench.spin.toml"
SEED_AGENTS = 1_000
GROWN_AGENTS = 100_000
SEED_THREADS = 8
READY_TIMEOUT_S = 180
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
AGENT_BODY = {
    "metadata": {"name": "agent-bench", "labels": {"bench": "yes"}},
    "spec": {"description": "benchmark agent"},
}


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


# ---------------------------------------------------------------- tools and build


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Runs a command, raising BenchError with its output if it fails."""
    proc = subprocess.run(cmd, text=True, capture_output=True, **kwargs)
    if proc.returncode != 0:
        raise BenchError(
            f"`{' '.join(cmd)}` exited with {proc.returncode}:\n{proc.stdout}{proc.stderr}"
        )
    return proc


def find_wrk() -> str:
    """Returns the wrk binary, or fails with how to install it."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError("wrk not found; install it with: apt-get install -y wrk")
    return wrk


def find_spin() -> str:
    """Returns the spin binary: on PATH, in ~/.local/bin, or installed from ../shared/tools."""
    on_path = shutil.which("spin")
    if on_path:
        return on_path
    local = Path.home() / ".local" / "bin" / "spin"
    if os.access(local, os.X_OK):
        return str(local)
    installer = ROOT.parent / "shared" / "tools" / "install-spin.sh"
    if not installer.exists():
        raise BenchError(f"spin not found on PATH, in {local}, nor an installer at {installer}")
    lines = run(["bash", str(installer)]).stdout.strip().splitlines()
    if not lines:
        raise BenchError(f"{installer} printed no path")
    return lines[-1].strip()


def build(spin: str) -> None:
    """Builds the app the way users do (`spin build`), plus the hello component."""
    print("building wasm components (spin build, release)…", flush=True)
    for cmd in ([spin, "build"], ["cargo", "build", "--target", "wasm32-wasip2", "--release", "-p", "hello"]):
        proc = subprocess.run(cmd, cwd=ROOT)
        if proc.returncode != 0:
            raise BenchError(f"{' '.join(cmd)} failed with exit code {proc.returncode}")


def write_manifest() -> Path:
    """Writes spin.toml plus the hello component next to it (so relative sources resolve)."""
    hello = (
        "\n# Added by bench/run.py: the baseline every figure is compared with.\n"
        f"[[trigger.http]]\nroute = \"{HELLO_ROUTE}/...\"\ncomponent = \"hello\"\n\n"
        f"[component.hello]\nsource = \"{(WASM_DIR / 'hello.wasm').relative_to(ROOT)}\"\n"
        "sqlite_databases = [\"default\"]\n"
    )
    path = ROOT / BENCH_MANIFEST
    path.write_text((ROOT / "spin.toml").read_text() + hello)
    return path


# ---------------------------------------------------------------- spin server


def free_port() -> int:
    """Returns a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SpinServer:
    """One `spin up` process in its own process group; stop() kills the whole group."""

    def __init__(self, spin: str, manifest: Path, state_dir: Path, log_path: Path):
        self.spin, self.manifest, self.state_dir, self.log_path = spin, manifest, state_dir, log_path
        self.jwt_secret = secrets.token_hex(20)  # one per server, so tokens survive restarts
        self.port = 0
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        """Starts spin on a fresh free port and waits until GET /openapi.json answers 200."""
        self.port = free_port()
        env = dict(
            os.environ,
            SPIN_VARIABLE_JWT_SECRET=self.jwt_secret,
            SPIN_VARIABLE_BOOTSTRAP_TOKEN=BOOTSTRAP_TOKEN,
            SPIN_VARIABLE_RATE_LIMIT_PER_SECOND="0",
        )
        cmd = [self.spin, "up", "--from", str(self.manifest),
               "--listen", f"127.0.0.1:{self.port}", "--state-dir", str(self.state_dir)]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        self.wait_ready()

    def wait_ready(self) -> None:
        """Polls /openapi.json until 200, failing if spin exits or the deadline passes."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"spin exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status, _ = request(self.port, "GET", "/openapi.json")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise BenchError(f"spin not ready after {READY_TIMEOUT_S} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Stops spin's process group: SIGTERM, then SIGKILL if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue

    def log_tail(self, lines: int = 30) -> str:
        """The last lines spin wrote, for error messages."""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


# ---------------------------------------------------------------- API calls


def request(port: int, method: str, path: str, token: str | None = None,
            body: dict | None = None, conn: http.client.HTTPConnection | None = None):
    """Sends one request (on `conn` if given, else a new connection); returns (status, bytes)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        if own:
            conn.close()


def expect(port: int, method: str, path: str, status: int, **kwargs) -> dict:
    """Sends a request and returns its JSON body, failing unless the status matches."""
    got, data = request(port, method, path, **kwargs)
    if got != status:
        raise BenchError(f"{method} {path}: expected {status}, got {got}: {data[:500]!r}")
    return json.loads(data) if data else {}


def bootstrap(port: int) -> tuple[str, str]:
    """Creates the account and workspace; returns (API token, workspace id)."""
    body = expect(port, "POST", "/v1/bootstrap", 201, token=BOOTSTRAP_TOKEN,
                  body={"accountName": "bench", "workspaceName": "bench"})
    return body["apiKey"]["spec"]["token"], body["workspace"]["metadata"]["id"]


def agent_body(n: int) -> dict:
    """The create-agent request body for agent number n."""
    return {**AGENT_BODY, "metadata": {**AGENT_BODY["metadata"], "name": f"agent-{n}"}}


def seed_agents(port: int, token: str, ws: str, count: int) -> str:
    """Creates `count` agents over several keep-alive connections; returns the first id."""
    path = f"/v1/workspaces/{ws}/agents"
    lock = threading.Lock()
    numbers = iter(range(count))

    def worker() -> list[str]:
        """Creates agents until the shared counter runs out; returns their ids."""
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        ids = []
        try:
            while True:
                with lock:
                    n = next(numbers, None)
                if n is None:
                    return ids
                status, data = request(port, "POST", path, token, agent_body(n), conn)
                if status != 201:
                    raise BenchError(f"POST {path}: expected 201, got {status}: {data[:500]!r}")
                ids.append(json.loads(data)["metadata"]["id"])
        finally:
            conn.close()

    with concurrent.futures.ThreadPoolExecutor(SEED_THREADS) as pool:
        results = [f.result() for f in [pool.submit(worker) for _ in range(SEED_THREADS)]]
    ids = sorted(i for r in results for i in r)
    if len(ids) != count:
        raise BenchError(f"seeded {len(ids)} agents, expected {count}")
    return ids[0]


# ---------------------------------------------------------------- wrk


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


def run_wrk(wrk: str, port: int, token: str, target: Target, threads: int, conns: int,
            duration: int, lua: Path | None) -> tuple[float, float, float]:
    """Runs wrk once against target; returns (req/s, p50 ms, p99 ms)."""
    cmd = [wrk, f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--latency",
           "-H", f"Authorization: Bearer {token}"]
    if lua:
        cmd += ["-s", str(lua)]
    cmd.append(f"http://127.0.0.1:{port}{target.path}")
    return parse_wrk(run(cmd).stdout, f"{target.label} (-c{conns})")


def measure(wrk: str, port: int, token: str, target: Target, duration: int,
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


# ---------------------------------------------------------------- growing the data set


def ulids(count: int) -> list[str]:
    """`count` valid, strictly increasing ULIDs (monotonic: one timestamp, random + i)."""
    ms = time.time_ns() // 1_000_000
    start = secrets.randbits(79)  # top bit clear, so adding `count` never carries into ms
    out = []
    for i in range(count):
        value = (ms << 80) | (start + i)
        out.append("".join(CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5)))
    return out


def grow_agents(db_path: Path, ws: str, total: int) -> int:
    """Copies an agent row until the workspace holds `total` agents; returns rows added.

    Runs with spin stopped. The counters triggers count the new rows; the function checks
    that counters.n matches COUNT(*) afterwards.
    """
    with contextlib.closing(sqlite3.connect(db_path)) as db, db:
        cur = db.execute("SELECT * FROM agents WHERE workspace_id = ? LIMIT 1", (ws,))
        columns = [d[0] for d in cur.description]
        template = cur.fetchone()
        if template is None:
            raise BenchError(f"no agent rows to copy in {db_path}")
        have = db.execute("SELECT COUNT(*) FROM agents WHERE workspace_id = ?", (ws,)).fetchone()[0]
        extra = total - have
        if extra < 0:
            raise BenchError(f"workspace already holds {have} agents, more than {total}")
        ms = time.time_ns() // 1_000_000
        rows = []
        for n, ulid in enumerate(ulids(extra), start=have):
            row = dict(zip(columns, template))
            row.update(id=f"agent_{ulid}", name=f"agent-{n}", external_id=None,
                       created_at=ms, updated_at=ms)
            rows.append(tuple(row[c] for c in columns))
        placeholders = ", ".join("?" for _ in columns)
        db.executemany(f"INSERT INTO agents ({', '.join(columns)}) VALUES ({placeholders})", rows)
        count = db.execute("SELECT COUNT(*) FROM agents WHERE workspace_id = ?", (ws,)).fetchone()[0]
        counted = db.execute(
            "SELECT n FROM counters WHERE scope = ? AND kind = 'agents'", (ws,)
        ).fetchone()
    if count != total or counted is None or counted[0] != count:
        raise BenchError(f"after growing: {count} agent rows, counters.n = {counted}, want {total}")
    return extra


# ---------------------------------------------------------------- report


def table(results: list[Measurement]) -> str:
    """The results as a Markdown table; `vs hello` is req/s relative to the first row."""
    hello = results[0].rps
    lines = [
        "| endpoint | req/s (16 conns) | p50 (16) | p99 (16) | p50 (1 keep-alive conn) | vs hello |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for m in results:
        lines.append(f"| {m.label} | {m.rps:,.0f} | {m.p50_ms:.2f} ms | {m.p99_ms:.2f} ms | "
                     f"{m.p50_single_ms:.2f} ms | {100 * m.rps / hello:.0f} % |")
    return "\n".join(lines)


def target_checks(by_label: dict[str, Measurement]) -> list[str]:
    """The three performance targets, each marked PASS or FAIL with its numbers."""
    hello, get = by_label["hello"], by_label["GET agent"]
    small, big = by_label["list-50 @1k"], by_label["list-50 @100k"]
    checks = [
        (get.rps >= 0.4 * hello.rps,
         f"GET agent req/s ≥ 40 % of hello: {get.rps:,.0f} vs {hello.rps:,.0f} "
         f"({100 * get.rps / hello.rps:.0f} %)"),
        (get.p50_single_ms <= 2.0,
         f"sequential keep-alive GET agent p50 ≤ 2 ms: {get.p50_single_ms:.2f} ms"),
        (big.p50_ms <= 1.5 * small.p50_ms,
         f"list-50 @100k p50 (16 conns) within 1.5× of @1k: {big.p50_ms:.2f} ms vs "
         f"{small.p50_ms:.2f} ms ({big.p50_ms / small.p50_ms:.2f}×)"),
    ]
    return [f"- {'PASS' if ok else 'FAIL'}: {text}" for ok, text in checks]


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def write_results(spin: str, duration: int, report: str) -> None:
    """Writes the report and the machine it ran on to bench/RESULTS.md."""
    RESULTS_FILE.write_text(
        "# Benchmark results\n\n"
        "Generated by `python3 bench/run.py`; do not edit by hand.\n\n"
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}\n"
        f"- spin: {run([spin, '--version']).stdout.strip()}\n"
        f"- nproc: {run(['nproc']).stdout.strip()}\n"
        f"- CPU: {cpu_model()}\n"
        f"- wrk: `-t2 -c16 -d{duration}s --latency` (req/s, p50, p99) and "
        f"`-t1 -c1 -d{duration}s --latency` (p50 at one keep-alive connection)\n\n"
        f"{report}\n"
    )


# ---------------------------------------------------------------- main


def benchmark(spin: str, wrk: str, duration: int, tmp: Path) -> list[Measurement]:
    """Serves the app, seeds it, measures at 1k agents, grows to 100k and measures again."""
    state = tmp / "state"
    state.mkdir()
    manifest = write_manifest()
    server = SpinServer(spin, manifest, state, tmp / "spin.log")
    try:
        print("starting spin (first start compiles the wasm)…", flush=True)
        server.start()
        token, ws = bootstrap(server.port)
        print(f"seeding {SEED_AGENTS} agents…", flush=True)
        agent = seed_agents(server.port, token, ws, SEED_AGENTS)
        agents = f"/v1/workspaces/{ws}/agents"
        get = Target("GET agent", "GET", f"{agents}/{agent}")
        list50 = Target("list-50 @1k", "GET", f"{agents}?limit=50")
        # POST last: it adds agents, and list-50 @1k must see the seeded 1,000.
        results = [measure(wrk, server.port, token, t, duration, tmp) for t in (
            Target("hello", "GET", HELLO_ROUTE), Target("hello + 1 SQLite read", "GET", f"{HELLO_ROUTE}/sqlite"),
            get, list50,
            Target("POST agent", "POST", agents, AGENT_BODY),
        )]
        server.stop()
        added = grow_agents(state / "sqlite_db.db", ws, GROWN_AGENTS)
        print(f"inserted {added} agents directly in SQLite; restarting spin…", flush=True)
        server.start()
        for target in (Target("list-50 @100k", "GET", list50.path),
                       Target("GET agent @100k", "GET", get.path),
                       Target("POST agent @100k", "POST", agents, AGENT_BODY)):
            results.append(measure(wrk, server.port, token, target, duration, tmp))
    finally:
        server.stop()
        manifest.unlink(missing_ok=True)
    order = ["hello", "hello + 1 SQLite read", "GET agent", "POST agent", "list-50 @1k",
             "list-50 @100k", "GET agent @100k", "POST agent @100k"]
    return sorted(results, key=lambda m: order.index(m.label))


def main() -> int:
    """Parses arguments, runs the benchmark, prints and saves the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run (default 8)")
    args = parser.parse_args()
    try:
        wrk = find_wrk()
        spin = find_spin()
        build(spin)
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            results = benchmark(spin, wrk, args.duration, Path(tmp))
        report = table(results) + "\n\nTargets:\n\n" + "\n".join(
            target_checks({m.label: m for m in results}))
        print("\n" + report)
        write_results(spin, args.duration, report)
    except BenchError as e:
        print(f"bench: error: {e}", file=sys.stderr)
        return 1
    print(f"\nwrote {RESULTS_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
