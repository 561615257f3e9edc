//! The connector executor: runs the jobs of built-in connectors (`keel:*`) inside `keel serve`,
//! on every node, through the same lock and fence as external workers (the lock owner is the
//! node id).
//!
//! Per job: derive the idempotency key; commit an intent (attempt n, `calling`); if an earlier
//! attempt left no confirmed result, ask the connector to reconcile first and call again only
//! when the effect does not exist; call; then, in one transaction fenced by the lock, record
//! the result and complete the job (or fail it with the task's backoff, raise an incident, or
//! throw a BPMN error). A crash anywhere leaves either nothing, an intent without a result (the
//! next holder reconciles), or a completed job. See docs/decisions/0010-connector-intents.md.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::Instrument;

use super::Engine;
use super::connector_ops::{ConnectorOp, Finish, FinishOp, IntentOp, IntentReply, ReleaseOp};
use super::writer::{Op, Reply};
use crate::connector::{Call, Failure, IdempotencyKey, Reconciled, Registry};
use crate::error::{Error, Result};
use crate::views::JobView;

/// How a node runs its built-in connectors.
#[derive(Debug, Clone)]
pub struct ExecutorConfig {
    /// The lock owner this node uses: unique among the nodes sharing a database.
    pub node_id: String,
    /// How long a connector job stays locked to this node: longer than its slowest call (a
    /// call that outlives the lock has its result refused and is reconciled by the next
    /// holder). After a crash, the job waits this long before another attempt.
    pub lock_ms: i64,
    /// Most connector calls in flight on this node.
    pub max_in_flight: usize,
    /// The connectors, by job type.
    pub registry: Registry,
}

impl ExecutorConfig {
    /// Default lock: 3 minutes (the longest `keel:http` timeout is 2).
    pub const DEFAULT_LOCK_MS: i64 = 180_000;

    /// The built-in connectors with default limits for `node_id`.
    pub fn new(node_id: &str, registry: Registry) -> Self {
        ExecutorConfig {
            node_id: node_id.to_owned(),
            lock_ms: Self::DEFAULT_LOCK_MS,
            max_in_flight: 32,
            registry,
        }
    }
}

