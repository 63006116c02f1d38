//! The inputs of readiness, plans, progress and the retake rules: what the store knows about a
//! learner, gathered for the pure models (`readiness`, `plan`, `report::progress`,
//! `retake_policy`), and the logging of official attempts.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

use super::{EngineError, LearnerClock, Result};
use crate::bank::Exam;
use crate::mastery::{Estimate, Evidence};
use crate::plan::{Diagnosis, DomainScore};
use crate::random::SeededRng;
use crate::readiness::{self, DomainAbility, ExamRule, Readiness};
use crate::report::AttemptReport;
use crate::report::progress::{DomainProgress, HistoryDomain, HistoryEntry, HistoryKind, Progress};
use crate::retake_policy::{self, NextAttempt, OfficialAttempt};
use crate::store::{LoggedAttempt, Store};
use crate::variation;

/// How much a score report weighs in the learner model: as many answers, per domain, spread over its
/// categories. Real answers soon outweigh it, and it fades with time like all evidence.
const REPORT_WEIGHT_PER_DOMAIN: f64 = 6.0;

/// Simulated exam forms behind a readiness figure.
const READINESS_SIMULATIONS: usize = 4_000;

/// Readiness from the learner's current category estimates.
pub fn readiness_of(store: &Store, exam: &Exam, clock: &LearnerClock) -> Result<Readiness> {
    let evidence: HashMap<(String, String), Estimate> = store
        .category_evidence(&exam.code)?
        .into_iter()
        .map(|(d, c, e)| ((d, c), e.estimate(clock.now)))
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

/// The latest score report: an official attempt or a scored mock, whichever is newer.
pub fn diagnosis(store: &Store, exam: &Exam, clock: &LearnerClock) -> Result<Option<Diagnosis>> {
    let official = latest_report(store, &exam.code)?.and_then(|a| {
        let score = a.score?;
        Some((
            a.taken_at,
            Diagnosis {
                source: "official".into(),
                date: clock.zone.local(a.taken_at).date_naive(),
                score,
                domains: a
                    .domains
                    .iter()
                    .map(|(id, p)| DomainScore {
                        id: id.clone(),
                        percent: *p,
                    })
                    .collect(),
            },
        ))
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
                now: clock.now,
                zone: clock.zone,
            }
            .summary();
            Some((
                a.finished_at.unwrap_or(a.started_at),
                Diagnosis {
                    source: "mock".into(),
                    date: clock.zone.local(a.started_at).date_naive(),
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

/// Per-domain progress, mock history and readiness of one exam.
pub fn progress_of(store: &Store, exam: &Exam, clock: &LearnerClock) -> Result<Progress> {
    let all: HashMap<String, (u64, u64)> = store
        .domain_answers(&exam.code, None)?
        .into_iter()
        .map(|(d, n, r)| (d, (n, r)))
        .collect();
    let recent: HashMap<String, (u64, u64)> = store
        .domain_answers(&exam.code, Some(clock.now - Duration::days(30)))?
        .into_iter()
        .map(|(d, n, r)| (d, (n, r)))
        .collect();
    let due: HashMap<String, u64> = store.due_by_domain(&exam.code, clock.now)?.into_iter().collect();
    let memo: HashMap<String, Option<f64>> =
        variation::memorisation_index(&store.seen_versus_new(&exam.code)?)
            .into_iter()
            .map(|m| (m.domain, m.gap))
            .collect();
    let evidence: HashMap<(String, String), Estimate> = store
        .category_evidence(&exam.code)?
        .into_iter()
        .map(|(d, c, e)| ((d, c), e.estimate(clock.now)))
        .collect();
    let acc = |x: Option<&(u64, u64)>| x.filter(|(n, _)| *n > 0).map(|(n, r)| *r as f64 / *n as f64);
    let mut domains = exam
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
                retired: false,
                retired_categories: evidence
                    .keys()
                    .filter(|(dom, cat)| *dom == d.id.0 && d.category(cat).is_none())
                    .map(|(_, cat)| cat.clone())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            }
        })
        .collect::<Vec<_>>();
    let retired = |id: &str| exam.domain(id).is_none();
    let mut history = Vec::new();
    // Names of domains the bank no longer has, from the blueprints mocks were taken with.
    let mut old_names: BTreeMap<String, String> = BTreeMap::new();
    let mocks: Vec<_> = store
        .attempts(Some(&exam.code))?
        .into_iter()
        .filter(|a| a.status.is_scored())
        .collect();
    for a in &mocks {
        for d in &a.blueprint.domains {
            old_names.insert(d.id.0.clone(), d.name.clone());
        }
    }
    for a in mocks {
        let items = store.attempt_items(a.id)?;
        let s = AttemptReport {
            attempt: &a,
            items: &items,
            now: clock.now,
            zone: clock.zone,
        }
        .summary();
        history.push((
            a.started_at,
            HistoryEntry {
                kind: HistoryKind::Mock,
                attempt: a.id,
                date: clock.stamp(a.started_at),
                scaled_score: s.scaled,
                domains: s
                    .domains
                    .iter()
                    .map(|d| HistoryDomain {
                        id: d.id.0.clone(),
                        percent: d.percent,
                        retired: retired(d.id.as_str()),
                    })
                    .collect(),
            },
        ));
    }
    for a in store.official_attempts(Some(&exam.code))? {
        let Some(score) = a.score else { continue };
        history.push((
            a.taken_at,
            HistoryEntry {
                kind: HistoryKind::Official,
                attempt: a.id,
                date: clock.stamp(a.taken_at),
                scaled_score: score,
                domains: a
                    .domains
                    .iter()
                    .map(|(id, p)| HistoryDomain {
                        id: id.clone(),
                        percent: Some(*p),
                        retired: retired(id),
                    })
                    .collect(),
            },
        ));
    }
    history.sort_by_key(|(t, _)| *t);
    let history: Vec<HistoryEntry> = history.into_iter().map(|(_, h)| h).collect();
    // Domains removed from the bank keep a row while the learner has history in them.
    let mut gone: std::collections::BTreeSet<String> = all.keys().cloned().collect();
    gone.extend(evidence.keys().map(|(d, _)| d.clone()));
    gone.extend(
        history
            .iter()
            .flat_map(|h| h.domains.iter().map(|d| d.id.clone())),
    );
    gone.retain(|id| retired(id));
    for id in gone {
        let estimates: Vec<f64> = evidence
            .iter()
            .filter(|((d, _), _)| *d == id)
            .map(|(_, e)| e.mastery())
            .collect();
        domains.push(DomainProgress {
            name: old_names.get(&id).cloned().unwrap_or_else(|| id.clone()),
            weight: "retired".to_owned(),
            share: 0.0,
            answered: all.get(&id).map_or(0, |x| x.0),
            accuracy_30d: acc(recent.get(&id)),
            accuracy_all: acc(all.get(&id)),
            mastery: if estimates.is_empty() {
                Estimate::UNIFORM.mastery()
            } else {
                estimates.iter().sum::<f64>() / estimates.len() as f64
            },
            due: due.get(&id).copied().unwrap_or(0),
            memorisation_gap: memo.get(&id).copied().flatten(),
            expected_points: 0.0,
            exam_items: 0.0,
            retired: true,
            retired_categories: Vec::new(),
            id,
        });
    }
    Ok(Progress {
        exam: exam.code.clone(),
        title: exam.title.clone(),
        generated: clock.stamp(clock.now),
        passing_score: exam.passing_score,
        max_score: exam.max_score,
        readiness: readiness_of(store, exam, clock)?,
        domains,
        history,
    })
}

/// Why `date` is not a date: written wrongly, or a day the calendar does not have (2026-02-30).
fn bad_date(date: &str) -> String {
    let parts: Vec<&str> = date.trim().split('-').collect();
    let numbers: Option<Vec<u32>> = match parts.as_slice() {
        [y, m, d] if y.len() == 4 && !m.is_empty() && m.len() <= 2 && !d.is_empty() && d.len() <= 2 => {
            parts.iter().map(|p| p.parse::<u32>().ok()).collect()
        }
        _ => None,
    };
    let Some([y, m, d]) = numbers.as_deref().and_then(|v| <[u32; 3]>::try_from(v).ok()) else {
        return format!("date \"{date}\" must be written YYYY-MM-DD");
    };
    let year = i32::try_from(y).unwrap_or(0);
    let first = NaiveDate::from_ymd_opt(year, m, 1);
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, m + 1, 1)
    };
    match (first, next) {
        (Some(first), Some(next)) => format!(
            "date \"{date}\" does not exist: {} has {} days, not {d}",
            first.format("%B %Y"),
            (next - first).num_days()
        ),
        _ => format!("date \"{date}\" does not exist: there is no month {m} (write YYYY-MM-DD)"),
    }
}

/// A date (and optional time) in the learner's zone, as a UTC instant.
pub fn local_instant(clock: &LearnerClock, date: &str, time: Option<&str>) -> Result<DateTime<Utc>> {
    let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| EngineError::Invalid(bad_date(date)))?;
    let t = match time {
        Some(t) => NaiveTime::parse_from_str(t.trim(), "%H:%M")
            .map_err(|_| EngineError::Invalid(format!("time \"{t}\" must be written HH:MM")))?,
        None => NaiveTime::MIN,
    };
    clock.zone.instant(d.and_time(t)).ok_or_else(|| {
        EngineError::Invalid(format!(
            "{date} {} does not exist in your time zone",
            t.format("%H:%M")
        ))
    })
}

