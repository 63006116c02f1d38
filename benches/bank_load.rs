//! Bank loading: parse + validate throughput on generated banks of 10 k and 100 k questions
//! (target ≥ 20 k questions/s), and the cost of noticing that a 100 k-question bank on disk has
//! not changed (the hot path every later command pays; it must not grow with bank size).

// Benchmark set-up may panic: a failed set-up is a failed benchmark.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use retake::bank::load;
use retake::bank::parse::{SourceFile, parse_exam};
use retake::store::Store;

#[path = "support/mod.rs"]
mod support;

fn sources(questions: usize) -> (SourceFile, Vec<SourceFile>) {
    let exam = SourceFile {
        path: "gen/exam.yaml".into(),
        text: support::exam_yaml(),
    };
    let files = support::question_files(questions, questions.div_ceil(2_000))
        .into_iter()
        .enumerate()
        .map(|(i, text)| SourceFile {
            path: format!("gen/q{i:03}.yaml"),
            text,
        })
        .collect();
    (exam, files)
}

fn load_and_validate(c: &mut Criterion) {
    let mut group = c.benchmark_group("bank_load_validate");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    for n in [10_000usize, 100_000] {
        let (exam, files) = sources(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("{n}_questions"), |b| {
            b.iter(|| {
                let bank = parse_exam(Some(&exam), &files).map(|(b, _)| b.questions.len());
                assert_eq!(bank.ok(), Some(n));
            });
        });
    }
    group.finish();
}

fn unchanged_bank_check(c: &mut Criterion) {
    let dir = tempfile::tempdir().map_err(|e| e.to_string());
    let Ok(dir) = dir else { return };
    let folder = dir.path().join("gen");
    let (exam, files) = sources(100_000);
    let written = std::fs::create_dir_all(&folder).is_ok()
        && std::fs::write(folder.join("exam.yaml"), &exam.text).is_ok()
        && files
            .iter()
            .enumerate()
            .all(|(i, f)| std::fs::write(folder.join(format!("q{i:03}.yaml")), &f.text).is_ok());
    assert!(written, "benchmark bank written");
    let store = Store::open(&dir.path().join("bench.db"));
    let Ok(store) = store else { return };
    c.bench_function("unchanged_bank_check_100k_questions", |b| {
        b.iter(|| {
            let folders = load::exam_folders(&folder).map_err(|e| e.to_string());
            let fp = folders
                .as_ref()
                .ok()
                .and_then(|f| f.first())
                .map(|f| (f.key.clone(), f.fingerprint()));
            black_box((fp.clone(), fp.map(|(key, _)| store.imported_from(&key).is_ok())));
        });
    });
}

criterion_group!(benches, load_and_validate, unchanged_bank_check);
criterion_main!(benches);
