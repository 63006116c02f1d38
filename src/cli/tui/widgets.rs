//! The small components both screens are made of, each drawing itself into the area it is given:
//! the header with the timer, the message line, the answer line, the key help, the review grid,
//! a confirmation dialog and the "window too small" notice.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{LineInput, MIN_COLUMNS, MIN_ROWS, Message};

/// The style of good news (green when colour is on, bold always).
pub fn good(colour: bool) -> Style {
    let s = Style::default().add_modifier(Modifier::BOLD);
    if colour { s.fg(Color::Green) } else { s }
}

/// The style of bad news and refusals (red when colour is on, bold always).
pub fn bad(colour: bool) -> Style {
    let s = Style::default().add_modifier(Modifier::BOLD);
    if colour { s.fg(Color::Red) } else { s }
}

/// The style of a warning (yellow when colour is on, bold always).
pub fn warn(colour: bool) -> Style {
    let s = Style::default().add_modifier(Modifier::BOLD);
    if colour { s.fg(Color::Yellow) } else { s }
}

/// The top row: a title on the left, `right` (the timer) on the right.
pub fn header(frame: &mut Frame, area: Rect, title: &str, right: Span<'static>) {
    let right_width = u16::try_from(right.width()).unwrap_or(area.width).min(area.width);
    let left = Rect {
        width: area.width.saturating_sub(right_width + 1),
        ..area
    };
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(
            title.to_owned(),
            Style::default().add_modifier(Modifier::BOLD),
        ))),
        left,
    );
    frame.render_widget(
        Paragraph::new(Line::from(right)).alignment(Alignment::Right),
        area,
    );
}

/// A one-line text (dimmed when `dim`), cut at the area's width.
pub fn line(frame: &mut Frame, area: Rect, text: Line<'static>) {
    frame.render_widget(Paragraph::new(text), area);
}

/// The message row: the last refusal or confirmation, kept until the learner's next action.
pub fn message(frame: &mut Frame, area: Rect, message: Option<&Message>, colour: bool) {
    let Some(m) = message else {
        return;
    };
    let style = if m.error { bad(colour) } else { Style::default() };
    let prefix = if m.error { "✗ " } else { "✓ " };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(prefix, style),
            Span::styled(m.text.clone(), style),
        ]))
        .wrap(Wrap { trim: false }),
        area,
    );
}

/// The answer line: a prompt and what is typed, with the terminal cursor placed in it. A line
/// longer than the area scrolls so the cursor stays visible.
pub fn answer_line(frame: &mut Frame, area: Rect, prompt: &str, input: &LineInput, show_cursor: bool) {
    let prompt_width = u16::try_from(prompt.chars().count()).unwrap_or(0);
    let room = usize::from(area.width.saturating_sub(prompt_width + 1)).max(1);
    let text: Vec<char> = input.text().chars().collect();
    let start = input.cursor().saturating_sub(room.saturating_sub(1));
    let visible: String = text.iter().skip(start).take(room).collect();
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(prompt.to_owned(), Style::default().add_modifier(Modifier::BOLD)),
            Span::raw(visible),
        ])),
        area,
    );
    if show_cursor {
        let x = area.x + prompt_width + u16::try_from(input.cursor() - start).unwrap_or(0);
        frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
    }
}

