//! Jobs for workers: activation with a lock, completion and failure fenced by the lock owner,
//! BPMN errors thrown from a job, and long-polling activation.

use crate::store::{built, query};
use std::time::Duration;

use serde_json::{Map, Value as Json, json};

use super::Engine;
use super::batch::{ApplyCtx, Batch};
use super::writer::{Op, Reply};
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::principal::Principal;
use crate::runtime::variables::ScopeView;
use crate::runtime::{ElementKey, Trigger};
use crate::store::rows::JobRow;
use crate::views::{JobSummary, JobView, Page};

/// `POST /jobs/activate`.
#[derive(Debug, Clone)]
pub struct ActivateRequest {
    /// Job type.
    pub job_type: String,
    /// Worker name (the lock owner).
    pub worker: String,
    /// At most this many jobs.
    pub max_jobs: i64,
    /// Lock duration.
    pub lock_ms: i64,
    /// Long-poll: wait up to this long for a job when none is available.
    pub request_timeout_ms: i64,
}

/// `POST /jobs/{id}/fail`.
#[derive(Debug, Clone)]
pub struct FailRequest {
    /// Lock owner.
    pub worker: String,
    /// Why.
    pub error_message: String,
    /// Retries left; default: one fewer than now.
    pub retries: Option<i64>,
    /// Wait this long before the job is handed out again.
    pub retry_backoff_ms: i64,
}

/// `POST /jobs/{id}/throw-error`.
#[derive(Debug, Clone)]
pub struct ThrowErrorRequest {
    /// Lock owner.
    pub worker: String,
    /// BPMN error code.
    pub error_code: String,
    /// Message.
    pub error_message: String,
    /// Variables for the catching scope.
    pub variables: Map<String, Json>,
}

pub(crate) struct ActivateOp {
    request: ActivateRequest,
}

pub(crate) struct CompleteOp {
    pub(crate) job_id: String,
    worker: String,
    variables: Map<String, Json>,
    actor: Actor,
}

pub(crate) struct FailOp {
    pub(crate) job_id: String,
    pub(super) request: FailRequest,
    pub(super) actor: Actor,
}

pub(crate) struct ThrowOp {
    pub(crate) job_id: String,
    pub(super) request: ThrowErrorRequest,
    pub(super) actor: Actor,
}

impl Engine {
    /// Locks up to `max_jobs` jobs of a type for a worker, waiting up to `request_timeout_ms`
    /// for one to appear.
    pub async fn activate_jobs(&self, request: ActivateRequest) -> Result<Vec<JobView>> {
        let deadline = tokio::time::Instant::now()
            + Duration::from_millis(u64::try_from(request.request_timeout_ms.max(0)).unwrap_or(0));
        loop {
            let notified = self.shared.jobs_notify.notified();
            let jobs = match self
                .send(Op::Activate(ActivateOp {
                    request: request.clone(),
                }))
                .await?
            {
                Reply::Jobs(jobs) => jobs,
                _ => return Err(Error::Unavailable),
            };
            if !jobs.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(jobs);
            }
            // Wake on new jobs, and re-check now and then for jobs whose backoff or lock ended.
            let wait = deadline.min(tokio::time::Instant::now() + self.shared.config.job_poll);
            let _ = tokio::time::timeout_at(wait, notified).await;
        }
    }

    /// Completes a job held by `worker`.
    pub async fn complete_job(
        &self,
        job_id: &str,
        worker: &str,
        variables: Map<String, Json>,
        caller: &Principal,
    ) -> Result<()> {
        let op = CompleteOp {
            job_id: job_id.to_owned(),
            worker: worker.to_owned(),
            variables,
            actor: caller.actor(),
        };
        self.send(Op::CompleteJob(op)).await.map(|_| ())
    }

    /// Reports a failed attempt; with no retries left the instance gets an incident.
    pub async fn fail_job(
        &self,
        job_id: &str,
        request: FailRequest,
        caller: &Principal,
    ) -> Result<()> {
        let op = FailOp {
            job_id: job_id.to_owned(),
            request,
            actor: caller.actor(),
        };
        self.send(Op::FailJob(op)).await.map(|_| ())
    }

    /// Throws a BPMN error from a job.
    pub async fn throw_job_error(
        &self,
        job_id: &str,
        request: ThrowErrorRequest,
        caller: &Principal,
    ) -> Result<()> {
        let op = ThrowOp {
            job_id: job_id.to_owned(),
            request,
            actor: caller.actor(),
        };
        self.send(Op::ThrowError(op)).await.map(|_| ())
    }
}

impl Engine {
    /// Checks that the writer's job cache (SQLite) holds exactly the live jobs of the database:
    /// an error naming every difference otherwise. A diagnostic for tests and `keel bench`; it
    /// waits for the batches in flight and reads every live job.
    pub async fn verify_job_cache(&self) -> Result<()> {
        self.send(Op::CheckJobCache).await.map(|_| ())
    }
}

