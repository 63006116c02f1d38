//! Finding and reading bank files: the only code that reads them.
//!
//! A bank source is either the banks embedded in the binary at build time or a folder on disk. Each
//! exam folder can say cheaply whether it changed (a fingerprint of file names, sizes and
//! modification times, or the build's content hash for embedded banks) so that an unchanged bank is
//! never re-read on the hot path.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};

use super::parse::{SourceFile, Validated, parse_exam, parse_exam_only};
use super::problem::{Problem, Severity};
use super::yaml::Pos;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_banks.rs"));
}

/// Largest bank file accepted, in bytes.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;
/// Deepest folder nesting searched for exam folders.
const MAX_TREE_DEPTH: usize = 8;
/// The file that makes a folder an exam folder.
pub const EXAM_FILE: &str = "exam.yaml";

/// Where a bank file's bytes live.
#[derive(Clone, Debug)]
enum Location {
    Disk(PathBuf),
    Embedded(&'static [u8]),
}

/// One bank file.
#[derive(Clone, Debug)]
pub struct BankFile {
    /// The path shown in messages.
    pub display: String,
    location: Location,
}

/// An exam folder: `exam.yaml` and its question files.
#[derive(Clone, Debug)]
pub struct ExamFolder {
    /// The folder as shown in messages.
    pub display: String,
    /// A stable identity of the folder for the store (`embedded:az-104` or an absolute path).
    pub key: String,
    /// `exam.yaml`, if present.
    pub exam_file: Option<BankFile>,
    /// Question files, sorted by path.
    pub question_files: Vec<BankFile>,
}

/// What a lint target is.
#[derive(Clone, Debug)]
pub enum Target {
    /// A whole exam folder.
    Folder(ExamFolder),
    /// One question file, checked against its folder's `exam.yaml`.
    File {
        /// The folder the file belongs to (its question files are not checked).
        folder: ExamFolder,
        /// The file to check.
        file: BankFile,
    },
    /// Only `exam.yaml`.
    ExamFile(ExamFolder),
}

/// A failure to find banks at all (as opposed to problems inside bank files).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The path does not exist or cannot be read.
    #[error("cannot read {path}: {source}")]
    Unreadable {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No `exam.yaml` anywhere under the path.
    #[error(
        "no exam found under {0}: an exam folder holds an exam.yaml (see `retake bank schema` and the README)"
    )]
    NoExam(String),
    /// A file that is not YAML was named.
    #[error("{0} is not a bank file: bank files end in .yaml")]
    NotYaml(String),
}

/// The exam folders embedded in the binary.
pub fn embedded_folders() -> Vec<ExamFolder> {
    let mut folders: Vec<ExamFolder> = Vec::new();
    for (rel, bytes) in embedded::FILES {
        let Some((exam_dir, name)) = rel.split_once('/') else {
            continue;
        };
        let folder = match folders
            .iter_mut()
            .find(|f| f.key == format!("embedded:{exam_dir}"))
        {
            Some(f) => f,
            None => {
                folders.push(ExamFolder {
                    display: format!("question_banks/{exam_dir}"),
                    key: format!("embedded:{exam_dir}"),
                    exam_file: None,
                    question_files: Vec::new(),
                });
                let last = folders.len() - 1;
                &mut folders[last]
            }
        };
        let file = BankFile {
            display: format!("question_banks/{rel}"),
            location: Location::Embedded(bytes),
        };
        if name == EXAM_FILE {
            folder.exam_file = Some(file);
        } else {
            folder.question_files.push(file);
        }
    }
    folders
}

/// The content hash of the embedded banks, computed at build time.
pub fn embedded_fingerprint() -> &'static str {
    embedded::FINGERPRINT
}

fn unreadable(path: &Path, source: std::io::Error) -> LoadError {
    LoadError::Unreadable {
        path: path.display().to_string(),
        source,
    }
}

