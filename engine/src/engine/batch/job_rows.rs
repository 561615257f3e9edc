//! Job rows as one batch sees them: read from the writer's job cache (SQLite) or the database,
//! locked for workers, and every change reported to the job cache in the database's order
//! (`job_cache.rs`).

use std::collections::HashSet;

use super::Batch;
use crate::engine::job_cache::JobChange;
use crate::error::Result;
use crate::store::rows::JobRow;
use crate::store::sql::{Arg, built, placeholders};
use crate::store::{Dialect, JobLock};

impl Batch<'_> {
    /// Locks up to `max` jobs of `job_type` that may be activated now (ready, or with an
    /// expired lock) for `owner` until `lock_until`, chosen by oldest `available_at`, and
    /// returns them as locked, oldest created first (the order workers get them; ids are
    /// time-ordered UUIDv7). SQLite: picked from the writer's job cache and locked by the batch's
    /// flush, so no statement runs now; the database when the cache is incomplete, and always
    /// on PostgreSQL (`FOR UPDATE SKIP LOCKED`: other nodes race for the same rows).
    pub async fn lock_jobs(
        &mut self,
        job_type: &str,
        owner: &str,
        lock_until: i64,
        max: i64,
    ) -> Result<Vec<JobRow>> {
        let max = usize::try_from(max.clamp(1, 1000)).unwrap_or(1);
        let mut rows =
            if self.conn.dialect() == Dialect::Sqlite && self.job_cache_complete().await? {
                self.lock_cached(job_type, owner, lock_until, max)
            } else {
                self.lock_stored(job_type, owner, lock_until, max).await?
            };
        rows.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(rows)
    }

    /// Locks jobs with one statement (`RETURNING` follows no order).
    async fn lock_stored(
        &mut self,
        job_type: &str,
        owner: &str,
        lock_until: i64,
        max: usize,
    ) -> Result<Vec<JobRow>> {
        let rows: Vec<JobRow> = built(format!(
            "UPDATE jobs SET state = 'locked', lock_owner = $1, available_at = $2, \
             version = version + 1 WHERE id IN (SELECT id FROM jobs WHERE type = $3 \
             AND state IN ('ready', 'locked') AND available_at <= $4 \
             ORDER BY available_at, id LIMIT $5{}) RETURNING *",
            self.conn.dialect().skip_locked()
        ))
        .bind(owner)
        .bind(lock_until)
        .bind(job_type)
        .bind(self.now_ms)
        .bind(i64::try_from(max).unwrap_or(1))
        .fetch_all(&mut *self.conn)
        .await?;
        for row in &rows {
            self.jobs.insert(row.id.clone(), row.clone());
            self.touched_jobs.insert(row.id.clone());
            self.locked_jobs.insert(row.id.clone());
            if self.conn.dialect() == Dialect::Sqlite {
                self.job_changes
                    .direct
                    .push(JobChange::Put(Box::new(row.clone())));
            }
        }
        Ok(rows)
    }

    /// True when the job cache holds every live job, after loading them now if it was
    /// incomplete and may load (SQLite only; the load reads the committed rows, so it waits
    /// for the batch before).
    async fn job_cache_complete(&mut self) -> Result<bool> {
        let wants_load = match self.job_cache.lock() {
            Ok(cache) if cache.is_complete() => return Ok(true),
            Ok(cache) => cache.wants_load(),
            Err(_) => return Ok(false),
        };
        if !wants_load {
            return Ok(false);
        }
        let limit = i64::try_from(super::super::job_cache::JobCache::CAPACITY + 1).unwrap_or(0);
        let rows: Vec<JobRow> =
            built("SELECT * FROM jobs WHERE state IN ('ready', 'locked') LIMIT $1".to_owned())
                .bind(limit)
                .fetch_all(&mut *self.conn)
                .await?;
        let Ok(mut cache) = self.job_cache.lock() else {
            return Ok(false);
        };
        cache.load(rows);
        Ok(cache.is_complete())
    }

    /// Picks and locks jobs from the complete job cache; the flush writes the lock.
    fn lock_cached(
        &mut self,
        job_type: &str,
        owner: &str,
        lock_until: i64,
        max: usize,
    ) -> Vec<JobRow> {
        let picked: Vec<JobRow> = match self.job_cache.lock() {
            Ok(cache) => cache
                .activatable(job_type, self.now_ms)
                .filter(|row| {
                    !self.touched_jobs.contains(&row.id)
                        && !self.is_removed(&row.instance_id, row.element_key)
                })
                .take(max)
                .cloned()
                .collect(),
            Err(_) => Vec::new(),
        };
        let mut lock = JobLock {
            owner: owner.to_owned(),
            until: lock_until,
            ids: Vec::with_capacity(picked.len()),
        };
        let mut rows = Vec::with_capacity(picked.len());
        for mut row in picked {
            row.state = "locked".into();
            row.lock_owner = Some(owner.to_owned());
            row.available_at = lock_until;
            row.version += 1;
            lock.ids.push(row.id.clone());
            self.touched_jobs.insert(row.id.clone());
            self.locked_jobs.insert(row.id.clone());
            self.jobs.insert(row.id.clone(), row.clone());
            self.job_changes.locked.push(row.clone());
            rows.push(row);
        }
        if !lock.ids.is_empty() {
            self.writes.job_locks.push(lock);
        }
        rows
    }

    /// Loads, in one query, the job rows this batch will need, then their instances.
    pub async fn prefetch_jobs(&mut self, ids: &[String]) -> Result<()> {
        let missing: Vec<String> = ids
            .iter()
            .filter(|id| !self.take_cached_job(id))
            .cloned()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for chunk in crate::store::statement_chunks(&missing, 512) {
            let sql = format!(
                "SELECT * FROM jobs WHERE id IN ({}){}",
                placeholders(self.conn.dialect(), chunk.len(), 1),
                self.conn.dialect().for_update()
            );
            let rows: Vec<JobRow> = built(sql)
                .bind_all(chunk.iter().map(Arg::from))
                .fetch_all(&mut *self.conn)
                .await?;
            for row in rows {
                self.jobs.insert(row.id.clone(), row);
            }
        }
        let instances: Vec<String> = self.jobs.values().map(|j| j.instance_id.clone()).collect();
        self.prefetch_instances(&instances).await
    }

    /// The job row `id` as this batch sees it.
    pub async fn job(&mut self, id: &str) -> Result<Option<JobRow>> {
        if self.jobs.contains_key(id) || self.take_cached_job(id) {
            return Ok(self.jobs.get(id).cloned());
        }
        let lock = self.conn.dialect().for_update();
        let row: Option<JobRow> = built(format!("SELECT * FROM jobs WHERE id = $1{lock}"))
            .bind(id)
            .fetch_optional(&mut *self.conn)
            .await?;
        if let Some(row) = &row {
            self.jobs.insert(row.id.clone(), row.clone());
        }
        Ok(row)
    }

    /// True when job `id` was locked by this very batch: nobody has been told of that lock
    /// yet (activations are answered after the commit), so nothing may act on it.
    pub fn locked_here(&self, id: &str) -> bool {
        self.locked_jobs.contains(id)
    }

    /// Copies job `id` from the writer's job cache into this batch, if it is there (SQLite
    /// only: on PostgreSQL rows are always read, and locked).
    fn take_cached_job(&mut self, id: &str) -> bool {
        if self.conn.dialect() != Dialect::Sqlite {
            return false;
        }
        let row = self.job_cache.lock().ok().and_then(|c| c.get(id).cloned());
        match row {
            Some(row) => {
                self.jobs.insert(row.id.clone(), row);
                true
            }
            None => false,
        }
    }

    /// Records that a statement of this batch just wrote job `row` as it now is (made ready
    /// again, with a backoff...): later commands of the batch read it again, and the job cache
    /// takes the row at the seal (SQLite). A row no longer ready or locked leaves the cache.
    pub fn job_written(&mut self, row: JobRow) {
        self.job_touched(&row.id);
        if self.conn.dialect() == Dialect::Sqlite {
            self.job_changes.direct.push(JobChange::Put(Box::new(row)));
        }
    }

    /// Records that a statement of this batch just deleted job `id`, or took it out of
    /// circulation (parked with an incident).
    pub fn job_removed(&mut self, id: &str) {
        self.job_touched(id);
        if self.conn.dialect() == Dialect::Sqlite {
            self.job_changes
                .direct
                .push(JobChange::Remove(id.to_owned()));
        }
    }

    fn job_touched(&mut self, id: &str) {
        self.jobs.remove(id);
        self.touched_jobs.insert(id.to_owned());
    }
}

