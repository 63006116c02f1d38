//! `retake drill`, `retake config`, `retake export revlog`, `retake backup`, and the scheduling
//! glue shared with mock exams (an answer in a mock is also a review of its family).

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, anyhow};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use clap::{Args, Subcommand};
use serde_json::json;

use super::catalog;
use super::exam::learner_offset;
use super::{Context, UsageError};
use crate::bank::{Exam, Flashcard, ItemType, Question, QuestionId};
use crate::exam::response::answer_as_response;
use crate::exam::{SessionItem, Shuffle, display_response, parse_response};
use crate::random::SeededRng;
use crate::report::{WIDTH, local_time, write_item};
use crate::schedule::{self, DayClock, LEARNING_STEP_MINUTES, Rating, Scheduler, rating_for_answer};
use crate::store::{FamilyCard, NewReview, Store};
use crate::text::{sanitize, sanitize_line};
use crate::variation::{self, NextForm, REPAIR_AFTER};

/// The learner's scheduling settings (stored in the database; defaults until changed).
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Desired retention, 0.90 by default.
    pub retention: f32,
    /// The learner's UTC offset; `None` means the system's time zone.
    pub timezone: Option<FixedOffset>,
    /// Hour a new day starts.
    pub day_starts_at: u32,
    /// New families per day.
    pub new_per_day: usize,
    /// Reviews per day.
    pub reviews_per_day: usize,
    /// FSRS-6 parameters.
    pub parameters: Vec<f32>,
    /// Lapses after which a family is suspended as a leech.
    pub leech_threshold: i64,
}

/// Every setting: key, description.
const KEYS: &[(&str, &str)] = &[
    (
        "desired_retention",
        "probability of recall to schedule for (0.5–0.99; default 0.90)",
    ),
    (
        "timezone",
        "your UTC offset for day boundaries, e.g. -07:00, or \"system\" (default)",
    ),
    ("day_starts_at", "hour a new day starts, 0–23 (default 4)"),
    ("new_per_day", "new families introduced per day (default 20)"),
    ("reviews_per_day", "reviews per day (default 200)"),
    (
        "fsrs_parameters",
        "the 21 FSRS-6 parameters, comma-separated (default: FSRS-6 defaults; see `retake sr optimize`)",
    ),
    (
        "leech_threshold",
        "lapses after which a family is suspended as a leech (default 8)",
    ),
];

impl Default for Settings {
    fn default() -> Self {
        Settings {
            retention: 0.90,
            timezone: None,
            day_starts_at: 4,
            new_per_day: 20,
            reviews_per_day: 200,
            parameters: schedule::default_parameters(),
            leech_threshold: 8,
        }
    }
}

impl Settings {
    /// Reads the stored settings over the defaults.
    pub fn load(store: &Store) -> anyhow::Result<Settings> {
        let mut s = Settings::default();
        for (key, value) in store.settings()? {
            s.apply(&key, &value).map_err(|e| {
                anyhow!(
                    "stored setting {key} = \"{}\": {e}; repair it with `retake config set {key} VALUE`",
                    crate::text::echo(&value)
                )
            })?;
        }
        Ok(s)
    }

    /// The stored settings over the defaults, skipping stored values that are invalid (so that
    /// `config` can repair them); returns the keys skipped.
    fn load_lenient(store: &Store) -> anyhow::Result<(Settings, Vec<String>)> {
        let mut s = Settings::default();
        let mut skipped = Vec::new();
        for (key, value) in store.settings()? {
            if s.apply(&key, &value).is_err() {
                skipped.push(key);
            }
        }
        Ok((s, skipped))
    }

