//! Where an exam stands with Microsoft: in beta, live, or retired.
//!
//! `exam.yaml` may declare a `status`; without one an exam is live. Time turns any exam retired once
//! its `retires_on` day has passed, so a bank never has to be edited on the day Microsoft retires
//! an exam. Validation checks a declared status against the file's own dates only (its `as_of`, the
//! day the content was last checked), never against the clock: a bank that lints clean today lints
//! clean next year. Pure: callers pass the learner's calendar date.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::model::Exam;

/// An exam's status, as `bank list` and the exam and plan headers show it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExamStatus {
    /// Microsoft offers the exam in beta: results arrive weeks after the exam.
    Beta,
    /// The exam is offered and scored at once.
    #[default]
    Live,
    /// The exam is no longer offered.
    Retired,
}

impl ExamStatus {
    /// Every status, in the order a bank author meets them.
    pub const ALL: [ExamStatus; 3] = [ExamStatus::Beta, ExamStatus::Live, ExamStatus::Retired];

    /// The contract name (`beta`, `live`, `retired`).
    pub fn as_str(self) -> &'static str {
        match self {
            ExamStatus::Beta => "beta",
            ExamStatus::Live => "live",
            ExamStatus::Retired => "retired",
        }
    }

    /// The status written as `name` (case-insensitive, surrounding blanks ignored).
    pub fn from_name(name: &str) -> Option<ExamStatus> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for ExamStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Exam {
    /// The status on the learner's calendar day `today`: retired once `retires_on` has passed (the
    /// exam is still offered on that day itself), else the declared status, `live` by default.
    pub fn status_on(&self, today: NaiveDate) -> ExamStatus {
        if self.retires_on.is_some_and(|d| today > d) {
            ExamStatus::Retired
        } else {
            self.status.unwrap_or_default()
        }
    }

    /// The status on `today` in words for headers: `live`, `beta`, `live, retires 2027-01-31`,
    /// `retired 2026-06-30, successor AI-103`.
    pub fn status_label(&self, today: NaiveDate) -> String {
        let status = self.status_on(today);
        let mut label = status.as_str().to_owned();
        match (status, self.retires_on) {
            (ExamStatus::Retired, Some(d)) => label.push_str(&format!(" {d}")),
            (_, Some(d)) => label.push_str(&format!(", retires {d}")),
            (_, None) => {}
        }
        if status == ExamStatus::Retired
            && let Some(s) = &self.successor
        {
            label.push_str(&format!(", successor {s}"));
        }
        label
    }
}

