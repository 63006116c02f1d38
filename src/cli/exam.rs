//! `retake exam start|resume|report|list`: timed mock exams.
//!
//! The live loop reads stdin on a separate thread so the deadline can end the attempt even while the
//! learner sits idle at a prompt. Every answer, flag, dispute and move is committed before the next
//! line is read, so a killed process loses nothing. On a terminal a status line above the prompt
//! shows the time left, refreshed every second; when stdin is not a terminal, lines are read as the
//! scripted-answer protocol (DESIGN.md §2) describes and nothing asks for confirmation.

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};
use clap::{Args, Subcommand, ValueEnum};

use super::catalog;
use super::output::table;
use super::{Context, UsageError};
use crate::bank::{Body, Exam, Question};
use crate::exam::session::COMMANDS;
use crate::exam::{
    Clock, Command, FixedClock, Location, Mode, Session, SessionItem, Shuffle, Status, parse_command,
    parse_response,
};
use crate::mastery::Evidence;
use crate::random::SeededRng;
use crate::report::{AttemptReport, Style, WIDTH, clock_duration, local_time, write_item};
use crate::sampler::{self, DomainSpec, Learner, Member, Request, Unit};
use crate::store::{AnswerRecord, AttemptRow, Candidate, NewAttempt, Store};
use crate::text::{sanitize, sanitize_line};

/// The `exam` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExamCommand {
    /// Start a timed mock exam on an exam's bank (120 minutes by default)
    Start(StartArgs),
    /// Continue the attempt in progress where it stopped (the clock kept running)
    Resume {
        /// The exam, when attempts of several exams are in progress
        exam: Option<String>,
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
    #[arg(long, value_name = "N")]
    questions: Option<usize>,
    /// Time limit in minutes, fractions allowed (default: the exam's duration)
    #[arg(long, value_name = "M")]
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
        ExamCommand::Resume { exam } => resume(ctx, exam.as_deref()),
        ExamCommand::Report { id, json, review } => report(ctx, id, json, review),
        ExamCommand::List { exam, json } => list(ctx, exam.as_deref(), json),
    }
}

/// The learner's UTC offset at `now` (the system time zone, `TZ`; UTC when unknown).
pub fn learner_offset(now: DateTime<Utc>) -> FixedOffset {
    chrono::Local.offset_from_utc_datetime(&now.naive_utc()).fix()
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

/// Closes an attempt: records its answers and updates the learner model (abandoned: nothing).
fn finish(
    store: &mut Store,
    attempt: &AttemptRow,
    items: &[SessionItem],
    status: Status,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let answers: Vec<AnswerRecord> = items
        .iter()
        .filter(|i| !i.disputed)
        .map(|i| {
            let (points, max_points) = i.score();
            AnswerRecord {
                item: i.instance.question.0.clone(),
                family: i.instance.family.0.clone(),
                domain: i.instance.domain.0.clone(),
                category: i.instance.category.0.clone(),
                variant: i.instance.variant.clone(),
                points,
                max_points,
                seconds: i.seconds,
                seen_before: super::repair::seen_before(store, &attempt.exam, &i.instance).ok(),
            }
        })
        .collect();
    let update = |current: Option<Evidence>, a: &AnswerRecord| {
        current
            .unwrap_or_else(|| Evidence::empty(at))
            .add(a.points, a.max_points, 1.0, at)
    };
    let finished = store.finish_attempt(attempt.id, &attempt.exam, status, at, &answers, &update)?;
    if finished && status.is_scored() {
        // Answers given in a mock exam are also reviews of their families.
        super::drill::review_mock_answers(store, &attempt.exam, items, at)?;
        for (item, answer) in items.iter().filter(|i| !i.disputed).zip(&answers) {
            super::repair::after_answer(
                store,
                &super::repair::Answered {
                    exam: &attempt.exam,
                    instance: &item.instance,
                    family: item.instance.family.as_str(),
                    points: item.score(),
                    seconds: item.seconds,
                    source: "mock",
                    at,
                },
                answer.seen_before.unwrap_or(false),
            )?;
        }
    }
    Ok(finished)
}

/// Submits, as expired, every attempt whose deadline has passed (at its deadline).
pub fn expire_overdue(ctx: &Context, store: &mut Store) -> anyhow::Result<()> {
    for attempt in store.attempts_in_progress()? {
        let Some(deadline) = attempt.deadline.filter(|d| *d <= ctx.now) else {
            continue;
        };
        let items = store.attempt_items(attempt.id)?;
        if finish(store, &attempt, &items, Status::Expired, deadline)? {
            ctx.note(&format!(
                "attempt {} of {} ran past its deadline ({}) and was submitted as expired",
                attempt.id,
                attempt.exam,
                local_time(deadline, learner_offset(ctx.now))
            ));
        }
    }
    Ok(())
}

fn units_from(candidates: &[Candidate]) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    let mut case_units: HashMap<&str, usize> = HashMap::new();
    for c in candidates {
        let member = Member {
            question: c.id.clone(),
            family: c.family.clone(),
            domain: c.domain.clone(),
            category: c.category.clone(),
        };
        match &c.case_id {
            Some(case) => match case_units.get(case.as_str()) {
                Some(u) => units[*u].members.push(member),
                None => {
                    case_units.insert(case, units.len());
                    units.push(Unit {
                        members: vec![member],
                        is_case: true,
                    });
                }
            },
            None => units.push(Unit {
                members: vec![member],
                is_case: false,
            }),
        }
    }
    // Case members in their written order.
    let position: HashMap<&str, i64> = candidates
        .iter()
        .map(|c| (c.id.as_str(), c.case_index.unwrap_or(0)))
        .collect();
    for u in units.iter_mut().filter(|u| u.is_case) {
        u.members
            .sort_by_key(|m| position.get(m.question.as_str()).copied().unwrap_or(0));
    }
    units
}

