//! Wiring of repair (variations instead of repeats) between the store, the pure `variation`
//! module, drills and mock exams, and the `retake variations` command.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::anyhow;
use chrono::{DateTime, Duration, Utc};
use clap::{Args, ValueEnum};
use serde_json::json;

use super::Context;
use super::catalog;
use crate::bank::{Exam, Instance, Question};
use crate::mastery::Evidence;
use crate::random::SeededRng;
use crate::store::{DrillAnswer, Repair, Store};
use crate::variation::{self, NextForm, REPAIR_AFTER, RepairContext};

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
    /// `mock` or `drill`.
    pub source: &'static str,
    /// When.
    pub at: DateTime<Utc>,
}

/// Whether the form was shown before (checked before it is marked as shown).
pub fn seen_before(store: &Store, exam: &str, instance: &Instance) -> anyhow::Result<bool> {
    Ok(store.form_shown(
        exam,
        instance.family.as_str(),
        instance.question.as_str(),
        instance.variant.as_deref(),
    )?)
}

/// After an answer: remembers the form, records a drill answer for the learner model, and opens
/// or advances the family's repair. Returns the repair progress when it advanced.
pub fn after_answer(store: &mut Store, a: &Answered, seen: bool) -> anyhow::Result<Option<i64>> {
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
    if a.source == "drill" {
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
            missed_source: a.source.to_owned(),
            missed_at: super::super::store::rfc3339(a.at),
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
) -> anyhow::Result<Option<Plan>> {
    let Some(missed) = store.questions(&exam.code, &[repair.missed_item.as_str()])?.pop() else {
        return Ok(None);
    };
    let family_items: Vec<Question> = store
        .family_items(&exam.code, &repair.family)?
        .into_iter()
        .filter(|(_, kind, _)| kind != "flashcard")
        .filter_map(|(_, _, body)| serde_json::from_str(&body).ok())
        .collect();
    let recent = store.families_shown_since(&exam.code, now - Duration::days(7))?;
    let open: Vec<String> = store
        .open_repairs(Some(&exam.code))?
        .into_iter()
        .map(|r| r.family)
        .collect();
    let siblings: Vec<Question> = store
        .category_questions(&exam.code, &repair.domain, &repair.category, 200)?
        .into_iter()
        .filter(|(_, family, _)| {
            *family != repair.family && !recent.contains(family) && !open.contains(family)
        })
        .filter_map(|(_, _, body)| serde_json::from_str(&body).ok())
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
            _ => {
                let combo = q.template().map(|t| {
                    t.axes
                        .iter()
                        .map(|a| rng.below(a.values.len()))
                        .collect::<Vec<_>>()
                });
                q.instantiate(combo.as_deref())
            }
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Prompt,
}

/// Options of `retake variations`.
#[derive(Debug, Args)]
pub struct VariationsArgs {
    /// Only this exam
    exam: Option<String>,
    /// text: what was missed and what comes next; json; prompt: a prompt for authoring new variants
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Runs `retake variations`.
pub fn variations(ctx: &Context, args: &VariationsArgs) -> anyhow::Result<ExitCode> {
    let cat = catalog::open(ctx)?;
    let exams = match &args.exam {
        Some(code) => vec![cat.exam(code)?],
        None => cat.exams()?,
    };
    let store = &cat.store;
    let mut out = std::io::stdout().lock();
    let mut families = Vec::new();
    let mut text = String::new();
    for e in &exams {
        for r in store.open_repairs(Some(&e.code))? {
            let mut rng = SeededRng::derive(ctx.seed.unwrap_or(0), &r.family, 0);
            let Some(plan) = plan(store, &e.exam, &r, ctx.now, &mut rng)? else {
                continue;
            };
            let stem = plan
                .missed_instance
                .as_ref()
                .map_or_else(|| plan.missed.stem.clone(), |i| i.stem.clone());
            let category = e.exam.domain(&r.domain).and_then(|d| d.category(&r.category));
            match args.format {
                Format::Json => families.push(json!({
                    "exam": r.exam,
                    "family": r.family,
                    "domain": r.domain,
                    "category": r.category,
                    "missed": { "item": r.missed_item, "variant": r.missed_variant, "source": r.missed_source, "at": r.missed_at },
                    "progress": r.progress,
                    "needed": REPAIR_AFTER,
                    "next": plan.next,
                })),
                Format::Text => {
                    let excerpt: String = stem.chars().take(110).collect();
                    text.push_str(&format!(
                        "{} {} · {}/{} · {} of {} right on new forms\n  missed {}{} ({}): {}{}\n  next: {}\n",
                        r.exam,
                        r.family,
                        r.domain,
                        r.category,
                        r.progress,
                        REPAIR_AFTER,
                        r.missed_item,
                        r.missed_variant.as_ref().map(|v| format!(" [{v}]")).unwrap_or_default(),
                        r.missed_source,
                        excerpt,
                        if stem.chars().count() > 110 { "…" } else { "" },
                        plan.describe()
                    ));
                }
                Format::Prompt => {
                    let requirements = category.map(|c| c.variations.clone()).unwrap_or_default();
                    let name = category.map_or_else(|| r.category.clone(), |c| format!("{} ({})", c.name, c.id));
                    text.push_str(&variation::authoring_prompt(
                        &crate::bank::write::question_yaml(&plan.missed),
                        &name,
                        &requirements,
                        &e.code,
                    ));
                    text.push_str("\n=====\n\n");
                }
            }
        }
    }
    match args.format {
        Format::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json!({ "families": families }))?
        )?,
        _ if text.is_empty() => writeln!(
            out,
            "No family is in repair: nothing missed is waiting for a variation."
        )?,
        _ => out.write_all(crate::text::sanitize(&text).as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// For mock exams: replaces a question whose family is in repair by a variant, another question of
/// its family or a sibling; `None` when no such form exists (the item is then left out).
pub fn mock_substitute(
    store: &Store,
    exam: &Exam,
    question: &Question,
    now: DateTime<Utc>,
    rng: &mut SeededRng,
) -> anyhow::Result<Option<Instance>> {
    let Some(repair) = store.repair(&exam.code, question.family.as_str())? else {
        let combo = question.template().map(|t| {
            t.axes
                .iter()
                .map(|a| rng.below(a.values.len()))
                .collect::<Vec<_>>()
        });
        return Ok(question.instantiate(combo.as_deref()));
    };
    let Some(plan) = plan(store, exam, &repair, now, rng)? else {
        return Err(anyhow!(
            "the missed question {} of {} is no longer in the bank",
            repair.missed_item,
            exam.code
        ));
    };
    Ok(match plan.next {
        NextForm::Prompt { .. } => None,
        _ => plan.instance(rng),
    })
}