/// Filters of [`Engine::list_jobs`].
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    /// Only this type.
    pub job_type: Option<String>,
    /// Only this state (`ready`, `locked`, `failed`).
    pub state: Option<String>,
    /// Only this instance.
    pub instance_id: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Page start.
    pub offset: i64,
}

impl Engine {
    /// Jobs matching `filter`, oldest first (operators: what waits, who holds what, what
    /// failed).
    pub async fn list_jobs(&self, filter: &JobFilter) -> Result<Page<JobSummary>> {
        const WHERE: &str = "WHERE ($1 IS NULL OR type = $1) AND ($2 IS NULL OR state = $2) \
                             AND ($3 IS NULL OR instance_id = $3)";
        let rows: Vec<JobRow> = built(format!(
            "SELECT * FROM jobs {WHERE} ORDER BY created_at, id LIMIT $4 OFFSET $5"
        ))
        .bind(&filter.job_type)
        .bind(&filter.state)
        .bind(&filter.instance_id)
        .bind(filter.limit)
        .bind(filter.offset)
        .fetch_all(self.read())
        .await?;
        let total: i64 = built(format!("SELECT COUNT(*) FROM jobs {WHERE}"))
            .bind(&filter.job_type)
            .bind(&filter.state)
            .bind(&filter.instance_id)
            .scalar(self.read())
            .await?;
        Ok(Page {
            items: rows.iter().map(JobSummary::from_row).collect(),
            total,
        })
    }
}

pub(crate) async fn activate(batch: &mut Batch<'_>, op: ActivateOp) -> Result<Reply> {
    let r = op.request;
    let max = r.max_jobs.clamp(1, 1000);
    let lock_until = batch.now_ms.saturating_add(r.lock_ms.max(1));
    let rows = batch
        .lock_jobs(&r.job_type, &r.worker, lock_until, max)
        .await?;
    batch.jobs_activated += rows.len() as u64;
    let ids: Vec<String> = rows.iter().map(|r| r.instance_id.clone()).collect();
    batch.prefetch_instances(&ids).await?;
    let mut jobs = Vec::with_capacity(rows.len());
    for row in rows {
        if batch.is_removed(&row.instance_id, row.element_key) {
            continue;
        }
        let Some(instance) = batch.instance(&row.instance_id).await? else {
            continue;
        };
        let state = batch.state_of(&instance)?;
        let key = ElementKey::try_from(row.element_key).unwrap_or(0);
        let variables = ScopeView::new(&state, key).collect();
        let headers = match serde_json::from_str(&row.headers) {
            Ok(Json::Object(m)) => m,
            _ => Map::new(),
        };
        jobs.push(JobView {
            id: row.id,
            job_type: row.job_type,
            instance_id: row.instance_id,
            element_id: row.element_id,
            retries: row.retries,
            variables,
            headers,
            lock_expires_at: row.available_at,
        });
    }
    Ok(Reply::Jobs(jobs))
}

/// The job, locked by `worker` with an unexpired lock. A job that is over (completed, or its
/// element left; recorded in `ended_jobs`, or deleted earlier in this batch) is a 409
/// conflict, like a lock lost; only an id that never named a job is 404. The `ended_jobs`
/// lookup runs only for a refused request, never on a completion that succeeds.
pub(super) async fn locked_job(
    batch: &mut Batch<'_>,
    job_id: &str,
    worker: &str,
) -> Result<JobRow> {
    let Some(row) = batch.job(job_id).await? else {
        let ended: Option<i64> = query("SELECT ended_at FROM ended_jobs WHERE id = $1")
            .bind(job_id)
            .scalar_optional(&mut *batch.conn)
            .await?;
        return Err(match ended {
            Some(_) => over(job_id),
            None => Error::NotFound(format!("job {job_id}")),
        });
    };
    if batch.is_removed(&row.instance_id, row.element_key) {
        return Err(over(job_id));
    }
    if batch.locked_here(job_id) {
        // Its activation is answered only after this batch commits: nobody holds it yet.
        return Err(Error::Conflict(format!(
            "job {job_id} is not locked by worker '{worker}'"
        )));
    }
    if row.state != "locked" || row.lock_owner.as_deref() != Some(worker) {
        return Err(Error::Conflict(format!(
            "job {job_id} is not locked by worker '{worker}'"
        )));
    }
    if row.available_at <= batch.now_ms {
        return Err(Error::Conflict(format!(
            "the lock of worker '{worker}' on job {job_id} has expired"
        )));
    }
    Ok(row)
}

/// The conflict of a request on a job that is over.
fn over(job_id: &str) -> Error {
    Error::Conflict(format!(
        "job {job_id} is over (completed, or its element was left)"
    ))
}

pub(super) fn key_of(row: &JobRow) -> ElementKey {
    ElementKey::try_from(row.element_key).unwrap_or(0)
}

