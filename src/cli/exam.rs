//! `retake exam start|resume|report|list`: timed mock exams, the terminal face of
//! [`crate::engine::mock`].
//!
//! The live loop reads stdin on a separate thread so the deadline can end the attempt even while the
//! learner sits idle at a prompt. Every answer, flag, dispute and move is committed by the engine
//! before the next line is read, so a killed process loses nothing. On a terminal a status line
//! above the prompt shows the time left, refreshed every second; when stdin is not a terminal, lines
//! are read as the scripted-answer protocol (DESIGN.md §2) describes and nothing asks for
//! confirmation.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use super::Context;
use super::output::table;
use crate::engine::mock::{self, MockRun, Resumed, StartRequest};
use crate::engine::{Clock, EngineError, LearnerClock};
use crate::exam::session::COMMANDS;
use crate::exam::{Command, Location, Mode, parse_command};
use crate::report::{AttemptReport, Style, clock_duration, text, write_item};
use crate::store::Store;
use crate::text::sanitize_line;

/// The `exam` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExamCommand {
    /// Start a timed mock exam on an exam's bank (120 minutes by default)
    Start(StartArgs),
    /// Continue the attempt in progress where it stopped (the clock kept running)
    Resume {
        /// The exam, when attempts of several exams are in progress
        exam: Option<String>,
        /// Take the attempt over from another terminal or browser tab that still has it open
        #[arg(long)]
        take_over: bool,
    },
    /// Print an attempt's score report (the latest started one by default)
    Report {
        /// Attempt number (see `retake exam list`)
        id: Option<i64>,
        /// Print JSON
        #[arg(long)]
        json: bool,
        /// Walk through every item: your answer, the right answer, the explanation
        #[arg(long)]
        review: bool,
    },
    /// List attempts with date, mode, score and status
    List {
        /// Only this exam
        exam: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ModeArg {
    /// Exam weight × your weakness × novelty, inside the official ranges
    Targeted,
    /// Every domain filled to its official share exactly
    Blueprint,
}

/// Options of `retake exam start`.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// The exam code, e.g. AZ-104
    exam: String,
    /// Number of items (default: the exam's question_count)
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = super::output::count_arg)]
    questions: Option<usize>,
    /// Time limit in minutes, fractions allowed (default: the exam's duration, or its time per item × --questions)
    #[arg(long, value_name = "M", allow_negative_numbers = true, value_parser = super::output::minutes_arg)]
    minutes: Option<f64>,
    /// How items are chosen
    #[arg(long, value_enum, default_value_t = ModeArg::Targeted)]
    mode: ModeArg,
    /// Only these domains (repeatable)
    #[arg(long = "domain", value_name = "ID")]
    domains: Vec<String>,
    /// Untimed practice: the answer and explanation right after each item
    #[arg(long)]
    practice: bool,
    /// Close the attempt in progress (as abandoned) and start a new one
    #[arg(long)]
    abandon: bool,
}

/// Runs an `exam` subcommand.
pub fn run(ctx: &Context, cmd: ExamCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ExamCommand::Start(args) => start(ctx, &args),
        ExamCommand::Resume { exam, take_over } => resume(ctx, exam.as_deref(), take_over),
        ExamCommand::Report { id, json, review } => report(ctx, id, json, review),
        ExamCommand::List { exam, json } => list(ctx, exam.as_deref(), json),
    }
}

struct Painted(super::Paint);

impl Style for Painted {
    fn bold(&self, s: &str) -> String {
        self.0.bold(s)
    }
    fn bad(&self, s: &str) -> String {
        self.0.red(s)
    }
    fn good(&self, s: &str) -> String {
        self.0.green(s)
    }
    fn dim(&self, s: &str) -> String {
        self.0.dim(s)
    }
}

fn start(ctx: &Context, args: &StartArgs) -> anyhow::Result<ExitCode> {
    let cat = ctx.catalog()?;
    let exam = cat.exam(&args.exam)?.exam;
    let mut store = cat.store;
    let (_, clock) = ctx.learner(&store)?;
    let request = StartRequest {
        count: args.questions,
        minutes: args.minutes,
        domains: args.domains.clone(),
        mode: match args.mode {
            ModeArg::Targeted => Mode::Targeted,
            ModeArg::Blueprint => Mode::Blueprint,
        },
        practice: args.practice,
        abandon: args.abandon,
        seed: ctx.seed,
    };
    let db = ctx.db_path()?;
    let started = mock::start(&mut store, Some(&db), &exam, &request, &clock, ctx.driver_token())?;
    ctx.tell(&started.notices);
    let run = started.run;
    let limit = match started.limit_seconds {
        Some(s) => format!("{} to finish", clock_duration(s)),
        None => "untimed practice".to_owned(),
    };
    let seed = started.seed;
    ctx.note(&format!(
        "{} ({}) mock exam · attempt {} · {} · {limit} · {} · seed {seed} (replay with --seed {seed})",
        exam.code,
        exam.status_label(crate::engine::insight::local_date(&clock, clock.now)),
        run.attempt.id,
        text::count(run.session.items.len() as u64, "item", "items"),
        run.attempt.mode.as_str()
    ));
    if !full_screen() {
        ctx.note(&format!(
            "type an answer, an empty line to skip, or a command: {COMMANDS}"
        ));
    }
    run_session(ctx, &mut store, &clock, run)
}

