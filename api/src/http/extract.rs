//! Request extractors whose rejections use the API's error shape: JSON bodies (checked for
//! duplicate keys and depth first), path ids, query strings, and paging.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json};

use super::error::ApiError;
use super::jsoncheck;

/// Default page size of list endpoints.
pub const DEFAULT_LIMIT: i64 = 100;
/// Largest page size; larger requests are clamped.
pub const MAX_LIMIT: i64 = 1000;
/// Largest request body accepted (JSON and BPMN uploads).
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// A JSON request body. An empty body reads as `{}`.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::too_large()
            } else {
                ApiError::bad_request("the request body could not be read")
            }
        })?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// Parses a JSON body after the duplicate-key and depth checks.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    jsoncheck::check(bytes).map_err(|p| ApiError::bad_request(p.to_string()))?;
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("malformed JSON body: {e}")))
}

/// The single `{id}` / `{key}` path parameter.
#[derive(Debug, Clone)]
pub struct PathId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::bad_request("invalid path parameter"))?;
        Ok(PathId(id))
    }
}

/// Two path parameters (`/instances/{id}/elements/{element_id}/...`).
#[derive(Debug, Clone)]
pub struct PathIds(pub String, pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathIds {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path((a, b)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::bad_request("invalid path parameter"))?;
        Ok(PathIds(a, b))
    }
}

/// Query parameters deserialised into `T`.
#[derive(Debug, Clone)]
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Query(value) = Query::<T>::try_from_uri(&parts.uri).map_err(|rejection| {
            ApiError::bad_request(format!("invalid query string: {}", rejection.body_text()))
        })?;
        Ok(QueryParams(value))
    }
}

/// `limit` and `offset` of a list request.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct Paging {
    /// Page size: default 100, larger than 1000 is clamped.
    pub limit: Option<i64>,
    /// Items to skip.
    pub offset: Option<i64>,
}

impl Paging {
    /// The clamped page size and offset, or 400 for negative values.
    pub fn resolve(self) -> Result<(i64, i64), ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        let offset = self.offset.unwrap_or(0);
        if limit < 0 || offset < 0 {
            return Err(ApiError::bad_request(
                "limit and offset must not be negative",
            ));
        }
        Ok((limit.min(MAX_LIMIT), offset))
    }

    /// One page of an in-memory list (for engine calls that are not paged).
    pub fn slice<T>(self, items: Vec<T>) -> Result<(Vec<T>, i64), ApiError> {
        let (limit, offset) = self.resolve()?;
        let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let page = items
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(0))
            .collect();
        Ok((page, total))
    }
}

/// Reads an optional `variables` value: absent or null is empty; anything but an object is 400.
pub fn variables(value: Option<Json>, field: &str) -> Result<Map<String, Json>, ApiError> {
    match value {
        None | Some(Json::Null) => Ok(Map::new()),
        Some(Json::Object(map)) => Ok(map),
        Some(_) => Err(ApiError::bad_request(format!(
            "`{field}` must be a JSON object"
        ))),
    }
}

/// Checks an optional state filter against the allowed values (400 otherwise).
pub fn state_filter(value: Option<String>, allowed: &[&str]) -> Result<Option<String>, ApiError> {
    match value {
        Some(s) if !allowed.contains(&s.as_str()) => Err(ApiError::bad_request(format!(
            "unknown state '{s}': expected one of {}",
            allowed.join(", ")
        ))),
        other => Ok(other),
    }
}
