//! Scoring like Microsoft's reports: raw points to the 1–1000 scale with the cut exactly on the
//! passing score, per-domain percentages, and the skills to prioritise.

use serde::Serialize;

use crate::bank::{DomainId, Exam, Weight};

/// Maps raw points to the scaled score: piecewise linear, `cut` of the points lands exactly on
/// `passing`, all points on `max_score`, none on 1. Rounded down, so 699.9 fails.
pub fn scaled_score(points: u32, max_points: u32, cut: f64, passing: u32, max_score: u32) -> u32 {
    if max_points == 0 {
        return 1;
    }
    let points = points.min(max_points);
    // Exactly at the cut (compared in integers, so no float rounding can make 700 into 699).
    let cut_ppm = (cut * 1_000_000.0).round() as u64;
    if u64::from(points) * 1_000_000 == cut_ppm * u64::from(max_points) {
        return passing;
    }
    let f = f64::from(points) / f64::from(max_points);
    let value = if f < cut {
        1.0 + f64::from(passing - 1) * f / cut
    } else {
        f64::from(passing) + f64::from(max_score - passing) * (f - cut) / (1.0 - cut)
    };
    let floored = (value + 1e-9).floor();
    // Never let rounding carry a failing fraction onto the passing score or past the maximum.
    let s = floored.clamp(1.0, f64::from(max_score)) as u32;
    if f < cut { s.min(passing - 1) } else { s }
}

/// One domain's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DomainResult {
    /// Domain id.
    pub id: DomainId,
    /// Official name.
    pub name: String,
    /// Official weight.
    #[serde(skip)]
    pub weight: Weight,
    /// Normalised weight, percent.
    #[serde(rename = "weight")]
    pub share: f64,
    /// Points earned.
    pub points: u32,
    /// Points possible.
    pub max_points: u32,
    /// `points / max_points` as a percentage, `None` when the domain had no items.
    pub percent: Option<f64>,
    /// The exam's repair action for this domain.
    #[serde(skip)]
    pub repair: String,
}

/// The scored outcome of an attempt.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreSummary {
    /// Raw points earned (disputed items excluded).
    pub points: u32,
    /// Raw points possible (disputed items excluded).
    pub max_points: u32,
    /// The 1–1000 scaled score.
    pub scaled: u32,
    /// Whether `scaled >= passing_score`.
    pub passed: bool,
    /// Per domain, in blueprint order.
    pub domains: Vec<DomainResult>,
}

/// Scores items given as `(domain, points, max_points)` (leave disputed items out).
pub fn summarize(exam: &Exam, items: &[(&str, u32, u32)]) -> ScoreSummary {
    let mut domains: Vec<DomainResult> = exam
        .domains
        .iter()
        .map(|d| DomainResult {
            id: d.id.clone(),
            name: d.name.clone(),
            weight: d.weight,
            share: d.share,
            points: 0,
            max_points: 0,
            percent: None,
            repair: d.repair.clone(),
        })
        .collect();
    let (mut points, mut max_points) = (0, 0);
    for (domain, p, m) in items {
        points += p;
        max_points += m;
        if let Some(d) = domains.iter_mut().find(|d| d.id.as_str() == *domain) {
            d.points += p;
            d.max_points += m;
        }
    }
    for d in &mut domains {
        d.percent = (d.max_points > 0).then(|| f64::from(d.points) * 100.0 / f64::from(d.max_points));
    }
    let scaled = scaled_score(points, max_points, exam.cut, exam.passing_score, exam.max_score);
    ScoreSummary {
        points,
        max_points,
        scaled,
        passed: scaled >= exam.passing_score,
        domains,
    }
}

impl ScoreSummary {
    /// The weakest domains by weight × shortfall (largest first), at most `n`, only those below
    /// 100 %.
    pub fn priorities(&self, n: usize) -> Vec<&DomainResult> {
        let mut ranked: Vec<(&DomainResult, f64)> = self
            .domains
            .iter()
            .filter_map(|d| d.percent.map(|p| (d, d.share * (100.0 - p))))
            .filter(|(_, gap)| *gap > 0.0)
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked.into_iter().take(n).map(|(d, _)| d).collect()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_cut_lands_exactly_on_the_passing_score() {
        assert_eq!(scaled_score(35, 50, 0.70, 700, 1000), 700);
        assert_eq!(scaled_score(7, 10, 0.70, 700, 1000), 700);
        assert_eq!(scaled_score(0, 50, 0.70, 700, 1000), 1);
        assert_eq!(scaled_score(50, 50, 0.70, 700, 1000), 1000);
        assert_eq!(scaled_score(34, 50, 0.70, 700, 1000), 680);
        assert_eq!(scaled_score(36, 50, 0.70, 700, 1000), 720);
    }

    #[test]
    fn just_below_the_cut_fails() {
        // 699/1000 of the points: the scaled value is 699.x and must round down.
        assert!(scaled_score(699, 1000, 0.70, 700, 1000) < 700);
    }

    proptest! {
        #[test]
        fn scaled_scores_stay_in_range_and_rise_with_points(max in 1u32..400, a in 0u32..400, b in 0u32..400, cut in 0.5f64..0.9) {
            let (lo, hi) = (a.min(b).min(max), a.max(b).min(max));
            let s_lo = scaled_score(lo, max, cut, 700, 1000);
            let s_hi = scaled_score(hi, max, cut, 700, 1000);
            prop_assert!((1..=1000).contains(&s_lo) && (1..=1000).contains(&s_hi));
            prop_assert!(s_lo <= s_hi);
            let f = f64::from(hi) / f64::from(max);
            prop_assert_eq!(s_hi >= 700, f >= cut - 1e-12);
        }

        #[test]
        fn exactly_the_cut_scores_exactly_the_passing_score(k in 1u32..100) {
            prop_assert_eq!(scaled_score(7 * k, 10 * k, 0.70, 700, 1000), 700);
        }
    }
}
