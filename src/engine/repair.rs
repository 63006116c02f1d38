//! Families in repair after a miss: recording answers against them, planning the form that comes
//! back instead of the missed one (a variant, another question of the family, a sibling or a
//! variation prompt), and the list `retake variations` shows.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use super::{EngineError, Result};
use crate::bank::{Exam, Instance, Question};
use crate::mastery::Evidence;
use crate::random::SeededRng;
use crate::store::{DrillAnswer, Repair, Store};
use crate::variation::{self, NextForm, REPAIR_AFTER, RepairContext};

/// Where an answer was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A mock exam.
    Mock,
    /// A drill.
    Drill,
}

impl Source {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Mock => "mock",
            Source::Drill => "drill",
        }
    }
}

/// A question as shown: a template gets a random combination of its axes.
pub(crate) fn random_instance(q: &Question, rng: &mut SeededRng) -> Option<Instance> {
    let combo = q.template().map(|t| {
        t.axes
            .iter()
            .map(|a| rng.below(a.values.len()))
            .collect::<Vec<_>>()
    });
    q.instantiate(combo.as_deref())
}

/// Decodes stored question bodies, naming the row that fails.
pub(crate) fn decode_questions(rows: Vec<(String, String, String)>) -> Result<Vec<(String, Question)>> {
    rows.into_iter()
        .map(|(id, family, body)| {
            serde_json::from_str::<Question>(&body)
                .map(|q| (family, q))
                .map_err(|e| EngineError::Decode {
                    table: "items",
                    row: id,
                    detail: e.to_string(),
                })
        })
        .collect()
}

/// A surface form that was answered.
pub struct Answered<'a> {
    /// Exam code.
    pub exam: &'a str,
    /// The instance shown.
    pub instance: &'a Instance,
    /// The family the answer counts for (a sibling shown for a family in repair counts for it).
    pub family: &'a str,
    /// Points earned and possible.
    pub points: (u32, u32),
    /// Time spent.
    pub seconds: f64,
    /// Where it was given.
    pub source: Source,
    /// When.
    pub at: DateTime<Utc>,
}

/// Whether the form was shown before (checked before it is marked as shown).
pub fn seen_before(store: &Store, exam: &str, instance: &Instance) -> Result<bool> {
    Ok(store.form_shown(
        exam,
        instance.family.as_str(),
        instance.question.as_str(),
        instance.variant.as_deref(),
    )?)
}

/// After an answer: remembers the form, records a drill answer for the learner model, and opens
/// or advances the family's repair. Returns the repair progress when it advanced.
pub fn after_answer(store: &mut Store, a: &Answered, seen: bool) -> Result<Option<i64>> {
    let inst = a.instance;
    let (points, max) = a.points;
    let right = max > 0 && points == max;
    store.mark_shown(
        a.exam,
        inst.family.as_str(),
        inst.question.as_str(),
        inst.variant.as_deref(),
        a.at,
    )?;
    if a.source == Source::Drill {
        let at = a.at;
        store.record_drill_answer(
            &DrillAnswer {
                exam: a.exam,
                item: inst.question.as_str(),
                family: inst.family.as_str(),
                domain: inst.domain.as_str(),
                category: inst.category.as_str(),
                variant: inst.variant.as_deref(),
                points,
                max_points: max,
                seconds: a.seconds,
                seen_before: seen,
                at,
            },
            &|current: Option<Evidence>| {
                current
                    .unwrap_or_else(|| Evidence::empty(at))
                    .add(points, max, 1.0, at)
            },
        )?;
    }
    if !right {
        store.open_repair(&Repair {
            exam: a.exam.to_owned(),
            family: a.family.to_owned(),
            domain: inst.domain.0.clone(),
            category: inst.category.0.clone(),
            missed_item: inst.question.0.clone(),
            missed_variant: inst.variant.clone(),
            missed_source: a.source.as_str().to_owned(),
            missed_at: crate::store::rfc3339(a.at),
            progress: 0,
        })?;
        return Ok(None);
    }
    if !seen && store.repair(a.exam, a.family)?.is_some() {
        return Ok(Some(store.advance_repair(
            a.exam,
            a.family,
            REPAIR_AFTER,
            a.at,
        )?));
    }
    Ok(None)
}

/// The plan for a family in repair: the missed instance (for explanations) and the next form.
pub struct Plan {
    /// The missed question.
    pub missed: Question,
    /// The missed instance.
    pub missed_instance: Option<Instance>,
    /// What to show next.
    pub next: NextForm,
    /// The next form's question, when it is one.
    pub question: Option<Question>,
}

