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

fn exam_from(cx: &mut Cx, node: &Node) -> Option<Exam> {
    let f = fields(cx, node, "exam.yaml", EXAM_FIELDS)?;
    let code = required_text(cx, &f, "code").map(|c| c.trim().to_owned());
    if let Some(c) = &code {
        cx.subject = Some(format!("exam \"{c}\""));
        if !c
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            cx.error_at(
                f.pos,
                format!("exam code \"{c}\" may hold only letters, digits, '-' and '_'"),
            );
        }
    }
    let title = required_text(cx, &f, "title");
    let as_of = required(cx, &f, "as_of").and_then(|n| date(cx, n, "as_of"));
    let status = exam_status(cx, &f);
    let duration_minutes = optional_u32(cx, &f, "duration_minutes", 120, 1..=1440);
    let question_count = required(cx, &f, "question_count")
        .and_then(|n| integer(cx, n, "question_count", 1..=1000))
        .and_then(|i| u32::try_from(i).ok());
    let max_score = optional_u32(cx, &f, "max_score", 1000, 2..=100_000);
    let passing_score = optional_u32(cx, &f, "passing_score", 700, 1..=100_000);
    if let (Some(p), Some(m)) = (passing_score, max_score)
        && p >= m
    {
        cx.error_at(f.pos, format!("passing_score {p} must be below max_score {m}"));
    }
    let cut = match f.get("cut") {
        None => Some(0.70),
        Some(n) => number(cx, n, "cut").and_then(|c| {
            if c > 0.0 && c < 1.0 {
                Some(c)
            } else {
                cx.error_at(
                    n.pos,
                    format!("\"cut\" is {c}; it must be a fraction between 0 and 1, e.g. 0.70"),
                );
                None
            }
        }),
    };
    let certification_valid_months = optional_u32(cx, &f, "certification_valid_months", 12, 1..=120);
    let retires_on = match f.get("retires_on") {
        None => Some(None),
        Some(n) => date(cx, n, "retires_on").map(Some),
    };
    let successor = optional_text(cx, &f, "successor");
    if let (Some(Some(declared)), Some(retires_on), Some(as_of)) = (status, retires_on, as_of)
        && let Some(message) = super::status::contradiction(Some(declared), retires_on, as_of)
    {
        let pos = f.get("status").map_or(f.pos, |n| n.pos);
        cx.error_at(pos, message);
    }
    let retake_policy = required(cx, &f, "retake_policy").and_then(|n| retake_policy(cx, n));
    let domains = required(cx, &f, "domains").and_then(|n| domains(cx, n));
    Some(Exam {
        code: code?,
        title: title?,
        as_of: as_of?,
        status: status?,
        duration_minutes: duration_minutes?,
        question_count: question_count?,
        passing_score: passing_score?,
        max_score: max_score?,
        cut: cut?,
        certification_valid_months: certification_valid_months?,
        retires_on: retires_on?,
        successor: successor?,
        retake_policy: retake_policy?,
        domains: domains?,
    })
}

/// The optional `status`: `beta`, `live` or `retired`.
fn exam_status(cx: &mut Cx, f: &Fields) -> Option<Option<ExamStatus>> {
    let node = match f.get("status") {
        None | Some(Node { kind: Kind::Null, .. }) => return Some(None),
        Some(n) => n,
    };
    let written = text(cx, node, "status")?;
    match ExamStatus::from_name(&written) {
        Some(s) => Some(Some(s)),
        None => {
            let names: Vec<&str> = ExamStatus::ALL.iter().map(|s| s.as_str()).collect();
            cx.error_at(
                node.pos,
                format!(
                    "\"status\" is \"{}\"; write one of {} (or leave it out: live)",
                    written.trim(),
                    names.join(", ")
                ),
            );
            None
        }
    }
}

fn retake_policy(cx: &mut Cx, node: &Node) -> Option<RetakePolicy> {
    let f = fields(
        cx,
        node,
        "retake_policy",
        &[
            "first_wait_hours",
            "later_wait_days",
            "max_attempts",
            "window_months",
            "passed_locked_until_expiry",
            "fee",
            "currency",
        ],
    )?;
    let first_wait_hours = optional_u32(cx, &f, "first_wait_hours", 24, 0..=8760);
    let later_wait_days = optional_u32(cx, &f, "later_wait_days", 14, 0..=365);
    let max_attempts = optional_u32(cx, &f, "max_attempts", 5, 1..=100);
    let window_months = optional_u32(cx, &f, "window_months", 12, 1..=120);
    let passed_locked_until_expiry = match f.get("passed_locked_until_expiry") {
        None => Some(true),
        Some(Node {
            kind: Kind::Bool(b), ..
        }) => Some(*b),
        Some(n) => {
            cx.error_at(
                n.pos,
                format!(
                    "\"passed_locked_until_expiry\" must be true or false, found {}",
                    n.kind.describe()
                ),
            );
            None
        }
    };
    let fee = required(cx, &f, "fee").and_then(|n| {
        number(cx, n, "fee").filter(|v| {
            let ok = *v >= 0.0;
            if !ok {
                cx.error_at(n.pos, "\"fee\" cannot be negative");
            }
            ok
        })
    });
    let currency = required_text(cx, &f, "currency");
    Some(RetakePolicy {
        first_wait_hours: first_wait_hours?,
        later_wait_days: later_wait_days?,
        max_attempts: max_attempts?,
        window_months: window_months?,
        passed_locked_until_expiry: passed_locked_until_expiry?,
        fee: fee?,
        currency: currency?,
    })
}

fn parse_weight(s: &str) -> Option<Weight> {
    let s = s.trim().trim_end_matches('%').trim();
    if let Some((a, b)) = s.split_once(['-', '–']) {
        let low: f64 = a.trim().trim_end_matches('%').trim().parse().ok()?;
        let high: f64 = b.trim().trim_end_matches('%').trim().parse().ok()?;
        return Some(Weight::Range { low, high });
    }
    s.parse().ok().map(|value| Weight::Percent { value })
}

