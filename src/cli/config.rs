//! `retake config`, `retake backup` and `retake export revlog`: the learner's settings and the
//! safety of their data.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;

use super::Context;
use crate::engine::settings::{self, KEYS, Settings};

/// The `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Show a setting (or every setting)
    Get {
        /// The setting
        key: Option<String>,
        /// Print JSON (every setting with its value)
        #[arg(long)]
        json: bool,
    },
    /// Change a setting
    Set {
        /// The setting
        key: String,
        /// Its new value
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
}

/// Runs `retake config`.
pub fn run(ctx: &Context, cmd: ConfigCommand) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    let mut out = io::stdout().lock();
    match cmd {
        ConfigCommand::Get { json: true, .. } => {
            let (s, _) = Settings::load(&store)?;
            let map: serde_json::Map<String, serde_json::Value> = KEYS
                .iter()
                .map(|(k, _)| ((*k).to_owned(), json!(s.get(k).unwrap_or_default())))
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&serde_json::Value::Object(map))?
            )?;
        }
        ConfigCommand::Get { key: Some(key), .. } => {
            let (s, _) = ctx.learner(&store)?;
            writeln!(out, "{}", settings::get(&s, &key)?)?;
        }
        ConfigCommand::Get { key: None, .. } => {
            let (s, _) = ctx.learner(&store)?;
            for (key, about) in KEYS {
                writeln!(out, "{key} = {}", s.get(key).unwrap_or_default())?;
                writeln!(out, "    {}", ctx.out_paint.dim(about))?;
            }
        }
        ConfigCommand::Set { key, value } => {
            let normal = settings::set(&store, &key, &value)?;
            writeln!(out, "{key} = {normal}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `retake export revlog`: the review log in the `sr evaluate` CSV format.
pub fn export_revlog(ctx: &Context, output: Option<&PathBuf>) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    let write = |w: &mut dyn Write| -> anyhow::Result<()> {
        writeln!(w, "card_id,review_time,rating")?;
        store.each_review(|r| {
            let card = if r.card.contains([',', '"']) {
                format!("\"{}\"", r.card.replace('"', "\"\""))
            } else {
                r.card
            };
            let time = r.time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            Ok::<_, anyhow::Error>(writeln!(w, "{card},{time},{}", r.rating)?)
        })
    };
    match output {
        Some(path) => {
            super::write_atomically_with(path, write)?;
            ctx.note(&format!("wrote {}", path.display()));
        }
        None => {
            let mut out = io::BufWriter::new(io::stdout().lock());
            write(&mut out)?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `retake backup FILE`: a consistent copy of the database, safe while it is in use.
pub fn backup(ctx: &Context, target: &PathBuf) -> anyhow::Result<ExitCode> {
    let path = ctx.db_path()?;
    if std::fs::symlink_metadata(target).is_ok() {
        return Err(crate::output_file::OutputError::Exists {
            path: target.display().to_string(),
        }
        .into());
    }
    let store = ctx.store()?;
    crate::output_file::create_new_with(target, |tmp| store.backup_to(tmp, target))??;
    ctx.note(&format!("backed up {} to {}", path.display(), target.display()));
    Ok(ExitCode::SUCCESS)
}
