//! Agent schedules (docs/api.md §6.2 "AgentsSchedules", docs/api.md §3 / §4.3).

use crate::params::{self, UPDATE};
use crate::{Auth, Method, Operation, Param, ParamKind};
use model::page::Page;
use model::schedule::{AgentSchedule, CreateScheduleRequest, UpdateScheduleRequest};
use model::scope::{Resource, Scope};

const PATH: &str = "/v1/workspaces/{workspaceId}/agents/{agentId}/schedules";
const ONE: &str = "/v1/workspaces/{workspaceId}/agents/{agentId}/schedules/{id}";
const READ: Auth = Auth::Token(Some(Scope::read(Resource::Schedules)));

const WRITE: Operation = Operation {
    id: "",
    method: Method::Post,
    path: ONE,
    short_form: true,
    auth: Auth::Token(Some(Scope::write(Resource::Schedules))),
    tag: "Schedules",
    summary: "",
    query: &[],
    body: None,
    status: 200,
    response: crate::documented!(AgentSchedule),
    dry_run: true,
};

const LIST_QUERY: &[Param] = &[
    params::LIMIT,
    params::CURSOR,
    params::SORT_ORDER,
    params::PREFIX,
    params::LABELS,
    params::INCLUDE_INFO,
    Param {
        name: "status",
        kind: ParamKind::String,
        description: "Only schedules in this status (e.g. `AGENT_SCHEDULE_STATUS_ACTIVE`).",
    },
];

pub static LIST_SCHEDULES: Operation = Operation {
    id: "listSchedules",
    method: Method::Get,
    path: PATH,
    auth: READ,
    summary: "List an agent's schedules",
    query: LIST_QUERY,
    response: crate::documented!(Page<AgentSchedule>),
    dry_run: false,
    ..WRITE
};

pub static CREATE_SCHEDULE: Operation = Operation {
    id: "createSchedule",
    path: PATH,
    summary: "Create a schedule; with dryRun=true, preview its next fire times without storing it",
    body: crate::documented!(CreateScheduleRequest),
    status: 201,
    ..WRITE
};

pub static GET_SCHEDULE: Operation = Operation {
    id: "getSchedule",
    method: Method::Get,
    auth: READ,
    summary: "Get a schedule with its next fire times and firing history",
    dry_run: false,
    ..WRITE
};

pub static UPDATE_SCHEDULE: Operation = Operation {
    id: "updateSchedule",
    method: Method::Patch,
    summary: "Update a schedule: given fields merge, or exactly the `updateMask` paths",
    query: UPDATE,
    body: crate::documented!(UpdateScheduleRequest),
    ..WRITE
};

pub static DELETE_SCHEDULE: Operation = Operation {
    id: "deleteSchedule",
    method: Method::Delete,
    summary: "Delete a schedule (its objectives stay)",
    status: 204,
    response: None,
    ..WRITE
};

pub static PAUSE_SCHEDULE: Operation = Operation {
    id: "pauseSchedule",
    path: "/v1/workspaces/{workspaceId}/agents/{agentId}/schedules/{id}:pause",
    summary: "Stop firing until resumed",
    ..WRITE
};

pub static RESUME_SCHEDULE: Operation = Operation {
    id: "resumeSchedule",
    path: "/v1/workspaces/{workspaceId}/agents/{agentId}/schedules/{id}:resume",
    summary: "Fire again, from the next instant after now (missed instants are not caught up)",
    ..WRITE
};

pub static ARCHIVE_SCHEDULE: Operation = Operation {
    id: "archiveSchedule",
    path: "/v1/workspaces/{workspaceId}/agents/{agentId}/schedules/{id}:archive",
    summary: "Stop firing for good",
    ..WRITE
};

pub static TRIGGER_SCHEDULE: Operation = Operation {
    id: "triggerSchedule",
    path: "/v1/workspaces/{workspaceId}/agents/{agentId}/schedules/{id}:trigger",
    summary: "Fire once now, exactly as a scheduled fire (overlap policy included)",
    ..WRITE
};

pub static ALL: &[&Operation] = &[
    &LIST_SCHEDULES,
    &CREATE_SCHEDULE,
    &GET_SCHEDULE,
    &UPDATE_SCHEDULE,
    &DELETE_SCHEDULE,
    &PAUSE_SCHEDULE,
    &RESUME_SCHEDULE,
    &ARCHIVE_SCHEDULE,
    &TRIGGER_SCHEDULE,
];
