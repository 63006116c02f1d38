//! The daily drill as a workflow: the queue of due and new families within the daily limits, the
//! surface form each card shows (never the form last missed), grading with FSRS, learning steps,
//! undo, leeches, the summary and the forecast.
//!
//! A [`DrillRun`] is one drill session; a face shows its cards and hands back the learner's input,
//! with the instant it arrived, so answer times are real.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use super::memory::{Given, review_family};
use super::repair::{self, Source};
use super::settings::Settings;
use super::{EngineError, LearnerClock, Notice, Result};
use crate::bank::{Exam, Flashcard, ItemType, Question, QuestionId};
use crate::exam::response::answer_as_response;
use crate::exam::{Response, SessionItem, Shuffle, display_response, parse_response};
use crate::random::SeededRng;
use crate::schedule::{Rating, rating_for_answer};
use crate::store::{ExamSummary, FamilyCard, Store};
use crate::variation::{self, NextForm, REPAIR_AFTER};

/// What is shown for one card.
#[derive(Clone, Debug)]
pub enum Face {
    /// A question, answered like in a mock exam and rated automatically.
    Quiz(Box<SessionItem>),
    /// A flashcard (or a variation prompt), self-graded 1–4.
    Flash(Flashcard),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    exam: String,
    family: String,
    new: bool,
}

/// Options of a drill session.
#[derive(Clone, Debug, Default)]
pub struct DrillOptions {
    /// Only these domains.
    pub domains: Vec<String>,
    /// New families to introduce (default: the daily setting minus those seen today).
    pub new: Option<usize>,
    /// At most this many cards.
    pub limit: Option<usize>,
    /// Also cards due in the next 7 days, earliest first.
    pub ahead: bool,
    /// Seed for faces and the order of new cards.
    pub seed: Option<u64>,
}

/// Counts of one session, for its summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Cards graded.
    pub reviewed: usize,
    /// Questions answered.
    pub quiz: usize,
    /// Questions answered fully right.
    pub quiz_right: usize,
    /// Due reviews graded.
    pub due_reviews: usize,
    /// Due reviews not rated Again.
    pub due_passed: usize,
}

/// The card on screen.
#[derive(Clone, Debug)]
pub struct Card {
    /// Position in the session (0-based).
    pub position: usize,
    /// Cards in the session.
    pub total: usize,
    /// A family seen for the first time.
    pub new: bool,
    /// Exam code.
    pub exam: String,
    /// Family id.
    pub family: String,
    /// What to show.
    pub face: Face,
}

/// The outcome of a grade.
#[derive(Clone, Debug)]
pub struct Graded {
    /// The rating applied.
    pub rating: Rating,
    /// For questions: fully right.
    pub correct: Option<bool>,
    /// For questions: the key in the letters shown.
    pub right_answer: Option<String>,
    /// For questions: points earned and possible.
    pub points: (u32, u32),
    /// The explanation to show (for a variant: what changed and why the key moved).
    pub explanation: String,
    /// References.
    pub refs: Vec<String>,
    /// Seconds between showing the card and the answer.
    pub seconds: f64,
    /// Notes: repair progress, a learning step, a leech.
    pub notices: Vec<Notice>,
}

/// What an undo record restores.
#[derive(Clone, Debug)]
struct Undo {
    review: i64,
    card: Card,
    entry: Entry,
    tally: Tally,
    requeued: Option<usize>,
}

/// Families suspended as leeches.
pub fn leeches(store: &Store, exams: &[ExamSummary]) -> Result<Vec<FamilyCard>> {
    Ok(exams
        .iter()
        .map(|e| store.leeches(Some(&e.code)))
        .collect::<std::result::Result<Vec<_>, _>>()?
        .concat())
}

/// What `begin` found.
#[derive(Debug)]
pub enum Begun {
    /// Cards to drill.
    Run(Box<DrillRun>),
    /// Nothing is due: when the next card is, if any.
    Nothing {
        /// The next due instant.
        next_due: Option<DateTime<Utc>>,
    },
}

