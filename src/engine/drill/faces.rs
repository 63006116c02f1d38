//! The surface form a card shows: another item or variant of its family than the one last shown,
//! or, for a family in repair, a variant, a sibling or a variation prompt.

use super::*;

/// Picks the surface form to show: another item of the family than the one last shown, or another
/// variant of a template; a flashcard shows itself.
pub(super) fn choose_face(
    store: &Store,
    exam: &str,
    family: &str,
    last_item: Option<&str>,
    last_variant: Option<&str>,
    rng: &mut SeededRng,
) -> Result<Option<Face>> {
    let items = store.family_items(exam, family)?;
    if items.is_empty() {
        return Ok(None);
    }
    let others: Vec<&(String, String, String)> = items
        .iter()
        .filter(|(id, _, _)| Some(id.as_str()) != last_item)
        .collect();
    let pool: Vec<&(String, String, String)> = if others.is_empty() {
        items.iter().collect()
    } else {
        others
    };
    let (id, kind, body) = pool[rng.below(pool.len())];
    if kind == ItemType::Flashcard.as_str() {
        return Ok(Some(Face::Flash(serde_json::from_str(body).map_err(|e| {
            EngineError::Decode {
                table: "items",
                row: id.clone(),
                detail: e.to_string(),
            }
        })?)));
    }
    let q: Question = serde_json::from_str(body).map_err(|e| EngineError::Decode {
        table: "items",
        row: id.clone(),
        detail: e.to_string(),
    })?;
    let combination = q.template().map(|t| {
        let mut combo: Vec<usize> = t.axes.iter().map(|a| rng.below(a.values.len())).collect();
        // Never the variant last shown when another exists.
        for _ in 0..8 {
            if Some(t.variant_name(&combo).as_str()) != last_variant {
                break;
            }
            combo = t.axes.iter().map(|a| rng.below(a.values.len())).collect();
        }
        combo
    });
    let Some(instance) = q.instantiate(combination.as_deref()) else {
        return Ok(None);
    };
    let scenario = match &q.case {
        Some(link) => store.case_scenario(exam, link.case_id.as_str())?,
        None => None,
    };
    Ok(Some(quiz_face(instance, scenario, rng)))
}

pub(super) fn quiz_face(
    instance: crate::bank::Instance,
    scenario: Option<String>,
    rng: &mut SeededRng,
) -> Face {
    let shuffle = Shuffle::random(&instance.body, rng);
    Face::Quiz(Box::new(SessionItem {
        instance,
        shuffle,
        section: None,
        scenario,
        response: None,
        flagged: false,
        disputed: false,
        locked: false,
        seconds: 0.0,
    }))
}

/// The face of a family in repair: a variant, another question of the family, a sibling, or a
/// variation prompt (a self-graded card) — never the form that was missed.
pub(super) fn repair_face(
    store: &Store,
    exam: &Exam,
    repair: &crate::store::Repair,
    now: DateTime<Utc>,
    rng: &mut SeededRng,
) -> Result<Option<(Face, repair::Plan)>> {
    let Some(plan) = repair::plan(store, exam, repair, now, rng)? else {
        return Ok(None);
    };
    let face = match &plan.next {
        NextForm::Prompt { requirement } => plan.missed_instance.as_ref().map(|m| {
            let name = exam
                .domain(&repair.domain)
                .and_then(|d| d.category(&repair.category))
                .map_or_else(|| repair.category.clone(), |c| c.name.clone());
            let (front, back) = variation::prompt_card(m, &name, requirement);
            Face::Flash(Flashcard {
                id: QuestionId(PROMPT_ITEM.to_owned()),
                family: m.family.clone(),
                domain: m.domain.clone(),
                category: m.category.clone(),
                front,
                back,
                refs: m.refs.clone(),
            })
        }),
        _ => match plan.instance(rng) {
            Some(inst) => {
                let scenario = match inst.case.as_ref() {
                    Some(l) => store.case_scenario(&exam.code, l.case_id.as_str())?,
                    None => None,
                };
                Some(quiz_face(inst, scenario, rng))
            }
            None => None,
        },
    };
    Ok(face.map(|f| (f, plan)))
}
