//! Rendering score reports and item reviews (text and JSON) to a writer.
//!
//! Pure: everything arrives as values (the attempt, its items, "now", the learner's time zone);
//! nothing here opens files or reads the clock. Bank strings are printed as text, never interpreted.

use std::io::{self, Write};

use chrono::{DateTime, Utc};

use crate::zone::Zone;

use crate::bank::{Body, Instance, letter};
use crate::exam::response::answer_as_response;
use crate::exam::{ScoreSummary, SessionItem, Status, display_response, summarize};
use crate::store::AttemptRow;
use crate::text::{sanitize, sanitize_line};

/// Left-aligned columns, two spaces apart (numbers right-aligned), for plain-text reports, fitted to
/// `width` (see [`text::table`]).
pub fn plain_table(header: &[&str], rows: &[Vec<String>], width: usize) -> String {
    text::table(header, rows, width)
}

/// Everything a report shows about one attempt.
pub struct AttemptReport<'a> {
    /// The attempt.
    pub attempt: &'a AttemptRow,
    /// Its items.
    pub items: &'a [SessionItem],
    /// Now (for the time used by an attempt still running).
    pub now: DateTime<Utc>,
    /// The learner's time zone for printed times.
    pub zone: Zone,
}

/// Styling hooks, so the report can be coloured on a terminal and plain elsewhere.
pub trait Style {
    /// Emphasis.
    fn bold(&self, s: &str) -> String;
    /// A failing result.
    fn bad(&self, s: &str) -> String;
    /// A passing result.
    fn good(&self, s: &str) -> String;
    /// Secondary text.
    fn dim(&self, s: &str) -> String;
}

/// No styling.
pub struct Plain;

impl Style for Plain {
    fn bold(&self, s: &str) -> String {
        s.to_owned()
    }
    fn bad(&self, s: &str) -> String {
        s.to_owned()
    }
    fn good(&self, s: &str) -> String {
        s.to_owned()
    }
    fn dim(&self, s: &str) -> String {
        s.to_owned()
    }
}

/// `retake exam report --json`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ReportJson {
    /// Attempt id.
    pub attempt: i64,
    /// Exam code.
    pub exam: String,
    /// The seed that replays it.
    pub seed: u64,
    /// `targeted` or `blueprint`.
    pub mode: &'static str,
    /// False for practice.
    pub timed: bool,
    /// `in_progress`, `submitted`, `expired` or `abandoned`.
    pub status: &'static str,
    /// RFC 3339 in the learner's zone.
    pub started_at: String,
    /// RFC 3339, timed attempts.
    pub deadline: Option<String>,
    /// RFC 3339, once closed.
    pub finished_at: Option<String>,
    /// 1–1000, once scored.
    pub scaled_score: Option<u32>,
    /// The passing score.
    pub passing_score: u32,
    /// The top of the scale.
    pub max_score: u32,
    /// Passed, once scored.
    pub passed: Option<bool>,
    /// Raw points, once scored.
    pub points: Option<u32>,
    /// Raw points possible.
    pub max_points: u32,
    /// Seconds of the time limit used.
    pub seconds_used: f64,
    /// Per domain.
    pub domains: Vec<DomainJson>,
    /// Per item, in position order.
    pub items: Vec<ItemJson>,
}

/// One domain of [`ReportJson`].
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DomainJson {
    /// Domain id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Normalised weight (percent).
    pub weight: f64,
    /// Points, once scored.
    pub points: Option<u32>,
    /// Points possible.
    pub max_points: u32,
    /// Percent, once scored.
    pub percent: Option<f64>,
}

/// One item of [`ReportJson`].
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ItemJson {
    /// 1-based position.
    pub position: usize,
    /// Question id.
    pub question: String,
    /// Family id.
    pub family: String,
    /// Canonical `axis=value,…`, for templates.
    pub variant: Option<String>,
    /// Domain id.
    pub domain: String,
    /// Category id.
    pub category: String,
    /// Item type.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The learner's answer in the scripted syntax, when given.
    pub response: Option<String>,
    /// Fully right, once scored.
    pub correct: Option<bool>,
    /// Points, once scored.
    pub points: Option<u32>,
    /// Points possible.
    pub max_points: u32,
    /// Seconds spent.
    pub seconds: f64,
    /// Marked for review.
    pub flagged: bool,
    /// Disputed (excluded from the score).
    pub disputed: bool,
    /// The key in the letters shown, once closed.
    pub correct_response: Option<String>,
}

