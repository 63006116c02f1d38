//! The full-screen exam and drill, driven in a real terminal: `retake` runs inside a detached tmux
//! session of a known size, keys go in with `send-keys` and the screen comes back with
//! `capture-pane`. Tests wait by polling the screen for what they expect (with a bounded timeout),
//! never by sleeping a fixed time; each uses its own tmux server, and they run one at a time
//! (a lock here, a nextest test group in `.config/nextest.toml`).
//!
//! Without tmux the tests say so and pass, except under CI (`CI` set), where a missing tmux fails:
//! `scripts/test-deps` installs it.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::harness::{Env, MINI, NOW};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
static SESSIONS: AtomicUsize = AtomicUsize::new(0);

/// How long a test waits for something to appear before it fails (generous: a loaded machine can
/// take many seconds to start a process).
const PATIENCE: Duration = Duration::from_secs(180);

/// A `retake` command running in its own tmux server.
struct Tmux {
    socket: String,
    _turn: MutexGuard<'static, ()>,
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Whether tmux can be used; `false` (after saying why) when the test should be skipped.
fn have_tmux() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(
        !ci,
        "tmux is missing and CI is set: run `bash scripts/test-deps` to install it"
    );
    eprintln!("skipped: tmux is not installed (`bash scripts/test-deps` installs it)");
    false
}

impl Tmux {
    /// Starts `retake ARGS…` in a `columns`×`rows` terminal with `env`'s database, the fixed
    /// clock, UTC, no colour and no `COLUMNS`, plus `vars`. When the command ends the pane stays,
    /// showing `[exit CODE]`.
    fn start(env: &Env, columns: u16, rows: u16, args: &[&str], vars: &[(&str, &str)]) -> Tmux {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let socket = format!(
            "retake-test-{}-{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::Relaxed)
        );
        let bin = assert_cmd::cargo::cargo_bin("retake");
        let mut line = format!(
            "cd {} && env -u COLUMNS -u LINES -u RETAKE_BANKS -u RETAKE_SEED -u RETAKE_CLOCK_STEP RETAKE_DB={} RETAKE_NOW={NOW} TZ=UTC NO_COLOR=1",
            quote(env!("CARGO_MANIFEST_DIR")),
            quote(&env.db().to_string_lossy()),
        );
        for (k, v) in vars {
            line.push_str(&format!(" {k}={}", quote(v)));
        }
        line.push_str(&format!(" {}", quote(&bin.to_string_lossy())));
        for a in args {
            line.push_str(&format!(" {}", quote(a)));
        }
        line.push_str("; echo \"[exit $?]\"; exec sleep 3600");
        let tmux = Tmux { socket, _turn: turn };
        let status = tmux
            .command()
            .args(["new-session", "-d", "-s", "t", "-x"])
            .arg(columns.to_string())
            .arg("-y")
            .arg(rows.to_string())
            .args(["sh", "-c", &line])
            .status()
            .unwrap();
        assert!(status.success(), "tmux new-session failed");
        tmux
    }