pub(super) fn ctx(actor: Actor, row: &JobRow, worker: &str) -> ApplyCtx {
    let mut ctx = ApplyCtx::new(actor);
    ctx.element_id = Some(row.element_id.clone());
    ctx.job_id = Some(row.id.clone());
    ctx.data.insert("job_id".into(), json!(row.id));
    ctx.data.insert("worker".into(), json!(worker));
    ctx
}

pub(crate) async fn complete(batch: &mut Batch<'_>, op: CompleteOp) -> Result<Reply> {
    let job = locked_job(batch, &op.job_id, &op.worker).await?;
    super::continuations::refuse_to_workers(&job)?;
    let instance = super::instances::load_active(batch, &job.instance_id).await?;
    let trigger = Trigger::JobCompleted {
        key: key_of(&job),
        variables: op.variables,
    };
    batch
        .apply(instance, trigger, ctx(op.actor, &job, &op.worker))
        .await?;
    Ok(Reply::Empty)
}

pub(crate) async fn fail(batch: &mut Batch<'_>, op: FailOp) -> Result<Reply> {
    let job = locked_job(batch, &op.job_id, &op.request.worker).await?;
    super::continuations::refuse_to_workers(&job)?;
    let mut instance = super::instances::load_active(batch, &job.instance_id).await?;
    let retries = op.request.retries.unwrap_or(job.retries - 1).max(0);
    let mut ctx = ctx(op.actor, &job, &op.request.worker);
    ctx.data.insert("retries".into(), json!(retries));
    ctx.data
        .insert("error_message".into(), json!(op.request.error_message));
    if retries > 0 {
        ctx.data.insert("transitions".into(), json!([]));
        batch.append_audit(
            Some(&mut instance),
            "job_failed",
            ctx.element_id.clone(),
            ctx.actor.clone(),
            Json::Object(ctx.data),
        );
        batch.touch_instance(instance)?;
        let available_at = batch
            .now_ms
            .saturating_add(op.request.retry_backoff_ms.max(0));
        query(
            "UPDATE jobs SET state = 'ready', retries = $1, available_at = $2, lock_owner = NULL, \
             error_message = $3, version = version + 1 WHERE id = $4",
        )
        .bind(retries)
        .bind(available_at)
        .bind(&op.request.error_message)
        .bind(&job.id)
        .execute(&mut *batch.conn)
        .await?;
        batch.job_written(JobRow {
            state: "ready".into(),
            retries,
            available_at,
            lock_owner: None,
            error_message: Some(op.request.error_message.clone()),
            version: job.version + 1,
            ..job.clone()
        });
        if available_at <= batch.now_ms {
            // Ready again at once: wake waiting workers (here and on other nodes).
            batch.jobs_created = true;
        }
        return Ok(Reply::Empty);
    }
    let trigger = Trigger::JobFailed {
        key: key_of(&job),
        message: op.request.error_message.clone(),
    };
    batch.apply(instance, trigger, ctx).await?;
    park_job(batch, &job.id, 0, &op.request.error_message).await?;
    Ok(Reply::Empty)
}

pub(crate) async fn throw_error(batch: &mut Batch<'_>, op: ThrowOp) -> Result<Reply> {
    let r = op.request;
    let job = locked_job(batch, &op.job_id, &r.worker).await?;
    super::continuations::refuse_to_workers(&job)?;
    let instance = super::instances::load_active(batch, &job.instance_id).await?;
    let mut ctx = ctx(op.actor, &job, &r.worker);
    ctx.data.insert("error_code".into(), json!(r.error_code));
    ctx.data
        .insert("error_message".into(), json!(r.error_message));
    let trigger = Trigger::ErrorThrown {
        key: key_of(&job),
        code: r.error_code.clone(),
        message: r.error_message.clone(),
        variables: r.variables,
    };
    batch.apply(instance, trigger, ctx).await?;
    if !batch.is_removed(&job.instance_id, job.element_key) {
        // Not caught: the task waits with an incident; the job is parked until it is resolved.
        park_job(
            batch,
            &job.id,
            job.retries,
            &format!("uncaught error '{}': {}", r.error_code, r.error_message),
        )
        .await?;
    }
    Ok(Reply::Empty)
}

/// Takes a job out of circulation (its element has an incident) until the incident is resolved.
async fn park_job(batch: &mut Batch<'_>, job_id: &str, retries: i64, message: &str) -> Result<()> {
    query(
        "UPDATE jobs SET state = 'failed', retries = $1, lock_owner = NULL, error_message = $2, \
         version = version + 1 WHERE id = $3",
    )
    .bind(retries)
    .bind(message)
    .bind(job_id)
    .execute(&mut *batch.conn)
    .await?;
    // Failed: out of circulation, so out of the job cache.
    batch.job_removed(job_id);
    Ok(())
}
