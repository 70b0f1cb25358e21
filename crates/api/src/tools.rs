//! Tool sets, tools and workspace secrets (scope `tools`).

use crate::params::{self, UPDATE};
use crate::{Auth, Method, Operation};
use model::page::Page;
use model::scope::{Resource, Scope};
use model::tools::{
    CreateToolRequest, CreateToolSetRequest, CreateWorkspaceSecretRequest, Tool, ToolSet,
    UpdateToolRequest, UpdateToolSetRequest, UpdateWorkspaceSecretRequest, WorkspaceSecret,
};

const SETS: &str = "/v1/workspaces/{workspaceId}/tool_sets";
const SET: &str = "/v1/workspaces/{workspaceId}/tool_sets/{id}";
const TOOLS: &str = "/v1/workspaces/{workspaceId}/tool_sets/{toolSetId}/tools";
const TOOL: &str = "/v1/workspaces/{workspaceId}/tool_sets/{toolSetId}/tools/{id}";
const SECRETS: &str = "/v1/workspaces/{workspaceId}/workspace_secrets";
const SECRET: &str = "/v1/workspaces/{workspaceId}/workspace_secrets/{id}";
const READ: Auth = Auth::Token(Some(Scope::read(Resource::Tools)));

const WRITE: Operation = Operation {
    id: "",
    method: Method::Post,
    path: SET,
    short_form: true,
    auth: Auth::Token(Some(Scope::write(Resource::Tools))),
    tag: "Tools",
    summary: "",
    query: &[],
    body: None,
    status: 200,
    response: crate::documented!(ToolSet),
    dry_run: true,
};

pub static LIST_TOOL_SETS: Operation = Operation {
    id: "listToolSets",
    method: Method::Get,
    path: SETS,
    auth: READ,
    summary: "List tool sets",
    query: params::LIST,
    response: crate::documented!(Page<ToolSet>),
    dry_run: false,
    ..WRITE
};

pub static CREATE_TOOL_SET: Operation = Operation {
    id: "createToolSet",
    path: SETS,
    summary: "Create a tool set with an http, mcp or bare adapter",
    body: crate::documented!(CreateToolSetRequest),
    status: 201,
    ..WRITE
};

pub static GET_TOOL_SET: Operation = Operation {
    id: "getToolSet",
    method: Method::Get,
    auth: READ,
    summary: "Get a tool set",
    dry_run: false,
    ..WRITE
};

pub static UPDATE_TOOL_SET: Operation = Operation {
    id: "updateToolSet",
    method: Method::Patch,
    summary: "Update a tool set (the adapter keeps its type)",
    query: UPDATE,
    body: crate::documented!(UpdateToolSetRequest),
    ..WRITE
};

pub static DELETE_TOOL_SET: Operation = Operation {
    id: "deleteToolSet",
    method: Method::Delete,
    summary: "Delete a tool set and its tools (refused while it or its tools are assigned)",
    status: 204,
    response: None,
    ..WRITE
};

pub static ARCHIVE_TOOL_SET: Operation = Operation {
    id: "archiveToolSet",
    path: "/v1/workspaces/{workspaceId}/tool_sets/{id}:archive",
    summary: "Archive a tool set (its tools are no longer offered to models)",
    ..WRITE
};

pub static UNARCHIVE_TOOL_SET: Operation = Operation {
    id: "unarchiveToolSet",
    path: "/v1/workspaces/{workspaceId}/tool_sets/{id}:unarchive",
    summary: "Make an archived tool set active again",
    ..WRITE
};

pub static SYNC_TOOL_SET: Operation = Operation {
    id: "syncToolSet",
    path: "/v1/workspaces/{workspaceId}/tool_sets/{id}:sync",
    summary: "List an MCP server's tools and upsert them (vanished tools are archived)",
    ..WRITE
};

const TOOL_WRITE: Operation = Operation {
    path: TOOL,
    response: crate::documented!(Tool),
    ..WRITE
};

pub static LIST_TOOLS: Operation = Operation {
    id: "listTools",
    method: Method::Get,
    path: TOOLS,
    auth: READ,
    summary: "List a tool set's tools",
    query: params::LIST,
    response: crate::documented!(Page<Tool>),
    dry_run: false,
    ..TOOL_WRITE
};

