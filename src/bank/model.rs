//! The validated bank model: exams, questions, flashcards and templates.
//!
//! Values here have passed validation: every answer names an existing option, every domain and
//! category exists, every template combination has exactly one answer. The types serialise to JSON so
//! the store can keep a compiled copy of each item.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::status::ExamStatus;

macro_rules! id_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The id as written in the bank.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

id_newtype!(
    /// A question's or flashcard's stable id, unique within its exam.
    QuestionId
);
id_newtype!(
    /// A memory card: a question and all its variants, or one flashcard.
    FamilyId
);
id_newtype!(
    /// A domain of an exam's blueprint (`identity`, `storage`, …).
    DomainId
);
id_newtype!(
    /// A category (skill) inside a domain.
    CategoryId
);

/// An exam's blueprint, scoring rules and retake policy, from `exam.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exam {
    /// Exam code as written, e.g. `AZ-104`.
    pub code: String,
    /// Full exam title.
    pub title: String,
    /// Date the content was last checked.
    pub as_of: NaiveDate,
    /// The status `exam.yaml` declares, if any (see [`Exam::status_on`] for the status on a day).
    /// Catalogues stored before the key existed read as `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ExamStatus>,
    /// Length of a timed mock, in minutes.
    pub duration_minutes: u32,
    /// Items in one mock exam.
    pub question_count: u32,
    /// Scaled score needed to pass.
    pub passing_score: u32,
    /// Highest scaled score.
    pub max_score: u32,
    /// Fraction of raw points that maps exactly onto `passing_score`.
    pub cut: f64,
    /// How long a pass lasts before the certification expires.
    pub certification_valid_months: u32,
    /// Retirement date, when Microsoft has retired the exam.
    pub retires_on: Option<NaiveDate>,
    /// The exam that replaces a retired one.
    pub successor: Option<String>,
    /// The retake rules.
    pub retake_policy: RetakePolicy,
    /// The blueprint's domains, in the order written.
    pub domains: Vec<Domain>,
}

impl Exam {
    /// The domain with this id.
    pub fn domain(&self, id: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.id.as_str() == id)
    }
}

/// One domain of the blueprint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Domain {
    /// Stable id used by questions and `--domain`.
    pub id: DomainId,
    /// The official name.
    pub name: String,
    /// The official weight (a percentage or a range of percentages).
    pub weight: Weight,
    /// The weight normalised so that all domains sum to 100.
    pub share: f64,
    /// The hands-on repair action for a weak result in this domain.
    pub repair: String,
    /// The skills measured inside the domain.
    pub categories: Vec<Category>,
}

impl Domain {
    /// The category with this id.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id.as_str() == id)
    }
}

/// A category (skill) of a domain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Category {
    /// Stable id.
    pub id: CategoryId,
    /// Human-readable name.
    pub name: String,
    /// Requirements that can change in this category's scenarios ("the storage account allows only
    /// selected networks"), used to write variation prompts for missed items.
    #[serde(default)]
    pub variations: Vec<String>,
}

/// A domain weight: one percentage or Microsoft's official range.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Weight {
    /// A single percentage.
    Percent {
        /// The percentage.
        value: f64,
    },
    /// An official range such as 20–25 %.
    Range {
        /// Lower bound, percent.
        low: f64,
        /// Upper bound, percent.
        high: f64,
    },
}

impl Weight {
    /// The lowest and highest percentage this weight allows.
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Weight::Percent { value } => (value, value),
            Weight::Range { low, high } => (low, high),
        }
    }

    /// The midpoint used before normalisation.
    pub fn midpoint(self) -> f64 {
        let (low, high) = self.bounds();
        (low + high) / 2.0
    }
}

impl fmt::Display for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Weight::Percent { value } => write!(f, "{value}%"),
            Weight::Range { low, high } => write!(f, "{low}–{high}%"),
        }
    }
}

