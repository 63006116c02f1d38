//! `retake bank lint|stats|list|schema`: checking and describing question banks.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;

use super::Context;
use super::output::table;
use crate::bank::load::{self, Target};
use crate::bank::{ItemType, Problem, Severity};
use crate::report::text::{count, fill, fill_indented, fill_list};
use crate::store::{ExamSummary, ItemCounts};

/// The `bank` subcommands.
#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// Check bank files and report every problem as path:line:column (exit 1 on errors)
    ///
    /// A PATH may be a tree of exams, one exam folder or one file. Without PATH, checks the active
    /// banks (--banks, or the bundled banks). Nothing is written to the database.
    Lint {
        /// Bank trees, exam folders or files to check
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Count questions, flashcards, families and templates per exam, domain and item type
    Stats {
        /// Only this exam (e.g. AZ-104)
        exam: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// List the exams in the active banks
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schema of bank files, for editors
    Schema,
    /// List the items learners marked with :dispute during mock exams, for correction
    Disputes {
        /// Only this exam
        exam: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `bank` subcommand.
pub fn run(ctx: &Context, cmd: BankCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BankCommand::Lint { paths } => lint(ctx, &paths),
        BankCommand::Stats { exam, json } => stats(ctx, exam.as_deref(), json),
        BankCommand::List { json } => list(ctx, json),
        BankCommand::Disputes { exam, json } => super::exam::disputes(ctx, exam.as_deref(), json),
        BankCommand::Schema => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", crate::bank::schema::json_schema().trim_end())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn lint(ctx: &Context, paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let mut targets = Vec::new();
    if paths.is_empty() {
        targets.extend(ctx.banks.folders()?.into_iter().map(Target::Folder));
    }
    for path in paths {
        targets.extend(load::discover(path)?);
    }
    let mut out = std::io::stdout().lock();
    let (mut errors, mut notes, mut questions, mut flashcards) = (0, 0, 0, 0);
    let mut bad_files = std::collections::BTreeSet::new();
    let bar = ctx.progress(targets.len() as u64, "checking");
    for (i, (target, (problems, counts))) in targets.iter().zip(load::check_all(&targets)).enumerate() {
        let shown = match target {
            Target::Folder(f) | Target::ExamFile(f) => &f.display,
            Target::File { file, .. } => &file.display,
        };
        bar.set(i as u64, shown);
        for p in &problems {
            writeln!(out, "{}", render_problem(ctx, p))?;
            if p.is_error() {
                errors += 1;
                bad_files.insert(p.file.clone());
            } else {
                notes += 1;
            }
        }
        if let Some((q, f)) = counts {
            questions += q;
            flashcards += f;
        }
    }
    drop(bar);
    let what = format!(
        "{} target{}",
        targets.len(),
        if targets.len() == 1 { "" } else { "s" }
    );
    if errors == 0 {
        ctx.note(&format!(
            "checked {what}: {questions} questions, {flashcards} flashcards, no errors{}",
            if notes > 0 {
                format!(", {notes} note{}", if notes == 1 { "" } else { "s" })
            } else {
                String::new()
            }
        ));
        Ok(ExitCode::SUCCESS)
    } else {
        out.flush()?;
        super::say(&format!(
            "{} {errors} error{} in {} file{} ({what} checked)",
            ctx.err_paint.red("lint failed:"),
            if errors == 1 { "" } else { "s" },
            bad_files.len(),
            if bad_files.len() == 1 { "" } else { "s" },
        ));
        Ok(ExitCode::FAILURE)
    }
}

fn render_problem(ctx: &Context, p: &Problem) -> String {
    let text = p.to_string();
    match p.severity {
        Severity::Error => text,
        Severity::Note => ctx.out_paint.cyan(&text),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn stats_json(e: &ExamSummary, c: &ItemCounts) -> serde_json::Value {
    let domains: Vec<serde_json::Value> = e
        .exam
        .domains
        .iter()
        .map(|d| {
            let (low, high) = d.weight.bounds();
            json!({
                "id": d.id.as_str(),
                "name": d.name,
                "weight": round2(d.share),
                "weight_range": [low, high],
                "questions": c.per_domain.get(d.id.as_str()).copied().unwrap_or(0),
                "categories": d.categories.iter().map(|cat| json!({
                    "id": cat.id.as_str(),
                    "name": cat.name,
                    "questions": c.per_category.get(&(d.id.0.clone(), cat.id.0.clone())).copied().unwrap_or(0),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut types = serde_json::Map::new();
    for t in ItemType::QUESTION_TYPES {
        let n = if t == ItemType::Case {
            c.cases
        } else {
            c.per_type.get(t.as_str()).copied().unwrap_or(0)
        };
        types.insert(t.as_str().to_owned(), json!(n));
    }
    let mut difficulty = serde_json::Map::new();
    for d in 1..=3u8 {
        difficulty.insert(
            d.to_string(),
            json!(c.per_difficulty.get(&d).copied().unwrap_or(0)),
        );
    }
    json!({
        "code": e.code,
        "title": e.title,
        "as_of": e.exam.as_of.to_string(),
        "questions": c.questions,
        "flashcards": c.flashcards,
        "families": c.families,
        "templated": c.templated,
        "cases": c.cases,
        "domains": domains,
        "types": types,
        "difficulty": difficulty,
    })
}

fn stats(ctx: &Context, exam: Option<&str>, as_json: bool) -> anyhow::Result<ExitCode> {
    let cat = ctx.catalog()?;
    let exams = match exam {
        Some(code) => vec![cat.exam(code)?],
        None => cat.exams()?,
    };
    let mut out = std::io::stdout().lock();
    let mut all = Vec::new();
    for e in &exams {
        let counts = cat.store.item_counts(&e.code)?;
        if as_json {
            all.push(stats_json(e, &counts));
            continue;
        }
        let p = ctx.out_paint;
        let title = fill_indented(
            &format!("{} (as of {})", e.title, e.exam.as_of),
            ctx.width,
            &format!("{}  ", e.code),
            "  ",
        );
        let title = title.strip_prefix(e.code.as_str()).unwrap_or(&title);
        writeln!(out, "{}{title}", p.bold(&crate::text::sanitize_line(&e.code)))?;
        let counted = format!(
            "{} · {} · {} families · {} templated · {}",
            count(counts.questions, "question", "questions"),
            count(counts.flashcards, "flashcard", "flashcards"),
            counts.families,
            counts.templated,
            count(counts.cases, "case study", "case studies"),
        );
        writeln!(out, "{}", fill(&counted, ctx.width))?;
        let rows: Vec<Vec<String>> = e
            .exam
            .domains
            .iter()
            .map(|d| {
                vec![
                    d.id.0.clone(),
                    d.weight.to_string(),
                    format!("{:.1}%", d.share),
                    counts
                        .per_domain
                        .get(d.id.as_str())
                        .copied()
                        .unwrap_or(0)
                        .to_string(),
                    d.name.clone(),
                ]
            })
            .collect();
        write!(
            out,
            "{}",
            table(
                &["domain", "weight", "share", "questions", "name"],
                &rows,
                ctx.width
            )
        )?;
        let types: Vec<String> = ItemType::QUESTION_TYPES
            .iter()
            .map(|t| {
                let n = if *t == ItemType::Case {
                    counts.cases
                } else {
                    counts.per_type.get(t.as_str()).copied().unwrap_or(0)
                };
                format!("{t} {n}")
            })
            .collect();
        writeln!(out, "{}", fill_list("types: ", &types, ctx.width))?;
        writeln!(out)?;
    }
    if as_json {
        writeln!(out, "{}", serde_json::to_string_pretty(&json!({ "exams": all }))?)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn list(ctx: &Context, as_json: bool) -> anyhow::Result<ExitCode> {
    let cat = ctx.catalog()?;
    let exams = cat.exams()?;
    let (_, clock) = ctx.learner(&cat.store)?;
    let today = crate::engine::insight::local_date(&clock, clock.now);
    let mut out = std::io::stdout().lock();
    if as_json {
        let list: Vec<serde_json::Value> = exams
            .iter()
            .map(|e| {
                json!({
                    "code": e.code,
                    "title": e.title,
                    "as_of": e.exam.as_of.to_string(),
                    "status": e.exam.status_on(today).as_str(),
                    "questions": e.questions,
                    "flashcards": e.flashcards,
                    "duration_minutes": e.exam.duration_minutes,
                    "question_count": e.exam.question_count,
                    "retires_on": e.exam.retires_on.map(|d| d.to_string()),
                    "successor": e.exam.successor,
                    "source": e.source,
                })
            })
            .collect();
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json!({ "exams": list }))?
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = exams
        .iter()
        .map(|e| {
            vec![
                e.code.clone(),
                e.questions.to_string(),
                e.flashcards.to_string(),
                format!("{} min", e.exam.duration_minutes),
                e.exam.status_label(today),
                e.title.clone(),
            ]
        })
        .collect();
    write!(
        out,
        "{}",
        table(
            &["exam", "questions", "flashcards", "mock", "status", "title"],
            &rows,
            ctx.width
        )
    )?;
    Ok(ExitCode::SUCCESS)
}
