//! Responses: how an item's options are shuffled for display, how a typed answer (`B`, `A,C`,
//! `1=B,2=A`, `Y,N`) is read against the displayed letters, how it is scored (one point per
//! component) and how it is shown again.
//!
//! Responses are stored in the bank's own option order ("canonical"), so a report or a later review
//! can re-letter them for any display.

use serde::{Deserialize, Serialize};

use crate::bank::{Answer, Body, Instance, letter};
use crate::random::SeededRng;

/// The display order of an item's choices: `options[d]` is the canonical index shown at display
/// position `d` (letter A, B, …); dropdowns shuffle each blank's list on its own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shuffle {
    /// Display position → canonical option index (single, multi, order, match).
    pub options: Vec<usize>,
    /// Per blank: display position → canonical choice index (dropdown).
    pub blanks: Vec<Vec<usize>>,
}

impl Shuffle {
    /// A seeded shuffle for this body (yes/no statements keep their order).
    pub fn random(body: &Body, rng: &mut SeededRng) -> Shuffle {
        match body {
            Body::Single { options }
            | Body::Multi { options }
            | Body::Order { options }
            | Body::Match { options, .. } => Shuffle {
                options: rng.permutation(options.len()),
                blanks: Vec::new(),
            },
            Body::Dropdown { blanks, .. } => Shuffle {
                options: Vec::new(),
                blanks: blanks.iter().map(|b| rng.permutation(b.len())).collect(),
            },
            Body::Yesno { .. } => Shuffle::default(),
        }
    }

    /// The identity display order.
    pub fn identity(body: &Body) -> Shuffle {
        match body {
            Body::Single { options }
            | Body::Multi { options }
            | Body::Order { options }
            | Body::Match { options, .. } => Shuffle {
                options: (0..options.len()).collect(),
                blanks: Vec::new(),
            },
            Body::Dropdown { blanks, .. } => Shuffle {
                options: Vec::new(),
                blanks: blanks.iter().map(|b| (0..b.len()).collect()).collect(),
            },
            Body::Yesno { .. } => Shuffle::default(),
        }
    }

    fn display_of(order: &[usize], canonical: usize) -> usize {
        order.iter().position(|c| *c == canonical).unwrap_or(canonical)
    }

    /// The displayed letter of a canonical option.
    pub fn option_letter(&self, canonical: usize) -> char {
        letter(Self::display_of(&self.options, canonical))
    }

    /// The displayed letter of a canonical choice of blank `blank`.
    pub fn blank_letter(&self, blank: usize, canonical: usize) -> char {
        letter(
            self.blanks
                .get(blank)
                .map_or(canonical, |o| Self::display_of(o, canonical)),
        )
    }
}

/// What the learner answered, in canonical option indices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Response {
    /// `single`.
    Choice(usize),
    /// `multi`, ascending.
    Choices(Vec<usize>),
    /// `order`.
    Sequence(Vec<usize>),
    /// `match`: the option chosen for each prompt, if any.
    Pairs(Vec<Option<usize>>),
    /// `dropdown`: the choice for each blank.
    Blanks(Vec<usize>),
    /// `yesno`.
    YesNo(Vec<bool>),
}

fn split(line: &str) -> Vec<String> {
    line.split([',', ' ', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_uppercase)
        .collect()
}

fn letter_index(token: &str, count: usize) -> Result<usize, String> {
    let mut chars = token.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_uppercase() && usize::from(c as u8 - b'A') < count => {
            Ok(usize::from(c as u8 - b'A'))
        }
        _ => Err(format!(
            "\"{}\" is not one of the letters A–{}",
            crate::text::echo(token),
            letter(count.saturating_sub(1))
        )),
    }
}

