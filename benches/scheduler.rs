//! Spaced repetition throughput: `sr evaluate` on 1 M synthetic reviews (target ≥ 1 M reviews/s) and
//! `sr optimize` on 100 k synthetic reviews (reviews per second of fitting).

// Benchmark set-up may panic: a failed set-up is a failed benchmark.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use retake::random::SeededRng;
use retake::schedule;

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

fn throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("sr");
    group.sample_size(10).measurement_time(Duration::from_secs(15));
    let million = histories(100_000, 10);
    group.throughput(Throughput::Elements(1_000_000));
    group.bench_function("evaluate_1M_reviews", |b| {
        b.iter(|| schedule::evaluate(&schedule::default_parameters(), &million).unwrap());
    });
    let hundred_k = histories(10_000, 10);
    group.throughput(Throughput::Elements(100_000));
    group.bench_function("optimize_100k_reviews", |b| {
        b.iter(|| schedule::optimize(&hundred_k).unwrap())
    });
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
