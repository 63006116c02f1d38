//! Evidence that nothing is lost: SIGKILL at random moments, concurrent writers, hostile banks.

use std::io::{Read, Write};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{Env, MINI, mini_exam, stderr, stdout};

/// Valid answers for the mini exam drawn with seed 11, in position order.
const ANSWERS: [&str; 9] = ["B,A", "A", "Y,N,Y", "A,B", "1=A,2=B", "A,B,C", "A", "A", "Y,N"];

fn watch(child: &mut Child) -> Arc<Mutex<String>> {
    let seen = Arc::new(Mutex::new(String::new()));
    let mut pipe = child.stdout.take().unwrap();
    let sink = seen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    seen
}

fn wait_for(seen: &Arc<Mutex<String>>, text: &str, deadline: Instant) -> bool {
    while !seen.lock().unwrap().contains(text) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    true
}

/// A small deterministic generator for kill timing.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

fn integrity(env: &Env) -> String {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn killed_at_random_moments_an_exam_keeps_every_acknowledged_answer() {
    let env = Env::new();
    env.retake(&["--banks", MINI, "bank", "list"]).assert().success();
    let mut rng = Lcg(2026);
    let started = Instant::now();
    let mut kills = 0;
    while kills < 30 {
        let mut child = env
            .process(&mini_exam("11", &["--abandon"]))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let seen = watch(&mut child);
        let mut stdin = child.stdin.take().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        assert!(wait_for(&seen, "── Question 1 of 9", deadline));
        let acknowledged = rng.below(9) as usize;
        for (i, answer) in ANSWERS.iter().enumerate().take(acknowledged) {
            writeln!(stdin, "{answer}").unwrap();
            let next = if i + 2 <= 9 {
                format!("── Question {} of 9", i + 2)
            } else {
                "── Review".to_owned()
            };
            assert!(
                wait_for(&seen, &next, deadline),
                "no acknowledgement of answer {}",
                i + 1
            );
        }
        // One more answer in flight, then the kill at a random moment.
        if acknowledged < 9 {
            let _ = writeln!(stdin, "{}", ANSWERS[acknowledged]);
        }
        std::thread::sleep(Duration::from_micros(rng.below(3_000)));
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        assert_eq!(integrity(&env), "ok", "after kill {kills}");
        let out = env.retake(&["exam", "report", "--json"]).output().unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["status"], "in_progress");
        for (i, answer) in ANSWERS.iter().enumerate().take(acknowledged) {
            assert_eq!(
                v["items"][i]["response"].as_str().map(|r| r.replace(' ', "")),
                Some(answer.to_string()),
                "kill {kills}: answer {} lost",
                i + 1
            );
        }
        assert!(started.elapsed() < Duration::from_secs(120), "bounded in time");
    }
    // The last attempt resumes where it stopped.
    let out = env.retake(&["exam", "resume"]).write_stdin("").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn killed_at_random_moments_a_drill_keeps_every_acknowledged_grade() {
    let mut rng = Lcg(7);
    let started = Instant::now();
    for kill in 0..20 {
        let env = Env::new();
        env.retake(&["--banks", MINI, "bank", "list"]).assert().success();
        let mut child = env
            .process(&["--banks", MINI, "drill", "--seed", "3", "--new", "11"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let seen = watch(&mut child);
        let mut stdin = child.stdin.take().unwrap();
        let lines = ["3", "A", "B,A", "Y,Y", "Y,Y,N", "A,B,C", "1=A,2=B"];
        let target = 1 + rng.below(6) as usize;
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut k = 0;
        while seen.lock().unwrap().matches("── Card").count() <= target && Instant::now() < deadline {
            let _ = writeln!(stdin, "{}", lines[k % lines.len()]);
            k += 1;
            std::thread::sleep(Duration::from_millis(3));
        }
        std::thread::sleep(Duration::from_micros(rng.below(2_000)));
        child.kill().unwrap();
        child.wait().unwrap();
        let shown = seen.lock().unwrap().matches("── Card").count();
        assert_eq!(integrity(&env), "ok", "after drill kill {kill}");
        let conn = rusqlite::Connection::open(env.db()).unwrap();
        let reviews: i64 = conn
            .query_row("SELECT count(*) FROM reviews", [], |r| r.get(0))
            .unwrap();
        // Each card header after the first is shown only after the previous grade was committed.
        assert!(
            reviews as usize >= shown.saturating_sub(1),
            "drill kill {kill}: {reviews} reviews for {shown} cards shown"
        );
        assert!(started.elapsed() < Duration::from_secs(120), "bounded in time");
    }
}

#[test]
fn two_drills_and_an_exam_write_one_database_at_once() {
    let env = Env::new();
    env.retake(&["--banks", MINI, "bank", "list"]).assert().success();
    let spawn = |args: &[&str], input: String| {
        let mut child = env
            .process(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        child
    };
    let drill_input = "3\nA\nB,A\nY,Y\nY,Y,N\nA,B,C\n1=A,2=B\n".repeat(20);
    let exam_input = format!("{}\n:submit\n", ANSWERS.join("\n"));
    let children = vec![
        spawn(&mini_exam("11", &[]), exam_input),
        spawn(
            &["--banks", MINI, "drill", "--seed", "1", "--new", "11"],
            drill_input.clone(),
        ),
        spawn(
            &["--banks", MINI, "drill", "--seed", "2", "--new", "11"],
            drill_input,
        ),
    ];
    let outputs: Vec<std::process::Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let mut drilled = 0;
    for out in &outputs {
        assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
        let err = stderr(out).to_ascii_lowercase();
        assert!(
            !err.contains("database is locked") && !err.contains("stayed busy"),
            "{err}"
        );
        if let Some(line) = stdout(out)
            .lines()
            .find(|l| l.trim_start().starts_with("reviewed:"))
        {
            drilled += line
                .trim_start()
                .trim_start_matches("reviewed:")
                .trim()
                .parse::<i64>()
                .unwrap();
        }
    }
    assert_eq!(integrity(&env), "ok");
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let reviews: i64 = conn
        .query_row("SELECT count(*) FROM reviews", [], |r| r.get(0))
        .unwrap();
    let mock: i64 = conn
        .query_row("SELECT count(*) FROM answers WHERE source = 'mock'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(mock, 9, "every exam answer stored");
    assert_eq!(reviews, drilled + 9, "every drill grade and mock review stored");
}

/// Malformed banks: each gives exit 1 and positioned problems, never a panic.
#[test]
fn thirty_four_malformed_banks_give_positioned_errors_and_never_panic() {
    let env = Env::new();
    let exam = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/banks/valid/mini/exam.yaml"
    ))
    .unwrap();
    let q = "questions:\n  - id: q1\n    domain: storage\n    category: sas\n    type: single\n    stem: S\n    options: [a, b]\n    answer: A\n    explanation: e\n    refs: [https://learn.microsoft.com/x]\n";
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    for (p, n) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        bomb.push_str(&format!("{n}: &{n} [{}]\n", vec![format!("*{p}"); 9].join(",")));
    }
    let big = format!(
        "questions:\n{}",
        "  # padding line to exceed the limit ...........................\n".repeat(170_000)
    );
    let long_stem = format!("questions:\n  - id: q1\n    stem: \"{}\n", "x".repeat(1_000_000));
    let template_bomb = {
        let axes: String = (0..8)
            .map(|a| format!("        a{a}: {{ v0: x, v1: y, v2: z, v3: w }}\n"))
            .collect();
        let stem: String = (0..8).map(|a| format!("{{a{a}}} ")).collect();
        format!(
            "questions:\n  - id: t1\n    domain: storage\n    category: sas\n    type: single\n    stem: \"{stem}\"\n    options: [a, b]\n    template:\n      axes:\n{axes}      cases:\n        - when: {{}}\n          answer: A\n    explanation: e\n    refs: [https://learn.microsoft.com/x]\n"
        )
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("alias-bomb", bomb.into_bytes()),
        (
            "deep-nesting",
            format!("questions: {}{}", "[".repeat(200), "]".repeat(200)).into_bytes(),
        ),
        ("huge-file", big.into_bytes()),
        ("invalid-utf8", b"questions:\n  - id: \xff\xfe\n".to_vec()),
        ("bom-and-broken", b"\xef\xbb\xbfquestions: [\n".to_vec()),
        (
            "crlf-broken",
            q.replace('\n', "\r\n")
                .replace("answer: A", "answer: Z")
                .into_bytes(),
        ),
        ("tab-indentation", "questions:\n\t- id: q1\n".as_bytes().to_vec()),
        (
            "wrong-types",
            q.replace("options: [a, b]", "options: 5").into_bytes(),
        ),
        (
            "huge-number",
            q.replace(
                "type: single",
                "type: single\n    difficulty: 99999999999999999999999999999",
            )
            .into_bytes(),
        ),
        ("empty", Vec::new()),
        (
            "duplicate-keys",
            q.replace("stem: S", "stem: S\n    stem: T").into_bytes(),
        ),
        ("unknown-top-level", format!("{q}extras: 1\n").into_bytes()),
        ("questions-not-a-list", b"questions: 7\n".to_vec()),
        (
            "question-is-a-string",
            b"questions:\n  - just a string\n".to_vec(),
        ),
        ("null-question", b"questions:\n  - ~\n".to_vec()),
        (
            "answer-out-of-range",
            q.replace("answer: A", "answer: E").into_bytes(),
        ),
        (
            "yesno-garbage",
            q.replace("type: single", "type: yesno")
                .replace("options: [a, b]", "statements: [a, b]")
                .replace("answer: A", "answer: [maybe, Y]")
                .into_bytes(),
        ),
        ("unterminated-quote", b"questions:\n  - id: \"q1\n".to_vec()),
        ("bad-escape", b"questions:\n  - id: \"\\q\"\n".to_vec()),
        ("two-documents", format!("{q}---\n{q}").into_bytes()),
        (
            "random-bytes",
            (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
        ),
        ("only-comments", b"# nothing here\n# at all\n".to_vec()),
        ("undefined-alias", b"questions: *nope\n".to_vec()),
        (
            "merge-keys",
            b"base: &b {id: q1}\nquestions:\n  - <<: *b\n    <<: *b\n".to_vec(),
        ),
        ("long-line", long_stem.into_bytes()),
        ("nul-bytes", b"questions:\n  - id: q\x001\n".to_vec()),
        ("custom-tag", b"questions: !!binary aGVsbG8=\n".to_vec()),
        ("key-without-value", b"questions:\n  - id:\n".to_vec()),
        ("template-explosion", template_bomb.into_bytes()),
        (
            "negative-difficulty",
            q.replace("type: single", "type: single\n    difficulty: -3")
                .into_bytes(),
        ),
        ("float-answer", q.replace("answer: A", "answer: 1.5").into_bytes()),
        ("list-as-stem", q.replace("stem: S", "stem: [S]").into_bytes()),
    ];
    let run = |name: &str, dir: &std::path::Path| {
        let out = env
            .retake(&["bank", "lint", dir.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        let text = stdout(&out);
        assert!(!stderr(&out).contains("panicked"), "{name} panicked");
        let problems: Vec<&str> = text.lines().filter(|l| !l.contains("note:")).collect();
        assert!(!problems.is_empty(), "{name}: no problem reported");
        for line in problems {
            let mut parts = line.splitn(4, ':');
            let (file, l, c) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            assert!(
                file.ends_with(".yaml") && l.parse::<u64>().is_ok() && c.parse::<u64>().is_ok(),
                "{name}: unpositioned line {line}"
            );
        }
    };
    let mut count = 0;
    for (name, bytes) in &cases {
        let dir = env.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("exam.yaml"), &exam).unwrap();
        std::fs::write(dir.join("q.yaml"), bytes).unwrap();
        run(name, &dir);
        count += 1;
    }
    // Broken exam files and a symlink loop.
    for (name, text) in [
        ("empty-exam", String::new()),
        (
            "exam-weights",
            exam.replace("weight: \"50-60\"", "weight: \"5-6\""),
        ),
    ] {
        let dir = env.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("exam.yaml"), text).unwrap();
        std::fs::write(dir.join("q.yaml"), q).unwrap();
        run(name, &dir);
        count += 1;
    }
    #[cfg(unix)]
    {
        let dir = env.path().join("symlink-loop");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("exam.yaml"), &exam).unwrap();
        std::os::unix::fs::symlink(dir.join("loop.yaml"), dir.join("loop.yaml")).unwrap();
        run("symlink-loop", &dir);
        count += 1;
    }
    assert!(count >= 30, "{count} malformed banks");
}