/// When a retired exam stops being offered, in the learner's calendar.
pub fn retired_from(exam: &Exam, clock: &LearnerClock) -> Option<DateTime<Utc>> {
    retake_policy::retired_from(exam.retires_on, |d| {
        clock
            .zone
            .instant(d.and_time(NaiveTime::MIN))
            .unwrap_or_else(|| Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN)))
    })
}

/// The retake status of an exam at `now`.
pub fn status(store: &Store, exam: &Exam, clock: &LearnerClock) -> Result<NextAttempt> {
    let attempts: Vec<OfficialAttempt> = store
        .official_attempts(Some(&exam.code))?
        .into_iter()
        .map(|a| OfficialAttempt {
            taken_at: a.taken_at,
            score: a.score,
            passed: a.passed.unwrap_or(false),
            pending: a.is_pending(),
            expires: a.expires,
        })
        .collect();
    Ok(retake_policy::next_attempt(
        exam,
        &attempts,
        clock.now,
        retired_from(exam, clock),
    ))
}

/// The latest official attempt of an exam with a score report, if any (pending ones have none).
pub fn latest_report(store: &Store, exam: &str) -> Result<Option<LoggedAttempt>> {
    Ok(store
        .official_attempts(Some(exam))?
        .into_iter()
        .rfind(|a| !a.is_pending()))
}

