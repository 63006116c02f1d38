//! Conversion of parsed YAML into the validated model, collecting every problem with its position.
//!
//! This is pure: it takes file contents already in memory and returns either a [`Bank`] (plus notes)
//! or the complete list of problems.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;

use super::model::{
    Answer, Answering, Axis, Bank, Body, Case, CaseLink, Category, CategoryId, Domain, DomainId, Exam,
    FamilyId, Flashcard, ItemType, Question, QuestionId, RetakePolicy, Template, TemplateCase, Weight,
    letter, placeholders,
};
use super::problem::{Problem, Severity};
use super::status::ExamStatus;
use super::yaml::{self, Key, Kind, Node, Pos};

mod answer;
mod exam_file;
mod questions;
mod template;

use answer::*;
use exam_file::*;
#[cfg(test)]
pub(crate) use questions::QUESTION_FIELDS;
pub use questions::blank_markers;
use questions::*;
pub use template::stated_choice_count;
use template::*;

/// A bank file's contents, already read and decoded.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as shown in messages.
    pub path: String,
    /// The UTF-8 text (a byte-order mark already removed).
    pub text: String,
}

/// The outcome of validating one exam folder.
pub type Validated = Result<(Bank, Vec<Problem>), Vec<Problem>>;

/// Highest number of template combinations lint will expand for one question.
pub const MAX_COMBINATIONS: usize = 4096;

/// Parses and validates an exam folder: `exam.yaml` and its question files.
///
/// Returns the bank and its notes, or every problem found (errors and notes), sorted by file and
/// position. Without `exam.yaml` the question files are still checked (all but their domains) and
/// the result is always an error.
pub fn parse_exam(exam_file: Option<&SourceFile>, question_files: &[SourceFile]) -> Validated {
    let mut problems = Vec::new();
    let exam = exam_file.and_then(|exam_file| {
        let mut cx = Cx::new(exam_file, &mut problems);
        match yaml::parse(&exam_file.text) {
            Ok(node) => exam_from(&mut cx, &node),
            Err(e) => {
                cx.error_at(e.pos, e.message);
                None
            }
        }
    });
    let mut content = Content::default();
    // YAML parsing dominates loading, so files are parsed a batch at a time on every core; only one
    // batch of trees is alive at once, and conversion stays sequential and in file order.
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    for batch in question_files.chunks(threads.max(1)) {
        let parsed: Vec<Result<yaml::Node, yaml::ParseFailure>> = if batch.len() == 1 {
            batch.iter().map(|f| yaml::parse(&f.text)).collect()
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = batch
                    .iter()
                    .map(|f| scope.spawn(|| yaml::parse(&f.text)))
                    .collect();
                handles
                    .into_iter()
                    .zip(batch)
                    .map(|(h, f)| h.join().unwrap_or_else(|_| yaml::parse(&f.text)))
                    .collect()
            })
        };
        for (file, tree) in batch.iter().zip(parsed) {
            let mut cx = Cx::new(file, &mut problems);
            match tree {
                Ok(node) => question_file(&mut cx, &node, exam.as_ref(), &mut content),
                Err(e) => cx.error_at(e.pos, e.message),
            }
        }
    }
    problems.sort();
    problems.dedup();
    match exam {
        Some(exam) if exam_file.is_some() && !problems.iter().any(Problem::is_error) => Ok((
            Bank {
                exam,
                questions: content.questions,
                cases: content.cases,
                flashcards: content.flashcards,
            },
            problems,
        )),
        _ => Err(problems),
    }
}

/// Validates only `exam.yaml` (used when lint is pointed at that one file).
pub fn parse_exam_only(exam_file: &SourceFile) -> Result<(Exam, Vec<Problem>), Vec<Problem>> {
    let mut problems = Vec::new();
    let exam = {
        let mut cx = Cx::new(exam_file, &mut problems);
        match yaml::parse(&exam_file.text) {
            Ok(node) => exam_from(&mut cx, &node),
            Err(e) => {
                cx.error_at(e.pos, e.message);
                None
            }
        }
    };
    problems.sort();
    match exam {
        Some(exam) if !problems.iter().any(Problem::is_error) => Ok((exam, problems)),
        _ => Err(problems),
    }
}

#[derive(Default)]
struct Content {
    questions: Vec<Question>,
    cases: Vec<Case>,
    flashcards: Vec<Flashcard>,
    /// Every id seen so far, with where it was first defined.
    ids: HashMap<String, (String, Pos)>,
}

