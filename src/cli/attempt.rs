//! `retake attempt log|list|next`: real exam results and the retake rules.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use clap::Subcommand;
use serde_json::json;

use super::Context;
use super::output::{human, table};
use crate::bank::Exam;
use crate::engine::LearnerClock;
use crate::engine::insight::{self, OfficialResult};
use crate::report::text::fill;
use crate::retake_policy::NextAttempt;

/// The `attempt` subcommands.
#[derive(Debug, Subcommand)]
pub enum AttemptCommand {
    /// Record an official exam result (the score report's domain percentages are optional)
    ///
    /// A beta exam is scored weeks later: log it with --pending on the day you sit it (it counts
    /// for the retake rules), then again with --score and the same --date when the result arrives.
    Log {
        /// The exam, e.g. AZ-104
        exam: String,
        /// The date you sat the exam (YYYY-MM-DD, your time zone)
        #[arg(long, value_name = "DATE")]
        date: String,
        /// The time you sat it (HH:MM; default 00:00)
        #[arg(long, value_name = "HH:MM")]
        time: Option<String>,
        /// The scaled score (1–1000); for an attempt logged --pending on that date, its result
        #[arg(long, value_name = "S", required_unless_present = "pending", allow_negative_numbers = true, value_parser = super::output::score_arg)]
        score: Option<u32>,
        /// The result has not arrived yet (a beta exam): record the attempt without a score
        #[arg(long, conflicts_with_all = ["score", "domains", "expires"])]
        pending: bool,
        /// A domain's percentage from the score report, e.g. storage=55 (repeatable)
        #[arg(long = "domain", value_name = "ID=PCT")]
        domains: Vec<String>,
        /// For a pass: when the certification expires (default: one validity period later)
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
    },
    /// List the logged attempts
    List {
        /// Only this exam
        exam: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// When the retake rules allow your next attempt
    Next {
        /// The exam
        exam: String,
        /// Print JSON
        #[arg(long)]
        json: bool,
        /// Exit 1 when an attempt is not allowed now
        #[arg(long)]
        check: bool,
    },
}

/// Runs an `attempt` subcommand.
pub fn run(ctx: &Context, cmd: AttemptCommand) -> anyhow::Result<ExitCode> {
    let cat = ctx.catalog()?;
    match cmd {
        AttemptCommand::Log {
            exam,
            date,
            time,
            score,
            pending: _,
            domains,
            expires,
        } => {
            let summary = cat.exam(&exam)?;
            let mut store = cat.store;
            let (_, clock) = ctx.learner(&store)?;
            let e = &summary.exam;
            let logged = insight::log_official(
                &mut store,
                e,
                &OfficialResult {
                    date: &date,
                    time: time.as_deref(),
                    score,
                    domains: &domains,
                    expires: expires.as_deref(),
                },
                &clock,
            )?;
            let st = insight::status(&store, e, &clock)?;
            let mut out = std::io::stdout().lock();
            let a = &logged.attempt;
            let when = human(&clock, a.taken_at);
            match (a.score, a.passed) {
                (Some(score), Some(passed)) => writeln!(
                    out,
                    "Logged {} {}{} on {when}: {score} — {}.",
                    e.code,
                    if logged.completed_pending {
                        "the result of the pending "
                    } else {
                        ""
                    },
                    if passed { "pass" } else { "attempt" },
                    if passed { "PASS" } else { "FAIL" }
                )?,
                _ => writeln!(
                    out,
                    "Logged {} attempt on {when}: result pending. It counts for the retake rules; when the score arrives, add it with `retake attempt log {} --date {} --score S`.",
                    e.code,
                    e.code,
                    insight::local_date(&clock, a.taken_at)
                )?,
            }
            if !a.domains.is_empty() {
                writeln!(
                    out,
                    "{}",
                    fill(
                        "Its domain percentages now steer your mock exams and drills towards the weak domains.",
                        ctx.width
                    )
                )?;
            }
            print_status(&mut out, e, &st, &clock, ctx.width)?;
            Ok(ExitCode::SUCCESS)
        }
        AttemptCommand::List { exam, json } => {
            // A domain removed from the bank since stays readable, marked retired.
            let blueprints: std::collections::HashMap<String, Exam> =
                cat.exams()?.into_iter().map(|e| (e.code, e.exam)).collect();
            let retired =
                |exam: &str, domain: &str| blueprints.get(exam).is_some_and(|e| e.domain(domain).is_none());
            let store = cat.store;
            let (_, clock) = ctx.learner(&store)?;
            let list = store.official_attempts(exam.as_deref())?;
            let mut out = std::io::stdout().lock();
            if json {
                let v: Vec<serde_json::Value> = list
                    .iter()
                    .map(|a| {
                        json!({
                            "id": a.id,
                            "exam": a.exam,
                            "taken_at": clock.stamp(a.taken_at),
                            "score": a.score,
                            "passed": a.passed,
                            "pending": a.is_pending(),
                            "expires": a.expires.map(|t| clock.stamp(t)),
                            "domains": a.domains,
                            "retired_domains": a.domains.keys().filter(|d| retired(&a.exam, d)).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&json!({ "attempts": v }))?
                )?;
            } else if list.is_empty() {
                writeln!(
                    out,
                    "{}",
                    fill(
                        "No official attempt logged: record one with `retake attempt log EXAM --date D --score S`.",
                        ctx.width
                    )
                )?;
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|a| {
                        vec![
                            a.exam.clone(),
                            human(&clock, a.taken_at),
                            a.score.map_or_else(|| "–".to_owned(), |s| s.to_string()),
                            match a.passed {
                                Some(true) => "pass".into(),
                                Some(false) => "fail".into(),
                                None => "pending".into(),
                            },
                            a.domains
                                .iter()
                                .map(|(d, p)| {
                                    let mark = if retired(&a.exam, d) { " (retired)" } else { "" };
                                    format!("{d} {p:.0}%{mark}")
                                })
                                .collect::<Vec<_>>()
                                .join(", "),
                        ]
                    })
                    .collect();
                write!(
                    out,
                    "{}",
                    table(&["exam", "taken", "score", "result", "domains"], &rows, ctx.width)
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        AttemptCommand::Next { exam, json, check } => {
            let summary = cat.exam(&exam)?;
            let mut store = cat.store;
            let (_, clock) = ctx.learner(&store)?;
            ctx.tell(&crate::engine::mock::expire_overdue(&mut store, &clock)?);
            let e = &summary.exam;
            let st = insight::status(&store, e, &clock)?;
            let mut out = std::io::stdout().lock();
            if json {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "exam": e.code,
                        "attempts": st.attempts_in_window,
                        "max_attempts": st.max_attempts,
                        "earliest_retake": st.earliest.map(|t| clock.stamp(t)),
                        "blocked": st.blocked.map(|b| b.as_str()),
                        "window_resets": st.window_resets.map(|t| clock.stamp(t)),
                        "fees_paid": st.fees_paid,
                        "currency": e.retake_policy.currency,
                        "allowed_now": st.allowed_at(clock.now),
                        "rule": st.rule,
                        "successor": e.successor,
                    }))?
                )?;
            } else {
                print_status(&mut out, e, &st, &clock, ctx.width)?;
            }
            if check && !st.allowed_at(clock.now) {
                return Ok(ExitCode::FAILURE);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_status(
    out: &mut dyn std::io::Write,
    e: &Exam,
    st: &NextAttempt,
    clock: &LearnerClock,
    width: usize,
) -> anyhow::Result<()> {
    let now = clock.now;
    let when = |t: DateTime<Utc>| human(clock, t);
    let next = match (st.blocked, st.earliest) {
        (Some(b), Some(t)) => format!(
            "Next attempt: blocked ({}) until {} — {}.",
            b.as_str(),
            when(t),
            st.rule
        ),
        (Some(b), None) => format!("Next attempt: blocked ({}) — {}.", b.as_str(), st.rule),
        (None, Some(t)) if t > now => format!("Next attempt: from {} — {}.", when(t), st.rule),
        (None, Some(t)) => format!(
            "Next attempt: allowed now — the wait ({}) ended {}.",
            st.rule,
            when(t)
        ),
        (None, None) => format!("Next attempt: allowed now — {}.", st.rule),
    };
    writeln!(out, "{}", fill(&next, width))?;
    let window = st
        .window_resets
        .map(|t| format!("; the window resets {}", when(t)))
        .unwrap_or_default();
    let attempts = format!(
        "Attempts in the current 12-month window: {} of {}{window}. Fees paid so far: {} {}.",
        st.attempts_in_window, st.max_attempts, st.fees_paid, e.retake_policy.currency
    );
    writeln!(out, "{}", fill(&attempts, width))?;
    Ok(())
}

/// A helpful error when nothing is known yet.
pub fn nothing_logged(exam: &str) -> anyhow::Error {
    anyhow!(
        "no official attempt or mock exam of {exam} yet: log a result with `retake attempt log` or take `retake exam start {exam}`"
    )
}
