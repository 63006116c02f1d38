//! Keeping the store's bank catalogue in step with the bank source.
//!
//! The hot path costs one fingerprint comparison per exam folder: file names, sizes and
//! modification times for a folder on disk (no contents read), the build's content hash for the
//! bundled banks. Only a changed folder is read, validated and imported — and a folder that fails
//! validation leaves the database untouched.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{EngineError, Notice, Result};
use crate::bank::Problem;
use crate::bank::load::{self, ExamFolder};
use crate::store::{ExamSummary, ImportReport, Store};

/// Where the banks come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BankSource {
    /// The banks compiled into the binary.
    Bundled,
    /// A folder of exam folders (`--banks DIR`), replacing the bundled ones.
    Dir(PathBuf),
}

impl BankSource {
    /// The exam folders of this source (an unreadable exam folder is left out).
    pub fn folders(&self) -> Result<Vec<ExamFolder>> {
        Ok(self.folders_and_skipped()?.0)
    }

    /// The exam folders of this source, and a warning for each exam folder that could not be read
    /// (commands that do not need it go on without it).
    pub fn folders_and_skipped(&self) -> Result<(Vec<ExamFolder>, Vec<String>)> {
        match self {
            BankSource::Bundled => Ok((load::embedded_folders(), Vec::new())),
            BankSource::Dir(dir) => {
                let (folders, skipped) = load::exam_folders_skipping(dir)?;
                let warnings = skipped
                    .iter()
                    .map(|e| {
                        format!("skipped an exam folder: {e} (commands that need its exam will not find it)")
                    })
                    .collect();
                Ok((folders, warnings))
            }
        }
    }
}

/// The store after syncing, with what happened on the way.
pub struct Catalog {
    /// The open store.
    pub store: Store,
    /// Folders that failed validation (their last good import, if any, stays in use).
    pub failures: Vec<(String, Vec<Problem>)>,
    /// What the learner should be told (imports, answer changes, skipped banks).
    pub notices: Vec<Notice>,
    /// Store keys of the folders in the active source: only their exams are offered.
    sources: Vec<String>,
}

/// Opens the store at `db` and brings its catalogue up to date with `source`.
pub fn open(db: &Path, source: &BankSource, now: DateTime<Utc>) -> Result<Catalog> {
    open_with(db, source, now, &mut |_| {})
}

/// [`open`], telling `progress` about each bank it has to read (a face shows a progress bar).
pub fn open_with(
    db: &Path,
    source: &BankSource,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(Step<'_>),
) -> Result<Catalog> {
    let store = Store::open(db)?;
    sync_with(store, source, now, progress)
}

/// Where a sync is: the bank folder it reads, and how many folders it has looked at of all.
#[derive(Clone, Copy, Debug)]
pub struct Step<'a> {
    /// Folders looked at so far.
    pub done: usize,
    /// Folders in the source.
    pub total: usize,
    /// The folder being read and imported (None once finished).
    pub reading: Option<&'a str>,
}

/// Brings an open store's catalogue up to date with `source`.
pub fn sync(store: Store, source: &BankSource, now: DateTime<Utc>) -> Result<Catalog> {
    sync_with(store, source, now, &mut |_| {})
}

