//! The models component: a workspace's AI provider keys, under
//! `/v1/workspaces/{workspaceId}/ai_provider_keys` and the short `/v1/ai_provider_keys`.

mod keys;

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
    ],
};

host::http_component!(APP);
