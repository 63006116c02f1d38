//! The drill screen: one card at a time, a question answered on the answer line with its
//! explanation shown in the same frame, or a flashcard that flips (Enter or space) and is graded
//! 1–4. Every grade, skip and undo is a call on [`DrillRun`].

use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{
    LineInput, Message, Screen, ctrl, feedback_lines, item_lines, next_event, sanitize, widgets, wrap_text,
};
use crate::engine::drill::{Card, DrillRun, Face, Graded};
use crate::engine::{Clock, EngineError};
use crate::schedule::Rating;
use crate::store::Store;

/// How the drill screen ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Every card was shown (or `:quit` was typed).
    Finished,
    /// Ctrl-C or Ctrl-D: every grade so far is saved.
    Quit,
}

#[derive(Debug)]
enum Phase {
    /// The card's question or front is shown.
    Asking,
    /// A flashcard's back is shown: grade it.
    Flipped,
    /// A question was answered: its explanation is shown until Enter.
    Graded(Box<Graded>),
    /// No card is left; the last grade can still be taken back.
    Done,
}

struct DrillScreen<'a> {
    store: &'a mut Store,
    run: &'a mut DrillRun,
    colour: bool,
    input: LineInput,
    message: Option<Message>,
    card: Option<Card>,
    phase: Phase,
    scroll: u16,
}

const GRADES: &str = "Grade yourself: 1 again · 2 hard · 3 good · 4 easy";

/// Runs the drill screen until the cards run out or the learner leaves.
pub fn run(store: &mut Store, run: &mut DrillRun, clock: &dyn Clock, colour: bool) -> anyhow::Result<End> {
    let mut screen = Screen::enter()?;
    let stop = crate::cli::signals::Stop::watch();
    let mut drill = DrillScreen {
        store,
        run,
        colour,
        input: LineInput::default(),
        message: None,
        card: None,
        phase: Phase::Asking,
        scroll: 0,
    };
    loop {
        if drill.card.is_none() && !matches!(drill.phase, Phase::Done) {
            let next = drill.run.next_card(drill.store, clock.now())?.cloned();
            match next {
                Some(card) => {
                    drill.card = Some(card);
                    drill.phase = Phase::Asking;
                    drill.scroll = 0;
                }
                None if drill.run.can_undo() => drill.phase = Phase::Done,
                None => return Ok(End::Finished),
            }
        }
        screen.draw(|f| drill.draw(f))?;
        if let Some(Event::Key(key)) = next_event()?
            && let Some(end) = drill.key(&key, clock)?
        {
            return Ok(end);
        }
        // SIGTERM and SIGHUP (a closed terminal window) end the session like `:quit`: every grade
        // is already saved.
        if stop.caught().is_some() {
            return Ok(End::Quit);
        }
    }
}

