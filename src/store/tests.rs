use chrono::{TimeZone, Utc};
use rusqlite::Connection;

use super::*;
use crate::bank::parse::{SourceFile, parse_exam};

const EXAM: &str = "code: T-1\ntitle: Test\nas_of: 2026-01-01\nquestion_count: 2\nretake_policy: { fee: 1, currency: USD }\ndomains:\n  - id: d\n    name: D\n    weight: 100\n    repair: Practise.\n    categories: [{ id: c, name: C }]\n";

fn question(id: &str, stem: &str, answer: &str) -> String {
    format!(
        "  - id: {id}\n    domain: d\n    category: c\n    type: single\n    stem: {stem}\n    options: [one, two, three]\n    answer: {answer}\n    explanation: Because.\n    refs: [https://learn.microsoft.com/x]\n"
    )
}

fn bank(questions: &[String]) -> Result<Bank, String> {
    let exam = SourceFile {
        path: "exam.yaml".into(),
        text: EXAM.into(),
    };
    let q = SourceFile {
        path: "q.yaml".into(),
        text: format!("questions:\n{}", questions.concat()),
    };
    parse_exam(Some(&exam), &[q])
        .map(|(b, _)| b)
        .map_err(|p| format!("{p:?}"))
}

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn import_reports_added_edited_answer_changed_and_removed() -> TestResult {
    let mut store = Store::open_in_memory()?;
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().ok_or("time")?;
    let first = bank(&[
        question("q1", "Old wording", "A"),
        question("q2", "Two", "B"),
        question("q3", "Three", "C"),
    ])?;
    let r = store.import_bank(&first, "src", "fp1", "h1", t0)?;
    assert_eq!((r.added, r.edited, r.removed), (3, 0, 0));

    let second = bank(&[question("q1", "New wording", "A"), question("q2", "Two", "C")])?;
    let r = store.import_bank(&second, "src", "fp2", "h2", t0)?;
    assert_eq!(r.added, 0);
    assert_eq!(r.edited, 1, "q1's wording changed");
    assert_eq!(r.answer_changed, vec![("q2".to_owned(), "q2".to_owned())]);
    assert_eq!(r.removed, 1, "q3 left the bank");
    assert_eq!(store.item_counts("T-1")?.questions, 2);

    let third = bank(&[
        question("q1", "New wording", "A"),
        question("q2", "Two", "C"),
        question("q3", "Three", "C"),
    ])?;
    let r = store.import_bank(&third, "src", "fp3", "h3", t0)?;
    assert_eq!((r.restored, r.added), (1, 0));
    let changes: i64 = store
        .conn
        .query_row("SELECT count(*) FROM item_changes", [], |r| r.get(0))?;
    assert_eq!(changes, 3 + 1 + 1 + 1 + 1);
    Ok(())
}

#[test]
fn unchanged_import_changes_nothing() -> TestResult {
    let mut store = Store::open_in_memory()?;
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().ok_or("time")?;
    let b = bank(&[question("q1", "Wording", "A")])?;
    store.import_bank(&b, "src", "fp1", "h1", t0)?;
    let r = store.import_bank(&b, "src", "fp1", "h1", t0)?;
    assert_eq!(
        r,
        ImportReport {
            exam: "T-1".into(),
            ..ImportReport::default()
        }
    );
    assert_eq!(
        store.imported_from("src")?,
        Some(ImportedState {
            code: "T-1".into(),
            fingerprint: "fp1".into(),
            content_hash: "h1".into()
        })
    );
    Ok(())
}

#[test]
fn opens_a_database_made_by_migration_0001() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("v1.db");
    {
        // A database exactly as the first release left it: migration 0001 and user_version 1.
        let conn = Connection::open(&path)?;
        conn.execute_batch(MIGRATIONS[0])?;
        conn.pragma_update(None, "user_version", 1)?;
        conn.execute(
            "INSERT INTO exams VALUES ('T-1', 'Test', 'src', 'fp', 'h', ?1, '2026-01-01T00:00:00Z')",
            [serde_json::to_string(&bank(&[question("q1", "S", "A")])?.exam)?],
        )?;
    }
    let store = Store::open(&path)?;
    assert_eq!(store.schema_version()?, Store::latest_version() as i64);
    assert_eq!(store.exams()?.len(), 1, "history survives the upgrade");
    assert!(store.integrity_ok()?);
    Ok(())
}

