//! PostgreSQL wake-ups between nodes (docs/decisions/0012): a write batch that makes work ready
//! queues one `pg_notify` on [`WAKE_CHANNEL`] inside its transaction (delivered to every
//! listener at the commit, never for a rollback), and every node listens on a dedicated
//! connection ([`Db::listener`]). SQLite has no such thing: one process is the only node, and
//! its writer wakes its own waiters.

use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};

use super::{Backend, Db, Result, WriteTx};

/// The channel every node listens on.
pub const WAKE_CHANNEL: &str = "keel_wake";

/// A node's subscription to [`WAKE_CHANNEL`] (PostgreSQL only).
#[derive(Debug)]
pub struct WakeListener(PgListener);

/// What [`WakeListener::next`] got.
#[derive(Debug)]
pub enum Heard {
    /// A notification with this payload.
    Note(String),
    /// The connection was lost and is being re-established: notifications sent meanwhile are
    /// gone, so the caller should re-check everything once.
    Reconnected,
}

impl WakeListener {
    /// Waits for the next notification. An error means the server is unreachable (e.g.
    /// restarting): call again after a pause; the listener reconnects and listens again by
    /// itself. `Ok(None)`: the database was closed (the engine is shutting down).
    pub async fn next(&mut self) -> Result<Option<Heard>> {
        match self.0.try_recv().await {
            Ok(Some(n)) => Ok(Some(Heard::Note(n.payload().to_owned()))),
            Ok(None) => Ok(Some(Heard::Reconnected)),
            Err(sqlx::Error::PoolClosed) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// The pool of the listening connection: one connection, opened on demand, never recycled
/// (a `LISTEN` lives as long as its connection).
pub(super) fn listen_pool(options: sqlx::postgres::PgConnectOptions) -> PgPool {
    PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_lazy_with(options)
}

impl Db {
    /// A listener on [`WAKE_CHANNEL`] over its own connection; `None` on SQLite.
    pub async fn listener(&self) -> Result<Option<WakeListener>> {
        let Backend::Postgres { listen, .. } = &self.backend else {
            return Ok(None);
        };
        let mut listener = PgListener::connect_with(listen).await?;
        listener.listen(WAKE_CHANNEL).await?;
        Ok(Some(WakeListener(listener)))
    }
}

impl WriteTx {
    /// Queues a notification on [`WAKE_CHANNEL`], sent to every listening node when this
    /// transaction commits (PostgreSQL; nothing on SQLite). Identical payloads queued twice in
    /// one transaction are delivered once.
    pub async fn notify(&mut self, payload: &str) -> Result<()> {
        if let WriteTx::Postgres(tx) = self {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(WAKE_CHANNEL)
                .bind(payload)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }
}
