//! The command line: `serve`, `validate`, `user add`, `audit export|verify`, `bench`.
//! Each command that takes `--db` creates the database and applies migrations when needed.

mod audit;
mod bench;
mod serve;
mod user;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Default database: an SQLite file in the working directory.
pub const DEFAULT_DB: &str = "sqlite://keel.db";

/// Keel, a BPMN 2.0 process engine.
#[derive(Debug, Parser)]
#[command(name = "keel", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the engine, its workers and the HTTP API.
    Serve(serve::Args),
    /// Parse and validate BPMN files (or folders of them) offline.
    Validate(validate::Args),
    /// Manage users and tokens.
    #[command(subcommand)]
    User(user::Command),
    /// Export or verify the audit trail.
    #[command(subcommand)]
    Audit(audit::Command),
    /// Measure throughput: N instances of a generated K-task process.
    Bench(bench::Args),
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve::run(args).await,
        Command::Validate(args) => Ok(validate::run(&args)),
        Command::User(cmd) => user::run(cmd).await,
        Command::Audit(cmd) => audit::run(cmd).await,
        Command::Bench(args) => bench::run(args).await,
    }
}

/// Logs to stderr; `KEEL_LOG` (or `RUST_LOG`) sets the filter, default `info`.
pub fn init_tracing(default: &str) {
    let filter = std::env::var("KEEL_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| default.to_owned());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