#[test]
fn refuses_a_database_from_a_newer_retake() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("future.db");
    Connection::open(&path)?.pragma_update(None, "user_version", 999)?;
    let err = Store::open(&path)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("schema version 999") && err.contains("upgrade retake"),
        "{err}"
    );
    Ok(())
}

#[test]
fn names_the_file_when_it_is_not_a_database() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("notes.db");
    std::fs::write(&path, vec![b'x'; 4096])?;
    let err = Store::open(&path)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("notes.db") && err.contains("not a retake database"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&path)?,
        vec![b'x'; 4096],
        "the file is left as it was"
    );
    Ok(())
}

fn record(store: &mut Store, family: &str, at: chrono::DateTime<Utc>) -> Result<i64, StoreError> {
    let card = FamilyCard {
        exam: "T-1".into(),
        family: family.into(),
        domain: "d".into(),
        category: "c".into(),
        stability: 2.0,
        difficulty: 5.0,
        due: at,
        last_review: at,
        reps: 1,
        lapses: 0,
        suspended: false,
        last_item: Some(family.into()),
        last_variant: None,
    };
    store.record_review(&NewReview {
        exam: "T-1".into(),
        family: family.into(),
        item: family.into(),
        variant: None,
        source: "drill",
        at,
        rating: 3,
        elapsed_days: 0,
        scheduled_days: 2,
        after: card,
        seconds: Some(3.0),
    })
}

#[test]
fn a_full_disk_is_a_clear_error_and_loses_nothing_saved() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("full.db");
    let mut store = Store::open(&path)?;
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().ok_or("time")?;
    store.import_bank(&bank(&[question("q1", "S", "A")])?, "src", "fp", "h", t0)?;
    record(&mut store, "q1", t0)?;
    store.limit_pages(store.page_count()?)?;
    let mut failure = None;
    for i in 0..2_000 {
        if let Err(e) = record(&mut store, &format!("family-{i}-{}", "x".repeat(200)), t0) {
            failure = Some(e);
            break;
        }
    }
    let err = failure.ok_or("the database never filled up")?.to_string();
    assert!(
        err.contains("full.db") && err.contains("cannot grow") && err.contains("free some space"),
        "{err}"
    );
    drop(store);
    let store = Store::open(&path)?;
    assert!(store.integrity_ok()?);
    assert!(
        store.family_card("T-1", "q1")?.is_some(),
        "what was saved before is intact"
    );
    Ok(())
}

#[test]
fn read_only_storage_is_a_clear_error_and_changes_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ro.db");
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().ok_or("time")?;
    {
        let mut store = Store::open(&path)?;
        record(&mut store, "kept", t0)?;
    }
    let mut ro = Store::open_read_only(&path)?;
    let err = record(&mut ro, "new", t0)
        .err()
        .ok_or("a write succeeded on read-only storage")?
        .to_string();
    assert!(
        err.contains("ro.db") && err.contains("read-only") && err.contains("--db"),
        "{err}"
    );
    drop(ro);
    let store = Store::open(&path)?;
    assert!(store.family_card("T-1", "kept")?.is_some() && store.family_card("T-1", "new")?.is_none());
    Ok(())
}

