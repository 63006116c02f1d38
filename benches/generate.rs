//! A helper, not a benchmark: writes a generated bank and history when `RETAKE_GEN_DIR` is set;
//! otherwise it does nothing, so `cargo bench` runs it harmlessly.
//!
//! * `RETAKE_GEN_SHAPE=scale` (default, for `scripts/measure.sh`): `RETAKE_GEN_QUESTIONS` questions,
//!   `RETAKE_GEN_HISTORY` mock answers and as many reviews, a card for every family.
//! * `RETAKE_GEN_SHAPE=used` (for `scripts/drill-vs-anki.sh`): `RETAKE_GEN_QUESTIONS` one-question
//!   families with the drill history of a learner who has studied for a while, due dates relative to
//!   `RETAKE_GEN_NOW` (RFC 3339), shaped like the Anki collections it is compared with.
//! * `RETAKE_GEN_SHAPE=fresh`: the bank alone, imported, for a learner who has not started.
//!
//! Prints the database and the bank folder, and for `used` what the history holds (JSON).

// A failed set-up is a failed run.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[path = "support/mod.rs"]
mod support;

fn main() {
    let Some(dir) = std::env::var_os("RETAKE_GEN_DIR") else {
        return;
    };
    let dir = std::path::Path::new(&dir);
    let size = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let questions = size("RETAKE_GEN_QUESTIONS", 100_000);
    let retake = std::path::Path::new(env!("CARGO_BIN_EXE_retake"));
    match std::env::var("RETAKE_GEN_SHAPE").as_deref().unwrap_or("scale") {
        "used" => {
            let now = std::env::var("RETAKE_GEN_NOW").expect("RETAKE_GEN_NOW (RFC 3339) for the used shape");
            let now = chrono::DateTime::parse_from_rfc3339(&now)
                .expect("RETAKE_GEN_NOW is RFC 3339")
                .with_timezone(&chrono::Utc);
            let (db, banks) = support::import_bank(retake, dir, questions);
            let h = support::add_used_history(&db, questions, now);
            println!("{} {}", db.display(), banks.display());
            println!(
                "{{\"families\": {questions}, \"cards\": {}, \"due_today\": {}, \"overdue\": {}, \"reviews\": {}, \"repairs\": {}}}",
                h.cards, h.due_today, h.overdue, h.reviews, h.repairs
            );
        }
        "fresh" => {
            let (db, banks) = support::import_bank(retake, dir, questions);
            println!("{} {}", db.display(), banks.display());
        }
        _ => {
            let history = size("RETAKE_GEN_HISTORY", 1_000_000);
            let (db, banks) = support::setup_scale(dir, questions, history);
            println!("{} {}", db.display(), banks.display());
        }
    }
}
