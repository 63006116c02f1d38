//! Mock exams as a workflow: assemble an attempt, then one call per learner action — answer,
//! navigate, flag, dispute, submit — each committed at once; expiry, resume with one driver per
//! attempt, reports and the attempt list.
//!
//! A [`MockRun`] is the state of one attempt being driven; a face holds it between actions (a
//! terminal loop, a server's session map) and passes the store and "now" to every call.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};

use super::lease::Lease;
use super::memory::review_mock_answers;
use super::repair::{self, Source};
use super::{EngineError, LearnerClock, Notice, Result};
use crate::bank::{Body, Exam, Question};
use crate::exam::response::answer_as_response;
use crate::exam::{
    Command, Location, Mode, Response, Session, SessionItem, Shuffle, Status, display_response,
    parse_response,
};
use crate::mastery::Evidence;
use crate::random::SeededRng;
use crate::report::clock_duration;
use crate::sampler::{self, DomainSpec, Learner, Member, Request, Unit};
use crate::store::{AnswerRecord, AttemptRow, Candidate, NewAttempt, Store};

mod assembly;

pub use assembly::{assemble, default_seed, deliver, mock_pool};

/// Closes an attempt in one transaction: its status, its answers and the learner model, the
/// families' reviews and the repairs its misses open (abandoned: the status only). `driver` is the
/// token of the driver that submits (`None` when a reader expires an overdue attempt). Returns
/// false when another process closed it first.
pub fn finish(
    store: &mut Store,
    attempt: &AttemptRow,
    driver: Option<&str>,
    items: &[SessionItem],
    status: Status,
    at: DateTime<Utc>,
) -> Result<bool> {
    store.atomically(|store| {
        let mut answers = Vec::new();
        for i in items.iter().filter(|i| !i.disputed) {
            let (points, max_points) = i.score();
            answers.push(AnswerRecord {
                item: i.instance.question.0.clone(),
                family: i.instance.family.0.clone(),
                domain: i.instance.domain.0.clone(),
                category: i.instance.category.0.clone(),
                variant: i.instance.variant.clone(),
                points,
                max_points,
                seconds: i.seconds,
                seen_before: Some(repair::seen_before(store, &attempt.exam, &i.instance)?),
            });
        }
        let at = at.max(attempt.started_at);
        let update = |current: Option<Evidence>, a: &AnswerRecord| {
            current
                .unwrap_or_else(|| Evidence::empty(at))
                .add(a.points, a.max_points, 1.0, at)
        };
        let finished =
            store.finish_attempt(attempt.id, driver, &attempt.exam, status, at, &answers, &update)?;
        if finished && status.is_scored() {
            // Answers given in a mock exam are also reviews of their families.
            review_mock_answers(store, &attempt.exam, items, at)?;
            for (item, answer) in items.iter().filter(|i| !i.disputed).zip(&answers) {
                repair::after_answer(
                    store,
                    &repair::Answered {
                        exam: &attempt.exam,
                        instance: &item.instance,
                        family: item.instance.family.as_str(),
                        points: item.score(),
                        seconds: item.seconds,
                        source: Source::Mock,
                        at,
                    },
                    answer.seen_before.unwrap_or(false),
                )?;
            }
        }
        Ok::<_, EngineError>(finished)
    })
}

/// Submits, as expired, every attempt whose deadline has passed (at its deadline). Every command
/// that reads attempts calls it first.
pub fn expire_overdue(store: &mut Store, clock: &LearnerClock) -> Result<Vec<Notice>> {
    let mut notices = Vec::new();
    for attempt in store.attempts_in_progress()? {
        let Some(deadline) = attempt.deadline.filter(|d| *d <= clock.now) else {
            continue;
        };
        let items = store.attempt_items(attempt.id)?;
        if finish(store, &attempt, None, &items, Status::Expired, deadline)? {
            notices.push(Notice::note(format!(
                "attempt {} of {} ran past its deadline ({}) and was submitted as expired",
                attempt.id,
                attempt.exam,
                clock.stamp(deadline)
            )));
        }
    }
    Ok(notices)
}

