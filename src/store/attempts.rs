//! Mock-exam attempts: creating them, committing every answer, flag and move the moment it happens,
//! finishing them, and the learner evidence they feed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, rfc3339};
use crate::bank::{Exam, Question};
use crate::exam::{Location, Mode, SessionItem, Status};
use crate::mastery::Evidence;

/// A question that can be drawn, with what the sampler needs (no body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// Question id.
    pub id: String,
    /// Family id.
    pub family: String,
    /// Domain id.
    pub domain: String,
    /// Category id.
    pub category: String,
    /// Case study it belongs to.
    pub case_id: Option<String>,
    /// Position inside the case.
    pub case_index: Option<i64>,
    /// Whether the question is a template (it can come back as a variant).
    pub templated: bool,
}

/// An attempt as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct AttemptRow {
    /// Attempt id.
    pub id: i64,
    /// Exam code.
    pub exam: String,
    /// Sampling mode.
    pub mode: Mode,
    /// False for `--practice`.
    pub timed: bool,
    /// The seed that replays it.
    pub seed: u64,
    /// Where it stands.
    pub status: Status,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it must be submitted (timed attempts).
    pub deadline: Option<DateTime<Utc>>,
    /// When it was submitted, expired or abandoned.
    pub finished_at: Option<DateTime<Utc>>,
    /// Where the learner was.
    pub location: Location,
    /// The domains it was restricted to.
    pub domains: Option<Vec<String>>,
    /// The exam as it was at the start.
    pub blueprint: Exam,
}

/// A new attempt and its items.
#[derive(Clone, Debug)]
pub struct NewAttempt<'a> {
    /// Exam code.
    pub exam: &'a str,
    /// Sampling mode.
    pub mode: Mode,
    /// False for `--practice`.
    pub timed: bool,
    /// The seed.
    pub seed: u64,
    /// Start time.
    pub started_at: DateTime<Utc>,
    /// Deadline, for timed attempts.
    pub deadline: Option<DateTime<Utc>>,
    /// `--domain` restriction.
    pub domains: Option<&'a [String]>,
    /// The exam blueprint at the start.
    pub blueprint: &'a Exam,
    /// The items, in position order.
    pub items: &'a [SessionItem],
}

/// One scored answer for the learner model.
#[derive(Clone, Debug, PartialEq)]
pub struct AnswerRecord {
    /// Question id.
    pub item: String,
    /// Family id.
    pub family: String,
    /// Domain id.
    pub domain: String,
    /// Category id.
    pub category: String,
    /// Variant name.
    pub variant: Option<String>,
    /// Points earned.
    pub points: u32,
    /// Points possible.
    pub max_points: u32,
    /// Time spent.
    pub seconds: f64,
    /// Whether the exact form had been shown before (unknown: `None`).
    pub seen_before: Option<bool>,
}

/// A disputed item, for `bank disputes`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Dispute {
    /// Exam code.
    pub exam: String,
    /// Question id.
    pub item: String,
    /// Variant shown.
    pub variant: Option<String>,
    /// Attempt it was disputed in.
    pub attempt: i64,
    /// Position in that attempt.
    pub position: i64,
    /// The learner's note.
    pub note: Option<String>,
    /// When the attempt started.
    pub started_at: String,
}

/// A candidate from `SELECT id, family, domain, category, case_id, case_index, templated`.
fn candidate(r: &rusqlite::Row) -> rusqlite::Result<Candidate> {
    Ok(Candidate {
        id: r.get(0)?,
        family: r.get(1)?,
        domain: r.get(2)?,
        category: r.get(3)?,
        case_id: r.get(4)?,
        case_index: r.get(5)?,
        templated: r.get::<_, i64>(6)? == 1,
    })
}

fn location_to_sql(l: Location) -> i64 {
    match l {
        Location::Item(i) => i64::try_from(i).unwrap_or(0),
        Location::Review => -1,
    }
}

