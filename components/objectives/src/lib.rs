//! The objectives component: `/v1/workspaces/{workspaceId}/objectives…` (and
//! `/v1/objectives…`). Requests that give an objective work (create, continue,
//! approve, deny, setContent) kick the engine once the response is sent, so the first
//! model request starts at once; the scheduler's cron tick drives everything else.

mod handlers;
mod stream;

use api::objectives as ops;
use web::{App, Route};

pub static APP: App = App {
    background: Some(engine::run::kick_all),
    stream: Some(stream::run),
    prefetch: None,
    routes: &[
        Route {
            op: &ops::LIST_OBJECTIVES,
            handler: handlers::list,
        },
        Route {
            op: &ops::CREATE_OBJECTIVE,
            handler: handlers::create,
        },
        Route {
            op: &ops::GET_OBJECTIVE,
            handler: handlers::get,
        },
        Route {
            op: &ops::LIST_EVENTS,
            handler: handlers::events,
        },
        Route {
            op: &ops::STREAM_EVENTS,
            handler: handlers::stream_events,
        },
        Route {
            op: &ops::CONTINUE_OBJECTIVE,
            handler: handlers::resume,
        },
        Route {
            op: &ops::CANCEL_OBJECTIVE,
            handler: handlers::cancel,
        },
        Route {
            op: &ops::COMPACT_OBJECTIVE,
            handler: handlers::compact,
        },
        Route {
            op: &ops::LIST_TOOL_CALLS,
            handler: handlers::tool_calls,
        },
        Route {
            op: &ops::LIST_WORKSPACE_TOOL_CALLS,
            handler: handlers::workspace_tool_calls,
        },
        Route {
            op: &ops::GET_TOOL_CALL,
            handler: handlers::tool_call,
        },
        Route {
            op: &ops::APPROVE_TOOL_CALL,
            handler: handlers::approve,
        },
        Route {
            op: &ops::DENY_TOOL_CALL,
            handler: handlers::deny,
        },
        Route {
            op: &ops::SET_TOOL_CALL_CONTENT,
            handler: handlers::set_content,
        },
        Route {
            op: &ops::LIST_TOOLS,
            handler: handlers::tools,
        },
        Route {
            op: &ops::LIST_TASKS,
            handler: handlers::tasks,
        },
        Route {
            op: &ops::GET_TASK,
            handler: handlers::task,
        },
        Route {
            op: &ops::LIST_CONTEXT_WINDOWS,
            handler: handlers::context_windows,
        },
        Route {
            op: &ops::CREATE_FEEDBACK,
            handler: handlers::create_feedback,
        },
        Route {
            op: &ops::LIST_FEEDBACK,
            handler: handlers::list_feedback,
        },
    ],
};

host::http_component!(APP);

#[cfg(test)]
mod tests;
