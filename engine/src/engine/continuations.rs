//! Asynchronous continuations (`camunda:asyncBefore` / `camunda:asyncAfter`), run by the
//! engine itself on every node (docs/decisions/0011-async-continuations.md).
//!
//! An element instance that waits for its continuation owns one row of the jobs table with the
//! internal type [`JOB_TYPE`]. The loop here takes due rows with a lock (owner: the node id;
//! `SKIP LOCKED` on PostgreSQL), committed on its own, then applies each in one writer command
//! fenced by that lock: the row is deleted and `Trigger::AsyncContinued` applied in the same
//! transaction (one `async_continued` audit record). A node that dies after taking the lock
//! leaves the row locked until the lock expires; the next run (on any node) takes it again, and
//! because the apply deletes the row in the transaction that moves the instance on, the
//! continuation happens exactly once. A failure in the continued work is an incident like in a
//! synchronous run (no job retries). Workers can neither activate nor complete these rows.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::Engine;
use super::batch::{ApplyCtx, Batch};
use super::jobs;
use super::writer::{Op, Reply};
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::runtime::Trigger;
use crate::store::query;
use crate::store::rows::JobRow;
use crate::views::JobView;

/// The job type of continuation rows (reserved: no model may use it, no worker may take it).
pub const JOB_TYPE: &str = crate::runtime::CONTINUATION_JOB_TYPE;

/// Longest idle wait between two looks for continuations whose lock expired.
const IDLE_POLL_MS: u64 = 500;

/// How a node runs asynchronous continuations.
#[derive(Debug, Clone)]
pub struct ContinuationConfig {
    /// The lock owner this node uses: unique among the nodes sharing a database.
    pub node_id: String,
    /// How long a taken continuation stays locked to this node. Applying one is a single
    /// writer command, so this only matters after a crash: the continuation waits this long
    /// before another node (or the restarted one) takes it.
    pub lock_ms: i64,
    /// Most continuations taken at once.
    pub max_jobs: usize,
}

impl ContinuationConfig {
    /// Default lock: 30 seconds.
    pub const DEFAULT_LOCK_MS: i64 = 30_000;

    /// Defaults for `node_id`.
    pub fn new(node_id: &str) -> Self {
        ContinuationConfig {
            node_id: node_id.to_owned(),
            lock_ms: Self::DEFAULT_LOCK_MS,
            max_jobs: 128,
        }
    }
}

/// A continuation request to the writer.
pub(crate) enum ContinuationOp {
    /// Lock up to `max` due continuation rows for `owner` (its own transaction).
    Lock {
        owner: String,
        lock_ms: i64,
        max: i64,
    },
    /// Apply the continuation of row `job_id`, locked by `owner`.
    Apply { job_id: String, owner: String },
}

impl Engine {
    /// Runs the continuation loop until `shutdown` turns true: takes due continuations and
    /// applies them; wakes when a commit created jobs, and every half second for expired locks.
    pub async fn run_continuations(
        &self,
        config: ContinuationConfig,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let config = Arc::new(config);
        tracing::info!(node = %config.node_id, "asynchronous continuations running");
        loop {
            let notified = self.shared.jobs_notify.notified();
            let taken = match self.run_due_continuations(&config).await {
                Ok(n) => n,
                Err(Error::Unavailable) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "running asynchronous continuations failed");
                    0
                }
            };
            if taken > 0 && !*shutdown.borrow() {
                continue;
            }
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep(Duration::from_millis(IDLE_POLL_MS)) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                return;
            }
        }
    }

    /// Takes the due continuations (up to `config.max_jobs`) and applies each; returns how
    /// many it took. Tests and tools call it to run continuations without the loop.
    pub async fn run_due_continuations(&self, config: &ContinuationConfig) -> Result<usize> {
        let op = ContinuationOp::Lock {
            owner: config.node_id.clone(),
            lock_ms: config.lock_ms.max(1),
            max: i64::try_from(config.max_jobs.max(1)).unwrap_or(1),
        };
        let Reply::Jobs(jobs) = self.send(Op::Continuation(op)).await? else {
            return Err(Error::Unavailable);
        };
        let taken = jobs.len();
        // Sent together, the applies share the writer's batches.
        let mut applies = JoinSet::new();
        for job in jobs {
            // The lock is committed; the continuation is not applied yet.
            crate::failpoint::hit("before_async_continuation")
                .map_err(crate::store::Error::from)?;
            let engine = self.clone();
            let op = ContinuationOp::Apply {
                job_id: job.id,
                owner: config.node_id.clone(),
            };
            applies.spawn(async move { engine.send(Op::Continuation(op)).await });
        }
        let mut unavailable = false;
        while let Some(done) = applies.join_next().await {
            match done {
                Ok(Ok(_)) => metrics::counter!("keel_async_continuations_total").increment(1),
                Ok(Err(Error::Unavailable)) => unavailable = true,
                // Its lock expired and another run took it: that run applies it.
                Ok(Err(Error::Conflict(e))) => {
                    tracing::info!(error = %e, "continuation taken over by another run")
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "applying a continuation failed"),
                Err(e) => tracing::warn!(error = %e, "a continuation task failed"),
            }
        }
        if unavailable {
            return Err(Error::Unavailable);
        }
        Ok(taken)
    }
}