/// The questions a mock may draw from: the whole bank when it is small, else a seeded slice of each
/// category proportional to its size (see `sampler::pool_plan`), plus every case study.
fn candidate_pool(store: &Store, exam: &str, count: usize, seed: u64) -> anyhow::Result<Vec<Candidate>> {
    let sizes = store.category_sizes(exam)?;
    let counts: Vec<u64> = sizes.iter().map(|(_, _, n)| *n).collect();
    let Some(plan) = sampler::pool_plan(&counts, (count * 40).max(2_000)) else {
        return Ok(store.candidates(exam)?);
    };
    let mut rng = SeededRng::derive(seed, "pool", 0);
    let mut pool = Vec::new();
    for ((domain, category, _), take) in sizes.iter().zip(plan) {
        let from = (rng.next_u64() >> 1) as i64;
        pool.extend(store.category_slice(exam, domain, category, from, take)?);
    }
    pool.extend(store.case_candidates(exam)?);
    pool.sort_by(|a, b| a.id.cmp(&b.id));
    pool.dedup_by(|a, b| a.id == b.id);
    Ok(pool)
}

fn learner_model(
    store: &Store,
    exam: &str,
    pool: &[Candidate],
    now: DateTime<Utc>,
) -> anyhow::Result<Learner> {
    let mut learner = Learner::default();
    for (domain, category, ev) in store.category_evidence(exam)? {
        learner
            .weakness
            .insert((domain, category), ev.estimate(now).weakness());
    }
    let recent = store.recent_attempts(exam, 3)?;
    for (family, (_, last)) in store.family_exposure(exam, pool.iter().map(|c| c.family.as_str()))? {
        let rank = last.and_then(|l| recent.iter().position(|r| *r == l));
        let novelty = match rank {
            Some(0) => 0.2,
            Some(1) => 0.4,
            Some(2) => 0.6,
            _ => 0.8,
        };
        learner.novelty.insert(family, novelty);
    }
    Ok(learner)
}

fn default_seed(now: DateTime<Utc>) -> u64 {
    let nanos = now.timestamp_nanos_opt().unwrap_or_default() as u64;
    // Keep seeds within 2^53 so every JSON reader round-trips them exactly.
    SeededRng::derive(nanos, "seed", u64::from(std::process::id())).next_u64() >> 11
}

fn domain_specs(exam: &Exam, only: &[String]) -> anyhow::Result<Vec<DomainSpec>> {
    for d in only {
        if exam.domain(d).is_none() {
            let ids: Vec<&str> = exam.domains.iter().map(|d| d.id.as_str()).collect();
            return Err(UsageError(format!(
                "{} has no domain \"{d}\" (domains: {})",
                exam.code,
                ids.join(", ")
            ))
            .into());
        }
    }
    let restricted = !only.is_empty();
    Ok(exam
        .domains
        .iter()
        .filter(|d| !restricted || only.iter().any(|o| o == d.id.as_str()))
        .map(|d| {
            let (low, high) = d.weight.bounds();
            // A restricted mock is a practice set: the official ranges no longer apply.
            if restricted {
                DomainSpec {
                    id: d.id.0.clone(),
                    share: d.share,
                    low: 0.0,
                    high: 100.0,
                }
            } else {
                DomainSpec {
                    id: d.id.0.clone(),
                    share: d.share,
                    low,
                    high,
                }
            }
        })
        .collect())
}

