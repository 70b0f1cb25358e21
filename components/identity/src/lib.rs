//! The identity component: who is calling and what they may do.
//!
//! Also Spin's catch-all: every path no other component claims lands here and gets
//! the JSON 404 envelope.

mod account;
mod api_keys;
mod audit_logs;
mod bootstrap;
mod me;
mod workspaces;

use api::identity as ops;
use web::{App, Ctx, HandlerResult, Reply, Route};

pub static APP: App = App {
    background: None,
    stream: None,
    prefetch: None,
    routes: &[
        Route {
            op: &ops::OPENAPI,
            handler: openapi,
        },
        Route {
            op: &ops::OPENAPI_V1,
            handler: openapi,
        },
        Route {
            op: &ops::BOOTSTRAP,
            handler: bootstrap::bootstrap,
        },
        Route {
            op: &ops::ME,
            handler: me::me,
        },
        Route {
            op: &ops::GET_ACCOUNT,
            handler: account::get,
        },
        Route {
            op: &ops::ROTATE_WEBHOOK_KEY,
            handler: account::rotate,
        },
        Route {
            op: &ops::WHOAMI,
            handler: me::whoami,
        },
        Route {
            op: &ops::LIST_WORKSPACES,
            handler: workspaces::list,
        },
        Route {
            op: &ops::CREATE_WORKSPACE,
            handler: workspaces::create,
        },
        Route {
            op: &ops::GET_WORKSPACE,
            handler: workspaces::get,
        },
        Route {
            op: &ops::LIST_API_KEYS,
            handler: api_keys::list,
        },
        Route {
            op: &ops::CREATE_API_KEY,
            handler: api_keys::create,
        },
        Route {
            op: &ops::GET_API_KEY,
            handler: api_keys::get,
        },
        Route {
            op: &ops::UPDATE_API_KEY,
            handler: api_keys::update,
        },
        Route {
            op: &ops::DELETE_API_KEY,
            handler: api_keys::delete,
        },
        Route {
            op: &ops::ROTATE_API_KEY,
            handler: api_keys::rotate,
        },
        Route {
            op: &ops::DISABLE_API_KEY,
            handler: api_keys::disable,
        },
        Route {
            op: &ops::ENABLE_API_KEY,
            handler: api_keys::enable,
        },
        Route {
            op: &ops::LIST_AUDIT_LOGS,
            handler: audit_logs::list,
        },
    ],
};

fn openapi(_: &Ctx) -> HandlerResult {
    Ok(Reply::ok(&api::openapi::document()))
}

host::http_component!(APP);

#[cfg(test)]
mod tests;
