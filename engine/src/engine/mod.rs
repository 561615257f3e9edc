//! The `Engine` façade: the only surface the API, the CLI and the tests use.
//!
//! Every state change is a command sent to the single writer task (`writer.rs`), which applies
//! commands in batches: one `BEGIN IMMEDIATE` transaction per batch, one commit (one fsync) for
//! many triggers from many instances, each caller answered only after that commit. Reads go to
//! the read pool and never block the writer.

mod batch;
mod calls;
mod conditions;
mod connector_ops;
mod continuations;
mod deploy;
mod elements;
mod executor;
mod follow_up;
mod incidents;
mod instances;
mod job_cache;
mod jobs;
mod messages;
mod signals;
mod starts;
mod tasks;
mod timers;
mod users;
mod wake;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc, oneshot};

pub use continuations::ContinuationConfig;
pub use deploy::DeployFile;
pub use executor::ExecutorConfig;
pub use instances::{InstanceFilter, StartRequest};
pub use jobs::{ActivateRequest, FailRequest, JobFilter, ThrowErrorRequest};
pub use messages::{CorrelateRequest, CorrelateResult};
pub use signals::SignalResult;
pub use tasks::TaskFilter;
pub use users::{AuditFilter, NewUser, UserView};

use crate::clock::Clock;
use crate::definitions::DefinitionCache;
use crate::error::{Error, Result};
use crate::store::{Db, Durability};
use writer::{Command, Op, Reply};

/// How the engine runs.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// `sqlite://PATH`.
    pub db_url: String,
    /// SQLite durability (default FULL).
    pub durability: Durability,
    /// Element steps per trigger before a `step_budget` incident.
    pub step_budget: u32,
    /// Most commands per write transaction.
    pub max_batch: usize,
    /// Where time comes from.
    pub clock: Arc<dyn Clock>,
    /// How often due timers are looked for when none is known to be due sooner.
    pub timer_poll: Duration,
    /// How often idle long-polling workers and the connector executor look for jobs whose
    /// backoff or lock ended (new jobs wake them at once: on this node after the commit, on
    /// PostgreSQL from any node through `LISTEN`).
    pub job_poll: Duration,
    /// PostgreSQL: listen for other nodes' wake-ups (`LISTEN keel_wake`). Off only where the
    /// connection cannot keep a `LISTEN` (a pooler in transaction mode): then polls alone.
    pub listen: bool,
}

impl EngineConfig {
    /// Default of [`EngineConfig::max_batch`].
    pub const DEFAULT_MAX_BATCH: usize = 256;

    /// Defaults for `db_url`: FULL durability, step budget 1000, batches of up to
    /// [`EngineConfig::DEFAULT_MAX_BATCH`] commands.
    pub fn new(db_url: &str) -> Self {
        EngineConfig {
            db_url: db_url.to_owned(),
            durability: Durability::Full,
            step_budget: 1000,
            max_batch: Self::DEFAULT_MAX_BATCH,
            clock: Arc::new(crate::clock::SystemClock),
            timer_poll: Duration::from_millis(200),
            job_poll: Duration::from_millis(500),
            listen: true,
        }
    }
}

/// State shared by the façade and the writer.
#[derive(Debug)]
pub(crate) struct Shared {
    pub db: Db,
    pub defs: DefinitionCache,
    pub config: EngineConfig,
    /// Signalled after a commit that created jobs (wakes long-polling workers), and on
    /// PostgreSQL when another node announces ready jobs (`wake`).
    pub jobs_notify: Notify,
    /// Wakes the timer loop when a timer is due before its next poll (`wake`).
    pub timers: wake::TimerWake,
    /// Rows of running instances (committed, or sealed and committing), kept by the writer.
    /// Sound because this process is the only writer of instance rows (SQLite: the file lock
    /// of `keel serve`).
    pub instances: std::sync::Mutex<InstanceCache>,
    /// Rows of jobs this writer locked (SQLite only, see `job_cache`).
    pub jobs: std::sync::Mutex<job_cache::JobCache>,
}

/// A bounded map of instance rows: committed, or sealed and committing (the writer's read cache).
#[derive(Debug, Default)]
pub(crate) struct InstanceCache {
    rows: std::collections::HashMap<
        String,
        (
            crate::store::rows::InstanceRow,
            Arc<crate::runtime::InstanceState>,
        ),
    >,
}

impl InstanceCache {
    /// Most rows kept; past this the cache starts over (cheap, and rare).
    const CAPACITY: usize = 200_000;

    pub fn get(
        &self,
        id: &str,
    ) -> Option<&(
        crate::store::rows::InstanceRow,
        Arc<crate::runtime::InstanceState>,
    )> {
        self.rows.get(id)
    }

    /// Forgets a row.
    pub fn remove(&mut self, id: &str) {
        self.rows.remove(id);
    }

    /// Forgets every row (after a batch whose work it held was rolled back).
    pub fn clear(&mut self) {
        self.rows.clear();
    }

    /// The parsed state of `id` if the cached row has `version` (shared: a batch that only
    /// reads it, e.g. to hand a job's variables out, leaves the entry in place).
    pub fn state(&self, id: &str, version: i64) -> Option<Arc<crate::runtime::InstanceState>> {
        match self.rows.get(id) {
            Some((row, state)) if row.version == version => Some(state.clone()),
            _ => None,
        }
    }

