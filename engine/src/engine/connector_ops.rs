//! The writer's side of built-in connectors: recording an intent before a call, and recording
//! the result together with the job's completion, failure or BPMN error. Both are fenced by the
//! job lock, like a worker's completion: a node whose lock expired or was taken over changes
//! nothing (docs/decisions/0010-connector-intents.md).

use serde_json::{Map, Value as Json, json};

use super::batch::Batch;
use super::jobs::{self, FailOp, FailRequest, ThrowErrorRequest, ThrowOp};
use super::writer::Reply;
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::runtime::Trigger;
use crate::store::query;
use crate::store::rows::JobRow;

/// Backoff between retries of a connector call when the task has no
/// `camunda:failedJobRetryTimeCycle`.
pub const DEFAULT_BACKOFF_MS: i64 = 10_000;

/// A connector's request to the writer.
pub(crate) enum ConnectorOp {
    /// Record the intent of the next attempt (its own transaction, committed before the call).
    Intent(IntentOp),
    /// Record the result and complete, fail or escalate the job (one transaction).
    Finish(FinishOp),
    /// Hand back every job this node holds (graceful shutdown; start-up after a crash).
    Release(ReleaseOp),
}

/// Which node's locks to release.
pub(crate) struct ReleaseOp {
    pub owner: String,
}

/// Which job, for which node, under which key.
pub(crate) struct IntentOp {
    pub job_id: String,
    pub owner: String,
    pub key: String,
    pub connector: String,
}

/// What the intent found: the attempt number now recorded, and whether an earlier attempt left
/// no confirmed result (so the executor reconciles before calling).
#[derive(Debug, Clone)]
pub(crate) struct IntentReply {
    pub attempt: i64,
    pub unconfirmed: Option<String>,
}

/// How an attempt ended.
pub(crate) enum Finish {
    /// The operation's output: the job completes with it.
    Succeeded(Map<String, Json>),
    /// A failure; `retryable` ones use the job's retries and backoff, the others raise an
    /// incident at once.
    Failed { message: String, retryable: bool },
    /// A BPMN error thrown at the task.
    BpmnError { code: String, message: String },
}

pub(crate) struct FinishOp {
    pub job_id: String,
    pub owner: String,
    pub key: String,
    pub attempt: i64,
    pub finish: Finish,
    /// What reconcile said before this attempt (`found`, `not_found`, `unsupported`), if it ran.
    pub reconcile: Option<&'static str>,
}

/// `connector_intents` as read here.
#[derive(Debug, sqlx::FromRow)]
struct IntentRow {
    attempt: i64,
    state: String,
}

pub(crate) async fn execute(batch: &mut Batch<'_>, op: ConnectorOp) -> Result<Reply> {
    match op {
        ConnectorOp::Intent(op) => intent(batch, op).await,
        ConnectorOp::Finish(op) => finish(batch, op).await,
        ConnectorOp::Release(op) => release(batch, op).await,
    }
}

/// Makes every connector job (`keel:*`) locked by `owner` ready again at once, with its retries unchanged: the node
/// is stopping, or starting after a crash under the same node id, so nobody works on them.
/// Their intents stay as they are, so the next attempt (on any node) reconciles an unfinished
/// call before repeating it. A result of this node still in flight is refused afterwards
/// (the lock is gone). Answers how many jobs were released.
async fn release(batch: &mut Batch<'_>, op: ReleaseOp) -> Result<Reply> {
    let released: Vec<JobRow> = query(
        "UPDATE jobs SET state = 'ready', lock_owner = NULL, available_at = $1, \
         version = version + 1 WHERE state = 'locked' AND lock_owner = $2 \
         AND type LIKE 'keel:%' RETURNING *",
    )
    .bind(batch.now_ms)
    .bind(&op.owner)
    .fetch_all(&mut *batch.conn)
    .await?;
    for row in &released {
        batch.job_written(row.clone());
    }
    if !released.is_empty() {
        // Ready jobs: wake this node's waiters and, on PostgreSQL, every other node.
        batch.jobs_created = true;
    }
    Ok(Reply::Count(released.len()))
}

async fn intent(batch: &mut Batch<'_>, op: IntentOp) -> Result<Reply> {
    let job = jobs::locked_job(batch, &op.job_id, &op.owner).await?;
    let existing: Option<IntentRow> =
        query("SELECT attempt, state FROM connector_intents WHERE idempotency_key = $1")
            .bind(&op.key)
            .fetch_optional(&mut *batch.conn)
            .await?;
    let reply = match existing {
        None => {
            query(
                "INSERT INTO connector_intents (idempotency_key, job_id, instance_id, element_id, \
                 connector, attempt, state, started_at, finished_at, owner, result, \
                 error_message, reconciled) \
                 VALUES ($1, $2, $3, $4, $5, 1, 'calling', $6, NULL, $7, NULL, NULL, 0)",
            )
            .bind(&op.key)
            .bind(&job.id)
            .bind(&job.instance_id)
            .bind(&job.element_id)
            .bind(&op.connector)
            .bind(batch.now_ms)
            .bind(&op.owner)
            .execute(&mut *batch.conn)
            .await?;
            IntentReply {
                attempt: 1,
                unconfirmed: None,
            }
        }
        Some(row) if row.state == "succeeded" => {
            // Completion and result share a transaction, so a live job never has one.
            return Err(Error::Conflict(format!(
                "connector call {} already succeeded",
                op.key
            )));
        }
        Some(row) => {
            query(
                "UPDATE connector_intents SET attempt = $1, state = 'calling', started_at = $2, \
                 finished_at = NULL, owner = $3 WHERE idempotency_key = $4",
            )
            .bind(row.attempt + 1)
            .bind(batch.now_ms)
            .bind(&op.owner)
            .bind(&op.key)
            .execute(&mut *batch.conn)
            .await?;
            IntentReply {
                attempt: row.attempt + 1,
                unconfirmed: Some(row.state),
            }
        }
    };
    Ok(Reply::Intent(reply))
}

