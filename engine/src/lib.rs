//! Keel's engine: the deterministic token runtime, the audit trail, persistence and the
//! [`Engine`] façade that applies triggers in durable, group-committed transactions.
//!
//! Dependency rule (checked by tests/scenarios/architecture.rs): `runtime` and `audit` use no
//! I/O, no clock and no store; `store` knows no BPMN rules; only `engine` ties them together.

pub mod audit;
pub mod clock;
pub mod connector;
mod definitions;
mod engine;
pub mod error;
pub mod failpoint;
pub mod principal;
pub mod runtime;
pub mod store;
pub mod views;

pub use engine::AuditFilter;
pub use engine::{
    ActivateRequest, ContinuationConfig, CorrelateRequest, CorrelateResult, DeployFile, Engine,
    EngineConfig, ExecutorConfig, FailRequest, InstanceFilter, JobFilter, NewUser, SignalResult,
    StartRequest, TaskFilter, ThrowErrorRequest, UserView,
};
pub use error::{Error, Result};
pub use principal::{Principal, Role};
