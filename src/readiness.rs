//! Readiness: the probability of scoring at least the passing score on the next real exam, with an
//! 80 % interval of the score, from per-category mastery and its uncertainty.
//!
//! Each simulation draws the learner's ability in every category from its Beta estimate, draws an
//! exam form filled to the blueprint's shares (categories at random within a domain), answers each
//! item with that ability and scores it with the exam's own scaled-score rule. Pure and seeded.

use serde::Serialize;

use crate::exam::scaled_score;
use crate::mastery::Estimate;
use crate::random::SeededRng;

/// One domain of the blueprint with the estimates of its categories.
#[derive(Clone, Debug, PartialEq)]
pub struct DomainAbility {
    /// Normalised weight, percent.
    pub share: f64,
    /// Beta estimate per category.
    pub categories: Vec<Estimate>,
}

/// What the simulation concludes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Readiness {
    /// Probability of at least the passing score.
    pub pass_probability: f64,
    /// 10th percentile of the simulated scaled score.
    pub score_low: u32,
    /// Median simulated scaled score.
    pub score_median: u32,
    /// 90th percentile of the simulated scaled score.
    pub score_high: u32,
    /// Simulations run.
    pub simulations: usize,
}

/// The scoring rule of the exam being predicted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExamRule {
    /// Items per exam.
    pub items: usize,
    /// Fraction of points at the passing score.
    pub cut: f64,
    /// Passing score.
    pub passing: u32,
    /// Highest score.
    pub max_score: u32,
}

fn normal(rng: &mut SeededRng) -> f64 {
    // Box–Muller.
    let u1 = rng.unit().max(f64::MIN_POSITIVE);
    let u2 = rng.unit();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// A Gamma(shape, 1) draw (Marsaglia–Tsang; shape < 1 by boosting).
fn gamma(shape: f64, rng: &mut SeededRng) -> f64 {
    if shape < 1.0 {
        let u = rng.unit().max(f64::MIN_POSITIVE);
        return gamma(shape + 1.0, rng) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = rng.unit();
        if u < 1.0 - 0.0331 * x.powi(4) || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
            return d * v;
        }
    }
}

/// A Beta(α, β) draw.
pub fn beta(e: Estimate, rng: &mut SeededRng) -> f64 {
    let x = gamma(e.alpha.max(1e-6), rng);
    let y = gamma(e.beta.max(1e-6), rng);
    if x + y <= 0.0 { 0.5 } else { x / (x + y) }
}

/// Items per domain for an exam of `n` items (largest remainder of the shares).
pub fn quotas(domains: &[DomainAbility], n: usize) -> Vec<usize> {
    crate::sampler::largest_remainder(&domains.iter().map(|d| d.share).collect::<Vec<_>>(), n)
}

