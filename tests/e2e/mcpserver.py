"""Start and stop the test MCP server (servers/mcp_server.py), and read its tools over the wire."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from spinapp import free_port

SCRIPT = Path(__file__).resolve().parent / "servers" / "mcp_server.py"
# The handshake revision a client offers; the server answers with the one it picked.
PROTOCOL_VERSION = "2025-06-18"


class McpServer:
    """One MCP server process on a free loopback port."""

    def __init__(self, token: str | None = None, json_response: bool = False, stateless: bool = False,
                 tools: list[str] | None = None):
        self.token = token
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/mcp"
        self.args = [sys.executable, str(SCRIPT), "--port", str(self.port)]
        if token is not None:
            self.args += ["--token", token]
        if json_response:
            self.args.append("--json-response")
        if stateless:
            self.args.append("--stateless")
        if tools is not None:
            self.args += ["--tools", ",".join(tools)]
        self.log = tempfile.NamedTemporaryFile(prefix="mcp-server-", suffix=".log", delete=False)
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> "McpServer":
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"MCP server exited early:\n{self.logs()}")
            try:
                if requests.get(self.base + "/admin/health", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        logs = self.logs()
        self.stop()
        raise RuntimeError(f"MCP server did not become ready:\n{logs}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def logs(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def offer(self, names: list[str]) -> None:
        """From now on tools/list answers exactly these tools."""
        resp = requests.post(self.base + "/admin/tools", json={"enabled": names}, timeout=5)
        assert resp.status_code == 200, resp.text

    def requests_seen(self) -> dict:
        return requests.get(self.base + "/admin/requests", timeout=5).json()

    def tools(self) -> dict[str, dict]:
        """The server's tools/list result by name, exactly as on the wire."""
        return {t["name"]: t for t in list_tools(self.url, self.token)}


def _message(resp: requests.Response, want_id: int) -> dict:
    """The JSON-RPC response with `want_id` from a JSON or an SSE answer."""
    ctype = resp.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        return resp.json()
    assert ctype.startswith("text/event-stream"), ctype
    for event in resp.text.replace("\r\n", "\n").split("\n\n"):
        data = "\n".join(line[5:].lstrip() for line in event.split("\n") if line.startswith("data:"))
        if data:
            msg = json.loads(data)
            if msg.get("id") == want_id:
                return msg
    raise AssertionError(f"no response with id {want_id} in {resp.text!r}")


def list_tools(url: str, token: str | None = None) -> list[dict]:
    """initialize -> notifications/initialized -> tools/list (all pages), by hand."""
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    s = requests.Session()
    init = s.post(url, headers=headers, timeout=10, json={
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": PROTOCOL_VERSION, "capabilities": {},
                   "clientInfo": {"name": "e2e", "version": "1.0"}}})
    assert init.status_code == 200, init.text
    result = _message(init, 1)["result"]
    headers["MCP-Protocol-Version"] = result["protocolVersion"]
    if init.headers.get("mcp-session-id"):
        headers["Mcp-Session-Id"] = init.headers["mcp-session-id"]
    note = s.post(url, headers=headers, timeout=10,
                  json={"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert note.status_code == 202, note.text
    tools, cursor, next_id = [], None, 2
    while True:
        params = {"cursor": cursor} if cursor else {}
        resp = s.post(url, headers=headers, timeout=10,
                      json={"jsonrpc": "2.0", "id": next_id, "method": "tools/list", "params": params})
        assert resp.status_code == 200, resp.text
        page = _message(resp, next_id)["result"]
        tools += page["tools"]
        cursor = page.get("nextCursor")
        next_id += 1
        if not cursor:
            break
    if "Mcp-Session-Id" in headers:
        s.delete(url, headers=headers, timeout=10)
    return tools