fn domains(cx: &mut Cx, node: &Node) -> Option<Vec<Domain>> {
    let Kind::Seq(items) = &node.kind else {
        cx.error_at(
            node.pos,
            format!("\"domains\" must be a list, found {}", node.kind.describe()),
        );
        return None;
    };
    if items.is_empty() {
        cx.error_at(
            node.pos,
            "\"domains\" is empty: an exam needs at least one domain",
        );
        return None;
    }
    let mut out: Vec<Domain> = Vec::new();
    let mut ok = true;
    let mut seen: HashMap<String, Pos> = HashMap::new();
    for item in items {
        match domain(cx, item) {
            Some(d) => {
                if let Some(first) = seen.get(d.id.as_str()) {
                    cx.error_at(
                        item.pos,
                        format!(
                            "domain id \"{}\" is used twice (first at line {})",
                            d.id, first.line
                        ),
                    );
                    ok = false;
                } else {
                    seen.insert(d.id.0.clone(), item.pos);
                    out.push(d);
                }
            }
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    normalise_weights(cx, node.pos, &mut out).then_some(out)
}

fn domain(cx: &mut Cx, node: &Node) -> Option<Domain> {
    let f = fields(
        cx,
        node,
        "a domain",
        &["id", "name", "weight", "repair", "categories"],
    )?;
    let id = id_field(cx, &f, "id");
    let name = required_text(cx, &f, "name");
    let weight = required(cx, &f, "weight").and_then(|n| {
        let w = match &n.kind {
            Kind::Int(i) => Some(Weight::Percent { value: *i as f64 }),
            Kind::Float(x) => Some(Weight::Percent { value: *x }),
            Kind::Str(s) => parse_weight(s),
            _ => None,
        };
        let valid = w.filter(|w| {
            let (lo, hi) = w.bounds();
            lo > 0.0 && hi <= 100.0 && lo <= hi
        });
        if valid.is_none() {
            let shown = cx.scalar_text(n).unwrap_or_else(|| n.kind.describe().to_owned());
            cx.error_at(
                n.pos,
                format!("weight \"{shown}\" must be a percentage (e.g. 15) or a range (e.g. \"20-25\") within 0–100"),
            );
        }
        valid
    });
    let repair = required_text(cx, &f, "repair");
    let categories = required(cx, &f, "categories").and_then(|n| categories(cx, n));
    Some(Domain {
        id: DomainId(id?),
        name: name?,
        weight: weight?,
        share: 0.0,
        repair: repair?,
        categories: categories?,
    })
}

fn categories(cx: &mut Cx, node: &Node) -> Option<Vec<Category>> {
    let Kind::Seq(items) = &node.kind else {
        cx.error_at(
            node.pos,
            format!("\"categories\" must be a list, found {}", node.kind.describe()),
        );
        return None;
    };
    if items.is_empty() {
        cx.error_at(
            node.pos,
            "\"categories\" is empty: a domain needs at least one category",
        );
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for item in items {
        let Some(f) = fields(cx, item, "a category", &["id", "name", "variations"]) else {
            ok = false;
            continue;
        };
        let id = id_field(cx, &f, "id");
        let name = required_text(cx, &f, "name");
        let variations = match f.get("variations") {
            None => Some(Vec::new()),
            Some(n) => text_list(cx, n, "variations", 1),
        };
        match (id, name, variations) {
            (Some(id), Some(name), Some(variations)) => {
                if out.iter().any(|c: &Category| c.id.0 == id) {
                    cx.error_at(
                        item.pos,
                        format!("category id \"{id}\" is used twice in this domain"),
                    );
                    ok = false;
                }
                out.push(Category {
                    id: CategoryId(id),
                    name,
                    variations,
                });
            }
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

/// Checks that the weights can sum to 100 and sets each domain's normalised share.
fn normalise_weights(cx: &mut Cx, pos: Pos, domains: &mut [Domain]) -> bool {
    let (low, high) = domains.iter().fold((0.0, 0.0), |(l, h), d| {
        let (a, b) = d.weight.bounds();
        (l + a, h + b)
    });
    let has_range = domains.iter().any(|d| matches!(d.weight, Weight::Range { .. }));
    if !has_range {
        if (low - 100.0_f64).abs() > 0.01 {
            cx.error_at(
                pos,
                format!(
                    "domain weights sum to {}, not 100: correct the weights",
                    round1(low)
                ),
            );
            return false;
        }
        for d in domains.iter_mut() {
            d.share = d.weight.midpoint();
        }
        return true;
    }
    if low > 100.0 + 1e-9 || high < 100.0 - 1e-9 {
        cx.error_at(
            pos,
            format!(
                "domain weights cannot sum to 100: the ranges add up to {}–{}",
                round1(low),
                round1(high)
            ),
        );
        return false;
    }
    let mid: f64 = domains.iter().map(|d| d.weight.midpoint()).sum();
    let mut parts = Vec::new();
    for d in domains.iter_mut() {
        d.share = d.weight.midpoint() * 100.0 / mid;
        parts.push(format!("{} {} → {}%", d.id, d.weight, round1(d.share)));
    }
    if (mid - 100.0).abs() > 0.01 {
        cx.note_at(
            pos,
            format!(
                "weight ranges normalised: their midpoints sum to {}, so {}",
                round1(mid),
                parts.join(", ")
            ),
        );
    }
    true
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

// ---------------------------------------------------------------------------------------------
// Question files

fn question_file(cx: &mut Cx, node: &Node, exam: Option<&Exam>, content: &mut Content) {
    if matches!(node.kind, Kind::Null) {
        cx.error_at(
            node.pos,
            "file is empty: a question file holds a \"questions:\" list, a \"flashcards:\" list or both",
        );
        return;
    }
    let Some(f) = fields(cx, node, "a question file", &["questions", "flashcards"]) else {
        return;
    };
    if !f.has("questions") && !f.has("flashcards") {
        cx.error_at(
            f.pos,
            "a question file needs a \"questions:\" list, a \"flashcards:\" list or both",
        );
    }
    if let Some(list) = f.get("questions") {
        match &list.kind {
            Kind::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    cx.subject = Some(format!("question #{}", i + 1));
                    top_question(cx, item, exam, content);
                }
            }
            Kind::Null => {}
            other => cx.error_at(
                list.pos,
                format!("\"questions\" must be a list, found {}", other.describe()),
            ),
        }
    }
    if let Some(list) = f.get("flashcards") {
        match &list.kind {
            Kind::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    cx.subject = Some(format!("flashcard #{}", i + 1));
                    if let Some(card) = flashcard(cx, item, exam, content) {
                        content.flashcards.push(card);
                    }
                }
            }
            Kind::Null => {}
            other => cx.error_at(
                list.pos,
                format!("\"flashcards\" must be a list, found {}", other.describe()),
            ),
        }
    }
    cx.subject = None;
}

/// Registers an id in the exam-wide namespace; reports a duplicate.
fn claim_id(cx: &mut Cx, content: &mut Content, id: &str, pos: Pos) -> bool {
    if let Some((file, first)) = content.ids.get(id) {
        let msg = format!(
            "id \"{id}\" is already used at {file}:{}:{}: ids must be unique within an exam",
            first.line, first.column
        );
        cx.error_at(pos, msg);
        false
    } else {
        content.ids.insert(id.to_owned(), (cx.file.path.clone(), pos));
        true
    }
}

/// Checks a domain/category pair against the exam.
fn domain_category(
    cx: &mut Cx,
    exam: Option<&Exam>,
    domain: &str,
    domain_pos: Pos,
    category: &str,
    category_pos: Pos,
) {
    let Some(exam) = exam else { return };
    match exam.domain(domain) {
        None => {
            let ids: Vec<&str> = exam.domains.iter().map(|d| d.id.as_str()).collect();
            cx.error_at(
                domain_pos,
                format!(
                    "unknown domain \"{domain}\" (exam {} has: {})",
                    exam.code,
                    ids.join(", ")
                ),
            );
        }
        Some(d) if d.category(category).is_none() => {
            let ids: Vec<&str> = d.categories.iter().map(|c| c.id.as_str()).collect();
            cx.error_at(
                category_pos,
                format!(
                    "unknown category \"{category}\" in domain \"{domain}\" (it has: {})",
                    ids.join(", ")
                ),
            );
        }
        Some(_) => {}
    }
}

/// Every key a question may have (the JSON Schema names each of them).
pub(crate) const QUESTION_FIELDS: &[&str] = &[
    "id",
    "family",
    "domain",
    "category",
    "type",
    "difficulty",
    "stem",
    "options",
    "prompts",
    "statements",
    "text",
    "blanks",
    "answer",
    "explanation",
    "refs",
    "template",
];

const CASE_FIELDS: &[&str] = &[
    "id",
    "domain",
    "category",
    "type",
    "difficulty",
    "scenario",
    "items",
];

/// Defaults a case study hands to its sub-items.
struct CaseDefaults {
    id: QuestionId,
    domain: Option<(String, Pos)>,
    category: Option<(String, Pos)>,
    difficulty: u8,
    index: usize,
}

fn item_type(cx: &mut Cx, node: &Node) -> Option<ItemType> {
    let Kind::Map(entries) = &node.kind else {
        return None;
    };
    let (_, t) = entries.iter().find(|(k, _)| k.name == "type")?;
    let s = cx.scalar_text(t).unwrap_or_default();
    match ItemType::parse(s.trim()) {
        Some(ItemType::Flashcard) | None => {
            cx.error_at(
                t.pos,
                format!(
                    "unknown type \"{s}\" (use one of: single, multi, order, match, dropdown, yesno, case; flashcards go under \"flashcards:\")"
                ),
            );
            None
        }
        Some(t) => Some(t),
    }
}

fn top_question(cx: &mut Cx, node: &Node, exam: Option<&Exam>, content: &mut Content) {
    if !matches!(node.kind, Kind::Map(_)) {
        cx.error_at(
            node.pos,
            format!(
                "a question must be a mapping of fields, found {}",
                node.kind.describe()
            ),
        );
        return;
    }
    if let Kind::Map(entries) = &node.kind
        && let Some((_, id)) = entries.iter().find(|(k, _)| k.name == "id")
        && let Some(s) = cx.scalar_text(id)
    {
        cx.subject = Some(format!("question \"{}\"", s.trim()));
    }
    let has_type = matches!(&node.kind, Kind::Map(e) if e.iter().any(|(k, _)| k.name == "type"));
    if !has_type {
        cx.error_at(
            node.pos,
            "missing field \"type\" (single, multi, order, match, dropdown, yesno or case)",
        );
        return;
    }
    match item_type(cx, node) {
        Some(ItemType::Case) => case_study(cx, node, exam, content),
        Some(t) => {
            if let Some(q) = question(cx, node, t, exam, content, None) {
                content.questions.push(q);
            }
        }
        None => {}
    }
}

fn case_study(cx: &mut Cx, node: &Node, exam: Option<&Exam>, content: &mut Content) {
    let Some(f) = fields(cx, node, "a case study", CASE_FIELDS) else {
        return;
    };
    let id = id_field(cx, &f, "id");
    let claimed = id.as_ref().is_some_and(|id| claim_id(cx, content, id, f.pos));
    let domain = required(cx, &f, "domain").and_then(|n| text(cx, n, "domain").map(|s| (s, n.pos)));
    let category = required(cx, &f, "category").and_then(|n| text(cx, n, "category").map(|s| (s, n.pos)));
    if let (Some((d, dp)), Some((c, cp))) = (&domain, &category) {
        domain_category(cx, exam, d, *dp, c, *cp);
    }
    let difficulty = difficulty(cx, &f, 2);
    let scenario = required_text(cx, &f, "scenario");
    let items = required(cx, &f, "items");
    let (Some(id), Some(scenario), Some(items)) = (id, scenario, items) else {
        return;
    };
    let Kind::Seq(list) = &items.kind else {
        cx.error_at(
            items.pos,
            format!(
                "\"items\" must be a list of questions, found {}",
                items.kind.describe()
            ),
        );
        return;
    };
    if list.len() < 2 {
        cx.error_at(
            items.pos,
            format!("a case study needs at least 2 items, found {}", list.len()),
        );
    }
    let case_subject = cx.subject.clone();
    let mut member_ids = Vec::new();
    for (i, item) in list.iter().enumerate() {
        cx.subject = Some(format!("question \"{id}\" item #{}", i + 1));
        if let Kind::Map(entries) = &item.kind
            && let Some((_, sid)) = entries.iter().find(|(k, _)| k.name == "id")
            && let Some(s) = cx.scalar_text(sid)
        {
            cx.subject = Some(format!("question \"{}\"", s.trim()));
        }
        let t = match &item.kind {
            Kind::Map(e) if e.iter().any(|(k, _)| k.name == "type") => item_type(cx, item),
            Kind::Map(_) => {
                cx.error_at(item.pos, "missing field \"type\"");
                None
            }
            other => {
                cx.error_at(
                    item.pos,
                    format!(
                        "a case item must be a mapping of fields, found {}",
                        other.describe()
                    ),
                );
                None
            }
        };
        let Some(t) = t else { continue };
        if t == ItemType::Case {
            cx.error_at(item.pos, "a case study cannot contain another case study");
            continue;
        }
        let defaults = CaseDefaults {
            id: QuestionId(id.clone()),
            domain: domain.clone(),
            category: category.clone(),
            difficulty: difficulty.unwrap_or(2),
            index: i,
        };
        if let Some(q) = question(cx, item, t, exam, content, Some(&defaults)) {
            member_ids.push(q.id.clone());
            content.questions.push(q);
        }
    }
    cx.subject = case_subject;
    if let (true, Some((d, _)), Some((c, _))) = (claimed, domain, category) {
        content.cases.push(Case {
            id: QuestionId(id),
            domain: DomainId(d),
            category: CategoryId(c),
            scenario,
            items: member_ids,
        });
    }
}

fn difficulty(cx: &mut Cx, f: &Fields, default: u8) -> Option<u8> {
    match f.get("difficulty") {
        None => Some(default),
        Some(n) => integer(cx, n, "difficulty", 1..=3).and_then(|i| u8::try_from(i).ok()),
    }
}

/// The fields that carry a body, and which types use each.
fn body_fields_for(t: ItemType) -> &'static [&'static str] {
    match t {
        ItemType::Single | ItemType::Multi | ItemType::Order => &["options"],
        ItemType::Match => &["prompts", "options"],
        ItemType::Dropdown => &["text", "blanks"],
        ItemType::Yesno => &["statements"],
        ItemType::Case | ItemType::Flashcard => &[],
    }
}

fn question(
    cx: &mut Cx,
    node: &Node,
    t: ItemType,
    exam: Option<&Exam>,
    content: &mut Content,
    case: Option<&CaseDefaults>,
) -> Option<Question> {
    let f = fields(cx, node, "a question", QUESTION_FIELDS)?;
    let id = id_field(cx, &f, "id");
    let claimed = id.as_ref().is_some_and(|id| claim_id(cx, content, id, f.pos));
    let family = optional_text(cx, &f, "family");
    let domain = match (f.get("domain"), case) {
        (Some(n), _) => text(cx, n, "domain").map(|s| (s, n.pos)),
        (None, Some(c)) => c.domain.clone(),
        (None, None) => {
            cx.error_at(f.pos, "missing field \"domain\"");
            None
        }
    };
    let category = match (f.get("category"), case) {
        (Some(n), _) => text(cx, n, "category").map(|s| (s, n.pos)),
        (None, Some(c)) => c.category.clone(),
        (None, None) => {
            cx.error_at(f.pos, "missing field \"category\"");
            None
        }
    };
    if let (Some((d, dp)), Some((c, cp))) = (&domain, &category) {
        domain_category(cx, exam, d, *dp, c, *cp);
    }
    let difficulty = difficulty(cx, &f, case.map_or(2, |c| c.difficulty));
    let stem = required_text(cx, &f, "stem");
    let explanation = required_text(cx, &f, "explanation");
    let refs = refs(cx, &f, true);

    for name in ["options", "prompts", "statements", "text", "blanks"] {
        if f.has(name) && !body_fields_for(t).contains(&name) {
            cx.error_at(
                f.pos,
                format!("field \"{name}\" does not apply to a {t} question"),
            );
        }
    }
    let body = body(cx, &f, t);
    let answering = match (&body, f.get("template")) {
        (Some(body), Some(tnode)) => {
            if let Some(a) = f.get("answer") {
                cx.error_at(
                    a.pos,
                    "a templated question takes its answers from template.cases: remove the top-level \"answer\" (use `when: {}` for the default)",
                );
            }
            template(cx, tnode, body).map(Answering::Template)
        }
        (Some(body), None) => required(cx, &f, "answer")
            .and_then(|a| answer(cx, a, body))
            .map(|answer| Answering::Fixed { answer }),
        (None, _) => None,
    };
    let (Some(id), Some(body), Some(answering), Some(stem), Some(explanation), Some(refs)) =
        (id, body, answering, stem, explanation, refs)
    else {
        return None;
    };
    let mut q = Question {
        family: FamilyId(family?.unwrap_or_else(|| id.clone())),
        id: QuestionId(id),
        domain: DomainId(domain?.0),
        category: CategoryId(category?.0),
        difficulty: difficulty?,
        stem: stem.trim().to_owned(),
        body,
        answering,
        explanation: explanation.trim().to_owned(),
        refs,
        case: case.map(|c| CaseLink {
            case_id: c.id.clone(),
            index: c.index,
        }),
    };
    if !check_question(cx, &q, f.pos) || !claimed {
        return None;
    }
    q.explanation = q.explanation.trim().to_owned();
    Some(q)
}

fn refs(cx: &mut Cx, f: &Fields, required_field: bool) -> Option<Vec<String>> {
    let node = match f.get("refs") {
        Some(n) => n,
        None if required_field => {
            cx.error_at(
                f.pos,
                "missing field \"refs\": give at least one https:// link to the official documentation",
            );
            return None;
        }
        None => return Some(Vec::new()),
    };
    let list = text_list(cx, node, "refs", usize::from(required_field))?;
    let mut ok = true;
    for r in &list {
        if !r.starts_with("https://") || r.contains(char::is_whitespace) || r.len() < 12 {
            cx.error_at(node.pos, format!("ref \"{r}\" is not an https:// link"));
            ok = false;
        }
    }
    ok.then_some(list)
}

fn body(cx: &mut Cx, f: &Fields, t: ItemType) -> Option<Body> {
    match t {
        ItemType::Single => required_lettered(cx, f, "options", 2).map(|options| Body::Single { options }),
        ItemType::Multi => required_lettered(cx, f, "options", 3).map(|options| Body::Multi { options }),
        ItemType::Order => required_lettered(cx, f, "options", 2).map(|options| Body::Order { options }),
        ItemType::Match => {
            let prompts = required_list(cx, f, "prompts", 2);
            let options = required_lettered(cx, f, "options", 2);
            Some(Body::Match {
                prompts: prompts?,
                options: options?,
            })
        }
        ItemType::Dropdown => {
            let text = required_text(cx, f, "text");
            let blanks = required(cx, f, "blanks").and_then(|n| {
                let Kind::Seq(items) = &n.kind else {
                    cx.error_at(
                        n.pos,
                        format!(
                            "\"blanks\" must be a list of choice lists, found {}",
                            n.kind.describe()
                        ),
                    );
                    return None;
                };
                if items.is_empty() {
                    cx.error_at(n.pos, "\"blanks\" is empty");
                    return None;
                }
                let lists: Vec<Option<Vec<String>>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| lettered_list(cx, item, &format!("blanks[{}]", i + 1), 2))
                    .collect();
                lists.into_iter().collect::<Option<Vec<_>>>()
            });
            let (text, blanks) = (text?, blanks?);
            check_blank_markers(cx, f, &text, blanks.len())?;
            Some(Body::Dropdown { text, blanks })
        }
        ItemType::Yesno => required_list(cx, f, "statements", 2).map(|statements| Body::Yesno { statements }),
        ItemType::Case | ItemType::Flashcard => None,
    }
}

/// The numbers of `[[n]]` markers in a dropdown text, in order of appearance.
pub fn blank_markers(text: &str) -> Vec<Option<usize>> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("[[") {
        let tail = &rest[i + 2..];
        match tail.find("]]") {
            Some(end) => {
                found.push(tail[..end].trim().parse::<usize>().ok());
                rest = &tail[end + 2..];
            }
            None => {
                found.push(None);
                break;
            }
        }
    }
    found
}

