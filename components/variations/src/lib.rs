//! The variations component: `/v1/workspaces/{workspaceId}/agents/{agentId}/variations…`
//! (and `/v1/agents/{agentId}/variations…`).

mod assignments;
mod handlers;
mod layers;

use api::variations as ops;
use web::{App, Route};

pub static APP: App = App {
    background: None,
    stream: None,
    prefetch: None,
    routes: &[
        Route {
            op: &ops::LIST_VARIATIONS,
            handler: handlers::list,
        },
        Route {
            op: &ops::CREATE_VARIATION,
            handler: handlers::create,
        },
        Route {
            op: &ops::GET_VARIATION,
            handler: handlers::get,
        },
        Route {
            op: &ops::UPDATE_VARIATION,
            handler: handlers::update,
        },
        Route {
            op: &ops::DELETE_VARIATION,
            handler: handlers::delete,
        },
        Route {
            op: &ops::ADD_ASSIGNMENT,
            handler: assignments::add,
        },
        Route {
            op: &ops::REMOVE_ASSIGNMENT,
            handler: assignments::remove,
        },
        Route {
            op: &ops::ADD_MEMORY_LAYER,
            handler: layers::add,
        },
        Route {
            op: &ops::UPDATE_MEMORY_LAYER,
            handler: layers::update,
        },
        Route {
            op: &ops::REMOVE_MEMORY_LAYER,
            handler: layers::remove,
        },
    ],
};

host::http_component!(APP);

#[cfg(test)]
mod tests;
