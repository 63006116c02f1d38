//! Interchange with the tools learners and trainers already use: Moodle XML and GIFT question files,
//! the content of Anki notes, and Anki's plain-text note exports.
//!
//! Pure: banks in, text out (and text in, flashcards out). What a format cannot express is reported,
//! never dropped silently.

use std::fmt::Write as _;

use crate::bank::{Answer, Bank, Body, Flashcard, Instance, Question, letter};

/// An item a format cannot express, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The item id.
    pub id: String,
    /// Why (and what was done instead, when something was).
    pub reason: String,
}

/// The instance a static format gets: plain questions as written, templates as their first variant.
fn static_instance(q: &Question, skipped: &mut Vec<Skipped>) -> Option<Instance> {
    match q.template() {
        Some(t) => {
            let first = vec![0; t.axes.len()];
            let i = q.instantiate(Some(&first));
            skipped.push(Skipped {
                id: q.id.0.clone(),
                reason: format!(
                    "a template with {} variants: exported as its first variant ({})",
                    t.combination_count(),
                    t.variant_name(&first)
                ),
            });
            i
        }
        None => q.instantiate(None),
    }
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// HTML for question text: escaped, paragraphs kept.
fn html_text(s: &str) -> String {
    crate::report::progress::escape(s)
        .replace("\n\n", "</p><p>")
        .replace('\n', "<br>")
}

fn stem_with_scenario(bank: &Bank, q: &Question, inst: &Instance) -> String {
    match &q.case {
        Some(link) => match bank.cases.iter().find(|c| c.id == link.case_id) {
            Some(case) => format!("Case study: {}\n\n{}", case.scenario, inst.stem),
            None => inst.stem.clone(),
        },
        None => inst.stem.clone(),
    }
}

/// Moodle's allowed answer fractions for `n` right options of a multiple-answer question.
fn fraction(n: usize) -> String {
    match n {
        1 => "100".into(),
        2 => "50".into(),
        3 => "33.33333".into(),
        4 => "25".into(),
        5 => "20".into(),
        6 => "16.66667".into(),
        _ => "10".into(),
    }
}

/// The Moodle category of a domain. One line whatever the bank says (a newline in a domain name
/// would start a new GIFT line, i.e. inject questions), and the same in both Moodle formats.
fn category_path(bank: &Bank, q_domain: &str) -> String {
    let name = bank
        .exam
        .domain(q_domain)
        .map_or_else(|| q_domain.to_owned(), |d| d.name.replace('/', "-"));
    crate::text::sanitize_line(&format!("$course$/{}/{name}", bank.exam.code)).into_owned()
}

/// A spreadsheet-safe CSV cell (the OWASP CSV-injection rule): text starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return is prefixed with `'` so that no spreadsheet runs it as a
/// formula; control characters are shown visibly (`\u{1b}`). Quoting is the CSV writer's job.
pub fn spreadsheet_safe(s: &str) -> String {
    let shown = crate::text::sanitize_line(s);
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{shown}")
    } else {
        shown.into_owned()
    }
}

