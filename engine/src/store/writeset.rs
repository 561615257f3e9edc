//! Rows a batch of triggers produced, flushed with a few multi-row statements before the
//! batch's single commit.
//!
//! Flush order matters and is fixed: inserts first, then job locks, then element-scoped deletes
//! and updates (an element instance key is never reused, so a delete never hits a row inserted
//! for a later element instance), then continuation jobs, audit last. A continuation job is created for an
//! element instance whose own work the same step cancels (it waits after completing), so it is
//! inserted after the deletes; the batch drops a pending one when it terminates its element.

use std::collections::HashMap;

use super::rows::{
    HistoryRow, IncidentRow, InstanceRow, JobRow, SubscriptionRow, TaskRow, TimerRow,
};
use super::sql::{Arg, built, values_clause};
use super::{Dialect, Result, WriteTx};
use crate::audit::AuditRecord;
use crate::runtime::Work;

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

/// An audit record of the batch with the canonical encoding of its `data`, computed once for
/// both the hash and the stored row.
#[derive(Debug)]
pub struct PendingAudit {
    /// The record (numbered and hashed by the batch's seal).
    pub record: AuditRecord,
    /// `canonical::to_string(&record.data)`.
    pub data: String,
}

/// Jobs one activation locked (SQLite, from the writer's job cache): one `UPDATE`.
#[derive(Debug)]
pub struct JobLock {
    /// The worker (or node) holding the lock.
    pub owner: String,
    /// Lock expiry (epoch ms): the rows' new `available_at`.
    pub until: i64,
    /// The jobs, all `ready` or with an expired lock as the cache knows them.
    pub ids: Vec<String>,
}

/// Pending writes of one batch.
#[derive(Debug, Default)]
pub struct WriteSet {
    instances: Vec<InstanceRow>,
    instance_pos: HashMap<String, usize>,
    /// New jobs.
    pub jobs: Vec<JobRow>,
    /// Jobs locked from the writer's job cache (SQLite), written after the new jobs.
    pub job_locks: Vec<JobLock>,
    /// New continuation jobs (asynchronous continuations), inserted after the cancellations.
    pub continuations: Vec<JobRow>,
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
    /// cancelled: (instance id, element key, the kinds of work it can own).
    pub cancelled: Vec<(String, i64, Work)>,
    /// Timers that fired (deleted by id).
    pub deleted_timers: Vec<String>,
    /// Element instances that ended.
    pub history: Vec<HistoryRow>,
    /// Audit records, in seq order.
    pub audit: Vec<PendingAudit>,
    /// The batch's clock reading (epoch ms): when the jobs it deletes ended (`ended_jobs`).
    pub now_ms: i64,
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

    /// Sets each instance row's audit chain head to its sealed hash.
    pub fn set_instance_hashes(&mut self, heads: &HashMap<String, String>) {
        for row in &mut self.instances {
            if let Some(hash) = heads.get(&row.id) {
                row.audit_hash.clone_from(hash);
            }
        }
    }

