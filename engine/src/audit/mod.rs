//! The tamper-evident audit trail: one record per applied trigger, chained twice by SHA-256.
//!
//! Every record carries `prev_hash` (the previous record of the whole trail, gapless `seq`) and,
//! when it concerns a process instance, `instance_prev_hash` (the previous record of that
//! instance, gapless `instance_seq`), so a full export and an export filtered to instances both
//! verify. The exact encoding is `canonical.rs`, documented in docs/audit.md; it is versioned by
//! the `v` field and a released version never changes meaning. Records are append-only: nothing
//! in Keel updates or deletes them.

pub mod canonical;
pub mod export;
mod record;
mod verify;

pub use record::{Actor, AuditRecord, ENCODING_VERSION, GENESIS_HASH, audit_value};
pub use verify::{ChainHead, Mode, Verifier, VerifyError};