/// Simulates `simulations` exam forms.
pub fn simulate(
    domains: &[DomainAbility],
    rule: ExamRule,
    simulations: usize,
    rng: &mut SeededRng,
) -> Readiness {
    let quota = quotas(domains, rule.items);
    let mut scores = Vec::with_capacity(simulations);
    let mut passes = 0usize;
    let mut ability: Vec<Vec<f64>> = domains.iter().map(|d| vec![0.0; d.categories.len()]).collect();
    for _ in 0..simulations {
        for (d, domain) in domains.iter().enumerate() {
            for (c, e) in domain.categories.iter().enumerate() {
                ability[d][c] = beta(*e, rng);
            }
        }
        let mut right = 0u32;
        let mut total = 0u32;
        for (d, domain) in domains.iter().enumerate() {
            if domain.categories.is_empty() {
                continue;
            }
            for _ in 0..quota[d] {
                let c = rng.below(domain.categories.len());
                total += 1;
                right += u32::from(rng.unit() < ability[d][c]);
            }
        }
        let s = scaled_score(right, total, rule.cut, rule.passing, rule.max_score);
        passes += usize::from(s >= rule.passing);
        scores.push(s);
    }
    scores.sort_unstable();
    let pick = |q: f64| {
        scores
            .get(((scores.len().max(1) - 1) as f64 * q).round() as usize)
            .copied()
            .unwrap_or(1)
    };
    Readiness {
        pass_probability: passes as f64 / simulations.max(1) as f64,
        score_low: pick(0.1),
        score_median: pick(0.5),
        score_high: pick(0.9),
        simulations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> ExamRule {
        ExamRule {
            items: 50,
            cut: 0.7,
            passing: 700,
            max_score: 1000,
        }
    }

    #[test]
    fn beta_draws_have_the_right_mean() {
        let mut rng = SeededRng::new(1);
        let e = Estimate {
            alpha: 3.0,
            beta: 7.0,
        };
        let mean: f64 = (0..20_000).map(|_| beta(e, &mut rng)).sum::<f64>() / 20_000.0;
        assert!((mean - 0.3).abs() < 0.01, "{mean}");
        let small = Estimate {
            alpha: 0.5,
            beta: 0.5,
        };
        let m: f64 = (0..20_000).map(|_| beta(small, &mut rng)).sum::<f64>() / 20_000.0;
        assert!((m - 0.5).abs() < 0.02, "{m}");
    }

    #[test]
    fn strong_learners_pass_and_weak_ones_do_not() {
        let strong = vec![DomainAbility {
            share: 100.0,
            categories: vec![
                Estimate {
                    alpha: 90.0,
                    beta: 10.0
                };
                3
            ],
        }];
        let weak = vec![DomainAbility {
            share: 100.0,
            categories: vec![
                Estimate {
                    alpha: 30.0,
                    beta: 70.0
                };
                3
            ],
        }];
        let r = simulate(&strong, rule(), 2_000, &mut SeededRng::new(2));
        assert!(r.pass_probability > 0.95 && r.score_low <= r.score_median && r.score_median <= r.score_high);
        assert!(simulate(&weak, rule(), 2_000, &mut SeededRng::new(3)).pass_probability < 0.01);
    }

    /// Calibration on simulated learners with known abilities: among learners given a probability p
    /// of passing, about p of them pass. Abilities per category are uniform (the estimates' own
    /// Beta(1, 1) prior), each learner has answered 0–20 items per category, and the real exam is a
    /// blueprint form answered with the true abilities.
    #[test]
    fn readiness_is_calibrated_on_twenty_thousand_simulated_learners() {
        let learners = 20_000;
        let shares = [25.0, 20.0, 25.0, 30.0];
        let categories = 3;
        let mut rng = SeededRng::new(2026);
        let mut rows: Vec<(f64, bool)> = Vec::with_capacity(learners);
        for l in 0..learners {
            let truth: Vec<Vec<f64>> = shares
                .iter()
                .map(|_| (0..categories).map(|_| rng.unit()).collect())
                .collect();
            let domains: Vec<DomainAbility> = shares
                .iter()
                .zip(&truth)
                .map(|(share, ps)| DomainAbility {
                    share: *share,
                    categories: ps
                        .iter()
                        .map(|p| {
                            let n = rng.below(21);
                            let k = (0..n).filter(|_| rng.unit() < *p).count();
                            Estimate {
                                alpha: 1.0 + k as f64,
                                beta: 1.0 + (n - k) as f64,
                            }
                        })
                        .collect(),
                })
                .collect();
            let r = simulate(
                &domains,
                rule(),
                200,
                &mut SeededRng::derive(7, "learner", l as u64),
            );
            // The real exam, answered with the true abilities.
            let truth_domains: Vec<DomainAbility> = truth
                .iter()
                .zip(&shares)
                .map(|(ps, share)| DomainAbility {
                    share: *share,
                    categories: ps
                        .iter()
                        .map(|p| Estimate {
                            alpha: p * 1e7 + 1e-9,
                            beta: (1.0 - p) * 1e7 + 1e-9,
                        })
                        .collect(),
                })
                .collect();
            let real = simulate(
                &truth_domains,
                rule(),
                1,
                &mut SeededRng::derive(8, "exam", l as u64),
            );
            rows.push((r.pass_probability, real.pass_probability > 0.5));
        }
        let brier = rows
            .iter()
            .map(|(p, y)| (p - f64::from(u8::from(*y))).powi(2))
            .sum::<f64>()
            / rows.len() as f64;
        let mut worst: f64 = 0.0;
        for b in 0..10 {
            let (lo, hi) = (b as f64 / 10.0, (b + 1) as f64 / 10.0);
            let bin: Vec<&(f64, bool)> = rows
                .iter()
                .filter(|(p, _)| *p >= lo && (*p < hi || (b == 9 && *p <= 1.0)))
                .collect();
            if bin.len() < 30 {
                continue;
            }
            let n = bin.len() as f64;
            let predicted = bin.iter().map(|(p, _)| p).sum::<f64>() / n;
            let observed = bin.iter().filter(|(_, y)| *y).count() as f64 / n;
            let se = (predicted * (1.0 - predicted) / n).sqrt().max(1e-3);
            let gap = (predicted - observed).abs();
            eprintln!(
                "bin {lo:.1}–{hi:.1}: {n} learners, predicted {predicted:.3}, observed {observed:.3}, gap {gap:.3} ({:.1} SE)",
                gap / se
            );
            // Each learner's probability is itself estimated from 200 simulations; allow for that noise too.
            let noise = (predicted * (1.0 - predicted) / 200.0 / n).sqrt();
            assert!(
                gap <= 3.0 * (se + noise),
                "bin {lo:.1}: gap {gap:.3} exceeds 3 SE"
            );
            worst = worst.max(gap);
        }
        eprintln!("Brier score {brier:.4}, worst calibration gap {worst:.3}");
        assert!(worst < 0.05, "worst gap {worst:.3}");
        assert!(brier < 0.25, "Brier {brier:.4}");
    }
}
