#!/usr/bin/env python3
"""End-to-end HTTP benchmark of the Spin app and of its peer, measured with wrk.

Builds the components, serves them with one `spin up` (plus a hello-world baseline
component at /bench/hello), with the rate limiter on (a limit no run reaches, so its cost
is measured), seeds a workspace with agents, measures throughput at 16 connections and
latency at one keep-alive connection, grows the workspace to 100,000 agents directly in
SQLite and measures again. Then it serves the peer a user would otherwise pick, the
LangGraph dev server (`langgraph dev`, installed into bench/.peer-venv from
bench/peer/requirements.txt, serving the one-node graph in bench/peer/), seeds it with as
many assistants as the app has agents and measures its get/create/search the same way.
It prints a Markdown table of every endpoint and one of the targets (met or missed),
and writes both to bench/RESULTS.md.

Run from the repository root:
    python3 bench/run.py [--duration SECONDS] [--no-build] [--no-peer]
Needs: cargo with the wasm32-wasip2 target, wrk (apt-get install -y wrk), Spin; for the
peer, python3 with venv and pip, and PyPI.
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
import tomllib
from collections.abc import Callable
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
# The rate limiter stays on (its key-value read and write are part of every request's
# cost) with a limit no run reaches.
RATE_LIMIT = "100000000"
MAX_WASM_BYTES = 2_000_000  # "≤ 2 MB" per component, in SI megabytes

# The peer: the LangGraph dev server, in its own venv, serving bench/peer/.
PEER_DIR = ROOT / "bench" / "peer"
PEER_VENV = ROOT / "bench" / ".peer-venv"
PEER_REQUIREMENTS = PEER_DIR / "requirements.txt"
PEER_GRAPH = "echo"  # the graph id in bench/peer/langgraph.json
PEER_NAME = "LangGraph"
ASSISTANT_BODY = {
    "graph_id": PEER_GRAPH,
    "name": "assistant-bench",
    "description": "benchmark assistant",
    "metadata": {"bench": "yes"},
}


class BenchError(Exception):
    """A benchmark step failed; the message says which and why."""


class PeerUnavailable(Exception):
    """The peer cannot be installed or served here; the message says why."""


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


def component_sources() -> dict[str, Path]:
    """Each component of spin.toml and the wasm file it is served from."""
    manifest = tomllib.loads((ROOT / "spin.toml").read_text())
    sources = {}
    for name, component in manifest.get("component", {}).items():
        source = component.get("source")
        if not isinstance(source, str):
            raise BenchError(f"spin.toml: component {name} has no local source file: {source!r}")
        sources[name] = ROOT / source
    if not sources:
        raise BenchError("spin.toml declares no components")
    return sources


def check_built() -> None:
    """For --no-build: fails unless every component's wasm file exists."""
    missing = [str(path.relative_to(ROOT)) for path in component_sources().values() if not path.exists()]
    if missing:
        raise BenchError(f"--no-build, but these wasm files are missing (run `spin build`): "
                         f"{', '.join(missing)}")


def write_manifest(with_hello: bool) -> Path:
    """Writes spin.toml plus the hello component next to it (so relative sources resolve)."""
    hello = (
        "\n# Added by bench/run.py: the baseline every figure is compared with.\n"
        f"[[trigger.http]]\nroute = \"{HELLO_ROUTE}/...\"\ncomponent = \"hello\"\n\n"
        f"[component.hello]\nsource = \"{(WASM_DIR / 'hello.wasm').relative_to(ROOT)}\"\n"
        "sqlite_databases = [\"default\"]\n"
    )
    path = ROOT / BENCH_MANIFEST
    path.write_text((ROOT / "spin.toml").read_text() + (hello if with_hello else ""))
    return path


# ---------------------------------------------------------------- spin server


def free_port() -> int:
    """Returns a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process in its own process group; stop() kills the whole group."""

    name = "server"
    ready_path = "/"

    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.port = 0
        self.proc: subprocess.Popen | None = None

    def spawn(self, cmd: list[str], env: dict[str, str], cwd: Path = ROOT) -> None:
        """Starts cmd with output to the log, then waits until it is ready."""
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready()

    def wait_ready(self) -> None:
        """Polls GET ready_path until 200, failing if the process exits or the deadline passes."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status, _ = request(self.port, "GET", self.ready_path)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise BenchError(f"{self.name} not ready after {READY_TIMEOUT_S} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Stops the process group: SIGTERM, then SIGKILL if it lingers."""
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
        """The last lines the server wrote, for error messages."""
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


