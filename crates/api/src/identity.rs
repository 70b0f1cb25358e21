//! Identity: bootstrap, the caller, workspaces, API keys, audit log, the document itself.

use crate::params::{self, LIST, UPDATE};
use crate::{Auth, Method, Operation, Param, ParamKind};
use model::audit::AuditLog;
use model::identity::{
    Account, ApiKey, BootstrapRequest, BootstrapResponse, CreateApiKeyRequest,
    CreateWorkspaceRequest, Me, UpdateApiKeyRequest, WhoAmI, Workspace,
};
use model::page::Page;
use model::scope::{Resource, Scope};

const TAG: &str = "Identity";
const KEYS: &str = "API keys";
const KEYS_PATH: &str = "/v1/workspaces/{workspaceId}/api_keys";
const KEY_READ: Auth = Auth::Token(Some(Scope::read(Resource::ApiKeys)));
const KEY_WRITE: Auth = Auth::Token(Some(Scope::write(Resource::ApiKeys)));

const BASE: Operation = Operation {
    id: "",
    method: Method::Get,
    path: "",
    short_form: false,
    auth: Auth::Token(None),
    tag: TAG,
    summary: "",
    query: &[],
    body: None,
    status: 200,
    response: None,
    dry_run: false,
};

pub static OPENAPI: Operation = Operation {
    id: "getOpenApiDocument",
    path: "/openapi.json",
    auth: Auth::Public,
    tag: "Meta",
    summary: "This OpenAPI 3.1 document",
    response: crate::documented!(serde_json::Map<String, serde_json::Value>),
    ..BASE
};

/// The same document under the versioned prefix (docs/api.md §0).
pub static OPENAPI_V1: Operation = Operation {
    id: "getOpenApiDocumentV1",
    path: "/v1/openapi.json",
    summary: "This OpenAPI 3.1 document, under the versioned prefix (the same as `/openapi.json`)",
    ..OPENAPI
};

pub static BOOTSTRAP: Operation = Operation {
    id: "bootstrap",
    method: Method::Post,
    path: "/v1/bootstrap",
    auth: Auth::Bootstrap,
    summary: "Create the first account, workspace and an all-scopes API key (fresh installs only; \
              authenticate with the `bootstrap_token` variable)",
    body: crate::documented!(BootstrapRequest),
    status: 201,
    response: crate::documented!(BootstrapResponse),
    ..BASE
};

pub static ME: Operation = Operation {
    id: "getMe",
    path: "/v1/me",
    summary: "The calling token: workspace(s), scopes, token id, profile and account",
    response: crate::documented!(Me),
    ..BASE
};

pub static WHOAMI: Operation = Operation {
    id: "whoAmI",
    path: "/v1/whoami",
    summary: "The calling token's profile",
    response: crate::documented!(WhoAmI),
    ..BASE
};

pub static GET_ACCOUNT: Operation = Operation {
    id: "getAccount",
    path: "/v1/account",
    summary: "The caller's account; a `*` token also sees `info.webhookEventsHmacSecret`",
    response: crate::documented!(Account),
    ..BASE
};

pub static ROTATE_WEBHOOK_KEY: Operation = Operation {
    id: "rotateWebhookSigningKey",
    method: Method::Post,
    path: "/v1/account:rotateWebhookSigningKey",
    auth: Auth::Token(Some(Scope::All)),
    summary: "Replace the webhook signing secret (scope `*`); later deliveries use the new one",
    response: crate::documented!(Account),
    dry_run: true,
    ..BASE
};

pub static LIST_WORKSPACES: Operation = Operation {
    id: "listWorkspaces",
    path: "/v1/workspaces",
    summary: "Workspaces the token reaches",
    query: LIST,
    response: crate::documented!(Page<Workspace>),
    ..BASE
};

pub static CREATE_WORKSPACE: Operation = Operation {
    id: "createWorkspace",
    method: Method::Post,
    path: "/v1/workspaces",
    auth: Auth::Token(Some(Scope::All)),
    summary: "Create a workspace (scope `*`); the calling key gains access to it",
    body: crate::documented!(CreateWorkspaceRequest),
    status: 201,
    response: crate::documented!(Workspace),
    dry_run: true,
    ..BASE
};

pub static GET_WORKSPACE: Operation = Operation {
    id: "getWorkspace",
    path: "/v1/workspaces/{id}",
    summary: "One workspace the token reaches",
    response: crate::documented!(Workspace),
    ..BASE
};

