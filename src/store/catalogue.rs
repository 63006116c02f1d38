//! The compiled bank catalogue: which exam folder was imported when, importing a validated bank
//! while keeping the learner's history (items matched by id, answer changes noticed), and the
//! exam list and counts the commands show.

use super::*;

/// What an exam folder looked like when it was last imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedState {
    /// The exam code.
    pub code: String,
    /// File-stamp fingerprint at import.
    pub fingerprint: String,
    /// Content hash at import.
    pub content_hash: String,
}

/// What an import changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The exam code.
    pub exam: String,
    /// Items new to the database.
    pub added: usize,
    /// Items whose wording changed (history kept).
    pub edited: usize,
    /// Items whose answer changed: `(item, family)`; their families start afresh.
    pub answer_changed: Vec<(String, String)>,
    /// Items no longer in the bank (kept, inactive).
    pub removed: usize,
    /// Items back in the bank after being removed.
    pub restored: usize,
}

/// One exam in the catalogue.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExamSummary {
    /// Exam code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Where the bank came from.
    pub source: String,
    /// Questions (case sub-items one each).
    pub questions: u64,
    /// Flashcards.
    pub flashcards: u64,
    /// The exam's blueprint.
    #[serde(skip)]
    pub exam: Exam,
}

/// Counts of one exam's active items, for `bank stats`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ItemCounts {
    /// Questions (case sub-items one each).
    pub questions: u64,
    /// Flashcards.
    pub flashcards: u64,
    /// Distinct families (memory cards), flashcards included.
    pub families: u64,
    /// Templated questions.
    pub templated: u64,
    /// Case studies.
    pub cases: u64,
    /// Questions per domain id.
    pub per_domain: HashMap<String, u64>,
    /// Questions per `(domain, category)`.
    pub per_category: HashMap<(String, String), u64>,
    /// Questions per item type name.
    pub per_type: HashMap<String, u64>,
    /// Questions per difficulty (1–3).
    pub per_difficulty: HashMap<u8, u64>,
}

