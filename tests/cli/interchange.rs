//! Anki, Moodle and shell integration.

use std::path::PathBuf;
use std::process::Command;

use crate::harness::{Env, MINI, stderr, stdout};

/// A Python virtual environment with the `anki` package from PyPI, made once per build directory.
fn anki_python() -> Option<PathBuf> {
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("anki-venv");
    let python = venv.join("bin/python");
    let ready = |p: &PathBuf| {
        Command::new(p)
            .args(["-c", "import anki"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if ready(&python) {
        return Some(python);
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success());
    let installed = made
        && Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "anki"])
            .status()
            .is_ok_and(|s| s.success());
    if installed && ready(&python) {
        Some(python)
    } else {
        eprintln!("skipped: pip could not install the anki package from PyPI");
        None
    }
}

#[test]
fn anki_imports_the_export_and_a_reexport_adds_no_duplicates() {
    let env = Env::new();
    let (first, second) = (env.path().join("first.apkg"), env.path().join("second.apkg"));
    env.retake(&["export", "anki", "AZ-104", "-o", first.to_str().unwrap()])
        .assert()
        .success();
    env.retake(&["export", "anki", "AZ-104", "-o", second.to_str().unwrap()])
        .env("RETAKE_NOW", "2026-11-24T10:00:00Z")
        .assert()
        .success();
    let stats = env
        .retake(&["bank", "stats", "AZ-104", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    let notes = v["exams"][0]["questions"].as_u64().unwrap() + v["exams"][0]["flashcards"].as_u64().unwrap();
    let Some(python) = anki_python() else { return };
    let out = Command::new(python)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/anki/check_import.py"))
        .args([
            first.to_str().unwrap(),
            second.to_str().unwrap(),
            &notes.to_string(),
            "5",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

#[test]
fn moodle_xml_has_the_structure_moodles_importer_expects() {
    let env = Env::new();
    let out = env
        .retake(&["--banks", MINI, "export", "moodle-xml", "MINI-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let quiz = doc.root_element();
    assert_eq!(quiz.tag_name().name(), "quiz");
    let mut kinds = std::collections::BTreeMap::new();
    for q in quiz.children().filter(|n| n.is_element()) {
        assert_eq!(q.tag_name().name(), "question");
        let kind = q.attribute("type").expect("a type");
        *kinds.entry(kind.to_owned()).or_insert(0) += 1;
        let child = |name: &str| q.children().find(|c| c.has_tag_name(name));
        if kind == "category" {
            assert!(
                child("category")
                    .and_then(|c| c.children().find(|t| t.has_tag_name("text")))
                    .is_some()
            );
            continue;
        }
        for required in ["name", "questiontext", "generalfeedback", "defaultgrade"] {
            assert!(child(required).is_some(), "{kind} lacks <{required}>");
        }
        let text_of = |name: &str| {
            child(name)
                .and_then(|c| c.children().find(|t| t.has_tag_name("text")))
                .and_then(|t| t.text())
                .unwrap_or("")
        };
        assert!(!text_of("questiontext").is_empty());
        match kind {
            "multichoice" => {
                let answers: Vec<_> = q.children().filter(|c| c.has_tag_name("answer")).collect();
                assert!(answers.len() >= 2 && answers.iter().all(|a| a.attribute("fraction").is_some()));
                let best: f64 = answers
                    .iter()
                    .map(|a| a.attribute("fraction").unwrap().parse::<f64>().unwrap())
                    .filter(|f| *f > 0.0)
                    .sum();
                assert!((best - 100.0).abs() < 0.01, "right answers sum to 100%: {best}");
            }
            "matching" => assert!(q.children().filter(|c| c.has_tag_name("subquestion")).count() >= 2),
            "gapselect" => {
                assert!(text_of("questiontext").contains("[["));
                assert!(
                    q.children()
                        .filter(|c| c.has_tag_name("selectoption"))
                        .all(|o| o.children().any(|g| g.has_tag_name("group")))
                );
            }
            "truefalse" => assert_eq!(q.children().filter(|c| c.has_tag_name("answer")).count(), 2),
            other => panic!("unexpected type {other}"),
        }
    }
    assert_eq!(
        kinds.get("multichoice"),
        Some(&4),
        "three single and one multi: {kinds:?}"
    );
    assert_eq!(kinds.get("matching"), Some(&1));
    assert_eq!(kinds.get("gapselect"), Some(&1));
    assert_eq!(kinds.get("truefalse"), Some(&5), "2 + 3 yes/no statements");
    assert!(
        stderr(&out).contains("mini-sas-003: an ordering item"),
        "what cannot be expressed is listed: {}",
        stderr(&out)
    );
}

/// A small GIFT reader for the test: `::title:: text { answers }`, with backslash escapes.
fn parse_gift(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    for block in text.split("\n\n").map(str::trim).filter(|b| b.starts_with("::")) {
        let rest = &block[2..];
        let end = rest.find("::").unwrap();
        let title = rest[..end].replace("\\", "");
        let body = &rest[end + 2..];
        let mut depth = 0;
        let (mut open, mut close) = (0, 0);
        let chars: Vec<char> = body.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '\\' => i += 1,
                '{' => {
                    if depth == 0 {
                        open = i;
                    }
                    depth += 1;
                }
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = i;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        let inner: String = chars[open + 1..close].iter().collect();
        let answers = inner
            .split(['\n', '\t'])
            .map(str::trim)
            .filter(|a| !a.is_empty() && !a.starts_with("####"))
            .map(|a| {
                let (mark, value) = a.split_at(1);
                (mark.to_owned(), value.replace("\\", ""))
            })
            .collect();
        out.push((title, answers));
    }
    out
}

#[test]
fn gift_round_trips_through_a_parser() {
    let env = Env::new();
    let out = env
        .retake(&["--banks", MINI, "export", "gift", "MINI-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let questions = parse_gift(&stdout(&out));
    let titles: Vec<&str> = questions.iter().map(|q| q.0.as_str()).collect();
    assert!(
        titles.contains(&"mini-sas-001")
            && titles.contains(&"mini-red-001")
            && titles.contains(&"mini-nsg-002-s3"),
        "{titles:?}"
    );
    let single = questions.iter().find(|q| q.0 == "mini-sas-001").unwrap();
    assert_eq!(
        single
            .1
            .iter()
            .filter(|(m, _)| m == "=")
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>(),
        ["A service SAS that references the policy"]
    );
    let multi = questions.iter().find(|q| q.0 == "mini-sas-002").unwrap();
    assert_eq!(multi.1.iter().filter(|(_, v)| v.starts_with("%50%")).count(), 2);
    let matching = questions.iter().find(|q| q.0 == "mini-red-001").unwrap();
    assert!(
        matching
            .1
            .iter()
            .any(|(_, v)| v == "Survive a regional outage -> GRS"),
        "{:?}",
        matching.1
    );
    let tf = questions.iter().find(|q| q.0 == "mini-nsg-002-s3").unwrap();
    assert_eq!(tf.1[0].0, "F", "statement 3 is false");
    assert!(
        stderr(&out).contains("mini-nsg-001: a drop-down item"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_anki_text_export_becomes_flashcards_that_lint_clean() {
    let env = Env::new();
    let bank = env.copy_fixture("banks/valid/mini");
    let notes = env.path().join("notes.txt");
    std::fs::write(
        &notes,
        "#separator:tab\n#html:true\n#columns:Front\tBack\tTags\nWhat is <b>ZRS</b>?\tCopies across three zones<br>in one region\tstorage\n\"Quoted, front\"\tBack with \"quotes\"\t\n",
    )
    .unwrap();
    let banks = env.path().join("banks");
    let out = env
        .retake(&[
            "--banks",
            banks.to_str().unwrap(),
            "import",
            "anki-csv",
            notes.to_str().unwrap(),
            "--exam",
            "MINI-1",
            "--domain",
            "storage",
            "--category",
            "redundancy",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = bank.join("anki-redundancy.yaml");
    assert!(
        stdout(&out).contains(&format!(
            "Wrote 2 flashcards (mini1-anki-redundancy-001 …) to {}",
            written.display()
        )),
        "{}",
        stdout(&out)
    );
    let yaml = std::fs::read_to_string(&written).unwrap();
    assert!(yaml.contains("Copies across three zones in one region"), "{yaml}");
    env.retake(&["bank", "lint", bank.to_str().unwrap()])
        .assert()
        .success();
}

#[test]
fn completions_and_the_man_page_are_generated() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = env.retake(&["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(
            stdout(&out).contains("retake") && stdout(&out).contains("drill"),
            "{shell}"
        );
    }
    let man = env.retake(&["man"]).output().unwrap();
    assert!(
        stdout(&man).starts_with(".ie") && stdout(&man).contains(".TH retake 1"),
        "{}",
        stdout(&man)
    );
}
