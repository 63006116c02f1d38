//! Variations instead of repeats: what a missed family shows next (a template variant that changes
//! exactly one requirement, a sibling of the same category, or a written variation prompt), how the
//! change is explained, the memorisation index, and the prompt for authoring new variants.
//!
//! Pure: forms already shown, siblings and "now" arrive as values; nothing here does I/O.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::bank::{Answer, Body, Instance, Question, Template};
use crate::random::SeededRng;

/// How many right answers on forms not seen before take a family out of repair.
pub const REPAIR_AFTER: i64 = 2;

/// The combinations that differ from `missed` in exactly one axis, with the axis that changed.
pub fn one_axis_variants(t: &Template, missed: &[usize]) -> Vec<(Vec<usize>, usize)> {
    let mut out = Vec::new();
    for (a, axis) in t.axes.iter().enumerate() {
        for v in 0..axis.values.len() {
            if missed.get(a) == Some(&v) {
                continue;
            }
            let mut c = missed.to_vec();
            if let Some(slot) = c.get_mut(a) {
                *slot = v;
                out.push((c, a));
            }
        }
    }
    out
}

/// The value indices of a canonical variant name (`auth=mi,network=selected`).
pub fn combination_of(t: &Template, variant: &str) -> Option<Vec<usize>> {
    let pairs: BTreeMap<&str, &str> = variant.split(',').filter_map(|p| p.split_once('=')).collect();
    t.axes
        .iter()
        .map(|axis| {
            let value = pairs.get(axis.id.as_str())?;
            axis.values.iter().position(|(k, _)| k == value)
        })
        .collect()
}

/// What a family in repair is shown next.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NextForm {
    /// The missed template with one requirement changed.
    Variant {
        /// The question.
        question: String,
        /// The new combination.
        #[serde(skip)]
        combination: Vec<usize>,
        /// Its canonical name.
        variant: String,
        /// The axis that changed.
        changed: String,
    },
    /// Another item of the same family (written as a separate question).
    Alternate {
        /// The question.
        question: String,
    },
    /// Another family of the same category.
    Sibling {
        /// The question.
        question: String,
        /// Its family.
        family: String,
    },
    /// A self-graded card asking to rework the missed item under one changed requirement.
    Prompt {
        /// The changed requirement.
        requirement: String,
    },
}

/// Everything needed to decide the next form of a family in repair.
pub struct RepairContext<'a> {
    /// The missed question (as in the bank).
    pub missed: &'a Question,
    /// The variant that was missed, for templates.
    pub missed_variant: Option<&'a str>,
    /// Other questions of the same family.
    pub family_items: &'a [Question],
    /// Candidate siblings: questions of other families of the same category not seen recently.
    pub siblings: &'a [Question],
    /// Forms already shown: `(item, variant)`.
    pub shown: &'a [(String, Option<String>)],
    /// The category's changeable requirements (from `exam.yaml`).
    pub requirements: &'a [String],
}

/// Chooses the next form, in order of preference: a one-axis template variant not yet shown, another
/// item of the family not yet shown, a sibling of the nearest difficulty, a variation prompt. The missed form itself is never
/// chosen.
pub fn plan_next(cx: &RepairContext, rng: &mut SeededRng) -> NextForm {
    let shown = |item: &str, variant: Option<&str>| {
        cx.shown.iter().any(|(i, v)| i == item && v.as_deref() == variant)
    };
    if let (Some(t), Some(missed)) = (
        cx.missed.template(),
        cx.missed_variant
            .and_then(|v| cx.missed.template().and_then(|t| combination_of(t, v))),
    ) {
        let fresh: Vec<(Vec<usize>, usize)> = one_axis_variants(t, &missed)
            .into_iter()
            .filter(|(c, _)| !shown(cx.missed.id.as_str(), Some(&t.variant_name(c))))
            .collect();
        if !fresh.is_empty() {
            let (combination, axis) = fresh[rng.below(fresh.len())].clone();
            return NextForm::Variant {
                question: cx.missed.id.0.clone(),
                variant: t.variant_name(&combination),
                changed: t.axes[axis].id.clone(),
                combination,
            };
        }
    }
    let alternates: Vec<&Question> = cx
        .family_items
        .iter()
        .filter(|q| q.id != cx.missed.id && q.template().is_none() && !shown(q.id.as_str(), None))
        .collect();
    if !alternates.is_empty() {
        return NextForm::Alternate {
            question: alternates[rng.below(alternates.len())].id.0.clone(),
        };
    }
    // A sibling of the nearest difficulty, so a replaced item leaves the mock no easier.
    let gap = |q: &Question| q.difficulty.abs_diff(cx.missed.difficulty);
    if let Some(nearest) = cx.siblings.iter().map(gap).min() {
        let close: Vec<&Question> = cx.siblings.iter().filter(|q| gap(q) == nearest).collect();
        let s = close[rng.below(close.len())];
        return NextForm::Sibling {
            question: s.id.0.clone(),
            family: s.family.0.clone(),
        };
    }
    let requirement = if cx.requirements.is_empty() {
        "one requirement of the scenario changes (the identity used, the network path, the tier, the scale or the cost limit)".to_owned()
    } else {
        cx.requirements[rng.below(cx.requirements.len())].clone()
    };
    NextForm::Prompt { requirement }
}

