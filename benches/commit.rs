//! Committing one answer of a running mock exam to a database file (WAL, one small transaction):
//! the cost a learner pays per answer (target: about a millisecond).

// Benchmark set-up may panic: a failed set-up is a failed benchmark.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use retake::bank::parse::{SourceFile, parse_exam};
use retake::exam::{Location, Mode, Response, SessionItem, Shuffle};
use retake::store::{NewAttempt, Store};

#[path = "support/mod.rs"]
mod support;

fn answer_commit(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let exam = SourceFile {
        path: "exam.yaml".into(),
        text: support::exam_yaml(),
    };
    let files: Vec<SourceFile> = support::question_files(50, 1)
        .into_iter()
        .map(|text| SourceFile {
            path: "q.yaml".into(),
            text,
        })
        .collect();
    let (bank, _) = parse_exam(Some(&exam), &files).expect("generated bank");
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).single().unwrap();
    let mut store = Store::open(&dir.path().join("commit.db")).expect("store");
    store.import_bank(&bank, "gen", "fp", "h", now).expect("import");
    let items: Vec<SessionItem> = bank
        .questions
        .iter()
        .map(|q| {
            let combo = q.template().map(|t| vec![0; t.axes.len()]);
            let instance = q.instantiate(combo.as_deref()).expect("instance");
            SessionItem {
                shuffle: Shuffle::identity(&instance.body),
                instance,
                section: None,
                scenario: None,
                response: None,
                flagged: false,
                disputed: false,
                locked: false,
                seconds: 0.0,
            }
        })
        .collect();
    let id = store
        .create_attempt(&NewAttempt {
            exam: "GEN-1",
            mode: Mode::Targeted,
            timed: true,
            seed: 1,
            started_at: now,
            deadline: None,
            domains: None,
            blueprint: &bank.exam,
            items: &items,
        })
        .expect("attempt");
    store.claim_attempt(id, "bench").expect("claim");
    let mut item = items[0].clone();
    let mut k = 0usize;
    c.bench_function("answer_commit", |b| {
        b.iter(|| {
            k += 1;
            item.response = Some(Response::Choice(k % 2));
            item.seconds += 1.0;
            store
                .save_progress(id, "bench", Location::Item(k % 50), &[(0, &item, None)], now)
                .expect("commit");
        });
    });
}

criterion_group!(benches, answer_commit);
criterion_main!(benches);
