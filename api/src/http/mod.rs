//! Keel's HTTP API (axum): the contract's routes under `/api/v1`, plus the public `/health` and
//! `/metrics`.
//!
//! Layout: [`openapi::routes`] is the single route table (handler, role, docs); [`router`] builds
//! the axum router from it. Everything under `/api` sits behind [`auth::authenticate`] (deny by
//! default, including unknown paths); a route whose entry names a role gets
//! [`auth::require_role`]. Handlers live in `routes/`, wire shapes in `dto.rs`, error mapping in
//! `error.rs`. Request bodies are capped at [`extract::MAX_BODY_BYTES`].

pub mod auth;
pub mod dto;
pub mod error;
pub mod extract;
pub mod jsoncheck;
pub mod openapi;
pub mod routes;

use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use self::error::ApiError;
use self::openapi::Access;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The engine.
    pub engine: keel_engine::Engine,
    /// Renders `/metrics`; `None` serves an empty exposition.
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("engine", &self.engine)
            .field("metrics", &self.metrics.is_some())
            .finish()
    }
}

/// Prefix of every authenticated route.
const API_PREFIX: &str = "/api";

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let mut public: Router<AppState> = Router::new();
    let mut api: Router<AppState> = Router::new();
    for route in openapi::routes() {
        match route.access {
            Access::Public => public = public.route(route.path, route.handler),
            access => {
                let handler = match access {
                    Access::Role(role) => route
                        .handler
                        .layer(middleware::from_fn_with_state(role, auth::require_role)),
                    _ => route.handler,
                };
                let path = route.path.strip_prefix(API_PREFIX).unwrap_or(route.path);
                api = api.route(path, handler);
            }
        }
    }
    let api = api
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ));
    public
        .nest(API_PREFIX, api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        .layer(middleware::from_fn(observe))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not accept this method",
    )
}

/// A span per request (method and path only: never headers, query strings or bodies) and the
/// request counter and latency histogram.
async fn observe(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let span = tracing::info_span!(
        "http",
        method = %method,
        path = %req.uri().path(),
        user = tracing::field::Empty,
    );
    let started = Instant::now();
    let response = next.run(req).instrument(span.clone()).await;
    let status = response.status();
    let elapsed = started.elapsed();
    span.in_scope(|| {
        tracing::debug!(
            status = status.as_u16(),
            ms = elapsed.as_millis() as u64,
            "request"
        );
    });
    let labels = [
        ("method", method.as_str().to_owned()),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!("keel_http_requests_total", &labels).increment(1);
    metrics::histogram!("keel_http_request_duration_seconds", &labels)
        .record(elapsed.as_secs_f64());
    response.into_response()
}
