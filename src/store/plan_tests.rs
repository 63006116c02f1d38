//! The drill's start-up reads: plans that stay on indexes, and the running tallies that replace
//! whole-history reads agree with counting the rows.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rusqlite::params;

use super::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> Result<DateTime<Utc>, String> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .ok_or_else(|| "time".to_owned())
}

/// Writes a card the way `record_review` does (an upsert).
fn card(store: &Store, exam: &str, family: &str, due: DateTime<Utc>, suspended: bool) -> TestResult {
    store.conn.execute(
        "INSERT INTO families (exam, family, domain, category, stability, difficulty, due, last_review, reps,
           lapses, suspended)
         VALUES (?1, ?2, 'd', 'c', 3.0, 5.0, ?3, '2026-01-01T00:00:00.000Z', 1, 0, ?4)
         ON CONFLICT (exam, family) DO UPDATE SET due = excluded.due, suspended = excluded.suspended",
        params![exam, family, rfc3339(due), i64::from(suspended)],
    )?;
    Ok(())
}

#[test]
fn cards_due_in_a_range_add_up_whole_hours_and_count_only_the_partial_ones() -> TestResult {
    let store = Store::open_in_memory()?;
    let t0 = at(2026, 12, 4, 4, 0)?;
    // Cards every 37 minutes over four days, in two exams; some suspended, moved, deleted.
    for k in 0..160i64 {
        let exam = if k % 3 == 0 { "B" } else { "A" };
        card(
            &store,
            exam,
            &format!("f{k}"),
            t0 + Duration::minutes(37 * k),
            k % 11 == 0,
        )?;
    }
    for k in (0..160i64).step_by(7) {
        let exam = if k % 3 == 0 { "B" } else { "A" };
        card(
            &store,
            exam,
            &format!("f{k}"),
            t0 + Duration::minutes(53 * k + 5),
            k % 2 == 0,
        )?;
    }
    store.conn.execute(
        "DELETE FROM families WHERE family IN ('f1', 'f2', 'f5', 'f77')",
        [],
    )?;
    store
        .conn
        .execute("UPDATE families SET suspended = 0 WHERE family = 'f22'", [])?;
    let starts = [
        DateTime::<Utc>::MIN_UTC,
        t0 - Duration::days(2),
        t0,
        t0 + Duration::minutes(15),
        t0 + Duration::hours(5) + Duration::minutes(59),
        t0 + Duration::hours(30),
    ];
    let ends = [
        t0 + Duration::minutes(20),
        t0 + Duration::hours(1),
        t0 + Duration::hours(26) + Duration::minutes(1),
        t0 + Duration::days(2),
        t0 + Duration::days(8),
    ];
    let mut checked = 0;
    for from in starts {
        for until in ends {
            for exam in [None, Some("A"), Some("B")] {
                let counted = store.due_counted(exam, from, until)?;
                assert_eq!(
                    store.due_between(exam, from, until)?,
                    counted,
                    "{exam:?} {from} .. {until}"
                );
                checked += usize::from(counted > 0);
            }
        }
    }
    assert!(checked > 40, "most ranges hold cards ({checked})");
    Ok(())
}

#[test]
fn the_memorisation_tally_matches_the_answers_it_summarises() -> TestResult {
    let store = Store::open_in_memory()?;
    for k in 0..90i64 {
        let seen = match k % 3 {
            0 => None,
            1 => Some(0),
            _ => Some(1),
        };
        store.conn.execute(
            "INSERT INTO answers (exam, item, family, domain, category, source, points, max_points, correct,
               answered_at, seen_before)
             VALUES (?1, 'i', 'f', ?2, 'c', 'drill', ?3, 1, ?3, '2026-01-01T00:00:00.000Z', ?4)",
            params![
                if k % 4 == 0 { "B" } else { "A" },
                format!("d{}", k % 5),
                i64::from(k % 7 != 0),
                seen
            ],
        )?;
    }
    store
        .conn
        .execute("UPDATE answers SET correct = 1 - correct WHERE id % 6 = 0", [])?;
    store
        .conn
        .execute("UPDATE answers SET seen_before = NULL WHERE id % 13 = 0", [])?;
    store
        .conn
        .execute("UPDATE answers SET seen_before = 1 WHERE id % 17 = 0", [])?;
    store.conn.execute("DELETE FROM answers WHERE id % 10 = 0", [])?;
    for exam in ["A", "B", "C"] {
        let mut stmt = store.conn.prepare(
            "SELECT domain, seen_before, sum(correct), count(*) FROM answers
             WHERE exam = ?1 AND seen_before IS NOT NULL GROUP BY domain, seen_before",
        )?;
        let counted: Vec<(String, bool, u64, u64)> = stmt
            .query_map([exam], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)? == 1,
                    r.get::<_, i64>(2)?.unsigned_abs(),
                    r.get::<_, i64>(3)?.unsigned_abs(),
                ))
            })?
            .collect::<Result<_, _>>()?;
        assert_eq!(store.seen_versus_new(exam)?, counted, "{exam}");
    }
    Ok(())
}