fn location_from_sql(v: i64) -> Location {
    usize::try_from(v).map_or(Location::Review, Location::Item)
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl Store {
    fn decode_err(&self, detail: impl Into<String>) -> StoreError {
        StoreError::Decode {
            path: self.label.clone(),
            detail: detail.into(),
        }
    }

    /// Active questions of an exam that a mock may draw (no bodies: cheap at 100 k questions).
    pub fn candidates(&self, exam: &str) -> Result<Vec<Candidate>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, family, domain, category, case_id, case_index, templated FROM items
                 WHERE exam = ?1 AND active AND type <> 'flashcard' ORDER BY id",
            )
            .map_err(self.sql())?;
        let rows = stmt.query_map([exam], candidate).map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// Questions per `(domain, category)` of an exam (kept at import: no scan of the bank).
    pub fn category_sizes(&self, exam: &str) -> Result<Vec<(String, String, u64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT domain, category, questions FROM category_sizes WHERE exam = ?1 AND questions > 0 ORDER BY domain, category")
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([exam], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?.unsigned_abs()))
            })
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// Up to `limit` questions of one category (not case-study items) from `from_key` on in draw-key
    /// order, wrapping around: a bounded, seed-chosen slice of the category.
    pub fn category_slice(
        &self,
        exam: &str,
        domain: &str,
        category: &str,
        from_key: i64,
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError> {
        let mut out = Vec::with_capacity(limit);
        for (op, rest) in [(">=", limit), ("<", 0)] {
            let want = if op == ">=" { rest } else { limit - out.len() };
            if want == 0 {
                break;
            }
            let sql = format!(
                "SELECT id, family, domain, category, case_id, case_index, templated FROM items
                 WHERE exam = ?1 AND domain = ?2 AND category = ?3 AND active = 1 AND type <> 'flashcard'
                   AND draw_key {op} ?4
                 ORDER BY draw_key LIMIT ?5"
            );
            let mut stmt = self.conn.prepare_cached(&sql).map_err(self.sql())?;
            let rows = stmt
                .query_map(
                    params![
                        exam,
                        domain,
                        category,
                        from_key,
                        i64::try_from(want).unwrap_or(i64::MAX)
                    ],
                    candidate,
                )
                .map_err(self.sql())?;
            for row in rows {
                let c = row.map_err(self.sql())?;
                if c.case_id.is_none() {
                    out.push(c);
                }
            }
        }
        Ok(out)
    }

    /// Every case-study item of an exam (case studies are drawn whole).
    pub fn case_candidates(&self, exam: &str) -> Result<Vec<Candidate>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, family, domain, category, case_id, case_index, templated FROM items
                 WHERE exam = ?1 AND case_id IS NOT NULL AND active = 1 ORDER BY case_id, case_index",
            )
            .map_err(self.sql())?;
        let rows = stmt.query_map([exam], candidate).map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// The full questions with these ids.
    pub fn questions(&self, exam: &str, ids: &[&str]) -> Result<Vec<Question>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM items WHERE exam = ?1 AND id = ?2")
            .map_err(self.sql())?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let body: Option<String> = stmt
                .query_row(params![exam, id], |r| r.get(0))
                .optional()
                .map_err(self.sql())?;
            let body = body.ok_or_else(|| self.decode_err(format!("question {id} of {exam} is missing")))?;
            out.push(
                serde_json::from_str(&body).map_err(|e| self.decode_err(format!("question {id}: {e}")))?,
            );
        }
        Ok(out)
    }

    /// The scenario of each case study of an exam.
    pub fn case_scenarios(&self, exam: &str) -> Result<HashMap<String, String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, scenario FROM cases WHERE exam = ?1")
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([exam], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// One case study's scenario.
    pub fn case_scenario(&self, exam: &str, case: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .prepare_cached("SELECT scenario FROM cases WHERE exam = ?1 AND id = ?2")
            .and_then(|mut s| s.query_row([exam, case], |r| r.get(0)).optional())
            .map_err(self.sql())
    }

    /// The running evidence of every category of an exam.
    pub fn category_evidence(&self, exam: &str) -> Result<Vec<(String, String, Evidence)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT domain, category, successes, failures, as_of FROM category_evidence WHERE exam = ?1",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([exam], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, f64>(2)?,
                    r.get::<_, f64>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(self.sql())?;
        let mut out = Vec::new();
        for row in rows {
            let (d, c, successes, failures, as_of) = row.map_err(self.sql())?;
            let as_of =
                parse_time(&as_of).ok_or_else(|| self.decode_err(format!("evidence time {as_of}")))?;
            out.push((
                d,
                c,
                Evidence {
                    successes,
                    failures,
                    as_of,
                },
            ));
        }
        Ok(out)
    }

    /// Of these families, those seen in mocks of an exam: family → (times seen, last attempt id).
    pub fn family_exposure<'f>(
        &self,
        exam: &str,
        families: impl IntoIterator<Item = &'f str>,
    ) -> Result<HashMap<String, (i64, Option<i64>)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seen, last_attempt FROM family_exposure WHERE exam = ?1 AND family = ?2")
            .map_err(self.sql())?;
        let mut out = HashMap::new();
        for family in families {
            if out.contains_key(family) {
                continue;
            }
            let found: Option<(i64, Option<i64>)> = stmt
                .query_row(params![exam, family], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
                .map_err(self.sql())?;
            if let Some(f) = found {
                out.insert(family.to_owned(), f);
            }
        }
        Ok(out)
    }

    /// Ids of the exam's most recent scored attempts, newest first.
    pub fn recent_attempts(&self, exam: &str, n: usize) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id FROM attempts WHERE exam = ?1 AND status IN ('submitted', 'expired')
                 ORDER BY started_at DESC, id DESC LIMIT ?2",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map(params![exam, i64::try_from(n).unwrap_or(i64::MAX)], |r| r.get(0))
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// Creates an attempt and its items in one transaction; fails if one is already in progress.
    pub fn create_attempt(&mut self, a: &NewAttempt) -> Result<i64, StoreError> {
        let label = self.label.clone();
        let sql = |source| super::classify(&label, source);
        let json = |v: &dyn erased::Json| {
            v.json().map_err(|e| StoreError::Decode {
                path: label.clone(),
                detail: e,
            })
        };
        let blueprint = json(a.blueprint)?;
        let domains = a.domains.map(|d| json(&d.to_vec())).transpose()?;
        let tx = super::begin(&mut self.conn).map_err(sql)?;
        let busy: Option<i64> = tx
            .query_row(
                "SELECT id FROM attempts WHERE exam = ?1 AND status = 'in_progress'",
                [a.exam],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?;
        if let Some(id) = busy {
            return Err(StoreError::Conflict(format!(
                "attempt {id} of {} is still in progress: continue it with `retake exam resume`, or start over with `retake exam start {} --abandon`",
                a.exam, a.exam
            )));
        }
        tx.execute(
            "INSERT INTO attempts (exam, mode, timed, seed, status, started_at, deadline, location, domains, blueprint)
             VALUES (?1, ?2, ?3, ?4, 'in_progress', ?5, ?6, 0, ?7, ?8)",
            params![
                a.exam,
                a.mode.as_str(),
                i64::from(a.timed),
                a.seed as i64,
                rfc3339(a.started_at),
                a.deadline.map(rfc3339),
                domains,
                blueprint
            ],
        )
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        {
            let mut ins = tx
                .prepare(
                    "INSERT INTO attempt_items (attempt, position, item, family, domain, category, type, variant,
                       section, instance, shuffle, scenario, max_points)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )
                .map_err(sql)?;
            for (i, item) in a.items.iter().enumerate() {
                let inst = &item.instance;
                ins.execute(params![
                    id,
                    (i + 1) as i64,
                    inst.question.as_str(),
                    inst.family.as_str(),
                    inst.domain.as_str(),
                    inst.category.as_str(),
                    inst.item_type().as_str(),
                    inst.variant,
                    item.section.map(i64::from),
                    json(inst)?,
                    json(&item.shuffle)?,
                    item.scenario,
                    i64::from(inst.max_points()),
                ])
                .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)?;
        Ok(id)
    }

    fn attempt_from_row(&self, r: &rusqlite::Row) -> rusqlite::Result<Result<AttemptRow, StoreError>> {
        let mode: String = r.get(2)?;
        let status: String = r.get(5)?;
        let started: String = r.get(6)?;
        let deadline: Option<String> = r.get(7)?;
        let finished: Option<String> = r.get(8)?;
        let domains: Option<String> = r.get(10)?;
        let blueprint: String = r.get(11)?;
        let seed: i64 = r.get(4)?;
        let id: i64 = r.get(0)?;
        let build = || -> Result<AttemptRow, String> {
            Ok(AttemptRow {
                id,
                exam: r.get(1).map_err(|e| e.to_string())?,
                mode: Mode::parse(&mode).ok_or(format!("mode {mode}"))?,
                timed: r.get::<_, i64>(3).map_err(|e| e.to_string())? == 1,
                seed: seed as u64,
                status: Status::parse(&status).ok_or(format!("status {status}"))?,
                started_at: parse_time(&started).ok_or(format!("time {started}"))?,
                deadline: deadline
                    .as_deref()
                    .map(|d| parse_time(d).ok_or(format!("time {d}")))
                    .transpose()?,
                finished_at: finished
                    .as_deref()
                    .map(|d| parse_time(d).ok_or(format!("time {d}")))
                    .transpose()?,
                location: location_from_sql(r.get(9).map_err(|e| e.to_string())?),
                domains: domains
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()
                    .map_err(|e| e.to_string())?,
                blueprint: serde_json::from_str(&blueprint).map_err(|e| e.to_string())?,
            })
        };
        Ok(build().map_err(|e| self.decode_err(format!("attempt {id}: {e}"))))
    }

    fn attempts_where(
        &self,
        clause: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<AttemptRow>, StoreError> {
        let sql = format!(
            "SELECT id, exam, mode, timed, seed, status, started_at, deadline, finished_at, location, domains, blueprint
             FROM attempts {clause}"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(self.sql())?;
        let rows = stmt
            .query_map(args, |r| self.attempt_from_row(r))
            .map_err(self.sql())?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row.map_err(self.sql())??);
        }
        Ok(out)
    }

    /// One attempt.
    pub fn attempt(&self, id: i64) -> Result<Option<AttemptRow>, StoreError> {
        Ok(self.attempts_where("WHERE id = ?1", &[&id])?.into_iter().next())
    }

    /// Attempts in progress (at most one per exam), oldest first.
    pub fn attempts_in_progress(&self) -> Result<Vec<AttemptRow>, StoreError> {
        self.attempts_where("WHERE status = 'in_progress' ORDER BY started_at, id", &[])
    }

    /// Every attempt, optionally of one exam, oldest first.
    pub fn attempts(&self, exam: Option<&str>) -> Result<Vec<AttemptRow>, StoreError> {
        match exam {
            Some(e) => self.attempts_where("WHERE exam = ?1 ORDER BY started_at, id", &[&e]),
            None => self.attempts_where("ORDER BY started_at, id", &[]),
        }
    }

    /// The most recently started attempt.
    pub fn latest_attempt(&self) -> Result<Option<AttemptRow>, StoreError> {
        Ok(self
            .attempts_where("ORDER BY started_at DESC, id DESC LIMIT 1", &[])?
            .into_iter()
            .next())
    }

    /// The items of an attempt with everything the learner did, in position order.
    pub fn attempt_items(&self, attempt: i64) -> Result<Vec<SessionItem>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT instance, shuffle, section, scenario, response, flagged, disputed, locked, seconds
                 FROM attempt_items WHERE attempt = ?1 ORDER BY position",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([attempt], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, i64>(7)?,
                    r.get::<_, f64>(8)?,
                ))
            })
            .map_err(self.sql())?;
        let mut out = Vec::new();
        for row in rows {
            let (instance, shuffle, section, scenario, response, flagged, disputed, locked, seconds) =
                row.map_err(self.sql())?;
            let decode = |e: serde_json::Error| self.decode_err(format!("attempt {attempt}: {e}"));
            out.push(SessionItem {
                instance: serde_json::from_str(&instance).map_err(decode)?,
                shuffle: serde_json::from_str(&shuffle).map_err(decode)?,
                section: section.and_then(|s| u32::try_from(s).ok()),
                scenario,
                response: response
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()
                    .map_err(decode)?,
                flagged: flagged == 1,
                disputed: disputed == 1,
                locked: locked == 1,
                seconds,
            });
        }
        Ok(out)
    }

    /// Commits the learner's latest change at once: the location and the changed items' state
    /// (response, flag, dispute, lock, time), in one small transaction.
    pub fn save_progress(
        &mut self,
        attempt: i64,
        driver: &str,
        location: Location,
        changed: &[(usize, &SessionItem, Option<&str>)],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let label = self.label.clone();
        let sql = |source| super::classify(&label, source);
        let tx = super::begin(&mut self.conn).map_err(sql)?;
        let held = tx
            .execute(
                "UPDATE attempts SET location = ?2 WHERE id = ?1 AND status = 'in_progress' AND driver IS ?3",
                params![attempt, location_to_sql(location), driver],
            )
            .map_err(sql)?;
        if held == 0 {
            return Err(lost_attempt(&tx, attempt).map_err(sql)?);
        }
        {
            let mut upd = tx
                .prepare_cached(
                    "UPDATE attempt_items SET response = ?3, points = ?4, flagged = ?5, disputed = ?6,
                       dispute_note = coalesce(?7, dispute_note), locked = ?8, seconds = ?9,
                       answered_at = CASE WHEN ?3 IS NOT NULL AND response IS NOT ?3 THEN ?10 ELSE answered_at END
                     WHERE attempt = ?1 AND position = ?2",
                )
                .map_err(sql)?;
            for (i, item, note) in changed {
                let response = item
                    .response
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(|e| StoreError::Decode {
                        path: label.clone(),
                        detail: e.to_string(),
                    })?;
                upd.execute(params![
                    attempt,
                    (*i + 1) as i64,
                    response,
                    i64::from(item.score().0),
                    i64::from(item.flagged),
                    i64::from(item.disputed),
                    note,
                    i64::from(item.locked),
                    item.seconds,
                    rfc3339(at),
                ])
                .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }

    /// Closes an attempt: sets its status, records every scored answer, and updates the learner
    /// model with `evidence` (given the current evidence of a category and an answer, the new one),
    /// all in one transaction. Abandoned attempts record nothing.
    // Each argument is one fact of the closing; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn finish_attempt(
        &mut self,
        attempt: i64,
        driver: Option<&str>,
        exam: &str,
        status: Status,
        at: DateTime<Utc>,
        answers: &[AnswerRecord],
        evidence: &dyn Fn(Option<Evidence>, &AnswerRecord) -> Evidence,
    ) -> Result<bool, StoreError> {
        let label = self.label.clone();
        let sql = |source| super::classify(&label, source);
        let tx = super::begin(&mut self.conn).map_err(sql)?;
        if let Some(driver) = driver {
            let held: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM attempts WHERE id = ?1 AND status = 'in_progress' AND driver IS ?2",
                    params![attempt, driver],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql)?;
            if held.is_none() {
                return Err(lost_attempt(&tx, attempt).map_err(sql)?);
            }
        }
        // A clock set back never makes an attempt finish before it started.
        let changed = tx
            .execute(
                "UPDATE attempts SET status = ?2, driver = NULL,
                   finished_at = CASE WHEN ?3 < started_at THEN started_at ELSE ?3 END
                 WHERE id = ?1 AND status = 'in_progress'",
                params![attempt, status.as_str(), rfc3339(at)],
            )
            .map_err(sql)?;
        if changed == 0 {
            // Another process finished it first: nothing to record twice.
            return Ok(false);
        }
        if status.is_scored() {
            let mut ins = tx
                .prepare_cached(
                    "INSERT INTO answers (exam, item, family, domain, category, variant, source, attempt, points,
                       max_points, correct, seconds, answered_at, seen_before)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'mock', ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )
                .map_err(sql)?;
            let mut expose = tx
                .prepare_cached(
                    "INSERT INTO family_exposure (exam, family, seen, last_attempt, last_seen_at) VALUES (?1, ?2, 1, ?3, ?4)
                     ON CONFLICT (exam, family) DO UPDATE SET seen = seen + 1, last_attempt = excluded.last_attempt,
                       last_seen_at = excluded.last_seen_at",
                )
                .map_err(sql)?;
            for a in answers {
                ins.execute(params![
                    exam,
                    a.item,
                    a.family,
                    a.domain,
                    a.category,
                    a.variant,
                    attempt,
                    i64::from(a.points),
                    i64::from(a.max_points),
                    i64::from(a.max_points > 0 && a.points == a.max_points),
                    a.seconds,
                    rfc3339(at),
                    a.seen_before.map(i64::from),
                ])
                .map_err(sql)?;
                super::update_evidence(&tx, exam, &a.domain, &a.category, &|current| {
                    Some(evidence(current, a))
                })
                .map_err(sql)?;
                expose
                    .execute(params![exam, a.family, attempt, rfc3339(at)])
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)?;
        Ok(true)
    }

    /// Makes `driver` the holder of an attempt in progress (a start, a resume or a take-over);
    /// writes carrying any other token are rejected from now on.
    pub fn claim_attempt(&mut self, attempt: i64, driver: &str) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE attempts SET driver = ?2 WHERE id = ?1 AND status = 'in_progress'",
                params![attempt, driver],
            )
            .map_err(self.sql())?;
        Ok(n == 1)
    }

    /// Every disputed item, newest first.
    pub fn disputes(&self, exam: Option<&str>) -> Result<Vec<Dispute>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.exam, i.item, i.variant, a.id, i.position, i.dispute_note, a.started_at
                 FROM attempt_items i JOIN attempts a ON a.id = i.attempt
                 WHERE i.disputed = 1 AND (?1 IS NULL OR a.exam = ?1)
                 ORDER BY a.started_at DESC, i.position",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([exam], |r| {
                Ok(Dispute {
                    exam: r.get(0)?,
                    item: r.get(1)?,
                    variant: r.get(2)?,
                    attempt: r.get(3)?,
                    position: r.get(4)?,
                    note: r.get(5)?,
                    started_at: r.get(6)?,
                })
            })
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }
}

/// Why a driver's write found the attempt not held: closed meanwhile, or taken over.
fn lost_attempt(tx: &rusqlite::Connection, attempt: i64) -> rusqlite::Result<StoreError> {
    let status: Option<String> = tx
        .query_row("SELECT status FROM attempts WHERE id = ?1", [attempt], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(match status.as_deref() {
        Some("in_progress") => StoreError::Superseded { attempt },
        _ => StoreError::Conflict(format!(
            "attempt {attempt} is no longer in progress (it was submitted or expired elsewhere): see `retake exam report {attempt}`"
        )),
    })
}

/// Serialising heterogeneous values to JSON through one closure.
mod erased {
    /// A value that can be written as JSON.
    pub trait Json {
        fn json(&self) -> Result<String, String>;
    }

    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> Result<String, String> {
            serde_json::to_string(self).map_err(|e| e.to_string())
        }
    }
}
