//! `retake drill`: the terminal face of [`crate::engine::drill`] — today's due and new cards, one
//! at a time, with feedback, grades and undo.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::json;

use super::Context;
use super::output::human;
use crate::engine::drill::{self, Begun, DrillOptions, DrillRun, Face};
use crate::engine::{EngineError, LearnerClock};
use crate::report::text::{self, fill};
use crate::report::write_item;
use crate::schedule::Rating;
use crate::store::Store;
use crate::text::sanitize_line;

/// Options of `retake drill`.
#[derive(Debug, Args)]
pub struct DrillArgs {
    /// Only this exam (default: every exam with cards)
    exam: Option<String>,
    /// Only these domains (repeatable)
    #[arg(long = "domain", value_name = "ID")]
    domains: Vec<String>,
    /// New families to introduce today (default: the new_per_day setting minus those already seen today)
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = super::output::count_arg)]
    new: Option<usize>,
    /// At most this many cards in this session
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = super::output::count_arg)]
    limit: Option<usize>,
    /// Also review cards due in the next 7 days, earliest first
    #[arg(long)]
    ahead: bool,
    /// List the families suspended as leeches, and stop
    #[arg(long)]
    leeches: bool,
    /// With --leeches: print JSON
    #[arg(long, requires = "leeches")]
    json: bool,
}

fn progress_bar(done: usize, total: usize) -> String {
    let width = 20;
    let filled = (done * width).checked_div(total.max(1)).unwrap_or(0).min(width);
    format!(
        "{}{} {done}/{total}",
        "█".repeat(filled),
        "░".repeat(width - filled)
    )
}

fn in_days(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let hours = (t - now).num_hours();
    if hours < 1 {
        "within the hour".to_owned()
    } else if hours < 36 {
        format!("in {hours} hours")
    } else {
        format!("in {} days", (hours + 12) / 24)
    }
}

