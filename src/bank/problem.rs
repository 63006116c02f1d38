//! A problem found in a bank file, with its position.

use std::fmt;

use super::yaml::Pos;

/// How serious a problem is: errors fail `bank lint` (exit 1), notes never change the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The bank cannot be used until this is fixed.
    Error,
    /// Information, e.g. that weight ranges were normalised.
    Note,
}

/// One problem, printed as `path:line:column: subject: message`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Problem {
    /// The file as shown to the user.
    pub file: String,
    /// Where in the file.
    pub pos: Pos,
    /// Error or note.
    pub severity: Severity,
    /// What it is about, e.g. `question "az104-sas-003"`.
    pub subject: Option<String>,
    /// What is wrong and, when known, what to do.
    pub message: String,
}

impl Problem {
    /// Whether this problem fails validation.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Shown on terminals (`bank lint`, warnings): file names, subjects and messages quote bank text, so
/// every control character is escaped — checking an untrusted bank must not be an attack.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::text::sanitize_line;
        write!(
            f,
            "{}:{}:{}: ",
            sanitize_line(&self.file),
            self.pos.line,
            self.pos.column
        )?;
        if self.severity == Severity::Note {
            f.write_str("note: ")?;
        }
        if let Some(subject) = &self.subject {
            write!(f, "{}: ", sanitize_line(subject))?;
        }
        f.write_str(&sanitize_line(&self.message))
    }
}
