//! The seven item types as real form controls, and the way back: a submitted form read as an
//! answer in the scripted-answer syntax, the one every face hands to the engine.
//!
//! Every option is a form control with a visible `<label>` whose text is the option's text.
//! Letters are the displayed ones (the attempt's shuffle), so a form answer and a typed answer of
//! the same choices are the same string.

use maud::{Markup, html};

use super::Fields;
use crate::bank::{Answer, Body, letter};
use crate::exam::{Response, SessionItem};

/// The displayed letter chosen for each part of a response (`None`: the part is empty).
fn chosen(item: &SessionItem) -> Vec<Option<char>> {
    let sh = &item.shuffle;
    match &item.response {
        None => Vec::new(),
        Some(Response::Choice(c)) => vec![Some(sh.option_letter(*c))],
        Some(Response::Choices(v)) => v.iter().map(|c| Some(sh.option_letter(*c))).collect(),
        Some(Response::Sequence(v)) => v.iter().map(|c| Some(sh.option_letter(*c))).collect(),
        Some(Response::Pairs(v)) => v.iter().map(|o| o.map(|c| sh.option_letter(c))).collect(),
        Some(Response::Blanks(v)) => v
            .iter()
            .enumerate()
            .map(|(b, c)| Some(sh.blank_letter(b, *c)))
            .collect(),
        Some(Response::YesNo(v)) => v.iter().map(|y| Some(if *y { 'Y' } else { 'N' })).collect(),
    }
}

/// How many options a multi item asks for, or how many places an order item has.
pub fn parts_needed(item: &SessionItem) -> usize {
    match (&item.instance.body, &item.instance.answer) {
        (_, Answer::Choices(v) | Answer::Sequence(v)) => v.len(),
        (Body::Order { options }, _) => options.len(),
        _ => 1,
    }
}

/// The options of a single/multi/order/match item in display order: `(letter, text)`.
fn displayed<'a>(item: &SessionItem, options: &'a [String]) -> Vec<(char, &'a str)> {
    item.shuffle
        .options
        .iter()
        .enumerate()
        .filter_map(|(d, c)| options.get(*c).map(|t| (letter(d), t.as_str())))
        .collect()
}