pub(crate) async fn execute(batch: &mut Batch<'_>, op: ContinuationOp) -> Result<Reply> {
    match op {
        ContinuationOp::Lock {
            owner,
            lock_ms,
            max,
        } => lock(batch, &owner, lock_ms, max).await,
        ContinuationOp::Apply { job_id, owner } => apply(batch, &job_id, &owner).await,
    }
}

async fn lock(batch: &mut Batch<'_>, owner: &str, lock_ms: i64, max: i64) -> Result<Reply> {
    let lock_until = batch.now_ms.saturating_add(lock_ms);
    let rows = batch.lock_jobs(JOB_TYPE, owner, lock_until, max).await?;
    let jobs = rows
        .into_iter()
        .filter(|r| !batch.is_removed(&r.instance_id, r.element_key))
        .map(|r| JobView {
            id: r.id,
            job_type: r.job_type,
            instance_id: r.instance_id,
            element_id: r.element_id,
            retries: r.retries,
            variables: serde_json::Map::new(),
            headers: serde_json::Map::new(),
            lock_expires_at: r.available_at,
        })
        .collect();
    Ok(Reply::Jobs(jobs))
}

/// Applies one continuation: fenced by the lock, deletes its row and moves the instance on in
/// the same transaction. A row whose element no longer waits (which the runtime never leaves
/// behind) is dropped, like a stale timer.
async fn apply(batch: &mut Batch<'_>, job_id: &str, owner: &str) -> Result<Reply> {
    let job = jobs::locked_job(batch, job_id, owner).await?;
    if job.job_type != JOB_TYPE {
        return Err(Error::Conflict(format!(
            "job {job_id} is not an asynchronous continuation"
        )));
    }
    query("DELETE FROM jobs WHERE id = $1")
        .bind(&job.id)
        .execute(&mut *batch.conn)
        .await?;
    batch.job_removed(&job.id);
    let Some(instance) = batch.instance(&job.instance_id).await? else {
        return Ok(Reply::Empty);
    };
    if instance.state != "active" {
        return Ok(Reply::Empty);
    }
    let mut ctx = ApplyCtx::new(Actor::system());
    ctx.element_id = Some(job.element_id.clone());
    ctx.data.insert("job_id".into(), json!(job.id));
    ctx.data.insert("node".into(), json!(owner));
    let trigger = Trigger::AsyncContinued {
        key: jobs::key_of(&job),
    };
    match batch.apply(instance, trigger, ctx).await {
        Ok(_) => Ok(Reply::Empty),
        Err(Error::Conflict(e)) => {
            tracing::warn!(job = %job.id, error = %e, "stale continuation dropped");
            Ok(Reply::Empty)
        }
        Err(e) => Err(e),
    }
}

/// Refuses continuation rows to workers (`complete`, `fail`, `throw-error` by id).
pub(super) fn refuse_to_workers(job: &JobRow) -> Result<()> {
    if job.job_type == JOB_TYPE {
        return Err(Error::Forbidden(format!(
            "job {} is an asynchronous continuation, run by the engine itself",
            job.id
        )));
    }
    Ok(())
}