/// Builds the items of a new attempt from the chosen units.
fn build_items(
    store: &Store,
    blueprint: &Exam,
    units: &[Unit],
    chosen: &[usize],
    seed: u64,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<SessionItem>> {
    let exam = blueprint.code.as_str();
    let ids: Vec<&str> = chosen
        .iter()
        .flat_map(|u| &units[*u].members)
        .map(|m| m.question.as_str())
        .collect();
    let questions: Vec<Question> = store.questions(exam, &ids)?;
    let scenarios = store.case_scenarios(exam)?;
    let mut items = Vec::with_capacity(questions.len());
    let mut section = 0u32;
    let mut case_section: HashMap<String, u32> = HashMap::new();
    let mut used: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
    for (p, q) in questions.iter().enumerate() {
        // A family in repair never comes back verbatim: a variant, another question of the family
        // or a sibling takes its place, or the item is left out.
        let mut rng = SeededRng::derive(seed, "variant", p as u64);
        let Some(instance) = super::repair::mock_substitute(store, blueprint, q, now, &mut rng)? else {
            continue;
        };
        if instance.question != q.id {
            if used.contains(&instance.question.0) {
                continue;
            }
            used.push(instance.question.0.clone());
        }
        let shuffle = Shuffle::random(&instance.body, &mut SeededRng::derive(seed, "shuffle", p as u64));
        let (item_section, scenario) = match &q.case {
            Some(link) => {
                let s = *case_section.entry(link.case_id.0.clone()).or_insert_with(|| {
                    section += 1;
                    section
                });
                (Some(s), scenarios.get(link.case_id.as_str()).cloned())
            }
            None if matches!(instance.body, Body::Yesno { .. }) => {
                section += 1;
                (Some(section), None)
            }
            None => (None, None),
        };
        items.push(SessionItem {
            instance,
            shuffle,
            section: item_section,
            scenario,
            response: None,
            flagged: false,
            disputed: false,
            locked: false,
            seconds: 0.0,
        });
    }
    Ok(items)
}

fn start(ctx: &Context, args: &StartArgs) -> anyhow::Result<ExitCode> {
    let cat = catalog::open(ctx)?;
    let summary = cat.exam(&args.exam)?;
    let (exam, bank_questions) = (summary.exam, summary.questions);
    let mut store = cat.store;
    expire_overdue(ctx, &mut store)?;
    if let Some(busy) = store
        .attempts_in_progress()?
        .into_iter()
        .find(|a| a.exam == exam.code)
    {
        if !args.abandon {
            return Err(anyhow!(
                "attempt {} of {} is still in progress (started {}): continue it with `retake exam resume`, or start over with `retake exam start {} --abandon`",
                busy.id,
                busy.exam,
                local_time(busy.started_at, learner_offset(ctx.now)),
                exam.code
            ));
        }
        let items = store.attempt_items(busy.id)?;
        finish(&mut store, &busy, &items, Status::Abandoned, ctx.now)?;
        ctx.note(&format!("attempt {} closed as abandoned", busy.id));
    }
    let count = args.questions.unwrap_or(exam.question_count as usize);
    if count == 0 {
        return Err(UsageError("--questions must be at least 1".into()).into());
    }
    // More than the bank holds cannot be drawn (and a huge number would only spin the sampler).
    let available = usize::try_from(bank_questions).unwrap_or(usize::MAX).max(1);
    if count > available {
        ctx.warn(&format!(
            "--questions {count} is more than the {} bank holds: using {available}",
            exam.code
        ));
    }
    let count = count.min(available);
    let minutes = args.minutes.unwrap_or(f64::from(exam.duration_minutes));
    if !(minutes.is_finite() && minutes > 0.0 && minutes <= 24.0 * 60.0) {
        return Err(UsageError(format!(
            "--minutes {minutes} must be more than 0 and at most 1440"
        ))
        .into());
    }
    let domains = domain_specs(&exam, &args.domains)?;
    let seed = ctx.seed.unwrap_or_else(|| default_seed(ctx.now));
    let mode = match args.mode {
        ModeArg::Targeted => Mode::Targeted,
        ModeArg::Blueprint => Mode::Blueprint,
    };
    let mut pool = candidate_pool(&store, &exam.code, count, seed)?;
    // A family in repair never comes back verbatim: plain questions wait for drills (variation
    // prompts, siblings); templates stay and come back as a variant.
    let repairing: Vec<String> = store
        .open_repairs(Some(&exam.code))?
        .into_iter()
        .map(|r| r.family)
        .collect();
    let held = |c: &Candidate| !c.templated && repairing.contains(&c.family);
    let broken_cases: Vec<String> = pool
        .iter()
        .filter(|c| held(c))
        .filter_map(|c| c.case_id.clone())
        .collect();
    pool.retain(|c| !held(c) && c.case_id.as_ref().is_none_or(|id| !broken_cases.contains(id)));
    let units = units_from(&pool);
    let learner = learner_model(&store, &exam.code, &pool, ctx.now)?;
    let request = Request {
        count,
        mode,
        domains,
        max_cases: usize::from(count >= 8),
    };
    let chosen = sampler::sample(
        &units,
        &request,
        &learner,
        &mut SeededRng::derive(seed, "sample", 0),
    );
    let items = build_items(&store, &exam, &units, &chosen, seed, ctx.now)?;
    if items.is_empty() {
        return Err(anyhow!(
            "the {} bank has no questions for this selection",
            exam.code
        ));
    }
    if items.len() < count {
        let why = if repairing.is_empty() {
            String::new()
        } else {
            format!(
                " ({} families in repair come back through drills as variants, siblings or variation prompts: see `retake variations`)",
                repairing.len()
            )
        };
        ctx.warn(&format!(
            "the bank holds only {} items for this selection, not {count}{why}",
            items.len()
        ));
    }
    let deadline = (!args.practice)
        .then(|| ctx.now + chrono::Duration::milliseconds((minutes * 60_000.0).round() as i64));
    let restricted = (!args.domains.is_empty()).then_some(args.domains.as_slice());
    let id = store.create_attempt(&NewAttempt {
        exam: &exam.code,
        mode,
        timed: !args.practice,
        seed,
        started_at: ctx.now,
        deadline,
        domains: restricted,
        blueprint: &exam,
        items: &items,
    })?;
    let attempt = store
        .attempt(id)?
        .ok_or_else(|| anyhow!("attempt {id} vanished"))?;
    let limit = match deadline {
        Some(_) => format!("{} to finish", clock_duration(minutes * 60.0)),
        None => "untimed practice".to_owned(),
    };
    ctx.note(&format!(
        "{} mock exam · attempt {id} · {} items · {limit} · {} · seed {seed} (replay with --seed {seed})",
        exam.code,
        items.len(),
        mode.as_str()
    ));
    ctx.note(&format!(
        "type an answer, an empty line to skip, or a command: {COMMANDS}"
    ));
    run_session(ctx, &mut store, &attempt, items)
}

fn resume(ctx: &Context, exam: Option<&str>) -> anyhow::Result<ExitCode> {
    let path = ctx.db_path()?;
    let mut store = Store::open(&path)?;
    let before = store.attempts_in_progress()?;
    expire_overdue(ctx, &mut store)?;
    let running: Vec<AttemptRow> = store
        .attempts_in_progress()?
        .into_iter()
        .filter(|a| exam.is_none_or(|e| a.exam.eq_ignore_ascii_case(e)))
        .collect();
    let attempt = match running.as_slice() {
        [one] => one.clone(),
        [] => {
            // An attempt that just expired is reported instead of silently vanishing.
            if let Some(expired) = before
                .iter()
                .find(|a| exam.is_none_or(|e| a.exam.eq_ignore_ascii_case(e)))
            {
                return print_report(ctx, &store, expired.id, false, false);
            }
            return Err(anyhow!(
                "no attempt is in progress: start one with `retake exam start EXAM`"
            ));
        }
        many => {
            let codes: Vec<&str> = many.iter().map(|a| a.exam.as_str()).collect();
            return Err(UsageError(format!(
                "attempts of several exams are in progress ({}): name one, e.g. `retake exam resume {}`",
                codes.join(", "),
                codes[0]
            ))
            .into());
        }
    };
    let items = store.attempt_items(attempt.id)?;
    let left = attempt
        .deadline
        .map(|d| {
            format!(
                "{} left",
                clock_duration((d - ctx.now).num_milliseconds() as f64 / 1000.0)
            )
        })
        .unwrap_or_else(|| "untimed".to_owned());
    ctx.note(&format!(
        "resuming attempt {} of {} · {left}",
        attempt.id, attempt.exam
    ));
    ctx.note(&format!(
        "type an answer, an empty line to skip, or a command: {COMMANDS}"
    ));
    run_session(ctx, &mut store, &attempt, items)
}

/// The system clock, for the live loop (unless `RETAKE_NOW` fixes time).
struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Lines from stdin, read on their own thread so a deadline can interrupt a wait.
pub fn spawn_reader() -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let stdin = io::stdin();
        let mut lock = stdin.lock();
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match crate::text::read_line_capped(&mut lock, &mut buf, crate::text::MAX_LINE_BYTES) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf)
                        .trim_end_matches(['\n', '\r'])
                        .to_owned();
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            }
        }
    });
    rx
}

