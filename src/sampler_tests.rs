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

/// A bank of single questions: `sizes[d][c]` questions in category `c` of domain `d`.
fn uneven_bank(domains: &[DomainSpec], sizes: &[Vec<usize>]) -> Vec<Unit> {
    let mut units = Vec::new();
    for (d, spec) in domains.iter().enumerate() {
        for (c, size) in sizes[d].iter().enumerate() {
            for k in 0..*size {
                let id = format!("{}-c{c}-{k}", spec.id);
                units.push(Unit {
                    members: vec![Member {
                        question: id.clone(),
                        family: id,
                        domain: spec.id.clone(),
                        category: format!("c{c}"),
                    }],
                    is_case: false,
                });
            }
        }
    }
    units
}

fn category_share(units: &[Unit], chosen: &[usize], domain: &str, category: &str) -> f64 {
    let members: Vec<&Member> = chosen.iter().flat_map(|i| &units[*i].members).collect();
    members
        .iter()
        .filter(|m| m.domain == domain && m.category == category)
        .count() as f64
        / members.len().max(1) as f64
}

#[test]
fn a_clearly_weak_category_gets_several_times_its_blueprint_share_and_strong_ones_still_appear() {
    let domains = az104();
    let sizes: Vec<Vec<usize>> = domains.iter().map(|_| vec![12; 4]).collect();
    let units = uneven_bank(&domains, &sizes);
    let mut learner = Learner::default();
    for d in &domains {
        for c in 0..4 {
            learner.weakness.insert((d.id.clone(), format!("c{c}")), 0.1);
        }
    }
    learner.weakness.insert(("storage".into(), "c1".into()), 0.6);
    learner.weakness.insert(("compute".into(), "c2".into()), 0.55);
    let (mut weak, mut strong, mut blueprint) = (0.0, 0.0, 0.0);
    let runs = 200;
    for seed in 0..runs {
        let mut request = Request {
            count: 20,
            mode: Mode::Targeted,
            domains: domains.clone(),
            max_cases: 0,
        };
        let chosen = sample(&units, &request, &learner, &mut SeededRng::new(seed));
        weak += category_share(&units, &chosen, "storage", "c1")
            + category_share(&units, &chosen, "compute", "c2");
        strong += category_share(&units, &chosen, "identity", "c0");
        request.mode = Mode::Blueprint;
        let chosen = sample(&units, &request, &learner, &mut SeededRng::new(seed));
        blueprint += category_share(&units, &chosen, "storage", "c1")
            + category_share(&units, &chosen, "compute", "c2");
    }
    let (weak, strong, blueprint) = (weak / runs as f64, strong / runs as f64, blueprint / runs as f64);
    assert!(
        weak >= 2.5 * blueprint,
        "weak share {weak:.3} against a blueprint {blueprint:.3}"
    );
    assert!(strong > 0.01, "a strong category still appears ({strong:.3})");
}

#[test]
fn blueprint_mode_ignores_weakness_within_a_domain() {
    let domains = vec![DomainSpec {
        id: "d".into(),
        share: 100.0,
        low: 100.0,
        high: 100.0,
    }];
    let units = uneven_bank(&domains, &[vec![30, 30]]);
    let mut learner = Learner::default();
    learner.weakness.insert(("d".into(), "c0".into()), 0.9);
    learner.weakness.insert(("d".into(), "c1".into()), 0.05);
    let request = Request {
        count: 10,
        mode: Mode::Blueprint,
        domains,
        max_cases: 0,
    };
    let share: f64 = (0..300)
        .map(|seed| {
            category_share(
                &units,
                &sample(&units, &request, &learner, &mut SeededRng::new(seed)),
                "d",
                "c0",
            )
        })
        .sum::<f64>()
        / 300.0;
    assert!(
        (share - 0.5).abs() < 0.03,
        "weak category share {share:.3} in blueprint mode"
    );
}

#[test]
fn randomised_rounding_gives_a_small_mock_its_monitoring_share_on_average() {
    let domains = az104();
    let mut total = vec![0usize; domains.len()];
    let runs = 4_000;
    for seed in 0..runs {
        let q = randomised_quotas(&domains, 20, &mut SeededRng::new(seed));
        assert_eq!(q.iter().sum::<usize>(), 20);
        for (t, x) in total.iter_mut().zip(&q) {
            *t += x;
        }
    }
    let monitoring = total[4] as f64 / (20 * runs) as f64;
    assert!(
        (monitoring - 12.5 / 92.5).abs() < 0.004,
        "monitoring share {monitoring:.4}"
    );
    assert_eq!(
        blueprint_quotas(&domains, 20)[4],
        2,
        "deterministic rounding always gave 2 (10 %)"
    );
}