impl DrillScreen<'_> {
    fn key(&mut self, key: &KeyEvent, clock: &dyn Clock) -> anyhow::Result<Option<End>> {
        if ctrl(key, 'c') || ctrl(key, 'd') {
            return Ok(Some(End::Quit));
        }
        if ctrl(key, 'z') {
            self.undo("Ctrl-Z", clock)?;
            return Ok(None);
        }
        let empty = self.input.is_empty();
        let flash = matches!(self.card.as_ref().map(|c| &c.face), Some(Face::Flash(_)));
        match key.code {
            KeyCode::Char(' ') if empty && flash && matches!(self.phase, Phase::Asking) => {
                self.message = None;
                self.phase = Phase::Flipped;
            }
            KeyCode::Char(c @ '1'..='4') if empty && matches!(self.phase, Phase::Flipped) => {
                self.message = None;
                self.grade_flash(&c.to_string(), clock)?;
            }
            KeyCode::Enter => {
                self.message = None;
                let line = self.input.take();
                return self.line(line.trim(), clock);
            }
            KeyCode::Esc => self.input.clear(),
            KeyCode::Up => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::Down => self.scroll = self.scroll.saturating_add(1),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::PageDown => self.scroll = self.scroll.saturating_add(10),
            _ => {
                self.input.edit(key);
            }
        }
        Ok(None)
    }

    fn line(&mut self, line: &str, clock: &dyn Clock) -> anyhow::Result<Option<End>> {
        if line.eq_ignore_ascii_case(":undo") {
            self.undo(line, clock)?;
            return Ok(None);
        }
        if line.eq_ignore_ascii_case(":quit") {
            return Ok(Some(End::Finished));
        }
        if let Some(command) = line.strip_prefix(':') {
            self.message = Some(Message::error(format!(
                "{}: the drill knows :undo and :quit",
                sanitize(&format!(":{command}"))
            )));
            return Ok(None);
        }
        let flash = matches!(self.card.as_ref().map(|c| &c.face), Some(Face::Flash(_)));
        match (&self.phase, line.is_empty()) {
            (Phase::Done, _) => return Ok(Some(End::Finished)),
            (Phase::Graded(_), true) => self.card = None,
            (Phase::Graded(_), false) => {
                self.message = Some(Message::error(format!(
                    "{}: this card is answered; press Enter for the next one",
                    sanitize(line)
                )));
            }
            (Phase::Asking, true) if flash => self.phase = Phase::Flipped,
            (Phase::Asking | Phase::Flipped, true) => {
                self.run.skip();
                self.card = None;
                self.message = Some(Message::note("card skipped"));
            }
            (Phase::Asking | Phase::Flipped, false) if flash => self.grade_flash(line, clock)?,
            (Phase::Asking | Phase::Flipped, false) => {
                match self.run.grade_quiz(self.store, line, clock.now()) {
                    Ok(graded) => {
                        self.message = notices(&graded);
                        self.phase = Phase::Graded(Box::new(graded));
                        self.scroll = u16::MAX;
                    }
                    Err(EngineError::BadAnswer(e)) => {
                        self.message = Some(Message::error(format!("{}: {e}", sanitize(line))));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(None)
    }

    fn grade_flash(&mut self, line: &str, clock: &dyn Clock) -> anyhow::Result<()> {
        let Some(rating) = line.parse::<u8>().ok().and_then(Rating::from_number) else {
            self.message = Some(Message::error(format!(
                "{}: grade with 1 (again), 2 (hard), 3 (good) or 4 (easy)",
                sanitize(line)
            )));
            return Ok(());
        };
        match self.run.grade_flash(self.store, rating, clock.now()) {
            Ok(graded) => {
                let mut text = format!("graded {line} ({})", rating_name(rating));
                if let Some(m) = notices(&graded) {
                    text = format!("{text} · {}", m.text);
                }
                self.message = Some(Message::note(text));
                self.card = None;
            }
            Err(EngineError::BadAnswer(e)) => self.message = Some(Message::error(format!("{line}: {e}"))),
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    fn undo(&mut self, input: &str, clock: &dyn Clock) -> anyhow::Result<()> {
        match self.run.undo(self.store, clock.now())? {
            Some(family) => {
                self.message = Some(Message::note(format!(
                    "took back the last grade ({})",
                    sanitize(&family)
                )));
                self.card = None;
                self.phase = Phase::Asking;
            }
            None => self.message = Some(Message::error(format!("{input}: nothing to undo"))),
        }
        Ok(())
    }

    fn draw(&mut self, f: &mut Frame) {
        let area = f.area();
        if widgets::too_small(area) {
            widgets::too_small_notice(f, area);
            return;
        }
        let [header, body, message, answer, help] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(6),
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let (title, bar) = match &self.card {
            Some(card) => (
                format!(
                    "Drill · card {} of {} · {} · {}",
                    card.position + 1,
                    card.total,
                    if card.new { "new" } else { "review" },
                    sanitize(&card.exam)
                ),
                progress_bar(card.position, card.total),
            ),
            None => ("Drill · done".to_owned(), String::new()),
        };
        widgets::header(f, header, &title, Span::raw(bar));
        let width = usize::from(body.width.saturating_sub(2));
        let lines = self.body_lines(width);
        let height = body.height.saturating_sub(2);
        let max = u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .saturating_sub(height);
        self.scroll = self.scroll.min(max);
        let mut block = Block::default().borders(Borders::ALL);
        if max > 0 {
            block = block.title_bottom(Line::styled(
                " more: ↑↓ PgUp PgDn ",
                Style::default().add_modifier(Modifier::DIM),
            ));
        }
        f.render_widget(
            Paragraph::new(Text::from(lines))
                .block(block)
                .scroll((self.scroll, 0)),
            body,
        );
        widgets::message(f, message, self.message.as_ref(), self.colour);
        let flash = matches!(self.card.as_ref().map(|c| &c.face), Some(Face::Flash(_)));
        let (prompt, keys): (&str, &[(&str, &str)]) = match &self.phase {
            Phase::Done => (
                "Enter: finish > ",
                &[("Enter", "finish"), ("^Z", "undo"), ("^C", "quit")],
            ),
            Phase::Graded(_) => (
                "Enter: next card > ",
                &[("Enter", "next card"), ("^Z", "undo"), ("^C", "quit")],
            ),
            Phase::Flipped => (
                "grade 1-4 > ",
                &[
                    ("1-4", "grade"),
                    ("Enter", "skip"),
                    ("^Z", "undo"),
                    ("^C", "quit"),
                ],
            ),
            Phase::Asking if flash => ("> ", &[("Enter/Space", "flip"), ("^Z", "undo"), ("^C", "quit")]),
            Phase::Asking => (
                "> ",
                &[
                    ("Enter", "answer (empty: skip)"),
                    ("^Z", "undo"),
                    ("↑↓", "scroll"),
                    ("^C", "quit"),
                ],
            ),
        };
        widgets::answer_line(f, answer, prompt, &self.input, true);
        widgets::key_help(f, help, keys);
    }

    fn body_lines(&self, width: usize) -> Vec<Line<'static>> {
        let bold = Style::default().add_modifier(Modifier::BOLD);
        let dim = Style::default().add_modifier(Modifier::DIM);
        let Some(card) = &self.card else {
            let mut lines = wrap_text(
                "That was the last card. Press Enter to finish, or Ctrl-Z (:undo) to take back its grade.",
                width,
            );
            lines.insert(0, Line::default());
            return lines;
        };
        let mut lines = Vec::new();
        match &card.face {
            Face::Quiz(item) => {
                if let Some(s) = &item.scenario {
                    lines.push(Line::styled("Case study", bold));
                    lines.extend(wrap_text(s, width));
                    lines.push(Line::default());
                }
                lines.extend(item_lines(item, width));
                if let Phase::Graded(g) = &self.phase
                    && let Some(correct) = g.correct
                {
                    lines.push(Line::default());
                    lines.extend(feedback_lines(
                        correct,
                        g.right_answer.as_deref().unwrap_or(""),
                        g.points,
                        &g.explanation,
                        &g.refs,
                        width,
                        self.colour,
                    ));
                }
            }
            Face::Flash(c) => {
                lines.extend(wrap_text(&c.front, width).into_iter().map(|l| l.style(bold)));
                lines.push(Line::default());
                if matches!(self.phase, Phase::Flipped) {
                    lines.push(Line::styled("Back", dim));
                    lines.extend(wrap_text(&c.back, width));
                    for r in &c.refs {
                        lines.push(Line::styled(format!("  {}", sanitize(r)), dim));
                    }
                    lines.push(Line::default());
                    lines.push(Line::styled(GRADES, bold));
                } else {
                    lines.push(Line::styled("(Enter or space: show the back)", dim));
                }
            }
        }
        lines
    }
}

fn notices(g: &Graded) -> Option<Message> {
    let text: Vec<&str> = g.notices.iter().map(|n| n.text.as_str()).collect();
    (!text.is_empty()).then(|| Message::note(text.join(" · ")))
}

fn rating_name(r: Rating) -> &'static str {
    match r {
        Rating::Again => "again",
        Rating::Hard => "hard",
        Rating::Good => "good",
        Rating::Easy => "easy",
    }
}

fn progress_bar(done: usize, total: usize) -> String {
    let width = 20;
    let filled = (done * width).checked_div(total.max(1)).unwrap_or(0).min(width);
    format!(
        "{}{} {done}/{total}",
        "█".repeat(filled),
        "░".repeat(width - filled)
    )
}
