//! Rows a batch of triggers produced, flushed with a few multi-row statements before the
//! batch's single commit.
//!
//! Flush order matters and is fixed: inserts first, then element-scoped deletes and updates
//! (an element instance key is never reused, so a delete never hits a row inserted for a later
//! element instance), audit last.

use std::collections::HashMap;

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::Result;
use super::rows::{
    HistoryRow, IncidentRow, InstanceRow, JobRow, SubscriptionRow, TaskRow, TimerRow,
};
use crate::audit::AuditRecord;

/// SQLite allows 32,766 bound parameters per statement; stay well below.
const MAX_PARAMS: usize = 30_000;

/// Splits `rows` into chunks whose sizes are powers of two (largest first, at most `max_rows`,
/// itself rounded down to a power of two). A multi-row statement's SQL text depends on its row
/// count; with power-of-two counts a handful of texts cover every batch size, so the driver's
/// prepared-statement cache serves them instead of re-preparing a new text every flush.
pub(crate) fn statement_chunks<T>(rows: &[T], max_rows: usize) -> Vec<&[T]> {
    let mut cap = 1usize;
    while cap * 2 <= max_rows.clamp(1, 512) {
        cap *= 2;
    }
    let mut out = Vec::new();
    let mut rest = rows;
    while !rest.is_empty() {
        let mut size = cap;
        while size > rest.len() {
            size /= 2;
        }
        let (head, tail) = rest.split_at(size);
        out.push(head);
        rest = tail;
    }
    out
}

/// Pending writes of one batch.
#[derive(Debug, Default)]
pub struct WriteSet {
    instances: Vec<InstanceRow>,
    instance_pos: HashMap<String, usize>,
    /// New jobs.
    pub jobs: Vec<JobRow>,
    /// New user tasks.
    pub tasks: Vec<TaskRow>,
    /// Candidate rows of new tasks: (task id, `user`|`group`, value).
    pub candidates: Vec<(String, &'static str, String)>,
    /// New timers.
    pub timers: Vec<TimerRow>,
    /// New subscriptions.
    pub subscriptions: Vec<SubscriptionRow>,
    /// New incidents.
    pub incidents: Vec<IncidentRow>,
    /// Incidents resolved: (instance id, element key, at).
    pub resolved: Vec<(String, i64, i64)>,
    /// Element instances whose jobs, timers and subscriptions are deleted and open tasks
    /// cancelled: (instance id, element key).
    pub cancelled: Vec<(String, i64)>,
    /// Timers that fired (deleted by id).
    pub deleted_timers: Vec<String>,
    /// Element instances that ended.
    pub history: Vec<HistoryRow>,
    /// Audit records, in seq order.
    pub audit: Vec<AuditRecord>,
}

impl WriteSet {
    /// Records the new version of an instance row (the last one per id wins).
    pub fn put_instance(&mut self, row: InstanceRow) {
        match self.instance_pos.get(&row.id) {
            Some(&i) => {
                if let Some(slot) = self.instances.get_mut(i) {
                    *slot = row;
                }
            }
            None => {
                self.instance_pos
                    .insert(row.id.clone(), self.instances.len());
                self.instances.push(row);
            }
        }
    }

    /// The pending version of instance `id`, if this batch changed it.
    pub fn instance(&self, id: &str) -> Option<&InstanceRow> {
        self.instance_pos
            .get(id)
            .and_then(|&i| self.instances.get(i))
    }

    /// Hands out the instance rows (after the flush), leaving none behind.
    pub fn take_instances(&mut self) -> Vec<InstanceRow> {
        self.instance_pos.clear();
        std::mem::take(&mut self.instances)
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.instances.is_empty()
            && self.jobs.is_empty()
            && self.tasks.is_empty()
            && self.timers.is_empty()
            && self.subscriptions.is_empty()
            && self.incidents.is_empty()
            && self.resolved.is_empty()
            && self.cancelled.is_empty()
            && self.deleted_timers.is_empty()
            && self.history.is_empty()
            && self.audit.is_empty()
    }

    /// Writes everything through `conn` (inside the batch transaction).
    pub async fn flush(&self, conn: &mut SqliteConnection) -> Result<()> {
        self.flush_instances(conn).await?;
        self.flush_jobs(conn).await?;
        self.flush_tasks(conn).await?;
        self.flush_timers(conn).await?;
        self.flush_subscriptions(conn).await?;
        self.flush_incidents(conn).await?;
        self.flush_cancelled(conn).await?;
        self.flush_deleted_timers(conn).await?;
        self.flush_history(conn).await?;
        self.flush_audit(conn).await?;
        Ok(())
    }

