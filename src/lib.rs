//! `retake`: practice exams and spaced repetition for people preparing for, or retaking, IT
//! certification exams (first targets: Microsoft AI-102 and AZ-104).
//!
//! The library holds all logic; the `retake` binary only calls [`cli::run`]. Data flows one way:
//! bank YAML is loaded and validated into a pure model ([`bank`]), compiled into the learner's
//! SQLite database ([`store`]) and read back by the commands ([`cli`]).

pub mod bank;
pub mod cli;
pub mod engine;
pub mod exam;
pub mod interchange;
pub mod mastery;
pub mod output_file;
pub mod plan;
pub mod random;
pub mod readiness;
pub mod report;
pub mod retake_policy;
pub mod sampler;
pub mod schedule;
pub mod store;
pub mod text;
pub mod variation;
pub mod web;
pub mod zone;
