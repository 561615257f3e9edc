//! Persistence: one schema and one SQL path on SQLite (embedded, one node) and PostgreSQL
//! (several nodes sharing one database).
//!
//! Writes happen only inside the engine's writer (`crate::engine::writer`): one transaction
//! per batch of triggers ([`Db::begin_write`]), every row the batch produces flushed through
//! [`WriteSet`] with a handful of multi-row statements before the single commit. Reads for the
//! API use a separate pool. All SQL goes through [`sql`]: written once with `$N` placeholders,
//! run on the native driver of the backend; the few real differences live in [`Dialect`].
//! Business rules never live in SQL; every value is bound (no string interpolation of input).

mod lock;
mod notify;
pub mod rows;
pub mod scratch;
pub mod sql;
mod writeset;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Postgres, Sqlite, Transaction};

pub use lock::FileLock;
pub use notify::{Heard, WAKE_CHANNEL, WakeListener};
pub use sql::{Target, built, query};
pub(crate) use writeset::statement_chunks;
pub use writeset::{JobLock, PendingAudit, WriteSet};

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database URL is not one Keel can open.
    #[error(
        "unsupported database url '{0}': use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE"
    )]
    UnsupportedUrl(String),
    /// The database reported an error.
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored row could not be decoded.
    #[error("corrupt row in {table}: {message}")]
    Corrupt {
        /// Table.
        table: &'static str,
        /// What was wrong.
        message: String,
    },
    /// Another process holds the database.
    #[error("{0}")]
    Locked(String),
    /// A write batch was rolled back (every command in it failed with this cause).
    #[error("the write was rolled back: {0}")]
    RolledBack(String),
    /// No fresh test database could be made (`store::scratch`).
    #[error(
        "cannot create a test database on {url}: {message} (set KEEL_TEST_PG_URL, or KEEL_TEST_DB=sqlite)"
    )]
    Scratch {
        /// The administrative URL tried, without password.
        url: String,
        /// What the server said.
        message: String,
    },
    /// A failpoint injected a storage failure (test builds only).
    #[error("{0}")]
    Injected(#[from] crate::failpoint::Injected),
    /// The engine could not start one of its threads.
    #[error("cannot start the {0} thread: {1}")]
    Thread(&'static str, String),
}

/// Result with a store [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The SQL differences between the two backends, in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite 3.35+.
    Sqlite,
    /// PostgreSQL 13+.
    Postgres,
}

impl Dialect {
    /// Row lock for a read that the transaction will update (`FOR UPDATE` on PostgreSQL;
    /// SQLite's `BEGIN IMMEDIATE` already excludes every other writer).
    pub fn for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// Row lock for acquiring work several nodes race for.
    pub fn skip_locked(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// The rows of a JSON array of strings bound as parameter `$n`, as a one-column set
    /// named `value`.
    pub fn json_strings(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("SELECT value FROM json_each(${n})"),
            Dialect::Postgres => {
                format!("SELECT value FROM json_array_elements_text(CAST(${n} AS json)) AS value")
            }
        }
    }
}

/// The opened database.
#[derive(Clone, Debug)]
pub struct Db {
    backend: Backend,
    /// Where it is, for messages (a file path, or the PostgreSQL URL without password).
    pub path: String,
}

#[derive(Clone, Debug)]
enum Backend {
    Sqlite {
        /// The single connection every write goes through.
        write: SqlitePool,
        /// Connections for queries.
        read: SqlitePool,
        /// One connection for WAL checkpoints, so they never run inside the writer's commits.
        maintenance: SqlitePool,
    },
    Postgres {
        /// The writer's connections (one per writer task).
        write: PgPool,
        /// Connections for queries.
        read: PgPool,
        /// The one connection that listens for other nodes' wake-ups (`notify`).
        listen: PgPool,
    },
}

/// Durability settings for SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=FULL`: an acknowledged commit survives power loss (default).
    Full,
    /// `synchronous=NORMAL`: faster, may lose the last commits on power loss.
    Normal,
}

/// The advisory lock every PostgreSQL write batch takes right before its flush and holds to
/// its commit: it keeps the global audit chain in one order across nodes. Arbitrary, fixed
/// forever ("keel" in ASCII).
const PG_CHAIN_LOCK: i64 = 0x6b65_656c;
/// The advisory lock nodes take while migrating the schema.
const PG_MIGRATE_LOCK: i64 = PG_CHAIN_LOCK + 1;