/// Builds today's queue: due families (lowest retrievability first, or earliest due with
/// `ahead`) within the daily review limit, then new families by exam weight × weakness within the
/// new-card limit — and, as Anki does, no new family once the review limit is reached.
pub fn begin(
    store: &mut Store,
    exams: &[ExamSummary],
    opts: &DrillOptions,
    settings: &Settings,
    clock: &LearnerClock,
) -> Result<Begun> {
    for d in &opts.domains {
        if !exams.iter().any(|e| e.exam.domain(d).is_some()) {
            return Err(EngineError::Invalid(format!("no exam here has a domain \"{d}\"")));
        }
    }
    let days = clock.days();
    let today = days.day(clock.now);
    let end_of_today = days.day_start(today + 1);
    let done_today = store.reviews_since(days.day_start(today))?;
    let new_done = done_today
        .iter()
        .filter(|(_, reps, _)| *reps == 0)
        .map(|(f, _, _)| f)
        .collect::<HashSet<_>>()
        .len();
    let reviews_done = done_today.iter().filter(|(_, reps, _)| *reps > 0).count();
    let scheduler = settings.scheduler()?;
    let in_scope = |domain: &str| opts.domains.is_empty() || opts.domains.iter().any(|d| d == domain);

    let horizon = if opts.ahead {
        end_of_today + Duration::days(7)
    } else {
        end_of_today
    };
    let review_room = settings.reviews_per_day.saturating_sub(reviews_done);
    let fetch = if opts.domains.is_empty() {
        review_room
    } else {
        usize::MAX
    };
    let mut due: Vec<(f32, FamilyCard)> = Vec::new();
    for e in exams {
        for card in store.due_cards(&e.code, horizon, clock.now, fetch, opts.ahead)? {
            if !in_scope(&card.domain) {
                continue;
            }
            let elapsed = (clock.now - card.last_review).num_seconds() as f32 / 86_400.0;
            let state = fsrs::MemoryState {
                stability: card.stability,
                difficulty: card.difficulty,
            };
            due.push((scheduler.retrievability(state, elapsed), card));
        }
    }
    due.sort_by(|a, b| {
        if opts.ahead {
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

    // New families count against the review limit too: none once it is reached.
    let new_room = opts
        .new
        .unwrap_or_else(|| settings.new_per_day.saturating_sub(new_done))
        .min(review_room.saturating_sub(queue.len()));
    if new_room > 0 {
        queue.extend(new_families(
            store,
            exams,
            &in_scope,
            new_room,
            opts.seed.unwrap_or(today as u64),
            clock,
        )?);
    }
    if let Some(limit) = opts.limit {
        queue.truncate(limit);
    }
    if queue.is_empty() {
        let next_due = exams
            .iter()
            .map(|e| store.next_due(Some(&e.code)))
            .collect::<std::result::Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .min();
        return Ok(Begun::Nothing { next_due });
    }
    let seed = opts
        .seed
        .unwrap_or_else(|| clock.now.timestamp_nanos_opt().unwrap_or_default() as u64);
    Ok(Begun::Run(Box::new(DrillRun {
        settings: settings.clone(),
        blueprints: exams.iter().map(|e| (e.code.clone(), e.exam.clone())).collect(),
        queue,
        position: 0,
        tally: Tally::default(),
        undo: None,
        rng: SeededRng::derive(seed, "drill", 0),
        current: None,
    })))
}

fn new_families(
    store: &Store,
    exams: &[ExamSummary],
    in_scope: &dyn Fn(&str) -> bool,
    room: usize,
    seed: u64,
    clock: &LearnerClock,
) -> Result<Vec<Entry>> {
    let mut slots: Vec<(String, String, String, f64)> = Vec::new();
    for e in exams {
        let exhausted = store.exhausted_categories(&e.code)?;
        let evidence: HashMap<(String, String), f64> = store
            .category_evidence(&e.code)?
            .into_iter()
            .map(|(d, c, ev)| ((d, c), ev.estimate(clock.now).weakness()))
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
    let shares = crate::sampler::largest_remainder(&weights, room);
    let mut fresh: Vec<Entry> = Vec::new();
    // Categories that run out hand their share to the next ones.
    let mut carry = 0;
    for (i, (exam, domain, category, _)) in slots.iter().enumerate() {
        let want = shares[i] + carry;
        let got = store.new_families(exam, domain, category, want)?;
        carry = want - got.len();
        fresh.extend(got.into_iter().map(|(family, _)| Entry {
            exam: exam.clone(),
            family,
            new: true,
        }));
    }
    SeededRng::derive(seed, "drill-new", 0).shuffle(&mut fresh);
    Ok(fresh)
}

struct Current {
    card: Card,
    entry: Entry,
    plan: Option<repair::Plan>,
    shown_at: DateTime<Utc>,
}

impl std::fmt::Debug for Current {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Current").field("card", &self.card).finish()
    }
}

/// One drill session.
#[derive(Debug)]
pub struct DrillRun {
    settings: Settings,
    blueprints: HashMap<String, Exam>,
    queue: Vec<Entry>,
    position: usize,
    tally: Tally,
    undo: Option<Undo>,
    rng: SeededRng,
    current: Option<Current>,
}

mod faces;

use faces::*;

/// The item id recorded for a variation prompt card.
const PROMPT_ITEM: &str = "variation-prompt";

impl DrillRun {
    /// The counts so far.
    pub fn tally(&self) -> Tally {
        self.tally
    }

    /// Whether a grade can be taken back.
    pub fn can_undo(&self) -> bool {
        self.undo.is_some()
    }

    /// The card to show next (the same one until it is graded or skipped); `None` when the queue
    /// is done. `now` is when it is shown: the answer's time is measured from it.
    pub fn next_card(&mut self, store: &mut Store, now: DateTime<Utc>) -> Result<Option<&Card>> {
        if self.current.is_none() {
            while self.position < self.queue.len() {
                let entry = self.queue[self.position].clone();
                if let Some((face, plan)) = self.face_for(store, &entry, now)? {
                    self.current = Some(Current {
                        card: Card {
                            position: self.position,
                            total: self.queue.len(),
                            new: entry.new,
                            exam: entry.exam.clone(),
                            family: entry.family.clone(),
                            face,
                        },
                        entry,
                        plan,
                        shown_at: now,
                    });
                    break;
                }
                // A family whose every form left the bank: nothing to show.
                self.position += 1;
            }
        }
        Ok(self.current.as_ref().map(|c| &c.card))
    }

    fn face_for(
        &mut self,
        store: &Store,
        entry: &Entry,
        now: DateTime<Utc>,
    ) -> Result<Option<(Face, Option<repair::Plan>)>> {
        let repaired = match (
            store.repair(&entry.exam, &entry.family)?,
            self.blueprints.get(&entry.exam),
        ) {
            (Some(r), Some(exam)) => repair_face(store, exam, &r, now, &mut self.rng)?,
            _ => None,
        };
        if let Some((face, plan)) = repaired {
            return Ok(Some((face, Some(plan))));
        }
        let card = store.family_card(&entry.exam, &entry.family)?;
        Ok(choose_face(
            store,
            &entry.exam,
            &entry.family,
            card.as_ref().and_then(|c| c.last_item.as_deref()),
            card.as_ref().and_then(|c| c.last_variant.as_deref()),
            &mut self.rng,
        )?
        .map(|f| (f, None)))
    }

    /// Skips the card on screen (no grade).
    pub fn skip(&mut self) {
        if self.current.take().is_some() {
            self.position += 1;
        }
    }

    /// Answers the question on screen with `text` (scripted-answer syntax) at `now`: rated
    /// automatically (wrong → Again, right but slow → Hard, right → Good).
    pub fn grade_quiz(&mut self, store: &mut Store, text: &str, now: DateTime<Utc>) -> Result<Graded> {
        let item = self.quiz_on_screen()?;
        let response = parse_response(text, &item.instance, &item.shuffle).map_err(EngineError::BadAnswer)?;
        self.grade_quiz_response(store, response, now)
    }

    fn quiz_on_screen(&self) -> Result<&SessionItem> {
        let current = self
            .current
            .as_ref()
            .ok_or_else(|| EngineError::BadMove("no card is shown".into()))?;
        match &current.card.face {
            Face::Quiz(item) => Ok(item),
            Face::Flash(_) => Err(EngineError::BadAnswer(
                "grade with 1 (again), 2 (hard), 3 (good) or 4 (easy)".into(),
            )),
        }
    }

    /// Answers the question on screen with a response already parsed (a form, a simulation), like
    /// [`DrillRun::grade_quiz`].
    pub fn grade_quiz_response(
        &mut self,
        store: &mut Store,
        response: Response,
        now: DateTime<Utc>,
    ) -> Result<Graded> {
        self.quiz_on_screen()?;
        let Some(current) = self.current.as_ref() else {
            return Err(EngineError::BadMove("no card is shown".into()));
        };
        let Face::Quiz(item) = &current.card.face else {
            return Err(EngineError::BadMove("no question is shown".into()));
        };
        let seconds = (now - current.shown_at).num_milliseconds().max(0) as f64 / 1000.0;
        let mut shown = (**item).clone();
        shown.response = Some(response);
        shown.seconds = seconds;
        let correct = shown.correct();
        let entry = current.entry.clone();
        let change = current.plan.as_ref().and_then(|pl| {
            match (&pl.next, pl.missed.template(), &pl.missed_instance) {
                (NextForm::Variant { .. }, Some(t), Some(m)) => {
                    variation::change_explanation(t, m, &item.instance)
                }
                _ => None,
            }
        });
        let usual = store.usual_seconds(item.instance.item_type().as_str(), 5)?;
        let rating = rating_for_answer(correct, seconds, usual);
        let mut notices = Vec::new();
        let settings = self.settings.clone();
        let (review, after) = store.atomically(|store| {
            let seen = repair::seen_before(store, &entry.exam, &shown.instance)?;
            let progress = repair::after_answer(
                store,
                &repair::Answered {
                    exam: &entry.exam,
                    instance: &shown.instance,
                    family: &entry.family,
                    points: shown.score(),
                    seconds,
                    source: Source::Drill,
                    at: now,
                },
                seen,
            )?;
            match progress {
                Some(p) => notices.push(repair_note(&entry.family, p)),
                None if !correct => notices.push(Notice::note(format!(
                    "{} is in repair: it will come back changed, never as this same question",
                    entry.family
                ))),
                None => {}
            }
            review_family(
                store,
                &settings,
                &Given {
                    exam: &entry.exam,
                    family: &entry.family,
                    domain: shown.instance.domain.as_str(),
                    category: shown.instance.category.as_str(),
                    item: shown.instance.question.as_str(),
                    variant: shown.instance.variant.as_deref(),
                    rating,
                    source: Source::Drill,
                    at: now,
                    seconds: Some(seconds),
                },
            )
        })?;
        let graded = Graded {
            rating,
            correct: Some(correct),
            right_answer: Some(display_response(
                &answer_as_response(&shown.instance.answer),
                &shown.shuffle,
            )),
            points: shown.score(),
            explanation: change.unwrap_or_else(|| shown.instance.explanation.clone()),
            refs: shown.instance.refs.clone(),
            seconds,
            notices,
        };
        Ok(self.graded(review, &after, graded, Some(correct)))
    }

    /// Self-grades the flashcard on screen at `now`.
    pub fn grade_flash(&mut self, store: &mut Store, rating: Rating, now: DateTime<Utc>) -> Result<Graded> {
        let current = self
            .current
            .as_ref()
            .ok_or_else(|| EngineError::BadMove("no card is shown".into()))?;
        let Face::Flash(c) = &current.card.face else {
            return Err(EngineError::BadAnswer(
                "answer the question (a grade is for flashcards)".into(),
            ));
        };
        let c = c.clone();
        let seconds = (now - current.shown_at).num_milliseconds().max(0) as f64 / 1000.0;
        let entry = current.entry.clone();
        let prompt = match current.plan.as_ref().map(|p| &p.next) {
            Some(NextForm::Prompt { requirement }) => Some(requirement.clone()),
            _ => None,
        };
        let settings = self.settings.clone();
        let mut notices = Vec::new();
        let (review, after) = store.atomically(|store| {
            if let Some(requirement) = &prompt {
                // A variation prompt is a new form: reasoning that held counts towards repair.
                let seen = store.form_shown(&entry.exam, &entry.family, PROMPT_ITEM, Some(requirement))?;
                store.mark_shown(&entry.exam, &entry.family, PROMPT_ITEM, Some(requirement), now)?;
                if rating >= Rating::Good && !seen {
                    let progress = store.advance_repair(&entry.exam, &entry.family, REPAIR_AFTER, now)?;
                    notices.push(repair_note(&entry.family, progress));
                }
            }
            review_family(
                store,
                &settings,
                &Given {
                    exam: &entry.exam,
                    family: &entry.family,
                    domain: c.domain.as_str(),
                    category: c.category.as_str(),
                    item: c.id.as_str(),
                    variant: None,
                    rating,
                    source: Source::Drill,
                    at: now,
                    seconds: Some(seconds),
                },
            )
        })?;
        let graded = Graded {
            rating,
            correct: None,
            right_answer: None,
            points: (0, 0),
            explanation: c.back.clone(),
            refs: c.refs.clone(),
            seconds,
            notices,
        };
        Ok(self.graded(review, &after, graded, None))
    }

    /// Books a grade into the session: counters, the learning step, the undo record.
    fn graded(
        &mut self,
        review: i64,
        after: &FamilyCard,
        mut graded: Graded,
        correct: Option<bool>,
    ) -> Graded {
        let Some(current) = self.current.take() else {
            return graded;
        };
        let before = self.tally;
        self.tally.reviewed += 1;
        if let Some(right) = correct {
            self.tally.quiz += 1;
            self.tally.quiz_right += usize::from(right);
        }
        if !current.entry.new {
            self.tally.due_reviews += 1;
            self.tally.due_passed += usize::from(graded.rating != Rating::Again);
        }
        let mut requeued = None;
        if after.suspended {
            graded.notices.push(Notice::warning(format!(
                "{} has lapsed {} times: it is suspended as a leech (see `retake drill --leeches`); rework it from its explanation and references",
                current.entry.family, after.lapses
            )));
        } else if graded.rating == Rating::Again {
            // A learning step: the family comes back later in this session, in another form.
            let back = (self.position + 4).min(self.queue.len());
            self.queue.insert(
                back,
                Entry {
                    new: false,
                    ..current.entry.clone()
                },
            );
            requeued = Some(back);
            graded.notices.push(Notice::note(format!(
                "{} comes back later in this session",
                current.entry.family
            )));
        }
        self.undo = Some(Undo {
            review,
            card: current.card,
            entry: current.entry,
            tally: before,
            requeued,
        });
        self.position += 1;
        graded
    }

    /// Takes back the last grade: the family's memory state, the session's counters and queue are
    /// as before it, and the same form is shown again. Returns the family, or `None` when there is
    /// nothing to undo.
    pub fn undo(&mut self, store: &mut Store, now: DateTime<Utc>) -> Result<Option<String>> {
        let Some(undo) = self.undo.take() else {
            return Ok(None);
        };
        if !store.undo_review(undo.review)? {
            return Ok(None);
        }
        if let Some(at) = undo.requeued {
            self.queue.remove(at);
        }
        self.tally = undo.tally;
        self.current = None;
        self.position = undo.card.position;
        self.current = Some(Current {
            card: undo.card,
            entry: undo.entry.clone(),
            plan: None,
            shown_at: now,
        });
        Ok(Some(undo.entry.family))
    }
}

fn repair_note(family: &str, progress: i64) -> Notice {
    if progress >= REPAIR_AFTER {
        Notice::note(format!(
            "{family} is out of repair: right on {progress} forms you had not seen before"
        ))
    } else {
        Notice::note(format!(
            "{family}: {progress} of {REPAIR_AFTER} right answers on new forms to leave repair"
        ))
    }
}

/// The end-of-session figures.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The session's counts.
    pub tally: Tally,
    /// Families due tomorrow.
    pub due_tomorrow: u64,
    /// Families due within a week (overdue included).
    pub due_week: u64,
    /// Per exam and domain: accuracy on forms seen before vs new forms (memorisation index).
    pub memorisation: Vec<(String, variation::MemorisationIndex)>,
}

/// The summary of a drill session (or of the learner's state when `run` is `None`).
pub fn summary(store: &Store, tally: Tally, exams: &[String], clock: &LearnerClock) -> Result<Summary> {
    let days = clock.days();
    let today = days.day(clock.now);
    let due_tomorrow = store.due_between(None, days.day_start(today + 1), days.day_start(today + 2))?;
    let due_week = store.due_between(None, DateTime::<Utc>::MIN_UTC, days.day_start(today + 8))?;
    let mut memorisation = Vec::new();
    let mut codes: Vec<&String> = exams.iter().collect();
    codes.sort();
    for code in codes {
        for m in variation::memorisation_index(&store.seen_versus_new(code)?) {
            memorisation.push((code.clone(), m));
        }
    }
    Ok(Summary {
        tally,
        due_tomorrow,
        due_week,
        memorisation,
    })
}

impl DrillRun {
    /// The exams of this session.
    pub fn exams(&self) -> Vec<String> {
        self.blueprints.keys().cloned().collect()
    }
}

/// Families of `exam` due by the end of the learner's today (overdue ones included): one count
/// from the index, for a home page.
pub fn due_today(store: &Store, exam: &str, clock: &LearnerClock) -> Result<u64> {
    let days = clock.days();
    let end = days.day_start(days.day(clock.now) + 1);
    Ok(store.due_between(Some(exam), DateTime::<Utc>::MIN_UTC, end)?)
}

/// Due families per learner day for the next `days` days: `(date, due)`.
pub fn forecast(
    store: &Store,
    exam: Option<&str>,
    clock: &LearnerClock,
    days: usize,
) -> Result<Vec<(chrono::NaiveDate, usize)>> {
    let cut = clock.days();
    let today = cut.day(clock.now);
    let mut counts = vec![0usize; days];
    for due in store.due_times(exam)? {
        let d = (cut.day(due) - today).max(0);
        if let Some(slot) = usize::try_from(d).ok().and_then(|d| counts.get_mut(d)) {
            *slot += 1;
        }
    }
    Ok(counts
        .into_iter()
        .enumerate()
        .map(|(i, n)| (cut.date(today + i as i64), n))
        .collect())
}

#[cfg(test)]
#[path = "drill_tests.rs"]
mod tests;
