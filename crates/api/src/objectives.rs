//! Objectives: creation, the record of their run, and steering them (docs/api.md §6.3).

use crate::params;
use crate::{Auth, Method, Operation, Param, ParamKind};
use model::objective::{
    CancelRequest, CompactRequest, CompactResponse, ContextWindow, ContinueRequest,
    CreateFeedbackRequest, CreateObjectiveRequest, DenyRequest, Objective, ObjectiveEvent,
    ObjectiveFeedback, ObjectiveTask, ObjectiveTool, ObjectiveToolCall, SetContentRequest,
};
use model::page::Page;
use model::scope::{Resource, Scope};

const PATH: &str = "/v1/workspaces/{workspaceId}/objectives";
const ONE: &str = "/v1/workspaces/{workspaceId}/objectives/{id}";
const CALLS: &str = "/v1/workspaces/{workspaceId}/objectives/{objectiveId}/tool_calls";
const CALL: &str = "/v1/workspaces/{workspaceId}/objectives/{objectiveId}/tool_calls/{id}";
const READ: Auth = Auth::Token(Some(Scope::read(Resource::Objectives)));

const WRITE: Operation = Operation {
    id: "",
    method: Method::Post,
    path: ONE,
    short_form: true,
    auth: Auth::Token(Some(Scope::write(Resource::Objectives))),
    tag: "Objectives",
    summary: "",
    query: &[],
    body: None,
    status: 200,
    response: crate::documented!(Objective),
    dry_run: true,
};

const fn filter(name: &'static str, description: &'static str) -> Param {
    Param {
        name,
        kind: ParamKind::String,
        description,
    }
}

const LIST_QUERY: &[Param] = &[
    params::LIMIT,
    params::CURSOR,
    params::SORT_ORDER,
    params::INCLUDE_INFO,
    params::LABELS,
    filter("agentId", "Only objectives of this agent."),
    filter(
        "status",
        "Only objectives in this status (e.g. `OBJECTIVE_STATUS_COMPLETED`).",
    ),
    filter(
        "parentObjectiveId",
        "Only sub-objectives of this objective.",
    ),
    filter("sourceScheduleId", "Only objectives a schedule created."),
];

const CHILD_QUERY: &[Param] = &[params::LIMIT, params::CURSOR, params::SORT_ORDER];

pub static LIST_OBJECTIVES: Operation = Operation {
    id: "listObjectives",
    method: Method::Get,
    path: PATH,
    auth: READ,
    summary: "List objectives",
    query: LIST_QUERY,
    response: crate::documented!(Page<Objective>),
    dry_run: false,
    ..WRITE
};

pub static CREATE_OBJECTIVE: Operation = Operation {
    id: "createObjective",
    path: PATH,
    summary: "Start an objective: pick a variation, render its prompt with `data`, snapshot its tools, and run",
    body: crate::documented!(CreateObjectiveRequest),
    status: 201,
    ..WRITE
};

pub static GET_OBJECTIVE: Operation = Operation {
    id: "getObjective",
    method: Method::Get,
    auth: READ,
    summary: "Get an objective with its info and its last five context windows",
    dry_run: false,
    ..WRITE
};

pub static LIST_EVENTS: Operation = Operation {
    id: "listObjectiveEvents",
    method: Method::Get,
    path: "/v1/workspaces/{workspaceId}/objectives/{objectiveId}/events",
    auth: READ,
    summary: "The objective's events, oldest first unless `sortOrder=desc`",
    query: &[
        params::LIMIT,
        params::CURSOR,
        params::SORT_ORDER,
        filter("sinceEventId", "Only events after this one."),
    ],
    response: crate::documented!(Page<ObjectiveEvent>),
    dry_run: false,
    ..WRITE
};