/// The transaction of one write batch.
pub enum WriteTx {
    /// `BEGIN IMMEDIATE` on the SQLite writer connection.
    Sqlite(Transaction<'static, Sqlite>),
    /// A PostgreSQL transaction holding the batch lock.
    Postgres(Transaction<'static, Postgres>),
    /// A SQLite batch that has not begun: it begins at its first statement, once the batch
    /// before it has committed ([`Db::begin_write_after`]).
    Deferred(Deferred),
}

/// A SQLite write transaction waiting for the batch before it.
pub struct Deferred {
    pool: SqlitePool,
    /// Answers once the batch before has ended: `true` when this batch may rely on what it
    /// saw of that batch's (then uncommitted) work.
    after: Option<tokio::sync::oneshot::Receiver<bool>>,
    /// The batch before failed after this one had seen its work: every statement fails.
    poisoned: bool,
}

impl WriteTx {
    /// The backend's dialect.
    pub fn dialect(&self) -> Dialect {
        match self {
            WriteTx::Sqlite(_) | WriteTx::Deferred(_) => Dialect::Sqlite,
            WriteTx::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Begins a deferred transaction: waits until the batch before it has ended, then `BEGIN
    /// IMMEDIATE`. Fails, now and at every later statement, when the batch before was rolled
    /// back after this one had seen its work. Nothing to do for a transaction already begun.
    pub async fn ready(&mut self) -> Result<()> {
        let WriteTx::Deferred(deferred) = self else {
            return Ok(());
        };
        if let Some(after) = deferred.after.take() {
            let t0 = std::time::Instant::now();
            // A dropped sender means the batch before never ended cleanly: trust nothing.
            deferred.poisoned = !after.await.unwrap_or(false);
            metrics::histogram!("keel_batch_phase_seconds", "phase" => "wait_previous")
                .record(t0.elapsed().as_secs_f64());
        }
        if deferred.poisoned {
            return Err(Error::RolledBack(
                "the batch before this one was rolled back".into(),
            ));
        }
        let tx = deferred.pool.begin_with("BEGIN IMMEDIATE").await?;
        *self = WriteTx::Sqlite(tx);
        Ok(())
    }

    /// Waits until the batch before this deferred one has ended, whatever its outcome (a
    /// batch that failed before it began uses this to pass the order on).
    pub async fn settle_previous(&mut self) {
        if let WriteTx::Deferred(deferred) = self
            && let Some(after) = deferred.after.take()
        {
            deferred.poisoned = !after.await.unwrap_or(false);
        }
    }

    /// Takes the lock that orders the global audit chain. SQLite: nothing to do, `BEGIN
    /// IMMEDIATE` already excludes other writers. PostgreSQL: a transaction-scoped advisory
    /// lock, released by the commit or rollback.
    pub async fn lock_audit_chain(&mut self) -> Result<()> {
        self.ready().await?;
        if let WriteTx::Postgres(tx) = self {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(PG_CHAIN_LOCK)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Commits.
    pub async fn commit(mut self) -> Result<()> {
        self.ready().await?;
        match self {
            WriteTx::Sqlite(tx) => tx.commit().await?,
            WriteTx::Postgres(tx) => tx.commit().await?,
            WriteTx::Deferred(_) => {
                return Err(Error::RolledBack("the transaction never began".into()));
            }
        }
        Ok(())
    }
}

impl<'e> From<&'e mut WriteTx> for Target<'e> {
    fn from(tx: &'e mut WriteTx) -> Self {
        match tx {
            WriteTx::Sqlite(_) | WriteTx::Postgres(_) => Target::Begun(tx),
            WriteTx::Deferred(_) => Target::Deferred(tx),
        }
    }
}

/// The read side of a [`Db`].
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a>(&'a Backend);

impl Reader<'_> {
    /// The backend's dialect.
    pub fn dialect(&self) -> Dialect {
        match self.0 {
            Backend::Sqlite { .. } => Dialect::Sqlite,
            Backend::Postgres { .. } => Dialect::Postgres,
        }
    }
}

impl<'e> From<Reader<'e>> for Target<'e> {
    fn from(r: Reader<'e>) -> Self {
        match r.0 {
            Backend::Sqlite { read, .. } => Target::SqlitePool(read),
            Backend::Postgres { read, .. } => Target::PgPool(read),
        }
    }
}

impl<'e> From<&Reader<'e>> for Target<'e> {
    fn from(r: &Reader<'e>) -> Self {
        (*r).into()
    }
}

impl Db {
    /// Opens (creating if missing) the database at `url` and applies migrations.
    /// `sqlite://PATH` or `postgres://...` (`postgresql://` too).
    pub async fn open(url: &str, durability: Durability) -> Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Db::open_postgres(url).await;
        }
        let path = sqlite_path(url)?;
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match durability {
                Durability::Full => SqliteSynchronous::Full,
                Durability::Normal => SqliteSynchronous::Normal,
            })
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(false)
            .statement_cache_capacity(512)
            .pragma("cache_size", "-16000")
            .pragma("temp_store", "memory");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(60))
            // An in-process file needs no liveness ping before each batch's transaction (it
            // would cost a round trip to the connection's thread per batch).
            .test_before_acquire(false)
            // Checkpoints run from `checkpoint()` instead of inside the writer's commits.
            .connect_with(options.clone().pragma("wal_autocheckpoint", "0"))
            .await?;
        let maintenance = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("../migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.read_only(true))
            .await?;
        Ok(Db {
            backend: Backend::Sqlite {
                write,
                read,
                maintenance,
            },
            path,
        })
    }