#[test]
fn refill_replaces_a_lost_item_by_one_of_the_same_category_first() {
    let domains = az104();
    let sizes: Vec<Vec<usize>> = domains.iter().map(|_| vec![6, 6]).collect();
    let units = uneven_bank(&domains, &sizes);
    let request = Request {
        count: 20,
        mode: Mode::Blueprint,
        domains: domains.clone(),
        max_cases: 0,
    };
    let learner = Learner::default();
    let chosen = sample(&units, &request, &learner, &mut SeededRng::new(5));
    let lost: Vec<Member> = chosen
        .iter()
        .take(3)
        .map(|i| units[*i].members[0].clone())
        .collect();
    let extra = refill(
        &units,
        &request,
        &learner,
        &chosen,
        &lost,
        &HashSet::new(),
        &mut SeededRng::new(6),
    );
    assert_eq!(extra.len(), 3);
    for (m, e) in lost.iter().zip(&extra) {
        let r = &units[*e].members[0];
        assert!(!chosen.contains(e), "a new unit");
        assert_eq!((&r.domain, &r.category), (&m.domain, &m.category));
    }
    // With every unit taken the bank is exhausted: nothing comes back.
    let all: Vec<usize> = (0..units.len()).collect();
    assert!(
        refill(
            &units,
            &request,
            &learner,
            &all,
            &lost,
            &HashSet::new(),
            &mut SeededRng::new(6)
        )
        .is_empty()
    );
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
        let feasible = feasible(&bounds, n);
        if mode == Mode::Blueprint {
            // Randomised rounding: each domain gets its exact share rounded down or up.
            let total: f64 = domains.iter().map(|d| d.share).sum();
            for (d, spec) in domains.iter().enumerate() {
                let exact = spec.share / total * n as f64;
                let near = (c[d] as f64 - exact).abs() < 1.0 + 1e-9;
                let (lo, hi) = bounds[d];
                prop_assert!(near || (c[d] >= lo && c[d] <= hi), "domain {} has {} for an exact {}", d, c[d], exact);
            }
        }
        if feasible {
            for (d, (lo, hi)) in bounds.iter().enumerate() {
                prop_assert!(c[d] >= *lo && c[d] <= *hi, "domain {} has {} outside {}..={}", d, c[d], lo, hi);
            }
        }
    }

    #[test]
    fn no_mock_is_shorter_than_asked_while_eligible_items_remain(
        domains in spec_strategy(),
        sizes in prop::collection::vec(prop::collection::vec(0usize..6, 1..4), 6),
        n in 1usize..60,
        seed in any::<u64>(),
        targeted in any::<bool>(),
        weak in prop::collection::vec(0.0f64..1.0, 6),
        lost_count in 0usize..5,
    ) {
        let units = uneven_bank(&domains, &sizes[..domains.len()]);
        let mut learner = Learner::default();
        for (i, d) in domains.iter().enumerate() {
            learner.weakness.insert((d.id.clone(), "c0".into()), weak[i]);
        }
        let mode = if targeted { Mode::Targeted } else { Mode::Blueprint };
        let request = Request { count: n, mode, domains: domains.clone(), max_cases: 1 };
        let chosen = sample(&units, &request, &learner, &mut SeededRng::new(seed));
        prop_assert_eq!(chosen.len(), n.min(units.len()));
        // Lose some delivered items: refill makes the mock whole again while units remain.
        let lost: Vec<Member> = chosen.iter().take(lost_count).map(|i| units[*i].members[0].clone()).collect();
        let extra = refill(&units, &request, &learner, &chosen, &lost, &HashSet::new(), &mut SeededRng::new(seed ^ 1));
        prop_assert_eq!(extra.len(), lost.len().min(units.len() - chosen.len()));
        let mut all: Vec<usize> = chosen.iter().chain(&extra).copied().collect();
        all.sort_unstable();
        all.dedup();
        prop_assert_eq!(all.len(), chosen.len() + extra.len(), "no repeats");
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

proptest! {
    // Each case draws 400 mocks.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn blueprint_domain_shares_equal_the_weights_on_average(
        domains in spec_strategy(),
        n in 5usize..40,
        seed in any::<u64>(),
    ) {
        let units = bank(&domains, 40, false);
        let request = Request { count: n, mode: Mode::Blueprint, domains: domains.clone(), max_cases: 0 };
        let runs = 400;
        let mut total = vec![0usize; domains.len()];
        for k in 0..runs {
            let chosen = sample(&units, &request, &Learner::default(), &mut SeededRng::derive(seed, "runs", k));
            let c = counts(&units, &chosen, &domains);
            let bounds = domain_bounds(&domains, n);
            for (d, (lo, hi)) in bounds.iter().enumerate() {
                prop_assert!(c[d] >= *lo && c[d] <= *hi, "domain {} has {} outside {}..={}", d, c[d], lo, hi);
            }
            for (t, x) in total.iter_mut().zip(&c) {
                *t += x;
            }
        }
        let weight_sum: f64 = domains.iter().map(|d| d.share).sum();
        for (d, spec) in domains.iter().enumerate() {
            let share = total[d] as f64 / (runs as usize * n) as f64;
            let weight = spec.share / weight_sum;
            // The count is ⌊x⌋ or ⌈x⌉ with the right odds: its standard error over the runs is at
            // most 0.5 / √runs items.
            prop_assert!((share - weight).abs() * n as f64 <= 4.0 * 0.5 / (runs as f64).sqrt() + 1e-9,
                "domain {} share {:.4} against its weight {:.4}", d, share, weight);
        }
    }
}