/// The right answer spelled out with option texts (letters mean nothing once options are reshuffled).
pub fn answer_text(body: &Body, answer: &Answer) -> String {
    let quote = |list: &[String], i: usize| format!("\"{}\"", list.get(i).cloned().unwrap_or_default());
    match (body, answer) {
        (Body::Single { options }, Answer::Choice(i)) => quote(options, *i),
        (Body::Multi { options }, Answer::Choices(v)) => v
            .iter()
            .map(|i| quote(options, *i))
            .collect::<Vec<_>>()
            .join(" and "),
        (Body::Order { options }, Answer::Sequence(v)) => v
            .iter()
            .map(|i| quote(options, *i))
            .collect::<Vec<_>>()
            .join(", then "),
        (Body::Match { prompts, options }, Answer::Pairs(v)) => prompts
            .iter()
            .zip(v)
            .map(|(p, o)| format!("\"{p}\" → {}", quote(options, *o)))
            .collect::<Vec<_>>()
            .join("; "),
        (Body::Dropdown { blanks, .. }, Answer::Blanks(v)) => blanks
            .iter()
            .zip(v)
            .enumerate()
            .map(|(b, (choices, c))| format!("blank {}: {}", b + 1, quote(choices, *c)))
            .collect::<Vec<_>>()
            .join("; "),
        (Body::Yesno { statements }, Answer::YesNo(v)) => statements
            .iter()
            .zip(v)
            .map(|(st, y)| format!("\"{st}\" {}", if *y { "Yes" } else { "No" }))
            .collect::<Vec<_>>()
            .join("; "),
        _ => answer.to_string(),
    }
}

/// Explains a variant against the instance that was missed: which requirement changed and whether
/// (and why) the right answer changed.
pub fn change_explanation(t: &Template, missed: &Instance, shown: &Instance) -> Option<String> {
    let (from, to) = (missed.combination.as_ref()?, shown.combination.as_ref()?);
    let mut text = String::new();
    for (a, axis) in t.axes.iter().enumerate() {
        if from.get(a) != to.get(a) {
            let old = axis.values.get(*from.get(a)?).map(|v| v.1.as_str()).unwrap_or("");
            let new = axis.values.get(*to.get(a)?).map(|v| v.1.as_str()).unwrap_or("");
            let _ = write!(
                text,
                "What changed from the version you missed: {}: \"{old}\" became \"{new}\". ",
                axis.id
            );
        }
    }
    if missed.answer == shown.answer {
        let _ = write!(
            text,
            "The right answer did not change ({}): ",
            answer_text(&shown.body, &shown.answer)
        );
    } else {
        let _ = write!(
            text,
            "The right answer changed from {} to {}: ",
            answer_text(&missed.body, &missed.answer),
            answer_text(&shown.body, &shown.answer)
        );
    }
    text.push_str(&shown.explanation);
    Some(text)
}

/// The front and back of a variation prompt card built from a missed item.
pub fn prompt_card(missed: &Instance, category_name: &str, requirement: &str) -> (String, String) {
    let front = format!(
        "Variation of a question you missed ({category_name}):\n\n{}\n\nSame scenario, but {requirement}. Work out what \
         the right choice would be now and why, before you look.",
        missed.stem
    );
    let back = format!(
        "Compare your reasoning with the original: the right answer was {}. {}\nDoes the changed requirement keep or \
         change that choice? Grade yourself on whether your reasoning held.",
        answer_text(&missed.body, &missed.answer),
        missed.explanation
    );
    (front, back)
}

/// Accuracy on forms seen before versus never seen, per domain.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemorisationIndex {
    /// Domain id.
    pub domain: String,
    /// Accuracy on forms seen before, when any.
    pub seen_accuracy: Option<f64>,
    /// Answers on forms seen before.
    pub seen_answers: u64,
    /// Accuracy on forms never seen, when any.
    pub new_accuracy: Option<f64>,
    /// Answers on forms never seen.
    pub new_answers: u64,
    /// `seen − new`: a large positive gap means recognising items rather than knowing the concept.
    pub gap: Option<f64>,
}

