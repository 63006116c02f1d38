//! `retake sr evaluate|optimize|forecast`: scheduler quality and tuning.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, anyhow};
use clap::Subcommand;
use serde_json::json;

use super::{Context, UsageError};
use crate::engine::settings::Settings;
use crate::schedule::{self, DayClock, PARAMETER_COUNT};
use crate::store::Store;
use crate::zone::Zone;

/// The `sr` subcommands.
#[derive(Debug, Subcommand)]
pub enum SrCommand {
    /// Score the scheduler's predictions on a review log: log loss, RMSE(bins), AUC
    Evaluate {
        /// A revlog CSV (card_id, review_time, rating); default: your own review history
        #[arg(long, value_name = "CSV")]
        revlog: Option<PathBuf>,
        /// The learner's UTC offset for day boundaries, e.g. -07:00 (default: your setting)
        #[arg(long, value_name = "±HH:MM", allow_hyphen_values = true)]
        timezone: Option<String>,
        /// Hour a new day starts (default: your setting, 4)
        #[arg(long, value_name = "H")]
        day_starts_at: Option<u32>,
        /// FSRS parameters to evaluate (21 numbers; default: yours)
        #[arg(long, value_name = "FILE")]
        params: Option<PathBuf>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Fit FSRS parameters to a review history (yours are stored unless --dry-run)
    Optimize {
        /// Revlog CSVs to fit (only reported, never stored); default: your own history
        #[arg(long, value_name = "CSV")]
        revlog: Vec<PathBuf>,
        /// The learner's UTC offset for day boundaries, e.g. -07:00
        #[arg(long, value_name = "±HH:MM", allow_hyphen_values = true)]
        timezone: Option<String>,
        /// Hour a new day starts
        #[arg(long, value_name = "H")]
        day_starts_at: Option<u32>,
        /// Report without storing
        #[arg(long)]
        dry_run: bool,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Due families per day for the next 30 days
    Forecast {
        /// Only this exam
        exam: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

/// Parses `±HH:MM` (or `Z`) for `--timezone`.
pub fn parse_offset(s: &str) -> Result<Zone, UsageError> {
    if s.trim().eq_ignore_ascii_case("z") || s.trim().eq_ignore_ascii_case("utc") {
        return Ok(Zone::utc());
    }
    crate::zone::parse_offset(s.trim())
        .map(Zone::Fixed)
        .ok_or_else(|| {
            UsageError(format!(
                "time zone \"{s}\" must be an offset like -07:00 or +05:30"
            ))
        })
}

/// The settings, and the store when it is needed (`need_store`) or when the database exists.
fn settings_and_store(ctx: &Context, need_store: bool) -> anyhow::Result<(Settings, Option<Store>)> {
    let path = ctx.db_path()?;
    if !need_store && !path.exists() {
        return Ok((Settings::default(), None));
    }
    let store = Store::open(&path)?;
    let settings = if need_store {
        ctx.learner(&store)?.0
    } else {
        Settings::default()
    };
    Ok((settings, Some(store)))
}

/// Reads FSRS parameters from a file: 21 numbers, as a JSON array or separated by commas/spaces.
pub fn read_parameters(path: &Path) -> anyhow::Result<Vec<f32>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let numbers: Result<Vec<f32>, _> = text
        .split(|c: char| c == ',' || c == '[' || c == ']' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(str::parse::<f32>)
        .collect();
    let numbers =
        numbers.map_err(|e| anyhow!("{}: {e}: write 21 numbers separated by commas", path.display()))?;
    if numbers.len() != PARAMETER_COUNT {
        return Err(anyhow!(
            "{} holds {} numbers; FSRS-6 needs {PARAMETER_COUNT}",
            path.display(),
            numbers.len()
        ));
    }
    Ok(numbers)
}

fn revlog_histories(paths: &[PathBuf], clock: DayClock) -> anyhow::Result<Vec<Vec<(i64, u8)>>> {
    let mut all = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the revlog {}", path.display()))?;
        let mut reviews = schedule::parse_revlog(&text).map_err(|e| anyhow!("{}:{e}", path.display()))?;
        // Cards of different files never mix.
        for r in &mut reviews {
            r.card = format!("{}\u{1f}{}", path.display(), r.card);
        }
        all.extend(reviews);
    }
    Ok(schedule::histories(&all, clock))
}

/// Runs an `sr` subcommand.
pub fn run(ctx: &Context, cmd: SrCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SrCommand::Evaluate {
            revlog,
            timezone,
            day_starts_at,
            params,
            json,
        } => {
            let (settings, store) = settings_and_store(ctx, revlog.is_none())?;
            let clock = DayClock {
                zone: match timezone {
                    Some(t) => parse_offset(&t)?,
                    None => settings.timezone,
                },
                day_starts_at: day_starts_at.unwrap_or(settings.day_starts_at),
            };
            let parameters = match params {
                Some(p) => read_parameters(&p)?,
                None => settings.parameters.clone(),
            };
            let cards = match (&revlog, &store) {
                (Some(path), _) => revlog_histories(std::slice::from_ref(path), clock)?,
                (None, Some(store)) => schedule::histories(&store.review_log()?, clock),
                (None, None) => return Err(anyhow!("no review history")),
            };
            let e = schedule::evaluate(&parameters, &cards).map_err(|e| anyhow!(e))?;
            let mut out = std::io::stdout().lock();
            if json {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "reviews": e.reviews,
                        "log_loss": round4(e.log_loss),
                        "rmse_bins": round4(e.rmse_bins),
                        "auc": round4(e.auc),
                        "cards": cards.len(),
                    }))?
                )?;
            } else {
                writeln!(out, "{} scored reviews of {} cards", e.reviews, cards.len())?;
                writeln!(out, "log loss    {:.4}", e.log_loss)?;
                writeln!(out, "RMSE(bins)  {:.4}", e.rmse_bins)?;
                writeln!(out, "AUC         {:.4}", e.auc)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        SrCommand::Optimize {
            revlog,
            timezone,
            day_starts_at,
            dry_run,
            json,
        } => {
            let (mut settings, store) = settings_and_store(ctx, revlog.is_empty())?;
            let clock = DayClock {
                zone: match timezone {
                    Some(t) => parse_offset(&t)?,
                    None => settings.timezone,
                },
                day_starts_at: day_starts_at.unwrap_or(settings.day_starts_at),
            };
            let cards = match &store {
                Some(store) if revlog.is_empty() => schedule::histories(&store.review_log()?, clock),
                _ => revlog_histories(&revlog, clock)?,
            };
            let before = schedule::evaluate(&settings.parameters, &cards).map_err(|e| anyhow!(e))?;
            ctx.note(&format!(
                "fitting FSRS-6 to {} scored reviews of {} cards…",
                before.reviews,
                cards.len()
            ));
            let bar = ctx.progress(0, "fitting FSRS-6 parameters");
            let fitted = schedule::optimize(&cards).map_err(|e| anyhow!(e))?;
            drop(bar);
            let after = schedule::evaluate(&fitted, &cards).map_err(|e| anyhow!(e))?;
            let stored = revlog.is_empty() && !dry_run && after.log_loss < before.log_loss;
            if stored && let Some(store) = &store {
                settings.parameters = fitted.clone();
                crate::engine::settings::save_parameters(store, &fitted)?;
            }
            let mut out = std::io::stdout().lock();
            if json {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "parameters": fitted.iter().map(|p| (f64::from(*p) * 10_000.0).round() / 10_000.0).collect::<Vec<_>>(),
                        "log_loss_before": round4(before.log_loss),
                        "log_loss_after": round4(after.log_loss),
                        "reviews": after.reviews,
                        "stored": stored,
                    }))?
                )?;
            } else {
                let shown: Vec<String> = fitted.iter().map(|p| format!("{p:.4}")).collect();
                writeln!(out, "parameters: {}", shown.join(", "))?;
                writeln!(
                    out,
                    "log loss {:.4} → {:.4} on {} reviews",
                    before.log_loss, after.log_loss, after.reviews
                )?;
                if stored {
                    writeln!(
                        out,
                        "Stored: your drills now use these parameters (`retake config get fsrs_parameters`)."
                    )?;
                } else if revlog.is_empty() && !dry_run {
                    writeln!(
                        out,
                        "Not stored: they do not predict your history better than the current ones."
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        SrCommand::Forecast { exam, json } => super::drill::forecast(ctx, exam.as_deref(), json),
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
