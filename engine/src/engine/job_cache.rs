//! The writer's view of live jobs (SQLite only).
//!
//! On SQLite this process is the only writer, so it can know every job a worker may be handed
//! (`ready`, or `locked` with a lock that expires) without reading the `jobs` table: the cache
//! holds those rows, each job type's in activation order (`available_at`, then id, exactly as
//! the activation query orders them). Activation then picks and locks jobs in memory, its lock
//! written by the batch's flush, and completing, failing or throwing from a job reads nothing.
//! So a batch of activations and completions needs no read at all, and executes while the
//! batch before it still flushes and commits (docs/decisions/0003).
//!
//! Every statement of the writer that changes a job row reports the change here, in the order
//! the database sees it: changes made by statements during a batch's execution, then the
//! batch's flush (new jobs, locks, jobs deleted with their element instance, continuation jobs).
//! A batch hands its changes over when it is sealed, before its commit; if that commit fails
//! the writer clears the cache, and the batch that saw the changes fails too.
//!
//! A cleared cache is *incomplete*: activation and completion read the database (as they always
//! do on PostgreSQL, where other nodes change jobs too) until a batch loads every live job
//! again. Past [`JobCache::CAPACITY`] live jobs the cache stays incomplete and tries again a
//! minute later, so memory stays bounded whatever the backlog.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use crate::store::rows::JobRow;

/// Live job rows by id, with the job of each element instance and each type's queue.
#[derive(Debug, Default)]
pub(crate) struct JobCache {
    rows: HashMap<String, JobRow>,
    /// The live jobs of each element instance (usually one).
    by_element: HashMap<(String, i64), Vec<String>>,
    /// Per job type: (`available_at`, id) of its live jobs, in activation order.
    queues: HashMap<String, BTreeSet<(i64, String)>>,
    /// True when `rows` holds every live job of the database (and the work of at most one
    /// sealed batch on top).
    complete: bool,
    /// When an incomplete cache may load again (`None`: at the next activation).
    load_after: Option<Instant>,
}

/// One change a statement made to a job row, by id.
#[derive(Debug, Clone)]
pub(crate) enum JobChange {
    /// The row as it now is: created, locked, made ready again. A row in any other state
    /// (`failed`: parked with an incident) leaves the cache.
    Put(Box<JobRow>),
    /// Deleted by id.
    Remove(String),
}

/// What a batch did to job rows, in the order the database applies it.
#[derive(Debug, Default)]
pub(crate) struct JobChanges {
    /// Changes made by statements run while the batch executed (before its flush).
    pub direct: Vec<JobChange>,
    /// Rows locked from the cache, as the flush writes them (after the batch's new jobs).
    pub locked: Vec<JobRow>,
    /// Element instances whose jobs the flush deletes.
    pub cancelled: Vec<(String, i64)>,
}

impl JobCache {
    /// Most live jobs kept. Past this the cache gives up until [`JobCache::RETRY`] has passed.
    pub const CAPACITY: usize = 100_000;
    /// How long an overflowing cache waits before it loads again.
    const RETRY: Duration = Duration::from_secs(60);

    /// True when the cache holds every live job.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// True when an incomplete cache should try to load now.
    pub fn wants_load(&self) -> bool {
        !self.complete && self.load_after.is_none_or(|at| Instant::now() >= at)
    }

    /// Replaces the contents with `rows`, every live job as the database holds it (read after
    /// the batch before committed). More than [`JobCache::CAPACITY`] rows: stays incomplete.
    pub fn load(&mut self, rows: Vec<JobRow>) {
        self.clear();
        if rows.len() > Self::CAPACITY {
            self.load_after = Some(Instant::now() + Self::RETRY);
            return;
        }
        for row in rows {
            self.put(row);
        }
        self.complete = true;
    }

    /// The row of live job `id`, if cached.
    pub fn get(&self, id: &str) -> Option<&JobRow> {
        self.rows.get(id)
    }

