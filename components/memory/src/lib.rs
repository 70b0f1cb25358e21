//! The memory component: `/v1/workspaces/{workspaceId}/memory_layers…` (and `/v1/memory_layers…`).

mod entries;
mod layers;

use api::memory as ops;
use web::{App, Route};

pub static APP: App = App {
    background: None,
    stream: None,
    prefetch: None,
    routes: &[
        Route {
            op: &ops::LIST_LAYERS,
            handler: layers::list,
        },
        Route {
            op: &ops::CREATE_LAYER,
            handler: layers::create,
        },
        Route {
            op: &ops::GET_LAYER,
            handler: layers::get,
        },
        Route {
            op: &ops::UPDATE_LAYER,
            handler: layers::update,
        },
        Route {
            op: &ops::DELETE_LAYER,
            handler: layers::delete,
        },
        Route {
            op: &ops::LIST_ENTRIES,
            handler: entries::list,
        },
        Route {
            op: &ops::CREATE_ENTRY,
            handler: entries::create,
        },
        Route {
            op: &ops::GET_ENTRY,
            handler: entries::get,
        },
        Route {
            op: &ops::UPDATE_ENTRY,
            handler: entries::update,
        },
        Route {
            op: &ops::DELETE_ENTRY,
            handler: entries::delete,
        },
    ],
};

host::http_component!(APP);

#[cfg(test)]
mod tests;