/// An official result to log.
#[derive(Clone, Debug)]
pub struct OfficialResult<'a> {
    /// The date (YYYY-MM-DD, the learner's zone).
    pub date: &'a str,
    /// The time (HH:MM), default 00:00.
    pub time: Option<&'a str>,
    /// The scaled score; `None` records a pending result (a beta exam, scored weeks later).
    pub score: Option<u32>,
    /// `domain=percent` pairs from the score report.
    pub domains: &'a [String],
    /// For a pass: when the certification expires.
    pub expires: Option<&'a str>,
}

/// What [`log_official`] recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct Logged {
    /// The attempt as stored now.
    pub attempt: LoggedAttempt,
    /// The score completed an attempt logged as pending on the same day, rather than adding one.
    pub completed_pending: bool,
}

fn parse_percents(e: &Exam, domains: &[String]) -> Result<BTreeMap<String, f64>> {
    let mut percents = BTreeMap::new();
    for d in domains {
        let (id, pct) = d
            .split_once('=')
            .ok_or_else(|| EngineError::Invalid(format!("--domain {d} must look like storage=55")))?;
        let pct: f64 =
            pct.trim().trim_end_matches('%').parse().map_err(|_| {
                EngineError::Invalid(format!("--domain {d}: the percentage must be a number"))
            })?;
        if e.domain(id.trim()).is_none() || !(0.0..=100.0).contains(&pct) {
            let ids: Vec<&str> = e.domains.iter().map(|d| d.id.as_str()).collect();
            return Err(EngineError::Invalid(format!(
                "--domain {d}: use a domain of {} ({}) and a percentage 0–100",
                e.code,
                ids.join(", ")
            )));
        }
        percents.insert(id.trim().to_owned(), pct);
    }
    Ok(percents)
}

