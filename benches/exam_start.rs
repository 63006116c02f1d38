//! Start-up to the first question of `retake exam start`, as a whole process, with an unchanged bank:
//! 1 k and 100 k generated questions, the larger with a 1 M-answer history (target: tens of
//! milliseconds, flat in bank size).

// Benchmark set-up may panic: a failed set-up is a failed benchmark.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};
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
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    cmd
}

/// A bank of `n` questions on disk and a database that has imported it, with `answers` history rows.
fn setup(dir: &Path, n: usize, answers: usize) -> (PathBuf, PathBuf) {
    let banks = dir.join("banks");
    let exam = banks.join("gen");
    std::fs::create_dir_all(&exam).expect("bank folder");
    std::fs::write(exam.join("exam.yaml"), support::exam_yaml()).expect("exam.yaml");
    for (i, text) in support::question_files(n, n.div_ceil(2_000)).iter().enumerate() {
        std::fs::write(exam.join(format!("q{i:03}.yaml")), text).expect("question file");
    }
    let db = dir.join("bench.db");
    let ok = retake(&db, &banks, &["bank", "stats"])
        .status()
        .expect("import")
        .success();
    assert!(ok, "the generated bank imports");
    support::add_history(&db, n, answers);
    (db, banks)
}

fn exam_start(c: &mut Criterion) {
    let mut group = c.benchmark_group("exam_start_to_first_question");
    group.sample_size(20).measurement_time(Duration::from_secs(10));
    for (n, answers) in [(1_000usize, 10_000usize), (100_000, 1_000_000)] {
        let dir = tempfile::tempdir().expect("temp dir");
        let (db, banks) = setup(dir.path(), n, answers);
        let mut seed = 0u64;
        group.bench_function(format!("{n}_questions_{answers}_answers"), |b| {
            b.iter(|| {
                seed += 1;
                let s = seed.to_string();
                let ok = retake(
                    &db,
                    &banks,
                    &["exam", "start", "GEN-1", "--abandon", "--seed", &s],
                )
                .status()
                .expect("exam start")
                .success();
                assert!(ok);
            });
        });
    }
    group.finish();
}

criterion_group!(benches, exam_start);
criterion_main!(benches);
