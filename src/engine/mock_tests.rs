//! Unit tests of the mock-exam workflow, on a temp store with the mini bank.

use chrono::Duration;

use super::*;
use crate::engine::testing::{at, clock, fixture};
use crate::store::StoreError;

fn request(count: usize) -> StartRequest {
    StartRequest {
        count: Some(count),
        minutes: Some(10.0),
        domains: Vec::new(),
        mode: Mode::Blueprint,
        practice: false,
        abandon: false,
        seed: Some(7),
    }
}

fn key(run: &MockRun) -> String {
    let i = run.session.current().unwrap_or(0);
    let item = &run.session.items[i];
    display_response(&answer_as_response(&item.instance.answer), &item.shuffle)
}

#[test]
fn an_answer_is_committed_at_once_and_submitting_closes_in_one_go() -> Result<()> {
    let mut f = fixture()?;
    let c = clock("2026-12-04T09:00:00Z");
    let db = f.db();
    let mut run = start(&mut f.store, Some(&db), &f.exam, &request(4), &c, "a".into())?.run;
    let right = key(&run);
    let (position, feedback) = run.answer(&mut f.store, &right, c.now + Duration::seconds(40))?;
    assert_eq!((position, feedback), (0, None));
    // Another connection sees the answer before anything else happens.
    let saved = f.reopen()?.attempt_items(run.attempt.id)?;
    assert!(saved[0].response.is_some());
    assert!((saved[0].seconds - 40.0).abs() < 1e-9);
    let family = run.session.items[0].instance.family.0.clone();
    let id = run.submit(&mut f.store, c.now + Duration::minutes(2))?;
    let attempt = f.store.attempt(id)?.ok_or(EngineError::NoSuchAttempt(id))?;
    assert_eq!(attempt.status, Status::Submitted);
    // The answer became a review of its family in the same transaction.
    assert!(f.store.family_card(&f.exam.code, &family)?.is_some());
    Ok(())
}

#[test]
fn a_live_driver_refuses_a_second_one_and_a_take_over_rejects_the_old_writes() -> Result<()> {
    let mut f = fixture()?;
    let c = clock("2026-12-04T09:00:00Z");
    let db = f.db();
    let mut first = start(&mut f.store, Some(&db), &f.exam, &request(4), &c, "first".into())?.run;
    let mut other = f.reopen()?;
    let refused = resume(&mut other, Some(&db), None, &c, "second".into(), false);
    assert!(matches!(refused, Err(EngineError::OpenElsewhere { .. })));
    let (Resumed::Running(mut second), _) = resume(&mut other, Some(&db), None, &c, "second".into(), true)?
    else {
        panic!("the attempt is in progress");
    };
    let right = key(&first);
    let lost = first.answer(&mut f.store, &right, c.now);
    assert!(
        matches!(lost, Err(EngineError::Store(StoreError::Superseded { .. }))),
        "{lost:?}"
    );
    second.answer(&mut other, &right, c.now)?;
    let saved = other.attempt_items(second.attempt.id)?;
    assert_eq!(saved[0].response, second.session.items[0].response);
    Ok(())
}

#[test]
fn a_dead_drivers_attempt_is_taken_over_at_once() -> Result<()> {
    let mut f = fixture()?;
    let c = clock("2026-12-04T09:00:00Z");
    let db = f.db();
    let mut run = start(&mut f.store, Some(&db), &f.exam, &request(4), &c, "gone".into())?.run;
    let right = key(&run);
    run.answer(&mut f.store, &right, c.now)?;
    drop(run); // the process died: the operating system let go of its lock
    let (Resumed::Running(again), _) = resume(&mut f.store, Some(&db), None, &c, "next".into(), false)?
    else {
        panic!("the attempt is in progress");
    };
    assert!(again.session.items[0].response.is_some());
    assert_eq!(again.session.location, Location::Item(0));
    Ok(())
}

