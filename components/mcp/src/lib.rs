//! The MCP component: `/v1/workspaces/{workspaceId}/mcp` (and `/v1/mcp`) speaks the
//! Model Context Protocol over streamable HTTP (docs/api.md §3.9). Every PUBLISHED agent
//! of the workspace is a tool; calling one starts an objective and waits for its answer.
//! Control tools list, read, approve, deny and cancel objectives. Requests pass the
//! shared pipeline (token, rate limit, audit); scopes are checked per method and tool.

mod catalog;
mod control;
mod handlers;
mod session;
mod stream;
mod wait;

use api::mcp as ops;
use web::{App, Route};

pub static APP: App = App {
    // the scheduler's tick (every second) runs what these requests start or unblock
    background: None,
    stream: Some(stream::run),
    prefetch: None,
    routes: &[
        Route {
            op: &ops::MCP_MESSAGE,
            handler: handlers::message,
        },
        Route {
            op: &ops::MCP_LISTEN,
            handler: handlers::listen,
        },
        Route {
            op: &ops::MCP_END_SESSION,
            handler: handlers::end_session,
        },
    ],
};

host::http_component!(APP);

#[cfg(test)]
mod tests;