pub static CREATE_TOOL: Operation = Operation {
    id: "createTool",
    path: TOOLS,
    summary: "Create a tool (its config type must match the set's adapter)",
    body: crate::documented!(CreateToolRequest),
    status: 201,
    ..TOOL_WRITE
};

pub static GET_TOOL: Operation = Operation {
    id: "getTool",
    method: Method::Get,
    auth: READ,
    summary: "Get a tool",
    dry_run: false,
    ..TOOL_WRITE
};

pub static UPDATE_TOOL: Operation = Operation {
    id: "updateTool",
    method: Method::Patch,
    summary: "Update a tool",
    query: UPDATE,
    body: crate::documented!(UpdateToolRequest),
    ..TOOL_WRITE
};

pub static DELETE_TOOL: Operation = Operation {
    id: "deleteTool",
    method: Method::Delete,
    summary: "Delete a tool (refused while assigned to a variation)",
    status: 204,
    response: None,
    ..TOOL_WRITE
};

const SECRET_WRITE: Operation = Operation {
    path: SECRET,
    response: crate::documented!(WorkspaceSecret),
    ..WRITE
};

pub static LIST_SECRETS: Operation = Operation {
    id: "listWorkspaceSecrets",
    method: Method::Get,
    path: SECRETS,
    auth: READ,
    summary: "List workspace secrets (never their values)",
    query: params::LIST,
    response: crate::documented!(Page<WorkspaceSecret>),
    dry_run: false,
    ..SECRET_WRITE
};

pub static CREATE_SECRET: Operation = Operation {
    id: "createWorkspaceSecret",
    path: SECRETS,
    summary: "Store a secret for `{{secrets.NAME}}` header references; the value is write-only",
    body: crate::documented!(CreateWorkspaceSecretRequest),
    status: 201,
    ..SECRET_WRITE
};

pub static GET_SECRET: Operation = Operation {
    id: "getWorkspaceSecret",
    method: Method::Get,
    auth: READ,
    summary: "Get a workspace secret's metadata (never its value)",
    dry_run: false,
    ..SECRET_WRITE
};

pub static UPDATE_SECRET: Operation = Operation {
    id: "updateWorkspaceSecret",
    method: Method::Patch,
    summary: "Rename, relabel or replace the value of a secret",
    query: UPDATE,
    body: crate::documented!(UpdateWorkspaceSecretRequest),
    ..SECRET_WRITE
};

pub static DELETE_SECRET: Operation = Operation {
    id: "deleteWorkspaceSecret",
    method: Method::Delete,
    summary: "Delete a workspace secret",
    status: 204,
    response: None,
    ..SECRET_WRITE
};

pub static SEARCH: Operation = Operation {
    id: "searchToolsOrToolSets",
    method: Method::Get,
    path: "/v1/workspaces/{workspaceId}/search/tools_or_tool_sets",
    auth: READ,
    summary: "Search the workspace's tools, tool sets and (with `agents:read`) agents by what they do",
    query: &[crate::Param {
        name: "query",
        kind: crate::ParamKind::String,
        description: "What to look for, in words (required); ranked with BM25 over names, descriptions and parameter names.",
    }],
    response: crate::documented!(model::tools::SearchToolsOrToolSetsResponse),
    dry_run: false,
    ..WRITE
};

pub static ALL: &[&Operation] = &[
    &LIST_TOOL_SETS,
    &CREATE_TOOL_SET,
    &GET_TOOL_SET,
    &UPDATE_TOOL_SET,
    &DELETE_TOOL_SET,
    &ARCHIVE_TOOL_SET,
    &UNARCHIVE_TOOL_SET,
    &SYNC_TOOL_SET,
    &LIST_TOOLS,
    &CREATE_TOOL,
    &GET_TOOL,
    &UPDATE_TOOL,
    &DELETE_TOOL,
    &LIST_SECRETS,
    &CREATE_SECRET,
    &GET_SECRET,
    &UPDATE_SECRET,
    &DELETE_SECRET,
    &SEARCH,
];
