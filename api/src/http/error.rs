//! The API's error type: every failure becomes a status and the contract's body
//! `{"error": {"code", "message", "details"}}`.
//!
//! Engine errors are classified here, once. Storage and internal failures are logged with
//! `tracing` and reported to clients only as "internal error" / "unavailable", never with the
//! underlying text.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json_, json};

/// An error response.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable snake_case code.
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
    /// Structured details (e.g. BPMN problems).
    pub details: Vec<Json_>,
}

impl ApiError {
    /// An error with no details.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// 400 `bad_request`: the request is malformed.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401 `unauthorized`: missing or unknown token.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid bearer token is required (Authorization: Bearer <token>)",
        )
    }

    /// 403 with a specific code.
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 413 `payload_too_large`.
    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is too large",
        )
    }

    /// 500 `internal`: logged, never detailed to the client.
    pub fn internal(context: &str, error: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %error, "{context}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }
}

impl From<keel_engine::Error> for ApiError {
    fn from(error: keel_engine::Error) -> Self {
        use keel_engine::Error as E;
        match error {
            E::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            E::Conflict(message) => Self::new(StatusCode::CONFLICT, "conflict", message),
            E::Forbidden(message) => ApiError::forbidden("forbidden", message),
            E::Invalid { code, message } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
            }
            E::InvalidBpmn(problems) => {
                let details = problems
                    .iter()
                    .map(|(file, d)| {
                        json!({
                            "file": file,
                            "line": d.line,
                            "column": d.column,
                            "element_id": d.element_id,
                            "message": d.message,
                        })
                    })
                    .collect();
                ApiError {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    code: "invalid_bpmn",
                    message: format!(
                        "the BPMN cannot be deployed: {} problem(s) found",
                        problems.len()
                    ),
                    details,
                }
            }
            E::NoSubscription(name) => Self::new(
                StatusCode::NOT_FOUND,
                "no_subscription",
                format!("no subscription matches message '{name}'"),
            ),
            E::Store(e) => {
                tracing::error!(error = %e, "storage error");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the engine could not complete the request; retry later",
                )
            }
            E::Unavailable => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the engine is shutting down",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "details": self.details,
            }
        });
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
