//! Execution: the objective loop (create, durable steps, steering), model providers,
//! tool execution (HTTP, MCP, built-ins), the MCP client, outbound request policy and
//! secret templating — all over the ports, so it runs the same under Spin and natively.

pub mod builtins;
pub mod create;
mod error;
pub mod execute;
pub mod fire;
pub mod llm;
pub mod mcp;
pub mod models;
pub mod net;
pub mod run;
pub mod schedule;
pub mod search;
pub mod secrets;
pub mod settings;
pub mod steer;
pub mod thompson;
pub mod webhooks;

pub use error::Error;
