//! An agent's webhook deliveries and feedback (docs/api.md §6.1, §6.2, §6.3, §4.2).

use crate::params;
use crate::{Auth, Method, Operation, Param, ParamKind};
use model::objective::ObjectiveFeedback;
use model::page::Page;
use model::scope::{Resource, Scope};
use model::webhook::WebhookDelivery;

const DELIVERIES: &str = "/v1/workspaces/{workspaceId}/agents/{agentId}/webhook_deliveries";
const READ: Auth = Auth::Token(Some(Scope::read(Resource::Webhooks)));

const BASE: Operation = Operation {
    id: "",
    method: Method::Get,
    path: DELIVERIES,
    short_form: true,
    auth: READ,
    tag: "Webhooks",
    summary: "",
    query: &[],
    body: None,
    status: 200,
    response: crate::documented!(WebhookDelivery),
    dry_run: false,
};

const fn filter(name: &'static str, description: &'static str) -> Param {
    Param {
        name,
        kind: ParamKind::String,
        description,
    }
}

pub static LIST_DELIVERIES: Operation = Operation {
    id: "listWebhookDeliveries",
    summary: "The agent's webhook deliveries, newest first",
    query: &[
        params::LIMIT,
        params::CURSOR,
        params::SORT_ORDER,
        filter("objectiveId", "Only deliveries of this objective's events."),
        filter(
            "eventType",
            "Only deliveries of this event type (e.g. `OBJECTIVE_EVENT_TYPE_ERROR`).",
        ),
        filter(
            "status",
            "Only deliveries in this status (e.g. `WEBHOOK_DELIVERY_STATUS_FAILED`).",
        ),
    ],
    response: crate::documented!(Page<WebhookDelivery>),
    ..BASE
};

pub static GET_DELIVERY: Operation = Operation {
    id: "getWebhookDelivery",
    path: "/v1/workspaces/{workspaceId}/agents/{agentId}/webhook_deliveries/{id}",
    summary: "One delivery with its last attempt (status, latency, response headers and length)",
    ..BASE
};

pub static RETRY_DELIVERY: Operation = Operation {
    id: "retryWebhookDelivery",
    method: Method::Post,
    path: "/v1/workspaces/{workspaceId}/agents/{agentId}/webhook_deliveries/{id}:retry",
    auth: Auth::Token(Some(Scope::write(Resource::Webhooks))),
    summary: "Queue a FAILED or DISABLED delivery again",
    dry_run: true,
    ..BASE
};

pub static LIST_AGENT_FEEDBACK: Operation = Operation {
    id: "listAgentFeedback",
    path: "/v1/workspaces/{workspaceId}/agents/{agentId}/feedback",
    auth: Auth::Token(Some(Scope::read(Resource::Feedback))),
    tag: "Feedback",
    summary: "Feedback on the agent's objectives, newest first",
    query: &[
        params::LIMIT,
        params::CURSOR,
        params::SORT_ORDER,
        filter(
            "agentVariationId",
            "Only feedback on objectives this variation ran.",
        ),
        filter(
            "createdAfter",
            "RFC 3339; only feedback given after this instant.",
        ),
        filter(
            "createdBefore",
            "RFC 3339; only feedback given before this instant.",
        ),
        filter("minScore", "Only feedback scoring at least this (-1..1)."),
        filter("maxScore", "Only feedback scoring at most this (-1..1)."),
    ],
    response: crate::documented!(Page<ObjectiveFeedback>),
    ..BASE
};

pub static ALL: &[&Operation] = &[
    &LIST_DELIVERIES,
    &GET_DELIVERY,
    &RETRY_DELIVERY,
    &LIST_AGENT_FEEDBACK,
];
