//! Per-category ability estimates: a recency-weighted Beta estimate from every answered item.
//!
//! Evidence is kept as two decaying sums (successes and failures, in points fractions) so that
//! updating and reading cost the same whatever the length of the history: a 1 M-answer learner is
//! as quick to sample for as a new one. Evidence halves every [`HALF_LIFE_DAYS`]. Pure: the store
//! keeps the sums, this module does the arithmetic.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Evidence older by this many days counts half as much.
pub const HALF_LIFE_DAYS: f64 = 30.0;

/// Decaying evidence about one category, valid at `as_of`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Weighted sum of the right fraction of each answer.
    pub successes: f64,
    /// Weighted sum of the wrong fraction of each answer.
    pub failures: f64,
    /// When the sums were last brought up to date.
    pub as_of: DateTime<Utc>,
}

fn decay_factor(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    let days = (to - from).num_milliseconds().max(0) as f64 / 86_400_000.0;
    0.5_f64.powf(days / HALF_LIFE_DAYS)
}

impl Evidence {
    /// No evidence yet.
    pub fn empty(at: DateTime<Utc>) -> Self {
        Evidence {
            successes: 0.0,
            failures: 0.0,
            as_of: at,
        }
    }

    /// The evidence as it stands at `at` (older evidence has faded).
    pub fn at(&self, at: DateTime<Utc>) -> Evidence {
        let f = decay_factor(self.as_of, at);
        Evidence {
            successes: self.successes * f,
            failures: self.failures * f,
            as_of: at.max(self.as_of),
        }
    }

    /// Adds one answer: `points` of `max_points` right, given at `at`, counting `weight` (1 for a
    /// real answer; less for pseudo-observations such as an official score report).
    pub fn add(&self, points: u32, max_points: u32, weight: f64, at: DateTime<Utc>) -> Evidence {
        let mut e = self.at(at);
        if max_points > 0 {
            let right = f64::from(points.min(max_points)) / f64::from(max_points);
            e.successes += weight * right;
            e.failures += weight * (1.0 - right);
        }
        e
    }

    /// The Beta estimate at `at`, with a uniform Beta(1, 1) prior.
    pub fn estimate(&self, at: DateTime<Utc>) -> Estimate {
        let e = self.at(at);
        Estimate {
            alpha: 1.0 + e.successes,
            beta: 1.0 + e.failures,
        }
    }
}

/// A Beta(α, β) belief about the chance of answering an item of a category right.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// 1 + weighted successes.
    pub alpha: f64,
    /// 1 + weighted failures.
    pub beta: f64,
}

impl Estimate {
    /// No evidence: Beta(1, 1), mastery 0.5.
    pub const UNIFORM: Estimate = Estimate {
        alpha: 1.0,
        beta: 1.0,
    };

    /// Expected mastery (probability of a right answer).
    pub fn mastery(&self) -> f64 {
        self.alpha / (self.alpha + self.beta)
    }

    /// 1 − mastery.
    pub fn weakness(&self) -> f64 {
        1.0 - self.mastery()
    }

    /// Total weight of evidence behind the estimate.
    pub fn evidence(&self) -> f64 {
        self.alpha + self.beta - 2.0
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn no_history_is_uniform() {
        assert_eq!(Evidence::empty(t0()).estimate(t0()), Estimate::UNIFORM);
        assert!((Estimate::UNIFORM.mastery() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn wrong_answers_raise_weakness_and_fade_with_time() {
        let e = Evidence::empty(t0())
            .add(0, 1, 1.0, t0())
            .add(0, 1, 1.0, t0())
            .add(1, 1, 1.0, t0());
        let now = e.estimate(t0());
        assert!((now.mastery() - 2.0 / 5.0).abs() < 1e-12);
        let later = e.estimate(t0() + Duration::days(30));
        assert!(
            (later.evidence() - 1.5).abs() < 1e-9,
            "half the evidence after one half-life"
        );
        assert!(later.weakness() < now.weakness());
    }

    #[test]
    fn partial_credit_splits_the_evidence() {
        let e = Evidence::empty(t0()).add(2, 3, 1.0, t0());
        assert!((e.successes - 2.0 / 3.0).abs() < 1e-12 && (e.failures - 1.0 / 3.0).abs() < 1e-12);
    }
}