/// A Moodle XML question bank file; returns the text and what could not be expressed.
pub fn moodle_xml(bank: &Bank) -> (String, Vec<Skipped>) {
    let mut skipped = Vec::new();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>\n");
    let mut last_category = String::new();
    for q in &bank.questions {
        let Some(inst) = static_instance(q, &mut skipped) else {
            continue;
        };
        let category = category_path(bank, q.domain.as_str());
        if category != last_category {
            let _ = write!(
                out,
                "  <question type=\"category\">\n    <category>\n      <text>{}</text>\n    </category>\n  </question>\n",
                xml(&category)
            );
            last_category = category;
        }
        let stem = html_text(&stem_with_scenario(bank, q, &inst));
        let head = |kind: &str, name: &str, text: &str| {
            format!(
                "  <question type=\"{kind}\">\n    <name>\n      <text>{}</text>\n    </name>\n    <questiontext format=\"html\">\n      <text>{}</text>\n    </questiontext>\n    <generalfeedback format=\"html\">\n      <text>{}</text>\n    </generalfeedback>\n    <defaultgrade>1</defaultgrade>\n    <penalty>0.3333333</penalty>\n    <hidden>0</hidden>\n    <idnumber>{}</idnumber>\n",
                xml(name),
                xml(&format!("<p>{text}</p>")),
                xml(&format!("<p>{}</p>", html_text(&inst.explanation))),
                xml(name)
            )
        };
        match (&inst.body, &inst.answer) {
            (Body::Single { options }, Answer::Choice(_)) | (Body::Multi { options }, Answer::Choices(_)) => {
                let rights: Vec<usize> = match &inst.answer {
                    Answer::Choice(r) => vec![*r],
                    Answer::Choices(v) => v.clone(),
                    _ => Vec::new(),
                };
                let single = rights.len() == 1 && matches!(inst.body, Body::Single { .. });
                out.push_str(&head("multichoice", q.id.as_str(), &stem));
                let _ = write!(out, "    <single>{single}</single>\n    <shuffleanswers>true</shuffleanswers>\n    <answernumbering>ABCD</answernumbering>\n");
                for (i, o) in options.iter().enumerate() {
                    let f = if rights.contains(&i) {
                        fraction(rights.len())
                    } else if single {
                        "0".into()
                    } else {
                        format!("-{}", fraction(rights.len()))
                    };
                    let _ = write!(out, "    <answer fraction=\"{f}\" format=\"html\">\n      <text>{}</text>\n      <feedback format=\"html\">\n        <text></text>\n      </feedback>\n    </answer>\n", xml(&html_text(o)));
                }
                out.push_str("  </question>\n");
            }
            (Body::Match { prompts, options }, Answer::Pairs(pairs)) => {
                out.push_str(&head("matching", q.id.as_str(), &stem));
                out.push_str("    <shuffleanswers>true</shuffleanswers>\n");
                for (p, o) in prompts.iter().zip(pairs) {
                    let _ = write!(out, "    <subquestion format=\"html\">\n      <text>{}</text>\n      <answer>\n        <text>{}</text>\n      </answer>\n    </subquestion>\n", xml(&html_text(p)), xml(&options[*o]));
                }
                // Options no prompt uses are distractors: subquestions without text.
                for (i, o) in options.iter().enumerate() {
                    if !pairs.contains(&i) {
                        let _ = write!(out, "    <subquestion format=\"html\">\n      <text></text>\n      <answer>\n        <text>{}</text>\n      </answer>\n    </subquestion>\n", xml(o));
                    }
                }
                out.push_str("  </question>\n");
            }
            (Body::Dropdown { text, blanks }, Answer::Blanks(choices)) => {
                // Moodle's "select missing words": [[n]] names the n-th choice overall; each blank
                // draws from the choices of its group.
                let mut list: Vec<(usize, &String)> = Vec::new();
                let mut right_numbers = Vec::new();
                for (b, options) in blanks.iter().enumerate() {
                    right_numbers.push(list.len() + choices[b] + 1);
                    list.extend(options.iter().map(|o| (b + 1, o)));
                }
                let mut body = html_text(text);
                for (b, n) in right_numbers.iter().enumerate() {
                    body = body.replace(&format!("[[{}]]", b + 1), &format!("[[#{n}#]]"));
                }
                let body = body.replace("[[#", "[[").replace("#]]", "]]");
                out.push_str(&head("gapselect", q.id.as_str(), &format!("{stem}</p><p>{body}")));
                out.push_str("    <shuffleanswers>1</shuffleanswers>\n");
                for (group, option) in list {
                    let _ = write!(out, "    <selectoption>\n      <text>{}</text>\n      <group>{group}</group>\n    </selectoption>\n", xml(option));
                }
                out.push_str("  </question>\n");
            }
            (Body::Yesno { statements }, Answer::YesNo(values)) => {
                skipped.push(Skipped { id: q.id.0.clone(), reason: "a yes/no series: exported as one true/false question per statement".into() });
                for (s, (statement, value)) in statements.iter().zip(values).enumerate() {
                    let name = format!("{}-s{}", q.id, s + 1);
                    out.push_str(&head("truefalse", &name, &format!("{stem}</p><p>{}", html_text(statement))));
                    let (t, f) = if *value { ("100", "0") } else { ("0", "100") };
                    let _ = write!(out, "    <answer fraction=\"{t}\" format=\"moodle_auto_format\">\n      <text>true</text>\n    </answer>\n    <answer fraction=\"{f}\" format=\"moodle_auto_format\">\n      <text>false</text>\n    </answer>\n  </question>\n");
                }
            }
            (Body::Order { .. }, _) => skipped.push(Skipped {
                id: q.id.0.clone(),
                reason: "an ordering item: Moodle XML's core question types have no ordering question; not exported".into(),
            }),
            _ => skipped.push(Skipped { id: q.id.0.clone(), reason: "an unexpected answer shape; not exported".into() }),
        }
    }
    for c in &bank.flashcards {
        skipped.push(Skipped {
            id: c.id.0.clone(),
            reason: "a flashcard, not a quiz question (export it to Anki instead)".into(),
        });
    }
    out.push_str("</quiz>\n");
    (out, skipped)
}

