//! Webhook deliveries: queued with each objective event, claimed under a lease by the
//! scheduler, sent in event order per objective.

use crate::db::{json_text, Db, Row, StoreError};
use crate::list::{self, ListQuery, Listed, Source};
use crate::objectives::EventRecord;
use model::metadata::OperationMetadata;
use model::objective::EventType;
use model::time::format_ms;
use model::webhook::{DeliveryStatus, WebhookDelivery, WebhookDeliveryData};
use ports::Value;
use std::collections::BTreeMap;

const PENDING: &str = "WEBHOOK_DELIVERY_STATUS_PENDING";

/// Queues the event's delivery when its agent has a `webhookEventsUrl` (one statement,
/// in the event's transaction). The delivery shares the event's ULID.
pub(crate) fn queue(db: &Db, e: &EventRecord) -> Result<(), StoreError> {
    let ulid = e.id.rsplit('_').next().unwrap_or_default();
    db.exec(
        "INSERT INTO webhook_deliveries (id, account_id, workspace_id, agent_id, objective_id, event_id,
             event_type, url, status, next_attempt_at, created_at)
         SELECT ?1, o.account_id, o.workspace_id, o.agent_id, o.id, ?2, ?3,
                json_extract(a.spec, '$.webhookEventsUrl'), ?4, ?5, ?5
         FROM objectives o JOIN agents a ON a.id = o.agent_id
         WHERE o.id = ?6 AND COALESCE(json_extract(a.spec, '$.webhookEventsUrl'), '') <> ''",
        &[
            format!("whdel_{ulid}").into(),
            e.id.as_str().into(),
            e.data.kind().as_str().into(),
            PENDING.into(),
            e.created_at_ms.into(),
            e.objective_id.as_str().into(),
        ],
    )?;
    Ok(())
}

const COLS: &str = "d.id, d.account_id, d.workspace_id, d.agent_id, d.objective_id, d.event_id, d.event_type,
    d.url, d.status, d.attempt_count, d.last_attempt_at, d.next_attempt_at, d.http_status, d.latency_ms,
    d.headers, d.content_length, d.error, d.created_at,
    (SELECT o.profile_id FROM objectives o WHERE o.id = d.objective_id)";

fn from_row(row: &[Value]) -> Result<WebhookDelivery, StoreError> {
    let r = Row(row);
    let status = r.wire(8, DeliveryStatus::parse)?;
    let headers: Option<BTreeMap<String, String>> = if r.is_null(14) {
        None
    } else {
        Some(r.json(14)?)
    };
    Ok(WebhookDelivery {
        // attributed to the objective's creator, on whose behalf the event was delivered
        metadata: OperationMetadata::record(
            r.text(0)?,
            r.text(1)?,
            r.text(2)?,
            r.opt_text(18)?.unwrap_or_default(),
            r.int(17)?,
        ),
        data: WebhookDeliveryData {
            agent_id: r.text(3)?,
            objective_id: r.text(4)?,
            objective_event_id: r.text(5)?,
            event_type: r.wire(6, EventType::parse)?,
            webhook_id: r.text(3)?,
            webhook_url: r.text(7)?,
            status,
            attempt_count: r.int(9)?,
            last_attempt_at: r.opt_int(10)?.map(format_ms),
            next_attempt_at: if status == DeliveryStatus::Pending {
                r.opt_int(11)?.map(format_ms)
            } else {
                None
            },
            http_status_code: r.opt_int(12)?.unwrap_or(0),
            latency_ms: r.opt_int(13)?.unwrap_or(0),
            response_headers: headers,
            response_content_length: r.opt_int(15)?.unwrap_or(0).to_string(),
            error_message: r.opt_text(16)?,
        },
    })
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeliveryFilters {
    pub objective_id: Option<String>,
    pub event_type: Option<EventType>,
    pub status: Option<DeliveryStatus>,
}

pub fn list(
    db: &Db,
    agent_id: &str,
    q: &ListQuery,
    f: &DeliveryFilters,
) -> Result<Listed<WebhookDelivery>, StoreError> {
    let mut filters = Vec::new();
    if let Some(o) = &f.objective_id {
        filters.push((
            "d.objective_id = ?".to_owned(),
            vec![Value::from(o.as_str())],
        ));
    }
    if let Some(t) = f.event_type {
        filters.push(("d.event_type = ?".to_owned(), vec![Value::from(t.as_str())]));
    }
    if let Some(s) = f.status {
        filters.push(("d.status = ?".to_owned(), vec![Value::from(s.as_str())]));
    }
    let src = Source {
        columns: COLS,
        from: "FROM webhook_deliveries d",
        count_from: "FROM webhook_deliveries d",
        alias: "d",
        scope_col: "d.agent_id",
        scope: agent_id,
        counter: None,
        filters,
        prefix_col: "d.event_type",
    };
    list::run(db, src, q)?.try_map(|row| from_row(&row))
}

pub fn get(db: &Db, agent_id: &str, id: &str) -> Result<Option<WebhookDelivery>, StoreError> {
    let row = db.one(
        &format!("SELECT {COLS} FROM webhook_deliveries d WHERE d.agent_id = ?1 AND d.id = ?2"),
        &[agent_id.into(), id.into()],
    )?;
    row.map(|r| from_row(&r)).transpose()
}

/// Puts a FAILED or DISABLED delivery back in the queue, due now; false otherwise.
pub fn retry(db: &Db, id: &str, now_ms: i64) -> Result<bool, StoreError> {
    let rows = db.exec(
        "UPDATE webhook_deliveries SET status = ?2, next_attempt_at = ?3, attempt_count = 0, lease_until = 0
         WHERE id = ?1 AND status IN ('WEBHOOK_DELIVERY_STATUS_FAILED', 'WEBHOOK_DELIVERY_STATUS_DISABLED')
         RETURNING id",
        &[id.into(), PENDING.into(), now_ms.into()],
    )?;
    Ok(!rows.rows.is_empty())
}

/// Deliveries due now that are first in line for their objective (an earlier pending
/// one holds the later ones back, so events arrive in order).
pub fn due(db: &Db, now_ms: i64, limit: i64) -> Result<Vec<String>, StoreError> {
    let rows = db.exec(
        "SELECT d.id FROM webhook_deliveries d
         WHERE d.status = ?1 AND d.next_attempt_at <= ?2 AND d.lease_until <= ?2
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
                           WHERE e.objective_id = d.objective_id AND e.status = ?1 AND e.id < d.id)
         ORDER BY d.next_attempt_at LIMIT ?3",
        &[PENDING.into(), now_ms.into(), limit.into()],
    )?;
    rows.rows.iter().map(|r| Row(r).text(0)).collect()
}

