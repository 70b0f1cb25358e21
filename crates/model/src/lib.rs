//! Wire types of the API: resources, requests, enums, ids and their validation.
//!
//! Everything here is plain data plus pure functions; no I/O.

pub mod agent;
pub mod audit;
pub mod enums;
pub mod error;
pub mod identity;
pub mod ids;
pub mod json_schema;
pub mod memory;
pub mod metadata;
pub mod models;
pub mod objective;
pub mod page;
pub mod patch;
pub mod providers;
pub mod schedule;
pub mod scope;
pub mod template;
pub mod time;
pub mod tools;
pub mod variation;
pub mod violations;
pub mod webhook;

pub use violations::{FieldViolation, Violations};

/// A JSON object, as used for free-form schema fields.
pub type JsonObject = serde_json::Map<String, serde_json::Value>;
