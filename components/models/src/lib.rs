//! The models component: a workspace's AI provider keys and its models catalog, under
//! `/v1/workspaces/{workspaceId}/{ai_provider_keys,models}` and the short `/v1/…` forms.

mod catalog;
mod keys;

use api::models as catalog_ops;
use api::providers as ops;
use web::{App, Route};

pub static APP: App = App {
    background: None,
    stream: None,
    prefetch: None,
    routes: &[
        Route {
            op: &ops::LIST_KEYS,
            handler: keys::list,
        },
        Route {
            op: &ops::CREATE_KEY,
            handler: keys::create,
        },
        Route {
            op: &ops::GET_KEY,
            handler: keys::get,
        },
        Route {
            op: &ops::UPDATE_KEY,
            handler: keys::update,
        },
        Route {
            op: &ops::DELETE_KEY,
            handler: keys::delete,
        },
        Route {
            op: &catalog_ops::LIST_MODELS,
            handler: catalog::list,
        },
        Route {
            op: &catalog_ops::GET_MODEL,
            handler: catalog::get,
        },
        Route {
            op: &catalog_ops::ENABLE_MODEL,
            handler: catalog::enable,
        },
        Route {
            op: &catalog_ops::DISABLE_MODEL,
            handler: catalog::disable,
        },
        Route {
            op: &catalog_ops::SWAP_MODELS,
            handler: catalog::swap,
        },
    ],
};

host::http_component!(APP);
