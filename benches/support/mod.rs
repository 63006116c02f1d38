//! Generators of large synthetic banks for the benchmarks (not part of the product).

#![allow(dead_code)]

use std::fmt::Write as _;

/// Domains of the synthetic exam: `(id, weight, categories)`.
const DOMAINS: [(&str, u32, [&str; 4]); 5] = [
    ("identity", 22, ["rbac", "policy", "locks", "tags"]),
    ("storage", 18, ["sas", "firewall", "lifecycle", "redundancy"]),
    ("compute", 22, ["vm", "vmss", "slots", "bicep"]),
    ("networking", 23, ["peering", "routes", "nsg", "dns"]),
    ("monitoring", 15, ["kql", "alerts", "backup", "asr"]),
];

/// A synthetic `exam.yaml`.
pub fn exam_yaml() -> String {
    let mut s = String::from(
        "code: GEN-1\ntitle: Generated exam\nas_of: 2026-11-01\nquestion_count: 50\nretake_policy: { fee: 165, currency: USD }\ndomains:\n",
    );
    for (id, weight, cats) in DOMAINS {
        let _ = writeln!(
            s,
            "  - id: {id}\n    name: Domain {id}\n    weight: {weight}\n    repair: Practise {id} by hand.\n    categories:"
        );
        for c in cats {
            let _ = writeln!(s, "      - {{ id: {c}, name: Category {c} }}");
        }
    }
    s
}

/// One synthetic question of a type chosen by `n` (single, multi, order, match, dropdown, yesno,
/// and every fourth question a two-axis template).
pub fn question_yaml(n: usize) -> String {
    let (domain, _, cats) = DOMAINS[n % DOMAINS.len()];
    let category = cats[(n / DOMAINS.len()) % cats.len()];
    let head = format!(
        "  - id: gen-{n:06}\n    domain: {domain}\n    category: {category}\n    difficulty: {}\n",
        1 + n % 3
    );
    let tail = "    explanation: >-\n      The right option meets every stated requirement; each distractor fails one of them, as the\n      documentation explains in detail.\n    refs: [https://learn.microsoft.com/en-us/azure/example]\n";
    let body = if n % 4 == 3 {
        format!(
            "    type: single\n    stem: >-\n      Item {n}: an app authenticates with {{auth}} and the account allows {{net}}. Which change\n      lets it read blobs?\n    options: [Assign a data role, Add a network rule, Rotate the key, Nothing]\n    template:\n      axes:\n        auth: {{ mi: a managed identity, key: the account key }}\n        net: {{ all: all networks, selected: selected networks }}\n      cases:\n        - when: {{ net: selected }}\n          answer: B\n        - when: {{ auth: mi }}\n          answer: A\n        - when: {{}}\n          answer: D\n"
        )
    } else {
        match n % 6 {
            0 => format!(
                "    type: single\n    stem: Item {n}, which option meets the requirement at the lowest cost?\n    options: [First option, Second option, Third option, Fourth option]\n    answer: C\n"
            ),
            1 => format!(
                "    type: multi\n    stem: Item {n}, which two actions are needed? Choose two.\n    options: [One, Two, Three, Four]\n    answer: [A, D]\n"
            ),
            2 => format!(
                "    type: order\n    stem: Item {n}, which three steps, in order?\n    options: [Step one, Step two, Step three, Step four]\n    answer: [B, A, D]\n"
            ),
            3 => format!(
                "    type: match\n    stem: Item {n}, match each need to a service.\n    prompts: [Need one, Need two, Need three]\n    options: [Service A, Service B, Service C]\n    answer: [A, C, B]\n"
            ),
            4 => format!(
                "    type: dropdown\n    stem: Item {n}, complete the command.\n    text: az thing create --mode [[1]] --sku [[2]]\n    blanks: [[Allow, Deny], [Basic, Standard, Premium]]\n    answer: [B, C]\n"
            ),
            _ => format!(
                "    type: yesno\n    stem: Item {n}, select Yes if the statement is true.\n    statements: [First claim, Second claim, Third claim]\n    answer: [Y, N, Y]\n"
            ),
        }
    };
    format!("{head}{body}{tail}")
}

/// `files` question files holding `questions` questions in all.
pub fn question_files(questions: usize, files: usize) -> Vec<String> {
    let per_file = questions.div_ceil(files);
    (0..files)
        .map(|f| {
            let mut s = String::from("questions:\n");
            for n in f * per_file..((f + 1) * per_file).min(questions) {
                s.push_str(&question_yaml(n));
            }
            s
        })
        .collect()
}