/// The conversion context of one file.
struct Cx<'a> {
    file: &'a SourceFile,
    problems: &'a mut Vec<Problem>,
    subject: Option<String>,
}

impl<'a> Cx<'a> {
    fn new(file: &'a SourceFile, problems: &'a mut Vec<Problem>) -> Self {
        Cx {
            file,
            problems,
            subject: None,
        }
    }

    fn push(&mut self, pos: Pos, severity: Severity, message: String) {
        self.problems.push(Problem {
            file: self.file.path.clone(),
            pos,
            severity,
            subject: self.subject.clone(),
            message,
        });
    }

    fn error_at(&mut self, pos: Pos, message: impl Into<String>) {
        self.push(pos, Severity::Error, message.into());
    }

    fn note_at(&mut self, pos: Pos, message: impl Into<String>) {
        self.push(pos, Severity::Note, message.into());
    }

    /// The text of a scalar as written (numbers and booleans included).
    fn scalar_text(&self, node: &Node) -> Option<String> {
        match &node.kind {
            Kind::Str(s) => Some(s.clone()),
            Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => node
                .bytes
                .and_then(|(o, l)| self.file.text.get(o..o + l))
                .map(str::to_owned)
                .or_else(|| match &node.kind {
                    Kind::Int(i) => Some(i.to_string()),
                    Kind::Float(f) => Some(f.to_string()),
                    Kind::Bool(b) => Some(b.to_string()),
                    _ => None,
                }),
            _ => None,
        }
    }
}

/// A mapping's entries after unknown keys have been reported.
struct Fields<'n> {
    pos: Pos,
    entries: &'n [(Key, Node)],
}

impl<'n> Fields<'n> {
    fn get(&self, name: &str) -> Option<&'n Node> {
        self.entries.iter().find(|(k, _)| k.name == name).map(|(_, v)| v)
    }

    fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

fn fields<'n>(cx: &mut Cx, node: &'n Node, what: &str, allowed: &[&str]) -> Option<Fields<'n>> {
    let Kind::Map(entries) = &node.kind else {
        cx.error_at(
            node.pos,
            format!(
                "{what} must be a mapping of fields, found {}",
                node.kind.describe()
            ),
        );
        return None;
    };
    for (key, _) in entries {
        if !allowed.contains(&key.name.as_str()) {
            let hint = closest(&key.name, allowed)
                .map(|c| format!("; did you mean \"{c}\"?"))
                .unwrap_or_else(|| format!(" (allowed: {})", allowed.join(", ")));
            cx.error_at(key.pos, format!("unknown field \"{}\"{hint}", key.name));
        }
    }
    Some(Fields {
        pos: node.pos,
        entries,
    })
}

fn closest<'s>(name: &str, candidates: &[&'s str]) -> Option<&'s str> {
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(name, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min()
        .map(|(_, c)| c)
}

fn required<'n>(cx: &mut Cx, f: &Fields<'n>, name: &str) -> Option<&'n Node> {
    let node = f.get(name);
    if node.is_none() {
        cx.error_at(f.pos, format!("missing field \"{name}\""));
    }
    node
}

/// A non-empty text field.
fn text(cx: &mut Cx, node: &Node, name: &str) -> Option<String> {
    match cx.scalar_text(node) {
        Some(s) if s.trim().is_empty() => {
            cx.error_at(node.pos, format!("\"{name}\" is empty"));
            None
        }
        Some(s) => {
            if let Some(c) = s
                .chars()
                .find(|c| *c != '\n' && *c != '\t' && crate::text::is_unsafe_char(*c))
            {
                // Terminals obey control characters (window titles, the clipboard, clearing the
                // screen): retake escapes them on screen, and the author should remove them.
                cx.note_at(
                    node.pos,
                    format!(
                        "warning: \"{name}\" holds the control character U+{:04X}, shown as {}: remove it",
                        u32::from(c),
                        crate::text::sanitize_line(&c.to_string())
                    ),
                );
            }
            Some(s)
        }
        None => {
            cx.error_at(
                node.pos,
                format!("\"{name}\" must be text, found {}", node.kind.describe()),
            );
            None
        }
    }
}

fn required_text(cx: &mut Cx, f: &Fields, name: &str) -> Option<String> {
    required(cx, f, name).and_then(|n| text(cx, n, name))
}

fn optional_text(cx: &mut Cx, f: &Fields, name: &str) -> Option<Option<String>> {
    match f.get(name) {
        None | Some(Node { kind: Kind::Null, .. }) => Some(None),
        Some(n) => text(cx, n, name).map(Some),
    }
}

