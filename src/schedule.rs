//! Spaced repetition on FSRS-6 through the maintained `fsrs` crate (the engine Anki ships): memory
//! states, next intervals, learner days, ratings from answered items, and evaluation and
//! optimisation of parameters on review logs.
//!
//! Pure: review times, "now" and parameters come in as values; nothing here touches the database,
//! files or the clock. Evaluation metrics are computed here as the open FSRS benchmark
//! (srs-benchmark) defines them — every review scored except each card's first and same-day ones —
//! because the crate's own `evaluate` weights reviews by recency.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};

use crate::zone::Zone;
use fsrs::{ComputeParametersInput, DEFAULT_PARAMETERS, FSRS, FSRSItem, FSRSReview, MemoryState};
use serde::{Deserialize, Serialize};

/// Number of FSRS-6 parameters.
pub const PARAMETER_COUNT: usize = 21;

/// The FSRS-6 default parameters.
pub fn default_parameters() -> Vec<f32> {
    DEFAULT_PARAMETERS.to_vec()
}

/// A self-grade or an automatic rating.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Rating {
    /// Forgotten.
    Again = 1,
    /// Recalled with difficulty.
    Hard = 2,
    /// Recalled.
    Good = 3,
    /// Recalled easily.
    Easy = 4,
}

impl Rating {
    /// From 1–4.
    pub fn from_number(n: u8) -> Option<Rating> {
        match n {
            1 => Some(Rating::Again),
            2 => Some(Rating::Hard),
            3 => Some(Rating::Good),
            4 => Some(Rating::Easy),
            _ => None,
        }
    }

    /// 1–4.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The word shown to learners.
    pub fn name(self) -> &'static str {
        match self {
            Rating::Again => "again",
            Rating::Hard => "hard",
            Rating::Good => "good",
            Rating::Easy => "easy",
        }
    }
}

/// A quiz answer's automatic rating: wrong → Again; right but well above the learner's usual time
/// for that item type (more than twice the median of at least five earlier right answers) → Hard;
/// right → Good.
pub fn rating_for_answer(fully_right: bool, seconds: f64, usual_seconds: Option<f64>) -> Rating {
    match (fully_right, usual_seconds) {
        (false, _) => Rating::Again,
        (true, Some(usual)) if usual > 0.0 && seconds > 2.0 * usual => Rating::Hard,
        (true, _) => Rating::Good,
    }
}

/// How the learner's days are cut: a time zone and the hour a new day starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayClock {
    /// The learner's time zone (offsets per instant, so daylight-saving changes are right).
    pub zone: Zone,
    /// Hour (0–23) at which a new day starts (Anki's default is 4).
    pub day_starts_at: u32,
}

impl DayClock {
    /// The learner-day number of an instant (days since 1970-01-01 in the learner's calendar).
    pub fn day(&self, t: DateTime<Utc>) -> i64 {
        let local = self.zone.local(t) - Duration::hours(i64::from(self.day_starts_at));
        local
            .date_naive()
            .signed_duration_since(chrono::NaiveDate::default())
            .num_days()
    }

    /// The instant learner-day `day` begins.
    pub fn day_start(&self, day: i64) -> DateTime<Utc> {
        let date = chrono::NaiveDate::default() + Duration::days(day);
        let time = NaiveTime::from_hms_opt(self.day_starts_at.min(23), 0, 0).unwrap_or_default();
        self.zone
            .instant(date.and_time(time))
            .unwrap_or_else(|| Utc.from_utc_datetime(&date.and_time(time)))
    }

    /// The learner's calendar date of learner-day `day`.
    pub fn date(&self, day: i64) -> chrono::NaiveDate {
        chrono::NaiveDate::default() + Duration::days(day)
    }
}

/// The scheduler: FSRS with the learner's parameters and desired retention.
pub struct Scheduler {
    fsrs: FSRS,
    decay: f32,
    /// Desired retention, e.g. 0.90.
    pub retention: f32,
}

/// What a review does to a family.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    /// Memory state after the review.
    pub state: MemoryState,
    /// Days until the next review (0 for a learning step later today).
    pub interval_days: u32,
}

