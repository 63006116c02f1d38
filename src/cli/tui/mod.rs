//! The full-screen terminal face of the timed exam and the drill (ratatui on its re-exported
//! crossterm), used when stdin and stdout are both terminals.
//!
//! This module owns the terminal itself — raw mode, the alternate screen, putting everything back
//! on every way out (a normal end, an error, a panic) — and the small pieces both screens share:
//! the answer line being edited, the wrapping of an item into lines of the pane's width, the key
//! help and message lines. The screens (`exam`, `drill`) hold no rule about the learner: every
//! action is a call on [`crate::engine::mock::MockRun`] or [`crate::engine::drill::DrillRun`].

pub mod drill;
pub mod exam;
mod widgets;

use std::io::{self, Stdout};
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::crossterm::{cursor, execute, terminal};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::bank::{Body, letter};
use crate::exam::response::display_response;
use crate::exam::session::SessionItem;
use crate::report::answer_hint;

/// The smallest window the screens are drawn in; below it they ask for a bigger one.
pub const MIN_COLUMNS: u16 = 60;
/// See [`MIN_COLUMNS`].
pub const MIN_ROWS: u16 = 16;

/// How long the loops wait for a key before they look at the clock again.
const TICK: Duration = Duration::from_millis(200);

/// The terminal in full-screen mode. Dropping it puts the terminal back as it was; a panic hook
/// does the same before the panic message is printed, so it is never lost on the alternate screen.
pub struct Screen {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Screen {
    /// Enters raw mode and the alternate screen.
    pub fn enter() -> io::Result<Screen> {
        install_panic_hook();
        terminal::enable_raw_mode()?;
        let entered = execute!(io::stdout(), terminal::EnterAlternateScreen)
            .and_then(|()| Terminal::new(CrosstermBackend::new(io::stdout())));
        match entered {
            Ok(terminal) => Ok(Screen { terminal }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }

    /// Draws one frame.
    pub fn draw(&mut self, render: impl FnOnce(&mut ratatui::Frame)) -> io::Result<()> {
        self.terminal.draw(render).map(|_| ())
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
    }
}

/// Leaves raw mode and the alternate screen and shows the cursor (errors ignored: there is
/// nothing better to do with them on the way out).
fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(io::stdout(), terminal::LeaveAlternateScreen, cursor::Show);
}

fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// Waits up to one tick for a key press (or a resize); `Ok(None)` when nothing came.
pub fn next_event() -> io::Result<Option<Event>> {
    if !event::poll(TICK)? {
        return Ok(None);
    }
    match event::read()? {
        Event::Key(k) if k.kind == KeyEventKind::Release => Ok(None),
        e => Ok(Some(e)),
    }
}

/// Whether `key` is Ctrl plus `c`.
pub fn ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
}

/// Removes control characters from a bank string before it reaches the terminal (banks are
/// untrusted): tabs become spaces, line breaks are kept, everything else is dropped.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            '\n' => Some('\n'),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// `H:MM:SS`, as the real exam's timer shows the time left.
pub fn timer_text(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
}

/// The line the learner is typing, with a cursor.
#[derive(Debug, Default)]
pub struct LineInput {
    text: Vec<char>,
    cursor: usize,
}

impl LineInput {
    /// The text typed so far.
    pub fn text(&self) -> String {
        self.text.iter().collect()
    }

    /// Whether nothing is typed.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Takes the line and clears it.
    pub fn take(&mut self) -> String {
        let line = self.text();
        self.clear();
        line
    }

    /// Empties the line.
    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
    }

    /// The cursor's column (in characters from the start of the line).
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Applies an editing key; returns false when the key is not an editing key.
    pub fn edit(&mut self, key: &KeyEvent) -> bool {
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match key.code {
            KeyCode::Char(c) if plain && !c.is_control() => {
                self.text.insert(self.cursor, c);
                self.cursor += 1;
            }
            KeyCode::Char('u') if ctrl(key, 'u') => self.clear(),
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                self.text.remove(self.cursor);
            }
            KeyCode::Delete if self.cursor < self.text.len() => {
                self.text.remove(self.cursor);
            }
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.text.len()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.text.len(),
            KeyCode::Backspace | KeyCode::Delete => {}
            _ => return false,
        }
        true
    }
}

/// A line for the message row: what was refused (and why), or what was done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The text, naming the input it is about.
    pub text: String,
    /// An error (shown in red) rather than a confirmation.
    pub error: bool,
}

impl Message {
    /// A refusal.
    pub fn error(text: impl Into<String>) -> Message {
        Message {
            text: text.into(),
            error: true,
        }
    }

    /// A confirmation or a note.
    pub fn note(text: impl Into<String>) -> Message {
        Message {
            text: text.into(),
            error: false,
        }
    }
}

/// Wraps `text` (paragraphs kept) to `width`, each line starting with `indent` after the first
/// line's own prefix `first`.
fn wrap_into(
    out: &mut Vec<Line<'static>>,
    text: &str,
    width: usize,
    first: &str,
    indent: &str,
    style: Style,
) {
    let options = textwrap::Options::new(width.max(10))
        .initial_indent(first)
        .subsequent_indent(indent);
    let clean = sanitize(text);
    for (n, paragraph) in clean.split('\n').enumerate() {
        let options = if n == 0 {
            options.clone()
        } else {
            options.clone().initial_indent(indent)
        };
        for line in textwrap::wrap(paragraph, options) {
            out.push(Line::styled(line.into_owned(), style));
        }
    }
}