/// An example answer of `n` different letters, e.g. `A,C,D` for 3 (at most `options` letters).
pub fn example_letters(n: usize, options: usize) -> String {
    const ORDER: [usize; 8] = [0, 2, 3, 1, 4, 5, 6, 7];
    let mut picked: Vec<usize> = ORDER
        .iter()
        .copied()
        .filter(|i| *i < options.max(n))
        .take(n)
        .collect();
    picked.sort_unstable();
    picked
        .into_iter()
        .map(|i| letter(i).to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// An example ordering of `n` letters, e.g. `C,A,B` for 3.
pub fn example_order(n: usize) -> String {
    let mut v: Vec<usize> = (0..n).collect();
    if n >= 3 {
        v.rotate_right(1);
    } else if n == 2 {
        v.swap(0, 1);
    }
    v.into_iter()
        .map(|i| letter(i).to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// An example of `n` comma-separated tokens cycling through `tokens`, e.g. `Y,N,Y`.
pub fn example_cycle(n: usize, tokens: &[&str]) -> String {
    (0..n.max(1))
        .map(|i| tokens.get(i % tokens.len().max(1)).copied().unwrap_or("A"))
        .collect::<Vec<_>>()
        .join(",")
}

/// An example match answer for `n` prompts, e.g. `1=B,2=A,3=C`.
pub fn example_pairs(n: usize) -> String {
    const LETTERS: [char; 3] = ['B', 'A', 'C'];
    (0..n.max(1))
        .map(|i| format!("{}={}", i + 1, LETTERS[i % 3]))
        .collect::<Vec<_>>()
        .join(",")
}

fn distinct(v: &[usize]) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    v.iter().all(|x| seen.insert(*x))
}

/// Reads a typed answer for an item shown with `shuffle`; the error says what is expected.
pub fn parse_response(line: &str, instance: &Instance, shuffle: &Shuffle) -> Result<Response, String> {
    let tokens = split(line);
    let canonical = |d: usize| shuffle.options.get(d).copied().unwrap_or(d);
    match (&instance.body, &instance.answer) {
        (Body::Single { options }, _) => {
            if tokens.len() != 1 {
                return Err("choose one letter, e.g. B".into());
            }
            Ok(Response::Choice(canonical(letter_index(
                &tokens[0],
                options.len(),
            )?)))
        }
        (Body::Multi { options }, answer) => {
            let need = match answer {
                Answer::Choices(v) => v.len(),
                _ => 2,
            };
            let picked: Vec<usize> = tokens
                .iter()
                .map(|t| letter_index(t, options.len()))
                .collect::<Result<_, _>>()?;
            // Fewer letters than asked is a partial answer (the missing ones score zero).
            if picked.is_empty() || picked.len() > need || !distinct(&picked) {
                return Err(format!(
                    "choose {need} different letters, e.g. {}",
                    example_letters(need, options.len())
                ));
            }
            let mut v: Vec<usize> = picked.into_iter().map(canonical).collect();
            v.sort_unstable();
            Ok(Response::Choices(v))
        }
        (Body::Order { options }, answer) => {
            let need = match answer {
                Answer::Sequence(v) => v.len(),
                _ => options.len(),
            };
            let picked: Vec<usize> = tokens
                .iter()
                .map(|t| letter_index(t, options.len()))
                .collect::<Result<_, _>>()?;
            if picked.is_empty() || picked.len() > need || !distinct(&picked) {
                return Err(format!(
                    "list {need} different letters in order, e.g. {}",
                    example_order(need)
                ));
            }
            Ok(Response::Sequence(picked.into_iter().map(canonical).collect()))
        }
        (Body::Match { prompts, options }, _) => {
            let mut pairs = vec![None; prompts.len()];
            let positional = tokens.iter().all(|t| !t.contains('='));
            for (i, t) in tokens.iter().enumerate() {
                let (p, o) = if positional {
                    (i, t.as_str())
                } else {
                    let (p, o) = t
                        .split_once('=')
                        .ok_or_else(|| format!("\"{}\" is not a pair like 1=B", crate::text::echo(t)))?;
                    let p: usize = p
                        .trim()
                        .parse()
                        .map_err(|_| format!("\"{}\" is not a prompt number", crate::text::echo(p)))?;
                    (p.wrapping_sub(1), o.trim())
                };
                if p >= prompts.len() {
                    return Err(format!(
                        "there are {} prompts: pair each as {}",
                        prompts.len(),
                        example_pairs(prompts.len())
                    ));
                }
                if pairs[p].is_some() {
                    return Err(format!("prompt {} is paired twice", p + 1));
                }
                pairs[p] = Some(canonical(letter_index(o, options.len())?));
            }
            if pairs.iter().all(Option::is_none) {
                return Err(format!(
                    "pair each of the {} prompts with a letter, e.g. {}",
                    prompts.len(),
                    example_pairs(prompts.len())
                ));
            }
            Ok(Response::Pairs(pairs))
        }
        (Body::Dropdown { blanks, .. }, _) => {
            if tokens.is_empty() || tokens.len() > blanks.len() {
                return Err(format!(
                    "give one letter for each of the {} blanks, e.g. {}",
                    blanks.len(),
                    example_cycle(blanks.len(), &["B", "A", "C"])
                ));
            }
            let mut v = Vec::with_capacity(blanks.len());
            for (b, (t, choices)) in tokens.iter().zip(blanks).enumerate() {
                let d = letter_index(t, choices.len()).map_err(|e| format!("blank {}: {e}", b + 1))?;
                v.push(shuffle.blanks.get(b).and_then(|o| o.get(d)).copied().unwrap_or(d));
            }
            Ok(Response::Blanks(v))
        }
        (Body::Yesno { statements }, _) => {
            if tokens.is_empty() || tokens.len() > statements.len() {
                return Err(format!(
                    "answer Y or N for each of the {} statements, e.g. {}",
                    statements.len(),
                    example_cycle(statements.len(), &["Y", "N"])
                ));
            }
            tokens
                .iter()
                .map(|t| match t.as_str() {
                    "Y" | "YES" => Ok(true),
                    "N" | "NO" => Ok(false),
                    _ => Err(format!("\"{}\" is not Y or N", crate::text::echo(t))),
                })
                .collect::<Result<Vec<bool>, String>>()
                .map(Response::YesNo)
        }
    }
}

/// How many parts of a multi-part item `response` leaves empty (they score zero): letters not
/// chosen of a multi, positions not filled of an order, prompts not paired, blanks and statements
/// not answered (a partial answer gives the first ones). Every face says it after an answer.
pub fn empty_parts(response: &Response, instance: &Instance) -> usize {
    let parts = match (&instance.body, &instance.answer) {
        (Body::Multi { .. }, Answer::Choices(v)) | (Body::Order { .. }, Answer::Sequence(v)) => v.len(),
        (Body::Order { options }, _) => options.len(),
        (Body::Match { prompts, .. }, _) => prompts.len(),
        (Body::Dropdown { blanks, .. }, _) => blanks.len(),
        (Body::Yesno { statements }, _) => statements.len(),
        _ => 0,
    };
    let given = match response {
        Response::Choice(_) => return 0,
        Response::Choices(v) | Response::Sequence(v) | Response::Blanks(v) => v.len(),
        Response::Pairs(v) => v.iter().filter(|p| p.is_some()).count(),
        Response::YesNo(v) => v.len(),
    };
    parts.saturating_sub(given)
}

/// Points earned and points possible: one point per component (right option of a multi, position
/// of an order, prompt of a match, blank, statement); a single is one point.
pub fn score(answer: &Answer, response: Option<&Response>) -> (u32, u32) {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let max = match answer {
        Answer::Choice(_) => 1,
        Answer::Choices(v) | Answer::Sequence(v) | Answer::Pairs(v) | Answer::Blanks(v) => count(v.len()),
        Answer::YesNo(v) => count(v.len()),
    };
    let Some(response) = response else {
        return (0, max);
    };
    let points = match (answer, response) {
        (Answer::Choice(a), Response::Choice(r)) => u32::from(a == r),
        (Answer::Choices(a), Response::Choices(r)) => {
            // Each right option chosen earns a point; each wrong one chosen cancels one.
            let right = r.iter().filter(|x| a.contains(x)).count();
            let wrong = r.len() - right;
            count(right.saturating_sub(wrong))
        }
        (Answer::Sequence(a), Response::Sequence(r)) | (Answer::Blanks(a), Response::Blanks(r)) => {
            count(a.iter().zip(r).filter(|(x, y)| x == y).count())
        }
        (Answer::Pairs(a), Response::Pairs(r)) => {
            count(a.iter().zip(r).filter(|(x, y)| Some(**x) == **y).count())
        }
        (Answer::YesNo(a), Response::YesNo(r)) => count(a.iter().zip(r).filter(|(x, y)| x == y).count()),
        _ => 0,
    };
    (points.min(max), max)
}

/// A response in the scripted notation with this display's letters.
pub fn display_response(response: &Response, shuffle: &Shuffle) -> String {
    let join = |v: Vec<String>| v.join(",");
    match response {
        Response::Choice(c) => shuffle.option_letter(*c).to_string(),
        Response::Choices(v) => {
            let mut letters: Vec<char> = v.iter().map(|c| shuffle.option_letter(*c)).collect();
            letters.sort_unstable();
            join(letters.iter().map(char::to_string).collect())
        }
        Response::Sequence(v) => join(v.iter().map(|c| shuffle.option_letter(*c).to_string()).collect()),
        Response::Pairs(v) => join(
            v.iter()
                .enumerate()
                .filter_map(|(p, o)| o.map(|o| format!("{}={}", p + 1, shuffle.option_letter(o))))
                .collect(),
        ),
        Response::Blanks(v) => join(
            v.iter()
                .enumerate()
                .map(|(b, c)| shuffle.blank_letter(b, *c).to_string())
                .collect(),
        ),
        Response::YesNo(v) => join(v.iter().map(|y| if *y { "Y" } else { "N" }.to_owned()).collect()),
    }
}

/// The right answer as a response.
pub fn answer_as_response(answer: &Answer) -> Response {
    match answer {
        Answer::Choice(c) => Response::Choice(*c),
        Answer::Choices(v) => Response::Choices(v.clone()),
        Answer::Sequence(v) => Response::Sequence(v.clone()),
        Answer::Pairs(v) => Response::Pairs(v.iter().map(|o| Some(*o)).collect()),
        Answer::Blanks(v) => Response::Blanks(v.clone()),
        Answer::YesNo(v) => Response::YesNo(v.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::{CategoryId, DomainId, FamilyId, QuestionId};

    fn instance(body: Body, answer: Answer) -> Instance {
        Instance {
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
        }
    }

    #[test]
    fn examples_have_the_real_number_of_parts() {
        assert_eq!(example_letters(3, 5), "A,C,D");
        assert_eq!(example_letters(2, 4), "A,C");
        assert_eq!(example_order(3), "C,A,B");
        assert_eq!(example_order(4), "D,A,B,C");
        assert_eq!(example_cycle(4, &["Y", "N"]), "Y,N,Y,N");
        assert_eq!(example_pairs(3), "1=B,2=A,3=C");
    }

    fn opts(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("o{i}")).collect()
    }

    #[test]
    fn letters_follow_the_displayed_order() -> Result<(), String> {
        let i = instance(Body::Single { options: opts(4) }, Answer::Choice(2));
        let shuffle = Shuffle {
            options: vec![3, 2, 0, 1],
            blanks: vec![],
        };
        let r = parse_response("b", &i, &shuffle)?;
        assert_eq!(r, Response::Choice(2));
        assert_eq!(score(&i.answer, Some(&r)), (1, 1));
        assert_eq!(display_response(&r, &shuffle), "B");
        Ok(())
    }

    #[test]
    fn multi_scores_each_right_option_and_needs_the_stated_count() -> Result<(), String> {
        let i = instance(Body::Multi { options: opts(4) }, Answer::Choices(vec![0, 2]));
        let id = Shuffle::identity(&i.body);
        let partial = parse_response("A", &i, &id)?;
        assert_eq!(score(&i.answer, Some(&partial)), (1, 2));
        assert_eq!(empty_parts(&partial, &i), 1);
        assert!(parse_response("A,A", &i, &id).is_err());
        assert!(parse_response("A,B,C", &i, &id).is_err());
        assert_eq!(score(&i.answer, Some(&parse_response("A,B", &i, &id)?)), (0, 2));
        assert_eq!(score(&i.answer, Some(&parse_response("C, A", &i, &id)?)), (2, 2));
        Ok(())
    }

    #[test]
    fn match_accepts_pairs_partially_and_scores_per_prompt() -> Result<(), String> {
        let i = instance(
            Body::Match {
                prompts: opts(3),
                options: opts(3),
            },
            Answer::Pairs(vec![1, 0, 2]),
        );
        let id = Shuffle::identity(&i.body);
        let r = parse_response("1=B,3=A", &i, &id)?;
        assert_eq!(r, Response::Pairs(vec![Some(1), None, Some(0)]));
        assert_eq!(score(&i.answer, Some(&r)), (1, 3));
        assert_eq!(display_response(&r, &id), "1=B,3=A");
        assert!(parse_response("1=B,1=C", &i, &id).is_err());
        Ok(())
    }

    #[test]
    fn dropdown_and_yesno_score_per_component() -> Result<(), String> {
        let d = instance(
            Body::Dropdown {
                text: "[[1]] [[2]]".into(),
                blanks: vec![opts(2), opts(3)],
            },
            Answer::Blanks(vec![1, 2]),
        );
        let shuffle = Shuffle {
            options: vec![],
            blanks: vec![vec![1, 0], vec![2, 0, 1]],
        };
        let r = parse_response("A,A", &d, &shuffle)?;
        assert_eq!(score(&d.answer, Some(&r)), (2, 2));
        let y = instance(
            Body::Yesno { statements: opts(3) },
            Answer::YesNo(vec![true, false, true]),
        );
        let r = parse_response("y,yes,N", &y, &Shuffle::default())?;
        assert_eq!(score(&y.answer, Some(&r)), (1, 3));
        let partial = parse_response("Y,N", &y, &Shuffle::default())?;
        assert_eq!(score(&y.answer, Some(&partial)), (2, 3));
        assert_eq!(empty_parts(&partial, &y), 1);
        assert!(parse_response("Y,N,Y,N", &y, &Shuffle::default()).is_err());
        let r = parse_response("B", &d, &shuffle)?;
        assert_eq!(empty_parts(&r, &d), 1);
        Ok(())
    }

    #[test]
    fn unanswered_scores_zero_of_the_components() {
        assert_eq!(score(&Answer::Sequence(vec![2, 0, 1]), None), (0, 3));
    }
}
