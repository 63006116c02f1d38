//! `retake drill`, `sr`, `config`, `export revlog`, `backup`: scheduling on FSRS-6.

use serde_json::Value;

use crate::harness::{Env, mini_exam, stderr, stdout};

const CARDS: &str = "tests/fixtures/banks/flash";

fn due_of(env: &Env, family: &str) -> Option<String> {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.query_row("SELECT due FROM families WHERE family = ?1", [family], |r| {
        r.get(0)
    })
    .ok()
}

fn drill(env: &Env, now: &str, input: &str) -> std::process::Output {
    env.retake(&["--banks", CARDS, "drill"])
        .env("RETAKE_NOW", now)
        .write_stdin(input)
        .output()
        .unwrap()
}

/// Runs `retake sr <command>` on the josh review log (tests/fixtures/revlogs) with the learner's
/// time zone and day start; returns the JSON it prints.
fn sr_on_josh(command: &str) -> Value {
    let out = Env::new()
        .retake(&[
            "sr",
            command,
            "--revlog",
            "tests/fixtures/revlogs/josh_reviews.csv",
            "--timezone",
            "-07:00",
            "--day-starts-at",
            "4",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn sr_evaluate_reproduces_the_fsrs6_reference_on_the_shared_revlog() {
    let v = sr_on_josh("evaluate");
    assert_eq!(v["reviews"], 6372);
    for (field, reference) in [("log_loss", 0.4652), ("rmse_bins", 0.0838), ("auc", 0.7244)] {
        let got = v[field].as_f64().unwrap();
        assert!(
            (got - reference).abs() <= 0.002,
            "{field}: {got} vs the reference {reference}"
        );
    }
}

#[test]
fn sr_optimize_lowers_log_loss_on_the_shared_revlog() {
    let v = sr_on_josh("optimize");
    assert_eq!(v["parameters"].as_array().unwrap().len(), 21);
    assert!(
        v["log_loss_after"].as_f64().unwrap() < v["log_loss_before"].as_f64().unwrap(),
        "{v}"
    );
    assert_eq!(v["stored"], false, "a --revlog fit is only reported");
}

#[test]
fn a_new_family_rated_good_is_due_after_the_fsrs_interval() {
    let env = Env::new();
    let out = drill(&env, "2026-11-23T09:00:00Z", "3\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Back: A user delegation key"),
        "the back is printed before the grade is read"
    );
    // FSRS-6 defaults: a first Good gives stability w[2] = 2.3065 days, so at 90 % retention the
    // next review is 2 learner days later, at the 04:00 start of that day.
    assert_eq!(
        due_of(&env, "cards-fc-001").as_deref(),
        Some("2026-11-25T04:00:00.000Z")
    );
    let again = drill(&env, "2026-11-23T12:00:00Z", "");
    assert!(
        stdout(&again).contains("Nothing is due. The next card is due Wed 25 Nov 04:00 (in 2 days)"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn again_brings_the_family_back_in_the_same_session() {
    let env = Env::new();
    let out = drill(&env, "2026-11-23T09:00:00Z", "1\n3\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("── Card 2 of 2 · review"),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("comes back later in this session"));
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let ratings: Vec<i64> = conn
        .prepare("SELECT rating FROM reviews ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(ratings, [1, 3]);
}

#[test]
fn the_day_boundary_follows_the_time_zone_and_the_start_hour() {
    let env = Env::new();
    env.retake(&["config", "set", "timezone", "-07:00"])
        .assert()
        .success();
    env.retake(&["config", "set", "day_starts_at", "4"])
        .assert()
        .success();
    // 10:30 UTC is 03:30 at UTC−7: still the learner's 22 November.
    drill(&env, "2026-11-23T10:30:00Z", "3\n");
    assert_eq!(
        due_of(&env, "cards-fc-001").as_deref(),
        Some("2026-11-24T11:00:00.000Z"),
        "22 Nov + 2 days at 04:00 −07:00"
    );
}

#[test]
fn undo_takes_back_the_last_grade_exactly() {
    let env = Env::new();
    let out = drill(&env, "2026-11-23T09:00:00Z", "4\n:undo\n3\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("took back the last grade"),
        "{}",
        stderr(&out)
    );
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let reviews: Vec<(i64, i64)> = conn
        .prepare("SELECT rating, reps_before FROM reviews")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        reviews,
        [(3, 0)],
        "only the regraded review remains, as the family's first"
    );
    assert_eq!(
        due_of(&env, "cards-fc-001").as_deref(),
        Some("2026-11-25T04:00:00.000Z")
    );
}

#[test]
fn a_family_that_keeps_lapsing_is_suspended_as_a_leech() {
    let env = Env::new();
    env.retake(&["config", "set", "leech_threshold", "1"])
        .assert()
        .success();
    drill(&env, "2026-11-23T09:00:00Z", "3\n");
    let out = drill(&env, "2026-11-25T09:00:00Z", "1\n");
    assert!(stderr(&out).contains("suspended as a leech"), "{}", stderr(&out));
    let list = env
        .retake(&["--banks", CARDS, "drill", "--leeches"])
        .output()
        .unwrap();
    assert!(
        stdout(&list).contains("cards-fc-001  1 lapses, suspended"),
        "{}",
        stdout(&list)
    );
    let json = env
        .retake(&["--banks", CARDS, "drill", "--leeches", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["leeches"][0]["family"], "cards-fc-001");
    assert_eq!(v["leeches"][0]["lapses"], 1);
}

#[test]
fn a_mock_exam_answer_moves_the_familys_due_date() {
    let env = Env::new();
    let out = env
        .retake(&mini_exam("11", &[]))
        .write_stdin("B,B\n:submit\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        due_of(&env, "mini-nsg-001").as_deref(),
        Some("2026-11-25T04:00:00.000Z"),
        "right: Good"
    );
    assert_eq!(
        due_of(&env, "mini-sas-001").as_deref(),
        Some("2026-11-23T09:10:00.000Z"),
        "missed: a learning step"
    );
}

#[test]
fn config_validates_values_and_lists_every_setting() {
    let env = Env::new();
    env.retake(&["config", "set", "desired_retention", "0.85"])
        .assert()
        .success()
        .stdout("desired_retention = 0.85\n");
    env.retake(&["config", "get", "desired_retention"])
        .assert()
        .success()
        .stdout("0.85\n");
    let bad = env
        .retake(&["config", "set", "desired_retention", "1.5"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("must be between 0.5 and 0.99"),
        "{}",
        stderr(&bad)
    );
    let json = env.retake(&["config", "get", "--json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["desired_retention"], "0.85");
    let all = env.retake(&["config", "get"]).output().unwrap();
    for key in [
        "desired_retention",
        "timezone",
        "day_starts_at",
        "new_per_day",
        "reviews_per_day",
        "fsrs_parameters",
        "leech_threshold",
    ] {
        assert!(stdout(&all).contains(key), "{key}");
    }
}

#[test]
fn the_exported_revlog_is_what_sr_evaluate_reads_and_backups_are_consistent() {
    let env = Env::new();
    drill(&env, "2026-11-23T09:00:00Z", "3\n");
    drill(&env, "2026-11-25T09:00:00Z", "3\n");
    let csv = env.path().join("revlog.csv");
    env.retake(&["export", "revlog", "-o", csv.to_str().unwrap()])
        .assert()
        .success();
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().next(), Some("card_id,review_time,rating"));
    assert_eq!(text.lines().count(), 3);
    let eval = env
        .retake(&["sr", "evaluate", "--revlog", csv.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&eval.stdout).unwrap();
    assert_eq!(v["reviews"], 1, "{}", stderr(&eval));
    let copy = env.path().join("copy.db");
    env.retake(&["backup", copy.to_str().unwrap()]).assert().success();
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM reviews", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
    let again = env.retake(&["backup", copy.to_str().unwrap()]).output().unwrap();
    assert_eq!(again.status.code(), Some(1), "a backup is never overwritten");
}