/// Validates and records an official attempt; its domain percentages become evidence for their
/// domains' categories.
///
/// Without a score the attempt is recorded as pending: it counts for the retake rules, and a later
/// call with a score for the same exam and calendar day completes it instead of adding a second
/// attempt (two attempts cannot fall on one day: the shortest wait is a day).
pub fn log_official(store: &mut Store, e: &Exam, r: &OfficialResult, clock: &LearnerClock) -> Result<Logged> {
    if let Some(score) = r.score
        && (score == 0 || score > e.max_score)
    {
        return Err(EngineError::Invalid(format!(
            "--score {score} must be between 1 and {}",
            e.max_score
        )));
    }
    let taken_at = local_instant(clock, r.date, r.time)?;
    if taken_at < retake_policy::earliest_exam_instant() {
        return Err(EngineError::Invalid(format!(
            "{} is before {}: give the date you sat the exam",
            r.date,
            retake_policy::EARLIEST_EXAM_DATE
        )));
    }
    if taken_at > clock.now {
        return Err(EngineError::Invalid(format!(
            "{} is in the future: log an attempt once you have taken it",
            r.date
        )));
    }
    let day = local_date(clock, taken_at);
    let same_day: Vec<LoggedAttempt> = store
        .official_attempts(Some(&e.code))?
        .into_iter()
        .filter(|a| local_date(clock, a.taken_at) == day)
        .collect();
    let Some(score) = r.score else {
        if !r.domains.is_empty() || r.expires.is_some() {
            return Err(EngineError::Invalid(
                "a pending result has no score report yet: give --domain and --expires with the score, when it arrives".into(),
            ));
        }
        if let Some(a) = same_day.first() {
            return Err(EngineError::Invalid(format!(
                "an attempt of {} on {day} is already logged ({}): there is nothing to add",
                e.code,
                if a.is_pending() {
                    "its result is pending"
                } else {
                    "with its score"
                }
            )));
        }
        let attempt = LoggedAttempt {
            id: 0,
            exam: e.code.clone(),
            taken_at,
            score: None,
            passed: None,
            expires: None,
            domains: BTreeMap::new(),
        };
        let id = store.log_official_attempt(&attempt, clock.now, &[], &|_, _| None)?;
        return Ok(Logged {
            attempt: LoggedAttempt { id, ..attempt },
            completed_pending: false,
        });
    };
    let percents = parse_percents(e, r.domains)?;
    let passed = score >= e.passing_score;
    let expires = match r.expires {
        Some(x) if passed => Some(local_instant(clock, x, None)?),
        Some(_) => {
            return Err(EngineError::Invalid(
                "--expires applies only to a passing attempt".into(),
            ));
        }
        None => None,
    };
    let pending = same_day.iter().find(|a| a.is_pending());
    let attempt = LoggedAttempt {
        id: pending.map_or(0, |a| a.id),
        exam: e.code.clone(),
        // The time given with the pending attempt stands unless a time is given now.
        taken_at: match (pending, r.time) {
            (Some(a), None) => a.taken_at,
            _ => taken_at,
        },
        score: Some(score),
        passed: Some(passed),
        expires,
        domains: percents.clone(),
    };
    // The report tells what the learner knew when they sat the exam, however late it arrives.
    let observed = attempt.taken_at;
    let categories: Vec<(String, String)> = e
        .domains
        .iter()
        .filter(|d| percents.contains_key(d.id.as_str()))
        .flat_map(|d| d.categories.iter().map(move |c| (d.id.0.clone(), c.id.0.clone())))
        .collect();
    let per_category: BTreeMap<&str, f64> = e
        .domains
        .iter()
        .map(|d| {
            (
                d.id.as_str(),
                REPORT_WEIGHT_PER_DOMAIN / d.categories.len().max(1) as f64,
            )
        })
        .collect();
    let update = |current: Option<Evidence>, domain: &str| {
        let pct = percents.get(domain)?;
        let weight = per_category.get(domain).copied().unwrap_or(1.0);
        let ev = current.unwrap_or_else(|| Evidence::empty(observed));
        Some(ev.add((pct * 10.0).round() as u32, 1000, weight, observed.max(ev.as_of)))
    };
    if pending.is_some() {
        if !store.complete_official_attempt(&attempt, clock.now, &categories, &update)? {
            return Err(EngineError::Invalid(format!(
                "the pending attempt of {} on {day} received its score meanwhile: see `retake attempt list`",
                e.code
            )));
        }
        return Ok(Logged {
            attempt,
            completed_pending: true,
        });
    }
    let id = store.log_official_attempt(&attempt, clock.now, &categories, &update)?;
    Ok(Logged {
        attempt: LoggedAttempt { id, ..attempt },
        completed_pending: false,
    })
}

/// Everything `plan` needs beside the blueprint: the diagnosis, the retake status and readiness.
pub struct PlanInputs {
    /// The report the plan repairs.
    pub diagnosis: Diagnosis,
    /// The retake rules' answer.
    pub status: NextAttempt,
    /// Readiness today.
    pub readiness: Readiness,
}

/// The inputs of a repair plan; `None` when nothing is known yet (no official result, no mock).
pub fn plan_inputs(store: &Store, exam: &Exam, clock: &LearnerClock) -> Result<Option<PlanInputs>> {
    let Some(diagnosis) = diagnosis(store, exam, clock)? else {
        return Ok(None);
    };
    Ok(Some(PlanInputs {
        diagnosis,
        status: status(store, exam, clock)?,
        readiness: readiness_of(store, exam, clock)?,
    }))
}

/// The learner's calendar date of an instant.
pub fn local_date(clock: &LearnerClock, t: DateTime<Utc>) -> NaiveDate {
    clock.zone.local(t).date_naive()
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_impossible_date_says_the_day_does_not_exist() {
        assert_eq!(
            super::bad_date("2026-02-30"),
            "date \"2026-02-30\" does not exist: February 2026 has 28 days, not 30"
        );
        assert!(super::bad_date("2026-13-01").contains("there is no month 13"));
        assert!(super::bad_date("30/02/2026").contains("must be written YYYY-MM-DD"));
    }
}
