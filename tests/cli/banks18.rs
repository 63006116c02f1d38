//! Issue 18's code parts: an exam's `status`, beta results that arrive late, and history that stays
//! readable when a bank loses a domain or a category.

use std::fs;
use std::path::PathBuf;

use serde_json::Value;

use crate::harness::{Env, stderr, stdout};

/// A copy of the mini bank whose `exam.yaml` gains `extra` lines after `as_of` (2026-11-01); returns
/// the bank tree to pass as `--banks`.
fn mini_with(env: &Env, extra: &str) -> PathBuf {
    let root = env.copy_fixture("banks/valid");
    let exam = root.join("mini/exam.yaml");
    let text = fs::read_to_string(&exam).unwrap();
    let text = text.replacen("as_of: 2026-11-01\n", &format!("as_of: 2026-11-01\n{extra}"), 1);
    fs::write(&exam, text).unwrap();
    root
}

fn json(out: &std::process::Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn bank_list_shows_the_declared_status_and_retired_once_retires_on_has_passed() {
    let cases = [
        ("", "live", "live"),
        ("status: beta\n", "beta", "beta"),
        (
            "status: live\nretires_on: 2027-01-31\n",
            "live",
            "live, retires 2027-01-31",
        ),
        // Retired on 2026-11-22, the day before the test clock: no edit needed on the day.
        (
            "status: beta\nretires_on: 2026-11-22\nsuccessor: MINI-2\n",
            "retired",
            "retired 2026-11-22, successor MINI-2",
        ),
        ("retires_on: 2026-11-23\n", "live", "live, retires 2026-11-23"),
    ];
    for (extra, status, label) in cases {
        let env = Env::new();
        let banks = mini_with(&env, extra);
        let banks = banks.to_str().unwrap();
        let v = json(
            &env.retake(&["--banks", banks, "bank", "list", "--json"])
                .output()
                .unwrap(),
        );
        assert_eq!(v["exams"][0]["status"], status, "{extra}");
        let out = env.retake(&["--banks", banks, "bank", "list"]).output().unwrap();
        assert!(stdout(&out).contains(label), "{extra}: {}", stdout(&out));
    }
}

#[test]
fn lint_rejects_a_status_that_contradicts_the_dates() {
    let cases = [
        (
            "status: retired\n",
            "4:9",
            "status \"retired\" needs \"retires_on\"",
        ),
        (
            "status: beta\nretires_on: 2026-06-30\n",
            "4:9",
            "status is \"beta\" but retires_on 2026-06-30 is before as_of 2026-11-01",
        ),
        (
            "status: retired\nretires_on: 2027-01-31\n",
            "4:9",
            "status is \"retired\" but retires_on 2027-01-31 is not before as_of 2026-11-01",
        ),
        (
            "status: gone\n",
            "4:9",
            "\"status\" is \"gone\"; write one of beta, live, retired",
        ),
    ];
    for (extra, at, message) in cases {
        let env = Env::new();
        let banks = mini_with(&env, extra);
        let out = env
            .retake(&["bank", "lint", banks.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{extra}");
        let text = stdout(&out);
        assert!(
            text.contains(&format!("mini/exam.yaml:{at}: exam \"MINI-1\": {message}")),
            "{extra}: {text}"
        );
    }
    let env = Env::new();
    let banks = mini_with(
        &env,
        "status: retired\nretires_on: 2026-06-30\nsuccessor: MINI-2\n",
    );
    let out = env
        .retake(&["bank", "lint", banks.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn the_exam_header_and_the_plan_show_the_status() {
    let env = Env::new();
    let banks = mini_with(&env, "status: beta\n");
    let banks = banks.to_str().unwrap();
    let out = env
        .retake(&["--banks", banks, "exam", "start", "MINI-1", "--questions", "3"])
        .write_stdin(":submit\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let first = stderr(&out).lines().next().unwrap_or_default().to_owned();
    assert!(
        first.starts_with("MINI-1 (beta) mock exam · attempt 1"),
        "{first}"
    );
    let out = env
        .retake(&["--banks", banks, "plan", "MINI-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("MINI-1 (beta) repair plan from the mock report"),
        "{}",
        stdout(&out)
    );
    let v = json(
        &env.retake(&["--banks", banks, "plan", "MINI-1", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["status"], "beta");
}

/// `attempt list --json` of the mini bank.
fn attempts(env: &Env, banks: &str) -> Value {
    json(
        &env.retake(&["--banks", banks, "attempt", "list", "--json"])
            .output()
            .unwrap(),
    )
}

#[test]
fn a_pending_beta_result_counts_as_an_attempt_and_takes_its_score_later() {
    let env = Env::new();
    let banks = mini_with(&env, "status: beta\n");
    let banks = banks.to_str().unwrap();
    let out = env
        .retake(&[
            "--banks",
            banks,
            "attempt",
            "log",
            "MINI-1",
            "--date",
            "2026-11-02",
            "--time",
            "10:00",
            "--pending",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("result pending"), "{}", stdout(&out));
    let v = attempts(&env, banks);
    let a = &v["attempts"][0];
    assert_eq!(
        (a["score"].clone(), a["passed"].clone(), a["pending"].clone()),
        (Value::Null, Value::Null, Value::Bool(true))
    );
    let next = json(
        &env.retake(&["--banks", banks, "attempt", "next", "MINI-1", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(next["attempts"], 1);
    assert_eq!(next["fees_paid"], 165.0);
    assert_eq!(next["earliest_retake"], "2026-11-03T10:00:00Z");
    assert!(
        next["rule"].as_str().unwrap().contains("has no result yet"),
        "{next}"
    );
    // No repair plan from a result that has not arrived.
    let out = env
        .retake(&["--banks", banks, "plan", "MINI-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    // The table says pending.
    let out = env
        .retake(&["--banks", banks, "attempt", "list"])
        .output()
        .unwrap();
    assert!(stdout(&out).contains("pending"), "{}", stdout(&out));

    // The score arrives: the same date completes the attempt instead of adding one.
    let out = env
        .retake(&[
            "--banks",
            banks,
            "attempt",
            "log",
            "MINI-1",
            "--date",
            "2026-11-02",
            "--score",
            "640",
            "--domain",
            "storage=40",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Logged MINI-1 the result of the pending attempt on Mon 2 Nov"),
        "{}",
        stdout(&out)
    );
    let v = attempts(&env, banks);
    assert_eq!(v["attempts"].as_array().unwrap().len(), 1, "{v}");
    let a = &v["attempts"][0];
    assert_eq!(a["score"], 640);
    assert_eq!(a["passed"], false);
    assert_eq!(a["pending"], false);
    assert_eq!(a["taken_at"], "2026-11-02T10:00:00Z");
    assert_eq!(a["domains"]["storage"], 40.0);
    let next = json(
        &env.retake(&["--banks", banks, "attempt", "next", "MINI-1", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(
        (next["attempts"].clone(), next["fees_paid"].clone()),
        (Value::from(1), Value::from(165.0))
    );
    assert!(!next["rule"].as_str().unwrap().contains("no result"), "{next}");
    let out = env
        .retake(&["--banks", banks, "plan", "MINI-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("official report of 2026-11-02 (score 640)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_pending_result_is_refused_twice_or_with_a_score_report() {
    let env = Env::new();
    let banks = mini_with(&env, "status: beta\n");
    let banks = banks.to_str().unwrap();
    let log = |extra: &[&str]| {
        let mut args = vec![
            "--banks",
            banks,
            "attempt",
            "log",
            "MINI-1",
            "--date",
            "2026-11-02",
        ];
        args.extend_from_slice(extra);
        env.retake(&args).output().unwrap()
    };
    // Neither a score nor --pending, or both: usage errors.
    assert_eq!(log(&[]).status.code(), Some(2));
    assert_eq!(log(&["--pending", "--score", "700"]).status.code(), Some(2));
    assert_eq!(
        log(&["--pending", "--domain", "storage=40"]).status.code(),
        Some(2)
    );
    assert_eq!(log(&["--pending"]).status.code(), Some(0));
    // Invalid input is a usage error, like every other `attempt log` refusal.
    let again = log(&["--pending"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already logged (its result is pending)"),
        "{}",
        stderr(&again)
    );
    assert_eq!(attempts(&env, banks)["attempts"].as_array().unwrap().len(), 1);
}

/// Removes the `networking` domain and the `redundancy` category (with their items) from the mini
/// bank at `root`, as a bank author following a new outline would.
fn remove_networking_and_redundancy(root: &std::path::Path) {
    let exam = root.join("mini/exam.yaml");
    let text = fs::read_to_string(&exam).unwrap();
    let cut = text.find("  - id: networking").unwrap();
    let text = text[..cut]
        .replace("weight: \"40-50\"", "weight: 100")
        .replace("      - { id: redundancy, name: Storage redundancy }\n", "");
    fs::write(&exam, text).unwrap();
    let questions = root.join("mini/questions.yaml");
    let text = fs::read_to_string(&questions).unwrap();
    let (red, cards, nsg_card) = (
        text.find("  - id: mini-red-001").unwrap(),
        text.find("flashcards:").unwrap(),
        text.find("  - id: mini-fc-nsg-001").unwrap(),
    );
    fs::write(&questions, format!("{}{}", &text[..red], &text[cards..nsg_card])).unwrap();
}

#[test]
fn history_in_a_removed_domain_or_category_stays_readable_marked_retired() {
    let env = Env::new();
    let root = env.copy_fixture("banks/valid");
    let banks = root.to_str().unwrap();
    // History made with the old bank: a mock exam and an official attempt with domain percentages.
    let out = env
        .retake(&[
            "--banks",
            banks,
            "exam",
            "start",
            "MINI-1",
            "--seed",
            "3",
            "--questions",
            "9",
        ])
        .write_stdin("A\nA,B\nA,B,C\n1=B,2=C\nB,B\nY,Y,N\nA\nA\nY,Y\n:submit\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = env
        .retake(&[
            "--banks",
            banks,
            "attempt",
            "log",
            "MINI-1",
            "--date",
            "2026-11-20",
            "--score",
            "600",
            "--domain",
            "storage=50",
            "--domain",
            "networking=70",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    remove_networking_and_redundancy(&root);
    let lint = env.retake(&["bank", "lint", banks]).output().unwrap();
    assert_eq!(lint.status.code(), Some(0), "{}", stdout(&lint));

    // progress --format json: the removed domain keeps its row and its answers, marked retired.
    let v = json(
        &env.retake(&["--banks", banks, "progress", "MINI-1", "--format", "json"])
            .output()
            .unwrap(),
    );
    let p = &v["exams"][0];
    let domains = p["domains"].as_array().unwrap();
    let ids: Vec<(&str, bool)> = domains
        .iter()
        .map(|d| (d["id"].as_str().unwrap(), d["retired"].as_bool().unwrap()))
        .collect();
    assert_eq!(ids, [("storage", false), ("networking", true)]);
    assert_eq!(domains[1]["name"], "Implement and manage virtual networking");
    assert_eq!(domains[1]["answered"], 5);
    assert_eq!(domains[1]["share"], 0.0);
    assert_eq!(
        domains[0]["retired_categories"],
        serde_json::json!(["redundancy"])
    );
    // The history holds both attempts, oldest first, with the removed domain's percentages.
    let history = p["history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(
        (history[0]["kind"].as_str(), history[1]["kind"].as_str()),
        (Some("official"), Some("mock"))
    );
    let networking = |h: &Value| {
        h["domains"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == "networking")
            .cloned()
            .unwrap()
    };
    assert_eq!(networking(&history[0])["percent"], 70.0);
    assert_eq!(networking(&history[0])["retired"], true);
    assert!(networking(&history[1])["percent"].is_number());
    assert_eq!(networking(&history[1])["retired"], true);

    // The table says so in words.
    let out = env
        .retake(&["--banks", banks, "progress", "MINI-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(
        table.contains("networking (retired)  retired         5"),
        "{table}"
    );
    assert!(table.contains("networking 70% (retired)"), "{table}");
    assert!(
        table.contains("Retired categories (no longer in the bank, history kept): storage/redundancy"),
        "{table}"
    );

    // attempt list: the official percentages stay, the removed domain marked.
    let v = attempts(&env, banks);
    let a = &v["attempts"][0];
    assert_eq!(a["domains"]["networking"], 70.0);
    assert_eq!(a["retired_domains"], serde_json::json!(["networking"]));
    let out = env
        .retake(&["--banks", banks, "attempt", "list"])
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("networking 70% (retired), storage 50%"),
        "{}",
        stdout(&out)
    );

    // Every other reader of the old history still works.
    for args in [
        vec!["exam", "report", "1"],
        vec!["exam", "report", "1", "--json"],
        vec!["plan", "MINI-1", "--json"],
        vec!["progress", "MINI-1", "--format", "md"],
        vec!["progress", "MINI-1", "--format", "html"],
        vec!["progress", "MINI-1", "--format", "csv"],
        vec!["variations", "MINI-1", "--format", "json"],
        vec!["attempt", "next", "MINI-1"],
    ] {
        let mut all = vec!["--banks", banks];
        all.extend_from_slice(&args);
        let out = env.retake(&all).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
    let md = stdout(
        &env.retake(&["--banks", banks, "progress", "MINI-1", "--format", "md"])
            .output()
            .unwrap(),
    );
    assert!(
        md.contains("| official | 1 | 2026-11-20T00:00:00Z | 600 | 50% | 70% |"),
        "{md}"
    );
}
