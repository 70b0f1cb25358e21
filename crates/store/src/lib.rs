//! The system of record: SQLite schema, migrations and typed repositories.
//!
//! Everything runs over [`ports::Sql`], one statement per call. Hot paths are written
//! to use as few statements as possible: each one is a host call under Spin.

pub mod agents;
pub mod api_keys;
pub mod audit;
mod db;
pub mod feedback;
pub mod identity;
pub mod list;
pub mod memory;
pub mod models;
pub mod objectives;
pub mod providers;
mod resource;
pub mod schedules;
pub mod schema;
pub mod tools;
pub mod variations;
pub mod webhooks;

pub use db::{Db, Row, StoreError};
