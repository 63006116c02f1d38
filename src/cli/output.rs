//! Terminal styling: colour only when wanted (a terminal, `--color`, `NO_COLOR`), and simple
//! aligned tables.

use anstyle::{AnsiColor, Style};

/// Applies styles when colour is on and returns text unchanged otherwise.
#[derive(Clone, Copy, Debug)]
pub struct Paint {
    enabled: bool,
}

impl Paint {
    /// A painter that styles when `enabled`.
    pub fn new(enabled: bool) -> Self {
        Paint { enabled }
    }

    fn apply(self, style: Style, text: &str) -> String {
        if self.enabled {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_owned()
        }
    }

    /// Bold text.
    pub fn bold(self, text: &str) -> String {
        self.apply(Style::new().bold(), text)
    }

    /// Dimmed text.
    pub fn dim(self, text: &str) -> String {
        self.apply(Style::new().dimmed(), text)
    }

    /// Red text (errors, FAIL).
    pub fn red(self, text: &str) -> String {
        self.apply(Style::new().fg_color(Some(AnsiColor::Red.into())).bold(), text)
    }

    /// Green text (PASS, no problems).
    pub fn green(self, text: &str) -> String {
        self.apply(Style::new().fg_color(Some(AnsiColor::Green.into())).bold(), text)
    }

    /// Yellow text (warnings).
    pub fn yellow(self, text: &str) -> String {
        self.apply(Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold(), text)
    }

    /// Cyan text (notes).
    pub fn cyan(self, text: &str) -> String {
        self.apply(Style::new().fg_color(Some(AnsiColor::Cyan.into())), text)
    }
}

pub use crate::report::plain_table as table;

/// The width text for people wraps to on a stream: the terminal's width when the stream is a
/// terminal, else `COLUMNS` when it holds a number, else 100 (DESIGN §2 "Width").
pub fn width_of(stream: &impl std::os::fd::AsFd, is_terminal: bool) -> usize {
    let columns = std::env::var("COLUMNS").ok();
    let terminal = is_terminal
        .then(|| terminal_size::terminal_size_of(stream.as_fd()))
        .flatten()
        .map(|(w, _)| usize::from(w.0));
    choose_width(terminal, columns.as_deref())
}

/// The rule of [`width_of`], apart from the measuring.
fn choose_width(terminal: Option<usize>, columns: Option<&str>) -> usize {
    use crate::report::text::{DEFAULT_WIDTH, MIN_WIDTH};
    terminal
        .filter(|w| *w > 0)
        .or_else(|| {
            columns
                .and_then(|c| c.trim().parse::<usize>().ok())
                .filter(|w| *w > 0)
        })
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

/// A time as people read it in the learner's zone ("Fri 4 Dec 14:03"); JSON and CSV keep RFC 3339
/// (`LearnerClock::stamp`).
pub fn human(clock: &crate::engine::LearnerClock, t: chrono::DateTime<chrono::Utc>) -> String {
    crate::report::text::human_time(clock.zone.local(t), clock.zone.local(clock.now))
}

#[cfg(test)]
mod tests {
    use super::choose_width;

    #[test]
    fn the_terminal_wins_then_columns_then_100() {
        assert_eq!(choose_width(Some(132), Some("80")), 132);
        assert_eq!(choose_width(None, Some("80")), 80);
        assert_eq!(choose_width(None, Some(" 72 ")), 72);
        assert_eq!(choose_width(None, Some("wide")), 100);
        assert_eq!(choose_width(None, Some("0")), 100);
        assert_eq!(choose_width(None, None), 100);
        assert_eq!(choose_width(None, Some("5")), 20);
    }
}