/// The key help: `key action` pairs, as many as fit the width (the first ones matter most).
pub fn key_help(frame: &mut Frame, area: Rect, keys: &[(&str, &str)]) {
    let mut spans = Vec::new();
    let mut used = 0usize;
    for (key, action) in keys {
        let width = key.chars().count() + 1 + action.chars().count() + if spans.is_empty() { 0 } else { 2 };
        if used + width > usize::from(area.width) {
            break;
        }
        if !spans.is_empty() {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(
            (*key).to_owned(),
            Style::default().add_modifier(Modifier::REVERSED),
        ));
        spans.push(Span::styled(
            format!(" {action}"),
            Style::default().add_modifier(Modifier::DIM),
        ));
        used += width;
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// One item in the review grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// Answered.
    pub answered: bool,
    /// Marked for review.
    pub flagged: bool,
    /// In a section the learner has left.
    pub locked: bool,
}

/// Characters a grid cell takes.
pub const CELL_WIDTH: u16 = 9;

/// How many cells fit on a row of `width`.
pub fn grid_columns(width: u16) -> usize {
    usize::from((width / CELL_WIDTH).max(1))
}

/// The review grid: every item numbered, answered `●` or not `○`, flagged `⚑`, locked `✕`; the
/// selected one between `>` and `<`, reversed. Returns the first row shown (the grid scrolls to
/// keep the selection visible).
pub fn review_grid(frame: &mut Frame, area: Rect, cells: &[Cell], selected: usize) {
    let columns = grid_columns(area.width);
    let rows_needed = cells.len().div_ceil(columns);
    let selected_row = selected / columns;
    let height = usize::from(area.height.max(1));
    let first_row = if rows_needed <= height {
        0
    } else {
        selected_row.saturating_sub(height - 1)
    };
    let mut lines = Vec::new();
    for row in cells.chunks(columns).skip(first_row).take(height) {
        let mut spans = Vec::new();
        for (k, cell) in row.iter().enumerate() {
            let index = (first_row + lines.len()) * columns + k;
            let picked = index == selected;
            let state = if cell.locked {
                '✕'
            } else if cell.answered {
                '●'
            } else {
                '○'
            };
            let flag = if cell.flagged { '⚑' } else { ' ' };
            let (l, r) = if picked { ('>', '<') } else { (' ', ' ') };
            let mut style = Style::default();
            if picked {
                style = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
            } else if cell.locked {
                style = style.add_modifier(Modifier::DIM);
            }
            spans.push(Span::styled(
                format!("{l}{:>3} {state}{flag}{r}", index + 1),
                style,
            ));
            spans.push(Span::raw(" "));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(Text::from(lines)), area);
}

/// A confirmation box in the middle of `area`: a title, the question, and the keys.
pub fn dialog(frame: &mut Frame, area: Rect, title: &str, body: &str, colour: bool) {
    let width = area.width.saturating_sub(4).min(64);
    let inner = usize::from(width.saturating_sub(4)).max(10);
    let mut lines = super::wrap_text(body, inner);
    lines.push(Line::default());
    lines.push(Line::from(vec![
        Span::styled(" y ", Style::default().add_modifier(Modifier::REVERSED)),
        Span::raw(" yes    "),
        Span::styled(" n ", Style::default().add_modifier(Modifier::REVERSED)),
        Span::raw(" / "),
        Span::styled(" Esc ", Style::default().add_modifier(Modifier::REVERSED)),
        Span::raw(" no"),
    ]));
    let height = (u16::try_from(lines.len()).unwrap_or(area.height) + 2).min(area.height);
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(Text::from(lines)).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(warn(colour))
                .title(Span::styled(format!(" {title} "), warn(colour)))
                .padding(ratatui::widgets::Padding::horizontal(1)),
        ),
        rect,
    );
}

/// Whether the frame is too small to draw a screen in.
pub fn too_small(area: Rect) -> bool {
    area.width < MIN_COLUMNS || area.height < MIN_ROWS
}

/// The notice drawn instead of a screen in a window smaller than the minimum.
pub fn too_small_notice(frame: &mut Frame, area: Rect) {
    let text = format!(
        "This window is {}×{}: make it at least {MIN_COLUMNS}×{MIN_ROWS} to go on. (Ctrl-C saves and quits.)",
        area.width, area.height
    );
    let lines = super::wrap_text(&text, usize::from(area.width.max(1)));
    let height = u16::try_from(lines.len()).unwrap_or(area.height).min(area.height);
    let rect = Rect {
        y: area.y + area.height.saturating_sub(height) / 2,
        height,
        ..area
    };
    frame.render_widget(
        Paragraph::new(Text::from(lines)).alignment(Alignment::Center),
        rect,
    );
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;

    fn rows(terminal: &Terminal<TestBackend>) -> Vec<String> {
        let buffer = terminal.backend().buffer();
        (0..buffer.area.height)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol().to_owned())
                    .collect::<String>()
            })
            .collect()
    }

    #[test]
    fn the_review_grid_marks_states_and_the_selection() -> std::io::Result<()> {
        let mut terminal = Terminal::new(TestBackend::new(30, 3))?;
        let cells = [
            Cell {
                answered: true,
                flagged: false,
                locked: false,
            },
            Cell {
                answered: false,
                flagged: true,
                locked: false,
            },
            Cell {
                answered: true,
                flagged: false,
                locked: true,
            },
            Cell {
                answered: false,
                flagged: false,
                locked: false,
            },
        ];
        terminal.draw(|f| review_grid(f, f.area(), &cells, 1))?;
        let rows = rows(&terminal);
        assert_eq!(grid_columns(30), 3);
        assert!(rows[0].starts_with("   1 ●   >  2 ○⚑<    3 ✕"), "{rows:?}");
        assert!(rows[1].starts_with("   4 ○"), "{rows:?}");
        Ok(())
    }

    #[test]
    fn key_help_drops_what_does_not_fit() -> std::io::Result<()> {
        let mut terminal = Terminal::new(TestBackend::new(24, 1))?;
        terminal.draw(|f| key_help(f, f.area(), &[("Tab", "next"), ("^F", "flag"), ("^R", "review")]))?;
        let rows = rows(&terminal);
        assert_eq!(rows[0].trim_end(), "Tab next  ^F flag");
        Ok(())
    }

    #[test]
    fn a_small_window_is_asked_to_grow() -> std::io::Result<()> {
        let mut terminal = Terminal::new(TestBackend::new(40, 10))?;
        terminal.draw(|f| {
            assert!(too_small(f.area()));
            too_small_notice(f, f.area());
        })?;
        let all = rows(&terminal).join("\n");
        assert!(all.contains("40×10"), "{all}");
        assert!(all.contains("60×16"), "{all}");
        Ok(())
    }
}