    async fn open_postgres(url: &str) -> Result<Db> {
        let options = PgConnectOptions::from_str(url)?.statement_cache_capacity(512);
        let write = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(options.clone())
            .await?;
        // Several nodes may start at once: one migrates, the others wait on the same lock.
        let mut conn = write.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(PG_MIGRATE_LOCK)
            .execute(&mut *conn)
            .await?;
        let migrated = sqlx::migrate!("../migrations/postgres")
            .run(&mut *conn)
            .await;
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(PG_MIGRATE_LOCK)
            .execute(&mut *conn)
            .await?;
        migrated?;
        drop(conn);
        let listen = notify::listen_pool(options.clone());
        let read = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        Ok(Db {
            backend: Backend::Postgres {
                write,
                read,
                listen,
            },
            path: redact_url(url),
        })
    }

    /// The backend's dialect.
    pub fn dialect(&self) -> Dialect {
        match self.backend {
            Backend::Sqlite { .. } => Dialect::Sqlite,
            Backend::Postgres { .. } => Dialect::Postgres,
        }
    }

    /// Where reads run.
    pub fn read(&self) -> Reader<'_> {
        Reader(&self.backend)
    }

    /// Starts a write batch: `BEGIN IMMEDIATE` on SQLite (one writer at a time); on
    /// PostgreSQL a plain transaction, where instance rows are locked as the batch reads them
    /// and the audit chain only at the end ([`WriteTx::lock_audit_chain`]).
    pub async fn begin_write(&self) -> Result<WriteTx> {
        match &self.backend {
            Backend::Sqlite { write, .. } => {
                Ok(WriteTx::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?))
            }
            Backend::Postgres { write, .. } => Ok(WriteTx::Postgres(write.begin().await?)),
        }
    }

    /// A write batch that may run while the batch before it still flushes and commits
    /// (docs/decisions/0003). SQLite: a deferred transaction that begins at its first
    /// statement, once `after` says the batch before has ended ([`WriteTx::ready`]).
    /// PostgreSQL: waits for the batch before, then begins at once.
    pub async fn begin_write_after(
        &self,
        after: Option<tokio::sync::oneshot::Receiver<bool>>,
    ) -> Result<WriteTx> {
        match &self.backend {
            Backend::Sqlite { write, .. } => Ok(WriteTx::Deferred(Deferred {
                pool: write.clone(),
                after,
                poisoned: false,
            })),
            Backend::Postgres { .. } => {
                if let Some(after) = after
                    && !after.await.unwrap_or(false)
                {
                    return Err(Error::RolledBack(
                        "the batch before this one was rolled back".into(),
                    ));
                }
                self.begin_write().await
            }
        }
    }

    /// SQLite: copies committed WAL frames into the database file without blocking the writer
    /// (`PASSIVE`); when the WAL has grown large, waits for readers and truncates it.
    /// PostgreSQL: nothing (the server checkpoints itself).
    pub async fn checkpoint(&self) -> Result<()> {
        let Backend::Sqlite { maintenance, .. } = &self.backend else {
            return Ok(());
        };
        let (_, log, done): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(maintenance)
            .await?;
        if log >= 100_000 && log == done {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(maintenance)
                .await?;
        }
        Ok(())
    }

    /// Closes every pool.
    pub async fn close(&self) {
        let _ = self.checkpoint().await;
        match &self.backend {
            Backend::Sqlite {
                write,
                read,
                maintenance,
            } => {
                maintenance.close().await;
                read.close().await;
                write.close().await;
            }
            Backend::Postgres {
                write,
                read,
                listen,
            } => {
                listen.close().await;
                read.close().await;
                write.close().await;
            }
        }
    }
}

/// The file path inside a `sqlite://PATH` or `sqlite:PATH` URL.
pub fn sqlite_path(url: &str) -> Result<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| Error::UnsupportedUrl(redact_url(url)))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        return Err(Error::UnsupportedUrl(redact_url(url)));
    }
    Ok(path.to_owned())
}

/// True for a `sqlite:` URL (one server per file, guarded by a [`FileLock`]).
pub fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// A PostgreSQL URL without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{is_sqlite, redact_url, sqlite_path};

    #[test]
    fn urls_lose_their_password_in_messages() {
        assert_eq!(
            redact_url("postgres://keel:s3cret@db:5432/keel"),
            "postgres://keel@db:5432/keel"
        );
        assert_eq!(redact_url("postgres://db/keel"), "postgres://db/keel");
        let err = sqlite_path("mysql://root:hunter2@db/x")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
        assert!(err.contains("mysql://root@db/x"), "{err}");
    }

    #[test]
    fn sqlite_urls_are_told_apart() {
        assert!(is_sqlite("sqlite://keel.db"));
        assert!(!is_sqlite("postgres://db/keel"));
        assert_eq!(
            sqlite_path("sqlite://dir/keel.db?mode=rwc").ok().as_deref(),
            Some("dir/keel.db")
        );
        assert!(sqlite_path("sqlite://:memory:").is_err());
    }
}