/// Minutes before a family rated Again comes back in the same session (a learning step).
pub const LEARNING_STEP_MINUTES: i64 = 10;

impl Scheduler {
    /// A scheduler for these parameters (21 numbers) and retention.
    pub fn new(parameters: &[f32], retention: f32) -> Result<Scheduler, String> {
        if parameters.len() != PARAMETER_COUNT {
            return Err(format!(
                "FSRS-6 needs {PARAMETER_COUNT} parameters, got {}",
                parameters.len()
            ));
        }
        if !(0.5..=0.99).contains(&retention) {
            return Err(format!(
                "desired retention {retention} must be between 0.5 and 0.99"
            ));
        }
        let fsrs = FSRS::new(parameters).map_err(|e| format!("invalid FSRS parameters: {e:?}"))?;
        Ok(Scheduler {
            fsrs,
            decay: parameters[20],
            retention,
        })
    }

    /// Probability of recall after `days` with this state.
    pub fn retrievability(&self, state: MemoryState, days: f32) -> f32 {
        fsrs::current_retrievability(state, days.max(0.0), self.decay)
    }

    /// Applies a review: the new memory state and the days until the next review. Again gives a
    /// learning step (0 days: later in the same session).
    pub fn review(
        &self,
        state: Option<MemoryState>,
        elapsed_days: u32,
        rating: Rating,
    ) -> Result<Outcome, String> {
        let next = self
            .fsrs
            .next_states(state, self.retention, elapsed_days)
            .map_err(|e| format!("scheduling failed: {e:?}"))?;
        let item = match rating {
            Rating::Again => next.again,
            Rating::Hard => next.hard,
            Rating::Good => next.good,
            Rating::Easy => next.easy,
        };
        let interval_days = match rating {
            Rating::Again => 0,
            _ => (item.interval.round().max(1.0) as u32).min(36_500),
        };
        Ok(Outcome {
            state: item.memory,
            interval_days,
        })
    }
}

/// One review of a review log.
#[derive(Clone, Debug, PartialEq)]
pub struct LoggedReview {
    /// Opaque card id.
    pub card: String,
    /// When.
    pub time: DateTime<Utc>,
    /// 1–4.
    pub rating: u8,
}

/// Reads a revlog CSV: a header naming `card_id`, `review_time` (RFC 3339 or Unix milliseconds)
/// and `rating` (1–4); other columns are ignored; rows in any order. Errors name the line.
pub fn parse_revlog(text: &str) -> Result<Vec<LoggedReview>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("line 1: cannot read the header: {e}"))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                format!("line 1: the header has no \"{name}\" column (it needs card_id, review_time, rating)")
            })
    };
    let (card, time, rating) = (column("card_id")?, column("review_time")?, column("rating")?);
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| format!("line {line}: {e}"))?;
        let field = |c: usize| record.get(c).unwrap_or("").trim();
        let t = field(time);
        let at = match t.parse::<i64>() {
            Ok(ms) => Utc.timestamp_millis_opt(ms).single(),
            Err(_) => DateTime::parse_from_rfc3339(t)
                .ok()
                .map(|d| d.with_timezone(&Utc)),
        }
        .ok_or_else(|| {
            format!("line {line}: review_time \"{t}\" is neither RFC 3339 nor Unix milliseconds")
        })?;
        let r = field(rating);
        let rating = r
            .parse::<u8>()
            .ok()
            .filter(|n| (1..=4).contains(n))
            .ok_or_else(|| format!("line {line}: rating \"{r}\" must be 1, 2, 3 or 4"))?;
        out.push(LoggedReview {
            card: field(card).to_owned(),
            time: at,
            rating,
        });
    }
    Ok(out)
}

/// Each card's reviews as `(learner day, rating)` in time order.
pub fn histories(reviews: &[LoggedReview], clock: DayClock) -> Vec<Vec<(i64, u8)>> {
    let mut by_card: BTreeMap<&str, Vec<(DateTime<Utc>, u8)>> = BTreeMap::new();
    for r in reviews {
        by_card
            .entry(r.card.as_str())
            .or_default()
            .push((r.time, r.rating));
    }
    by_card
        .into_values()
        .map(|mut v| {
            v.sort_by_key(|(t, _)| *t);
            v.into_iter().map(|(t, r)| (clock.day(t), r)).collect()
        })
        .collect()
}