/// Builds the index from `(domain, seen before, right, answers)` rows.
pub fn memorisation_index(rows: &[(String, bool, u64, u64)]) -> Vec<MemorisationIndex> {
    /// `(right, answers)` on seen forms and on new forms.
    type Tally = ((u64, u64), (u64, u64));
    let mut by: BTreeMap<&str, Tally> = BTreeMap::new();
    for (domain, seen, right, n) in rows {
        let e = by.entry(domain.as_str()).or_default();
        let slot = if *seen { &mut e.0 } else { &mut e.1 };
        slot.0 += right;
        slot.1 += n;
    }
    by.into_iter()
        .map(|(domain, ((sr, sn), (nr, nn)))| {
            let acc = |r: u64, n: u64| (n > 0).then(|| r as f64 / n as f64);
            let (seen, new) = (acc(sr, sn), acc(nr, nn));
            MemorisationIndex {
                domain: domain.to_owned(),
                seen_accuracy: seen,
                seen_answers: sn,
                new_accuracy: new,
                new_answers: nn,
                gap: seen.zip(new).map(|(s, n)| s - n),
            }
        })
        .collect()
}

/// A plain-text prompt a learner can hand to any language model to author new variants of a missed
/// question, in a form `retake bank lint` accepts.
pub fn authoring_prompt(
    missed_yaml: &str,
    category: &str,
    requirements: &[String],
    exam_code: &str,
) -> String {
    let mut p = String::new();
    let _ = writeln!(
        p,
        "You are helping a candidate preparing for the Microsoft {exam_code} exam."
    );
    let _ = writeln!(
        p,
        "They answered the question below wrong. Memorising this exact question would create recognition"
    );
    let _ = writeln!(
        p,
        "without transfer, so write VARIATIONS instead: each changes exactly ONE requirement of the scenario"
    );
    let _ = writeln!(
        p,
        "(for example: if it involved a SAS token, change the network rules; if it involved an NSG, add a"
    );
    let _ = writeln!(
        p,
        "route table), so that the learner must reason about whether the right answer changes.\n"
    );
    let _ = writeln!(p, "Category: {category}");
    if !requirements.is_empty() {
        let _ = writeln!(p, "Requirements that can change in this category:");
        for r in requirements {
            let _ = writeln!(p, "- {r}");
        }
    }
    let _ = writeln!(
        p,
        "\nThe missed question, in retake's bank format:\n\n```yaml\nquestions:\n{missed_yaml}```\n"
    );
    p.push_str(
        "Write 3 new questions as ONE YAML document with a top-level `questions:` list, in exactly this format:\n\
- keep `domain` and `category` as above; give each a new unique `id` (the original id plus -v1, -v2, -v3) and\n  \
  `family:` set to the original question's id, so they count as the same memory card;\n\
- `type: single` with 4 `options` (a YAML list; options are lettered A, B, C, D in order) and `answer:` one letter;\n\
- or keep the original type and its answer format (multi: [A, C] and the stem says \"Choose two.\"; order: a list of\n  \
  letters in sequence; match: one letter per prompt; dropdown: `text` with [[1]], [[2]] blanks, `blanks` lists, one\n  \
  letter per blank; yesno: `statements` and [Y, N, …]);\n\
- `difficulty:` 1, 2 or 3; `explanation:` why the right answer is right AND why each other option is wrong, saying\n  \
  which requirement changed and whether that changed the answer; `refs:` at least one https://learn.microsoft.com link;\n\
- only facts you are sure of, current service names, no \"all of the above\".\n\
Output only the YAML. The learner will check it with `retake bank lint FILE` in the exam's bank folder.\n",
    );
    p
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::bank::{Axis, TemplateCase};

    fn template(sizes: &[usize]) -> Template {
        Template {
            axes: sizes
                .iter()
                .enumerate()
                .map(|(a, n)| Axis {
                    id: format!("axis{a}"),
                    values: (0..*n).map(|v| (format!("v{v}"), format!("value {v}"))).collect(),
                })
                .collect(),
            cases: vec![TemplateCase {
                when: vec![],
                answer: Answer::Choice(0),
                explanation: None,
            }],
        }
    }

    proptest! {
        #[test]
        fn every_variant_differs_from_the_missed_one_in_exactly_one_axis(
            sizes in prop::collection::vec(2usize..4, 1..4),
            seed in any::<u64>(),
        ) {
            let t = template(&sizes);
            let mut rng = SeededRng::new(seed);
            let missed: Vec<usize> = sizes.iter().map(|n| rng.below(*n)).collect();
            let variants = one_axis_variants(&t, &missed);
            prop_assert_eq!(variants.len(), sizes.iter().map(|n| n - 1).sum::<usize>());
            for (c, axis) in variants {
                let differing: Vec<usize> = (0..sizes.len()).filter(|a| c[*a] != missed[*a]).collect();
                prop_assert_eq!(differing, vec![axis]);
                prop_assert_eq!(combination_of(&t, &t.variant_name(&c)), Some(c.clone()));
            }
        }
    }

    fn question(id: &str, family: &str, template: Option<Template>) -> Question {
        use crate::bank::{Answering, CategoryId, DomainId, FamilyId, QuestionId};
        Question {
            id: QuestionId(id.into()),
            family: FamilyId(family.into()),
            domain: DomainId("d".into()),
            category: CategoryId("c".into()),
            difficulty: 2,
            stem: "S".into(),
            body: Body::Single {
                options: vec!["a".into(), "b".into()],
            },
            answering: match template {
                Some(t) => Answering::Template(t),
                None => Answering::Fixed {
                    answer: Answer::Choice(0),
                },
            },
            explanation: "E".into(),
            refs: vec![],
            case: None,
        }
    }

    proptest! {
        #[test]
        fn the_missed_form_never_comes_back(
            sizes in prop::collection::vec(2usize..4, 0..3),
            seed in any::<u64>(),
            shown_share in 0.0f64..1.0,
            siblings in 0usize..3,
            alternates in 0usize..2,
        ) {
            let template = (!sizes.is_empty()).then(|| template(&sizes));
            let missed = question("q", "fam", template.clone());
            let mut rng = SeededRng::new(seed);
            let missed_combo: Option<Vec<usize>> = template.as_ref().map(|_| sizes.iter().map(|n| rng.below(*n)).collect());
            let missed_variant = template.as_ref().zip(missed_combo.as_ref()).map(|(t, c)| t.variant_name(c));
            let mut shown = vec![("q".to_owned(), missed_variant.clone())];
            if let (Some(t), Some(c)) = (&template, &missed_combo) {
                for (v, _) in one_axis_variants(t, c) {
                    if rng.unit() < shown_share {
                        shown.push(("q".to_owned(), Some(t.variant_name(&v))));
                    }
                }
            }
            let family_items: Vec<Question> = (0..alternates).map(|i| question(&format!("alt{i}"), "fam", None)).collect();
            let sibs: Vec<Question> = (0..siblings).map(|i| question(&format!("sib{i}"), &format!("other{i}"), None)).collect();
            let cx = RepairContext {
                missed: &missed,
                missed_variant: missed_variant.as_deref(),
                family_items: &family_items,
                siblings: &sibs,
                shown: &shown,
                requirements: &["a change".to_owned()],
            };
            match plan_next(&cx, &mut rng) {
                NextForm::Variant { question, combination, variant, .. } => {
                    prop_assert_eq!(question, "q".to_owned());
                    prop_assert!(Some(variant.clone()) != missed_variant, "the missed variant came back");
                    prop_assert!(!shown.iter().any(|(_, v)| v.as_deref() == Some(variant.as_str())));
                    let differing = combination.iter().zip(missed_combo.iter().flatten()).filter(|(a, b)| a != b).count();
                    prop_assert_eq!(differing, 1);
                }
                NextForm::Alternate { question } => prop_assert!(question != "q" && question.starts_with("alt")),
                NextForm::Sibling { question, family } => {
                    prop_assert!(question.starts_with("sib") && family != "fam", "siblings are other families of the category");
                }
                NextForm::Prompt { requirement } => prop_assert_eq!(requirement, "a change".to_owned()),
            }
        }
    }

    #[test]
    fn a_sibling_of_the_missed_difficulty_is_preferred() {
        let mut missed = question("q", "fam", None);
        missed.difficulty = 3;
        let sibs: Vec<Question> = (0..6)
            .map(|i| {
                let mut q = question(&format!("sib{i}"), &format!("other{i}"), None);
                q.difficulty = if i == 4 { 3 } else { 1 };
                q
            })
            .collect();
        for seed in 0..20 {
            let cx = RepairContext {
                missed: &missed,
                missed_variant: None,
                family_items: &[],
                siblings: &sibs,
                shown: &[("q".to_owned(), None)],
                requirements: &[],
            };
            let next = plan_next(&cx, &mut SeededRng::new(seed));
            assert_eq!(
                next,
                NextForm::Sibling {
                    question: "sib4".into(),
                    family: "other4".into()
                }
            );
        }
    }

    #[test]
    fn the_index_compares_seen_and_new_forms_per_domain() {
        let rows = vec![
            ("storage".to_owned(), true, 9, 10),
            ("storage".to_owned(), false, 5, 10),
        ];
        let idx = memorisation_index(&rows);
        assert_eq!(idx[0].seen_accuracy, Some(0.9));
        assert_eq!(idx[0].new_accuracy, Some(0.5));
        assert!((idx[0].gap.unwrap_or_default() - 0.4).abs() < 1e-12);
    }
}