/// [`sync`], telling `progress` about each changed bank as it reads and imports it.
pub fn sync_with(
    mut store: Store,
    source: &BankSource,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(Step<'_>),
) -> Result<Catalog> {
    let mut failures = Vec::new();
    let (folders, skipped) = source.folders_and_skipped()?;
    let mut notices: Vec<Notice> = skipped.into_iter().map(Notice::warning).collect();
    let sources: Vec<String> = folders.iter().map(|f| f.key.clone()).collect();
    let displays: Vec<(String, String)> = folders
        .iter()
        .map(|f| (f.key.clone(), f.display.clone()))
        .collect();
    let total = folders.len();
    for (done, folder) in folders.into_iter().enumerate() {
        let fingerprint = folder.fingerprint();
        let previous = store.imported_from(&folder.key)?;
        if previous.as_ref().is_some_and(|p| p.fingerprint == fingerprint) {
            continue;
        }
        progress(Step {
            done,
            total,
            reading: Some(&folder.display),
        });
        let read = match folder.read() {
            Ok(r) => r,
            Err(problems) => {
                failures.push((folder.display.clone(), problems));
                continue;
            }
        };
        if let Some(prev) = previous.as_ref().filter(|p| p.content_hash == read.content_hash) {
            store.touch_exam(&prev.code, &fingerprint)?;
            continue;
        }
        match crate::bank::parse::parse_exam(Some(&read.exam), &read.questions) {
            Ok((bank, _notes)) => {
                // Another folder of this source already holds the code: importing would replace
                // its questions (and reset memory) on every run. Keep the first, report this one.
                let holder = store.exam_source(&bank.exam.code)?;
                if let Some((_, first)) = displays
                    .iter()
                    .find(|(key, _)| holder.as_ref() == Some(key) && *key != folder.key)
                {
                    let problem = load::duplicate_code(&folder, &bank.exam.code, first);
                    failures.push((folder.display.clone(), vec![problem]));
                    continue;
                }
                let existed = store.exams()?.iter().any(|e| e.code == bank.exam.code);
                let report = store.import_bank(&bank, &folder.key, &fingerprint, &read.content_hash, now)?;
                if existed {
                    notices.extend(describe_import(&report));
                }
            }
            Err(problems) => failures.push((folder.display.clone(), problems)),
        }
    }
    progress(Step {
        done: total,
        total,
        reading: None,
    });
    for (folder, problems) in &failures {
        let errors = problems.iter().filter(|p| p.is_error()).count();
        notices.push(Notice::warning(format!(
            "skipped the bank {folder}: {errors} problem{} (see `retake bank lint {folder}`)",
            if errors == 1 { "" } else { "s" }
        )));
    }
    Ok(Catalog {
        store,
        failures,
        notices,
        sources,
    })
}

fn describe_import(r: &ImportReport) -> Vec<Notice> {
    let mut parts = Vec::new();
    for (n, what) in [
        (r.added, "added"),
        (r.edited, "edited"),
        (r.removed, "removed"),
        (r.restored, "restored"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    if !r.answer_changed.is_empty() {
        parts.push(format!("{} with a changed answer", r.answer_changed.len()));
    }
    if parts.is_empty() {
        return Vec::new();
    }
    let mut out = vec![Notice::note(format!(
        "note: bank {} updated: {}",
        r.exam,
        parts.join(", ")
    ))];
    for (item, family) in &r.answer_changed {
        out.push(Notice::note(format!(
            "note: {item}: its answer changed, so what you learned about family {family} starts afresh"
        )));
    }
    out
}

impl Catalog {
    /// The exams of the active bank source, by code.
    pub fn exams(&self) -> Result<Vec<ExamSummary>> {
        let mut exams = self.store.exams()?;
        exams.retain(|e| self.sources.contains(&e.source));
        Ok(exams)
    }

    /// The exam with this code (case-insensitive), or an error listing the codes.
    pub fn exam(&self, code: &str) -> Result<ExamSummary> {
        let exams = self.exams()?;
        let codes: Vec<String> = exams.iter().map(|e| e.code.clone()).collect();
        match exams.into_iter().find(|e| e.code.eq_ignore_ascii_case(code)) {
            Some(e) => Ok(e),
            None if !self.failures.is_empty() => Err(EngineError::BanksFailed {
                code: code.to_owned(),
                folders: self
                    .failures
                    .iter()
                    .map(|(f, _)| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
            None => Err(EngineError::UnknownExam {
                code: code.to_owned(),
                available: if codes.is_empty() {
                    "none".to_owned()
                } else {
                    codes.join(", ")
                },
            }),
        }
    }

    /// The named exam, or every exam of the source when `code` is `None`.
    pub fn exams_or_all(&self, code: Option<&str>) -> Result<Vec<ExamSummary>> {
        match code {
            Some(c) => Ok(vec![self.exam(c)?]),
            None => self.exams(),
        }
    }
}
