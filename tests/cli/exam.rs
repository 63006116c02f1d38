//! `retake exam …`: scripted mock exams, replay, scoring, crashes, deadlines and reports.

use std::io::{Read, Write};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use insta::assert_snapshot;
use serde_json::Value;

use crate::harness::{Env, MINI, mini_exam, stderr, stdout};

/// Starts the mini exam with `answers` on stdin.
fn start(env: &Env, seed: &str, answers: &str) -> std::process::Output {
    env.retake(&mini_exam(seed, &[]))
        .write_stdin(answers)
        .output()
        .unwrap()
}

fn report_json(env: &Env, extra: &[&str]) -> Value {
    let mut args = vec!["exam", "report", "--json"];
    args.extend_from_slice(extra);
    let out = env.retake(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The right response of every position for `seed`, learned from a throwaway attempt.
fn right_answers(seed: &str) -> Vec<String> {
    let scout = Env::new();
    let out = start(&scout, seed, ":submit\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = report_json(&scout, &[]);
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["correct_response"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_same_seed_and_answers_replay_the_same_exam_and_report() {
    let answers = "A\nB\n\nA,B\n1=A,2=B\nA,B,C\nA\nA\nY,Y\n:submit\n";
    let (a, b) = (Env::new(), Env::new());
    let (out_a, out_b) = (start(&a, "2024", answers), start(&b, "2024", answers));
    assert_eq!(out_a.status.code(), Some(0), "{}", stderr(&out_a));
    assert_eq!(stdout(&out_a), stdout(&out_b));
    assert_eq!(report_json(&a, &[]), report_json(&b, &[]));
    let other = Env::new();
    let out_c = start(&other, "2025", answers);
    assert_ne!(stdout(&out_a), stdout(&out_c), "another seed draws another exam");
}

#[test]
fn a_known_subset_answered_right_gives_the_exact_scaled_score() {
    let right = right_answers("11");
    let env = Env::new();
    let first = report_json(
        &{
            let scout = Env::new();
            start(&scout, "11", ":submit\n");
            scout
        },
        &[],
    );
    // Every item right except the two yes/no items (3 + 2 of the 17 points): 12 / 17 points.
    let mut script = String::new();
    for (item, answer) in first["items"].as_array().unwrap().iter().zip(&right) {
        if item["type"] == "yesno" {
            script.push('\n');
        } else {
            script.push_str(answer);
            script.push('\n');
        }
    }
    script.push_str(":submit\n");
    let out = start(&env, "11", &script);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = report_json(&env, &[]);
    assert_eq!(v["points"], 12);
    assert_eq!(v["max_points"], 17);
    // 12/17 = 0.70588 is past the 0.70 cut: 700 + 300 × (0.70588 − 0.70) / 0.30 = 705.88 → 705.
    assert_eq!(v["scaled_score"], 705);
    assert_eq!(v["passed"], true);
    assert_eq!(v["status"], "submitted");
}

#[test]
fn score_report_and_review_read_like_the_real_thing() {
    let right = right_answers("11");
    let env = Env::new();
    let mut script: Vec<String> = right.clone();
    script[0] = "A,A".into();
    script[2] = String::new();
    script.insert(1, ":flag".into());
    let script = format!("{}\n:submit\n", script.join("\n"));
    let out = start(&env, "11", &script);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_snapshot!("exam_transcript", stdout(&out));
    let review = env.retake(&["exam", "report", "1", "--review"]).output().unwrap();
    assert_eq!(review.status.code(), Some(0), "{}", stderr(&review));
    assert_snapshot!("exam_review", stdout(&review));
    let list = env.retake(&["exam", "list"]).output().unwrap();
    assert_snapshot!("exam_list", stdout(&list));
}

#[test]
fn the_report_json_has_every_contract_field() {
    let env = Env::new();
    start(&env, "5", "B\n:submit\n");
    let v = report_json(&env, &["1"]);
    for field in [
        "attempt",
        "exam",
        "seed",
        "mode",
        "status",
        "started_at",
        "deadline",
        "finished_at",
        "scaled_score",
        "passing_score",
        "passed",
        "domains",
        "items",
    ] {
        assert!(v.get(field).is_some(), "missing {field}");
    }
    assert_eq!(v["seed"], 5);
    assert_eq!(v["mode"], "targeted");
    assert_eq!(v["started_at"], "2026-11-23T09:00:00Z");
    assert_eq!(
        v["deadline"], "2026-11-23T09:45:00Z",
        "9 items at the exam's pace of 30 minutes for 6"
    );
    for field in ["id", "name", "weight", "points", "max_points", "percent"] {
        assert!(v["domains"][0].get(field).is_some(), "domains[] lacks {field}");
    }
    for field in [
        "position",
        "question",
        "family",
        "variant",
        "domain",
        "category",
        "type",
        "response",
        "correct",
        "points",
        "max_points",
        "seconds",
        "flagged",
    ] {
        assert!(v["items"][0].get(field).is_some(), "items[] lacks {field}");
    }
    assert_eq!(v["items"][1]["response"], Value::Null, "unanswered");
    assert_eq!(v["items"][1]["correct"], false, "unanswered counts as missed");
    let templated = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["question"] == "mini-nsg-003")
        .unwrap();
    assert!(
        templated["variant"].as_str().unwrap().contains("nic="),
        "{templated}"
    );
}

#[test]
fn an_invalid_line_is_refused_and_the_same_item_reads_the_next_line() {
    let env = Env::new();
    let out = start(&env, "11", "Z,Z\nA,B,C\nB,A\n:submit\n");
    assert!(
        stderr(&out).contains("error: blank 1: \"Z\" is not one of the letters A–B"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("error: give one letter for each of the 2 blanks"),
        "{}",
        stderr(&out)
    );
    let v = report_json(&env, &[]);
    assert_eq!(v["items"][0]["response"], "B,A");
    assert_eq!(v["items"][1]["response"], Value::Null);
}

#[test]
fn end_of_input_leaves_the_attempt_resumable_and_never_submits() {
    let env = Env::new();
    let out = start(&env, "11", "B,A\nA\n");
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("still in progress"), "{}", stderr(&out));
    let v = report_json(&env, &[]);
    assert_eq!(v["status"], "in_progress");
    assert_eq!(v["scaled_score"], Value::Null);
    assert_eq!(v["items"][1]["response"], "A");
    // Resume continues at item 3 with the answers kept.
    let out = env
        .retake(&["exam", "resume"])
        .write_stdin("\n:submit\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("\n── Question 3 of 9"),
        "{}",
        stdout(&out)
    );
    let v = report_json(&env, &[]);
    assert_eq!(v["status"], "submitted");
    assert_eq!(v["items"][0]["response"], "B,A");
}

#[test]
fn start_refuses_while_an_attempt_is_in_progress_unless_abandoned() {
    let env = Env::new();
    start(&env, "11", "");
    let out = start(&env, "12", "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("attempt 1 of MINI-1 is still in progress")
            && stderr(&out).contains("--abandon"),
        "{}",
        stderr(&out)
    );
    let out = env
        .retake(&[
            "--banks",
            MINI,
            "exam",
            "start",
            "MINI-1",
            "--abandon",
            "--seed",
            "12",
        ])
        .write_stdin(":submit\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(report_json(&env, &["1"])["status"], "abandoned");
    assert_eq!(report_json(&env, &["2"])["status"], "submitted");
}

#[test]
fn resuming_after_the_deadline_submits_the_attempt_as_expired() {
    let env = Env::new();
    start(&env, "11", "B,A\n");
    let late = env
        .retake(&["exam", "resume"])
        .env("RETAKE_NOW", "2026-11-23T09:46:00Z")
        .write_stdin("A\n")
        .output()
        .unwrap();
    assert_eq!(late.status.code(), Some(0), "{}", stderr(&late));
    assert!(
        stderr(&late).contains("submitted as expired"),
        "{}",
        stderr(&late)
    );
    assert!(stdout(&late).contains("Time ran out"), "{}", stdout(&late));
    let v = report_json(&env, &[]);
    assert_eq!(v["status"], "expired");
    assert_eq!(
        v["finished_at"], "2026-11-23T09:45:00Z",
        "expired at its deadline (9 items at 5 minutes each)"
    );
    assert_eq!(
        v["items"][0]["points"], 1,
        "B,A earns one of the dropdown's two points"
    );
    assert_eq!(v["items"][1]["correct"], false);
}

#[test]
fn leaving_a_section_locks_it() {
    let right = right_answers("11");
    let env = Env::new();
    // Item 3 is a yes/no series: answer it, move on, then try to go back.
    let script = format!(
        "{}\n{}\n{}\n:back\n:goto 3\n:submit\n",
        right[0], right[1], right[2]
    );
    let out = start(&env, "11", &script);
    assert!(
        stderr(&out).contains("section locked: item 3"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("error: item 3 is in a section you have left"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("This yes/no series (item 3) is a section"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_disputed_item_is_excluded_from_the_score_and_listed() {
    let env = Env::new();
    let out = start(
        &env,
        "11",
        ":dispute the dropdown's second blank has two right choices\n:submit\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = report_json(&env, &[]);
    assert_eq!(
        v["max_points"], 15,
        "the disputed item's 2 points are out of the score"
    );
    assert_eq!(v["items"][0]["disputed"], true);
    let list = env.retake(&["bank", "disputes"]).output().unwrap();
    assert!(
        stdout(&list).contains("mini-nsg-001") && stdout(&list).contains("two right choices"),
        "{}",
        stdout(&list)
    );
}

#[test]
fn answers_feed_the_learner_model() {
    let env = Env::new();
    start(&env, "11", ":submit\n");
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let answers: i64 = conn
        .query_row("SELECT count(*) FROM answers WHERE source = 'mock'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(answers, 9, "every item, unanswered ones as missed");
    let failures: f64 = conn
        .query_row("SELECT sum(failures) FROM category_evidence", [], |r| r.get(0))
        .unwrap();
    assert!((failures - 9.0).abs() < 1e-9);
}

/// Collects a child's stdout on a thread so the test can wait for a given text.
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

fn wait_for(seen: &Arc<Mutex<String>>, text: &str) {
    let start = Instant::now();
    while !seen.lock().unwrap().contains(text) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "never saw {text:?} in {}",
            seen.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_killed_exam_keeps_every_answer_given_before_the_kill() {
    let env = Env::new();
    let mut child = env
        .process(&mini_exam("11", &[]))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let seen = watch(&mut child);
    let mut stdin = child.stdin.take().unwrap();
    for (answer, next) in [("B,A", 2), ("A", 3), ("Y,N,Y", 4)] {
        wait_for(&seen, &format!("── Question {} of 9", next - 1));
        writeln!(stdin, "{answer}").unwrap();
        stdin.flush().unwrap();
        // The next item is shown only after the answer was committed.
        wait_for(&seen, &format!("── Question {next} of 9"));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let v = report_json(&env, &[]);
    assert_eq!(v["status"], "in_progress");
    let responses: Vec<&Value> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["response"])
        .collect();
    assert_eq!(
        responses[..4],
        [
            &Value::from("B,A"),
            &Value::from("A"),
            &Value::from("Y,N,Y"),
            &Value::Null
        ]
    );
    let resumed = env.retake(&["exam", "resume"]).write_stdin("").output().unwrap();
    assert!(
        stdout(&resumed).contains("── Question 4 of 9"),
        "{}",
        stdout(&resumed)
    );
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn the_deadline_submits_an_attempt_left_idle_at_a_prompt() {
    let env = Env::new();
    let mut child = env
        .process(&[
            "--banks",
            MINI,
            "exam",
            "start",
            "MINI-1",
            "--seed",
            "11",
            "--minutes",
            "0.02",
        ])
        .env_remove("RETAKE_NOW")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Keep stdin open and say nothing: the 1.2-second limit must end the attempt by itself.
    let _stdin = child.stdin.take().unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the deadline did not end the attempt"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(out.contains("Score: 1 / 1000"), "{out}");
    let v = env
        .retake(&["exam", "report", "--json"])
        .env_remove("RETAKE_NOW")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!(v["status"], "expired");
}

#[test]
fn practice_mode_shows_the_answer_after_each_item() {
    let right = right_answers("11");
    let env = Env::new();
    let out = env
        .retake(&mini_exam("11", &["--practice"]))
        .write_stdin(format!("{}\nB\n:submit\n", right[0]))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Right.\nDeny blocks the traffic"), "{text}");
    let v = report_json(&env, &[]);
    assert_eq!(v["timed"], false);
    assert_eq!(v["deadline"], Value::Null);
}
