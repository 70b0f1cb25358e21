//! The agents component: `/v1/workspaces/{workspaceId}/agents…` and `/v1/agents…`.

mod handlers;
mod webhooks;

use api::agents as ops;
use api::webhooks as hooks;
use web::{App, Route};

pub static APP: App = App {
    background: None,
    stream: None,
    prefetch: Some(handlers::prefetch),
    routes: &[
        Route {
            op: &hooks::LIST_DELIVERIES,
            handler: webhooks::list_deliveries,
        },
        Route {
            op: &hooks::GET_DELIVERY,
            handler: webhooks::get_delivery,
        },
        Route {
            op: &hooks::RETRY_DELIVERY,
            handler: webhooks::retry_delivery,
        },
        Route {
            op: &hooks::LIST_AGENT_FEEDBACK,
            handler: webhooks::list_feedback,
        },
        Route {
            op: &ops::LIST_AGENTS,
            handler: handlers::list,
        },
        Route {
            op: &ops::CREATE_AGENT,
            handler: handlers::create,
        },
        Route {
            op: &ops::GET_AGENT,
            handler: handlers::get,
        },
        Route {
            op: &ops::UPDATE_AGENT,
            handler: handlers::update,
        },
        Route {
            op: &ops::DELETE_AGENT,
            handler: handlers::delete,
        },
        Route {
            op: &ops::PUBLISH_AGENT,
            handler: handlers::publish,
        },
        Route {
            op: &ops::UNPUBLISH_AGENT,
            handler: handlers::unpublish,
        },
        Route {
            op: &ops::ARCHIVE_AGENT,
            handler: handlers::archive,
        },
        Route {
            op: &ops::UNARCHIVE_AGENT,
            handler: handlers::unarchive,
        },
    ],
};

host::http_component!(APP);

#[cfg(test)]
mod tests;
