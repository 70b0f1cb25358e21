//! Delivering objective events to agents' `webhookEventsUrl` (docs/api.md §4.2), signed per
//! Standard Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{ts}.{body}")>`
//! where the key is the base64 part of the account's `whsec_…` secret.

use crate::schedule::parse_duration;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use model::ids::{AgentId, ObjectiveId, Ref};
use model::webhook::{DeliveryStatus, ObjectiveEventWebhookData, WebhookPayload};
use ports::{Env, HttpError, Limits, Random};
use std::collections::BTreeMap;
use store::webhooks::{self, Attempt, Claimed};
use store::{Db, StoreError};

pub const RETRY_VAR: &str = "webhook_retry_schedule";
pub const DEFAULT_RETRY_SCHEDULE: &str = "5s,5m,30m,2h,5h,10h";
const TIMEOUT_MS: u64 = 10_000;
/// Long enough that an attempt (at most the timeout) never outlives its claim.
const LEASE_MS: i64 = TIMEOUT_MS as i64 + 10_000;
/// Only headers and the length are kept; the body is read this far at most.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// A fresh signing secret: `whsec_` + base64 of 32 random bytes.
pub fn new_secret(random: &dyn Random) -> String {
    let mut key = [0u8; 32];
    random.fill(&mut key);
    model::webhook::secret_from_key(&key)
}

/// The `webhook-signature` value for one message.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, String> {
    let key = B64
        .decode(secret.trim_start_matches("whsec_"))
        .map_err(|e| format!("the account's webhook secret is not base64: {e}"))?;
    let mut message = format!("{id}.{timestamp}.").into_bytes();
    message.extend_from_slice(body);
    let mac = hmac_sha256::HMAC::mac(&message, &key);
    Ok(format!("v1,{}", B64.encode(mac)))
}

/// Waits between attempts, from `webhook_retry_schedule` (an unreadable value falls
/// back to the default, with a log line).
pub fn retry_schedule(env: &Env) -> Vec<i64> {
    let parse = |text: &str| -> Result<Vec<i64>, String> {
        text.split(',')
            .map(|d| parse_duration(d).map(|s| s * 1000))
            .collect()
    };
    let configured = env.vars.get(RETRY_VAR).filter(|v| !v.trim().is_empty());
    match configured.as_deref().map(parse) {
        Some(Ok(s)) => s,
        Some(Err(e)) => {
            eprintln!("{RETRY_VAR}: {e}; using {DEFAULT_RETRY_SCHEDULE}");
            parse(DEFAULT_RETRY_SCHEDULE).unwrap_or_default()
        }
        None => parse(DEFAULT_RETRY_SCHEDULE).unwrap_or_default(),
    }
}

/// Sends every due delivery (first in line per objective) until none is left or the
/// budget is spent; returns how many attempts were made.
pub fn deliver_due(env: &Env, budget_ms: i64) -> Result<usize, StoreError> {
    let db = Db::new(env.sql);
    let deadline = env.clock.now_ms() + budget_ms;
    let schedule = retry_schedule(env);
    let mut attempts = 0;
    // each pass sends the head of every objective's queue; the next pass the one after
    for _ in 0..100 {
        let ids = webhooks::due(&db, env.clock.now_ms(), 50)?;
        if ids.is_empty() {
            break;
        }
        for id in ids {
            if env.clock.now_ms() >= deadline {
                return Ok(attempts);
            }
            db.prepare_write()?;
            let Some(claimed) = webhooks::claim(&db, &id, env.clock.now_ms(), LEASE_MS)? else {
                continue;
            };
            attempt(env, &db, &claimed, &schedule)?;
            attempts += 1;
        }
    }
    Ok(attempts)
}

/// The envelope for a claimed delivery; `Err` when something it names is gone.
fn payload(db: &Db, c: &Claimed) -> Result<Result<(String, Vec<u8>), String>, StoreError> {
    let (Ok(agent_id), Ok(objective_id)) = (
        AgentId::parse(&c.agent_id),
        ObjectiveId::parse(&c.objective_id),
    ) else {
        return Ok(Err("the delivery names malformed ids".into()));
    };
    let Some(agent) = store::agents::get(db, &c.workspace_id, &Ref::Id(agent_id))? else {
        return Ok(Err("the agent no longer exists".into()));
    };
    let Some(objective) = store::objectives::get(db, &c.workspace_id, &Ref::Id(objective_id))?
    else {
        return Ok(Err("the objective no longer exists".into()));
    };
    let Some(event) = store::objectives::get_event(db, &c.event_id)? else {
        return Ok(Err("the event no longer exists".into()));
    };
    let event = event.into_wire(&store::objectives::Owner::of(&objective));
    let envelope = ObjectiveEventWebhookData {
        kind: event.data.kind(),
        timestamp: event.metadata.created_at.clone(),
        data: WebhookPayload {
            agent,
            agent_variation: objective.data.agent_variation.clone(),
            objective,
            objective_event: event,
        },
    };
    Ok(Ok((
        c.account_id.clone(),
        serde_json::to_vec(&envelope).unwrap_or_default(),
    )))
}

