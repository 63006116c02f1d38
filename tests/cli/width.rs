//! Text that fits the width, messages that help, closed pipes and termination signals (issue 13).

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::harness::{Env, MINI, stderr, stdout};

/// Lines wider than `width` characters, URLs (an unbreakable token) excepted.
fn too_wide(text: &str, width: usize) -> Vec<String> {
    text.lines()
        .filter(|l| l.chars().count() > width && !l.trim_start().starts_with("https://"))
        .map(str::to_owned)
        .collect()
}

/// An environment with a scored AZ-104 mock (every item missed) and a logged official attempt.
fn with_history() -> Env {
    let env = Env::new();
    let out = env
        .retake(&["exam", "start", "AZ-104", "--seed", "7", "--questions", "20"])
        .write_stdin(":submit\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = env
        .retake(&[
            "attempt",
            "log",
            "AZ-104",
            "--date",
            "2026-11-20",
            "--score",
            "640",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    env
}

#[test]
fn with_columns_80_no_line_of_the_reports_is_wider_than_80() {
    let env = with_history();
    for args in [
        &["exam", "report", "--review"][..],
        &["plan", "AZ-104"],
        &["progress"],
        &["variations"],
        &["bank", "stats"],
        &["bank", "list"],
        &["exam", "list"],
        &["attempt", "next", "AZ-104"],
        &["sr", "forecast"],
    ] {
        let out = env.retake(args).env("COLUMNS", "80").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(text.lines().count() > 1, "{args:?} printed nothing");
        let wide = too_wide(&text, 80);
        assert!(
            wide.is_empty(),
            "{args:?} has lines over 80 columns:\n{}",
            wide.join("\n")
        );
        assert!(
            too_wide(&stderr(&out), 80).is_empty(),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // The same report at 100 columns uses the room: some line is wider than 80.
    let out = env.retake(&["exam", "report", "--review"]).output().unwrap();
    assert!(!too_wide(&stdout(&out), 80).is_empty());
}

#[test]
fn times_for_people_read_as_local_dates_and_json_keeps_rfc_3339() {
    let env = with_history();
    let out = env.retake(&["exam", "list"]).output().unwrap();
    assert!(stdout(&out).contains("Mon 23 Nov 09:00"), "{}", stdout(&out));
    let out = env.retake(&["exam", "list", "--json"]).output().unwrap();
    assert!(stdout(&out).contains("2026-11-23T09:00:00Z"), "{}", stdout(&out));
    let out = env
        .retake(&["exam", "report"])
        .env("TZ", "Europe/Paris")
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("submitted Mon 23 Nov 10:00"),
        "{}",
        stdout(&out)
    );
}

/// Runs `script` with `sh -c`, `$RETAKE` naming the binary; returns (output, retake's exit code
/// as the script wrote it to the file `code`).
fn piped(env: &Env, script: &str) -> (std::process::Output, String) {
    let bin = assert_cmd::cargo::cargo_bin("retake");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(env.path())
        .env("RETAKE", bin)
        .env("RETAKE_DB", env.db())
        .env("RETAKE_NOW", crate::harness::NOW)
        .env(
            "RETAKE_BANKS",
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(MINI),
        )
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let code = std::fs::read_to_string(env.path().join("code")).unwrap_or_default();
    (out, code.trim().to_owned())
}

#[test]
fn piping_into_head_ends_quietly() {
    let env = Env::new();
    for seed in ["1", "2", "3"] {
        env.retake(&[
            "--banks",
            MINI,
            "exam",
            "start",
            "MINI-1",
            "--seed",
            seed,
            "--abandon",
        ])
        .write_stdin(":submit\n")
        .assert()
        .success();
    }
    let (out, code) = piped(&env, r#"{ "$RETAKE" exam list; echo $? > code; } | head -1"#);
    assert_eq!(code, "0", "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 1);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));

    env.retake(&["--banks", MINI, "exam", "start", "MINI-1", "--seed", "4"])
        .write_stdin("")
        .assert()
        .success();
    let (out, code) = piped(
        &env,
        r#"{ "$RETAKE" exam resume </dev/null 2>&1; echo $? > code; } | head -1"#,
    );
    assert_eq!(code, "0", "{}", stdout(&out));
    assert!(!stdout(&out).contains("panicked"), "{}", stdout(&out));
}

#[test]
fn a_closed_stdout_or_stderr_is_not_a_panic() {
    let env = Env::new();
    env.retake(&["--banks", MINI, "exam", "start", "MINI-1", "--seed", "5"])
        .write_stdin(":submit\n")
        .assert()
        .success();
    // The reading end is closed before the command writes anything: every write fails.
    for args in [&["exam", "report", "--review"][..], &["bank", "stats"], &["man"]] {
        let mut child = env
            .process(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    // A closed stderr (notes, errors) is not worth a panic either.
    let mut child = env
        .process(&["exam", "resume"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_ne!(status.code(), Some(101));
}

/// Starts a MINI-1 exam whose stdin stays open, waits for its first item and sends `signal`.
fn signalled_exam(env: &Env, signal: &str) -> (std::process::ExitStatus, String) {
    let mut child = env
        .process(&[
            "--banks",
            MINI,
            "exam",
            "start",
            "MINI-1",
            "--seed",
            "11",
            "--questions",
            "9",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::io::Write::write_all(&mut stdin, b"A,A\n").unwrap();
    let mut out = child.stdout.take().unwrap();
    let start = Instant::now();
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    while !seen.contains("Question 2 of 9") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "never saw item 2: {seen}"
        );
        let n = out.read(&mut buf).unwrap();
        assert!(n > 0, "the exam ended early: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    let killed = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    (status, err)
}

#[test]
fn sigterm_and_sighup_save_the_exam_and_say_how_to_resume() {
    for (signal, code) in [("-TERM", 143), ("-HUP", 129)] {
        let env = Env::new();
        let (status, err) = signalled_exam(&env, signal);
        assert_eq!(status.code(), Some(code), "{signal}: {err}");
        assert!(err.contains("is saved and still in progress"), "{err}");
        assert!(err.contains("retake exam resume"), "{err}");
        // The answer given before the signal is there when the exam resumes.
        let out = env.retake(&["exam", "report", "--json"]).output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["status"], "in_progress");
        assert_eq!(v["items"][0]["response"], "A,A");
        env.retake(&["exam", "resume"])
            .write_stdin(":submit\n")
            .assert()
            .success();
    }
}

#[test]
fn messages_name_what_is_wrong() {
    let env = Env::new();
    let out = env
        .retake(&["exam", "start", "AZ-104", "--questions", "-5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("-5 is negative: give a positive number"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("-- -5"), "{}", stderr(&out));

    let out = env.retake(&["drill", "--limit", "-1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("negative"), "{}", stderr(&out));

    // --questions without --minutes keeps the exam's pace: AZ-104 is 120 minutes for 50 items.
    let out = env
        .retake(&["exam", "start", "AZ-104", "--questions", "10", "--seed", "3"])
        .write_stdin("")
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("10 items · 24:00 to finish"),
        "{}",
        stderr(&out)
    );
    let out = env.retake(&["exam", "report", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["deadline"], "2026-11-23T09:24:00Z");

    let out = env.retake(&["exam", "resume", "AZ-999"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no exam \"AZ-999\""), "{}", stderr(&out));

    let out = env
        .retake(&["exam", "start", "AZ-104", "--questions", "1", "--abandon"])
        .write_stdin("")
        .output()
        .unwrap();
    assert!(stderr(&out).contains(" · 1 item · "), "{}", stderr(&out));

    env.retake(&[
        "attempt",
        "log",
        "AZ-104",
        "--date",
        "2026-11-20",
        "--score",
        "640",
    ])
    .assert()
    .success();
    let out = env
        .retake(&["plan", "AZ-104", "--exam-date", "2026-02-30"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("February 2026 has 28 days, not 30"),
        "{}",
        stderr(&out)
    );
    let out = env
        .retake(&["plan", "AZ-104", "--exam-date", "2026-10-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is in the past"), "{}", stderr(&out));
}

#[test]
fn an_answer_of_the_wrong_size_is_told_the_real_count() {
    let env = Env::new();
    // Item 4 of seed 11 on MINI-1 is a multi of two letters (see the review snapshot).
    let out = env
        .retake(&crate::harness::mini_exam("11", &[]))
        .write_stdin("A,A\nA\n\nA,B,C\nA\n")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(err.contains("choose 2 different letters, e.g. A,C"), "{err}");
    // One letter of two is a partial answer: accepted, with a word about the empty part.
    assert!(
        err.contains("answer saved with 1 part empty: it scores zero"),
        "{err}"
    );
    let out = env.retake(&["exam", "report", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["items"][3]["response"], "A");
}

#[test]
fn the_forecast_has_a_header_and_totals() {
    let env = with_history();
    let out = env.retake(&["sr", "forecast"]).output().unwrap();
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("Families due per day"), "{text}");
    assert!(lines[1].starts_with("day") && lines[1].ends_with("due"), "{text}");
    let total = lines.last().unwrap();
    assert!(total.starts_with("total"), "{text}");
    let sum: u64 = lines[2..lines.len() - 1]
        .iter()
        .map(|l| l[10..].split_whitespace().next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert!(total.contains(&format!(" {sum} ")), "{text}");
}

#[test]
fn the_manual_documents_answers_commands_environment_and_exit_codes() {
    let out = Env::new().retake(&["man"]).output().unwrap();
    let page = stdout(&out);
    for section in ["ANSWERS", "COMMANDS", "ENVIRONMENT", "EXIT STATUS"] {
        assert!(
            page.contains(&format!(".SH \"{section}\"")) || page.contains(&format!(".SH {section}")),
            "{section} missing"
        );
    }
    for text in ["1=B,2=A", ":goto", "RETAKE_NOW", "COLUMNS", "143"] {
        assert!(page.contains(text), "{text} missing from the manual");
    }
    assert!(
        !page.contains("retake-exam(1)"),
        "names a page that does not exist"
    );
}