/// The status line shown above the prompt on a terminal, refreshed every second.
struct Timer {
    stop: Arc<AtomicBool>,
    text: Arc<Mutex<String>>,
}

impl Timer {
    fn start(deadline: DateTime<Utc>, paint: super::Paint) -> Timer {
        let stop = Arc::new(AtomicBool::new(false));
        let text = Arc::new(Mutex::new(String::new()));
        let (stop2, text2) = (stop.clone(), text.clone());
        std::thread::spawn(move || {
            let mut warned = (false, false);
            while !stop2.load(Ordering::Relaxed) {
                let left = (deadline - SystemClock.now()).num_milliseconds() as f64 / 1000.0;
                let extra = text2.lock().map(|t| t.clone()).unwrap_or_default();
                let mut status = format!("⏱ {} left · {extra}", clock_duration(left));
                if left <= 300.0 {
                    status = paint.red(&format!("⚠ 5 minutes or less: {status}"));
                    if !warned.1 {
                        warned.1 = true;
                        eprint!("\x07");
                    }
                } else if left <= 900.0 {
                    status = paint.yellow(&format!("⚠ 15 minutes or less: {status}"));
                    if !warned.0 {
                        warned.0 = true;
                        eprint!("\x07");
                    }
                }
                // Save the cursor, rewrite the line above the prompt, restore the cursor: the
                // learner's half-typed answer is left alone.
                eprint!("\x1b7\x1b[1A\r\x1b[2K{status}\x1b8");
                let _ = io::stderr().flush();
                std::thread::sleep(Duration::from_millis(1000));
            }
        });
        Timer { stop, text }
    }

