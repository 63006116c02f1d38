//! Assembling a mock exam: the candidate pool, the learner model the sampler weighs, the blueprint's
//! domains, the items built from the chosen units, and the refill of items that cannot be delivered.

use super::*;

pub(super) fn units_from(candidates: &[Candidate]) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    let mut case_units: HashMap<&str, usize> = HashMap::new();
    for c in candidates {
        let member = Member {
            question: c.id.clone(),
            family: c.family.clone(),
            domain: c.domain.clone(),
            category: c.category.clone(),
        };
        match &c.case_id {
            Some(case) => match case_units.get(case.as_str()) {
                Some(u) => units[*u].members.push(member),
                None => {
                    case_units.insert(case, units.len());
                    units.push(Unit {
                        members: vec![member],
                        is_case: true,
                    });
                }
            },
            None => units.push(Unit {
                members: vec![member],
                is_case: false,
            }),
        }
    }
    // Case members in their written order.
    let position: HashMap<&str, i64> = candidates
        .iter()
        .map(|c| (c.id.as_str(), c.case_index.unwrap_or(0)))
        .collect();
    for u in units.iter_mut().filter(|u| u.is_case) {
        u.members
            .sort_by_key(|m| position.get(m.question.as_str()).copied().unwrap_or(0));
    }
    units
}

/// The questions a mock may draw from: the whole bank when it is small, else a seeded slice of each
/// category proportional to its size (see `sampler::pool_plan`), plus every case study.
pub(super) fn candidate_pool(store: &Store, exam: &str, count: usize, seed: u64) -> Result<Vec<Candidate>> {
    let sizes = store.category_sizes(exam)?;
    let counts: Vec<u64> = sizes.iter().map(|(_, _, n)| *n).collect();
    let Some(plan) = sampler::pool_plan(&counts, (count * 40).max(2_000)) else {
        return Ok(store.candidates(exam)?);
    };
    let mut rng = SeededRng::derive(seed, "pool", 0);
    let mut pool = Vec::new();
    for ((domain, category, _), take) in sizes.iter().zip(plan) {
        let from = (rng.next_u64() >> 1) as i64;
        pool.extend(store.category_slice(exam, domain, category, from, take)?);
    }
    pool.extend(store.case_candidates(exam)?);
    pool.sort_by(|a, b| a.id.cmp(&b.id));
    pool.dedup_by(|a, b| a.id == b.id);
    Ok(pool)
}

pub(super) fn learner_model(
    store: &Store,
    exam: &str,
    pool: &[Candidate],
    now: DateTime<Utc>,
) -> Result<Learner> {
    let mut learner = Learner::default();
    for (domain, category, ev) in store.category_evidence(exam)? {
        learner
            .weakness
            .insert((domain, category), ev.estimate(now).weakness());
    }
    let recent = store.recent_attempts(exam, 3)?;
    for (family, (_, last)) in store.family_exposure(exam, pool.iter().map(|c| c.family.as_str()))? {
        let rank = last.and_then(|l| recent.iter().position(|r| *r == l));
        let novelty = match rank {
            Some(0) => 0.2,
            Some(1) => 0.4,
            Some(2) => 0.6,
            _ => 0.8,
        };
        learner.novelty.insert(family, novelty);
    }
    Ok(learner)
}

/// A fresh seed when none is given: from the clock and the process, within 2^53.
pub fn default_seed(now: DateTime<Utc>) -> u64 {
    let nanos = now.timestamp_nanos_opt().unwrap_or_default() as u64;
    // Keep seeds within 2^53 so every JSON reader round-trips them exactly.
    SeededRng::derive(nanos, "seed", u64::from(std::process::id())).next_u64() >> 11
}

pub(super) fn domain_specs(exam: &Exam, only: &[String]) -> Result<Vec<DomainSpec>> {
    for d in only {
        if exam.domain(d).is_none() {
            let ids: Vec<&str> = exam.domains.iter().map(|d| d.id.as_str()).collect();
            return Err(EngineError::UnknownDomain {
                exam: exam.code.clone(),
                domain: d.clone(),
                domains: ids.join(", "),
            });
        }
    }
    let restricted = !only.is_empty();
    Ok(exam
        .domains
        .iter()
        .filter(|d| !restricted || only.iter().any(|o| o == d.id.as_str()))
        .map(|d| {
            let (low, high) = d.weight.bounds();
            // A restricted mock is a practice set: the official ranges no longer apply.
            if restricted {
                DomainSpec {
                    id: d.id.0.clone(),
                    share: d.share,
                    low: 0.0,
                    high: 100.0,
                }
            } else {
                DomainSpec {
                    id: d.id.0.clone(),
                    share: d.share,
                    low,
                    high,
                }
            }
        })
        .collect())
}