    async fn flush_instances(&self, conn: &mut SqliteConnection) -> Result<()> {
        for chunk in statement_chunks(&self.instances, MAX_PARAMS / 14) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO instances (id, definition_id, definition_key, definition_version, \
                 business_key, state, started_at, ended_at, started_by, incidents, audit_seq, \
                 audit_hash, version, body) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.id)
                    .push_bind(&r.definition_id)
                    .push_bind(&r.definition_key)
                    .push_bind(r.definition_version)
                    .push_bind(&r.business_key)
                    .push_bind(&r.state)
                    .push_bind(r.started_at)
                    .push_bind(r.ended_at)
                    .push_bind(&r.started_by)
                    .push_bind(r.incidents)
                    .push_bind(r.audit_seq)
                    .push_bind(&r.audit_hash)
                    .push_bind(r.version)
                    .push_bind(&r.body);
            });
            q.push(
                " ON CONFLICT (id) DO UPDATE SET state = excluded.state, \
                 ended_at = excluded.ended_at, incidents = excluded.incidents, \
                 audit_seq = excluded.audit_seq, audit_hash = excluded.audit_hash, \
                 version = excluded.version, body = excluded.body",
            );
            q.build().execute(&mut *conn).await?;
        }
        Ok(())
    }

    async fn flush_jobs(&self, conn: &mut SqliteConnection) -> Result<()> {
        for chunk in statement_chunks(&self.jobs, MAX_PARAMS / 13) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO jobs (id, instance_id, element_key, element_id, type, state, \
                 retries, available_at, lock_owner, error_message, headers, created_at, version) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.id)
                    .push_bind(&r.instance_id)
                    .push_bind(r.element_key)
                    .push_bind(&r.element_id)
                    .push_bind(&r.job_type)
                    .push_bind(&r.state)
                    .push_bind(r.retries)
                    .push_bind(r.available_at)
                    .push_bind(&r.lock_owner)
                    .push_bind(&r.error_message)
                    .push_bind(&r.headers)
                    .push_bind(r.created_at)
                    .push_bind(r.version);
            });
            q.build().execute(&mut *conn).await?;
        }
        Ok(())
    }

    async fn flush_tasks(&self, conn: &mut SqliteConnection) -> Result<()> {
        for chunk in statement_chunks(&self.tasks, MAX_PARAMS / 16) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO user_tasks (id, instance_id, element_key, element_id, name, assignee, \
                 state, created_at, due_at, follow_up_at, priority, form_key, completed_by, \
                 completed_at, candidate_users, candidate_groups) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.id)
                    .push_bind(&r.instance_id)
                    .push_bind(r.element_key)
                    .push_bind(&r.element_id)
                    .push_bind(&r.name)
                    .push_bind(&r.assignee)
                    .push_bind(&r.state)
                    .push_bind(r.created_at)
                    .push_bind(r.due_at)
                    .push_bind(r.follow_up_at)
                    .push_bind(r.priority)
                    .push_bind(&r.form_key)
                    .push_bind(&r.completed_by)
                    .push_bind(r.completed_at)
                    .push_bind(&r.candidate_users)
                    .push_bind(&r.candidate_groups);
            });
            q.build().execute(&mut *conn).await?;
        }
        for chunk in statement_chunks(&self.candidates, MAX_PARAMS / 3) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT OR IGNORE INTO task_candidates (task_id, kind, value) ",
            );
            q.push_values(chunk, |mut b, (task, kind, value)| {
                b.push_bind(task).push_bind(*kind).push_bind(value);
            });
            q.build().execute(&mut *conn).await?;
        }
        Ok(())
    }

    async fn flush_timers(&self, conn: &mut SqliteConnection) -> Result<()> {
        for chunk in statement_chunks(&self.timers, MAX_PARAMS / 6) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO timers (id, instance_id, element_key, element_id, due_at, created_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.id)
                    .push_bind(&r.instance_id)
                    .push_bind(r.element_key)
                    .push_bind(&r.element_id)
                    .push_bind(r.due_at)
                    .push_bind(r.created_at);
            });
            q.build().execute(&mut *conn).await?;
        }
        Ok(())
    }

    async fn flush_subscriptions(&self, conn: &mut SqliteConnection) -> Result<()> {
        for chunk in statement_chunks(&self.subscriptions, MAX_PARAMS / 8) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO subscriptions (id, instance_id, element_key, element_id, message_name, \
                 correlation_key, business_key, created_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.id)
                    .push_bind(&r.instance_id)
                    .push_bind(r.element_key)
                    .push_bind(&r.element_id)
                    .push_bind(&r.message_name)
                    .push_bind(&r.correlation_key)
                    .push_bind(&r.business_key)
                    .push_bind(r.created_at);
            });
            q.build().execute(&mut *conn).await?;
        }
        Ok(())
    }

    async fn flush_incidents(&self, conn: &mut SqliteConnection) -> Result<()> {
        for chunk in statement_chunks(&self.resolved, MAX_PARAMS / 3) {
            // Resolve first: an incident raised again in this batch on the same element stays open.
            for (instance, key, at) in chunk {
                sqlx::query(
                    "UPDATE incidents SET state = 'resolved', resolved_at = $1 \
                     WHERE instance_id = $2 AND element_key = $3 AND state = 'open'",
                )
                .bind(at)
                .bind(instance)
                .bind(key)
                .execute(&mut *conn)
                .await?;
            }
        }
        for chunk in statement_chunks(&self.incidents, MAX_PARAMS / 10) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO incidents (id, instance_id, element_key, element_id, kind, message, \
                 state, job_id, created_at, resolved_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.id)
                    .push_bind(&r.instance_id)
                    .push_bind(r.element_key)
                    .push_bind(&r.element_id)
                    .push_bind(&r.kind)
                    .push_bind(&r.message)
                    .push_bind(&r.state)
                    .push_bind(&r.job_id)
                    .push_bind(r.created_at)
                    .push_bind(r.resolved_at);
            });
            q.build().execute(&mut *conn).await?;
        }
        Ok(())
    }

    async fn flush_cancelled(&self, conn: &mut SqliteConnection) -> Result<()> {
        // Join the key list to each table's (instance_id, element_key) index and act on the
        // matching rowids: a row-value `IN (VALUES ...)` alone makes SQLite scan the table.
        for chunk in statement_chunks(&self.cancelled, MAX_PARAMS / 2) {
            for (table, action, extra) in [
                ("jobs", "DELETE FROM jobs", ""),
                ("timers", "DELETE FROM timers", ""),
                ("subscriptions", "DELETE FROM subscriptions", ""),
                (
                    "user_tasks",
                    "UPDATE user_tasks SET state = 'cancelled'",
                    " AND t.state = 'open'",
                ),
            ] {
                let mut q = QueryBuilder::<Sqlite>::new(action);
                q.push(" WHERE rowid IN (SELECT t.rowid FROM (");
                q.push_values(chunk, |mut b, (instance, key)| {
                    b.push_bind(instance).push_bind(*key);
                });
                q.push(format!(
                    ") v JOIN {table} t ON t.instance_id = v.column1 AND t.element_key = v.column2{extra})"
                ));
                q.build().execute(&mut *conn).await?;
            }
        }
        Ok(())
    }

    async fn flush_deleted_timers(&self, conn: &mut SqliteConnection) -> Result<()> {
        for chunk in statement_chunks(&self.deleted_timers, MAX_PARAMS) {
            let mut q = QueryBuilder::<Sqlite>::new("DELETE FROM timers WHERE id IN (");
            let mut ids = q.separated(", ");
            for id in chunk {
                ids.push_bind(id);
            }
            q.push(")");
            q.build().execute(&mut *conn).await?;
        }
        Ok(())
    }

    async fn flush_history(&self, conn: &mut SqliteConnection) -> Result<()> {
        for chunk in statement_chunks(&self.history, MAX_PARAMS / 8) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO history (instance_id, element_key, element_id, element_type, state, \
                 started_at, ended_at, audit_seq) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.instance_id)
                    .push_bind(r.element_key)
                    .push_bind(&r.element_id)
                    .push_bind(&r.element_type)
                    .push_bind(&r.state)
                    .push_bind(r.started_at)
                    .push_bind(r.ended_at)
                    .push_bind(r.audit_seq);
            });
            q.build().execute(&mut *conn).await?;
        }
        Ok(())
    }

    async fn flush_audit(&self, conn: &mut SqliteConnection) -> Result<()> {
        for chunk in statement_chunks(&self.audit, MAX_PARAMS / 12) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO audit (seq, v, at, instance_id, instance_seq, element_id, kind, actor, \
                 data, prev_hash, instance_prev_hash, hash) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.seq)
                    .push_bind(i64::from(r.v))
                    .push_bind(&r.at)
                    .push_bind(&r.instance_id)
                    .push_bind(r.instance_seq)
                    .push_bind(&r.element_id)
                    .push_bind(&r.kind)
                    .push_bind(r.actor.to_canonical())
                    .push_bind(crate::audit::canonical::to_string(&r.data))
                    .push_bind(&r.prev_hash)
                    .push_bind(&r.instance_prev_hash)
                    .push_bind(&r.hash);
            });
            q.build().execute(&mut *conn).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::statement_chunks;

    #[test]
    fn chunks_are_powers_of_two_and_cover_everything() {
        let rows: Vec<u32> = (0..1000).collect();
        let chunks = statement_chunks(&rows, 300);
        let sizes: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
        assert_eq!(sizes, vec![256, 256, 256, 128, 64, 32, 8]);
        assert_eq!(chunks.concat(), rows);
        assert!(statement_chunks::<u32>(&[], 8).is_empty());
        assert_eq!(statement_chunks(&rows[..3], 0).len(), 3);
    }
}
