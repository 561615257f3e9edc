//! The engine façade's error: classified so the API can map each class to one HTTP status.

use keel_bpmn::Diagnostic;

/// What went wrong with a request to the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Unknown id.
    #[error("{0} not found")]
    NotFound(String),
    /// The request conflicts with the current state (task no longer open, lock not held...).
    #[error("{0}")]
    Conflict(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Semantically invalid input; `code` is a stable snake_case code.
    #[error("{message}")]
    Invalid {
        /// Stable code (`invalid_variables`, `idempotency_key_reused`, ...).
        code: &'static str,
        /// Explanation.
        message: String,
    },
    /// The BPMN document cannot be deployed.
    #[error("invalid BPMN: {} problem(s)", .0.len())]
    InvalidBpmn(Vec<(String, Diagnostic)>),
    /// A message matched nothing and was not buffered.
    #[error("no subscription matches message '{0}'")]
    NoSubscription(String),
    /// The store failed; the request may be retried.
    #[error("storage error: {0}")]
    Store(#[from] crate::store::Error),
    /// The engine is shutting down.
    #[error("the engine is shutting down")]
    Unavailable,
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Store(crate::store::Error::Sqlx(e))
    }
}

/// Result with an engine [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
