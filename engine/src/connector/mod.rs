//! Built-in connectors: the side effects the engine performs itself for service tasks whose job
//! type starts with `keel:` (docs/decisions/0010-connector-intents.md, docs/connectors.md).
//!
//! A connector is called **at least once** and made **effectively once** by two things it must
//! honour: every call carries a deterministic [`IdempotencyKey`] (the same for every retry of
//! the same element instance's job, incident retries included), and [`Connector::reconcile`]
//! looks the effect of an earlier, unconfirmed call up by that key before the executor calls
//! again. The executor (`engine/src/engine/executor.rs`) records an intent before each call and
//! the result after it; connectors know nothing about the store.

pub mod http;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value as Json};
use sha2::{Digest, Sha256};

/// Prefix of the job types run by the engine itself; refused by the worker API.
pub const RESERVED_PREFIX: &str = "keel:";

/// The job types of this release's built-in connectors ([`Registry::builtin`]); a model that
/// names another `keel:` type is refused at deployment.
pub const BUILTIN_TYPES: &[&str] = &["keel:http"];

/// The idempotency key of one connector operation: derived from the process instance, the
/// element, the job (created once per element activation and kept across retries and incident
/// resolutions) and the connector type, so it never changes between attempts and never repeats
/// for another operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The key for `connector` running job `job_id` of element `element_id` in `instance_id`:
    /// `keel-` and 40 hex digits of SHA-256 over the four, length-prefixed.
    pub fn derive(instance_id: &str, element_id: &str, job_id: &str, connector: &str) -> Self {
        let mut h = Sha256::new();
        h.update(b"keel-connector-key-v1");
        for part in [instance_id, element_id, job_id, connector] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        let digest = hex::encode(h.finalize());
        IdempotencyKey(format!("keel-{}", &digest[..40]))
    }

    /// The key as sent (`Idempotency-Key` header, correlation fields, tags).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One connector operation: what the job carries.
#[derive(Debug, Clone)]
pub struct Call {
    /// Same for every attempt of this operation.
    pub key: IdempotencyKey,
    /// The job type (`keel:http`).
    pub connector: String,
    /// The job.
    pub job_id: String,
    /// The process instance.
    pub instance_id: String,
    /// The task's BPMN id.
    pub element_id: String,
    /// Which try this is (1 for the first); informational, never part of the key.
    pub attempt: i64,
    /// Variables visible at the task (input mappings applied).
    pub variables: Map<String, Json>,
    /// Static task headers from the model (`zeebe:taskHeaders`).
    pub headers: Map<String, Json>,
}

impl Call {
    /// A setting: the task header `name` if the model gives one, else the variable `name`.
    pub fn setting(&self, name: &str) -> Option<&Json> {
        self.headers
            .get(name)
            .or_else(|| self.variables.get(name))
            .filter(|v| !v.is_null())
    }

    /// A setting as text (a JSON string as is, anything else as JSON).
    pub fn text_setting(&self, name: &str) -> Option<String> {
        self.setting(name).map(|v| match v {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        })
    }
}

/// What a successful operation produced: the variables the job completes with.
pub type Output = Map<String, Json>;

/// Why a call did not produce an [`Output`].
#[derive(Debug, Clone, thiserror::Error)]
pub enum Failure {
    /// The outcome is unknown or transient (timeout, connection error, 5xx, 429): retried
    /// after the backoff while retries remain (reconciling first), then an incident.
    #[error("{0}")]
    Retryable(String),
    /// The target refused the request for good (e.g. a 4xx): an incident right away; resolving
    /// it tries again with the same key.
    #[error("{0}")]
    Rejected(String),
    /// The task is misconfigured (no URL, bad method...): an incident right away.
    #[error("{0}")]
    Config(String),
    /// A BPMN error the model asked for (caught by an error boundary event, else an incident).
    #[error("{code}: {message}")]
    BpmnError {
        /// Error code matched against `errorRef`s.
        code: String,
        /// Message.
        message: String,
    },
}

/// What [`Connector::reconcile`] found out about an earlier call with the same key.
#[derive(Debug, Clone, PartialEq)]
pub enum Reconciled {
    /// The effect exists: this is its result; the job completes with it, nothing is called.
    Found(Output),
    /// The target says no such effect exists: calling again (same key) is safe.
    NotFound,
    /// The target offers no lookup: the executor calls again with the same key and relies
    /// on the target deduplicating by it.
    Unsupported,
}

/// A built-in connector. Implementations must be safe to call again with the same key, and
/// must not hold state between calls that the store does not know about.
#[async_trait::async_trait]
pub trait Connector: Send + Sync + std::fmt::Debug {
    /// The job type it serves (`keel:http`).
    fn job_type(&self) -> &'static str;

    /// Performs the operation, passing `call.key` to the target where it can deduplicate.
    async fn execute(&self, call: &Call) -> Result<Output, Failure>;

    /// Looks up the effect of an earlier call with `call.key` whose result was never recorded
    /// (a crash, a lost lock, a timeout). An error means the lookup itself failed (retried).
    async fn reconcile(&self, call: &Call) -> Result<Reconciled, Failure>;
}

/// The connectors a node runs, by job type.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    connectors: HashMap<&'static str, Arc<dyn Connector>>,
}

impl Registry {
    /// No connectors.
    pub fn empty() -> Self {
        Registry::default()
    }

    /// The built-in connectors of this release: `keel:http`.
    pub fn builtin() -> Result<Self, http::BuildError> {
        let mut registry = Registry::empty();
        registry.register(Arc::new(http::HttpConnector::new()?));
        Ok(registry)
    }

    /// Adds (or replaces) the connector for its job type.
    pub fn register(&mut self, connector: Arc<dyn Connector>) {
        self.connectors.insert(connector.job_type(), connector);
    }

    /// The connector for `job_type`.
    pub fn get(&self, job_type: &str) -> Option<&Arc<dyn Connector>> {
        self.connectors.get(job_type)
    }

    /// Every job type served, sorted.
    pub fn job_types(&self) -> Vec<&'static str> {
        let mut types: Vec<&'static str> = self.connectors.keys().copied().collect();
        types.sort_unstable();
        types
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_types_are_what_the_builtin_registry_serves() {
        let registry = Registry::builtin().map_err(|e| e.to_string());
        assert_eq!(registry.map(|r| r.job_types()), Ok(BUILTIN_TYPES.to_vec()));
    }

    #[test]
    fn keys_are_stable_and_distinct() {
        let a = IdempotencyKey::derive("i1", "task", "j1", "keel:http");
        assert_eq!(a, IdempotencyKey::derive("i1", "task", "j1", "keel:http"));
        assert_eq!(a.as_str().len(), 45);
        assert_ne!(a, IdempotencyKey::derive("i1", "task", "j2", "keel:http"));
        assert_ne!(a, IdempotencyKey::derive("i2", "task", "j1", "keel:http"));
        // Length prefixes: moving a character between parts changes the key.
        assert_ne!(
            IdempotencyKey::derive("ab", "c", "j", "t"),
            IdempotencyKey::derive("a", "bc", "j", "t")
        );
    }
}
