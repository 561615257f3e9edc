//! The single writer: receives commands, applies them in batches inside one `BEGIN IMMEDIATE`
//! transaction, flushes the batch's rows, commits once, then answers every caller.
//!
//! A command that is rejected (404, 409, 422...) changes nothing and the batch goes on; a
//! storage error aborts the whole batch (rollback) and every caller in it gets the error, so an
//! answer is never sent for work that was not committed.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::batch::Batch;
use super::{
    Shared, deploy, follow_up, incidents, instances, jobs, messages, signals, tasks, timers, users,
};
use crate::error::{Error, Result};
use crate::views::{DeploymentView, InstanceView, JobView, TaskView};

/// One request to the writer.
pub(crate) struct Command {
    pub op: Op,
    pub reply: oneshot::Sender<Result<Reply>>,
}

/// What the writer can do.
pub(crate) enum Op {
    Deploy(deploy::DeployOp),
    Start(instances::StartOp),
    Cancel(instances::CancelOp),
    SetVariables(instances::SetVariablesOp),
    Activate(jobs::ActivateOp),
    CompleteJob(jobs::CompleteOp),
    FailJob(jobs::FailOp),
    ThrowError(jobs::ThrowOp),
    Task(tasks::TaskOp),
    Correlate(messages::CorrelateOp),
    BroadcastSignal(signals::BroadcastOp),
    Resolve(incidents::ResolveOp),
    FireTimers(usize),
    AddUser(users::AddUserOp),
    Connector(super::connector_ops::ConnectorOp),
    Continuation(super::continuations::ContinuationOp),
    /// Compare the job cache with the committed rows (a diagnostic).
    CheckJobCache,
    Element(super::elements::ElementOp),
}

/// What the writer answers.
pub(crate) enum Reply {
    Deployment(DeploymentView),
    Instance(Box<InstanceView>),
    Jobs(Vec<JobView>),
    Task(Box<TaskView>),
    Correlated(messages::CorrelateResult),
    Signalled(signals::SignalResult),
    Count(usize),
    User(users::UserView, String),
    Intent(super::connector_ops::IntentReply),
    Empty,
}

/// The writer task. Batches are pipelined: while one batch's rows are flushed and committed
/// (a task of its own), the next batch already executes against the caches, which hold the
/// first batch's work before its commit (docs/decisions/0003). A batch begins its transaction,
/// seals its audit records and answers its callers only after the batch before it committed;
/// when that one is rolled back instead, the caches are cleared and the batch that saw its work
/// fails too. PostgreSQL and a batch that deployed definitions are not overlapped.
pub(crate) async fn run(shared: Arc<Shared>, mut rx: mpsc::Receiver<Command>) {
    let max = shared.config.max_batch.max(1);
    let mut previous: Option<oneshot::Receiver<bool>> = None;
    let mut in_flight: Option<tokio::task::JoinHandle<()>> = None;
    while let Some(first) = rx.recv().await {
        let mut commands = vec![first];
        while commands.len() < max {
            match rx.try_recv() {
                Ok(c) => commands.push(c),
                Err(_) => break,
            }
        }
        let (ended, ended_rx) = oneshot::channel();
        let (task, overlap) = process(&shared, commands, previous.take(), ended).await;
        previous = Some(ended_rx);
        in_flight = task;
        if !overlap && let Some(task) = in_flight.take() {
            let _ = task.await;
        }
        // Let the new commit task hand its first statement to the database before the next
        // batch executes (this thread runs both).
        tokio::task::yield_now().await;
    }
    if let Some(task) = in_flight {
        let _ = task.await;
    }
}

type Answer = (oneshot::Sender<Result<Reply>>, Result<Reply>);

/// Executes one batch; returns the task that flushes and commits it, and whether the next
/// batch may execute before that task ends.
async fn process(
    shared: &Arc<Shared>,
    commands: Vec<Command>,
    after: Option<oneshot::Receiver<bool>>,
    ended: oneshot::Sender<bool>,
) -> (Option<tokio::task::JoinHandle<()>>, bool) {
    let size = commands.len();
    metrics::histogram!("keel_batch_size").record(size as f64);
    let mut results: Vec<Answer> = Vec::with_capacity(size);
    let mut tx = match shared.db.begin_write_after(after).await {
        Ok(tx) => tx,
        Err(e) => {
            let _ = ended.send(true);
            // Nothing ran: every caller is answered with the cause, not a dropped channel.
            results.extend(
                commands
                    .into_iter()
                    .map(|c| (c.reply, Err(Error::Unavailable))),
            );
            fail(&mut results, size, Error::Store(e));
            return (None, true);
        }
    };
    match prepare(shared, &mut tx, commands, &mut results).await {
        Ok(prepared) => {
            let overlap =
                tx.dialect() == crate::store::Dialect::Sqlite && prepared.deployed.is_empty();
            let task = tokio::spawn(commit(shared.clone(), tx, prepared, results, ended));
            (Some(task), overlap)
        }
        Err(e) => {
            // Nothing of this batch reached the caches; once the batch before has ended (a
            // failed one clears the caches first) they hold committed work only.
            tx.settle_previous().await;
            let _ = ended.send(true);
            fail(&mut results, size, e);
            (None, true)
        }
    }
}

