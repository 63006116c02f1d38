//! Spaced-repetition storage: settings, families' memory states and the review log.

use chrono::{DateTime, DurationRound, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, rfc3339};
use crate::schedule::LoggedReview;

/// A family's memory card as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct FamilyCard {
    /// Exam code.
    pub exam: String,
    /// Family id.
    pub family: String,
    /// Domain of the family.
    pub domain: String,
    /// Category of the family.
    pub category: String,
    /// FSRS stability (days).
    pub stability: f32,
    /// FSRS difficulty (1–10).
    pub difficulty: f32,
    /// When it is due.
    pub due: DateTime<Utc>,
    /// When it was last reviewed.
    pub last_review: DateTime<Utc>,
    /// Reviews so far.
    pub reps: i64,
    /// Times forgotten after being learned.
    pub lapses: i64,
    /// Suspended as a leech.
    pub suspended: bool,
    /// The surface form last shown.
    pub last_item: Option<String>,
    /// The variant last shown.
    pub last_variant: Option<String>,
}

/// One review to record, with the card state it leads to.
#[derive(Clone, Debug, PartialEq)]
pub struct NewReview {
    /// Exam code.
    pub exam: String,
    /// Family id.
    pub family: String,
    /// The item shown.
    pub item: String,
    /// The variant shown.
    pub variant: Option<String>,
    /// `drill` or `mock`.
    pub source: &'static str,
    /// When.
    pub at: DateTime<Utc>,
    /// 1–4.
    pub rating: u8,
    /// Learner days since the previous review.
    pub elapsed_days: u32,
    /// Days until the next review.
    pub scheduled_days: u32,
    /// The card after the review.
    pub after: FamilyCard,
    /// Time spent answering.
    pub seconds: Option<f64>,
}

/// A category's active items in draw-key order (new families are those without a card).
pub(crate) const NEW_FAMILIES_SQL: &str = "SELECT family, id FROM items
     WHERE exam = ?1 AND domain = ?2 AND category = ?3 AND active = 1 ORDER BY draw_key";

/// Whether a family has a card.
pub(crate) const HAS_CARD_SQL: &str = "SELECT 1 FROM families WHERE exam = ?1 AND family = ?2";

/// Categories in which every family has a card.
pub(crate) const EXHAUSTED_SQL: &str = "SELECT s.domain, s.category FROM category_sizes s
     WHERE s.exam = ?1 AND s.families <= (SELECT count(*) FROM families f
       WHERE f.exam = s.exam AND f.domain = s.domain AND f.category = s.category)";

/// Today's drill reviews.
pub(crate) const REVIEWS_SINCE_SQL: &str =
    "SELECT family, reps_before, rating FROM reviews WHERE reviewed_at >= ?1 AND source = 'drill'";

/// Unsuspended cards due in whole UTC hours, from the running tally.
pub(crate) const DUE_HOURS_SQL: &str = "SELECT coalesce(sum(cards), 0) FROM due_hours
     WHERE hour >= ?2 AND hour < ?3 AND (?1 IS NULL OR exam = ?1)";

/// Unsuspended cards due in a range, counted from the index.
pub(crate) const DUE_COUNT_SQL: &str = "SELECT count(*) FROM families
     WHERE suspended = 0 AND due >= ?2 AND due < ?3 AND (?1 IS NULL OR exam = ?1)";

