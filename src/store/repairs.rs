//! Repair state and shown forms (variations instead of repeats).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, rfc3339};

/// A family in repair.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Repair {
    /// Exam code.
    pub exam: String,
    /// Family id.
    pub family: String,
    /// Domain id.
    pub domain: String,
    /// Category id.
    pub category: String,
    /// The item that was missed.
    pub missed_item: String,
    /// Its variant, for templates.
    pub missed_variant: Option<String>,
    /// `mock` or `drill`.
    pub missed_source: String,
    /// When.
    pub missed_at: String,
    /// Right answers on forms not seen before, so far.
    pub progress: i64,
}

/// An answer to record for the learner model.
#[derive(Clone, Debug, PartialEq)]
pub struct DrillAnswer<'a> {
    /// Exam code.
    pub exam: &'a str,
    /// The item answered.
    pub item: &'a str,
    /// Family id.
    pub family: &'a str,
    /// Domain id.
    pub domain: &'a str,
    /// Category id.
    pub category: &'a str,
    /// Variant shown.
    pub variant: Option<&'a str>,
    /// Points earned.
    pub points: u32,
    /// Points possible.
    pub max_points: u32,
    /// Time spent.
    pub seconds: f64,
    /// Whether the form had been shown before.
    pub seen_before: bool,
    /// When.
    pub at: DateTime<Utc>,
}

/// Families shown since an instant.
pub(crate) const FAMILIES_SHOWN_SINCE_SQL: &str =
    "SELECT DISTINCT family FROM shown_forms WHERE exam = ?1 AND last_shown >= ?2";

/// The memorisation index's counts, from the running tally.
pub(crate) const MEMORISATION_SQL: &str =
    "SELECT domain, seen_before, right_answers, answers FROM memorisation
     WHERE exam = ?1 AND answers > 0 ORDER BY domain, seen_before";

