//! YAML parsing into a small tree whose every node and key knows its line and column.
//!
//! The bank is converted from this tree by hand rather than by `serde` derive, so that one bad field
//! never hides the problems after it: every unknown key, missing field and wrong type is reported with
//! its own position. Parsing uses `serde-saphyr` (pure Rust, no unsafe code) with budgets that stop
//! alias bombs and over-deep nesting.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A 1-based line and column in a bank file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

/// A parsed YAML value with its position.
#[derive(Debug)]
pub struct Node {
    /// Where the value starts.
    pub pos: Pos,
    /// Byte range of a scalar in the source, when known (to recover a number's text as written).
    pub bytes: Option<(usize, usize)>,
    /// The value.
    pub kind: Kind,
}

/// A YAML value.
#[derive(Debug)]
pub enum Kind {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false` (YAML 1.2 spellings only).
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, keys in document order.
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its position.
#[derive(Debug)]
pub struct Key {
    /// The key text.
    pub name: String,
    /// Where the key starts.
    pub pos: Pos,
}

impl Kind {
    /// A short description for "found …" messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Kind::Null => "nothing",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "a number",
            Kind::Float(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// Why a file could not be parsed at all.
#[derive(Debug)]
pub struct ParseFailure {
    /// Where the parser stopped.
    pub pos: Pos,
    /// What went wrong, in plain words.
    pub message: String,
}

/// Upper bound on replayed alias events: bank files have no need for large aliases, and a
/// "billion laughs" document must fail fast.
const MAX_ALIAS_REPLAY_EVENTS: usize = 100_000;
/// Node budget: ample for one 10 MiB file, far below what a bomb would need.
const MAX_NODES: usize = 5_000_000;
/// Nesting depth; bank files need fewer than ten levels.
const MAX_DEPTH: usize = 48;

/// Parses one YAML document into a [`Node`] tree.
pub fn parse(source: &str) -> Result<Node, ParseFailure> {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = MAX_NODES;
    budget.max_depth = MAX_DEPTH;
    options.budget = Some(budget);
    let mut aliases = serde_saphyr::options::AliasLimits::default();
    aliases.max_total_replayed_events = MAX_ALIAS_REPLAY_EVENTS;
    options.alias_limits = aliases;
    let spanned: Spanned<RawKind> = serde_saphyr::from_str_with_options(source, options).map_err(|e| {
        let pos = e
            .location()
            .map(|l| Pos {
                line: l.line().max(1),
                column: l.column().max(1),
            })
            .unwrap_or(Pos { line: 1, column: 1 });
        ParseFailure {
            pos,
            message: describe_error(&e),
        }
    })?;
    Ok(convert(spanned))
}

/// Turns serde-saphyr's error (which may carry a multi-line snippet) into one plain sentence.
fn describe_error(e: &serde_saphyr::Error) -> String {
    let full = e.to_string();
    let first = full.lines().next().unwrap_or("invalid YAML").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // Drop the parser's own "line L column C: " prefix; our message carries the position.
    let plain = match first.find(": ") {
        Some(i) if first.starts_with("line ") => &first[i + 2..],
        _ => first,
    };
    if plain.contains("multiple YAML documents") {
        return "this file holds more than one YAML document (a second `---`): a bank file is one document, so split it into one file per document".to_owned();
    }
    if plain.contains("budget breached") || plain.contains("alias replay") {
        if plain.contains("Depth") || plain.contains("depth") {
            return format!("YAML nested too deeply ({plain}): bank files need only a few levels");
        }
        return format!(
            "YAML expands too far ({plain}): aliases that multiply (an \"alias bomb\") are not allowed in banks"
        );
    }
    format!("invalid YAML: {plain}")
}

fn pos_of(loc: &serde_saphyr::Location) -> Pos {
    Pos {
        line: loc.line().max(1),
        column: loc.column().max(1),
    }
}

fn convert(s: Spanned<RawKind>) -> Node {
    let pos = pos_of(&s.referenced);
    let span = s.referenced.span();
    let bytes = match (span.byte_offset(), span.byte_len()) {
        (Some(o), Some(l)) => usize::try_from(o).ok().zip(usize::try_from(l).ok()),
        _ => None,
    };
    let kind = match s.value {
        RawKind::Null => Kind::Null,
        RawKind::Bool(b) => Kind::Bool(b),
        RawKind::Int(i) => Kind::Int(i),
        RawKind::Float(f) => Kind::Float(f),
        RawKind::Str(t) => Kind::Str(t),
        RawKind::Seq(items) => Kind::Seq(items.into_iter().map(convert).collect()),
        RawKind::Map(entries) => Kind::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    (
                        Key {
                            name: k.value.into_string(),
                            pos: pos_of(&k.referenced),
                        },
                        convert(v),
                    )
                })
                .collect(),
        ),
    };
    Node { pos, bytes, kind }
}

/// The tree as serde-saphyr hands it over, before positions are flattened.
enum RawKind {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<RawKind>>),
    Map(Vec<(Spanned<KeyText>, Spanned<RawKind>)>),
}

/// A mapping key; numbers and booleans used as keys keep a textual form.
struct KeyText(String);

impl KeyText {
    fn into_string(self) -> String {
        self.0
    }
}

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<KeyText, E> {
                Ok(KeyText(v))
            }
            fn visit_bool<E>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<KeyText, E> {
                Ok(KeyText("null".to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for RawKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawKind;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E>(self) -> Result<RawKind, E> {
                Ok(RawKind::Null)
            }
            fn visit_none<E>(self) -> Result<RawKind, E> {
                Ok(RawKind::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<RawKind, E> {
                Ok(RawKind::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawKind, E> {
                Ok(RawKind::Int(i128::from(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<RawKind, E> {
                Ok(RawKind::Int(i128::from(v)))
            }
            fn visit_i128<E>(self, v: i128) -> Result<RawKind, E> {
                Ok(RawKind::Int(v))
            }
            fn visit_u128<E>(self, v: u128) -> Result<RawKind, E> {
                Ok(i128::try_from(v).map_or(RawKind::Float(v as f64), RawKind::Int))
            }
            fn visit_f64<E>(self, v: f64) -> Result<RawKind, E> {
                Ok(RawKind::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<RawKind, E> {
                Ok(RawKind::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<RawKind, E> {
                Ok(RawKind::Str(v))
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<RawKind, D2::Error> {
                RawKind::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<RawKind, A::Error> {
                let mut items = Vec::with_capacity(a.size_hint().unwrap_or(4).min(1024));
                while let Some(x) = a.next_element()? {
                    items.push(x);
                }
                Ok(RawKind::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<RawKind, A::Error> {
                let mut entries = Vec::with_capacity(a.size_hint().unwrap_or(8).min(1024));
                while let Some(entry) = a.next_entry()? {
                    entries.push(entry);
                }
                Ok(RawKind::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_of_keys_and_values() -> Result<(), String> {
        let node = parse("a: 1\nb:\n  - x\n  - 2.50\n").map_err(|e| e.message)?;
        let Kind::Map(entries) = &node.kind else {
            return Err("not a map".into());
        };
        assert_eq!(entries[1].0.pos, Pos { line: 2, column: 1 });
        let Kind::Seq(items) = &entries[1].1.kind else {
            return Err("not a seq".into());
        };
        assert_eq!(items[1].pos, Pos { line: 4, column: 5 });
        assert_eq!(items[1].bytes, Some((18, 4)));
        Ok(())
    }

    #[test]
    fn yaml_1_1_booleans_stay_strings() -> Result<(), String> {
        let node = parse("[Y, N, yes, no, true]").map_err(|e| e.message)?;
        let Kind::Seq(items) = &node.kind else {
            return Err("not a seq".into());
        };
        assert!(matches!(&items[0].kind, Kind::Str(s) if s == "Y"));
        assert!(matches!(&items[3].kind, Kind::Str(s) if s == "no"));
        assert!(matches!(items[4].kind, Kind::Bool(true)));
        Ok(())
    }

    #[test]
    fn multi_document_files_get_our_own_message() {
        let e = parse("a: 1\n---\nb: 2\n")
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(e.contains("more than one YAML document"), "{e}");
        assert!(!e.contains("from_str_multiple"), "{e}");
    }

    #[test]
    fn rejects_alias_bomb_quickly() {
        let mut doc = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
            .iter()
            .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
        {
            let refs = vec![format!("*{prev}"); 10].join(", ");
            doc.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let err = parse(&doc).err().map(|e| e.message).unwrap_or_default();
        assert!(err.contains("alias bomb"), "{err}");
    }

    #[test]
    fn reports_syntax_error_position() {
        let err = parse("a: 1\nb: [1, 2\nc: 3\n").err();
        let pos = err.map(|e| e.pos);
        assert_eq!(pos, Some(Pos { line: 3, column: 2 }));
    }
}
