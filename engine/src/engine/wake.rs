//! Wake-ups across the nodes of a PostgreSQL cluster (docs/decisions/0012).
//!
//! Idle nodes poll (long-polling workers, the connector executor, the timer loop), which alone
//! makes work created on one node wait up to a poll interval on another. So a batch that makes
//! jobs ready or schedules a timer due soon queues ONE `pg_notify` in its own transaction
//! ([`announce`], right before the flush: delivered at the commit, never for a rollback), and
//! every node listens on a dedicated connection ([`listen`]): a note about jobs wakes its
//! long-polling workers and its executor (`Shared::jobs_notify`), a note about a timer records
//! its due time so the timer loop wakes right then ([`TimerWake`]). A lost connection (e.g.
//! PostgreSQL restarting) is re-established by the listener, and everything is woken once,
//! since notes sent meanwhile are lost. The polls stay as the fallback; SQLite (one node) has
//! only them and its writer's own wake-up of local waiters.

use std::collections::BTreeSet;
use std::sync::{Mutex, Weak};
use std::time::Duration;

use tokio::sync::Notify;

use super::Shared;
use super::batch::Batch;
use crate::error::Result;
use crate::store::Heard;

/// Timers due within this long of their batch are announced; later ones are left to the
/// polls (a poll runs long before they are due).
const TIMER_HORIZON_MS: i64 = 60_000;

/// Most timer due times remembered per node; past this the earliest ones are kept.
const MAX_TIMER_HINTS: usize = 1024;

/// Pause before listening again after the connection failed.
const RETRY: Duration = Duration::from_millis(500);

/// What one note says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Note {
    /// Jobs became ready.
    jobs: bool,
    /// The earliest new timer is due then (epoch ms).
    timer_due: Option<i64>,
}

impl Note {
    /// `jobs`, `timer:<ms>`, or both separated by a space.
    fn encode(self) -> Option<String> {
        match (self.jobs, self.timer_due) {
            (false, None) => None,
            (true, None) => Some("jobs".into()),
            (false, Some(due)) => Some(format!("timer:{due}")),
            (true, Some(due)) => Some(format!("jobs timer:{due}")),
        }
    }

    /// Reads a payload; unknown words are ignored (a newer node may say more).
    fn decode(payload: &str) -> Note {
        let mut note = Note::default();
        for word in payload.split_whitespace() {
            if word == "jobs" {
                note.jobs = true;
            } else if let Some(due) = word.strip_prefix("timer:").and_then(|d| d.parse().ok()) {
                note.timer_due = Some(due);
            }
        }
        note
    }
}

/// The timer loop's wake-up: due times heard from other nodes (and from this one's own
/// commits, which PostgreSQL echoes to it), and a [`Notify`] that cuts its sleep short.
#[derive(Debug, Default)]
pub(crate) struct TimerWake {
    due: Mutex<BTreeSet<i64>>,
    notify: Notify,
}

impl TimerWake {
    /// Remembers that a timer is due at `due_ms` and wakes the loop to re-plan its sleep.
    fn hint(&self, due_ms: i64) {
        if let Ok(mut due) = self.due.lock() {
            due.insert(due_ms);
            while due.len() > MAX_TIMER_HINTS {
                due.pop_last();
            }
        }
        self.notify.notify_waiters();
    }

    /// Wakes the loop to look for due timers now.
    fn poke(&self) {
        self.notify.notify_waiters();
    }

    /// How long the timer loop may sleep at `now_ms`: `poll`, or less when a timer is known to
    /// be due sooner. Forgets due times that have passed (the loop is about to look).
    pub fn sleep_for(&self, now_ms: i64, poll: Duration) -> Duration {
        let Ok(mut due) = self.due.lock() else {
            return poll;
        };
        while due.first().is_some_and(|d| *d <= now_ms) {
            due.pop_first();
        }
        match due.first() {
            Some(next) => poll.min(Duration::from_millis(
                u64::try_from(next - now_ms).unwrap_or(0),
            )),
            None => poll,
        }
    }

