//! `GET /api/v1/audit` (auditor): the audit trail streamed page by page, as JSON Lines (the
//! authoritative, verifiable format: one canonical record per line) or CSV.
//!
//! The first page is read before answering, so an early failure still gets a proper status;
//! a failure after that aborts the stream (the client sees a truncated body) and is logged.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use keel_engine::audit::AuditRecord;
use keel_engine::audit::export::{CSV_HEADER, csv_line, jsonl_line};
use keel_engine::clock::parse_ms;
use keel_engine::{AuditFilter, Engine};
use serde::Deserialize;

use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::QueryParams;

/// Records read from the store per page.
pub const PAGE: i64 = 1000;

/// Export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Jsonl,
    Csv,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Format::Jsonl => "application/x-ndjson",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }

    fn encode(self, records: &[AuditRecord]) -> String {
        records
            .iter()
            .map(|r| match self {
                Format::Jsonl => jsonl_line(r),
                Format::Csv => csv_line(r),
            })
            .collect()
    }
}

/// `GET /api/v1/audit` query.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    format: Option<String>,
    instance_id: Option<String>,
    definition_key: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn time(value: Option<String>, name: &str) -> ApiResult<Option<i64>> {
    value
        .map(|v| {
            parse_ms(&v).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "`{name}` must be an RFC 3339 timestamp (e.g. 2026-11-21T20:54:35.123Z)"
                ))
            })
        })
        .transpose()
}

/// Where the stream is.
struct Cursor {
    engine: Engine,
    filter: AuditFilter,
    format: Format,
    after: i64,
    first: Option<Vec<AuditRecord>>,
    done: bool,
}

impl Cursor {
    async fn next(mut self) -> Option<(Result<Bytes, std::io::Error>, Cursor)> {
        if self.done {
            return None;
        }
        let page = match self.first.take() {
            Some(page) => page,
            None => match self
                .engine
                .audit_records(&self.filter, self.after, PAGE)
                .await
            {
                Ok(page) => page,
                Err(e) => {
                    tracing::error!(error = %e, "audit export failed mid-stream");
                    self.done = true;
                    return Some((Err(std::io::Error::other("audit export failed")), self));
                }
            },
        };
        let last = page.last()?.seq;
        self.after = last;
        self.done = i64::try_from(page.len()).unwrap_or(i64::MAX) < PAGE;
        let chunk = Bytes::from(self.format.encode(&page));
        Some((Ok(chunk), self))
    }
}

/// `GET /api/v1/audit?format=jsonl|csv&instance_id=&definition_key=&from=&to=`.
pub async fn export(
    State(state): State<AppState>,
    QueryParams(q): QueryParams<AuditQuery>,
) -> ApiResult<Response> {
    let format = match q.format.as_deref() {
        None | Some("jsonl") => Format::Jsonl,
        Some("csv") => Format::Csv,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown format '{other}': use jsonl or csv"
            )));
        }
    };
    let filter = AuditFilter {
        instance_id: q.instance_id,
        definition_key: q.definition_key,
        from_ms: time(q.from, "from")?,
        to_ms: time(q.to, "to")?,
    };
    let first = state.engine.audit_records(&filter, 0, PAGE).await?;
    let header_chunk = match format {
        Format::Csv => Some(Ok::<_, std::io::Error>(Bytes::from_static(
            CSV_HEADER.as_bytes(),
        ))),
        Format::Jsonl => None,
    };
    let cursor = Cursor {
        engine: state.engine.clone(),
        filter,
        format,
        after: 0,
        first: Some(first),
        done: false,
    };
    let records = futures_util::stream::unfold(cursor, Cursor::next);
    let stream = futures_util::StreamExt::chain(futures_util::stream::iter(header_chunk), records);
    let mut response = Body::from_stream(stream).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    Ok(response)
}