#[test]
fn overdue_attempts_expire_at_their_deadline_when_anything_reads_them() -> Result<()> {
    let mut f = fixture()?;
    let c = clock("2026-12-04T09:00:00Z");
    let run = start(&mut f.store, None, &f.exam, &request(4), &c, "t".into())?.run;
    let id = run.attempt.id;
    drop(run);
    let later = clock("2026-12-04T09:30:00Z");
    let notices = expire_overdue(&mut f.store, &later)?;
    assert_eq!(notices.len(), 1);
    let attempt = f.store.attempt(id)?.ok_or(EngineError::NoSuchAttempt(id))?;
    assert_eq!(attempt.status, Status::Expired);
    assert_eq!(attempt.finished_at, Some(at("2026-12-04T09:10:00Z")));
    let (listed, _) = list(&mut f.store, None, &later)?;
    assert_eq!(listed[0].status, "expired");
    assert_eq!(listed[0].scaled_score, Some(1));
    Ok(())
}

#[test]
fn a_clock_set_back_never_shows_more_time_than_the_attempt_has_nor_finishes_before_it_started() -> Result<()>
{
    let mut f = fixture()?;
    let c = clock("2026-12-04T09:00:00Z");
    let run = start(&mut f.store, None, &f.exam, &request(4), &c, "t".into())?.run;
    assert_eq!(
        run.time_left(c.now - Duration::hours(3)),
        Some(Duration::minutes(10))
    );
    assert_eq!(run.time_left(c.now + Duration::hours(3)), Some(Duration::zero()));
    let id = run.submit(&mut f.store, c.now - Duration::days(2))?;
    let attempt = f.store.attempt(id)?.ok_or(EngineError::NoSuchAttempt(id))?;
    assert_eq!(attempt.finished_at, Some(attempt.started_at));
    Ok(())
}

#[test]
fn a_second_start_is_refused_until_the_first_is_abandoned() -> Result<()> {
    let mut f = fixture()?;
    let c = clock("2026-12-04T09:00:00Z");
    let run = start(&mut f.store, None, &f.exam, &request(4), &c, "t".into())?.run;
    drop(run);
    let again = start(&mut f.store, None, &f.exam, &request(4), &c, "u".into());
    assert!(matches!(again, Err(EngineError::InProgress { .. })));
    let mut abandon = request(4);
    abandon.abandon = true;
    let started = start(&mut f.store, None, &f.exam, &abandon, &c, "u".into())?;
    assert_eq!(started.notices[0].text, "attempt 1 closed as abandoned");
    Ok(())
}

#[test]
fn navigation_flags_and_disputes_are_saved_and_sections_lock() -> Result<()> {
    let mut f = fixture()?;
    let c = clock("2026-12-04T09:00:00Z");
    let mut all = request(9);
    all.seed = Some(3);
    let mut run = start(&mut f.store, None, &f.exam, &all, &c, "t".into())?.run;
    let (i, on) = run.toggle_flag(&mut f.store, c.now)?;
    assert!(on);
    run.dispute(&mut f.store, "key looks wrong", c.now)?;
    let saved = f.store.attempt_items(run.attempt.id)?;
    assert!(saved[i].flagged && saved[i].disputed);
    // Find a sectioned item and leave it: its section locks.
    let sectioned = (0..run.session.items.len()).find(|j| run.session.items[*j].section.is_some());
    if let Some(j) = sectioned {
        run.go(&mut f.store, Location::Item(j), c.now)?;
        let away = (0..run.session.items.len())
            .find(|k| run.session.items[*k].section != run.session.items[j].section)
            .unwrap_or(0);
        let locked = run.go(&mut f.store, Location::Item(away), c.now)?;
        assert!(locked.is_some());
        assert!(run.destination(&Command::Goto(j + 1)).is_err());
    }
    assert!(matches!(
        run.answer(&mut f.store, "Z,Z,Z", c.now),
        Err(EngineError::BadAnswer(_)) | Err(EngineError::BadMove(_))
    ));
    Ok(())
}
