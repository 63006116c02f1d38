//! Bank strings are untrusted: whatever they hold, no terminal renderer lets a control
//! character through (newline and tab excepted).

use chrono::TimeZone;
use proptest::prelude::*;

use super::*;
use crate::bank::parse::{SourceFile, parse_exam_only};
use crate::bank::{Answer, CategoryId, DomainId, Exam, FamilyId, QuestionId};
use crate::exam::Mode;
use crate::exam::response::{Response, Shuffle};
use crate::exam::session::Location;

/// Strings rich in what terminals obey: C0, DEL, C1, bidi overrides, among ordinary text.
fn hostile() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        any::<char>(),
        (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap_or('\u{1b}')),
        Just('\u{1b}'),
        Just('\u{7f}'),
        Just('\u{9b}'),
        Just('\u{202e}'),
        Just('\u{2028}'),
        Just('a'),
        Just(' '),
    ];
    prop::collection::vec(ch, 1..40).prop_map(|v| v.into_iter().collect())
}

fn exam(s: &[String]) -> Result<Exam, String> {
    let text = include_str!("../../tests/fixtures/banks/valid/mini/exam.yaml");
    let file = SourceFile {
        path: "exam.yaml".into(),
        text: text.into(),
    };
    let (mut exam, _) = parse_exam_only(&file).map_err(|p| format!("{p:?}"))?;
    exam.title = s[0].clone();
    for d in &mut exam.domains {
        d.name = s[1].clone();
        d.repair = s[2].clone();
    }
    Ok(exam)
}

fn item(body: Body, answer: Answer, response: Response, s: &[String], domain: &str) -> SessionItem {
    SessionItem {
        shuffle: Shuffle::identity(&body),
        instance: Instance {
            question: QuestionId("q".into()),
            family: FamilyId("q".into()),
            domain: DomainId(domain.into()),
            category: CategoryId("c".into()),
            difficulty: 2,
            stem: s[3].clone(),
            body,
            answer,
            explanation: s[4].clone(),
            refs: vec![s[5].clone()],
            variant: None,
            combination: None,
            case: None,
        },
        section: Some(1),
        scenario: Some(s[6].clone()),
        response: Some(response),
        flagged: true,
        disputed: false,
        locked: false,
        seconds: 12.0,
    }
}

fn items(s: &[String], domains: &[String]) -> Vec<SessionItem> {
    let d0 = domains.first().cloned().unwrap_or_default();
    let d1 = domains.last().cloned().unwrap_or_default();
    vec![
        item(
            Body::Single {
                options: vec![s[7].clone(), s[8].clone()],
            },
            Answer::Choice(0),
            Response::Choice(1),
            s,
            &d0,
        ),
        item(
            Body::Match {
                prompts: vec![s[8].clone(), s[9].clone()],
                options: vec![s[7].clone(), s[9].clone()],
            },
            Answer::Pairs(vec![0, 1]),
            Response::Pairs(vec![Some(0), None]),
            s,
            &d1,
        ),
        item(
            Body::Dropdown {
                text: format!("{} [[1]] {}", s[9], s[7]),
                blanks: vec![vec![s[8].clone(), s[9].clone()]],
            },
            Answer::Blanks(vec![0]),
            Response::Blanks(vec![1]),
            s,
            &d0,
        ),
        item(
            Body::Yesno {
                statements: vec![s[7].clone(), s[8].clone()],
            },
            Answer::YesNo(vec![true, false]),
            Response::YesNo(vec![true, true]),
            s,
            &d1,
        ),
    ]
}

fn assert_safe(what: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let text = String::from_utf8_lossy(bytes);
    let bad = text
        .chars()
        .find(|c| *c != '\n' && *c != '\t' && crate::text::is_unsafe_char(*c));
    prop_assert!(bad.is_none(), "{}: {:?} in {:?}", what, bad, text);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn no_terminal_renderer_lets_a_control_character_through(
        s in prop::collection::vec(hostile(), 10)
    ) {
        let exam = exam(&s).map_err(TestCaseError::fail)?;
        let domains: Vec<String> = exam.domains.iter().map(|d| d.id.0.clone()).collect();
        let items = items(&s, &domains);
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).single().ok_or_else(|| TestCaseError::fail("time"))?;
        let attempt = AttemptRow {
            id: 1,
            exam: s[0].clone(),
            mode: Mode::Targeted,
            timed: true,
            seed: 7,
            status: Status::Submitted,
            started_at: t0,
            deadline: Some(t0 + chrono::Duration::minutes(30)),
            finished_at: Some(t0 + chrono::Duration::minutes(20)),
            location: Location::Review,
            domains: None,
            blueprint: exam.clone(),
        };
        let report = AttemptReport { attempt: &attempt, items: &items, now: t0, zone: crate::zone::Zone::utc() };
        let mut out = Vec::new();
        report.render(&mut out, &Plain, 80).map_err(|e| TestCaseError::fail(e.to_string()))?;
        assert_safe("score report", &out)?;
        let mut out = Vec::new();
        report.render_review(&mut out, &Plain, 80).map_err(|e| TestCaseError::fail(e.to_string()))?;
        assert_safe("review", &out)?;
        for (i, it) in items.iter().enumerate() {
            let mut out = Vec::new();
            write_item(&mut out, it, it.scenario.as_deref(), true, 80).map_err(|e| TestCaseError::fail(e.to_string()))?;
            assert_safe(&format!("item {i}"), &out)?;
        }
        let table = plain_table(&["a", "b"], &[vec![s[0].clone(), s[1].clone()]], 80);
        assert_safe("table", table.as_bytes())?;
        let progress = progress::Progress {
            exam: s[0].clone(),
            title: s[1].clone(),
            generated: "2026-01-01".into(),
            passing_score: 700,
            max_score: 1000,
            readiness: crate::readiness::Readiness {
                pass_probability: 0.5,
                score_low: 600,
                score_median: 700,
                score_high: 800,
                simulations: 10,
            },
            domains: vec![progress::DomainProgress {
                id: s[2].clone(),
                name: s[3].clone(),
                weight: s[4].clone(),
                share: 50.0,
                answered: 3,
                accuracy_30d: Some(0.5),
                accuracy_all: None,
                mastery: 0.4,
                due: 1,
                memorisation_gap: None,
                expected_points: 2.0,
                exam_items: 4.0,
                retired: false,
                retired_categories: vec![s[3].clone()],
            }],
            history: vec![progress::HistoryEntry {
                kind: progress::HistoryKind::Mock,
                attempt: 1,
                date: s[5].clone(),
                scaled_score: 650,
                domains: vec![progress::HistoryDomain {
                    id: s[2].clone(),
                    percent: Some(50.0),
                    retired: true,
                }],
            }],
        };
        for (name, render) in [
            ("progress table", (|p: &progress::Progress, w: &mut dyn Write| progress::table(p, w, 80)) as fn(&progress::Progress, &mut dyn Write) -> io::Result<()>),
            ("progress markdown", progress::markdown),
            ("progress html", progress::html),
        ] {
            let mut out = Vec::new();
            render(&progress, &mut out).map_err(|e| TestCaseError::fail(e.to_string()))?;
            assert_safe(name, &out)?;
        }
        let problem = crate::bank::Problem {
            file: s[0].clone(),
            pos: crate::bank::yaml::Pos { line: 1, column: 1 },
            severity: crate::bank::Severity::Error,
            subject: Some(s[1].clone()),
            message: s[2].clone(),
        };
        assert_safe("lint message", problem.to_string().as_bytes())?;
    }
}
