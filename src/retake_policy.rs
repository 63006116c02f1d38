//! Microsoft's exam retake rules as data and pure checks: 24 hours after a first failure, 14 days
//! after each later one, at most five attempts in the twelve months from the first attempt of a
//! window, a passed exam locked until the certification expires, and no attempt past a retirement.
//!
//! Pure: attempts and "now" come in as values; the rules come from the exam's `retake_policy`.

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use serde::Serialize;

use crate::bank::Exam;

/// The earliest date an official attempt may be logged with (`YYYY-MM-DD`): earlier dates are
/// typing mistakes, and they would put a logged attempt outside every retake window.
pub const EARLIEST_EXAM_DATE: &str = "2000-01-01";

/// [`EARLIEST_EXAM_DATE`] as an instant (midnight UTC).
pub fn earliest_exam_instant() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(2000, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.and_utc())
}

/// An official exam attempt.
#[derive(Clone, Debug, PartialEq)]
pub struct OfficialAttempt {
    /// When it was taken.
    pub taken_at: DateTime<Utc>,
    /// The scaled score (`None` while pending).
    pub score: Option<u32>,
    /// Whether it passed (`false` while pending).
    pub passed: bool,
    /// The result has not arrived yet (a beta exam): it counts as an attempt, and the waits
    /// assume it did not pass.
    pub pending: bool,
    /// When the certification earned expires (passing attempts; default: one validity period later).
    pub expires: Option<DateTime<Utc>>,
}

/// Why the next attempt is not possible.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Blocked {
    /// The exam was passed and the certification has not expired.
    Passed,
    /// The attempts of the 12-month window are used up.
    Limit,
    /// The exam is retired.
    Retired,
}

impl Blocked {
    /// The contract name.
    pub fn as_str(self) -> &'static str {
        match self {
            Blocked::Passed => "passed",
            Blocked::Limit => "limit",
            Blocked::Retired => "retired",
        }
    }
}

/// When the learner may sit the exam next, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct NextAttempt {
    /// Attempts in the current 12-month window.
    pub attempts_in_window: u32,
    /// The window's limit.
    pub max_attempts: u32,
    /// The earliest time the next attempt is allowed (`None`: any time, or never when retired).
    pub earliest: Option<DateTime<Utc>>,
    /// Why it is not possible, if it is not.
    pub blocked: Option<Blocked>,
    /// When the current window ends (its first attempt's anniversary), while it runs.
    pub window_resets: Option<DateTime<Utc>>,
    /// Fees of every logged attempt.
    pub fees_paid: f64,
    /// The rule that produced `earliest` (or the block), in words.
    pub rule: String,
}

impl NextAttempt {
    /// Whether an attempt is allowed at `now`.
    pub fn allowed_at(&self, now: DateTime<Utc>) -> bool {
        self.blocked.is_none() && self.earliest.is_none_or(|e| e <= now)
    }
}

fn add_months(t: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    t.checked_add_months(Months::new(months)).unwrap_or(t)
}

fn ordinal(n: u32) -> &'static str {
    match n {
        1 => "first",
        2 => "second",
        3 => "third",
        4 => "fourth",
        5 => "fifth",
        _ => "latest",
    }
}