impl Store {
    /// The import state of the exam whose bank came from `source`, if any.
    pub fn imported_from(&self, source: &str) -> Result<Option<ImportedState>, StoreError> {
        self.conn
            .query_row(
                "SELECT code, fingerprint, content_hash FROM exams WHERE source = ?1",
                [source],
                |r| {
                    Ok(ImportedState {
                        code: r.get(0)?,
                        fingerprint: r.get(1)?,
                        content_hash: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(self.sql())
    }

    /// Where the exam with this code (compared without case) was imported from, if it is known.
    pub fn exam_source(&self, code: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT source FROM exams WHERE code = ?1 COLLATE NOCASE ORDER BY code LIMIT 1",
                [code],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sql())
    }

    /// Records a new fingerprint for a bank whose contents did not change (e.g. files touched).
    pub fn touch_exam(&self, code: &str, fingerprint: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE exams SET fingerprint = ?2 WHERE code = ?1",
                params![code, fingerprint],
            )
            .map_err(self.sql())?;
        Ok(())
    }

    /// Imports a validated bank in one transaction, keeping history: items are matched by id; an
    /// edited item keeps its id; items that left the bank become inactive.
    pub fn import_bank(
        &mut self,
        bank: &Bank,
        source: &str,
        fingerprint: &str,
        content_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<ImportReport, StoreError> {
        let label = self.label.clone();
        let sql = |source| classify(&label, source);
        let decode = |e: serde_json::Error| StoreError::Decode {
            path: self.label.clone(),
            detail: e.to_string(),
        };
        let at = rfc3339(now);
        let code = bank.exam.code.clone();
        let blueprint = serde_json::to_string(&bank.exam).map_err(decode)?;
        let mut rows = Vec::with_capacity(bank.questions.len() + bank.flashcards.len());
        for q in &bank.questions {
            let body = serde_json::to_string(q).map_err(decode)?;
            let answer = match &q.answering {
                Answering::Fixed { answer } => serde_json::to_string(answer),
                Answering::Template(t) => {
                    serde_json::to_string(&t.cases.iter().map(|c| (&c.when, &c.answer)).collect::<Vec<_>>())
                }
            }
            .map_err(decode)?;
            rows.push(ItemRow {
                id: q.id.0.clone(),
                family: q.family.0.clone(),
                domain: q.domain.0.clone(),
                category: q.category.0.clone(),
                kind: q.item_type(),
                case_id: q.case.as_ref().map(|c| c.case_id.0.clone()),
                case_index: q.case.as_ref().map(|c| c.index as i64),
                difficulty: Some(i64::from(q.difficulty)),
                templated: q.template().is_some(),
                content_hash: sha256_hex(&[body.as_bytes()]),
                answer_hash: sha256_hex(&[answer.as_bytes()]),
                body,
            });
        }
        for c in &bank.flashcards {
            let body = serde_json::to_string(c).map_err(decode)?;
            rows.push(ItemRow {
                id: c.id.0.clone(),
                family: c.family.0.clone(),
                domain: c.domain.0.clone(),
                category: c.category.0.clone(),
                kind: ItemType::Flashcard,
                case_id: None,
                case_index: None,
                difficulty: None,
                templated: false,
                content_hash: sha256_hex(&[body.as_bytes()]),
                answer_hash: sha256_hex(&[c.back.as_bytes()]),
                body,
            });
        }

        let tx = begin(&mut self.conn).map_err(sql)?;
        tx.execute(
            "INSERT INTO exams (code, title, source, fingerprint, content_hash, blueprint, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (code) DO UPDATE SET title = excluded.title, source = excluded.source,
               fingerprint = excluded.fingerprint, content_hash = excluded.content_hash,
               blueprint = excluded.blueprint, imported_at = excluded.imported_at",
            params![
                code,
                bank.exam.title,
                source,
                fingerprint,
                content_hash,
                blueprint,
                at
            ],
        )
        .map_err(sql)?;
        let mut existing: HashMap<String, (String, String, bool)> = HashMap::new();
        let mut stale_keys: Vec<String> = Vec::new();
        {
            let mut stmt = tx
                .prepare("SELECT id, content_hash, answer_hash, active, draw_key FROM items WHERE exam = ?1")
                .map_err(sql)?;
            let found = stmt
                .query_map([&code], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        (r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? == 1),
                        r.get::<_, i64>(4)?,
                    ))
                })
                .map_err(sql)?;
            for row in found {
                let (id, state, key) = row.map_err(sql)?;
                if key != draw_key(&id) {
                    stale_keys.push(id.clone());
                }
                existing.insert(id, state);
            }
        }
        let mut report = ImportReport {
            exam: code.clone(),
            ..ImportReport::default()
        };
        {
            let mut upsert = tx
                .prepare(
                    "INSERT INTO items (exam, id, family, domain, category, type, case_id, case_index,
                       difficulty, templated, content_hash, answer_hash, body, active, added_at, updated_at, draw_key)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 1, ?14, ?14, ?15)
                     ON CONFLICT (exam, id) DO UPDATE SET family = excluded.family, domain = excluded.domain,
                       category = excluded.category, type = excluded.type, case_id = excluded.case_id,
                       case_index = excluded.case_index, difficulty = excluded.difficulty,
                       templated = excluded.templated, content_hash = excluded.content_hash,
                       answer_hash = excluded.answer_hash, body = excluded.body, active = 1,
                       updated_at = excluded.updated_at, draw_key = excluded.draw_key",
                )
                .map_err(sql)?;
            let mut log = tx
                .prepare(
                    "INSERT INTO item_changes (exam, item, family, change, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(sql)?;
            for row in &rows {
                let change = match existing.remove(&row.id) {
                    None => Some("added"),
                    Some((content, answer, active)) => {
                        if answer != row.answer_hash {
                            Some("answer_changed")
                        } else if content != row.content_hash {
                            Some("edited")
                        } else if !active {
                            Some("restored")
                        } else {
                            None
                        }
                    }
                };
                let Some(change) = change else { continue };
                upsert
                    .execute(params![
                        code,
                        row.id,
                        row.family,
                        row.domain,
                        row.category,
                        row.kind.as_str(),
                        row.case_id,
                        row.case_index,
                        row.difficulty,
                        i64::from(row.templated),
                        row.content_hash,
                        row.answer_hash,
                        row.body,
                        at,
                        draw_key(&row.id),
                    ])
                    .map_err(sql)?;
                log.execute(params![code, row.id, row.family, change, at])
                    .map_err(sql)?;
                match change {
                    "added" => report.added += 1,
                    "edited" => report.edited += 1,
                    "restored" => report.restored += 1,
                    _ => {
                        // A changed answer invalidates what was learned: the family starts afresh.
                        tx.execute(
                            "DELETE FROM families WHERE exam = ?1 AND family = ?2",
                            params![code, row.family],
                        )
                        .map_err(sql)?;
                        report.answer_changed.push((row.id.clone(), row.family.clone()))
                    }
                }
            }
            let mut retire = tx
                .prepare("UPDATE items SET active = 0, updated_at = ?3 WHERE exam = ?1 AND id = ?2")
                .map_err(sql)?;
            let mut gone: Vec<(&String, &(String, String, bool))> =
                existing.iter().filter(|(_, (_, _, active))| *active).collect();
            gone.sort();
            for (id, _) in gone {
                retire.execute(params![code, id, at]).map_err(sql)?;
                log.execute(params![code, id, "", "removed", at]).map_err(sql)?;
                report.removed += 1;
            }
        }
        {
            let mut rekey = tx
                .prepare("UPDATE items SET draw_key = ?3 WHERE exam = ?1 AND id = ?2")
                .map_err(sql)?;
            for id in &stale_keys {
                rekey.execute(params![code, id, draw_key(id)]).map_err(sql)?;
            }
        }
        tx.execute("DELETE FROM category_sizes WHERE exam = ?1", [&code])
            .map_err(sql)?;
        tx.execute(
            "INSERT INTO category_sizes (exam, domain, category, questions, flashcards, families)
             SELECT exam, domain, category, sum(type <> 'flashcard'), sum(type = 'flashcard'), count(DISTINCT family)
             FROM items WHERE exam = ?1 AND active = 1 GROUP BY exam, domain, category",
            [&code],
        )
        .map_err(sql)?;
        tx.execute("DELETE FROM cases WHERE exam = ?1", [&code])
            .map_err(sql)?;
        {
            let mut ins = tx
                .prepare(
                    "INSERT INTO cases (exam, id, domain, category, scenario) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(sql)?;
            for c in &bank.cases {
                ins.execute(params![code, c.id.0, c.domain.0, c.category.0, c.scenario])
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)?;
        Ok(report)
    }

    /// Every exam in the catalogue, by code.
    pub fn exams(&self) -> Result<Vec<ExamSummary>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT e.code, e.title, e.source, e.blueprint,
                   (SELECT coalesce(sum(questions), 0) FROM category_sizes c WHERE c.exam = e.code),
                   (SELECT coalesce(sum(flashcards), 0) FROM category_sizes c WHERE c.exam = e.code)
                 FROM exams e ORDER BY e.code",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .map_err(self.sql())?;
        let mut out = Vec::new();
        for row in rows {
            let (code, title, source, blueprint, questions, flashcards) = row.map_err(self.sql())?;
            let exam: Exam = serde_json::from_str(&blueprint).map_err(|e| StoreError::Decode {
                path: self.label.clone(),
                detail: format!("blueprint of {code}: {e}"),
            })?;
            out.push(ExamSummary {
                code,
                title,
                source,
                questions: questions.unsigned_abs(),
                flashcards: flashcards.unsigned_abs(),
                exam,
            });
        }
        Ok(out)
    }

