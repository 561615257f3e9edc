//! `keel:http`: one HTTP request per operation, with the operation's idempotency key in the
//! `Idempotency-Key` header (docs/connectors.md).
//!
//! Settings (task header, else variable of the same name): `url` (required), `method`
//! (default `POST`), `headers` (JSON object), `body` (any JSON; sent as JSON), `resultVariable`
//! (default `response`), `timeoutMs` (default 10000), `reconcileUrl` (optional: a GET that
//! answers 200 with the earlier response's body, or 404, for the key appended as a last path
//! segment or substituted for `{key}`), `throwOnClientError` (`true`: a 4xx is a BPMN error
//! `HTTP_<status>` instead of an incident).
//!
//! Outcomes: 2xx → `{resultVariable: {"status", "body"}}`; 5xx, 408, 429, a timeout or a
//! connection error → retryable; other 4xx → incident (or BPMN error); other statuses →
//! incident.

use std::time::Duration;

use serde_json::{Map, Value as Json, json};

use super::{Call, Connector, Failure, Output, Reconciled};

/// The header carrying the idempotency key.
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";
/// Request timeout when the task sets none.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;
/// Longest timeout a task may set (the job lock must outlast the call).
pub const MAX_TIMEOUT_MS: u64 = 120_000;
/// Longest response body kept in an error message.
const ERROR_BODY_CHARS: usize = 300;

/// The HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client of keel:http: {0}")]
pub struct BuildError(String);

/// The `keel:http` connector.
#[derive(Debug, Clone)]
pub struct HttpConnector {
    client: reqwest::Client,
}

/// Installs rustls' ring provider as the process default, once. reqwest is built without a
/// provider of its own (no aws-lc-rs): any process that builds a reqwest client with this
/// crate linked in calls this first (an earlier install by anyone is kept).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl HttpConnector {
    /// A connector with its own connection pool; TLS through rustls with the ring provider.
    pub fn new() -> Result<Self, BuildError> {
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .user_agent(concat!("keel/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| BuildError(e.to_string()))?;
        Ok(HttpConnector { client })
    }
}

/// A request as the task configures it.
struct Request {
    method: reqwest::Method,
    url: reqwest::Url,
    headers: Vec<(String, String)>,
    body: Option<Json>,
    result_variable: String,
    timeout: Duration,
    reconcile_url: Option<String>,
    throw_on_client_error: bool,
}

fn config(call: &Call) -> Result<Request, Failure> {
    let url = call
        .text_setting("url")
        .ok_or_else(|| Failure::Config("keel:http needs a url (task header or variable)".into()))?;
    let url = reqwest::Url::parse(&url)
        .map_err(|e| Failure::Config(format!("keel:http url is not a valid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Failure::Config(format!(
            "keel:http url must be http or https, not {}",
            url.scheme()
        )));
    }
    let method = call.text_setting("method").unwrap_or_else(|| "POST".into());
    let method = reqwest::Method::from_bytes(method.trim().to_ascii_uppercase().as_bytes())
        .map_err(|_| Failure::Config(format!("keel:http method '{method}' is not valid")))?;
    let headers = match call.setting("headers") {
        None => Vec::new(),
        Some(Json::Object(m)) => object_headers(m)?,
        Some(Json::String(s)) => match serde_json::from_str::<Json>(s) {
            Ok(Json::Object(m)) => object_headers(&m)?,
            _ => {
                return Err(Failure::Config(
                    "keel:http headers must be a JSON object".into(),
                ));
            }
        },
        Some(_) => {
            return Err(Failure::Config(
                "keel:http headers must be a JSON object".into(),
            ));
        }
    };
    let body = call.setting("body").map(|b| match b {
        // A header value is text: send JSON text as the JSON it holds.
        Json::String(s) if call.headers.contains_key("body") => {
            serde_json::from_str(s).unwrap_or_else(|_| b.clone())
        }
        other => other.clone(),
    });
    let timeout_ms = match call.text_setting("timeoutMs") {
        None => DEFAULT_TIMEOUT_MS,
        Some(t) => t
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|t| (1..=MAX_TIMEOUT_MS).contains(t))
            .ok_or_else(|| {
                Failure::Config(format!(
                    "keel:http timeoutMs '{t}' is not a number of milliseconds in 1..={MAX_TIMEOUT_MS}"
                ))
            })?,
    };
    Ok(Request {
        method,
        url,
        headers,
        body,
        result_variable: call
            .text_setting("resultVariable")
            .unwrap_or_else(|| "response".into()),
        timeout: Duration::from_millis(timeout_ms),
        reconcile_url: call.text_setting("reconcileUrl"),
        throw_on_client_error: call
            .text_setting("throwOnClientError")
            .is_some_and(|v| v.trim() == "true"),
    })
}

