use proptest::prelude::*;

use super::*;
use crate::bank::model::{Axis, CategoryId, DomainId, FamilyId, QuestionId, TemplateCase};
use crate::bank::parse::{SourceFile, parse_exam};

const EXAM: &str = "code: P-1\ntitle: Property\nas_of: 2026-01-01\nquestion_count: 1\nretake_policy: { fee: 1, currency: USD }\ndomains:\n  - id: d\n    name: D\n    weight: 100\n    repair: R\n    categories: [{ id: c, name: C }]\n";

/// Text that starts and ends with a non-space and may hold YAML's special characters.
fn text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9é—\"':#&*!%@`|>,.?/ -]{0,24}".prop_map(|s| format!("x{s}y"))
}

/// Text without braces or brackets (for templated texts and dropdown texts).
fn plain() -> impl Strategy<Value = String> {
    "[A-Za-z0-9é\"':#&*!%@|>,.?/ -]{0,24}".prop_map(|s| format!("x{s}y"))
}

/// Lint rejects options that read the same ignoring ASCII case, so generated ones differ that way.
fn differ_ignoring_case(v: &[String]) -> bool {
    let mut lower: Vec<String> = v.iter().map(|s| s.to_ascii_lowercase()).collect();
    lower.sort();
    lower.dedup();
    lower.len() == v.len()
}

fn distinct(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<String>> {
    prop::collection::btree_set(text(), n)
        .prop_map(|s| s.into_iter().collect::<Vec<_>>())
        .prop_filter("options differ ignoring case", |v| differ_ignoring_case(v))
}

fn fixed_question() -> impl Strategy<Value = (Body, Answer, String)> {
    let single = distinct(2..6).prop_flat_map(|o| {
        let n = o.len();
        (Just(o), 0..n, text())
            .prop_map(|(options, a, stem)| (Body::Single { options }, Answer::Choice(a), stem))
    });
    let multi = distinct(3..7).prop_flat_map(|o| {
        let n = o.len();
        (
            Just(o),
            prop::sample::subsequence((0..n).collect::<Vec<_>>(), 2..n),
            text(),
        )
            .prop_map(|(options, a, stem)| {
                let words = ["zero", "one", "two", "three", "four", "five", "six"];
                let stem = format!("{stem} Choose {}.", words[a.len()]);
                (Body::Multi { options }, Answer::Choices(a), stem)
            })
    });
    let order = distinct(2..6).prop_flat_map(|o| {
        let n = o.len();
        (
            Just(o),
            Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
            2..=n,
            text(),
        )
            .prop_map(|(options, perm, k, stem)| {
                (
                    Body::Order { options },
                    Answer::Sequence(perm[..k].to_vec()),
                    stem,
                )
            })
    });
    let matching = (distinct(2..5), distinct(2..5)).prop_flat_map(|(p, o)| {
        let (np, no) = (p.len(), o.len());
        (Just(p), Just(o), prop::collection::vec(0..no, np), text()).prop_map(
            |(prompts, options, a, stem)| (Body::Match { prompts, options }, Answer::Pairs(a), stem),
        )
    });
    let dropdown = (prop::collection::vec(distinct(2..4), 1..4), plain()).prop_flat_map(|(blanks, t)| {
        let picks: Vec<std::ops::Range<usize>> = blanks.iter().map(|b| 0..b.len()).collect();
        (Just(blanks), picks, Just(t), text()).prop_map(|(blanks, a, t, stem)| {
            let markers: Vec<String> = (1..=blanks.len()).map(|i| format!("[[{i}]]")).collect();
            let text = format!("{t} {}", markers.join(" then "));
            (Body::Dropdown { text, blanks }, Answer::Blanks(a), stem)
        })
    });
    let yesno = distinct(2..5).prop_flat_map(|s| {
        let n = s.len();
        (Just(s), prop::collection::vec(any::<bool>(), n), text())
            .prop_map(|(statements, a, stem)| (Body::Yesno { statements }, Answer::YesNo(a), stem))
    });
    prop_oneof![single, multi, order, matching, dropdown, yesno]
}

fn templated_question() -> impl Strategy<Value = (Body, Template, String)> {
    (
        prop::collection::btree_set(plain(), 2..5)
            .prop_map(|s| s.into_iter().collect::<Vec<_>>())
            .prop_filter("options differ ignoring case", |v| differ_ignoring_case(v)),
        prop::collection::btree_set(plain(), 2..3),
        prop::collection::btree_set(plain(), 2..3),
        plain(),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        proptest::option::of(plain()),
    )
        .prop_map(|(options, a_vals, b_vals, stem, first, default, explanation)| {
            let axis = |id: &str, vals: std::collections::BTreeSet<String>| Axis {
                id: id.to_owned(),
                values: vals
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (format!("v{i}"), v))
                    .collect(),
            };
            let template = Template {
                axes: vec![axis("auth", a_vals), axis("net", b_vals)],
                cases: vec![
                    TemplateCase {
                        when: vec![(0, 0)],
                        answer: Answer::Choice(first.index(options.len())),
                        explanation,
                    },
                    TemplateCase {
                        when: vec![],
                        answer: Answer::Choice(default.index(options.len())),
                        explanation: None,
                    },
                ],
            };
            (
                Body::Single { options },
                template,
                format!("{{auth}} over {{net}}: {stem}"),
            )
        })
}

