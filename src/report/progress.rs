//! Per-domain progress and the history of mock exams and official attempts, rendered as a terminal table, CSV, JSON, Markdown or one
//! self-contained HTML page with inline SVG charts (no scripts, no external assets; every bank
//! string escaped).

use std::io::{self, Write};

use serde::Serialize;
use serde_json::json;

use crate::interchange::spreadsheet_safe;
use crate::readiness::Readiness;
use crate::text::sanitize_line;

/// One domain's progress.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DomainProgress {
    /// Domain id.
    pub id: String,
    /// Official name.
    pub name: String,
    /// Official weight, as written ("20–25%").
    pub weight: String,
    /// Normalised share, percent.
    pub share: f64,
    /// Answers given, all time.
    pub answered: u64,
    /// Accuracy over the last 30 days.
    pub accuracy_30d: Option<f64>,
    /// Accuracy over all time.
    pub accuracy_all: Option<f64>,
    /// Estimated mastery (mean of the categories' Beta estimates).
    pub mastery: f64,
    /// Families due now.
    pub due: u64,
    /// Accuracy on seen forms minus accuracy on new forms.
    pub memorisation_gap: Option<f64>,
    /// Expected items right of this domain in one exam.
    pub expected_points: f64,
    /// Items of this domain in one exam.
    pub exam_items: f64,
    /// The domain is no longer in the bank: its row keeps the learner's history readable and it
    /// counts for nothing in the exam (no share, no expected points).
    pub retired: bool,
    /// Categories of this domain the learner has history in that are no longer in the bank.
    pub retired_categories: Vec<String>,
}

/// What a history entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryKind {
    /// A submitted or expired mock exam.
    Mock,
    /// A logged official attempt with its score.
    Official,
}

impl HistoryKind {
    /// The contract name.
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryKind::Mock => "mock",
            HistoryKind::Official => "official",
        }
    }
}

/// One domain's percentage in a history entry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryDomain {
    /// Domain id.
    pub id: String,
    /// Percentage, when known.
    pub percent: Option<f64>,
    /// The domain is no longer in the bank.
    pub retired: bool,
}

/// One mock exam or official attempt in the history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// Mock or official.
    pub kind: HistoryKind,
    /// Attempt id (mock attempts and official attempts are numbered apart).
    pub attempt: i64,
    /// When it was started or taken (learner's time, RFC 3339).
    pub date: String,
    /// The scaled score.
    pub scaled_score: u32,
    /// Per-domain percentages.
    pub domains: Vec<HistoryDomain>,
}

impl HistoryEntry {
    /// The percentage of domain `id`, when this entry has one.
    pub fn percent(&self, id: &str) -> Option<f64> {
        self.domains.iter().find(|d| d.id == id).and_then(|d| d.percent)
    }
}

/// Everything a progress report shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Progress {
    /// Exam code.
    pub exam: String,
    /// Exam title.
    pub title: String,
    /// When the report was made (learner's time).
    pub generated: String,
    /// Passing score.
    pub passing_score: u32,
    /// Highest score.
    pub max_score: u32,
    /// Readiness for the next real exam.
    pub readiness: Readiness,
    /// Per domain: the bank's domains, then retired ones the learner has history in.
    pub domains: Vec<DomainProgress>,
    /// Every scored mock and scored official attempt, oldest first.
    pub history: Vec<HistoryEntry>,
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_owned(), |v| format!("{:.0}%", v * 100.0))
}

fn gap(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_owned(), |v| format!("{:+.0}", v * 100.0))
}