fn is_yaml(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// Finds what to check under a path: a tree of exams, one exam folder, or one file.
pub fn discover(path: &Path) -> Result<Vec<Target>, LoadError> {
    let meta = fs::metadata(path).map_err(|e| unreadable(path, e))?;
    if meta.is_file() {
        if !is_yaml(path) {
            return Err(LoadError::NotYaml(path.display().to_string()));
        }
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let folder = read_folder(parent, &parent.display().to_string())?;
        let is_exam_file = path.file_name().and_then(|n| n.to_str()) == Some(EXAM_FILE);
        if is_exam_file {
            return Ok(vec![Target::ExamFile(folder)]);
        }
        let file = BankFile {
            display: path.display().to_string(),
            location: Location::Disk(path.to_path_buf()),
        };
        return Ok(vec![Target::File { folder, file }]);
    }
    let folders = exam_folders(path)?;
    Ok(folders.into_iter().map(Target::Folder).collect())
}

/// Every exam folder under a directory (the directory itself when it holds `exam.yaml`); a folder
/// below it that cannot be read is an error.
pub fn exam_folders(root: &Path) -> Result<Vec<ExamFolder>, LoadError> {
    let (found, mut skipped) = exam_folders_skipping(root)?;
    match skipped.pop() {
        Some(e) => Err(e),
        None => Ok(found),
    }
}

/// Every readable exam folder under a directory, and the folders below it that could not be read
/// (skipped, so that one unreadable exam does not stop commands that do not need it). The root
/// itself must be readable.
pub fn exam_folders_skipping(root: &Path) -> Result<(Vec<ExamFolder>, Vec<LoadError>), LoadError> {
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    let mut visited = HashSet::new();
    collect_exam_folders(
        root,
        &root.display().to_string(),
        0,
        &mut visited,
        &mut found,
        &mut skipped,
    )?;
    if found.is_empty() {
        return Err(skipped
            .pop()
            .unwrap_or_else(|| LoadError::NoExam(root.display().to_string())));
    }
    Ok((found, skipped))
}

/// Walks folders, following symlinks but never entering the same real folder twice (so a symlink
/// loop ends).
fn collect_exam_folders(
    dir: &Path,
    display: &str,
    depth: usize,
    visited: &mut HashSet<PathBuf>,
    out: &mut Vec<ExamFolder>,
    skipped: &mut Vec<LoadError>,
) -> Result<(), LoadError> {
    match collect_exam_folders_in(dir, display, depth, visited, out, skipped) {
        Err(e) if depth > 0 => {
            skipped.push(e);
            Ok(())
        }
        r => r,
    }
}

fn collect_exam_folders_in(
    dir: &Path,
    display: &str,
    depth: usize,
    visited: &mut HashSet<PathBuf>,
    out: &mut Vec<ExamFolder>,
    skipped: &mut Vec<LoadError>,
) -> Result<(), LoadError> {
    let real = fs::canonicalize(dir).map_err(|e| unreadable(dir, e))?;
    if !visited.insert(real) {
        return Ok(());
    }
    if dir.join(EXAM_FILE).is_file() {
        out.push(read_folder(dir, display)?);
        return Ok(());
    }
    if depth >= MAX_TREE_DEPTH {
        return Ok(());
    }
    let entries = sorted_entries(dir)?;
    let has_yaml = entries.iter().any(|(p, _)| is_yaml(p) && !p.is_dir());
    if has_yaml && depth > 0 {
        // Question files with no exam.yaml: report them rather than skip them silently.
        out.push(read_folder(dir, display)?);
        return Ok(());
    }
    for (path, name) in entries {
        if path.is_dir() && !name.starts_with('.') {
            collect_exam_folders(
                &path,
                &join_display(display, &name),
                depth + 1,
                visited,
                out,
                skipped,
            )?;
        }
    }
    Ok(())
}

fn join_display(base: &str, name: &str) -> String {
    if base == "." {
        name.to_owned()
    } else {
        format!("{}/{name}", base.trim_end_matches('/'))
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<(PathBuf, String)>, LoadError> {
    let mut entries: Vec<(PathBuf, String)> = fs::read_dir(dir)
        .map_err(|e| unreadable(dir, e))?
        .filter_map(Result::ok)
        .map(|e| (e.path(), e.file_name().to_string_lossy().into_owned()))
        .collect();
    entries.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(entries)
}

/// Reads an exam folder's file list (not the contents).
fn read_folder(dir: &Path, display: &str) -> Result<ExamFolder, LoadError> {
    let key = fs::canonicalize(dir)
        .map_err(|e| unreadable(dir, e))?
        .display()
        .to_string();
    let mut folder = ExamFolder {
        display: display.to_owned(),
        key,
        exam_file: None,
        question_files: Vec::new(),
    };
    let mut visited = HashSet::new();
    collect_question_files(dir, display, 0, &mut visited, &mut folder)?;
    Ok(folder)
}

fn collect_question_files(
    dir: &Path,
    display: &str,
    depth: usize,
    visited: &mut HashSet<PathBuf>,
    folder: &mut ExamFolder,
) -> Result<(), LoadError> {
    if fs::canonicalize(dir).is_ok_and(|real| !visited.insert(real)) {
        return Ok(());
    }
    for (path, name) in sorted_entries(dir)? {
        let shown = join_display(display, &name);
        if path.is_dir() {
            if depth < MAX_TREE_DEPTH && !name.starts_with('.') && !path.join(EXAM_FILE).exists() {
                collect_question_files(&path, &shown, depth + 1, visited, folder)?;
            }
            continue;
        }
        if !is_yaml(&path) {
            continue;
        }
        let file = BankFile {
            display: shown,
            location: Location::Disk(path),
        };
        if depth == 0 && name == EXAM_FILE {
            folder.exam_file = Some(file);
        } else {
            folder.question_files.push(file);
        }
    }
    Ok(())
}

/// A folder's files, read and decoded.
#[derive(Debug)]
pub struct ReadFolder {
    /// `exam.yaml`.
    pub exam: SourceFile,
    /// The question files.
    pub questions: Vec<SourceFile>,
    /// SHA-256 over every file's path and bytes.
    pub content_hash: String,
}

impl BankFile {
    /// Reads and decodes the file: at most [`MAX_FILE_BYTES`], valid UTF-8, a BOM removed.
    pub fn read(&self) -> Result<(SourceFile, Vec<u8>), Problem> {
        let start = Pos { line: 1, column: 1 };
        let problem = |message: String| Problem {
            file: self.display.clone(),
            pos: start,
            severity: Severity::Error,
            subject: None,
            message,
        };
        let bytes = match &self.location {
            Location::Embedded(b) => b.to_vec(),
            Location::Disk(path) => {
                let meta = fs::metadata(path).map_err(|e| problem(format!("cannot read the file: {e}")))?;
                if !meta.is_file() {
                    return Err(problem("not a regular file".to_owned()));
                }
                if meta.len() > MAX_FILE_BYTES {
                    return Err(problem(format!(
                        "file is {:.1} MiB, over the 10 MiB limit: split it into several files",
                        meta.len() as f64 / 1024.0 / 1024.0
                    )));
                }
                fs::read(path).map_err(|e| problem(format!("cannot read the file: {e}")))?
            }
        };
        let text = match std::str::from_utf8(&bytes) {
            Ok(t) => t,
            Err(e) => {
                let valid = &bytes[..e.valid_up_to()];
                let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
                let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
                let column = String::from_utf8_lossy(&valid[line_start..]).chars().count() + 1;
                let byte = bytes.get(e.valid_up_to()).copied().unwrap_or(0);
                return Err(Problem {
                    pos: Pos {
                        line: line as u64,
                        column: column as u64,
                    },
                    ..problem(format!(
                        "invalid UTF-8 (byte 0x{byte:02X}): save the file as UTF-8"
                    ))
                });
            }
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text).to_owned();
        Ok((
            SourceFile {
                path: self.display.clone(),
                text,
            },
            bytes,
        ))
    }

    /// Size, modification time and (on Unix) inode and change time, for change detection without
    /// reading. The change time is what makes this trustworthy: anyone can put a file's size and
    /// modification time back after editing it (`touch -r`), but every write and every `touch`
    /// sets the change time to the present, so an edit that hides behind the old size and mtime
    /// still changes the stamp and the folder is read and hashed again.
    fn stamp(&self) -> String {
        match &self.location {
            Location::Embedded(b) => format!("{}:{}", self.display, b.len()),
            Location::Disk(path) => match fs::metadata(path) {
                Ok(m) => {
                    let mtime = m
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                        .map_or(0, |d| d.as_nanos());
                    format!("{}:{}:{mtime}{}", self.display, m.len(), change_stamp(&m))
                }
                Err(_) => format!("{}:missing", self.display),
            },
        }
    }
}

#[cfg(unix)]
fn change_stamp(m: &fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt as _;
    format!(":{}:{}:{}.{}", m.dev(), m.ino(), m.ctime(), m.ctime_nsec())
}

#[cfg(not(unix))]
fn change_stamp(_: &fs::Metadata) -> String {
    String::new()
}

/// Lower-case hexadecimal SHA-256.
pub fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    lower_hex(&h.finalize())
}

fn lower_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl ExamFolder {
    fn all_files(&self) -> impl Iterator<Item = &BankFile> {
        self.exam_file.iter().chain(self.question_files.iter())
    }

    /// A cheap fingerprint: file names, sizes and modification times (no contents read).
    pub fn fingerprint(&self) -> String {
        if self.key.starts_with("embedded:") {
            return format!("build:{}", embedded_fingerprint());
        }
        let stamps: Vec<String> = self.all_files().map(BankFile::stamp).collect();
        let joined = stamps.join("\n");
        sha256_hex(&[joined.as_bytes()])
    }

    /// Reads every file it can; returns `exam.yaml`, the question files, every file that could not
    /// be read, and the content hash of what was read.
    fn read_all(&self) -> (Option<SourceFile>, Vec<SourceFile>, Vec<Problem>, String) {
        let mut problems = Vec::new();
        // Hashed as each file is read (same framing as `sha256_hex`), so the bytes are not kept.
        let mut hasher = Sha256::new();
        let mut read = |f: &BankFile, problems: &mut Vec<Problem>| match f.read() {
            Ok((s, bytes)) => {
                for part in [f.display.as_bytes(), bytes.as_slice()] {
                    hasher.update((part.len() as u64).to_le_bytes());
                    hasher.update(part);
                }
                Some(s)
            }
            Err(p) => {
                problems.push(p);
                None
            }
        };
        let exam = match &self.exam_file {
            None => {
                problems.push(Problem {
                    file: format!("{}/{EXAM_FILE}", self.display),
                    pos: Pos { line: 1, column: 1 },
                    severity: Severity::Error,
                    subject: None,
                    message:
                        "missing exam.yaml: question files must sit in an exam folder beside its exam.yaml"
                            .to_owned(),
                });
                None
            }
            Some(f) => read(f, &mut problems),
        };
        let questions = self
            .question_files
            .iter()
            .filter_map(|f| read(f, &mut problems))
            .collect();
        (exam, questions, problems, lower_hex(&hasher.finalize()))
    }

    /// Reads every file; fails with every file that cannot be read (or a missing `exam.yaml`).
    pub fn read(&self) -> Result<ReadFolder, Vec<Problem>> {
        match self.read_all() {
            (Some(exam), questions, problems, content_hash) if problems.is_empty() => Ok(ReadFolder {
                exam,
                questions,
                content_hash,
            }),
            (_, _, problems, _) => Err(problems),
        }
    }

    /// Reads and validates the whole folder. Files that cannot be read are reported alongside the
    /// problems of the files that can, so one bad file never hides the others.
    pub fn validate(&self) -> Result<(super::Bank, Vec<Problem>, String), Vec<Problem>> {
        let (exam, questions, mut problems, hash) = self.read_all();
        match parse_exam(exam.as_ref(), &questions) {
            Ok((bank, notes)) if problems.is_empty() => Ok((bank, notes, hash)),
            Ok((_, found)) | Err(found) => {
                problems.extend(found);
                problems.sort();
                Err(problems)
            }
        }
    }
}

/// The result of checking one target: its problems and, when valid, the questions and flashcards
/// checked.
pub type Checked = (Vec<Problem>, Option<(usize, usize)>);

/// Where an exam code is declared: the `code:` line of an `exam.yaml`.
fn code_position(folder: &ExamFolder) -> (String, Pos) {
    let file = folder.exam_file.as_ref().map_or_else(
        || format!("{}/{EXAM_FILE}", folder.display),
        |f| f.display.clone(),
    );
    let line = folder
        .exam_file
        .as_ref()
        .and_then(|f| f.read().ok())
        .and_then(|(s, _)| s.text.lines().position(|l| l.trim_start().starts_with("code:")))
        .map_or(1, |i| i as u64 + 1);
    (file, Pos { line, column: 1 })
}

/// The error for an exam folder whose exam code another folder (`first`) already uses.
pub fn duplicate_code(folder: &ExamFolder, code: &str, first: &str) -> Problem {
    let (file, pos) = code_position(folder);
    Problem {
        file,
        pos,
        severity: Severity::Error,
        subject: None,
        message: format!(
            "exam code \"{code}\" is also the code of {first}: two exam folders with one code would replace each other's questions and reset what you learned; give each exam its own code"
        ),
    }
}

/// Checks every target, and across them that no two exam folders share an exam code (the store
/// keys exams by code: two folders with one code would replace each other's questions on every
/// run and reset what the learner learned). The duplicate is an error naming both folders.
pub fn check_all(targets: &[Target]) -> Vec<Checked> {
    let mut seen: Vec<(String, String)> = Vec::new();
    targets
        .iter()
        .map(|target| {
            let (mut problems, counts, code) = target.check_with_code();
            if let (Some(code), Target::Folder(folder) | Target::ExamFile(folder)) = (code, target) {
                match seen.iter().find(|(c, _)| c.eq_ignore_ascii_case(&code)) {
                    Some((_, first)) => {
                        problems.push(duplicate_code(folder, &code, first));
                        return (problems, None);
                    }
                    None => seen.push((code, folder.display.clone())),
                }
            }
            (problems, counts)
        })
        .collect()
}

impl Target {
    /// Reads and validates the target; returns its problems (errors and notes) and, when valid,
    /// the counts of questions and flashcards checked.
    pub fn check(&self) -> Checked {
        let (problems, counts, _) = self.check_with_code();
        (problems, counts)
    }

    /// As [`Target::check`], with the exam code when the exam could be read.
    fn check_with_code(&self) -> (Vec<Problem>, Option<(usize, usize)>, Option<String>) {
        match self {
            Target::Folder(folder) => match folder.validate() {
                Ok((bank, notes, _)) => (
                    notes,
                    Some((bank.questions.len(), bank.flashcards.len())),
                    Some(bank.exam.code),
                ),
                Err(problems) => (problems, None, None),
            },
            Target::ExamFile(folder) => {
                let Some(file) = &folder.exam_file else {
                    return (folder.read().err().unwrap_or_default(), None, None);
                };
                match file.read() {
                    Ok((source, _)) => match parse_exam_only(&source) {
                        Ok((exam, notes)) => (notes, Some((0, 0)), Some(exam.code)),
                        Err(problems) => (problems, None, None),
                    },
                    Err(p) => (vec![p], None, None),
                }
            }
            Target::File { folder, file } => {
                let exam = match &folder.exam_file {
                    Some(f) => f.read(),
                    None => Err(Problem {
                        file: format!("{}/{EXAM_FILE}", folder.display),
                        pos: Pos { line: 1, column: 1 },
                        severity: Severity::Error,
                        subject: None,
                        message: format!(
                            "missing exam.yaml: {} must sit in an exam folder beside its exam.yaml",
                            file.display
                        ),
                    }),
                };
                let (exam, question) = match (exam, file.read()) {
                    (Ok((e, _)), Ok((q, _))) => (e, q),
                    (e, q) => return ([e.err(), q.err()].into_iter().flatten().collect(), None, None),
                };
                let outcome: Validated = parse_exam(Some(&exam), &[question]);
                match outcome {
                    Ok((bank, notes)) => {
                        // Notes about exam.yaml belong to a check of that file, not this one.
                        let own: Vec<Problem> =
                            notes.into_iter().filter(|n| n.file == file.display).collect();
                        (own, Some((bank.questions.len(), bank.flashcards.len())), None)
                    }
                    Err(problems) => (
                        problems
                            .into_iter()
                            .filter(|p| p.is_error() || p.file == file.display)
                            .collect(),
                        None,
                        None,
                    ),
                }
            }
        }
    }

    /// The path shown for this target.
    pub fn display(&self) -> &str {
        match self {
            Target::Folder(f) | Target::ExamFile(f) => &f.display,
            Target::File { file, .. } => &file.display,
        }
    }
}
