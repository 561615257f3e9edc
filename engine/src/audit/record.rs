//! The audit record and how its hash is computed.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};
use sha2::{Digest, Sha256};

use super::canonical;

/// Version of the record encoding; part of every record (`v`) and of its hash.
pub const ENCODING_VERSION: u32 = 1;

/// `prev_hash` of the first record of a chain: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who caused a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// `user`, `service` or `system`.
    #[serde(rename = "type")]
    pub kind: String,
    /// User id, or `keel` for the engine itself.
    pub id: String,
    /// The user's name at the time (a snapshot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Actor {
    /// The engine itself (timers, built-in connectors).
    pub fn system() -> Self {
        Actor {
            kind: "system".into(),
            id: "keel".into(),
            name: None,
        }
    }

    /// Appends the canonical encoding of the actor (keys `id`, `name`?, `type`).
    pub fn write_canonical(&self, out: &mut String) {
        out.push_str("{\"id\":");
        canonical::write_string(&self.id, out);
        if let Some(name) = &self.name {
            out.push_str(",\"name\":");
            canonical::write_string(name, out);
        }
        out.push_str(",\"type\":");
        canonical::write_string(&self.kind, out);
        out.push('}');
    }

    /// The canonical encoding of the actor, as stored in the `actor` column.
    pub fn to_canonical(&self) -> String {
        let mut out = String::with_capacity(64);
        self.write_canonical(&mut out);
        out
    }

    /// A user (person or service account) authenticated by token.
    pub fn user(id: &str, name: &str) -> Self {
        Actor {
            kind: "user".into(),
            id: id.into(),
            name: Some(name.into()),
        }
    }
}

/// One audit record, as stored and exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Encoding version.
    pub v: u32,
    /// Position in the whole trail, from 1, gapless.
    pub seq: i64,
    /// RFC 3339 UTC with milliseconds.
    pub at: String,
    /// The process instance concerned, if any.
    pub instance_id: Option<String>,
    /// Position in that instance's chain, from 1, gapless.
    pub instance_seq: Option<i64>,
    /// The BPMN element (or definition key, or user name) the trigger addressed.
    pub element_id: Option<String>,
    /// What happened (`instance_started`, `job_completed`, `deployment_created`, ...).
    pub kind: String,
    /// Who caused it.
    pub actor: Actor,
    /// Details: the trigger's arguments and the element transitions it caused.
    pub data: Json,
    /// Hash of record `seq - 1` (genesis: 64 zeros).
    pub prev_hash: String,
    /// Hash of the instance's previous record (genesis: 64 zeros; null without an instance).
    pub instance_prev_hash: Option<String>,
    /// SHA-256 (hex) of the canonical encoding of every other field.
    pub hash: String,
}

impl AuditRecord {
    /// The record as a JSON object, with or without its `hash`.
    pub fn to_json(&self, with_hash: bool) -> Json {
        let mut object = Map::new();
        object.insert("v".into(), json!(self.v));
        object.insert("seq".into(), json!(self.seq));
        object.insert("at".into(), json!(self.at));
        object.insert("instance_id".into(), json!(self.instance_id));
        object.insert("instance_seq".into(), json!(self.instance_seq));
        object.insert("element_id".into(), json!(self.element_id));
        object.insert("kind".into(), json!(self.kind));
        object.insert(
            "actor".into(),
            serde_json::to_value(&self.actor).unwrap_or(Json::Null),
        );
        object.insert("data".into(), self.data.clone());
        object.insert("prev_hash".into(), json!(self.prev_hash));
        object.insert("instance_prev_hash".into(), json!(self.instance_prev_hash));
        if with_hash {
            object.insert("hash".into(), json!(self.hash));
        }
        Json::Object(object)
    }

    /// Recomputes the hash from the other fields.
    pub fn compute_hash(&self) -> String {
        let mut out = String::with_capacity(512);
        self.write_canonical(&mut out, false);
        hex::encode(Sha256::digest(out.as_bytes()))
    }

    /// The hash, given `data` already in canonical form (`canonical::to_string(&self.data)`):
    /// the writer encodes each record's data once, for the hash and for the stored row.
    pub fn compute_hash_with_data(&self, data: &str) -> String {
        let mut out = String::with_capacity(256 + data.len());
        self.write_canonical_with(&mut out, false, Some(data));
        hex::encode(Sha256::digest(out.as_bytes()))
    }

    /// Appends the canonical encoding of the record (keys in code-point order), with or
    /// without `hash`. Equal to `canonical::to_string(&self.to_json(with_hash))`, written
    /// directly because it is on the hot path.
    pub fn write_canonical(&self, out: &mut String, with_hash: bool) {
        self.write_canonical_with(out, with_hash, None);
    }