fn check_blank_markers(cx: &mut Cx, f: &Fields, text: &str, blanks: usize) -> Option<()> {
    let pos = f.get("text").map_or(f.pos, |n| n.pos);
    let markers = blank_markers(text);
    let mut ok = true;
    if markers.iter().any(Option::is_none) {
        cx.error_at(
            pos,
            "a blank marker in \"text\" is not numbered: write [[1]], [[2]], …",
        );
        ok = false;
    }
    let numbers: Vec<usize> = markers.into_iter().flatten().collect();
    let unique: BTreeSet<usize> = numbers.iter().copied().collect();
    if unique.len() != numbers.len() {
        cx.error_at(
            pos,
            "a blank marker appears twice in \"text\": each [[n]] is used once",
        );
        ok = false;
    }
    let expected: BTreeSet<usize> = (1..=blanks).collect();
    if ok && unique != expected {
        let shown: Vec<String> = unique.iter().map(|n| format!("[[{n}]]")).collect();
        cx.error_at(
            pos,
            format!(
                "\"text\" has blanks {} but \"blanks\" lists {blanks} choice lists: number the blanks [[1]]..[[{blanks}]]",
                if shown.is_empty() { "none".to_owned() } else { shown.join(", ") }
            ),
        );
        ok = false;
    }
    ok.then_some(())
}