/// Adds a synthetic learner history to a database that has imported a generated bank of
/// `questions` questions: `answers` scored mock answers spread over a year, with the running
/// evidence and exposure tables they imply.
pub fn add_history(db: &std::path::Path, questions: usize, answers: usize) {
    let conn = rusqlite::Connection::open(db).expect("open bench db");
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;")
        .expect("pragmas");
    let tx = conn.unchecked_transaction().expect("transaction");
    {
        let mut ins = tx
            .prepare(
                "INSERT INTO answers (exam, item, family, domain, category, variant, source, attempt, points,
                   max_points, correct, seconds, answered_at)
                 VALUES ('GEN-1', ?1, ?1, ?2, ?3, NULL, 'mock', NULL, ?4, 1, ?4, 60.0, ?5)",
            )
            .expect("prepare");
        for k in 0..answers {
            let n = (k * 7919) % questions;
            let (domain, _, cats) = DOMAINS[n % DOMAINS.len()];
            let category = cats[(n / DOMAINS.len()) % cats.len()];
            let day = k % 365;
            let at = format!("2026-{:02}-{:02}T10:00:00.000Z", 1 + day / 31 % 12, 1 + day % 28);
            ins.execute(rusqlite::params![
                format!("gen-{n:06}"),
                domain,
                category,
                (k % 3 != 0) as i64,
                at
            ])
            .expect("insert answer");
        }
        let mut ev = tx
            .prepare(
                "INSERT OR REPLACE INTO category_evidence VALUES ('GEN-1', ?1, ?2, 20.0, 10.0, '2026-11-01T00:00:00.000Z')",
            )
            .expect("prepare evidence");
        let mut ex = tx
            .prepare("INSERT OR REPLACE INTO family_exposure VALUES ('GEN-1', ?1, 3, NULL, '2026-11-01T00:00:00.000Z')")
            .expect("prepare exposure");
        for (domain, _, cats) in DOMAINS {
            for c in cats {
                ev.execute(rusqlite::params![domain, c]).expect("evidence");
            }
        }
        for n in 0..questions.min(answers) {
            ex.execute([format!("gen-{n:06}")]).expect("exposure");
        }
    }
    tx.commit().expect("commit history");
}

/// Gives every family of a generated bank a memory card (due dates spread over two months around
/// 2026-11-23, so a few percent are due) and `reviews` rows of review log.
pub fn add_reviews(db: &std::path::Path, families: usize, reviews: usize) {
    let conn = rusqlite::Connection::open(db).expect("open bench db");
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;")
        .expect("pragmas");
    let tx = conn.unchecked_transaction().expect("transaction");
    {
        let mut card = tx
            .prepare(
                "INSERT INTO families (exam, family, domain, category, stability, difficulty, due, last_review, reps,
                   lapses, suspended)
                 VALUES ('GEN-1', ?1, ?4, ?5, ?2, 5.0, ?3, '2026-11-01T09:00:00.000Z', 5, 0, 0)",
            )
            .expect("prepare families");
        for n in 0..families {
            let day = (n * 7919) % 60;
            let due = format!(
                "2026-{}-{:02}T04:00:00.000Z",
                if day < 30 { "11" } else { "12" },
                1 + day % 30
            );
            let (domain, _, cats) = DOMAINS[n % DOMAINS.len()];
            let category = cats[(n / DOMAINS.len()) % cats.len()];
            card.execute(rusqlite::params![
                format!("gen-{n:06}"),
                10.0 + (n % 50) as f64,
                due,
                domain,
                category
            ])
            .expect("family");
        }
        let mut log = tx
            .prepare(
                "INSERT INTO reviews (exam, family, item, source, reviewed_at, rating, elapsed_days, scheduled_days,
                   stability_after, difficulty_after, reps_before, lapses_before, suspended_before)
                 VALUES ('GEN-1', ?1, ?1, 'drill', ?2, ?3, 3, 5, 10.0, 5.0, 1, 0, 0)",
            )
            .expect("prepare reviews");
        for k in 0..reviews {
            let n = (k * 7919) % families;
            let at = format!("2026-{:02}-{:02}T10:00:00.000Z", 1 + (k / 28) % 10, 1 + k % 28);
            log.execute(rusqlite::params![
                format!("gen-{n:06}"),
                at,
                if k % 10 == 0 { 1 } else { 3 }
            ])
            .expect("review");
        }
    }
    tx.commit().expect("commit reviews");
}