/// Applies the exam's retake policy to the logged attempts at `now`. `retired_from` is the instant
/// the exam stopped being offered (the start of the day after `retires_on`), when it is retired.
pub fn next_attempt(
    exam: &Exam,
    attempts: &[OfficialAttempt],
    now: DateTime<Utc>,
    retired_from: Option<DateTime<Utc>>,
) -> NextAttempt {
    let policy = &exam.retake_policy;
    let mut sorted: Vec<&OfficialAttempt> = attempts.iter().collect();
    sorted.sort_by_key(|a| a.taken_at);
    let fees_paid = policy.fee * sorted.len() as f64;
    let mut result = NextAttempt {
        attempts_in_window: 0,
        max_attempts: policy.max_attempts,
        earliest: None,
        blocked: None,
        window_resets: None,
        fees_paid,
        rule: "no attempt logged yet: you can book the exam whenever you are ready".to_owned(),
    };
    // Windows of `window_months` from the first attempt that falls outside the previous one.
    let mut window_start: Option<DateTime<Utc>> = None;
    let mut in_window: Vec<&OfficialAttempt> = Vec::new();
    for a in &sorted {
        match window_start {
            Some(start) if a.taken_at < add_months(start, policy.window_months) => in_window.push(a),
            _ => {
                window_start = Some(a.taken_at);
                in_window = vec![a];
            }
        }
    }
    let retired = retired_from.filter(|r| *r <= now);
    let successor = exam
        .successor
        .as_deref()
        .map(|s| format!("; its successor is {s}"))
        .unwrap_or_default();
    if let Some(r) = retired {
        result.blocked = Some(Blocked::Retired);
        result.rule = format!(
            "{} was retired on {}{successor}",
            exam.code,
            (r - Duration::days(1)).date_naive()
        );
        result.attempts_in_window = u32::try_from(in_window.len()).unwrap_or(u32::MAX);
        return result;
    }
    let Some(start) = window_start else {
        return result;
    };
    let resets = add_months(start, policy.window_months);
    if now < resets {
        result.window_resets = Some(resets);
        result.attempts_in_window = u32::try_from(in_window.len()).unwrap_or(u32::MAX);
    }
    let Some(last) = sorted.last() else {
        return result;
    };
    if last.passed && policy.passed_locked_until_expiry {
        let expires = last
            .expires
            .unwrap_or_else(|| add_months(last.taken_at, exam.certification_valid_months));
        if now < expires {
            result.blocked = Some(Blocked::Passed);
            result.earliest = Some(expires);
            result.rule = format!(
                "you passed on {}: a passed exam cannot be retaken until the certification expires",
                last.taken_at.date_naive()
            );
            return result;
        }
        result.rule = "your certification has expired: you may sit the exam again".to_owned();
        return result;
    }
    if now >= resets {
        result.rule =
            "your last 12-month window has ended: a new window starts with your next attempt".to_owned();
        return result;
    }
    let n = result.attempts_in_window;
    if n >= policy.max_attempts {
        result.blocked = Some(Blocked::Limit);
        result.earliest = Some(resets);
        result.rule = format!(
            "you have used all {} attempts of the 12-month window that began with your attempt on {}: the next is allowed on its anniversary",
            policy.max_attempts,
            start.date_naive()
        );
        return result;
    }
    let (wait, why) = if n <= 1 {
        (
            Duration::hours(i64::from(policy.first_wait_hours)),
            format!("{} hours after a first failure", policy.first_wait_hours),
        )
    } else {
        (
            Duration::days(i64::from(policy.later_wait_days)),
            format!(
                "{} days after your {} attempt",
                policy.later_wait_days,
                ordinal(n)
            ),
        )
    };
    let earliest = last.taken_at + wait;
    result.earliest = Some(earliest);
    result.rule = why;
    if last.pending {
        result.rule.push_str(&format!(
            "; your attempt of {} has no result yet: it counts as an attempt, and the wait assumes it did not pass",
            last.taken_at.date_naive()
        ));
    }
    if let Some(r) = retired_from.filter(|r| *r <= earliest) {
        result.blocked = Some(Blocked::Retired);
        result.rule = format!(
            "{} retires on {} before a retake is allowed{successor}",
            exam.code,
            (r - Duration::days(1)).date_naive()
        );
        result.earliest = None;
    }
    result
}

