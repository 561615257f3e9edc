//! Jobs for external workers (role `worker`): activate with a lock (long-polling up to
//! `request_timeout_ms`), complete, fail, throw a BPMN error. Operators list them. Job types beginning with `keel:`
//! belong to the built-in connectors and cannot be activated here (403 `reserved_job_type`).

use axum::extract::State;
use axum::response::Response;
use keel_engine::{ActivateRequest, FailRequest, ThrowErrorRequest};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::dto::{JobDto, JobSummaryDto, ListPage, empty_ok};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{JsonBody, Paging, PathId, QueryParams, state_filter, variables};

/// Job states accepted by the `state` filter.
pub const STATES: [&str; 3] = ["ready", "locked", "failed"];

/// `GET /api/v1/jobs` filters.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(rename = "type")]
    job_type: Option<String>,
    state: Option<String>,
    instance_id: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// `GET /api/v1/jobs?type=&state=&instance_id=`: oldest first.
pub async fn list(
    State(state): State<AppState>,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<ListPage<JobSummaryDto>> {
    let (limit, offset) = Paging {
        limit: q.limit,
        offset: q.offset,
    }
    .resolve()?;
    let filter = keel_engine::JobFilter {
        job_type: q.job_type,
        state: state_filter(q.state, &STATES)?,
        instance_id: q.instance_id,
        limit,
        offset,
    };
    let page = state.engine.list_jobs(&filter).await?;
    Ok(ListPage {
        items: page.items.iter().map(JobSummaryDto::from).collect(),
        total: page.total,
    })
}

/// Prefix of job types reserved for built-in connectors.
pub const RESERVED_PREFIX: &str = keel_engine::connector::RESERVED_PREFIX;
/// Jobs per activation when `max_jobs` is absent.
pub const DEFAULT_MAX_JOBS: i64 = 10;
/// Lock duration when `lock_ms` is absent.
pub const DEFAULT_LOCK_MS: i64 = 5 * 60 * 1000;
/// Longest long-poll; larger `request_timeout_ms` values are clamped.
pub const MAX_REQUEST_TIMEOUT_MS: i64 = 60_000;

/// `POST /api/v1/jobs/activate` body.
#[derive(Debug, Deserialize)]
pub struct ActivateBody {
    #[serde(rename = "type")]
    job_type: String,
    worker: Option<String>,
    max_jobs: Option<i64>,
    lock_ms: Option<i64>,
    request_timeout_ms: Option<i64>,
}

/// `{"jobs": [...]}`.
#[derive(Debug, Serialize)]
pub struct ActivateResponse {
    /// The locked jobs.
    pub jobs: Vec<JobDto>,
}

/// The worker name: as given, else the caller's user name.
fn worker_name(worker: Option<String>, caller: &keel_engine::Principal) -> String {
    worker
        .filter(|w| !w.trim().is_empty())
        .unwrap_or_else(|| caller.name.clone())
}

/// `POST /api/v1/jobs/activate`.
pub async fn activate(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(body): JsonBody<ActivateBody>,
) -> ApiResult<axum::Json<ActivateResponse>> {
    if body.job_type.trim().is_empty() {
        return Err(ApiError::bad_request("`type` must not be empty"));
    }
    if body.job_type.starts_with(RESERVED_PREFIX) {
        return Err(ApiError::forbidden(
            "reserved_job_type",
            format!(
                "job types beginning with '{RESERVED_PREFIX}' are run by the engine's built-in connectors"
            ),
        ));
    }
    let max_jobs = body.max_jobs.unwrap_or(DEFAULT_MAX_JOBS);
    let lock_ms = body.lock_ms.unwrap_or(DEFAULT_LOCK_MS);
    if max_jobs < 1 || lock_ms < 1 {
        return Err(ApiError::bad_request(
            "`max_jobs` and `lock_ms` must be at least 1",
        ));
    }
    let request = ActivateRequest {
        job_type: body.job_type,
        worker: worker_name(body.worker, &caller),
        max_jobs: max_jobs.min(1000),
        lock_ms,
        request_timeout_ms: body
            .request_timeout_ms
            .unwrap_or(0)
            .clamp(0, MAX_REQUEST_TIMEOUT_MS),
    };
    let jobs = state.engine.activate_jobs(request).await?;
    Ok(axum::Json(ActivateResponse {
        jobs: jobs.into_iter().map(JobDto::from).collect(),
    }))
}

/// `POST /api/v1/jobs/{id}/complete` body.
#[derive(Debug, Deserialize)]
pub struct CompleteBody {
    worker: Option<String>,
    variables: Option<Json>,
}

/// `POST /api/v1/jobs/{id}/complete` → `{}`.
pub async fn complete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathId(id): PathId,
    JsonBody(body): JsonBody<CompleteBody>,
) -> ApiResult<Response> {
    let vars = variables(body.variables, "variables")?;
    let worker = worker_name(body.worker, &caller);
    state
        .engine
        .complete_job(&id, &worker, vars, &caller)
        .await?;
    Ok(empty_ok())
}

/// `POST /api/v1/jobs/{id}/fail` body.
#[derive(Debug, Deserialize)]
pub struct FailBody {
    worker: Option<String>,
    error_message: Option<String>,
    retries: Option<i64>,
    retry_backoff_ms: Option<i64>,
}

/// `POST /api/v1/jobs/{id}/fail` → `{}`; `retries` 0 raises an incident.
pub async fn fail(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathId(id): PathId,
    JsonBody(body): JsonBody<FailBody>,
) -> ApiResult<Response> {
    if body.retries.is_some_and(|r| r < 0) || body.retry_backoff_ms.is_some_and(|b| b < 0) {
        return Err(ApiError::bad_request(
            "`retries` and `retry_backoff_ms` must not be negative",
        ));
    }
    let request = FailRequest {
        worker: worker_name(body.worker, &caller),
        error_message: body.error_message.unwrap_or_default(),
        retries: body.retries,
        retry_backoff_ms: body.retry_backoff_ms.unwrap_or(0),
    };
    state.engine.fail_job(&id, request, &caller).await?;
    metrics::counter!("keel_jobs_failed_total", "type" => "worker").increment(1);
    Ok(empty_ok())
}

/// `POST /api/v1/jobs/{id}/throw-error` body.
#[derive(Debug, Deserialize)]
pub struct ThrowBody {
    worker: Option<String>,
    error_code: String,
    error_message: Option<String>,
    variables: Option<Json>,
}

/// `POST /api/v1/jobs/{id}/throw-error` → `{}`.
pub async fn throw_error(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathId(id): PathId,
    JsonBody(body): JsonBody<ThrowBody>,
) -> ApiResult<Response> {
    if body.error_code.trim().is_empty() {
        return Err(ApiError::bad_request("`error_code` must not be empty"));
    }
    let request = ThrowErrorRequest {
        worker: worker_name(body.worker, &caller),
        error_code: body.error_code,
        error_message: body.error_message.unwrap_or_default(),
        variables: variables(body.variables, "variables")?,
    };
    state.engine.throw_job_error(&id, request, &caller).await?;
    Ok(empty_ok())
}
