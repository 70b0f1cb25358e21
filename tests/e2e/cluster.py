"""The distributed deployment under test: one sqld (libSQL server), one Redis, several
`spin up` instances of the same app on the runtime config `deploy/runtime-config.sh`
writes, and a round-robin proxy in front of them that sends each request to the next
instance in turn (so every test, unchanged, exercises cross-instance behaviour)."""

from __future__ import annotations

import http.client
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from agentloop import OwnWorkspace
from client import Api, expect
from spinapp import ROOT, SHARED_TOOLS, SpinApp, build_once, free_port


def sqld_binary() -> str:
    """sqld on PATH, in ~/.local/bin, or installed from ../shared/tools."""
    found = shutil.which("sqld")
    if found:
        return found
    local = Path.home() / ".local" / "bin" / "sqld"
    if local.exists():
        return str(local)
    out = subprocess.run(["bash", str(SHARED_TOOLS / "install-sqld.sh")], check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


class Daemon:
    """A server process on a free loopback port, its output in a log, ready once the port accepts."""

    name = "daemon"

    def __init__(self, root: Path):
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = root / f"{self.name}.log"

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self):
        log = open(self.log, "ab")
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


class Sqld(Daemon):
    """A libSQL server with a throwaway database directory."""

    name = "sqld"

    def __init__(self, root: Path):
        super().__init__(root)
        self.dir = root / "sqld"
        self.url = f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [sqld_binary(), "--http-listen-addr", f"127.0.0.1:{self.port}", "--db-path", str(self.dir)]

    def restart(self) -> None:
        """The same server again: same port, same database directory."""
        self.stop()
        self.start()


class Redis(Daemon):
    """A Redis server, nothing persisted."""

    name = "redis"

    def __init__(self, root: Path):
        super().__init__(root)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server is required (apt-get install -y redis-server)")
        return [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]


HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
               "proxy-authorization", "proxy-authenticate"}


