//! The Model Context Protocol endpoint (docs/api.md §3.9): one path, three methods,
//! speaking JSON-RPC rather than the REST conventions. These operations route and
//! authenticate through the shared pipeline but are not in [`crate::all`]: the MCP
//! specification, not `/openapi.json`, is their contract, and the CLI does not offer
//! them. Scopes are checked per JSON-RPC method and tool.

use crate::{Auth, Method, Operation};

const PATH: &str = "/v1/workspaces/{workspaceId}/mcp";

const BASE: Operation = Operation {
    id: "",
    method: Method::Post,
    path: PATH,
    short_form: true,
    auth: Auth::Token(None),
    tag: "MCP",
    summary: "",
    query: &[],
    body: None,
    status: 200,
    response: None,
    dry_run: false,
};

pub static MCP_MESSAGE: Operation = Operation {
    id: "mcpMessage",
    summary: "One JSON-RPC message from an MCP client; answered with JSON, a server-sent event stream, or 202",
    ..BASE
};

pub static MCP_LISTEN: Operation = Operation {
    id: "mcpListen",
    method: Method::Get,
    summary: "A session's server-sent event stream of notifications (tools/list_changed)",
    ..BASE
};

pub static MCP_END_SESSION: Operation = Operation {
    id: "mcpEndSession",
    method: Method::Delete,
    summary: "Ends an MCP session",
    status: 204,
    ..BASE
};

pub static ALL: &[&Operation] = &[&MCP_MESSAGE, &MCP_LISTEN, &MCP_END_SESSION];