    fn apply(&mut self, key: &str, value: &str) -> Result<(), String> {
        let v = value.trim();
        match key {
            "desired_retention" => {
                self.retention = v
                    .parse::<f32>()
                    .ok()
                    .filter(|r| (0.5..=0.99).contains(r))
                    .ok_or("must be between 0.5 and 0.99")?;
            }
            "timezone" => {
                self.timezone = if v.eq_ignore_ascii_case("system") {
                    None
                } else {
                    Some(super::sr::parse_offset(v).map_err(|e| e.0)?)
                };
            }
            "day_starts_at" => {
                self.day_starts_at = v
                    .parse::<u32>()
                    .ok()
                    .filter(|h| *h < 24)
                    .ok_or("must be an hour, 0–23")?
            }
            "new_per_day" => self.new_per_day = v.parse().map_err(|_| "must be a whole number")?,
            "reviews_per_day" => self.reviews_per_day = v.parse().map_err(|_| "must be a whole number")?,
            "leech_threshold" => {
                self.leech_threshold = v
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or("must be at least 1")?
            }
            "fsrs_parameters" => {
                let p: Result<Vec<f32>, _> = v
                    .split([',', ' '])
                    .filter(|t| !t.is_empty())
                    .map(str::parse)
                    .collect();
                let p = p.map_err(|_| "must be 21 numbers separated by commas")?;
                Scheduler::new(&p, self.retention)?;
                self.parameters = p;
            }
            _ => {
                return Err(format!(
                    "unknown setting (settings: {})",
                    KEYS.iter().map(|k| k.0).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        Ok(())
    }

    fn get(&self, key: &str) -> Option<String> {
        Some(match key {
            "desired_retention" => format!("{:.2}", self.retention),
            "timezone" => self
                .timezone
                .map_or_else(|| "system".to_owned(), |t| t.to_string()),
            "day_starts_at" => self.day_starts_at.to_string(),
            "new_per_day" => self.new_per_day.to_string(),
            "reviews_per_day" => self.reviews_per_day.to_string(),
            "fsrs_parameters" => self
                .parameters
                .iter()
                .map(|p| format!("{p:.4}"))
                .collect::<Vec<_>>()
                .join(","),
            "leech_threshold" => self.leech_threshold.to_string(),
            _ => return None,
        })
    }

    /// The learner's UTC offset at `now`.
    pub fn offset(&self, now: DateTime<Utc>) -> FixedOffset {
        self.timezone.unwrap_or_else(|| learner_offset(now))
    }

    /// How the learner's days are cut.
    pub fn clock(&self, now: DateTime<Utc>) -> DayClock {
        DayClock {
            offset: self.offset(now),
            day_starts_at: self.day_starts_at,
        }
    }
}

/// The settings, and the store when it is needed (`need_store`) or when the database exists.
pub fn settings_and_store(ctx: &Context, need_store: bool) -> anyhow::Result<(Settings, Option<Store>)> {
    let path = ctx.db_path()?;
    if !need_store && !path.exists() {
        return Ok((Settings::default(), None));
    }
    let store = Store::open(&path)?;
    let settings = if need_store {
        Settings::load(&store)?
    } else {
        Settings::default()
    };
    Ok((settings, Some(store)))
}

/// Stores optimised parameters.
pub fn save_parameters(store: &Store, parameters: &[f32]) -> anyhow::Result<()> {
    let text: Vec<String> = parameters.iter().map(ToString::to_string).collect();
    store.set_setting("fsrs_parameters", &text.join(","))?;
    Ok(())
}

/// One review to apply: which surface form of which family was shown, and how it went.
pub struct Given<'a> {
    /// Exam code.
    pub exam: &'a str,
    /// Family id.
    pub family: &'a str,
    /// Domain of the family.
    pub domain: &'a str,
    /// Category of the family.
    pub category: &'a str,
    /// The item shown.
    pub item: &'a str,
    /// The variant shown.
    pub variant: Option<&'a str>,
    /// The rating.
    pub rating: Rating,
    /// `drill` or `mock`.
    pub source: &'static str,
    /// When.
    pub at: DateTime<Utc>,
    /// Time spent.
    pub seconds: Option<f64>,
}

/// Applies one review to a family and records it: the FSRS step, the due date on the learner's
/// calendar (a learning step later today after Again), lapses and the leech rule.
pub fn review_family(store: &mut Store, settings: &Settings, g: &Given) -> anyhow::Result<(i64, FamilyCard)> {
    let Given {
        exam,
        family,
        domain,
        category,
        item,
        variant,
        rating,
        source,
        at,
        seconds,
    } = *g;
    let scheduler = Scheduler::new(&settings.parameters, settings.retention).map_err(|e| anyhow!(e))?;
    let clock = settings.clock(at);
    let card = store.family_card(exam, family)?;
    let elapsed = card
        .as_ref()
        .map_or(0, |c| (clock.day(at) - clock.day(c.last_review)).max(0));
    let state = card.as_ref().map(|c| fsrs::MemoryState {
        stability: c.stability,
        difficulty: c.difficulty,
    });
    let outcome = scheduler
        .review(state, u32::try_from(elapsed).unwrap_or(u32::MAX), rating)
        .map_err(|e| anyhow!(e))?;
    let due = if outcome.interval_days == 0 {
        at + Duration::minutes(LEARNING_STEP_MINUTES)
    } else {
        clock.day_start(clock.day(at) + i64::from(outcome.interval_days))
    };
    let reps = card.as_ref().map_or(0, |c| c.reps) + 1;
    // A lapse is forgetting a family already learned on an earlier day.
    let lapse = rating == Rating::Again && elapsed > 0 && card.is_some();
    let lapses = card.as_ref().map_or(0, |c| c.lapses) + i64::from(lapse);
    let after = FamilyCard {
        exam: exam.to_owned(),
        family: family.to_owned(),
        domain: domain.to_owned(),
        category: category.to_owned(),
        stability: outcome.state.stability,
        difficulty: outcome.state.difficulty,
        due,
        last_review: at,
        reps,
        lapses,
        suspended: lapses >= settings.leech_threshold,
        last_item: Some(item.to_owned()),
        last_variant: variant.map(str::to_owned),
    };
    let id = store.record_review(&NewReview {
        exam: exam.to_owned(),
        family: family.to_owned(),
        item: item.to_owned(),
        variant: variant.map(str::to_owned),
        source,
        at,
        rating: rating.number(),
        elapsed_days: u32::try_from(elapsed).unwrap_or(u32::MAX),
        scheduled_days: outcome.interval_days,
        after: after.clone(),
        seconds,
    })?;
    Ok((id, after))
}

/// Records the answers of a finished mock exam as reviews of their families.
pub fn review_mock_answers(
    store: &mut Store,
    exam: &str,
    items: &[SessionItem],
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let settings = Settings::load(store)?;
    for item in items.iter().filter(|i| !i.disputed) {
        let inst = &item.instance;
        let usual = store.usual_seconds(inst.item_type().as_str(), 5)?;
        let rating = rating_for_answer(item.correct(), item.seconds, usual);
        review_family(
            store,
            &settings,
            &Given {
                exam,
                family: inst.family.as_str(),
                domain: inst.domain.as_str(),
                category: inst.category.as_str(),
                item: inst.question.as_str(),
                variant: inst.variant.as_deref(),
                rating,
                source: "mock",
                at,
                seconds: Some(item.seconds),
            },
        )?;
    }
    Ok(())
}

/// Options of `retake drill`.
#[derive(Debug, Args)]
pub struct DrillArgs {
    /// Only this exam (default: every exam with cards)
    exam: Option<String>,
    /// Only these domains (repeatable)
    #[arg(long = "domain", value_name = "ID")]
    domains: Vec<String>,
    /// New families to introduce today (default: the new_per_day setting minus those already seen today)
    #[arg(long, value_name = "N")]
    new: Option<usize>,
    /// At most this many cards in this session
    #[arg(long, value_name = "N")]
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

/// What is shown for one card.
enum Face {
    Quiz(Box<SessionItem>),
    Flash(Flashcard),
}

struct Entry {
    exam: String,
    family: String,
    new: bool,
}

/// Picks the surface form to show: another item of the family than the one last shown, or another
/// variant of a template; a flashcard shows itself.
fn choose_face(
    store: &Store,
    exam: &str,
    family: &str,
    last_item: Option<&str>,
    last_variant: Option<&str>,
    rng: &mut SeededRng,
) -> anyhow::Result<Option<Face>> {
    let items = store.family_items(exam, family)?;
    if items.is_empty() {
        return Ok(None);
    }
    let others: Vec<&(String, String, String)> = items
        .iter()
        .filter(|(id, _, _)| Some(id.as_str()) != last_item)
        .collect();
    let pool: Vec<&(String, String, String)> = if others.is_empty() {
        items.iter().collect()
    } else {
        others
    };
    let (_, kind, body) = pool[rng.below(pool.len())];
    if kind == ItemType::Flashcard.as_str() {
        return Ok(Some(Face::Flash(
            serde_json::from_str(body).context("stored flashcard")?,
        )));
    }
    let q: Question = serde_json::from_str(body).context("stored question")?;
    let combination = q.template().map(|t| {
        let mut combo: Vec<usize> = t.axes.iter().map(|a| rng.below(a.values.len())).collect();
        // Never the variant last shown when another exists.
        for _ in 0..8 {
            if Some(t.variant_name(&combo).as_str()) != last_variant {
                break;
            }
            combo = t.axes.iter().map(|a| rng.below(a.values.len())).collect();
        }
        combo
    });
    let Some(instance) = q.instantiate(combination.as_deref()) else {
        return Ok(None);
    };
    let scenario = match &q.case {
        Some(link) => store.case_scenarios(exam)?.remove(link.case_id.as_str()),
        None => None,
    };
    Ok(Some(quiz_face(instance, scenario, rng)))
}

fn quiz_face(instance: crate::bank::Instance, scenario: Option<String>, rng: &mut SeededRng) -> Face {
    let shuffle = Shuffle::random(&instance.body, rng);
    Face::Quiz(Box::new(SessionItem {
        instance,
        shuffle,
        section: None,
        scenario,
        response: None,
        flagged: false,
        disputed: false,
        locked: false,
        seconds: 0.0,
    }))
}

/// The face of a family in repair: a variant, another question of the family, a sibling, or a
/// variation prompt (a self-graded card) — never the form that was missed.
fn repair_face(
    store: &Store,
    exam: &Exam,
    repair: &crate::store::Repair,
    now: DateTime<Utc>,
    rng: &mut SeededRng,
) -> anyhow::Result<Option<(Face, super::repair::Plan)>> {
    let Some(plan) = super::repair::plan(store, exam, repair, now, rng)? else {
        return Ok(None);
    };
    let face = match &plan.next {
        NextForm::Prompt { requirement } => plan.missed_instance.as_ref().map(|m| {
            let name = exam
                .domain(&repair.domain)
                .and_then(|d| d.category(&repair.category))
                .map_or_else(|| repair.category.clone(), |c| c.name.clone());
            let (front, back) = variation::prompt_card(m, &name, requirement);
            Face::Flash(Flashcard {
                id: QuestionId(PROMPT_ITEM.to_owned()),
                family: m.family.clone(),
                domain: m.domain.clone(),
                category: m.category.clone(),
                front,
                back,
                refs: m.refs.clone(),
            })
        }),
        _ => plan.instance(rng).map(|inst| {
            let scenario = inst.case.as_ref().and_then(|l| {
                store
                    .case_scenarios(&exam.code)
                    .ok()
                    .and_then(|mut s| s.remove(l.case_id.as_str()))
            });
            quiz_face(inst, scenario, rng)
        }),
    };
    Ok(face.map(|f| (f, plan)))
}

/// The item id recorded for a variation prompt card.
const PROMPT_ITEM: &str = "variation-prompt";

fn progress_bar(done: usize, total: usize) -> String {
    let width = 20;
    let filled = (done * width).checked_div(total.max(1)).unwrap_or(0).min(width);
    format!(
        "{}{} {done}/{total}",
        "█".repeat(filled),
        "░".repeat(width - filled)
    )
}

/// Runs `retake drill`.
pub fn drill(ctx: &Context, args: &DrillArgs) -> anyhow::Result<ExitCode> {
    let cat = catalog::open(ctx)?;
    let exams = match &args.exam {
        Some(code) => vec![cat.exam(code)?],
        None => cat.exams()?,
    };
    let mut store = cat.store;
    let settings = Settings::load(&store)?;
    let mut out = io::stdout().lock();
    if args.leeches {
        let leeches: Vec<FamilyCard> = exams
            .iter()
            .map(|e| store.leeches(Some(&e.code)))
            .collect::<Result<Vec<_>, _>>()?
            .concat();
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
                        "suspended_since": local_time(l.last_review, settings.offset(ctx.now)),
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
            writeln!(
                out,
                "{}  {}  {} lapses, suspended since {}",
                l.exam,
                l.family,
                l.lapses,
                local_time(l.last_review, settings.offset(ctx.now))
            )?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    for d in &args.domains {
        if !exams.iter().any(|e| e.exam.domain(d).is_some()) {
            return Err(UsageError(format!("no exam here has a domain \"{d}\"")).into());
        }
    }
    let clock = settings.clock(ctx.now);
    let today = clock.day(ctx.now);
    let end_of_today = clock.day_start(today + 1);
    let done_today = store.reviews_since(clock.day_start(today))?;
    let new_done = done_today
        .iter()
        .filter(|(_, reps, _)| *reps == 0)
        .map(|(f, _, _)| f)
        .collect::<std::collections::HashSet<_>>()
        .len();
    let reviews_done = done_today.iter().filter(|(_, reps, _)| *reps > 0).count();
    let scheduler = Scheduler::new(&settings.parameters, settings.retention).map_err(|e| anyhow!(e))?;
    let in_scope = |domain: &str| args.domains.is_empty() || args.domains.iter().any(|d| d == domain);

    // Due families, lowest retrievability first (or, with --ahead, earliest due first).
    let horizon = if args.ahead {
        end_of_today + Duration::days(7)
    } else {
        end_of_today
    };
    let review_room = settings.reviews_per_day.saturating_sub(reviews_done);
    let fetch = if args.domains.is_empty() {
        review_room
    } else {
        usize::MAX
    };
    let mut due: Vec<(f32, FamilyCard)> = Vec::new();
    for e in &exams {
        for card in store.due_cards(&e.code, horizon, ctx.now, fetch, args.ahead)? {
            if !in_scope(&card.domain) {
                continue;
            }
            let days = (ctx.now - card.last_review).num_seconds() as f32 / 86_400.0;
            let state = fsrs::MemoryState {
                stability: card.stability,
                difficulty: card.difficulty,
            };
            due.push((scheduler.retrievability(state, days), card));
        }
    }
    due.sort_by(|a, b| {
        if args.ahead {
            a.1.due.cmp(&b.1.due)
        } else {
            a.0.total_cmp(&b.0)
        }
    });
    due.truncate(review_room);
    let mut queue: Vec<Entry> = due
        .iter()
        .map(|(_, c)| Entry {
            exam: c.exam.clone(),
            family: c.family.clone(),
            new: false,
        })
        .collect();

    // New families, by exam weight × weakness of their category.
    let new_room = args
        .new
        .unwrap_or_else(|| settings.new_per_day.saturating_sub(new_done));
    if new_room > 0 {
        let mut slots: Vec<(String, String, String, f64)> = Vec::new();
        for e in &exams {
            let exhausted = store.exhausted_categories(&e.code)?;
            let evidence: HashMap<(String, String), f64> = store
                .category_evidence(&e.code)?
                .into_iter()
                .map(|(d, c, ev)| ((d, c), ev.estimate(ctx.now).weakness()))
                .collect();
            for d in e.exam.domains.iter().filter(|d| in_scope(d.id.as_str())) {
                for c in d
                    .categories
                    .iter()
                    .filter(|c| !exhausted.contains(&(d.id.0.clone(), c.id.0.clone())))
                {
                    let weak = evidence
                        .get(&(d.id.0.clone(), c.id.0.clone()))
                        .copied()
                        .unwrap_or(0.5);
                    slots.push((
                        e.code.clone(),
                        d.id.0.clone(),
                        c.id.0.clone(),
                        d.share / d.categories.len() as f64 * (0.25 + weak),
                    ));
                }
            }
        }
        let weights: Vec<f64> = slots.iter().map(|s| s.3).collect();
        let mut shares = crate::sampler::largest_remainder(&weights, new_room);
        let mut fresh: Vec<Entry> = Vec::new();
        // Categories that run out hand their share to the next ones.
        let mut carry = 0;
        for (i, (exam, domain, category, _)) in slots.iter().enumerate() {
            let want = shares[i] + carry;
            let got = store.new_families(exam, domain, category, want)?;
            carry = want - got.len();
            shares[i] = got.len();
            fresh.extend(got.into_iter().map(|(family, _)| Entry {
                exam: exam.clone(),
                family,
                new: true,
            }));
        }
        let mut rng = SeededRng::derive(ctx.seed.unwrap_or(today as u64), "drill-new", 0);
        rng.shuffle(&mut fresh);
        queue.extend(fresh);
    }
    if let Some(limit) = args.limit {
        queue.truncate(limit);
    }
    if queue.is_empty() {
        let next = exams
            .iter()
            .map(|e| store.next_due(Some(&e.code)))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .min();
        match next {
            Some(t) => writeln!(
                out,
                "Nothing is due. The next card is due {} ({}). Review early with `retake drill --ahead`.",
                local_time(t, settings.offset(ctx.now)),
                in_days(t, ctx.now)
            )?,
            None => writeln!(out, "Nothing is due and no new families are left in these banks.")?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    let blueprints: HashMap<String, Exam> = exams.iter().map(|e| (e.code.clone(), e.exam.clone())).collect();
    run_drill(ctx, &mut store, &settings, &blueprints, queue)
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

#[derive(Default)]
struct Tally {
    reviewed: usize,
    quiz: usize,
    quiz_right: usize,
    due_reviews: usize,
    due_passed: usize,
}

fn run_drill(
    ctx: &Context,
    store: &mut Store,
    settings: &Settings,
    blueprints: &HashMap<String, Exam>,
    mut queue: Vec<Entry>,
) -> anyhow::Result<ExitCode> {
    let interactive = io::stdin().is_terminal();
    let input = super::exam::spawn_reader();
    let mut rng = SeededRng::derive(
        ctx.seed
            .unwrap_or_else(|| ctx.now.timestamp_nanos_opt().unwrap_or_default() as u64),
        "drill",
        0,
    );
    let mut tally = Tally::default();
    let mut last: Option<(i64, Entry)> = None;
    let mut position = 0;
    let p = ctx.out_paint;
    'cards: loop {
        if position >= queue.len() {
            // The last grade can still be taken back before the session closes.
            let Some((id, previous)) = last.take() else { break };
            if interactive {
                print!(
                    "\nThat was the last card. Type :undo to take back its grade, or press Enter to finish.\n> "
                );
                io::stdout().flush()?;
            }
            match input.recv() {
                Ok(line) if line.trim().eq_ignore_ascii_case(":undo") => {
                    if store.undo_review(id)? {
                        tally.reviewed = tally.reviewed.saturating_sub(1);
                        ctx.note(&format!("took back the last grade ({})", previous.family));
                        queue.insert(position, previous);
                    }
                    continue;
                }
                _ => break,
            }
        }
        let entry = Entry {
            exam: queue[position].exam.clone(),
            family: queue[position].family.clone(),
            new: queue[position].new,
        };
        let card = store.family_card(&entry.exam, &entry.family)?;
        let repaired = match (
            store.repair(&entry.exam, &entry.family)?,
            blueprints.get(&entry.exam),
        ) {
            (Some(r), Some(exam)) => repair_face(store, exam, &r, ctx.now, &mut rng)?,
            _ => None,
        };
        let (face, plan) = match repaired {
            Some((face, plan)) => (Some(face), Some(plan)),
            None => (
                choose_face(
                    store,
                    &entry.exam,
                    &entry.family,
                    card.as_ref().and_then(|c| c.last_item.as_deref()),
                    card.as_ref().and_then(|c| c.last_variant.as_deref()),
                    &mut rng,
                )?,
                None,
            ),
        };
        let Some(face) = face else {
            position += 1;
            continue;
        };
        {
            let mut out = io::stdout().lock();
            let kind = if entry.new { "new" } else { "review" };
            writeln!(out)?;
            writeln!(
                out,
                "── Card {} of {} · {kind} · {}",
                position + 1,
                queue.len(),
                progress_bar(position, queue.len())
            )?;
            match &face {
                Face::Quiz(item) => write_item(&mut out, item, item.scenario.as_deref(), true)?,
                Face::Flash(c) => {
                    writeln!(out, "{}", textwrap::fill(&sanitize(&c.front), WIDTH))?;
                    if !interactive {
                        writeln!(out, "\nBack: {}", textwrap::fill(&sanitize(&c.back), WIDTH))?;
                        writeln!(out, "Grade yourself: 1 again · 2 hard · 3 good · 4 easy.")?;
                    } else {
                        writeln!(out, "\n(press Enter to show the back)")?;
                    }
                }
            }
            if interactive {
                write!(out, "> ")?;
            }
            out.flush()?;
        }
        let shown = ctx.now;
        let mut revealed = !interactive;
        loop {
            let Ok(line) = input.recv() else {
                break 'cards;
            };
            let trimmed = line.trim();
            if trimmed.eq_ignore_ascii_case(":undo") {
                match last.take() {
                    Some((id, previous)) => {
                        if store.undo_review(id)? {
                            tally.reviewed = tally.reviewed.saturating_sub(1);
                            ctx.note(&format!("took back the last grade ({})", previous.family));
                            queue.insert(position, previous);
                            continue 'cards;
                        }
                    }
                    None => eprintln!("{} nothing to undo", ctx.err_paint.red("error:")),
                }
                continue;
            }
            if trimmed.eq_ignore_ascii_case(":quit") {
                break 'cards;
            }
            if trimmed.is_empty() && !revealed {
                if let Face::Flash(c) = &face {
                    println!(
                        "Back: {}\nGrade yourself: 1 again · 2 hard · 3 good · 4 easy.",
                        textwrap::fill(&sanitize(&c.back), WIDTH)
                    );
                    print!("> ");
                    io::stdout().flush()?;
                }
                revealed = true;
                continue;
            }
            if trimmed.is_empty() {
                position += 1;
                continue 'cards;
            }
            let elapsed = 0.0_f64.max((ctx.now - shown).num_milliseconds() as f64 / 1000.0);
            let (domain, category) = match &face {
                Face::Flash(c) => (c.domain.0.clone(), c.category.0.clone()),
                Face::Quiz(item) => (item.instance.domain.0.clone(), item.instance.category.0.clone()),
            };
            let (rating, variant, item_id) = match &face {
                Face::Flash(c) => match trimmed.parse::<u8>().ok().and_then(Rating::from_number) {
                    Some(r) => {
                        if let Some(NextForm::Prompt { requirement }) = plan.as_ref().map(|p| &p.next) {
                            // A variation prompt is a new form: reasoning that held counts towards repair.
                            let seen = store.form_shown(
                                &entry.exam,
                                &entry.family,
                                PROMPT_ITEM,
                                Some(requirement),
                            )?;
                            store.mark_shown(
                                &entry.exam,
                                &entry.family,
                                PROMPT_ITEM,
                                Some(requirement),
                                ctx.now,
                            )?;
                            if r >= Rating::Good && !seen {
                                let progress = store.advance_repair(
                                    &entry.exam,
                                    &entry.family,
                                    REPAIR_AFTER,
                                    ctx.now,
                                )?;
                                repair_note(ctx, &entry.family, progress);
                            }
                        }
                        (r, None, c.id.0.clone())
                    }
                    None => {
                        eprintln!(
                            "{} grade with 1 (again), 2 (hard), 3 (good) or 4 (easy)",
                            ctx.err_paint.red("error:")
                        );
                        continue;
                    }
                },
                Face::Quiz(item) => match parse_response(trimmed, &item.instance, &item.shuffle) {
                    Ok(response) => {
                        let mut shown_item = (**item).clone();
                        shown_item.response = Some(response);
                        let correct = shown_item.correct();
                        let seen = super::repair::seen_before(store, &entry.exam, &item.instance)?;
                        let progress = super::repair::after_answer(
                            store,
                            &super::repair::Answered {
                                exam: &entry.exam,
                                instance: &item.instance,
                                family: &entry.family,
                                points: shown_item.score(),
                                seconds: elapsed,
                                source: "drill",
                                at: ctx.now,
                            },
                            seen,
                        )?;
                        let change = plan.as_ref().and_then(|pl| {
                            match (&pl.next, pl.missed.template(), &pl.missed_instance) {
                                (NextForm::Variant { .. }, Some(t), Some(m)) => {
                                    variation::change_explanation(t, m, &item.instance)
                                }
                                _ => None,
                            }
                        });
                        let usual = store.usual_seconds(item.instance.item_type().as_str(), 5)?;
                        let rating = rating_for_answer(correct, elapsed, usual);
                        let mut out = io::stdout().lock();
                        let (points, max) = shown_item.score();
                        if correct {
                            writeln!(out, "{}", p.green("Right."))?;
                        } else {
                            let right_answer =
                                display_response(&answer_as_response(&item.instance.answer), &item.shuffle);
                            writeln!(
                                out,
                                "{} The right answer is {right_answer} ({points} of {max} points).",
                                p.red("Not quite.")
                            )?;
                        }
                        let explanation = change.unwrap_or_else(|| item.instance.explanation.clone());
                        writeln!(out, "{}", textwrap::fill(&sanitize(&explanation), WIDTH))?;
                        for r in &item.instance.refs {
                            writeln!(out, "  {}", p.dim(&sanitize_line(r)))?;
                        }
                        drop(out);
                        if let Some(progress) = progress {
                            repair_note(ctx, &entry.family, progress);
                        } else if !correct {
                            ctx.note(&format!(
                                "{} is in repair: it will come back changed, never as this same question",
                                entry.family
                            ));
                        }
                        tally.quiz += 1;
                        tally.quiz_right += usize::from(correct);
                        (
                            rating,
                            item.instance.variant.clone(),
                            item.instance.question.0.clone(),
                        )
                    }
                    Err(e) => {
                        eprintln!("{} {}", ctx.err_paint.red("error:"), crate::text::message(&e));
                        continue;
                    }
                },
            };
            let (id, after) = review_family(
                store,
                settings,
                &Given {
                    exam: &entry.exam,
                    family: &entry.family,
                    domain: &domain,
                    category: &category,
                    item: &item_id,
                    variant: variant.as_deref(),
                    rating,
                    source: "drill",
                    at: ctx.now,
                    seconds: Some(elapsed),
                },
            )?;
            tally.reviewed += 1;
            if !entry.new {
                tally.due_reviews += 1;
                tally.due_passed += usize::from(rating != Rating::Again);
            }
            let done = Entry {
                exam: entry.exam.clone(),
                family: entry.family.clone(),
                new: entry.new,
            };
            if after.suspended {
                ctx.warn(&format!(
                    "{} has lapsed {} times: it is suspended as a leech (see `retake drill --leeches`); rework it from its explanation and references",
                    entry.family, after.lapses
                ));
            } else if rating == Rating::Again {
                // A learning step: the family comes back later in this session, in another form.
                let back = (position + 4).min(queue.len());
                queue.insert(
                    back,
                    Entry {
                        exam: entry.exam.clone(),
                        family: entry.family.clone(),
                        new: false,
                    },
                );
                ctx.note(&format!("{} comes back later in this session", entry.family));
            }
            last = Some((id, done));
            position += 1;
            continue 'cards;
        }
    }
    summary(ctx, store, settings, &tally, blueprints)
}

fn repair_note(ctx: &Context, family: &str, progress: i64) {
    if progress >= REPAIR_AFTER {
        ctx.note(&format!(
            "{family} is out of repair: right on {progress} forms you had not seen before"
        ));
    } else {
        ctx.note(&format!(
            "{family}: {progress} of {REPAIR_AFTER} right answers on new forms to leave repair"
        ));
    }
}

fn summary(
    ctx: &Context,
    store: &Store,
    settings: &Settings,
    t: &Tally,
    blueprints: &HashMap<String, Exam>,
) -> anyhow::Result<ExitCode> {
    let clock = settings.clock(ctx.now);
    let today = clock.day(ctx.now);
    let tomorrow_end = clock.day_start(today + 2);
    let week_end = clock.day_start(today + 8);
    let tomorrow = store.due_between(None, clock.day_start(today + 1), tomorrow_end)?;
    let week = store.due_between(None, DateTime::<Utc>::MIN_UTC, week_end)?;
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
    writeln!(out, "  due tomorrow: {tomorrow} · due within a week: {week}")?;
    let mut codes: Vec<&String> = blueprints.keys().collect();
    codes.sort();
    for code in codes {
        for m in variation::memorisation_index(&store.seen_versus_new(code)?) {
            if let (Some(seen), Some(new)) = (m.seen_accuracy, m.new_accuracy) {
                let warning = if seen - new >= 0.2 {
                    " — you may be recognising items rather than knowing the concept"
                } else {
                    ""
                };
                writeln!(
                    out,
                    "  memorisation index {code} {}: {:.0}% right on forms seen before ({}) vs {:.0}% on new forms ({}){warning}",
                    m.domain,
                    seen * 100.0,
                    m.seen_answers,
                    new * 100.0,
                    m.new_answers
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `retake sr forecast`: due families per learner day for the next 30 days.
pub fn forecast(ctx: &Context, exam: Option<&str>, as_json: bool) -> anyhow::Result<ExitCode> {
    let store = Store::open(&ctx.db_path()?)?;
    let settings = Settings::load(&store)?;
    let clock = settings.clock(ctx.now);
    let today = clock.day(ctx.now);
    let mut counts = vec![0usize; 30];
    for due in store.due_times(exam)? {
        let d = (clock.day(due) - today).max(0);
        if let Some(slot) = usize::try_from(d).ok().and_then(|d| counts.get_mut(d)) {
            *slot += 1;
        }
    }
    let mut out = io::stdout().lock();
    if as_json {
        let days: Vec<serde_json::Value> = counts
            .iter()
            .enumerate()
            .map(|(i, n)| json!({ "date": clock.day_start(today + i as i64).with_timezone(&clock.offset).date_naive().to_string(), "due": n }))
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&json!({ "days": days }))?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    for (i, n) in counts.iter().enumerate() {
        let date = clock
            .day_start(today + i as i64)
            .with_timezone(&clock.offset)
            .date_naive();
        let bar = "█".repeat((n * 40).div_ceil(max).min(40));
        writeln!(out, "{date}  {n:>5}  {bar}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Show a setting (or every setting)
    Get {
        /// The setting
        key: Option<String>,
        /// Print JSON (every setting with its value)
        #[arg(long)]
        json: bool,
    },
    /// Change a setting
    Set {
        /// The setting
        key: String,
        /// Its new value
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
}

/// Runs `retake config`.
pub fn config(ctx: &Context, cmd: ConfigCommand) -> anyhow::Result<ExitCode> {
    let store = Store::open(&ctx.db_path()?)?;
    let (mut settings, invalid) = Settings::load_lenient(&store)?;
    for key in &invalid {
        ctx.warn(&format!(
            "the stored setting {key} is invalid and is ignored (default shown): repair it with `retake config set {key} VALUE`"
        ));
    }
    let mut out = io::stdout().lock();
    match cmd {
        ConfigCommand::Get { json: true, .. } => {
            let map: serde_json::Map<String, serde_json::Value> = KEYS
                .iter()
                .map(|(k, _)| ((*k).to_owned(), json!(settings.get(k).unwrap_or_default())))
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&serde_json::Value::Object(map))?
            )?;
        }
        ConfigCommand::Get { key: Some(key), .. } => match settings.get(&key) {
            Some(v) => writeln!(out, "{v}")?,
            None => {
                return Err(UsageError(format!(
                    "unknown setting \"{key}\" (settings: {})",
                    KEYS.iter().map(|k| k.0).collect::<Vec<_>>().join(", ")
                ))
                .into());
            }
        },
        ConfigCommand::Get { key: None, .. } => {
            for (key, about) in KEYS {
                writeln!(out, "{key} = {}", settings.get(key).unwrap_or_default())?;
                writeln!(out, "    {}", ctx.out_paint.dim(about))?;
            }
        }
        ConfigCommand::Set { key, value } => {
            settings
                .apply(&key, &value)
                .map_err(|e| UsageError(format!("{key}: {e}")))?;
            let normal = settings.get(&key).unwrap_or(value);
            store.set_setting(&key, &normal)?;
            writeln!(out, "{key} = {normal}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `retake export revlog`: the review log in the `sr evaluate` CSV format.
pub fn export_revlog(ctx: &Context, output: Option<&PathBuf>) -> anyhow::Result<ExitCode> {
    let store = Store::open(&ctx.db_path()?)?;
    let write = |w: &mut dyn Write| -> anyhow::Result<()> {
        writeln!(w, "card_id,review_time,rating")?;
        store.each_review(|r| {
            let card = if r.card.contains([',', '"']) {
                format!("\"{}\"", r.card.replace('"', "\"\""))
            } else {
                r.card
            };
            let time = r.time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            Ok::<_, anyhow::Error>(writeln!(w, "{card},{time},{}", r.rating)?)
        })
    };
    match output {
        Some(path) => {
            super::write_atomically_with(path, write)?;
            ctx.note(&format!("wrote {}", path.display()));
        }
        None => {
            let mut out = io::BufWriter::new(io::stdout().lock());
            write(&mut out)?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `retake backup FILE`: a consistent copy of the database, safe while it is in use.
pub fn backup(ctx: &Context, target: &PathBuf) -> anyhow::Result<ExitCode> {
    let path = ctx.db_path()?;
    if std::fs::symlink_metadata(target).is_ok() {
        return Err(crate::output_file::OutputError::Exists {
            path: target.display().to_string(),
        }
        .into());
    }
    let store = Store::open(&path)?;
    crate::output_file::create_new_with(target, |tmp| store.backup_to(tmp, target))??;
    ctx.note(&format!("backed up {} to {}", path.display(), target.display()));
    Ok(ExitCode::SUCCESS)
}
