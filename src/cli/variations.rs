//! `retake variations`: families in repair after a miss — what was missed, what comes next, and a
//! prompt for authoring new variants.

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::Context;
use crate::engine::repair::families_in_repair;
use crate::report::text;
use crate::variation;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Prompt,
}

/// Options of `retake variations`.
#[derive(Debug, Args)]
pub struct VariationsArgs {
    /// Only this exam
    exam: Option<String>,
    /// text: what was missed and what comes next; json; prompt: a prompt for authoring new variants
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Runs `retake variations`.
pub fn run(ctx: &Context, args: &VariationsArgs) -> anyhow::Result<ExitCode> {
    let cat = ctx.catalog()?;
    let exams = cat.exams_or_all(args.exam.as_deref())?;
    let blueprints: Vec<&crate::bank::Exam> = exams.iter().map(|e| &e.exam).collect();
    let families = families_in_repair(&cat.store, &blueprints, ctx.seed.unwrap_or(0), ctx.now)?;
    let mut out = std::io::stdout().lock();
    if args.format == Format::Json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json!({ "families": families }))?
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    if families.is_empty() {
        writeln!(
            out,
            "{}",
            text::fill(
                "No family is in repair: nothing missed is waiting for a variation.",
                ctx.width
            )
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    for f in &families {
        let exam = exams.iter().find(|e| e.code == f.exam).map(|e| &e.exam);
        let category = exam
            .and_then(|e| e.domain(&f.domain))
            .and_then(|d| d.category(&f.category));
        match args.format {
            Format::Prompt => {
                let requirements = category.map(|c| c.variations.clone()).unwrap_or_default();
                let name = category.map_or_else(|| f.category.clone(), |c| format!("{} ({})", c.name, c.id));
                write!(
                    out,
                    "{}\n=====\n\n",
                    crate::text::sanitize(&variation::authoring_prompt(
                        &crate::bank::write::question_yaml(&f.question),
                        &name,
                        &requirements,
                        &f.exam,
                    ))
                )?;
            }
            _ => {
                let excerpt: String = f.stem.chars().take(110).collect();
                let head = format!(
                    "{} {} · {}/{} · {} of {} right on new forms",
                    f.exam, f.family, f.domain, f.category, f.progress, f.needed,
                );
                let missed = format!(
                    "missed {}{} ({}): {}{}",
                    f.missed.item,
                    f.missed
                        .variant
                        .as_ref()
                        .map(|v| format!(" [{v}]"))
                        .unwrap_or_default(),
                    f.missed.source,
                    excerpt,
                    if f.stem.chars().count() > 110 { "…" } else { "" },
                );
                writeln!(out, "{}", text::fill_indented(&head, ctx.width, "", "  "))?;
                writeln!(out, "{}", text::fill_indented(&missed, ctx.width, "  ", "    "))?;
                writeln!(
                    out,
                    "{}",
                    text::fill_indented(&format!("next: {}", f.next_text), ctx.width, "  ", "    ")
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
