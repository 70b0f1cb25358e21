"""The peer: the LangGraph dev server in its own venv, served, seeded and measured."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .common import ROOT, SEED_AGENTS, BenchError, Target
from .rounds import Endpoint
from .server import Server, expect, free_port, seed

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


class PeerUnavailable(Exception):
    """The peer cannot be installed or served here; the message says why."""


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


def assistant_body(n: int) -> dict:
    """The peer's create-assistant request body for assistant number n."""
    return {**ASSISTANT_BODY, "name": f"assistant-{n}"}


def seed_assistants(port: int, count: int) -> str:
    """Creates `count` assistants on the peer; returns the first id."""
    return seed(port, "/assistants", None, count, assistant_body, 200,
                lambda assistant: assistant["assistant_id"])


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


@dataclass
class Peer:
    """The peer served and seeded with SEED_AGENTS assistants."""

    server: PeerServer
    version: str
    first: str

    def endpoints(self) -> tuple[Endpoint, Endpoint, Endpoint]:
        """Its GET assistant, search of 50 and POST assistant."""
        port = self.server.port
        return (Endpoint(port, None, Target(f"{PEER_NAME} GET assistant", "GET",
                                            f"/assistants/{self.first}")),
                Endpoint(port, None, Target(f"{PEER_NAME} search-50 @1k", "POST",
                                            "/assistants/search", {"limit": 50})),
                Endpoint(port, None, Target(f"{PEER_NAME} POST assistant", "POST", "/assistants",
                                            ASSISTANT_BODY)))


def start_peer(langgraph: Path, tmp: Path) -> Peer:
    """Serves the peer and seeds as many assistants as the app has agents.

    Raises PeerUnavailable, saying why, when it cannot be served or seeded.
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
        found = expect(server.port, "POST", "/assistants/search", 200, body={"limit": 50})
        if len(found) != 50:
            raise BenchError(f"peer search with limit 50 returned {len(found)} assistants")
    except BenchError as e:
        server.stop()
        raise PeerUnavailable(f"serving it failed: {e}\n{server.log_tail(10)}") from e
    except BaseException:
        server.stop()
        raise
    return Peer(server, version, first)