/// A time in the learner's zone, RFC 3339 with its offset.
pub fn local_time(t: DateTime<Utc>, zone: &Zone) -> String {
    zone.local(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `h:mm:ss` or `m:ss`.
pub fn clock_duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

impl AttemptReport<'_> {
    /// The score, counting every item except disputed ones.
    pub fn summary(&self) -> ScoreSummary {
        let scored: Vec<(&str, u32, u32)> = self
            .items
            .iter()
            .filter(|i| !i.disputed)
            .map(|i| {
                let (p, m) = i.score();
                (i.instance.domain.as_str(), p, m)
            })
            .collect();
        summarize(&self.attempt.blueprint, &scored)
    }

    fn time_used(&self) -> f64 {
        let end = self.attempt.finished_at.unwrap_or(self.now);
        let used = (end - self.attempt.started_at).num_milliseconds().max(0) as f64 / 1000.0;
        match self.attempt.deadline {
            Some(d) => used.min((d - self.attempt.started_at).num_milliseconds().max(0) as f64 / 1000.0),
            None => used,
        }
    }

    /// The contract JSON of `retake exam report --json` (DESIGN §2): every field present, `null`
    /// while not known.
    pub fn json(&self) -> ReportJson {
        let a = self.attempt;
        let scored = a.status.is_scored();
        let finished = a.status != Status::InProgress;
        let summary = self.summary();
        let domains = summary
            .domains
            .iter()
            .map(|d| DomainJson {
                id: d.id.0.clone(),
                name: d.name.clone(),
                weight: (d.share * 100.0).round() / 100.0,
                points: scored.then_some(d.points),
                max_points: d.max_points,
                percent: if scored {
                    d.percent.map(|p| (p * 10.0).round() / 10.0)
                } else {
                    None
                },
            })
            .collect();
        let items = self
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let inst = &item.instance;
                let (points, max) = item.score();
                ItemJson {
                    position: i + 1,
                    question: inst.question.0.clone(),
                    family: inst.family.0.clone(),
                    variant: inst.variant.clone(),
                    domain: inst.domain.0.clone(),
                    category: inst.category.0.clone(),
                    kind: inst.item_type().as_str(),
                    response: item.response.as_ref().map(|r| display_response(r, &item.shuffle)),
                    correct: scored.then(|| item.correct()),
                    points: scored.then_some(points),
                    max_points: max,
                    seconds: (item.seconds * 10.0).round() / 10.0,
                    flagged: item.flagged,
                    disputed: item.disputed,
                    correct_response: finished
                        .then(|| display_response(&answer_as_response(&inst.answer), &item.shuffle)),
                }
            })
            .collect();
        ReportJson {
            attempt: a.id,
            exam: a.exam.clone(),
            seed: a.seed,
            mode: a.mode.as_str(),
            timed: a.timed,
            status: a.status.as_str(),
            started_at: local_time(a.started_at, &self.zone),
            deadline: a.deadline.map(|t| local_time(t, &self.zone)),
            finished_at: a.finished_at.map(|t| local_time(t, &self.zone)),
            scaled_score: scored.then_some(summary.scaled),
            passing_score: a.blueprint.passing_score,
            max_score: a.blueprint.max_score,
            passed: scored.then_some(summary.passed),
            points: scored.then_some(summary.points),
            max_points: summary.max_points,
            seconds_used: (self.time_used() * 10.0).round() / 10.0,
            domains,
            items,
        }
    }

    /// The score report, like Microsoft's: score and result, per-domain bars, the skills to
    /// prioritise with their repair actions, pacing, flagged and disputed items.
    /// Text wraps to `width`.
    pub fn render(&self, w: &mut dyn Write, style: &dyn Style, width: usize) -> io::Result<()> {
        let a = self.attempt;
        let exam = &a.blueprint;
        let summary = self.summary();
        let title = format!(
            "{} {} · attempt {} · {}{} · seed {}",
            a.exam,
            exam.title,
            a.id,
            a.mode.as_str(),
            if a.timed { "" } else { " practice" },
            a.seed
        );
        writeln!(w, "{}", style.bold(&text::fill(&title, width)))?;
        let when = match a.finished_at {
            Some(t) => format!("{} {}", a.status.as_str().replace('_', " "), self.human(t)),
            None => format!("in progress since {}", self.human(a.started_at)),
        };
        writeln!(w, "{}", style.dim(&when))?;
        writeln!(w)?;
        match a.status {
            Status::Submitted | Status::Expired => {
                let verdict = if summary.passed {
                    style.good("PASS")
                } else {
                    style.bad("FAIL")
                };
                let detail = format!(
                    "(passing score: {}; {} of {} points)",
                    exam.passing_score, summary.points, summary.max_points
                );
                let head = format!("Score: {} / {}   PASS   ", summary.scaled, exam.max_score);
                // The detail moves to its own line rather than be cut when the line is too narrow.
                let gap = if head.chars().count() + detail.chars().count() > width {
                    "\n  "
                } else {
                    ""
                };
                writeln!(
                    w,
                    "Score: {} / {}   {verdict}   {gap}{detail}",
                    style.bold(&summary.scaled.to_string()),
                    exam.max_score,
                )?;
            }
            Status::Abandoned => writeln!(w, "Abandoned: this attempt was closed without a score.")?,
            Status::InProgress => {
                writeln!(
                    w,
                    "In progress: {} of {} answered.",
                    self.items.len() - self.unanswered(),
                    text::count(self.items.len() as u64, "item", "items")
                )?;
                return Ok(());
            }
        }
        if a.status == Status::Expired {
            writeln!(
                w,
                "{}",
                style.dim(&text::fill(
                    "Time ran out: unanswered items scored zero, as on the real exam.",
                    width
                ))
            )?;
        }
        if a.status == Status::Abandoned {
            return Ok(());
        }
        writeln!(w)?;
        writeln!(w, "{}", style.bold("Performance by skill area"))?;
        // "  NAME  WEIGHT  BAR  PCT%  (P/M)": the bar gives up to half its length before the name
        // column wraps.
        let tail = summary
            .domains
            .iter()
            .map(|d| format!("({}/{})", d.points, d.max_points).len())
            .max()
            .unwrap_or(7);
        let longest = summary
            .domains
            .iter()
            .map(|d| sanitize_line(&d.name).chars().count())
            .max()
            .unwrap_or(10)
            .min(60);
        let room = width.saturating_sub(2 + 2 + 7 + 2 + 2 + 4 + 2 + tail);
        let bar_width = room.saturating_sub(longest).clamp(10, 20);
        let name_width = longest.min(room.saturating_sub(bar_width)).max(12);
        for d in &summary.domains {
            let weight = d.weight.to_string();
            let name = sanitize_line(&d.name);
            let names = textwrap::wrap(&name, text::options(name_width));
            let first = names.first().map_or("", |n| n.as_ref());
            match d.percent {
                Some(p) => {
                    let filled = ((p / 100.0) * bar_width as f64).round() as usize;
                    let filled = filled.min(bar_width);
                    let bar = format!("{}{}", "█".repeat(filled), "░".repeat(bar_width - filled));
                    writeln!(
                        w,
                        "  {first:<name_width$}  {weight:>7}  {bar}  {p:>3.0}%  ({}/{})",
                        d.points, d.max_points
                    )?;
                }
                None => writeln!(
                    w,
                    "  {first:<name_width$}  {weight:>7}  {}",
                    style.dim("not in this exam")
                )?,
            }
            for more in names.iter().skip(1) {
                writeln!(w, "  {more}")?;
            }
        }
        let priorities = summary.priorities(3);
        if !priorities.is_empty() {
            writeln!(w)?;
            writeln!(w, "{}", style.bold("Skills to prioritise (weight × shortfall)"))?;
            for (n, d) in priorities.iter().enumerate() {
                let line = format!("{} — {:.0}% ({})", d.name, d.percent.unwrap_or(0.0), d.weight);
                writeln!(
                    w,
                    "{}",
                    text::fill_indented(&line, width, &format!("  {}. ", n + 1), "     ")
                )?;
                let repair = text::fill_indented(&d.repair, width, "     Repair: ", "     ");
                writeln!(w, "{repair}")?;
            }
        }
        writeln!(w)?;
        writeln!(w, "{}", style.bold("Pacing"))?;
        let used = self.time_used();
        // The attempt's own limit (it may have been started with --minutes), else the exam's.
        let budget = a.deadline.map_or(f64::from(exam.duration_minutes) * 60.0, |d| {
            (d - a.started_at).num_milliseconds().max(0) as f64 / 1000.0
        });
        let per_item = used / self.items.len().max(1) as f64;
        let budget_item = budget / self.items.len().max(1) as f64;
        let pacing = if a.timed {
            format!(
                "{} used of {} · {} per item on average (budget {})",
                clock_duration(used),
                clock_duration(
                    a.deadline
                        .map_or(budget, |d| (d - a.started_at).num_seconds() as f64)
                ),
                clock_duration(per_item),
                clock_duration(budget_item)
            )
        } else {
            format!(
                "{} used (untimed practice) · {} per item on average",
                clock_duration(used),
                clock_duration(per_item)
            )
        };
        writeln!(w, "{}", text::fill_indented(&pacing, width, "  ", "    "))?;
        let mut slow: Vec<(usize, f64)> = self
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| (i + 1, it.seconds))
            .filter(|(_, s)| *s > 0.0)
            .collect();
        slow.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        if !slow.is_empty() {
            let list: Vec<String> = slow
                .iter()
                .take(3)
                .map(|(p, s)| format!("#{p} ({})", clock_duration(*s)))
                .collect();
            writeln!(w, "{}", text::fill_list("  slowest: ", &list, width))?;
        }
        let unanswered: Vec<String> = (0..self.items.len())
            .filter(|i| self.items[*i].response.is_none())
            .map(|i| format!("#{}", i + 1))
            .collect();
        if !unanswered.is_empty() {
            writeln!(w, "{}", text::fill_list("  unanswered: ", &unanswered, width))?;
        }
        let flagged: Vec<String> = (0..self.items.len())
            .filter(|i| self.items[*i].flagged)
            .map(|i| format!("#{}", i + 1))
            .collect();
        if !flagged.is_empty() {
            writeln!(w, "{}", text::fill_list("  flagged: ", &flagged, width))?;
        }
        let disputed: Vec<String> = self
            .items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.disputed)
            .map(|(i, it)| format!("#{} {}", i + 1, it.instance.question))
            .collect();
        if !disputed.is_empty() {
            writeln!(
                w,
                "{}",
                text::fill_indented(
                    &format!(
                        "disputed (excluded from the score; see `retake bank disputes`): {}",
                        disputed.join(", ")
                    ),
                    width,
                    "  ",
                    "    "
                )
            )?;
        }
        writeln!(w)?;
        writeln!(
            w,
            "{}",
            style.dim(&text::fill(
                &format!(
                    "Walk through every item with `retake exam report {} --review`.",
                    a.id
                ),
                width
            ))
        )?;
        Ok(())
    }

    /// A time as people read it, in the learner's zone.
    fn human(&self, t: DateTime<Utc>) -> String {
        text::human_time(self.zone.local(t), self.zone.local(self.now))
    }

    fn unanswered(&self) -> usize {
        self.items.iter().filter(|i| i.response.is_none()).count()
    }

    /// Every item with the learner's response, the right answer and the explanation.
    /// Text wraps to `width`.
    pub fn render_review(&self, w: &mut dyn Write, style: &dyn Style, width: usize) -> io::Result<()> {
        let finished = self.attempt.status != Status::InProgress;
        for (i, item) in self.items.iter().enumerate() {
            let inst = &item.instance;
            let (points, max) = item.score();
            let mark = if !finished {
                String::new()
            } else if item.disputed {
                style.dim(" · disputed")
            } else if item.correct() {
                style.good(" · right")
            } else if points > 0 {
                style.bad(&format!(" · partly right ({points}/{max})"))
            } else {
                style.bad(" · wrong")
            };
            let variant = inst
                .variant
                .as_ref()
                .map(|v| format!(" · variant {v}"))
                .unwrap_or_default();
            let heading = format!(
                "── {} of {} · {} · {}/{}{variant}",
                i + 1,
                self.items.len(),
                inst.question,
                inst.domain,
                inst.category
            );
            writeln!(w, "{}", style.bold(&text::fill(&heading, width)))?;
            let first_of_case =
                item.scenario.is_some() && (i == 0 || self.items[i - 1].section != item.section);
            write_item(
                w,
                item,
                item.scenario.as_deref().filter(|_| first_of_case),
                false,
                width,
            )?;
            let response = item.response.as_ref().map_or_else(
                || "(no answer)".to_owned(),
                |r| display_response(r, &item.shuffle),
            );
            writeln!(w, "Your answer: {}{mark}", sanitize_line(&response))?;
            if finished {
                writeln!(
                    w,
                    "Right answer: {}",
                    display_response(&answer_as_response(&inst.answer), &item.shuffle)
                )?;
                writeln!(w, "{}", text::fill(&inst.explanation, width))?;
                for r in &inst.refs {
                    writeln!(w, "  {}", style.dim(&sanitize_line(r)))?;
                }
            }
            writeln!(w)?;
        }
        Ok(())
    }
}

