//! The engine: every workflow a learner drives, as one call per learner action, over the store, a
//! learner clock and a seeded RNG. It returns plain data that a face (the terminal, a browser)
//! renders; it never prints, parses arguments or knows which face calls it.
//!
//! * [`catalog`] — opening the store and keeping its bank catalogue in step with the bank source.
//! * [`settings`] — the learner's settings and the learner clock they define.
//! * [`mock`] — mock exams: assemble, answer, navigate, flag, dispute, submit, expire, resume,
//!   reports; [`lease`] — one driver per attempt.
//! * [`drill`] — the daily drill: queue, faces, grades, undo, leeches, forecast.
//! * [`memory`] — FSRS reviews of families (shared by drills and mocks).
//! * [`repair`] — families in repair after a miss, and the forms that come back instead.
//! * [`insight`] — the inputs of readiness, plans, progress and the retake rules.
//!
//! A long-lived process (a local web server) holds several sessions at once: a session is a value
//! ([`mock::MockRun`], [`drill::DrillRun`]) and every call takes the store it should use.

pub mod catalog;
pub mod drill;
pub mod insight;
pub mod lease;
pub mod memory;
pub mod mock;
pub mod repair;
pub mod settings;

use std::cell::Cell;

use chrono::{DateTime, Duration, Utc};

use crate::bank::Problem;
use crate::schedule::DayClock;
use crate::store::StoreError;
use crate::zone::Zone;

pub use crate::exam::{Clock, FixedClock};

/// Everything an engine call can fail with. [`EngineError::is_usage`] tells a face which failures
/// are the caller's input (exit code 2 on the command line) rather than a problem found.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store failed (it names the database and what to do).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The bank source could not be listed.
    #[error(transparent)]
    Load(#[from] crate::bank::load::LoadError),
    /// No exam with this code in the active banks.
    #[error("no exam \"{code}\" in the banks (available: {available})")]
    UnknownExam {
        /// The code asked for.
        code: String,
        /// The codes there are.
        available: String,
    },
    /// The exam's bank failed validation, so it cannot be used.
    #[error("no usable exam \"{code}\": the banks {folders} failed validation (run `retake bank lint`)")]
    BanksFailed {
        /// The code asked for.
        code: String,
        /// The folders that failed.
        folders: String,
    },
    /// A bank that failed validation while importing.
    #[error("the bank {folder} failed validation: {count} problem(s) (run `retake bank lint {folder}`)")]
    InvalidBank {
        /// The folder.
        folder: String,
        /// How many errors.
        count: usize,
        /// The problems.
        problems: Vec<Problem>,
    },
    /// A domain the exam does not have.
    #[error("{exam} has no domain \"{domain}\" (domains: {domains})")]
    UnknownDomain {
        /// The exam.
        exam: String,
        /// The domain asked for.
        domain: String,
        /// The domains there are.
        domains: String,
    },
    /// An argument out of range or malformed (a count, a date, a setting's value).
    #[error("{0}")]
    Invalid(String),
    /// An attempt id that does not exist.
    #[error("there is no attempt {0} (see `retake exam list`)")]
    NoSuchAttempt(i64),
    /// An attempt is already in progress for this exam.
    #[error(
        "attempt {id} of {exam} is still in progress (started {started}): continue it with `retake exam resume`, or start over with `retake exam start {exam} --abandon`"
    )]
    InProgress {
        /// The attempt.
        id: i64,
        /// The exam.
        exam: String,
        /// When it started, in the learner's zone.
        started: String,
    },
    /// Another live process (or tab) drives the attempt.
    #[error(
        "attempt {id} of {exam} is open elsewhere (another terminal or a `retake serve` window): continue it there, or take it over here with `retake exam resume --take-over`"
    )]
    OpenElsewhere {
        /// The attempt.
        id: i64,
        /// The exam.
        exam: String,
    },
    /// Nothing to resume.
    #[error("no attempt is in progress: start one with `retake exam start EXAM`")]
    NothingInProgress,
    /// No attempt at all.
    #[error("no attempts yet: start one with `retake exam start EXAM`")]
    NoAttempts,
    /// Several exams have attempts in progress.
    #[error(
        "attempts of several exams are in progress ({codes}): name one, e.g. `retake exam resume {first}`"
    )]
    SeveralInProgress {
        /// The exams.
        codes: String,
        /// The first of them.
        first: String,
    },
    /// The bank has nothing for the selection.
    #[error("the {0} bank has no questions for this selection")]
    EmptySelection(String),
    /// An answer that does not fit the item (the face shows it and reads again).
    #[error("{0}")]
    BadAnswer(String),
    /// A navigation that is not possible from here.
    #[error("{0}")]
    BadMove(String),
    /// An unknown setting key.
    #[error("unknown setting \"{key}\" (settings: {known})")]
    UnknownSetting {
        /// The key.
        key: String,
        /// Every key.
        known: String,
    },
    /// A setting value out of range.
    #[error("{key}: {reason}")]
    BadSetting {
        /// The key.
        key: String,
        /// Why.
        reason: String,
    },
    /// The lock file of an attempt could not be used.
    #[error("cannot use the lock file {path}: {source}")]
    Lock {
        /// The lock file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The scheduler refused its parameters.
    #[error(
        "the scheduler cannot run: {0} (reset with `retake config set fsrs_parameters ...` or run `retake sr optimize`)"
    )]
    Scheduler(String),
    /// A stored row that cannot be decoded.
    #[error("the database row {row} of {table} cannot be decoded: {detail}")]
    Decode {
        /// The table.
        table: &'static str,
        /// The row (its key).
        row: String,
        /// What failed.
        detail: String,
    },
}

