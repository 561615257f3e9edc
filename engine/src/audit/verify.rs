//! Verification of an audit export or of the stored trail: recompute every hash and check both
//! chains. It trusts nothing but the records themselves.

use std::collections::HashMap;

use super::record::{AuditRecord, ENCODING_VERSION, GENESIS_HASH};

/// The first broken record found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A record's hash does not match its content.
    #[error("record seq {seq}: hash mismatch (content was altered)")]
    HashMismatch {
        /// The record's `seq`.
        seq: i64,
    },
    /// `prev_hash` does not match the previous record's hash.
    #[error(
        "record seq {seq}: prev_hash does not match the previous record (a record is missing or was reordered)"
    )]
    BrokenChain {
        /// The record's `seq`.
        seq: i64,
    },
    /// `seq` is not the previous `seq` + 1 in a full export.
    #[error("record seq {seq}: expected seq {expected} (records missing or reordered)")]
    Gap {
        /// The record's `seq`.
        seq: i64,
        /// What it should have been.
        expected: i64,
    },
    /// The instance chain is broken.
    #[error("record seq {seq}: instance {instance_id} chain broken at instance_seq {instance_seq}")]
    BrokenInstanceChain {
        /// The record's `seq`.
        seq: i64,
        /// The instance.
        instance_id: String,
        /// Its `instance_seq`.
        instance_seq: i64,
    },
    /// An encoding version this build does not know.
    #[error("record seq {seq}: unknown encoding version {v}")]
    UnknownVersion {
        /// The record's `seq`.
        seq: i64,
        /// Its `v`.
        v: u32,
    },
}

/// The head of a chain after verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    /// Last `seq` seen.
    pub seq: i64,
    /// Its hash.
    pub hash: String,
}

/// What kind of record stream is being verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The whole trail: gapless from seq 1, every instance chain from instance_seq 1.
    Full,
    /// A contiguous slice (a time range): gapless from its first record, whose predecessors are
    /// taken on trust; instance chains checked from their first record in the slice.
    Range,
    /// Whole instances (an export filtered by instance or definition): each instance chain
    /// gapless from instance_seq 1; the global chain is not contiguous and is not checked.
    Instances,
}

/// Streaming verifier over records in `seq` order.
pub struct Verifier {
    mode: Mode,
    global: Option<ChainHead>,
    instances: HashMap<String, (i64, String)>,
    count: u64,
}

impl Verifier {
    /// A verifier for a stream of the given kind.
    pub fn new(mode: Mode) -> Self {
        Verifier {
            mode,
            global: None,
            instances: HashMap::new(),
            count: 0,
        }
    }

    /// Checks the next record.
    pub fn push(&mut self, record: &AuditRecord) -> Result<(), VerifyError> {
        let seq = record.seq;
        if record.v != ENCODING_VERSION {
            return Err(VerifyError::UnknownVersion { seq, v: record.v });
        }
        if record.compute_hash() != record.hash {
            return Err(VerifyError::HashMismatch { seq });
        }
        if self.mode != Mode::Instances {
            let (expected, prev) = match (&self.global, self.mode) {
                (None, Mode::Range) => (seq, record.prev_hash.clone()),
                (None, _) => (1, GENESIS_HASH.to_owned()),
                (Some(head), _) => (head.seq + 1, head.hash.clone()),
            };
            if seq != expected {
                return Err(VerifyError::Gap { seq, expected });
            }
            if record.prev_hash != prev {
                return Err(VerifyError::BrokenChain { seq });
            }
        }
        if let (Some(instance_id), Some(instance_seq)) = (&record.instance_id, record.instance_seq)
        {
            let (expected, prev) = match self.instances.get(instance_id) {
                None if self.mode == Mode::Range => (
                    instance_seq,
                    record.instance_prev_hash.clone().unwrap_or_default(),
                ),
                None => (1, GENESIS_HASH.to_owned()),
                Some((s, h)) => (s + 1, h.clone()),
            };
            if instance_seq != expected
                || record.instance_prev_hash.as_deref() != Some(prev.as_str())
            {
                return Err(VerifyError::BrokenInstanceChain {
                    seq,
                    instance_id: instance_id.clone(),
                    instance_seq,
                });
            }
            self.instances
                .insert(instance_id.clone(), (instance_seq, record.hash.clone()));
        }
        self.global = Some(ChainHead {
            seq,
            hash: record.hash.clone(),
        });
        self.count += 1;
        Ok(())
    }

