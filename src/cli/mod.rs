//! The command line: clap types, terminal output, reading the clock once, and wiring.
//!
//! Each subcommand lives in its own file and only translates: arguments in, library calls, output
//! out. Results go to stdout; notes, warnings and progress go to stderr.

mod attempt;
mod bank;
mod config;
mod drill;
mod exam;
mod export;
mod input;
mod manual;
mod output;
mod plan;
mod serve;
mod signals;
mod sr;
mod tui;
mod variations;

use std::ffi::OsString;
use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::{DateTime, Datelike, Utc};
use clap::{Parser, Subcommand, ValueEnum};

use crate::engine::catalog::{BankSource, Catalog};
use crate::engine::settings::Settings;
use crate::engine::{Clock, EngineError, LearnerClock, Notice, SteppingClock, SystemClock};
use crate::store::Store;

pub use output::Paint;

/// retake: practice exams and spaced repetition for IT certification retakes.
///
/// Timed mock exams on the bundled AI-102 and AZ-104 banks (or your own) with Microsoft-style score
/// reports and a repair plan for what you missed.
#[derive(Debug, Parser)]
#[command(name = "retake", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// The learner's database [default: the platform data directory, e.g. ~/.local/share/retake/retake.db]
    #[arg(long, env = "RETAKE_DB", global = true, value_name = "PATH")]
    db: Option<PathBuf>,

    /// Load question banks from DIR instead of the banks bundled in the binary
    #[arg(long, env = "RETAKE_BANKS", global = true, value_name = "DIR")]
    banks: Option<PathBuf>,

    /// Print only results: no notes or progress on stderr
    #[arg(long, short, global = true)]
    quiet: bool,

    /// Seed for sampling, variants and shuffles, to replay a mock exam exactly
    #[arg(long, env = "RETAKE_SEED", global = true, value_name = "N")]
    seed: Option<u64>,

    /// When to use colour (NO_COLOR in the environment also turns it off)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,

    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Take timed mock exams and read their score reports
    #[command(subcommand)]
    Exam(exam::ExamCommand),
    /// Drill today's due cards and new ones on the FSRS-6 schedule
    Drill(drill::DrillArgs),
    /// Record real exam results and see when the retake rules allow the next attempt
    #[command(subcommand)]
    Attempt(attempt::AttemptCommand),
    /// A dated repair plan from your latest score report, with readiness
    Plan(plan::PlanArgs),
    /// Per-domain progress and mock history as a table, CSV, JSON, Markdown or HTML
    Progress(plan::ProgressArgs),
    /// Families in repair after a miss: what was missed, what comes next, a prompt to author variants
    Variations(variations::VariationsArgs),
    /// Scheduler quality and tuning: evaluate, optimize, forecast
    #[command(subcommand)]
    Sr(sr::SrCommand),
    /// Show or change your settings (retention, time zone, daily limits, FSRS parameters)
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Export your data and the banks: review log, Anki package, Moodle XML, GIFT
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Import cards from other tools (Anki's plain-text note export)
    #[command(subcommand)]
    Import(export::ImportCommand),
    /// Copy the database safely, even while another retake uses it
    Backup {
        /// The new backup file (never overwritten)
        file: PathBuf,
    },
    /// Check, count and describe question banks
    #[command(subcommand)]
    Bank(bank::BankCommand),
    /// Print a shell completion script (bash, zsh, fish or powershell)
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `retake man > retake.1`
    Man,
    /// The exam room in your browser: a local web app on 127.0.0.1 (prints the URL to open)
    Serve(serve::ServeArgs),
}

/// What every subcommand receives: validated global options and the clock reading.
#[derive(Debug)]
pub struct Context {
    db: Option<PathBuf>,
    banks: BankSource,
    quiet: bool,
    /// `--seed` / `RETAKE_SEED`, when given.
    pub seed: Option<u64>,
    /// Styling for stdout.
    pub out_paint: Paint,
    /// Styling for stderr.
    pub err_paint: Paint,
    /// The width results on stdout wrap to (terminal, `COLUMNS`, else 100).
    pub width: usize,
    /// The width notes and errors on stderr wrap to.
    pub err_width: usize,
    /// "Now", read once per command (honours `RETAKE_NOW`).
    pub now: DateTime<Utc>,
    /// `RETAKE_NOW` is set: live loops use a test clock instead of the system's.
    fixed: bool,
    /// `RETAKE_CLOCK_STEP`: how far the test clock moves at every read.
    step: chrono::Duration,
}

