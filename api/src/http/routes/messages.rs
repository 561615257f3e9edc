//! Events: message correlation, conditional start evaluation and signal broadcast (operator).
//!
//! Signals are accepted and validated but no BPMN signal catch events are supported yet, so a
//! broadcast honestly reports `{"triggered": 0}`.

use axum::extract::State;
use keel_engine::{CorrelateRequest, CorrelateResult};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{JsonBody, variables};

/// `POST /api/v1/messages` body.
#[derive(Debug, Deserialize)]
pub struct MessageBody {
    name: String,
    correlation_key: Option<String>,
    business_key: Option<String>,
    instance_id: Option<String>,
    variables: Option<Json>,
    message_id: Option<String>,
    ttl_ms: Option<i64>,
}

/// `{"correlated": [instance ids], "buffered": bool}`.
#[derive(Debug, Serialize)]
pub struct CorrelateResponse {
    /// Instances the message continued or started.
    pub correlated: Vec<String>,
    /// Instances it started at message start events (also in `correlated`).
    pub started: Vec<String>,
    /// The message was buffered for `ttl_ms`.
    pub buffered: bool,
}

impl From<CorrelateResult> for CorrelateResponse {
    fn from(r: CorrelateResult) -> Self {
        CorrelateResponse {
            correlated: r.correlated,
            started: r.started,
            buffered: r.buffered,
        }
    }
}

/// `POST /api/v1/messages`: 404 `no_subscription` when nothing matches and `ttl_ms` is 0.
pub async fn correlate(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(body): JsonBody<MessageBody>,
) -> ApiResult<axum::Json<CorrelateResponse>> {
    if body.name.trim().is_empty() {
        return Err(ApiError::bad_request("`name` must not be empty"));
    }
    let ttl_ms = body.ttl_ms.unwrap_or(0);
    if ttl_ms < 0 {
        return Err(ApiError::bad_request("`ttl_ms` must not be negative"));
    }
    let request = CorrelateRequest {
        name: body.name,
        correlation_key: body.correlation_key,
        business_key: body.business_key,
        instance_id: body.instance_id,
        variables: variables(body.variables, "variables")?,
        message_id: body.message_id,
        ttl_ms,
    };
    let result = state.engine.correlate_message(request, &caller).await?;
    Ok(axum::Json(result.into()))
}

/// `POST /api/v1/conditions` body.
#[derive(Debug, Deserialize)]
pub struct ConditionBody {
    variables: Option<Json>,
    definition_key: Option<String>,
}

/// `POST /api/v1/conditions`: evaluates the conditional start events of the latest versions
/// (of `definition_key` only, when given) with the variables and starts an instance at each
/// whose condition holds (Camunda 7's `POST /condition`). 404 when none holds.
pub async fn evaluate_conditions(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(body): JsonBody<ConditionBody>,
) -> ApiResult<axum::Json<CorrelateResponse>> {
    let vars = variables(body.variables, "variables")?;
    let result = state
        .engine
        .evaluate_start_conditions(body.definition_key, vars, &caller)
        .await?;
    Ok(axum::Json(result.into()))
}

/// `POST /api/v1/signals` body.
#[derive(Debug, Deserialize)]
pub struct SignalBody {
    name: String,
    variables: Option<Json>,
}

/// `{"triggered": N}`: instances the signal reached plus instances it started.
#[derive(Debug, Serialize)]
pub struct SignalResponse {
    /// Instances reached or started.
    pub triggered: u64,
    /// Instances whose signal catch events caught it.
    pub caught: Vec<String>,
    /// Instances started by signal start events.
    pub started: Vec<String>,
}

/// `POST /api/v1/signals`: broadcast to every open signal catch and signal start event.
pub async fn broadcast(
    State(state): State<AppState>,
    Caller(caller): Caller,
    JsonBody(body): JsonBody<SignalBody>,
) -> ApiResult<axum::Json<SignalResponse>> {
    if body.name.trim().is_empty() {
        return Err(ApiError::bad_request("`name` must not be empty"));
    }
    let vars = variables(body.variables, "variables")?;
    let result = state
        .engine
        .broadcast_signal(&body.name, vars, &caller)
        .await?;
    Ok(axum::Json(SignalResponse {
        triggered: (result.caught.len() + result.started.len()) as u64,
        caught: result.caught,
        started: result.started,
    }))
}