    fn write_canonical_with(&self, out: &mut String, with_hash: bool, data: Option<&str>) {
        fn opt_str(out: &mut String, v: Option<&str>) {
            match v {
                Some(s) => canonical::write_string(s, out),
                None => out.push_str("null"),
            }
        }
        out.push_str("{\"actor\":");
        self.actor.write_canonical(out);
        out.push_str(",\"at\":");
        canonical::write_string(&self.at, out);
        out.push_str(",\"data\":");
        match data {
            Some(text) => out.push_str(text),
            None => canonical::write(&self.data, out),
        }
        out.push_str(",\"element_id\":");
        opt_str(out, self.element_id.as_deref());
        if with_hash {
            out.push_str(",\"hash\":");
            canonical::write_string(&self.hash, out);
        }
        out.push_str(",\"instance_id\":");
        opt_str(out, self.instance_id.as_deref());
        out.push_str(",\"instance_prev_hash\":");
        opt_str(out, self.instance_prev_hash.as_deref());
        out.push_str(",\"instance_seq\":");
        match self.instance_seq {
            Some(n) => out.push_str(&n.to_string()),
            None => out.push_str("null"),
        }
        out.push_str(",\"kind\":");
        canonical::write_string(&self.kind, out);
        out.push_str(",\"prev_hash\":");
        canonical::write_string(&self.prev_hash, out);
        out.push_str(",\"seq\":");
        out.push_str(&self.seq.to_string());
        out.push_str(",\"v\":");
        out.push_str(&self.v.to_string());
        out.push('}');
    }

    /// Sets `hash` from the other fields.
    pub fn seal(mut self) -> Self {
        self.hash = self.compute_hash();
        self
    }

    /// One export line: the canonical JSON of the whole record.
    pub fn to_line(&self) -> String {
        let mut out = String::with_capacity(512);
        self.write_canonical(&mut out, true);
        out
    }
}

/// SHA-256 (hex) of the canonical encoding of `object` (the generic path the direct encoding
/// is tested against).
#[cfg(test)]
pub fn hash_of(object: &Json) -> String {
    let mut hasher = Sha256::new();
    hasher.update(canonical::to_string(object).as_bytes());
    hex::encode(hasher.finalize())
}

/// Converts a value for the audit trail: numbers that are not integers within ±(2^53 − 1)
/// become strings holding their exact decimal text, so every language reproduces the encoding.
pub fn audit_value(value: &Json) -> Json {
    const MAX_SAFE: i64 = 9_007_199_254_740_991;
    match value {
        Json::Number(n) => match n.as_i64() {
            Some(i) if (-MAX_SAFE..=MAX_SAFE).contains(&i) => Json::Number(i.into()),
            _ => Json::String(n.to_string()),
        },
        Json::Array(items) => Json::Array(items.iter().map(audit_value).collect()),
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), audit_value(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> AuditRecord {
        AuditRecord {
            v: ENCODING_VERSION,
            seq: 1,
            at: "2026-11-21T20:54:35.123Z".into(),
            instance_id: Some("i1".into()),
            instance_seq: Some(1),
            element_id: Some("start".into()),
            kind: "instance_started".into(),
            actor: Actor::user("u1", "alice"),
            data: json!({"variables": {"amount": "12.50"}}),
            prev_hash: GENESIS_HASH.into(),
            instance_prev_hash: Some(GENESIS_HASH.into()),
            hash: String::new(),
        }
        .seal()
    }

    #[test]
    fn hash_with_precomputed_data_equals_the_full_hash() {
        let r = record();
        let data = canonical::to_string(&r.data);
        assert_eq!(r.compute_hash_with_data(&data), r.hash);
    }

    #[test]
    fn hash_covers_every_field_and_is_stable() {
        let r = record();
        assert_eq!(r.hash.len(), 64);
        assert_eq!(r.compute_hash(), r.hash);
        let mut tampered = r.clone();
        tampered.actor.id = "u2".into();
        assert_ne!(tampered.compute_hash(), r.hash);
        let mut tampered = r.clone();
        tampered.instance_prev_hash = None;
        assert_ne!(tampered.compute_hash(), r.hash);
    }

    #[test]
    fn direct_encoding_equals_generic_canonical_json() {
        let mut r = record();
        assert_eq!(r.to_line(), canonical::to_string(&r.to_json(true)));
        assert_eq!(r.hash, hash_of(&r.to_json(false)));
        r.actor = Actor::system();
        r.instance_id = None;
        r.instance_seq = None;
        r.instance_prev_hash = None;
        r.element_id = Some("q\"\n\u{1}é".into());
        assert_eq!(r.to_line(), canonical::to_string(&r.to_json(true)));
        assert_eq!(r.compute_hash(), hash_of(&r.to_json(false)));
    }

    #[test]
    fn line_round_trips() {
        let r = record();
        let back: AuditRecord = serde_json::from_str(&r.to_line()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn non_integers_become_exact_strings() {
        let v: Json =
            serde_json::from_str(r#"{"a": 12.50, "b": 3, "c": [1e400, 9007199254740992]}"#)
                .unwrap();
        assert_eq!(
            audit_value(&v),
            json!({"a": "12.50", "b": 3, "c": ["1e+400", "9007199254740992"]})
        );
    }
}
