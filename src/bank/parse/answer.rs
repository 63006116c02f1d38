//! Parsing `answer:` keys against the item's options, blanks, pairs or statements.

use super::*;

/// The answer tokens as written: a scalar (split on commas) or a list of scalars.
pub(super) fn answer_tokens(cx: &mut Cx, node: &Node) -> Option<Vec<(String, Pos)>> {
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

pub(super) fn letter_range(n: usize) -> String {
    match n {
        0 => "(none)".to_owned(),
        1 => "A".to_owned(),
        _ => format!("A–{}", letter(n - 1)),
    }
}

pub(super) fn option_index(cx: &mut Cx, token: &str, pos: Pos, count: usize, what: &str) -> Option<usize> {
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

pub(super) fn distinct(cx: &mut Cx, indices: &[usize], pos: Pos, what: &str) -> bool {
    let mut seen = BTreeSet::new();
    for i in indices {
        if !seen.insert(*i) {
            cx.error_at(pos, format!("{what} lists \"{}\" twice", letter(*i)));
            return false;
        }
    }
    true
}

pub(super) fn answer(cx: &mut Cx, node: &Node, body: &Body) -> Option<Answer> {
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