async fn finish(batch: &mut Batch<'_>, op: FinishOp) -> Result<Reply> {
    let job = jobs::locked_job(batch, &op.job_id, &op.owner).await?;
    // The lock fences other owners; the attempt fences this node's own earlier attempts: a call
    // that outlived its lock while this node took the job again (a newer intent) records
    // nothing.
    let current: Option<i64> =
        query("SELECT attempt FROM connector_intents WHERE idempotency_key = $1")
            .bind(&op.key)
            .scalar_optional(&mut *batch.conn)
            .await?;
    if current != Some(op.attempt) {
        return Err(Error::Conflict(format!(
            "attempt {} of connector call {} was superseded (current attempt: {current:?})",
            op.attempt, op.key
        )));
    }
    let connector = json!({
        "type": job.job_type,
        "idempotency_key": op.key,
        "attempt": op.attempt,
        "reconcile": op.reconcile,
        "reconciled": matches!(op.finish, Finish::Succeeded(_)) && op.reconcile == Some("found"),
    });
    match op.finish {
        Finish::Succeeded(output) => {
            let instance = super::instances::load_active(batch, &job.instance_id).await?;
            let mut ctx = jobs::ctx(Actor::system(), &job, &op.owner);
            ctx.data.insert("connector".into(), connector);
            let trigger = Trigger::JobCompleted {
                key: jobs::key_of(&job),
                variables: output.clone(),
            };
            batch.apply(instance, trigger, ctx).await?;
            let reconciled = i64::from(op.reconcile == Some("found"));
            query(
                "UPDATE connector_intents SET state = 'succeeded', finished_at = $1, result = $2, \
                 error_message = NULL, reconciled = $3 WHERE idempotency_key = $4",
            )
            .bind(batch.now_ms)
            .bind(Json::Object(output).to_string())
            .bind(reconciled)
            .bind(&op.key)
            .execute(&mut *batch.conn)
            .await?;
            return Ok(Reply::Empty);
        }
        Finish::Failed { message, retryable } => {
            let left = if retryable {
                (job.retries - 1).max(0)
            } else {
                0
            };
            let backoff = if left > 0 {
                backoff_ms(batch, &job.instance_id, &job.element_id, left).await?
            } else {
                0
            };
            let fail = FailOp {
                job_id: job.id.clone(),
                request: FailRequest {
                    worker: op.owner.clone(),
                    error_message: message.clone(),
                    retries: Some(left),
                    retry_backoff_ms: backoff,
                },
                actor: Actor::system(),
            };
            jobs::fail(batch, fail).await?;
            record_failure(batch, &op.key, &message).await?;
        }
        Finish::BpmnError { code, message } => {
            let throw = ThrowOp {
                job_id: job.id.clone(),
                request: ThrowErrorRequest {
                    worker: op.owner.clone(),
                    error_code: code.clone(),
                    error_message: message.clone(),
                    variables: Map::new(),
                },
                actor: Actor::system(),
            };
            jobs::throw_error(batch, throw).await?;
            record_failure(batch, &op.key, &format!("{code}: {message}")).await?;
        }
    }
    Ok(Reply::Empty)
}

async fn record_failure(batch: &mut Batch<'_>, key: &str, message: &str) -> Result<()> {
    query(
        "UPDATE connector_intents SET state = 'failed', finished_at = $1, error_message = $2 \
         WHERE idempotency_key = $3",
    )
    .bind(batch.now_ms)
    .bind(message)
    .bind(key)
    .execute(&mut *batch.conn)
    .await?;
    Ok(())
}

/// The wait before the next try of the task's job, from its `camunda:failedJobRetryTimeCycle`
/// (or [`DEFAULT_BACKOFF_MS`]).
async fn backoff_ms(
    batch: &mut Batch<'_>,
    instance_id: &str,
    element_id: &str,
    retries_left: i64,
) -> Result<i64> {
    let Some(instance) = batch.instance(instance_id).await? else {
        return Ok(DEFAULT_BACKOFF_MS);
    };
    let def = batch.definition(&instance.definition_id).await?;
    let cycle = def
        .node_by_id(element_id)
        .map(|idx| &def.node(idx).kind)
        .and_then(|kind| match kind {
            keel_bpmn::FlowNodeKind::JobTask(task) => task.retry_cycle.clone(),
            _ => None,
        });
    Ok(cycle.map_or(DEFAULT_BACKOFF_MS, |c| c.backoff_for(retries_left)))
}
