//! The README stays true: every command it shows exists, and CI runs its test command.

use crate::harness::Env;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// The subcommand words of a README line such as `retake bank stats [EXAM] [--json]  …`.
fn subcommand(line: &str) -> Vec<&str> {
    // The description is separated from the command by two or more spaces.
    let command = line.split("  ").next().unwrap_or(line);
    command
        .split_whitespace()
        .skip(1)
        .take_while(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !w.starts_with('-'))
        .collect()
}

#[test]
fn every_command_the_readme_shows_exists() {
    let env = Env::new();
    let text = readme();
    let commands: Vec<Vec<&str>> = text
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with("retake ") && !l.starts_with("retake is"))
        .map(subcommand)
        .filter(|words| !words.is_empty())
        .collect();
    assert!(commands.len() >= 4, "the README shows its commands");
    for words in commands {
        let mut args = words.clone();
        args.push("--help");
        let out = env.retake(&args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "`retake {}` is shown in the README but does not exist",
            words.join(" ")
        );
    }
}

#[test]
fn ci_runs_the_readme_test_command() {
    let text = readme();
    let after = text
        .split("<!-- test-command")
        .nth(1)
        .expect("the README marks its test command");
    let command = after
        .lines()
        .skip_while(|l| !l.starts_with("```"))
        .nth(1)
        .unwrap();
    assert!(
        command.contains("cargo fmt --check")
            && command.contains("cargo clippy --all-targets --locked -- -D warnings")
    );
    assert!(command.contains("cargo test --locked"));
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    assert!(
        ci.contains("test-command") && ci.contains("eval \"$cmd\""),
        ".ci/run evaluates the README's command"
    );
}