/// What a learner asks for when starting a mock exam.
#[derive(Clone, Debug)]
pub struct StartRequest {
    /// Items (default: the exam's count).
    pub count: Option<usize>,
    /// Time limit in minutes (default: the exam's duration).
    pub minutes: Option<f64>,
    /// Only these domains (a practice set outside the official ranges).
    pub domains: Vec<String>,
    /// Targeted or blueprint sampling.
    pub mode: Mode,
    /// Untimed, with feedback after each answer.
    pub practice: bool,
    /// Close an attempt in progress as abandoned first.
    pub abandon: bool,
    /// The seed (default: from the clock and the process).
    pub seed: Option<u64>,
}

/// A newly started attempt.
#[derive(Debug)]
pub struct Started {
    /// The attempt, ready to drive.
    pub run: MockRun,
    /// The seed that replays it.
    pub seed: u64,
    /// The time limit in seconds, for timed attempts.
    pub limit_seconds: Option<f64>,
    /// What to tell the learner (an abandoned attempt, a short mock).
    pub notices: Vec<Notice>,
}

/// Starts a mock exam of `exam` and takes it for this driver (`token`, see [`Lease`]).
pub fn start(
    store: &mut Store,
    db: Option<&Path>,
    exam: &Exam,
    req: &StartRequest,
    clock: &LearnerClock,
    token: String,
) -> Result<Started> {
    let mut notices = expire_overdue(store, clock)?;
    if let Some(busy) = store
        .attempts_in_progress()?
        .into_iter()
        .find(|a| a.exam == exam.code)
    {
        if !req.abandon {
            return Err(EngineError::InProgress {
                id: busy.id,
                exam: busy.exam,
                started: clock.stamp(busy.started_at),
            });
        }
        // Abandoning another driver's live attempt would pull it from under them.
        let lease = Lease::acquire(store, db, busy.id, &busy.exam, token.clone(), false)?;
        let items = store.attempt_items(busy.id)?;
        finish(
            store,
            &busy,
            Some(lease.token()),
            &items,
            Status::Abandoned,
            clock.now,
        )?;
        lease.release();
        notices.push(Notice::note(format!("attempt {} closed as abandoned", busy.id)));
    }
    let count = req.count.unwrap_or(exam.question_count as usize);
    if count == 0 {
        return Err(EngineError::Invalid("--questions must be at least 1".into()));
    }
    // More than the bank holds cannot be drawn (and a huge number would only spin the sampler).
    let available = store
        .exams()?
        .iter()
        .find(|e| e.code == exam.code)
        .map_or(usize::MAX, |e| usize::try_from(e.questions).unwrap_or(usize::MAX))
        .max(1);
    if count > available {
        notices.push(Notice::warning(format!(
            "--questions {count} is more than the {} bank holds: using {available}",
            exam.code
        )));
    }
    let count = count.min(available);
    // A shorter (or longer) exam keeps the real exam's pace: its time per item × the items asked.
    let minutes = req.minutes.unwrap_or_else(|| match req.count {
        Some(_) => {
            let per_item = f64::from(exam.duration_minutes) / f64::from(exam.question_count.max(1));
            (per_item * count as f64).min(24.0 * 60.0)
        }
        None => f64::from(exam.duration_minutes),
    });
    if !(minutes.is_finite() && minutes > 0.0 && minutes <= 24.0 * 60.0) {
        return Err(EngineError::Invalid(format!(
            "--minutes {minutes} must be more than 0 and at most 1440"
        )));
    }
    let seed = req.seed.unwrap_or_else(|| default_seed(clock.now));
    let (items, repairing) = assemble(store, exam, req, count, seed, clock.now)?;
    if items.is_empty() {
        return Err(EngineError::EmptySelection(exam.code.clone()));
    }
    if items.len() < count {
        let why = if repairing.is_empty() {
            String::new()
        } else {
            format!(
                " ({} in repair come back through drills as variants, siblings or variation prompts: see `retake variations`)",
                crate::report::text::count(repairing.len() as u64, "family", "families")
            )
        };
        notices.push(Notice::warning(format!(
            "the bank holds only {} for this selection, not {count}{why}",
            crate::report::text::count(items.len() as u64, "item", "items")
        )));
    }
    let limit_seconds = (!req.practice).then_some(minutes * 60.0);
    let deadline = limit_seconds.map(|s| clock.now + Duration::milliseconds((s * 1000.0).round() as i64));
    let restricted = (!req.domains.is_empty()).then_some(req.domains.as_slice());
    let id = store.create_attempt(&NewAttempt {
        exam: &exam.code,
        mode: req.mode,
        timed: !req.practice,
        seed,
        started_at: clock.now,
        deadline,
        domains: restricted,
        blueprint: exam,
        items: &items,
    })?;
    let attempt = store.attempt(id)?.ok_or(EngineError::NoSuchAttempt(id))?;
    let lease = Lease::acquire(store, db, id, &exam.code, token, false)?;
    Ok(Started {
        run: MockRun::new(attempt, items, lease, clock.now),
        seed,
        limit_seconds,
        notices,
    })
}