impl EngineError {
    /// Whether the failure is the caller's input (a usage error: exit code 2).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            EngineError::UnknownExam { .. }
                | EngineError::UnknownDomain { .. }
                | EngineError::Invalid(_)
                | EngineError::NoSuchAttempt(_)
                | EngineError::SeveralInProgress { .. }
                | EngineError::UnknownSetting { .. }
                | EngineError::BadSetting { .. }
                | EngineError::BadAnswer(_)
                | EngineError::BadMove(_)
        )
    }
}

/// A result of an engine call.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// Something a face should tell the learner beside a result (an import, an expiry, a repair step).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Notice {
    /// A warning (about the result) rather than a note.
    pub warning: bool,
    /// The text.
    pub text: String,
}

impl Notice {
    /// A note.
    pub fn note(text: impl Into<String>) -> Notice {
        Notice {
            warning: false,
            text: text.into(),
        }
    }

    /// A warning.
    pub fn warning(text: impl Into<String>) -> Notice {
        Notice {
            warning: true,
            text: text.into(),
        }
    }
}

/// "Now" as the learner lives it: the instant, their time zone and the hour their day starts.
/// Resolved once per command (or request) from the settings and used by every output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LearnerClock {
    /// The instant.
    pub now: DateTime<Utc>,
    /// The learner's time zone.
    pub zone: Zone,
    /// The hour (0–23) a new learner day starts.
    pub day_starts_at: u32,
}

impl LearnerClock {
    /// A clock in UTC with days starting at 04:00 (tests, fresh databases).
    pub fn utc(now: DateTime<Utc>) -> LearnerClock {
        LearnerClock {
            now,
            zone: Zone::utc(),
            day_starts_at: 4,
        }
    }

    /// The same learner at another instant (a live loop re-reading its [`Clock`]).
    pub fn at(&self, now: DateTime<Utc>) -> LearnerClock {
        LearnerClock { now, ..*self }
    }

    /// How the learner's days are cut.
    pub fn days(&self) -> DayClock {
        DayClock {
            zone: self.zone,
            day_starts_at: self.day_starts_at,
        }
    }

    /// Today's learner-day number.
    pub fn today(&self) -> i64 {
        self.days().day(self.now)
    }

    /// An instant as RFC 3339 in the learner's zone (the offset in force at that instant).
    pub fn stamp(&self, t: DateTime<Utc>) -> String {
        crate::report::local_time(t, &self.zone)
    }
}

/// The system clock, for live loops (the exam timer, a drill timing an answer, a server).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A test clock: starts at an instant and moves on by a fixed step at every read, so time passes
/// deterministically inside one process (`RETAKE_NOW` with `RETAKE_CLOCK_STEP=SECONDS`).
#[derive(Debug)]
pub struct SteppingClock {
    next: Cell<DateTime<Utc>>,
    step: Duration,
}

impl SteppingClock {
    /// A clock whose first read is `start` and every later read `step` further.
    pub fn new(start: DateTime<Utc>, step: Duration) -> SteppingClock {
        SteppingClock {
            next: Cell::new(start),
            step,
        }
    }
}

impl Clock for SteppingClock {
    fn now(&self) -> DateTime<Utc> {
        let t = self.next.get();
        self.next.set(t.checked_add_signed(self.step).unwrap_or(t));
        t
    }
}

/// A store-backed test helper: a temp database with the mini bank imported.
#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stepping_clock_moves_on_at_every_read() {
        let start = DateTime::parse_from_rfc3339("2026-12-04T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let c = SteppingClock::new(start, Duration::seconds(30));
        assert_eq!(c.now(), start);
        assert_eq!(c.now(), start + Duration::seconds(30));
        assert_eq!(c.now(), start + Duration::seconds(60));
    }

    #[test]
    fn usage_errors_are_told_apart_from_problems_found() {
        assert!(EngineError::Invalid("x".into()).is_usage());
        assert!(!EngineError::NothingInProgress.is_usage());
        assert!(
            !EngineError::OpenElsewhere {
                id: 1,
                exam: "AZ-104".into()
            }
            .is_usage()
        );
    }
}