/// The controls of an item, prefilled with its response. `id` prefixes element ids (one item per
/// page, but the drill and the exam share the renderer).
pub fn controls(item: &SessionItem, disabled: bool) -> Markup {
    let picked = chosen(item);
    let is = |l: char| picked.contains(&Some(l));
    match &item.instance.body {
        Body::Single { options } => html! {
            fieldset.options {
                legend.sr { "Choose one" }
                @for (l, text) in displayed(item, options) {
                    div.opt {
                        input type="radio" name="choice" value=(l) id={"o-" (l)} checked[is(l)] disabled[disabled];
                        span.letter aria-hidden="true" { (l) }
                        label for={"o-" (l)} { (text) }
                    }
                }
            }
        },
        Body::Multi { options } => {
            let need = parts_needed(item);
            html! {
                fieldset.options data-choose=(need) {
                    legend { "Choose " (need) "." }
                    @for (l, text) in displayed(item, options) {
                        div.opt {
                            input type="checkbox" name="choice" value=(l) id={"o-" (l)} checked[is(l)] disabled[disabled];
                            span.letter aria-hidden="true" { (l) }
                            label for={"o-" (l)} { (text) }
                        }
                    }
                }
            }
        }
        Body::Order { options } => {
            let shown = displayed(item, options);
            let places = parts_needed(item);
            html! {
                div.dnd data-kind="order" {
                    fieldset.tiles {
                        legend { "Actions" }
                        @for (l, text) in &shown {
                            div.tile draggable="false" data-value=(l) {
                                input type="radio" name="pick" value=(l) id={"t-" (l)} disabled[disabled];
                                label for={"t-" (l)} { (text) }
                            }
                        }
                    }
                    fieldset.slots {
                        legend { "Answer area: put " (places) " in order" }
                        @for p in 0..places {
                            div.slot data-slot=(p) {
                                label for={"pos" (p + 1)} { "Position " (p + 1) }
                                select name={"pos" (p + 1)} id={"pos" (p + 1)} disabled[disabled] {
                                    option value="" { "—" }
                                    @for (l, text) in &shown {
                                        option value=(l) selected[picked.get(p).copied().flatten() == Some(*l)] { (text) }
                                    }
                                }
                                span.moves.js-only {
                                    button type="button" data-do="place" { "Place" }
                                    button type="button" data-do="up" aria-label={"Move position " (p + 1) " up"} { "↑" }
                                    button type="button" data-do="down" aria-label={"Move position " (p + 1) " down"} { "↓" }
                                    button type="button" data-do="clear" aria-label={"Clear position " (p + 1)} { "✕" }
                                }
                            }
                        }
                    }
                }
            }
        }
        Body::Match { prompts, options } => {
            let shown = displayed(item, options);
            html! {
                div.dnd data-kind="match" {
                    fieldset.tiles {
                        legend { "Options" }
                        @for (l, text) in &shown {
                            div.tile data-value=(l) {
                                input type="radio" name="pick" value=(l) id={"t-" (l)} disabled[disabled];
                                label for={"t-" (l)} { (text) }
                            }
                        }
                    }
                    fieldset.slots {
                        legend { "Answer area" }
                        @for (p, prompt) in prompts.iter().enumerate() {
                            div.slot data-slot=(p) {
                                label for={"m" (p + 1)} { (prompt) }
                                select name={"m" (p + 1)} id={"m" (p + 1)} disabled[disabled] {
                                    option value="" { "—" }
                                    @for (l, text) in &shown {
                                        option value=(l) selected[picked.get(p).copied().flatten() == Some(*l)] { (text) }
                                    }
                                }
                                span.moves.js-only {
                                    button type="button" data-do="place" { "Place" }
                                    button type="button" data-do="clear" aria-label={"Clear " (prompt)} { "✕" }
                                }
                            }
                        }
                    }
                }
            }
        }
        Body::Dropdown { text, blanks } => {
            let pieces = split_blanks(text);
            html! {
                div.code {
                    @for piece in &pieces {
                        @match piece {
                            Piece::Text(t) => { (t) }
                            Piece::Blank(b) => {
                                @if let Some(choices) = blanks.get(*b) {
                                    label.sr for={"b" (b + 1)} { "Blank " (b + 1) }
                                    select name={"b" (b + 1)} id={"b" (b + 1)} disabled[disabled] {
                                        option value="" { "—" }
                                        @for (d, c) in item.shuffle.blanks.get(*b).cloned().unwrap_or_else(|| (0..choices.len()).collect()).iter().enumerate() {
                                            @if let Some(t) = choices.get(*c) {
                                                option value=(letter(d)) selected[picked.get(*b).copied().flatten() == Some(letter(d))] { (t) }
                                            }
                                        }
                                    }
                                } @else {
                                    "[" (b + 1) "]"
                                }
                            }
                        }
                    }
                }
            }
        }
        Body::Yesno { statements } => html! {
            table.yesno {
                thead { tr { th { "Statement" } th { "Yes" } th { "No" } } }
                tbody {
                    @for (s, statement) in statements.iter().enumerate() {
                        @let name = format!("y{}", s + 1);
                        @let got = picked.get(s).copied().flatten();
                        tr {
                            td { (statement) }
                            td { label { input type="radio" name=(name) value="Y" checked[got == Some('Y')] disabled[disabled]; "Yes" } }
                            td { label { input type="radio" name=(name) value="N" checked[got == Some('N')] disabled[disabled]; "No" } }
                        }
                    }
                }
            }
        },
    }
}

enum Piece<'a> {
    Text(&'a str),
    Blank(usize),
}