/// Plain text wrapped to `width`.
pub fn wrap_text(text: &str, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    wrap_into(&mut out, text, width, "", "", Style::default());
    out
}

/// An item as the learner sees it, wrapped to `width`: the stem, the options with their displayed
/// letters, how to answer, and the answer given so far.
pub fn item_lines(item: &SessionItem, width: usize) -> Vec<Line<'static>> {
    let inst = &item.instance;
    let mut out = Vec::new();
    let plain = Style::default();
    wrap_into(
        &mut out,
        &inst.stem,
        width,
        "",
        "",
        Style::default().add_modifier(Modifier::BOLD),
    );
    out.push(Line::default());
    let option = |out: &mut Vec<Line<'static>>, label: String, text: &str, indent: &str| {
        wrap_into(out, text, width, &label, indent, plain);
    };
    match &inst.body {
        Body::Single { options } | Body::Multi { options } | Body::Order { options } => {
            for (d, c) in item.shuffle.options.iter().enumerate() {
                let text = options.get(*c).map_or("", String::as_str);
                option(&mut out, format!("  {}. ", letter(d)), text, "     ");
            }
        }
        Body::Match { prompts, options } => {
            for (p, prompt) in prompts.iter().enumerate() {
                option(&mut out, format!("  {}. ", p + 1), prompt, "     ");
            }
            out.push(Line::from("  Choices:"));
            for (d, c) in item.shuffle.options.iter().enumerate() {
                let text = options.get(*c).map_or("", String::as_str);
                option(&mut out, format!("    {}. ", letter(d)), text, "       ");
            }
        }
        Body::Dropdown { text, blanks } => {
            let shown = (1..=blanks.len()).fold(text.clone(), |t, n| {
                t.replace(&format!("[[{n}]]"), &format!("[ {n} ]"))
            });
            wrap_into(&mut out, &shown, width, "    ", "    ", plain);
            out.push(Line::default());
            for (b, choices) in blanks.iter().enumerate() {
                let order = item.shuffle.blanks.get(b);
                let listed: Vec<String> = (0..choices.len())
                    .map(|d| {
                        let c = order.and_then(|o| o.get(d)).copied().unwrap_or(d);
                        format!("{}. {}", letter(d), choices.get(c).map_or("", String::as_str))
                    })
                    .collect();
                option(
                    &mut out,
                    format!("  Blank {}: ", b + 1),
                    &listed.join("   "),
                    "     ",
                );
            }
        }
        Body::Yesno { statements } => {
            for (s, statement) in statements.iter().enumerate() {
                option(&mut out, format!("  {}. ", s + 1), statement, "     ");
            }
        }
    }
    out.push(Line::default());
    let dim = Style::default().add_modifier(Modifier::DIM);
    wrap_into(&mut out, &answer_hint(inst), width, "", "", dim);
    if let Some(r) = &item.response {
        out.push(Line::from(vec![
            Span::raw("Your answer: "),
            Span::styled(
                display_response(r, &item.shuffle),
                Style::default().add_modifier(Modifier::BOLD),
            ),
        ]));
    }
    out
}

/// The lines of an answer's feedback: right or not, the key, the explanation and references.
pub fn feedback_lines(
    correct: bool,
    right_answer: &str,
    points: (u32, u32),
    explanation: &str,
    refs: &[String],
    width: usize,
    colour: bool,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let (verdict, colour_style) = if correct {
        ("Right.".to_owned(), widgets::good(colour))
    } else {
        (
            format!(
                "Not quite. The right answer is {} ({} of {} points).",
                sanitize(right_answer),
                points.0,
                points.1
            ),
            widgets::bad(colour),
        )
    };
    wrap_into(&mut out, &verdict, width, "", "", colour_style);
    wrap_into(&mut out, explanation, width, "", "", Style::default());
    let dim = Style::default().add_modifier(Modifier::DIM);
    for r in refs {
        wrap_into(&mut out, r, width, "  ", "  ", dim);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn the_answer_line_edits_like_a_shell_line() {
        let mut line = LineInput::default();
        for c in "A,C".chars() {
            assert!(line.edit(&key(KeyCode::Char(c))));
        }
        line.edit(&key(KeyCode::Left));
        line.edit(&key(KeyCode::Backspace));
        assert_eq!(line.text(), "AC");
        line.edit(&key(KeyCode::Home));
        line.edit(&key(KeyCode::Char(':')));
        assert_eq!((line.text(), line.cursor()), (":AC".to_owned(), 1));
        assert!(line.edit(&KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)));
        assert!(line.is_empty());
        assert!(!line.edit(&KeyEvent::new(KeyCode::Char('f'), KeyModifiers::CONTROL)));
        assert!(!line.edit(&key(KeyCode::Enter)));
    }

    #[test]
    fn bank_text_loses_its_control_characters() {
        assert_eq!(sanitize("a\x1b[2Jb\tc\nd\r"), "a[2Jb c\nd");
    }

    #[test]
    fn the_timer_always_shows_hours() {
        assert_eq!(timer_text(0), "0:00:00");
        assert_eq!(timer_text(59), "0:00:59");
        assert_eq!(timer_text(7199), "1:59:59");
        assert_eq!(timer_text(-5), "0:00:00");
    }

    #[test]
    fn wrapped_text_keeps_words_whole_and_fits_the_width() {
        let lines = wrap_text("You must configure the storage account configuration now.", 20);
        for l in &lines {
            assert!(l.width() <= 20, "{l:?}");
        }
        let joined: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert!(joined.iter().any(|l| l.contains("configuration")), "{joined:?}");
    }
}