fn fsrs_reviews(history: &[(i64, u8)]) -> Vec<FSRSReview> {
    let mut prev = None;
    history
        .iter()
        .map(|(day, rating)| {
            let delta = prev.map_or(0, |p: i64| (day - p).max(0));
            prev = Some(*day);
            FSRSReview {
                rating: u32::from(*rating),
                delta_t: u32::try_from(delta).unwrap_or(u32::MAX),
            }
        })
        .collect()
}

/// How well parameters predict a review history.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// Reviews scored.
    pub reviews: usize,
    /// Mean binary cross-entropy.
    pub log_loss: f64,
    /// RMSE over bins of interval, review count and lapse count.
    pub rmse_bins: f64,
    /// Area under the ROC curve.
    pub auc: f64,
}

/// The srs-benchmark bin of a scored review: interval, long-term review count, lapse count.
fn bin(reviews: &[FSRSReview]) -> (u64, u64, u64) {
    let (history, current) = reviews.split_at(reviews.len() - 1);
    let delta_t = f64::from(current[0].delta_t);
    let delta_bin = (2.48 * 3.62f64.powf(delta_t.log(3.62).floor()) * 100.0).round() as u64;
    let length = reviews.iter().filter(|r| r.delta_t > 0).count() as f64 + 1.0;
    let length_bin = (1.99 * 1.89f64.powf(length.log(1.89).floor())).round() as u64;
    let lapses = history.iter().filter(|r| r.rating == 1 && r.delta_t > 0).count();
    let lapse_bin = if lapses == 0 {
        0
    } else {
        (1.65 * 1.73f64.powf((lapses as f64).log(1.73).floor())).round() as u64
    };
    (delta_bin, length_bin, lapse_bin)
}