    /// Records a sealed or committed row and its parsed state; ended instances leave the cache. The row
    /// is kept without its `body`: the parsed state stands for it (a batch re-encodes the body
    /// whenever it writes the row).
    pub fn put(
        &mut self,
        mut row: crate::store::rows::InstanceRow,
        state: Arc<crate::runtime::InstanceState>,
    ) {
        row.body = String::new();
        if row.state != "active" {
            self.rows.remove(&row.id);
            return;
        }
        if self.rows.len() >= Self::CAPACITY && !self.rows.contains_key(&row.id) {
            self.rows.clear();
        }
        self.rows.insert(row.id.clone(), (row, state));
    }
}

/// Runs the writer on a thread of its own, so it never waits in a run queue behind API handlers
/// or workers: every commit's latency is the writer's own work plus the database's.
fn spawn_writer(shared: Arc<Shared>, rx: mpsc::Receiver<writer::Command>) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Store(crate::store::Error::Thread("writer", e.to_string())))?;
    std::thread::Builder::new()
        .name("keel-writer".into())
        .spawn(move || runtime.block_on(writer::run(shared, rx)))
        .map_err(|e| Error::Store(crate::store::Error::Thread("writer", e.to_string())))?;
    Ok(())
}

/// Checkpoints the WAL every half second while the engine lives, and every five seconds
/// refreshes the gauges that need a query (open incidents, waiting jobs, overdue timers).
async fn checkpoints(shared: std::sync::Weak<Shared>) {
    let mut tick: u64 = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        if let Err(e) = shared.db.checkpoint().await {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
        if tick.is_multiple_of(10)
            && let Err(e) = gauges(&shared).await
        {
            tracing::warn!(error = %e, "reading the gauges failed");
        }
        tick += 1;
    }
}

/// The gauges on /metrics that come from the database.
async fn gauges(shared: &Shared) -> Result<()> {
    let read = shared.db.read();
    let t0 = std::time::Instant::now();
    let incidents: i64 = crate::store::query("SELECT COUNT(*) FROM incidents WHERE state = 'open'")
        .scalar(read)
        .await?;
    metrics::histogram!("keel_db_query_seconds").record(t0.elapsed().as_secs_f64());
    let ready: i64 = crate::store::query("SELECT COUNT(*) FROM jobs WHERE state = 'ready'")
        .scalar(read)
        .await?;
    let now = shared.config.clock.now().as_millisecond();
    let oldest_due: Option<i64> = crate::store::query(
        "SELECT MIN(due_at) FROM (SELECT due_at FROM timers WHERE due_at <= $1 \
             UNION ALL SELECT due_at FROM start_timers WHERE due_at <= $1) due",
    )
    .bind(now)
    .scalar(read)
    .await?;
    metrics::gauge!("keel_incidents_open").set(incidents as f64);
    metrics::gauge!("keel_jobs_ready").set(ready as f64);
    metrics::gauge!("keel_timers_overdue_seconds")
        .set(oldest_due.map_or(0.0, |due| (now - due).max(0) as f64 / 1000.0));
    Ok(())
}

/// The engine. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Engine {
    shared: Arc<Shared>,
    writer: mpsc::Sender<Command>,
}

impl Engine {
    /// Opens the database (creating and migrating it) and starts the writer task.
    pub async fn open(config: EngineConfig) -> Result<Engine> {
        let db = Db::open(&config.db_url, config.durability).await?;
        let shared = Arc::new(Shared {
            db,
            defs: DefinitionCache::default(),
            config,
            jobs_notify: Notify::new(),
            timers: wake::TimerWake::default(),
            instances: std::sync::Mutex::new(InstanceCache::default()),
            jobs: std::sync::Mutex::new(job_cache::JobCache::default()),
        });
        let (tx, rx) = mpsc::channel(4096);
        spawn_writer(shared.clone(), rx)?;
        tokio::spawn(checkpoints(Arc::downgrade(&shared)));
        if shared.db.dialect() == crate::store::Dialect::Postgres && shared.config.listen {
            tokio::spawn(wake::listen(Arc::downgrade(&shared)));
        }
        Ok(Engine { shared, writer: tx })
    }

    /// The database path (for messages).
    pub fn db_path(&self) -> &str {
        &self.shared.db.path
    }

    /// The engine's clock.
    pub fn now_ms(&self) -> i64 {
        self.shared.config.clock.now().as_millisecond()
    }

    /// Stops accepting commands once in-flight ones are done, and closes the database.
    pub async fn close(self) {
        drop(self.writer);
        self.shared.db.close().await;
    }

    async fn send(&self, op: Op) -> Result<Reply> {
        let (reply, rx) = oneshot::channel();
        self.writer
            .send(Command { op, reply })
            .await
            .map_err(|_| Error::Unavailable)?;
        rx.await.map_err(|_| Error::Unavailable)?
    }

    pub(crate) fn read(&self) -> crate::store::Reader<'_> {
        self.shared.db.read()
    }

    /// Runs the timer loop until `shutdown` resolves: fires due timers in batches.
    pub async fn run_timers(&self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            let fired = match self.fire_due_timers(500).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "firing timers failed");
                    0
                }
            };
            if fired > 0 {
                continue;
            }
            // Sleep to the next poll, or to a timer known to be due sooner; a wake-up from
            // another node (a new timer due before then) re-plans the sleep.
            let woken = self.shared.timers.notified();
            let wait = self
                .shared
                .timers
                .sleep_for(self.now_ms(), self.shared.config.timer_poll);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = woken => {}
                _ = shutdown.changed() => return,
            }
            if *shutdown.borrow() {
                return;
            }
        }
    }
}
