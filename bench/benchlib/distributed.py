"""The distributed deployment (docs/deploy.md): GET and POST agent with one and with three
`spin up` instances over one libSQL server (sqld) and one Redis, on the runtime config
deploy/runtime-config.sh writes. Three instances are measured by three wrk processes at
once, one per instance, splitting the 16 connections; their req/s add up."""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import socket
import time
from pathlib import Path

from .app import AGENT_BODY, SpinServer, bootstrap, seed_agents, write_manifest
from .common import ROOT, BenchError, Measurement, Target, run
from .server import Server, free_port
from .wrk import check_target, run_wrk, write_lua

SEED = 200
LABELS = ["GET agent, sqld + Redis, 1 instance", "GET agent, sqld + Redis, 3 instances",
          "POST agent, sqld + Redis, 1 instance", "POST agent, sqld + Redis, 3 instances"]


class Unavailable(Exception):
    """sqld or redis-server is not installed; the rows are left out."""


def find(binary: str, hint: str) -> str:
    found = shutil.which(binary) or (str(Path.home() / ".local/bin" / binary)
                                     if (Path.home() / ".local/bin" / binary).exists() else None)
    if not found:
        raise Unavailable(f"{binary} not found ({hint})")
    return found


class PortServer(Server):
    """A server that is ready once its port accepts connections (Redis speaks no HTTP)."""

    def __init__(self, name: str, log_path: Path):
        super().__init__(log_path)
        self.name = name

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited:\n{self.log_tail()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise BenchError(f"{self.name} not listening after 30 s:\n{self.log_tail()}")


def measure_spread(wrk: str, ports: list[int], token: str, target: Target, duration: int,
                   tmp: Path) -> Measurement:
    """16 connections split over `ports`, one wrk each at the same time; req/s summed, the
    worst p50/p99 kept; then one keep-alive connection to the first instance."""
    check_target(ports[0], token, target)
    lua = write_lua(target, tmp)
    time.sleep(3)  # let sqld drain what the previous run left in flight
    print(f"measuring {target.label}…", flush=True)
    conns = [16 // len(ports) + (1 if i < 16 % len(ports) else 0) for i in range(len(ports))]
    # sqld's write queue can stall writers for seconds (docs/deploy.md, "Known limits"):
    # requests wrk gave up on are counted and shown with the row, not hidden.
    with concurrent.futures.ThreadPoolExecutor(len(ports)) as pool:
        runs = list(pool.map(lambda pc: run_wrk(wrk, pc[0], token, target, 1 if len(ports) > 1 else 2,
                                                pc[1], duration, lua, allow_timeouts=True),
                             zip(ports, conns)))
    time.sleep(3)
    one = run_wrk(wrk, ports[0], token, target, 1, 1, duration, lua, allow_timeouts=True)
    requests = sum(r.requests for r in runs) + one.requests
    timeouts = sum(r.timeouts for r in runs) + one.timeouts
    notes = [f"{timeouts} of {requests:,} requests timed out (> 2 s)"] if timeouts else []
    if one.requests == 0:
        notes.append(f"the one-connection run completed no request in {duration} s")
    note = "; ".join(notes)
    return Measurement(target.label, sum(r.rps for r in runs), max(r.p50_ms for r in runs),
                       max(r.p99_ms for r in runs), one.p50_ms, note)


def benchmark_distributed(spin: str, wrk: str, duration: int, tmp: Path) -> list[Measurement]:
    """sqld + Redis; one instance measured, then three."""
    sqld_bin = find("sqld", "bash ../shared/tools/install-sqld.sh")
    redis_bin = find("redis-server", "apt-get install -y redis-server")
    root = tmp / "distributed"
    root.mkdir()
    sqld, redis = PortServer("sqld", root / "sqld.log"), PortServer("redis", root / "redis.log")
    instances: list[SpinServer] = []
    manifest = write_manifest(False)
    try:
        sqld.port, redis.port = free_port(), free_port()
        sqld.spawn([sqld_bin, "--http-listen-addr", f"127.0.0.1:{sqld.port}", "--db-path",
                    str(root / "sqld-data")], dict(os.environ))
        redis.spawn([redis_bin, "--port", str(redis.port), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no"], dict(os.environ))
        redis_url = f"redis://127.0.0.1:{redis.port}/0"
        env = {**os.environ, "CADENYA_LIBSQL_URL": f"http://127.0.0.1:{sqld.port}",
               "CADENYA_REDIS_URL": redis_url}
        config = root / "runtime-config.toml"
        config.write_text(run(["bash", str(ROOT / "deploy" / "runtime-config.sh")], env=env).stdout)
        jwt = "bench-distributed-" + "x" * 24

        def instance(i: int) -> SpinServer:
            state = root / f"instance-{i}"
            state.mkdir()
            server = SpinServer(spin, manifest, state, root / f"spin-{i}.log", config,
                                {"redis_url": redis_url}, jwt)
            server.start()
            instances.append(server)
            return server

        print("starting one instance on sqld + Redis…", flush=True)
        first = instance(0)
        token, ws = bootstrap(first.port)
        agent = seed_agents(first.port, token, ws, SEED)
        agents = f"/v1/workspaces/{ws}/agents"
        get = lambda label: Target(label, "GET", f"{agents}/{agent}")  # noqa: E731
        post = lambda label: Target(label, "POST", agents, AGENT_BODY)  # noqa: E731
        results = [measure_spread(wrk, [first.port], token, get(LABELS[0]), duration, tmp),
                   measure_spread(wrk, [first.port], token, post(LABELS[2]), duration, tmp)]
        print("starting two more instances…", flush=True)
        instance(1)
        instance(2)
        ports = [s.port for s in instances]
        results += [measure_spread(wrk, ports, token, get(LABELS[1]), duration, tmp),
                    measure_spread(wrk, ports, token, post(LABELS[3]), duration, tmp)]
        return results
    finally:
        for server in instances:
            server.stop()
        redis.stop()
        sqld.stop()
        manifest.unlink(missing_ok=True)
