//! Official exam attempts, scored at once or pending until the result arrives (beta exams).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::{Store, StoreError, rfc3339};

/// A logged official attempt.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LoggedAttempt {
    /// Row id.
    pub id: i64,
    /// Exam code.
    pub exam: String,
    /// When it was taken.
    pub taken_at: DateTime<Utc>,
    /// Scaled score; `None` while the result is pending.
    pub score: Option<u32>,
    /// Passed; `None` while the result is pending.
    pub passed: Option<bool>,
    /// Certification expiry, when given.
    pub expires: Option<DateTime<Utc>>,
    /// Per-domain percentages of the score report.
    pub domains: BTreeMap<String, f64>,
}

impl LoggedAttempt {
    /// Whether the attempt still waits for its result.
    pub fn is_pending(&self) -> bool {
        self.score.is_none()
    }
}

/// How a score report changes one category's evidence: `(current evidence, domain) → new evidence`.
pub type EvidenceUpdate<'a> =
    &'a dyn Fn(Option<crate::mastery::Evidence>, &str) -> Option<crate::mastery::Evidence>;

fn update_categories(
    tx: &Connection,
    exam: &str,
    categories: &[(String, String)],
    evidence: EvidenceUpdate,
) -> rusqlite::Result<()> {
    for (domain, category) in categories {
        super::update_evidence(tx, exam, domain, category, &|current| evidence(current, domain))?;
    }
    Ok(())
}

impl Store {
    fn domains_json(&self, a: &LoggedAttempt) -> Result<String, StoreError> {
        serde_json::to_string(&a.domains).map_err(|e| StoreError::Decode {
            path: self.label.clone(),
            detail: e.to_string(),
        })
    }

    /// Records an official attempt (scored, or pending when `a.score` is `None`), and in the same
    /// transaction the pseudo-observations its score report gives each category (`evidence` maps
    /// the current evidence of a category to the new one).
    pub fn log_official_attempt(
        &mut self,
        a: &LoggedAttempt,
        now: DateTime<Utc>,
        categories: &[(String, String)],
        evidence: EvidenceUpdate,
    ) -> Result<i64, StoreError> {
        let label = self.label.clone();
        let sql = |source| super::classify(&label, source);
        let domains = self.domains_json(a)?;
        let tx = super::begin(&mut self.conn).map_err(sql)?;
        tx.execute(
            "INSERT INTO official_attempts (exam, taken_at, score, passed, expires, domains, logged_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                a.exam,
                rfc3339(a.taken_at),
                a.score.map(i64::from),
                a.passed.map(i64::from),
                a.expires.map(rfc3339),
                domains,
                rfc3339(now)
            ],
        )
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        update_categories(&tx, &a.exam, categories, evidence).map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(id)
    }

    /// Adds the result to the pending attempt `a.id` (score, pass, expiry, domain percentages) and
    /// the evidence of its score report, in one transaction. Returns `false`, changing nothing, when
    /// that attempt is not pending (any more).
    pub fn complete_official_attempt(
        &mut self,
        a: &LoggedAttempt,
        now: DateTime<Utc>,
        categories: &[(String, String)],
        evidence: EvidenceUpdate,
    ) -> Result<bool, StoreError> {
        let label = self.label.clone();
        let sql = |source| super::classify(&label, source);
        let domains = self.domains_json(a)?;
        let tx = super::begin(&mut self.conn).map_err(sql)?;
        let changed = tx
            .execute(
                "UPDATE official_attempts SET score = ?2, passed = ?3, expires = ?4, domains = ?5, scored_at = ?6
                 WHERE id = ?1 AND score IS NULL",
                params![
                    a.id,
                    a.score.map(i64::from),
                    a.passed.map(i64::from),
                    a.expires.map(rfc3339),
                    domains,
                    rfc3339(now)
                ],
            )
            .map_err(sql)?;
        if changed == 0 {
            return Ok(false);
        }
        update_categories(&tx, &a.exam, categories, evidence).map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(true)
    }

    /// Logged official attempts, of one exam or all, oldest first.
    pub fn official_attempts(&self, exam: Option<&str>) -> Result<Vec<LoggedAttempt>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, exam, taken_at, score, passed, expires, domains FROM official_attempts WHERE ?1 IS NULL OR exam = ?1 ORDER BY taken_at, id")
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([exam], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })
            .map_err(self.sql())?;
        let mut out = Vec::new();
        for row in rows {
            let (id, exam, taken, score, passed, expires, domains) = row.map_err(self.sql())?;
            let row = id.to_string();
            let taken_at = super::stored_time(&self.label, "official_attempts", &row, "taken_at", &taken)?;
            let expires = expires
                .as_deref()
                .map(|e| super::stored_time(&self.label, "official_attempts", &row, "expires", e))
                .transpose()?;
            let domains = match domains.as_deref() {
                Some(d) => serde_json::from_str(d).map_err(|e| StoreError::Decode {
                    path: self.label.clone(),
                    detail: format!("official_attempts row {row}: domains: {e}"),
                })?,
                None => BTreeMap::new(),
            };
            out.push(LoggedAttempt {
                id,
                exam,
                taken_at,
                score: score
                    .map(|s| {
                        u32::try_from(s).map_err(|_| StoreError::Decode {
                            path: self.label.clone(),
                            detail: format!("official_attempts row {row}: score {s}"),
                        })
                    })
                    .transpose()?,
                passed: passed.map(|p| p == 1),
                expires,
                domains,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn at(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, 9, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn pending(exam: &str, d: u32) -> LoggedAttempt {
        LoggedAttempt {
            id: 0,
            exam: exam.into(),
            taken_at: at(d),
            score: None,
            passed: None,
            expires: None,
            domains: BTreeMap::new(),
        }
    }

    #[test]
    fn a_pending_attempt_is_stored_without_a_score_and_completed_once() -> TestResult {
        let mut store = Store::open_in_memory()?;
        let none: EvidenceUpdate = &|_, _| None;
        let id = store.log_official_attempt(&pending("AI-103", 2), at(2), &[], none)?;
        let list = store.official_attempts(Some("AI-103"))?;
        assert_eq!(list.len(), 1);
        assert!(list[0].is_pending() && list[0].passed.is_none());
        let scored = LoggedAttempt {
            id,
            score: Some(720),
            passed: Some(true),
            domains: BTreeMap::from([("plan".to_owned(), 80.0)]),
            ..pending("AI-103", 2)
        };
        assert!(store.complete_official_attempt(&scored, at(20), &[], none)?);
        // A second result for the same attempt changes nothing.
        let again = LoggedAttempt {
            score: Some(500),
            passed: Some(false),
            ..scored.clone()
        };
        assert!(!store.complete_official_attempt(&again, at(21), &[], none)?);
        let list = store.official_attempts(Some("AI-103"))?;
        assert_eq!(list, [scored]);
        Ok(())
    }

    #[test]
    fn the_schema_refuses_a_score_without_a_result() -> TestResult {
        let store = Store::open_in_memory()?;
        let half = store.conn.execute(
            "INSERT INTO official_attempts (exam, taken_at, score, passed, logged_at) VALUES ('X', 't', 700, NULL, 't')",
            [],
        );
        assert!(half.is_err());
        Ok(())
    }
}