/// The exam's retake rules (Microsoft's exam retake policy by default).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RetakePolicy {
    /// Wait after a first failure, in hours.
    pub first_wait_hours: u32,
    /// Wait after each later failure, in days.
    pub later_wait_days: u32,
    /// Attempts allowed per window.
    pub max_attempts: u32,
    /// Length of the window, in months from its first attempt.
    pub window_months: u32,
    /// Whether a passed exam is locked until the certification expires.
    pub passed_locked_until_expiry: bool,
    /// Exam fee per attempt.
    pub fee: f64,
    /// Currency of the fee.
    pub currency: String,
}

/// The interaction a question asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    /// One right option.
    Single,
    /// Several right options; the stem states how many.
    Multi,
    /// Arrange options in sequence.
    Order,
    /// Pair each prompt with an option.
    Match,
    /// Fill each blank of a text from its own list.
    Dropdown,
    /// A series of Yes/No statements.
    Yesno,
    /// A scenario shared by several sub-items.
    Case,
    /// A self-graded flashcard.
    Flashcard,
}

impl ItemType {
    /// Every type a question file may name in `type:`.
    pub const QUESTION_TYPES: [ItemType; 7] = [
        ItemType::Single,
        ItemType::Multi,
        ItemType::Order,
        ItemType::Match,
        ItemType::Dropdown,
        ItemType::Yesno,
        ItemType::Case,
    ];

    /// The name used in bank files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Single => "single",
            ItemType::Multi => "multi",
            ItemType::Order => "order",
            ItemType::Match => "match",
            ItemType::Dropdown => "dropdown",
            ItemType::Yesno => "yesno",
            ItemType::Case => "case",
            ItemType::Flashcard => "flashcard",
        }
    }

    /// Parses a `type:` value.
    pub fn parse(s: &str) -> Option<ItemType> {
        Self::QUESTION_TYPES
            .into_iter()
            .chain([ItemType::Flashcard])
            .find(|t| t.as_str() == s)
    }
}

impl fmt::Display for ItemType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the learner sees and chooses from. Texts may hold `{axis}` placeholders when the question
/// is a template.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Body {
    /// One right option.
    Single {
        /// Options, lettered A, B, … in this order.
        options: Vec<String>,
    },
    /// Several right options.
    Multi {
        /// Options.
        options: Vec<String>,
    },
    /// Arrange some or all options in sequence.
    Order {
        /// The items to arrange.
        options: Vec<String>,
    },
    /// Pair each prompt with one option.
    Match {
        /// The things to match.
        prompts: Vec<String>,
        /// The choices, reusable.
        options: Vec<String>,
    },
    /// A text with numbered blanks, each with its own list.
    Dropdown {
        /// The text with `[[1]]`, `[[2]]`, … markers.
        text: String,
        /// The choices of each blank.
        blanks: Vec<Vec<String>>,
    },
    /// Statements answered Yes or No.
    Yesno {
        /// The statements.
        statements: Vec<String>,
    },
}

impl Body {
    /// The item type of this body.
    pub fn item_type(&self) -> ItemType {
        match self {
            Body::Single { .. } => ItemType::Single,
            Body::Multi { .. } => ItemType::Multi,
            Body::Order { .. } => ItemType::Order,
            Body::Match { .. } => ItemType::Match,
            Body::Dropdown { .. } => ItemType::Dropdown,
            Body::Yesno { .. } => ItemType::Yesno,
        }
    }

