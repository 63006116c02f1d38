//! Keeping the store's bank catalogue in step with the bank sources.
//!
//! The hot path costs one fingerprint comparison per exam folder: file names, sizes and
//! modification times for a folder on disk (no contents read), the build's content hash for the
//! bundled banks. Only a changed folder is read, validated and imported — and a folder that fails
//! validation leaves the database untouched.

use anyhow::Context as _;

use super::Context;
use crate::bank::Problem;
use crate::bank::load::{self, ExamFolder};
use crate::store::{ExamSummary, ImportReport, Store};

/// The store after syncing, with what happened on the way.
pub struct Catalog {
    /// The open store.
    pub store: Store,
    /// Folders that failed validation (their last good import, if any, stays in use).
    pub failures: Vec<(String, Vec<Problem>)>,
    /// Store keys of the folders in the active source: only their exams are offered.
    sources: Vec<String>,
}

/// The exam folders of the active bank source (`--banks` or the bundled banks).
pub fn source_folders(ctx: &Context) -> anyhow::Result<Vec<ExamFolder>> {
    match &ctx.banks {
        Some(dir) => {
            let (folders, skipped) = load::exam_folders_skipping(dir)?;
            for e in &skipped {
                ctx.warn(&format!(
                    "skipped an exam folder: {e} (commands that need its exam will not find it)"
                ));
            }
            Ok(folders)
        }
        None => Ok(load::embedded_folders()),
    }
}

/// Opens the store and brings its catalogue up to date with the bank source.
pub fn open(ctx: &Context) -> anyhow::Result<Catalog> {
    let path = ctx.db_path()?;
    let mut store = Store::open(&path)?;
    let mut failures = Vec::new();
    let folders = source_folders(ctx)?;
    let sources: Vec<String> = folders.iter().map(|f| f.key.clone()).collect();
    let displays: Vec<(String, String)> = folders
        .iter()
        .map(|f| (f.key.clone(), f.display.clone()))
        .collect();
    for folder in folders {
        let fingerprint = folder.fingerprint();
        let previous = store.imported_from(&folder.key)?;
        if previous.as_ref().is_some_and(|p| p.fingerprint == fingerprint) {
            continue;
        }
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
                let report = store
                    .import_bank(&bank, &folder.key, &fingerprint, &read.content_hash, ctx.now)
                    .with_context(|| format!("importing the bank {}", folder.display))?;
                if existed {
                    describe_import(ctx, &report);
                }
            }
            Err(problems) => failures.push((folder.display.clone(), problems)),
        }
    }
    for (folder, problems) in &failures {
        let errors = problems.iter().filter(|p| p.is_error()).count();
        ctx.warn(&format!(
            "skipped the bank {folder}: {errors} problem{} (see `retake bank lint {folder}`)",
            if errors == 1 { "" } else { "s" }
        ));
    }
    Ok(Catalog {
        store,
        failures,
        sources,
    })
}

fn describe_import(ctx: &Context, r: &ImportReport) {
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
        return;
    }
    ctx.note(&format!("note: bank {} updated: {}", r.exam, parts.join(", ")));
    for (item, family) in &r.answer_changed {
        ctx.note(&format!(
            "note: {item}: its answer changed, so what you learned about family {family} starts afresh"
        ));
    }
}

impl Catalog {
    /// The exams of the active bank source, by code.
    pub fn exams(&self) -> anyhow::Result<Vec<ExamSummary>> {
        let mut exams = self.store.exams()?;
        exams.retain(|e| self.sources.contains(&e.source));
        Ok(exams)
    }

    /// The exam with this code (case-insensitive), or a usage error listing the codes.
    pub fn exam(&self, code: &str) -> anyhow::Result<ExamSummary> {
        let exams = self.exams()?;
        let codes: Vec<String> = exams.iter().map(|e| e.code.clone()).collect();
        match exams.into_iter().find(|e| e.code.eq_ignore_ascii_case(code)) {
            Some(e) => Ok(e),
            None if !self.failures.is_empty() => Err(anyhow::anyhow!(
                "no usable exam \"{code}\": the banks {} failed validation (run `retake bank lint`)",
                self.failures
                    .iter()
                    .map(|(f, _)| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            None => Err(super::UsageError(format!(
                "no exam \"{code}\" in the banks (available: {})",
                if codes.is_empty() {
                    "none".to_owned()
                } else {
                    codes.join(", ")
                }
            ))
            .into()),
        }
    }
}
