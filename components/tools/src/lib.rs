//! The tools component: tool sets (with MCP `:sync`), their tools, and workspace
//! secrets, under `/v1/workspaces/{workspaceId}/…` and the short `/v1/…` forms.

mod search;
mod secrets;
mod sets;
mod sync;
mod tools;

use api::tools as ops;
use web::{App, Route};

pub static APP: App = App {
    background: None,
    stream: None,
    prefetch: None,
    routes: &[
        Route {
            op: &ops::LIST_TOOL_SETS,
            handler: sets::list,
        },
        Route {
            op: &ops::CREATE_TOOL_SET,
            handler: sets::create,
        },
        Route {
            op: &ops::GET_TOOL_SET,
            handler: sets::get,
        },
        Route {
            op: &ops::UPDATE_TOOL_SET,
            handler: sets::update,
        },
        Route {
            op: &ops::DELETE_TOOL_SET,
            handler: sets::delete,
        },
        Route {
            op: &ops::ARCHIVE_TOOL_SET,
            handler: sets::archive,
        },
        Route {
            op: &ops::UNARCHIVE_TOOL_SET,
            handler: sets::unarchive,
        },
        Route {
            op: &ops::SYNC_TOOL_SET,
            handler: sync::sync,
        },
        Route {
            op: &ops::LIST_TOOLS,
            handler: tools::list,
        },
        Route {
            op: &ops::CREATE_TOOL,
            handler: tools::create,
        },
        Route {
            op: &ops::GET_TOOL,
            handler: tools::get,
        },
        Route {
            op: &ops::UPDATE_TOOL,
            handler: tools::update,
        },
        Route {
            op: &ops::DELETE_TOOL,
            handler: tools::delete,
        },
        Route {
            op: &ops::LIST_SECRETS,
            handler: secrets::list,
        },
        Route {
            op: &ops::CREATE_SECRET,
            handler: secrets::create,
        },
        Route {
            op: &ops::GET_SECRET,
            handler: secrets::get,
        },
        Route {
            op: &ops::UPDATE_SECRET,
            handler: secrets::update,
        },
        Route {
            op: &ops::DELETE_SECRET,
            handler: secrets::delete,
        },
        Route {
            op: &ops::SEARCH,
            handler: search::search,
        },
    ],
};

host::http_component!(APP);

#[cfg(test)]
mod tests;
