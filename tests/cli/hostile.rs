//! Nothing a bank, a path or a clock can do hurts the learner (issue 14): one test per class of
//! attack, each driving the real binary over hostile banks, paths and databases built in a
//! temporary folder. No real device is touched (a FIFO is made with `mkfifo`; `/dev/null` is only
//! checked to be refused as a database, which opens nothing).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::harness::{Env, MINI, stderr, stdout};

/// Terminal attacks, written as YAML double-quoted escapes: a window title (OSC 0), a clipboard
/// write (OSC 52), clearing the screen, NUL, DEL, a C1 CSI and a right-to-left override.
const PAYLOAD: &str = r"\e]0;PWNED\a\e]52;c;ZXZpbA==\a\e[2J\0\x7f\u009b31m\u202e";

/// Keys whose plain one-line values get the payload appended.
const TEXT_KEYS: &[&str] = &[
    "title",
    "name",
    "repair",
    "stem",
    "explanation",
    "front",
    "back",
    "scenario",
    "text",
];

/// Appends [`PAYLOAD`] to every plain text field of a YAML file (and to block list entries that
/// are plain text), quoting the value.
fn poison(yaml: &str) -> String {
    let mut out = String::new();
    for line in yaml.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let (lead, rest) = match trimmed.strip_prefix("- ") {
            Some(r) => ("- ", r),
            None => ("", trimmed),
        };
        let plain = |v: &str| !v.is_empty() && !v.starts_with(['[', '{', '|', '>', '"', '\'', '&', '*']);
        let quoted = |v: &str| format!("\"{} {PAYLOAD}\"", v.replace('\\', "\\\\").replace('"', "\\\""));
        if let Some((key, value)) = rest.split_once(": ") {
            if TEXT_KEYS.contains(&key) && plain(value) {
                out.push_str(&format!("{indent}{lead}{key}: {}\n", quoted(value)));
                continue;
            }
        } else if lead == "- " && plain(rest) && !rest.contains(':') {
            out.push_str(&format!("{indent}- {}\n", quoted(rest)));
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A copy of the mini bank with control characters in every text field.
fn hostile_bank(env: &Env) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(MINI).join("mini");
    let dst = env.path().join("hostile/mini");
    fs::create_dir_all(&dst).unwrap();
    for name in ["exam.yaml", "questions.yaml"] {
        let text = fs::read_to_string(src.join(name)).unwrap();
        fs::write(dst.join(name), poison(&text)).unwrap();
    }
    env.path().join("hostile")
}

/// Fails when `bytes` hold a byte below 0x20 other than newline and tab or, in text for people,
/// DEL or a character a terminal would act on (C1 controls, bidirectional overrides). JSON keeps
/// those as data (a JSON string may hold them), but never a raw C0 control.
fn assert_terminal_safe(what: &str, bytes: &[u8]) {
    let json = what.contains("json");
    if let Some(i) = bytes
        .iter()
        .position(|b| (*b < 0x20 && *b != b'\n' && *b != b'\t') || (*b == 0x7f && !json))
    {
        let from = i.saturating_sub(60);
        panic!(
            "{what}: control byte 0x{:02x} at {i}: {:?}",
            bytes[i],
            String::from_utf8_lossy(&bytes[from..(i + 20).min(bytes.len())])
        );
    }
    if json {
        return;
    }
    let text = String::from_utf8_lossy(bytes);
    if let Some(c) = text
        .chars()
        .find(|c| *c != '\n' && *c != '\t' && retake::text::is_unsafe_char(*c))
    {
        panic!("{what}: unsafe character U+{:04X}", u32::from(c));
    }
}

#[test]
fn terminal_injection_never_reaches_the_terminal_from_any_command() {
    let env = Env::new();
    let banks = hostile_bank(&env);
    let banks = banks.to_str().unwrap();
    let run = |args: &[&str], input: &str| {
        let mut full = vec!["--color", "never", "--banks", banks];
        full.extend_from_slice(args);
        let out = env
            .retake(&full)
            .write_stdin(input.to_owned())
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        let what = args.join(" ");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{what}: {:?} {}",
            out.status,
            stderr(&out)
        );
        assert_terminal_safe(&format!("{what} (stdout)"), &out.stdout);
        assert_terminal_safe(&format!("{what} (stderr)"), &out.stderr);
        out
    };
    let lint = run(&["bank", "lint"], "");
    assert_eq!(
        lint.status.code(),
        Some(0),
        "control characters are a warning, not an error"
    );
    assert!(
        stdout(&lint).contains("control character U+001B, shown as \\u{1b}"),
        "{}",
        stdout(&lint)
    );
    run(&["bank", "list"], "");
    run(&["bank", "list", "--json"], "");
    let stats = run(&["bank", "stats"], "");
    assert!(stdout(&stats).contains("\\u{1b}]0;PWNED"), "{}", stdout(&stats));
    run(&["bank", "stats", "--json"], "");
    // A mock exam, answered line by line, with a hostile dispute note and a runaway line.
    let mut answers = vec![
        "B,A".to_owned(),
        format!("{}\u{1b}]0;x\u{7}", "Z".repeat(5_000)),
        ":dispute wrong \u{1b}[2J answer".to_owned(),
    ];
    answers.extend(
        [
            "A", "Y,N,Y", "A,B", "1=A,2=B", "A,B,C", "A", "A", "Y,N", ":submit",
        ]
        .map(String::from),
    );
    let exam = run(
        &["exam", "start", "MINI-1", "--seed", "11", "--questions", "9"],
        &(answers.join("\n") + "\n"),
    );
    assert!(stdout(&exam).contains("\\u{1b}]52;c;"), "{}", stdout(&exam));
    assert!(
        stderr(&exam).len() < 4_000,
        "a 5,000-character line is not echoed whole: {} bytes",
        stderr(&exam).len()
    );
    run(&["exam", "report"], "");
    let review = run(&["exam", "report", "--review"], "");
    assert!(stdout(&review).contains("\\u{1b}[2J"), "{}", stdout(&review));
    run(&["exam", "report", "--json"], "");
    run(&["exam", "list"], "");
    run(
        &[
            "exam",
            "start",
            "MINI-1",
            "--practice",
            "--seed",
            "5",
            "--questions",
            "3",
        ],
        "A\nA\nA\n:submit\n",
    );
    run(&["drill"], &"A\n1\n".repeat(20));
    for format in ["table", "md", "csv", "html", "json"] {
        run(&["progress", "--format", format], "");
    }
    run(&["plan", "MINI-1"], "");
    run(&["plan", "MINI-1", "--json"], "");
    for format in ["text", "json", "prompt"] {
        run(&["variations", "--format", format], "");
    }
    run(&["bank", "disputes"], "");
    run(&["attempt", "next", "MINI-1"], "");
    run(&["export", "gift", "MINI-1"], "");
    run(&["export", "moodle-xml", "MINI-1"], "");
    run(&["config", "get"], "");
    // A file name is bank text too: lint quotes it.
    let named = env.path().join("named/mini");
    fs::create_dir_all(&named).unwrap();
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(MINI)
            .join("mini/exam.yaml"),
        named.join("exam.yaml"),
    )
    .unwrap();
    fs::write(
        named.join("q\u{1b}]0;T\u{7}.yaml"),
        "questions:\n  - id: x\n    colour: red\n",
    )
    .unwrap();
    let out = env
        .retake(&["--color", "never", "bank", "lint", named.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_terminal_safe("lint of a hostile file name", &out.stdout);
    assert!(
        stdout(&out).contains("q\\u{1b}]0;T\\u{7}.yaml"),
        "{}",
        stdout(&out)
    );
}

/// A bank whose strings are spreadsheet formulas and Anki field separators.
fn formula_bank(env: &Env) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(MINI).join("mini");
    let dst = env.path().join("formula/mini");
    fs::create_dir_all(&dst).unwrap();
    let exam = fs::read_to_string(src.join("exam.yaml"))
        .unwrap()
        .replace(
            "name: Implement and manage storage",
            "name: \"=HYPERLINK(\\\"http://evil\\\",\\\"x\\\")\"",
        )
        .replace(
            "name: Implement and manage virtual networking",
            "name: \"@SUM(1+1)*cmd|' /C calc'!A0\"",
        );
    let questions = fs::read_to_string(src.join("questions.yaml"))
        .unwrap()
        .replace(
            "stem: Which SAS can be revoked by deleting a stored access policy?",
            "stem: \"<script>alert(1)</script> {GIFT} ~= # : \\x1f injected\\x1ffield\"",
        )
        .replace(
            "      - A service SAS that references the policy",
            "      - \"A service SAS }\\n::evil:: Injected {=yes}\"",
        );
    fs::write(dst.join("exam.yaml"), exam).unwrap();
    fs::write(dst.join("questions.yaml"), questions).unwrap();
    env.path().join("formula")
}

