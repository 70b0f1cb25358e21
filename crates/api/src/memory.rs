//! Memory layers and entries (scope `memory`).

use crate::params::{self, UPDATE};
use crate::{Auth, Method, Operation};
use model::memory::{
    CreateMemoryEntryRequest, CreateMemoryLayerRequest, MemoryEntry, MemoryLayer,
    UpdateMemoryEntryRequest, UpdateMemoryLayerRequest,
};
use model::page::Page;
use model::scope::{Resource, Scope};

const LAYERS: &str = "/v1/workspaces/{workspaceId}/memory_layers";
const LAYER: &str = "/v1/workspaces/{workspaceId}/memory_layers/{id}";
const ENTRIES: &str = "/v1/workspaces/{workspaceId}/memory_layers/{memoryLayerId}/entries";
const ENTRY: &str = "/v1/workspaces/{workspaceId}/memory_layers/{memoryLayerId}/entries/{id}";
const READ: Auth = Auth::Token(Some(Scope::read(Resource::Memory)));

const WRITE: Operation = Operation {
    id: "",
    method: Method::Post,
    path: LAYER,
    short_form: true,
    auth: Auth::Token(Some(Scope::write(Resource::Memory))),
    tag: "Memory",
    summary: "",
    query: &[],
    body: None,
    status: 200,
    response: crate::documented!(MemoryLayer),
    dry_run: true,
};

pub static LIST_LAYERS: Operation = Operation {
    id: "listMemoryLayers",
    method: Method::Get,
    path: LAYERS,
    auth: READ,
    summary: "List memory layers",
    query: params::LIST,
    response: crate::documented!(Page<MemoryLayer>),
    dry_run: false,
    ..WRITE
};

pub static CREATE_LAYER: Operation = Operation {
    id: "createMemoryLayer",
    path: LAYERS,
    summary: "Create a (user) memory layer",
    body: crate::documented!(CreateMemoryLayerRequest),
    status: 201,
    ..WRITE
};

pub static GET_LAYER: Operation = Operation {
    id: "getMemoryLayer",
    method: Method::Get,
    auth: READ,
    summary: "Get a memory layer",
    dry_run: false,
    ..WRITE
};

pub static UPDATE_LAYER: Operation = Operation {
    id: "updateMemoryLayer",
    method: Method::Patch,
    summary: "Update a memory layer (episodic layers are read-only)",
    query: UPDATE,
    body: crate::documented!(UpdateMemoryLayerRequest),
    ..WRITE
};

pub static DELETE_LAYER: Operation = Operation {
    id: "deleteMemoryLayer",
    method: Method::Delete,
    summary: "Delete a memory layer and its entries (refused while assigned to a variation)",
    status: 204,
    response: None,
    ..WRITE
};

const ENTRY_WRITE: Operation = Operation {
    path: ENTRY,
    response: crate::documented!(MemoryEntry),
    ..WRITE
};

pub static LIST_ENTRIES: Operation = Operation {
    id: "listMemoryEntries",
    method: Method::Get,
    path: ENTRIES,
    auth: READ,
    summary: "List a layer's entries (without their content)",
    query: params::LIST,
    response: crate::documented!(Page<MemoryEntry>),
    dry_run: false,
    ..ENTRY_WRITE
};

pub static CREATE_ENTRY: Operation = Operation {
    id: "createMemoryEntry",
    path: ENTRIES,
    summary: "Create an entry (key unique in the layer, content at most 64 KiB)",
    body: crate::documented!(CreateMemoryEntryRequest),
    status: 201,
    ..ENTRY_WRITE
};

pub static GET_ENTRY: Operation = Operation {
    id: "getMemoryEntry",
    method: Method::Get,
    auth: READ,
    summary: "Get an entry with its content",
    dry_run: false,
    ..ENTRY_WRITE
};

pub static UPDATE_ENTRY: Operation = Operation {
    id: "updateMemoryEntry",
    method: Method::Patch,
    summary: "Update an entry",
    query: UPDATE,
    body: crate::documented!(UpdateMemoryEntryRequest),
    ..ENTRY_WRITE
};

pub static DELETE_ENTRY: Operation = Operation {
    id: "deleteMemoryEntry",
    method: Method::Delete,
    summary: "Delete an entry",
    status: 204,
    response: None,
    ..ENTRY_WRITE
};

pub static ALL: &[&Operation] = &[
    &LIST_LAYERS,
    &CREATE_LAYER,
    &GET_LAYER,
    &UPDATE_LAYER,
    &DELETE_LAYER,
    &LIST_ENTRIES,
    &CREATE_ENTRY,
    &GET_ENTRY,
    &UPDATE_ENTRY,
    &DELETE_ENTRY,
];
