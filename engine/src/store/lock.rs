//! The single-node guard for SQLite: `keel serve` holds an exclusive OS lock on `<db>.lock`
//! for its lifetime, so a second server on the same file refuses to start. The OS releases the
//! lock when the process dies, even on SIGKILL.

use std::fs::{File, OpenOptions, TryLockError};

use super::{Error, Result};

/// An exclusive lock held until dropped.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

impl FileLock {
    /// Takes the lock beside the database file `db_path`, or explains who holds it.
    pub fn acquire(db_path: &str) -> Result<FileLock> {
        let lock_path = format!("{db_path}.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::Locked(format!("cannot open lock file {lock_path}: {e}")))?;
        match file.try_lock() {
            Ok(()) => Ok(FileLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(Error::Locked(format!(
                "another keel server is already using {db_path} (lock file {lock_path}); \
                 SQLite runs one server per file — use PostgreSQL for several nodes"
            ))),
            Err(TryLockError::Error(e)) => {
                Err(Error::Locked(format!("cannot lock {lock_path}: {e}")))
            }
        }
    }
}
