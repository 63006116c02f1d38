//! Mock exams: the session state machine (navigation, flags, sections, deadline), responses and
//! scoring, and the score report's numbers.
//!
//! Pure: it never reads the clock itself — `now` is passed in, and only the live loop in `cli`
//! re-reads time, through [`Clock`].

pub mod response;
pub mod scoring;
pub mod session;

use chrono::{DateTime, Utc};

pub use response::{Response, Shuffle, display_response, parse_response, score};
pub use scoring::{DomainResult, ScoreSummary, scaled_score, summarize};
pub use session::{Command, Location, Session, SessionItem, parse_command};

/// A source of "now" for the live exam loop (the only code that re-reads time during a command).
pub trait Clock {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// A clock stopped at one instant (`RETAKE_NOW`, tests).
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// How an attempt picks its items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Exam weight × the learner's weakness × novelty, inside the official ranges.
    Targeted,
    /// Each domain filled to its official share exactly.
    Blueprint,
}

impl Mode {
    /// The name used in reports and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Targeted => "targeted",
            Mode::Blueprint => "blueprint",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "targeted" => Some(Mode::Targeted),
            "blueprint" => Some(Mode::Blueprint),
            _ => None,
        }
    }
}

/// Where an attempt stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Still running (resumable).
    InProgress,
    /// Submitted by the learner.
    Submitted,
    /// Submitted because the deadline passed.
    Expired,
    /// Closed without scoring (a new attempt was started with `--abandon`).
    Abandoned,
}

impl Status {
    /// The name used in reports and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InProgress => "in_progress",
            Status::Submitted => "submitted",
            Status::Expired => "expired",
            Status::Abandoned => "abandoned",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "in_progress" => Some(Status::InProgress),
            "submitted" => Some(Status::Submitted),
            "expired" => Some(Status::Expired),
            "abandoned" => Some(Status::Abandoned),
            _ => None,
        }
    }

    /// Whether the attempt has a final score.
    pub fn is_scored(self) -> bool {
        matches!(self, Status::Submitted | Status::Expired)
    }
}
