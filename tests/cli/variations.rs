//! Variations instead of repeats: a missed item comes back changed, in drills and in mock exams.

use std::collections::HashSet;

use insta::assert_snapshot;
use serde_json::Value;

use crate::harness::{Env, MINI, mini_exam, stderr, stdout};

/// Answers any card eventually: each line that does not fit is refused and the next one is read.
fn any_answers(rounds: usize) -> String {
    "3\nA\nB,A\nY,Y\nY,Y,N\nA,B,C\n1=A,2=B\n".repeat(rounds)
}

fn mock(env: &Env, seed: &str, now: &str, input: &str) -> Value {
    let out = env
        .retake(&mini_exam(seed, &[]))
        .env("RETAKE_NOW", now)
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = env
        .retake(&["exam", "report", "--json"])
        .env("RETAKE_NOW", now)
        .output()
        .unwrap();
    serde_json::from_slice(&report.stdout).unwrap()
}

fn forms(v: &Value) -> Vec<(String, String, Option<String>)> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["family"].as_str().unwrap().to_owned(),
                i["question"].as_str().unwrap().to_owned(),
                i["variant"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

#[test]
fn a_missed_item_never_comes_back_verbatim_in_drills_or_the_next_mock() {
    let env = Env::new();
    let first = mock(&env, "11", "2026-11-23T09:00:00Z", ":submit\n");
    let missed = forms(&first);
    assert_eq!(missed.len(), 9);
    assert!(
        missed.iter().any(|(_, _, v)| v.is_some()),
        "the report shows the variant of templated items"
    );

    let drill = env
        .retake(&["--banks", MINI, "drill", "--seed", "3"])
        .env("RETAKE_NOW", "2026-11-23T10:00:00Z")
        .write_stdin(any_answers(40))
        .output()
        .unwrap();
    assert_eq!(drill.status.code(), Some(0), "{}", stderr(&drill));

    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let drilled: Vec<(String, String, Option<String>)> = conn
        .prepare("SELECT family, item, variant FROM reviews WHERE source = 'drill'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let missed_forms: HashSet<(String, Option<String>)> =
        missed.iter().map(|(_, q, v)| (q.clone(), v.clone())).collect();
    for (family, item, variant) in &drilled {
        assert!(
            !missed_forms.contains(&(item.clone(), variant.clone())),
            "{family} came back verbatim as {item} {variant:?}"
        );
    }
    for (family, _, _) in &missed {
        assert!(
            drilled.iter().any(|(f, _, _)| f == family),
            "{family} never came back in the drill"
        );
    }
    let template = missed.iter().find(|(_, _, v)| v.is_some()).unwrap();
    assert!(
        drilled
            .iter()
            .any(|(f, item, v)| f == &template.0 && item == &template.1 && v.is_some() && v != &template.2),
        "the missed template came back as another variant"
    );
    assert!(
        drilled.iter().any(|(_, item, _)| item == "variation-prompt"),
        "families without variants got variation prompts"
    );

    let second = mock(&env, "12", "2026-11-23T11:00:00Z", ":submit\n");
    for (family, item, variant) in forms(&second) {
        assert!(
            !missed_forms.contains(&(item.clone(), variant.clone())),
            "{family} came back verbatim in the second mock"
        );
    }
}

#[test]
fn a_template_variant_explains_what_changed() {
    let env = Env::new();
    mock(&env, "11", "2026-11-23T09:00:00Z", ":submit\n");
    let drill = env
        .retake(&["--banks", MINI, "drill", "--seed", "3", "--domain", "networking"])
        .env("RETAKE_NOW", "2026-11-23T10:00:00Z")
        .write_stdin(any_answers(30))
        .output()
        .unwrap();
    let text = stdout(&drill);
    let start = text
        .find("What changed from the version you missed")
        .expect("a variant was explained");
    let paragraph: String = text[start..]
        .lines()
        .take_while(|l| !l.trim().is_empty() && !l.starts_with("  https"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_snapshot!(paragraph);
}

#[test]
fn variations_lists_what_was_missed_and_what_comes_next() {
    let env = Env::new();
    mock(&env, "11", "2026-11-23T09:00:00Z", "B,B\n:submit\n");
    let out = env.retake(&["--banks", MINI, "variations"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_snapshot!(stdout(&out));
    let json = env
        .retake(&["--banks", MINI, "variations", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    let families = v["families"].as_array().unwrap();
    assert_eq!(families.len(), 8, "the one right answer is not in repair");
    assert!(
        families
            .iter()
            .all(|f| f["next"]["kind"].is_string() && f["needed"] == 2)
    );
}

#[test]
fn the_authoring_prompt_round_trips_through_lint() {
    let env = Env::new();
    mock(&env, "11", "2026-11-23T09:00:00Z", ":submit\n");
    let out = env
        .retake(&["--banks", MINI, "variations", "MINI-1", "--format", "prompt"])
        .output()
        .unwrap();
    let prompt = stdout(&out);
    assert!(prompt.contains("changes exactly ONE requirement"), "{prompt}");
    assert!(prompt.contains("retake bank lint"));
    // The learner pastes a model's answer back as a new bank file; here it is written by hand,
    // following the prompt: the missed question's YAML with a new id, the family kept, one
    // requirement changed.
    let block = prompt
        .split("```yaml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    assert!(block.starts_with("questions:\n  - id: \"mini-"), "{block}");
    let first_question: String = {
        let mut lines = block.lines();
        let mut out = vec![lines.next().unwrap().to_owned()];
        for (i, line) in lines.enumerate() {
            if i > 0 && line.starts_with("  - id:") {
                break;
            }
            out.push(line.to_owned());
        }
        out.join("\n")
    };
    let id_line = first_question.lines().nth(1).unwrap().to_owned();
    let id = id_line
        .trim_start_matches("  - id: ")
        .trim_matches('"')
        .to_owned();
    let pasted =
        first_question.replacen(&id_line, &format!("  - id: \"{id}-v1\"\n    family: \"{id}\""), 1) + "\n";
    let bank = env.copy_fixture("banks/valid/mini");
    std::fs::write(bank.join("variations.yaml"), pasted).unwrap();
    let lint = env
        .retake(&["bank", "lint", bank.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        lint.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&lint),
        stderr(&lint)
    );
}

#[test]
fn the_drill_summary_reports_the_memorisation_index() {
    let env = Env::new();
    mock(&env, "11", "2026-11-23T09:00:00Z", ":submit\n");
    let drill = env
        .retake(&["--banks", MINI, "drill", "--seed", "3"])
        .env("RETAKE_NOW", "2026-11-23T10:00:00Z")
        .write_stdin(any_answers(40))
        .output()
        .unwrap();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let unknown: i64 = conn
        .query_row(
            "SELECT count(*) FROM answers WHERE seen_before IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unknown, 0, "every answer knows whether its form was seen before");
    let new_forms: i64 = conn
        .query_row("SELECT count(*) FROM answers WHERE seen_before = 0", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(new_forms >= 9, "the mock's first showings are new forms");
    assert!(stdout(&drill).contains("Session summary"), "{}", stdout(&drill));
}
