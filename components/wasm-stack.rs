//! The build script of every component (console's calls it from its own): links the
//! wasm with a 256 KiB shadow stack instead of rustc's 1 MiB.
//!
//! Why: the stack sits at the bottom of linear memory, and Spin's pooling allocator
//! zeroes a reused instance's memory (up to 2 MiB) with `memset` before the next request,
//! so every request paid for a megabyte it never used. Across the 19,422 requests
//! and cron ticks of the end-to-end suite (fuzzing included), the deepest used 38 KiB
//! (an MCP call; the engine's tick 33 KiB), measured by painting the stack; JSON bodies
//! are capped at 128 levels of nesting. A request that did overflow would trap (a 500),
//! not corrupt memory: the stack is first in memory and grows down towards address 0.
#![allow(clippy::print_stdout)] // a build script talks to cargo on stdout

/// Shadow stack size in bytes.
const STACK_BYTES: u32 = 256 * 1024;

#[allow(dead_code)] // console's build script includes this file as a module
fn main() {
    link_stack();
}

pub fn link_stack() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=-zstack-size={STACK_BYTES}");
    }
    println!("cargo:rerun-if-changed=../wasm-stack.rs");
}
