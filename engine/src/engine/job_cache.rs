//! The writer's cache of locked job rows (SQLite only).
//!
//! On SQLite this process is the only writer, so a job row it locked in an activation stays as
//! it was until this writer changes it again. Completing, failing or throwing from a job then
//! needs no read of the job row: the batch takes it from here. A batch hands its job changes
//! over when it is sealed, before its commit, so the next batch (which executes while this one
//! commits, docs/decisions/0003) sees them: rows it locked are added; rows it touched by id, and
//! the jobs of the element instances whose work it cancelled, are evicted. If that commit fails
//! the writer clears the cache, and the batch that saw the changes fails too. PostgreSQL never
//! uses it: other nodes change jobs too.

use std::collections::HashMap;

use crate::store::rows::JobRow;

/// Locked job rows by id, with the job of each element instance.
#[derive(Debug, Default)]
pub(crate) struct JobCache {
    rows: HashMap<String, JobRow>,
    by_element: HashMap<(String, i64), String>,
}

/// What a sealed batch did to job rows.
#[derive(Debug, Default)]
pub(crate) struct JobChanges {
    /// Rows it locked (activation), as written.
    pub locked: Vec<JobRow>,
    /// Jobs it changed or deleted by id.
    pub changed: Vec<String>,
    /// Element instances whose jobs it deleted: (instance id, element key).
    pub cancelled: Vec<(String, i64)>,
}

impl JobCache {
    /// Most rows kept; past this the cache starts over (cheap, and rare).
    const CAPACITY: usize = 200_000;

    /// The row of job `id`, if cached.
    pub fn get(&self, id: &str) -> Option<&JobRow> {
        self.rows.get(id)
    }

    /// Applies a sealed batch's changes: its locked rows first, then its evictions (a job
    /// locked and then cancelled in one batch is gone).
    pub fn apply(&mut self, changes: JobChanges) {
        if self.rows.len() + changes.locked.len() > Self::CAPACITY {
            self.rows.clear();
            self.by_element.clear();
        }
        for row in changes.locked {
            self.by_element
                .insert((row.instance_id.clone(), row.element_key), row.id.clone());
            self.rows.insert(row.id.clone(), row);
        }
        for id in changes.changed {
            self.remove(&id);
        }
        for element in changes.cancelled {
            if let Some(id) = self.by_element.remove(&element) {
                self.rows.remove(&id);
            }
        }
    }

    /// Forgets every row (after a batch whose changes it took was rolled back).
    pub fn clear(&mut self) {
        self.rows.clear();
        self.by_element.clear();
    }

    fn remove(&mut self, id: &str) {
        if let Some(row) = self.rows.remove(id) {
            self.by_element.remove(&(row.instance_id, row.element_key));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, instance: &str, key: i64) -> JobRow {
        JobRow {
            id: id.into(),
            instance_id: instance.into(),
            element_key: key,
            element_id: "task".into(),
            job_type: "t".into(),
            state: "locked".into(),
            retries: 3,
            available_at: 10,
            lock_owner: Some("w".into()),
            error_message: None,
            headers: "{}".into(),
            created_at: 1,
            version: 1,
        }
    }

    #[test]
    fn changes_and_cancellations_evict_after_locks() {
        let mut cache = JobCache::default();
        cache.apply(JobChanges {
            locked: vec![row("a", "i1", 1), row("b", "i1", 2), row("c", "i2", 1)],
            ..Default::default()
        });
        assert!(cache.get("a").is_some());
        cache.apply(JobChanges {
            locked: vec![row("d", "i3", 1)],
            changed: vec!["a".into()],
            cancelled: vec![("i1".into(), 2), ("i3".into(), 1)],
        });
        assert!(cache.get("a").is_none(), "changed by id");
        assert!(
            cache.get("b").is_none(),
            "its element instance was cancelled"
        );
        assert!(cache.get("c").is_some());
        assert!(
            cache.get("d").is_none(),
            "locked, then cancelled in the same batch"
        );
    }
}
