//! The bundled banks: minimum size and spread (from `bank stats --json`, so the banks cannot silently
//! shrink) and the quality rules every question must meet.

use std::collections::HashMap;

use retake::bank::load::embedded_folders;
use retake::bank::{Answering, Bank};
use serde_json::Value;

use crate::harness::{Env, stderr};

/// The minimum bank size the domain shares are measured against ("a 30 % domain ≥ 45 questions").
const MIN_QUESTIONS: f64 = 150.0;

fn bundled_banks() -> Vec<Bank> {
    embedded_folders()
        .iter()
        .map(|f| match f.validate() {
            Ok((bank, _, _)) => bank,
            Err(problems) => panic!("{} does not validate: {problems:?}", f.display),
        })
        .collect()
}

#[test]
fn bundled_banks_meet_the_size_and_spread_minimums() {
    let env = Env::new();
    let out = env.retake(&["bank", "stats", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let exams = v["exams"].as_array().unwrap();
    assert_eq!(exams.len(), 3);
    for exam in exams {
        let code = exam["code"].as_str().unwrap();
        let questions = exam["questions"].as_u64().unwrap();
        assert!(questions >= 150, "{code}: {questions} questions");
        assert!(exam["flashcards"].as_u64().unwrap() >= 60, "{code}: flashcards");
        let templated = exam["templated"].as_u64().unwrap();
        assert!(
            templated * 4 >= questions,
            "{code}: {templated} of {questions} templated"
        );
        for domain in exam["domains"].as_array().unwrap() {
            let id = domain["id"].as_str().unwrap();
            let share = domain["weight"].as_f64().unwrap();
            let needed = (share / 100.0 * MIN_QUESTIONS).ceil() as u64;
            let have = domain["questions"].as_u64().unwrap();
            assert!(
                have >= needed,
                "{code} {id}: {have} questions, its {share}% share needs {needed}"
            );
            for cat in domain["categories"].as_array().unwrap() {
                let n = cat["questions"].as_u64().unwrap();
                assert!(n >= 3, "{code} {id}/{}: only {n} questions", cat["id"]);
            }
        }
        for (t, n) in exam["types"].as_object().unwrap() {
            let min = if t == "case" { 3 } else { 5 };
            assert!(n.as_u64().unwrap() >= min, "{code}: only {n} {t} items");
        }
    }
}

#[test]
fn every_bundled_question_explains_itself_and_cites_microsoft_learn() {
    for bank in bundled_banks() {
        for q in &bank.questions {
            assert!(q.explanation.len() >= 80, "{}: explanation too thin", q.id);
            assert!(
                q.refs
                    .iter()
                    .any(|r| r.starts_with("https://learn.microsoft.com/")),
                "{}: no learn.microsoft.com reference",
                q.id
            );
        }
        for c in &bank.flashcards {
            assert!(!c.back.trim().is_empty(), "{}: empty back", c.id);
        }
    }
}

#[test]
fn bundled_templates_have_two_axes_and_cases_three_to_five_items() {
    for bank in bundled_banks() {
        let templated: Vec<_> = bank
            .questions
            .iter()
            .filter_map(|q| q.template().map(|t| (q, t)))
            .collect();
        let two_axes = templated.iter().filter(|(_, t)| t.axes.len() >= 2).count();
        assert!(
            two_axes * 4 >= bank.questions.len(),
            "{}: {two_axes} two-axis templates",
            bank.exam.code
        );
        assert!(
            bank.cases.len() >= 3,
            "{}: {} case studies",
            bank.exam.code,
            bank.cases.len()
        );
        for case in &bank.cases {
            assert!(
                (3..=5).contains(&case.items.len()),
                "{}: {} items",
                case.id,
                case.items.len()
            );
        }
        let fixed = bank
            .questions
            .iter()
            .filter(|q| matches!(q.answering, Answering::Fixed { .. }))
            .count();
        assert_eq!(fixed + templated.len(), bank.questions.len());
    }
}

#[test]
fn bundled_difficulty_mix_is_about_a_quarter_half_quarter_per_domain() {
    for bank in bundled_banks() {
        let mut per: HashMap<&str, [usize; 3]> = HashMap::new();
        for q in &bank.questions {
            per.entry(q.domain.as_str()).or_default()[usize::from(q.difficulty) - 1] += 1;
        }
        for (domain, [easy, medium, hard]) in per {
            let total = (easy + medium + hard) as f64;
            let (e, m, h) = (easy as f64 / total, medium as f64 / total, hard as f64 / total);
            assert!(
                (0.15..=0.35).contains(&e),
                "{} {domain}: {e:.2} easy",
                bank.exam.code
            );
            assert!(
                (0.35..=0.65).contains(&m),
                "{} {domain}: {m:.2} medium",
                bank.exam.code
            );
            assert!(
                (0.15..=0.35).contains(&h),
                "{} {domain}: {h:.2} hard",
                bank.exam.code
            );
        }
    }
}

#[test]
fn retired_services_are_never_the_answer_of_a_bundled_question() {
    // LUIS, QnA Maker and the retired decision services may appear in stems and distractors (as
    // migration decisions) but never as the keyed option of a single-answer question.
    let retired = [
        "LUIS",
        "Language Understanding (LUIS)",
        "QnA Maker",
        "Anomaly Detector",
        "Metrics Advisor",
        "Personalizer",
    ];
    for bank in bundled_banks() {
        for q in &bank.questions {
            if let (
                retake::bank::Body::Single { options },
                Answering::Fixed {
                    answer: retake::bank::Answer::Choice(i),
                },
            ) = (&q.body, &q.answering)
            {
                let keyed = &options[*i];
                let migrating = keyed.contains("igrat") || keyed.contains("mport") || keyed.contains("xport");
                assert!(
                    migrating || !retired.iter().any(|r| keyed.starts_with(r)),
                    "{}: keyed answer \"{keyed}\" is a retired service",
                    q.id
                );
            }
        }
    }
}

#[test]
fn every_az104_category_is_deep_enough_for_variations() {
    // Issue 18: at least 8 questions per category, at least half of them templated or sharing a
    // family with another question, so a missed concept can come back changed for weeks.
    for bank in bundled_banks().iter().filter(|b| b.exam.code == "AZ-104") {
        let mut family_size: HashMap<&str, usize> = HashMap::new();
        for q in &bank.questions {
            *family_size.entry(q.family.as_str()).or_default() += 1;
        }
        let mut per: HashMap<(&str, &str), (usize, usize)> = HashMap::new();
        for q in &bank.questions {
            let deep = q.template().is_some() || family_size[q.family.as_str()] > 1;
            let e = per.entry((q.domain.as_str(), q.category.as_str())).or_default();
            e.0 += 1;
            e.1 += usize::from(deep);
        }
        for d in &bank.exam.domains {
            for c in &d.categories {
                let (n, deep) = per
                    .get(&(d.id.as_str(), c.id.as_str()))
                    .copied()
                    .unwrap_or_default();
                assert!(n >= 8, "AZ-104 {}/{}: {n} questions", d.id, c.id);
                assert!(deep * 2 >= n, "AZ-104 {}/{}: {deep} of {n} deep", d.id, c.id);
            }
        }
    }
}
