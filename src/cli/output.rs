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

/// Renders rows as left-aligned columns (numeric-looking cells right-aligned), two spaces apart.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cols = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(cols) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let numeric = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | '%' | '-' | '–'))
    };
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i > 0 {
                out.push_str("  ");
            }
            if numeric(cell) && i > 0 {
                out.push_str(&" ".repeat(pad));
                out.push_str(cell);
            } else {
                out.push_str(cell);
                if i + 1 < cells.len() {
                    out.push_str(&" ".repeat(pad));
                }
            }
        }
        out.trim_end().to_owned()
    };
    let mut out = line(header.to_vec());
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}
