//! Real attempts and the retake rules, the repair plan, readiness and progress exports.

use insta::assert_snapshot;
use serde_json::Value;

use crate::harness::{Env, MINI, mini_exam, stderr, stdout};

fn log(env: &Env, args: &[&str]) {
    let mut all = vec!["attempt", "log"];
    all.extend_from_slice(args);
    let out = env.retake(&all).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

fn next(env: &Env, exam: &str, now: &str) -> Value {
    let out = env
        .retake(&["attempt", "next", exam, "--json"])
        .env("RETAKE_NOW", now)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn attempt_next_applies_the_retake_rules_in_the_learners_time_zone() {
    let env = Env::new();
    let tz = |cmd: &mut assert_cmd::Command| {
        cmd.env("TZ", "America/Los_Angeles");
    };
    let mut c = env.retake(&[
        "attempt",
        "log",
        "AZ-104",
        "--date",
        "2026-11-20",
        "--time",
        "10:00",
        "--score",
        "655",
    ]);
    tz(&mut c);
    c.assert().success();
    let mut c = env.retake(&["attempt", "next", "AZ-104", "--json"]);
    tz(&mut c);
    let v: Value = serde_json::from_slice(&c.output().unwrap().stdout).unwrap();
    // 10:00 in Los Angeles (UTC−8 in November) + 24 hours, shown with its offset.
    assert_eq!(v["earliest_retake"], "2026-11-21T10:00:00-08:00");
    assert_eq!(v["attempts"], 1);
    assert_eq!(v["max_attempts"], 5);
    assert_eq!(v["blocked"], Value::Null);
    assert_eq!(v["window_resets"], "2027-11-20T10:00:00-08:00");
    assert_eq!(v["fees_paid"], 165.0);
    assert_eq!(v["currency"], "USD");

    let mut c = env.retake(&[
        "attempt",
        "log",
        "AZ-104",
        "--date",
        "2026-11-22",
        "--score",
        "640",
    ]);
    tz(&mut c);
    c.assert().success();
    let mut c = env.retake(&["attempt", "next", "AZ-104", "--json", "--check"]);
    tz(&mut c);
    let out = c.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "not allowed until 14 days after the second attempt"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["earliest_retake"], "2026-12-06T00:00:00-08:00");
    assert_eq!(v["fees_paid"], 330.0);
}

#[test]
fn a_pass_blocks_until_expiry_and_a_retired_exam_is_blocked() {
    let env = Env::new();
    log(&env, &["AZ-104", "--date", "2026-10-01", "--score", "720"]);
    let v = next(&env, "AZ-104", "2026-11-23T09:00:00Z");
    assert_eq!(v["blocked"], "passed");
    assert_eq!(v["earliest_retake"], "2027-10-01T00:00:00Z");
    let v = next(&env, "AI-102", "2026-11-23T09:00:00Z");
    assert_eq!(v["blocked"], "retired");
    assert_eq!(v["successor"], "AI-103");
    env.retake(&["attempt", "next", "AI-102", "--check"])
        .assert()
        .code(1);
}

#[test]
fn six_attempts_in_twelve_months_are_not_allowed() {
    let env = Env::new();
    for (date, score) in [
        ("2026-01-05", "600"),
        ("2026-01-07", "610"),
        ("2026-02-01", "620"),
        ("2026-03-01", "630"),
        ("2026-04-01", "640"),
    ] {
        log(&env, &["AZ-104", "--date", date, "--score", score]);
    }
    let v = next(&env, "AZ-104", "2026-11-23T09:00:00Z");
    assert_eq!(v["blocked"], "limit");
    assert_eq!(v["earliest_retake"], v["window_resets"]);
    assert_eq!(v["earliest_retake"], "2027-01-05T00:00:00Z");
    assert_eq!(v["fees_paid"], 825.0);
}

fn plan_for(domains: &[&str], score: &str) -> String {
    let env = Env::new();
    let mut args = vec!["AZ-104", "--date", "2026-11-20", "--score", score];
    for d in domains {
        args.push("--domain");
        args.push(d);
    }
    log(&env, &args);
    let out = env.retake(&["plan", "AZ-104"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn plan_for_a_near_pass() {
    assert_snapshot!(plan_for(
        &[
            "identity=78",
            "storage=52",
            "compute=75",
            "networking=80",
            "monitoring=76"
        ],
        "672"
    ));
}

#[test]
fn plan_for_a_broad_miss() {
    assert_snapshot!(plan_for(
        &[
            "identity=55",
            "storage=48",
            "compute=72",
            "networking=51",
            "monitoring=60"
        ],
        "590"
    ));
}

#[test]
fn plan_for_an_everywhere_low_report() {
    assert_snapshot!(plan_for(
        &[
            "identity=35",
            "storage=40",
            "compute=42",
            "networking=30",
            "monitoring=45"
        ],
        "402"
    ));
}

#[test]
fn plan_never_schedules_the_exam_before_the_earliest_legal_retake() {
    let env = Env::new();
    log(
        &env,
        &[
            "AZ-104",
            "--date",
            "2026-11-20",
            "--score",
            "600",
            "--domain",
            "storage=40",
        ],
    );
    log(
        &env,
        &[
            "AZ-104",
            "--date",
            "2026-11-22",
            "--score",
            "610",
            "--domain",
            "storage=45",
        ],
    );
    let out = env
        .retake(&["plan", "AZ-104", "--exam-date", "2026-11-25", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["exam_date"], "2026-12-06");
    assert!(
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("before the earliest legal retake"))
    );
    // Only a total score known, and a blocked exam: still a plan, exit 0.
    let env = Env::new();
    log(&env, &["AI-102", "--date", "2026-06-01", "--score", "610"]);
    let out = env.retake(&["plan", "AI-102"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("only a total score is known") && stdout(&out).contains("retired"),
        "{}",
        stdout(&out)
    );
}

fn with_history() -> Env {
    let env = Env::new();
    let out = env
        .retake(&mini_exam("11", &[]))
        .write_stdin("B,B\nA\nY,Y,N\n:submit\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    env
}

#[test]
fn progress_exports_every_format() {
    let env = with_history();
    for format in ["table", "csv", "json", "md", "html"] {
        let out = env
            .retake(&["--banks", MINI, "progress", "MINI-1", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        assert_snapshot!(format!("progress_{format}"), stdout(&out));
    }
}

#[test]
fn the_csv_export_parses_as_csv() {
    let env = with_history();
    let out = env
        .retake(&["--banks", MINI, "progress", "MINI-1", "--format", "csv"])
        .output()
        .unwrap();
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "kind");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.iter().filter(|r| &r[0] == "domain").count(), 2);
    assert_eq!(
        rows.iter().filter(|r| &r[0] == "mock").count(),
        2,
        "one mock, two domains"
    );
    assert!(rows.iter().all(|r| r.len() == headers.len()));
}

#[test]
fn the_html_export_escapes_every_bank_string_and_is_self_contained() {
    let env = Env::new();
    let banks = "tests/fixtures/banks/evil";
    env.retake(&["--banks", banks, "exam", "start", "EVIL-1", "--seed", "1"])
        .write_stdin("A\n:submit\n")
        .assert()
        .success();
    let file = env.path().join("progress.html");
    env.retake(&[
        "--banks",
        banks,
        "progress",
        "EVIL-1",
        "--format",
        "html",
        "-o",
        file.to_str().unwrap(),
    ])
    .assert()
    .success();
    let html = std::fs::read_to_string(&file).unwrap();
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "no script element of any origin");
    assert!(!lower.contains("onerror="), "no attribute smuggled in");
    assert!(
        html.contains("Domain &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &#39;friends&#39;")
    );
    assert!(html.contains("Title &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;"));
    assert!(
        !lower.contains("http://") && !lower.contains("src="),
        "no external asset"
    );
    assert!(html.contains("<svg"), "inline SVG charts");
}
