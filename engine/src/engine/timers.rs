//! Timers: due timer rows fire in batches; each fires once (its row is deleted in the same
//! transaction as the trigger it caused). A repeating timer (`timeCycle`) is a new row for its
//! next due time, which the runtime schedules while applying the firing (same transaction).
//! Timer start events of processes are rows of `start_timers`, fired by `starts::fire` in the
//! same batch.

use super::Engine;
use super::batch::{ApplyCtx, Batch};
use super::writer::{Op, Reply};
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::runtime::{ElementKey, Trigger};
use crate::store::built;
use crate::store::rows::TimerRow;

impl Engine {
    /// Fires up to `limit` due timers; returns how many fired.
    pub async fn fire_due_timers(&self, limit: usize) -> Result<usize> {
        match self.send(Op::FireTimers(limit)).await? {
            Reply::Count(n) => Ok(n),
            _ => Err(Error::Unavailable),
        }
    }
}

pub(crate) async fn fire(batch: &mut Batch<'_>, limit: usize) -> Result<Reply> {
    // Several nodes may fire at once: each takes the due rows no other node holds.
    let timers: Vec<TimerRow> = built(format!(
        "SELECT * FROM timers WHERE due_at <= $1 ORDER BY due_at, id LIMIT $2{}",
        batch.conn.dialect().skip_locked()
    ))
    .bind(batch.now_ms)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(&mut *batch.conn)
    .await?;
    let mut fired = 0;
    for timer in timers {
        if batch.fired_timers.contains(&timer.id)
            || batch.is_removed(&timer.instance_id, timer.element_key)
        {
            continue;
        }
        batch.fired_timers.insert(timer.id.clone());
        // How late it fires (the poll interval plus any backlog or downtime).
        metrics::histogram!("keel_timer_lag_seconds")
            .record((batch.now_ms - timer.due_at).max(0) as f64 / 1000.0);
        batch.writes.deleted_timers.push(timer.id.clone());
        let Some(instance) = batch.instance(&timer.instance_id).await? else {
            continue;
        };
        if instance.state != "active" {
            continue;
        }
        let mut ctx = ApplyCtx::new(Actor::system());
        ctx.element_id = Some(timer.element_id.clone());
        ctx.data
            .insert("timer_id".into(), serde_json::json!(timer.id));
        let trigger = Trigger::TimerFired {
            key: ElementKey::try_from(timer.element_key).unwrap_or(0),
            element_id: timer.element_id.clone(),
            due_at_ms: timer.due_at,
        };
        match batch.apply(instance, trigger, ctx).await {
            Ok(_) => fired += 1,
            // The element no longer waits for it: drop the stale timer.
            Err(Error::Conflict(e)) => {
                tracing::debug!(timer = %timer.id, error = %e, "stale timer dropped")
            }
            Err(e) => return Err(e),
        }
    }
    // Timer start events of processes (no instance yet) take what is left of the limit.
    fired += super::starts::fire(batch, limit.saturating_sub(fired).max(1)).await?;
    Ok(Reply::Count(fired))
}