    fn command(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]);
        c
    }

    /// The screen as text, one line per row.
    fn screen(&self) -> String {
        let out = self
            .command()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen and the lines that scrolled off it.
    fn history(&self) -> String {
        let out = self
            .command()
            .args(["capture-pane", "-p", "-S", "-", "-t", "t"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Presses keys by tmux name (`Enter`, `C-c`, `Right`, …).
    fn keys(&self, keys: &[&str]) {
        let status = self
            .command()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Types `text` literally.
    fn type_text(&self, text: &str) {
        let status = self
            .command()
            .args(["send-keys", "-t", "t", "-l", text])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Types `text` and presses Enter.
    fn enter(&self, text: &str) {
        self.type_text(text);
        self.keys(&["Enter"]);
    }

    /// Polls the screen until `ok` holds; returns that screen, or fails showing the last one.
    fn wait(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "waited {PATIENCE:?} for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Polls until the screen shows `text`.
    fn wait_for(&self, text: &str) -> String {
        self.wait(&format!("{text:?}"), |s| s.contains(text))
    }

    /// A tmux format of the pane, e.g. `#{alternate_on}`.
    fn pane(&self, format: &str) -> String {
        let out = self
            .command()
            .args(["display-message", "-p", "-t", "t", format])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    fn resize(&self, columns: u16, rows: u16) {
        let status = self
            .command()
            .args(["resize-window", "-t", "t", "-x"])
            .arg(columns.to_string())
            .arg("-y")
            .arg(rows.to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").status();
    }
}

/// A nine-item mock exam on the small bank (seed 1: item 1 is a yes/no series, a section).
fn mini(extra: &[&'static str]) -> Vec<&'static str> {
    let mut args = vec![
        "--banks",
        MINI,
        "exam",
        "start",
        "MINI-1",
        "--seed",
        "1",
        "--questions",
        "9",
    ];
    args.extend_from_slice(extra);
    args
}

fn row(screen: &str, n: usize) -> String {
    screen.lines().nth(n).unwrap_or("").to_owned()
}

/// Answers item 1 (the yes/no series) and confirms leaving its section.
fn answer_the_first_item(t: &Tmux) {
    t.wait_for("Question 1 of 9");
    t.enter("Y,Y,N");
    t.wait_for("Leave the section");
    t.keys(&["y"]);
    t.wait_for("Question 2 of 9");
}

#[test]
fn an_invalid_answer_stays_on_screen_with_the_input_it_refused() {
    if !have_tmux() {
        return;
    }
    let env = Env::new();
    let t = Tmux::start(&env, 80, 24, &mini(&[]), &[]);
    t.wait_for("Question 1 of 9");
    t.enter("Z");
    t.wait_for("Z: \"Z\" is not Y or N");
    let since = Instant::now();
    while since.elapsed() < Duration::from_secs(2) {
        let screen = t.screen();
        assert!(
            screen.contains("Z: \"Z\" is not Y or N") && screen.contains("Question 1 of 9"),
            "the error left the screen after {:?}:\n{screen}",
            since.elapsed()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    t.enter(":goto 99");
    t.wait_for(":goto 99: there is no item 99 (items 1–9)");
}

#[test]
fn the_timer_counts_down_while_the_learner_is_idle_and_stays_on_its_row() {
    if !have_tmux() {
        return;
    }
    let env = Env::new();
    let t = Tmux::start(&env, 80, 24, &mini(&[]), &[("RETAKE_CLOCK_STEP", "1")]);
    let first = t.wait_for("Time left");
    let top = row(&first, 0);
    assert!(top.starts_with("MINI-1 mock exam"), "{first}");
    let timer = |line: &str| {
        line.trim_end()
            .rsplit("Time left ")
            .next()
            .unwrap_or("")
            .to_owned()
    };
    let before = timer(&top);
    assert_eq!(before.len(), "0:29:59".len(), "H:MM:SS: {top:?}");
    let later = t.wait("the timer to move", |s| {
        let top = row(s, 0);
        top.contains("Time left") && timer(&top) != before
    });
    let top = row(&later, 0);
    assert_eq!(
        top.trim_end().chars().count(),
        80,
        "right-aligned on row 1: {top:?}"
    );
    assert!(!row(&later, 1).contains("Time left"), "{later}");
}

#[test]
fn answering_flagging_and_jumping_from_the_review_grid() {
    if !have_tmux() {
        return;
    }
    let env = Env::new();
    let t = Tmux::start(&env, 120, 40, &mini(&[]), &[]);
    answer_the_first_item(&t);
    t.wait_for("item 1: answer Y,Y,N saved");
    t.enter(":flag");
    t.wait_for("item 2 flagged for review");
    t.wait_for("Question 2 of 9 ⚑ flagged");
    t.keys(&["Tab"]);
    t.wait_for("Question 3 of 9");
    t.keys(&["C-r"]);
    let grid = t.wait_for("● answered  ○ unanswered");
    assert!(grid.contains("   1 ✕"), "item 1 is locked:\n{grid}");
    assert!(grid.contains("   2 ○⚑"), "item 2 is flagged:\n{grid}");
    assert!(
        grid.contains(">  3 ○ <"),
        "the grid starts at the item left:\n{grid}"
    );
    t.keys(&["Right", "Right"]);
    t.wait_for(">  5 ○ <");
    t.keys(&["Left"]);
    t.wait_for("Enter: go to item 4");
    t.keys(&["Enter"]);
    t.wait_for("Question 4 of 9");
    t.keys(&["C-f"]);
    t.wait_for("item 4 flagged for review");
    t.keys(&["BTab"]);
    t.wait_for("Question 3 of 9");
    let json = env.retake(&["exam", "report", "--json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let flagged: Vec<bool> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["flagged"].as_bool().unwrap())
        .collect();
    assert_eq!(
        flagged,
        [false, true, false, true, false, false, false, false, false]
    );
    assert_eq!(report["items"][0]["response"], "Y,Y,N");
}

#[test]
fn leaving_a_section_asks_first_and_submitting_asks_first() {
    if !have_tmux() {
        return;
    }
    let env = Env::new();
    let t = Tmux::start(&env, 80, 24, &mini(&[]), &[]);
    t.wait_for("Question 1 of 9");
    t.enter("Y,Y,N");
    let dialog = t.wait_for("Leave the section");
    assert!(dialog.contains("to item 1. Continue?"), "{dialog}");
    t.keys(&["n"]);
    t.wait_for("you stayed in this section");
    t.wait_for("Question 1 of 9");
    t.keys(&["Tab"]);
    t.wait_for("Leave the section");
    t.keys(&["y"]);
    t.wait_for("section locked: item 1");
    t.wait_for("Question 2 of 9");
    t.keys(&["C-s"]);
    let dialog = t.wait_for("Submit exam");
    assert!(dialog.contains("8 unanswered, 0 flagged"), "{dialog}");
    t.keys(&["Escape"]);
    t.wait_for("not submitted: the exam goes on");
    t.enter(":submit");
    t.wait_for("Submit exam");
    t.keys(&["y"]);
    t.wait_for("[exit 0]");
    let done = t.history();
    assert!(done.contains("Score:"), "{done}");
    assert_eq!(t.pane("#{alternate_on}"), "0", "the alternate screen is left");
    let json = env.retake(&["exam", "report", "--json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["status"], "submitted");
}

#[test]
fn the_deadline_submits_an_idle_exam() {
    if !have_tmux() {
        return;
    }
    let env = Env::new();
    let t = Tmux::start(
        &env,
        80,
        24,
        &mini(&["--minutes", "0.5"]),
        &[("RETAKE_CLOCK_STEP", "2")],
    );
    answer_the_first_item(&t);
    t.wait_for("[exit 0]");
    let done = t.history();
    assert!(done.contains("Time is up: the attempt was submitted."), "{done}");
    assert!(done.contains("Score:"), "{done}");
    assert_eq!(t.pane("#{alternate_on}"), "0");
    let json = env.retake(&["exam", "report", "--json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["status"], "expired");
    assert_eq!(report["items"][0]["response"], "Y,Y,N");
}

#[test]
fn a_resized_window_is_redrawn_and_a_small_one_asks_to_grow() {
    if !have_tmux() {
        return;
    }
    let env = Env::new();
    let t = Tmux::start(&env, 80, 24, &mini(&[]), &[]);
    let small = t.wait_for("Question 1 of 9");
    assert_eq!(small.lines().count(), 24, "{small}");
    t.resize(120, 40);
    let big = t.wait("a 120-column frame", |s| {
        row(s, 0).trim_end().chars().count() == 120 && s.contains("Question 1 of 9")
    });
    let help = big.lines().nth(39).unwrap_or("");
    assert!(help.contains("^T timer"), "the key help uses the room: {help:?}");
    t.resize(50, 12);
    t.wait_for("make it at least 60×16");
    t.resize(80, 24);
    let back = t.wait("the exam again", |s| {
        s.contains("Question 1 of 9") && !s.contains("make it at least")
    });
    assert_eq!(row(&back, 0).trim_end().chars().count(), 80, "{back}");
}

#[test]
fn ctrl_c_restores_the_terminal_and_resume_continues_with_every_answer() {
    if !have_tmux() {
        return;
    }
    let env = Env::new();
    {
        let t = Tmux::start(&env, 80, 24, &mini(&[]), &[]);
        answer_the_first_item(&t);
        t.enter("1=A,2=B");
        t.wait_for("Question 3 of 9");
        t.enter(":flag");
        t.wait_for("item 3 flagged");
        t.keys(&["C-c"]);
        t.wait_for("[exit 0]");
        let done = t.history();
        assert!(
            done.contains("Saved: attempt 1 of MINI-1 is still in progress")
                && done.contains("`retake exam resume`"),
            "{done}"
        );
        assert_eq!(t.pane("#{alternate_on}"), "0", "the alternate screen is left");
        assert_eq!(t.pane("#{cursor_flag}"), "1", "the cursor is shown again");
    }
    let t = Tmux::start(&env, 120, 40, &["exam", "resume"], &[]);
    let screen = t.wait_for("Question 3 of 9 ⚑ flagged");
    assert!(screen.contains("2 answered · 1 flagged"), "{screen}");
    t.keys(&["C-r"]);
    let grid = t.wait_for("● answered");
    assert!(grid.contains("   1 ✕") && grid.contains("   2 ●"), "{grid}");
    t.keys(&["C-d"]);
    t.wait_for("[exit 0]");
    let json = env.retake(&["exam", "report", "--json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["status"], "in_progress");
    assert_eq!(report["items"][0]["response"], "Y,Y,N");
    assert!(report["items"][1]["response"].is_string(), "{report}");
    assert_eq!(report["items"][2]["flagged"], true);
}

#[test]
fn practice_feedback_shows_in_the_same_frame_as_the_item() {
    if !have_tmux() {
        return;
    }
    let env = Env::new();
    let t = Tmux::start(&env, 80, 24, &mini(&["--practice"]), &[]);
    t.wait_for("untimed practice");
    t.enter("Y,N,N");
    let screen = t.wait_for("Not quite. The right answer is Y,Y,N (2 of 3 points).");
    assert!(screen.contains("Your answer: Y,N,N"), "{screen}");
    assert!(screen.contains("Enter: next item >"), "{screen}");
    t.keys(&["Enter"]);
    t.wait_for("Leave the section");
}

#[test]
fn a_drill_flips_flashcards_and_explains_answers_in_the_frame() {
    if !have_tmux() {
        return;
    }
    let env = Env::new();
    let t = Tmux::start(
        &env,
        80,
        24,
        &["--banks", MINI, "drill", "MINI-1", "--limit", "4"],
        &[],
    );
    t.wait_for("Drill · card 1 of 4");
    for _ in 0..4 {
        let screen = t.wait("a card", |s| s.contains("Drill · card") || s.contains("[exit"));
        if screen.contains("[exit") {
            break;
        }
        if screen.contains("Enter or space: show the back") {
            t.keys(&["Space"]);
            t.wait_for("Grade yourself: 1 again");
            t.keys(&["3"]);
            t.wait_for("graded 3 (good)");
        } else {
            let card = row(&screen, 0);
            t.enter("A");
            let graded = t.wait("the explanation", |s| {
                s.contains("Right.") || s.contains("Not quite.") || s.contains("A: ")
            });
            if graded.contains("A: ") && !graded.contains("Enter: next card") {
                // A multi-part question: "A" alone is refused with its reason; skip it.
                t.keys(&["Enter"]);
                t.wait("the next card", |s| row(s, 0) != card);
                continue;
            }
            t.wait_for("Enter: next card >");
            t.keys(&["Enter"]);
        }
    }
    t.keys(&["C-c"]);
    t.wait_for("[exit 0]");
    let done = t.history();
    assert!(done.contains("Session summary"), "{done}");
    assert!(!done.contains("reviewed: 0"), "{done}");
}
