//! Every operation of the public API, declared once.
//!
//! Components bind these to handlers (`web::Route`); `/openapi.json` is generated from
//! the same values and the request/response types' derived JSON Schemas, so the
//! document always says what the server does.

pub mod agents;
#[cfg(feature = "openapi")]
pub mod examples;
pub mod identity;
pub mod mcp;
pub mod memory;
pub mod models;
pub mod objectives;
#[cfg(feature = "openapi")]
pub mod openapi;
mod operation;
mod params;
pub mod providers;
pub mod schedules;
pub mod tools;
pub mod variations;
pub mod webhooks;

pub use operation::{
    schema, short_form, undocumented, Auth, Method, Operation, Param, ParamKind, SchemaFn,
};

/// Every operation, in document order.
pub fn all() -> Vec<&'static Operation> {
    [
        identity::ALL,
        agents::ALL,
        variations::ALL,
        schedules::ALL,
        tools::ALL,
        memory::ALL,
        objectives::ALL,
        webhooks::ALL,
        providers::ALL,
        models::ALL,
    ]
    .into_iter()
    .flatten()
    .copied()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Auth;
    use std::collections::HashSet;

    #[test]
    fn operation_ids_and_routes_are_unique() {
        let mut ids = HashSet::new();
        let mut routes = HashSet::new();
        for op in all() {
            assert!(ids.insert(op.id), "duplicate operationId {}", op.id);
            assert!(
                routes.insert((op.method, op.path)),
                "duplicate route {} {}",
                op.method.as_str(),
                op.path
            );
        }
    }

    /// Read-only tokens can never mutate: every state-changing operation needs a write scope.
    #[test]
    fn every_mutation_requires_a_write_scope() {
        use model::scope::{Access, Scope};
        for op in all() {
            if !op.method.mutates() || op.auth == Auth::Bootstrap {
                continue;
            }
            match op.scope() {
                Some(Scope::All) | Some(Scope::On(_, Access::Write)) => {}
                other => panic!("{} mutates but requires {other:?}", op.id),
            }
        }
    }

    #[test]
    fn dry_run_is_offered_on_every_mutation() {
        for op in all() {
            if op.method.mutates() && op.auth != Auth::Bootstrap {
                assert!(op.dry_run, "{} should accept dryRun", op.id);
            }
        }
    }
}
