"""The app side: build, the bench manifest with the hello components, serve, seed, grow to 100k."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .common import ROOT, SEED_AGENTS, BenchError, Measurement, Target, run
from .rounds import Endpoint, measure_rounds
from .server import Server, expect, free_port, seed
from .wrk import measure

WASM_DIR = ROOT / "target" / "wasm32-wasip2" / "release"
BOOTSTRAP_TOKEN = "bench-bootstrap"
HELLO_ROUTE = "/bench/hello"
BENCH_MANIFEST = ".bench.spin.toml"
GROWN_AGENTS = 100_000
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
AGENT_BODY = {
    "metadata": {"name": "agent-bench", "labels": {"bench": "yes"}},
    "spec": {"description": "benchmark agent"},
}
# The rate limiter stays on (its key-value read and write are part of every request's
# cost) with a limit no run reaches.
RATE_LIMIT = "100000000"
# The same GET with every variable resolved by Spin's environment provider instead.
ENV_VARIABLES_LABEL = "GET agent @100k, variables from the environment"


# ---------------------------------------------------------------- tools and build


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


class SpinServer(Server):
    """The app: one `spin up` of the bench manifest."""

    name = "spin"
    ready_path = "/openapi.json"

    def __init__(self, spin: str, manifest: Path, state_dir: Path, log_path: Path,
                 runtime_config: Path = ROOT / "runtime-config.toml",
                 variables: dict[str, str] | None = None, jwt_secret: str | None = None):
        super().__init__(log_path)
        self.spin, self.manifest, self.state_dir = spin, manifest, state_dir
        self.runtime_config = runtime_config
        self.variables = variables or {}
        # one per server (or shared by a cluster's instances), so tokens survive restarts
        self.jwt_secret = jwt_secret or secrets.token_hex(20)
        # As docs/deploy.md recommends: every variable from a static provider in the
        # runtime config. False: from SPIN_VARIABLE_* (Spin's environment provider).
        self.static_variables = True

    def settings(self) -> dict[str, str]:
        """Every variable the API components read on each request, and the bench's others."""
        return {
            "jwt_secret": self.jwt_secret,
            "bootstrap_token": BOOTSTRAP_TOKEN,
            "rate_limit_per_second": RATE_LIMIT,
            "rate_limit_burst": RATE_LIMIT,
            "redis_url": "",
            **self.variables,
        }

    def start(self) -> None:
        """Starts spin on a fresh free port and waits until GET /openapi.json answers 200."""
        self.port = free_port()
        env = dict(os.environ)
        # by default the README's runtime config: the key-value store in memory
        config = self.runtime_config
        if self.static_variables:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            config = self.state_dir / "bench-runtime-config.toml"
            values = ", ".join(f"{k} = {json.dumps(v)}" for k, v in self.settings().items())
            config.write_text(f"{self.runtime_config.read_text()}\n"
                              f"[[variables_provider]]\ntype = \"static\"\nvalues = {{ {values} }}\n")
        else:
            env.update({f"SPIN_VARIABLE_{k.upper()}": v for k, v in self.settings().items()})
        self.spawn([self.spin, "up", "--from", str(self.manifest),
                    "--listen", f"127.0.0.1:{self.port}", "--state-dir", str(self.state_dir),
                    "--runtime-config-file", str(config)], env)



def bootstrap(port: int) -> tuple[str, str]:
    """Creates the account and workspace; returns (API token, workspace id)."""
    body = expect(port, "POST", "/v1/bootstrap", 201, token=BOOTSTRAP_TOKEN,
                  body={"accountName": "bench", "workspaceName": "bench"})
    return body["apiKey"]["spec"]["token"], body["workspace"]["metadata"]["id"]


def agent_body(n: int) -> dict:
    """The create-agent request body for agent number n."""
    return {**AGENT_BODY, "metadata": {**AGENT_BODY["metadata"], "name": f"agent-{n}"}}



def seed_agents(port: int, token: str, ws: str, count: int) -> str:
    """Creates `count` agents; returns the first id."""
    return seed(port, f"/v1/workspaces/{ws}/agents", token, count, agent_body, 201,
                lambda agent: agent["metadata"]["id"])



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


# ---------------------------------------------------------------- the benchmark


@dataclass
class App:
    """The app served by one `spin up`, seeded with SEED_AGENTS agents."""

    server: SpinServer
    manifest: Path
    state: Path
    token: str
    ws: str
    agent: str

    @property
    def agents(self) -> str:
        return f"/v1/workspaces/{self.ws}/agents"

    def endpoint(self, label: str, method: str, path: str, body: dict | None = None) -> Endpoint:
        return Endpoint(self.server.port, self.token, Target(label, method, path, body))

    def hello(self) -> list[Endpoint]:
        """The hello-world baselines, served by the same `spin up`."""
        return [Endpoint(self.server.port, None, Target("hello", "GET", HELLO_ROUTE)),
                Endpoint(self.server.port, None,
                         Target("hello + 1 SQLite read", "GET", f"{HELLO_ROUTE}/sqlite"))]

    def get(self, label: str = "GET agent") -> Endpoint:
        return self.endpoint(label, "GET", f"{self.agents}/{self.agent}")

    def list50(self, label: str = "list-50 @1k") -> Endpoint:
        return self.endpoint(label, "GET", f"{self.agents}?limit=50")

    def post(self, label: str = "POST agent") -> Endpoint:
        return self.endpoint(label, "POST", self.agents, AGENT_BODY)

    def stop(self) -> None:
        self.server.stop()
        self.manifest.unlink(missing_ok=True)


def start_app(spin: str, with_hello: bool, tmp: Path) -> App:
    """Serves the app (and the hello components) and seeds SEED_AGENTS agents."""
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
    except BaseException:
        server.stop()
        manifest.unlink(missing_ok=True)
        raise
    return App(server, manifest, state, token, ws, agent)


def grow_and_measure(app: App, wrk: str, duration: int, tmp: Path) -> list[Measurement]:
    """Grows the workspace to GROWN_AGENTS agents and measures again, GET in rounds against
    a second `spin up` of the same state that takes its variables from Spin's environment.
    Stops the app."""
    env_server = SpinServer(app.server.spin, app.manifest, app.state, tmp / "spin-env.log",
                            jwt_secret=app.server.jwt_secret)
    env_server.static_variables = False
    try:
        app.server.stop()
        added = grow_agents(app.state / "sqlite_db.db", app.ws, GROWN_AGENTS)
        print(f"inserted {added} agents directly in SQLite; restarting spin, and a second "
              "spin with the variables in its environment…", flush=True)
        app.server.start()
        env_server.start()
        env_get = Endpoint(env_server.port, app.token,
                           Target(ENV_VARIABLES_LABEL, "GET", app.get().target.path))
        results = measure_rounds(wrk, [app.get("GET agent @100k"), env_get], duration, tmp)
        env_server.stop()
        results += [measure(wrk, e.port, e.token, e.target, duration, tmp)
                    for e in (app.list50("list-50 @100k"), app.post("POST agent @100k"))]
    finally:
        env_server.stop()
        app.stop()
    return results
