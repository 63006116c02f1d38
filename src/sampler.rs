//! Choosing the items of a mock exam: exam weight × what practising a category is worth × novelty,
//! always inside the official domain ranges, never repeating an item, never short while the bank
//! has eligible items.
//!
//! Pure and seeded: it takes the candidate units, the blueprint, what is known of the learner and a
//! [`SeededRng`], and returns the chosen units in exam order. It never touches the database or the
//! clock.
//!
//! Two modes (DESIGN §3 decision 6):
//!
//! * **targeted** gives a category items in proportion to its exam weight (its share of the domain's
//!   questions) × [`practice_worth`]: the squared shortfall of its estimated mastery below
//!   [`TARGET_MASTERY`], plus a floor so strong categories still appear. A clearly weak category gets
//!   several times its blueprint share while it stays weak. Domains lean towards the weak ones only
//!   inside their official ranges.
//! * **blueprint** is the honest measurement: each domain's count is its exact share rounded up or
//!   down at random (so its share over many mocks equals its weight), and within a domain items are
//!   drawn without regard to weakness.

use std::collections::{HashMap, HashSet};

use crate::exam::Mode;
use crate::random::SeededRng;

/// Every category keeps at least this much worth (see [`practice_worth`]), so strong areas still
/// appear in a targeted mock.
pub const WEAKNESS_FLOOR: f64 = 0.005;

/// The estimated mastery (chance of a right answer) above which practising a category is worth only
/// the floor: comfortably above the 70 % a pass needs.
pub const TARGET_MASTERY: f64 = 0.85;

/// What practising a category is worth, per unit of exam weight, given its weakness (1 − estimated
/// mastery): [`WEAKNESS_FLOOR`] + the square of the shortfall below [`TARGET_MASTERY`]. Squared
/// because both what an item teaches and the score at stake grow with the shortfall: a category
/// answered 35 % right is worth about twelve times one answered 75 % right. The estimate is a Beta
/// mean that starts at 0.5 and moves only with evidence, so uncertainty counts as weakness: an
/// unseen category is worth as much as one answered half right.
pub fn practice_worth(weakness: f64) -> f64 {
    let shortfall = (weakness - (1.0 - TARGET_MASTERY)).max(0.0);
    WEAKNESS_FLOOR + shortfall * shortfall
}

/// One question of a unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Question id.
    pub question: String,
    /// Family id.
    pub family: String,
    /// Domain id.
    pub domain: String,
    /// Category id.
    pub category: String,
}

/// What is drawn: a single question, or a whole case study (its members in order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// The questions, in order.
    pub members: Vec<Member>,
    /// Whether the unit is a case study.
    pub is_case: bool,
}

/// A domain of the blueprint, with its official range (percent).
#[derive(Clone, Debug, PartialEq)]
pub struct DomainSpec {
    /// Domain id.
    pub id: String,
    /// Normalised share, percent.
    pub share: f64,
    /// Lowest official percentage.
    pub low: f64,
    /// Highest official percentage.
    pub high: f64,
}

/// What the learner model says, per category and per family.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Learner {
    /// Weakness (1 − mastery) per `(domain, category)`; missing means 0.5.
    pub weakness: HashMap<(String, String), f64>,
    /// Novelty factor per family in (0, 1]; missing means 1 (never seen).
    pub novelty: HashMap<String, f64>,
}

impl Learner {
    fn weakness(&self, m: &Member) -> f64 {
        self.weakness
            .get(&(m.domain.clone(), m.category.clone()))
            .copied()
            .unwrap_or(0.5)
    }

    fn novelty(&self, m: &Member) -> f64 {
        self.novelty
            .get(&m.family)
            .copied()
            .unwrap_or(1.0)
            .clamp(0.01, 1.0)
    }

    /// The sampling weight of one member: worth (targeted) or 1 (blueprint), times its novelty
    /// relative to its category's mean novelty. Novelty picks *which* questions of a category come
    /// (the least recently seen), never *how many*: otherwise practising a weak category would make
    /// its questions stale and hand its share to the categories not practised, and a blueprint mock
    /// would lean towards what the learner has not needed to practise — strong categories — and
    /// read easier than the exam.
    fn weight(&self, m: &Member, mode: Mode, category_novelty: f64) -> f64 {
        let novelty = self.novelty(m) / category_novelty.max(0.01);
        match mode {
            Mode::Targeted => practice_worth(self.weakness(m)) * novelty,
            Mode::Blueprint => novelty,
        }
    }
}

/// What to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// Items wanted (case-study members count one each).
    pub count: usize,
    /// Targeted or blueprint.
    pub mode: Mode,
    /// The domains to draw from.
    pub domains: Vec<DomainSpec>,
    /// At most this many case studies.
    pub max_cases: usize,
}