fn resume(ctx: &Context, exam: Option<&str>, take_over: bool) -> anyhow::Result<ExitCode> {
    let db = ctx.db_path()?;
    let mut store = Store::open(&db)?;
    let (_, clock) = ctx.learner(&store)?;
    let (resumed, notices) =
        mock::resume(&mut store, Some(&db), exam, &clock, ctx.driver_token(), take_over)?;
    ctx.tell(&notices);
    let run = match resumed {
        Resumed::Expired(id) => return print_report(ctx, &store, &clock, Some(id), false, false),
        Resumed::Running(run) => *run,
    };
    let left = run
        .time_left_text(clock.now)
        .map(|t| format!("{t} left"))
        .unwrap_or_else(|| "untimed".to_owned());
    ctx.note(&format!(
        "resuming attempt {} of {} · {left}",
        run.attempt.id, run.attempt.exam
    ));
    if !full_screen() {
        ctx.note(&format!(
            "type an answer, an empty line to skip, or a command: {COMMANDS}"
        ));
    }
    run_session(ctx, &mut store, &clock, run)
}

/// What ended a session.
enum End {
    Submitted,
    Expired,
    InputEnded,
    /// SIGTERM, SIGHUP or SIGINT: saved like the end of input, exit code 128 + the signal.
    Signal(i32),
}

struct Live<'a> {
    ctx: &'a Context,
    store: &'a mut Store,
    run: MockRun,
    clock: Box<dyn Clock>,
    interactive: bool,
    lines: Receiver<String>,
    last_case: Option<u32>,
    stop: super::signals::Stop,
}

