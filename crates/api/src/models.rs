//! The models catalog (scope `models`): what the workspace can run, its state, and
//! moving variations from one model to another.

use crate::params;
use crate::{Auth, Method, Operation, Param, ParamKind};
use model::models::{Model, SwapModelsRequest, SwapModelsResponse};
use model::page::Page;
use model::scope::{Resource, Scope};

const MODELS: &str = "/v1/workspaces/{workspaceId}/models";
const MODEL: &str = "/v1/workspaces/{workspaceId}/models/{id}";
const READ: Auth = Auth::Token(Some(Scope::read(Resource::Models)));

const WRITE: Operation = Operation {
    id: "",
    method: Method::Post,
    path: MODEL,
    short_form: true,
    auth: Auth::Token(Some(Scope::write(Resource::Models))),
    tag: "Models",
    summary: "",
    query: &[],
    body: None,
    status: 200,
    response: crate::documented!(Model),
    dry_run: true,
};

const LIST_QUERY: &[Param] = &[
    params::LIMIT,
    params::CURSOR,
    params::PREFIX,
    params::SORT_ORDER,
    params::INCLUDE_INFO,
    params::LABELS,
    Param {
        name: "state",
        kind: ParamKind::String,
        description: "Only models in this state (`STATE_ENABLED` or `STATE_DISABLED`).",
    },
    Param {
        name: "aiProviderKeyId",
        kind: ParamKind::String,
        description: "Only models served through this AI provider key.",
    },
    Param {
        name: "refresh",
        kind: ParamKind::Boolean,
        description:
            "Ask every provider for its model list now (otherwise at most every 5 minutes).",
    },
];

pub static LIST_MODELS: Operation = Operation {
    id: "listModels",
    method: Method::Get,
    path: MODELS,
    auth: READ,
    summary: "List the models the workspace can use: discovered from its AI provider keys and the operator's providers, and named by its variations",
    query: LIST_QUERY,
    response: crate::documented!(Page<Model>),
    dry_run: false,
    ..WRITE
};

pub static GET_MODEL: Operation = Operation {
    id: "getModel",
    method: Method::Get,
    auth: READ,
    summary: "Get a model of the catalog",
    dry_run: false,
    ..WRITE
};

pub static ENABLE_MODEL: Operation = Operation {
    id: "enableModel",
    path: "/v1/workspaces/{workspaceId}/models/{id}:enable",
    summary: "Enable a model: objectives on it may start again",
    ..WRITE
};

pub static DISABLE_MODEL: Operation = Operation {
    id: "disableModel",
    path: "/v1/workspaces/{workspaceId}/models/{id}:disable",
    summary: "Disable a model: objectives of variations on it are refused at create",
    ..WRITE
};

pub static SWAP_MODELS: Operation = Operation {
    id: "swapModelOnVariations",
    path: "/v1/workspaces/{workspaceId}/models:swapModelOnVariations",
    summary: "Move every variation of the workspace from one model to another (dry run: which would move)",
    body: crate::documented!(SwapModelsRequest),
    response: crate::documented!(SwapModelsResponse),
    ..WRITE
};

pub static ALL: &[&Operation] = &[
    &LIST_MODELS,
    &GET_MODEL,
    &ENABLE_MODEL,
    &DISABLE_MODEL,
    &SWAP_MODELS,
];
