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
use crate::report::progress::{DomainProgress, MockResult, Progress};
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
    let official = latest_report(store, &exam.code)?.map(|a| {
        (
            a.taken_at,
            Diagnosis {
                source: "official".into(),
                date: clock.zone.local(a.taken_at).date_naive(),
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
            now: clock.now,
            zone: clock.zone,
        }
        .summary();
        history.push(MockResult {
            attempt: a.id,
            date: clock.stamp(a.started_at),
            scaled_score: s.scaled,
            domains: s.domains.iter().map(|d| (d.id.0.clone(), d.percent)).collect(),
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
            passed: a.passed,
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

/// The latest official attempt of an exam with a score report, if any.
pub fn latest_report(store: &Store, exam: &str) -> Result<Option<LoggedAttempt>> {
    Ok(store.official_attempts(Some(exam))?.into_iter().next_back())
}

/// An official result to log.
#[derive(Clone, Debug)]
pub struct OfficialResult<'a> {
    /// The date (YYYY-MM-DD, the learner's zone).
    pub date: &'a str,
    /// The time (HH:MM), default 00:00.
    pub time: Option<&'a str>,
    /// The scaled score.
    pub score: u32,
    /// `domain=percent` pairs from the score report.
    pub domains: &'a [String],
    /// For a pass: when the certification expires.
    pub expires: Option<&'a str>,
}

/// Validates and records an official attempt; its domain percentages become evidence for their
/// domains' categories. Returns the attempt as stored.
pub fn log_official(
    store: &mut Store,
    e: &Exam,
    r: &OfficialResult,
    clock: &LearnerClock,
) -> Result<LoggedAttempt> {
    let score = r.score;
    if score == 0 || score > e.max_score {
        return Err(EngineError::Invalid(format!(
            "--score {score} must be between 1 and {}",
            e.max_score
        )));
    }
    let taken_at = local_instant(clock, r.date, r.time)?;
    if taken_at > clock.now {
        return Err(EngineError::Invalid(format!(
            "{} is in the future: log an attempt once you have taken it",
            r.date
        )));
    }
    let mut percents = BTreeMap::new();
    for d in r.domains {
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
    let attempt = LoggedAttempt {
        id: 0,
        exam: e.code.clone(),
        taken_at,
        score,
        passed,
        expires,
        domains: percents.clone(),
    };
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
        let ev = current.unwrap_or_else(|| Evidence::empty(taken_at));
        Some(ev.add((pct * 10.0).round() as u32, 1000, weight, taken_at.max(ev.as_of)))
    };
    store.log_official_attempt(&attempt, clock.now, &categories, &update)?;
    Ok(attempt)
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