impl Batch<'_> {
    /// Compares the writer's job cache with the committed `jobs` table (SQLite; once the batch
    /// before has committed, both hold the same live jobs). Answers what differs, if anything:
    /// a diagnostic for tests and `keel bench`, never on a hot path.
    pub async fn check_job_cache(&mut self) -> Result<Option<String>> {
        if self.conn.dialect() != Dialect::Sqlite {
            return Ok(None);
        }
        self.conn.ready().await?;
        let stored: Vec<JobRow> =
            built("SELECT * FROM jobs WHERE state IN ('ready', 'locked')".to_owned())
                .fetch_all(&mut *self.conn)
                .await?;
        let Ok(cache) = self.job_cache.lock() else {
            return Ok(Some("the job cache is poisoned".into()));
        };
        if !cache.is_complete() {
            return Ok(None);
        }
        let cached = cache.rows();
        let mut problems = Vec::new();
        for row in &stored {
            match cached.get(&row.id) {
                None => problems.push(format!("job {} ({}) is not cached", row.id, row.state)),
                Some(c) if c != row => problems.push(format!(
                    "job {} differs: cached {c:?}, stored {row:?}",
                    row.id
                )),
                Some(_) => {}
            }
        }
        if cached.len() != stored.len() {
            let ids: HashSet<&str> = stored.iter().map(|r| r.id.as_str()).collect();
            for id in cached.keys().filter(|id| !ids.contains(id.as_str())) {
                problems.push(format!("job {id} is cached but not live in the database"));
            }
        }
        Ok((!problems.is_empty()).then(|| problems.join("; ")))
    }
}
