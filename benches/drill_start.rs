//! The drill engine's start-up in-process: opening the store with its catalogue check, today's
//! queue (`drill::begin`) and the first card's face (`DrillRun::next_card`), over generated learners
//! of 1 k / 10 k / 100 k families shaped like the Anki collections `scripts/drill-vs-anki.sh`
//! compares with (70 % of families with a card, ~7 % of those due, ~10 reviews each). The
//! whole-process figures against Anki's engine come from that script.

// Benchmark set-up may panic: a failed set-up is a failed benchmark.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use retake::engine::catalog::{self, BankSource};
use retake::engine::drill::{self, Begun, DrillOptions};
use retake::engine::settings;

#[path = "support/mod.rs"]
mod support;

fn drill_start(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 12, 4, 17, 0, 0).single().unwrap();
    let mut group = c.benchmark_group("drill_start");
    group.sample_size(30).measurement_time(Duration::from_secs(6));
    for families in [1_000usize, 10_000, 100_000] {
        let dir = tempfile::tempdir().expect("temp dir");
        let (db, banks) = support::import_bank(
            std::path::Path::new(env!("CARGO_BIN_EXE_retake")),
            dir.path(),
            families,
        );
        support::add_used_history(&db, families, now);
        let source = BankSource::Dir(banks);
        group.bench_function(format!("begin_and_first_card/{families}_families"), |b| {
            b.iter(|| {
                let cat = catalog::open(&db, &source, now).expect("catalogue");
                let exams = cat.exams_or_all(Some("GEN-1")).expect("exam");
                let mut store = cat.store;
                let (settings, mut clock, _) = settings::learner(&store, now).expect("settings");
                clock.zone = retake::zone::Zone::utc();
                let opts = DrillOptions {
                    limit: Some(1),
                    seed: Some(1),
                    ..DrillOptions::default()
                };
                match drill::begin(&mut store, &exams, &opts, &settings, &clock).expect("begin") {
                    Begun::Run(mut run) => {
                        assert!(run.next_card(&mut store, now).expect("card").is_some());
                    }
                    Begun::Nothing { .. } => panic!("cards are due"),
                }
            });
        });
    }
    group.finish();
}

criterion_group!(benches, drill_start);
criterion_main!(benches);