const KEY: Operation = Operation {
    tag: KEYS,
    short_form: true,
    auth: KEY_WRITE,
    response: crate::documented!(ApiKey),
    dry_run: true,
    ..BASE
};

pub static LIST_API_KEYS: Operation = Operation {
    id: "listApiKeys",
    path: KEYS_PATH,
    auth: KEY_READ,
    summary: "API keys of the workspace (never their tokens)",
    query: LIST,
    response: crate::documented!(Page<ApiKey>),
    dry_run: false,
    ..KEY
};

pub static CREATE_API_KEY: Operation = Operation {
    id: "createApiKey",
    method: Method::Post,
    path: KEYS_PATH,
    summary: "Mint an API key; `spec.token` is shown in this response only",
    body: crate::documented!(CreateApiKeyRequest),
    status: 201,
    ..KEY
};

pub static GET_API_KEY: Operation = Operation {
    id: "getApiKey",
    path: "/v1/workspaces/{workspaceId}/api_keys/{id}",
    auth: KEY_READ,
    summary: "One API key",
    dry_run: false,
    ..KEY
};

pub static UPDATE_API_KEY: Operation = Operation {
    id: "updateApiKey",
    method: Method::Patch,
    path: "/v1/workspaces/{workspaceId}/api_keys/{id}",
    summary:
        "Change an API key's name, labels, description or scopes (effective on its next request)",
    query: UPDATE,
    body: crate::documented!(UpdateApiKeyRequest),
    ..KEY
};

pub static DELETE_API_KEY: Operation = Operation {
    id: "deleteApiKey",
    method: Method::Delete,
    path: "/v1/workspaces/{workspaceId}/api_keys/{id}",
    summary: "Revoke an API key; its token stops working at once, its audit history stays",
    status: 204,
    response: None,
    ..KEY
};

pub static ROTATE_API_KEY: Operation = Operation {
    id: "rotateApiKey",
    method: Method::Post,
    path: "/v1/workspaces/{workspaceId}/api_keys/{id}:rotate",
    summary: "Issue a new token; the previous one stops working at once",
    ..KEY
};

pub static DISABLE_API_KEY: Operation = Operation {
    id: "disableApiKey",
    method: Method::Post,
    path: "/v1/workspaces/{workspaceId}/api_keys/{id}:disable",
    summary: "Stop an API key's token from authenticating until `:enable`",
    ..KEY
};

pub static ENABLE_API_KEY: Operation = Operation {
    id: "enableApiKey",
    method: Method::Post,
    path: "/v1/workspaces/{workspaceId}/api_keys/{id}:enable",
    summary: "Let a disabled API key authenticate again",
    ..KEY
};

const AUDIT_QUERY: &[Param] = &[
    params::LIMIT,
    params::CURSOR,
    params::SORT_ORDER,
    Param {
        name: "tokenId",
        kind: ParamKind::String,
        description: "Only calls made with this API key.",
    },
    Param {
        name: "status",
        kind: ParamKind::Integer,
        description: "Only calls answered with this HTTP status.",
    },
    Param {
        name: "since",
        kind: ParamKind::String,
        description: "RFC 3339; calls at or after this instant.",
    },
    Param {
        name: "until",
        kind: ParamKind::String,
        description: "RFC 3339; calls before this instant.",
    },
];

pub static LIST_AUDIT_LOGS: Operation = Operation {
    id: "listAuditLogs",
    path: "/v1/workspaces/{workspaceId}/audit_logs",
    short_form: true,
    auth: Auth::Token(Some(Scope::read(Resource::Audit))),
    tag: "Audit",
    summary: "One entry per API call in the workspace, newest first",
    query: AUDIT_QUERY,
    response: crate::documented!(Page<AuditLog>),
    ..BASE
};

pub static ALL: &[&Operation] = &[
    &OPENAPI,
    &OPENAPI_V1,
    &BOOTSTRAP,
    &ME,
    &GET_ACCOUNT,
    &ROTATE_WEBHOOK_KEY,
    &WHOAMI,
    &LIST_WORKSPACES,
    &CREATE_WORKSPACE,
    &GET_WORKSPACE,
    &LIST_API_KEYS,
    &CREATE_API_KEY,
    &GET_API_KEY,
    &UPDATE_API_KEY,
    &DELETE_API_KEY,
    &ROTATE_API_KEY,
    &DISABLE_API_KEY,
    &ENABLE_API_KEY,
    &LIST_AUDIT_LOGS,
];
