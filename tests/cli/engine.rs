//! One engine for every face (issue 12): one driver per attempt, real time in drills, one learner
//! clock, expiry before every reader.

use std::io::{Read, Write};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{Env, MINI, mini_exam, stderr, stdout};

/// Valid answers for the mini exam drawn with seed 11, in position order.
const ANSWERS: [&str; 3] = ["B,A", "A", "Y,N,Y"];

fn wait_for(seen: &Arc<Mutex<String>>, text: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !seen.lock().unwrap().contains(text) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    true
}

fn report(env: &Env) -> Value {
    let out = env.retake(&["exam", "report", "--json"]).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_second_resume_is_refused_while_the_driver_lives_and_taken_over_at_once_when_it_dies() {
    let env = Env::new();
    let mut first = env
        .process(&mini_exam("11", &[]))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let seen = Arc::new(Mutex::new(String::new()));
    let mut pipe = first.stdout.take().unwrap();
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
    let mut stdin = first.stdin.take().unwrap();
    assert!(wait_for(&seen, "── Question 1 of 9"));
    for (i, answer) in ANSWERS.iter().enumerate() {
        writeln!(stdin, "{answer}").unwrap();
        assert!(wait_for(&seen, &format!("── Question {} of 9", i + 2)));
    }
    // The first process still drives the attempt: a second one is told, and changes nothing.
    let refused = env
        .retake(&["exam", "resume"])
        .write_stdin("A\n")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("open elsewhere"),
        "{}",
        stderr(&refused)
    );
    assert!(stderr(&refused).contains("--take-over"), "{}", stderr(&refused));
    first.kill().unwrap();
    first.wait().unwrap();
    // The driver died: the next resume takes over at once, with every acknowledged answer.
    let resumed = env.retake(&["exam", "resume"]).write_stdin("").output().unwrap();
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
    let v = report(&env);
    assert_eq!(v["status"], "in_progress");
    for (i, answer) in ANSWERS.iter().enumerate() {
        assert_eq!(
            v["items"][i]["response"].as_str().map(|r| r.replace(' ', "")),
            Some((*answer).to_owned())
        );
    }
}

#[test]
fn take_over_claims_a_live_attempt_and_the_old_driver_cannot_write_again() {
    let env = Env::new();
    let mut first = env
        .process(&mini_exam("11", &[]))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = first.stdin.take().unwrap();
    // Wait until the attempt exists and is driven.
    let deadline = Instant::now() + Duration::from_secs(20);
    while report_status(&env) != Some("in_progress".to_owned()) {
        assert!(Instant::now() < deadline, "the exam never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    let taken = env
        .retake(&["exam", "resume", "--take-over"])
        .write_stdin("B,A\n")
        .output()
        .unwrap();
    assert_eq!(taken.status.code(), Some(0), "{}", stderr(&taken));
    // The old driver's next answer is rejected, not applied over the new one.
    writeln!(stdin, "A,B").unwrap();
    drop(stdin);
    let out = first.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("taken over"), "{}", stderr(&out));
    let v = report(&env);
    assert_eq!(
        v["items"][0]["response"].as_str().map(|r| r.replace(' ', "")),
        Some("B,A".to_owned())
    );
}

fn report_status(env: &Env) -> Option<String> {
    let out = env.retake(&["exam", "report", "--json"]).output().ok()?;
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    v["status"].as_str().map(str::to_owned)
}

#[test]
fn a_drill_answered_with_pauses_gives_every_review_its_own_time() {
    let env = Env::new();
    let out = env
        .retake(&["--banks", "tests/fixtures/banks/flash", "drill", "--new", "3"])
        .env("RETAKE_CLOCK_STEP", "7")
        .write_stdin("1\n3\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let revlog = env.retake(&["export", "revlog"]).output().unwrap();
    let text = stdout(&revlog);
    let times: Vec<&str> = text.lines().skip(1).filter_map(|l| l.split(',').nth(1)).collect();
    assert!(times.len() >= 2, "{text}");
    assert!(
        times.windows(2).all(|w| w[0] < w[1]),
        "times differ and increase: {text}"
    );
}

#[test]
fn the_time_zone_setting_reaches_every_json_time() {
    let env = Env::new();
    env.retake(&["config", "set", "timezone", "Europe/Berlin"])
        .assert()
        .success();
    env.retake(&["config", "set", "timezone", "+09:00"])
        .assert()
        .success();
    env.retake(&mini_exam("11", &[]))
        .write_stdin("")
        .assert()
        .success();
    let v = report(&env);
    assert!(v["started_at"].as_str().unwrap().ends_with("+09:00"), "{v}");
    env.retake(&[
        "--banks",
        MINI,
        "attempt",
        "log",
        "MINI-1",
        "--date",
        "2026-11-20",
        "--score",
        "640",
    ])
    .assert()
    .success();
    let next = env
        .retake(&["--banks", MINI, "attempt", "next", "MINI-1", "--json"])
        .output()
        .unwrap();
    let n: Value = serde_json::from_slice(&next.stdout).unwrap();
    assert!(n["earliest_retake"].as_str().unwrap().ends_with("+09:00"), "{n}");
    let progress = env
        .retake(&["--banks", MINI, "progress", "--format", "json"])
        .output()
        .unwrap();
    let p: Value = serde_json::from_slice(&progress.stdout).unwrap();
    assert!(
        p["exams"][0]["generated"].as_str().unwrap().ends_with("+09:00"),
        "{p}"
    );
    let bad = env
        .retake(&["config", "set", "timezone", "Mars/Olympus"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn progress_and_plan_after_a_deadline_count_the_attempt_as_expired() {
    let env = Env::new();
    env.retake(&mini_exam("11", &["--minutes", "1"]))
        .write_stdin("B,A\n")
        .assert()
        .success();
    let later = "2026-11-23T11:00:00Z";
    let progress = env
        .retake(&["--banks", MINI, "progress", "--format", "json"])
        .env("RETAKE_NOW", later)
        .output()
        .unwrap();
    assert!(
        stderr(&progress).contains("submitted as expired"),
        "{}",
        stderr(&progress)
    );
    let p: Value = serde_json::from_slice(&progress.stdout).unwrap();
    assert_eq!(p["exams"][0]["history"].as_array().map(Vec::len), Some(1), "{p}");
    let plan = env
        .retake(&["--banks", MINI, "plan", "MINI-1", "--json"])
        .env("RETAKE_NOW", later)
        .output()
        .unwrap();
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    let list = env
        .retake(&["exam", "list", "--json"])
        .env("RETAKE_NOW", later)
        .output()
        .unwrap();
    let l: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(l["attempts"][0]["status"], "expired");
}

#[test]
fn retake_now_outside_storable_years_is_a_usage_error() {
    let env = Env::new();
    for now in ["1969-12-31T23:00:00Z", "+10000-01-01T00:00:00Z"] {
        let out = env
            .retake(&["exam", "list"])
            .env("RETAKE_NOW", now)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{now}: {}", stderr(&out));
    }
}
