//! AI provider keys (scope `ai_provider_keys`): a workspace's own credentials for a model
//! provider, preferred over the operator's for the model family they serve.

use crate::params::{self, UPDATE};
use crate::{Auth, Method, Operation};
use model::page::Page;
use model::providers::{AiProviderKey, CreateAiProviderKeyRequest, UpdateAiProviderKeyRequest};
use model::scope::{Resource, Scope};

const KEYS: &str = "/v1/workspaces/{workspaceId}/ai_provider_keys";
const KEY: &str = "/v1/workspaces/{workspaceId}/ai_provider_keys/{id}";
const READ: Auth = Auth::Token(Some(Scope::read(Resource::AiProviderKeys)));

const WRITE: Operation = Operation {
    id: "",
    method: Method::Post,
    path: KEY,
    short_form: true,
    auth: Auth::Token(Some(Scope::write(Resource::AiProviderKeys))),
    tag: "AI provider keys",
    summary: "",
    query: &[],
    body: None,
    status: 200,
    response: crate::documented!(AiProviderKey),
    dry_run: true,
};

pub static LIST_KEYS: Operation = Operation {
    id: "listAiProviderKeys",
    method: Method::Get,
    path: KEYS,
    auth: READ,
    summary: "List the workspace's AI provider keys (never their credentials)",
    query: params::LIST,
    response: crate::documented!(Page<AiProviderKey>),
    dry_run: false,
    ..WRITE
};

pub static CREATE_KEY: Operation = Operation {
    id: "createAiProviderKey",
    path: KEYS,
    summary: "Add a key for an AI provider; objectives on its model family use it instead of the operator's",
    body: crate::documented!(CreateAiProviderKeyRequest),
    status: 201,
    ..WRITE
};

pub static GET_KEY: Operation = Operation {
    id: "getAiProviderKey",
    method: Method::Get,
    auth: READ,
    summary: "Get an AI provider key (never its credentials)",
    dry_run: false,
    ..WRITE
};

pub static UPDATE_KEY: Operation = Operation {
    id: "updateAiProviderKey",
    method: Method::Patch,
    summary: "Rename, relabel, reconfigure or replace the credentials of an AI provider key",
    query: UPDATE,
    body: crate::documented!(UpdateAiProviderKeyRequest),
    ..WRITE
};

pub static DELETE_KEY: Operation = Operation {
    id: "deleteAiProviderKey",
    method: Method::Delete,
    summary: "Delete an AI provider key; its family falls back to the operator's provider",
    status: 204,
    response: None,
    ..WRITE
};

pub static ALL: &[&Operation] = &[&LIST_KEYS, &CREATE_KEY, &GET_KEY, &UPDATE_KEY, &DELETE_KEY];