/// What is contradictory about a declared status, given the file's `retires_on` and `as_of`, with
/// what to do; `None` when they agree. An undeclared status never contradicts: it is live until
/// `retires_on` passes.
pub fn contradiction(
    declared: Option<ExamStatus>,
    retires_on: Option<NaiveDate>,
    as_of: NaiveDate,
) -> Option<String> {
    let declared = declared?;
    match (declared, retires_on) {
        (ExamStatus::Retired, None) => Some(
            "status \"retired\" needs \"retires_on\", the last day Microsoft offered the exam".to_owned(),
        ),
        (ExamStatus::Retired, Some(d)) if d >= as_of => Some(format!(
            "status is \"retired\" but retires_on {d} is not before as_of {as_of}: the exam was still \
             offered when the content was checked; leave \"status\" out (the exam shows as retired \
             once {d} has passed) or correct the dates"
        )),
        (ExamStatus::Beta | ExamStatus::Live, Some(d)) if d < as_of => Some(format!(
            "status is \"{declared}\" but retires_on {d} is before as_of {as_of}: the exam had \
             retired when the content was checked; write status: retired, or correct the dates"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn exam(status: Option<ExamStatus>, retires_on: Option<NaiveDate>, successor: Option<&str>) -> Exam {
        Exam {
            code: "AI-102".into(),
            title: "T".into(),
            as_of: day(2026, 4, 1),
            status,
            duration_minutes: 120,
            question_count: 50,
            passing_score: 700,
            max_score: 1000,
            cut: 0.7,
            certification_valid_months: 12,
            retires_on,
            successor: successor.map(str::to_owned),
            retake_policy: crate::bank::RetakePolicy {
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

    #[test]
    fn an_exam_without_a_status_is_live() {
        assert_eq!(
            exam(None, None, None).status_on(day(2030, 1, 1)),
            ExamStatus::Live
        );
    }

    #[test]
    fn retired_follows_the_day_after_retires_on() {
        let e = exam(Some(ExamStatus::Beta), Some(day(2026, 6, 30)), Some("AI-103"));
        assert_eq!(e.status_on(day(2026, 6, 29)), ExamStatus::Beta);
        assert_eq!(e.status_on(day(2026, 6, 30)), ExamStatus::Beta);
        assert_eq!(e.status_on(day(2026, 7, 1)), ExamStatus::Retired);
        assert_eq!(e.status_label(day(2026, 6, 1)), "beta, retires 2026-06-30");
        assert_eq!(
            e.status_label(day(2026, 7, 1)),
            "retired 2026-06-30, successor AI-103"
        );
    }

    #[test]
    fn a_declared_status_is_read_case_insensitively() {
        assert_eq!(ExamStatus::from_name(" Beta "), Some(ExamStatus::Beta));
        assert_eq!(ExamStatus::from_name("RETIRED"), Some(ExamStatus::Retired));
        assert_eq!(ExamStatus::from_name("preview"), None);
    }

    #[test]
    fn contradictions_are_found_against_as_of() {
        let as_of = day(2026, 11, 1);
        let past = Some(day(2026, 6, 30));
        let future = Some(day(2027, 1, 31));
        // Agreements.
        assert_eq!(contradiction(None, past, as_of), None);
        assert_eq!(contradiction(None, None, as_of), None);
        assert_eq!(contradiction(Some(ExamStatus::Retired), past, as_of), None);
        assert_eq!(contradiction(Some(ExamStatus::Beta), future, as_of), None);
        assert_eq!(contradiction(Some(ExamStatus::Live), Some(as_of), as_of), None);
        // Contradictions.
        let no_date = contradiction(Some(ExamStatus::Retired), None, as_of).unwrap_or_default();
        assert!(no_date.contains("needs \"retires_on\""), "{no_date}");
        let early = contradiction(Some(ExamStatus::Retired), future, as_of).unwrap_or_default();
        assert!(early.contains("not before as_of 2026-11-01"), "{early}");
        let stale = contradiction(Some(ExamStatus::Beta), past, as_of).unwrap_or_default();
        assert!(
            stale.contains("status is \"beta\" but retires_on 2026-06-30"),
            "{stale}"
        );
        assert!(contradiction(Some(ExamStatus::Live), past, as_of).is_some());
    }

    fn parse(extra: &str) -> Result<Exam, Vec<String>> {
        let file = crate::bank::parse::SourceFile {
            path: "b/exam.yaml".into(),
            text: format!(
                "code: B-1\ntitle: B\nas_of: 2026-11-01\n{extra}question_count: 1\n\
                 retake_policy: {{ fee: 1, currency: USD }}\ndomains:\n  - id: d\n    name: D\n\
                 \x20   weight: 100\n    repair: R\n    categories: [{{ id: c, name: C }}]\n"
            ),
        };
        crate::bank::parse::parse_exam_only(&file)
            .map(|(exam, _)| exam)
            .map_err(|problems| problems.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn exam_yaml_declares_a_status_or_leaves_it_out() {
        assert_eq!(parse("").map(|e| e.status), Ok(None));
        assert_eq!(
            parse("status: beta\n").map(|e| e.status),
            Ok(Some(ExamStatus::Beta))
        );
        assert_eq!(
            parse("status: retired\nretires_on: 2026-06-30\n").map(|e| e.status),
            Ok(Some(ExamStatus::Retired))
        );
    }

    #[test]
    fn lint_names_the_status_line_of_a_contradiction() {
        let errors = parse("status: retired\n").err().unwrap_or_default();
        assert_eq!(
            errors,
            [
                "b/exam.yaml:4:9: exam \"B-1\": status \"retired\" needs \"retires_on\", the last day Microsoft offered the exam"
            ]
        );
        let errors = parse("status: beta\nretires_on: 2026-06-30\n")
            .err()
            .unwrap_or_default();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("b/exam.yaml:4:9: exam \"B-1\": status is \"beta\" but retires_on 2026-06-30 is before as_of 2026-11-01"),
            "{errors:?}"
        );
        let errors = parse("status: preview\n").err().unwrap_or_default();
        assert_eq!(
            errors,
            [
                "b/exam.yaml:4:9: exam \"B-1\": \"status\" is \"preview\"; write one of beta, live, retired (or leave it out: live)"
            ]
        );
    }

    #[test]
    fn status_serialises_by_its_contract_name() -> Result<(), serde_json::Error> {
        assert_eq!(serde_json::to_string(&ExamStatus::Beta)?, "\"beta\"");
        let back: ExamStatus = serde_json::from_str("\"retired\"")?;
        assert_eq!(back, ExamStatus::Retired);
        Ok(())
    }
}
