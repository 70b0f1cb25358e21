//! The HTTP kit every component is built from.
//!
//! A component declares its routes as [`Route`]s (an [`Operation`] from the `api`
//! catalog plus a handler) and hands them to [`App`], which implements the host's
//! [`ports::HttpService`]: request ids, body limits, routing, authentication, workspace
//! isolation, scopes, rate limits, JSON errors and the audit row of every call.

mod app;
pub mod auth;
pub mod cache;
mod ctx;
mod error;
pub mod keys;
mod lookup;
pub mod query;
mod ratelimit;
mod reply;
mod router;
pub mod strict;
#[cfg(feature = "testing")]
pub mod testing;

pub use app::{App, Hint, Prefetch, Route};
pub use ctx::{Ctx, Principal};
pub use error::ApiError;
pub use lookup::{ensure_unassigned, Assigned};
pub use reply::Reply;
pub use router::Match;

/// Bodies above this many bytes are refused with 413.
pub const BODY_LIMIT: usize = 1 << 20;

pub type HandlerResult = Result<Reply, ApiError>;