/// A list of non-empty texts with at least `min` entries.
fn text_list(cx: &mut Cx, node: &Node, name: &str, min: usize) -> Option<Vec<String>> {
    let Kind::Seq(items) = &node.kind else {
        cx.error_at(
            node.pos,
            format!("\"{name}\" must be a list, found {}", node.kind.describe()),
        );
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match text(cx, item, &format!("{name}[{}]", i + 1)) {
            Some(s) => out.push(s.trim().to_owned()),
            None => ok = false,
        }
    }
    if items.len() < min {
        cx.error_at(
            node.pos,
            format!("\"{name}\" needs at least {min} entries, found {}", items.len()),
        );
        return None;
    }
    ok.then_some(out)
}

fn required_list(cx: &mut Cx, f: &Fields, name: &str, min: usize) -> Option<Vec<String>> {
    required(cx, f, name).and_then(|n| text_list(cx, n, name, min))
}

/// Most choices a lettered list may hold: answers are the letters A–Z.
pub const MAX_LETTERED: usize = 26;

/// A list whose entries are answered by letter: at most [`MAX_LETTERED`] entries.
fn lettered_list(cx: &mut Cx, node: &Node, name: &str, min: usize) -> Option<Vec<String>> {
    let list = text_list(cx, node, name, min)?;
    if list.len() > MAX_LETTERED {
        cx.error_at(
            node.pos,
            format!(
                "\"{name}\" has {} entries, but answers are letters A–Z: give at most {MAX_LETTERED}",
                list.len()
            ),
        );
        return None;
    }
    Some(list)
}

fn required_lettered(cx: &mut Cx, f: &Fields, name: &str, min: usize) -> Option<Vec<String>> {
    required(cx, f, name).and_then(|n| lettered_list(cx, n, name, min))
}

fn integer(cx: &mut Cx, node: &Node, name: &str, range: std::ops::RangeInclusive<i128>) -> Option<i128> {
    match node.kind {
        Kind::Int(i) if range.contains(&i) => Some(i),
        Kind::Int(i) => {
            cx.error_at(
                node.pos,
                format!("\"{name}\" is {i}, outside {}..={}", range.start(), range.end()),
            );
            None
        }
        _ => {
            cx.error_at(
                node.pos,
                format!(
                    "\"{name}\" must be a whole number, found {}",
                    node.kind.describe()
                ),
            );
            None
        }
    }
}

fn optional_u32(
    cx: &mut Cx,
    f: &Fields,
    name: &str,
    default: u32,
    range: std::ops::RangeInclusive<i128>,
) -> Option<u32> {
    match f.get(name) {
        None => Some(default),
        Some(n) => integer(cx, n, name, range).and_then(|i| u32::try_from(i).ok()),
    }
}

fn number(cx: &mut Cx, node: &Node, name: &str) -> Option<f64> {
    match node.kind {
        Kind::Int(i) => Some(i as f64),
        Kind::Float(x) if x.is_finite() => Some(x),
        _ => {
            cx.error_at(
                node.pos,
                format!("\"{name}\" must be a number, found {}", node.kind.describe()),
            );
            None
        }
    }
}

fn date(cx: &mut Cx, node: &Node, name: &str) -> Option<NaiveDate> {
    let s = cx.scalar_text(node).unwrap_or_default();
    match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            cx.error_at(
                node.pos,
                format!("\"{name}\" must be a date written YYYY-MM-DD, found \"{s}\""),
            );
            None
        }
    }
}

fn is_valid_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn id_field(cx: &mut Cx, f: &Fields, name: &str) -> Option<String> {
    let node = required(cx, f, name)?;
    let s = text(cx, node, name)?;
    if is_valid_id(&s) {
        Some(s)
    } else {
        cx.error_at(
            node.pos,
            format!("\"{name}\" \"{s}\" may hold only letters, digits, '-', '_' and '.'"),
        );
        None
    }
}

// ---------------------------------------------------------------------------------------------
// exam.yaml

/// Every key `exam.yaml` may have (the JSON Schema names each of them).
pub(crate) const EXAM_FIELDS: &[&str] = &[
    "code",
    "title",
    "as_of",
    "status",
    "duration_minutes",
    "question_count",
    "passing_score",
    "max_score",
    "cut",
    "certification_valid_months",
    "retires_on",
    "successor",
    "retake_policy",
    "domains",
];