/// A claimed delivery: what to send and where.
#[derive(Clone, Debug, PartialEq)]
pub struct Claimed {
    pub id: String,
    pub account_id: String,
    pub workspace_id: String,
    pub agent_id: String,
    pub objective_id: String,
    pub event_id: String,
    pub url: String,
    pub attempt_count: i64,
}

/// Leases a due delivery for one attempt (one statement: two instances never send
/// the same attempt).
pub fn claim(db: &Db, id: &str, now_ms: i64, lease_ms: i64) -> Result<Option<Claimed>, StoreError> {
    let row = db.one(
        "UPDATE webhook_deliveries SET lease_until = ?3
         WHERE id = ?1 AND status = ?4 AND next_attempt_at <= ?2 AND lease_until <= ?2
         RETURNING id, account_id, workspace_id, agent_id, objective_id, event_id, url, attempt_count",
        &[id.into(), now_ms.into(), (now_ms + lease_ms).into(), PENDING.into()],
    )?;
    row.map(|r| {
        let r = Row(&r);
        Ok(Claimed {
            id: r.text(0)?,
            account_id: r.text(1)?,
            workspace_id: r.text(2)?,
            agent_id: r.text(3)?,
            objective_id: r.text(4)?,
            event_id: r.text(5)?,
            url: r.text(6)?,
            attempt_count: r.int(7)?,
        })
    })
    .transpose()
}

/// What one attempt found out.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    pub at_ms: i64,
    pub status: DeliveryStatus,
    /// When the next attempt is due (PENDING).
    pub next_attempt_at: Option<i64>,
    pub http_status: Option<i64>,
    pub latency_ms: i64,
    pub headers: Option<BTreeMap<String, String>>,
    pub content_length: Option<i64>,
    pub error: Option<String>,
}

pub fn record_attempt(db: &Db, id: &str, a: &Attempt) -> Result<(), StoreError> {
    db.exec(
        "UPDATE webhook_deliveries SET status = ?2, attempt_count = attempt_count + 1, last_attempt_at = ?3,
             next_attempt_at = ?4, http_status = ?5, latency_ms = ?6, headers = ?7, content_length = ?8,
             error = ?9, lease_until = 0
         WHERE id = ?1",
        &[
            id.into(),
            a.status.as_str().into(),
            a.at_ms.into(),
            a.next_attempt_at.into(),
            a.http_status.into(),
            a.latency_ms.into(),
            a.headers.as_ref().map_or(Value::Null, json_text),
            a.content_length.into(),
            a.error.clone().into(),
        ],
    )?;
    Ok(())
}

/// 410 Gone: every delivery still waiting for this agent's URL is disabled too.
pub fn disable_url(db: &Db, agent_id: &str, url: &str, reason: &str) -> Result<(), StoreError> {
    db.exec(
        "UPDATE webhook_deliveries SET status = 'WEBHOOK_DELIVERY_STATUS_DISABLED', error = ?3, lease_until = 0
         WHERE agent_id = ?1 AND url = ?2 AND status = ?4",
        &[agent_id.into(), url.into(), reason.into(), PENDING.into()],
    )?;
    Ok(())
}

/// An event by id (the webhook payload carries it).
pub fn event(db: &Db, id: &str) -> Result<Option<EventRecord>, StoreError> {
    crate::objectives::get_event(db, id)
}
