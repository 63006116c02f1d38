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
mod catalogue;
mod official;
mod repairs;
mod reviews;
pub use attempts::{AnswerRecord, AttemptRow, Candidate, Dispute, NewAttempt};
pub use catalogue::{ExamSummary, ImportReport, ImportedState, ItemCounts};
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
    include_str!("migrations/0009_pending_results.sql"),
    include_str!("migrations/0010_drill_tallies.sql"),
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

/// The SQLite `application_id` of a learner database ("RTKE" in ASCII), written in the file's
/// header so that retake never mistakes another application's SQLite file for its own (and `file`
/// can tell what it is). Databases made before it existed (id 0, with retake's tables) are stamped
/// on their next open.
pub const APPLICATION_ID: i32 = 0x5254_4B45;

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
    /// The path names no file retake can keep a database in (`:memory:`, a URI, a device).
    #[error("--db {path}: {reason}; give the path of a database file (nothing was opened)")]
    BadPath {
        /// The path as given.
        path: String,
        /// Why it is refused.
        reason: String,
    },
    /// A SQLite database of another application, left untouched.
    #[error(
        "{path} is not a retake database ({reason}): retake left it untouched; pass --db with another path"
    )]
    Foreign {
        /// The database path.
        path: String,
        /// What gave it away.
        reason: String,
    },
    /// The folder meant to hold the database cannot be written.
    #[error(
        "the folder {folder} of the database {path} is read-only: retake must write there (the database and its journal); pass --db with a path in a writable folder (nothing was changed)"
    )]
    ReadOnlyFolder {
        /// The database path.
        path: String,
        /// Its folder.
        folder: String,
    },
    /// A schema version no retake writes (negative).
    #[error(
        "{path} has schema version {found}, which no retake writes (versions are 0–{known}): restore a backup made with `retake backup`"
    )]
    UnknownVersion {
        /// The database path.
        path: String,
        /// Version found.
        found: i64,
        /// Highest version this build knows.
        known: usize,
    },
    /// A migration failed (the database stays at its previous version).
    #[error(
        "cannot upgrade {path} to schema version {version}: {detail} (nothing was changed; restore a backup made with `retake backup` if this repeats)"
    )]
    Migration {
        /// The database path.
        path: String,
        /// The version being created.
        version: usize,
        /// SQLite's message, without the migration's SQL.
        detail: String,
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
    /// Writing a backup failed; the learner's database is untouched.
    #[error(
        "cannot write the backup {path}: {detail} (your database is untouched; free some space or choose another place)"
    )]
    Backup {
        /// The backup file as the learner named it.
        path: String,
        /// What went wrong.
        detail: String,
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

/// Decodes a stored RFC 3339 instant; an unreadable one is an error naming the database, the
/// table, the row and the column, never a silent default.
/// A stored instant as the store writes it, `YYYY-MM-DDTHH:MM:SS.mmmZ`, read without the general
/// RFC 3339 parser (the drill queue reads two per card); `None` for anything else.
pub(crate) fn stored_instant(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() != 24
        || [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
            (23, b'Z'),
        ]
        .iter()
        .any(|&(i, c)| b[i] != c)
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(i32::try_from(num(0, 4)?).ok()?, num(5, 7)?, num(8, 10)?)?;
    let time = date.and_hms_milli_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?, num(20, 23)?)?;
    Some(time.and_utc())
}

pub(crate) fn stored_time(
    label: &str,
    table: &str,
    row: &str,
    column: &str,
    s: &str,
) -> Result<DateTime<Utc>, StoreError> {
    if let Some(t) = stored_instant(s) {
        return Ok(t);
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Decode {
            path: label.to_owned(),
            detail: format!(
                "{table} row {row}: {column} \"{}\" is not an RFC 3339 time ({e})",
                s.escape_default()
            ),
        })
}

pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// Refuses paths SQLite would not treat as a plain file (`:memory:`, `file:` URIs, devices and
    /// folders) and SQLite files of other applications (their `application_id`, or tables that are
    /// not retake's), leaving them untouched.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let label = path.display().to_string();
        check_db_path(path)?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::Folder {
                path: label.clone(),
                source,
            })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match Connection::open_with_flags(path, flags) {
            Ok(c) => c,
            Err(source) => {
                return Err(read_only_folder(path, &label).unwrap_or(StoreError::Open {
                    path: label.clone(),
                    source,
                }));
            }
        };
        check_ownership(&conn, &label)?;
        Self::configure(conn, label.clone()).map_err(|e| match e {
            StoreError::Open { .. } | StoreError::Sql { .. } | StoreError::ReadOnly { .. } => {
                read_only_folder(path, &label).unwrap_or(e)
            }
            e => e,
        })
    }

    /// Opens an existing database without the right to write (read-only storage, inspection): any
    /// write fails with a clear error and changes nothing.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let label = path.display().to_string();
        check_db_path(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
            path: label.clone(),
            source,
        })?;
        check_ownership(&conn, &label)?;
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
        if current < 0 {
            return Err(StoreError::UnknownVersion {
                path: self.label.clone(),
                found: current,
                known: MIGRATIONS.len(),
            });
        }
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
            tx.execute_batch(migration)
                .map_err(|source| migration_error(&label, i + 1, source))?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(sql)?;
            tx.commit().map_err(sql)?;
        }
        let id: i32 = self
            .conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(sql)?;
        if id != APPLICATION_ID {
            self.conn
                .pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(sql)?;
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

    /// The store's label (its path) for messages.
    pub fn path_label(&self) -> &str {
        &self.label
    }
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
        .map(|(successes, failures, as_of)| {
            // An unreadable time is a conversion error naming the column, never dropped evidence.
            DateTime::parse_from_rfc3339(&as_of)
                .map(|t| crate::mastery::Evidence { successes, failures, as_of: t.with_timezone(&Utc) })
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e)))
        })
        .transpose()?;
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

/// Refuses what SQLite would not open as a plain database file: the in-memory name, URI filenames
/// (SQLite reads `file:…?mode=memory`, `immutable=1`, `nolock=1` as instructions) and anything
/// that exists but is not a regular file (a device such as `/dev/null`, a FIFO, a folder).
fn check_db_path(path: &Path) -> Result<(), StoreError> {
    let text = path.to_string_lossy();
    let refuse = |reason: &str| {
        Err(StoreError::BadPath {
            path: text.clone().into_owned(),
            reason: reason.to_owned(),
        })
    };
    if text.is_empty() {
        return refuse("an empty path is SQLite's temporary database, which keeps nothing");
    }
    if text == ":memory:" || text.starts_with(":memory:") {
        return refuse("\":memory:\" is a database in memory, which keeps nothing");
    }
    if text.len() >= 5 && text[..5].eq_ignore_ascii_case("file:") {
        return refuse("SQLite URI filenames (file:…) are not accepted; write ./file:… for a file so named");
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(m) if m.is_dir() => refuse("it is a folder"),
        Ok(_) => refuse("it is a device or another special file, not a regular file"),
        Err(_) => Ok(()),
    }
}

/// Refuses a SQLite file that another application owns, reading only (nothing is written before
/// this passes): its `application_id` is someone else's, or it has no id and is not empty yet
/// lacks retake's tables.
fn check_ownership(conn: &Connection, label: &str) -> Result<(), StoreError> {
    let read = |source| classify(label, source);
    let id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(read)?;
    if id == APPLICATION_ID {
        return Ok(());
    }
    let foreign = |reason: String| {
        Err(StoreError::Foreign {
            path: label.to_owned(),
            reason,
        })
    };
    if id != 0 {
        return foreign(format!("its application_id is {id:#010x}, another application's"));
    }
    let (tables, ours): (i64, i64) = conn
        .query_row(
            "SELECT count(*), count(*) FILTER (WHERE name IN ('exams', 'items'))
             FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(read)?;
    if tables == 0 || ours == 2 {
        return Ok(());
    }
    foreign(format!(
        "it holds {tables} table{} of another application",
        if tables == 1 { "" } else { "s" }
    ))
}

/// A clear "read-only folder" error when the database does not exist yet and its folder cannot be
/// written (SQLite only says "unable to open database file").
fn read_only_folder(path: &Path, label: &str) -> Option<StoreError> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // A named file (O_CREAT | O_EXCL), as SQLite's own journal would be; it is removed at once.
    match tempfile::NamedTempFile::new_in(folder) {
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            Some(StoreError::ReadOnlyFolder {
                path: label.to_owned(),
                folder: folder.display().to_string(),
            })
        }
        _ => None,
    }
}

/// A failed migration, without the migration's SQL (rusqlite's message would quote all of it).
fn migration_error(label: &str, version: usize, source: rusqlite::Error) -> StoreError {
    let detail = match &source {
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        rusqlite::Error::SqliteFailure(e, Some(msg)) => format!("{msg} ({e})"),
        other => other.to_string(),
    };
    match classify(label, source) {
        e @ (StoreError::Full { .. } | StoreError::ReadOnly { .. } | StoreError::Busy { .. }) => e,
        _ => StoreError::Migration {
            path: label.to_owned(),
            version,
            detail,
        },
    }
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
