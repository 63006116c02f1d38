//! The exam session as a state machine: where the learner is, what they answered, flagged and
//! disputed, and which sections are locked. The CLI feeds it commands and persists each change.
//!
//! Sections imitate the real exam: a yes/no series and a case study are sections; once the learner
//! leaves one, its items are locked (no going back).

use serde::{Deserialize, Serialize};

use super::response::{Response, Shuffle, score};
use crate::bank::Instance;

/// Where the learner is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Location {
    /// Looking at item `0`-based index.
    Item(usize),
    /// At the review screen (after the last item, or on `:review`).
    Review,
}

/// One item of an attempt and everything the learner did with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionItem {
    /// The item as shown.
    pub instance: Instance,
    /// Its display order.
    pub shuffle: Shuffle,
    /// The section it belongs to (case studies and yes/no series), if any.
    pub section: Option<u32>,
    /// The case study's scenario, for case items.
    pub scenario: Option<String>,
    /// The current response.
    pub response: Option<Response>,
    /// Marked for review.
    pub flagged: bool,
    /// Marked as wrong by the learner (excluded from the score).
    pub disputed: bool,
    /// In a section the learner has left.
    pub locked: bool,
    /// Time spent on it, revisits included.
    pub seconds: f64,
}

impl SessionItem {
    /// Points earned and possible.
    pub fn score(&self) -> (u32, u32) {
        score(&self.instance.answer, self.response.as_ref())
    }

    /// Whether every component is right.
    pub fn correct(&self) -> bool {
        let (p, m) = self.score();
        m > 0 && p == m
    }
}

/// A line the learner typed, understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// An answer to the current item (checked against it by `parse_response`).
    Answer(String),
    /// An empty line: leave the item as it is and go on.
    Skip,
    /// `:flag` — toggle the review flag.
    Flag,
    /// `:dispute [note]` — mark the item as wrong in the bank.
    Dispute(String),
    /// `:back`.
    Back,
    /// `:next`.
    Next,
    /// `:goto N` (1-based).
    Goto(usize),
    /// `:review`.
    Review,
    /// `:submit`.
    Submit,
}

/// Longest `:dispute` note kept, in characters (the rest is dropped before it is stored).
pub const MAX_DISPUTE_NOTE_CHARS: usize = 1000;

/// The commands a learner can type, for help texts.
pub const COMMANDS: &str = ":flag, :dispute [note], :back, :next, :goto N, :review, :submit";

/// Reads a line: an empty line skips, `:word` is a command, anything else is an answer.
pub fn parse_command(line: &str) -> Result<Command, String> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(Command::Skip);
    }
    let Some(rest) = line.strip_prefix(':') else {
        return Ok(Command::Answer(line.to_owned()));
    };
    let (word, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let arg = arg.trim();
    match word.to_ascii_lowercase().as_str() {
        "flag" => Ok(Command::Flag),
        "dispute" => Ok(Command::Dispute(
            arg.chars().take(MAX_DISPUTE_NOTE_CHARS).collect(),
        )),
        "back" => Ok(Command::Back),
        "next" => Ok(Command::Next),
        "review" => Ok(Command::Review),
        "submit" => Ok(Command::Submit),
        "goto" => arg
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .map(Command::Goto)
            .ok_or_else(|| {
                format!(
                    "\":goto {}\" needs an item number, e.g. :goto 12",
                    crate::text::echo(arg)
                )
            }),
        other => Err(format!(
            "unknown command \":{}\" (commands: {COMMANDS})",
            crate::text::echo(other)
        )),
    }
}

/// The state of one attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The items, in position order.
    pub items: Vec<SessionItem>,
    /// Where the learner is.
    pub location: Location,
}

impl Session {
    /// The current item index, unless at the review screen.
    pub fn current(&self) -> Option<usize> {
        match self.location {
            Location::Item(i) => Some(i),
            Location::Review => None,
        }
    }

    fn check_open(&self, i: usize) -> Result<(), String> {
        match self.items.get(i) {
            None => Err(format!(
                "there is no item {} (items 1–{})",
                i + 1,
                self.items.len()
            )),
            Some(item) if item.locked => Err(format!(
                "item {} is in a section you have left; a section is locked once you leave it",
                i + 1
            )),
            Some(_) => Ok(()),
        }
    }

    /// Where a navigation command leads (an error says why it cannot go there).
    pub fn destination(&self, command: &Command) -> Result<Location, String> {
        let last = self.items.len().saturating_sub(1);
        match (command, self.location) {
            (Command::Next | Command::Skip | Command::Answer(_), Location::Item(i)) => Ok(if i >= last {
                Location::Review
            } else {
                Location::Item(i + 1)
            }),
            (Command::Next | Command::Skip, Location::Review) => Ok(Location::Review),
            (Command::Back, Location::Item(0)) => Err("this is the first item".to_owned()),
            (Command::Back, Location::Item(i)) => self.check_open(i - 1).map(|()| Location::Item(i - 1)),
            (Command::Back, Location::Review) => (0..self.items.len())
                .rev()
                .find(|i| !self.items[*i].locked)
                .map(Location::Item)
                .ok_or_else(|| "every item is in a locked section".to_owned()),
            (Command::Goto(n), _) => self.check_open(n - 1).map(|()| Location::Item(n - 1)),
            (Command::Review, _) => Ok(Location::Review),
            _ => Ok(self.location),
        }
    }

