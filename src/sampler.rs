//! Choosing the items of a mock exam: exam weight × the learner's weakness × novelty, always inside
//! the official domain ranges, never repeating an item.
//!
//! Pure and seeded: it takes the candidate units, the blueprint, what is known of the learner and a
//! [`SeededRng`], and returns the chosen units in exam order. It never touches the database or the
//! clock.

use std::collections::HashMap;

use crate::exam::Mode;
use crate::random::SeededRng;

/// Every category keeps at least this much weight, so strong areas still appear.
pub const WEAKNESS_FLOOR: f64 = 0.25;

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

/// Exact shares by largest remainder: the counts sum to `n`.
pub fn blueprint_quotas(domains: &[DomainSpec], n: usize) -> Vec<usize> {
    largest_remainder(&domains.iter().map(|d| d.share).collect::<Vec<_>>(), n)
}

/// Targeted shares: weight × (floor + weakness), kept inside the official bounds.
fn targeted_quotas(domains: &[DomainSpec], weakness: &[f64], n: usize) -> Vec<usize> {
    let bounds = domain_bounds(domains, n);
    let (lo_sum, hi_sum): (usize, usize) = bounds.iter().fold((0, 0), |(a, b), (l, h)| (a + l, b + h));
    if lo_sum > n || hi_sum < n {
        return blueprint_quotas(domains, n);
    }
    let desire: Vec<f64> = domains
        .iter()
        .zip(weakness)
        .map(|(d, w)| d.share * (WEAKNESS_FLOOR + w))
        .collect();
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

/// Chooses units for a mock exam; returns their indices in exam order (case studies last).
///
/// Domain counts follow the quotas (exact shares in blueprint mode; inside the official ranges,
/// leaning towards weak domains, in targeted mode). Within a domain, units are drawn without
/// replacement with weight (floor + weakness) × novelty (novelty only in blueprint mode). If the bank
/// cannot fill a quota, other domains make up the difference, within their ranges first.
pub fn sample(units: &[Unit], request: &Request, learner: &Learner, rng: &mut SeededRng) -> Vec<usize> {
    // Never more than there is to draw: a huge count would only make the quotas loop.
    let n = request.count.min(units.iter().map(|u| u.members.len()).sum());
    let index_of = |domain: &str| request.domains.iter().position(|d| d.id == domain);
    let domain_weakness: Vec<f64> = request
        .domains
        .iter()
        .map(|d| {
            let ws: Vec<f64> = units
                .iter()
                .flat_map(|u| &u.members)
                .filter(|m| m.domain == d.id)
                .map(|m| learner.weakness(m))
                .collect();
            if ws.is_empty() {
                0.5
            } else {
                ws.iter().sum::<f64>() / ws.len() as f64
            }
        })
        .collect();
    let quotas = match request.mode {
        Mode::Blueprint => blueprint_quotas(&request.domains, n),
        Mode::Targeted => targeted_quotas(&request.domains, &domain_weakness, n),
    };
    let bounds = domain_bounds(&request.domains, n);

    // Efraimidis–Spirakis: key = u^(1/w); the largest keys form a weighted sample without
    // replacement. Units outside the requested domains are never eligible.
    let mut keyed: Vec<(f64, usize)> = Vec::with_capacity(units.len());
    for (i, unit) in units.iter().enumerate() {
        if unit.members.is_empty() || unit.members.iter().any(|m| index_of(&m.domain).is_none()) {
            continue;
        }
        let weight = unit
            .members
            .iter()
            .map(|m| match request.mode {
                Mode::Targeted => (WEAKNESS_FLOOR + learner.weakness(m)) * learner.novelty(m),
                Mode::Blueprint => learner.novelty(m),
            })
            .sum::<f64>()
            / unit.members.len() as f64;
        let u = rng.unit().max(f64::MIN_POSITIVE);
        keyed.push((u.powf(1.0 / weight.max(1e-6)), i));
    }
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));

    let mut counts = vec![0usize; request.domains.len()];
    let mut taken = vec![false; units.len()];
    let mut chosen: Vec<usize> = Vec::new();
    let mut cases = 0;
    let mut total = 0;
    // Pass 1 fills the quotas; pass 2 lets domains grow to their official maximum; pass 3 takes
    // whatever remains when the bank is too small for the ranges.
    for pass in 0..3 {
        for (_, i) in &keyed {
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn bank(domains: &[DomainSpec], per_domain: usize, with_case: bool) -> Vec<Unit> {
        let mut units = Vec::new();
        for d in domains {
            for k in 0..per_domain {
                units.push(Unit {
                    members: vec![Member {
                        question: format!("{}-{k}", d.id),
                        family: format!("{}-{k}", d.id),
                        domain: d.id.clone(),
                        category: format!("c{}", k % 3),
                    }],
                    is_case: false,
                });
            }
            if with_case {
                units.push(Unit {
                    members: (0..3)
                        .map(|k| Member {
                            question: format!("{}-case-{k}", d.id),
                            family: format!("{}-case-{k}", d.id),
                            domain: d.id.clone(),
                            category: "c0".into(),
                        })
                        .collect(),
                    is_case: true,
                });
            }
        }
        units
    }

    fn az104() -> Vec<DomainSpec> {
        let ranges = [
            ("identity", 20.0, 25.0),
            ("storage", 15.0, 20.0),
            ("compute", 20.0, 25.0),
            ("networking", 15.0, 20.0),
            ("monitoring", 10.0, 15.0),
        ];
        ranges
            .iter()
            .map(|(id, lo, hi)| DomainSpec {
                id: (*id).into(),
                share: (lo + hi) / 2.0 * 100.0 / 92.5,
                low: *lo,
                high: *hi,
            })
            .collect()
    }

    fn counts(units: &[Unit], chosen: &[usize], domains: &[DomainSpec]) -> Vec<usize> {
        domains
            .iter()
            .map(|d| {
                chosen
                    .iter()
                    .flat_map(|i| &units[*i].members)
                    .filter(|m| m.domain == d.id)
                    .count()
            })
            .collect()
    }

    #[test]
    fn weak_domains_get_more_items_within_their_range() {
        let domains = az104();
        let units = bank(&domains, 60, false);
        let mut learner = Learner::default();
        for k in 0..3 {
            learner
                .weakness
                .insert(("networking".into(), format!("c{k}")), 0.95);
            for d in ["identity", "storage", "compute", "monitoring"] {
                learner.weakness.insert((d.into(), format!("c{k}")), 0.05);
            }
        }
        let request = Request {
            count: 50,
            mode: Mode::Targeted,
            domains: domains.clone(),
            max_cases: 1,
        };
        let chosen = sample(&units, &request, &learner, &mut SeededRng::new(3));
        let c = counts(&units, &chosen, &domains);
        assert_eq!(c.iter().sum::<usize>(), 50);
        assert_eq!(c[3], 10, "networking rises to the top of its 15–20 % range");
    }

    #[test]
    fn pool_plan_reads_everything_from_small_banks_and_a_proportional_slice_of_large_ones() {
        assert_eq!(pool_plan(&[10, 20, 30], 100), None);
        let plan = pool_plan(&[50_000, 30_000, 20_000, 3], 2_000).unwrap_or_default();
        assert_eq!(plan, vec![1_000, 600, 400, 1]);
    }

    #[test]
    fn recently_seen_families_are_damped() {
        let domains = vec![DomainSpec {
            id: "d".into(),
            share: 100.0,
            low: 100.0,
            high: 100.0,
        }];
        let units = bank(&domains, 40, false);
        let mut learner = Learner::default();
        for k in 0..20 {
            learner.novelty.insert(format!("d-{k}"), 0.05);
        }
        let request = Request {
            count: 10,
            mode: Mode::Blueprint,
            domains,
            max_cases: 0,
        };
        let chosen = sample(&units, &request, &learner, &mut SeededRng::new(9));
        let seen = chosen.iter().filter(|i| **i < 20).count();
        assert!(seen <= 2, "{seen} recently seen items of 10");
    }

    fn spec_strategy() -> impl Strategy<Value = Vec<DomainSpec>> {
        prop::collection::vec((5.0f64..40.0, 0.0f64..8.0), 2..6).prop_map(|raw| {
            let mid: f64 = raw.iter().map(|(m, _)| m).sum();
            raw.iter()
                .enumerate()
                .map(|(i, (m, spread))| {
                    let share = m * 100.0 / mid;
                    DomainSpec {
                        id: format!("d{i}"),
                        share,
                        low: (share - spread).max(1.0),
                        high: share + spread,
                    }
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn never_repeats_and_keeps_domains_inside_their_ranges(
            domains in spec_strategy(),
            n in 10usize..80,
            seed in any::<u64>(),
            targeted in any::<bool>(),
            with_case in any::<bool>(),
            weak in prop::collection::vec(0.0f64..1.0, 6),
        ) {
            let units = bank(&domains, 100, with_case);
            let mut learner = Learner::default();
            for (i, d) in domains.iter().enumerate() {
                learner.weakness.insert((d.id.clone(), "c0".into()), weak[i]);
            }
            let mode = if targeted { Mode::Targeted } else { Mode::Blueprint };
            let request = Request { count: n, mode, domains: domains.clone(), max_cases: 1 };
            let chosen = sample(&units, &request, &learner, &mut SeededRng::new(seed));
            let mut questions: Vec<&str> = chosen.iter().flat_map(|i| &units[*i].members).map(|m| m.question.as_str()).collect();
            prop_assert_eq!(questions.len(), n);
            questions.sort_unstable();
            questions.dedup();
            prop_assert_eq!(questions.len(), n, "no repeats");
            let c = counts(&units, &chosen, &domains);
            let bounds = domain_bounds(&domains, n);
            let feasible = bounds.iter().map(|b| b.0).sum::<usize>() <= n && bounds.iter().map(|b| b.1).sum::<usize>() >= n;
            if mode == Mode::Blueprint {
                prop_assert_eq!(c, blueprint_quotas(&domains, n));
            } else if feasible {
                for (d, (lo, hi)) in bounds.iter().enumerate() {
                    prop_assert!(c[d] >= *lo && c[d] <= *hi, "domain {} has {} outside {}..={}", d, c[d], lo, hi);
                }
            }
        }

        #[test]
        fn the_same_seed_draws_the_same_exam(seed in any::<u64>()) {
            let domains = az104();
            let units = bank(&domains, 30, true);
            let request = Request { count: 40, mode: Mode::Targeted, domains, max_cases: 1 };
            let a = sample(&units, &request, &Learner::default(), &mut SeededRng::new(seed));
            let b = sample(&units, &request, &Learner::default(), &mut SeededRng::new(seed));
            prop_assert_eq!(a, b);
        }
    }
}
