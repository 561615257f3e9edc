//! Human tasks: list (only what the caller may work on, unless operator), read with variables
//! and form, claim, unclaim, assign (operator), complete. The engine enforces who may work on
//! a task inside the writing transaction and answers 403/409 itself.

use axum::extract::State;
use keel_engine::TaskFilter;
use serde::Deserialize;
use serde_json::{Map, Value as Json};

use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::dto::{FormDto, ListPage, TaskDetailDto, TaskDto};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{JsonBody, Paging, PathId, QueryParams, state_filter, variables};

/// Task states accepted by the `state` filter.
pub const STATES: [&str; 3] = ["open", "completed", "cancelled"];

/// `GET /api/v1/tasks` filters.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    state: Option<String>,
    assignee: Option<String>,
    candidate_group: Option<String>,
    instance_id: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// `GET /api/v1/tasks`: `state` defaults to `open`; oldest first.
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<ListPage<TaskDto>> {
    let (limit, offset) = Paging {
        limit: q.limit,
        offset: q.offset,
    }
    .resolve()?;
    let filter = TaskFilter {
        state: Some(state_filter(q.state, &STATES)?.unwrap_or_else(|| "open".to_owned())),
        assignee: q.assignee,
        candidate_group: q.candidate_group,
        instance_id: q.instance_id,
        limit,
        offset,
    };
    let page = state.engine.list_tasks(&filter, &caller).await?;
    Ok(ListPage {
        items: page.items.iter().map(TaskDto::from).collect(),
        total: page.total,
    })
}

/// `GET /api/v1/tasks/{id}`: the task, its visible variables and its form.
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathId(id): PathId,
) -> ApiResult<axum::Json<TaskDetailDto>> {
    let (task, variables) = state.engine.task(&id, &caller).await?;
    let form = task.form_key.clone().map(|key| FormDto {
        key,
        binding: task.form_ref.as_ref().map(|r| r.binding),
        version: task.form_ref.as_ref().and_then(|r| r.version),
    });
    Ok(axum::Json(TaskDetailDto {
        task: TaskDto::from(&task),
        variables,
        form,
    }))
}

/// `POST /api/v1/tasks/{id}/claim`.
pub async fn claim(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathId(id): PathId,
) -> ApiResult<axum::Json<TaskDto>> {
    let task = state.engine.claim_task(&id, &caller).await?;
    Ok(axum::Json(TaskDto::from(&task)))
}

/// `POST /api/v1/tasks/{id}/unclaim`.
pub async fn unclaim(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathId(id): PathId,
) -> ApiResult<axum::Json<TaskDto>> {
    let task = state.engine.unclaim_task(&id, &caller).await?;
    Ok(axum::Json(TaskDto::from(&task)))
}

/// `POST /api/v1/tasks/{id}/assign` (operator): body `{"user": "name"}`, or `{"user": null}`
/// to unassign. The field is required so that `{}` cannot unassign by accident.
pub async fn assign(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathId(id): PathId,
    JsonBody(body): JsonBody<Map<String, Json>>,
) -> ApiResult<axum::Json<TaskDto>> {
    let user = match body.get("user") {
        Some(Json::String(user)) if !user.trim().is_empty() => Some(user.clone()),
        Some(Json::Null) => None,
        Some(_) => return Err(ApiError::bad_request("`user` must be a user name or null")),
        None => return Err(ApiError::bad_request("`user` is required (null unassigns)")),
    };
    let task = state.engine.assign_task(&id, user, &caller).await?;
    Ok(axum::Json(TaskDto::from(&task)))
}

/// `POST .../complete` body.
#[derive(Debug, Deserialize)]
pub struct CompleteBody {
    variables: Option<Json>,
}

/// `POST /api/v1/tasks/{id}/complete` → 200 with the completed task.
pub async fn complete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    PathId(id): PathId,
    JsonBody(body): JsonBody<CompleteBody>,
) -> ApiResult<axum::Json<TaskDto>> {
    let vars = variables(body.variables, "variables")?;
    let task = state.engine.complete_task(&id, vars, &caller).await?;
    Ok(axum::Json(TaskDto::from(&task)))
}