    /// The section the learner would leave by going to `to`, if leaving it locks anything.
    pub fn leaves_section(&self, to: Location) -> Option<u32> {
        let from = self.current()?;
        let section = self.items[from].section?;
        let stays = matches!(to, Location::Item(j) if self.items[j].section == Some(section));
        (!stays && !self.items[from].locked).then_some(section)
    }

    /// Moves to `to`, locking the section left behind; returns the newly locked item indices.
    pub fn go(&mut self, to: Location) -> Vec<usize> {
        let mut locked = Vec::new();
        if let Some(section) = self.leaves_section(to) {
            for (i, item) in self.items.iter_mut().enumerate() {
                if item.section == Some(section) && !item.locked {
                    item.locked = true;
                    locked.push(i);
                }
            }
        }
        self.location = to;
        locked
    }

    /// Records a response for the current item; returns `(points, max_points)`.
    pub fn answer(&mut self, response: Response) -> Option<(u32, u32)> {
        let i = self.current()?;
        let item = &mut self.items[i];
        item.response = Some(response);
        Some(item.score())
    }

    /// Toggles the flag of the current item; returns the new state.
    pub fn toggle_flag(&mut self) -> Option<bool> {
        let i = self.current()?;
        let item = &mut self.items[i];
        item.flagged = !item.flagged;
        Some(item.flagged)
    }

    /// Marks the current item as disputed.
    pub fn dispute(&mut self) -> Option<usize> {
        let i = self.current()?;
        self.items[i].disputed = true;
        Some(i)
    }

    /// Indices of unanswered items.
    pub fn unanswered(&self) -> Vec<usize> {
        (0..self.items.len())
            .filter(|i| self.items[*i].response.is_none())
            .collect()
    }

    /// Indices of flagged items.
    pub fn flagged(&self) -> Vec<usize> {
        (0..self.items.len()).filter(|i| self.items[*i].flagged).collect()
    }

    /// Whether the current item opens a section (so the learner can be told before answering).
    pub fn enters_section(&self) -> Option<u32> {
        let i = self.current()?;
        let section = self.items[i].section?;
        let first = i == 0 || self.items[i - 1].section != Some(section);
        first.then_some(section)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::{Answer, Body, CategoryId, DomainId, FamilyId, QuestionId};

    fn item(section: Option<u32>) -> SessionItem {
        let body = Body::Single {
            options: vec!["a".into(), "b".into()],
        };
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
                answer: Answer::Choice(0),
                explanation: "E".into(),
                refs: vec![],
                variant: None,
                combination: None,
                case: None,
            },
            section,
            scenario: None,
            response: None,
            flagged: false,
            disputed: false,
            locked: false,
            seconds: 0.0,
        }
    }

    fn session() -> Session {
        Session {
            items: vec![item(None), item(Some(1)), item(Some(1)), item(None)],
            location: Location::Item(0),
        }
    }

    #[test]
    fn commands_parse() {
        assert_eq!(parse_command(""), Ok(Command::Skip));
        assert_eq!(parse_command(" :GOTO 3 "), Ok(Command::Goto(3)));
        assert_eq!(
            parse_command(":dispute answer B is also right"),
            Ok(Command::Dispute("answer B is also right".into()))
        );
        assert_eq!(parse_command("A,C"), Ok(Command::Answer("A,C".into())));
        assert!(parse_command(":goto x").is_err());
        assert!(parse_command(":quit").is_err());
    }

    #[test]
    fn dispute_notes_are_capped() {
        let long = format!(":dispute {}", "n".repeat(5000));
        assert_eq!(
            parse_command(&long),
            Ok(Command::Dispute("n".repeat(MAX_DISPUTE_NOTE_CHARS)))
        );
    }

    #[test]
    fn leaving_a_section_locks_it_and_blocks_going_back() -> Result<(), String> {
        let mut s = session();
        let to = s.destination(&Command::Next)?;
        assert_eq!(s.leaves_section(to), None);
        s.go(to);
        assert_eq!(s.enters_section(), Some(1));
        let to = s.destination(&Command::Next)?;
        assert_eq!(s.leaves_section(to), None, "moving inside the section");
        s.go(to);
        let to = s.destination(&Command::Next)?;
        assert_eq!(s.leaves_section(to), Some(1));
        assert_eq!(s.go(to), vec![1, 2]);
        assert!(s.destination(&Command::Back).is_err());
        assert!(s.destination(&Command::Goto(2)).is_err());
        assert_eq!(s.destination(&Command::Goto(1))?, Location::Item(0));
        Ok(())
    }

    #[test]
    fn next_from_the_last_item_opens_the_review_screen_and_back_returns() -> Result<(), String> {
        let mut s = session();
        s.go(Location::Item(3));
        let to = s.destination(&Command::Skip)?;
        assert_eq!(to, Location::Review);
        s.go(to);
        assert_eq!(s.destination(&Command::Back)?, Location::Item(3));
        Ok(())
    }
}