    /// The instance rows to write.
    pub fn instance_rows(&self) -> &[InstanceRow] {
        &self.instances
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.instances.is_empty()
            && self.jobs.is_empty()
            && self.job_locks.is_empty()
            && self.continuations.is_empty()
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

    /// Writes everything inside the batch transaction `tx`.
    pub async fn flush(&self, tx: &mut WriteTx) -> Result<()> {
        self.flush_instances(tx).await?;
        insert_jobs(tx, &self.jobs).await?;
        self.flush_job_locks(tx).await?;
        self.flush_tasks(tx).await?;
        self.flush_timers(tx).await?;
        self.flush_subscriptions(tx).await?;
        self.flush_incidents(tx).await?;
        self.flush_cancelled(tx).await?;
        insert_jobs(tx, &self.continuations).await?;
        self.flush_deleted_timers(tx).await?;
        self.flush_history(tx).await?;
        self.flush_audit(tx).await?;
        Ok(())
    }

    async fn flush_instances(&self, tx: &mut WriteTx) -> Result<()> {
        insert_rows(
            tx,
            "INSERT INTO instances (id, definition_id, definition_key, definition_version, \
             business_key, state, started_at, ended_at, started_by, incidents, audit_seq, \
             audit_hash, version, body)",
            14,
            "ON CONFLICT (id) DO UPDATE SET state = excluded.state, \
             ended_at = excluded.ended_at, incidents = excluded.incidents, \
             audit_seq = excluded.audit_seq, audit_hash = excluded.audit_hash, \
             version = excluded.version, body = excluded.body",
            &self.instances,
            |r, a| {
                a.extend([
                    Arg::from(&r.id),
                    Arg::from(&r.definition_id),
                    Arg::from(&r.definition_key),
                    Arg::from(r.definition_version),
                    Arg::from(&r.business_key),
                    Arg::from(&r.state),
                    Arg::from(r.started_at),
                    Arg::from(r.ended_at),
                    Arg::from(&r.started_by),
                    Arg::from(r.incidents),
                    Arg::from(r.audit_seq),
                    Arg::from(&r.audit_hash),
                    Arg::from(r.version),
                    Arg::from(&r.body),
                ])
            },
        )
        .await
    }

    /// Writes the locks taken in memory: the cache holds exactly what these rows are, so the
    /// update needs no condition beyond the ids.
    async fn flush_job_locks(&self, tx: &mut WriteTx) -> Result<()> {
        for lock in &self.job_locks {
            for chunk in statement_chunks(&lock.ids, MAX_PARAMS) {
                let sql = format!(
                    "UPDATE jobs SET state = 'locked', lock_owner = {}, available_at = {}, \
                     version = version + 1 WHERE id IN ({})",
                    super::sql::placeholders(tx.dialect(), 1, 1),
                    super::sql::placeholders(tx.dialect(), 1, 2),
                    super::sql::placeholders(tx.dialect(), chunk.len(), 3)
                );
                let mut args = Vec::with_capacity(chunk.len() + 2);
                args.push(Arg::from(&lock.owner));
                args.push(Arg::from(lock.until));
                args.extend(chunk.iter().map(Arg::from));
                built(sql).bind_all(args).execute(&mut *tx).await?;
            }
        }
        Ok(())
    }

    async fn flush_tasks(&self, tx: &mut WriteTx) -> Result<()> {
        insert_rows(
            tx,
            "INSERT INTO user_tasks (id, instance_id, element_key, element_id, name, assignee, \
             state, created_at, due_at, follow_up_at, priority, form_key, completed_by, \
             completed_at, candidate_users, candidate_groups)",
            16,
            "",
            &self.tasks,
            |r, a| {
                a.extend([
                    Arg::from(&r.id),
                    Arg::from(&r.instance_id),
                    Arg::from(r.element_key),
                    Arg::from(&r.element_id),
                    Arg::from(&r.name),
                    Arg::from(&r.assignee),
                    Arg::from(&r.state),
                    Arg::from(r.created_at),
                    Arg::from(r.due_at),
                    Arg::from(r.follow_up_at),
                    Arg::from(r.priority),
                    Arg::from(&r.form_key),
                    Arg::from(&r.completed_by),
                    Arg::from(r.completed_at),
                    Arg::from(&r.candidate_users),
                    Arg::from(&r.candidate_groups),
                ])
            },
        )
        .await?;
        insert_rows(
            tx,
            "INSERT INTO task_candidates (task_id, kind, value)",
            3,
            "ON CONFLICT DO NOTHING",
            &self.candidates,
            |(task, kind, value), a| {
                a.extend([Arg::from(task), Arg::from(*kind), Arg::from(value)])
            },
        )
        .await
    }

    async fn flush_timers(&self, tx: &mut WriteTx) -> Result<()> {
        insert_rows(
            tx,
            "INSERT INTO timers (id, instance_id, element_key, element_id, due_at, created_at)",
            6,
            "",
            &self.timers,
            |r, a| {
                a.extend([
                    Arg::from(&r.id),
                    Arg::from(&r.instance_id),
                    Arg::from(r.element_key),
                    Arg::from(&r.element_id),
                    Arg::from(r.due_at),
                    Arg::from(r.created_at),
                ])
            },
        )
        .await
    }

    async fn flush_subscriptions(&self, tx: &mut WriteTx) -> Result<()> {
        insert_rows(
            tx,
            "INSERT INTO subscriptions (id, instance_id, element_key, element_id, message_name, \
             correlation_key, business_key, created_at)",
            8,
            "",
            &self.subscriptions,
            |r, a| {
                a.extend([
                    Arg::from(&r.id),
                    Arg::from(&r.instance_id),
                    Arg::from(r.element_key),
                    Arg::from(&r.element_id),
                    Arg::from(&r.message_name),
                    Arg::from(&r.correlation_key),
                    Arg::from(&r.business_key),
                    Arg::from(r.created_at),
                ])
            },
        )
        .await
    }

    async fn flush_incidents(&self, tx: &mut WriteTx) -> Result<()> {
        // Resolve first: an incident raised again in this batch on the same element stays open.
        for (instance, key, at) in &self.resolved {
            super::query(
                "UPDATE incidents SET state = 'resolved', resolved_at = $1 \
                 WHERE instance_id = $2 AND element_key = $3 AND state = 'open'",
            )
            .bind(*at)
            .bind(instance)
            .bind(*key)
            .execute(&mut *tx)
            .await?;
        }
        insert_rows(
            tx,
            "INSERT INTO incidents (id, instance_id, element_key, element_id, kind, message, \
             state, job_id, created_at, resolved_at)",
            10,
            "",
            &self.incidents,
            |r, a| {
                a.extend([
                    Arg::from(&r.id),
                    Arg::from(&r.instance_id),
                    Arg::from(r.element_key),
                    Arg::from(&r.element_id),
                    Arg::from(&r.kind),
                    Arg::from(&r.message),
                    Arg::from(&r.state),
                    Arg::from(&r.job_id),
                    Arg::from(r.created_at),
                    Arg::from(r.resolved_at),
                ])
            },
        )
        .await
    }

    async fn flush_cancelled(&self, tx: &mut WriteTx) -> Result<()> {
        let dialect = tx.dialect();
        for (table, action, only_open, kind) in [
            (
                "jobs",
                "DELETE FROM jobs",
                false,
                Work::JOBS.with(Work::CONTINUATIONS),
            ),
            ("timers", "DELETE FROM timers", false, Work::TIMERS),
            (
                "subscriptions",
                "DELETE FROM subscriptions",
                false,
                Work::SUBSCRIPTIONS,
            ),
            (
                "user_tasks",
                "UPDATE user_tasks SET state = 'cancelled'",
                true,
                Work::USER_TASKS,
            ),
        ] {
            // Only element instances that can own rows of this table.
            let keys: Vec<(&str, i64)> = self
                .cancelled
                .iter()
                .filter(|(_, _, work)| work.intersects(kind))
                .map(|(instance, key, _)| (instance.as_str(), *key))
                .collect();
            for chunk in statement_chunks(&keys, MAX_PARAMS / 2) {
                let values = values_clause(dialect, chunk.len(), 2, 1);
                let mut args = Vec::with_capacity(chunk.len() * 2);
                for (instance, key) in chunk {
                    args.extend([Arg::from(*instance), Arg::from(*key)]);
                }
                if table == "jobs" {
                    self.delete_jobs(tx, &values, args).await?;
                    continue;
                }
                let sql = match dialect {
                    // Join the key list to the table's (instance_id, element_key) index and act
                    // on the matching rowids: a row-value `IN (VALUES ...)` alone makes SQLite
                    // scan the table.
                    Dialect::Sqlite => format!(
                        "{action} WHERE rowid IN (SELECT t.rowid FROM ({values}) v JOIN {table} t \
                         ON t.instance_id = v.column1 AND t.element_key = v.column2{})",
                        if only_open {
                            " AND t.state = 'open'"
                        } else {
                            ""
                        }
                    ),
                    Dialect::Postgres => format!(
                        "{action} WHERE (instance_id, element_key) IN ({values}){}",
                        if only_open { " AND state = 'open'" } else { "" }
                    ),
                };
                built(sql).bind_all(args).execute(&mut *tx).await?;
            }
        }
        Ok(())
    }

    /// Deletes the jobs of the element instances in `values` (`(instance_id, element_key)`
    /// rows bound by `args`) and records their ids in `ended_jobs`, so a late completion of
    /// one answers 409 rather than 404. PostgreSQL: one statement; SQLite: the copy, then the
    /// delete (both in-process, on the `jobs_by_element` index).
    async fn delete_jobs(&self, tx: &mut WriteTx, values: &str, args: Vec<Arg<'_>>) -> Result<()> {
        match tx.dialect() {
            Dialect::Sqlite => {
                let matching = format!(
                    "SELECT t.rowid FROM ({values}) v JOIN jobs t \
                     ON t.instance_id = v.column1 AND t.element_key = v.column2"
                );
                let mut copy_args = Vec::with_capacity(args.len() + 1);
                copy_args.push(Arg::from(self.now_ms));
                copy_args.extend(args.iter().cloned());
                built(format!(
                    "INSERT INTO ended_jobs (id, instance_id, ended_at) \
                     SELECT id, instance_id, ? FROM jobs WHERE rowid IN ({matching}) \
                     ON CONFLICT (id) DO NOTHING"
                ))
                .bind_all(copy_args)
                .execute(&mut *tx)
                .await?;
                built(format!("DELETE FROM jobs WHERE rowid IN ({matching})"))
                    .bind_all(args)
                    .execute(&mut *tx)
                    .await?;
            }
            Dialect::Postgres => {
                let now = args.len() + 1;
                let mut args = args;
                args.push(Arg::from(self.now_ms));
                built(format!(
                    "WITH gone AS (DELETE FROM jobs WHERE (instance_id, element_key) IN ({values}) \
                     RETURNING id, instance_id) \
                     INSERT INTO ended_jobs (id, instance_id, ended_at) \
                     SELECT id, instance_id, ${now} FROM gone ON CONFLICT (id) DO NOTHING"
                ))
                .bind_all(args)
                .execute(&mut *tx)
                .await?;
            }
        }
        Ok(())
    }

    async fn flush_deleted_timers(&self, tx: &mut WriteTx) -> Result<()> {
        for chunk in statement_chunks(&self.deleted_timers, MAX_PARAMS) {
            let sql = format!(
                "DELETE FROM timers WHERE id IN ({})",
                super::sql::placeholders(tx.dialect(), chunk.len(), 1)
            );
            built(sql)
                .bind_all(chunk.iter().map(Arg::from))
                .execute(&mut *tx)
                .await?;
        }
        Ok(())
    }

    async fn flush_history(&self, tx: &mut WriteTx) -> Result<()> {
        insert_rows(
            tx,
            "INSERT INTO history (instance_id, element_key, element_id, element_type, state, \
             started_at, ended_at, audit_seq)",
            8,
            "",
            &self.history,
            |r, a| {
                a.extend([
                    Arg::from(&r.instance_id),
                    Arg::from(r.element_key),
                    Arg::from(&r.element_id),
                    Arg::from(&r.element_type),
                    Arg::from(&r.state),
                    Arg::from(r.started_at),
                    Arg::from(r.ended_at),
                    Arg::from(r.audit_seq),
                ])
            },
        )
        .await
    }

    async fn flush_audit(&self, tx: &mut WriteTx) -> Result<()> {
        insert_rows(
            tx,
            "INSERT INTO audit (seq, v, at, instance_id, instance_seq, element_id, kind, actor, \
             data, prev_hash, instance_prev_hash, hash)",
            12,
            "",
            &self.audit,
            |PendingAudit { record: r, data }, a| {
                a.extend([
                    Arg::from(r.seq),
                    Arg::from(i64::from(r.v)),
                    Arg::from(&r.at),
                    Arg::from(&r.instance_id),
                    Arg::from(r.instance_seq),
                    Arg::from(&r.element_id),
                    Arg::from(&r.kind),
                    Arg::from(r.actor.to_canonical()),
                    Arg::from(data.as_str()),
                    Arg::from(&r.prev_hash),
                    Arg::from(&r.instance_prev_hash),
                    Arg::from(&r.hash),
                ])
            },
        )
        .await
    }
}

/// Inserts job rows (new jobs, or continuation jobs after the cancellations).
async fn insert_jobs(tx: &mut WriteTx, rows: &[JobRow]) -> Result<()> {
    insert_rows(
        tx,
        "INSERT INTO jobs (id, instance_id, element_key, element_id, type, state, \
         retries, available_at, lock_owner, error_message, headers, created_at, version)",
        13,
        "",
        rows,
        |r, a| {
            a.extend([
                Arg::from(&r.id),
                Arg::from(&r.instance_id),
                Arg::from(r.element_key),
                Arg::from(&r.element_id),
                Arg::from(&r.job_type),
                Arg::from(&r.state),
                Arg::from(r.retries),
                Arg::from(r.available_at),
                Arg::from(&r.lock_owner),
                Arg::from(&r.error_message),
                Arg::from(&r.headers),
                Arg::from(r.created_at),
                Arg::from(r.version),
            ])
        },
    )
    .await
}

/// Inserts `rows` with multi-row `INSERT`s: `head` names the table and columns, `cols` is how
/// many values `push` adds per row, `tail` follows the `VALUES` list (e.g. `ON CONFLICT ...`).
async fn insert_rows<'q, R>(
    tx: &mut WriteTx,
    head: &str,
    cols: usize,
    tail: &str,
    rows: &'q [R],
    push: impl Fn(&'q R, &mut Vec<Arg<'q>>),
) -> Result<()> {
    for chunk in statement_chunks(rows, MAX_PARAMS / cols) {
        let mut args = Vec::with_capacity(chunk.len() * cols);
        for row in chunk {
            push(row, &mut args);
        }
        let values = values_clause(tx.dialect(), chunk.len(), cols, 1);
        let sql = format!("{head} {values} {tail}");
        built(sql).bind_all(args).execute(&mut *tx).await?;
    }
    Ok(())
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