/// Writes an item as the learner sees it (stem, options with displayed letters and, with `hint`,
/// how to answer), wrapped to `width`. `scenario` is printed first when given (a case study's
/// shared text).
pub fn write_item(
    w: &mut dyn Write,
    item: &SessionItem,
    scenario: Option<&str>,
    hint: bool,
    width: usize,
) -> io::Result<()> {
    let inst: &Instance = &item.instance;
    if let Some(s) = scenario {
        writeln!(w, "Case study:\n{}\n", text::fill(s, width))?;
    }
    writeln!(w, "{}", text::fill(&inst.stem, width))?;
    writeln!(w)?;
    let opts = text::options(width).subsequent_indent("     ");
    match &inst.body {
        Body::Single { options } | Body::Multi { options } | Body::Order { options } => {
            for (d, c) in item.shuffle.options.iter().enumerate() {
                writeln!(
                    w,
                    "{}",
                    textwrap::fill(&format!("  {}. {}", letter(d), sanitize(&options[*c])), &opts)
                )?;
            }
        }
        Body::Match { prompts, options } => {
            for (p, prompt) in prompts.iter().enumerate() {
                writeln!(
                    w,
                    "{}",
                    textwrap::fill(&format!("  {}. {}", p + 1, sanitize(prompt)), &opts)
                )?;
            }
            writeln!(w, "  Choices:")?;
            for (d, c) in item.shuffle.options.iter().enumerate() {
                writeln!(
                    w,
                    "{}",
                    textwrap::fill(&format!("    {}. {}", letter(d), sanitize(&options[*c])), &opts)
                )?;
            }
        }
        Body::Dropdown { text, blanks } => {
            let shown = (1..=blanks.len()).fold(sanitize(text).into_owned(), |t, n| {
                t.replace(&format!("[[{n}]]"), &format!("[ {n} ]"))
            });
            for line in shown.lines() {
                writeln!(w, "{}", text::fill_indented(line, width, "    ", "      "))?;
            }
            writeln!(w)?;
            for (b, choices) in blanks.iter().enumerate() {
                let order = item.shuffle.blanks.get(b);
                let listed: Vec<String> = (0..choices.len())
                    .map(|d| {
                        let c = order.and_then(|o| o.get(d)).copied().unwrap_or(d);
                        format!("{}. {}", letter(d), sanitize_line(&choices[c]))
                    })
                    .collect();
                writeln!(
                    w,
                    "{}",
                    textwrap::fill(&format!("  Blank {}: {}", b + 1, listed.join("   ")), &opts)
                )?;
            }
        }
        Body::Yesno { statements } => {
            for (s, statement) in statements.iter().enumerate() {
                writeln!(
                    w,
                    "{}",
                    textwrap::fill(&format!("  {}. {}", s + 1, sanitize(statement)), &opts)
                )?;
            }
        }
    }
    if hint {
        writeln!(w)?;
        writeln!(w, "{}", text::fill(&answer_hint(inst), width))?;
    }
    Ok(())
}

