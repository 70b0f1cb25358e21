//! The ports' implementations.
//!
//! - [`spin`] (wasm32 only): Spin's SQLite and key-value stores, variables, WASI clocks
//!   and randomness, and the HTTP entry point every component uses.
//! - [`native`] (everything else): rusqlite in memory, an in-memory key-value store, a
//!   settable clock and seeded randomness, for component tests.

#[cfg(not(target_arch = "wasm32"))]
pub mod native;
#[cfg(target_arch = "wasm32")]
pub mod spin;
