//! Execution over the ports: what talks to the outside world on the API's behalf.

pub mod mcp;
pub mod net;
pub mod secrets;
