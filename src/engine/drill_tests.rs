//! Unit tests of the drill workflow, on a temp store with the mini bank.

use chrono::Duration;

use super::*;
use crate::engine::testing::{clock, fixture};
use crate::store::DrillAnswer;

fn settings() -> Settings {
    Settings {
        timezone: crate::zone::Zone::utc(),
        ..Settings::default()
    }
}

fn exams(f: &crate::engine::testing::Fixture) -> Vec<ExamSummary> {
    f.store.exams().unwrap_or_default()
}

fn opts(new: usize) -> DrillOptions {
    DrillOptions {
        new: Some(new),
        seed: Some(11),
        ..DrillOptions::default()
    }
}

fn right_text(card: &Card) -> Option<String> {
    match &card.face {
        Face::Quiz(item) => Some(display_response(
            &answer_as_response(&item.instance.answer),
            &item.shuffle,
        )),
        Face::Flash(_) => None,
    }
}

#[test]
fn answers_get_their_own_times_and_a_slow_right_answer_is_rated_hard() -> Result<()> {
    let mut f = fixture()?;
    let c = clock("2026-12-04T09:00:00Z");
    // Five earlier right answers of every type, 10 seconds each: the learner's usual pace.
    let items: Vec<(String, String, String, String)> = [
        "mini-sas-001",
        "mini-sas-002",
        "mini-sas-003",
        "mini-red-001",
        "mini-nsg-001",
        "mini-nsg-002",
        "mini-nsg-003",
    ]
    .iter()
    .filter_map(|id| {
        let q = f.store.questions(&f.exam.code, &[id]).ok()?.pop()?;
        Some((
            q.id.0.clone(),
            q.family.0.clone(),
            q.domain.0.clone(),
            q.category.0.clone(),
        ))
    })
    .collect();
    for (id, family, domain, category) in &items {
        for k in 0..5 {
            f.store.record_drill_answer(
                &DrillAnswer {
                    exam: &f.exam.code,
                    item: id,
                    family,
                    domain,
                    category,
                    variant: None,
                    points: 1,
                    max_points: 1,
                    seconds: 10.0,
                    seen_before: false,
                    at: c.now - Duration::days(30) + Duration::minutes(k),
                },
                &|e: Option<crate::mastery::Evidence>| {
                    e.unwrap_or_else(|| crate::mastery::Evidence::empty(c.now))
                },
            )?;
        }
    }
    let ex = exams(&f);
    let Begun::Run(mut run) = begin(&mut f.store, &ex, &opts(20), &settings(), &c)? else {
        panic!("new cards are due");
    };
    let mut now = c.now;
    let mut hard = false;
    let mut graded_times = Vec::new();
    while let Some(card) = run.next_card(&mut f.store, now)?.cloned() {
        now += Duration::seconds(90); // slow: far above the usual 10 s
        let g = match right_text(&card) {
            Some(text) => run.grade_quiz(&mut f.store, &text, now)?,
            None => run.grade_flash(&mut f.store, Rating::Good, now)?,
        };
        if g.correct == Some(true) {
            hard |= g.rating == Rating::Hard;
            assert!((g.seconds - 90.0).abs() < 1e-9);
        }
        graded_times.push(now);
    }
    assert!(hard, "a right answer nine times slower than usual is rated Hard");
    let log = f.store.review_log()?;
    assert!(log.len() >= 2);
    assert!(
        log.windows(2).all(|w| w[0].time < w[1].time),
        "every review has its own, later time"
    );
    Ok(())
}

#[test]
fn undo_restores_the_card_the_counts_and_the_same_form() -> Result<()> {
    let mut f = fixture()?;
    let c = clock("2026-12-04T09:00:00Z");
    let ex = exams(&f);
    let Begun::Run(mut run) = begin(&mut f.store, &ex, &opts(3), &settings(), &c)? else {
        panic!("new cards are due");
    };
    let card = run
        .next_card(&mut f.store, c.now)?
        .cloned()
        .ok_or(EngineError::NothingInProgress)?;
    let before = run.tally();
    let g = match right_text(&card) {
        Some(_) => run.grade_quiz(&mut f.store, "Z", c.now),
        None => run.grade_flash(&mut f.store, Rating::Again, c.now),
    };
    let g = match g {
        Err(EngineError::BadAnswer(_)) => run.grade_flash(&mut f.store, Rating::Again, c.now)?,
        other => other?,
    };
    assert_eq!(g.rating, Rating::Again);
    assert!(f.store.family_card(&card.exam, &card.family)?.is_some());
    assert_eq!(run.undo(&mut f.store, c.now)?, Some(card.family.clone()));
    assert_eq!(run.tally(), before);
    assert!(f.store.family_card(&card.exam, &card.family)?.is_none());
    let again = run
        .next_card(&mut f.store, c.now)?
        .cloned()
        .ok_or(EngineError::NothingInProgress)?;
    assert_eq!(again.family, card.family);
    assert_eq!(again.position, card.position);
    assert_eq!(format!("{:?}", again.face), format!("{:?}", card.face));
    assert_eq!(run.undo(&mut f.store, c.now)?, None);
    Ok(())
}

#[test]
fn no_new_family_once_the_review_limit_is_reached() -> Result<()> {
    let mut f = fixture()?;
    let c = clock("2026-12-04T09:00:00Z");
    let mut s = settings();
    s.reviews_per_day = 0;
    let ex = exams(&f);
    let begun = begin(&mut f.store, &ex, &DrillOptions::default(), &s, &c)?;
    assert!(matches!(begun, Begun::Nothing { .. }));
    s.reviews_per_day = 2;
    let Begun::Run(run) = begin(&mut f.store, &ex, &DrillOptions::default(), &s, &c)? else {
        panic!("two new cards fit");
    };
    assert_eq!(run.queue.len(), 2);
    Ok(())
}

#[test]
fn showing_a_card_reads_only_its_family_from_an_index() -> Result<()> {
    let f = fixture()?;
    let plan = f.store.query_plan(
        "SELECT id, type, body FROM items WHERE exam = ?1 AND family = ?2 AND active = 1 ORDER BY id",
        &["MINI-1", "x"],
    )?;
    assert!(plan.contains("USING INDEX items_by_family"), "{plan}");
    assert!(!plan.contains("SCAN items"), "{plan}");
    assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    Ok(())
}