/// Answers every caller of a batch that was rolled back.
fn fail(results: &mut Vec<Answer>, size: usize, e: Error) {
    tracing::error!(error = %e, batch = size, "write batch failed; rolled back");
    let message = e.to_string();
    for (reply, _) in results.drain(..) {
        let _ = reply.send(Err(Error::Store(crate::store::Error::RolledBack(
            message.clone(),
        ))));
    }
}

/// A batch executed and sealed, waiting for its flush and commit.
struct Prepared {
    writes: crate::store::WriteSet,
    deployed: Vec<(String, Arc<keel_bpmn::ProcessDefinition>)>,
    jobs_created: bool,
    /// Audit records to commit, by kind (one per applied trigger).
    triggers: std::collections::HashMap<String, u64>,
    jobs_activated: u64,
}

/// Flushes and commits a prepared batch, then answers its callers; on failure clears the
/// caches (the next batch may have seen this one's work there) and tells the next batch.
async fn commit(
    shared: Arc<Shared>,
    mut tx: crate::store::WriteTx,
    prepared: Prepared,
    mut results: Vec<Answer>,
    ended: oneshot::Sender<bool>,
) {
    let size = results.len();
    let outcome: Result<()> = async {
        crate::failpoint::hit("writer_before_flush").map_err(crate::store::Error::from)?;
        let t0 = std::time::Instant::now();
        prepared.writes.flush(&mut tx).await?;
        crate::failpoint::hit("writer_before_commit").map_err(crate::store::Error::from)?;
        let t1 = std::time::Instant::now();
        tx.commit().await?;
        metrics::histogram!("keel_batch_phase_seconds", "phase" => "flush")
            .record((t1 - t0).as_secs_f64());
        metrics::histogram!("keel_batch_phase_seconds", "phase" => "commit")
            .record(t1.elapsed().as_secs_f64());
        Ok(())
    }
    .await;
    if let Err(e) = outcome {
        if let Ok(mut cache) = shared.instances.lock() {
            cache.clear();
        }
        if let Ok(mut jobs) = shared.jobs.lock() {
            jobs.clear();
        }
        let _ = ended.send(false);
        fail(&mut results, size, e);
        return;
    }
    for (def_id, def) in prepared.deployed {
        let version = def_id
            .rsplit(':')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        shared.defs.set_latest(&def.key, &def_id, version);
        shared.defs.insert(&def_id, def);
    }
    let _ = ended.send(true);
    // Committed; nobody has been answered yet.
    if let Err(e) = crate::failpoint::hit("writer_after_commit") {
        tracing::warn!(error = %e, "an error failpoint after the commit changes nothing");
    }
    for (kind, n) in &prepared.triggers {
        metrics::counter!("keel_triggers_total", "kind" => kind.clone()).increment(*n);
    }
    metrics::counter!("keel_jobs_activated_total").increment(prepared.jobs_activated);
    if prepared.jobs_created {
        shared.jobs_notify.notify_waiters();
    }
    for (reply, result) in results {
        let _ = reply.send(result);
    }
}

/// True for commands that usually need no read (starting an instance of a cached definition;
/// on SQLite, activating jobs and completing, failing or throwing from a job, all served by the
/// job cache, on cached instances): a batch runs them first, so they execute while the batch
/// before still commits. The others (firing timers, correlating messages...) read rows, and so
/// wait for that commit.
fn runs_from_cache(op: &Op) -> bool {
    matches!(
        op,
        Op::Start(_) | Op::Activate(_) | Op::CompleteJob(_) | Op::FailJob(_) | Op::ThrowError(_)
    )
}