    fn set(&self, s: String) {
        if let Ok(mut t) = self.text.lock() {
            *t = s;
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// What ended a session.
enum End {
    Submitted,
    Expired,
    InputEnded,
}

struct Live<'a> {
    ctx: &'a Context,
    store: &'a mut Store,
    attempt: &'a AttemptRow,
    session: Session,
    clock: Box<dyn Clock>,
    interactive: bool,
    lines: Receiver<String>,
    shown_at: DateTime<Utc>,
    last_case: Option<u32>,
}

impl Live<'_> {
    fn out(&self) -> io::StdoutLock<'static> {
        io::stdout().lock()
    }

    fn error(&self, message: &str) {
        eprintln!(
            "{} {}",
            self.ctx.err_paint.red("error:"),
            crate::text::message(message)
        );
    }

    /// Adds the time spent on the current item since it was shown.
    fn settle_time(&mut self) {
        let now = self.clock.now();
        if let Some(i) = self.session.current() {
            let spent = (now - self.shown_at).num_milliseconds().max(0) as f64 / 1000.0;
            self.session.items[i].seconds += spent;
        }
        self.shown_at = now;
    }

    fn save(&mut self, positions: &[usize], note: Option<&str>) -> anyhow::Result<()> {
        let changed: Vec<(usize, &SessionItem, Option<&str>)> = positions
            .iter()
            .map(|p| (*p, &self.session.items[*p], note))
            .collect();
        self.store
            .save_progress(self.attempt.id, self.session.location, &changed, self.clock.now())
            .context("saving your answer")
    }

    /// Reads the next line, or says why there is none.
    fn next_line(&self) -> Result<String, End> {
        match self.attempt.deadline {
            Some(deadline) => loop {
                let left = deadline - self.clock.now();
                if left <= chrono::Duration::zero() {
                    return Err(End::Expired);
                }
                let wait = left
                    .to_std()
                    .unwrap_or(Duration::ZERO)
                    .min(Duration::from_secs(3600));
                match self.lines.recv_timeout(wait) {
                    Ok(line) => {
                        return if self.clock.now() >= deadline {
                            Err(End::Expired)
                        } else {
                            Ok(line)
                        };
                    }
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return Err(End::InputEnded),
                }
            },
            None => self.lines.recv().map_err(|_| End::InputEnded),
        }
    }

    fn confirm(&self, question: &str) -> Result<bool, End> {
        if !self.interactive {
            return Ok(true);
        }
        print!("{question} [y/N] ");
        let _ = io::stdout().flush();
        let answer = self.next_line()?;
        Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
    }