/// How many questions to read from each category so that a large bank yields a candidate pool of
/// about `pool` questions, proportional to the categories' sizes (each at least one). `None` when
/// the whole bank is smaller than the pool: then every question is a candidate. This keeps
/// start-up flat in bank size while the sampler still weighs weakness and novelty within the pool.
pub fn pool_plan(sizes: &[u64], pool: usize) -> Option<Vec<usize>> {
    let total: u64 = sizes.iter().sum();
    if total <= pool as u64 {
        return None;
    }
    Some(
        sizes
            .iter()
            .map(|s| {
                let share = (*s as f64 * pool as f64 / total as f64).ceil() as usize;
                share.clamp(1, usize::try_from(*s).unwrap_or(usize::MAX))
            })
            .collect(),
    )
}

/// Official bounds of each domain's item count for `n` items: `⌊low·n⌋ ..= ⌈high·n⌉`.
pub fn domain_bounds(domains: &[DomainSpec], n: usize) -> Vec<(usize, usize)> {
    domains
        .iter()
        .map(|d| {
            let lo = (d.low * n as f64 / 100.0 + 1e-9).floor() as usize;
            let hi = (d.high * n as f64 / 100.0 - 1e-9).ceil() as usize;
            (lo, hi.max(lo))
        })
        .collect()
}

/// Whether some split of `n` items fits every domain's bounds.
fn feasible(bounds: &[(usize, usize)], n: usize) -> bool {
    bounds.iter().map(|b| b.0).sum::<usize>() <= n && bounds.iter().map(|b| b.1).sum::<usize>() >= n
}

/// Splits `n` in proportion to `weights` by largest remainder: the counts sum to `n` (ties go to the
/// earlier weight).
pub fn largest_remainder(weights: &[f64], n: usize) -> Vec<usize> {
    let total: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let exact: Vec<f64> = weights.iter().map(|w| w / total * n as f64).collect();
    let mut q: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|a, b| {
        (exact[*b] - q[*b] as f64)
            .total_cmp(&(exact[*a] - q[*a] as f64))
            .then(a.cmp(b))
    });
    let left = n.saturating_sub(q.iter().sum());
    for i in order.into_iter().cycle().take(left) {
        q[i] += 1;
    }
    q
}

/// Exact shares by largest remainder: the counts sum to `n`. Deterministic, so a small mock always
/// rounds the same way (a 20-item AZ-104 mock would always get 2 monitoring items, 10 % against a
/// 13.5 % weight); mocks use [`randomised_quotas`] instead.
pub fn blueprint_quotas(domains: &[DomainSpec], n: usize) -> Vec<usize> {
    largest_remainder(&domains.iter().map(|d| d.share).collect::<Vec<_>>(), n)
}

/// Randomised rounding of the exact shares: each domain gets ⌊share·n⌋ or ⌈share·n⌉ items, the
/// latter with probability equal to the fractional part (systematic sampling from one uniform draw),
/// so the counts sum to `n` and each domain's expected count is exactly `share·n`. Counts that would
/// leave an official range (only when a share lies outside its own range) are moved back inside.
pub fn randomised_quotas(domains: &[DomainSpec], n: usize, rng: &mut SeededRng) -> Vec<usize> {
    let total: f64 = domains
        .iter()
        .map(|d| d.share)
        .sum::<f64>()
        .max(f64::MIN_POSITIVE);
    let exact: Vec<f64> = domains.iter().map(|d| d.share / total * n as f64).collect();
    let mut q: Vec<usize> = exact.iter().map(|x| (x + 1e-9).floor() as usize).collect();
    let u = rng.unit();
    let mut before = 0.0;
    for (i, x) in exact.iter().enumerate() {
        let frac = (x - q[i] as f64).max(0.0);
        let after = before + frac;
        // Points u, u+1, u+2, … on the line: a domain whose stretch holds one gets the extra item.
        if (after - u).ceil() > (before - u).ceil() {
            q[i] += 1;
        }
        before = after;
    }
    // Floating-point drift can leave the sum one off: settle it on the largest remainders.
    while q.iter().sum::<usize>() < n {
        let Some(i) =
            (0..q.len()).max_by(|a, b| (exact[*a] - q[*a] as f64).total_cmp(&(exact[*b] - q[*b] as f64)))
        else {
            break;
        };
        q[i] += 1;
    }
    while q.iter().sum::<usize>() > n {
        let Some(i) = (0..q.len())
            .filter(|i| q[*i] > 0)
            .max_by(|a, b| (q[*a] as f64 - exact[*a]).total_cmp(&(q[*b] as f64 - exact[*b])))
        else {
            break;
        };
        q[i] -= 1;
    }
    into_bounds(&mut q, &exact, &domain_bounds(domains, n));
    q
}

