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
