//! The exam screen: the timed mock exam as the real one looks — the time left top right, where
//! the learner is, the item (and a case study's scenario in a pane of its own), the answer line,
//! one line of key help, the review grid, and dialogs before a section locks or the exam is
//! submitted. Every action is a call on [`MockRun`]; the screen only decides what to draw.
//!
//! The answer line takes exactly what the scripted protocol takes (answers, an empty line to go on,
//! `:flag`, `:back`, `:next`, `:goto N`, `:review`, `:dispute [note]`, `:submit`); the shortcut keys
//! are the same commands without typing.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::widgets::{self, Cell};
use super::{LineInput, Message, Screen, ctrl, feedback_lines, item_lines, next_event, sanitize, timer_text};
use crate::engine::mock::{Feedback, MockRun, SectionSpan};
use crate::engine::{Clock, EngineError};
use crate::exam::{Command, Location, parse_command};
use crate::store::Store;

/// How the screen ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The learner confirmed the submission.
    Submitted,
    /// The deadline passed.
    Expired,
    /// Ctrl-C or Ctrl-D: the attempt is saved and stays in progress.
    Quit,
}

/// A question the learner must answer before anything else happens.
#[derive(Clone, Copy, Debug)]
enum Dialog {
    /// Going to `to` locks the section `span`.
    Leave { to: Location, span: SectionSpan },
    /// Submit the exam?
    Submit,
}

struct ExamScreen<'a> {
    store: &'a mut Store,
    run: &'a mut MockRun,
    colour: bool,
    input: LineInput,
    message: Option<Message>,
    dialog: Option<Dialog>,
    feedback: Option<Feedback>,
    item_scroll: u16,
    scenario_scroll: u16,
    /// The item picked in the review grid.
    selected: usize,
    /// Cells per row of the review grid, as last drawn (for ↑ and ↓).
    grid_columns: usize,
    /// Rows of the item pane, as last drawn (for Page Up and Page Down).
    page: u16,
    timer_hidden: bool,
}

/// Runs the exam screen until the learner submits, quits, or the time is up. The caller submits,
/// expires or leaves the attempt in progress accordingly; the time spent is already saved.
pub fn run(store: &mut Store, run: &mut MockRun, clock: &dyn Clock, colour: bool) -> anyhow::Result<End> {
    let mut screen = Screen::enter()?;
    run.mark_shown(clock.now());
    let selected = run.session.current().unwrap_or(0);
    let mut exam = ExamScreen {
        store,
        run,
        colour,
        input: LineInput::default(),
        message: None,
        dialog: None,
        feedback: None,
        item_scroll: 0,
        scenario_scroll: 0,
        selected,
        grid_columns: 1,
        page: 10,
        timer_hidden: false,
    };
    // SIGTERM and SIGHUP (a closed terminal window) save like Ctrl-C.
    let stop = crate::cli::signals::Stop::watch();
    loop {
        let now = clock.now();
        if exam.run.is_over(now) {
            return Ok(End::Expired);
        }
        screen.draw(|f| exam.draw(f, now))?;
        // A resize (or any other event) needs nothing more: the next frame is drawn at the new size.
        if let Some(Event::Key(key)) = next_event()?
            && let Some(end) = exam.key(&key, clock)?
        {
            return Ok(end);
        }
        if stop.caught().is_some() {
            exam.run.pause(exam.store, clock.now())?;
            return Ok(End::Quit);
        }
    }
}