/// Escapes GIFT's special characters (apply it to text already made HTML, see [`gift`]).
pub fn gift_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '~' | '=' | '#' | '{' | '}' | ':' | '\\') {
            out.push('\\');
        }
        if c == '\n' {
            out.push_str("\\n");
        } else {
            out.push(c);
        }
    }
    out
}

/// GIFT text of a bank string: HTML-escaped exactly as Moodle XML does (GIFT's `[html]` format),
/// then GIFT-escaped, so both Moodle exports show the same text and neither lets a bank inject
/// markup or questions.
fn gift_text(s: &str) -> String {
    gift_escape(&html_text(s))
}

/// A GIFT file; returns the text and what could not be expressed.
pub fn gift(bank: &Bank) -> (String, Vec<Skipped>) {
    let mut skipped = Vec::new();
    let mut out = String::new();
    let mut last_category = String::new();
    for q in &bank.questions {
        let Some(inst) = static_instance(q, &mut skipped) else {
            continue;
        };
        let category = category_path(bank, q.domain.as_str());
        if category != last_category {
            let _ = writeln!(out, "$CATEGORY: {category}\n");
            last_category = category;
        }
        let stem = format!("[html]<p>{}</p>", gift_text(&stem_with_scenario(bank, q, &inst)));
        let feedback = format!("<p>{}</p>", gift_text(&inst.explanation));
        match (&inst.body, &inst.answer) {
            (Body::Single { options }, Answer::Choice(r)) => {
                let answers: Vec<String> = options.iter().enumerate().map(|(i, o)| format!("{}{}", if i == *r { "=" } else { "~" }, gift_text(o))).collect();
                let _ = writeln!(out, "::{}:: {stem} {{\n\t{}\n\t####{feedback}\n}}\n", gift_escape(q.id.as_str()), answers.join("\n\t"));
            }
            (Body::Multi { options }, Answer::Choices(rights)) => {
                let f = fraction(rights.len());
                let answers: Vec<String> = options
                    .iter()
                    .enumerate()
                    .map(|(i, o)| format!("~%{}{f}%{}", if rights.contains(&i) { "" } else { "-" }, gift_text(o)))
                    .collect();
                let _ = writeln!(out, "::{}:: {stem} {{\n\t{}\n\t####{feedback}\n}}\n", gift_escape(q.id.as_str()), answers.join("\n\t"));
            }
            (Body::Match { prompts, options }, Answer::Pairs(pairs)) => {
                let answers: Vec<String> = prompts.iter().zip(pairs).map(|(p, o)| format!("={} -> {}", gift_text(p), gift_text(&options[*o]))).collect();
                let _ = writeln!(out, "::{}:: {stem} {{\n\t{}\n\t####{feedback}\n}}\n", gift_escape(q.id.as_str()), answers.join("\n\t"));
                if options.len() > pairs.iter().collect::<std::collections::BTreeSet<_>>().len() {
                    skipped.push(Skipped { id: q.id.0.clone(), reason: "a matching item with unused choices: GIFT cannot list distractors, they are left out".into() });
                }
            }
            (Body::Yesno { statements }, Answer::YesNo(values)) => {
                skipped.push(Skipped { id: q.id.0.clone(), reason: "a yes/no series: exported as one true/false question per statement".into() });
                for (s, (statement, value)) in statements.iter().zip(values).enumerate() {
                    let _ = writeln!(
                        out,
                        "::{}-s{}:: {stem}<p>{}</p> {{{}####{feedback}}}\n",
                        gift_escape(q.id.as_str()),
                        s + 1,
                        gift_text(statement),
                        if *value { "T" } else { "F" }
                    );
                }
            }
            (Body::Order { .. }, _) => skipped.push(Skipped { id: q.id.0.clone(), reason: "an ordering item: GIFT has no ordering question; not exported".into() }),
            (Body::Dropdown { .. }, _) => skipped.push(Skipped {
                id: q.id.0.clone(),
                reason: "a drop-down item: GIFT has no select-missing-words question; not exported (Moodle XML carries it)".into(),
            }),
            _ => skipped.push(Skipped { id: q.id.0.clone(), reason: "an unexpected answer shape; not exported".into() }),
        }
    }
    for c in &bank.flashcards {
        skipped.push(Skipped {
            id: c.id.0.clone(),
            reason: "a flashcard, not a quiz question (export it to Anki instead)".into(),
        });
    }
    (out, skipped)
}