impl Live<'_> {
    fn out(&self) -> io::StdoutLock<'static> {
        io::stdout().lock()
    }

    fn error(&self, message: &str) {
        self.ctx.error(message);
    }

    /// Reads the next line, or says why there is none.
    fn next_line(&self) -> Result<String, End> {
        let ended = |e: Option<i32>| e.map_or(End::InputEnded, End::Signal);
        match self.run.attempt.deadline {
            Some(deadline) => loop {
                let now = self.clock.now();
                if self.run.is_over(now) {
                    return Err(End::Expired);
                }
                let wait = (deadline - now)
                    .to_std()
                    .unwrap_or(Duration::ZERO)
                    .min(Duration::from_secs(3600));
                match super::signals::recv_line(&self.lines, &self.stop, Some(wait)) {
                    Ok(Some(line)) => {
                        return if self.run.is_over(self.clock.now()) {
                            Err(End::Expired)
                        } else {
                            Ok(line)
                        };
                    }
                    Ok(None) => continue,
                    Err(e) => return Err(ended(e)),
                }
            },
            None => match super::signals::recv_line(&self.lines, &self.stop, None) {
                Ok(Some(line)) => Ok(line),
                Ok(None) => Err(End::InputEnded),
                Err(e) => Err(ended(e)),
            },
        }
    }

    fn confirm(&self, question: &str) -> Result<bool, End> {
        if !self.interactive {
            return Ok(true);
        }
        let mut out = io::stdout().lock();
        let _ = write!(out, "{question} [y/N] ");
        let _ = out.flush();
        drop(out);
        let answer = self.next_line()?;
        Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
    }

    fn show(&mut self) -> io::Result<()> {
        let session = &self.run.session;
        let n = session.items.len();
        let mut out = self.out();
        match session.location {
            Location::Review => {
                let answered = n - session.unanswered().len();
                writeln!(out)?;
                writeln!(
                    out,
                    "── Review · {} · {answered} answered · {} unanswered · {} flagged",
                    text::count(n as u64, "item", "items"),
                    n - answered,
                    session.flagged().len()
                )?;
                let list = |v: Vec<usize>| {
                    v.iter()
                        .map(|i| (i + 1).to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let open_unanswered: Vec<usize> = session
                    .unanswered()
                    .into_iter()
                    .filter(|i| !session.items[*i].locked)
                    .collect();
                let width = self.ctx.width;
                if !open_unanswered.is_empty() {
                    let line = format!("Unanswered: {}", list(open_unanswered));
                    writeln!(out, "{}", text::fill_indented(&line, width, "  ", "    "))?;
                }
                if !session.flagged().is_empty() {
                    let line = format!("Flagged: {}", list(session.flagged()));
                    writeln!(out, "{}", text::fill_indented(&line, width, "  ", "    "))?;
                }
                let locked: Vec<usize> = (0..n).filter(|i| session.items[*i].locked).collect();
                if !locked.is_empty() {
                    let line = format!("Locked (sections you have left): {}", list(locked));
                    writeln!(out, "{}", text::fill_indented(&line, width, "  ", "    "))?;
                }
                writeln!(out, "Type :goto N to revisit an item, or :submit to finish.")?;
            }
            Location::Item(i) => {
                let item = &session.items[i];
                let flag = if item.flagged { " · flagged" } else { "" };
                writeln!(out)?;
                writeln!(out, "── Question {} of {n}{flag}", i + 1)?;
                if let Some(span) = self.run.entered_section() {
                    let what = if item.scenario.is_some() {
                        "case study"
                    } else {
                        "yes/no series"
                    };
                    let warning = format!(
                        "This {what} ({}) is a section: once you leave it, you cannot return to it.",
                        span.describe()
                    );
                    writeln!(out, "{}", text::fill(&warning, self.ctx.width))?;
                }
                let scenario = match (item.section, &item.scenario) {
                    (Some(s), Some(text)) if self.last_case != Some(s) => Some(text.as_str()),
                    _ => None,
                };
                write_item(&mut out, item, scenario, true, self.ctx.width)?;
                if item.scenario.is_some() {
                    self.last_case = item.section;
                }
            }
        }
        if self.interactive {
            write!(out, "\n> ")?;
        }
        out.flush()
    }

    /// Moves to `to`, asking first (on a terminal) when that locks a section.
    fn navigate(&mut self, to: Location) -> Result<bool, End> {
        if let Some(span) = self.run.section_lock(to)
            && !self.confirm(&format!(
                "You are leaving this section; you will not be able to return to {}. Continue?",
                span.describe()
            ))?
        {
            return Ok(false);
        }
        match self.run.go(self.store, to, self.clock.now()) {
            Ok(Some(span)) => self.ctx.note(&format!("section locked: {}", span.describe())),
            Ok(None) => {}
            Err(e) => self.error(&e.to_string()),
        }
        Ok(true)
    }

    fn practice_feedback(&self, f: &mock::Feedback) -> io::Result<()> {
        let mut out = self.out();
        let p = self.ctx.out_paint;
        if f.correct {
            writeln!(out, "{}", p.green("Right."))?;
        } else {
            writeln!(
                out,
                "{} The right answer is {} ({} of {} points).",
                p.red("Not quite."),
                f.right_answer,
                f.points,
                f.max_points
            )?;
        }
        writeln!(out, "{}", text::fill(&f.explanation, self.ctx.width))?;
        for r in &f.refs {
            writeln!(out, "  {}", p.dim(&sanitize_line(r)))?;
        }
        writeln!(out)
    }

    fn run(&mut self) -> anyhow::Result<End> {
        let timer = match (self.interactive && !self.ctx.quiet, self.run.attempt.deadline) {
            (true, Some(d)) => Some(super::input::Timer::start(d, self.ctx.err_paint)),
            _ => None,
        };
        let mut redraw = true;
        loop {
            if redraw {
                if let Some(t) = &timer {
                    t.set(self.run.progress_text());
                }
                self.show()?;
                self.run.mark_shown(self.clock.now());
                redraw = false;
            }
            let line = match self.next_line() {
                Ok(l) => l,
                Err(End::Expired) => return Ok(End::Expired),
                Err(end) => {
                    self.run.pause(self.store, self.clock.now())?;
                    return Ok(end);
                }
            };
            let command = match parse_command(&line) {
                Ok(c) => c,
                Err(e) => {
                    self.error(&e);
                    continue;
                }
            };
            match command {
                Command::Answer(text) => {
                    let feedback = match self.run.answer(self.store, &text, self.clock.now()) {
                        Ok((pos, feedback)) => {
                            let item = &self.run.session.items[pos];
                            if let Some(note) = partial_note(item.response.as_ref(), &item.instance) {
                                self.ctx.note(&note);
                            }
                            feedback
                        }
                        Err(e @ (EngineError::BadAnswer(_) | EngineError::BadMove(_))) => {
                            self.error(&e.to_string());
                            continue;
                        }
                        Err(e) => return Err(e.into()),
                    };
                    if let Some(f) = &feedback {
                        self.practice_feedback(f)?;
                    }
                    let to = self.run.destination(&Command::Next)?;
                    match self.navigate(to) {
                        Ok(_) => redraw = true,
                        Err(end) => return Ok(end),
                    }
                }
                Command::Flag => match self.run.toggle_flag(self.store, self.clock.now()) {
                    Ok((i, on)) => {
                        self.ctx.note(&if on {
                            format!("item {} flagged for review", i + 1)
                        } else {
                            format!("item {} unflagged", i + 1)
                        });
                        if let Some(t) = &timer {
                            t.set(self.run.progress_text());
                        }
                    }
                    Err(e @ EngineError::BadMove(_)) => self.error(&e.to_string()),
                    Err(e) => return Err(e.into()),
                },
                Command::Dispute(note) => match self.run.dispute(self.store, &note, self.clock.now()) {
                    Ok(i) => self.ctx.note(&format!(
                        "item {} marked as disputed: it is excluded from your score and listed by `retake bank disputes`",
                        i + 1
                    )),
                    Err(e @ EngineError::BadMove(_)) => self.error(&e.to_string()),
                    Err(e) => return Err(e.into()),
                },
                Command::Submit => {
                    let unanswered = self.run.session.unanswered().len();
                    let flagged = self.run.session.flagged().len();
                    match self.confirm(&format!("Submit now? {unanswered} unanswered, {flagged} flagged.")) {
                        Ok(true) => return Ok(End::Submitted),
                        Ok(false) => redraw = true,
                        Err(end) => return Ok(end),
                    }
                }
                Command::Skip if self.run.session.location == Location::Review => {
                    self.error("you are at the review screen: type :goto N to revisit an item, or :submit to finish");
                }
                nav => match self.run.destination(&nav) {
                    Err(e) => self.error(&e.to_string()),
                    Ok(to) => match self.navigate(to) {
                        Ok(moved) => redraw = moved || nav == Command::Review,
                        Err(end) => return Ok(end),
                    },
                },
            }
        }
    }
}

/// What to say when an answer leaves parts of a multi-part item empty (DESIGN §2).
pub fn partial_note(
    response: Option<&crate::exam::Response>,
    instance: &crate::bank::Instance,
) -> Option<String> {
    let empty = crate::exam::response::empty_parts(response?, instance);
    (empty > 0).then(|| {
        format!(
            "answer saved with {} empty: {} zero, as on the real exam",
            text::count(empty as u64, "part", "parts"),
            if empty == 1 { "it scores" } else { "they score" }
        )
    })
}

fn run_session(
    ctx: &Context,
    store: &mut Store,
    clock: &LearnerClock,
    run: MockRun,
) -> anyhow::Result<ExitCode> {
    let live_clock = ctx.live_clock();
    if full_screen() {
        return run_screen(ctx, store, clock, run, live_clock);
    }
    let mut live = Live {
        ctx,
        store,
        run,
        clock: live_clock,
        interactive: io::stdin().is_terminal(),
        lines: super::input::spawn_reader(),
        last_case: None,
        stop: super::signals::Stop::watch(),
    };
    let end = live.run()?;
    let Live {
        run,
        store,
        clock: live_clock,
        stop,
        ..
    } = live;
    // From here on a signal ends the process as it would any command.
    drop(stop);
    let id = run.attempt.id;
    match end {
        End::Signal(sig) => {
            // The learner may be sitting at a prompt: start on a fresh line.
            if io::stdin().is_terminal() {
                let _ = writeln!(io::stdout());
            }
            super::say(&text::fill(
                &format!(
                    "Stopped by {}: attempt {id} is saved and still in progress (its clock keeps running). Continue with `retake exam resume`.",
                    super::signals::name(sig)
                ),
                ctx.err_width,
            ));
            Ok(super::signals::exit_code(sig))
        }
        End::InputEnded => {
            super::say(&text::fill(
                &format!(
                    "Input ended: attempt {id} is saved and still in progress (its clock keeps running). Continue with `retake exam resume`."
                ),
                ctx.err_width,
            ));
            Ok(ExitCode::SUCCESS)
        }
        End::Submitted => {
            run.submit(store, live_clock.now())?;
            print_report(ctx, store, clock, Some(id), false, false)
        }
        End::Expired => {
            // The learner may be sitting at a prompt: start on a fresh line.
            if io::stdin().is_terminal() {
                let _ = writeln!(io::stdout());
            }
            super::say("Time is up: the attempt was submitted.");
            run.expire(store, live_clock.now())?;
            print_report(ctx, store, clock, Some(id), false, false)
        }
    }
}

/// Whether the exam runs full screen: stdin and stdout are both terminals.
fn full_screen() -> bool {
    io::stdin().is_terminal() && io::stdout().is_terminal()
}

/// The full-screen exam (stdin and stdout are terminals): the screen is gone before anything
/// below is printed.
fn run_screen(
    ctx: &Context,
    store: &mut Store,
    clock: &LearnerClock,
    mut run: MockRun,
    live_clock: Box<dyn Clock>,
) -> anyhow::Result<ExitCode> {
    let end = super::tui::exam::run(store, &mut run, live_clock.as_ref(), ctx.out_paint.is_enabled())?;
    let id = run.attempt.id;
    match end {
        super::tui::exam::End::Quit => {
            let clock_note = if run.attempt.timed {
                " (its clock keeps running)"
            } else {
                ""
            };
            eprintln!(
                "Saved: attempt {id} of {} is still in progress{clock_note}. Continue with `retake exam resume`.",
                run.attempt.exam
            );
            Ok(ExitCode::SUCCESS)
        }
        super::tui::exam::End::Submitted => {
            run.submit(store, live_clock.now())?;
            print_report(ctx, store, clock, Some(id), false, false)
        }
        super::tui::exam::End::Expired => {
            eprintln!("Time is up: the attempt was submitted.");
            run.expire(store, live_clock.now())?;
            print_report(ctx, store, clock, Some(id), false, false)
        }
    }
}

fn print_report(
    ctx: &Context,
    store: &Store,
    clock: &LearnerClock,
    id: Option<i64>,
    json: bool,
    review: bool,
) -> anyhow::Result<ExitCode> {
    let (attempt, items) = mock::attempt_with_items(store, id)?;
    let report = AttemptReport {
        attempt: &attempt,
        items: &items,
        now: clock.now,
        zone: clock.zone,
    };
    let mut out = io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report.json())?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let style = Painted(ctx.out_paint);
    if review {
        report.render_review(&mut out, &style, ctx.width)?;
    }
    report.render(&mut out, &style, ctx.width)?;
    Ok(ExitCode::SUCCESS)
}

