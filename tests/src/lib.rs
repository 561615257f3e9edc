//! Harness for Keel's scenario tests: everything goes through the public surface.
//!
//! - [`Server`] spawns a real `keel serve` on a fresh SQLite database and a free loopback port,
//!   waits for `GET /health`, and kills the process on drop. [`Server::start_postgres`] and
//!   [`Server::start_node`] run several nodes on one PostgreSQL database (a cluster).
//! - [`Server::user`] creates users with the real CLI (`keel user add`) and returns the token.
//! - [`Api`] drives the HTTP API with reqwest; [`eventually`] polls with a deadline instead of
//!   sleeping for fixed times.
//! - [`audit`] extracts the kinds and transitions of an instance's audit trail for exact
//!   assertions; [`bpmn`] builds small models.
//! - [`target::Target`] is a real HTTP server for built-in connectors to call: it counts
//!   requests by `Idempotency-Key`, deduplicates by it, and answers lookups by key.

// Test-harness code: panicking with a clear message is how a harness reports a broken scenario.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod api;
pub mod audit;
pub mod bpmn;
pub mod cli;
pub mod poll;
pub mod server;
pub mod target;

pub use api::{Api, Resp};
pub use cli::{CliOutput, keel, keel_bin};
pub use poll::{DEADLINE, eventually};
pub use serde_json::{Value, json};
pub use server::{Guarded, Server};