/// An Anki note: front, back (HTML), tags, deck name, and a GUID stable across exports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnkiNote {
    /// Stable GUID (re-exports update instead of duplicating).
    pub guid: String,
    /// Deck name (`EXAM::Domain name`).
    pub deck: String,
    /// Front field (HTML).
    pub front: String,
    /// Back field (HTML).
    pub back: String,
    /// Tags.
    pub tags: Vec<String>,
}

fn guid(exam: &str, id: &str) -> String {
    // 64-bit FNV-1a of exam and id, as Anki-style base-91-free hex: stable forever for this item.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in exam.bytes().chain([0]).chain(id.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("rt{h:016x}")
}

fn tag(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_whitespace() { '_' } else { c })
        .collect()
}

/// The notes of an exam's bank for Anki: flashcards as they are, questions with their options on the
/// front and the answer and explanation on the back. Only the given domains when not empty.
pub fn anki_notes(bank: &Bank, domains: &[String]) -> Vec<AnkiNote> {
    let keep = |d: &str| domains.is_empty() || domains.iter().any(|x| x == d);
    // A deck name is plain text in Anki (no HTML): one line, no control character (Anki joins
    // deck levels with 0x1f internally).
    let deck = |d: &str| {
        crate::text::sanitize_line(&format!(
            "{}::{}",
            bank.exam.code,
            bank.exam
                .domain(d)
                .map_or(d, |x| x.name.as_str())
                .replace("::", ":")
        ))
        .into_owned()
    };
    let tags = |d: &str, c: &str| {
        vec![
            tag(&bank.exam.code),
            format!("domain::{}", tag(d)),
            format!("category::{}", tag(c)),
        ]
    };
    let mut notes = Vec::new();
    let mut skipped = Vec::new();
    for q in bank.questions.iter().filter(|q| keep(q.domain.as_str())) {
        let Some(inst) = static_instance(q, &mut skipped) else {
            continue;
        };
        let mut front = format!("<p>{}</p>", html_text(&stem_with_scenario(bank, q, &inst)));
        match &inst.body {
            Body::Single { options } | Body::Multi { options } | Body::Order { options } => {
                front.push_str("<ol type=\"A\">");
                for o in options {
                    let _ = write!(front, "<li>{}</li>", html_text(o));
                }
                front.push_str("</ol>");
            }
            Body::Match { prompts, options } => {
                front.push_str("<ol>");
                for p in prompts {
                    let _ = write!(front, "<li>{}</li>", html_text(p));
                }
                front.push_str("</ol><p>Choices:</p><ol type=\"A\">");
                for o in options {
                    let _ = write!(front, "<li>{}</li>", html_text(o));
                }
                front.push_str("</ol>");
            }
            Body::Dropdown { text, blanks } => {
                let _ = write!(front, "<pre>{}</pre>", crate::report::progress::escape(text));
                for (b, choices) in blanks.iter().enumerate() {
                    let listed: Vec<String> = choices
                        .iter()
                        .enumerate()
                        .map(|(i, c)| format!("{}. {}", letter(i), html_text(c)))
                        .collect();
                    let _ = write!(front, "<p>Blank {}: {}</p>", b + 1, listed.join(" · "));
                }
            }
            Body::Yesno { statements } => {
                front.push_str("<ol>");
                for s in statements {
                    let _ = write!(front, "<li>{}</li>", html_text(s));
                }
                front.push_str("</ol>");
            }
        }
        let back = format!(
            "<p><b>Answer: {}</b></p><p>{}</p>{}",
            html_text(&crate::variation::answer_text(&inst.body, &inst.answer)),
            html_text(&inst.explanation),
            inst.refs
                .iter()
                .map(|r| format!(
                    "<p><a href=\"{0}\">{0}</a></p>",
                    crate::report::progress::escape(r)
                ))
                .collect::<String>()
        );
        notes.push(AnkiNote {
            guid: guid(&bank.exam.code, q.id.as_str()),
            deck: deck(q.domain.as_str()),
            front,
            back,
            tags: tags(q.domain.as_str(), q.category.as_str()),
        });
    }
    for c in bank.flashcards.iter().filter(|c| keep(c.domain.as_str())) {
        notes.push(AnkiNote {
            guid: guid(&bank.exam.code, c.id.as_str()),
            deck: deck(c.domain.as_str()),
            front: html_text(&c.front),
            back: format!(
                "{}{}",
                html_text(&c.back),
                c.refs
                    .iter()
                    .map(|r| format!(
                        "<p><a href=\"{0}\">{0}</a></p>",
                        crate::report::progress::escape(r)
                    ))
                    .collect::<String>()
            ),
            tags: tags(c.domain.as_str(), c.category.as_str()),
        });
    }
    notes
}

