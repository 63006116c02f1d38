//! Making untrusted text safe to show on a terminal.
//!
//! Bank strings (and file names, stdin lines, stored notes) reach the terminal from people we do not
//! know. A terminal obeys control characters: `ESC ] 0 ;` retitles the window, `ESC ] 52 ;` writes
//! the clipboard, `ESC [ 2 J` clears the screen, a carriage return overwrites what was printed, and
//! bidirectional overrides reorder what is read. Every such character is shown visibly instead, as
//! Rust writes it (`\u{1b}`), so a learner sees that a bank holds it and nothing happens.
//!
//! Pure: no I/O. Used at the rendering edge — the report renderers, `bank lint`'s messages and the
//! command line's print sites — never on stored or exported data (exports have their own escaping).

use std::borrow::Cow;
use std::io::{self, BufRead};

/// Longest input line kept, in bytes: the rest of a longer line is read and dropped, so a
/// runaway paste cannot fill memory or the database.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Longest piece of input echoed back to a person in an error message, in characters.
pub const MAX_ECHO_CHARS: usize = 200;

/// Longest error message shown for one input line, in characters (a backstop: the input inside it
/// is already cut to [`MAX_ECHO_CHARS`]).
pub const MAX_MESSAGE_CHARS: usize = 2_000;

/// Whether `c` must not reach a terminal raw: C0 controls, DEL, C1 controls, and the Unicode
/// bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), plus the line
/// and paragraph separators that some terminals treat as newlines.
pub fn is_unsafe_char(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{2028}' | '\u{2029}')
}

/// Whether `s` holds a character [`sanitize`] would escape (newline and tab allowed).
pub fn has_control_chars(s: &str) -> bool {
    s.chars().any(|c| c != '\n' && c != '\t' && is_unsafe_char(c))
}

fn escape_where(s: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text for a terminal, keeping newlines and tabs: every other control character is written as
/// `\u{…}`. Borrowed (no copy) when nothing needs escaping.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c != '\n' && c != '\t' && is_unsafe_char(c))
}

/// One line for a terminal (a table cell, a name, an echo): newlines and tabs are escaped too.
pub fn sanitize_line(s: &str) -> Cow<'_, str> {
    escape_where(s, is_unsafe_char)
}

/// At most `max_chars` characters of `s`, with `…` and the number of characters left out when it
/// was cut (for echoing long input back to a person).
pub fn truncate_chars(s: &str, max_chars: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max_chars) {
        None => Cow::Borrowed(s),
        Some((cut, _)) => {
            let left_out = s[cut..].chars().count();
            Cow::Owned(format!("{}… ({left_out} more characters)", &s[..cut]))
        }
    }
}

/// One line from `r` into `buf` (newline included, as `read_until`), keeping at most `max` bytes of
/// it: the rest of the line is consumed and dropped. Returns the bytes consumed (0 at the end).
pub fn read_line_capped(r: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> io::Result<usize> {
    let mut consumed = 0;
    loop {
        let available = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(consumed);
        }
        let (used, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        let room = max.saturating_sub(buf.len());
        buf.extend_from_slice(&available[..used.min(room)]);
        r.consume(used);
        consumed += used;
        if done {
            return Ok(consumed);
        }
    }
}

/// Untrusted text for an error message: one line, control characters escaped, at most
/// [`MAX_ECHO_CHARS`] characters.
pub fn echo(s: &str) -> String {
    truncate_chars(&sanitize_line(s), MAX_ECHO_CHARS).into_owned()
}

/// An error message about an input line, for a terminal: control characters escaped, at most
/// [`MAX_MESSAGE_CHARS`] characters.
pub fn message(s: &str) -> String {
    truncate_chars(&sanitize(s), MAX_MESSAGE_CHARS).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escapes_terminal_sequences_visibly() {
        assert_eq!(sanitize("a\u{1b}]0;pwned\u{7}b"), "a\\u{1b}]0;pwned\\u{7}b");
        assert_eq!(sanitize("x\u{1b}[2J\r\0"), "x\\u{1b}[2J\\u{d}\\u{0}");
        assert_eq!(sanitize("C1 \u{9b}31m"), "C1 \\u{9b}31m");
        assert_eq!(sanitize("rtl \u{202e}txt"), "rtl \\u{202e}txt");
    }

    #[test]
    fn keeps_newlines_and_tabs_only_where_asked() {
        assert_eq!(sanitize("a\nb\tc"), "a\nb\tc");
        assert_eq!(sanitize_line("a\nb\tc"), "a\\u{a}b\\u{9}c");
        assert!(matches!(sanitize("plain é ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn detects_control_characters() {
        assert!(has_control_chars("a\u{1b}"));
        assert!(!has_control_chars("line\nnext\ttab"));
    }

    #[test]
    fn truncates_on_character_boundaries() {
        assert_eq!(truncate_chars("héllo", 10), "héllo");
        assert_eq!(truncate_chars("héllo", 2), "hé… (3 more characters)");
    }

    #[test]
    fn long_lines_are_capped_and_the_rest_dropped() -> io::Result<()> {
        let input = format!("{}\nnext\n", "x".repeat(100));
        let mut r = io::Cursor::new(input.into_bytes());
        let mut buf = Vec::new();
        assert_eq!(read_line_capped(&mut r, &mut buf, 10)?, 101);
        assert_eq!(buf, b"xxxxxxxxxx");
        buf.clear();
        read_line_capped(&mut r, &mut buf, 10)?;
        assert_eq!(buf, b"next\n");
        buf.clear();
        assert_eq!(read_line_capped(&mut r, &mut buf, 10)?, 0);
        Ok(())
    }

    proptest! {
        #[test]
        fn sanitized_text_has_no_control_byte(s in any::<String>()) {
            let line = sanitize_line(&s);
            prop_assert!(line.bytes().all(|b| b >= 0x20 && b != 0x7f));
            prop_assert!(!line.chars().any(is_unsafe_char));
            let text = sanitize(&s);
            prop_assert!(text.bytes().all(|b| b >= 0x20 && b != 0x7f || b == b'\n' || b == b'\t'));
        }
    }
}