impl Store {
    /// Whether a form (item + variant) of a family has been shown before.
    pub fn form_shown(
        &self,
        exam: &str,
        family: &str,
        item: &str,
        variant: Option<&str>,
    ) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT 1 FROM shown_forms WHERE exam = ?1 AND family = ?2 AND item = ?3 AND variant = ?4",
                params![exam, family, item, variant.unwrap_or("")],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(self.sql())
    }

    /// Every form of a family shown so far: `(item, variant)`.
    pub fn shown_forms(&self, exam: &str, family: &str) -> Result<Vec<(String, Option<String>)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT item, variant FROM shown_forms WHERE exam = ?1 AND family = ?2")
            .map_err(self.sql())?;
        let rows = stmt
            .query_map(params![exam, family], |r| {
                let v: String = r.get(1)?;
                Ok((r.get(0)?, (!v.is_empty()).then_some(v)))
            })
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// Remembers that a form was shown.
    pub fn mark_shown(
        &self,
        exam: &str,
        family: &str,
        item: &str,
        variant: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO shown_forms (exam, family, item, variant, first_shown, last_shown, times)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1)
                 ON CONFLICT (exam, family, item, variant) DO UPDATE SET last_shown = excluded.last_shown, times = times + 1",
                params![exam, family, item, variant.unwrap_or(""), rfc3339(at)],
            )
            .map(|_| ())
            .map_err(self.sql())
    }

    /// Families of a category shown since `since` (to keep siblings fresh).
    pub fn families_shown_since(&self, exam: &str, since: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(FAMILIES_SHOWN_SINCE_SQL)
            .map_err(self.sql())?;
        let rows = stmt
            .query_map(params![exam, rfc3339(since)], |r| r.get(0))
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// The open repair of a family.
    pub fn repair(&self, exam: &str, family: &str) -> Result<Option<Repair>, StoreError> {
        let mut found = self.repairs_where(
            "WHERE exam = ?1 AND family = ?2 AND closed_at IS NULL",
            &[&exam, &family],
        )?;
        Ok(found.pop())
    }

    /// Open repairs, of one exam or all, oldest first.
    pub fn open_repairs(&self, exam: Option<&str>) -> Result<Vec<Repair>, StoreError> {
        self.repairs_where(
            "WHERE closed_at IS NULL AND (?1 IS NULL OR exam = ?1) ORDER BY missed_at, family",
            &[&exam],
        )
    }

    fn repairs_where(&self, clause: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Repair>, StoreError> {
        let sql = format!(
            "SELECT exam, family, domain, category, missed_item, missed_variant, missed_source, missed_at, progress
             FROM repairs {clause}"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(self.sql())?;
        let rows = stmt
            .query_map(args, |r| {
                Ok(Repair {
                    exam: r.get(0)?,
                    family: r.get(1)?,
                    domain: r.get(2)?,
                    category: r.get(3)?,
                    missed_item: r.get(4)?,
                    missed_variant: r.get(5)?,
                    missed_source: r.get(6)?,
                    missed_at: r.get(7)?,
                    progress: r.get(8)?,
                })
            })
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// Puts a family in repair for a missed form (again from zero if it already was).
    pub fn open_repair(&self, r: &Repair) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO repairs (exam, family, domain, category, missed_item, missed_variant, missed_source, missed_at, progress)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0)
                 ON CONFLICT (exam, family) DO UPDATE SET missed_item = excluded.missed_item,
                   missed_variant = excluded.missed_variant, missed_source = excluded.missed_source,
                   missed_at = excluded.missed_at, progress = 0, closed_at = NULL",
                params![r.exam, r.family, r.domain, r.category, r.missed_item, r.missed_variant, r.missed_source, r.missed_at],
            )
            .map(|_| ())
            .map_err(self.sql())
    }

    /// Counts a right answer on a new form; closes the repair at `needed`. Returns the progress.
    pub fn advance_repair(
        &self,
        exam: &str,
        family: &str,
        needed: i64,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "UPDATE repairs SET progress = progress + 1,
                   closed_at = CASE WHEN progress + 1 >= ?3 THEN ?4 ELSE NULL END
                 WHERE exam = ?1 AND family = ?2 AND closed_at IS NULL",
                params![exam, family, needed, rfc3339(at)],
            )
            .map_err(self.sql())?;
        self.conn
            .query_row(
                "SELECT progress FROM repairs WHERE exam = ?1 AND family = ?2",
                params![exam, family],
                |r| r.get(0),
            )
            .map_err(self.sql())
    }

    /// Records a drill answer for the learner model: the answers table and the category evidence.
    pub fn record_drill_answer(
        &mut self,
        a: &DrillAnswer,
        evidence: &dyn Fn(Option<crate::mastery::Evidence>) -> crate::mastery::Evidence,
    ) -> Result<(), StoreError> {
        let label = self.label.clone();
        let sql = |source| super::classify(&label, source);
        let tx = super::begin(&mut self.conn).map_err(sql)?;
        tx.execute(
            "INSERT INTO answers (exam, item, family, domain, category, variant, source, attempt, points, max_points,
               correct, seconds, answered_at, seen_before)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'drill', NULL, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                a.exam,
                a.item,
                a.family,
                a.domain,
                a.category,
                a.variant,
                i64::from(a.points),
                i64::from(a.max_points),
                i64::from(a.max_points > 0 && a.points == a.max_points),
                a.seconds,
                rfc3339(a.at),
                i64::from(a.seen_before),
            ],
        )
        .map_err(sql)?;
        super::update_evidence(&tx, a.exam, a.domain, a.category, &|current| {
            Some(evidence(current))
        })
        .map_err(sql)?;
        tx.commit().map_err(sql)
    }

    /// Per domain: `(seen before?, right answers, answers)` over every answer with a known form
    /// history, from the running `memorisation` tally (no answer is read).
    pub fn seen_versus_new(&self, exam: &str) -> Result<Vec<(String, bool, u64, u64)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(MEMORISATION_SQL).map_err(self.sql())?;
        let rows = stmt
            .query_map([exam], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)? == 1,
                    r.get::<_, i64>(2)?.unsigned_abs(),
                    r.get::<_, i64>(3)?.unsigned_abs(),
                ))
            })
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// Questions of a category (not flashcards, not in case studies) for sibling choice:
    /// `(id, family, body JSON)`, in draw-key order, at most `limit`.
    pub fn category_questions(
        &self,
        exam: &str,
        domain: &str,
        category: &str,
        limit: usize,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, family, body FROM items WHERE exam = ?1 AND domain = ?2 AND category = ?3 AND active = 1
                   AND type <> 'flashcard' AND case_id IS NULL ORDER BY draw_key LIMIT ?4",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map(
                params![exam, domain, category, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// Answers per domain since `since` (all time when `None`): `(domain, answers, right)`.
    pub fn domain_answers(
        &self,
        exam: &str,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<(String, u64, u64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT domain, count(*), sum(correct) FROM answers
                 WHERE exam = ?1 AND (?2 IS NULL OR answered_at >= ?2) GROUP BY domain",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map(params![exam, since.map(rfc3339)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?.unsigned_abs(),
                    r.get::<_, i64>(2)?.unsigned_abs(),
                ))
            })
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// Families due by `until` per domain.
    pub fn due_by_domain(&self, exam: &str, until: DateTime<Utc>) -> Result<Vec<(String, u64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT domain, count(*) FROM families WHERE exam = ?1 AND suspended = 0 AND due <= ?2 GROUP BY domain")
            .map_err(self.sql())?;
        let rows = stmt
            .query_map(params![exam, rfc3339(until)], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.unsigned_abs()))
            })
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }
}