    fn show(&mut self) -> io::Result<()> {
        let n = self.session.items.len();
        let mut out = self.out();
        match self.session.location {
            Location::Review => {
                let answered = n - self.session.unanswered().len();
                writeln!(out)?;
                writeln!(
                    out,
                    "── Review · {n} items · {answered} answered · {} unanswered · {} flagged",
                    n - answered,
                    self.session.flagged().len()
                )?;
                let list = |v: Vec<usize>| {
                    v.iter()
                        .map(|i| (i + 1).to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let open_unanswered: Vec<usize> = self
                    .session
                    .unanswered()
                    .into_iter()
                    .filter(|i| !self.session.items[*i].locked)
                    .collect();
                if !open_unanswered.is_empty() {
                    writeln!(out, "  Unanswered: {}", list(open_unanswered))?;
                }
                if !self.session.flagged().is_empty() {
                    writeln!(out, "  Flagged: {}", list(self.session.flagged()))?;
                }
                let locked: Vec<usize> = (0..n).filter(|i| self.session.items[*i].locked).collect();
                if !locked.is_empty() {
                    writeln!(out, "  Locked (sections you have left): {}", list(locked))?;
                }
                writeln!(out, "Type :goto N to revisit an item, or :submit to finish.")?;
            }
            Location::Item(i) => {
                let item = &self.session.items[i];
                let flag = if item.flagged { " · flagged" } else { "" };
                writeln!(out)?;
                writeln!(out, "── Question {} of {n}{flag}", i + 1)?;
                if let Some(section) = self.session.enters_section() {
                    let members: Vec<usize> = (0..n)
                        .filter(|j| self.session.items[*j].section == Some(section))
                        .collect();
                    let what = if item.scenario.is_some() {
                        "case study"
                    } else {
                        "yes/no series"
                    };
                    let span = match (members.first(), members.last()) {
                        (Some(a), Some(b)) if a != b => format!("items {}–{}", a + 1, b + 1),
                        _ => format!("item {}", i + 1),
                    };
                    writeln!(
                        out,
                        "This {what} ({span}) is a section: once you leave it, you cannot return to it."
                    )?;
                }
                let scenario = match (item.section, &item.scenario) {
                    (Some(s), Some(text)) if self.last_case != Some(s) => Some(text.as_str()),
                    _ => None,
                };
                write_item(&mut out, item, scenario, true)?;
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

    fn status_text(&self) -> String {
        let n = self.session.items.len();
        let answered = n - self.session.unanswered().len();
        let at = match self.session.location {
            Location::Item(i) => format!("question {} of {n}", i + 1),
            Location::Review => "review".to_owned(),
        };
        format!(
            "{at} · {answered}/{n} answered · {} flagged",
            self.session.flagged().len()
        )
    }

    /// Moves to `to`, asking first (on a terminal) when that locks a section.
    fn navigate(&mut self, to: Location) -> Result<bool, End> {
        if let Some(section) = self.session.leaves_section(to) {
            let members: Vec<usize> = (0..self.session.items.len())
                .filter(|j| self.session.items[*j].section == Some(section))
                .collect();
            let span = match (members.first(), members.last()) {
                (Some(a), Some(b)) if a != b => format!("items {}–{}", a + 1, b + 1),
                _ => format!("item {}", members.first().map_or(0, |a| a + 1)),
            };
            if !self.confirm(&format!(
                "You are leaving this section; you will not be able to return to {span}. Continue?"
            ))? {
                return Ok(false);
            }
            self.settle_time();
            let mut changed = self.session.current().into_iter().collect::<Vec<_>>();
            changed.extend(self.session.go(to));
            if let Err(e) = self.save(&changed, None) {
                self.error(&format!("{e:#}"));
            }
            self.ctx.note(&format!("section locked: {span}"));
            return Ok(true);
        }
        self.settle_time();
        let changed = self.session.current().into_iter().collect::<Vec<_>>();
        self.session.go(to);
        if let Err(e) = self.save(&changed, None) {
            self.error(&format!("{e:#}"));
        }
        Ok(true)
    }

    fn practice_feedback(&self, i: usize) -> io::Result<()> {
        let item = &self.session.items[i];
        let right = crate::exam::display_response(
            &crate::exam::response::answer_as_response(&item.instance.answer),
            &item.shuffle,
        );
        let mut out = self.out();
        let p = self.ctx.out_paint;
        if item.correct() {
            writeln!(out, "{}", p.green("Right."))?;
        } else {
            let (points, max) = item.score();
            writeln!(
                out,
                "{} The right answer is {right} ({points} of {max} points).",
                p.red("Not quite.")
            )?;
        }
        writeln!(
            out,
            "{}",
            textwrap::fill(&sanitize(&item.instance.explanation), WIDTH)
        )?;
        for r in &item.instance.refs {
            writeln!(out, "  {}", p.dim(&sanitize_line(r)))?;
        }
        writeln!(out)
    }

    fn run(&mut self) -> anyhow::Result<End> {
        let timer = match (self.interactive && !self.ctx.quiet, self.attempt.deadline) {
            (true, Some(d)) => Some(Timer::start(d, self.ctx.err_paint)),
            _ => None,
        };
        let mut redraw = true;
        loop {
            if redraw {
                if let Some(t) = &timer {
                    t.set(self.status_text());
                }
                self.show()?;
                self.shown_at = self.clock.now();
                redraw = false;
            }
            let line = match self.next_line() {
                Ok(l) => l,
                Err(end) => {
                    self.settle_time();
                    let current: Vec<usize> = self.session.current().into_iter().collect();
                    self.save(&current, None)?;
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
                    let Some(i) = self.session.current() else {
                        self.error("you are at the review screen: type :goto N to change an answer, or :submit to finish");
                        continue;
                    };
                    if self.session.items[i].locked {
                        self.error("this item is locked");
                        continue;
                    }
                    let response = match parse_response(
                        &text,
                        &self.session.items[i].instance,
                        &self.session.items[i].shuffle,
                    ) {
                        Ok(r) => r,
                        Err(e) => {
                            self.error(&e);
                            continue;
                        }
                    };
                    self.settle_time();
                    self.session.answer(response);
                    self.save(&[i], None)?;
                    if !self.attempt.timed {
                        self.practice_feedback(i)?;
                    }
                    let to = self.session.destination(&Command::Next).map_err(|e| anyhow!(e))?;
                    match self.navigate(to) {
                        Ok(_) => redraw = true,
                        Err(end) => return Ok(end),
                    }
                }
                Command::Flag | Command::Dispute(_) => {
                    let Some(i) = self.session.current() else {
                        self.error("go to an item first (:goto N)");
                        continue;
                    };
                    self.settle_time();
                    let (message, note) = match &command {
                        Command::Flag => {
                            let on = self.session.toggle_flag().unwrap_or(false);
                            (
                                if on {
                                    format!("item {} flagged for review", i + 1)
                                } else {
                                    format!("item {} unflagged", i + 1)
                                },
                                None,
                            )
                        }
                        Command::Dispute(note) => {
                            self.session.dispute();
                            (
                                format!(
                                    "item {} marked as disputed: it is excluded from your score and listed by `retake bank disputes`",
                                    i + 1
                                ),
                                Some(note.clone()).filter(|n| !n.is_empty()),
                            )
                        }
                        _ => (String::new(), None),
                    };
                    self.save(&[i], note.as_deref())?;
                    self.ctx.note(&message);
                    if let Some(t) = &timer {
                        t.set(self.status_text());
                    }
                }
                Command::Submit => {
                    let unanswered = self.session.unanswered().len();
                    let flagged = self.session.flagged().len();
                    match self.confirm(&format!(
                        "Submit now? {unanswered} unanswered, {flagged} flagged."
                    )) {
                        Ok(true) => {
                            self.settle_time();
                            let current: Vec<usize> = self.session.current().into_iter().collect();
                            self.save(&current, None)?;
                            return Ok(End::Submitted);
                        }
                        Ok(false) => redraw = true,
                        Err(end) => return Ok(end),
                    }
                }
                Command::Skip if self.session.location == Location::Review => {
                    self.error(
                        "you are at the review screen: type :goto N to revisit an item, or :submit to finish",
                    );
                }
                nav => match self.session.destination(&nav) {
                    Err(e) => self.error(&e),
                    Ok(to) => match self.navigate(to) {
                        Ok(moved) => redraw = moved || nav == Command::Review,
                        Err(end) => return Ok(end),
                    },
                },
            }
        }
    }
}

fn run_session(
    ctx: &Context,
    store: &mut Store,
    attempt: &AttemptRow,
    items: Vec<SessionItem>,
) -> anyhow::Result<ExitCode> {
    let clock: Box<dyn Clock> = if std::env::var_os("RETAKE_NOW").is_some() {
        Box::new(FixedClock(ctx.now))
    } else {
        Box::new(SystemClock)
    };
    let mut live = Live {
        ctx,
        session: Session {
            items,
            location: attempt.location,
        },
        store,
        attempt,
        shown_at: clock.now(),
        clock,
        interactive: io::stdin().is_terminal(),
        lines: spawn_reader(),
        last_case: None,
    };
    let end = live.run()?;
    let Live {
        session,
        store,
        clock,
        ..
    } = live;
    match end {
        End::InputEnded => {
            eprintln!(
                "Input ended: attempt {} is saved and still in progress (its clock keeps running). Continue with `retake exam resume`.",
                attempt.id
            );
            Ok(ExitCode::SUCCESS)
        }
        End::Submitted | End::Expired => {
            let (status, at) = match end {
                End::Expired => (Status::Expired, attempt.deadline.unwrap_or_else(|| clock.now())),
                _ => (Status::Submitted, clock.now()),
            };
            if status == Status::Expired {
                // The learner may be sitting at a prompt: start on a fresh line.
                if io::stdin().is_terminal() {
                    println!();
                }
                eprintln!("Time is up: the attempt was submitted.");
            }
            finish(store, attempt, &session.items, status, at)?;
            print_report(ctx, store, attempt.id, false, false)
        }
    }
}

fn print_report(ctx: &Context, store: &Store, id: i64, json: bool, review: bool) -> anyhow::Result<ExitCode> {
    let attempt = store
        .attempt(id)?
        .ok_or_else(|| UsageError(format!("there is no attempt {id} (see `retake exam list`)")))?;
    let items = store.attempt_items(id)?;
    let report = AttemptReport {
        attempt: &attempt,
        items: &items,
        now: ctx.now,
        offset: learner_offset(ctx.now),
    };
    let mut out = io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report.json())?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let style = Painted(ctx.out_paint);
    if review {
        report.render_review(&mut out, &style)?;
    }
    report.render(&mut out, &style)?;
    Ok(ExitCode::SUCCESS)
}

fn report(ctx: &Context, id: Option<i64>, json: bool, review: bool) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(&ctx.db_path()?)?;
    expire_overdue(ctx, &mut store)?;
    let id = match id {
        Some(id) => id,
        None => store
            .latest_attempt()?
            .map(|a| a.id)
            .ok_or_else(|| anyhow!("no attempts yet: start one with `retake exam start EXAM`"))?,
    };
    print_report(ctx, &store, id, json, review)
}

fn list(ctx: &Context, exam: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let mut store = Store::open(&ctx.db_path()?)?;
    expire_overdue(ctx, &mut store)?;
    let offset = learner_offset(ctx.now);
    let attempts = store.attempts(exam)?;
    let mut rows = Vec::new();
    let mut values = Vec::new();
    for a in &attempts {
        let items = store.attempt_items(a.id)?;
        let report = AttemptReport {
            attempt: a,
            items: &items,
            now: ctx.now,
            offset,
        };
        let summary = report.summary();
        let scored = a.status.is_scored();
        values.push(serde_json::json!({
            "attempt": a.id,
            "exam": a.exam,
            "mode": a.mode.as_str(),
            "timed": a.timed,
            "status": a.status.as_str(),
            "started_at": local_time(a.started_at, offset),
            "items": items.len(),
            "scaled_score": scored.then_some(summary.scaled),
            "passed": scored.then_some(summary.passed),
        }));
        rows.push(vec![
            a.id.to_string(),
            a.exam.clone(),
            local_time(a.started_at, offset),
            format!("{}{}", a.mode.as_str(), if a.timed { "" } else { " (practice)" }),
            items.len().to_string(),
            a.status.as_str().replace('_', " "),
            if scored {
                summary.scaled.to_string()
            } else {
                "–".to_owned()
            },
            if scored {
                if summary.passed {
                    "pass".to_owned()
                } else {
                    "fail".to_owned()
                }
            } else {
                String::new()
            },
        ]);
    }
    let mut out = io::stdout().lock();
    if json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "attempts": values }))?
        )?;
    } else if rows.is_empty() {
        writeln!(out, "No attempts yet: start one with `retake exam start EXAM`.")?;
    } else {
        write!(
            out,
            "{}",
            table(
                &[
                    "attempt", "exam", "started", "mode", "items", "status", "score", "result"
                ],
                &rows
            )
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// For `bank disputes`: every disputed item.
pub fn disputes(ctx: &Context, exam: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let store = Store::open(&ctx.db_path()?)?;
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
        table(&["exam", "item", "variant", "attempt", "note"], &rows)
    )?;
    Ok(ExitCode::SUCCESS)
}
