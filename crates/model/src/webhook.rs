//! Webhook deliveries of objective events (docs/api.md §6.1, §6.2 `WebhookDelivery`, docs/api.md §6.3
//! `ObjectiveEventWebhookData`, docs/api.md §4.2).

use crate::agent::Agent;
use crate::metadata::OperationMetadata;
use crate::objective::{EventType, Objective, ObjectiveEvent};
use crate::variation::Variation;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

crate::wire_enum! {
    DeliveryStatus {
        Unspecified = "WEBHOOK_DELIVERY_STATUS_UNSPECIFIED",
        Pending = "WEBHOOK_DELIVERY_STATUS_PENDING",
        Completed = "WEBHOOK_DELIVERY_STATUS_COMPLETED",
        Failed = "WEBHOOK_DELIVERY_STATUS_FAILED",
        Disabled = "WEBHOOK_DELIVERY_STATUS_DISABLED",
    }
}

/// One event's delivery to an agent's `webhookEventsUrl`, with its last attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WebhookDelivery {
    pub metadata: OperationMetadata,
    pub data: WebhookDeliveryData,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDeliveryData {
    pub agent_id: String,
    pub objective_id: String,
    pub objective_event_id: String,
    pub event_type: EventType,
    /// The webhook configuration: the agent's `webhookEventsUrl`, so the agent id.
    pub webhook_id: String,
    pub webhook_url: String,
    pub status: DeliveryStatus,
    pub attempt_count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub last_attempt_at: Option<String>,
    /// When the next attempt is due (pending deliveries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub next_attempt_at: Option<String>,
    /// The last attempt's HTTP status; 0 while no HTTP answer was received (not yet
    /// attempted, or the receiver was unreachable).
    pub http_status_code: i64,
    /// The last attempt's duration; 0 before the first attempt.
    pub latency_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_headers: Option<BTreeMap<String, String>>,
    /// Bytes in the last response's body (the body itself is never stored); "0" while no
    /// HTTP answer was received.
    pub response_content_length: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// What a webhook receiver gets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ObjectiveEventWebhookData {
    #[serde(rename = "type")]
    pub kind: EventType,
    #[schemars(extend("format" = "date-time"))]
    pub timestamp: String,
    pub data: WebhookPayload,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookPayload {
    pub agent: Agent,
    pub agent_variation: Variation,
    pub objective: Objective,
    pub objective_event: ObjectiveEvent,
}

/// A webhook signing secret in the Standard Webhooks form: `whsec_` + base64 of the key.
pub fn secret_from_key(key: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )
}