impl ExamScreen<'_> {
    fn key(&mut self, key: &KeyEvent, clock: &dyn Clock) -> anyhow::Result<Option<End>> {
        if ctrl(key, 'c') || ctrl(key, 'd') {
            self.run.pause(self.store, clock.now())?;
            return Ok(Some(End::Quit));
        }
        if let Some(dialog) = self.dialog {
            match key.code {
                KeyCode::Char('y' | 'Y') => {
                    self.dialog = None;
                    match dialog {
                        Dialog::Submit => return Ok(Some(End::Submitted)),
                        Dialog::Leave { to, .. } => self.go(to, clock.now())?,
                    }
                }
                KeyCode::Char('n' | 'N') | KeyCode::Esc | KeyCode::Enter => {
                    self.dialog = None;
                    self.message = Some(Message::note(match dialog {
                        Dialog::Submit => "not submitted: the exam goes on".to_owned(),
                        Dialog::Leave { .. } => "you stayed in this section".to_owned(),
                    }));
                }
                _ => {}
            }
            return Ok(None);
        }
        let review = self.run.session.location == Location::Review;
        let grid_keys = review && self.input.is_empty();
        let now = || clock.now();
        match key.code {
            KeyCode::Enter => {
                self.message = None;
                let line = self.input.take();
                self.line(&line, now())?;
            }
            KeyCode::Tab => self.shortcut("Tab", Command::Next, now())?,
            KeyCode::BackTab => self.shortcut("Shift-Tab", Command::Back, now())?,
            _ if ctrl(key, 'f') => self.shortcut("Ctrl-F", Command::Flag, now())?,
            _ if ctrl(key, 'r') => self.shortcut("Ctrl-R", Command::Review, now())?,
            _ if ctrl(key, 's') => self.shortcut("Ctrl-S", Command::Submit, now())?,
            _ if ctrl(key, 't') => self.timer_hidden = !self.timer_hidden,
            KeyCode::Esc => self.input.clear(),
            KeyCode::Left if grid_keys => self.selected = self.selected.saturating_sub(1),
            KeyCode::Right if grid_keys => self.move_selection(1),
            KeyCode::Up if grid_keys => {
                self.selected = self.selected.saturating_sub(self.grid_columns);
            }
            KeyCode::Down if grid_keys => self.move_selection(self.grid_columns),
            KeyCode::Up => self.item_scroll = self.item_scroll.saturating_sub(1),
            KeyCode::Down => self.item_scroll = self.item_scroll.saturating_add(1),
            KeyCode::PageUp | KeyCode::PageDown => {
                let scenario = self.current_scenario().is_some();
                let target = if scenario {
                    &mut self.scenario_scroll
                } else {
                    &mut self.item_scroll
                };
                let page = self.page.saturating_sub(1).max(1);
                *target = if key.code == KeyCode::PageUp {
                    target.saturating_sub(page)
                } else {
                    target.saturating_add(page)
                };
            }
            _ => {
                self.input.edit(key);
            }
        }
        Ok(None)
    }

    fn move_selection(&mut self, by: usize) {
        let last = self.run.session.items.len().saturating_sub(1);
        self.selected = (self.selected + by).min(last);
    }

    /// A shortcut key: the command it stands for, with the key named in any refusal.
    fn shortcut(&mut self, name: &str, command: Command, now: DateTime<Utc>) -> anyhow::Result<()> {
        self.message = None;
        self.command(name, command, now)
    }

    /// A line typed on the answer line, read as the scripted protocol reads it.
    fn line(&mut self, line: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            if self.feedback.is_some() {
                self.feedback = None;
                return self.command("Enter", Command::Next, now);
            }
            if self.run.session.location == Location::Review {
                return self.command("Enter", Command::Goto(self.selected + 1), now);
            }
        }
        match parse_command(trimmed) {
            Ok(command) => self.command(trimmed, command, now),
            Err(e) => {
                self.message = Some(Message::error(format!("{trimmed}: {e}")));
                Ok(())
            }
        }
    }

    fn refuse(&mut self, input: &str, why: &str) {
        let input = if input.is_empty() { "Enter" } else { input };
        self.message = Some(Message::error(format!("{}: {why}", sanitize(input))));
    }

    fn command(&mut self, input: &str, command: Command, now: DateTime<Utc>) -> anyhow::Result<()> {
        match command {
            Command::Answer(text) => match self.run.answer(self.store, &text, now) {
                Ok((i, Some(feedback))) => {
                    self.message = Some(Message::note(format!(
                        "item {}: answer {} saved; press Enter for the next item",
                        i + 1,
                        sanitize(&text)
                    )));
                    self.feedback = Some(feedback);
                    self.item_scroll = u16::MAX;
                }
                Ok((i, None)) => {
                    self.message = Some(Message::note(format!(
                        "item {}: answer {} saved",
                        i + 1,
                        sanitize(&text)
                    )));
                    let to = self.run.destination(&Command::Next)?;
                    self.navigate(to, now)?;
                }
                Err(EngineError::BadAnswer(e) | EngineError::BadMove(e)) => self.refuse(input, &e),
                Err(e) => return Err(e.into()),
            },
            Command::Flag => match self.run.toggle_flag(self.store, now) {
                Ok((i, on)) => {
                    self.message = Some(Message::note(if on {
                        format!("item {} flagged for review", i + 1)
                    } else {
                        format!("item {} unflagged", i + 1)
                    }));
                }
                Err(EngineError::BadMove(e)) => self.refuse(input, &e),
                Err(e) => return Err(e.into()),
            },
            Command::Dispute(note) => match self.run.dispute(self.store, &note, now) {
                Ok(i) => {
                    self.message = Some(Message::note(format!(
                        "item {} marked as disputed: left out of your score, listed by `retake bank disputes`",
                        i + 1
                    )));
                }
                Err(EngineError::BadMove(e)) => self.refuse(input, &e),
                Err(e) => return Err(e.into()),
            },
            Command::Submit => self.dialog = Some(Dialog::Submit),
            Command::Skip if self.run.session.location == Location::Review => {
                self.refuse(input, "pick an item with the arrows and press Enter, or :submit");
            }
            nav => match self.run.destination(&nav) {
                Ok(to) => self.navigate(to, now)?,
                Err(EngineError::BadMove(e)) => self.refuse(input, &e),
                Err(e) => return Err(e.into()),
            },
        }
        Ok(())
    }

    /// Moves to `to`, first asking in a dialog when that locks a section.
    fn navigate(&mut self, to: Location, now: DateTime<Utc>) -> anyhow::Result<()> {
        if to == self.run.session.location {
            return Ok(());
        }
        match self.run.section_lock(to) {
            Some(span) => self.dialog = Some(Dialog::Leave { to, span }),
            None => self.go(to, now)?,
        }
        Ok(())
    }

    fn go(&mut self, to: Location, now: DateTime<Utc>) -> anyhow::Result<()> {
        let from = self.run.session.current();
        match self.run.go(self.store, to, now) {
            Ok(Some(span)) => {
                let locked = format!("section locked: {}", span.describe());
                self.message = Some(Message::note(match self.message.take() {
                    Some(m) if !m.error => format!("{} · {locked}", m.text),
                    _ => locked,
                }));
            }
            Ok(None) => {}
            Err(EngineError::BadMove(e)) => {
                self.message = Some(Message::error(e));
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
        self.feedback = None;
        self.item_scroll = 0;
        if self
            .run
            .session
            .current()
            .map(|i| &self.run.session.items[i].section)
            != from.map(|i| &self.run.session.items[i].section)
        {
            self.scenario_scroll = 0;
        }
        if to == Location::Review {
            let session = &self.run.session;
            self.selected = from
                .or_else(|| session.unanswered().first().copied())
                .unwrap_or(0);
        }
        Ok(())
    }

    fn current_scenario(&self) -> Option<&str> {
        let i = self.run.session.current()?;
        self.run.session.items[i].scenario.as_deref()
    }

    /// The section the current item belongs to: its span and the item's place in it.
    fn section_place(&self, i: usize) -> Option<(SectionSpan, usize)> {
        let items = &self.run.session.items;
        let section = items[i].section?;
        let members: Vec<usize> = (0..items.len())
            .filter(|j| items[*j].section == Some(section))
            .collect();
        let place = members.iter().position(|j| *j == i)?;
        Some((
            SectionSpan {
                first: *members.first()?,
                last: *members.last()?,
            },
            place,
        ))
    }

    fn timer(&self, now: DateTime<Utc>) -> Span<'static> {
        let Some(left) = self.run.time_left(now) else {
            return Span::raw("untimed practice");
        };
        if self.timer_hidden {
            return Span::styled(
                "timer hidden (Ctrl-T)",
                Style::default().add_modifier(Modifier::DIM),
            );
        }
        let seconds = left.num_seconds();
        let style = if seconds <= 300 {
            widgets::bad(self.colour)
        } else if seconds <= 900 {
            widgets::warn(self.colour)
        } else {
            Style::default().add_modifier(Modifier::BOLD)
        };
        Span::styled(format!("Time left {}", timer_text(seconds)), style)
    }

    fn draw(&mut self, f: &mut Frame, now: DateTime<Utc>) {
        let area = f.area();
        if widgets::too_small(area) {
            widgets::too_small_notice(f, area);
            return;
        }
        let [header, progress, body, message, answer, help] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(6),
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let attempt = &self.run.attempt;
        let title = format!(
            "{} {} · attempt {}",
            sanitize(&attempt.exam),
            if attempt.timed { "mock exam" } else { "practice" },
            attempt.id
        );
        widgets::header(f, header, &title, self.timer(now));
        widgets::line(f, progress, self.progress_line(progress.width));
        match self.run.session.location {
            Location::Review => self.draw_review(f, body),
            Location::Item(i) => self.draw_item(f, body, i),
        }
        widgets::message(f, message, self.message.as_ref(), self.colour);
        let prompt = if self.feedback.is_some() {
            "Enter: next item > "
        } else {
            "> "
        };
        widgets::answer_line(f, answer, prompt, &self.input, self.dialog.is_none());
        let keys: &[(&str, &str)] = match (self.dialog, self.run.session.location) {
            (Some(_), _) => &[("y", "yes"), ("n/Esc", "no"), ("^C", "save+quit")],
            (None, Location::Review) => &[
                ("←↑↓→", "pick"),
                ("Enter", "go to item"),
                ("^S", "submit"),
                ("^C", "save+quit"),
                ("^T", "timer"),
                (":goto N", "go"),
            ],
            (None, Location::Item(_)) => &[
                ("Enter", "answer"),
                ("Tab", "next"),
                ("S-Tab", "back"),
                ("^F", "flag"),
                ("^R", "review"),
                ("^S", "submit"),
                ("^C", "save+quit"),
                ("^T", "timer"),
                ("↑↓ PgUp PgDn", "scroll"),
            ],
        };
        widgets::key_help(f, help, keys);
        match self.dialog {
            Some(Dialog::Submit) => {
                let session = &self.run.session;
                let body = format!(
                    "Submit the exam now? {} unanswered, {} flagged. You cannot change any answer after submitting.",
                    session.unanswered().len(),
                    session.flagged().len()
                );
                widgets::dialog(f, area, "Submit exam", &body, self.colour);
            }
            Some(Dialog::Leave { span, .. }) => {
                let body = format!(
                    "You are leaving this section: you will not be able to return to {}. Continue?",
                    span.describe()
                );
                widgets::dialog(f, area, "Leave the section", &body, self.colour);
            }
            None => {}
        }
    }

    fn progress_line(&self, width: u16) -> Line<'static> {
        let session = &self.run.session;
        let n = session.items.len();
        let answered = n - session.unanswered().len();
        let flagged = session.flagged().len();
        let left = match session.location {
            Location::Review => format!("Review · {n} items"),
            Location::Item(i) => format!("Question {} of {n}", i + 1),
        };
        let counts = format!(" · {answered} answered · {flagged} flagged");
        let bar_width = 12usize;
        let filled = (answered * bar_width).checked_div(n).unwrap_or(0);
        let bar = format!("{}{}", "█".repeat(filled), "░".repeat(bar_width - filled));
        let used = left.chars().count() + counts.chars().count() + bar_width + 1;
        let mut spans = vec![Span::raw(left), Span::raw(counts)];
        if used <= usize::from(width) {
            spans.push(Span::raw(" ".repeat(usize::from(width) - used + 1)));
            spans.push(Span::styled(bar, Style::default().add_modifier(Modifier::DIM)));
        }
        Line::from(spans)
    }

    fn draw_item(&mut self, f: &mut Frame, body: Rect, i: usize) {
        let item = &self.run.session.items[i];
        let (scenario_area, item_area) = match &item.scenario {
            Some(_) if body.width >= 110 => {
                let [a, b] =
                    Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(body);
                (Some(a), b)
            }
            Some(_) => {
                let [a, b] =
                    Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(body);
                (Some(a), b)
            }
            None => (None, body),
        };
        if let (Some(area), Some(text)) = (scenario_area, &item.scenario) {
            let width = usize::from(area.width.saturating_sub(2));
            let lines = super::wrap_text(text, width);
            self.scenario_scroll = pane(f, area, " Case study ", lines, self.scenario_scroll, "PgUp/PgDn");
        }
        let mut title = format!(" Question {} of {} ", i + 1, self.run.session.items.len());
        if item.flagged {
            title.push_str("⚑ flagged ");
        }
        if item.disputed {
            title.push_str("· disputed ");
        }
        let width = usize::from(item_area.width.saturating_sub(2));
        let mut lines = Vec::new();
        if let Some((span, place)) = self.section_place(i) {
            let what = if item.scenario.is_some() {
                "case study"
            } else {
                "yes/no series"
            };
            let note = format!(
                "Section: {what}, question {} of {} ({}). Once you leave it, you cannot return.",
                place + 1,
                span.last - span.first + 1,
                span.describe()
            );
            lines.extend(
                super::wrap_text(&note, width)
                    .into_iter()
                    .map(|l| l.style(widgets::warn(self.colour))),
            );
            lines.push(Line::default());
        }
        lines.extend(item_lines(item, width));
        if let Some(fb) = &self.feedback {
            lines.push(Line::default());
            lines.extend(feedback_lines(
                fb.correct,
                &fb.right_answer,
                (fb.points, fb.max_points),
                &fb.explanation,
                &fb.refs,
                width,
                self.colour,
            ));
        }
        self.page = item_area.height.saturating_sub(2);
        self.item_scroll = pane(f, item_area, &title, lines, self.item_scroll, "↑↓");
    }

    fn draw_review(&mut self, f: &mut Frame, body: Rect) {
        let session = &self.run.session;
        let n = session.items.len();
        let answered = n - session.unanswered().len();
        let block = Block::default().borders(Borders::ALL).title(" Review ");
        let inner = block.inner(body);
        f.render_widget(block, body);
        let [summary, legend, _, grid, hint] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        widgets::line(
            f,
            summary,
            Line::from(format!(
                "{n} items · {answered} answered · {} unanswered · {} flagged",
                n - answered,
                session.flagged().len()
            )),
        );
        widgets::line(
            f,
            legend,
            Line::styled(
                "● answered  ○ unanswered  ⚑ flagged  ✕ locked (a section you left)",
                Style::default().add_modifier(Modifier::DIM),
            ),
        );
        let cells: Vec<Cell> = session
            .items
            .iter()
            .map(|it| Cell {
                answered: it.response.is_some(),
                flagged: it.flagged,
                locked: it.locked,
            })
            .collect();
        self.selected = self.selected.min(n.saturating_sub(1));
        self.grid_columns = widgets::grid_columns(grid.width);
        widgets::review_grid(f, grid, &cells, self.selected);
        let picked = &session.items[self.selected];
        let hint_text = if picked.locked {
            format!("Item {} is locked: its section is behind you.", self.selected + 1)
        } else {
            format!(
                "Enter: go to item {} · type :goto N · Ctrl-S or :submit to finish",
                self.selected + 1
            )
        };
        widgets::line(
            f,
            hint,
            Line::styled(hint_text, Style::default().add_modifier(Modifier::DIM)),
        );
    }
}

/// A bordered pane of `lines` scrolled by `scroll` (clamped; returned), with a note in the
/// bottom border when there is more than fits.
fn pane(f: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'static>>, scroll: u16, keys: &str) -> u16 {
    let height = area.height.saturating_sub(2);
    let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let max = total.saturating_sub(height);
    let scroll = scroll.min(max);
    let mut block = Block::default().borders(Borders::ALL).title(Span::styled(
        title.to_owned(),
        Style::default().add_modifier(Modifier::BOLD),
    ));
    if max > 0 {
        let note = match (scroll > 0, scroll < max) {
            (true, true) => format!(" more above and below: {keys} "),
            (true, false) => format!(" more above: {keys} "),
            _ => format!(" more below: {keys} "),
        };
        block = block.title_bottom(Line::styled(note, Style::default().add_modifier(Modifier::DIM)));
    }
    f.render_widget(
        Paragraph::new(Text::from(lines)).block(block).scroll((scroll, 0)),
        area,
    );
    scroll
}