/// Splits a dropdown text at its `[[n]]` markers (1-based in the text, 0-based here).
fn split_blanks(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("[[") {
        let Some(len) = rest[start + 2..].find("]]") else {
            break;
        };
        let inner = &rest[start + 2..start + 2 + len];
        match inner.trim().parse::<usize>() {
            Ok(n) if n >= 1 => {
                if start > 0 {
                    out.push(Piece::Text(&rest[..start]));
                }
                out.push(Piece::Blank(n - 1));
            }
            _ => out.push(Piece::Text(&rest[..start + 4 + len])),
        }
        rest = &rest[start + 4 + len..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// A single displayed letter from a field, if it is one of `count` letters.
fn letter_field(v: Option<&str>, count: usize) -> Option<char> {
    let v = v?.trim();
    let mut chars = v.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_uppercase() && ((c as u8 - b'A') as usize) < count => Some(c),
        _ => None,
    }
}

/// The answer a submitted form gives to `item`, in the scripted-answer syntax; `None` when the
/// form chose nothing. A partly filled multi-part item keeps its empty parts as empty places
/// (`B,,A`), as a partial answer.
pub fn answer_text(item: &SessionItem, f: &Fields) -> Option<String> {
    let join = |v: Vec<String>| {
        if v.iter().all(String::is_empty) {
            None
        } else {
            Some(v.join(","))
        }
    };
    match &item.instance.body {
        Body::Single { options } => letter_field(f.get("choice"), options.len()).map(String::from),
        Body::Multi { options } => {
            let mut v: Vec<char> = f
                .all("choice")
                .into_iter()
                .filter_map(|c| letter_field(Some(c), options.len()))
                .collect();
            v.sort_unstable();
            v.dedup();
            join(v.into_iter().map(String::from).collect())
        }
        Body::Order { options } => join(
            (1..=parts_needed(item))
                .map(|p| {
                    letter_field(f.get(&format!("pos{p}")), options.len())
                        .map(String::from)
                        .unwrap_or_default()
                })
                .collect(),
        ),
        Body::Match { prompts, options } => {
            let pairs: Vec<String> = (1..=prompts.len())
                .filter_map(|p| {
                    letter_field(f.get(&format!("m{p}")), options.len()).map(|l| format!("{p}={l}"))
                })
                .collect();
            join(pairs)
        }
        Body::Dropdown { blanks, .. } => join(
            blanks
                .iter()
                .enumerate()
                .map(|(b, choices)| {
                    letter_field(f.get(&format!("b{}", b + 1)), choices.len())
                        .map(String::from)
                        .unwrap_or_default()
                })
                .collect(),
        ),
        Body::Yesno { statements } => join(
            (1..=statements.len())
                .map(|s| match f.get(&format!("y{s}")) {
                    Some("Y") => "Y".to_owned(),
                    Some("N") => "N".to_owned(),
                    _ => String::new(),
                })
                .collect(),
        ),
    }
}

/// Whether the form's answer differs from the one stored (so an unchanged page is not re-saved).
pub fn changed(item: &SessionItem, text: &str) -> bool {
    item.response
        .as_ref()
        .is_none_or(|r| crate::exam::display_response(r, &item.shuffle) != text)
}

/// The scenario of a case study cut into tabs: the first paragraph is the overview, and each
/// paragraph whose first line is a short heading (no list mark) starts a tab of that name.
pub fn scenario_tabs(scenario: &str) -> Vec<(String, String)> {
    let mut tabs: Vec<(String, String)> = Vec::new();
    for para in scenario.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let (first, rest) = para.split_once('\n').unwrap_or((para, ""));
        let heading = first.trim().trim_end_matches(':');
        let is_heading =
            !rest.is_empty() && heading.len() <= 40 && !heading.starts_with('-') && !heading.ends_with('.');
        if is_heading {
            tabs.push((heading.to_owned(), rest.to_owned()));
        } else if let Some(last) = tabs.last_mut() {
            last.1.push_str("\n\n");
            last.1.push_str(para);
        } else {
            tabs.push(("Overview".to_owned(), para.to_owned()));
        }
    }
    tabs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::{CategoryId, DomainId, FamilyId, Instance, QuestionId};
    use crate::exam::Shuffle;

    fn item(body: Body, answer: Answer) -> SessionItem {
        SessionItem {
            shuffle: Shuffle::identity(&body),
            instance: Instance {
                question: QuestionId("q".into()),
                family: FamilyId("q".into()),
                domain: DomainId("d".into()),
                category: CategoryId("c".into()),
                difficulty: 2,
                stem: "S".into(),
                body,
                answer,
                explanation: "E".into(),
                refs: vec![],
                variant: None,
                combination: None,
                case: None,
            },
            section: None,
            scenario: None,
            response: None,
            flagged: false,
            disputed: false,
            locked: false,
            seconds: 0.0,
        }
    }

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn forms_read_as_the_scripted_answer_of_each_type() {
        let multi = item(
            Body::Multi {
                options: strings(&["a", "b", "c", "d"]),
            },
            Answer::Choices(vec![0, 2]),
        );
        let f = fields(&[("choice", "C"), ("choice", "A"), ("choice", "Q")]);
        assert_eq!(answer_text(&multi, &f).as_deref(), Some("A,C"));
        let order = item(
            Body::Order {
                options: strings(&["a", "b", "c", "d"]),
            },
            Answer::Sequence(vec![2, 0, 1]),
        );
        let f = fields(&[("pos1", "C"), ("pos2", "A"), ("pos3", "B"), ("pos4", "D")]);
        assert_eq!(
            answer_text(&order, &f).as_deref(),
            Some("C,A,B"),
            "only the places the item has"
        );
        let partial = fields(&[("pos1", "C"), ("pos3", "B")]);
        assert_eq!(
            answer_text(&order, &partial).as_deref(),
            Some("C,,B"),
            "an empty place stays empty"
        );
        let matching = item(
            Body::Match {
                prompts: strings(&["p", "q", "r"]),
                options: strings(&["x", "y"]),
            },
            Answer::Pairs(vec![0, 1, 0]),
        );
        let f = fields(&[("m1", "B"), ("m2", ""), ("m3", "A")]);
        assert_eq!(answer_text(&matching, &f).as_deref(), Some("1=B,3=A"));
        let dropdown = item(
            Body::Dropdown {
                text: "x [[1]] y [[2]]".into(),
                blanks: vec![strings(&["a", "b"]), strings(&["c", "d", "e"])],
            },
            Answer::Blanks(vec![1, 2]),
        );
        assert_eq!(
            answer_text(&dropdown, &fields(&[("b1", "B"), ("b2", "C")])).as_deref(),
            Some("B,C")
        );
        assert_eq!(
            answer_text(&dropdown, &fields(&[("b2", "Z")])),
            None,
            "nothing valid chosen"
        );
        let yesno = item(
            Body::Yesno {
                statements: strings(&["s", "t"]),
            },
            Answer::YesNo(vec![true, false]),
        );
        assert_eq!(
            answer_text(&yesno, &fields(&[("y1", "N"), ("y2", "Y")])).as_deref(),
            Some("N,Y")
        );
        let single = item(
            Body::Single {
                options: strings(&["a", "b"]),
            },
            Answer::Choice(1),
        );
        assert_eq!(answer_text(&single, &fields(&[])), None);
        assert_eq!(
            answer_text(&single, &fields(&[("choice", "B")])).as_deref(),
            Some("B")
        );
    }

    #[test]
    fn controls_escape_bank_text_and_label_every_option() {
        let single = item(
            Body::Single {
                options: strings(&["<b>x</b>", "y & z"]),
            },
            Answer::Choice(0),
        );
        let html = controls(&single, false).into_string();
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt;") && !html.contains("<b>x"));
        assert!(
            html.contains(r#"<label for="o-A">&lt;b&gt;x&lt;/b&gt;</label>"#),
            "{html}"
        );
        assert!(html.contains(r#"<label for="o-B">y &amp; z</label>"#), "{html}");
    }

    #[test]
    fn blanks_split_the_text_and_keep_what_is_around_them() {
        let p = split_blanks("az x --access [[1]] --port [[2]]");
        let shape: Vec<String> = p
            .iter()
            .map(|x| match x {
                Piece::Text(t) => format!("T({t})"),
                Piece::Blank(b) => format!("B{b}"),
            })
            .collect();
        assert_eq!(shape, ["T(az x --access )", "B0", "T( --port )", "B1"]);
        assert!(matches!(
            split_blanks("[[x]] y").first(),
            Some(Piece::Text("[[x]]"))
        ));
    }

    #[test]
    fn a_scenario_with_headings_becomes_tabs() {
        let tabs = scenario_tabs(
            "Contoso has two sites.\n\nRequirements\n- One\n- Two\n\nExisting environment:\n- A",
        );
        let names: Vec<&str> = tabs.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(names, ["Overview", "Requirements", "Existing environment"]);
        assert_eq!(tabs[1].1, "- One\n- Two");
        assert_eq!(scenario_tabs("One line only.").len(), 1);
    }

    #[test]
    fn letters_from_fields_are_checked_against_the_options() {
        assert_eq!(letter_field(Some("B"), 3), Some('B'));
        assert_eq!(letter_field(Some("D"), 3), None);
        assert_eq!(letter_field(Some("BB"), 3), None);
        assert_eq!(letter_field(Some(""), 3), None);
        assert_eq!(letter_field(None, 3), None);
    }
}