/// Executes the commands of one batch, waits for the batch before it, seals the audit records
/// and hands the batch's work to the caches.
async fn prepare(
    shared: &Shared,
    tx: &mut crate::store::WriteTx,
    mut commands: Vec<Command>,
    results: &mut Vec<Answer>,
) -> Result<Prepared> {
    let t0 = std::time::Instant::now();
    let now = batch_now(shared, tx).await?;
    let mut batch = Batch::begin(
        tx,
        &shared.defs,
        &shared.instances,
        &shared.jobs,
        now,
        shared.config.step_budget,
    )
    .await?;
    // Commands in one batch come from different callers: their order is free.
    commands.sort_by_key(|c| !runs_from_cache(&c.op));
    let job_ids: Vec<String> = commands
        .iter()
        .filter_map(|c| match &c.op {
            Op::CompleteJob(op) => Some(op.job_id.clone()),
            Op::FailJob(op) => Some(op.job_id.clone()),
            Op::ThrowError(op) => Some(op.job_id.clone()),
            _ => None,
        })
        .collect();
    if !job_ids.is_empty() {
        batch.prefetch_jobs(&job_ids).await?;
    }
    let mut failure = None;
    for command in commands {
        if failure.is_some() {
            results.push((command.reply, Err(Error::Unavailable)));
            continue;
        }
        let subscriptions_before = batch.writes.subscriptions.len();
        batch.thrown = 0;
        let mut result = execute(&mut batch, command.op).await;
        if !matches!(result, Err(Error::Store(_)))
            && let Err(e) = follow_up::after_command(&mut batch, subscriptions_before).await
        {
            result = Err(e);
        }
        match result {
            Err(Error::Store(e)) => {
                failure = Some(e);
                results.push((command.reply, Err(Error::Unavailable)));
            }
            other => results.push((command.reply, other)),
        }
        // Lets the batch before make progress with its flush (same thread).
        tokio::task::yield_now().await;
    }
    if let Some(e) = failure {
        return Err(Error::Store(e));
    }
    let t1 = std::time::Instant::now();
    batch.conn.ready().await?;
    let t2 = std::time::Instant::now();
    batch.seal_audit().await?;
    metrics::histogram!("keel_batch_phase_seconds", "phase" => "execute")
        .record((t1 - t0).as_secs_f64());
    metrics::histogram!("keel_batch_phase_seconds", "phase" => "wait")
        .record((t2 - t1).as_secs_f64());
    // Nothing fails from here on: the caches take this batch's work before its commit.
    let states = batch.take_states();
    if let Ok(mut cache) = shared.instances.lock() {
        for row in batch.writes.instance_rows() {
            match states.get(&row.id) {
                Some((version, state)) if *version == row.version => {
                    cache.put(row.without_body(), state.clone())
                }
                // No parsed state of this exact version: never keep a stale row.
                _ => cache.remove(&row.id),
            }
        }
    }
    // Only the cache holds the states now, so the next batch can take them without a copy.
    drop(states);
    if let Ok(mut jobs) = shared.jobs.lock() {
        jobs.apply(
            std::mem::take(&mut batch.job_changes),
            &batch.writes.jobs,
            &batch.writes.continuations,
        );
    }
    Ok(Prepared {
        triggers: batch.writes.audit.iter().fold(
            std::collections::HashMap::new(),
            |mut m, pending| {
                *m.entry(pending.record.kind.clone()).or_insert(0) += 1;
                m
            },
        ),
        deployed: std::mem::take(&mut batch.deployed),
        jobs_created: batch.jobs_created,
        jobs_activated: batch.jobs_activated,
        writes: std::mem::take(&mut batch.writes),
    })
}

/// The one clock reading a batch runs on (lock expiries, due timers, audit times). On
/// PostgreSQL with the wall clock it is the database's, so the nodes of a cluster agree whatever
/// their own clocks say; a manual clock (tests) is used as it is.
async fn batch_now(shared: &Shared, tx: &mut crate::store::WriteTx) -> Result<jiff::Timestamp> {
    let clock = &shared.config.clock;
    if tx.dialect() != crate::store::Dialect::Postgres || !clock.is_wall_clock() {
        return Ok(clock.now());
    }
    let ms: i64 = crate::store::query(
        "SELECT CAST(FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000) AS BIGINT)",
    )
    .scalar(&mut *tx)
    .await?;
    Ok(jiff::Timestamp::from_millisecond(ms).unwrap_or_else(|_| clock.now()))
}

async fn execute(batch: &mut Batch<'_>, op: Op) -> Result<Reply> {
    match op {
        Op::Deploy(op) => deploy::execute(batch, op).await,
        Op::Start(op) => instances::start(batch, op).await,
        Op::Cancel(op) => instances::cancel(batch, op).await,
        Op::SetVariables(op) => instances::set_variables(batch, op).await,
        Op::Activate(op) => jobs::activate(batch, op).await,
        Op::CompleteJob(op) => jobs::complete(batch, op).await,
        Op::FailJob(op) => jobs::fail(batch, op).await,
        Op::ThrowError(op) => jobs::throw_error(batch, op).await,
        Op::Task(op) => tasks::execute(batch, op).await,
        Op::Correlate(op) => messages::correlate(batch, op).await,
        Op::BroadcastSignal(op) => signals::broadcast(batch, op).await,
        Op::Resolve(op) => incidents::resolve(batch, op).await,
        Op::FireTimers(limit) => timers::fire(batch, limit).await,
        Op::AddUser(op) => users::add(batch, op).await,
        Op::Connector(op) => super::connector_ops::execute(batch, op).await,
        Op::Continuation(op) => super::continuations::execute(batch, op).await,
        Op::CheckJobCache => match batch.check_job_cache().await? {
            None => Ok(Reply::Empty),
            // Not a storage error: the batch (and the cache) go on as they are.
            Some(problem) => Err(Error::Invalid {
                code: "job_cache_mismatch",
                message: format!("the writer's job cache differs from the jobs table: {problem}"),
            }),
        },
        Op::Element(op) => super::elements::execute(batch, op).await,
    }
}
