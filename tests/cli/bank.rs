//! `retake bank …`: lint, stats, list, schema, and how banks reach the database.

use std::fs;

use insta::assert_snapshot;
use serde_json::Value;

use crate::harness::{Env, stderr, stdout};

#[test]
fn lint_reports_every_problem_of_broken_banks_with_positions() {
    let env = Env::new();
    let out = env
        .retake(&["bank", "lint", "tests/fixtures/banks/broken"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_snapshot!(stdout(&out));
    assert_eq!(
        stderr(&out),
        "lint failed: 45 errors in 13 files (4 targets checked)\n"
    );
    assert!(!env.db().exists(), "lint never touches the database");
}

#[test]
fn lint_of_one_file_checks_it_against_its_exam() {
    let env = Env::new();
    let out = env
        .retake(&["bank", "lint", "tests/fixtures/banks/broken/bad/answers.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 8, "{text}");
    assert!(
        text.lines()
            .all(|l| l.starts_with("tests/fixtures/banks/broken/bad/answers.yaml:"))
    );
}

#[test]
fn lint_accepts_a_valid_bank_and_says_what_it_checked() {
    let env = Env::new();
    let out = env
        .retake(&["bank", "lint", "tests/fixtures/banks/valid"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "checked 1 target: 9 questions, 2 flashcards, no errors\n"
    );
}

#[test]
fn lint_rejects_files_over_ten_mebibytes() {
    let env = Env::new();
    let exam = env.copy_fixture("banks/valid/mini");
    let mut big = String::from("questions:\n");
    while big.len() <= 10 * 1024 * 1024 {
        big.push_str("  # padding padding padding padding padding padding padding padding padding\n");
    }
    fs::write(exam.join("huge.yaml"), big).unwrap();
    let out = env
        .retake(&["bank", "lint", exam.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out)
            .contains("huge.yaml:1:1: file is 10.0 MiB, over the 10 MiB limit: split it into several files"),
        "{}",
        stdout(&out)
    );
}

#[cfg(unix)]
#[test]
fn lint_survives_symlink_loops() {
    let env = Env::new();
    let tree = env.path().join("tree");
    env.copy_fixture("banks/valid/mini");
    fs::create_dir_all(&tree).unwrap();
    std::os::unix::fs::symlink(env.path().join("banks/valid/mini"), tree.join("mini")).unwrap();
    std::os::unix::fs::symlink(&tree, tree.join("loop")).unwrap();
    std::os::unix::fs::symlink(tree.join("self.yaml"), tree.join("self.yaml")).unwrap();
    fs::create_dir_all(tree.join("mini/sub")).unwrap();
    std::os::unix::fs::symlink(tree.join("mini"), tree.join("mini/sub/up")).unwrap();
    std::os::unix::fs::symlink(tree.join("mini/sub/self.yaml"), tree.join("mini/sub/self.yaml")).unwrap();
    let out = env
        .retake(&["bank", "lint", tree.to_str().unwrap()])
        .output()
        .unwrap();
    // The symlinked exam folder is followed once; the loops end; the looping file is reported.
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains("tree/mini/sub/self.yaml:1:1: cannot read the file:"),
        "{text}"
    );
}

#[test]
fn stats_json_has_the_contract_fields() {
    let env = Env::new();
    let out = env
        .retake(&["--banks", "tests/fixtures/banks/valid", "bank", "stats", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let exam = &v["exams"][0];
    assert_eq!(exam["code"], "MINI-1");
    assert_eq!(exam["questions"], 9, "case sub-items count one each");
    assert_eq!(exam["flashcards"], 2);
    assert_eq!(exam["families"], 11);
    assert_eq!(exam["templated"], 1);
    assert_eq!(exam["domains"][0]["id"], "storage");
    assert_eq!(exam["domains"][0]["weight"], 45.0);
    assert_eq!(exam["domains"][0]["questions"], 4);
    assert_eq!(exam["types"]["yesno"], 2);
    assert_eq!(exam["types"]["case"], 1);
}

#[test]
fn stats_table_shows_domains_and_types() {
    let env = Env::new();
    let out = env
        .retake(&["--banks", "tests/fixtures/banks/valid", "bank", "stats", "mini-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_snapshot!(stdout(&out));
}

#[test]
fn stats_of_an_unknown_exam_is_a_usage_error() {
    let env = Env::new();
    let out = env
        .retake(&["--banks", "tests/fixtures/banks/valid", "bank", "stats", "AZ-999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "retake: no exam \"AZ-999\" in the banks (available: MINI-1)\n"
    );
}

#[test]
fn a_bank_that_breaks_leaves_the_database_untouched() {
    let env = Env::new();
    let banks = env.path().join("banks");
    let exam = env.copy_fixture("banks/valid/mini");
    let banks_arg = banks.to_str().unwrap();
    let first = env
        .retake(&["--banks", banks_arg, "bank", "stats", "--json"])
        .output()
        .unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let before = fs::read(env.db()).unwrap();

    let questions = exam.join("questions.yaml");
    let text = fs::read_to_string(&questions).unwrap();
    fs::write(&questions, text.replacen("answer: A\n", "answer: E\n", 1)).unwrap();
    let second = env
        .retake(&["--banks", banks_arg, "bank", "stats", "--json"])
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(0), "the last good import stays in use");
    assert!(
        stderr(&second).contains("warning: skipped the bank"),
        "{}",
        stderr(&second)
    );
    assert_eq!(stdout(&first), stdout(&second));
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let changes: i64 = conn
        .query_row("SELECT count(*) FROM item_changes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(changes, 11, "only the first import's additions");
    drop(conn);
    assert!(before.len() <= fs::metadata(env.db()).unwrap().len() as usize);
}

#[test]
fn an_edited_answer_is_noticed_and_reported() {
    let env = Env::new();
    let banks = env.path().join("banks");
    let exam = env.copy_fixture("banks/valid/mini");
    let banks_arg = banks.to_str().unwrap();
    env.retake(&["--banks", banks_arg, "bank", "list"])
        .assert()
        .success();
    let questions = exam.join("questions.yaml");
    let text = fs::read_to_string(&questions).unwrap();
    let text = text.replacen("answer: [A, B]\n", "answer: [A, C]\n", 1).replacen(
        "Which SAS can be revoked",
        "Which shared access signature can be revoked",
        1,
    );
    fs::write(&questions, text).unwrap();
    let out = env
        .retake(&["--banks", banks_arg, "bank", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "note: bank MINI-1 updated: 1 edited, 1 with a changed answer\n\
         note: mini-sas-002: its answer changed, so what you learned about family mini-sas-002 starts afresh\n"
    );
}

#[test]
fn list_shows_the_bundled_exams_with_their_status() {
    let env = Env::new();
    let out = env.retake(&["bank", "list", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = v["exams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["AI-102", "AI-103", "AZ-104"]);
    assert_eq!(v["exams"][0]["retires_on"], "2026-06-30");
    assert_eq!(v["exams"][0]["successor"], "AI-103");
}

#[test]
fn bundled_banks_lint_clean() {
    let env = Env::new();
    let out = env.retake(&["bank", "lint", "question_banks"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn schema_is_json_describing_both_file_kinds() {
    let env = Env::new();
    let out = env.retake(&["bank", "schema"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["$defs"]["examFile"].is_object() && v["$defs"]["questionFile"].is_object());
}

#[test]
fn a_damaged_database_is_named_and_left_alone() {
    let env = Env::new();
    fs::write(
        env.db(),
        b"this is not sqlite, it is a learner's precious file........",
    )
    .unwrap();
    let out = env.retake(&["bank", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("retake: ") && err.contains("retake.db") && err.contains("not a retake database"),
        "{err}"
    );
    assert_eq!(
        fs::read(env.db()).unwrap(),
        b"this is not sqlite, it is a learner's precious file........"
    );
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    env.retake(&["bank", "frobnicate"]).assert().code(2);
    env.retake(&["bank", "stats", "--colour"]).assert().code(2);
}