/// What `exam resume` found.
#[derive(Debug)]
pub enum Resumed {
    /// The attempt, ready to drive.
    Running(Box<MockRun>),
    /// The attempt ran past its deadline while nobody drove it and was just submitted as expired.
    Expired(i64),
}

/// Resumes the attempt in progress (of `exam`, when given) for this driver: refused while another
/// live driver holds it, unless `take_over`.
pub fn resume(
    store: &mut Store,
    db: Option<&Path>,
    exam: Option<&str>,
    clock: &LearnerClock,
    token: String,
    take_over: bool,
) -> Result<(Resumed, Vec<Notice>)> {
    let wanted = |a: &AttemptRow| exam.is_none_or(|e| a.exam.eq_ignore_ascii_case(e));
    let before = store.attempts_in_progress()?;
    let notices = expire_overdue(store, clock)?;
    let running: Vec<AttemptRow> = store
        .attempts_in_progress()?
        .into_iter()
        .filter(|a| wanted(a))
        .collect();
    let attempt = match running.as_slice() {
        [one] => one.clone(),
        [] => {
            // An attempt that just expired is reported instead of silently vanishing.
            if let Some(expired) = before.iter().find(|a| wanted(a)) {
                return Ok((Resumed::Expired(expired.id), notices));
            }
            // A code that names no exam is a typo, not an empty list of attempts.
            let known = store.exams()?;
            return match exam {
                Some(code)
                    if !known.is_empty() && !known.iter().any(|e| e.code.eq_ignore_ascii_case(code)) =>
                {
                    Err(EngineError::UnknownExam {
                        code: code.to_owned(),
                        available: known
                            .iter()
                            .map(|e| e.code.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
                }
                _ => Err(EngineError::NothingInProgress),
            };
        }
        many => {
            let codes: Vec<&str> = many.iter().map(|a| a.exam.as_str()).collect();
            return Err(EngineError::SeveralInProgress {
                codes: codes.join(", "),
                first: codes[0].to_owned(),
            });
        }
    };
    let lease = Lease::acquire(store, db, attempt.id, &attempt.exam, token, take_over)?;
    let items = store.attempt_items(attempt.id)?;
    Ok((
        Resumed::Running(Box::new(MockRun::new(attempt, items, lease, clock.now))),
        notices,
    ))
}

/// Feedback after an answer in a practice (untimed) attempt.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Feedback {
    /// Fully right.
    pub correct: bool,
    /// The key, in the letters shown.
    pub right_answer: String,
    /// Points earned.
    pub points: u32,
    /// Points possible.
    pub max_points: u32,
    /// Why.
    pub explanation: String,
    /// Where to read more.
    pub refs: Vec<String>,
}

/// A section that leaving the current item would lock: its first and last positions (0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectionSpan {
    /// First item of the section.
    pub first: usize,
    /// Last item of the section.
    pub last: usize,
}

impl SectionSpan {
    /// "items 3–5" or "item 3" (1-based).
    pub fn describe(&self) -> String {
        if self.first == self.last {
            format!("item {}", self.first + 1)
        } else {
            format!("items {}–{}", self.first + 1, self.last + 1)
        }
    }
}

/// One attempt being driven.
#[derive(Debug)]
pub struct MockRun {
    /// The attempt as stored when it was taken.
    pub attempt: AttemptRow,
    /// Items, responses and location.
    pub session: Session,
    lease: Lease,
    shown_at: DateTime<Utc>,
}

impl MockRun {
    fn new(attempt: AttemptRow, items: Vec<SessionItem>, lease: Lease, now: DateTime<Utc>) -> MockRun {
        MockRun {
            session: Session {
                items,
                location: attempt.location,
            },
            attempt,
            lease,
            shown_at: now,
        }
    }

    /// The driver token of this run.
    pub fn token(&self) -> &str {
        self.lease.token()
    }

    /// Time left before the deadline (untimed: `None`). Never more than the attempt's duration,
    /// even when the clock moved backwards, and never less than zero.
    pub fn time_left(&self, now: DateTime<Utc>) -> Option<Duration> {
        let deadline = self.attempt.deadline?;
        let full = deadline - self.attempt.started_at;
        Some((deadline - now).clamp(Duration::zero(), full))
    }

    /// Whether the deadline has passed.
    pub fn is_over(&self, now: DateTime<Utc>) -> bool {
        self.attempt.deadline.is_some_and(|d| now >= d)
    }

    /// Starts timing the current item (call when it is shown).
    pub fn mark_shown(&mut self, now: DateTime<Utc>) {
        self.shown_at = now;
    }

    /// Adds the time spent on the current item since it was shown.
    fn settle(&mut self, now: DateTime<Utc>) {
        if let Some(i) = self.session.current() {
            let spent = (now - self.shown_at).num_milliseconds().max(0) as f64 / 1000.0;
            self.session.items[i].seconds += spent;
        }
        self.shown_at = now;
    }

    fn save(
        &mut self,
        store: &mut Store,
        positions: &[usize],
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.lease.refresh();
        let changed: Vec<(usize, &SessionItem, Option<&str>)> = positions
            .iter()
            .map(|p| (*p, &self.session.items[*p], note))
            .collect();
        store.save_progress(
            self.attempt.id,
            self.lease.token(),
            self.session.location,
            &changed,
            now,
        )?;
        Ok(())
    }

    /// Answers the current item with `text` in the scripted-answer syntax and commits it.
    /// Returns the position answered and, in practice attempts, the feedback.
    pub fn answer(
        &mut self,
        store: &mut Store,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<(usize, Option<Feedback>)> {
        let i = self.answerable()?;
        let item = &self.session.items[i];
        let response: Response =
            parse_response(text, &item.instance, &item.shuffle).map_err(EngineError::BadAnswer)?;
        self.answer_response(store, response, now)
    }

    /// The current item, when it can take an answer.
    fn answerable(&self) -> Result<usize> {
        let i = self.session.current().ok_or_else(|| {
            EngineError::BadMove(
                "you are at the review screen: type :goto N to change an answer, or :submit to finish".into(),
            )
        })?;
        if self.session.items[i].locked {
            return Err(EngineError::BadMove("this item is locked".into()));
        }
        Ok(i)
    }

    /// Answers the current item with a response already parsed (a form, a drag-and-drop) and
    /// commits it, like [`MockRun::answer`].
    pub fn answer_response(
        &mut self,
        store: &mut Store,
        response: Response,
        now: DateTime<Utc>,
    ) -> Result<(usize, Option<Feedback>)> {
        let i = self.answerable()?;
        self.settle(now);
        self.session.answer(response);
        self.save(store, &[i], None, now)?;
        let feedback = (!self.attempt.timed).then(|| {
            let item = &self.session.items[i];
            let (points, max_points) = item.score();
            Feedback {
                correct: item.correct(),
                right_answer: display_response(&answer_as_response(&item.instance.answer), &item.shuffle),
                points,
                max_points,
                explanation: item.instance.explanation.clone(),
                refs: item.instance.refs.clone(),
            }
        });
        Ok((i, feedback))
    }

    /// Where a navigation command leads from here.
    pub fn destination(&self, command: &Command) -> Result<Location> {
        self.session.destination(command).map_err(EngineError::BadMove)
    }

    /// The section that going to `to` would lock (ask the learner first).
    pub fn section_lock(&self, to: Location) -> Option<SectionSpan> {
        let section = self.session.leaves_section(to)?;
        let members: Vec<usize> = (0..self.session.items.len())
            .filter(|j| self.session.items[*j].section == Some(section))
            .collect();
        Some(SectionSpan {
            first: *members.first()?,
            last: *members.last()?,
        })
    }

    /// The section the current item opens, when it is its first item (to warn before answering).
    pub fn entered_section(&self) -> Option<SectionSpan> {
        let section = self.session.enters_section()?;
        let members: Vec<usize> = (0..self.session.items.len())
            .filter(|j| self.session.items[*j].section == Some(section))
            .collect();
        Some(SectionSpan {
            first: *members.first()?,
            last: *members.last()?,
        })
    }

    /// Moves to `to` and commits the move (and the section it locks, returned).
    pub fn go(&mut self, store: &mut Store, to: Location, now: DateTime<Utc>) -> Result<Option<SectionSpan>> {
        let locks = self.section_lock(to);
        self.settle(now);
        let mut changed: Vec<usize> = self.session.current().into_iter().collect();
        changed.extend(self.session.go(to));
        self.save(store, &changed, None, now)?;
        Ok(locks)
    }

    /// Toggles the flag of the current item; returns its position and the new state.
    pub fn toggle_flag(&mut self, store: &mut Store, now: DateTime<Utc>) -> Result<(usize, bool)> {
        let i = self
            .session
            .current()
            .ok_or_else(|| EngineError::BadMove("go to an item first (:goto N)".into()))?;
        self.settle(now);
        let on = self.session.toggle_flag().unwrap_or(false);
        self.save(store, &[i], None, now)?;
        Ok((i, on))
    }

    /// Marks the current item as disputed (excluded from the score), with an optional note.
    pub fn dispute(&mut self, store: &mut Store, note: &str, now: DateTime<Utc>) -> Result<usize> {
        let i = self
            .session
            .current()
            .ok_or_else(|| EngineError::BadMove("go to an item first (:goto N)".into()))?;
        self.settle(now);
        self.session.dispute();
        let note = Some(note).filter(|n| !n.is_empty());
        self.save(store, &[i], note, now)?;
        Ok(i)
    }

    /// Commits the time spent on the current item (input ended, a face closing).
    pub fn pause(&mut self, store: &mut Store, now: DateTime<Utc>) -> Result<()> {
        self.settle(now);
        let current: Vec<usize> = self.session.current().into_iter().collect();
        self.save(store, &current, None, now)
    }

    /// Submits the attempt (scored at `now`); returns its id.
    pub fn submit(mut self, store: &mut Store, now: DateTime<Utc>) -> Result<i64> {
        self.pause(store, now)?;
        finish(
            store,
            &self.attempt,
            Some(self.lease.token()),
            &self.session.items,
            Status::Submitted,
            now,
        )?;
        let id = self.attempt.id;
        self.lease.release();
        Ok(id)
    }

    /// Submits the attempt as expired at its deadline (the time ran out while driving it).
    pub fn expire(mut self, store: &mut Store, now: DateTime<Utc>) -> Result<i64> {
        let at = self.attempt.deadline.unwrap_or(now);
        self.pause(store, at.min(now))?;
        finish(
            store,
            &self.attempt,
            Some(self.lease.token()),
            &self.session.items,
            Status::Expired,
            at,
        )?;
        let id = self.attempt.id;
        self.lease.release();
        Ok(id)
    }

    /// The status text of the terminal timer: where the learner is and how much is done.
    pub fn progress_text(&self) -> String {
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

    /// Hands the attempt to another driver token of this process (a server passing it from one
    /// browser tab to another): the old token's writes are rejected from now on.
    pub fn hand_to(&mut self, store: &mut Store, token: String) -> Result<()> {
        self.lease.hand_to(store, token)
    }

    /// The time left as the timer shows it.
    pub fn time_left_text(&self, now: DateTime<Utc>) -> Option<String> {
        self.time_left(now)
            .map(|d| clock_duration(d.num_milliseconds() as f64 / 1000.0))
    }
}

/// An attempt and its items, for a report (`None`: the latest started attempt).
pub fn attempt_with_items(store: &Store, id: Option<i64>) -> Result<(AttemptRow, Vec<SessionItem>)> {
    let id = match id {
        Some(id) => id,
        None => store
            .latest_attempt()?
            .map(|a| a.id)
            .ok_or(EngineError::NoAttempts)?,
    };
    let attempt = store.attempt(id)?.ok_or(EngineError::NoSuchAttempt(id))?;
    let items = store.attempt_items(id)?;
    Ok((attempt, items))
}

/// One row of `exam list`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Listed {
    /// Attempt id.
    pub attempt: i64,
    /// Exam code.
    pub exam: String,
    /// `targeted` or `blueprint`.
    pub mode: &'static str,
    /// False for practice.
    pub timed: bool,
    /// Where it stands.
    pub status: &'static str,
    /// When it started (RFC 3339, the learner's zone).
    pub started_at: String,
    /// Items.
    pub items: usize,
    /// The score, once submitted or expired.
    pub scaled_score: Option<u32>,
    /// Passed, once submitted or expired.
    pub passed: Option<bool>,
}

/// Every attempt (of `exam`), oldest first, after expiring overdue ones.
pub fn list(
    store: &mut Store,
    exam: Option<&str>,
    clock: &LearnerClock,
) -> Result<(Vec<Listed>, Vec<Notice>)> {
    let notices = expire_overdue(store, clock)?;
    let out = store
        .attempts(exam)?
        .iter()
        .map(|a| listed(store, a, clock))
        .collect::<Result<_>>()?;
    Ok((out, notices))
}

/// The attempt of `exam` in progress and its latest scored one, for a home page: only those two
/// attempts' items are read.
pub fn latest(store: &Store, exam: &str, clock: &LearnerClock) -> Result<(Option<Listed>, Option<Listed>)> {
    let attempts = store.attempts(Some(exam))?;
    let running = attempts.iter().rev().find(|a| a.status == Status::InProgress);
    let scored = attempts.iter().rev().find(|a| a.status.is_scored());
    Ok((
        running.map(|a| listed(store, a, clock)).transpose()?,
        scored.map(|a| listed(store, a, clock)).transpose()?,
    ))
}

fn listed(store: &Store, a: &AttemptRow, clock: &LearnerClock) -> Result<Listed> {
    let items = store.attempt_items(a.id)?;
    let report = crate::report::AttemptReport {
        attempt: a,
        items: &items,
        now: clock.now,
        zone: clock.zone,
    };
    let summary = report.summary();
    let scored = a.status.is_scored();
    Ok(Listed {
        attempt: a.id,
        exam: a.exam.clone(),
        mode: a.mode.as_str(),
        timed: a.timed,
        status: a.status.as_str(),
        started_at: clock.stamp(a.started_at),
        items: items.len(),
        scaled_score: scored.then_some(summary.scaled),
        passed: scored.then_some(summary.passed),
    })
}

#[cfg(test)]
#[path = "mock_tests.rs"]
mod tests;
