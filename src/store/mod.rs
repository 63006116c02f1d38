//! SQLite storage: schema, migrations, every query and transaction.
//!
//! The database is the learner's single source of truth. It also keeps a compiled copy of each bank
//! (the catalogue) so that later commands read only the items they need instead of re-parsing YAML.
//! Migrations are numbered, append-only `.sql` files tracked in `PRAGMA user_version`; tables are
//! STRICT; the journal is WAL; foreign keys are on; a busy timeout lets two processes share a file.
//! This module holds no domain rules: callers decide, the store records.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;

use crate::bank::load::sha256_hex;
use crate::bank::{Answering, Bank, Exam, ItemType};

pub mod anki;
mod attempts;
mod official;
mod repairs;
mod reviews;
pub use attempts::{AnswerRecord, AttemptRow, Candidate, Dispute, NewAttempt};
pub use official::LoggedAttempt;
pub use repairs::{DrillAnswer, Repair};
pub use reviews::{FamilyCard, NewReview};

/// The migrations, in order; migration `n` (1-based) brings the schema to version `n`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_bank_catalogue.sql"),
    include_str!("migrations/0002_attempts.sql"),
    include_str!("migrations/0003_draw_keys.sql"),
    include_str!("migrations/0004_reviews.sql"),
    include_str!("migrations/0005_repairs.sql"),
    include_str!("migrations/0006_official_attempts.sql"),
    include_str!("migrations/0007_read_indexes.sql"),
    include_str!("migrations/0008_drivers.sql"),
    include_str!("migrations/0009_drill_tallies.sql"),
];

/// The draw key of a question: a stable hash of its id (FNV-1a), so that every database orders a
/// category's questions alike and a seed replays the same candidate pool everywhere.
pub fn draw_key(id: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h >> 1) as i64
}

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A store failure, naming the database file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file could not be opened or created.
    #[error("cannot open the database {path}: {source} (check the path and its permissions, or pass --db)")]
    Open {
        /// The database path.
        path: String,
        /// The underlying error.
        source: rusqlite::Error,
    },
    /// The file exists but is not a usable SQLite database.
    #[error(
        "{path} is not a retake database or is damaged ({source}): move it aside and restore a backup made with `retake backup`"
    )]
    NotADatabase {
        /// The database path.
        path: String,
        /// The underlying error.
        source: rusqlite::Error,
    },
    /// The database was written by a newer retake.
    #[error(
        "{path} has schema version {found}, newer than this retake understands ({known}): upgrade retake"
    )]
    TooNew {
        /// The database path.
        path: String,
        /// Version found in the file.
        found: i64,
        /// Highest version this build knows.
        known: usize,
    },
    /// Creating the folder for the database failed.
    #[error("cannot create the folder for the database {path}: {source}")]
    Folder {
        /// The database path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The disk (or the database's size limit) is full.
    #[error(
        "the database {path} cannot grow: the disk is full or the database reached its size limit; free some space and try again (what was saved before is intact)"
    )]
    Full {
        /// The database path.
        path: String,
    },
    /// The database or its folder cannot be written.
    #[error(
        "the database {path} is read-only: check the file's and the folder's permissions, or pass --db to use another file (nothing was changed)"
    )]
    ReadOnly {
        /// The database path.
        path: String,
    },
    /// Another process held the database longer than the busy timeout.
    #[error("the database {path} stayed busy with another retake for too long: try again in a moment")]
    Busy {
        /// The database path.
        path: String,
    },
    /// Any other SQLite error.
    #[error("database error in {path}: {source}")]
    Sql {
        /// The database path.
        path: String,
        /// The underlying error.
        source: rusqlite::Error,
    },
    /// The change conflicts with the database's state (e.g. an attempt already in progress).
    #[error("{0}")]
    Conflict(String),
    /// A driver's write to an attempt that another process or tab has taken over.
    #[error(
        "attempt {attempt} was taken over elsewhere (another terminal or browser tab): this change was not saved; continue there, or take it back with `retake exam resume --take-over`"
    )]
    Superseded {
        /// The attempt.
        attempt: i64,
    },
    /// A stored value could not be decoded.
    #[error("stored data in {path} could not be decoded: {detail}")]
    Decode {
        /// The database path.
        path: String,
        /// What failed.
        detail: String,
    },
}