/// The contract JSON.
pub fn json(p: &Progress) -> serde_json::Value {
    json!({
        "exam": p.exam,
        "title": p.title,
        "generated": p.generated,
        "passing_score": p.passing_score,
        "readiness": {
            "pass_probability": (p.readiness.pass_probability * 1000.0).round() / 1000.0,
            "score_interval_80": [p.readiness.score_low, p.readiness.score_high],
            "score_median": p.readiness.score_median,
            "simulations": p.readiness.simulations,
        },
        "domains": p.domains,
        "history": p.history.iter().map(|m| json!({
            "kind": m.kind,
            "attempt": m.attempt,
            "date": m.date,
            "scaled_score": m.scaled_score,
            "domains": m.domains.iter().map(|d| json!({ "id": d.id, "percent": d.percent.map(|x| (x * 10.0).round() / 10.0), "retired": d.retired })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// The terminal table, fitted to `width`, with times as people read them.
pub fn table(p: &Progress, w: &mut dyn Write, width: usize) -> io::Result<()> {
    use crate::report::text;
    let now = chrono::DateTime::parse_from_rfc3339(&p.generated).ok();
    let when = |stamp: &str| now.map_or_else(|| stamp.to_owned(), |n| text::human_stamp(stamp, n));
    let title = format!("{} {} — progress on {}", p.exam, p.title, when(&p.generated));
    writeln!(w, "{}", text::fill(&title, width))?;
    let readiness = format!(
        "Readiness: {:.0}% chance of scoring {} or more on the next exam (80% of simulated exams score {}–{}, median {}).",
        p.readiness.pass_probability * 100.0,
        p.passing_score,
        p.readiness.score_low,
        p.readiness.score_high,
        p.readiness.score_median
    );
    writeln!(w, "{}", text::fill(&readiness, width))?;
    writeln!(w)?;
    let rows: Vec<Vec<String>> = p
        .domains
        .iter()
        .map(|d| {
            vec![
                if d.retired {
                    format!("{} (retired)", d.id)
                } else {
                    d.id.clone()
                },
                d.weight.clone(),
                d.answered.to_string(),
                pct(d.accuracy_30d),
                pct(d.accuracy_all),
                format!("{:.0}%", d.mastery * 100.0),
                d.due.to_string(),
                gap(d.memorisation_gap),
                format!("{:.1}/{:.1}", d.expected_points, d.exam_items),
            ]
        })
        .collect();
    let header = [
        "domain", "weight", "answered", "30 days", "all time", "mastery", "due", "memo gap", "expected",
    ];
    write!(w, "{}", text::table(&header, &rows, width))?;
    let retired_categories: Vec<String> = p
        .domains
        .iter()
        .flat_map(|d| d.retired_categories.iter().map(move |c| format!("{}/{c}", d.id)))
        .collect();
    if !retired_categories.is_empty() {
        writeln!(
            w,
            "{}",
            text::fill(
                &format!(
                    "Retired categories (no longer in the bank, history kept): {}",
                    retired_categories.join(", ")
                ),
                width
            )
        )?;
    }
    if !p.history.is_empty() {
        writeln!(w)?;
        writeln!(w, "History:")?;
        for m in &p.history {
            let doms: Vec<String> = m
                .domains
                .iter()
                .map(|d| {
                    format!(
                        "{} {}{}",
                        sanitize_line(&d.id),
                        d.percent.map_or("–".to_owned(), |x| format!("{x:.0}%")),
                        if d.retired { " (retired)" } else { "" }
                    )
                })
                .collect();
            let line = format!(
                "{} #{} {}  {}  {}",
                m.kind.as_str(),
                m.attempt,
                when(&m.date),
                m.scaled_score,
                doms.join(" · ")
            );
            writeln!(w, "{}", text::fill_indented(&line, width, "  ", "      "))?;
        }
    }
    Ok(())
}

/// CSV: one row per domain (`kind` = domain) and one per mock and domain (`kind` = mock).
pub fn csv(p: &Progress, w: &mut dyn Write) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    let err = |e: csv::Error| io::Error::other(e.to_string());
    out.write_record([
        "kind",
        "exam",
        "domain",
        "name",
        "weight",
        "answered",
        "accuracy_30d",
        "accuracy_all",
        "mastery",
        "due",
        "memorisation_gap",
        "expected_points",
        "attempt",
        "date",
        "scaled_score",
        "percent",
        "retired",
    ])
    .map_err(err)?;
    let f = |x: Option<f64>| x.map_or_else(String::new, |v| format!("{v:.4}"));
    for d in &p.domains {
        out.write_record([
            "domain".to_owned(),
            spreadsheet_safe(&p.exam),
            spreadsheet_safe(&d.id),
            spreadsheet_safe(&d.name),
            spreadsheet_safe(&d.weight),
            d.answered.to_string(),
            f(d.accuracy_30d),
            f(d.accuracy_all),
            format!("{:.4}", d.mastery),
            d.due.to_string(),
            f(d.memorisation_gap),
            format!("{:.2}", d.expected_points),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            d.retired.to_string(),
        ])
        .map_err(err)?;
    }
    for m in &p.history {
        for hd in &m.domains {
            let name = p
                .domains
                .iter()
                .find(|d| d.id == hd.id)
                .map(|d| spreadsheet_safe(&d.name))
                .unwrap_or_default();
            out.write_record([
                m.kind.as_str().to_owned(),
                spreadsheet_safe(&p.exam),
                spreadsheet_safe(&hd.id),
                name,
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                m.attempt.to_string(),
                m.date.clone(),
                m.scaled_score.to_string(),
                hd.percent.map_or_else(String::new, |x| format!("{x:.1}")),
                hd.retired.to_string(),
            ])
            .map_err(err)?;
        }
    }
    out.flush()
}

fn md_escape(s: &str) -> String {
    sanitize_line(&s.replace('|', "\\|").replace(['\n', '\r'], " ")).into_owned()
}

/// Markdown, to paste into a ticket or an email.
pub fn markdown(p: &Progress, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "## {} progress — {}",
        md_escape(&p.exam),
        md_escape(&p.generated)
    )?;
    writeln!(w)?;
    writeln!(
        w,
        "**Readiness:** {:.0}% chance of scoring {}+ on the next exam (80% interval {}–{}, median {}).",
        p.readiness.pass_probability * 100.0,
        p.passing_score,
        p.readiness.score_low,
        p.readiness.score_high,
        p.readiness.score_median
    )?;
    writeln!(w)?;
    writeln!(
        w,
        "| Domain | Weight | Answered | Accuracy (30 days) | Accuracy (all) | Mastery | Due | Memorisation gap | Expected |"
    )?;
    writeln!(
        w,
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )?;
    for d in &p.domains {
        writeln!(
            w,
            "| {}{} | {} | {} | {} | {} | {:.0}% | {} | {} | {:.1}/{:.1} |",
            md_escape(&d.name),
            if d.retired { " (retired)" } else { "" },
            md_escape(&d.weight),
            d.answered,
            pct(d.accuracy_30d),
            pct(d.accuracy_all),
            d.mastery * 100.0,
            d.due,
            gap(d.memorisation_gap),
            d.expected_points,
            d.exam_items
        )?;
    }
    if !p.history.is_empty() {
        writeln!(w)?;
        writeln!(
            w,
            "| Kind | Attempt | Date | Score | {} |",
            p.domains
                .iter()
                .map(|d| format!(
                    "{}{}",
                    md_escape(&d.id),
                    if d.retired { " (retired)" } else { "" }
                ))
                .collect::<Vec<_>>()
                .join(" | ")
        )?;
        writeln!(
            w,
            "| --- | ---: | --- | ---: |{}",
            " ---: |".repeat(p.domains.len())
        )?;
        for m in &p.history {
            let cells: Vec<String> = p
                .domains
                .iter()
                .map(|d| m.percent(&d.id).map_or("–".to_owned(), |x| format!("{x:.0}%")))
                .collect();
            writeln!(
                w,
                "| {} | {} | {} | {} | {} |",
                m.kind.as_str(),
                m.attempt,
                md_escape(&m.date),
                m.scaled_score,
                cells.join(" | ")
            )?;
        }
    }
    Ok(())
}

/// Escapes text for HTML (elements and attributes).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Shown visibly, as on a terminal: a raw control byte is invalid in HTML text.
            c if c != '\n' && c != '\t' && crate::text::is_unsafe_char(c) => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            _ => out.push(c),
        }
    }
    out
}

/// An SVG piece of the HTML page (also used live by `retake serve`).
pub fn score_chart(p: &Progress) -> String {
    let (w, h, pad) = (640.0, 220.0, 40.0);
    let max = f64::from(p.max_score.max(1));
    let y = |s: f64| h - pad - (s / max) * (h - 2.0 * pad);
    let n = p.history.len();
    let x = |i: usize| {
        if n <= 1 {
            w / 2.0
        } else {
            pad + i as f64 * (w - 2.0 * pad) / (n - 1) as f64
        }
    };
    let mut svg = format!(
        "<svg viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"Mock exam scores against the passing score\">\
<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>\
<line x1=\"{pad}\" y1=\"{py:.1}\" x2=\"{x2}\" y2=\"{py:.1}\" stroke=\"#c0392b\" stroke-dasharray=\"6 4\"/>\
<text x=\"{tx}\" y=\"{ty:.1}\" font-size=\"12\" fill=\"#c0392b\" text-anchor=\"end\">pass {pass}</text>",
        py = y(f64::from(p.passing_score)),
        x2 = w - pad,
        tx = w - pad,
        ty = y(f64::from(p.passing_score)) - 4.0,
        pass = p.passing_score
    );
    if n == 0 {
        svg.push_str(&format!("<text x=\"{}\" y=\"{}\" font-size=\"14\" text-anchor=\"middle\" fill=\"#555\">No mock exam yet</text>", w / 2.0, h / 2.0));
    } else {
        let points: Vec<String> = p
            .history
            .iter()
            .enumerate()
            .map(|(i, m)| format!("{:.1},{:.1}", x(i), y(f64::from(m.scaled_score))))
            .collect();
        svg.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#2471a3\" stroke-width=\"2\"/>",
            points.join(" ")
        ));
        for (i, m) in p.history.iter().enumerate() {
            svg.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#2471a3\"><title>attempt {} · {}</title></circle>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
                x(i),
                y(f64::from(m.scaled_score)),
                m.attempt,
                m.scaled_score,
                x(i),
                y(f64::from(m.scaled_score)) - 8.0,
                m.scaled_score
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// An SVG piece of the HTML page (also used live by `retake serve`).
pub fn domain_bars(p: &Progress) -> String {
    let row = 34.0;
    // Room for the longest name at about 6.8 px a character (12 px system font).
    let longest = p
        .domains
        .iter()
        .map(|d| d.name.chars().count())
        .max()
        .unwrap_or(10) as f64;
    let (w, label) = (720.0, (longest * 6.8 + 12.0).clamp(160.0, 420.0));
    let h = row * p.domains.len() as f64 + 20.0;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"Mastery per domain\">"
    );
    for (i, d) in p.domains.iter().enumerate() {
        let y = 10.0 + i as f64 * row;
        let bar = (w - label - 60.0) * d.mastery.clamp(0.0, 1.0);
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{:.1}\" font-size=\"12\">{}</text>\
<rect x=\"{label}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"20\" fill=\"#eee\"/>\
<rect x=\"{label}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"20\" fill=\"{}\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{:.0}%</text>",
            y + 14.0,
            escape(&d.name),
            w - label - 60.0,
            if d.mastery >= 0.7 { "#27ae60" } else { "#e67e22" },
            label + (w - label - 60.0) + 6.0,
            y + 14.0,
            d.mastery * 100.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// An SVG piece of the HTML page (also used live by `retake serve`).
pub fn readiness_gauge(p: &Progress) -> String {
    let w = 640.0;
    let x = |s: u32| 20.0 + (f64::from(s) / f64::from(p.max_score.max(1))) * (w - 40.0);
    format!(
        "<svg viewBox=\"0 0 {w} 70\" width=\"{w}\" height=\"70\" role=\"img\" aria-label=\"Predicted score range\">\
<line x1=\"20\" y1=\"35\" x2=\"{end}\" y2=\"35\" stroke=\"#ccc\" stroke-width=\"2\"/>\
<rect x=\"{lo:.1}\" y=\"25\" width=\"{span:.1}\" height=\"20\" fill=\"#aed6f1\"/>\
<line x1=\"{med:.1}\" y1=\"20\" x2=\"{med:.1}\" y2=\"50\" stroke=\"#2471a3\" stroke-width=\"3\"/>\
<line x1=\"{pass:.1}\" y1=\"15\" x2=\"{pass:.1}\" y2=\"55\" stroke=\"#c0392b\" stroke-dasharray=\"4 3\"/>\
<text x=\"{pass:.1}\" y=\"12\" font-size=\"11\" fill=\"#c0392b\" text-anchor=\"middle\">{ps}</text>\
<text x=\"{med:.1}\" y=\"66\" font-size=\"11\" text-anchor=\"middle\">median {m}</text></svg>",
        end = w - 20.0,
        lo = x(p.readiness.score_low),
        span = (x(p.readiness.score_high) - x(p.readiness.score_low)).max(1.0),
        med = x(p.readiness.score_median),
        pass = x(p.passing_score),
        ps = p.passing_score,
        m = p.readiness.score_median
    )
}

/// One self-contained HTML page: inline CSS and SVG, no scripts, no external assets.
pub fn html(p: &Progress, w: &mut dyn Write) -> io::Result<()> {
    let mut rows = String::new();
    for d in &p.domains {
        rows.push_str(&format!(
            "<tr><td>{}{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{:.0}%</td><td class=n>{}</td><td class=n>{}</td><td class=n>{:.1}/{:.1}</td></tr>\n",
            escape(&d.name),
            if d.retired { " (retired)" } else { "" },
            escape(&d.weight),
            d.answered,
            pct(d.accuracy_30d),
            pct(d.accuracy_all),
            d.mastery * 100.0,
            d.due,
            gap(d.memorisation_gap),
            d.expected_points,
            d.exam_items
        ));
    }
    let mut history = String::new();
    for m in &p.history {
        let cells: String = p
            .domains
            .iter()
            .map(|d| {
                format!(
                    "<td class=n>{}</td>",
                    m.percent(&d.id).map_or("–".to_owned(), |x| format!("{x:.0}%"))
                )
            })
            .collect();
        history.push_str(&format!(
            "<tr><td>{}</td><td class=n>{}</td><td>{}</td><td class=n>{}</td>{cells}</tr>\n",
            m.kind.as_str(),
            m.attempt,
            escape(&m.date),
            m.scaled_score
        ));
    }
    let heads: String = p
        .domains
        .iter()
        .map(|d| {
            format!(
                "<th>{}{}</th>",
                escape(&d.id),
                if d.retired { " (retired)" } else { "" }
            )
        })
        .collect();
    write!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{exam} progress</title>\
<style>body{{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:760px;margin:2em auto;color:#222;padding:0 1em}}\
table{{border-collapse:collapse;width:100%;margin:1em 0}}th,td{{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left}}\
td.n{{text-align:right}}h1{{font-size:1.5em}}.big{{font-size:1.3em}}</style></head><body>\n\
<h1>{exam} — {title}</h1>\n<p>Progress on {generated}.</p>\n\
<h2>Readiness</h2>\n<p class=big><strong>{prob:.0}%</strong> chance of scoring {pass} or more on the next exam; 80% of simulated exams score {lo}–{hi} (median {med}).</p>\n{gauge}\n\
<h2>Mock exam scores</h2>\n{chart}\n\
<h2>Mastery per domain</h2>\n{bars}\n\
<table><thead><tr><th>Domain</th><th>Weight</th><th>Answered</th><th>30 days</th><th>All time</th><th>Mastery</th><th>Due</th><th>Memo gap</th><th>Expected</th></tr></thead><tbody>\n{rows}</tbody></table>\n\
<h2>History</h2>\n<table><thead><tr><th>Kind</th><th>Attempt</th><th>Date</th><th>Score</th>{heads}</tr></thead><tbody>\n{history}</tbody></table>\n\
<p><small>Made by retake. Memo gap: accuracy on forms seen before minus accuracy on new forms; a large gap means recognising items rather than knowing the concept.</small></p>\n\
</body></html>\n",
        exam = escape(&p.exam),
        title = escape(&p.title),
        generated = escape(&p.generated),
        prob = p.readiness.pass_probability * 100.0,
        pass = p.passing_score,
        lo = p.readiness.score_low,
        hi = p.readiness.score_high,
        med = p.readiness.score_median,
        gauge = readiness_gauge(p),
        chart = score_chart(p),
        bars = domain_bars(p),
    )
}
