-- 0007: indexes for the read paths that grow with history (`progress`, `plan`, the drill queue and summary):
-- each reads a covering index instead of the table.

-- Accuracy per domain, all-time and recent.
CREATE INDEX answers_by_domain ON answers (exam, domain, answered_at, correct);
-- The memorisation index reads only answers that know whether their form was seen before.
CREATE INDEX answers_seen ON answers (exam, domain, seen_before, correct) WHERE seen_before IS NOT NULL;
-- Counts of cards falling due (the drill summary, `sr forecast`) and the next due card, answered
-- from the index alone: the partial `families_due` index cannot cover a query that names `suspended`.
CREATE INDEX families_by_due ON families (suspended, due, exam);
-- The drill queue ranks every due card by elapsed time / stability; this index holds all it reads.
CREATE INDEX families_queue ON families (exam, suspended, due, last_review, stability);
