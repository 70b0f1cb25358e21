//! The schedules component: `/v1/workspaces/{workspaceId}/agents/{agentId}/schedules…`
//! (and `/v1/agents/{agentId}/schedules…`). `:trigger` fires at once; the objective it
//! creates starts on the scheduler's next tick (within a second), like every fire, so
//! this component does not link the engine's run loop (model and tool clients).

mod handlers;

use api::schedules as ops;
use web::{App, Route};

pub static APP: App = App {
    background: None,
    stream: None,
    prefetch: None,
    routes: &[
        Route {
            op: &ops::LIST_SCHEDULES,
            handler: handlers::list,
        },
        Route {
            op: &ops::CREATE_SCHEDULE,
            handler: handlers::create,
        },
        Route {
            op: &ops::GET_SCHEDULE,
            handler: handlers::get,
        },
        Route {
            op: &ops::UPDATE_SCHEDULE,
            handler: handlers::update,
        },
        Route {
            op: &ops::DELETE_SCHEDULE,
            handler: handlers::delete,
        },
        Route {
            op: &ops::PAUSE_SCHEDULE,
            handler: handlers::pause,
        },
        Route {
            op: &ops::RESUME_SCHEDULE,
            handler: handlers::resume,
        },
        Route {
            op: &ops::ARCHIVE_SCHEDULE,
            handler: handlers::archive,
        },
        Route {
            op: &ops::TRIGGER_SCHEDULE,
            handler: handlers::trigger,
        },
    ],
};

host::http_component!(APP);

#[cfg(test)]
mod tests;
