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

    /// Whether colour is on.
    pub fn is_enabled(self) -> bool {
        self.enabled
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