impl Context {
    /// The database path: `--db`, `RETAKE_DB`, else the platform data directory.
    pub fn db_path(&self) -> anyhow::Result<PathBuf> {
        match &self.db {
            Some(p) => Ok(p.clone()),
            None => crate::store::default_path().context(
                "cannot find a data directory for the database (no home directory?): pass --db PATH or set RETAKE_DB",
            ),
        }
    }

    /// Opens the store and brings its bank catalogue up to date, telling what changed.
    pub fn catalog(&self) -> anyhow::Result<Catalog> {
        let bar = self.progress(0, "importing question banks");
        let cat = crate::engine::catalog::open_with(&self.db_path()?, &self.banks, self.now, &mut |step| {
            if let Some(folder) = step.reading {
                bar.set(step.done as u64, &format!("importing {folder}"));
            }
        })?;
        drop(bar);
        self.tell(&cat.notices);
        Ok(cat)
    }

    /// Opens the store (no bank sync).
    pub fn store(&self) -> anyhow::Result<Store> {
        Ok(Store::open(&self.db_path()?)?)
    }

    /// The learner's settings and clock (warning about stored values that no longer apply).
    pub fn learner(&self, store: &Store) -> anyhow::Result<(Settings, LearnerClock)> {
        let (settings, clock, notices) = crate::engine::settings::learner(store, self.now)?;
        self.tell(&notices);
        Ok((settings, clock))
    }

    /// Prints what the engine said: notes unless `--quiet`, warnings always.
    pub fn tell(&self, notices: &[Notice]) {
        for n in notices {
            if n.warning {
                self.warn(&n.text);
            } else {
                self.note(&n.text);
            }
        }
    }

    /// The clock of live loops: the system clock, or with `RETAKE_NOW` a test clock that starts
    /// there and moves on by `RETAKE_CLOCK_STEP` seconds at every read (0: stopped).
    pub fn live_clock(&self) -> Box<dyn Clock> {
        if self.fixed {
            Box::new(SteppingClock::new(self.now, self.step))
        } else {
            Box::new(SystemClock)
        }
    }

    /// An unpredictable token naming this process as the driver of an attempt.
    pub fn driver_token(&self) -> String {
        use std::hash::{BuildHasher, Hasher};
        let random = |salt: u64| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(salt);
            h.write_u32(std::process::id());
            h.finish()
        };
        format!("{:016x}{:016x}", random(1), random(2))
    }

    /// Prints a note to stderr unless `--quiet`, wrapped to the width.
    pub fn note(&self, message: &str) {
        if !self.quiet {
            let text = crate::report::text::fill(message, self.err_width);
            say(&self.err_paint.dim(&text));
        }
    }

    /// Prints a warning to stderr (even with `--quiet`: it is about the result).
    pub fn warn(&self, message: &str) {
        let text = crate::report::text::fill_indented(message, self.err_width, "warning: ", "  ");
        let text = text.strip_prefix("warning: ").unwrap_or(&text);
        say(&format!("{} {text}", self.err_paint.yellow("warning:")));
    }

    /// Prints an error the learner can correct (a refused answer or move) to stderr.
    pub fn error(&self, message: &str) {
        let text = crate::report::text::fill_indented(message, self.err_width, "error: ", "  ");
        let text = text.strip_prefix("error: ").unwrap_or(&text);
        say(&format!("{} {text}", self.err_paint.red("error:")));
    }

    /// A progress bar on stderr for long work (see [`output::Progress`]): hidden with `--quiet`
    /// or when stderr is not a terminal.
    pub fn progress(&self, total: u64, message: &str) -> output::Progress {
        output::Progress::new(!self.quiet && io::stderr().is_terminal(), total, message)
    }

    /// Whether `--quiet` was given.
    pub fn quiet(&self) -> bool {
        self.quiet
    }
}

