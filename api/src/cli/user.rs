//! `keel user add`: create a user (or add groups and roles) and print a fresh token as the last
//! line of stdout. The token is shown once; only its hash is stored.

use std::process::ExitCode;

use keel_engine::audit::Actor;
use keel_engine::{Engine, EngineConfig, NewUser};

/// `keel user` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a user, or add groups/roles to an existing one; prints a new token last.
    Add(AddArgs),
}

/// `keel user add` arguments.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// User name (what tasks name as assignee or candidate user).
    name: String,
    /// Group to add (repeatable).
    #[arg(long = "group")]
    groups: Vec<String>,
    /// Role to add: admin, deployer, operator, auditor, worker (repeatable).
    #[arg(long = "role")]
    roles: Vec<String>,
    /// Short for `--role admin`.
    #[arg(long)]
    admin: bool,
    /// E-mail address.
    #[arg(long)]
    email: Option<String>,
    /// Database URL.
    #[arg(long, env = "KEEL_DB", default_value = super::DEFAULT_DB)]
    db: String,
}

pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Add(args) => add(args).await,
    }
}

async fn add(args: AddArgs) -> anyhow::Result<ExitCode> {
    let engine = Engine::open(EngineConfig::new(&args.db)).await?;
    let mut roles = args.roles;
    if args.admin && !roles.iter().any(|r| r == "admin") {
        roles.push("admin".into());
    }
    let actor = Actor {
        kind: "system".into(),
        id: "cli".into(),
        name: Some(whoami()),
    };
    let result = engine
        .add_user(
            NewUser {
                name: args.name,
                groups: args.groups,
                roles,
                email: args.email,
            },
            actor,
        )
        .await;
    engine.close().await;
    let (user, token) = result?;
    println!(
        "user {} ({}) groups=[{}] roles=[{}]",
        user.name,
        user.id,
        user.groups.join(","),
        user.roles.join(",")
    );
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

/// The operating-system user running the CLI, for the audit record.
fn whoami() -> String {
    std::env::var("USER").unwrap_or_else(|_| "unknown".into())
}