/// The instant an exam retired on `date` stops being offered: the start of the next day in the
/// learner's calendar (given as the UTC instant of that local midnight by the caller's `midnight`).
pub fn retired_from(
    date: Option<NaiveDate>,
    midnight: impl Fn(NaiveDate) -> DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    date.and_then(|d| d.succ_opt()).map(midnight)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::bank::RetakePolicy;

    fn exam() -> Exam {
        Exam {
            code: "AZ-104".into(),
            title: "T".into(),
            as_of: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
            status: None,
            duration_minutes: 120,
            question_count: 50,
            passing_score: 700,
            max_score: 1000,
            cut: 0.7,
            certification_valid_months: 12,
            retires_on: None,
            successor: None,
            retake_policy: RetakePolicy {
                first_wait_hours: 24,
                later_wait_days: 14,
                max_attempts: 5,
                window_months: 12,
                passed_locked_until_expiry: true,
                fee: 165.0,
                currency: "USD".into(),
            },
            domains: vec![],
        }
    }

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn fail(t: DateTime<Utc>) -> OfficialAttempt {
        OfficialAttempt {
            taken_at: t,
            score: Some(600),
            passed: false,
            pending: false,
            expires: None,
        }
    }

    struct Case {
        name: &'static str,
        attempts: Vec<OfficialAttempt>,
        now: DateTime<Utc>,
        earliest: Option<DateTime<Utc>>,
        blocked: Option<Blocked>,
        in_window: u32,
    }

    #[test]
    fn the_retake_rules() {
        let cases = vec![
            Case {
                name: "no attempt",
                attempts: vec![],
                now: at(2026, 3, 1, 9),
                earliest: None,
                blocked: None,
                in_window: 0,
            },
            Case {
                name: "first failure: 24 hours",
                attempts: vec![fail(at(2026, 3, 1, 9))],
                now: at(2026, 3, 1, 12),
                earliest: Some(at(2026, 3, 2, 9)),
                blocked: None,
                in_window: 1,
            },
            Case {
                name: "second failure: 14 days",
                attempts: vec![fail(at(2026, 3, 1, 9)), fail(at(2026, 3, 3, 9))],
                now: at(2026, 3, 4, 9),
                earliest: Some(at(2026, 3, 17, 9)),
                blocked: None,
                in_window: 2,
            },
            Case {
                name: "fifth attempt used: blocked until the anniversary",
                attempts: vec![
                    fail(at(2026, 1, 10, 9)),
                    fail(at(2026, 1, 12, 9)),
                    fail(at(2026, 2, 1, 9)),
                    fail(at(2026, 3, 1, 9)),
                    fail(at(2026, 4, 1, 9)),
                ],
                now: at(2026, 5, 1, 9),
                earliest: Some(at(2027, 1, 10, 9)),
                blocked: Some(Blocked::Limit),
                in_window: 5,
            },
            Case {
                name: "a new window after the anniversary",
                attempts: vec![
                    fail(at(2025, 1, 10, 9)),
                    fail(at(2025, 2, 10, 9)),
                    fail(at(2026, 2, 1, 9)),
                ],
                now: at(2026, 2, 1, 12),
                earliest: Some(at(2026, 2, 2, 9)),
                blocked: None,
                in_window: 1,
            },
            Case {
                name: "passed: locked until the certification expires",
                attempts: vec![
                    fail(at(2026, 1, 10, 9)),
                    OfficialAttempt {
                        taken_at: at(2026, 2, 1, 9),
                        score: Some(720),
                        passed: true,
                        pending: false,
                        expires: None,
                    },
                ],
                now: at(2026, 3, 1, 9),
                earliest: Some(at(2027, 2, 1, 9)),
                blocked: Some(Blocked::Passed),
                in_window: 2,
            },
            Case {
                name: "passed with an explicit expiry",
                attempts: vec![OfficialAttempt {
                    taken_at: at(2026, 2, 1, 9),
                    score: Some(800),
                    passed: true,
                    pending: false,
                    expires: Some(at(2026, 8, 1, 0)),
                }],
                now: at(2026, 9, 1, 9),
                earliest: None,
                blocked: None,
                in_window: 1,
            },
        ];
        for c in cases {
            let r = next_attempt(&exam(), &c.attempts, c.now, None);
            assert_eq!(r.earliest, c.earliest, "{}: {}", c.name, r.rule);
            assert_eq!(r.blocked, c.blocked, "{}", c.name);
            assert_eq!(r.attempts_in_window, c.in_window, "{}", c.name);
            assert!(
                (r.fees_paid - 165.0 * c.attempts.len() as f64).abs() < 1e-9,
                "{}: fees",
                c.name
            );
        }
    }

    #[test]
    fn a_pending_result_counts_as_an_attempt_and_waits_as_a_failure() {
        let pending = |t| OfficialAttempt {
            score: None,
            pending: true,
            ..fail(t)
        };
        let r = next_attempt(&exam(), &[pending(at(2026, 4, 20, 9))], at(2026, 4, 20, 12), None);
        assert_eq!(r.attempts_in_window, 1);
        assert_eq!(r.earliest, Some(at(2026, 4, 21, 9)));
        assert!((r.fees_paid - 165.0).abs() < 1e-9);
        assert!(r.rule.contains("2026-04-20 has no result yet"), "{}", r.rule);
        let r = next_attempt(
            &exam(),
            &[fail(at(2026, 3, 1, 9)), pending(at(2026, 4, 20, 9))],
            at(2026, 4, 21, 12),
            None,
        );
        assert_eq!((r.attempts_in_window, r.earliest), (2, Some(at(2026, 5, 4, 9))));
        // Once it is scored, the same attempt reads like any other.
        let r = next_attempt(&exam(), &[fail(at(2026, 4, 20, 9))], at(2026, 4, 20, 12), None);
        assert!(!r.rule.contains("no result"), "{}", r.rule);
    }

    #[test]
    fn a_retired_exam_is_blocked_and_names_its_successor() {
        let mut e = exam();
        e.code = "AI-102".into();
        e.successor = Some("AI-103".into());
        let retired = Some(at(2026, 7, 1, 0));
        let r = next_attempt(&e, &[fail(at(2026, 6, 1, 9))], at(2026, 8, 1, 9), retired);
        assert_eq!(r.blocked, Some(Blocked::Retired));
        assert!(
            r.rule.contains("AI-103") && r.rule.contains("2026-06-30"),
            "{}",
            r.rule
        );
        // A retake whose wait ends after the retirement is never planned.
        let late = next_attempt(
            &e,
            &[fail(at(2026, 6, 10, 9)), fail(at(2026, 6, 25, 9))],
            at(2026, 6, 26, 9),
            retired,
        );
        assert_eq!((late.blocked, late.earliest), (Some(Blocked::Retired), None));
    }
}