pub static STREAM_EVENTS: Operation = Operation {
    id: "streamObjectiveEvents",
    method: Method::Get,
    path: "/v1/workspaces/{workspaceId}/objectives/{objectiveId}/events:stream",
    auth: READ,
    summary: "Server-sent events: every event of the objective as it happens (`id:` = event id, `data:` = the event), after `Last-Event-ID` (header) or `lastEventId`; ends once the objective has ended, or after `event_stream_max_seconds`",
    query: &[filter(
        "lastEventId",
        "Resume after this event (the `Last-Event-ID` header wins).",
    )],
    response: crate::documented!(ObjectiveEvent),
    dry_run: false,
    ..WRITE
};

pub static CONTINUE_OBJECTIVE: Operation = Operation {
    id: "continueObjective",
    path: "/v1/workspaces/{workspaceId}/objectives/{id}:continue",
    summary:
        "Add a user message to a COMPLETED objective and run it again; returns the message's event",
    body: crate::documented!(ContinueRequest),
    response: crate::documented!(ObjectiveEvent),
    ..WRITE
};

pub static CANCEL_OBJECTIVE: Operation = Operation {
    id: "cancelObjective",
    path: "/v1/workspaces/{workspaceId}/objectives/{id}:cancel",
    summary: "Cancel an objective; work in flight stops at the next step",
    body: crate::documented!(CancelRequest),
    ..WRITE
};

pub static COMPACT_OBJECTIVE: Operation = Operation {
    id: "compactObjective",
    path: "/v1/workspaces/{workspaceId}/objectives/{id}:compact",
    summary: "Compact the current context window now (optionally with another compactionConfig); returns the new window. Refused while tool calls are open. dryRun checks without compacting.",
    body: crate::documented!(CompactRequest),
    response: crate::documented!(CompactResponse),
    ..WRITE
};

const CALL_WRITE: Operation = Operation {
    path: CALL,
    response: crate::documented!(ObjectiveToolCall),
    ..WRITE
};

pub static LIST_TOOL_CALLS: Operation = Operation {
    id: "listObjectiveToolCalls",
    method: Method::Get,
    path: CALLS,
    auth: READ,
    summary: "The objective's tool calls",
    query: &[
        params::LIMIT,
        params::CURSOR,
        params::SORT_ORDER,
        filter(
            "status",
            "Only calls in this status (e.g. `TOOL_CALL_STATUS_WAITING_FOR_APPROVAL`).",
        ),
    ],
    response: crate::documented!(Page<ObjectiveToolCall>),
    dry_run: false,
    ..CALL_WRITE
};

pub static LIST_WORKSPACE_TOOL_CALLS: Operation = Operation {
    id: "listToolCalls",
    path: "/v1/workspaces/{workspaceId}/tool_calls",
    summary:
        "Every tool call of the workspace, across its objectives, newest first by default; \
              with `status=TOOL_CALL_STATUS_WAITING_FOR_APPROVAL`, the approvals inbox. Each call \
              names its objective (`info.objective`); approve or deny it on the objective's routes.",
    ..LIST_TOOL_CALLS
};

pub static GET_TOOL_CALL: Operation = Operation {
    id: "getObjectiveToolCall",
    method: Method::Get,
    auth: READ,
    summary: "One tool call",
    dry_run: false,
    ..CALL_WRITE
};

pub static APPROVE_TOOL_CALL: Operation = Operation {
    id: "approveToolCall",
    path: "/v1/workspaces/{workspaceId}/objectives/{objectiveId}/tool_calls/{id}:approve",
    summary: "Approve a call waiting for approval; it then runs",
    ..CALL_WRITE
};

pub static DENY_TOOL_CALL: Operation = Operation {
    id: "denyToolCall",
    path: "/v1/workspaces/{workspaceId}/objectives/{objectiveId}/tool_calls/{id}:deny",
    summary: "Deny a call waiting for approval; the model is told, with the memo",
    body: crate::documented!(DenyRequest),
    ..CALL_WRITE
};

