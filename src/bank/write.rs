//! Writing the model back as bank YAML (for generated banks, imports and authoring prompts).
//!
//! Every text is written as a JSON string, which is also a valid YAML double-quoted scalar, so no
//! content — quotes, colons, braces, newlines, `#` — can change the meaning of the file.

use std::fmt::Write as _;

use super::model::{Answer, Answering, Body, Flashcard, Question, Template, letter};

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

fn list(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| quoted(s)).collect();
    format!("[{}]", parts.join(", "))
}

fn letters(v: &[usize]) -> String {
    let parts: Vec<String> = v.iter().map(|i| letter(*i).to_string()).collect();
    format!("[{}]", parts.join(", "))
}

/// The YAML form of an answer.
pub fn answer_yaml(answer: &Answer) -> String {
    match answer {
        Answer::Choice(i) => letter(*i).to_string(),
        Answer::Choices(v) | Answer::Sequence(v) | Answer::Pairs(v) | Answer::Blanks(v) => letters(v),
        Answer::YesNo(v) => {
            let parts: Vec<&str> = v.iter().map(|b| if *b { "Y" } else { "N" }).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

fn body_yaml(out: &mut String, body: &Body, indent: &str) {
    let _ = match body {
        Body::Single { options } | Body::Multi { options } | Body::Order { options } => {
            writeln!(out, "{indent}options: {}", list(options))
        }
        Body::Match { prompts, options } => {
            writeln!(
                out,
                "{indent}prompts: {}\n{indent}options: {}",
                list(prompts),
                list(options)
            )
        }
        Body::Dropdown { text, blanks } => {
            let lists: Vec<String> = blanks.iter().map(|b| list(b)).collect();
            writeln!(
                out,
                "{indent}text: {}\n{indent}blanks: [{}]",
                quoted(text),
                lists.join(", ")
            )
        }
        Body::Yesno { statements } => writeln!(out, "{indent}statements: {}", list(statements)),
    };
}

fn template_yaml(out: &mut String, t: &Template, indent: &str) {
    let _ = writeln!(out, "{indent}template:\n{indent}  axes:");
    for axis in &t.axes {
        let values: Vec<String> = axis
            .values
            .iter()
            .map(|(k, v)| format!("{}: {}", quoted(k), quoted(v)))
            .collect();
        let _ = writeln!(out, "{indent}    {}: {{ {} }}", axis.id, values.join(", "));
    }
    let _ = writeln!(out, "{indent}  cases:");
    for case in &t.cases {
        let when: Vec<String> = case
            .when
            .iter()
            .filter_map(|(a, v)| {
                let axis = t.axes.get(*a)?;
                let (key, _) = axis.values.get(*v)?;
                Some(format!("{}: {}", axis.id, quoted(key)))
            })
            .collect();
        let _ = writeln!(out, "{indent}    - when: {{ {} }}", when.join(", "));
        let _ = writeln!(out, "{indent}      answer: {}", answer_yaml(&case.answer));
        if let Some(e) = &case.explanation {
            let _ = writeln!(out, "{indent}      explanation: {}", quoted(e));
        }
    }
}

/// One question as an entry of a `questions:` list (not for case-study sub-items).
pub fn question_yaml(q: &Question) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  - id: {}", quoted(q.id.as_str()));
    if q.family.as_str() != q.id.as_str() {
        let _ = writeln!(out, "    family: {}", quoted(q.family.as_str()));
    }
    let _ = writeln!(
        out,
        "    domain: {}\n    category: {}\n    type: {}\n    difficulty: {}\n    stem: {}",
        quoted(q.domain.as_str()),
        quoted(q.category.as_str()),
        q.item_type(),
        q.difficulty,
        quoted(&q.stem)
    );
    body_yaml(&mut out, &q.body, "    ");
    match &q.answering {
        Answering::Fixed { answer } => {
            let _ = writeln!(out, "    answer: {}", answer_yaml(answer));
        }
        Answering::Template(t) => template_yaml(&mut out, t, "    "),
    }
    let _ = writeln!(
        out,
        "    explanation: {}\n    refs: {}",
        quoted(&q.explanation),
        list(&q.refs)
    );
    out
}

/// One flashcard as an entry of a `flashcards:` list.
pub fn flashcard_yaml(c: &Flashcard) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  - id: {}", quoted(c.id.as_str()));
    if c.family.as_str() != c.id.as_str() {
        let _ = writeln!(out, "    family: {}", quoted(c.family.as_str()));
    }
    let _ = writeln!(
        out,
        "    domain: {}\n    category: {}\n    front: {}\n    back: {}",
        quoted(c.domain.as_str()),
        quoted(c.category.as_str()),
        quoted(&c.front),
        quoted(&c.back)
    );
    if !c.refs.is_empty() {
        let _ = writeln!(out, "    refs: {}", list(&c.refs));
    }
    out
}

/// A whole question file.
pub fn file_yaml(questions: &[Question], flashcards: &[Flashcard]) -> String {
    let mut out = String::new();
    if !questions.is_empty() {
        out.push_str("questions:\n");
        for q in questions {
            out.push_str(&question_yaml(q));
        }
    }
    if !flashcards.is_empty() {
        out.push_str("flashcards:\n");
        for c in flashcards {
            out.push_str(&flashcard_yaml(c));
        }
    }
    out
}

#[cfg(test)]
mod tests;