    /// Number of points the item is worth: one per component.
    pub fn max_points(&self, answer: &Answer) -> u32 {
        let n = match answer {
            Answer::Choice(_) => 1,
            Answer::Choices(v) | Answer::Sequence(v) | Answer::Pairs(v) | Answer::Blanks(v) => v.len(),
            Answer::YesNo(v) => v.len(),
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Every text of the body that the learner reads, for placeholder checks and rendering.
    pub fn texts(&self) -> Vec<&str> {
        match self {
            Body::Single { options } | Body::Multi { options } | Body::Order { options } => {
                options.iter().map(String::as_str).collect()
            }
            Body::Match { prompts, options } => {
                prompts.iter().chain(options.iter()).map(String::as_str).collect()
            }
            Body::Dropdown { text, blanks } => std::iter::once(text.as_str())
                .chain(blanks.iter().flatten().map(String::as_str))
                .collect(),
            Body::Yesno { statements } => statements.iter().map(String::as_str).collect(),
        }
    }

    /// A copy with every text passed through `f` (used to instantiate templates).
    pub fn map_texts(&self, f: &dyn Fn(&str) -> String) -> Body {
        let all = |v: &Vec<String>| v.iter().map(|s| f(s)).collect::<Vec<_>>();
        match self {
            Body::Single { options } => Body::Single {
                options: all(options),
            },
            Body::Multi { options } => Body::Multi {
                options: all(options),
            },
            Body::Order { options } => Body::Order {
                options: all(options),
            },
            Body::Match { prompts, options } => Body::Match {
                prompts: all(prompts),
                options: all(options),
            },
            Body::Dropdown { text, blanks } => Body::Dropdown {
                text: f(text),
                blanks: blanks.iter().map(all).collect(),
            },
            Body::Yesno { statements } => Body::Yesno {
                statements: all(statements),
            },
        }
    }
}

/// A correct answer, with options named by their 0-based index in the bank file's order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Answer {
    /// `single`: the right option.
    Choice(usize),
    /// `multi`: the right options, ascending.
    Choices(Vec<usize>),
    /// `order`: the options in the right sequence.
    Sequence(Vec<usize>),
    /// `match`: the option for each prompt.
    Pairs(Vec<usize>),
    /// `dropdown`: the choice for each blank.
    Blanks(Vec<usize>),
    /// `yesno`: the truth of each statement.
    YesNo(Vec<bool>),
}

/// The letter of a 0-based option index (`0` → `A`).
pub fn letter(index: usize) -> char {
    u8::try_from(index)
        .ok()
        .filter(|i| *i < 26)
        .map_or('?', |i| char::from(b'A' + i))
}

impl fmt::Display for Answer {
    /// The answer in the scripted-answer notation (`B`, `A,C`, `1=B,2=A`, `Y,N`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letters = |v: &[usize]| v.iter().map(|i| letter(*i).to_string()).collect::<Vec<_>>();
        let text = match self {
            Answer::Choice(i) => letter(*i).to_string(),
            Answer::Choices(v) | Answer::Sequence(v) | Answer::Blanks(v) => letters(v).join(","),
            Answer::Pairs(v) => v
                .iter()
                .enumerate()
                .map(|(p, o)| format!("{}={}", p + 1, letter(*o)))
                .collect::<Vec<_>>()
                .join(","),
            Answer::YesNo(v) => v
                .iter()
                .map(|b| if *b { "Y" } else { "N" })
                .collect::<Vec<_>>()
                .join(","),
        };
        f.write_str(&text)
    }
}

/// Where a question's answer comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Answering {
    /// A plain question with one answer.
    Fixed {
        /// The answer.
        answer: Answer,
    },
    /// A template: the answer depends on the axis values.
    Template(Template),
}

/// A question template: axes that can change and the answer for each combination.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// The axes, in the order written.
    pub axes: Vec<Axis>,
    /// Rules; the first whose `when` matches a combination gives its answer.
    pub cases: Vec<TemplateCase>,
}

/// One requirement that can change, with its possible values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// The axis name used in `{axis}` placeholders.
    pub id: String,
    /// `(value key, text)` pairs, in the order written.
    pub values: Vec<(String, String)>,
}

/// A template rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateCase {
    /// `(axis index, value index)` conditions, all of which must hold.
    pub when: Vec<(usize, usize)>,
    /// The answer for matching combinations.
    pub answer: Answer,
    /// An explanation that replaces the question's, when given.
    pub explanation: Option<String>,
}

/// One combination of axis values: the value index for each axis, in axis order.
pub type Combination = Vec<usize>;

impl Template {
    /// Number of combinations (saturating).
    pub fn combination_count(&self) -> usize {
        self.axes
            .iter()
            .fold(1usize, |n, a| n.saturating_mul(a.values.len()))
    }

