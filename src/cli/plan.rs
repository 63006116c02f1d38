//! `retake plan` and `retake progress`: the repair plan, readiness, and per-domain progress exports.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::anyhow;
use chrono::{Duration, NaiveDate};
use clap::{Args, ValueEnum};
use serde_json::json;

use super::{Context, UsageError, write_file_atomically};
use crate::engine::insight::{self, PlanInputs};
use crate::engine::mock::expire_overdue;
use crate::plan::{self, Pattern};
use crate::report::progress::{self, Progress};
use crate::report::text::{fill, fill_indented};

/// Options of `retake plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The exam
    exam: String,
    /// When you would like to sit the exam (YYYY-MM-DD); never before the earliest legal retake
    #[arg(long, value_name = "DATE")]
    exam_date: Option<String>,
    /// Print JSON
    #[arg(long)]
    json: bool,
}

/// Runs `retake plan`.
pub fn run_plan(ctx: &Context, args: &PlanArgs) -> anyhow::Result<ExitCode> {
    let cat = ctx.catalog()?;
    let summary = cat.exam(&args.exam)?;
    let mut store = cat.store;
    let exam = &summary.exam;
    let (_, clock) = ctx.learner(&store)?;
    ctx.tell(&expire_overdue(&mut store, &clock)?);
    let today = insight::local_date(&clock, clock.now);
    let Some(PlanInputs {
        diagnosis: d,
        status: st,
        readiness: ready,
    }) = insight::plan_inputs(&store, exam, &clock)?
    else {
        return Err(super::attempt::nothing_logged(&exam.code));
    };
    let earliest = st.earliest.map(|t| {
        let local = clock.zone.local(t);
        local.date_naive() + Duration::days(i64::from(local.time() > chrono::NaiveTime::MIN))
    });
    let blocked = st.blocked.map(|b| format!("{} ({})", st.rule, b.as_str()));
    let wish = match &args.exam_date {
        Some(x) => Some(insight::local_date(
            &clock,
            insight::local_instant(&clock, x, None)?,
        )),
        None => None,
    };
    if let Some(w) = wish.filter(|w| *w < today) {
        return Err(UsageError(format!(
            "--exam-date {w} is in the past (today is {today}): give today or a later date, or leave it out for the earliest legal retake"
        ))
        .into());
    }
    let p = plan::build(exam, &d, today, earliest, blocked, wish);
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json!({
                "exam": exam.code,
                "status": exam.status_on(today).as_str(),
                "diagnosis": d,
                "pattern": p.pattern,
                "weak_domains": p.weak,
                "exam_date": p.exam_date.map(|x: NaiveDate| x.to_string()),
                "earliest_retake": st.earliest.map(|t| clock.stamp(t)),
                "blocked": st.blocked.map(|b| b.as_str()),
                "readiness": { "pass_probability": (ready.pass_probability * 1000.0).round() / 1000.0, "score_interval_80": [ready.score_low, ready.score_high] },
                "warnings": p.warnings,
                "days": p.days,
            }))?
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let label = match p.pattern {
        Pattern::NearPass => "near pass: a short, focused cycle",
        Pattern::BroadMiss => {
            "broad miss: rebuild the weak domains by weight × shortfall, then timed mixed sets"
        }
        Pattern::LowEverywhere => "low in every domain: hands-on labs first",
        Pattern::Passed => "passed: nothing to repair",
    };
    let width = ctx.width;
    let heading = format!(
        "{} ({}) repair plan from the {} report of {} (score {}): {label}",
        exam.code,
        exam.status_label(today),
        d.source,
        d.date,
        d.score
    );
    writeln!(out, "{}", fill(&heading, width))?;
    let readiness = format!(
        "Readiness today: {:.0}% chance of {}+ (80% of simulated exams score {}–{}).",
        ready.pass_probability * 100.0,
        exam.passing_score,
        ready.score_low,
        ready.score_high
    );
    writeln!(out, "{}", fill(&readiness, width))?;
    if !p.weak.is_empty() && p.pattern != Pattern::Passed {
        let weak = format!("Weakest by weight × shortfall: {}", p.weak.join(", "));
        writeln!(out, "{}", fill_indented(&weak, width, "", "  "))?;
    }
    for w in &p.warnings {
        writeln!(out, "{}", fill_indented(w, width, "warning: ", "  "))?;
    }
    writeln!(out)?;
    for day in &p.days {
        let quotas = if day.phase == "exam" {
            String::new()
        } else {
            format!(" · drill {} new · {} variations", day.drill_new, day.variations)
        };
        let doms = if day.domains.is_empty() {
            String::new()
        } else {
            format!(" [{}]", crate::text::sanitize_line(&day.domains.join(", ")))
        };
        const INDENT: &str = "            ";
        let line = format!("{}  {:<8}{doms}{quotas}", day.date, day.phase);
        writeln!(out, "{}", fill_indented(line.trim_end(), width, "", INDENT))?;
        for a in &day.actions {
            writeln!(out, "{}", fill_indented(a, width, INDENT, INDENT))?;
        }
        if let Some(m) = &day.mock {
            let mock = format!("mock: {m}");
            writeln!(out, "{}", fill_indented(&mock, width, INDENT, INDENT))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
    Md,
    Html,
}

/// Options of `retake progress`.
#[derive(Debug, Args)]
pub struct ProgressArgs {
    /// The exam (default: every exam you have worked on, or all)
    exam: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write to FILE (written whole, then renamed into place)
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Runs `retake progress`.
pub fn run_progress(ctx: &Context, args: &ProgressArgs) -> anyhow::Result<ExitCode> {
    let cat = ctx.catalog()?;
    let exams = cat.exams_or_all(args.exam.as_deref())?;
    let mut store = cat.store;
    let (_, clock) = ctx.learner(&store)?;
    ctx.tell(&expire_overdue(&mut store, &clock)?);
    let mut buf: Vec<u8> = Vec::new();
    let reports: Vec<Progress> = exams
        .iter()
        .map(|e| insight::progress_of(&store, &e.exam, &clock))
        .collect::<Result<_, _>>()?;
    match args.format {
        Format::Json => {
            let v: Vec<serde_json::Value> = reports.iter().map(progress::json).collect();
            writeln!(buf, "{}", serde_json::to_string_pretty(&json!({ "exams": v }))?)?;
        }
        Format::Table => {
            for (i, p) in reports.iter().enumerate() {
                if i > 0 {
                    writeln!(buf)?;
                }
                progress::table(p, &mut buf, ctx.width)?;
            }
        }
        Format::Csv => {
            for (i, p) in reports.iter().enumerate() {
                let mut one = Vec::new();
                progress::csv(p, &mut one)?;
                // One header for the whole file.
                let text = String::from_utf8_lossy(&one).into_owned();
                let body = if i == 0 {
                    text
                } else {
                    text.split_once('\n').map(|x| x.1.to_owned()).unwrap_or_default()
                };
                buf.extend_from_slice(body.as_bytes());
            }
        }
        Format::Md => {
            for p in &reports {
                progress::markdown(p, &mut buf)?;
                writeln!(buf)?;
            }
        }
        Format::Html => {
            let p = reports.first().ok_or_else(|| anyhow!("no exam to report on"))?;
            if reports.len() > 1 {
                ctx.note("the HTML report covers one exam: name it (e.g. `retake progress AZ-104 --format html`); showing the first");
            }
            progress::html(p, &mut buf)?;
        }
    }
    match &args.output {
        Some(path) => {
            write_file_atomically(path, &buf)?;
            ctx.note(&format!("wrote {}", path.display()));
        }
        None => std::io::stdout().lock().write_all(&buf)?,
    }
    Ok(ExitCode::SUCCESS)
}
