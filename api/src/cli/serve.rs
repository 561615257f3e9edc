//! `keel serve`: the engine, the timer loop and the HTTP API in one process, with graceful
//! shutdown on SIGTERM/SIGINT. On SQLite it holds an exclusive lock on `<db>.lock` so a second
//! server on the same file refuses to start.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use keel_engine::store::FileLock;
use keel_engine::{Engine, EngineConfig};
use tokio::sync::watch;

use crate::http::{AppState, router};

/// `keel serve` arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Database URL (`sqlite://PATH` or `postgres://USER@HOST:PORT/DATABASE`).
    #[arg(long, env = "KEEL_DB", default_value = super::DEFAULT_DB)]
    db: String,
    /// Address to listen on.
    #[arg(long, env = "KEEL_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// This node's name as the lock owner of the built-in connectors' jobs and of asynchronous
    /// continuations; unique among the nodes sharing a database (default: `node-` and a fresh
    /// random id per start).
    #[arg(long, env = "KEEL_NODE_ID")]
    node_id: Option<String>,
    /// How long a built-in connector's job stays locked to this node (longer than its
    /// slowest call); after a crash the job waits this long before it is tried again.
    #[arg(long, env = "KEEL_CONNECTOR_LOCK_MS", default_value_t = keel_engine::ExecutorConfig::DEFAULT_LOCK_MS)]
    connector_lock_ms: i64,
    /// How long an asynchronous continuation (`camunda:asyncBefore`/`asyncAfter`) taken by
    /// this node stays locked to it; after a crash it waits this long before it runs again.
    #[arg(long, env = "KEEL_CONTINUATION_LOCK_MS", default_value_t = keel_engine::ContinuationConfig::DEFAULT_LOCK_MS)]
    continuation_lock_ms: i64,
    /// Fallback poll interval of idle long-polling workers, the connector executor and the
    /// timer loop (default: 500 ms for jobs, 200 ms for timers). New work wakes them at once
    /// on this node and, on PostgreSQL, on every node (`LISTEN`/`NOTIFY`).
    #[arg(long, env = "KEEL_POLL_MS")]
    poll_ms: Option<u64>,
    /// PostgreSQL: listen for other nodes' wake-ups on a dedicated connection. Turn off only
    /// where a connection cannot keep a `LISTEN` (a pooler in transaction mode); nodes then
    /// find each other's new work by polling alone.
    #[arg(long, env = "KEEL_PG_LISTEN", default_value_t = true, action = clap::ArgAction::Set)]
    pg_listen: bool,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    super::init_tracing("info");
    if std::env::var_os("KEEL_FAILPOINTS").is_some() && !keel_engine::failpoint::ENABLED {
        tracing::warn!(
            "KEEL_FAILPOINTS is set but this build has no failpoints (build with --features failpoints)"
        );
    }
    // SQLite serves one process per file; PostgreSQL is shared by every node.
    let _lock = if keel_engine::store::is_sqlite(&args.db) {
        Some(FileLock::acquire(&keel_engine::store::sqlite_path(
            &args.db,
        )?)?)
    } else {
        None
    };
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .ok();
    let mut config = EngineConfig::new(&args.db);
    if let Some(ms) = args.poll_ms {
        let poll = std::time::Duration::from_millis(ms.max(1));
        config.job_poll = poll;
        config.timer_poll = poll;
    }
    config.listen = args.pg_listen;
    let engine = Engine::open(config)
        .await
        .with_context(|| format!("cannot open database {}", args.db))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(listen = %args.listen, db = %engine.db_path(), "keel is serving");
    let (stop_tx, stop_rx) = watch::channel(false);
    let timers = {
        let engine = engine.clone();
        let stop = stop_rx.clone();
        tokio::spawn(async move { engine.run_timers(stop).await })
    };
    let node_id = args
        .node_id
        .clone()
        .unwrap_or_else(|| format!("node-{}", uuid::Uuid::new_v4()));
    let connectors = {
        let registry = keel_engine::connector::Registry::builtin()?;
        let mut config = keel_engine::ExecutorConfig::new(&node_id, registry);
        config.lock_ms = args.connector_lock_ms.max(1);
        let engine = engine.clone();
        let stop = stop_rx.clone();
        tokio::spawn(async move { engine.run_connectors(config, stop).await })
    };
    let continuations = {
        let mut config = keel_engine::ContinuationConfig::new(&node_id);
        config.lock_ms = args.continuation_lock_ms.max(1);
        let engine = engine.clone();
        let stop = stop_rx.clone();
        tokio::spawn(async move { engine.run_continuations(config, stop).await })
    };
    let app = router(AppState {
        engine: engine.clone(),
        metrics,
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("HTTP server failed")?;
    tracing::info!("shutting down");
    let _ = stop_tx.send(true);
    let _ = timers.await;
    let _ = connectors.await;
    let _ = continuations.await;
    engine.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