impl Store {
    /// A stored setting.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(self.sql())
    }

    /// Every stored setting.
    pub fn settings(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, value FROM settings ORDER BY key")
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// Stores a setting.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(self.sql())?;
        Ok(())
    }

    /// A `families` row as a card: `Err` inside when a stored time cannot be decoded.
    fn card_from(&self, r: &rusqlite::Row) -> rusqlite::Result<Result<FamilyCard, StoreError>> {
        let exam: String = r.get(0)?;
        let family: String = r.get(1)?;
        let due: String = r.get(4)?;
        let last: String = r.get(5)?;
        let key = format!("{exam}/{family}");
        let times = super::stored_time(&self.label, "families", &key, "due", &due).and_then(|due| {
            super::stored_time(&self.label, "families", &key, "last_review", &last).map(|last| (due, last))
        });
        let (due, last_review) = match times {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        Ok(Ok(FamilyCard {
            exam,
            family,
            stability: r.get::<_, f64>(2)? as f32,
            difficulty: r.get::<_, f64>(3)? as f32,
            due,
            last_review,
            reps: r.get(6)?,
            lapses: r.get(7)?,
            suspended: r.get::<_, i64>(8)? == 1,
            last_item: r.get(9)?,
            last_variant: r.get(10)?,
            domain: r.get(11)?,
            category: r.get(12)?,
        }))
    }

    const CARD_COLUMNS: &'static str = "exam, family, stability, difficulty, due, last_review, reps, lapses, suspended, \
         last_item, last_variant, domain, category";

    /// A family's card, if it has been reviewed.
    pub fn family_card(&self, exam: &str, family: &str) -> Result<Option<FamilyCard>, StoreError> {
        let sql = format!(
            "SELECT {} FROM families WHERE exam = ?1 AND family = ?2",
            Self::CARD_COLUMNS
        );
        let found = self
            .conn
            .query_row(&sql, params![exam, family], |r| self.card_from(r))
            .optional()
            .map_err(self.sql())?;
        found.transpose()
    }

    /// The query of [`Store::due_cards`]: the inner query ranks the due cards from the covering
    /// `families_rank` index alone (it holds the last review as a Julian day); only the chosen rows
    /// are read from the table.
    pub(crate) fn due_cards_sql(by_due: bool) -> String {
        let order = if by_due {
            "due, julianday(?3)"
        } else {
            "(julianday(?3) - julianday(last_review)) / max(stability, 0.001) DESC"
        };
        format!(
            "SELECT {} FROM families WHERE rowid IN (SELECT rowid FROM families
               WHERE exam = ?1 AND suspended = 0 AND due <= ?2 ORDER BY {order} LIMIT ?4)
             ORDER BY {order}",
            Self::CARD_COLUMNS
        )
    }

    /// Up to `limit` cards of an exam due by `until` (suspended ones excluded), least likely to be
    /// recalled first: retrievability falls as elapsed time ÷ stability grows, so ordering by that
    /// ratio in SQL finds them without loading a backlog. With `by_due`, earliest due first.
    pub fn due_cards(
        &self,
        exam: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: usize,
        by_due: bool,
    ) -> Result<Vec<FamilyCard>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&Self::due_cards_sql(by_due))
            .map_err(self.sql())?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(params![exam, rfc3339(until), rfc3339(now), limit], |r| {
                self.card_from(r)
            })
            .map_err(self.sql())?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row.map_err(self.sql())??);
        }
        Ok(out)
    }

    /// How many unsuspended cards fall due in `[from, until)`: the whole UTC hours inside the range
    /// from the `due_hours` tally, only its partial first and last hours from the cards' index.
    pub fn due_between(
        &self,
        exam: Option<&str>,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let hour = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H").to_string();
        let whole = first_whole_hour(from).filter(|first| {
            until
                .duration_trunc(chrono::TimeDelta::hours(1))
                .is_ok_and(|last| *first < last)
        });
        let Some(first) = whole else {
            return self.due_counted(exam, from, until);
        };
        let last = until.duration_trunc(chrono::TimeDelta::hours(1)).unwrap_or(until);
        let inside = self
            .conn
            .prepare_cached(DUE_HOURS_SQL)
            .and_then(|mut s| s.query_row(params![exam, hour(first), hour(last)], |r| r.get::<_, i64>(0)))
            .map(i64::unsigned_abs)
            .map_err(self.sql())?;
        Ok(self.due_counted(exam, from, first)? + inside + self.due_counted(exam, last, until)?)
    }

    /// How many unsuspended cards fall due in `[from, until)`, counted from the index.
    fn due_counted(
        &self,
        exam: Option<&str>,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        if from >= until {
            return Ok(0);
        }
        self.conn
            .prepare_cached(DUE_COUNT_SQL)
            .and_then(|mut s| {
                s.query_row(params![exam, rfc3339(from), rfc3339(until)], |r| {
                    r.get::<_, i64>(0)
                })
            })
            .map(i64::unsigned_abs)
            .map_err(self.sql())
    }

    /// When the next unsuspended card falls due.
    pub fn next_due(&self, exam: Option<&str>) -> Result<Option<DateTime<Utc>>, StoreError> {
        let found: Option<String> = self
            .conn
            .query_row(
                "SELECT min(due) FROM families WHERE suspended = 0 AND (?1 IS NULL OR exam = ?1)",
                [exam],
                |r| r.get(0),
            )
            .map_err(self.sql())?;
        found
            .map(|d| super::stored_time(&self.label, "families", "(min due)", "due", &d))
            .transpose()
    }

    /// Categories of an exam in which every family already has a card.
    pub fn exhausted_categories(&self, exam: &str) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(EXHAUSTED_SQL).map_err(self.sql())?;
        let rows = stmt
            .query_map([exam], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// Suspended (leech) cards.
    pub fn leeches(&self, exam: Option<&str>) -> Result<Vec<FamilyCard>, StoreError> {
        let sql = format!(
            "SELECT {} FROM families WHERE suspended = 1 AND (?1 IS NULL OR exam = ?1) ORDER BY lapses DESC, family",
            Self::CARD_COLUMNS
        );
        let mut stmt = self.conn.prepare(&sql).map_err(self.sql())?;
        let rows = stmt
            .query_map([exam], |r| self.card_from(r))
            .map_err(self.sql())?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row.map_err(self.sql())??);
        }
        Ok(out)
    }

    /// Due instants of every unsuspended card (for forecasts).
    pub fn due_times(&self, exam: Option<&str>) -> Result<Vec<DateTime<Utc>>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT due FROM families WHERE suspended = 0 AND (?1 IS NULL OR exam = ?1)")
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([exam], |r| r.get::<_, String>(0))
            .map_err(self.sql())?;
        let mut out = Vec::new();
        for row in rows {
            let due = row.map_err(self.sql())?;
            out.push(super::stored_time(&self.label, "families", "(due)", "due", &due)?);
        }
        Ok(out)
    }

    /// Families of an exam never reviewed, per category, in draw-key order, at most `limit` from
    /// each of the given categories.
    pub fn new_families(
        &self,
        exam: &str,
        domain: &str,
        category: &str,
        limit: usize,
    ) -> Result<Vec<(String, String)>, StoreError> {
        // Several items can share a family: read a few more and keep each family once. The
        // category's items stream in draw-key order and each is checked against the cards by key,
        // until enough never-reviewed ones are found.
        let want = limit.saturating_mul(3);
        let mut out: Vec<(String, String)> = Vec::new();
        if want == 0 {
            return Ok(out);
        }
        let mut items = self.conn.prepare_cached(NEW_FAMILIES_SQL).map_err(self.sql())?;
        let mut card = self.conn.prepare_cached(HAS_CARD_SQL).map_err(self.sql())?;
        let mut rows = items.query(params![exam, domain, category]).map_err(self.sql())?;
        let mut found = 0;
        while let Some(row) = rows.next().map_err(self.sql())? {
            let family: String = row.get(0).map_err(self.sql())?;
            if card.exists(params![exam, family]).map_err(self.sql())? {
                continue;
            }
            let id: String = row.get(1).map_err(self.sql())?;
            if out.len() < limit && !out.iter().any(|(f, _)| *f == family) {
                out.push((family, id));
            }
            found += 1;
            if found == want {
                break;
            }
        }
        Ok(out)
    }

    /// The items of a family: `(id, type, body JSON)`.
    pub fn family_items(
        &self,
        exam: &str,
        family: &str,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, type, body FROM items WHERE exam = ?1 AND family = ?2 AND active = 1 ORDER BY id",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map(params![exam, family], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// Reviews since `since` (drill and mock), for daily limits and summaries:
    /// `(family, reps before, rating)`.
    pub fn reviews_since(&self, since: DateTime<Utc>) -> Result<Vec<(String, i64, u8)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(REVIEWS_SINCE_SQL).map_err(self.sql())?;
        let rows = stmt
            .query_map([rfc3339(since)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// Records a review and the card it leads to, in one transaction; returns the review id.
    pub fn record_review(&mut self, review: &NewReview) -> Result<i64, StoreError> {
        let label = self.label.clone();
        let sql = |source| super::classify(&label, source);
        let tx = super::begin(&mut self.conn).map_err(sql)?;
        let before: Option<(f64, f64, String, String, i64, i64, i64)> = tx
            .query_row(
                "SELECT stability, difficulty, due, last_review, reps, lapses, suspended FROM families WHERE exam = ?1 AND family = ?2",
                params![review.exam, review.family],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
            )
            .optional()
            .map_err(sql)?;
        let a = &review.after;
        tx.execute(
            "INSERT INTO reviews (exam, family, item, variant, source, reviewed_at, rating, elapsed_days, scheduled_days,
               stability_before, difficulty_before, stability_after, difficulty_after, due_before, last_review_before,
               reps_before, lapses_before, suspended_before, seconds)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
            params![
                review.exam,
                review.family,
                review.item,
                review.variant,
                review.source,
                rfc3339(review.at),
                i64::from(review.rating),
                i64::from(review.elapsed_days),
                i64::from(review.scheduled_days),
                before.as_ref().map(|b| b.0),
                before.as_ref().map(|b| b.1),
                f64::from(a.stability),
                f64::from(a.difficulty),
                before.as_ref().map(|b| b.2.clone()),
                before.as_ref().map(|b| b.3.clone()),
                before.as_ref().map_or(0, |b| b.4),
                before.as_ref().map_or(0, |b| b.5),
                before.as_ref().map_or(0, |b| b.6),
                review.seconds,
            ],
        )
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO families (exam, family, stability, difficulty, due, last_review, reps, lapses, suspended, last_item,
               last_variant, domain, category)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (exam, family) DO UPDATE SET stability = excluded.stability, difficulty = excluded.difficulty,
               due = excluded.due, last_review = excluded.last_review, reps = excluded.reps, lapses = excluded.lapses,
               suspended = excluded.suspended, last_item = excluded.last_item, last_variant = excluded.last_variant",
            params![
                a.exam,
                a.family,
                f64::from(a.stability),
                f64::from(a.difficulty),
                rfc3339(a.due),
                rfc3339(a.last_review),
                a.reps,
                a.lapses,
                i64::from(a.suspended),
                a.last_item,
                a.last_variant,
                a.domain,
                a.category
            ],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(id)
    }

    /// Takes back a review: deletes it and restores the card as it was before (a family reviewed
    /// for the first time goes back to new). Returns whether there was such a review.
    pub fn undo_review(&mut self, id: i64) -> Result<bool, StoreError> {
        let label = self.label.clone();
        let sql = |source| super::classify(&label, source);
        let tx = super::begin(&mut self.conn).map_err(sql)?;
        type Before = (
            String,
            String,
            Option<f64>,
            Option<f64>,
            Option<String>,
            Option<String>,
            i64,
            i64,
            i64,
        );
        let row: Option<Before> = tx
            .query_row(
                "SELECT exam, family, stability_before, difficulty_before, due_before, last_review_before, reps_before,
                   lapses_before, suspended_before FROM reviews WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?)),
            )
            .optional()
            .map_err(sql)?;
        let Some((exam, family, s, d, due, last, reps, lapses, suspended)) = row else {
            return Ok(false);
        };
        match (s, d, due, last) {
            (Some(s), Some(d), Some(due), Some(last)) => {
                tx.execute(
                    "UPDATE families SET stability = ?3, difficulty = ?4, due = ?5, last_review = ?6, reps = ?7,
                       lapses = ?8, suspended = ?9 WHERE exam = ?1 AND family = ?2",
                    params![exam, family, s, d, due, last, reps, lapses, suspended],
                )
                .map_err(sql)?;
            }
            _ => {
                tx.execute(
                    "DELETE FROM families WHERE exam = ?1 AND family = ?2",
                    params![exam, family],
                )
                .map_err(sql)?;
            }
        }
        tx.execute("DELETE FROM reviews WHERE id = ?1", [id])
            .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(true)
    }

    /// The whole review log in the revlog format: card = `exam/family`.
    pub fn review_log(&self) -> Result<Vec<LoggedReview>, StoreError> {
        let mut out = Vec::new();
        self.each_review(|r| {
            out.push(r);
            Ok::<_, StoreError>(())
        })?;
        Ok(out)
    }

    /// Hands every review to `visit` in time order without holding the log in memory; stops at
    /// the first error `visit` returns.
    pub fn each_review<E: From<StoreError>>(
        &self,
        mut visit: impl FnMut(LoggedReview) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut stmt = self
            .conn
            .prepare("SELECT exam, family, reviewed_at, rating FROM reviews ORDER BY reviewed_at, id")
            .map_err(self.sql())?;
        let mut rows = stmt.query([]).map_err(self.sql())?;
        while let Some(row) = rows.next().map_err(self.sql())? {
            let get = |i| row.get::<_, String>(i).map_err(self.sql());
            let (exam, family, at) = (get(0)?, get(1)?, get(2)?);
            let rating: i64 = row.get(3).map_err(self.sql())?;
            let time = super::stored_time(
                &self.label,
                "reviews",
                &format!("{exam}/{family}"),
                "reviewed_at",
                &at,
            )?;
            let rating = u8::try_from(rating)
                .ok()
                .filter(|r| (1..=4).contains(r))
                .ok_or_else(|| StoreError::Decode {
                    path: self.label.clone(),
                    detail: format!("reviews row {exam}/{family} at {at}: rating {rating} is not 1–4"),
                })?;
            visit(LoggedReview {
                card: format!("{exam}/{family}"),
                time,
                rating,
            })?;
        }
        Ok(())
    }

    /// Median seconds of right drill and mock answers of an item type, with at least `min` samples.
    pub fn usual_seconds(&self, item_type: &str, min: usize) -> Result<Option<f64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT a.seconds FROM answers a JOIN items i ON i.exam = a.exam AND i.id = a.item
                 WHERE i.type = ?1 AND a.correct = 1 AND a.seconds > 0 ORDER BY a.id DESC LIMIT 200",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([item_type], |r| r.get::<_, f64>(0))
            .map_err(self.sql())?;
        let mut v: Vec<f64> = rows.collect::<Result<_, _>>().map_err(self.sql())?;
        if v.len() < min {
            return Ok(None);
        }
        v.sort_by(f64::total_cmp);
        Ok(Some(v[v.len() / 2]))
    }

    /// Copies the whole database to `target` with SQLite's online backup, safe while another
    /// process is writing.
    ///
    /// `file` is written; `shown` is the name the learner gave, used in messages: a failure there
    /// (a full disk, a read-only folder) is the backup's, never blamed on the learner's database.
    pub fn backup_to(&self, file: &std::path::Path, shown: &std::path::Path) -> Result<(), StoreError> {
        let target = shown.display().to_string();
        let blame = |source: rusqlite::Error| {
            let full = matches!(&source, rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::DiskFull);
            StoreError::Backup {
                path: target.clone(),
                detail: if full {
                    "the disk is full".to_owned()
                } else {
                    source.to_string()
                },
            }
        };
        let mut dst = rusqlite::Connection::open(file).map_err(blame)?;
        let backup = rusqlite::backup::Backup::new(&self.conn, &mut dst).map_err(blame)?;
        backup
            .run_to_completion(256, std::time::Duration::from_millis(5), None)
            .map_err(blame)
    }
}

/// The first whole UTC hour at or after `t` that a stored instant can fall in (none before 1970:
/// earlier instants are counted from the index).
fn first_whole_hour(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let t = t.max(DateTime::UNIX_EPOCH);
    let floor = t.duration_trunc(chrono::TimeDelta::hours(1)).ok()?;
    Some(if floor == t {
        t
    } else {
        floor + chrono::TimeDelta::hours(1)
    })
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod plan_tests;