class SpinServer(Server):
    """The app: one `spin up` of the bench manifest."""

    name = "spin"
    ready_path = "/openapi.json"

    def __init__(self, spin: str, manifest: Path, state_dir: Path, log_path: Path):
        super().__init__(log_path)
        self.spin, self.manifest, self.state_dir = spin, manifest, state_dir
        self.jwt_secret = secrets.token_hex(20)  # one per server, so tokens survive restarts

    def start(self) -> None:
        """Starts spin on a fresh free port and waits until GET /openapi.json answers 200."""
        self.port = free_port()
        env = dict(
            os.environ,
            SPIN_VARIABLE_JWT_SECRET=self.jwt_secret,
            SPIN_VARIABLE_BOOTSTRAP_TOKEN=BOOTSTRAP_TOKEN,
            SPIN_VARIABLE_RATE_LIMIT_PER_SECOND=RATE_LIMIT,
            SPIN_VARIABLE_RATE_LIMIT_BURST=RATE_LIMIT,
        )
        self.spawn([self.spin, "up", "--from", str(self.manifest),
                    "--listen", f"127.0.0.1:{self.port}", "--state-dir", str(self.state_dir)], env)


class PeerServer(Server):
    """The peer: `langgraph dev` serving a copy of bench/peer/ (its state starts empty)."""

    name = "langgraph dev"
    ready_path = "/ok"

    def __init__(self, langgraph: Path, work_dir: Path, log_path: Path):
        super().__init__(log_path)
        self.langgraph, self.work_dir = langgraph, work_dir

    def start(self) -> None:
        """Copies the project, starts `langgraph dev` on a free port and waits for GET /ok."""
        # The in-memory runtime keeps its state in ./.langgraph_api; a fresh copy of the
        # project each run starts it empty and keeps bench/peer/ clean.
        shutil.copytree(PEER_DIR, self.work_dir, ignore=shutil.ignore_patterns(
            ".langgraph_api", "__pycache__", "requirements.txt"))
        self.port = free_port()
        env = dict(os.environ, LANGGRAPH_CLI_NO_ANALYTICS="1", LANGSMITH_TRACING="false")
        self.spawn([str(self.langgraph), "dev", "--no-browser", "--no-reload",
                    "--host", "127.0.0.1", "--port", str(self.port)], env, cwd=self.work_dir)


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


def assistant_body(n: int) -> dict:
    """The peer's create-assistant request body for assistant number n."""
    return {**ASSISTANT_BODY, "name": f"assistant-{n}"}


def seed(port: int, path: str, token: str | None, count: int, body_of: Callable[[int], dict],
         status: int, id_of: Callable[[dict], str]) -> str:
    """POSTs `count` bodies to path over several keep-alive connections; returns the first id."""
    lock = threading.Lock()
    numbers = iter(range(count))

    def worker() -> list[str]:
        """Creates records until the shared counter runs out; returns their ids."""
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        ids = []
        try:
            while True:
                with lock:
                    n = next(numbers, None)
                if n is None:
                    return ids
                got, data = request(port, "POST", path, token, body_of(n), conn)
                if got != status:
                    raise BenchError(f"POST {path}: expected {status}, got {got}: {data[:500]!r}")
                ids.append(id_of(json.loads(data)))
        finally:
            conn.close()

    with concurrent.futures.ThreadPoolExecutor(SEED_THREADS) as pool:
        results = [f.result() for f in [pool.submit(worker) for _ in range(SEED_THREADS)]]
    ids = sorted(i for r in results for i in r)
    if len(ids) != count:
        raise BenchError(f"POST {path}: created {len(ids)} records, expected {count}")
    return ids[0]


def seed_agents(port: int, token: str, ws: str, count: int) -> str:
    """Creates `count` agents; returns the first id."""
    return seed(port, f"/v1/workspaces/{ws}/agents", token, count, agent_body, 201,
                lambda agent: agent["metadata"]["id"])