fn assert_indexed(store: &Store, sql: &str, args: &[&str], index: &str) -> TestResult {
    let plan = store.query_plan(sql, args)?;
    assert!(plan.contains(index), "{index} in\n{plan}");
    assert!(!plan.contains("SCAN "), "no table or index scan in\n{plan}");
    Ok(())
}

#[test]
fn the_drill_start_up_reads_from_indexes_and_tallies() -> TestResult {
    let store = Store::open_in_memory()?;
    let (now, until) = ("2026-12-04T09:00:00.000Z", "2026-12-05T04:00:00.000Z");
    // Today's reviews, the due queue, the new families of a category and the full categories.
    assert_indexed(&store, REVIEWS_SINCE_SQL, &[now], "reviews_by_time")?;
    assert_indexed(
        &store,
        &Store::due_cards_sql(false),
        &["E", until, now, "200"],
        "COVERING INDEX families_rank",
    )?;
    assert_indexed(&store, NEW_FAMILIES_SQL, &["E", "d", "c"], "items_new")?;
    assert!(
        !store
            .query_plan(NEW_FAMILIES_SQL, &["E", "d", "c"])?
            .contains("TEMP B-TREE")
    );
    assert_indexed(&store, HAS_CARD_SQL, &["E", "f"], "sqlite_autoindex_families_1")?;
    assert_indexed(&store, EXHAUSTED_SQL, &["E"], "families_by_category")?;
    // A repair's recent families; the summary's tallies and the partial hours.
    assert_indexed(
        &store,
        super::super::repairs::FAMILIES_SHOWN_SINCE_SQL,
        &["E", now],
        "shown_forms_recent",
    )?;
    assert_indexed(
        &store,
        super::super::repairs::MEMORISATION_SQL,
        &["E"],
        "PRIMARY KEY",
    )?;
    assert_indexed(&store, DUE_HOURS_SQL, &["E", now, until], "PRIMARY KEY")?;
    assert_indexed(
        &store,
        DUE_COUNT_SQL,
        &["E", now, until],
        "COVERING INDEX families_by_due",
    )?;
    Ok(())
}

#[test]
fn stored_instants_read_fast_as_the_rfc_3339_parser_reads_them() -> TestResult {
    for s in [
        "2026-12-04T09:00:00.000Z",
        "1970-01-01T00:00:00.000Z",
        "9999-12-31T23:59:59.999Z",
        "2024-02-29T12:34:56.789Z",
    ] {
        let general = DateTime::parse_from_rfc3339(s)?.with_timezone(&Utc);
        assert_eq!(crate::store::stored_instant(s), Some(general), "{s}");
        assert_eq!(
            crate::store::stored_time("t", "x", "1", "c", s).ok(),
            Some(general),
            "{s}"
        );
    }
    // Not the stored form: left to the general parser, which reads or refuses it.
    for s in [
        "2026-12-04T09:00:00Z",
        "2026-12-04T10:00:00.000+01:00",
        "2025-02-29T12:00:00.000Z",
        "x",
    ] {
        assert_eq!(crate::store::stored_instant(s), None, "{s}");
        let general = DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc));
        assert_eq!(
            crate::store::stored_time("t", "x", "1", "c", s).ok(),
            general,
            "{s}"
        );
    }
    Ok(())
}
