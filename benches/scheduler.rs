//! Spaced repetition at scale: `sr evaluate` throughput on 1 M synthetic reviews (target ≥ 1 M
//! reviews/s), and `retake drill` start-up to the first card with 100 k families and 1 M reviews, as
//! a whole process (target: tens of milliseconds, no slower than Anki's engine for the same job).

// Benchmark set-up may panic: a failed set-up is a failed benchmark.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use retake::random::SeededRng;
use retake::schedule;

#[path = "support/mod.rs"]
mod support;

/// `cards` review histories of `per_card` reviews with growing gaps and 10 % lapses.
fn histories(cards: usize, per_card: usize) -> Vec<Vec<(i64, u8)>> {
    let mut rng = SeededRng::new(7);
    (0..cards)
        .map(|_| {
            let mut day = 0i64;
            let mut gap = 1i64;
            (0..per_card)
                .map(|i| {
                    let rating = if i > 0 && rng.below(10) == 0 { 1 } else { 3 };
                    let review = (day, rating);
                    gap = if rating == 1 { 1 } else { (gap * 2).min(120) };
                    day += gap;
                    review
                })
                .collect()
        })
        .collect()
}

fn evaluate_throughput(c: &mut Criterion) {
    let cards = histories(100_000, 10);
    let mut group = c.benchmark_group("sr_evaluate");
    group.sample_size(10).measurement_time(Duration::from_secs(15));
    group.throughput(Throughput::Elements(1_000_000));
    group.bench_function("1M_reviews", |b| {
        b.iter(|| schedule::evaluate(&schedule::default_parameters(), &cards).unwrap());
    });
    group.finish();
}

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

fn drill_start(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let banks = dir.path().join("banks");
    let exam = banks.join("gen");
    std::fs::create_dir_all(&exam).unwrap();
    std::fs::write(exam.join("exam.yaml"), support::exam_yaml()).unwrap();
    for (i, text) in support::question_files(100_000, 50).iter().enumerate() {
        std::fs::write(exam.join(format!("q{i:03}.yaml")), text).unwrap();
    }
    let db = dir.path().join("bench.db");
    assert!(
        retake(&db, &banks, &["bank", "stats"])
            .status()
            .unwrap()
            .success()
    );
    support::add_reviews(&db, 100_000, 1_000_000);
    let mut group = c.benchmark_group("drill_start_to_first_card");
    group.sample_size(20).measurement_time(Duration::from_secs(10));
    group.bench_function("100k_families_1M_reviews", |b| {
        b.iter(|| {
            assert!(
                retake(&db, &banks, &["drill", "GEN-1", "--limit", "1"])
                    .status()
                    .unwrap()
                    .success()
            )
        });
    });
    group.finish();
}

criterion_group!(benches, evaluate_throughput, drill_start);
criterion_main!(benches);
