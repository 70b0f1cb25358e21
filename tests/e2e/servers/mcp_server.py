"""A small MCP server (official `mcp` SDK, streamable HTTP) for the tool set sync tests.

    python mcp_server.py --port 8123 [--token SECRET] [--json-response] [--stateless] [--tools a,b]

Serves MCP at `/mcp`. With `--token`, every MCP request must carry exactly
`Authorization: Bearer <token>` (else 401). Outside MCP, for the tests only:

    GET  /admin/health                -> {"ok": true}
    GET  /admin/tools                 -> {"enabled": [names]}
    POST /admin/tools {"enabled": [names]}  offer only these tools from now on
    GET  /admin/requests              -> {"authorized": n, "rejected": n}

so a test can make a tool vanish between two syncs without restarting the server.

By default it offers get_weather, add and search_docs; `explode` (a tool whose call fails, so the
answer is `isError: true`) is offered only when named in `--tools` or `POST /admin/tools`.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import uvicorn
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations

server = MCPServer("e2e-tools")


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"Sunny in {city}"


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def search_docs(query: str, limit: int = 5) -> list[str]:
    """Search the product documentation."""
    return [f"{query} #{i}" for i in range(limit)]


def explode(reason: str) -> str:
    """Always fails: the call's result is `isError: true` with the reason in its text."""
    raise ToolError(f"explode failed: {reason}")


TOOLS: dict[str, dict[str, Any]] = {
    "get_weather": {"fn": get_weather, "annotations": ToolAnnotations(read_only_hint=True)},
    "add": {"fn": add},
    "search_docs": {"fn": search_docs},
    "explode": {"fn": explode},
}
# What the server offers unless told otherwise (the sync tests expect exactly these).
DEFAULT_TOOLS = ["get_weather", "add", "search_docs"]
enabled: list[str] = []
counts = {"authorized": 0, "rejected": 0}


def offer(names: list[str]) -> None:
    """Makes exactly `names` the server's tools (tools/list answers from the live registry)."""
    for name in list(enabled):
        server.remove_tool(name)
        enabled.remove(name)
    for name in names:
        t = TOOLS[name]
        server.add_tool(t["fn"], name=name, annotations=t.get("annotations"))
        enabled.append(name)


async def _body(receive) -> bytes:
    chunks = []
    while True:
        msg = await receive()
        chunks.append(msg.get("body", b""))
        if not msg.get("more_body"):
            return b"".join(chunks)


async def _json(send, status: int, body: Any) -> None:
    raw = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]})
    await send({"type": "http.response.body", "body": raw})


class Gate:
    """Admin routes, and the bearer-token check in front of the MCP app."""

    def __init__(self, app, token: str | None):
        self.app = app
        self.token = token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, method = scope["path"], scope["method"]
        if path.startswith("/admin/"):
            if path == "/admin/health":
                return await _json(send, 200, {"ok": True})
            if path == "/admin/requests":
                return await _json(send, 200, counts)
            if path == "/admin/tools" and method == "GET":
                return await _json(send, 200, {"enabled": enabled})
            if path == "/admin/tools" and method == "POST":
                names = json.loads(await _body(receive))["enabled"]
                unknown = [n for n in names if n not in TOOLS]
                if unknown:
                    return await _json(send, 400, {"unknown": unknown})
                offer(names)
                return await _json(send, 200, {"enabled": enabled})
            return await _json(send, 404, {"error": "no such admin route"})
        if self.token is not None:
            headers = dict(scope["headers"])
            if headers.get(b"authorization", b"").decode() != f"Bearer {self.token}":
                counts["rejected"] += 1
                return await _json(send, 401, {"error": "missing or wrong bearer token"})
        counts["authorized"] += 1
        return await self.app(scope, receive, send)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--token", default=None, help="require Authorization: Bearer <token>")
    p.add_argument("--json-response", action="store_true", help="answer POSTs with application/json, not SSE")
    p.add_argument("--stateless", action="store_true", help="no Mcp-Session-Id sessions")
    p.add_argument("--tools", default=",".join(DEFAULT_TOOLS), help="comma-separated tools offered at start")
    args = p.parse_args()
    offer([n for n in args.tools.split(",") if n])
    app = server.streamable_http_app(json_response=args.json_response, stateless_http=args.stateless)
    uvicorn.run(Gate(app, args.token), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