/// Builds the items of a new attempt from the chosen units; also returns the members that could not
/// be delivered (a family in repair with no question form left, or whose replacement is already in).
pub(super) fn build_items(
    store: &Store,
    blueprint: &Exam,
    units: &[Unit],
    chosen: &[usize],
    seed: u64,
    now: DateTime<Utc>,
) -> Result<(Vec<SessionItem>, Vec<Member>)> {
    let exam = blueprint.code.as_str();
    let ids: Vec<&str> = chosen
        .iter()
        .flat_map(|u| &units[*u].members)
        .map(|m| m.question.as_str())
        .collect();
    let questions: Vec<Question> = store.questions(exam, &ids)?;
    let scenarios = store.case_scenarios(exam)?;
    let mut items = Vec::with_capacity(questions.len());
    let mut section = 0u32;
    let mut case_section: HashMap<String, u32> = HashMap::new();
    let mut used: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
    let mut lost = Vec::new();
    let lose = |q: &Question| Member {
        question: q.id.0.clone(),
        family: q.family.0.clone(),
        domain: q.domain.0.clone(),
        category: q.category.0.clone(),
    };
    for (p, q) in questions.iter().enumerate() {
        // A family in repair never comes back verbatim: a variant, another question of the family
        // or a sibling takes its place; failing those the slot is refilled (`sampler::refill`).
        let mut rng = SeededRng::derive(seed, "variant", p as u64);
        let Some(instance) = repair::mock_substitute(store, blueprint, q, now, &mut rng)? else {
            lost.push(lose(q));
            continue;
        };
        if instance.question != q.id {
            if used.contains(&instance.question.0) {
                lost.push(lose(q));
                continue;
            }
            used.push(instance.question.0.clone());
        }
        let shuffle = Shuffle::random(&instance.body, &mut SeededRng::derive(seed, "shuffle", p as u64));
        let (item_section, scenario) = match &q.case {
            Some(link) => {
                let s = *case_section.entry(link.case_id.0.clone()).or_insert_with(|| {
                    section += 1;
                    section
                });
                (Some(s), scenarios.get(link.case_id.as_str()).cloned())
            }
            None if matches!(instance.body, Body::Yesno { .. }) => {
                section += 1;
                (Some(section), None)
            }
            None => (None, None),
        };
        items.push(SessionItem {
            instance,
            shuffle,
            section: item_section,
            scenario,
            response: None,
            flagged: false,
            disputed: false,
            locked: false,
            seconds: 0.0,
        });
    }
    Ok((items, lost))
}

/// The candidates of a mock and the families in repair. A family in repair never comes back
/// verbatim: a plain question stays in the pool and is replaced by another question of its family or
/// a sibling of the same category and difficulty, a template comes back as a variant; a case study
/// with a plain member in repair is left out.
pub fn mock_pool(
    store: &Store,
    exam: &str,
    count: usize,
    seed: u64,
) -> Result<(Vec<Candidate>, Vec<String>)> {
    let mut pool = candidate_pool(store, exam, count, seed)?;
    let repairing: Vec<String> = store
        .open_repairs(Some(exam))?
        .into_iter()
        .map(|r| r.family)
        .collect();
    let held = |c: &Candidate| !c.templated && repairing.contains(&c.family);
    let broken_cases: Vec<String> = pool
        .iter()
        .filter(|c| held(c))
        .filter_map(|c| c.case_id.clone())
        .collect();
    pool.retain(|c| c.case_id.as_ref().is_none_or(|id| !broken_cases.contains(id)));
    Ok((pool, repairing))
}

/// Builds the items of the chosen units; items that cannot be delivered are refilled from the same
/// category, then domain ([`sampler::refill`]), until the mock has its length or the bank has
/// nothing eligible left.
#[allow(clippy::too_many_arguments)]
pub fn deliver(
    store: &Store,
    exam: &Exam,
    units: &[Unit],
    request: &Request,
    learner: &Learner,
    mut chosen: Vec<usize>,
    seed: u64,
    now: DateTime<Utc>,
) -> Result<Vec<SessionItem>> {
    let count = request.count;
    let (mut items, mut lost) = build_items(store, exam, units, &chosen, seed, now)?;
    for round in 1.. {
        if lost.is_empty() || items.len() >= count {
            break;
        }
        let excluded: std::collections::HashSet<String> =
            items.iter().map(|i| i.instance.question.0.clone()).collect();
        let extra = sampler::refill(
            units,
            request,
            learner,
            &chosen,
            &lost[lost.len().saturating_sub(count - items.len())..],
            &excluded,
            &mut SeededRng::derive(seed, "refill", round),
        );
        if extra.is_empty() {
            break;
        }
        let cases_at = chosen
            .iter()
            .position(|u| units[*u].is_case)
            .unwrap_or(chosen.len());
        chosen.splice(cases_at..cases_at, extra);
        (items, lost) = build_items(store, exam, units, &chosen, seed, now)?;
    }
    Ok(items)
}

/// Assembles a mock's items as `start` does, without starting it (the learner study, previews).
pub fn assemble(
    store: &Store,
    exam: &Exam,
    req: &StartRequest,
    count: usize,
    seed: u64,
    now: DateTime<Utc>,
) -> Result<(Vec<SessionItem>, Vec<String>)> {
    let domains = domain_specs(exam, &req.domains)?;
    let (pool, repairing) = mock_pool(store, &exam.code, count, seed)?;
    let units = units_from(&pool);
    let learner = learner_model(store, &exam.code, &pool, now)?;
    let request = Request {
        count,
        mode: req.mode,
        domains,
        max_cases: usize::from(count >= 8),
    };
    let chosen = sampler::sample(
        &units,
        &request,
        &learner,
        &mut SeededRng::derive(seed, "sample", 0),
    );
    let items = deliver(store, exam, &units, &request, &learner, chosen, seed, now)?;
    Ok((items, repairing))
}