/// The answer tokens as written: a scalar (split on commas) or a list of scalars.
fn answer_tokens(cx: &mut Cx, node: &Node) -> Option<Vec<(String, Pos)>> {
    match &node.kind {
        Kind::Seq(items) => {
            let mut out = Vec::new();
            for item in items {
                match &item.kind {
                    Kind::Bool(b) => out.push((if *b { "Y" } else { "N" }.to_owned(), item.pos)),
                    _ => match cx.scalar_text(item) {
                        Some(s) => out.push((s.trim().to_owned(), item.pos)),
                        None => {
                            cx.error_at(
                                item.pos,
                                format!("an answer entry must be a letter, found {}", item.kind.describe()),
                            );
                            return None;
                        }
                    },
                }
            }
            Some(out)
        }
        Kind::Map(_) | Kind::Null => {
            cx.error_at(
                node.pos,
                format!(
                    "\"answer\" must be a letter or a list, found {}",
                    node.kind.describe()
                ),
            );
            None
        }
        _ => {
            let s = cx.scalar_text(node).unwrap_or_default();
            Some(
                s.split(',')
                    .map(|p| (p.trim().to_owned(), node.pos))
                    .filter(|(p, _)| !p.is_empty())
                    .collect(),
            )
        }
    }
}

fn letter_range(n: usize) -> String {
    match n {
        0 => "(none)".to_owned(),
        1 => "A".to_owned(),
        _ => format!("A–{}", letter(n - 1)),
    }
}