/// Reads an Anki "Notes in Plain Text" export (tab- or comma-separated, with optional `#separator:`,
/// `#html:`, `#columns:` header lines) into `(front, back)` pairs; errors name the line.
pub fn parse_anki_text(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut separator = '\t';
    let mut html = false;
    let mut columns: Option<Vec<String>> = None;
    let mut body = String::new();
    let mut first_line = 1;
    for (i, line) in text.lines().enumerate() {
        if let Some(h) = line.strip_prefix('#') {
            let (key, value) = h.split_once(':').unwrap_or((h, ""));
            match key.trim().to_ascii_lowercase().as_str() {
                "separator" => {
                    separator = match value.trim().to_ascii_lowercase().as_str() {
                        "tab" => '\t',
                        "comma" => ',',
                        "semicolon" => ';',
                        "space" => ' ',
                        "pipe" => '|',
                        "colon" => ':',
                        other => other
                            .chars()
                            .next()
                            .ok_or(format!("line {}: #separator has no value", i + 1))?,
                    }
                }
                "html" => html = value.trim().eq_ignore_ascii_case("true"),
                "columns" => {
                    columns = Some(
                        value
                            .split(separator)
                            .map(|c| c.trim().to_ascii_lowercase())
                            .collect(),
                    )
                }
                _ => {}
            }
            first_line = i + 2;
            continue;
        }
        body.push_str(line);
        body.push('\n');
    }
    let (front_col, back_col) = match &columns {
        Some(cols) => (
            cols.iter().position(|c| c == "front").unwrap_or(0),
            cols.iter().position(|c| c == "back").unwrap_or(1),
        ),
        None => (0, 1),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(
            u8::try_from(separator)
                .map_err(|_| "the separator must be a single ASCII character".to_owned())?,
        )
        .flexible(true)
        .from_reader(body.as_bytes());
    let clean = |s: &str| {
        let s = if html { strip_html(s) } else { s.to_owned() };
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("line {}: {e}", first_line + i))?;
        let front = clean(record.get(front_col).unwrap_or(""));
        let back = clean(record.get(back_col).unwrap_or(""));
        if front.is_empty() || back.is_empty() {
            return Err(format!(
                "line {}: a note needs a front and a back (columns {} and {})",
                first_line + i,
                front_col + 1,
                back_col + 1
            ));
        }
        out.push((front, back));
    }
    Ok(out)
}

fn strip_html(s: &str) -> String {
    let s = s
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n")
        .replace("</div>", "\n");
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Flashcards from imported notes, with ids `PREFIX-NNN` (numbered after `start`).
pub fn flashcards_from(
    notes: &[(String, String)],
    prefix: &str,
    domain: &str,
    category: &str,
    start: usize,
) -> Vec<Flashcard> {
    use crate::bank::{CategoryId, DomainId, FamilyId, QuestionId};
    notes
        .iter()
        .enumerate()
        .map(|(i, (front, back))| {
            let id = format!("{prefix}-{:03}", start + i + 1);
            Flashcard {
                id: QuestionId(id.clone()),
                family: FamilyId(id),
                domain: DomainId(domain.to_owned()),
                category: CategoryId(category.to_owned()),
                front: front.clone(),
                back: back.clone(),
                refs: Vec::new(),
            }
        })
        .collect()
}