/// Moves items between domains until every count is inside its bounds (when some split can be).
fn into_bounds(q: &mut [usize], target: &[f64], bounds: &[(usize, usize)]) {
    if !feasible(bounds, q.iter().sum()) {
        return;
    }
    for _ in 0..q.iter().sum::<usize>() * 2 + 2 {
        let low = (0..q.len()).find(|i| q[*i] < bounds[*i].0);
        let high = (0..q.len()).find(|i| q[*i] > bounds[*i].1);
        let (from, to) = match (low, high) {
            (None, None) => return,
            (Some(to), Some(from)) => (Some(from), to),
            (Some(to), None) => (
                (0..q.len())
                    .filter(|i| q[*i] > bounds[*i].0)
                    .max_by(|a, b| (q[*a] as f64 - target[*a]).total_cmp(&(q[*b] as f64 - target[*b]))),
                to,
            ),
            (None, Some(from)) => {
                let to = (0..q.len())
                    .filter(|i| q[*i] < bounds[*i].1)
                    .max_by(|a, b| (target[*a] - q[*a] as f64).total_cmp(&(target[*b] - q[*b] as f64)));
                match to {
                    Some(to) => (Some(from), to),
                    None => return,
                }
            }
        };
        let Some(from) = from else { return };
        q[from] -= 1;
        q[to] += 1;
    }
}

/// Targeted shares: weight × average practice worth of the domain's questions, kept inside the
/// official bounds.
fn targeted_quotas(domains: &[DomainSpec], worth: &[f64], n: usize) -> Vec<usize> {
    let bounds = domain_bounds(domains, n);
    if !feasible(&bounds, n) {
        return blueprint_quotas(domains, n);
    }
    let lo_sum: usize = bounds.iter().map(|b| b.0).sum();
    let desire: Vec<f64> = domains.iter().zip(worth).map(|(d, w)| d.share * w).collect();
    let total: f64 = desire.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let target: Vec<f64> = desire.iter().map(|d| d / total * n as f64).collect();
    let mut q: Vec<usize> = bounds.iter().map(|(l, _)| *l).collect();
    for _ in lo_sum..n {
        let pick = (0..domains.len())
            .filter(|i| q[*i] < bounds[*i].1)
            .max_by(|a, b| {
                (target[*a] - q[*a] as f64)
                    .total_cmp(&(target[*b] - q[*b] as f64))
                    .then(b.cmp(a))
            });
        match pick {
            Some(i) => q[i] += 1,
            None => break,
        }
    }
    q
}

