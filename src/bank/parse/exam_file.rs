//! Parsing `exam.yaml`: the blueprint, its status, retake policy, domains, categories and weights.

use super::*;

pub(super) fn exam_from(cx: &mut Cx, node: &Node) -> Option<Exam> {
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
        && let Some(message) = crate::bank::status::contradiction(Some(declared), retires_on, as_of)
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
pub(super) fn exam_status(cx: &mut Cx, f: &Fields) -> Option<Option<ExamStatus>> {
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

pub(super) fn retake_policy(cx: &mut Cx, node: &Node) -> Option<RetakePolicy> {
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

pub(super) fn parse_weight(s: &str) -> Option<Weight> {
    let s = s.trim().trim_end_matches('%').trim();
    if let Some((a, b)) = s.split_once(['-', '–']) {
        let low: f64 = a.trim().trim_end_matches('%').trim().parse().ok()?;
        let high: f64 = b.trim().trim_end_matches('%').trim().parse().ok()?;
        return Some(Weight::Range { low, high });
    }
    s.parse().ok().map(|value| Weight::Percent { value })
}

pub(super) fn domains(cx: &mut Cx, node: &Node) -> Option<Vec<Domain>> {
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

pub(super) fn domain(cx: &mut Cx, node: &Node) -> Option<Domain> {
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

pub(super) fn categories(cx: &mut Cx, node: &Node) -> Option<Vec<Category>> {
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
pub(super) fn normalise_weights(cx: &mut Cx, pos: Pos, domains: &mut [Domain]) -> bool {
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

pub(super) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

// ---------------------------------------------------------------------------------------------
// Question files