    /// Every combination, in lexicographic order of value indices.
    pub fn combinations(&self) -> Vec<Combination> {
        let mut out = vec![Vec::new()];
        for axis in &self.axes {
            let mut next = Vec::with_capacity(out.len() * axis.values.len());
            for prefix in &out {
                for v in 0..axis.values.len() {
                    let mut c = prefix.clone();
                    c.push(v);
                    next.push(c);
                }
            }
            out = next;
        }
        out
    }

    /// Index of the case that answers this combination (first match wins).
    pub fn case_for(&self, combination: &[usize]) -> Option<usize> {
        self.cases.iter().position(|case| {
            case.when
                .iter()
                .all(|(axis, value)| combination.get(*axis) == Some(value))
        })
    }

    /// The canonical variant name: `axis=value,…` sorted by axis.
    pub fn variant_name(&self, combination: &[usize]) -> String {
        let mut parts: Vec<(&str, &str)> = self
            .axes
            .iter()
            .zip(combination)
            .filter_map(|(axis, v)| axis.values.get(*v).map(|(k, _)| (axis.id.as_str(), k.as_str())))
            .collect();
        parts.sort_unstable();
        parts
            .iter()
            .map(|(a, v)| format!("{a}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Replaces `{axis}` placeholders with the combination's value texts; `{{` and `}}` are
    /// literal braces.
    pub fn render(&self, text: &str, combination: &[usize]) -> String {
        render_placeholders(text, &|name| {
            let a = self.axes.iter().position(|a| a.id == name)?;
            let v = *combination.get(a)?;
            self.axes[a].values.get(v).map(|(_, t)| t.clone())
        })
    }
}

/// Substitutes `{name}` placeholders through `lookup`; unknown names are left as written.
/// `{{` and `}}` stand for literal braces.
pub fn render_placeholders(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if let Some(name) = placeholder_at(tail) {
            match lookup(name) {
                Some(v) => out.push_str(&v),
                None => out.push_str(&tail[..name.len() + 2]),
            }
            rest = &tail[name.len() + 2..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// If `s` starts with `{identifier}`, the identifier.
pub fn placeholder_at(s: &str) -> Option<&str> {
    let inner = s.strip_prefix('{')?;
    let end = inner.find('}')?;
    let name = &inner[..end];
    let mut chars = name.chars();
    let first = chars.next()?;
    (first.is_ascii_lowercase() || first == '_')
        .then_some(())
        .filter(|()| chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'))
        .map(|()| name)
}

/// Every `{identifier}` placeholder in a text (ignoring `{{`/`}}` escapes).
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            rest = &tail[2..];
        } else if let Some(name) = placeholder_at(tail) {
            found.push(name);
            rest = &tail[name.len() + 2..];
        } else {
            rest = &tail[1..];
        }
    }
    found
}

/// Where a case-study sub-item belongs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseLink {
    /// The case study's id.
    pub case_id: QuestionId,
    /// 0-based position of this item inside the case.
    pub index: usize,
}

/// A question (or a case-study sub-item) after validation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Stable id.
    pub id: QuestionId,
    /// Memory card it belongs to.
    pub family: FamilyId,
    /// Domain id.
    pub domain: DomainId,
    /// Category id.
    pub category: CategoryId,
    /// 1 easy, 2 medium, 3 hard.
    pub difficulty: u8,
    /// The question text.
    pub stem: String,
    /// Options and the shape of the answer.
    pub body: Body,
    /// The answer, fixed or per template combination.
    pub answering: Answering,
    /// Why the answer is right and the distractors are wrong.
    pub explanation: String,
    /// Links to the official documentation.
    pub refs: Vec<String>,
    /// Set for case-study sub-items.
    pub case: Option<CaseLink>,
}

impl Question {
    /// The item type.
    pub fn item_type(&self) -> ItemType {
        self.body.item_type()
    }

    /// The template, when the question is one.
    pub fn template(&self) -> Option<&Template> {
        match &self.answering {
            Answering::Template(t) => Some(t),
            Answering::Fixed { .. } => None,
        }
    }
}

/// A case study: a scenario shared by several sub-items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// The case's own id.
    pub id: QuestionId,
    /// Default domain of its items.
    pub domain: DomainId,
    /// Default category of its items.
    pub category: CategoryId,
    /// The shared scenario text.
    pub scenario: String,
    /// Its items, in order.
    pub items: Vec<QuestionId>,
}

/// A self-graded flashcard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Flashcard {
    /// Stable id.
    pub id: QuestionId,
    /// Memory card (itself unless given).
    pub family: FamilyId,
    /// Domain id.
    pub domain: DomainId,
    /// Category id.
    pub category: CategoryId,
    /// The prompt.
    pub front: String,
    /// The answer side.
    pub back: String,
    /// Links to the official documentation.
    pub refs: Vec<String>,
}