fn option_index(cx: &mut Cx, token: &str, pos: Pos, count: usize, what: &str) -> Option<usize> {
    let mut chars = token.chars();
    let index = match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() => Some(usize::from(c.to_ascii_uppercase() as u8 - b'A')),
        _ => None,
    };
    match index {
        Some(i) if i < count => Some(i),
        _ => {
            cx.error_at(
                pos,
                format!(
                    "answer \"{token}\" is not one of the {what} {}",
                    letter_range(count)
                ),
            );
            None
        }
    }
}

fn distinct(cx: &mut Cx, indices: &[usize], pos: Pos, what: &str) -> bool {
    let mut seen = BTreeSet::new();
    for i in indices {
        if !seen.insert(*i) {
            cx.error_at(pos, format!("{what} lists \"{}\" twice", letter(*i)));
            return false;
        }
    }
    true
}

fn answer(cx: &mut Cx, node: &Node, body: &Body) -> Option<Answer> {
    let tokens = answer_tokens(cx, node)?;
    if tokens.is_empty() {
        cx.error_at(node.pos, "\"answer\" is empty");
        return None;
    }
    let letters = |cx: &mut Cx, count: usize| -> Option<Vec<usize>> {
        let all: Vec<Option<usize>> = tokens
            .iter()
            .map(|(t, p)| option_index(cx, t, *p, count, "options"))
            .collect();
        all.into_iter().collect()
    };
    match body {
        Body::Single { options } => {
            if tokens.len() != 1 {
                cx.error_at(
                    node.pos,
                    format!(
                        "a single question has one answer, found {}: use type multi for several",
                        tokens.len()
                    ),
                );
                return None;
            }
            letters(cx, options.len()).map(|v| Answer::Choice(v[0]))
        }
        Body::Multi { options } => {
            let mut v = letters(cx, options.len())?;
            if !distinct(cx, &v, node.pos, "the answer") {
                return None;
            }
            if v.len() < 2 {
                cx.error_at(
                    node.pos,
                    "a multi question needs at least two right options: use type single for one",
                );
                return None;
            }
            if v.len() >= options.len() {
                cx.error_at(
                    node.pos,
                    "the answer selects every option: a multi question needs at least one distractor",
                );
                return None;
            }
            v.sort_unstable();
            Some(Answer::Choices(v))
        }
        Body::Order { options } => {
            let v = letters(cx, options.len())?;
            if v.len() < 2 || !distinct(cx, &v, node.pos, "the order answer") {
                if v.len() < 2 {
                    cx.error_at(
                        node.pos,
                        "an order answer must be a sequence of at least two distinct options",
                    );
                }
                return None;
            }
            Some(Answer::Sequence(v))
        }
        Body::Match { prompts, options } => {
            if tokens.len() != prompts.len() {
                cx.error_at(
                    node.pos,
                    format!("the answer gives {} matches for {} prompts: give one option per prompt, in prompt order", tokens.len(), prompts.len()),
                );
                return None;
            }
            letters(cx, options.len()).map(Answer::Pairs)
        }
        Body::Dropdown { blanks, .. } => {
            if tokens.len() != blanks.len() {
                cx.error_at(
                    node.pos,
                    format!(
                        "the answer gives {} choices for {} blanks: give one letter per blank, in order",
                        tokens.len(),
                        blanks.len()
                    ),
                );
                return None;
            }
            let all: Vec<Option<usize>> = tokens
                .iter()
                .zip(blanks)
                .enumerate()
                .map(|(i, ((t, p), choices))| {
                    option_index(cx, t, *p, choices.len(), &format!("choices of blank {}:", i + 1))
                })
                .collect();
            all.into_iter().collect::<Option<Vec<_>>>().map(Answer::Blanks)
        }
        Body::Yesno { statements } => {
            if tokens.len() != statements.len() {
                cx.error_at(
                    node.pos,
                    format!(
                        "the answer gives {} values for {} statements: give Y or N for each",
                        tokens.len(),
                        statements.len()
                    ),
                );
                return None;
            }
            let all: Vec<Option<bool>> = tokens
                .iter()
                .map(|(t, p)| match t.to_ascii_lowercase().as_str() {
                    "y" | "yes" | "true" => Some(true),
                    "n" | "no" | "false" => Some(false),
                    _ => {
                        cx.error_at(*p, format!("answer \"{t}\" must be Y or N"));
                        None
                    }
                })
                .collect();
            all.into_iter().collect::<Option<Vec<_>>>().map(Answer::YesNo)
        }
    }
}

