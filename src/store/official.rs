//! Official exam attempts.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::params;

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
    /// Scaled score.
    pub score: u32,
    /// Passed.
    pub passed: bool,
    /// Certification expiry, when given.
    pub expires: Option<DateTime<Utc>>,
    /// Per-domain percentages of the score report.
    pub domains: BTreeMap<String, f64>,
}

impl Store {
    /// Records an official attempt, and in the same transaction the pseudo-observations its score
    /// report gives each category (`evidence` maps the current evidence of a category to the new one).
    pub fn log_official_attempt(
        &mut self,
        a: &LoggedAttempt,
        now: DateTime<Utc>,
        categories: &[(String, String)],
        evidence: &dyn Fn(Option<crate::mastery::Evidence>, &str) -> Option<crate::mastery::Evidence>,
    ) -> Result<i64, StoreError> {
        let label = self.label.clone();
        let sql = |source| super::classify(&label, source);
        let domains = serde_json::to_string(&a.domains).map_err(|e| StoreError::Decode {
            path: label.clone(),
            detail: e.to_string(),
        })?;
        let tx = super::begin(&mut self.conn).map_err(sql)?;
        tx.execute(
            "INSERT INTO official_attempts (exam, taken_at, score, passed, expires, domains, logged_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                a.exam,
                rfc3339(a.taken_at),
                i64::from(a.score),
                i64::from(a.passed),
                a.expires.map(rfc3339),
                domains,
                rfc3339(now)
            ],
        )
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        for (domain, category) in categories {
            super::update_evidence(&tx, &a.exam, domain, category, &|current| {
                evidence(current, domain)
            })
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        Ok(id)
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
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
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
                score: u32::try_from(score).map_err(|_| StoreError::Decode {
                    path: self.label.clone(),
                    detail: format!("official_attempts row {row}: score {score}"),
                })?,
                passed: passed == 1,
                expires,
                domains,
            });
        }
        Ok(out)
    }
}