fn object_headers(m: &Map<String, Json>) -> Result<Vec<(String, String)>, Failure> {
    m.iter()
        .map(|(k, v)| {
            if k.eq_ignore_ascii_case(IDEMPOTENCY_HEADER) {
                return Err(Failure::Config(format!(
                    "keel:http sets {IDEMPOTENCY_HEADER} itself; remove it from headers"
                )));
            }
            let v = match v {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            Ok((k.clone(), v))
        })
        .collect()
}

/// The response body as JSON (text that is not JSON becomes a JSON string).
async fn body_of(response: reqwest::Response) -> Result<Json, Failure> {
    let text = response
        .text()
        .await
        .map_err(|e| Failure::Retryable(format!("reading the response failed: {e}")))?;
    if text.trim().is_empty() {
        return Ok(Json::Null);
    }
    Ok(serde_json::from_str(&text).unwrap_or(Json::String(text)))
}

fn excerpt(body: &Json) -> String {
    let text = match body {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    text.chars().take(ERROR_BODY_CHARS).collect()
}

fn transport(e: reqwest::Error) -> Failure {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    // Without the URL: it may carry credentials in its query.
    Failure::Retryable(format!("keel:http request {what}: {}", e.without_url()))
}

fn output(request: &Request, status: u16, body: Json) -> Output {
    let mut out = Map::new();
    out.insert(
        request.result_variable.clone(),
        json!({"status": status, "body": body}),
    );
    out
}

#[async_trait::async_trait]
impl Connector for HttpConnector {
    fn job_type(&self) -> &'static str {
        "keel:http"
    }

    async fn execute(&self, call: &Call) -> Result<Output, Failure> {
        let request = config(call)?;
        let mut builder = self
            .client
            .request(request.method.clone(), request.url.clone())
            .timeout(request.timeout)
            .header(IDEMPOTENCY_HEADER, call.key.as_str());
        for (k, v) in &request.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let response = builder.send().await.map_err(transport)?;
        let status = response.status();
        let body = body_of(response).await?;
        let code = status.as_u16();
        if status.is_success() {
            return Ok(output(&request, code, body));
        }
        let message = format!(
            "keel:http {} answered {status}: {}",
            request.method,
            excerpt(&body)
        );
        if status.is_server_error() || code == 408 || code == 429 {
            return Err(Failure::Retryable(message));
        }
        if status.is_client_error() && request.throw_on_client_error {
            return Err(Failure::BpmnError {
                code: format!("HTTP_{code}"),
                message,
            });
        }
        Err(Failure::Rejected(message))
    }

    async fn reconcile(&self, call: &Call) -> Result<Reconciled, Failure> {
        let request = config(call)?;
        let Some(template) = &request.reconcile_url else {
            return Ok(Reconciled::Unsupported);
        };
        let url = if template.contains("{key}") {
            template.replace("{key}", call.key.as_str())
        } else {
            format!("{}/{}", template.trim_end_matches('/'), call.key)
        };
        let url = reqwest::Url::parse(&url)
            .map_err(|e| Failure::Config(format!("keel:http reconcileUrl is not valid: {e}")))?;
        let response = self
            .client
            .get(url)
            .timeout(request.timeout)
            .header(IDEMPOTENCY_HEADER, call.key.as_str())
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(Reconciled::NotFound);
        }
        let body = body_of(response).await?;
        if status.is_success() {
            return Ok(Reconciled::Found(output(&request, status.as_u16(), body)));
        }
        Err(Failure::Retryable(format!(
            "keel:http reconcile lookup answered {status}: {}",
            excerpt(&body)
        )))
    }
}