fn template(cx: &mut Cx, node: &Node, body: &Body) -> Option<Template> {
    let f = fields(cx, node, "\"template\"", &["axes", "cases"])?;
    let axes_node = required(cx, &f, "axes");
    let cases_node = required(cx, &f, "cases");
    let axes = axes_node.and_then(|n| axes(cx, n))?;
    let cases_node = cases_node?;
    let Kind::Seq(items) = &cases_node.kind else {
        cx.error_at(
            cases_node.pos,
            format!("\"cases\" must be a list, found {}", cases_node.kind.describe()),
        );
        return None;
    };
    if items.is_empty() {
        cx.error_at(
            cases_node.pos,
            "\"cases\" is empty: give at least one case (`when: {}` for all combinations)",
        );
        return None;
    }
    let mut cases = Vec::new();
    let mut ok = true;
    for item in items {
        let Some(cf) = fields(cx, item, "a template case", &["when", "answer", "explanation"]) else {
            ok = false;
            continue;
        };
        let when = required(cx, &cf, "when").and_then(|w| when(cx, w, &axes));
        let answer = required(cx, &cf, "answer").and_then(|a| answer(cx, a, body));
        let explanation = optional_text(cx, &cf, "explanation");
        match (when, answer, explanation) {
            (Some(when), Some(answer), Some(explanation)) => cases.push(TemplateCase {
                when,
                answer,
                explanation: explanation.map(|e| e.trim().to_owned()),
            }),
            _ => ok = false,
        }
    }
    ok.then_some(Template { axes, cases })
}

