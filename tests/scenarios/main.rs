//! Keel's scenario tests: each test spawns its own `keel serve` on a fresh SQLite database and
//! drives it through the CLI and the HTTP API only (see the `keel_tests` harness). Build the
//! binary first: `cargo build -p keel` with the same `CARGO_TARGET_DIR`.

// Test code: helpers outside `#[test]` functions panic to report a broken scenario.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api_errors;
mod architecture;
mod async_continuations;
mod cli;
mod cluster;
mod connectors;
mod definitions;
mod dialects;
mod elements;
mod errors;
mod events;
mod gateways;
mod incidents;
mod locks;
mod recovery;
mod starts;
mod subprocess;
mod tasks;
mod user_task;
