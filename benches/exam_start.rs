//! Start-up to the first question of `retake exam start` and of `retake drill`, as whole processes,
//! with an unchanged bank of 1 k, 10 k and 100 k generated questions and histories of 10 k, 100 k and
//! 1 M answers and reviews (targets: tens of milliseconds, 100 k within 3× of 1 k, no slower than
//! Anki's engine: 6 / 12 / 75 ms); and `retake progress` over those histories.

// Benchmark set-up may panic: a failed set-up is a failed benchmark.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "support/mod.rs"]
mod support;

fn retake(db: &Path, banks: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_retake"));
    cmd.args([
        "--db",
        &db.display().to_string(),
        "--banks",
        &banks.display().to_string(),
        "--quiet",
    ])
    .args(args)
    .env("NO_COLOR", "1")
    .env("RETAKE_NOW", "2026-11-23T09:00:00Z")
    .env("TZ", "UTC")
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    cmd
}

fn start_up(c: &mut Criterion) {
    let mut group = c.benchmark_group("start_up");
    group.sample_size(20).measurement_time(Duration::from_secs(8));
    for (n, history) in [(1_000usize, 10_000usize), (10_000, 100_000), (100_000, 1_000_000)] {
        let dir = tempfile::tempdir().expect("temp dir");
        let (db, banks) = support::setup_scale(dir.path(), n, history);
        let mut seed = 0u64;
        group.bench_function(format!("exam_start/{n}_questions_{history}_history"), |b| {
            b.iter(|| {
                seed += 1;
                let s = seed.to_string();
                assert!(
                    retake(
                        &db,
                        &banks,
                        &["exam", "start", "GEN-1", "--abandon", "--seed", &s]
                    )
                    .status()
                    .unwrap()
                    .success()
                );
            });
        });
        group.bench_function(format!("drill/{n}_families_{history}_reviews"), |b| {
            b.iter(|| {
                assert!(
                    retake(&db, &banks, &["drill", "GEN-1", "--limit", "1"])
                        .status()
                        .unwrap()
                        .success()
                )
            });
        });
        group.bench_function(format!("progress/{n}_questions_{history}_answers"), |b| {
            b.iter(|| {
                assert!(
                    retake(&db, &banks, &["progress", "GEN-1", "--format", "json"])
                        .status()
                        .unwrap()
                        .success()
                )
            });
        });
    }
    group.finish();
}

criterion_group!(benches, start_up);
criterion_main!(benches);
