//! One batch of commands inside one write transaction: loads instances, applies runtime steps,
//! turns their effects into rows, appends audit records to both chains, and keeps an overlay so
//! later commands of the batch see what earlier ones did before anything is flushed.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use jiff::Timestamp;
use keel_bpmn::ProcessDefinition;
use serde_json::{Map, Value as Json, json};

use crate::audit::{Actor, AuditRecord, ENCODING_VERSION, GENESIS_HASH, audit_value};
use crate::clock::format_ms;
use crate::definitions::DefinitionCache;
use crate::error::{Error, Result};
use crate::runtime::{
    self, Effect, InstanceState, Outcome, StepContext, TransitionKind, Trigger, Work,
};
use crate::store::rows::{
    HistoryRow, IncidentRow, InstanceRow, JobRow, SubscriptionRow, TaskRow, TimerRow,
};
use crate::store::sql::{Arg, built, placeholders};
use crate::store::{WriteSet, WriteTx, query};

mod job_rows;

/// Everything one trigger application needs besides the trigger.
#[derive(Debug, Clone)]
pub struct ApplyCtx {
    /// Who caused it.
    pub actor: Actor,
    /// Element the audit record names (the task, the timer event...).
    pub element_id: Option<String>,
    /// Extra audit data (request arguments).
    pub data: Map<String, Json>,
    /// The job behind the trigger, for incidents.
    pub job_id: Option<String>,
    /// Audit kind override (default: the trigger's kind).
    pub kind: Option<&'static str>,
}

impl ApplyCtx {
    /// A context with just an actor.
    pub fn new(actor: Actor) -> Self {
        ApplyCtx {
            actor,
            element_id: None,
            data: Map::new(),
            job_id: None,
            kind: None,
        }
    }
}

/// The batch in progress.
pub struct Batch<'c> {
    pub conn: &'c mut WriteTx,
    pub writes: WriteSet,
    pub now: Timestamp,
    pub now_ms: i64,
    pub step_budget: u32,
    defs: &'c DefinitionCache,
    cache: &'c std::sync::Mutex<super::InstanceCache>,
    job_cache: &'c std::sync::Mutex<super::job_cache::JobCache>,
    /// What this batch did to job rows, for the job cache at the seal (SQLite).
    pub job_changes: super::job_cache::JobChanges,
    /// Element instances whose work this batch deleted: (instance id, element key).
    removed: HashSet<(String, i64)>,
    /// Instance rows read (not yet changed) in this batch.
    loaded: HashMap<String, InstanceRow>,
    /// Job rows read or locked in this batch (dropped when a statement changes the row).
    jobs: HashMap<String, JobRow>,
    /// Jobs this batch changed (locked, failed, parked...): not activated again in it.
    touched_jobs: HashSet<String>,
    /// Jobs this batch locked: nobody knows of those locks before the commit.
    locked_jobs: HashSet<String>,
    /// Parsed instance states by id, with the row version they belong to.
    states: HashMap<String, (i64, Arc<InstanceState>)>,
    /// Timers fired in this batch.
    pub fired_timers: HashSet<String>,
    /// Definitions deployed in this batch, cached only after commit.
    pub deployed: Vec<(String, Arc<ProcessDefinition>)>,
    /// New jobs were created (wake long-polling workers after commit).
    pub jobs_created: bool,
    /// Jobs handed to workers in this batch (for metrics after the commit).
    pub jobs_activated: u64,
    /// Signals and messages thrown by the follow-ups of the current command (the writer resets
    /// it per command; bounded by `follow_up::MAX_THROWN`).
    pub thrown: usize,
    /// The current command buffered a message since `follow_up::after_command` last handed
    /// buffered messages out (the waits it opened before must look again).
    pub buffered_messages: bool,
    /// Effects that reach beyond their instance (signals, call activities), run after the
    /// command by `follow_up::after_command`.
    pub follow_ups: std::collections::VecDeque<super::follow_up::FollowUp>,
    /// Instances of processes with a message start event that ended in this batch and whose
    /// end `starts::after_ends` has not looked at yet (a buffered message may start the next
    /// instance of their process).
    pub ended: Vec<String>,
}