    /// A future that completes at the next [`TimerWake::hint`] or [`TimerWake::poke`].
    pub fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.notify.notified()
    }
}

/// Queues the batch's note (at most one per transaction), right before its flush: jobs made
/// ready, and the earliest timer it scheduled if due within [`TIMER_HORIZON_MS`]. Nothing on
/// SQLite.
pub(super) async fn announce(batch: &mut Batch<'_>) -> Result<()> {
    if batch.conn.dialect() != crate::store::Dialect::Postgres {
        return Ok(());
    }
    let horizon = batch.now_ms.saturating_add(TIMER_HORIZON_MS);
    let note = Note {
        jobs: batch.jobs_created,
        timer_due: batch
            .writes
            .timers
            .iter()
            .map(|t| t.due_at)
            .filter(|due| *due <= horizon)
            .min(),
    };
    if let Some(payload) = note.encode() {
        batch.conn.notify(&payload).await?;
    }
    Ok(())
}

/// Listens for other nodes' notes until the engine is dropped or its database closed (runs
/// only on PostgreSQL).
pub(super) async fn listen(shared: Weak<Shared>) {
    let mut listener = None;
    // At start the loops look for work by themselves; after a reconnect they are woken.
    let mut first = true;
    loop {
        let Some(strong) = shared.upgrade() else {
            return;
        };
        if listener.is_none() {
            match strong.db.listener().await {
                Ok(Some(l)) => {
                    listener = Some(l);
                    if !first {
                        // Anything announced while not listening is lost: look once.
                        wake_all(&strong);
                    }
                    first = false;
                }
                Ok(None) => return,
                Err(e) => {
                    tracing::debug!(error = %e, "cannot listen for wake-ups yet");
                    drop(strong);
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
            }
        }
        drop(strong);
        let Some(l) = listener.as_mut() else {
            continue;
        };
        let heard = l.next().await;
        let Some(strong) = shared.upgrade() else {
            return;
        };
        match heard {
            Ok(Some(Heard::Note(payload))) => {
                let note = Note::decode(&payload);
                if note.jobs {
                    strong.jobs_notify.notify_waiters();
                }
                if let Some(due) = note.timer_due {
                    strong.timers.hint(due);
                }
            }
            Ok(Some(Heard::Reconnected)) => wake_all(&strong),
            Ok(None) => return,
            Err(e) => {
                tracing::debug!(error = %e, "listening for wake-ups failed; retrying");
                wake_all(&strong);
                drop(strong);
                tokio::time::sleep(RETRY).await;
            }
        }
    }
}

fn wake_all(shared: &Shared) {
    shared.jobs_notify.notify_waiters();
    shared.timers.poke();
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Note, TimerWake};

    #[test]
    fn notes_round_trip_and_ignore_unknown_words() {
        for note in [
            Note {
                jobs: true,
                timer_due: None,
            },
            Note {
                jobs: false,
                timer_due: Some(1_700_000_000_123),
            },
            Note {
                jobs: true,
                timer_due: Some(5),
            },
        ] {
            let payload = note.encode().unwrap_or_default();
            assert_eq!(Note::decode(&payload), note, "{payload}");
        }
        assert_eq!(Note::default().encode(), None);
        assert_eq!(
            Note::decode("later-thing jobs timer:x"),
            Note {
                jobs: true,
                timer_due: None
            }
        );
    }

    #[test]
    fn the_timer_loop_sleeps_until_the_earliest_known_due_time() {
        let wake = TimerWake::default();
        let poll = Duration::from_secs(60);
        assert_eq!(wake.sleep_for(1000, poll), poll);
        wake.hint(1500);
        wake.hint(1200);
        assert_eq!(wake.sleep_for(1000, poll), Duration::from_millis(200));
        // Passed due times are forgotten once the loop looked.
        assert_eq!(wake.sleep_for(1300, poll), Duration::from_millis(200));
        assert_eq!(wake.sleep_for(1500, poll), poll);
        wake.hint(900_000);
        assert_eq!(wake.sleep_for(1000, poll), poll, "the poll comes first");
    }
}