def seed_assistants(port: int, count: int) -> str:
    """Creates `count` assistants on the peer; returns the first id."""
    return seed(port, "/assistants", None, count, assistant_body, 200,
                lambda assistant: assistant["assistant_id"])


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


# ---------------------------------------------------------------- the peer


def install_peer() -> Path:
    """Returns bench/.peer-venv/bin/langgraph, installing the pinned peer first if needed.

    Raises PeerUnavailable, saying why, when the venv cannot be created or filled.
    """
    langgraph = PEER_VENV / "bin" / "langgraph"
    marker = PEER_VENV / ".installed"
    wanted = PEER_REQUIREMENTS.read_text()
    if langgraph.exists() and marker.exists() and marker.read_text() == wanted:
        return langgraph
    print(f"installing the peer into {PEER_VENV.relative_to(ROOT)} "
          f"(pip install -r {PEER_REQUIREMENTS.relative_to(ROOT)})…", flush=True)
    marker.unlink(missing_ok=True)
    for cmd in ([sys.executable, "-m", "venv", str(PEER_VENV)],
                [str(PEER_VENV / "bin" / "python"), "-m", "pip", "install", "-q",
                 "-r", str(PEER_REQUIREMENTS)]):
        try:
            proc = subprocess.run(cmd, text=True, capture_output=True)
        except OSError as e:
            raise PeerUnavailable(f"`{' '.join(cmd)}` could not run: {e}") from e
        if proc.returncode != 0:
            output = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-10:])
            raise PeerUnavailable(f"`{' '.join(cmd)}` exited with {proc.returncode}:\n{output}")
    if not langgraph.exists():
        raise PeerUnavailable(f"pip installed the requirements but {langgraph} does not exist")
    marker.write_text(wanted)
    return langgraph


def benchmark_peer(wrk: str, langgraph: Path, duration: int,
                   tmp: Path) -> tuple[list[Measurement], str]:
    """Serves the peer, seeds as many assistants as the app has agents, measures it.

    Returns the measurements and the peer's version line for the report.
    """
    server = PeerServer(langgraph, tmp / "peer", tmp / "peer.log")
    try:
        print("starting the peer (langgraph dev)…", flush=True)
        server.start()
        info = expect(server.port, "GET", "/info", 200)
        version = (f"langgraph-api {info.get('version', '?')}, "
                   f"langgraph {info.get('langgraph_py_version', '?')}")
        print(f"seeding {SEED_AGENTS} assistants…", flush=True)
        first = seed_assistants(server.port, SEED_AGENTS)
        total = expect(server.port, "POST", "/assistants/count", 200, body={})
        if not isinstance(total, int) or total < SEED_AGENTS:
            raise BenchError(f"peer counts {total!r} assistants after seeding {SEED_AGENTS}")
        search = Target(f"{PEER_NAME} search-50 @1k", "POST", "/assistants/search", {"limit": 50})
        found = expect(server.port, search.method, search.path, 200, body=search.body)
        if len(found) != 50:
            raise BenchError(f"peer search with limit 50 returned {len(found)} assistants")
        # POST last, as for the app: it adds assistants, and the search must see 1,000.
        results = [measure(wrk, server.port, None, t, duration, tmp) for t in (
            Target(f"{PEER_NAME} GET assistant", "GET", f"/assistants/{first}"),
            search,
            Target(f"{PEER_NAME} POST assistant", "POST", "/assistants", ASSISTANT_BODY),
        )]
    except BenchError as e:
        raise PeerUnavailable(f"measuring it failed: {e}\n{server.log_tail(10)}") from e
    finally:
        server.stop()
    return results, version


# ---------------------------------------------------------------- report


@dataclass
class Check:
    """One target: what it asks, what was measured, and whether it is met (None: not measured)."""

    target: str
    measured: str
    met: bool | None


