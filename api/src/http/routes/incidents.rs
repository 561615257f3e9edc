//! Incidents (operator): list them and resolve one, which retries the failed step.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value as Json;

use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::dto::{IncidentDto, ListPage, empty_ok};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{JsonBody, Paging, PathId, QueryParams, state_filter, variables};

/// Incident states accepted by the `state` filter.
pub const STATES: [&str; 2] = ["open", "resolved"];

/// `GET /api/v1/incidents` filters.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    instance_id: Option<String>,
    state: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// `GET /api/v1/incidents?instance_id=&state=`: newest first.
pub async fn list(
    State(state): State<AppState>,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<ListPage<IncidentDto>> {
    let (limit, offset) = Paging {
        limit: q.limit,
        offset: q.offset,
    }
    .resolve()?;
    let wanted = state_filter(q.state, &STATES)?;
    let page = state
        .engine
        .list_incidents(q.instance_id.as_deref(), wanted.as_deref(), limit, offset)
        .await?;
    Ok(ListPage {
        items: page.items.iter().map(IncidentDto::from).collect(),
        total: page.total,
    })
}

/// `POST .../resolve` body.
#[derive(Debug, Deserialize)]
pub struct ResolveBody {
    retries: Option<i64>,
    variables: Option<Json>,
}

/// `POST /api/v1/incidents/{id}/resolve` → `{}`.
pub async fn resolve(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathId(id): PathId,
    JsonBody(body): JsonBody<ResolveBody>,
) -> ApiResult<Response> {
    if body.retries.is_some_and(|r| r < 1) {
        return Err(ApiError::bad_request("`retries` must be at least 1"));
    }
    let vars = variables(body.variables, "variables")?;
    state
        .engine
        .resolve_incident(&id, body.retries, vars, &caller)
        .await?;
    Ok(empty_ok())
}