/// How to answer this item, in the scripted notation, with an example of its real size.
pub fn answer_hint(inst: &Instance) -> String {
    use crate::exam::response::{example_cycle, example_letters, example_order, example_pairs};
    match (&inst.body, &inst.answer) {
        (Body::Single { .. }, _) => "Answer with one letter, e.g. B.".to_owned(),
        (Body::Multi { options }, crate::bank::Answer::Choices(v)) => format!(
            "Choose {} letters, e.g. {}.",
            v.len(),
            example_letters(v.len(), options.len())
        ),
        (Body::Order { .. }, crate::bank::Answer::Sequence(v)) => {
            format!(
                "List {} letters in order, e.g. {}.",
                v.len(),
                example_order(v.len())
            )
        }
        (Body::Match { prompts, .. }, _) => format!(
            "Pair each numbered item with a letter, e.g. {}.",
            example_pairs(prompts.len())
        ),
        (Body::Dropdown { blanks, .. }, _) => format!(
            "Give one letter per blank ({} blanks), e.g. {}.",
            blanks.len(),
            example_cycle(blanks.len(), &["B", "A", "C"])
        ),
        (Body::Yesno { statements }, _) => format!(
            "Answer Y or N for each of the {} statements, e.g. {}.",
            statements.len(),
            example_cycle(statements.len(), &["Y", "N"])
        ),
        _ => "Answer with letters.".to_owned(),
    }
}

pub mod progress;
pub mod text;

#[cfg(test)]
mod tests;
