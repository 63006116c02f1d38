//! `retake man`: the manual page (roff). clap_mangen writes the name, synopsis, description and
//! options; the sections people look for in a manual — how to answer, the colon commands, the
//! environment, the exit codes — are written here. Subcommands are listed as `retake exam …`
//! rather than as `retake-exam(1)` pages, which are not installed.

use std::io::{self, Write};

use clap::CommandFactory;

use super::Cli;

/// Writes the manual page to `out`.
pub fn write_manual(out: &mut dyn Write) -> io::Result<()> {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    // Rendered into memory first: a closed pipe must surface as an error, never half a page.
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    writeln!(page, ".SH \"SUBCOMMANDS\"")?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        writeln!(page, ".TP")?;
        writeln!(page, "\\fBretake {}\\fR", roff(sub.get_name()))?;
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        writeln!(page, "{}", roff(&about))?;
        let children: Vec<&str> = sub
            .get_subcommands()
            .map(clap::Command::get_name)
            .filter(|n| *n != "help")
            .collect();
        if !children.is_empty() {
            writeln!(page, ".br")?;
            writeln!(
                page,
                "{}",
                roff(&format!("Subcommands: {}.", children.join(", ")))
            )?;
        }
    }
    writeln!(
        page,
        "Each subcommand prints its own options with \\fBretake \\fIsubcommand\\fB \\-\\-help\\fR."
    )?;
    page.write_all(EXTRA.as_bytes())?;
    man.render_version_section(&mut page)?;
    out.write_all(&page)
}

/// Escapes text for roff: backslashes, and a leading dot or quote that would read as a request.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

const EXTRA: &str = r#".SH "ANSWERS"
During \fBretake exam start\fR, \fBexam resume\fR and \fBdrill\fR, type one answer per item, using the letters shown:
.TP
single choice
\fBB\fR
.TP
several choices
\fBA,C\fR (the hint says how many, e.g. "Choose 3 letters, e.g. A,C,D")
.TP
order
\fBC,A,B,D\fR
.TP
match
\fB1=B,2=A,3=C\fR
.TP
drop\-down blanks
one letter per blank, \fBB,A\fR
.TP
yes/no series
\fBY,N,Y\fR
.TP
flashcard
\fB1\fR to \fB4\fR (again, hard, good, easy)
.PP
An empty line skips the item. Letters may be separated by commas, spaces or semicolons, in either case. An answer that leaves some parts of a multi\-part item empty is accepted where the item allows it; empty parts score zero, as on the real exam. An invalid answer is refused with the reason, and the same item reads the next line.
.SH "COMMANDS"
Lines that start with a colon are commands:
.TP
\fB:flag\fR
mark or unmark the item for review
.TP
\fB:dispute\fR [\fInote\fR]
exclude the item from the score and list it in \fBretake bank disputes\fR
.TP
\fB:back\fR, \fB:next\fR
the previous or next item
.TP
\fB:goto\fR \fIN\fR
item \fIN\fR
.TP
\fB:review\fR
the review screen: unanswered, flagged and locked items
.TP
\fB:submit\fR
end the exam and print the score report (asks first on a terminal)
.TP
\fB:undo\fR, \fB:quit\fR
in a drill: take back the last grade; stop the session
.PP
When standard input is not a terminal, lines are read as a script and nothing asks for confirmation. End of input, Ctrl\-C, SIGTERM and SIGHUP leave the attempt saved and in progress: continue it with \fBretake exam resume\fR.
.SH "ENVIRONMENT"
.TP
\fBRETAKE_DB\fR
the learner's database (as \fB\-\-db\fR)
.TP
\fBRETAKE_BANKS\fR
a folder of question banks to use instead of the bundled ones (as \fB\-\-banks\fR)
.TP
\fBRETAKE_SEED\fR
the seed of sampling and shuffles (as \fB\-\-seed\fR)
.TP
\fBRETAKE_NOW\fR
"now" as an RFC 3339 time, fixed for the whole command (for tests and replays)
.TP
\fBRETAKE_CLOCK_STEP\fR
with \fBRETAKE_NOW\fR: seconds the clock moves at every read
.TP
\fBCOLUMNS\fR
the width text wraps to when standard output is not a terminal (default 100)
.TP
\fBNO_COLOR\fR
no colour when set and not empty
.TP
\fBTZ\fR
the time zone, when the \fBtimezone\fR setting is \fBsystem\fR
.SH "EXIT STATUS"
.TP
\fB0\fR
success (a failed mock exam is still a success of the command); also when output was cut short by a closed pipe
.TP
\fB1\fR
the command ran and found a problem (lint errors, a blocked retake with \fB\-\-check\fR, invalid bank data)
.TP
\fB2\fR
usage error
.TP
\fB129\fR, \fB130\fR, \fB143\fR
a live exam or drill stopped by SIGHUP, SIGINT or SIGTERM after saving
"#;

#[cfg(test)]
mod tests {
    #[test]
    fn the_manual_lists_subcommands_without_inventing_pages() -> std::io::Result<()> {
        let mut page = Vec::new();
        super::write_manual(&mut page)?;
        let page = String::from_utf8_lossy(&page);
        assert!(page.contains("retake exam"));
        assert!(!page.contains("retake\\-exam(1)"));
        assert!(page.contains(".SH \"EXIT STATUS\""));
        Ok(())
    }
}