/// Writes a line to stderr. A closed stderr (`2>&1 | head`) is not worth a panic — `eprintln!`
/// panics on it — nor an error: the line is dropped.
pub fn say(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// A usage error: bad arguments that clap could not catch (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Reads the clock: `RETAKE_NOW` (RFC 3339, years 1970–9999) when set, else the system clock. The
/// only place the system clock is read for a command.
pub fn read_clock() -> anyhow::Result<DateTime<Utc>> {
    match std::env::var_os("RETAKE_NOW") {
        Some(v) => {
            let s = v.to_string_lossy();
            let t = DateTime::parse_from_rfc3339(s.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| {
                    UsageError(format!(
                        "RETAKE_NOW=\"{s}\" is not an RFC 3339 time ({e}): e.g. 2026-11-23T09:00:00Z"
                    ))
                })?;
            if !(1970..=9999).contains(&t.year()) {
                return Err(UsageError(format!(
                    "RETAKE_NOW=\"{s}\" is outside the years 1970–9999 that retake can store"
                ))
                .into());
            }
            Ok(t)
        }
        #[allow(clippy::disallowed_methods)]
        None => Ok(Utc::now()),
    }
}

/// `RETAKE_CLOCK_STEP=SECONDS`: how far the test clock moves at every read (with `RETAKE_NOW`).
fn read_clock_step() -> anyhow::Result<chrono::Duration> {
    match std::env::var_os("RETAKE_CLOCK_STEP") {
        None => Ok(chrono::Duration::zero()),
        Some(v) => {
            let s = v.to_string_lossy();
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && (0.0..=86_400.0).contains(x))
                .map(|x| chrono::Duration::milliseconds((x * 1000.0).round() as i64))
                .ok_or_else(|| {
                    UsageError(format!(
                        "RETAKE_CLOCK_STEP=\"{s}\" must be a number of seconds from 0 to 86400"
                    ))
                    .into()
                })
        }
    }
}

fn paint_for(choice: ColorChoice, is_terminal: bool) -> Paint {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    Paint::new(match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && !no_color,
    })
}

/// Writes a file by writing a temporary file beside it and renaming it into place, so a crash never
/// leaves half a file.
pub fn write_file_atomically(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomically_with(path, |w| Ok(w.write_all(bytes)?))
}

/// Streams `fill`'s output into a temporary file beside `path`, flushes it to disk and renames it
/// into place, so `path` is either the old file or the whole new one.
///
/// A character device or FIFO (`/dev/stdout`, a named pipe) is written to directly; see
/// [`crate::output_file`] for the guarantees.
pub fn write_atomically_with(
    path: &std::path::Path,
    fill: impl FnOnce(&mut dyn std::io::Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    Ok(crate::output_file::write_with(path, fill)?)
}

/// Parses `args` and runs the command; returns the exit code the process should end with.
pub fn run<I, T>(args: I) -> anyhow::Result<ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            e.print()?;
            return Ok(ExitCode::from(code));
        }
    };
    let ctx = Context {
        db: cli.db,
        banks: cli.banks.map_or(BankSource::Bundled, BankSource::Dir),
        quiet: cli.quiet,
        seed: cli.seed,
        out_paint: paint_for(cli.color, io::stdout().is_terminal()),
        err_paint: paint_for(cli.color, io::stderr().is_terminal()),
        width: output::width_of(&io::stdout(), io::stdout().is_terminal()),
        err_width: output::width_of(&io::stderr(), io::stderr().is_terminal()),
        now: read_clock()?,
        fixed: std::env::var_os("RETAKE_NOW").is_some(),
        step: read_clock_step()?,
    };
    match cli.command {
        Command::Exam(cmd) => exam::run(&ctx, cmd),
        Command::Drill(args) => drill::drill(&ctx, &args),
        Command::Attempt(cmd) => attempt::run(&ctx, cmd),
        Command::Plan(args) => plan::run_plan(&ctx, &args),
        Command::Progress(args) => plan::run_progress(&ctx, &args),
        Command::Variations(args) => variations::run(&ctx, &args),
        Command::Sr(cmd) => sr::run(&ctx, cmd),
        Command::Config(cmd) => config::run(&ctx, cmd),
        Command::Export(cmd) => export::export(&ctx, cmd),
        Command::Import(cmd) => export::import(&ctx, cmd),
        Command::Backup { file } => config::backup(&ctx, &file),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // Generated into memory: clap_complete panics when its writer fails (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "retake", &mut script);
            io::Write::write_all(&mut io::stdout().lock(), &script)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            manual::write_manual(&mut io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bank(cmd) => bank::run(&ctx, cmd),
        Command::Serve(args) => serve::run(&ctx, &args),
    }
}

/// The binary's entry point: runs the command line of this process and turns errors into
/// `retake: <message chain>` on stderr with exit code 1 (2 for usage errors). A closed pipe ends
/// the program quietly.
pub fn main() -> ExitCode {
    match run(std::env::args_os()) {
        Ok(code) => code,
        Err(err) => {
            let broken_pipe = err.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            let chain: Vec<String> = err.chain().map(ToString::to_string).collect();
            let width = output::width_of(&io::stderr(), io::stderr().is_terminal());
            say(&crate::report::text::fill_indented(
                &chain.join(": "),
                width,
                "retake: ",
                "  ",
            ));
            let usage = err.downcast_ref::<UsageError>().is_some()
                || err
                    .downcast_ref::<EngineError>()
                    .is_some_and(EngineError::is_usage);
            if usage {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
