//! Templates (axes, placeholders, cases) and the checks that every variant is a sound question.

use super::*;

pub(super) fn template(cx: &mut Cx, node: &Node, body: &Body) -> Option<Template> {
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

pub(super) fn axes(cx: &mut Cx, node: &Node) -> Option<Vec<Axis>> {
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

pub(super) fn placeholder_name(s: &str) -> Option<&str> {
    let mut chars = s.chars();
    let first = chars.next()?;
    (first.is_ascii_lowercase()
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'))
    .then_some(s)
}

pub(super) fn when(cx: &mut Cx, node: &Node, axes: &[Axis]) -> Option<Vec<(usize, usize)>> {
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

pub(super) const NUMBER_WORDS: [&str; 11] = [
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

pub(super) fn check_multi_count(
    cx: &mut Cx,
    stem: &str,
    answer: &Answer,
    pos: Pos,
    variant: Option<&str>,
) -> bool {
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

pub(super) fn check_question(cx: &mut Cx, q: &Question, pos: Pos) -> bool {
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

pub(super) fn check_template(cx: &mut Cx, q: &Question, t: &Template, pos: Pos) -> bool {
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
pub(super) fn duplicate_choice(body: &Body) -> Option<String> {
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
