//! One driver per attempt (DESIGN §2 "Attempts").
//!
//! A driver is a process — a terminal session, or a `retake serve` server — holding an exclusive
//! lock on a small file beside the database (`<db>.attempt-<id>.lock`). The operating system
//! releases the lock when the process dies, however it dies, so a killed or closed session is
//! taken over at once by the next resume, while a live one is refused. The database records the
//! driver's random token; every write of a driver carries it, and the store rejects a write whose
//! token is not the attempt's. `--take-over` claims the attempt for a new token even while the
//! old driver lives: the old one's next write fails instead of overwriting an acknowledged answer.
//! Inside a server, the same token check lets one browser tab at a time hold the attempt.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use super::{EngineError, Result};
use crate::store::Store;

/// The right to write to one attempt.
#[derive(Debug)]
pub struct Lease {
    attempt: i64,
    token: String,
    path: Option<PathBuf>,
    file: Option<File>,
}

/// The lock file of an attempt in the database at `db`.
pub fn lock_path(db: &Path, attempt: i64) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".attempt-{attempt}.lock"));
    db.with_file_name(name)
}

fn try_lock(path: &Path) -> Result<Option<File>> {
    let lock_error = |source| EngineError::Lock {
        path: path.display().to_string(),
        source,
    };
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(lock_error)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(lock_error(e)),
    }
}

impl Lease {
    /// Takes the attempt for this process: refused with [`EngineError::OpenElsewhere`] while a live
    /// driver holds it, unless `take_over`. `db` is the database file (`None` for a private store
    /// that no other process can see); `token` must be unpredictable and unique to this driver.
    pub fn acquire(
        store: &mut Store,
        db: Option<&Path>,
        attempt: i64,
        exam: &str,
        token: String,
        take_over: bool,
    ) -> Result<Lease> {
        let path = db.map(|db| lock_path(db, attempt));
        let file = match &path {
            Some(p) => match try_lock(p)? {
                Some(f) => Some(f),
                None if take_over => None,
                None => {
                    return Err(EngineError::OpenElsewhere {
                        id: attempt,
                        exam: exam.to_owned(),
                    });
                }
            },
            None => None,
        };
        store.claim_attempt(attempt, &token)?;
        Ok(Lease {
            attempt,
            token,
            path,
            file,
        })
    }

    /// The attempt held.
    pub fn attempt(&self) -> i64 {
        self.attempt
    }

    /// The token every write of this driver carries.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// After a take-over, the lock is taken as soon as the old driver lets it go, so that a third
    /// process sees this one as the live driver. Called before each write; cheap when held.
    pub fn refresh(&mut self) {
        if self.file.is_none()
            && let Some(p) = &self.path
        {
            self.file = try_lock(p).ok().flatten();
        }
    }

    /// Hands the attempt to another token of the same process (a server passing it from one
    /// browser tab to another); the old token's writes are rejected from now on.
    pub fn hand_to(&mut self, store: &mut Store, token: String) -> Result<()> {
        store.claim_attempt(self.attempt, &token)?;
        self.token = token;
        Ok(())
    }

    /// Lets the attempt go after it closed: the lock file is removed.
    pub fn release(mut self) {
        if let (Some(path), Some(_)) = (&self.path, &self.file) {
            let _ = std::fs::remove_file(path);
        }
        self.file = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_file_sits_beside_the_database() {
        assert_eq!(
            lock_path(Path::new("/data/retake.db"), 7),
            PathBuf::from("/data/retake.db.attempt-7.lock")
        );
    }

    #[test]
    fn a_second_lock_in_a_live_process_is_refused_and_freed_on_drop() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| EngineError::Invalid(e.to_string()))?;
        let path = dir.path().join("x.lock");
        let first = try_lock(&path)?;
        assert!(first.is_some());
        assert!(try_lock(&path)?.is_none());
        drop(first);
        assert!(try_lock(&path)?.is_some());
        Ok(())
    }
}
