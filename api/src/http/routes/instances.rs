//! Process instances: start (idempotent with `Idempotency-Key`), read, list, cancel, set
//! variables, and the instance's audit records.
//!
//! Any user may start instances and read the ones it started; reading another user's instance
//! needs `operator` (or `auditor` for its audit records) and is otherwise 403.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use keel_engine::views::InstanceView;
use keel_engine::{InstanceFilter, Principal, Role, StartRequest};
use serde::Deserialize;
use serde_json::Value as Json;

use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::dto::{InstanceDto, ListPage, created};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{
    JsonBody, Paging, PathId, PathIds, QueryParams, state_filter, variables,
};
use crate::http::routes::messages::CorrelateResponse;

/// Instance states accepted by the `state` filter.
pub const STATES: [&str; 4] = ["active", "completed", "terminated", "cancelled"];
/// Longest accepted `Idempotency-Key`.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// `POST .../instances` body.
#[derive(Debug, Deserialize)]
pub struct StartBody {
    variables: Option<Json>,
    business_key: Option<String>,
}

/// `?version=N`.
#[derive(Debug, Deserialize)]
pub struct StartQuery {
    version: Option<i64>,
}

/// `POST /api/v1/definitions/{key}/instances[?version=N]`.
pub async fn start(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathId(key): PathId,
    QueryParams(q): QueryParams<StartQuery>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<StartBody>,
) -> ApiResult<Response> {
    let idempotency_key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => {
            let key = value
                .to_str()
                .ok()
                .map(str::trim)
                .filter(|k| !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY)
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"
                    ))
                })?;
            Some(key.to_owned())
        }
    };
    let request = StartRequest {
        definition_key: key,
        version: q.version,
        variables: variables(body.variables, "variables")?,
        business_key: body.business_key,
        idempotency_key,
    };
    let instance = state.engine.start_instance(request, &caller).await?;
    Ok(created(InstanceDto::from(&instance)))
}

/// True when `caller` may read `instance` (its starter, or an operator).
fn may_read(caller: &Principal, instance: &InstanceView) -> bool {
    caller.has_role(Role::Operator) || instance.started_by.as_deref() == Some(&caller.user_id)
}

fn not_yours(id: &str) -> ApiError {
    ApiError::forbidden(
        "forbidden",
        format!("instance {id} was started by another user; reading it needs the 'operator' role"),
    )
}

/// `GET /api/v1/instances/{id}`.
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathId(id): PathId,
) -> ApiResult<axum::Json<InstanceDto>> {
    let instance = state.engine.instance(&id).await?;
    if !may_read(&caller, &instance) {
        return Err(not_yours(&id));
    }
    Ok(axum::Json(InstanceDto::from(&instance)))
}

/// `GET /api/v1/instances` filters.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    definition_key: Option<String>,
    state: Option<String>,
    business_key: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// `GET /api/v1/instances`: newest first; callers without `operator` see only their own.
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<ListPage<InstanceDto>> {
    let (limit, offset) = Paging {
        limit: q.limit,
        offset: q.offset,
    }
    .resolve()?;
    let filter = InstanceFilter {
        definition_key: q.definition_key,
        state: state_filter(q.state, &STATES)?,
        business_key: q.business_key,
        started_by: (!caller.has_role(Role::Operator)).then(|| caller.user_id.clone()),
        limit,
        offset,
    };
    let page = state.engine.list_instances(&filter).await?;
    Ok(ListPage {
        items: page.items.iter().map(InstanceDto::from).collect(),
        total: page.total,
    })
}

/// `POST .../cancel` body.
#[derive(Debug, Deserialize)]
pub struct CancelBody {
    reason: Option<String>,
}

/// `POST /api/v1/instances/{id}/cancel` (operator).
pub async fn cancel(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathId(id): PathId,
    JsonBody(body): JsonBody<CancelBody>,
) -> ApiResult<axum::Json<InstanceDto>> {
    let instance = state
        .engine
        .cancel_instance(&id, body.reason, &caller)
        .await?;
    Ok(axum::Json(InstanceDto::from(&instance)))
}