    /// Counts of an exam's active items.
    pub fn item_counts(&self, code: &str) -> Result<ItemCounts, StoreError> {
        let mut counts = ItemCounts::default();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT domain, category, type, difficulty, templated, count(*) FROM items
                 WHERE exam = ?1 AND active GROUP BY 1, 2, 3, 4, 5",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([code], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .map_err(self.sql())?;
        for row in rows {
            let (domain, category, kind, difficulty, templated, n) = row.map_err(self.sql())?;
            let n = n.unsigned_abs();
            if kind == ItemType::Flashcard.as_str() {
                counts.flashcards += n;
                continue;
            }
            counts.questions += n;
            if templated == 1 {
                counts.templated += n;
            }
            *counts.per_domain.entry(domain.clone()).or_default() += n;
            *counts.per_category.entry((domain, category)).or_default() += n;
            *counts.per_type.entry(kind).or_default() += n;
            if let Some(d) = difficulty.and_then(|d| u8::try_from(d).ok()) {
                *counts.per_difficulty.entry(d).or_default() += n;
            }
        }
        counts.families = self
            .conn
            .query_row(
                "SELECT count(DISTINCT family) FROM items WHERE exam = ?1 AND active",
                [code],
                |r| r.get::<_, i64>(0),
            )
            .map_err(self.sql())?
            .unsigned_abs();
        counts.cases = self
            .conn
            .query_row("SELECT count(*) FROM cases WHERE exam = ?1", [code], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(self.sql())?
            .unsigned_abs();
        Ok(counts)
    }
}

struct ItemRow {
    id: String,
    family: String,
    domain: String,
    category: String,
    kind: ItemType,
    case_id: Option<String>,
    case_index: Option<i64>,
    difficulty: Option<i64>,
    templated: bool,
    content_hash: String,
    answer_hash: String,
    body: String,
}