impl<'c> Batch<'c> {
    /// Starts a batch inside the write transaction `conn`.
    pub async fn begin(
        conn: &'c mut WriteTx,
        defs: &'c DefinitionCache,
        cache: &'c std::sync::Mutex<super::InstanceCache>,
        job_cache: &'c std::sync::Mutex<super::job_cache::JobCache>,
        now: Timestamp,
        step_budget: u32,
    ) -> Result<Batch<'c>> {
        let mut writes = WriteSet::default();
        writes.now_ms = now.as_millisecond();
        Ok(Batch {
            conn,
            writes,
            now,
            now_ms: now.as_millisecond(),
            step_budget,
            defs,
            cache,
            job_cache,
            job_changes: super::job_cache::JobChanges::default(),
            removed: HashSet::new(),
            loaded: HashMap::new(),
            jobs: HashMap::new(),
            touched_jobs: HashSet::new(),
            locked_jobs: HashSet::new(),
            states: HashMap::new(),
            fired_timers: HashSet::new(),
            deployed: Vec::new(),
            jobs_created: false,
            jobs_activated: 0,
            thrown: 0,
            buffered_messages: false,
            follow_ups: std::collections::VecDeque::new(),
            ended: Vec::new(),
        })
    }

    /// A new time-ordered id.
    pub fn new_id(&self) -> String {
        uuid::Uuid::now_v7().to_string()
    }

    /// The instance row as this batch sees it.
    pub async fn instance(&mut self, id: &str) -> Result<Option<InstanceRow>> {
        if let Some(row) = self.writes.instance(id) {
            return Ok(Some(row.clone()));
        }
        if let Some(row) = self.loaded.get(id) {
            return Ok(Some(row.clone()));
        }
        if let Some(row) = self.cached_instance(id) {
            return Ok(Some(row));
        }
        let row = self.read_instance_row(id).await?;
        if let Some(row) = &row {
            self.loaded.insert(row.id.clone(), row.clone());
        }
        Ok(row)
    }

    /// Reads the stored instance row, locking it for this transaction (PostgreSQL: `FOR
    /// UPDATE`; SQLite's `BEGIN IMMEDIATE` already excludes other writers).
    async fn read_instance_row(&mut self, id: &str) -> Result<Option<InstanceRow>> {
        let lock = self.conn.dialect().for_update();
        Ok(
            built(format!("SELECT * FROM instances WHERE id = $1{lock}"))
                .bind(id)
                .fetch_optional(&mut *self.conn)
                .await?,
        )
    }

    /// The committed row from the writer's cache. Only on SQLite, where this writer is the only
    /// one: on PostgreSQL another node may have moved the instance on, so rows are always read
    /// (and locked); the cache then only saves re-parsing a state whose version is unchanged.
    fn cached_instance(&self, id: &str) -> Option<InstanceRow> {
        if self.conn.dialect() != crate::store::Dialect::Sqlite {
            return None;
        }
        self.cache
            .lock()
            .ok()
            .and_then(|c| c.get(id).map(|(row, _)| row.clone()))
    }

    /// The parsed state of `row` (parsed at most once per version).
    pub fn state_of(&mut self, row: &InstanceRow) -> Result<Arc<InstanceState>> {
        if let Some((version, state)) = self.states.get(&row.id)
            && *version == row.version
        {
            return Ok(state.clone());
        }
        let cached = self
            .cache
            .lock()
            .ok()
            .and_then(|c| c.state(&row.id, row.version));
        let state = match cached {
            Some(s) => s,
            None => Arc::new(serde_json::from_str(&row.body).map_err(|e| {
                crate::store::Error::Corrupt {
                    table: "instances",
                    message: format!("instance {}: {e}", row.id),
                }
            })?),
        };
        self.states
            .insert(row.id.clone(), (row.version, state.clone()));
        Ok(state)
    }

    /// After a failed step consumed `row`'s state: the next use parses the stored body again;
    /// a row from the cache has no body, so the committed row is read back and parsed now
    /// (callers may still hold that body-less row).
    async fn forget_state(&mut self, row: &InstanceRow) -> Result<()> {
        self.states.remove(&row.id);
        if !row.body.is_empty() {
            return Ok(());
        }
        let stored = self.read_instance_row(&row.id).await?;
        if let Some(stored) = stored {
            self.state_of(&stored)?;
            self.loaded.insert(stored.id.clone(), stored);
        }
        Ok(())
    }

    /// Parsed states of the instances this batch wrote, for the writer's cache.
    pub fn take_states(&mut self) -> HashMap<String, (i64, Arc<InstanceState>)> {
        std::mem::take(&mut self.states)
    }

    /// Loads, in one query, the instance rows this batch will need.
    pub async fn prefetch_instances(&mut self, ids: &[String]) -> Result<()> {
        let missing: Vec<&String> = ids
            .iter()
            .filter(|id| {
                self.writes.instance(id).is_none()
                    && !self.loaded.contains_key(*id)
                    && self.cached_instance(id).is_none()
            })
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for chunk in crate::store::statement_chunks(&missing, 512) {
            let sql = format!(
                "SELECT * FROM instances WHERE id IN ({}){}",
                placeholders(self.conn.dialect(), chunk.len(), 1),
                self.conn.dialect().for_update()
            );
            let rows: Vec<InstanceRow> = built(sql)
                .bind_all(chunk.iter().map(|id| Arg::from(*id)))
                .fetch_all(&mut *self.conn)
                .await?;
            for row in rows {
                self.loaded.insert(row.id.clone(), row);
            }
        }
        Ok(())
    }

    /// Adds to `rows` (subscriptions read from the table) those this batch opened and has not
    /// flushed yet that `matches` accepts.
    pub fn add_pending_subscriptions(
        &self,
        rows: &mut Vec<SubscriptionRow>,
        matches: impl Fn(&SubscriptionRow) -> bool,
    ) {
        let stored: HashSet<String> = rows.iter().map(|s| s.id.clone()).collect();
        rows.extend(
            self.writes
                .subscriptions
                .iter()
                .filter(|s| !stored.contains(&s.id) && matches(s))
                .cloned(),
        );
    }

    /// True when this batch already deleted the work of that element instance.
    pub fn is_removed(&self, instance_id: &str, element_key: i64) -> bool {
        self.removed
            .contains(&(instance_id.to_owned(), element_key))
    }

    /// The latest version of `key` known without a query: deployed in this batch, or cached
    /// from an earlier committed batch.
    pub fn latest_definition(&self, key: &str) -> Option<(String, i64)> {
        if let Some((id, _)) = self.deployed.iter().rev().find(|(_, d)| d.key == key) {
            let version = id
                .rsplit(':')
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            return Some((id.clone(), version));
        }
        // On PostgreSQL another node may have deployed a newer version: always ask the database.
        if self.conn.dialect() != crate::store::Dialect::Sqlite {
            return None;
        }
        self.defs.latest(key)
    }

    /// Caches the latest version of `key` read from the database (committed data).
    pub fn remember_latest(&self, key: &str, id: &str, version: i64) {
        self.defs.set_latest(key, id, version);
    }

    /// The parsed definition `id` (deployed earlier, or in this very batch).
    pub async fn definition(&mut self, id: &str) -> Result<Arc<ProcessDefinition>> {
        if let Some((_, def)) = self.deployed.iter().find(|(d, _)| d == id) {
            return Ok(def.clone());
        }
        if let Some(def) = self.defs.cached(id) {
            return Ok(def);
        }
        let row: Option<(String, Vec<u8>)> =
            query("SELECT key, xml FROM definitions WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *self.conn)
                .await?;
        let (key, xml) = row.ok_or_else(|| Error::NotFound(format!("definition {id}")))?;
        let def = keel_bpmn::parse(&xml)
            .processes
            .into_iter()
            .find(|p| p.key == key)
            .ok_or_else(|| Error::NotFound(format!("process {key} in definition {id}")))?;
        let def = Arc::new(def);
        self.defs.insert(id, def.clone());
        Ok(def)
    }

    /// Applies `trigger` to the instance `row`, records everything, and returns the updated row
    /// and what the step did. Nothing is recorded when the step fails.
    pub async fn apply(
        &mut self,
        mut row: InstanceRow,
        trigger: Trigger,
        ctx: ApplyCtx,
    ) -> Result<(InstanceRow, Arc<InstanceState>, Outcome)> {
        let def = self.definition(&row.definition_id).await?;
        // Own the state: the cache lets go of its reference (the committed batch puts the new
        // state back), so usually this batch holds the only one and nothing is copied.
        let shared = self.state_of(&row)?;
        self.states.remove(&row.id);
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(&row.id);
        }
        let mut state: InstanceState = Arc::try_unwrap(shared).unwrap_or_else(|s| (*s).clone());
        let kind = ctx.kind.unwrap_or_else(|| trigger.audit_kind());
        let step_ctx = StepContext {
            now: self.now,
            step_budget: self.step_budget,
        };
        let outcome = match runtime::step(&def, &mut state, trigger, &step_ctx) {
            Ok(outcome) => outcome,
            Err(e) => {
                // The state was consumed: keep the unchanged one for later commands, or read
                // the row again when only the body-less cached copy was at hand.
                self.forget_state(&row).await?;
                return Err(Error::Conflict(e.to_string()));
            }
        };
        let mut data = ctx.data.clone();
        if !outcome.variables_set.is_empty() {
            data.insert(
                "variables".into(),
                audit_value(&Json::Object(outcome.variables_set.clone())),
            );
        }
        let transitions: Vec<Json> = outcome
            .transitions
            .iter()
            .map(|t| json!({"element_id": t.element_id, "element_type": t.element_type, "event": t.kind.as_str()}))
            .collect();
        data.insert("transitions".into(), Json::Array(transitions));
        let seq = self.append_audit(
            Some(&mut row),
            kind,
            ctx.element_id.clone(),
            ctx.actor.clone(),
            Json::Object(data),
        );
        for t in &outcome.transitions {
            if matches!(
                t.kind,
                TransitionKind::Completed | TransitionKind::Terminated
            ) {
                self.writes.history.push(HistoryRow {
                    instance_id: row.id.clone(),
                    element_key: i64::from(t.key),
                    element_id: t.element_id.clone(),
                    element_type: t.element_type.to_owned(),
                    state: t.kind.as_str().to_owned(),
                    started_at: t.started_at_ms,
                    ended_at: self.now_ms,
                    audit_seq: seq,
                });
            }
        }
        self.translate(&row, &outcome, &ctx)?;
        row.state = state.status.as_str().to_owned();
        if state.status.is_ended() && row.ended_at.is_none() {
            row.ended_at = Some(self.now_ms);
            if super::starts::has_message_start(&def) {
                self.ended.push(row.id.clone());
            }
        }
        row.incidents = i64::try_from(state.open_incidents()).unwrap_or(i64::MAX);
        row.version += 1;
        row.body = serde_json::to_string(&state).map_err(|e| crate::store::Error::Corrupt {
            table: "instances",
            message: e.to_string(),
        })?;
        let state = Arc::new(state);
        self.loaded.remove(&row.id);
        self.states
            .insert(row.id.clone(), (row.version, state.clone()));
        self.writes.put_instance(row.clone());
        Ok((row, state, outcome))
    }

    fn translate(&mut self, row: &InstanceRow, outcome: &Outcome, ctx: &ApplyCtx) -> Result<()> {
        for effect in &outcome.effects {
            match effect {
                Effect::CreateJob {
                    key,
                    element_id,
                    job_type,
                    retries,
                    headers,
                } => {
                    let headers: Map<String, Json> = headers
                        .iter()
                        .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                        .collect();
                    self.writes.jobs.push(JobRow {
                        id: self.new_id(),
                        instance_id: row.id.clone(),
                        element_key: i64::from(*key),
                        element_id: element_id.clone(),
                        job_type: job_type.clone(),
                        state: "ready".into(),
                        retries: *retries,
                        available_at: self.now_ms,
                        lock_owner: None,
                        error_message: None,
                        headers: Json::Object(headers).to_string(),
                        created_at: self.now_ms,
                        version: 0,
                    });
                    self.jobs_created = true;
                }
                Effect::CreateContinuation {
                    key,
                    element_id,
                    point,
                } => {
                    self.writes.continuations.push(JobRow {
                        id: self.new_id(),
                        instance_id: row.id.clone(),
                        element_key: i64::from(*key),
                        element_id: element_id.clone(),
                        job_type: runtime::CONTINUATION_JOB_TYPE.to_owned(),
                        state: "ready".into(),
                        // Not retried: a failure in the continued work is an incident.
                        retries: 0,
                        available_at: self.now_ms,
                        lock_owner: None,
                        error_message: None,
                        headers: json!({ "continuation": point.as_str() }).to_string(),
                        created_at: self.now_ms,
                        version: 0,
                    });
                    self.jobs_created = true;
                }
                Effect::CreateUserTask(spec) => {
                    let id = self.new_id();
                    for u in &spec.candidate_users {
                        self.writes.candidates.push((id.clone(), "user", u.clone()));
                    }
                    for g in &spec.candidate_groups {
                        self.writes
                            .candidates
                            .push((id.clone(), "group", g.clone()));
                    }
                    self.writes.tasks.push(TaskRow {
                        id,
                        instance_id: row.id.clone(),
                        element_key: i64::from(spec.key),
                        element_id: spec.element_id.clone(),
                        name: spec.name.clone(),
                        assignee: spec.assignee.clone(),
                        state: "open".into(),
                        created_at: self.now_ms,
                        due_at: spec.due_at_ms,
                        follow_up_at: spec.follow_up_at_ms,
                        priority: spec.priority,
                        form_key: spec.form_key.clone(),
                        completed_by: None,
                        completed_at: None,
                        candidate_users: json!(spec.candidate_users).to_string(),
                        candidate_groups: json!(spec.candidate_groups).to_string(),
                    });
                }
                Effect::ScheduleTimer {
                    key,
                    element_id,
                    due_at_ms,
                } => self.writes.timers.push(TimerRow {
                    id: self.new_id(),
                    instance_id: row.id.clone(),
                    element_key: i64::from(*key),
                    element_id: element_id.clone(),
                    due_at: *due_at_ms,
                    created_at: self.now_ms,
                }),
                Effect::OpenSubscription {
                    key,
                    element_id,
                    message_name,
                    correlation_key,
                } => self.writes.subscriptions.push(SubscriptionRow {
                    id: self.new_id(),
                    instance_id: row.id.clone(),
                    element_key: i64::from(*key),
                    element_id: element_id.clone(),
                    message_name: message_name.clone(),
                    correlation_key: correlation_key.clone(),
                    business_key: row.business_key.clone(),
                    created_at: self.now_ms,
                }),
                Effect::CancelWork { key, work } => {
                    let k = i64::from(*key);
                    self.writes.cancelled.push((row.id.clone(), k, *work));
                    if work.intersects(Work::JOBS.with(Work::CONTINUATIONS)) {
                        self.job_changes.cancelled.push((row.id.clone(), k));
                    }
                    // Continuation rows are inserted after the batch's cancellations: drop
                    // those this batch created for an element instance it now terminates.
                    if work.contains(Work::CONTINUATIONS) && !self.writes.continuations.is_empty() {
                        self.writes
                            .continuations
                            .retain(|j| j.element_key != k || j.instance_id != row.id);
                    }
                    self.removed.insert((row.id.clone(), k));
                }
                Effect::RaiseIncident {
                    key,
                    element_id,
                    kind,
                    message,
                } => self.writes.incidents.push(IncidentRow {
                    id: self.new_id(),
                    instance_id: row.id.clone(),
                    element_key: i64::from(*key),
                    element_id: element_id.clone(),
                    kind: kind.clone(),
                    message: message.clone(),
                    state: "open".into(),
                    job_id: ctx.job_id.clone(),
                    created_at: self.now_ms,
                    resolved_at: None,
                }),
                Effect::ResolveIncident { key } => {
                    self.writes
                        .resolved
                        .push((row.id.clone(), i64::from(*key), self.now_ms));
                }
                Effect::BroadcastSignal { .. }
                | Effect::PublishMessage { .. }
                | Effect::StartCalled(_)
                | Effect::CompleteCaller { .. }
                | Effect::CalledIncidents { .. }
                | Effect::CancelCalled { .. }
                | Effect::PropagateError { .. } => self
                    .follow_ups
                    .push_back(super::follow_up::FollowUp::new(row, effect, &ctx.actor)),
            }
        }
        Ok(())
    }

    /// Records an instance row changed without a runtime step (an audit record appended to its
    /// chain: job retry, claim, ...): bumps its version and keeps its parsed state in step.
    pub fn touch_instance(&mut self, mut row: InstanceRow) -> Result<()> {
        let state = match self.states.get(&row.id) {
            Some((version, _)) if *version == row.version => self.states.remove(&row.id),
            _ => None,
        };
        let state = match state {
            Some((_, state)) => Some(state),
            None if row.body.is_empty() => Some(self.state_of(&row)?),
            None => None,
        };
        if row.body.is_empty()
            && let Some(state) = &state
        {
            // A row from the cache carries no body: write the state it stands for.
            row.body =
                serde_json::to_string(&**state).map_err(|e| crate::store::Error::Corrupt {
                    table: "instances",
                    message: e.to_string(),
                })?;
        }
        self.states.remove(&row.id);
        row.version += 1;
        if let Some(state) = state {
            self.states.insert(row.id.clone(), (row.version, state));
        }
        self.loaded.remove(&row.id);
        self.writes.put_instance(row);
        Ok(())
    }

    /// Appends an audit record: to the global chain, and to `instance`'s chain when given.
    /// Returns its provisional `seq`: the record's position in this batch, until
    /// [`Batch::seal_audit`] places the batch's records after the global head (history rows
    /// carry the provisional number until then, too).
    pub fn append_audit(
        &mut self,
        instance: Option<&mut InstanceRow>,
        kind: &str,
        element_id: Option<String>,
        actor: Actor,
        data: Json,
    ) -> i64 {
        let seq = i64::try_from(self.writes.audit.len()).unwrap_or(i64::MAX - 1) + 1;
        let (instance_id, instance_seq, instance_prev_hash) = match &instance {
            Some(row) => (
                Some(row.id.clone()),
                Some(row.audit_seq + 1),
                Some(row.audit_hash.clone()),
            ),
            None => (None, None, None),
        };
        if let Some(row) = instance {
            row.audit_seq += 1;
            // The real hash is known once the batch is sealed.
            row.audit_hash = String::new();
        }
        let data_text = crate::audit::canonical::to_string(&data);
        let record = AuditRecord {
            v: ENCODING_VERSION,
            seq,
            at: format_ms(self.now_ms),
            instance_id,
            instance_seq,
            element_id,
            kind: kind.to_owned(),
            actor,
            data,
            prev_hash: String::new(),
            instance_prev_hash,
            hash: String::new(),
        };
        self.writes.audit.push(crate::store::PendingAudit {
            record,
            data: data_text,
        });
        seq
    }

    /// Announces the batch's new work to other nodes (`wake::announce`), then seals the
    /// batch's audit records, right before the flush: takes the global audit head
    /// (on PostgreSQL under the cluster-wide chain lock, held only from here to the commit, so
    /// nodes execute their batches in parallel and serialize just this step), numbers the
    /// records after it, links and hashes both chains in order, and puts the final numbers
    /// and hashes into the history and instance rows.
    pub async fn seal_audit(&mut self) -> Result<()> {
        // Other nodes learn of the work this batch makes ready when it commits (PostgreSQL).
        super::wake::announce(self).await?;
        if self.writes.audit.is_empty() {
            return Ok(());
        }
        self.conn.lock_audit_chain().await?;
        let head: Option<(i64, String)> =
            query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *self.conn)
                .await?;
        let (base, mut prev) = head.unwrap_or((0, GENESIS_HASH.to_owned()));
        let mut instance_heads: HashMap<String, String> = HashMap::new();
        for crate::store::PendingAudit { record, data } in &mut self.writes.audit {
            record.seq += base;
            record.prev_hash = std::mem::take(&mut prev);
            if let Some(id) = &record.instance_id
                && let Some(head) = instance_heads.get(id)
            {
                record.instance_prev_hash = Some(head.clone());
            }
            record.hash = record.compute_hash_with_data(data);
            if let Some(id) = &record.instance_id {
                instance_heads.insert(id.clone(), record.hash.clone());
            }
            prev = record.hash.clone();
        }
        for row in &mut self.writes.history {
            row.audit_seq += base;
        }
        self.writes.set_instance_hashes(&instance_heads);
        Ok(())
    }
}