impl Engine {
    /// Runs the connector executor until `shutdown` turns true; calls in flight then get a
    /// few seconds to finish (one cut short is reconciled by the next attempt), and the jobs
    /// this node still holds are released so another node takes them at once. At start it
    /// releases the locks a previous run under the same node id left behind (a crash): their
    /// unfinished calls are reconciled by the next attempt instead of waiting for the lock to
    /// expire.
    pub async fn run_connectors(
        &self,
        config: ExecutorConfig,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let config = Arc::new(config);
        let types = config.registry.job_types();
        match self.release_locks(&config.node_id).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                node = %config.node_id,
                released = n,
                "released the jobs an earlier run of this node left locked"
            ),
            Err(e) => tracing::warn!(error = %e, "releasing this node's earlier locks failed"),
        }
        tracing::info!(node = %config.node_id, connectors = ?types, "connector executor running");
        let mut running: JoinSet<()> = JoinSet::new();
        loop {
            while running.try_join_next().is_some() {}
            let notified = self.shared.jobs_notify.notified();
            let mut found = false;
            for job_type in &types {
                let room = config.max_in_flight.saturating_sub(running.len());
                if room == 0 {
                    break;
                }
                let request = super::ActivateRequest {
                    job_type: (*job_type).to_owned(),
                    worker: config.node_id.clone(),
                    max_jobs: i64::try_from(room).unwrap_or(1),
                    lock_ms: config.lock_ms,
                    request_timeout_ms: 0,
                };
                match self.activate_jobs(request).await {
                    Ok(jobs) => {
                        for job in jobs {
                            found = true;
                            let engine = self.clone();
                            let config = config.clone();
                            running.spawn(async move { engine.run_job(&config, job).await });
                        }
                    }
                    Err(Error::Unavailable) => return,
                    Err(e) => {
                        tracing::warn!(error = %e, job_type, "activating connector jobs failed")
                    }
                }
            }
            if found && running.len() < config.max_in_flight {
                continue;
            }
            tokio::select! {
                _ = notified => {}
                // New jobs wake it at once; this re-checks for ended backoffs and locks.
                _ = tokio::time::sleep(self.shared.config.job_poll) => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
        let drain = async { while running.join_next().await.is_some() {} };
        if tokio::time::timeout(Duration::from_secs(5), drain)
            .await
            .is_err()
        {
            tracing::warn!("connector calls still running at shutdown were cut short");
        }
        drop(running);
        match self.release_locks(&config.node_id).await {
            Ok(n) => {
                tracing::info!(node = %config.node_id, released = n, "connector executor stopped")
            }
            Err(e) => tracing::warn!(error = %e, "releasing this node's locks at shutdown failed"),
        }
    }

    /// Makes every connector job locked by `owner` (this node's id) ready again at once;
    /// returns how many. Only for an owner that works on none of them any more: a node stopping, or
    /// starting after a crash.
    pub async fn release_locks(&self, owner: &str) -> Result<usize> {
        // Usually there is nothing to hand back: look first, without a write batch.
        let held: Option<i64> = crate::store::query(
            "SELECT available_at FROM jobs WHERE state = 'locked' AND lock_owner = $1 \
             AND type LIKE 'keel:%' LIMIT 1",
        )
        .bind(owner)
        .scalar_optional(self.read())
        .await?;
        if held.is_none() {
            return Ok(0);
        }
        match self
            .connector_op(ConnectorOp::Release(ReleaseOp {
                owner: owner.to_owned(),
            }))
            .await?
        {
            Reply::Count(n) => Ok(n),
            _ => Err(Error::Unavailable),
        }
    }

    /// One attempt of one connector job, inside a span naming the instance and the element.
    async fn run_job(&self, config: &ExecutorConfig, job: JobView) {
        let key = IdempotencyKey::derive(&job.instance_id, &job.element_id, &job.id, &job.job_type);
        let span = tracing::info_span!(
            "connector_call",
            connector = %job.job_type,
            instance_id = %job.instance_id,
            element_id = %job.element_id,
            job_id = %job.id,
            idempotency_key = %key,
        );
        if let Err(e) = self
            .attempt(config, job, key)
            .instrument(span.clone())
            .await
        {
            // Lost lock, engine shutting down, storage trouble: the job's lock expires and the
            // next attempt (here or on another node) starts with the intent left behind.
            span.in_scope(|| tracing::warn!(error = %e, "connector attempt abandoned"));
        }
    }

    async fn attempt(
        &self,
        config: &ExecutorConfig,
        job: JobView,
        key: IdempotencyKey,
    ) -> Result<()> {
        let Some(connector) = config.registry.get(&job.job_type).cloned() else {
            return Ok(());
        };
        let intent = self
            .connector_op(ConnectorOp::Intent(IntentOp {
                job_id: job.id.clone(),
                owner: config.node_id.clone(),
                key: key.as_str().to_owned(),
                connector: job.job_type.clone(),
            }))
            .await?;
        let Reply::Intent(IntentReply {
            attempt,
            unconfirmed,
        }) = intent
        else {
            return Err(Error::Unavailable);
        };
        let connector_type = job.job_type.clone();
        let call = Call {
            key: key.clone(),
            connector: job.job_type,
            job_id: job.id.clone(),
            instance_id: job.instance_id,
            element_id: job.element_id,
            attempt,
            variables: job.variables,
            headers: job.headers,
        };
        let mut reconcile = None;
        let mut result = None;
        if let Some(previous) = unconfirmed {
            tracing::info!(attempt, previous_state = %previous, "an earlier attempt has no confirmed result: reconciling");
            match connector.reconcile(&call).await {
                Ok(Reconciled::Found(output)) => {
                    tracing::info!(attempt, "reconciled: the effect exists; completing with it");
                    reconcile = Some("found");
                    result = Some(Ok(output));
                }
                Ok(Reconciled::NotFound) => {
                    tracing::info!(
                        attempt,
                        "reconciled: no effect; calling again with the same key"
                    );
                    reconcile = Some("not_found");
                }
                Ok(Reconciled::Unsupported) => {
                    tracing::info!(
                        attempt,
                        "reconcile unsupported by the target; calling again with the same key"
                    );
                    reconcile = Some("unsupported");
                }
                Err(f) => {
                    reconcile = Some("failed");
                    result = Some(Err(f));
                }
            }
            metrics::counter!("keel_connector_reconciles_total", "type" => connector_type.clone(), "outcome" => reconcile.unwrap_or("failed")).increment(1);
        }
        let result = match result {
            Some(r) => r,
            None => {
                crate::failpoint::hit("before_connector_call")
                    .map_err(crate::store::Error::from)?;
                let r = connector.execute(&call).await;
                // The call returned; its result is not recorded yet.
                crate::failpoint::hit("after_connector_call").map_err(crate::store::Error::from)?;
                r
            }
        };
        let (outcome, finish) = match result {
            Ok(output) if reconcile == Some("found") => ("reconciled", Finish::Succeeded(output)),
            Ok(output) => ("success", Finish::Succeeded(output)),
            Err(f) => {
                tracing::warn!(attempt, error = %f, "connector call failed");
                match f {
                    Failure::Retryable(message) => (
                        "retryable",
                        Finish::Failed {
                            message,
                            retryable: true,
                        },
                    ),
                    Failure::Rejected(message) => (
                        "rejected",
                        Finish::Failed {
                            message,
                            retryable: false,
                        },
                    ),
                    Failure::Config(message) => (
                        "config",
                        Finish::Failed {
                            message,
                            retryable: false,
                        },
                    ),
                    Failure::BpmnError { code, message } => {
                        ("bpmn_error", Finish::BpmnError { code, message })
                    }
                }
            }
        };
        metrics::counter!("keel_connector_calls_total", "type" => connector_type.clone(), "outcome" => outcome).increment(1);
        let failed = !matches!(finish, Finish::Succeeded(_));
        self.connector_op(ConnectorOp::Finish(FinishOp {
            job_id: job.id,
            owner: config.node_id.clone(),
            key: key.as_str().to_owned(),
            attempt,
            finish,
            reconcile,
        }))
        .await?;
        if failed {
            metrics::counter!("keel_jobs_failed_total", "type" => connector_type).increment(1);
        }
        tracing::info!(attempt, outcome, "connector attempt recorded");
        Ok(())
    }

    async fn connector_op(&self, op: ConnectorOp) -> Result<Reply> {
        self.send(Op::Connector(op)).await
    }
}