/// Efraimidis–Spirakis keys: u^(1/w) for every eligible unit, largest first; the order is a weighted
/// sample without replacement. Units outside the requested domains are never eligible.
fn keyed_order(units: &[Unit], request: &Request, learner: &Learner, rng: &mut SeededRng) -> Vec<usize> {
    let index_of = |domain: &str| request.domains.iter().position(|d| d.id == domain);
    let eligible =
        |unit: &Unit| !unit.members.is_empty() && unit.members.iter().all(|m| index_of(&m.domain).is_some());
    let mut novelty: HashMap<(&str, &str), (f64, usize)> = HashMap::new();
    for m in units.iter().filter(|u| eligible(u)).flat_map(|u| &u.members) {
        let e = novelty
            .entry((m.domain.as_str(), m.category.as_str()))
            .or_default();
        e.0 += learner.novelty(m);
        e.1 += 1;
    }
    let mean_novelty = |m: &Member| {
        novelty
            .get(&(m.domain.as_str(), m.category.as_str()))
            .map_or(1.0, |(sum, n)| sum / (*n).max(1) as f64)
    };
    let mut keyed: Vec<(f64, usize)> = Vec::with_capacity(units.len());
    for (i, unit) in units.iter().enumerate() {
        if !eligible(unit) {
            continue;
        }
        let weight = unit
            .members
            .iter()
            .map(|m| learner.weight(m, request.mode, mean_novelty(m)))
            .sum::<f64>()
            / unit.members.len() as f64;
        let u = rng.unit().max(f64::MIN_POSITIVE);
        keyed.push((u.powf(1.0 / weight.max(1e-6)), i));
    }
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// Chooses units for a mock exam; returns their indices in exam order (case studies last).
///
/// Domain counts follow the quotas ([`randomised_quotas`] in blueprint mode; inside the official
/// ranges, leaning towards domains worth practising, in targeted mode). Within a domain, units are
/// drawn without replacement with weight [`practice_worth`] (targeted) or 1 (blueprint) × novelty
/// relative to the category's mean novelty. If the bank cannot fill a quota, other domains make up the difference, within their
/// ranges first: the mock is short only when the eligible units run out.
pub fn sample(units: &[Unit], request: &Request, learner: &Learner, rng: &mut SeededRng) -> Vec<usize> {
    // Never more than there is to draw: a huge count would only make the quotas loop.
    let n = request.count.min(units.iter().map(|u| u.members.len()).sum());
    let index_of = |domain: &str| request.domains.iter().position(|d| d.id == domain);
    let quotas = match request.mode {
        Mode::Blueprint => randomised_quotas(&request.domains, n, rng),
        Mode::Targeted => {
            let worth: Vec<f64> = request
                .domains
                .iter()
                .map(|d| {
                    let ws: Vec<f64> = units
                        .iter()
                        .flat_map(|u| &u.members)
                        .filter(|m| m.domain == d.id)
                        .map(|m| practice_worth(learner.weakness(m)))
                        .collect();
                    if ws.is_empty() {
                        practice_worth(0.5)
                    } else {
                        ws.iter().sum::<f64>() / ws.len() as f64
                    }
                })
                .collect();
            targeted_quotas(&request.domains, &worth, n)
        }
    };
    let bounds = domain_bounds(&request.domains, n);
    let order = keyed_order(units, request, learner, rng);

    let mut counts = vec![0usize; request.domains.len()];
    let mut taken = vec![false; units.len()];
    let mut chosen: Vec<usize> = Vec::new();
    let mut cases = 0;
    let mut total = 0;
    // Pass 1 fills the quotas; pass 2 lets domains grow to their official maximum; pass 3 takes
    // whatever remains when the bank is too small for the ranges.
    for pass in 0..3 {
        for i in &order {
            if total >= n {
                break;
            }
            let unit = &units[*i];
            if taken[*i] || (unit.is_case && cases >= request.max_cases) || total + unit.members.len() > n {
                continue;
            }
            let mut add = vec![0usize; request.domains.len()];
            for m in &unit.members {
                if let Some(d) = index_of(&m.domain) {
                    add[d] += 1;
                }
            }
            let fits = add.iter().enumerate().all(|(d, a)| {
                *a == 0
                    || match pass {
                        0 => counts[d] + a <= quotas[d],
                        1 => counts[d] + a <= bounds[d].1.max(quotas[d]),
                        _ => true,
                    }
            });
            if !fits {
                continue;
            }
            taken[*i] = true;
            for (d, a) in add.iter().enumerate() {
                counts[d] += a;
            }
            total += unit.members.len();
            cases += usize::from(unit.is_case);
            chosen.push(*i);
        }
    }
    let (mut singles, case_units): (Vec<usize>, Vec<usize>) =
        chosen.into_iter().partition(|i| !units[*i].is_case);
    rng.shuffle(&mut singles);
    singles.extend(case_units);
    singles
}

/// Replacements for items of a drawn mock that could not be delivered (a family in repair whose
/// only remaining form is a variation prompt, or whose replacement is already in the mock): for each
/// lost member, in order, a single-question unit of the same category, else of the same domain,
/// else of any requested domain — drawn with the same weights as [`sample`], never one of `taken`
/// nor one whose question is in `excluded`. The mock keeps its length, and its domain counts, while
/// the bank has eligible items; an empty answer means the bank is exhausted.
pub fn refill(
    units: &[Unit],
    request: &Request,
    learner: &Learner,
    taken: &[usize],
    lost: &[Member],
    excluded: &HashSet<String>,
    rng: &mut SeededRng,
) -> Vec<usize> {
    let order = keyed_order(units, request, learner, rng);
    let mut used: HashSet<usize> = taken.iter().copied().collect();
    let eligible = |i: usize, used: &HashSet<usize>| {
        let u = &units[i];
        !u.is_case && u.members.len() == 1 && !used.contains(&i) && !excluded.contains(&u.members[0].question)
    };
    let mut extra = Vec::new();
    for m in lost {
        let tiers: [&dyn Fn(&Member) -> bool; 3] = [
            &|c: &Member| c.domain == m.domain && c.category == m.category,
            &|c: &Member| c.domain == m.domain,
            &|_: &Member| true,
        ];
        let pick = tiers.iter().find_map(|tier| {
            order
                .iter()
                .copied()
                .find(|i| eligible(*i, &used) && tier(&units[*i].members[0]))
        });
        if let Some(i) = pick {
            used.insert(i);
            extra.push(i);
        }
    }
    extra
}

#[cfg(test)]
#[path = "sampler_tests.rs"]
mod tests;
