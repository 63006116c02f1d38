//! `retake attempt log|list|next`: real exam results and the retake rules.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::anyhow;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use clap::Subcommand;
use serde_json::json;

use super::catalog;
use super::drill::Settings;
use super::output::table;
use super::{Context, UsageError};
use crate::bank::Exam;
use crate::mastery::Evidence;
use crate::report::local_time;
use crate::retake_policy::{self, NextAttempt, OfficialAttempt};
use crate::store::{LoggedAttempt, Store};

/// How much a score report weighs in the learner model: as many answers, per domain, spread over its
/// categories. Real answers soon outweigh it, and it fades with time like all evidence.
const REPORT_WEIGHT_PER_DOMAIN: f64 = 6.0;

/// The `attempt` subcommands.
#[derive(Debug, Subcommand)]
pub enum AttemptCommand {
    /// Record an official exam result (the score report's domain percentages are optional)
    Log {
        /// The exam, e.g. AZ-104
        exam: String,
        /// The date you sat the exam (YYYY-MM-DD, your time zone)
        #[arg(long, value_name = "DATE")]
        date: String,
        /// The time you sat it (HH:MM; default 00:00)
        #[arg(long, value_name = "HH:MM")]
        time: Option<String>,
        /// The scaled score (1–1000)
        #[arg(long, value_name = "S")]
        score: u32,
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

/// A date (and optional time) in the learner's zone, as a UTC instant.
pub fn local_instant(
    settings: &Settings,
    now: DateTime<Utc>,
    date: &str,
    time: Option<&str>,
) -> Result<DateTime<Utc>, UsageError> {
    let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| UsageError(format!("date \"{date}\" must be written YYYY-MM-DD")))?;

    let t = match time {
        Some(t) => NaiveTime::parse_from_str(t.trim(), "%H:%M")
            .map_err(|_| UsageError(format!("time \"{t}\" must be written HH:MM")))?,
        None => NaiveTime::MIN,
    };
    let offset = settings.offset(now);
    offset
        .from_local_datetime(&d.and_time(t))
        .single()
        .map(|x| x.with_timezone(&Utc))
        .ok_or_else(|| {
            UsageError(format!(
                "{date} {} does not exist in your time zone",
                t.format("%H:%M")
            ))
        })
}

/// When a retired exam stops being offered, in the learner's calendar.
pub fn retired_from(exam: &Exam, settings: &Settings, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let offset = settings.offset(now);
    retake_policy::retired_from(exam.retires_on, |d| {
        offset
            .from_local_datetime(&d.and_time(NaiveTime::MIN))
            .single()
            .map_or_else(
                || Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN)),
                |x| x.with_timezone(&Utc),
            )
    })
}

/// The retake status of an exam at `now`.
pub fn status(
    store: &Store,
    exam: &Exam,
    settings: &Settings,
    now: DateTime<Utc>,
) -> anyhow::Result<NextAttempt> {
    let attempts: Vec<OfficialAttempt> = store
        .official_attempts(Some(&exam.code))?
        .into_iter()
        .map(|a| OfficialAttempt {
            taken_at: a.taken_at,
            score: a.score,
            passed: a.passed,
            expires: a.expires,
        })
        .collect();
    Ok(retake_policy::next_attempt(
        exam,
        &attempts,
        now,
        retired_from(exam, settings, now),
    ))
}