/// `PUT .../variables` body.
#[derive(Debug, Deserialize)]
pub struct VariablesBody {
    variables: Option<Json>,
}

/// `PUT /api/v1/instances/{id}/variables` (operator): sets root-scope variables.
pub async fn set_variables(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathId(id): PathId,
    JsonBody(body): JsonBody<VariablesBody>,
) -> ApiResult<axum::Json<InstanceDto>> {
    let Some(vars) = body.variables else {
        return Err(ApiError::bad_request("`variables` is required"));
    };
    let vars = variables(Some(vars), "variables")?;
    let instance = state.engine.set_variables(&id, vars, &caller).await?;
    Ok(axum::Json(InstanceDto::from(&instance)))
}

/// `POST .../elements/{element_id}/trigger` body.
#[derive(Debug, Deserialize)]
pub struct TriggerBody {
    variables: Option<Json>,
}

/// `POST /api/v1/instances/{id}/elements/{element_id}/trigger` (operator): continues a waiting
/// receive task (with or without a message) or intermediate message, timer, signal or
/// conditional catch event, as Camunda 7's `runtimeService.signal` (docs/decisions/0014).
/// 404 unknown instance or element; 409 when that element does not wait to be triggered.
pub async fn trigger(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathIds(id, element_id): PathIds,
    JsonBody(body): JsonBody<TriggerBody>,
) -> ApiResult<axum::Json<CorrelateResponse>> {
    let vars = variables(body.variables, "variables")?;
    let result = state
        .engine
        .trigger_element(&id, &element_id, vars, &caller)
        .await?;
    Ok(axum::Json(result.into()))
}

/// `POST .../elements/{element_id}/activate` body.
#[derive(Debug, Deserialize)]
pub struct ActivateBody {
    element_ids: Option<Vec<String>>,
    variables: Option<Json>,
}

/// `POST /api/v1/instances/{id}/elements/{element_id}/activate` (operator): starts inner
/// elements of the running ad-hoc sub-process `element_id`, in the order given, after setting
/// `variables` local to it (docs/decisions/0014). 404 unknown instance or element; 409 when the
/// ad-hoc sub-process is not running; 422 `invalid_element` when an id is not an inner element
/// it can start (or `element_id` is no ad-hoc sub-process).
pub async fn activate(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathIds(id, element_id): PathIds,
    JsonBody(body): JsonBody<ActivateBody>,
) -> ApiResult<axum::Json<InstanceDto>> {
    let Some(elements) = body.element_ids else {
        return Err(ApiError::bad_request("`element_ids` is required"));
    };
    let vars = variables(body.variables, "variables")?;
    let instance = state
        .engine
        .activate_ad_hoc_elements(&id, &element_id, elements, vars, &caller)
        .await?;
    Ok(axum::Json(InstanceDto::from(&instance)))
}

/// `limit`/`offset` query.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    limit: Option<i64>,
    offset: Option<i64>,
}

/// `GET /api/v1/instances/{id}/audit`: the instance's records, oldest first (its starter,
/// operators and auditors).
pub async fn audit(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathId(id): PathId,
    QueryParams(q): QueryParams<AuditQuery>,
) -> ApiResult<ListPage<Json>> {
    let paging = Paging {
        limit: q.limit,
        offset: q.offset,
    };
    paging.resolve()?;
    let instance = state.engine.instance(&id).await?;
    if !caller.has_role(Role::Auditor) && !may_read(&caller, &instance) {
        return Err(not_yours(&id));
    }
    let records = state.engine.instance_audit(&id).await?;
    let (items, total) = paging.slice(records)?;
    Ok(ListPage {
        items: items.iter().map(|r| r.to_json(true)).collect(),
        total,
    })
}
