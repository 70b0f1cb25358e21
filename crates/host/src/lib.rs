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

/// Declares a component's Spin HTTP entry point (wasm32 only) serving `$app`, a static
/// [`ports::HttpService`] of the calling crate. The crate must depend on `spin-sdk`
/// for wasm32.
#[macro_export]
macro_rules! http_component {
    ($app:ident) => {
        #[cfg(target_arch = "wasm32")]
        mod spin_entry {
            #[spin_sdk::http_component]
            fn handle(req: spin_sdk::http::IncomingRequest, out: spin_sdk::http::ResponseOutparam) {
                $crate::spin::serve(&super::$app, req, out);
            }
        }
    };
}