/// Runs an `attempt` subcommand.
pub fn run(ctx: &Context, cmd: AttemptCommand) -> anyhow::Result<ExitCode> {
    let cat = catalog::open(ctx)?;
    match cmd {
        AttemptCommand::Log {
            exam,
            date,
            time,
            score,
            domains,
            expires,
        } => {
            let summary = cat.exam(&exam)?;
            let mut store = cat.store;
            let settings = Settings::load(&store)?;
            let e = &summary.exam;
            if score == 0 || score > e.max_score {
                return Err(
                    UsageError(format!("--score {score} must be between 1 and {}", e.max_score)).into(),
                );
            }
            let taken_at = local_instant(&settings, ctx.now, &date, time.as_deref())?;
            if taken_at < crate::retake_policy::earliest_exam_instant() {
                return Err(UsageError(format!(
                    "{date} is before {}: give the date you sat the exam",
                    crate::retake_policy::EARLIEST_EXAM_DATE
                ))
                .into());
            }
            if taken_at > ctx.now {
                return Err(UsageError(format!(
                    "{date} is in the future: log an attempt once you have taken it"
                ))
                .into());
            }
            let mut percents = BTreeMap::new();
            for d in &domains {
                let (id, pct) = d
                    .split_once('=')
                    .ok_or_else(|| UsageError(format!("--domain {d} must look like storage=55")))?;
                let pct: f64 = pct
                    .trim()
                    .trim_end_matches('%')
                    .parse()
                    .map_err(|_| UsageError(format!("--domain {d}: the percentage must be a number")))?;
                if e.domain(id.trim()).is_none() || !(0.0..=100.0).contains(&pct) {
                    let ids: Vec<&str> = e.domains.iter().map(|d| d.id.as_str()).collect();
                    return Err(UsageError(format!(
                        "--domain {d}: use a domain of {} ({}) and a percentage 0–100",
                        e.code,
                        ids.join(", ")
                    ))
                    .into());
                }
                percents.insert(id.trim().to_owned(), pct);
            }
            let passed = score >= e.passing_score;
            let expires = match expires {
                Some(x) if passed => Some(local_instant(&settings, ctx.now, &x, None)?),
                Some(_) => {
                    return Err(UsageError("--expires applies only to a passing attempt".into()).into());
                }
                None => None,
            };
            let attempt = LoggedAttempt {
                id: 0,
                exam: e.code.clone(),
                taken_at,
                score,
                passed,
                expires,
                domains: percents.clone(),
            };
            let categories: Vec<(String, String)> = e
                .domains
                .iter()
                .filter(|d| percents.contains_key(d.id.as_str()))
                .flat_map(|d| d.categories.iter().map(move |c| (d.id.0.clone(), c.id.0.clone())))
                .collect();
            let per_category: BTreeMap<&str, f64> = e
                .domains
                .iter()
                .map(|d| {
                    (
                        d.id.as_str(),
                        REPORT_WEIGHT_PER_DOMAIN / d.categories.len().max(1) as f64,
                    )
                })
                .collect();
            let update = |current: Option<Evidence>, domain: &str| {
                let pct = percents.get(domain)?;
                let weight = per_category.get(domain).copied().unwrap_or(1.0);
                let ev = current.unwrap_or_else(|| Evidence::empty(taken_at));
                Some(ev.add((pct * 10.0).round() as u32, 1000, weight, taken_at.max(ev.as_of)))
            };
            store.log_official_attempt(&attempt, ctx.now, &categories, &update)?;
            let st = status(&store, e, &settings, ctx.now)?;
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "Logged {} {} on {}: {score} — {}.",
                e.code,
                if passed { "pass" } else { "attempt" },
                local_time(taken_at, settings.offset(ctx.now)),
                if passed { "PASS" } else { "FAIL" }
            )?;
            if !percents.is_empty() {
                writeln!(
                    out,
                    "Its domain percentages now steer your mock exams and drills towards the weak domains."
                )?;
            }
            print_status(&mut out, e, &st, &settings, ctx.now)?;
            Ok(ExitCode::SUCCESS)
        }
        AttemptCommand::List { exam, json } => {
            let store = cat.store;
            let settings = Settings::load(&store)?;
            let list = store.official_attempts(exam.as_deref())?;
            let offset = settings.offset(ctx.now);
            let mut out = std::io::stdout().lock();
            if json {
                let v: Vec<serde_json::Value> = list
                    .iter()
                    .map(|a| {
                        json!({
                            "exam": a.exam,
                            "taken_at": local_time(a.taken_at, offset),
                            "score": a.score,
                            "passed": a.passed,
                            "expires": a.expires.map(|t| local_time(t, offset)),
                            "domains": a.domains,
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
                    "No official attempt logged: record one with `retake attempt log EXAM --date D --score S`."
                )?;
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|a| {
                        vec![
                            a.exam.clone(),
                            local_time(a.taken_at, offset),
                            a.score.to_string(),
                            if a.passed { "pass".into() } else { "fail".into() },
                            a.domains
                                .iter()
                                .map(|(d, p)| format!("{d} {p:.0}%"))
                                .collect::<Vec<_>>()
                                .join(", "),
                        ]
                    })
                    .collect();
                write!(
                    out,
                    "{}",
                    table(&["exam", "taken", "score", "result", "domains"], &rows)
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        AttemptCommand::Next { exam, json, check } => {
            let summary = cat.exam(&exam)?;
            let store = cat.store;
            let settings = Settings::load(&store)?;
            let e = &summary.exam;
            let st = status(&store, e, &settings, ctx.now)?;
            let offset = settings.offset(ctx.now);
            let mut out = std::io::stdout().lock();
            if json {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "exam": e.code,
                        "attempts": st.attempts_in_window,
                        "max_attempts": st.max_attempts,
                        "earliest_retake": st.earliest.map(|t| local_time(t, offset)),
                        "blocked": st.blocked.map(|b| b.as_str()),
                        "window_resets": st.window_resets.map(|t| local_time(t, offset)),
                        "fees_paid": st.fees_paid,
                        "currency": e.retake_policy.currency,
                        "allowed_now": st.allowed_at(ctx.now),
                        "rule": st.rule,
                        "successor": e.successor,
                    }))?
                )?;
            } else {
                print_status(&mut out, e, &st, &settings, ctx.now)?;
            }
            if check && !st.allowed_at(ctx.now) {
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
    settings: &Settings,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let offset = settings.offset(now);
    let when = |t: DateTime<Utc>| local_time(t, offset);
    match (st.blocked, st.earliest) {
        (Some(b), Some(t)) => writeln!(
            out,
            "Next attempt: blocked ({}) until {} — {}.",
            b.as_str(),
            when(t),
            st.rule
        )?,
        (Some(b), None) => writeln!(out, "Next attempt: blocked ({}) — {}.", b.as_str(), st.rule)?,
        (None, Some(t)) if t > now => writeln!(out, "Next attempt: from {} — {}.", when(t), st.rule)?,
        (None, Some(t)) => writeln!(
            out,
            "Next attempt: allowed now — the wait ({}) ended {}.",
            st.rule,
            when(t)
        )?,
        (None, None) => writeln!(out, "Next attempt: allowed now — {}.", st.rule)?,
    }
    let window = st
        .window_resets
        .map(|t| format!("; the window resets {}", when(t)))
        .unwrap_or_default();
    writeln!(
        out,
        "Attempts in the current 12-month window: {} of {}{window}. Fees paid so far: {} {}.",
        st.attempts_in_window, st.max_attempts, st.fees_paid, e.retake_policy.currency
    )?;
    Ok(())
}

/// Used by `plan`: the latest official attempt of an exam with a score report, if any.
pub fn latest_report(store: &Store, exam: &str) -> anyhow::Result<Option<LoggedAttempt>> {
    Ok(store.official_attempts(Some(exam))?.into_iter().next_back())
}

/// A helpful error when nothing is known yet.
pub fn nothing_logged(exam: &str) -> anyhow::Error {
    anyhow!(
        "no official attempt or mock exam of {exam} yet: log a result with `retake attempt log` or take `retake exam start {exam}`"
    )
}