/// A database as each earlier release left it, with history in every table it had, opens with the
/// current binary, upgraded, history intact.
#[test]
fn every_earlier_schema_version_upgrades_with_history_intact() -> TestResult {
    let t0 = "2026-01-01T00:00:00.000Z";
    let exam = serde_json::to_string(&bank(&[question("q1", "S", "A")])?.exam)?;
    for version in 1..Store::latest_version() {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join(format!("v{version}.db"));
        {
            let conn = Connection::open(&path)?;
            for m in &MIGRATIONS[..version] {
                conn.execute_batch(m)?;
            }
            conn.pragma_update(None, "user_version", version as i64)?;
            conn.execute(
                "INSERT INTO exams VALUES ('T-1', 'Test', 'src', 'fp', 'h', ?1, ?2)",
                rusqlite::params![exam, t0],
            )?;
            conn.execute(
                "INSERT INTO items (exam, id, family, domain, category, type, templated, content_hash, answer_hash, body, added_at, updated_at)
                 VALUES ('T-1', 'q1', 'q1', 'd', 'c', 'single', 0, 'c', 'a', '{}', ?1, ?1)",
                [t0],
            )?;
            if version >= 2 {
                conn.execute(
                    "INSERT INTO attempts (exam, mode, timed, seed, status, started_at, location, blueprint)
                     VALUES ('T-1', 'targeted', 1, 7, 'submitted', ?1, 0, ?2)",
                    rusqlite::params![t0, exam],
                )?;
                conn.execute(
                    "INSERT INTO answers (exam, item, family, domain, category, source, attempt, points, max_points, correct, answered_at)
                     VALUES ('T-1', 'q1', 'q1', 'd', 'c', 'mock', 1, 1, 1, 1, ?1)",
                    [t0],
                )?;
            }
            if version >= 4 {
                conn.execute(
                    "INSERT INTO reviews (exam, family, item, source, reviewed_at, rating, elapsed_days, scheduled_days,
                       stability_after, difficulty_after, reps_before, lapses_before, suspended_before)
                     VALUES ('T-1', 'q1', 'q1', 'drill', ?1, 3, 0, 2, 2.0, 5.0, 0, 0, 0)",
                    [t0],
                )?;
            }
            if version >= 6 {
                conn.execute(
                    "INSERT INTO official_attempts (exam, taken_at, score, passed, domains, logged_at)
                     VALUES ('T-1', ?1, 655, 0, '{\"d\":45.0}', ?1)",
                    [t0],
                )?;
            }
        }
        let store = Store::open(&path)?;
        assert_eq!(
            store.schema_version()?,
            Store::latest_version() as i64,
            "from v{version}"
        );
        assert!(store.integrity_ok()?);
        let count = |sql: &str| store.conn.query_row(sql, [], |r| r.get::<_, i64>(0));
        assert_eq!(
            count("SELECT count(*) FROM items")?,
            1,
            "items kept from v{version}"
        );
        if version >= 2 {
            assert_eq!(
                count("SELECT count(*) FROM attempts")?,
                1,
                "attempts kept from v{version}"
            );
            assert_eq!(
                count("SELECT count(*) FROM answers")?,
                1,
                "answers kept from v{version}"
            );
        }
        if version >= 6 {
            let official = store.official_attempts(Some("T-1"))?;
            assert_eq!(official.len(), 1, "official attempts kept from v{version}");
            assert_eq!(
                (
                    official[0].score,
                    official[0].passed,
                    official[0].domains.get("d")
                ),
                (Some(655), Some(false), Some(&45.0)),
                "official attempt read back from v{version}"
            );
        }
        if version >= 4 {
            assert_eq!(
                count("SELECT count(*) FROM reviews")?,
                1,
                "reviews kept from v{version}"
            );
        }
    }
    Ok(())
}

#[test]
fn memory_uri_and_device_paths_are_refused() {
    for bad in [
        ":memory:",
        "file:x.db?mode=memory",
        "FILE:x.db?immutable=1",
        "file:y?nolock=1",
        "/dev/null",
        "/",
    ] {
        let err = Store::open(Path::new(bad))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("--db") && err.contains("nothing was opened"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn another_applications_sqlite_file_is_refused_untouched() -> TestResult {
    let dir = tempfile::tempdir()?;
    let by_id = dir.path().join("by-id.db");
    {
        let c = Connection::open(&by_id)?;
        c.execute_batch(
            "PRAGMA application_id = 42; CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('mine');",
        )?;
    }
    let by_tables = dir.path().join("by-tables.db");
    {
        let c = Connection::open(&by_tables)?;
        c.execute_batch("PRAGMA user_version = 3; CREATE TABLE contacts (x TEXT);")?;
    }
    for path in [&by_id, &by_tables] {
        let before = std::fs::read(path)?;
        let err = Store::open(path).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            err.contains("is not a retake database") && err.contains("untouched"),
            "{err}"
        );
        assert_eq!(std::fs::read(path)?, before, "{} was changed", path.display());
    }
    Ok(())
}

#[test]
fn a_database_from_before_the_application_id_opens_and_is_stamped() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("old.db");
    {
        let store = Store::open(&path)?;
        store.conn.pragma_update(None, "application_id", 0)?;
    }
    let store = Store::open(&path)?;
    let id: i32 = store
        .conn
        .pragma_query_value(None, "application_id", |r| r.get(0))?;
    assert_eq!(id, APPLICATION_ID);
    Ok(())
}

#[test]
fn an_impossible_schema_version_is_named_without_sql() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("neg.db");
    {
        let store = Store::open(&path)?;
        store.conn.pragma_update(None, "user_version", -3)?;
    }
    let err = Store::open(&path)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("-3") && err.contains(&format!("0–{}", Store::latest_version())),
        "{err}"
    );
    assert!(!err.contains("CREATE"), "{err}");
    Ok(())
}