#[test]
fn exports_neutralise_formulas_field_separators_and_markup() {
    let env = Env::new();
    let banks = formula_bank(&env);
    let banks = banks.to_str().unwrap();
    // One scored mock so that progress has history rows too.
    let out = env
        .retake(&[
            "--banks",
            banks,
            "exam",
            "start",
            "MINI-1",
            "--seed",
            "11",
            "--questions",
            "9",
        ])
        .write_stdin(":submit\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let csv = env
        .retake(&["--banks", banks, "progress", "--format", "csv"])
        .output()
        .unwrap();
    let csv = stdout(&csv);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mut names = 0;
    for row in reader.records() {
        let row = row.unwrap();
        for cell in row.iter() {
            assert!(
                !(cell.starts_with(['=', '+', '@', '\t', '\r'])
                    || cell.starts_with('-') && cell.parse::<f64>().is_err()),
                "a cell a spreadsheet would run: {cell:?}"
            );
        }
        names += usize::from(
            row.get(3)
                .is_some_and(|n| n.starts_with("'=") || n.starts_with("'@")),
        );
    }
    assert!(names >= 2, "the formula names are kept, neutralised:\n{csv}");

    // GIFT and Moodle XML show the same escaped text and cannot gain questions.
    let gift = stdout(
        &env.retake(&["--banks", banks, "export", "gift", "MINI-1"])
            .output()
            .unwrap(),
    );
    let xml = stdout(
        &env.retake(&["--banks", banks, "export", "moodle-xml", "MINI-1"])
            .output()
            .unwrap(),
    );
    assert!(
        !gift.contains("<script>") && !xml.contains("<script>"),
        "markup is escaped"
    );
    assert!(!gift.contains("\n::evil::"), "no injected GIFT question:\n{gift}");
    assert!(!gift.contains('\u{1f}') && !xml.contains('\u{1f}'));
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let stem = doc
        .descendants()
        .filter(|n| n.has_tag_name("question") && n.attribute("type") == Some("multichoice"))
        .find(|q| q.descendants().any(|n| n.text() == Some("mini-sas-001")))
        .and_then(|q| q.descendants().find(|n| n.has_tag_name("questiontext")))
        .and_then(|t| t.descendants().find(|n| n.has_tag_name("text")))
        .and_then(|t| t.text())
        .unwrap()
        .to_owned();
    // GIFT's stem is the same HTML, GIFT-escaped.
    let gift_stem = retake::interchange::gift_escape(&stem);
    assert!(
        gift.contains(&gift_stem),
        "GIFT and Moodle XML agree on\n{stem}\n{gift}"
    );

    // Anki: 0x1f inside a bank string cannot add fields to a note.
    let apkg = env.path().join("cards.apkg");
    let out = env
        .retake(&[
            "--banks",
            banks,
            "export",
            "anki",
            "MINI-1",
            "-o",
            apkg.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut archive = zip::ZipArchive::new(fs::File::open(&apkg).unwrap()).unwrap();
    let collection = env.path().join("collection.anki2");
    std::io::copy(
        &mut archive.by_name("collection.anki2").unwrap(),
        &mut fs::File::create(&collection).unwrap(),
    )
    .unwrap();
    let conn = rusqlite::Connection::open(&collection).unwrap();
    let mut stmt = conn.prepare("SELECT flds FROM notes").unwrap();
    let fields: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!fields.is_empty());
    for f in &fields {
        assert_eq!(f.matches('\u{1f}').count(), 1, "two fields per note: {f:?}");
    }
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn output_files_stream_to_fifos_never_follow_symlinks_and_leave_nothing_partial() {
    use std::os::unix::fs::FileTypeExt as _;
    let env = Env::new();
    let dir = env.path();
    // A FIFO gets the export written into it and stays a FIFO.
    let fifo = dir.join("pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read_to_string(fifo).unwrap())
    };
    let out = env
        .retake(&[
            "--banks",
            MINI,
            "export",
            "gift",
            "MINI-1",
            "-o",
            fifo.to_str().unwrap(),
        ])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let through_pipe = reader.join().unwrap();
    assert!(through_pipe.contains("::mini-sas-001::"), "{through_pipe}");
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());

    // A planted symlink is replaced, its target untouched.
    let victim = dir.join("victim.txt");
    fs::write(&victim, "precious").unwrap();
    let planted = dir.join("export.xml");
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    let out = env
        .retake(&[
            "--banks",
            MINI,
            "export",
            "moodle-xml",
            "MINI-1",
            "-o",
            planted.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert!(fs::symlink_metadata(&planted).unwrap().file_type().is_file());

    // New files get the umask's mode, exports and backups alike.
    let umasked = |args: &str| {
        let bin = assert_cmd::cargo::cargo_bin("retake");
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("umask 027 && exec '{}' {args}", bin.display()))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("RETAKE_DB", env.db())
            .env("RETAKE_NOW", crate::harness::NOW)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(status.status.success(), "{args}: {}", stderr(&status));
    };
    let gift = dir.join("bank.gift");
    umasked(&format!(
        "--banks {MINI} export gift MINI-1 -o '{}'",
        gift.display()
    ));
    assert_eq!(mode_of(&gift), 0o640);
    let backup = dir.join("copy.db");
    umasked(&format!("backup '{}'", backup.display()));
    assert_eq!(mode_of(&backup), 0o640);

    // backup refuses an existing target — a stale non-SQLite file is not called a damaged database.
    let stale = dir.join("stale.db");
    fs::write(&stale, "not a database").unwrap();
    let out = env.retake(&["backup", stale.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("damaged"), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&stale).unwrap(), "not a database");
    // A failed write leaves nothing behind: no `.partial`, no temporary file.
    let out = env
        .retake(&["backup", dir.join("missing/deeper/b.db").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("retake.db"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "bank.gift",
            "copy.db",
            "export.xml",
            "pipe",
            "stale.db",
            "victim.txt"
        ],
        "nothing partial or temporary is left"
    );
}

#[test]
fn databases_that_are_not_ours_are_refused_untouched() {
    let env = Env::new();
    for bad in [
        ":memory:",
        "file:learner.db?mode=memory",
        "file:x.db?immutable=1",
        "file:y.db?nolock=1",
        "/dev/null",
    ] {
        let out = env.retake(&["--db", bad, "bank", "list"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{bad}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("nothing was opened"),
            "{bad}: {}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("saved"), "{bad}");
    }
    // A folder nobody may create files in (sysfs refuses even root) gets a message that says so.
    #[cfg(target_os = "linux")]
    {
        let out = env
            .retake(&["--db", "/sys/retake-hostile-test.db", "config", "get"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(
            err.contains("the folder /sys of the database") && err.contains("is read-only"),
            "{err}"
        );
    }
    // Another application's SQLite file: its own id, or no id and foreign tables.
    let theirs = env.path().join("theirs.sqlite");
    {
        let c = rusqlite::Connection::open(&theirs).unwrap();
        c.execute_batch(
            "PRAGMA application_id = 1234; CREATE TABLE mail (body TEXT); INSERT INTO mail VALUES ('hi');",
        )
        .unwrap();
    }
    let anonymous = env.path().join("anonymous.sqlite");
    {
        let c = rusqlite::Connection::open(&anonymous).unwrap();
        c.execute_batch("PRAGMA user_version = 2; CREATE TABLE items_of_someone (x);")
            .unwrap();
    }
    for path in [&theirs, &anonymous] {
        let before = fs::read(path).unwrap();
        let backup_target = env.path().join("never.db");
        for args in [
            &["bank", "list"][..],
            &["config", "get"],
            &["progress"],
            &["backup", backup_target.to_str().unwrap()],
        ] {
            let mut full = vec!["--banks", MINI, "--db", path.to_str().unwrap()];
            full.extend_from_slice(args);
            let out = env.retake(&full).output().unwrap();
            assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
            assert!(
                stderr(&out).contains("is not a retake database"),
                "{}",
                stderr(&out)
            );
        }
        assert_eq!(fs::read(path).unwrap(), before, "{} was changed", path.display());
    }
    // A retake database from before application ids opens, and is stamped.
    let out = env.retake(&["--banks", MINI, "bank", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = |env: &Env| -> i64 {
        rusqlite::Connection::open(env.db())
            .unwrap()
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .unwrap()
    };
    assert_eq!(id(&env), i64::from(retake::store::APPLICATION_ID));
    rusqlite::Connection::open(env.db())
        .unwrap()
        .pragma_update(None, "application_id", 0)
        .unwrap();
    let out = env.retake(&["--banks", MINI, "bank", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(id(&env), i64::from(retake::store::APPLICATION_ID));
    // A stored setting out of range names its repair, and `config set` repairs it.
    rusqlite::Connection::open(env.db())
        .unwrap()
        .execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES ('desired_retention', '7')",
            [],
        )
        .unwrap();
    // It never blocks a command: the default applies, with a warning naming the repair.
    let out = env.retake(&["--banks", MINI, "drill"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("retake config set desired_retention"),
        "{}",
        stderr(&out)
    );
    let out = env
        .retake(&["config", "set", "desired_retention", "0.9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = env
        .retake(&["--banks", MINI, "drill"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // An impossible schema version is named, with no SQL.
    rusqlite::Connection::open(env.db())
        .unwrap()
        .pragma_update(None, "user_version", -7)
        .unwrap();
    let out = env.retake(&["config", "get"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("schema version -7"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("CREATE"), "{}", stderr(&out));
}

/// Copies the mini bank into `dir`.
fn mini_copy(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(MINI).join("mini");
    for name in ["exam.yaml", "questions.yaml"] {
        fs::copy(src.join(name), dir.join(name)).unwrap();
    }
}

#[test]
fn banks_cannot_confuse_identity() {
    let env = Env::new();
    let root = env.path().join("banks");
    mini_copy(&root.join("a"));
    mini_copy(&root.join("b"));
    let root_s = root.to_str().unwrap();
    // Two folders with one code: a lint error naming both.
    let out = env.retake(&["bank", "lint", root_s]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("b/exam.yaml:1:1")
            && text.contains("\"MINI-1\" is also the code of")
            && text.contains("/a"),
        "{text}"
    );
    // Every run keeps the first folder's import: the second is skipped, nothing is re-imported.
    for _ in 0..3 {
        let out = env
            .retake(&["--banks", root_s, "bank", "list", "--json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stderr(&out).contains("skipped the bank"), "{}", stderr(&out));
        assert!(
            !stderr(&out).contains("updated"),
            "no re-import: {}",
            stderr(&out)
        );
        let list: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(list["exams"].as_array().unwrap().len(), 1);
        assert!(list["exams"][0]["source"].as_str().unwrap().ends_with("/a"));
    }
    fs::remove_dir_all(root.join("b")).unwrap();

    // An edit that restores size and modification time is still noticed.
    let q = root.join("a/questions.yaml");
    let text = fs::read_to_string(&q).unwrap();
    let mtime = fs::metadata(&q).unwrap().modified().unwrap();
    let edited = text.replacen("    answer: A\n", "    answer: B\n", 1);
    assert_eq!(edited.len(), text.len());
    fs::write(&q, &edited).unwrap();
    fs::File::options()
        .write(true)
        .open(&q)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let out = env.retake(&["--banks", root_s, "bank", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("with a changed answer"), "{}", stderr(&out));

    // More than 26 lettered choices: a lint error (letters stop at Z).
    let many: Vec<String> = (1..=27).map(|i| format!("\"choice {i}\"")).collect();
    let wide = root.join("a/wide.yaml");
    fs::write(
        &wide,
        format!(
            "questions:\n  - id: wide-1\n    domain: storage\n    category: sas\n    type: single\n    stem: Pick one.\n    options: [{}]\n    answer: A\n    explanation: Because.\n    refs: [https://learn.microsoft.com/x]\n",
            many.join(", ")
        ),
    )
    .unwrap();
    let out = env
        .retake(&["bank", "lint", wide.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("has 27 entries, but answers are letters A–Z"),
        "{}",
        stdout(&out)
    );
    fs::remove_file(&wide).unwrap();

    // An exam folder that cannot be read is skipped with a warning; the others still work.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let locked = root.join("locked");
        mini_copy(&locked.join("inner"));
        fs::write(
            locked.join("inner/exam.yaml"),
            fs::read_to_string(locked.join("inner/exam.yaml"))
                .unwrap()
                .replace("MINI-1", "LOCKED-1"),
        )
        .unwrap();
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
        // Root reads any folder: then there is nothing to skip.
        let denied = fs::read_dir(&locked).is_err();
        let out = env.retake(&["--banks", root_s, "bank", "list"]).output().unwrap();
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).contains("MINI-1"), "{}", stdout(&out));
        assert_eq!(
            stderr(&out).contains("skipped an exam folder: cannot read"),
            denied,
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn bounds_hold_for_counts_dates_lines_notes_and_documents() {
    let env = Env::new();
    // --questions far above the bank: capped at once, not looped for minutes.
    let out = env
        .retake(&[
            "--banks",
            MINI,
            "exam",
            "start",
            "MINI-1",
            "--seed",
            "3",
            "--questions",
            "1000000000000",
        ])
        .write_stdin(":submit\n")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is more than the MINI-1 bank holds"),
        "{}",
        stderr(&out)
    );
    let report: Value =
        serde_json::from_slice(&env.retake(&["exam", "report", "--json"]).output().unwrap().stdout).unwrap();
    assert!(report["items"].as_array().unwrap().len() <= 9);

    // attempt log: dates between 2000 and now.
    for date in ["1999-12-31", "0001-01-01", "2026-11-24"] {
        let out = env
            .retake(&[
                "--banks", MINI, "attempt", "log", "MINI-1", "--date", date, "--score", "600",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{date}: {}", stderr(&out));
    }

    // A huge stdin line is not echoed whole; a huge dispute note is capped in storage.
    let note = "n".repeat(50_000);
    let input = format!("{}\n:dispute {note}\n:submit\n", "Q".repeat(200_000));
    let out = env
        .retake(&[
            "--banks",
            MINI,
            "exam",
            "start",
            "MINI-1",
            "--seed",
            "3",
            "--questions",
            "3",
        ])
        .write_stdin(input)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).len() < 5_000,
        "echo is truncated: {} bytes",
        stderr(&out).len()
    );
    let disputes: Value = serde_json::from_slice(
        &env.retake(&["bank", "disputes", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let stored = disputes["disputes"][0]["note"].as_str().unwrap();
    assert_eq!(
        stored.chars().count(),
        retake::exam::session::MAX_DISPUTE_NOTE_CHARS
    );

    // A multi-document YAML file gets our own message.
    let bank = env.path().join("multi");
    mini_copy(&bank);
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(bank.join("questions.yaml"))
        .unwrap();
    f.write_all(b"---\nquestions: []\n").unwrap();
    let out = env
        .retake(&["bank", "lint", bank.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("more than one YAML document"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("from_str_multiple"), "{}", stdout(&out));
}
