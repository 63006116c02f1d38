//! Text for people at a given width: paragraphs wrapped at word boundaries, tables that shrink or
//! wrap their widest column, and local times that read like a calendar ("Fri 4 Dec 14:03").
//!
//! Pure: the face measures the width once (terminal, `COLUMNS`, else [`DEFAULT_WIDTH`]) and hands
//! it in. Lines only break at spaces and words are never split, so an unbreakable token (a URL, a
//! command line flag, a path) may stick out past the width rather than be cut in two.

use chrono::{DateTime, Datelike, FixedOffset};
use textwrap::{Options, WordSeparator, WordSplitter};

/// The width when neither a terminal nor `COLUMNS` says otherwise.
pub const DEFAULT_WIDTH: usize = 100;

/// The narrowest width honoured: below it text would read one word per line.
pub const MIN_WIDTH: usize = 20;

/// Wrapping options: break at spaces only, never inside a word (URLs, `--flags`, `AZ-104` stay
/// whole).
pub fn options(width: usize) -> Options<'static> {
    Options::new(width.max(MIN_WIDTH))
        .break_words(false)
        .word_separator(WordSeparator::AsciiSpace)
        .word_splitter(WordSplitter::NoHyphenation)
}

/// `text` wrapped to `width` (its own line breaks kept). Control characters are shown escaped: the
/// text may come from a bank and is bound for a terminal.
pub fn fill(text: &str, width: usize) -> String {
    textwrap::fill(&crate::text::sanitize(text), options(width))
}

/// `text` wrapped to `width`, the first line starting with `first` and the others with `rest`
/// (control characters escaped, as in [`fill`]).
pub fn fill_indented(text: &str, width: usize, first: &str, rest: &str) -> String {
    textwrap::fill(
        &crate::text::sanitize(text),
        options(width).initial_indent(first).subsequent_indent(rest),
    )
}

/// A line of `label` followed by `items` joined with `", "`, wrapped so that continuation lines
/// line up under the first item.
pub fn fill_list(label: &str, items: &[String], width: usize) -> String {
    let rest = " ".repeat(label.chars().count());
    fill_indented(&items.join(", "), width, label, &rest)
}

fn is_numeric(cell: &str) -> bool {
    !cell.is_empty()
        && cell
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '%' | '-' | '–' | '+' | '/'))
}

fn longest_word(cell: &str) -> usize {
    cell.split(' ').map(|w| w.chars().count()).max().unwrap_or(0)
}

/// Column widths: each column's longest cell, then, while the line is wider than `width`, the
/// widest column that can still shrink (down to its longest word) loses one column at a time.
fn column_widths(header: &[&str], rows: &[Vec<String>], width: usize) -> Vec<usize> {
    let cells = |i: usize| {
        std::iter::once(header[i]).chain(rows.iter().filter_map(move |r| r.get(i).map(String::as_str)))
    };
    let mut widths: Vec<usize> = (0..header.len())
        .map(|i| cells(i).map(|c| c.chars().count()).max().unwrap_or(0))
        .collect();
    let floors: Vec<usize> = (0..header.len())
        .map(|i| cells(i).map(longest_word).max().unwrap_or(0))
        .collect();
    let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len().saturating_sub(1);
    while total(&widths) > width {
        let Some(i) = (0..widths.len())
            .filter(|i| widths[*i] > floors[*i])
            .max_by_key(|i| (widths[*i], std::cmp::Reverse(*i)))
        else {
            break;
        };
        widths[i] -= 1;
    }
    widths
}

