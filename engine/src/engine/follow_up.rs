//! Follow-ups: effects of a step that reach beyond its own instance (a thrown signal or
//! message, after its own instance's waits took it in the step; call activities starting,
//! completing, cancelling their called instances). `Batch::translate` queues
//! them; after each command the writer runs them here, in the same transaction, until none is
//! left, then hands buffered messages to the subscriptions the command and its follow-ups opened
//! and to the message start events that an ended instance held back (`starts::after_ends`).
//! Follow-ups may cause more follow-ups; signals and messages thrown by follow-ups of one command
//! are bounded ([`MAX_THROWN`]) so processes that keep signalling or messaging each other cannot
//! run forever.

use crate::audit::Actor;
use crate::error::Result;
use crate::runtime::Effect;
use crate::store::rows::InstanceRow;

use super::batch::Batch;
use super::{calls, messages, signals, starts};

/// Most signals and messages thrown by the follow-ups of one command; later ones are dropped
/// (logged).
pub(crate) const MAX_THROWN: usize = 1000;

/// One queued effect, with the instance that produced it and who caused the step.
#[derive(Debug, Clone)]
pub(crate) struct FollowUp {
    /// The instance whose step produced the effect.
    pub instance_id: String,
    /// The effect.
    pub effect: Effect,
    /// Who caused that step.
    pub actor: Actor,
}

impl FollowUp {
    /// Queued by `Batch::translate`.
    pub(crate) fn new(row: &InstanceRow, effect: &Effect, actor: &Actor) -> Self {
        FollowUp {
            instance_id: row.id.clone(),
            effect: effect.clone(),
            actor: actor.clone(),
        }
    }
}

/// Runs the queued follow-ups and delivers buffered messages to new subscriptions (from index
/// `subscriptions_before` of the batch's new subscriptions), until both are done.
pub(crate) async fn after_command(
    batch: &mut Batch<'_>,
    subscriptions_before: usize,
) -> Result<()> {
    // Subscriptions from index `checked` on have not yet been offered the buffered messages.
    let mut checked = subscriptions_before;
    batch.buffered_messages = false;
    loop {
        run_queued(batch).await?;
        // A message the follow-ups just buffered may be for a wait the command opened earlier
        // (say, one a buffered message continued into): every wait of the command looks again
        // (those already ended are skipped without a query).
        let from = if std::mem::take(&mut batch.buffered_messages) {
            subscriptions_before
        } else {
            checked
        };
        messages::deliver_buffered(batch, from).await?;
        checked = batch.writes.subscriptions.len();
        // Each start consumes a buffered message: this ends.
        starts::after_ends(batch).await?;
        if batch.follow_ups.is_empty() && batch.ended.is_empty() {
            return Ok(());
        }
    }
}

/// Runs the queued follow-ups (and those they cause) until none is left; a command that answers
/// with a view of what it changed calls this first, so the view includes them.
pub(crate) async fn run_queued(batch: &mut Batch<'_>) -> Result<()> {
    while let Some(follow_up) = batch.follow_ups.pop_front() {
        run(batch, follow_up).await?;
    }
    Ok(())
}

/// Counts one more thrown signal or message; true (and a warning) once one command has thrown
/// more than [`MAX_THROWN`]: processes answering each other forever stop there.
/// The count is the batch's, reset by the writer for each command: it spans every pass of
/// [`after_command`] (a thrown message may be buffered, handed to a wait the same command
/// opened, and so cause the next throw).
fn over_limit(thrown: &mut usize, what: &str, name: &str, instance: &str) -> bool {
    *thrown += 1;
    if *thrown <= MAX_THROWN {
        return false;
    }
    tracing::warn!(
        name,
        instance,
        "{what} dropped: more than {MAX_THROWN} signals and messages thrown by one command"
    );
    true
}

async fn run(batch: &mut Batch<'_>, follow_up: FollowUp) -> Result<()> {
    match follow_up.effect {
        Effect::BroadcastSignal {
            name,
            variables,
            caught_here,
        } => {
            if over_limit(&mut batch.thrown, "signal", &name, &follow_up.instance_id) {
                return Ok(());
            }
            let by = signals::Thrown {
                by: &follow_up.instance_id,
                caught_here,
            };
            signals::deliver(batch, &name, &variables, &follow_up.actor, Some(by)).await?;
        }
        Effect::PublishMessage {
            name,
            correlation_key,
            variables,
            ttl_ms,
            message_id,
            caught_here,
        } => {
            if over_limit(&mut batch.thrown, "message", &name, &follow_up.instance_id) {
                return Ok(());
            }
            let message = messages::Thrown {
                name,
                correlation_key,
                variables,
                ttl_ms,
                message_id,
                caught_here,
            };
            messages::publish(batch, &follow_up.instance_id, message, &follow_up.actor).await?;
        }
        Effect::StartCalled(spec) => {
            calls::start_called(batch, &follow_up.instance_id, spec, &follow_up.actor).await?
        }
        Effect::CompleteCaller {
            instance_id,
            key,
            element_id,
            variables,
        } => {
            let completed = calls::Completed {
                caller: instance_id,
                key,
                element_id,
                called: follow_up.instance_id,
                variables,
            };
            calls::complete_caller(batch, completed, &follow_up.actor).await?
        }
        Effect::CalledIncidents {
            instance_id,
            key,
            element_id,
            open,
        } => {
            let mirror = calls::Mirror {
                caller: instance_id,
                key,
                element_id,
                called: follow_up.instance_id,
                open,
            };
            calls::mirror_incidents(batch, mirror, &follow_up.actor).await?
        }
        Effect::CancelCalled { key } => {
            calls::cancel_called(batch, &follow_up.instance_id, key, &follow_up.actor).await?
        }
        Effect::PropagateError { key, code, message } => {
            let thrown = calls::Thrown {
                called: &follow_up.instance_id,
                key,
                code: &code,
                message: message.as_deref(),
            };
            calls::propagate_error(batch, thrown, &follow_up.actor).await?
        }
        // Handled by `Batch::translate` itself; never queued.
        Effect::CreateJob { .. }
        | Effect::CreateContinuation { .. }
        | Effect::CreateUserTask(_)
        | Effect::ScheduleTimer { .. }
        | Effect::OpenSubscription { .. }
        | Effect::CancelWork { .. }
        | Effect::RaiseIncident { .. }
        | Effect::ResolveIncident { .. } => {}
    }
    Ok(())
}