class RoundRobinProxy:
    """Forwards each request to the next backend in turn; streams responses through (SSE)."""

    def __init__(self, backends: list[str]):
        self.backends = backends
        self._next = itertools.cycle(range(len(backends)))
        self._lock = threading.Lock()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _forward(self):
                target = proxy.pick()
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                conn = http.client.HTTPConnection("127.0.0.1", int(target.rsplit(":", 1)[1]), timeout=330)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                except OSError as e:
                    self.send_error(502, f"backend {target}: {e}")
                    return
                chunked = resp.getheader("content-length") is None
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in HOP_HEADERS:
                        self.send_header(k, v)
                if chunked:
                    self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                try:
                    while True:
                        data = resp.read1(65536) if chunked else resp.read()
                        if not data:
                            break
                        if chunked:
                            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                            self.wfile.flush()
                        else:
                            self.wfile.write(data)
                            break
                    if chunked:
                        self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    conn.close()

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_OPTIONS = do_HEAD = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def pick(self) -> str:
        with self._lock:
            return self.backends[next(self._next) % len(self.backends)]

    def remove(self, backend: str) -> None:
        """Stops sending requests to `backend` (an instance that was killed)."""
        with self._lock:
            self.backends = [b for b in self.backends if b != backend]

    def start(self) -> "RoundRobinProxy":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Cluster:
    """sqld + Redis + `size` instances of the app, and a round-robin proxy at `base`."""

    def __init__(self, size: int = 3, variables: dict[str, str] | None = None):
        self.root = Path(tempfile.mkdtemp(prefix="cadenya-cluster-"))
        self.sqld = Sqld(self.root)
        self.redis = Redis(self.root)
        self.variables = dict(variables or {})
        self.size = size
        self.instances: list[SpinApp] = []
        self.proxy: RoundRobinProxy | None = None
        self.runtime_config = self.root / "runtime-config.distributed.toml"

    @property
    def base(self) -> str:
        assert self.proxy, "cluster not started"
        return self.proxy.base

    def start(self) -> "Cluster":
        self.sqld.start()
        self.redis.start()
        env = dict(os.environ, CADENYA_LIBSQL_URL=self.sqld.url, CADENYA_REDIS_URL=self.redis.url)
        out = subprocess.run(["bash", str(ROOT / "deploy" / "runtime-config.sh")], check=True,
                             capture_output=True, text=True, env=env)
        self.runtime_config.write_text(out.stdout)
        variables = {**self.variables, "redis_url": self.redis.url}
        self.instances = [SpinApp(variables=variables, state_dir=self.root / f"instance-{i}",
                                  runtime_config=self.runtime_config) for i in range(self.size)]
        # all at once, on a fresh database: their schedulers race to migrate it, as a real
        # rollout's instances would (the migration is one BEGIN IMMEDIATE transaction)
        build_once()  # before the threads: one build, not three
        failures: list[BaseException] = []

        def start(app: SpinApp) -> None:
            try:
                app.start()
            except BaseException as e:  # reported below, after every start has ended
                failures.append(e)

        threads = [threading.Thread(target=start, args=(app,)) for app in self.instances]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if failures:
            self.stop()
            raise failures[0]
        self.proxy = RoundRobinProxy([app.base for app in self.instances]).start()
        return self

    def kill(self, i: int) -> None:
        """`kill -9` instance `i`; the proxy stops sending it requests."""
        app = self.instances[i]
        if self.proxy:
            self.proxy.remove(app.base)
        app.kill()

    def component_logs(self) -> str:
        return "\n".join(app.component_logs() for app in self.instances)

    def instances_connected_to(self, port: int) -> list[int]:
        """Indexes of the live instances one of whose processes (spin and its trigger children, one
        process group) holds an open TCP connection to local `port`. Which instance's scheduler runs
        an objective's step is not up to a test; this asks the kernel."""
        inodes = _client_sockets_to(port)
        found = []
        for i, app in enumerate(self.instances):
            if app.proc is None or app.proc.poll() is not None:
                continue
            if any(_socket_inodes(pid) & inodes for pid in _group_members(app.proc.pid)):
                found.append(i)
        return found

    def stop(self) -> None:
        if self.proxy:
            self.proxy.stop()
        for app in self.instances:
            app.stop()
        self.redis.stop()
        self.sqld.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.base + path, **kwargs)

    def query_sql(self, sql: str, params: tuple = ()) -> list[list]:
        """One statement on the libSQL server; its rows, each value as Python sees it."""
        def value(v: dict):
            t = v.get("type")
            if t == "null":
                return None
            if t == "integer":
                return int(v["value"])
            return v.get("value")
        return [[value(v) for v in row] for row in self._pipeline(sql, params)["rows"]]

    def execute_sql(self, sql: str, params: tuple) -> None:
        self._pipeline(sql, params)

    def _pipeline(self, sql: str, params: tuple) -> dict:
        """One statement on the libSQL server (its HTTP API: Hrana over HTTP, v2 pipeline)."""
        def arg(v):
            if v is None:
                return {"type": "null"}
            if isinstance(v, bool):
                return {"type": "integer", "value": str(int(v))}
            if isinstance(v, int):
                return {"type": "integer", "value": str(v)}
            if isinstance(v, float):
                return {"type": "float", "value": v}
            return {"type": "text", "value": str(v)}
        body = {"requests": [{"type": "execute", "stmt": {"sql": sql, "args": [arg(p) for p in params]}},
                             {"type": "close"}]}
        r = requests.post(self.sqld.url + "/v2/pipeline", json=body, timeout=10)
        r.raise_for_status()
        result = r.json()["results"][0]
        if result.get("type") != "ok":
            raise RuntimeError(f"sqld refused {sql!r}: {result}")
        return result["response"]["result"]


def _client_sockets_to(port: int) -> set[str]:
    """Inodes of established TCP sockets whose remote end is `port` (from /proc/net/tcp{,6})."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if cols[3] == "01" and int(cols[2].rsplit(":", 1)[1], 16) == port:  # 01 = ESTABLISHED
                found.add(cols[9])
    return found


def _group_members(pgid: int) -> list[int]:
    """Pids in process group `pgid` (field 5 of /proc/<pid>/stat, after the parenthesised name)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[2]) == pgid:
            members.append(int(entry.name))
    return members


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def on(ws: OwnWorkspace, cluster: Cluster, i: int) -> OwnWorkspace:
    """The same workspace and token, talking to instance `i` only."""
    return OwnWorkspace(ws.id, ws.path, ws.token, Api(cluster.instances[i].base, ws.token))


def new_key(ws: OwnWorkspace, scopes: list[str], name: str) -> dict:
    return expect(ws.api.post(f"{ws.path}/api_keys", {"metadata": {"name": name}, "spec": {"scopes": scopes}}), 201)