/// Left-aligned columns two spaces apart (numbers right-aligned) that fit `width`: the widest
/// columns wrap their cells at word boundaries onto extra lines of the same row.
pub fn table(header: &[&str], rows: &[Vec<String>], width: usize) -> String {
    // Cells are shown on a terminal: control characters in them are escaped.
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| crate::text::sanitize_line(c).into_owned())
                .collect()
        })
        .collect();
    let rows = rows.as_slice();
    let widths = column_widths(header, rows, width.max(MIN_WIDTH));
    let row_lines = |cells: Vec<&str>| -> String {
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let w = widths.get(i).copied().unwrap_or(0);
                if cell.chars().count() <= w {
                    vec![(*cell).to_owned()]
                } else {
                    textwrap::wrap(cell, options(w).width(w.max(1)))
                        .into_iter()
                        .map(|c| c.into_owned())
                        .collect()
                }
            })
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let mut out = String::new();
        for l in 0..height {
            let mut line = String::new();
            for (i, lines) in wrapped.iter().enumerate() {
                let cell = lines.get(l).map_or("", String::as_str);
                let pad = widths
                    .get(i)
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(cell.chars().count());
                if i > 0 {
                    line.push_str("  ");
                }
                if i > 0 && is_numeric(cells[i]) {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    };
    let mut out = row_lines(header.to_vec());
    for row in rows {
        out.push_str(&row_lines(
            row.iter().map(String::as_str).take(header.len()).collect(),
        ));
    }
    out
}

/// A local time as people read it: `Fri 4 Dec 14:03`, with the year when it is not the year of
/// `now` (`Tue 3 Dec 2024 09:00`).
pub fn human_time(t: DateTime<FixedOffset>, now: DateTime<FixedOffset>) -> String {
    if t.year() == now.year() {
        t.format("%a %-d %b %H:%M").to_string()
    } else {
        t.format("%a %-d %b %Y %H:%M").to_string()
    }
}

/// [`human_time`] of an RFC 3339 stamp (as the engine hands them to JSON); anything else is shown
/// as it is.
pub fn human_stamp(stamp: &str, now: DateTime<FixedOffset>) -> String {
    DateTime::parse_from_rfc3339(stamp).map_or_else(|_| stamp.to_owned(), |t| human_time(t, now))
}

/// `n` and the noun, singular for one: `1 item`, `3 items`.
pub fn count(n: u64, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// The widest line of `text`, in characters.
pub fn widest_line(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_breaks_at_spaces_and_keeps_urls_whole() {
        let url = "https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview";
        let text = format!("Read the configuration page {url} before you retake AZ-104 --questions 20.");
        let out = fill(&text, 30);
        assert!(out.lines().any(|l| l == url), "{out}");
        for l in out.lines().filter(|l| *l != url) {
            assert!(l.chars().count() <= 30, "{l}");
        }
        assert!(out.contains("AZ-104") && out.contains("--questions"));
        assert!(!out.contains("configu\n"));
    }

    #[test]
    fn a_table_that_fits_is_unchanged_and_numbers_align_right() {
        let rows = vec![
            vec!["storage".to_owned(), "4".to_owned()],
            vec!["networking".to_owned(), "12".to_owned()],
        ];
        assert_eq!(
            table(&["domain", "answered"], &rows, 100),
            "domain      answered\nstorage            4\nnetworking        12\n"
        );
    }

    #[test]
    fn a_wide_table_wraps_its_widest_column_to_fit() {
        let rows = vec![vec![
            "AZ-104".to_owned(),
            "120".to_owned(),
            "Microsoft Azure Administrator, the exam of the people who run Azure".to_owned(),
        ]];
        let out = table(&["exam", "minutes", "title"], &rows, 40);
        assert!(widest_line(&out) <= 40, "{out}");
        assert!(out.lines().count() > 2, "{out}");
        let words: Vec<&str> = out.split_whitespace().collect();
        assert!(
            words.contains(&"Administrator,") && words.contains(&"Azure"),
            "{out}"
        );
    }

    #[test]
    fn a_table_that_cannot_shrink_further_keeps_whole_words() {
        let rows = vec![vec!["unbreakable-token-here".to_owned(), "x".to_owned()]];
        let out = table(&["a", "b"], &rows, 10);
        assert!(out.contains("unbreakable-token-here"), "{out}");
    }

    #[test]
    fn human_times_read_like_a_calendar() -> Result<(), chrono::ParseError> {
        let now = DateTime::parse_from_rfc3339("2026-12-01T08:00:00+01:00")?;
        let t = DateTime::parse_from_rfc3339("2026-12-04T14:03:59+01:00")?;
        assert_eq!(human_time(t, now), "Fri 4 Dec 14:03");
        let old = DateTime::parse_from_rfc3339("2024-12-03T09:00:00+01:00")?;
        assert_eq!(human_time(old, now), "Tue 3 Dec 2024 09:00");
        assert_eq!(human_stamp("2026-12-04T14:03:00+01:00", now), "Fri 4 Dec 14:03");
        assert_eq!(human_stamp("yesterday", now), "yesterday");
        Ok(())
    }

    #[test]
    fn counts_use_the_singular_for_one() {
        assert_eq!(count(1, "item", "items"), "1 item");
        assert_eq!(count(0, "item", "items"), "0 items");
        assert_eq!(count(3, "item", "items"), "3 items");
    }
}