    /// Live jobs of `job_type` that may be activated at `now_ms` (ready, or with an expired
    /// lock), in activation order.
    pub fn activatable<'a>(
        &'a self,
        job_type: &str,
        now_ms: i64,
    ) -> impl Iterator<Item = &'a JobRow> + 'a {
        self.queues
            .get(job_type)
            .into_iter()
            .flat_map(move |queue| queue.iter().take_while(move |(at, _)| *at <= now_ms))
            .filter_map(|(_, id)| self.rows.get(id))
    }

    /// Applies a sealed batch's changes in the database's order: the statements run while it
    /// executed, its new jobs, its locks, the jobs deleted with their element instances, its
    /// continuation jobs (inserted after those deletes).
    pub fn apply(&mut self, changes: JobChanges, created: &[JobRow], continuations: &[JobRow]) {
        if !self.complete {
            return;
        }
        for change in changes.direct {
            self.change(change);
        }
        for row in created.iter().chain(changes.locked.iter()) {
            self.put(row.clone());
        }
        for element in changes.cancelled {
            for id in self.by_element.remove(&element).unwrap_or_default() {
                self.remove(&id);
            }
        }
        for row in continuations {
            self.put(row.clone());
        }
        if self.rows.len() > Self::CAPACITY {
            self.clear();
            self.load_after = Some(Instant::now() + Self::RETRY);
        }
    }

    /// Forgets every row: the cache is incomplete until the next load (after a batch whose
    /// changes it took was rolled back).
    pub fn clear(&mut self) {
        self.rows.clear();
        self.by_element.clear();
        self.queues.clear();
        self.complete = false;
        self.load_after = None;
    }

    fn change(&mut self, change: JobChange) {
        match change {
            JobChange::Put(row) => self.put(*row),
            JobChange::Remove(id) => self.remove(&id),
        }
    }

    fn put(&mut self, row: JobRow) {
        self.remove(&row.id);
        if row.state != "ready" && row.state != "locked" {
            return;
        }
        self.by_element
            .entry((row.instance_id.clone(), row.element_key))
            .or_default()
            .push(row.id.clone());
        self.queues
            .entry(row.job_type.clone())
            .or_default()
            .insert((row.available_at, row.id.clone()));
        self.rows.insert(row.id.clone(), row);
    }

    fn remove(&mut self, id: &str) {
        let Some(row) = self.rows.remove(id) else {
            return;
        };
        let element = (row.instance_id, row.element_key);
        if let Some(ids) = self.by_element.get_mut(&element) {
            ids.retain(|j| j != id);
            if ids.is_empty() {
                self.by_element.remove(&element);
            }
        }
        if let Some(queue) = self.queues.get_mut(&row.job_type) {
            queue.remove(&(row.available_at, row.id));
            if queue.is_empty() {
                self.queues.remove(&row.job_type);
            }
        }
    }

    /// Every cached row, by id (for the consistency check against the database).
    pub fn rows(&self) -> &HashMap<String, JobRow> {
        &self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, instance: &str, key: i64, at: i64) -> JobRow {
        JobRow {
            id: id.into(),
            instance_id: instance.into(),
            element_key: key,
            element_id: "task".into(),
            job_type: "t".into(),
            state: "ready".into(),
            retries: 3,
            available_at: at,
            lock_owner: None,
            error_message: None,
            headers: "{}".into(),
            created_at: 1,
            version: 0,
        }
    }

    fn ids(cache: &JobCache, now: i64) -> Vec<String> {
        cache.activatable("t", now).map(|r| r.id.clone()).collect()
    }

    #[test]
    fn an_incomplete_cache_ignores_changes_until_loaded() {
        let mut cache = JobCache::default();
        assert!(cache.wants_load());
        cache.apply(JobChanges::default(), &[row("a", "i1", 1, 5)], &[]);
        assert!(cache.get("a").is_none());
        cache.load(vec![row("a", "i1", 1, 5)]);
        assert!(cache.is_complete() && !cache.wants_load());
        assert_eq!(ids(&cache, 10), ["a"]);
        cache.clear();
        assert!(!cache.is_complete() && cache.wants_load());
    }

    #[test]
    fn activation_order_follows_available_at_then_id_and_skips_future_ones() {
        let mut cache = JobCache::default();
        cache.load(vec![
            row("c", "i1", 1, 5),
            row("b", "i2", 1, 5),
            row("a", "i3", 1, 9),
            row("z", "i4", 1, 1),
        ]);
        assert_eq!(ids(&cache, 5), ["z", "b", "c"]);
        assert_eq!(ids(&cache, 9), ["z", "b", "c", "a"]);
        assert!(cache.activatable("other", 9).next().is_none());
    }

    #[test]
    fn changes_apply_in_the_database_order() {
        let mut cache = JobCache::default();
        cache.load(vec![row("a", "i1", 1, 1), row("b", "i1", 2, 1)]);
        let mut locked = row("a", "i1", 1, 100);
        locked.state = "locked".into();
        let mut failed = row("b", "i1", 2, 1);
        failed.state = "failed".into();
        cache.apply(
            JobChanges {
                direct: vec![JobChange::Put(Box::new(failed))],
                locked: vec![locked],
                cancelled: vec![("i2".into(), 1)],
            },
            &[row("c", "i2", 1, 1)],
            &[row("d", "i2", 1, 1)],
        );
        assert!(cache.get("b").is_none(), "parked jobs leave the cache");
        assert_eq!(cache.get("a").map(|r| r.state.as_str()), Some("locked"));
        assert!(
            cache.get("c").is_none(),
            "created, then deleted by the flush"
        );
        assert!(
            cache.get("d").is_some(),
            "continuations are inserted after the deletes"
        );
        assert_eq!(ids(&cache, 50), ["d"]);
        assert_eq!(ids(&cache, 100), ["d", "a"]);
        cache.apply(
            JobChanges {
                direct: vec![JobChange::Remove("d".into())],
                ..Default::default()
            },
            &[],
            &[],
        );
        assert_eq!(ids(&cache, 100), ["a"]);
    }

    #[test]
    fn a_backlog_past_capacity_leaves_the_cache_incomplete() {
        let mut cache = JobCache::default();
        let rows: Vec<JobRow> = (0..=JobCache::CAPACITY)
            .map(|i| row(&format!("j{i}"), &format!("i{i}"), 1, 1))
            .collect();
        cache.load(rows);
        assert!(!cache.is_complete());
        assert!(!cache.wants_load(), "waits a minute before trying again");
        assert!(cache.get("j0").is_none());
    }
}