/// An attempt after which no other follows, whatever the retry schedule says.
fn settle(mut a: Attempt, status: DeliveryStatus) -> Attempt {
    a.status = status;
    a.next_attempt_at = None;
    a
}

fn attempt(env: &Env, db: &Db, c: &Claimed, schedule: &[i64]) -> Result<(), StoreError> {
    let started = env.clock.now_ms();
    let failed = |error: String, status: Option<i64>, headers, length| {
        // attempts made so far, this one included
        let made = c.attempt_count as usize + 1;
        let next = schedule.get(made - 1).map(|wait| env.clock.now_ms() + wait);
        Attempt {
            at_ms: started,
            status: if next.is_some() {
                DeliveryStatus::Pending
            } else {
                DeliveryStatus::Failed
            },
            next_attempt_at: next,
            http_status: status,
            latency_ms: env.clock.now_ms() - started,
            headers,
            content_length: length,
            error: Some(error),
        }
    };
    let (account_id, body) = match payload(db, c)? {
        Ok(p) => p,
        Err(reason) => {
            let a = settle(failed(reason, None, None, None), DeliveryStatus::Failed);
            return webhooks::record_attempt(db, &c.id, &a);
        }
    };
    let secret = store::identity::webhook_secret(db, &account_id, &new_secret(env.random))?;
    let settings = crate::settings::Settings::from_vars(env.vars);
    let outcome = crate::net::check_target(&c.url, settings.allow_private)
        .and_then(|_| {
            let ts = started / 1000;
            let signature = sign(&secret, &c.id, ts, &body)?;
            http::Request::builder()
                .method("POST")
                .uri(&c.url)
                .header("content-type", "application/json")
                .header("user-agent", "cadenya-spin")
                .header("webhook-id", &c.id)
                .header("webhook-timestamp", ts.to_string())
                .header("webhook-signature", signature)
                .body(body)
                .map_err(|e| format!("cannot build the request: {e}"))
        })
        .map(|req| {
            let limits = Limits {
                timeout_ms: TIMEOUT_MS,
                max_response_bytes: MAX_RESPONSE_BYTES,
                truncate: true,
            };
            env.http.send(req, limits)
        });
    let a = match outcome {
        Err(refused) => settle(failed(refused, None, None, None), DeliveryStatus::Failed),
        Ok(Err(e)) => {
            let message = match e {
                HttpError::Timeout => format!("no answer within {} s", TIMEOUT_MS / 1000),
                other => other.to_string(),
            };
            failed(message, None, None, None)
        }
        Ok(Ok(resp)) => {
            let status = resp.status().as_u16() as i64;
            let mut headers = BTreeMap::new();
            for (name, value) in resp.headers() {
                let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
                headers
                    .entry(name.as_str().to_owned())
                    .and_modify(|e: &mut String| {
                        e.push_str(", ");
                        e.push_str(&v);
                    })
                    .or_insert(v);
            }
            let length = resp
                .headers()
                .get("content-length")
                .and_then(|v| v.to_str().ok()?.parse::<i64>().ok())
                .unwrap_or(resp.body().len() as i64);
            if (200..300).contains(&status) {
                Attempt {
                    at_ms: started,
                    status: DeliveryStatus::Completed,
                    next_attempt_at: None,
                    http_status: Some(status),
                    latency_ms: env.clock.now_ms() - started,
                    headers: Some(headers),
                    content_length: Some(length),
                    error: None,
                }
            } else if status == 410 {
                let reason = "the endpoint answered 410 Gone: deliveries to this URL are disabled"
                    .to_owned();
                let a = settle(
                    failed(reason.clone(), Some(status), Some(headers), Some(length)),
                    DeliveryStatus::Disabled,
                );
                db.transaction(true, |db| {
                    webhooks::record_attempt(db, &c.id, &a)?;
                    webhooks::disable_url(db, &c.agent_id, &c.url, &reason)
                })?;
                return Ok(());
            } else {
                failed(
                    format!("the endpoint answered HTTP {status}"),
                    Some(status),
                    Some(headers),
                    Some(length),
                )
            }
        }
    };
    webhooks::record_attempt(db, &c.id, &a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // the example of the Standard Webhooks specification
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn retry_schedule_comes_from_the_variable() {
        let host = host::native::NativeHost::new();
        assert_eq!(
            retry_schedule(&host.env()),
            [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000]
        );
        host.vars.set(RETRY_VAR, "1s,2s");
        assert_eq!(retry_schedule(&host.env()), [1_000, 2_000]);
        host.vars.set(RETRY_VAR, "soon");
        assert_eq!(retry_schedule(&host.env()).len(), 6);
    }
}
