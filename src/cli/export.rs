//! `retake export anki|moodle-xml|gift|revlog` and `retake import anki-csv`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, anyhow};
use clap::Subcommand;

use super::{Context, UsageError, write_file_atomically};
use crate::bank::Bank;
use crate::bank::load::ExamFolder;
use crate::interchange::{self, Skipped};

/// The `export` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Your review log as CSV (card_id, review_time, rating), the format `sr evaluate` reads
    Revlog {
        /// Write to FILE instead of standard output
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// An Anki package (.apkg): one deck per domain, stable note ids so re-exports update
    Anki {
        /// The exam
        exam: String,
        /// The package to write (default: EXAM.apkg)
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Only these domains (repeatable)
        #[arg(long = "domain", value_name = "ID")]
        domains: Vec<String>,
    },
    /// The exam's questions as Moodle XML, for a Moodle question bank
    MoodleXml {
        /// The exam
        exam: String,
        /// Write to FILE instead of standard output
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The exam's questions in Moodle's GIFT format
    Gift {
        /// The exam
        exam: String,
        /// Write to FILE instead of standard output
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// The `import` subcommands.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Turn an Anki "Notes in Plain Text" export into flashcards in a bank file
    AnkiCsv {
        /// The Anki export (.txt or .csv)
        file: PathBuf,
        /// The exam the flashcards belong to
        #[arg(long, value_name = "CODE")]
        exam: String,
        /// Their domain
        #[arg(long, value_name = "ID")]
        domain: String,
        /// Their category
        #[arg(long, value_name = "ID")]
        category: String,
        /// The bank file to write (default: anki-CATEGORY.yaml in the exam's folder of --banks, else here)
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// The bank of an exam from the active source, with its folder.
fn bank_of(ctx: &Context, code: &str) -> anyhow::Result<(Bank, ExamFolder)> {
    let mut codes = Vec::new();
    for folder in ctx.banks.folders()? {
        match folder.validate() {
            Ok((bank, _, _)) if bank.exam.code.eq_ignore_ascii_case(code) => return Ok((bank, folder)),
            Ok((bank, _, _)) => codes.push(bank.exam.code),
            Err(_) => {}
        }
    }
    Err(UsageError(format!(
        "no valid exam \"{code}\" in the banks (available: {}); run `retake bank lint` to see problems",
        codes.join(", ")
    ))
    .into())
}

fn report_skipped(ctx: &Context, format: &str, skipped: &[Skipped]) {
    if skipped.is_empty() {
        return;
    }
    ctx.note(&format!(
        "{} {} a note about {format}:",
        crate::report::text::count(skipped.len() as u64, "item", "items"),
        if skipped.len() == 1 { "needs" } else { "need" }
    ));
    for s in skipped {
        ctx.note(&format!("  {}: {}", s.id, s.reason));
    }
}

fn emit(ctx: &Context, output: Option<&PathBuf>, text: &str) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            write_file_atomically(path, text.as_bytes())?;
            ctx.note(&format!("wrote {}", path.display()));
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(())
}

/// Runs an `export` subcommand.
pub fn export(ctx: &Context, cmd: ExportCommand) -> anyhow::Result<ExitCode> {
    // A spinner for exports that take long (a large bank, an Anki package); cleared at the end.
    let _bar = ctx.progress(0, "exporting");
    match cmd {
        ExportCommand::Revlog { output } => super::config::export_revlog(ctx, output.as_ref()),
        ExportCommand::MoodleXml { exam, output } => {
            let (bank, _) = bank_of(ctx, &exam)?;
            let (text, skipped) = interchange::moodle_xml(&bank);
            emit(ctx, output.as_ref(), &text)?;
            report_skipped(ctx, "Moodle XML", &skipped);
            Ok(ExitCode::SUCCESS)
        }
        ExportCommand::Gift { exam, output } => {
            let (bank, _) = bank_of(ctx, &exam)?;
            let (text, skipped) = interchange::gift(&bank);
            emit(ctx, output.as_ref(), &text)?;
            report_skipped(ctx, "GIFT", &skipped);
            Ok(ExitCode::SUCCESS)
        }
        ExportCommand::Anki {
            exam,
            output,
            domains,
        } => {
            let (bank, _) = bank_of(ctx, &exam)?;
            for d in &domains {
                if bank.exam.domain(d).is_none() {
                    return Err(UsageError(format!("{} has no domain \"{d}\"", bank.exam.code)).into());
                }
            }
            let notes = interchange::anki_notes(&bank, &domains);
            let target = output.unwrap_or_else(|| PathBuf::from(format!("{}.apkg", bank.exam.code)));
            write_apkg(&target, &notes, ctx.now.timestamp_millis())?;
            let decks: std::collections::BTreeSet<&str> = notes.iter().map(|n| n.deck.as_str()).collect();
            ctx.note(&format!(
                "wrote {} notes in {} decks to {}",
                notes.len(),
                decks.len(),
                target.display()
            ));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Packs a collection and an empty media map into an `.apkg` (a zip), renamed into place whole.
fn write_apkg(target: &Path, notes: &[interchange::AnkiNote], now_ms: i64) -> anyhow::Result<()> {
    let work = tempfile::tempdir().context("creating a temporary folder")?;
    let collection = work.path().join("collection.anki2");
    crate::store::anki::write_collection(&collection, notes, now_ms)?;
    let bytes = std::fs::read(&collection).context("reading the collection back")?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("collection.anki2", options)
        .map_err(|e| anyhow!("zip: {e}"))?;
    zip.write_all(&bytes)?;
    zip.start_file("media", options)
        .map_err(|e| anyhow!("zip: {e}"))?;
    zip.write_all(b"{}")?;
    let cursor = zip.finish().map_err(|e| anyhow!("zip: {e}"))?;
    write_file_atomically(target, cursor.get_ref())
}

/// Runs an `import` subcommand.
pub fn import(ctx: &Context, cmd: ImportCommand) -> anyhow::Result<ExitCode> {
    let ImportCommand::AnkiCsv {
        file,
        exam,
        domain,
        category,
        output,
    } = cmd;
    let (bank, folder) = bank_of(ctx, &exam)?;
    if bank
        .exam
        .domain(&domain)
        .and_then(|d| d.category(&category))
        .is_none()
    {
        return Err(UsageError(format!(
            "{} has no category \"{category}\" in a domain \"{domain}\" (see `retake bank stats {}`)",
            bank.exam.code, bank.exam.code
        ))
        .into());
    }
    let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let notes = interchange::parse_anki_text(&text).map_err(|e| anyhow!("{}:{e}", file.display()))?;
    if notes.is_empty() {
        return Err(anyhow!("{} holds no notes", file.display()));
    }
    let on_disk = !folder.key.starts_with("embedded:");
    let target = match output {
        Some(p) => p,
        None => {
            let dir = if on_disk {
                PathBuf::from(&folder.display)
            } else {
                PathBuf::from(".")
            };
            let mut candidate = dir.join(format!("anki-{category}.yaml"));
            let mut n = 2;
            while candidate.exists() {
                candidate = dir.join(format!("anki-{category}-{n}.yaml"));
                n += 1;
            }
            candidate
        }
    };
    if target.exists() {
        return Err(anyhow!(
            "{} already exists: choose another file with -o (retake never overwrites a bank file)",
            target.display()
        ));
    }
    let prefix = format!(
        "{}-anki-{category}",
        bank.exam.code.to_ascii_lowercase().replace('-', "")
    );
    let used = bank
        .questions
        .iter()
        .map(|q| q.id.as_str())
        .chain(bank.flashcards.iter().map(|c| c.id.as_str()))
        .filter(|id| id.starts_with(&prefix))
        .count();
    let cards = interchange::flashcards_from(&notes, &prefix, &domain, &category, used);
    write_file_atomically(&target, crate::bank::write::file_yaml(&[], &cards).as_bytes())?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Wrote {} flashcards ({}-{:03} …) to {}",
        cards.len(),
        prefix,
        used + 1,
        target.display()
    )?;
    if !on_disk {
        writeln!(
            out,
            "Move it into your bank's {} folder and point --banks at that bank to use it.",
            bank.exam.code
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
