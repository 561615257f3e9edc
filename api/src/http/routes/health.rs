//! Public endpoints: liveness, Prometheus metrics, and the (authenticated) OpenAPI document.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

use crate::http::AppState;

/// `GET /health` → `{"status":"ok"}`.
pub async fn health() -> axum::Json<Json> {
    axum::Json(json!({"status": "ok"}))
}

/// `GET /metrics`: Prometheus text exposition (empty without a recorder).
pub async fn metrics(State(state): State<AppState>) -> Response {
    let text = state
        .metrics
        .as_ref()
        .map(|h| h.render())
        .unwrap_or_default();
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> axum::Json<Json> {
    axum::Json(crate::http::openapi::document().clone())
}
