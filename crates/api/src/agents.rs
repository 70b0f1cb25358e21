//! Agents (docs/api.md §6.1, §6.2, §6.4), in both the canonical and the short route form.

use crate::params::{self, UPDATE};
use crate::{Auth, Method, Operation, Param, ParamKind};
use model::agent::{Agent, CreateAgentRequest, UpdateAgentRequest};
use model::page::Page;
use model::scope::{Resource, Scope};

const PATH: &str = "/v1/workspaces/{workspaceId}/agents";
const ONE: &str = "/v1/workspaces/{workspaceId}/agents/{id}";

const BASE: Operation = Operation {
    id: "",
    method: Method::Post,
    path: ONE,
    short_form: true,
    auth: Auth::Token(Some(Scope::write(Resource::Agents))),
    tag: "Agents",
    summary: "",
    query: &[],
    body: None,
    status: 200,
    response: crate::documented!(Agent),
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
        name: "status",
        kind: ParamKind::String,
        description: "Only agents with this `spec.status` (e.g. `AGENT_STATUS_PUBLISHED`).",
    },
];

pub static LIST_AGENTS: Operation = Operation {
    id: "listAgents",
    method: Method::Get,
    path: PATH,
    auth: Auth::Token(Some(Scope::read(Resource::Agents))),
    summary: "List agents",
    query: LIST_QUERY,
    response: crate::documented!(Page<Agent>),
    dry_run: false,
    ..BASE
};

pub static CREATE_AGENT: Operation = Operation {
    id: "createAgent",
    path: PATH,
    summary: "Create an agent (defaults: DRAFT, RANDOM selection)",
    body: crate::documented!(CreateAgentRequest),
    status: 201,
    ..BASE
};

pub static GET_AGENT: Operation = Operation {
    id: "getAgent",
    method: Method::Get,
    auth: Auth::Token(Some(Scope::read(Resource::Agents))),
    summary: "Get an agent by id or `external_id:<value>`",
    dry_run: false,
    ..BASE
};

pub static UPDATE_AGENT: Operation = Operation {
    id: "updateAgent",
    method: Method::Patch,
    summary: "Update an agent: given fields merge, or exactly the `updateMask` paths",
    query: UPDATE,
    body: crate::documented!(UpdateAgentRequest),
    ..BASE
};

pub static DELETE_AGENT: Operation = Operation {
    id: "deleteAgent",
    method: Method::Delete,
    summary: "Delete an agent with its variations and schedules (objectives it ran, and their records, are kept)",
    status: 204,
    response: None,
    ..BASE
};

pub static PUBLISH_AGENT: Operation = Operation {
    id: "publishAgent",
    path: "/v1/workspaces/{workspaceId}/agents/{id}:publish",
    summary: "Set status PUBLISHED: the agent accepts new objectives",
    ..BASE
};

pub static UNPUBLISH_AGENT: Operation = Operation {
    id: "unpublishAgent",
    path: "/v1/workspaces/{workspaceId}/agents/{id}:unpublish",
    summary: "Set status DRAFT",
    ..BASE
};

pub static ARCHIVE_AGENT: Operation = Operation {
    id: "archiveAgent",
    path: "/v1/workspaces/{workspaceId}/agents/{id}:archive",
    summary: "Set status ARCHIVED",
    ..BASE
};

pub static UNARCHIVE_AGENT: Operation = Operation {
    id: "unarchiveAgent",
    path: "/v1/workspaces/{workspaceId}/agents/{id}:unarchive",
    summary: "Leave ARCHIVED for DRAFT",
    ..BASE
};

pub static ALL: &[&Operation] = &[
    &LIST_AGENTS,
    &CREATE_AGENT,
    &GET_AGENT,
    &UPDATE_AGENT,
    &DELETE_AGENT,
    &PUBLISH_AGENT,
    &UNPUBLISH_AGENT,
    &ARCHIVE_AGENT,
    &UNARCHIVE_AGENT,
];