fn axes(cx: &mut Cx, node: &Node) -> Option<Vec<Axis>> {
    let Kind::Map(entries) = &node.kind else {
        cx.error_at(
            node.pos,
            format!(
                "\"axes\" must map each axis name to its values, found {}",
                node.kind.describe()
            ),
        );
        return None;
    };
    if entries.is_empty() {
        cx.error_at(node.pos, "\"axes\" is empty: a template needs at least one axis");
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (key, values) in entries {
        if placeholder_name(&key.name).is_none() {
            cx.error_at(
                key.pos,
                format!(
                    "axis name \"{}\" must be lower-case letters, digits, '_' or '-', starting with a letter",
                    key.name
                ),
            );
            ok = false;
            continue;
        }
        let Kind::Map(vals) = &values.kind else {
            cx.error_at(
                values.pos,
                format!(
                    "axis \"{}\" must map value names to texts, found {}",
                    key.name,
                    values.kind.describe()
                ),
            );
            ok = false;
            continue;
        };
        if vals.len() < 2 {
            cx.error_at(
                values.pos,
                format!("axis \"{}\" needs at least two values", key.name),
            );
            ok = false;
            continue;
        }
        let mut axis = Axis {
            id: key.name.clone(),
            values: Vec::new(),
        };
        for (vk, vt) in vals {
            match text(cx, vt, &format!("{}.{}", key.name, vk.name)) {
                Some(t) => axis.values.push((vk.name.clone(), t.trim().to_owned())),
                None => ok = false,
            }
        }
        out.push(axis);
    }
    ok.then_some(out)
}

fn placeholder_name(s: &str) -> Option<&str> {
    let mut chars = s.chars();
    let first = chars.next()?;
    (first.is_ascii_lowercase()
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'))
    .then_some(s)
}

fn when(cx: &mut Cx, node: &Node, axes: &[Axis]) -> Option<Vec<(usize, usize)>> {
    let Kind::Map(entries) = &node.kind else {
        cx.error_at(
            node.pos,
            format!(
                "\"when\" must map axes to values (or be {{}}), found {}",
                node.kind.describe()
            ),
        );
        return None;
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (key, value) in entries {
        let Some(a) = axes.iter().position(|a| a.id == key.name) else {
            let names: Vec<&str> = axes.iter().map(|a| a.id.as_str()).collect();
            cx.error_at(
                key.pos,
                format!(
                    "\"when\" names unknown axis \"{}\" (axes: {})",
                    key.name,
                    names.join(", ")
                ),
            );
            ok = false;
            continue;
        };
        let v = cx.scalar_text(value).unwrap_or_default();
        match axes[a].values.iter().position(|(k, _)| *k == v.trim()) {
            Some(vi) => out.push((a, vi)),
            None => {
                let names: Vec<&str> = axes[a].values.iter().map(|(k, _)| k.as_str()).collect();
                cx.error_at(
                    value.pos,
                    format!(
                        "axis \"{}\" has no value \"{v}\" (values: {})",
                        key.name,
                        names.join(", ")
                    ),
                );
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

// ---------------------------------------------------------------------------------------------
// Whole-question checks: multi counts, placeholders, template combinations.

const NUMBER_WORDS: [&str; 11] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
];

/// How many options a `multi` stem says to choose ("Choose two.", "select 3"), if it says.
pub fn stated_choice_count(stem: &str) -> Option<usize> {
    let lower = stem.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.windows(2).find_map(|w| {
        if !matches!(w[0], "choose" | "select" | "pick") {
            return None;
        }
        w[1].parse::<usize>()
            .ok()
            .or_else(|| NUMBER_WORDS.iter().position(|n| *n == w[1]))
    })
}

fn check_multi_count(cx: &mut Cx, stem: &str, answer: &Answer, pos: Pos, variant: Option<&str>) -> bool {
    let Answer::Choices(v) = answer else {
        return true;
    };
    let within = variant.map(|v| format!(" (variant {v})")).unwrap_or_default();
    match stated_choice_count(stem) {
        Some(n) if n == v.len() => true,
        Some(n) => {
            cx.error_at(
                pos,
                format!(
                    "the stem says to choose {n} but the answer has {} options{within}",
                    v.len()
                ),
            );
            false
        }
        None => {
            cx.error_at(
                pos,
                format!(
                    "a multi stem must state how many to choose, e.g. \"Choose {}.\"{within}",
                    NUMBER_WORDS.get(v.len()).unwrap_or(&"two")
                ),
            );
            false
        }
    }
}

fn check_question(cx: &mut Cx, q: &Question, pos: Pos) -> bool {
    match &q.answering {
        Answering::Fixed { answer } => {
            let distinct = match duplicate_choice(&q.body) {
                Some(dup) => {
                    cx.error_at(pos, format!("ambiguous: {dup}"));
                    false
                }
                None => true,
            };
            check_multi_count(cx, &q.stem, answer, pos, None) && distinct
        }
        Answering::Template(t) => check_template(cx, q, t, pos),
    }
}

fn check_template(cx: &mut Cx, q: &Question, t: &Template, pos: Pos) -> bool {
    let mut ok = true;
    let axis_ids: Vec<&str> = t.axes.iter().map(|a| a.id.as_str()).collect();
    let mut texts: Vec<(&str, &str)> =
        vec![("stem", q.stem.as_str()), ("explanation", q.explanation.as_str())];
    let body_texts = q.body.texts();
    texts.extend(body_texts.iter().map(|s| ("options", *s)));
    texts.extend(
        t.cases
            .iter()
            .filter_map(|c| c.explanation.as_deref().map(|e| ("a case explanation", e))),
    );
    texts.extend(
        t.axes
            .iter()
            .flat_map(|a| a.values.iter().map(|(_, v)| ("an axis value", v.as_str()))),
    );
    for (field, text) in &texts {
        for name in placeholders(text) {
            if !axis_ids.contains(&name) {
                cx.error_at(
                    pos,
                    format!(
                        "unknown placeholder {{{name}}} in {field} (axes: {}; write {{{{ and }}}} for literal braces)",
                        axis_ids.join(", ")
                    ),
                );
                ok = false;
            }
        }
    }
    for axis in &t.axes {
        let shown = std::iter::once(q.stem.as_str())
            .chain(body_texts.iter().copied())
            .any(|s| placeholders(s).contains(&axis.id.as_str()));
        if !shown {
            cx.error_at(
                pos,
                format!(
                    "axis \"{}\" appears nowhere in the stem or options, so its variants would read the same",
                    axis.id
                ),
            );
            ok = false;
        }
    }
    if !ok {
        return false;
    }
    let count = t.combination_count();
    if count > MAX_COMBINATIONS {
        cx.error_at(pos, format!("the template has {count} combinations, more than {MAX_COMBINATIONS}: use fewer axes or values"));
        return false;
    }
    let mut used = vec![false; t.cases.len()];
    let mut unanswered = Vec::new();
    for combo in t.combinations() {
        let name = t.variant_name(&combo);
        let Some(ci) = t.case_for(&combo) else {
            unanswered.push(name);
            continue;
        };
        used[ci] = true;
        let rendered = q.body.map_texts(&|s| t.render(s, &combo));
        if let Some(dup) = duplicate_choice(&rendered) {
            cx.error_at(pos, format!("ambiguous variant {name}: {dup}"));
            ok = false;
        }
        let stem = t.render(&q.stem, &combo);
        ok &= check_multi_count(cx, &stem, &t.cases[ci].answer, pos, Some(&name));
    }
    if !unanswered.is_empty() {
        let more = if unanswered.len() > 3 {
            format!(" and {} more", unanswered.len() - 3)
        } else {
            String::new()
        };
        cx.error_at(
            pos,
            format!(
                "no template case answers {}{more}: add a case or a default `when: {{}}`",
                unanswered.iter().take(3).cloned().collect::<Vec<_>>().join("; ")
            ),
        );
        ok = false;
    }
    for (i, u) in used.iter().enumerate() {
        if !u && unanswered.is_empty() {
            cx.error_at(
                pos,
                format!(
                    "template case #{} never applies: earlier cases answer all its combinations",
                    i + 1
                ),
            );
            ok = false;
        }
    }
    ok
}

/// Describes two choices of a rendered body that read the same, if any.
fn duplicate_choice(body: &Body) -> Option<String> {
    let lists: Vec<&Vec<String>> = match body {
        Body::Single { options } | Body::Multi { options } | Body::Order { options } => vec![options],
        Body::Match { prompts, options } => vec![prompts, options],
        Body::Dropdown { blanks, .. } => blanks.iter().collect(),
        Body::Yesno { statements } => vec![statements],
    };
    for list in lists {
        for (i, a) in list.iter().enumerate() {
            if let Some(j) = list[i + 1..]
                .iter()
                .position(|b| b.trim().eq_ignore_ascii_case(a.trim()))
            {
                return Some(format!(
                    "options {} and {} both read \"{}\"",
                    letter(i),
                    letter(i + j + 1),
                    a.trim()
                ));
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Flashcards

fn flashcard(cx: &mut Cx, node: &Node, exam: Option<&Exam>, content: &mut Content) -> Option<Flashcard> {
    if let Kind::Map(entries) = &node.kind
        && let Some((_, id)) = entries.iter().find(|(k, _)| k.name == "id")
        && let Some(s) = cx.scalar_text(id)
    {
        cx.subject = Some(format!("flashcard \"{}\"", s.trim()));
    }
    let f = fields(
        cx,
        node,
        "a flashcard",
        &["id", "family", "domain", "category", "front", "back", "refs"],
    )?;
    let id = id_field(cx, &f, "id");
    let claimed = id.as_ref().is_some_and(|id| claim_id(cx, content, id, f.pos));
    let family = optional_text(cx, &f, "family");
    let domain = required(cx, &f, "domain").and_then(|n| text(cx, n, "domain").map(|s| (s, n.pos)));
    let category = required(cx, &f, "category").and_then(|n| text(cx, n, "category").map(|s| (s, n.pos)));
    if let (Some((d, dp)), Some((c, cp))) = (&domain, &category) {
        domain_category(cx, exam, d, *dp, c, *cp);
    }
    let front = required_text(cx, &f, "front");
    let back = required_text(cx, &f, "back");
    let refs = refs(cx, &f, false);
    let id = id?;
    if !claimed {
        return None;
    }
    Some(Flashcard {
        family: FamilyId(family?.unwrap_or_else(|| id.clone())),
        id: QuestionId(id),
        domain: DomainId(domain?.0),
        category: CategoryId(category?.0),
        front: front?.trim().to_owned(),
        back: back?.trim().to_owned(),
        refs: refs?,
    })
}
