//! Objectives and the record of their runs, one file per table or concern:
//!
//! - [`objective`]: the objective row (create with its first window, snapshot and
//!   first event; get, resolve, list);
//! - [`run`]: what the engine reads and writes while running one (run state, status,
//!   usage, output, compaction flag);
//! - [`lease`]: who may take the next step; every claim is one statement;
//! - [`events`], [`tool_calls`], [`tasks`], [`windows`]: the per-objective records;
//! - [`owner`]: the objective a record belongs to, as the record's `info` shows it;
//! - [`snapshot`]: the tools and sub-agents frozen in at create;
//! - [`children`]: sub-objectives as their parent sees them;
//! - [`ids`]: ids that sort in causal order within an objective.

mod children;
mod events;
mod ids;
mod lease;
mod objective;
mod owner;
mod run;
mod secrets;
mod snapshot;
mod tasks;
mod tool_calls;
mod windows;

pub use children::{child_outcome, count_children, event_count, running_children, ChildOutcome};
pub use events::{events_after, get_event, insert_event, list_events, window_events, EventRecord};
pub use ids::{next_id, ObjectiveRecord};
pub use lease::{claim, claim_idle, claim_next, held_status, park, release, renew};
pub use objective::{get, insert, list, resolve, NewObjective, ObjectiveFilters};
pub use owner::{owner, Owner};
pub use run::{
    add_usage, run_state, set_compact_due, set_output, set_status, status_of, wake, RunState,
};
pub use secrets::{reseal_secrets, unsealed_secrets};
pub use snapshot::{add_discovered, list_tools, snapshot_tools, SnapshotTool, SubAgent};
pub use tasks::{create_task, get_task, list_tasks, update_task};
pub use tool_calls::{
    count_call, failed_calls_of, get_call, insert_call, list_calls, list_workspace_calls,
    open_calls, update_call, wire_call, ToolCallRecord,
};
pub use windows::{list_windows, open_window, window_state, NewWindow, WindowState};
