"""Server processes in their own process group, and the HTTP calls made to them."""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .common import READY_TIMEOUT_S, ROOT, SEED_THREADS, BenchError

SETTLE_TIMEOUT_S = 30


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
        # As deployed: a developer's RUST_BACKTRACE=1 makes Spin's host capture
        # backtraces as it serves, a cost no production server pays.
        env = {k: v for k, v in env.items() if k not in ("RUST_BACKTRACE", "RUST_LIB_BACKTRACE")}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready()
        self.settle()

    def cpu_seconds(self) -> float:
        """CPU time used so far by every process of the server's process group."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    # fields after the command name, which may hold spaces: state is [0]
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.proc.pid:  # process group
                total += int(fields[11]) + int(fields[12])  # utime + stime
        return total / tick

    def settle(self) -> None:
        """Waits until the server is idle (under 5 % of a core for half a second, at most
        SETTLE_TIMEOUT_S). After a build, Spin keeps working for a few seconds after it
        first answers (up to 0.9 s of CPU measured; its profile is an LZ-style match
        finder, as when wasmtime compresses its compiled-module cache); a run started
        then would measure that too."""
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = self.cpu_seconds()
            if now - before < 0.025:
                return
            before = now

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
