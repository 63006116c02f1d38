//! A helper, not a benchmark: writes a generated bank and history for `scripts/measure.sh` when
//! `RETAKE_GEN_DIR` is set (sizes from `RETAKE_GEN_QUESTIONS` and `RETAKE_GEN_HISTORY`); otherwise it
//! does nothing, so `cargo bench` runs it harmlessly.

// A failed set-up is a failed run.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[path = "support/mod.rs"]
mod support;

fn main() {
    let Some(dir) = std::env::var_os("RETAKE_GEN_DIR") else {
        return;
    };
    let size = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (questions, history) = (
        size("RETAKE_GEN_QUESTIONS", 100_000),
        size("RETAKE_GEN_HISTORY", 1_000_000),
    );
    let (db, banks) = support::setup_scale(std::path::Path::new(&dir), questions, history);
    println!("{} {}", db.display(), banks.display());
}