/// A generated bank of `questions` on disk under `dir/banks/gen`, imported into `dir/bench.db`, with
/// `history` answers, a card for every family and `history` reviews. Returns `(db, banks)`.
pub fn setup_scale(
    dir: &std::path::Path,
    questions: usize,
    history: usize,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let (db, banks) = import_bank(std::path::Path::new(env!("CARGO_BIN_EXE_retake")), dir, questions);
    add_history(&db, questions, history);
    add_reviews(&db, questions, history);
    (db, banks)
}

/// A deterministic stream of pseudo-random numbers (SplitMix64): the generated histories are the
/// same on every run.
pub struct Mix(u64);

impl Mix {
    /// A stream from `seed`.
    pub fn new(seed: u64) -> Mix {
        Mix(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }
}

/// What [`add_used_history`] wrote.
#[derive(Debug, Default)]
pub struct UsedHistory {
    /// Families with a memory card.
    pub cards: usize,
    /// Cards due later today (the learner day starting at 04:00 UTC).
    pub due_today: usize,
    /// Cards due before today.
    pub overdue: usize,
    /// Rows of review log (and as many drill answers).
    pub reviews: usize,
    /// Families in repair.
    pub repairs: usize,
}

/// Gives a database that has imported a generated bank of `families` one-question families the
/// history of a learner who has drilled for a while, shaped like the Anki collections of
/// `anki_baseline.py` so the two are compared on equal terms: 70 % of the families have a card
/// (interval log-uniform 2–365 days, 3 % at 1 day), of those 4 % due today, 3 % overdue by 1–30 days
/// (skewed short) and the rest due within their interval; about 10 reviews per card (each with its
/// drill answer), ending at the card's last review; a few lapses; 2 % of the cards in repair; no
/// review yet today. Learner days start at 04:00 UTC (run with `TZ=UTC`) and `now` is the instant
/// the drill will be timed at (`RETAKE_NOW`).
pub fn add_used_history(
    db: &std::path::Path,
    families: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> UsedHistory {
    use chrono::{Duration, Timelike};
    let stamp = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let day = Duration::days(1);
    let mut day_start = now
        .with_hour(4)
        .and_then(|t| t.with_minute(0))
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .expect("04:00");
    if day_start > now {
        day_start -= day;
    }
    let conn = rusqlite::Connection::open(db).expect("open bench db");
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;")
        .expect("pragmas");
    let tx = conn.unchecked_transaction().expect("transaction");
    let mut rng = Mix::new(1);
    let mut done = UsedHistory::default();
    {
        let mut card = tx
            .prepare(
                "INSERT INTO families (exam, family, domain, category, stability, difficulty, due, last_review, reps,
                   lapses, suspended, last_item, last_variant)
                 VALUES ('GEN-1', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?1, NULL)",
            )
            .expect("prepare families");
        let mut log = tx
            .prepare(
                "INSERT INTO reviews (exam, family, item, source, reviewed_at, rating, elapsed_days, scheduled_days,
                   stability_before, difficulty_before, stability_after, difficulty_after, reps_before, lapses_before,
                   suspended_before, seconds)
                 VALUES ('GEN-1', ?1, ?1, 'drill', ?2, ?3, ?4, ?5, ?6, 5.0, ?7, 5.0, ?8, ?9, 0, ?10)",
            )
            .expect("prepare reviews");
        let mut answer = tx
            .prepare(
                "INSERT INTO answers (exam, item, family, domain, category, variant, source, attempt, points,
                   max_points, correct, seconds, answered_at, seen_before)
                 VALUES ('GEN-1', ?1, ?1, ?2, ?3, NULL, 'drill', NULL, ?4, 1, ?4, ?5, ?6, ?7)",
            )
            .expect("prepare answers");
        let mut repair = tx
            .prepare(
                "INSERT INTO repairs (exam, family, domain, category, missed_item, missed_variant, missed_source,
                   missed_at, progress)
                 VALUES ('GEN-1', ?1, ?2, ?3, ?1, NULL, 'drill', ?4, 0)",
            )
            .expect("prepare repairs");
        let mut shown = tx
            .prepare(
                "INSERT OR IGNORE INTO shown_forms (exam, family, item, variant, first_shown, last_shown, times)
                 VALUES ('GEN-1', ?1, ?1, '', ?2, ?3, ?4)",
            )
            .expect("prepare shown forms");
        let mut order: Vec<usize> = (0..families).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.between(0, i as i64) as usize);
        }
        order.truncate((families as f64 * 0.70).round() as usize);
        for n in order {
            let family = format!("gen-{n:06}");
            let (domain, _, cats) = DOMAINS[n % DOMAINS.len()];
            let category = cats[(n / DOMAINS.len()) % cats.len()];
            let mut ivl = if rng.unit() < 0.03 {
                1
            } else {
                (2f64.ln() + rng.unit() * (365f64.ln() - 2f64.ln())).exp().round() as i64
            };
            let within_day = Duration::seconds(rng.between(0, 86_399));
            let r = rng.unit();
            let due = if r < 0.04 {
                done.due_today += 1;
                day_start + within_day
            } else if r < 0.07 {
                done.overdue += 1;
                let late = (1.0 - 5.0 * (1.0 - rng.unit()).ln()).min(30.0) as i64;
                day_start - day * late as i32 + within_day
            } else {
                ivl = ivl.max(2);
                day_start + day * rng.between(1, ivl - 1) as i32 + within_day
            };
            let last_review = due - day * ivl as i32;
            // About ten reviews ending at the last one, intervals growing towards `ivl`.
            let reviews = rng.between(7, 13);
            let lapses = (-(1.0 - rng.unit()).ln() / 1.6).min(4.0) as i64;
            let mut at = last_review;
            let mut gap = ivl as f64;
            let mut times = Vec::with_capacity(reviews as usize);
            for _ in 0..reviews {
                times.push((at, gap.round().max(1.0) as i64));
                gap = (gap / (1.5 + rng.unit())).max(0.5);
                at -= Duration::seconds((gap * 86_400.0) as i64 + rng.between(60, 3_600));
            }
            times.reverse();
            for (k, (at, gap)) in times.iter().enumerate() {
                // The lapses, and about one wrong answer in ten.
                let failed = ((k as i64) < lapses * 3 && k % 3 == 1) || rng.unit() < 0.08;
                let seconds = rng.between(20, 180) as f64;
                log.execute(rusqlite::params![
                    family,
                    stamp(*at),
                    if failed { 1 } else { 3 },
                    gap,
                    gap,
                    if k == 0 { None } else { Some(*gap as f64) },
                    *gap as f64,
                    k as i64,
                    lapses.min(k as i64),
                    seconds
                ])
                .expect("review");
                answer
                    .execute(rusqlite::params![
                        family,
                        domain,
                        category,
                        i64::from(!failed),
                        seconds,
                        stamp(*at),
                        i64::from(k > 0)
                    ])
                    .expect("answer");
                done.reviews += 1;
            }
            card.execute(rusqlite::params![
                family,
                domain,
                category,
                ivl.max(1) as f64,
                1.0 + rng.unit() * 9.0,
                stamp(due),
                stamp(last_review),
                reviews,
                lapses
            ])
            .expect("family");
            shown
                .execute(rusqlite::params![
                    family,
                    stamp(times[0].0),
                    stamp(last_review),
                    reviews
                ])
                .expect("shown form");
            if rng.unit() < 0.02 {
                repair
                    .execute(rusqlite::params![family, domain, category, stamp(last_review)])
                    .expect("repair");
                done.repairs += 1;
            }
            done.cards += 1;
        }
        let mut ev = tx
            .prepare("INSERT OR REPLACE INTO category_evidence VALUES ('GEN-1', ?1, ?2, ?3, ?4, ?5)")
            .expect("prepare evidence");
        for (domain, _, cats) in DOMAINS {
            for c in cats {
                ev.execute(rusqlite::params![
                    domain,
                    c,
                    10.0 + rng.unit() * 30.0,
                    2.0 + rng.unit() * 10.0,
                    stamp(day_start - day)
                ])
                .expect("evidence");
            }
        }
    }
    tx.commit().expect("commit history");
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .expect("checkpoint");
    done
}

/// Writes a generated bank of `questions` one-question families under `dir/banks/gen` and imports
/// it into `dir/bench.db` with the `retake` binary at `retake`. Returns `(db, banks)`.
pub fn import_bank(
    retake: &std::path::Path,
    dir: &std::path::Path,
    questions: usize,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let banks = dir.join("banks");
    let exam = banks.join("gen");
    std::fs::create_dir_all(&exam).expect("bank folder");
    std::fs::write(exam.join("exam.yaml"), exam_yaml()).expect("exam.yaml");
    for (i, text) in question_files(questions, questions.div_ceil(2_000))
        .iter()
        .enumerate()
    {
        std::fs::write(exam.join(format!("q{i:03}.yaml")), text).expect("question file");
    }
    let db = dir.join("bench.db");
    let status = std::process::Command::new(retake)
        .args([
            "--db",
            &db.display().to_string(),
            "--banks",
            &banks.display().to_string(),
            "--quiet",
            "bank",
            "stats",
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("import");
    assert!(status.success(), "the generated bank imports");
    (db, banks)
}
