//! Test support: a learner database in a temp folder with the mini test bank imported.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::catalog::{self, BankSource};
use super::{LearnerClock, Result};
use crate::bank::Exam;
use crate::store::Store;

/// A temp database with the mini bank (`MINI-1`) imported.
pub(crate) struct Fixture {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub exam: Exam,
}

impl Fixture {
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("retake.db")
    }

    /// Another connection to the same database (a second process, as far as SQLite knows).
    pub fn reopen(&self) -> Result<Store> {
        Ok(Store::open(&self.db())?)
    }
}

pub(crate) fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

pub(crate) fn clock(s: &str) -> LearnerClock {
    LearnerClock::utc(at(s))
}

pub(crate) fn fixture() -> Result<Fixture> {
    let dir = tempfile::tempdir().map_err(|e| super::EngineError::Invalid(e.to_string()))?;
    let banks = BankSource::Dir(PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/banks/valid"
    )));
    let cat = catalog::open(&dir.path().join("retake.db"), &banks, at("2026-12-01T09:00:00Z"))?;
    let exam = cat.exam("mini-1")?.exam;
    Ok(Fixture {
        dir,
        store: cat.store,
        exam,
    })
}
