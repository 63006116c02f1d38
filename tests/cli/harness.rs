//! A small builder around the real binary: a private database, a fixed clock, no colour.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// The fixed "now" every test runs at unless it says otherwise.
pub const NOW: &str = "2026-11-23T09:00:00Z";

/// The small valid bank (exam `MINI-1`, nine questions) most tests run against.
pub const MINI: &str = "tests/fixtures/banks/valid";

/// Arguments of a nine-question mock exam on [`MINI`] with `seed`, followed by `extra`.
pub fn mini_exam<'a>(seed: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--banks",
        MINI,
        "exam",
        "start",
        "MINI-1",
        "--seed",
        seed,
        "--questions",
        "9",
    ];
    args.extend_from_slice(extra);
    args
}

/// A private environment: a temporary folder holding the database and any files a test writes.
pub struct Env {
    dir: TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    /// The temporary folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The learner database the commands use.
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("retake.db")
    }

    /// `retake ARGS…` with this environment's database, the fixed clock, no colour, UTC and a
    /// 100-column width (`COLUMNS`), whatever the machine running the tests has.
    pub fn retake(&self, args: &[&str]) -> Command {
        Command::from_std(self.process(args))
    }

    /// The same command as a plain `std::process::Command`, for tests that talk to a running
    /// process (live stdin, kills).
    pub fn process(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("retake"));
        cmd.args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("RETAKE_DB", self.db())
            .env("RETAKE_NOW", NOW)
            .env("NO_COLOR", "1")
            .env("TZ", "UTC")
            // Text wraps to COLUMNS when stdout is not a terminal: pin it so output is the same
            // in any terminal the tests are started from.
            .env("COLUMNS", "100")
            .env_remove("RETAKE_BANKS")
            .env_remove("RETAKE_SEED");
        cmd
    }

    /// Copies a fixture folder (relative to tests/fixtures) into the environment and returns it.
    pub fn copy_fixture(&self, rel: &str) -> PathBuf {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rel);
        let dst = self.dir.path().join(rel);
        copy_dir(&src, &dst);
        dst
    }
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("create fixture copy");
    for entry in std::fs::read_dir(src).expect("read fixture") {
        let entry = entry.expect("fixture entry");
        let to = dst.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), to).expect("copy fixture file");
        }
    }
}

/// Standard output of a finished command as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error of a finished command as text.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