    /// Records verified so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Instances seen so far.
    pub fn instance_count(&self) -> usize {
        self.instances.len()
    }

    /// The last record verified.
    pub fn head(&self) -> Option<&ChainHead> {
        self.global.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Actor;
    use serde_json::json;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut out: Vec<AuditRecord> = Vec::new();
        let mut inst: HashMap<String, (i64, String)> = HashMap::new();
        for seq in 1..=n {
            let instance = format!("i{}", seq % 2);
            let (iseq, iprev) = inst
                .get(&instance)
                .map(|(s, h)| (s + 1, h.clone()))
                .unwrap_or((1, GENESIS_HASH.to_owned()));
            let r = AuditRecord {
                v: ENCODING_VERSION,
                seq,
                at: "2026-11-21T00:00:00.000Z".into(),
                instance_id: Some(instance.clone()),
                instance_seq: Some(iseq),
                element_id: None,
                kind: "job_completed".into(),
                actor: Actor::system(),
                data: json!({"n": seq}),
                prev_hash: out
                    .last()
                    .map(|r| r.hash.clone())
                    .unwrap_or(GENESIS_HASH.into()),
                instance_prev_hash: Some(iprev),
                hash: String::new(),
            }
            .seal();
            inst.insert(instance, (iseq, r.hash.clone()));
            out.push(r);
        }
        out
    }

    #[test]
    fn intact_chain_verifies_full_and_filtered() {
        let records = chain(10);
        let mut v = Verifier::new(Mode::Full);
        for r in &records {
            v.push(r).unwrap();
        }
        assert_eq!(v.count(), 10);
        let mut v = Verifier::new(Mode::Instances);
        for r in records
            .iter()
            .filter(|r| r.instance_id.as_deref() == Some("i1"))
        {
            v.push(r).unwrap();
        }
        assert_eq!(v.count(), 5);
    }

    #[test]
    fn detects_tampering_deletion_and_reordering() {
        let mut records = chain(6);
        records[3].data = json!({"n": 99});
        let mut v = Verifier::new(Mode::Full);
        let err = records.iter().try_for_each(|r| v.push(r)).unwrap_err();
        assert_eq!(err, VerifyError::HashMismatch { seq: 4 });

        let mut records = chain(6);
        records.remove(2);
        let mut v = Verifier::new(Mode::Full);
        let err = records.iter().try_for_each(|r| v.push(r)).unwrap_err();
        assert_eq!(
            err,
            VerifyError::Gap {
                seq: 4,
                expected: 3
            }
        );

        let records = chain(6);
        let mut v = Verifier::new(Mode::Instances);
        let filtered: Vec<_> = records
            .iter()
            .filter(|r| r.instance_id.as_deref() == Some("i0"))
            .enumerate()
            .filter(|(i, _)| *i != 1)
            .map(|(_, r)| r)
            .collect();
        let err = filtered
            .into_iter()
            .try_for_each(|r| v.push(r))
            .unwrap_err();
        assert!(matches!(err, VerifyError::BrokenInstanceChain { .. }));
    }

    #[test]
    fn a_range_verifies_from_its_first_record() {
        let records = chain(8);
        let mut v = Verifier::new(Mode::Range);
        for r in &records[3..] {
            v.push(r).unwrap();
        }
        let mut v = Verifier::new(Mode::Range);
        let mut slice: Vec<_> = records[3..].to_vec();
        slice.remove(2);
        assert!(slice.iter().try_for_each(|r| v.push(r)).is_err());
    }
}
