//! Memory states of families: one FSRS review applied and recorded (the due date on the learner's
//! calendar, lapses, the leech rule), for drills and for the answers of a finished mock exam.

use chrono::{DateTime, Duration, Utc};

use super::repair::Source;
use super::settings::Settings;
use super::{EngineError, Result};
use crate::exam::SessionItem;
use crate::schedule::{LEARNING_STEP_MINUTES, Rating, rating_for_answer};
use crate::store::{FamilyCard, NewReview, Store};

/// One review to apply: which surface form of which family was shown, and how it went.
pub struct Given<'a> {
    /// Exam code.
    pub exam: &'a str,
    /// Family id.
    pub family: &'a str,
    /// Domain of the family.
    pub domain: &'a str,
    /// Category of the family.
    pub category: &'a str,
    /// The item shown.
    pub item: &'a str,
    /// The variant shown.
    pub variant: Option<&'a str>,
    /// The rating.
    pub rating: Rating,
    /// Where the review came from.
    pub source: Source,
    /// When.
    pub at: DateTime<Utc>,
    /// Time spent.
    pub seconds: Option<f64>,
}

/// Applies one review to a family and records it: the FSRS step, the due date on the learner's
/// calendar (a learning step later today after Again), lapses and the leech rule.
pub fn review_family(store: &mut Store, settings: &Settings, g: &Given) -> Result<(i64, FamilyCard)> {
    let Given {
        exam,
        family,
        domain,
        category,
        item,
        variant,
        rating,
        source,
        at,
        seconds,
    } = *g;
    let scheduler = settings.scheduler()?;
    let clock = settings.clock(at).days();
    let card = store.family_card(exam, family)?;
    let elapsed = card
        .as_ref()
        .map_or(0, |c| (clock.day(at) - clock.day(c.last_review)).max(0));
    let state = card.as_ref().map(|c| fsrs::MemoryState {
        stability: c.stability,
        difficulty: c.difficulty,
    });
    let outcome = scheduler
        .review(state, u32::try_from(elapsed).unwrap_or(u32::MAX), rating)
        .map_err(EngineError::Scheduler)?;
    let due = if outcome.interval_days == 0 {
        at + Duration::minutes(LEARNING_STEP_MINUTES)
    } else {
        clock.day_start(clock.day(at) + i64::from(outcome.interval_days))
    };
    let reps = card.as_ref().map_or(0, |c| c.reps) + 1;
    // A lapse is forgetting a family already learned on an earlier day.
    let lapse = rating == Rating::Again && elapsed > 0 && card.is_some();
    let lapses = card.as_ref().map_or(0, |c| c.lapses) + i64::from(lapse);
    let after = FamilyCard {
        exam: exam.to_owned(),
        family: family.to_owned(),
        domain: domain.to_owned(),
        category: category.to_owned(),
        stability: outcome.state.stability,
        difficulty: outcome.state.difficulty,
        due,
        last_review: at,
        reps,
        lapses,
        suspended: lapses >= settings.leech_threshold,
        last_item: Some(item.to_owned()),
        last_variant: variant.map(str::to_owned),
    };
    let id = store.record_review(&NewReview {
        exam: exam.to_owned(),
        family: family.to_owned(),
        item: item.to_owned(),
        variant: variant.map(str::to_owned),
        source: source.as_str(),
        at,
        rating: rating.number(),
        elapsed_days: u32::try_from(elapsed).unwrap_or(u32::MAX),
        scheduled_days: outcome.interval_days,
        after: after.clone(),
        seconds,
    })?;
    Ok((id, after))
}

/// Records the answers of a finished mock exam as reviews of their families.
pub fn review_mock_answers(
    store: &mut Store,
    exam: &str,
    items: &[SessionItem],
    at: DateTime<Utc>,
) -> Result<()> {
    let (settings, _) = Settings::load(store)?;
    for item in items.iter().filter(|i| !i.disputed) {
        let inst = &item.instance;
        let usual = store.usual_seconds(inst.item_type().as_str(), 5)?;
        let rating = rating_for_answer(item.correct(), item.seconds, usual);
        review_family(
            store,
            &settings,
            &Given {
                exam,
                family: inst.family.as_str(),
                domain: inst.domain.as_str(),
                category: inst.category.as_str(),
                item: inst.question.as_str(),
                variant: inst.variant.as_deref(),
                rating,
                source: Source::Mock,
                at,
                seconds: Some(item.seconds),
            },
        )?;
    }
    Ok(())
}
