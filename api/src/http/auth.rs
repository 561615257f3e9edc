//! Bearer-token authentication and role checks.
//!
//! [`authenticate`] guards everything under `/api` (deny by default: it also wraps the API's
//! fallback, so unknown paths answer 401 to anonymous callers). It puts the [`Principal`] into the
//! request's extensions; [`Caller`] takes it out in handlers, and [`require_role`] is layered on
//! each route whose table entry names a role. Tokens are never logged.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use keel_engine::{Principal, Role};

use super::AppState;
use super::error::ApiError;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Caller)
            .ok_or_else(ApiError::unauthorized)
    }
}

impl Caller {
    /// 403 `forbidden` unless the caller has `role` (admin has every role).
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.0.has_role(role) {
            Ok(())
        } else {
            Err(missing_role(role))
        }
    }
}

fn missing_role(role: Role) -> ApiError {
    ApiError::forbidden(
        "forbidden",
        format!("this operation needs the '{}' role", role.as_str()),
    )
}

/// The token of an `Authorization: Bearer <token>` header, if well-formed.
fn bearer(parts: &Request) -> Option<&str> {
    let value = parts.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Middleware: resolves the bearer token to a [`Principal`]; 401 when missing or unknown.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(token) = bearer(&req) else {
        return ApiError::unauthorized().into_response();
    };
    match state.engine.authenticate(token).await {
        Ok(Some(principal)) => {
            tracing::Span::current().record("user", principal.name.as_str());
            req.extensions_mut().insert(principal);
            next.run(req).await
        }
        Ok(None) => ApiError::unauthorized().into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Route middleware: 403 unless the authenticated caller has the route's role.
pub async fn require_role(State(role): State<Role>, req: Request, next: Next) -> Response {
    match req.extensions().get::<Principal>() {
        Some(p) if p.has_role(role) => next.run(req).await,
        Some(_) => missing_role(role).into_response(),
        None => ApiError::unauthorized().into_response(),
    }
}