pub static SET_TOOL_CALL_CONTENT: Operation = Operation {
    id: "setToolCallContent",
    path: "/v1/workspaces/{workspaceId}/objectives/{objectiveId}/tool_calls/{id}:setContent",
    summary: "Give a bare tool call its result",
    body: crate::documented!(SetContentRequest),
    ..CALL_WRITE
};

pub static LIST_TOOLS: Operation = Operation {
    id: "listObjectiveTools",
    method: Method::Get,
    path: "/v1/workspaces/{workspaceId}/objectives/{objectiveId}/tools",
    auth: READ,
    summary: "The tools the objective can call, as snapshotted at creation",
    query: CHILD_QUERY,
    response: crate::documented!(Page<ObjectiveTool>),
    dry_run: false,
    ..WRITE
};

pub static LIST_TASKS: Operation = Operation {
    id: "listObjectiveTasks",
    method: Method::Get,
    path: "/v1/workspaces/{workspaceId}/objectives/{objectiveId}/tasks",
    auth: READ,
    summary: "Tasks the model keeps with its task_create / task_update tools",
    query: CHILD_QUERY,
    response: crate::documented!(Page<ObjectiveTask>),
    dry_run: false,
    ..WRITE
};

pub static GET_TASK: Operation = Operation {
    id: "getObjectiveTask",
    method: Method::Get,
    path: "/v1/workspaces/{workspaceId}/objectives/{objectiveId}/tasks/{id}",
    auth: READ,
    summary: "One task",
    response: crate::documented!(ObjectiveTask),
    dry_run: false,
    ..WRITE
};

pub static LIST_CONTEXT_WINDOWS: Operation = Operation {
    id: "listObjectiveContextWindows",
    method: Method::Get,
    path: "/v1/workspaces/{workspaceId}/objectives/{objectiveId}/context_windows",
    auth: READ,
    summary: "The objective's context windows with their token usage",
    query: CHILD_QUERY,
    response: crate::documented!(Page<ContextWindow>),
    dry_run: false,
    ..WRITE
};

pub static CREATE_FEEDBACK: Operation = Operation {
    id: "createObjectiveFeedback",
    path: "/v1/workspaces/{workspaceId}/objectives/{objectiveId}/feedback",
    summary: "Score the objective's run (-1..1); moves its variation's score",
    auth: Auth::Token(Some(Scope::write(Resource::Feedback))),
    body: crate::documented!(CreateFeedbackRequest),
    status: 201,
    response: crate::documented!(ObjectiveFeedback),
    ..WRITE
};

pub static LIST_FEEDBACK: Operation = Operation {
    id: "listObjectiveFeedback",
    method: Method::Get,
    path: "/v1/workspaces/{workspaceId}/objectives/{objectiveId}/feedback",
    auth: Auth::Token(Some(Scope::read(Resource::Feedback))),
    summary: "Feedback given on the objective",
    query: CHILD_QUERY,
    response: crate::documented!(Page<ObjectiveFeedback>),
    dry_run: false,
    ..WRITE
};

pub static ALL: &[&Operation] = &[
    &LIST_OBJECTIVES,
    &CREATE_OBJECTIVE,
    &GET_OBJECTIVE,
    &LIST_EVENTS,
    &STREAM_EVENTS,
    &CONTINUE_OBJECTIVE,
    &CANCEL_OBJECTIVE,
    &COMPACT_OBJECTIVE,
    &LIST_TOOL_CALLS,
    &LIST_WORKSPACE_TOOL_CALLS,
    &GET_TOOL_CALL,
    &APPROVE_TOOL_CALL,
    &DENY_TOOL_CALL,
    &SET_TOOL_CALL_CONTENT,
    &LIST_TOOLS,
    &LIST_TASKS,
    &GET_TASK,
    &LIST_CONTEXT_WINDOWS,
    &CREATE_FEEDBACK,
    &LIST_FEEDBACK,
];
