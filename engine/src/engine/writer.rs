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

/// The writer task.
pub(crate) async fn run(shared: Arc<Shared>, mut rx: mpsc::Receiver<Command>) {
    let max = shared.config.max_batch.max(1);
    while let Some(first) = rx.recv().await {
        let mut commands = vec![first];
        while commands.len() < max {
            match rx.try_recv() {
                Ok(c) => commands.push(c),
                Err(_) => break,
            }
        }
        process(&shared, commands).await;
    }
}

async fn process(shared: &Shared, commands: Vec<Command>) {
    let size = commands.len();
    metrics::histogram!("keel_batch_size").record(size as f64);
    let mut results: Vec<(oneshot::Sender<Result<Reply>>, Result<Reply>)> =
        Vec::with_capacity(size);
    let outcome = run_batch(shared, commands, &mut results).await;
    match outcome {
        Ok(effects) => {
            // Committed; nobody has been answered yet.
            if let Err(e) = crate::failpoint::hit("writer_after_commit") {
                tracing::warn!(error = %e, "an error failpoint after the commit changes nothing");
            }
            for (def_id, def) in effects.deployed {
                let version = def_id
                    .rsplit(':')
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                shared.defs.set_latest(&def.key, &def_id, version);
                shared.defs.insert(&def_id, def);
            }
            if let Ok(mut cache) = shared.instances.lock() {
                let mut states = effects.states;
                for row in effects.instances {
                    match states.remove(&row.id) {
                        Some((version, state)) if version == row.version => cache.put(row, state),
                        // No parsed state of this exact version: never keep a stale row.
                        _ => cache.remove(&row.id),
                    }
                }
            }
            if let Ok(mut jobs) = shared.jobs.lock() {
                jobs.apply(effects.job_changes);
            }
            for (kind, n) in &effects.triggers {
                metrics::counter!("keel_triggers_total", "kind" => kind.clone()).increment(*n);
            }
            metrics::counter!("keel_jobs_activated_total").increment(effects.jobs_activated);
            if effects.jobs_created {
                shared.jobs_notify.notify_waiters();
            }
            for (reply, result) in results {
                let _ = reply.send(result);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, batch = size, "write batch failed; rolled back");
            let message = e.to_string();
            for (reply, _) in results {
                let _ = reply.send(Err(Error::Store(crate::store::Error::RolledBack(
                    message.clone(),
                ))));
            }
        }
    }
}

/// What survives a committed batch.
struct Committed {
    deployed: Vec<(String, Arc<keel_bpmn::ProcessDefinition>)>,
    jobs_created: bool,
    /// Audit records committed, by kind (one per applied trigger).
    triggers: std::collections::HashMap<String, u64>,
    jobs_activated: u64,
    instances: Vec<crate::store::rows::InstanceRow>,
    states: std::collections::HashMap<String, (i64, Arc<crate::runtime::InstanceState>)>,
    job_changes: super::job_cache::JobChanges,
}

async fn run_batch(
    shared: &Shared,
    commands: Vec<Command>,
    results: &mut Vec<(oneshot::Sender<Result<Reply>>, Result<Reply>)>,
) -> Result<Committed> {
    let t0 = std::time::Instant::now();
    let mut tx = shared.db.begin_write().await?;
    let now = batch_now(shared, &mut tx).await?;
    let committed = {
        let mut batch = Batch::begin(
            &mut tx,
            &shared.defs,
            &shared.instances,
            &shared.jobs,
            now,
            shared.config.step_budget,
        )
        .await?;
        let t1 = std::time::Instant::now();
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
        }
        if let Some(e) = failure {
            return Err(Error::Store(e));
        }
        let t2 = std::time::Instant::now();
        crate::failpoint::hit("writer_before_flush").map_err(crate::store::Error::from)?;
        batch.seal_audit().await?;
        batch.writes.flush(batch.conn).await?;
        let t3 = std::time::Instant::now();
        metrics::histogram!("keel_batch_phase_seconds", "phase" => "begin")
            .record((t1 - t0).as_secs_f64());
        metrics::histogram!("keel_batch_phase_seconds", "phase" => "execute")
            .record((t2 - t1).as_secs_f64());
        metrics::histogram!("keel_batch_phase_seconds", "phase" => "flush")
            .record((t3 - t2).as_secs_f64());
        Committed {
            deployed: std::mem::take(&mut batch.deployed),
            jobs_created: batch.jobs_created,
            triggers: batch.writes.audit.iter().fold(
                std::collections::HashMap::new(),
                |mut m, pending| {
                    *m.entry(pending.record.kind.clone()).or_insert(0) += 1;
                    m
                },
            ),
            jobs_activated: batch.jobs_activated,
            instances: batch.writes.take_instances(),
            states: batch.take_states(),
            job_changes: std::mem::take(&mut batch.job_changes),
        }
    };
    crate::failpoint::hit("writer_before_commit").map_err(crate::store::Error::from)?;
    let t4 = std::time::Instant::now();
    tx.commit().await?;
    metrics::histogram!("keel_batch_phase_seconds", "phase" => "commit")
        .record(t4.elapsed().as_secs_f64());
    Ok(committed)
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
    }
}