/// Plans the next form of a family in repair.
pub fn plan(
    store: &Store,
    exam: &Exam,
    repair: &Repair,
    now: DateTime<Utc>,
    rng: &mut SeededRng,
) -> Result<Option<Plan>> {
    let Some(missed) = store.questions(&exam.code, &[repair.missed_item.as_str()])?.pop() else {
        return Ok(None);
    };
    let family_items: Vec<Question> = decode_questions(
        store
            .family_items(&exam.code, &repair.family)?
            .into_iter()
            .filter(|(_, kind, _)| kind != "flashcard")
            .map(|(id, _, body)| (id, repair.family.clone(), body))
            .collect(),
    )?
    .into_iter()
    .map(|(_, q)| q)
    .collect();
    let recent: HashSet<String> = store
        .families_shown_since(&exam.code, now - Duration::days(7))?
        .into_iter()
        .collect();
    let open: HashSet<String> = store
        .open_repairs(Some(&exam.code))?
        .into_iter()
        .map(|r| r.family)
        .collect();
    // Only the candidates that qualify are decoded.
    let mut candidates = store.category_questions(&exam.code, &repair.domain, &repair.category, 200)?;
    candidates.retain(|(_, family, _)| {
        *family != repair.family && !recent.contains(family) && !open.contains(family)
    });
    let siblings: Vec<Question> = decode_questions(candidates)?
        .into_iter()
        .map(|(_, q)| q)
        .collect();
    let shown = store.shown_forms(&exam.code, &repair.family)?;
    let requirements = exam
        .domain(&repair.domain)
        .and_then(|d| d.category(&repair.category))
        .map(|c| c.variations.clone())
        .unwrap_or_default();
    let next = variation::plan_next(
        &RepairContext {
            missed: &missed,
            missed_variant: repair.missed_variant.as_deref(),
            family_items: &family_items,
            siblings: &siblings,
            shown: &shown,
            requirements: &requirements,
        },
        rng,
    );
    let missed_instance = match (missed.template(), repair.missed_variant.as_deref()) {
        (Some(t), Some(v)) => variation::combination_of(t, v).and_then(|c| missed.instantiate(Some(&c))),
        (None, _) => missed.instantiate(None),
        _ => None,
    };
    let question = match &next {
        NextForm::Variant { .. } => Some(missed.clone()),
        NextForm::Alternate { question } => family_items.iter().find(|q| q.id.as_str() == question).cloned(),
        NextForm::Sibling { question, .. } => siblings.iter().find(|q| q.id.as_str() == question).cloned(),
        NextForm::Prompt { .. } => None,
    };
    Ok(Some(Plan {
        missed,
        missed_instance,
        next,
        question,
    }))
}

impl Plan {
    /// The instance to show, for question forms (templates get the planned or a random combination).
    pub fn instance(&self, rng: &mut SeededRng) -> Option<Instance> {
        let q = self.question.as_ref()?;
        match &self.next {
            NextForm::Variant { combination, .. } => q.instantiate(Some(combination)),
            _ => random_instance(q, rng),
        }
    }

    /// A description of what comes next, for `retake variations`.
    pub fn describe(&self) -> String {
        match &self.next {
            NextForm::Variant { variant, changed, .. } => {
                format!("a variant that changes {changed} ({variant})")
            }
            NextForm::Alternate { question } => format!("another question of the family ({question})"),
            NextForm::Sibling { question, .. } => format!("a sibling of the same category ({question})"),
            NextForm::Prompt { requirement } => {
                format!("a variation prompt: same scenario, but {requirement}")
            }
        }
    }
}

/// One family in repair, as `retake variations` lists it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FamilyInRepair {
    /// Exam code.
    pub exam: String,
    /// Family id.
    pub family: String,
    /// Domain id.
    pub domain: String,
    /// Category id.
    pub category: String,
    /// What was missed.
    pub missed: Missed,
    /// Right answers on new forms so far.
    pub progress: i64,
    /// Right answers on new forms needed to leave repair.
    pub needed: i64,
    /// What comes next.
    pub next: NextForm,
    /// The next form, in words.
    #[serde(skip)]
    pub next_text: String,
    /// The missed stem (as shown).
    #[serde(skip)]
    pub stem: String,
    /// The missed question (for authoring prompts).
    #[serde(skip)]
    pub question: Question,
}

/// The missed form of a family in repair.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Missed {
    /// Item id.
    pub item: String,
    /// Variant, for templates.
    pub variant: Option<String>,
    /// `mock` or `drill`.
    pub source: String,
    /// When (RFC 3339).
    pub at: String,
}

/// Every family in repair of these exams, with what comes next (`seed` makes the plan stable).
pub fn families_in_repair(
    store: &Store,
    exams: &[&Exam],
    seed: u64,
    now: DateTime<Utc>,
) -> Result<Vec<FamilyInRepair>> {
    let mut out = Vec::new();
    for exam in exams {
        for r in store.open_repairs(Some(&exam.code))? {
            let mut rng = SeededRng::derive(seed, &r.family, 0);
            let Some(plan) = plan(store, exam, &r, now, &mut rng)? else {
                continue;
            };
            let stem = plan
                .missed_instance
                .as_ref()
                .map_or_else(|| plan.missed.stem.clone(), |i| i.stem.clone());
            out.push(FamilyInRepair {
                next_text: plan.describe(),
                exam: r.exam,
                family: r.family,
                domain: r.domain,
                category: r.category,
                missed: Missed {
                    item: r.missed_item,
                    variant: r.missed_variant,
                    source: r.missed_source,
                    at: r.missed_at,
                },
                progress: r.progress,
                needed: REPAIR_AFTER,
                next: plan.next,
                stem,
                question: plan.missed,
            });
        }
    }
    Ok(out)
}

/// For mock exams: replaces a question whose family is in repair by a variant, another question of
/// its family or a sibling; `None` when no such form exists (the item is then left out).
pub fn mock_substitute(
    store: &Store,
    exam: &Exam,
    question: &Question,
    now: DateTime<Utc>,
    rng: &mut SeededRng,
) -> Result<Option<Instance>> {
    let Some(repair) = store.repair(&exam.code, question.family.as_str())? else {
        return Ok(random_instance(question, rng));
    };
    let Some(plan) = plan(store, exam, &repair, now, rng)? else {
        // The missed question left the bank: the family is served as it is now.
        return Ok(random_instance(question, rng));
    };
    Ok(match plan.next {
        NextForm::Prompt { .. } => None,
        _ => plan.instance(rng),
    })
}