/// The learner's database.
pub struct Store {
    conn: Connection,
    label: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.label).finish()
    }
}

/// What an exam folder looked like when it was last imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedState {
    /// The exam code.
    pub code: String,
    /// File-stamp fingerprint at import.
    pub fingerprint: String,
    /// Content hash at import.
    pub content_hash: String,
}

/// What an import changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The exam code.
    pub exam: String,
    /// Items new to the database.
    pub added: usize,
    /// Items whose wording changed (history kept).
    pub edited: usize,
    /// Items whose answer changed: `(item, family)`; their families start afresh.
    pub answer_changed: Vec<(String, String)>,
    /// Items no longer in the bank (kept, inactive).
    pub removed: usize,
    /// Items back in the bank after being removed.
    pub restored: usize,
}

/// One exam in the catalogue.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExamSummary {
    /// Exam code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Where the bank came from.
    pub source: String,
    /// Questions (case sub-items one each).
    pub questions: u64,
    /// Flashcards.
    pub flashcards: u64,
    /// The exam's blueprint.
    #[serde(skip)]
    pub exam: Exam,
}

/// Counts of one exam's active items, for `bank stats`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ItemCounts {
    /// Questions (case sub-items one each).
    pub questions: u64,
    /// Flashcards.
    pub flashcards: u64,
    /// Distinct families (memory cards), flashcards included.
    pub families: u64,
    /// Templated questions.
    pub templated: u64,
    /// Case studies.
    pub cases: u64,
    /// Questions per domain id.
    pub per_domain: HashMap<String, u64>,
    /// Questions per `(domain, category)`.
    pub per_category: HashMap<(String, String), u64>,
    /// Questions per item type name.
    pub per_type: HashMap<String, u64>,
    /// Questions per difficulty (1–3).
    pub per_difficulty: HashMap<u8, u64>,
}

/// A write transaction: a top-level IMMEDIATE transaction, or a savepoint inside
/// [`Store::atomically`], so that a store method keeps its own all-or-nothing guarantee and can
/// also be one step of a larger one.
pub(crate) enum Tx<'c> {
    Top(rusqlite::Transaction<'c>),
    Nested(rusqlite::Savepoint<'c>),
}

impl std::ops::Deref for Tx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            Tx::Top(t) => t,
            Tx::Nested(s) => s,
        }
    }
}

impl Tx<'_> {
    pub(crate) fn commit(self) -> rusqlite::Result<()> {
        match self {
            Tx::Top(t) => t.commit(),
            Tx::Nested(s) => s.commit(),
        }
    }
}

/// Starts a write: IMMEDIATE (the write lock at once, waiting on the busy timeout) at top level, a
/// savepoint inside an outer transaction.
pub(crate) fn begin(conn: &mut Connection) -> rusqlite::Result<Tx<'_>> {
    if conn.is_autocommit() {
        conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map(Tx::Top)
    } else {
        conn.savepoint().map(Tx::Nested)
    }
}

pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let label = path.display().to_string();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::Folder {
                path: label.clone(),
                source,
            })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
            path: label.clone(),
            source,
        })?;
        Self::configure(conn, label)
    }

    /// Opens an existing database without the right to write (read-only storage, inspection): any
    /// write fails with a clear error and changes nothing.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let label = path.display().to_string();
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
            path: label.clone(),
            source,
        })?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|source| classify(&label, source))?;
        Ok(Store { conn, label })
    }

    /// Limits how large the database may grow, in pages (tests simulate a full disk with it).
    pub fn limit_pages(&self, pages: i64) -> Result<(), StoreError> {
        self.conn
            .pragma_update(None, "max_page_count", pages)
            .map_err(self.sql())
    }

    /// The database's size in pages.
    pub fn page_count(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "page_count", |r| r.get(0))
            .map_err(self.sql())
    }

    /// Opens a private in-memory database (tests, benchmarks).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: ":memory:".into(),
            source,
        })?;
        Self::configure(conn, ":memory:".into())
    }

    fn configure(conn: Connection, label: String) -> Result<Store, StoreError> {
        let classify = |source: rusqlite::Error| {
            let not_db = matches!(
                &source,
                rusqlite::Error::SqliteFailure(e, _)
                    if matches!(e.code, rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
            );
            if not_db {
                StoreError::NotADatabase {
                    path: label.clone(),
                    source,
                }
            } else {
                StoreError::Sql {
                    path: label.clone(),
                    source,
                }
            }
        };
        conn.busy_timeout(BUSY_TIMEOUT).map_err(classify)?;
        // WAL keeps readers and one writer apart and makes each commit durable against a killed
        // process; NORMAL sync is the documented safe pairing with WAL.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(classify)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(classify)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(classify)?;
        let mut store = Store { conn, label };
        store.migrate()?;
        Ok(store)
    }

    fn sql(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| classify(&self.label, source)
    }

    /// Runs `f` as one transaction: every write it makes through the store commits together, or
    /// none does (an error, a crash or a kill in between leaves the database as it was).
    pub fn atomically<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> Result<T, E> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| E::from(classify(&self.label, e)))?;
        match f(self) {
            Ok(v) => match self.conn.execute_batch("COMMIT") {
                Ok(()) => Ok(v),
                Err(e) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    Err(E::from(classify(&self.label, e)))
                }
            },
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// SQLite's plan for a query, one step a line (tests prove that hot queries use an index).
    pub fn query_plan(&self, sql: &str, params: &[&str]) -> Result<String, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .map_err(self.sql())?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), |r| r.get::<_, String>(3))
            .map_err(self.sql())?;
        let steps: Vec<String> = rows.collect::<Result<_, _>>().map_err(self.sql())?;
        Ok(steps.join("\n"))
    }

    /// The schema version this build creates.
    pub fn latest_version() -> usize {
        MIGRATIONS.len()
    }

    /// The database's schema version.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(self.sql())
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let current = self.schema_version()?;
        if current > MIGRATIONS.len() as i64 {
            return Err(StoreError::TooNew {
                path: self.label.clone(),
                found: current,
                known: MIGRATIONS.len(),
            });
        }
        let label = self.label.clone();
        let sql = |source| classify(&label, source);
        for (i, migration) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(current).unwrap_or(0))
        {
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(sql)?;
            // Another process may have migrated while we waited for the lock.
            let now: i64 = tx
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .map_err(sql)?;
            if now > i as i64 {
                continue;
            }
            tx.execute_batch(migration).map_err(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(sql)?;
            tx.commit().map_err(sql)?;
        }
        Ok(())
    }

    /// Runs SQLite's own consistency check; `Ok(true)` when the file is sound.
    pub fn integrity_ok(&self) -> Result<bool, StoreError> {
        let result: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(self.sql())?;
        Ok(result == "ok")
    }

    /// The import state of the exam whose bank came from `source`, if any.
    pub fn imported_from(&self, source: &str) -> Result<Option<ImportedState>, StoreError> {
        self.conn
            .query_row(
                "SELECT code, fingerprint, content_hash FROM exams WHERE source = ?1",
                [source],
                |r| {
                    Ok(ImportedState {
                        code: r.get(0)?,
                        fingerprint: r.get(1)?,
                        content_hash: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(self.sql())
    }

    /// Records a new fingerprint for a bank whose contents did not change (e.g. files touched).
    pub fn touch_exam(&self, code: &str, fingerprint: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE exams SET fingerprint = ?2 WHERE code = ?1",
                params![code, fingerprint],
            )
            .map_err(self.sql())?;
        Ok(())
    }

    /// Imports a validated bank in one transaction, keeping history: items are matched by id; an
    /// edited item keeps its id; items that left the bank become inactive.
    pub fn import_bank(
        &mut self,
        bank: &Bank,
        source: &str,
        fingerprint: &str,
        content_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<ImportReport, StoreError> {
        let label = self.label.clone();
        let sql = |source| classify(&label, source);
        let decode = |e: serde_json::Error| StoreError::Decode {
            path: self.label.clone(),
            detail: e.to_string(),
        };
        let at = rfc3339(now);
        let code = bank.exam.code.clone();
        let blueprint = serde_json::to_string(&bank.exam).map_err(decode)?;
        let mut rows = Vec::with_capacity(bank.questions.len() + bank.flashcards.len());
        for q in &bank.questions {
            let body = serde_json::to_string(q).map_err(decode)?;
            let answer = match &q.answering {
                Answering::Fixed { answer } => serde_json::to_string(answer),
                Answering::Template(t) => {
                    serde_json::to_string(&t.cases.iter().map(|c| (&c.when, &c.answer)).collect::<Vec<_>>())
                }
            }
            .map_err(decode)?;
            rows.push(ItemRow {
                id: q.id.0.clone(),
                family: q.family.0.clone(),
                domain: q.domain.0.clone(),
                category: q.category.0.clone(),
                kind: q.item_type(),
                case_id: q.case.as_ref().map(|c| c.case_id.0.clone()),
                case_index: q.case.as_ref().map(|c| c.index as i64),
                difficulty: Some(i64::from(q.difficulty)),
                templated: q.template().is_some(),
                content_hash: sha256_hex(&[body.as_bytes()]),
                answer_hash: sha256_hex(&[answer.as_bytes()]),
                body,
            });
        }
        for c in &bank.flashcards {
            let body = serde_json::to_string(c).map_err(decode)?;
            rows.push(ItemRow {
                id: c.id.0.clone(),
                family: c.family.0.clone(),
                domain: c.domain.0.clone(),
                category: c.category.0.clone(),
                kind: ItemType::Flashcard,
                case_id: None,
                case_index: None,
                difficulty: None,
                templated: false,
                content_hash: sha256_hex(&[body.as_bytes()]),
                answer_hash: sha256_hex(&[c.back.as_bytes()]),
                body,
            });
        }

        let tx = begin(&mut self.conn).map_err(sql)?;
        tx.execute(
            "INSERT INTO exams (code, title, source, fingerprint, content_hash, blueprint, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (code) DO UPDATE SET title = excluded.title, source = excluded.source,
               fingerprint = excluded.fingerprint, content_hash = excluded.content_hash,
               blueprint = excluded.blueprint, imported_at = excluded.imported_at",
            params![
                code,
                bank.exam.title,
                source,
                fingerprint,
                content_hash,
                blueprint,
                at
            ],
        )
        .map_err(sql)?;
        let mut existing: HashMap<String, (String, String, bool)> = HashMap::new();
        let mut stale_keys: Vec<String> = Vec::new();
        {
            let mut stmt = tx
                .prepare("SELECT id, content_hash, answer_hash, active, draw_key FROM items WHERE exam = ?1")
                .map_err(sql)?;
            let found = stmt
                .query_map([&code], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        (r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? == 1),
                        r.get::<_, i64>(4)?,
                    ))
                })
                .map_err(sql)?;
            for row in found {
                let (id, state, key) = row.map_err(sql)?;
                if key != draw_key(&id) {
                    stale_keys.push(id.clone());
                }
                existing.insert(id, state);
            }
        }
        let mut report = ImportReport {
            exam: code.clone(),
            ..ImportReport::default()
        };
        {
            let mut upsert = tx
                .prepare(
                    "INSERT INTO items (exam, id, family, domain, category, type, case_id, case_index,
                       difficulty, templated, content_hash, answer_hash, body, active, added_at, updated_at, draw_key)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 1, ?14, ?14, ?15)
                     ON CONFLICT (exam, id) DO UPDATE SET family = excluded.family, domain = excluded.domain,
                       category = excluded.category, type = excluded.type, case_id = excluded.case_id,
                       case_index = excluded.case_index, difficulty = excluded.difficulty,
                       templated = excluded.templated, content_hash = excluded.content_hash,
                       answer_hash = excluded.answer_hash, body = excluded.body, active = 1,
                       updated_at = excluded.updated_at, draw_key = excluded.draw_key",
                )
                .map_err(sql)?;
            let mut log = tx
                .prepare(
                    "INSERT INTO item_changes (exam, item, family, change, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(sql)?;
            for row in &rows {
                let change = match existing.remove(&row.id) {
                    None => Some("added"),
                    Some((content, answer, active)) => {
                        if answer != row.answer_hash {
                            Some("answer_changed")
                        } else if content != row.content_hash {
                            Some("edited")
                        } else if !active {
                            Some("restored")
                        } else {
                            None
                        }
                    }
                };
                let Some(change) = change else { continue };
                upsert
                    .execute(params![
                        code,
                        row.id,
                        row.family,
                        row.domain,
                        row.category,
                        row.kind.as_str(),
                        row.case_id,
                        row.case_index,
                        row.difficulty,
                        i64::from(row.templated),
                        row.content_hash,
                        row.answer_hash,
                        row.body,
                        at,
                        draw_key(&row.id),
                    ])
                    .map_err(sql)?;
                log.execute(params![code, row.id, row.family, change, at])
                    .map_err(sql)?;
                match change {
                    "added" => report.added += 1,
                    "edited" => report.edited += 1,
                    "restored" => report.restored += 1,
                    _ => {
                        // A changed answer invalidates what was learned: the family starts afresh.
                        tx.execute(
                            "DELETE FROM families WHERE exam = ?1 AND family = ?2",
                            params![code, row.family],
                        )
                        .map_err(sql)?;
                        report.answer_changed.push((row.id.clone(), row.family.clone()))
                    }
                }
            }
            let mut retire = tx
                .prepare("UPDATE items SET active = 0, updated_at = ?3 WHERE exam = ?1 AND id = ?2")
                .map_err(sql)?;
            let mut gone: Vec<(&String, &(String, String, bool))> =
                existing.iter().filter(|(_, (_, _, active))| *active).collect();
            gone.sort();
            for (id, _) in gone {
                retire.execute(params![code, id, at]).map_err(sql)?;
                log.execute(params![code, id, "", "removed", at]).map_err(sql)?;
                report.removed += 1;
            }
        }
        {
            let mut rekey = tx
                .prepare("UPDATE items SET draw_key = ?3 WHERE exam = ?1 AND id = ?2")
                .map_err(sql)?;
            for id in &stale_keys {
                rekey.execute(params![code, id, draw_key(id)]).map_err(sql)?;
            }
        }
        tx.execute("DELETE FROM category_sizes WHERE exam = ?1", [&code])
            .map_err(sql)?;
        tx.execute(
            "INSERT INTO category_sizes (exam, domain, category, questions, flashcards, families)
             SELECT exam, domain, category, sum(type <> 'flashcard'), sum(type = 'flashcard'), count(DISTINCT family)
             FROM items WHERE exam = ?1 AND active = 1 GROUP BY exam, domain, category",
            [&code],
        )
        .map_err(sql)?;
        tx.execute("DELETE FROM cases WHERE exam = ?1", [&code])
            .map_err(sql)?;
        {
            let mut ins = tx
                .prepare(
                    "INSERT INTO cases (exam, id, domain, category, scenario) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(sql)?;
            for c in &bank.cases {
                ins.execute(params![code, c.id.0, c.domain.0, c.category.0, c.scenario])
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)?;
        Ok(report)
    }

    /// Every exam in the catalogue, by code.
    pub fn exams(&self) -> Result<Vec<ExamSummary>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT e.code, e.title, e.source, e.blueprint,
                   (SELECT coalesce(sum(questions), 0) FROM category_sizes c WHERE c.exam = e.code),
                   (SELECT coalesce(sum(flashcards), 0) FROM category_sizes c WHERE c.exam = e.code)
                 FROM exams e ORDER BY e.code",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .map_err(self.sql())?;
        let mut out = Vec::new();
        for row in rows {
            let (code, title, source, blueprint, questions, flashcards) = row.map_err(self.sql())?;
            let exam: Exam = serde_json::from_str(&blueprint).map_err(|e| StoreError::Decode {
                path: self.label.clone(),
                detail: format!("blueprint of {code}: {e}"),
            })?;
            out.push(ExamSummary {
                code,
                title,
                source,
                questions: questions.unsigned_abs(),
                flashcards: flashcards.unsigned_abs(),
                exam,
            });
        }
        Ok(out)
    }

    /// Counts of an exam's active items.
    pub fn item_counts(&self, code: &str) -> Result<ItemCounts, StoreError> {
        let mut counts = ItemCounts::default();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT domain, category, type, difficulty, templated, count(*) FROM items
                 WHERE exam = ?1 AND active GROUP BY 1, 2, 3, 4, 5",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([code], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .map_err(self.sql())?;
        for row in rows {
            let (domain, category, kind, difficulty, templated, n) = row.map_err(self.sql())?;
            let n = n.unsigned_abs();
            if kind == ItemType::Flashcard.as_str() {
                counts.flashcards += n;
                continue;
            }
            counts.questions += n;
            if templated == 1 {
                counts.templated += n;
            }
            *counts.per_domain.entry(domain.clone()).or_default() += n;
            *counts.per_category.entry((domain, category)).or_default() += n;
            *counts.per_type.entry(kind).or_default() += n;
            if let Some(d) = difficulty.and_then(|d| u8::try_from(d).ok()) {
                *counts.per_difficulty.entry(d).or_default() += n;
            }
        }
        counts.families = self
            .conn
            .query_row(
                "SELECT count(DISTINCT family) FROM items WHERE exam = ?1 AND active",
                [code],
                |r| r.get::<_, i64>(0),
            )
            .map_err(self.sql())?
            .unsigned_abs();
        counts.cases = self
            .conn
            .query_row("SELECT count(*) FROM cases WHERE exam = ?1", [code], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(self.sql())?
            .unsigned_abs();
        Ok(counts)
    }

    /// The store's label (its path) for messages.
    pub fn path_label(&self) -> &str {
        &self.label
    }
}

struct ItemRow {
    id: String,
    family: String,
    domain: String,
    category: String,
    kind: ItemType,
    case_id: Option<String>,
    case_index: Option<i64>,
    difficulty: Option<i64>,
    templated: bool,
    content_hash: String,
    answer_hash: String,
    body: String,
}

/// Inside a transaction: reads a category's running evidence, lets `next` compute the new one from
/// it, and writes that back (nothing when `next` returns `None`).
pub(crate) fn update_evidence(
    tx: &Connection,
    exam: &str,
    domain: &str,
    category: &str,
    next: &dyn Fn(Option<crate::mastery::Evidence>) -> Option<crate::mastery::Evidence>,
) -> rusqlite::Result<()> {
    let current = tx
        .prepare_cached(
            "SELECT successes, failures, as_of FROM category_evidence WHERE exam = ?1 AND domain = ?2 AND category = ?3",
        )?
        .query_row(params![exam, domain, category], |r| {
            Ok((r.get::<_, f64>(0)?, r.get::<_, f64>(1)?, r.get::<_, String>(2)?))
        })
        .optional()?
        .and_then(|(successes, failures, as_of)| {
            DateTime::parse_from_rfc3339(&as_of)
                .ok()
                .map(|t| crate::mastery::Evidence { successes, failures, as_of: t.with_timezone(&Utc) })
        });
    if let Some(n) = next(current) {
        tx.prepare_cached(
            "INSERT INTO category_evidence (exam, domain, category, successes, failures, as_of)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (exam, domain, category) DO UPDATE SET successes = excluded.successes,
               failures = excluded.failures, as_of = excluded.as_of",
        )?
        .execute(params![
            exam,
            domain,
            category,
            n.successes,
            n.failures,
            rfc3339(n.as_of)
        ])?;
    }
    Ok(())
}

/// Turns a SQLite error into the store error that says what to do.
pub(crate) fn classify(label: &str, source: rusqlite::Error) -> StoreError {
    let path = label.to_owned();
    match &source {
        rusqlite::Error::SqliteFailure(e, _) => match e.code {
            rusqlite::ErrorCode::DiskFull => StoreError::Full { path },
            rusqlite::ErrorCode::ReadOnly => StoreError::ReadOnly { path },
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                StoreError::Busy { path }
            }
            rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt => {
                StoreError::NotADatabase { path, source }
            }
            _ => StoreError::Sql { path, source },
        },
        _ => StoreError::Sql { path, source },
    }
}

/// The default database location: the platform data directory (e.g. `~/.local/share/retake`).
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "retake").map(|d| d.data_dir().join("retake.db"))
}

#[cfg(test)]
mod tests;
