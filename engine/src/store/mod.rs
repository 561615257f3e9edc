//! Persistence: the SQLite adapter (PostgreSQL follows on the same SQL and conformance tests).
//!
//! Writes happen only inside the engine's writer (`crate::engine::writer`), one `BEGIN
//! IMMEDIATE` transaction per batch of triggers, through [`WriteSet`]: every row a batch
//! produces is flushed with a handful of multi-row statements before the single commit. Reads
//! for the API use a separate pool (WAL lets them run beside the writer). Business rules never
//! live in SQL; every query binds its parameters (no string interpolation of input).

mod lock;
pub mod reads;
pub mod rows;
mod writeset;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use lock::FileLock;
pub use writeset::WriteSet;
pub(crate) use writeset::statement_chunks;

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database URL is not one Keel can open.
    #[error(
        "unsupported database url '{0}': use sqlite://PATH (postgres:// arrives with the PostgreSQL adapter)"
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
    /// The engine could not start one of its threads.
    #[error("cannot start the {0} thread: {1}")]
    Thread(&'static str, String),
}

/// Result with a store [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The opened database: one writer connection, a pool of readers.
#[derive(Clone, Debug)]
pub struct Db {
    /// The single connection every write goes through.
    pub write: SqlitePool,
    /// Connections for queries.
    pub read: SqlitePool,
    /// One connection for WAL checkpoints, so they never run inside the writer's commits.
    maintenance: SqlitePool,
    /// Where the file is, for messages.
    pub path: String,
}

/// Durability settings for SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=FULL`: an acknowledged commit survives power loss (default).
    Full,
    /// `synchronous=NORMAL`: faster, may lose the last commits on power loss.
    Normal,
}

impl Db {
    /// Opens (creating if missing) the database at `url` and applies migrations.
    pub async fn open(url: &str, durability: Durability) -> Result<Db> {
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
            write,
            read,
            maintenance,
            path,
        })
    }

    /// Copies committed WAL frames into the database file without blocking the writer
    /// (`PASSIVE`); when the WAL has grown large, waits for readers and truncates it.
    pub async fn checkpoint(&self) -> Result<()> {
        let (_, log, done): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&self.maintenance)
            .await?;
        if log >= 100_000 && log == done {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.maintenance)
                .await?;
        }
        Ok(())
    }

    /// Closes both pools.
    pub async fn close(&self) {
        let _ = self.checkpoint().await;
        self.maintenance.close().await;
        self.read.close().await;
        self.write.close().await;
    }
}

/// The file path inside a `sqlite://PATH` or `sqlite:PATH` URL.
pub fn sqlite_path(url: &str) -> Result<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| Error::UnsupportedUrl(url.to_owned()))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        return Err(Error::UnsupportedUrl(url.to_owned()));
    }
    Ok(path.to_owned())
}
