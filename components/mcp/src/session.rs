//! Sessions (`Mcp-Session-Id`): a record in the key-value store, so any instance serves
//! any request of a session. A session belongs to the API key and workspace that opened
//! it; presented with another key it does not exist.

use serde::{Deserialize, Serialize};
use web::{ApiError, Ctx};

pub const HEADER: &str = "mcp-session-id";
const PREFIX: &str = "mcp:session:";
const CALL_PREFIX: &str = "mcp:call:";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    key_id: String,
    workspace_id: String,
    pub protocol_version: String,
    /// The fingerprint of the tool list this session last saw (`tools/list`); the
    /// notification stream reports a change against it.
    #[serde(default)]
    pub listed: Option<String>,
}

fn kv_error(e: impl std::fmt::Display) -> ApiError {
    eprintln!("mcp session store: {e}");
    ApiError::unavailable()
}

/// A new session for the caller's key and workspace.
pub fn open(ctx: &Ctx, protocol_version: &str) -> Result<Session, ApiError> {
    let p = ctx.principal()?;
    let s = Session {
        id: format!("mcps_{:032x}", ctx.env.random.next_u128()),
        key_id: p.key_id.clone(),
        workspace_id: ctx.workspace()?.to_owned(),
        protocol_version: protocol_version.to_owned(),
        listed: None,
    };
    save(ctx, &s)?;
    Ok(s)
}

pub fn save(ctx: &Ctx, s: &Session) -> Result<(), ApiError> {
    let bytes = serde_json::to_vec(s).map_err(|e| kv_error(e.to_string()))?;
    ctx.env
        .kv
        .set(&format!("{PREFIX}{}", s.id), &bytes)
        .map_err(|e| kv_error(format!("{e:?}")))
}

/// What the request's `Mcp-Session-Id` names.
pub enum Found {
    Missing,
    /// Unknown, ended, or another key's or workspace's.
    Unknown,
    Live(Session),
}

pub fn find(ctx: &Ctx) -> Result<Found, ApiError> {
    let Some(id) = ctx.headers.get(HEADER).and_then(|v| v.to_str().ok()) else {
        return Ok(Found::Missing);
    };
    let p = ctx.principal()?;
    let raw = ctx
        .env
        .kv
        .get(&format!("{PREFIX}{id}"))
        .map_err(|e| kv_error(format!("{e:?}")))?;
    let Some(s) = raw.and_then(|b| serde_json::from_slice::<Session>(&b).ok()) else {
        return Ok(Found::Unknown);
    };
    if s.key_id != p.key_id || s.workspace_id != ctx.workspace()? {
        return Ok(Found::Unknown);
    }
    Ok(Found::Live(s))
}

pub fn end(ctx: &Ctx, s: &Session) -> Result<(), ApiError> {
    ctx.env
        .kv
        .delete(&format!("{PREFIX}{}", s.id))
        .map_err(|e| kv_error(format!("{e:?}")))
}

/// Where an agent call in flight records its objective, so a `notifications/cancelled`
/// naming the call's request can cancel it; deleted when the call answers.
pub fn call_key(s: &Session, request_id: &serde_json::Value) -> String {
    format!("{CALL_PREFIX}{}:{request_id}", s.id)
}

pub fn remember_call(ctx: &Ctx, key: &str, objective_id: &str) -> Result<(), ApiError> {
    ctx.env
        .kv
        .set(key, objective_id.as_bytes())
        .map_err(|e| kv_error(format!("{e:?}")))
}

/// The objective a call in flight started, if it still runs.
pub fn called(ctx: &Ctx, key: &str) -> Result<Option<String>, ApiError> {
    let raw = ctx
        .env
        .kv
        .get(key)
        .map_err(|e| kv_error(format!("{e:?}")))?;
    Ok(raw.and_then(|b| String::from_utf8(b).ok()))
}

/// The call answered: nothing left to cancel (a failure only leaves a stale pointer).
pub fn forget_call(kv: &dyn ports::Kv, key: &str) {
    if let Err(e) = kv.delete(key) {
        eprintln!("mcp call record {key} not deleted: {e:?}");
    }
}