fn report(ctx: &Context, id: Option<i64>, json: bool, review: bool) -> anyhow::Result<ExitCode> {
    let mut store = ctx.store()?;
    let (_, clock) = ctx.learner(&store)?;
    ctx.tell(&mock::expire_overdue(&mut store, &clock)?);
    print_report(ctx, &store, &clock, id, json, review)
}

fn list(ctx: &Context, exam: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let mut store = ctx.store()?;
    let (_, clock) = ctx.learner(&store)?;
    let (attempts, notices) = mock::list(&mut store, exam, &clock)?;
    ctx.tell(&notices);
    let mut out = io::stdout().lock();
    if json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "attempts": attempts }))?
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    if attempts.is_empty() {
        writeln!(out, "No attempts yet: start one with `retake exam start EXAM`.")?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = attempts
        .iter()
        .map(|a| {
            vec![
                a.attempt.to_string(),
                a.exam.clone(),
                text::human_stamp(&a.started_at, clock.zone.local(clock.now)),
                format!("{}{}", a.mode, if a.timed { "" } else { " (practice)" }),
                a.items.to_string(),
                a.status.replace('_', " "),
                a.scaled_score.map_or_else(|| "–".to_owned(), |s| s.to_string()),
                match a.passed {
                    Some(true) => "pass".to_owned(),
                    Some(false) => "fail".to_owned(),
                    None => String::new(),
                },
            ]
        })
        .collect();
    write!(
        out,
        "{}",
        table(
            &[
                "attempt", "exam", "started", "mode", "items", "status", "score", "result"
            ],
            &rows,
            ctx.width
        )
    )?;
    Ok(ExitCode::SUCCESS)
}

/// For `bank disputes`: every disputed item.
pub fn disputes(ctx: &Context, exam: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    let list = store.disputes(exam)?;
    let mut out = io::stdout().lock();
    if json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "disputes": list }))?
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    if list.is_empty() {
        writeln!(out, "No disputed items.")?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|d| {
            vec![
                d.exam.clone(),
                d.item.clone(),
                d.variant.clone().unwrap_or_default(),
                format!("{} #{}", d.attempt, d.position),
                d.note.clone().unwrap_or_default(),
            ]
        })
        .collect();
    write!(
        out,
        "{}",
        table(&["exam", "item", "variant", "attempt", "note"], &rows, ctx.width)
    )?;
    Ok(ExitCode::SUCCESS)
}
