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

/// Parses a count (`--questions`, `--new`, `--limit`): a whole number, 0 or more. Clap reads
/// `-5` as an unknown flag and suggests `-- -5`; with `allow_negative_numbers` it lands here and
/// the learner reads what is wrong.
pub fn count_arg(s: &str) -> Result<usize, String> {
    match s.trim().parse::<i64>() {
        Ok(n) if n < 0 => Err(format!("{n} is negative: give a positive number")),
        Ok(n) => usize::try_from(n).map_err(|_| format!("{n} is too large")),
        Err(_) => Err(format!("\"{s}\" is not a whole number")),
    }
}

/// Parses a number of minutes (`--minutes`): more than 0, fractions allowed.
pub fn minutes_arg(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(m) if m.is_finite() && m > 0.0 => Ok(m),
        Ok(m) if m < 0.0 => Err(format!("{m} is negative: give a positive number of minutes")),
        Ok(_) => Err("give a positive number of minutes".to_owned()),
        Err(_) => Err(format!("\"{s}\" is not a number of minutes")),
    }
}

/// Parses a scaled score (1–1000) the same way.
pub fn score_arg(s: &str) -> Result<u32, String> {
    match s.trim().parse::<i64>() {
        Ok(n) if (1..=1000).contains(&n) => u32::try_from(n).map_err(|e| e.to_string()),
        Ok(n) if n < 0 => Err(format!("{n} is negative: a scaled score runs from 1 to 1000")),
        Ok(n) => Err(format!("{n} is outside 1–1000, the range of a scaled score")),
        Err(_) => Err(format!("\"{s}\" is not a whole number")),
    }
}

/// A progress bar for long work, on stderr: drawn only when stderr is a terminal and `--quiet` is
/// not given, and only once the work has taken half a second (quick commands never flash one).
pub struct Progress {
    bar: indicatif::ProgressBar,
    shown: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// How long work runs before its progress bar appears.
pub const PROGRESS_DELAY: std::time::Duration = std::time::Duration::from_millis(500);

impl Progress {
    /// A bar of `total` steps (0: a spinner for work that cannot count), hidden unless `enabled`.
    pub fn new(enabled: bool, total: u64, message: &str) -> Progress {
        use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
        let bar = if total == 0 {
            ProgressBar::new_spinner()
        } else {
            ProgressBar::new(total)
        };
        bar.set_draw_target(ProgressDrawTarget::hidden());
        let style = if total == 0 {
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
        } else {
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {wide_msg:.dim}")
        };
        if let Ok(style) = style {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(message.to_owned());
        let shown = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        if enabled {
            let (later, flag) = (bar.clone(), shown.clone());
            std::thread::spawn(move || {
                std::thread::sleep(PROGRESS_DELAY);
                if !later.is_finished() {
                    later.set_draw_target(ProgressDrawTarget::stderr());
                    later.enable_steady_tick(std::time::Duration::from_millis(120));
                    flag.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
        Progress { bar, shown }
    }

    /// Moves the bar to `position` with `detail` (what is being worked on).
    pub fn set(&self, position: u64, detail: &str) {
        self.bar.set_position(position);
        self.bar.set_message(detail.to_owned());
    }

    /// Whether the bar has been drawn.
    pub fn shown(&self) -> bool {
        self.shown.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
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

    #[test]
    fn negative_counts_say_they_must_be_positive() {
        use super::{count_arg, minutes_arg, score_arg};
        assert_eq!(count_arg("12"), Ok(12));
        assert!(count_arg("-5").is_err_and(|e| e.contains("negative")));
        assert!(count_arg("five").is_err_and(|e| e.contains("not a whole number")));
        assert_eq!(minutes_arg("0.5"), Ok(0.5));
        assert!(minutes_arg("-3").is_err_and(|e| e.contains("negative")));
        assert!(score_arg("-1").is_err_and(|e| e.contains("negative")));
        assert_eq!(score_arg("700"), Ok(700));
    }
}
