//! Deployed definitions, parsed once and shared: the cache that keeps parsing off the hot path.
//! A definition version is immutable, so a cached entry never goes stale.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use keel_bpmn::ProcessDefinition;

use crate::error::{Error, Result};
use crate::store::{Reader, query};

/// Parsed definitions by id (`<key>:<version>`).
#[derive(Debug, Default)]
pub struct DefinitionCache {
    map: RwLock<HashMap<String, Arc<ProcessDefinition>>>,
    /// Latest version per key: (definition id, version). Updated after each committed deploy.
    latest: RwLock<HashMap<String, (String, i64)>>,
}

impl DefinitionCache {
    /// The parsed definition `id`, loading and parsing the stored XML on first use.
    pub async fn get(&self, pool: Reader<'_>, id: &str) -> Result<Arc<ProcessDefinition>> {
        if let Some(def) = self.cached(id) {
            return Ok(def);
        }
        let row: Option<(String, Vec<u8>)> =
            query("SELECT key, xml FROM definitions WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?;
        let (key, xml) = row.ok_or_else(|| Error::NotFound(format!("definition {id}")))?;
        let parsed = keel_bpmn::parse(&xml);
        let def = parsed
            .processes
            .into_iter()
            .find(|p| p.key == key)
            .ok_or_else(|| Error::NotFound(format!("process {key} in definition {id}")))?;
        let def = Arc::new(def);
        self.insert(id, def.clone());
        Ok(def)
    }

    /// The cached definition, if loaded.
    pub fn cached(&self, id: &str) -> Option<Arc<ProcessDefinition>> {
        self.map.read().ok().and_then(|m| m.get(id).cloned())
    }

    /// The latest version of `key`, if known.
    pub fn latest(&self, key: &str) -> Option<(String, i64)> {
        self.latest.read().ok().and_then(|m| m.get(key).cloned())
    }

    /// Records the latest version of `key` (only ever moves forward).
    pub fn set_latest(&self, key: &str, id: &str, version: i64) {
        if let Ok(mut m) = self.latest.write() {
            let entry = m
                .entry(key.to_owned())
                .or_insert_with(|| (id.to_owned(), version));
            if entry.1 < version {
                *entry = (id.to_owned(), version);
            }
        }
    }

    /// Caches a parsed definition.
    pub fn insert(&self, id: &str, def: Arc<ProcessDefinition>) {
        if let Ok(mut m) = self.map.write() {
            m.insert(id.to_owned(), def);
        }
    }
}
