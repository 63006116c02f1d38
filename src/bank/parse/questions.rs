//! Parsing question files: top-level questions, case studies, item bodies and flashcards.

use super::*;

pub(super) fn question_file(cx: &mut Cx, node: &Node, exam: Option<&Exam>, content: &mut Content) {
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
pub(super) fn claim_id(cx: &mut Cx, content: &mut Content, id: &str, pos: Pos) -> bool {
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
pub(super) fn domain_category(
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

pub(super) const CASE_FIELDS: &[&str] = &[
    "id",
    "domain",
    "category",
    "type",
    "difficulty",
    "scenario",
    "items",
];

/// Defaults a case study hands to its sub-items.
pub(super) struct CaseDefaults {
    id: QuestionId,
    domain: Option<(String, Pos)>,
    category: Option<(String, Pos)>,
    difficulty: u8,
    index: usize,
}

pub(super) fn item_type(cx: &mut Cx, node: &Node) -> Option<ItemType> {
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

pub(super) fn top_question(cx: &mut Cx, node: &Node, exam: Option<&Exam>, content: &mut Content) {
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

pub(super) fn case_study(cx: &mut Cx, node: &Node, exam: Option<&Exam>, content: &mut Content) {
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

pub(super) fn difficulty(cx: &mut Cx, f: &Fields, default: u8) -> Option<u8> {
    match f.get("difficulty") {
        None => Some(default),
        Some(n) => integer(cx, n, "difficulty", 1..=3).and_then(|i| u8::try_from(i).ok()),
    }
}

/// The fields that carry a body, and which types use each.
pub(super) fn body_fields_for(t: ItemType) -> &'static [&'static str] {
    match t {
        ItemType::Single | ItemType::Multi | ItemType::Order => &["options"],
        ItemType::Match => &["prompts", "options"],
        ItemType::Dropdown => &["text", "blanks"],
        ItemType::Yesno => &["statements"],
        ItemType::Case | ItemType::Flashcard => &[],
    }
}

pub(super) fn question(
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

pub(super) fn refs(cx: &mut Cx, f: &Fields, required_field: bool) -> Option<Vec<String>> {
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

pub(super) fn body(cx: &mut Cx, f: &Fields, t: ItemType) -> Option<Body> {
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

pub(super) fn check_blank_markers(cx: &mut Cx, f: &Fields, text: &str, blanks: usize) -> Option<()> {
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

pub(super) fn flashcard(
    cx: &mut Cx,
    node: &Node,
    exam: Option<&Exam>,
    content: &mut Content,
) -> Option<Flashcard> {
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
