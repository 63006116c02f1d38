//! `retake plan` and `retake progress`: the repair plan, readiness, and per-domain progress exports.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::anyhow;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use clap::{Args, ValueEnum};
use serde_json::json;

use super::attempt::{self, local_instant};
use super::catalog;
use super::drill::Settings;
use super::exam::learner_offset;
use super::{Context, write_file_atomically};
use crate::bank::Exam;
use crate::mastery::Estimate;
use crate::plan::{self, Diagnosis, DomainScore, Pattern};
use crate::random::SeededRng;
use crate::readiness::{self, DomainAbility, ExamRule, Readiness};
use crate::report::progress::{self, DomainProgress, MockResult, Progress};
use crate::report::{AttemptReport, local_time};
use crate::store::Store;
use crate::text::{sanitize, sanitize_line};
use crate::variation;

/// Simulated exam forms behind a readiness figure.
const READINESS_SIMULATIONS: usize = 4_000;

/// Readiness from the learner's current category estimates.
pub fn readiness_of(store: &Store, exam: &Exam, now: DateTime<Utc>) -> anyhow::Result<Readiness> {
    let evidence: HashMap<(String, String), Estimate> = store
        .category_evidence(&exam.code)?
        .into_iter()
        .map(|(d, c, e)| ((d, c), e.estimate(now)))
        .collect();
    let domains: Vec<DomainAbility> = exam
        .domains
        .iter()
        .map(|d| DomainAbility {
            share: d.share,
            categories: d
                .categories
                .iter()
                .map(|c| {
                    evidence
                        .get(&(d.id.0.clone(), c.id.0.clone()))
                        .copied()
                        .unwrap_or(Estimate::UNIFORM)
                })
                .collect(),
        })
        .collect();
    let rule = ExamRule {
        items: exam.question_count as usize,
        cut: exam.cut,
        passing: exam.passing_score,
        max_score: exam.max_score,
    };
    Ok(readiness::simulate(
        &domains,
        rule,
        READINESS_SIMULATIONS,
        &mut SeededRng::derive(0, &exam.code, 0),
    ))
}

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

/// The latest score report: an official attempt or a scored mock, whichever is newer.
fn diagnosis(store: &Store, exam: &Exam, now: DateTime<Utc>) -> anyhow::Result<Option<Diagnosis>> {
    let offset = learner_offset(now);
    let official = attempt::latest_report(store, &exam.code)?.map(|a| {
        (
            a.taken_at,
            Diagnosis {
                source: "official".into(),
                date: a.taken_at.with_timezone(&offset).date_naive(),
                score: a.score,
                domains: a
                    .domains
                    .iter()
                    .map(|(id, p)| DomainScore {
                        id: id.clone(),
                        percent: *p,
                    })
                    .collect(),
            },
        )
    });
    let mock = store
        .attempts(Some(&exam.code))?
        .into_iter()
        .rfind(|a| a.status.is_scored());
    let mock = match mock {
        Some(a) => {
            let items = store.attempt_items(a.id)?;
            let s = AttemptReport {
                attempt: &a,
                items: &items,
                now,
                offset,
            }
            .summary();
            Some((
                a.finished_at.unwrap_or(a.started_at),
                Diagnosis {
                    source: "mock".into(),
                    date: a.started_at.with_timezone(&offset).date_naive(),
                    score: s.scaled,
                    domains: s
                        .domains
                        .iter()
                        .filter_map(|d| {
                            d.percent.map(|p| DomainScore {
                                id: d.id.0.clone(),
                                percent: p,
                            })
                        })
                        .collect(),
                },
            ))
        }
        None => None,
    };
    Ok(match (official, mock) {
        (Some(o), Some(m)) => Some(if m.0 > o.0 { m.1 } else { o.1 }),
        (o, m) => o.or(m).map(|x| x.1),
    })
}