/// Area under the ROC curve (ties share their average rank).
fn auc(scored: &mut [(f64, bool)]) -> f64 {
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let positives = scored.iter().filter(|(_, y)| *y).count() as f64;
    let negatives = scored.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return 0.5;
    }
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < scored.len() {
        let mut j = i;
        while j + 1 < scored.len() && scored[j + 1].0 == scored[i].0 {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += avg_rank * scored[i..=j].iter().filter(|(_, y)| *y).count() as f64;
        i = j + 1;
    }
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

/// Scores parameters on review histories: every review except each card's first and same-day ones.
pub fn evaluate(parameters: &[f32], cards: &[Vec<(i64, u8)>]) -> Result<Evaluation, String> {
    let scheduler = Scheduler::new(parameters, 0.9)?;
    let mut scored: Vec<(f64, bool)> = Vec::new();
    let mut bins: BTreeMap<(u64, u64, u64), (f64, f64, f64)> = BTreeMap::new();
    let mut loss = 0.0;
    for history in cards {
        if history.len() < 2 {
            continue;
        }
        let reviews = fsrs_reviews(history);
        let states = scheduler
            .fsrs
            .historical_memory_states(
                FSRSItem {
                    reviews: reviews.clone(),
                },
                None,
            )
            .map_err(|e| format!("cannot compute memory states: {e:?}"))?;
        for i in 1..reviews.len() {
            if reviews[i].delta_t == 0 {
                continue;
            }
            let p = f64::from(scheduler.retrievability(states[i - 1], reviews[i].delta_t as f32))
                .clamp(1e-6, 1.0 - 1e-6);
            let y = reviews[i].rating > 1;
            loss -= if y { p.ln() } else { (1.0 - p).ln() };
            let b = bins.entry(bin(&reviews[..=i])).or_default();
            b.0 += p;
            b.1 += f64::from(u8::from(y));
            b.2 += 1.0;
            scored.push((p, y));
        }
    }
    let n = scored.len();
    if n == 0 {
        return Err("no review to score: each card needs a review on a later day than its first".into());
    }
    let total: f64 = bins.values().map(|b| b.2).sum();
    let rmse = (bins
        .values()
        .map(|(p, y, c)| (p / c - y / c).powi(2) * c)
        .sum::<f64>()
        / total)
        .sqrt();
    Ok(Evaluation {
        reviews: n,
        log_loss: loss / n as f64,
        rmse_bins: rmse,
        auc: auc(&mut scored),
    })
}

/// Fits FSRS-6 parameters to review histories with the crate's optimiser.
pub fn optimize(cards: &[Vec<(i64, u8)>]) -> Result<Vec<f32>, String> {
    let mut train_set = Vec::new();
    for history in cards {
        let reviews = fsrs_reviews(history);
        for i in 1..reviews.len() {
            if reviews[i].delta_t > 0 {
                train_set.push(FSRSItem {
                    reviews: reviews[..=i].to_vec(),
                });
            }
        }
    }
    if train_set.is_empty() {
        return Err(
            "no reviews to learn from: each card needs a review on a later day than its first".into(),
        );
    }
    fsrs::compute_parameters(ComputeParametersInput {
        train_set,
        ..ComputeParametersInput::default()
    })
    .map_err(|e| format!("optimisation failed: {e:?}"))
}

#[cfg(test)]
mod tests {
    use chrono::FixedOffset;
    use proptest::prelude::*;

    use super::*;

    fn clock(offset_hours: i32, start: u32) -> DayClock {
        DayClock {
            zone: Zone::Fixed(FixedOffset::east_opt(offset_hours * 3600).unwrap()),
            day_starts_at: start,
        }
    }

    #[test]
    fn days_honour_the_time_zone_and_start_hour() {
        let c = clock(-7, 4);
        let t = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&Utc))
                .unwrap_or_default()
        };
        // 10:30 UTC is 03:30 at UTC-7: still the previous learner day until 04:00 local.
        assert_eq!(c.day(t("2024-04-02T10:30:00Z")), c.day(t("2024-04-01T20:00:00Z")));
        assert_eq!(
            c.day(t("2024-04-02T11:30:00Z")),
            c.day(t("2024-04-01T20:00:00Z")) + 1
        );
        let d = c.day(t("2024-04-02T11:30:00Z"));
        assert_eq!(c.day_start(d), t("2024-04-02T11:00:00Z"));
    }

    #[test]
    fn ratings_follow_correctness_and_time() {
        assert_eq!(rating_for_answer(false, 10.0, Some(20.0)), Rating::Again);
        assert_eq!(rating_for_answer(true, 50.0, Some(20.0)), Rating::Hard);
        assert_eq!(rating_for_answer(true, 30.0, Some(20.0)), Rating::Good);
        assert_eq!(rating_for_answer(true, 300.0, None), Rating::Good);
    }

    #[test]
    fn a_new_card_rated_good_waits_the_fsrs_interval() -> Result<(), String> {
        let s = Scheduler::new(&default_parameters(), 0.9)?;
        let good = s.review(None, 0, Rating::Good)?;
        // With retention 0.9 the interval equals the initial Good stability, w[2], rounded.
        assert_eq!(good.interval_days, DEFAULT_PARAMETERS[2].round() as u32);
        assert_eq!(s.review(None, 0, Rating::Again)?.interval_days, 0);
        Ok(())
    }

    #[test]
    fn auc_of_a_perfect_ranking_is_one() {
        let mut v = vec![(0.1, false), (0.9, true), (0.2, false), (0.8, true)];
        assert!((auc(&mut v) - 1.0).abs() < 1e-12);
        let mut ties = vec![(0.5, false), (0.5, true)];
        assert!((auc(&mut ties) - 0.5).abs() < 1e-12);
    }

    proptest! {
        #[test]
        fn a_better_rating_never_gives_a_shorter_interval(
            s in 0.1f32..200.0, d in 1.0f32..10.0, elapsed in 0u32..400, retention in 0.7f32..0.97,
        ) {
            let sched = Scheduler::new(&default_parameters(), retention).map_err(TestCaseError::fail)?;
            let state = Some(MemoryState { stability: s, difficulty: d });
            let mut last = 0;
            for r in [Rating::Again, Rating::Hard, Rating::Good, Rating::Easy] {
                let o = sched.review(state, elapsed, r).map_err(TestCaseError::fail)?;
                prop_assert!(o.interval_days >= last, "{:?} gave {} < {}", r, o.interval_days, last);
                last = o.interval_days;
            }
        }
    }
}