fn question(
    n: usize,
    body: Body,
    answering: Answering,
    stem: String,
    explanation: String,
    difficulty: u8,
) -> Question {
    Question {
        id: QuestionId(format!("q-{n}")),
        family: FamilyId(if n.is_multiple_of(3) {
            "shared-family".to_owned()
        } else {
            format!("q-{n}")
        }),
        domain: DomainId("d".into()),
        category: CategoryId("c".into()),
        difficulty,
        stem,
        body,
        answering,
        explanation,
        refs: vec!["https://learn.microsoft.com/en-us/azure/x".into()],
        case: None,
    }
}

fn round_trip(questions: &[Question], flashcards: &[Flashcard]) -> Result<crate::bank::Bank, String> {
    let exam = SourceFile {
        path: "exam.yaml".into(),
        text: EXAM.into(),
    };
    let file = SourceFile {
        path: "q.yaml".into(),
        text: file_yaml(questions, flashcards),
    };
    parse_exam(Some(&exam), &[file]).map(|(b, _)| b).map_err(|p| {
        let lines: Vec<String> = p.iter().map(ToString::to_string).collect();
        format!("{}\n---\n{}", lines.join("\n"), file_yaml(questions, flashcards))
    })
}

proptest! {
    #[test]
    fn a_bank_survives_a_yaml_round_trip(
        fixed in prop::collection::vec((fixed_question(), text(), 1u8..=3), 1..6),
        templated in prop::collection::vec((templated_question(), plain(), 1u8..=3), 0..3),
        cards in prop::collection::vec((text(), text()), 0..3),
    ) {
        let mut questions = Vec::new();
        for ((body, answer, stem), explanation, d) in fixed {
            let n = questions.len();
            questions.push(question(n, body, Answering::Fixed { answer }, stem, explanation, d));
        }
        for ((body, template, stem), explanation, d) in templated {
            let n = questions.len();
            questions.push(question(n, body, Answering::Template(template), stem, explanation, d));
        }
        let flashcards: Vec<Flashcard> = cards
            .into_iter()
            .enumerate()
            .map(|(i, (front, back))| Flashcard {
                id: QuestionId(format!("fc-{i}")),
                family: FamilyId(format!("fc-{i}")),
                domain: DomainId("d".into()),
                category: CategoryId("c".into()),
                front,
                back,
                refs: Vec::new(),
            })
            .collect();
        let bank = round_trip(&questions, &flashcards);
        prop_assert!(bank.is_ok(), "{}", bank.err().unwrap_or_default());
        let bank = bank.map_err(TestCaseError::fail)?;
        prop_assert_eq!(bank.questions, questions);
        prop_assert_eq!(bank.flashcards, flashcards);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_loader(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let exam = SourceFile { path: "exam.yaml".into(), text: EXAM.into() };
        let file = SourceFile { path: "q.yaml".into(), text: String::from_utf8_lossy(&bytes).into_owned() };
        let _ = parse_exam(Some(&exam), std::slice::from_ref(&file));
        let _ = parse_exam(Some(&file), &[]);
    }

    #[test]
    fn yaml_shaped_noise_never_panics_the_loader(tokens in prop::collection::vec(prop::sample::select(vec![
        "questions:", "flashcards:", "\n", "\n  - ", "\n    ", "id: q", "type: ", "single", "multi", "case", "dropdown",
        "domain: d", "category: c", "stem: s", "options: ", "[a, b]", "answer: ", "A", "[A, B]", "[Y, N]",
        "template:", "axes:", "cases:", "when: {}", "{auth: x}", "&x ", "*x", "- ", ": ", "\"", "'", "|", ">-", "\t",
        "# c", "[[1]]", "{auth}", "items:", "scenario: s", "explanation: e", "refs: [https://learn.microsoft.com/x]",
        "difficulty: 9", "999999999999999999999999", "-1", "~", "null", "true", "!!str", "%YAML 1.2", "---", "...",
    ]), 0..60)) {
        let exam = SourceFile { path: "exam.yaml".into(), text: EXAM.into() };
        let file = SourceFile { path: "q.yaml".into(), text: tokens.concat() };
        let _ = parse_exam(Some(&exam), std::slice::from_ref(&file));
        let _ = parse_exam(Some(&file), &[]);
    }
}