/// Runs `retake plan`.
pub fn run_plan(ctx: &Context, args: &PlanArgs) -> anyhow::Result<ExitCode> {
    let cat = catalog::open(ctx)?;
    let summary = cat.exam(&args.exam)?;
    let store = cat.store;
    let exam = &summary.exam;
    let settings = Settings::load(&store)?;
    let offset = settings.offset(ctx.now);
    let today = ctx.now.with_timezone(&offset).date_naive();
    let Some(d) = diagnosis(&store, exam, ctx.now)? else {
        return Err(attempt::nothing_logged(&exam.code));
    };
    let st = attempt::status(&store, exam, &settings, ctx.now)?;
    let earliest = st.earliest.map(|t| {
        t.with_timezone(&offset).date_naive()
            + Duration::days(i64::from(
                t.with_timezone(&offset).time() > chrono::NaiveTime::MIN,
            ))
    });
    let blocked = st.blocked.map(|b| format!("{} ({})", st.rule, b.as_str()));
    let wish = match &args.exam_date {
        Some(x) => Some(
            local_instant(&settings, ctx.now, x, None)?
                .with_timezone(&offset)
                .date_naive(),
        ),
        None => None,
    };
    let p = plan::build(exam, &d, today, earliest, blocked, wish);
    let ready = readiness_of(&store, exam, ctx.now)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json!({
                "exam": exam.code,
                "diagnosis": d,
                "pattern": p.pattern,
                "weak_domains": p.weak,
                "exam_date": p.exam_date.map(|x: NaiveDate| x.to_string()),
                "earliest_retake": st.earliest.map(|t| local_time(t, offset)),
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
    writeln!(
        out,
        "{} repair plan from the {} report of {} (score {}): {label}",
        exam.code, d.source, d.date, d.score
    )?;
    writeln!(
        out,
        "Readiness today: {:.0}% chance of {}+ (80% of simulated exams score {}–{}).",
        ready.pass_probability * 100.0,
        exam.passing_score,
        ready.score_low,
        ready.score_high
    )?;
    if !p.weak.is_empty() && p.pattern != Pattern::Passed {
        writeln!(
            out,
            "Weakest by weight × shortfall: {}",
            sanitize_line(&p.weak.join(", "))
        )?;
    }
    for w in &p.warnings {
        writeln!(out, "warning: {}", sanitize_line(w))?;
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
            format!(" [{}]", sanitize_line(&day.domains.join(", ")))
        };
        writeln!(out, "{}  {:<8}{doms}{quotas}", day.date, day.phase)?;
        for a in &day.actions {
            writeln!(
                out,
                "{}",
                textwrap::fill(
                    &sanitize(a),
                    textwrap::Options::new(100)
                        .initial_indent("            ")
                        .subsequent_indent("            ")
                )
            )?;
        }
        if let Some(m) = &day.mock {
            writeln!(out, "            mock: {}", sanitize_line(m))?;
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

fn progress_of(store: &Store, exam: &Exam, now: DateTime<Utc>) -> anyhow::Result<Progress> {
    let offset = learner_offset(now);
    let all: HashMap<String, (u64, u64)> = store
        .domain_answers(&exam.code, None)?
        .into_iter()
        .map(|(d, n, r)| (d, (n, r)))
        .collect();
    let recent: HashMap<String, (u64, u64)> = store
        .domain_answers(&exam.code, Some(now - Duration::days(30)))?
        .into_iter()
        .map(|(d, n, r)| (d, (n, r)))
        .collect();
    let due: HashMap<String, u64> = store.due_by_domain(&exam.code, now)?.into_iter().collect();
    let memo: HashMap<String, Option<f64>> =
        variation::memorisation_index(&store.seen_versus_new(&exam.code)?)
            .into_iter()
            .map(|m| (m.domain, m.gap))
            .collect();
    let evidence: HashMap<(String, String), Estimate> = store
        .category_evidence(&exam.code)?
        .into_iter()
        .map(|(d, c, e)| ((d, c), e.estimate(now)))
        .collect();
    let acc = |x: Option<&(u64, u64)>| x.filter(|(n, _)| *n > 0).map(|(n, r)| *r as f64 / *n as f64);
    let domains = exam
        .domains
        .iter()
        .map(|d| {
            let mastery = d
                .categories
                .iter()
                .map(|c| {
                    evidence
                        .get(&(d.id.0.clone(), c.id.0.clone()))
                        .copied()
                        .unwrap_or(Estimate::UNIFORM)
                        .mastery()
                })
                .sum::<f64>()
                / d.categories.len().max(1) as f64;
            let items = f64::from(exam.question_count) * d.share / 100.0;
            DomainProgress {
                id: d.id.0.clone(),
                name: d.name.clone(),
                weight: d.weight.to_string(),
                share: d.share,
                answered: all.get(d.id.as_str()).map_or(0, |x| x.0),
                accuracy_30d: acc(recent.get(d.id.as_str())),
                accuracy_all: acc(all.get(d.id.as_str())),
                mastery,
                due: due.get(d.id.as_str()).copied().unwrap_or(0),
                memorisation_gap: memo.get(d.id.as_str()).copied().flatten(),
                expected_points: items * mastery,
                exam_items: items,
            }
        })
        .collect();
    let mut history = Vec::new();
    for a in store
        .attempts(Some(&exam.code))?
        .into_iter()
        .filter(|a| a.status.is_scored())
    {
        let items = store.attempt_items(a.id)?;
        let s = AttemptReport {
            attempt: &a,
            items: &items,
            now,
            offset,
        }
        .summary();
        history.push(MockResult {
            attempt: a.id,
            date: local_time(a.started_at, offset),
            scaled_score: s.scaled,
            domains: s.domains.iter().map(|d| (d.id.0.clone(), d.percent)).collect(),
        });
    }
    Ok(Progress {
        exam: exam.code.clone(),
        title: exam.title.clone(),
        generated: local_time(now, offset),
        passing_score: exam.passing_score,
        max_score: exam.max_score,
        readiness: readiness_of(store, exam, now)?,
        domains,
        history,
    })
}

/// Runs `retake progress`.
pub fn run_progress(ctx: &Context, args: &ProgressArgs) -> anyhow::Result<ExitCode> {
    let cat = catalog::open(ctx)?;
    let exams = match &args.exam {
        Some(code) => vec![cat.exam(code)?],
        None => cat.exams()?,
    };
    let store = &cat.store;
    let mut buf: Vec<u8> = Vec::new();
    let reports: Vec<Progress> = exams
        .iter()
        .map(|e| progress_of(store, &e.exam, ctx.now))
        .collect::<anyhow::Result<_>>()?;
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
                progress::table(p, &mut buf)?;
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