/// A fully validated exam bank.
#[derive(Clone, Debug, PartialEq)]
pub struct Bank {
    /// The exam description.
    pub exam: Exam,
    /// Questions, with case-study sub-items flattened in place.
    pub questions: Vec<Question>,
    /// Case studies (their sub-items are in `questions`).
    pub cases: Vec<Case>,
    /// Flashcards.
    pub flashcards: Vec<Flashcard>,
}

/// A question as shown once: a template instantiated with one combination, its answer resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// The question it came from.
    pub question: QuestionId,
    /// Its family (memory card).
    pub family: FamilyId,
    /// Domain id.
    pub domain: DomainId,
    /// Category id.
    pub category: CategoryId,
    /// 1 easy, 2 medium, 3 hard.
    pub difficulty: u8,
    /// The rendered stem.
    pub stem: String,
    /// The rendered options.
    pub body: Body,
    /// The right answer for this instance.
    pub answer: Answer,
    /// The explanation for this instance.
    pub explanation: String,
    /// Documentation links.
    pub refs: Vec<String>,
    /// The canonical `axis=value,…` name of the variant, for templates.
    pub variant: Option<String>,
    /// The axis value indices of the variant, for templates.
    pub combination: Option<Vec<usize>>,
    /// Set for case-study sub-items.
    pub case: Option<CaseLink>,
}

impl Instance {
    /// The item type.
    pub fn item_type(&self) -> ItemType {
        self.body.item_type()
    }

    /// Points the item is worth.
    pub fn max_points(&self) -> u32 {
        self.body.max_points(&self.answer)
    }
}

impl Question {
    /// Instantiates the question: a plain question as written, a template with `combination`
    /// (value index per axis). `None` when a template gets no valid combination.
    pub fn instantiate(&self, combination: Option<&[usize]>) -> Option<Instance> {
        let (stem, body, answer, explanation, variant, combo) = match &self.answering {
            Answering::Fixed { answer } => (
                self.stem.clone(),
                self.body.clone(),
                answer.clone(),
                self.explanation.clone(),
                None,
                None,
            ),
            Answering::Template(t) => {
                let combo = combination?;
                let valid =
                    combo.len() == t.axes.len() && t.axes.iter().zip(combo).all(|(a, v)| *v < a.values.len());
                if !valid {
                    return None;
                }
                let case = &t.cases[t.case_for(combo)?];
                let explanation = case.explanation.as_deref().unwrap_or(&self.explanation);
                (
                    t.render(&self.stem, combo),
                    self.body.map_texts(&|s| t.render(s, combo)),
                    case.answer.clone(),
                    t.render(explanation, combo),
                    Some(t.variant_name(combo)),
                    Some(combo.to_vec()),
                )
            }
        };
        Some(Instance {
            question: self.id.clone(),
            family: self.family.clone(),
            domain: self.domain.clone(),
            category: self.category.clone(),
            difficulty: self.difficulty,
            stem,
            body,
            answer,
            explanation,
            refs: self.refs.clone(),
            variant,
            combination: combo,
            case: self.case.clone(),
        })
    }
}