def table(results: list[Measurement]) -> str:
    """The results as a Markdown table; `vs hello` is req/s relative to the hello row."""
    hello = next((m.rps for m in results if m.label == "hello"), None)
    lines = [
        "| endpoint | req/s (16 conns) | p50 (16) | p99 (16) | p50 (1 keep-alive conn) | vs hello |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for m in results:
        vs_hello = f"{100 * m.rps / hello:.0f} %" if hello else "–"
        lines.append(f"| {m.label} | {m.rps:,.0f} | {m.p50_ms:.2f} ms | {m.p99_ms:.2f} ms | "
                     f"{m.p50_single_ms:.2f} ms | {vs_hello} |")
    return "\n".join(lines)


def ratio_check(by_label: dict[str, Measurement], ours: str, theirs: str, factor: float,
                target: str, missing: str) -> Check:
    """ours' req/s (16 conns) ≥ factor × theirs', or not measured (saying why) if either is absent."""
    if ours not in by_label or theirs not in by_label:
        return Check(target, f"not measured: {missing}", None)
    a, b = by_label[ours].rps, by_label[theirs].rps
    return Check(target, f"{a / b:.2f}× ({a:,.0f} vs {b:,.0f} req/s)", a >= factor * b)


def target_checks(by_label: dict[str, Measurement], peer_missing: str,
                  hello_missing: str) -> list[Check]:
    """The targets, each with its measured figure and met, missed or not measured."""
    peer = f"{PEER_NAME} GET assistant"
    get = by_label["GET agent"]
    small, big = by_label["list-50 @1k"], by_label["list-50 @100k"]
    checks = [
        ratio_check(by_label, "GET agent", peer, 1.5,
                    f"GET agent ≥ 1.5× {PEER_NAME} GET assistant (req/s, 16 conns)", peer_missing),
        ratio_check(by_label, "GET agent", "hello", 0.4,
                    "GET agent ≥ 40 % of hello-world (req/s, 16 conns)", hello_missing),
        ratio_check(by_label, "POST agent", f"{PEER_NAME} POST assistant", 1.0,
                    f"POST agent ≥ 1× {PEER_NAME} POST assistant (req/s, 16 conns)", peer_missing),
        ratio_check(by_label, "list-50 @1k", f"{PEER_NAME} search-50 @1k", 2.0,
                    f"list 50 agents ≥ 2× {PEER_NAME} search of 50 assistants, 1k each "
                    "(req/s, 16 conns)", peer_missing),
        Check("list 50 flat from 1k to 100k agents: p50 @100k ≤ 1.5× p50 @1k (16 conns)",
              f"{big.p50_ms / small.p50_ms:.2f}× ({big.p50_ms:.2f} vs {small.p50_ms:.2f} ms)",
              big.p50_ms <= 1.5 * small.p50_ms),
        Check("sequential keep-alive GET agent p50 ≤ 1 ms (1 conn)",
              f"{get.p50_single_ms:.2f} ms", get.p50_single_ms <= 1.0),
    ]
    for name, path in component_sources().items():
        if path.exists():
            size = path.stat().st_size
            checks.append(Check(f"{path.name} ≤ 2 MB ({MAX_WASM_BYTES:,} bytes)",
                                f"{size / 1e6:.2f} MB ({size:,} bytes)", size <= MAX_WASM_BYTES))
        else:
            checks.append(Check(f"{path.name} ≤ 2 MB ({MAX_WASM_BYTES:,} bytes)",
                                f"not measured: component {name}'s {path.relative_to(ROOT)} is missing",
                                None))
    return checks


def checks_table(checks: list[Check]) -> str:
    """The targets as a Markdown table."""
    lines = ["| target | measured | result |", "|---|---|---|"]
    for c in checks:
        result = "not measured" if c.met is None else "met" if c.met else "**missed**"
        lines.append(f"| {c.target} | {c.measured} | {result} |")
    met = sum(1 for c in checks if c.met)
    missed = sum(1 for c in checks if c.met is False)
    lines.append(f"\n{met} met, {missed} missed, {len(checks) - met - missed} not measured.")
    return "\n".join(lines)


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def write_results(spin: str, duration: int, peer: str, report: str) -> None:
    """Writes the report and the machine it ran on to bench/RESULTS.md.

    Sections of the file that other scripts write (`## …`, e.g. bench/objectives.py's) are kept.
    """
    old = RESULTS_FILE.read_text() if RESULTS_FILE.exists() else ""
    section = re.search(r"^## ", old, re.M)
    kept = "\n" + old[section.start():] if section else ""
    RESULTS_FILE.write_text(
        "# Benchmark results\n\n"
        "Generated by `python3 bench/run.py`; do not edit by hand.\n\n"
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}\n"
        f"- spin: {run([spin, '--version']).stdout.strip()}\n"
        f"- peer: {peer}\n"
        f"- rate limiter: on, `rate_limit_per_second` = `rate_limit_burst` = {RATE_LIMIT}\n"
        f"- nproc: {run(['nproc']).stdout.strip()}\n"
        f"- CPU: {cpu_model()}\n"
        f"- wrk: `-t2 -c16 -d{duration}s --latency` (req/s, p50, p99) and "
        f"`-t1 -c1 -d{duration}s --latency` (p50 at one keep-alive connection)\n\n"
        f"{report}\n{kept}"
    )