/// Runs `retake drill`.
pub fn drill(ctx: &Context, args: &DrillArgs) -> anyhow::Result<ExitCode> {
    let cat = ctx.catalog()?;
    let exams = cat.exams_or_all(args.exam.as_deref())?;
    let mut store = cat.store;
    let (settings, clock) = ctx.learner(&store)?;
    ctx.tell(&crate::engine::mock::expire_overdue(&mut store, &clock)?);
    let mut out = io::stdout().lock();
    if args.leeches {
        let leeches = drill::leeches(&store, &exams)?;
        if args.json {
            let list: Vec<serde_json::Value> = leeches
                .iter()
                .map(|l| {
                    json!({
                        "exam": l.exam,
                        "family": l.family,
                        "domain": l.domain,
                        "category": l.category,
                        "lapses": l.lapses,
                        "suspended_since": clock.stamp(l.last_review),
                    })
                })
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&json!({ "leeches": list }))?
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        if leeches.is_empty() {
            writeln!(
                out,
                "No leeches: no family has lapsed {} times.",
                settings.leech_threshold
            )?;
        }
        for l in leeches {
            let line = format!(
                "{}  {}  {} lapses, suspended since {}",
                l.exam,
                l.family,
                l.lapses,
                human(&clock, l.last_review)
            );
            writeln!(out, "{}", text::fill_indented(&line, ctx.width, "", "  "))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let opts = DrillOptions {
        domains: args.domains.clone(),
        new: args.new,
        limit: args.limit,
        ahead: args.ahead,
        seed: ctx.seed,
    };
    match drill::begin(&mut store, &exams, &opts, &settings, &clock)? {
        Begun::Nothing { next_due: Some(t) } => {
            let line = format!(
                "Nothing is due. The next card is due {} ({}). Review early with `retake drill --ahead`.",
                human(&clock, t),
                in_days(t, clock.now)
            );
            writeln!(out, "{}", fill(&line, ctx.width))?;
        }
        Begun::Nothing { next_due: None } => {
            writeln!(out, "Nothing is due and no new families are left in these banks.")?
        }
        Begun::Run(run) => {
            drop(out);
            return run_drill(ctx, &mut store, &clock, *run);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn error(ctx: &Context, message: &str) {
    ctx.error(message);
}

fn show_card(card: &drill::Card, interactive: bool, width: usize) -> io::Result<()> {
    let mut out = io::stdout().lock();
    let kind = if card.new { "new" } else { "review" };
    writeln!(out)?;
    writeln!(
        out,
        "── Card {} of {} · {kind} · {}",
        card.position + 1,
        card.total,
        progress_bar(card.position, card.total)
    )?;
    match &card.face {
        Face::Quiz(item) => write_item(&mut out, item, item.scenario.as_deref(), true, width)?,
        Face::Flash(c) => {
            writeln!(out, "{}", fill(&c.front, width))?;
            if !interactive {
                writeln!(out, "\n{}", fill(&format!("Back: {}", c.back), width))?;
                writeln!(out, "Grade yourself: 1 again · 2 hard · 3 good · 4 easy.")?;
            } else {
                writeln!(out, "\n(press Enter to show the back)")?;
            }
        }
    }
    if interactive {
        write!(out, "> ")?;
    }
    out.flush()
}

fn show_graded(ctx: &Context, g: &drill::Graded) -> io::Result<()> {
    if let Some(correct) = g.correct {
        let mut out = io::stdout().lock();
        let p = ctx.out_paint;
        if correct {
            writeln!(out, "{}", p.green("Right."))?;
        } else {
            writeln!(
                out,
                "{} The right answer is {} ({} of {} points).",
                p.red("Not quite."),
                g.right_answer.as_deref().unwrap_or(""),
                g.points.0,
                g.points.1
            )?;
        }
        writeln!(out, "{}", fill(&g.explanation, ctx.width))?;
        for r in &g.refs {
            writeln!(out, "  {}", p.dim(&sanitize_line(r)))?;
        }
    }
    ctx.tell(&g.notices);
    Ok(())
}

fn undo(ctx: &Context, store: &mut Store, run: &mut DrillRun, now: DateTime<Utc>) -> anyhow::Result<bool> {
    match run.undo(store, now)? {
        Some(family) => {
            ctx.note(&format!("took back the last grade ({family})"));
            Ok(true)
        }
        None => {
            error(ctx, "nothing to undo");
            Ok(false)
        }
    }
}

fn run_drill(
    ctx: &Context,
    store: &mut Store,
    clock: &LearnerClock,
    mut run: DrillRun,
) -> anyhow::Result<ExitCode> {
    let interactive = io::stdin().is_terminal();
    let live = ctx.live_clock();
    if interactive && io::stdout().is_terminal() {
        let end = super::tui::drill::run(store, &mut run, live.as_ref(), ctx.out_paint.is_enabled())?;
        if end == super::tui::drill::End::Quit {
            eprintln!(
                "Stopped: every grade so far is saved. `retake drill` continues with the cards still due."
            );
        }
        print_summary(ctx, store, clock, &run)?;
        return Ok(ExitCode::SUCCESS);
    }
    let input = super::input::spawn_reader();
    let stop = super::signals::Stop::watch();
    let mut stopped_by = None;
    // The next line; None when the input ended or a signal came (`stopped_by`).
    let mut next_line = || match super::signals::recv_line(&input, &stop, None) {
        Ok(line) => line,
        Err(sig) => {
            stopped_by = stopped_by.or(sig);
            None
        }
    };
    'cards: loop {
        let Some(card) = run.next_card(store, live.now())?.cloned() else {
            // The last grade can still be taken back before the session closes.
            if !run.can_undo() {
                break;
            }
            if interactive {
                let mut out = io::stdout().lock();
                write!(
                    out,
                    "\n{}\n> ",
                    fill(
                        "That was the last card. Type :undo to take back its grade, or press Enter to finish.",
                        ctx.width
                    )
                )?;
                out.flush()?;
            }
            match next_line() {
                Some(line) if line.trim().eq_ignore_ascii_case(":undo") => {
                    undo(ctx, store, &mut run, live.now())?;
                    continue;
                }
                _ => break,
            }
        };
        show_card(&card, interactive, ctx.width)?;
        let mut revealed = !interactive;
        loop {
            let Some(line) = next_line() else {
                break 'cards;
            };
            let trimmed = line.trim();
            if trimmed.eq_ignore_ascii_case(":undo") {
                if undo(ctx, store, &mut run, live.now())? {
                    continue 'cards;
                }
                continue;
            }
            if trimmed.eq_ignore_ascii_case(":quit") {
                break 'cards;
            }
            if trimmed.is_empty() && !revealed {
                if let Face::Flash(c) = &card.face {
                    let mut out = io::stdout().lock();
                    write!(
                        out,
                        "{}\nGrade yourself: 1 again · 2 hard · 3 good · 4 easy.\n> ",
                        fill(&format!("Back: {}", c.back), ctx.width)
                    )?;
                    out.flush()?;
                }
                revealed = true;
                continue;
            }
            if trimmed.is_empty() {
                run.skip();
                continue 'cards;
            }
            let now = live.now();
            let graded = match &card.face {
                Face::Flash(_) => match trimmed.parse::<u8>().ok().and_then(Rating::from_number) {
                    Some(r) => run.grade_flash(store, r, now),
                    None => {
                        error(ctx, "grade with 1 (again), 2 (hard), 3 (good) or 4 (easy)");
                        continue;
                    }
                },
                Face::Quiz(_) => run.grade_quiz(store, trimmed, now),
            };
            match graded {
                Ok(g) => {
                    if let Face::Quiz(item) = &card.face {
                        let response =
                            crate::exam::parse_response(trimmed, &item.instance, &item.shuffle).ok();
                        if let Some(note) = super::exam::partial_note(response.as_ref(), &item.instance) {
                            ctx.note(&note);
                        }
                    }
                    show_graded(ctx, &g)?;
                    continue 'cards;
                }
                Err(EngineError::BadAnswer(e)) => error(ctx, &e),
                Err(e) => return Err(e.into()),
            }
        }
    }
    drop(stop);
    if let Some(sig) = stopped_by {
        if interactive {
            let _ = writeln!(io::stdout());
        }
        super::say(&fill(
            &format!(
                "Stopped by {}: every grade given is saved; run `retake drill` again to continue.",
                super::signals::name(sig)
            ),
            ctx.err_width,
        ));
        return Ok(super::signals::exit_code(sig));
    }
    print_summary(ctx, store, clock, &run)?;
    Ok(ExitCode::SUCCESS)
}

fn print_summary(ctx: &Context, store: &Store, clock: &LearnerClock, run: &DrillRun) -> anyhow::Result<()> {
    let s = drill::summary(store, run.tally(), &run.exams(), clock)?;
    let t = s.tally;
    let mut out = io::stdout().lock();
    writeln!(out)?;
    writeln!(out, "{}", ctx.out_paint.bold("Session summary"))?;
    writeln!(out, "  reviewed: {}", t.reviewed)?;
    if t.quiz > 0 {
        writeln!(
            out,
            "  accuracy: {:.0}% ({} of {} questions right)",
            t.quiz_right as f64 * 100.0 / t.quiz as f64,
            t.quiz_right,
            t.quiz
        )?;
    }
    if t.due_reviews > 0 {
        writeln!(
            out,
            "  retention: {:.0}% of {} due reviews recalled",
            t.due_passed as f64 * 100.0 / t.due_reviews as f64,
            t.due_reviews
        )?;
    }
    writeln!(
        out,
        "  due tomorrow: {} · due within a week: {}",
        s.due_tomorrow, s.due_week
    )?;
    for (code, m) in &s.memorisation {
        if let (Some(seen), Some(new)) = (m.seen_accuracy, m.new_accuracy) {
            let warning = if seen - new >= 0.2 {
                " — you may be recognising items rather than knowing the concept"
            } else {
                ""
            };
            let line = format!(
                "memorisation index {code} {}: {:.0}% right on forms seen before ({}) vs {:.0}% on new forms ({}){warning}",
                m.domain,
                seen * 100.0,
                m.seen_answers,
                new * 100.0,
                m.new_answers
            );
            writeln!(out, "{}", text::fill_indented(&line, ctx.width, "  ", "    "))?;
        }
    }
    Ok(())
}

/// `retake sr forecast`: due families per learner day for the next 30 days.
pub fn forecast(ctx: &Context, exam: Option<&str>, as_json: bool) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    let (_, clock) = ctx.learner(&store)?;
    let days = drill::forecast(&store, exam, &clock, 30)?;
    let mut out = io::stdout().lock();
    if as_json {
        let days: Vec<serde_json::Value> = days
            .iter()
            .map(|(date, n)| json!({ "date": date.to_string(), "due": n }))
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&json!({ "days": days }))?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let total: usize = days.iter().map(|d| d.1).sum();
    let max = days.iter().map(|d| d.1).max().unwrap_or(0).max(1);
    // "Mon 23 Nov  DUE  BAR": the bar takes what the width leaves, at most 40 columns.
    let bar_width = ctx.width.saturating_sub(20).clamp(5, 40);
    let scope = exam.map_or_else(|| "every exam".to_owned(), str::to_owned);
    writeln!(
        out,
        "{}",
        fill(
            &format!(
                "Families due per day, next {} days ({scope}; overdue ones count today)",
                days.len()
            ),
            ctx.width
        )
    )?;
    writeln!(out, "{:<10}  {:>5}", "day", "due")?;
    for (date, n) in &days {
        let bar = "█".repeat((n * bar_width).div_ceil(max).min(bar_width));
        let line = format!("{:<10}  {n:>5}  {bar}", date.format("%a %-d %b").to_string());
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(
        out,
        "{:<10}  {total:>5}  ({:.1} a day on average)",
        "total",
        total as f64 / days.len().max(1) as f64
    )?;
    Ok(ExitCode::SUCCESS)
}
