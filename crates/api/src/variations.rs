//! Variations, their assignments and memory layer assignments (docs/api.md §6.2).

use crate::params::{self, UPDATE};
use crate::{Auth, Method, Operation};
use model::page::Page;
use model::scope::{Resource, Scope};
use model::variation::{
    AddAssignmentRequest, AddMemoryLayerRequest, CreateVariationRequest, UpdateMemoryLayerRequest,
    UpdateVariationRequest, Variation,
};

const PATH: &str = "/v1/workspaces/{workspaceId}/agents/{agentId}/variations";
const ONE: &str = "/v1/workspaces/{workspaceId}/agents/{agentId}/variations/{id}";
const ASSIGNMENTS: &str =
    "/v1/workspaces/{workspaceId}/agents/{agentId}/variations/{variationId}/assignments";
const LAYERS: &str = "/v1/workspaces/{workspaceId}/agents/{agentId}/variations/{variationId}/memory_layer_assignments";

const WRITE: Operation = Operation {
    id: "",
    method: Method::Post,
    path: ONE,
    short_form: true,
    auth: Auth::Token(Some(Scope::write(Resource::Variations))),
    tag: "Variations",
    summary: "",
    query: &[],
    body: None,
    status: 200,
    response: crate::documented!(Variation),
    dry_run: true,
};

pub static LIST_VARIATIONS: Operation = Operation {
    id: "listVariations",
    method: Method::Get,
    path: PATH,
    auth: Auth::Token(Some(Scope::read(Resource::Variations))),
    summary: "List an agent's variations",
    query: params::LIST,
    response: crate::documented!(Page<Variation>),
    dry_run: false,
    ..WRITE
};

pub static CREATE_VARIATION: Operation = Operation {
    id: "createVariation",
    path: PATH,
    summary: "Create a variation (the prompt must be a valid Liquid template)",
    body: crate::documented!(CreateVariationRequest),
    status: 201,
    ..WRITE
};

pub static GET_VARIATION: Operation = Operation {
    id: "getVariation",
    method: Method::Get,
    auth: Auth::Token(Some(Scope::read(Resource::Variations))),
    summary: "Get a variation with its assignments, counts and score",
    dry_run: false,
    ..WRITE
};

pub static UPDATE_VARIATION: Operation = Operation {
    id: "updateVariation",
    method: Method::Patch,
    summary: "Update a variation: given fields merge, or exactly the `updateMask` paths",
    query: UPDATE,
    body: crate::documented!(UpdateVariationRequest),
    ..WRITE
};

pub static DELETE_VARIATION: Operation = Operation {
    id: "deleteVariation",
    method: Method::Delete,
    summary: "Delete a variation and its assignments",
    status: 204,
    response: None,
    ..WRITE
};

pub static ADD_ASSIGNMENT: Operation = Operation {
    id: "addVariationAssignment",
    path: ASSIGNMENTS,
    summary: "Assign a tool, a tool set or a sub-agent (exactly one of toolId, toolSetId, agentId)",
    body: crate::documented!(AddAssignmentRequest),
    ..WRITE
};

pub static REMOVE_ASSIGNMENT: Operation = Operation {
    id: "removeVariationAssignment",
    method: Method::Delete,
    path: "/v1/workspaces/{workspaceId}/agents/{agentId}/variations/{variationId}/assignments/{id}",
    summary: "Remove an assignment; returns the variation",
    ..WRITE
};

pub static ADD_MEMORY_LAYER: Operation = Operation {
    id: "addVariationMemoryLayer",
    path: LAYERS,
    summary: "Attach a memory layer at a position (default: on top); at most 10 per variation",
    body: crate::documented!(AddMemoryLayerRequest),
    ..WRITE
};

pub static UPDATE_MEMORY_LAYER: Operation = Operation {
    id: "updateVariationMemoryLayer",
    method: Method::Patch,
    path: "/v1/workspaces/{workspaceId}/agents/{agentId}/variations/{variationId}/memory_layer_assignments/{id}",
    summary: "Move a memory layer assignment to another position",
    body: crate::documented!(UpdateMemoryLayerRequest),
    ..WRITE
};

pub static REMOVE_MEMORY_LAYER: Operation = Operation {
    id: "removeVariationMemoryLayer",
    method: Method::Delete,
    path: "/v1/workspaces/{workspaceId}/agents/{agentId}/variations/{variationId}/memory_layer_assignments/{id}",
    summary: "Detach a memory layer; returns the variation",
    ..WRITE
};

pub static ALL: &[&Operation] = &[
    &LIST_VARIATIONS,
    &CREATE_VARIATION,
    &GET_VARIATION,
    &UPDATE_VARIATION,
    &DELETE_VARIATION,
    &ADD_ASSIGNMENT,
    &REMOVE_ASSIGNMENT,
    &ADD_MEMORY_LAYER,
    &UPDATE_MEMORY_LAYER,
    &REMOVE_MEMORY_LAYER,
];