# ---------------------------------------------------------------- main


def benchmark(spin: str, wrk: str, duration: int, with_hello: bool, tmp: Path) -> list[Measurement]:
    """Serves the app, seeds it, measures at 1k agents, grows to 100k and measures again."""
    state = tmp / "state"
    state.mkdir()
    manifest = write_manifest(with_hello)
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
        hello = [Target("hello", "GET", HELLO_ROUTE),
                 Target("hello + 1 SQLite read", "GET", f"{HELLO_ROUTE}/sqlite")] if with_hello else []
        # POST last: it adds agents, and list-50 @1k must see the seeded 1,000.
        results = [measure(wrk, server.port, token, t, duration, tmp) for t in (
            *hello, get, list50, Target("POST agent", "POST", agents, AGENT_BODY),
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
    return results


ORDER = ["hello", "hello + 1 SQLite read", "GET agent", f"{PEER_NAME} GET assistant",
         "POST agent", f"{PEER_NAME} POST assistant", "list-50 @1k", f"{PEER_NAME} search-50 @1k",
         "list-50 @100k", "GET agent @100k", "POST agent @100k"]


def main() -> int:
    """Parses arguments, runs the benchmark, prints and saves the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run (default 8)")
    parser.add_argument("--no-build", action="store_true",
                        help="serve the wasm already in target/wasm32-wasip2/release (no spin build)")
    parser.add_argument("--no-peer", action="store_true",
                        help=f"skip the peer ({PEER_NAME} dev server); its targets are not measured")
    args = parser.parse_args()
    try:
        wrk = find_wrk()
        spin = find_spin()
        if args.no_build:
            check_built()
        else:
            build(spin)
        with_hello = (WASM_DIR / "hello.wasm").exists()
        hello_missing = ("hello.wasm is not built (run without --no-build, or "
                         "`cargo build --target wasm32-wasip2 --release -p hello`)")
        if not with_hello:
            print(f"bench: note: {hello_missing}; the hello rows are left out", flush=True)
        langgraph, peer_missing = None, ""
        if args.no_peer:
            peer_missing = "--no-peer"
        else:
            try:
                langgraph = install_peer()
            except PeerUnavailable as e:
                peer_missing = f"the peer could not be installed: {e}"
                print(f"bench: note: {peer_missing}\nbench: going on without the peer", flush=True)
        peer = f"not measured ({peer_missing})"
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            results = benchmark(spin, wrk, args.duration, with_hello, Path(tmp))
            if langgraph is not None:
                try:
                    peer_results, version = benchmark_peer(wrk, langgraph, args.duration, Path(tmp))
                    results += peer_results
                    peer = (f"{PEER_NAME} dev server, {version} (`langgraph dev --no-browser "
                            f"--no-reload`, in-memory runtime, graph in bench/peer/), "
                            f"{SEED_AGENTS:,} assistants seeded")
                except PeerUnavailable as e:
                    peer_missing = f"the peer could not be measured: {e}"
                    peer = f"not measured ({peer_missing.splitlines()[0]})"
                    print(f"bench: note: {peer_missing}\nbench: going on without the peer", flush=True)
        results.sort(key=lambda m: ORDER.index(m.label))
        checks = target_checks({m.label: m for m in results},
                               peer_missing.splitlines()[0] if peer_missing else "", hello_missing)
        report = table(results) + "\n\nTargets:\n\n" + checks_table(checks)
        print("\n" + report)
        write_results(spin, args.duration, peer, report)
    except BenchError as e:
        print(f"bench: error: {e}", file=sys.stderr)
        return 1
    print(f"\nwrote {RESULTS_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
