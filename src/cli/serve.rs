//! `retake serve`: the exam room in the browser ([`crate::web`]) on 127.0.0.1.

use std::io::Write as _;
use std::process::{ExitCode, Stdio};

use clap::Args;

use super::Context;
use crate::engine::{Clock, SteppingClock, SystemClock};
use crate::web;

/// Options of `retake serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port on 127.0.0.1 (0 or omitted: a free port)
    #[arg(long, default_value_t = 0, value_name = "N")]
    port: u16,
    /// Do not open the default browser
    #[arg(long)]
    no_open: bool,
}

/// Opens the URL in the default browser; a failure only means the learner opens it by hand.
fn open_browser(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(program)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

/// Runs `retake serve` until Ctrl-C.
pub fn run(ctx: &Context, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let clock: Box<dyn Clock + Send> = if ctx.fixed {
        Box::new(SteppingClock::new(ctx.now, ctx.step))
    } else {
        Box::new(SystemClock)
    };
    let config = web::Config {
        db: ctx.db_path()?,
        banks: ctx.banks.clone(),
        port: args.port,
        now: ctx.now,
        clock,
        seed: ctx.seed,
    };
    let open = !args.no_open;
    web::serve(config, |url| {
        // The first line of stdout is the URL: scripts and tests read it.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{url}");
        let _ = out.flush();
        ctx.note("serving on 127.0.0.1 only; press Ctrl-C to stop");
        if open {
            open_browser(url);
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
