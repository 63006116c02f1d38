-- 0009: an official attempt may wait for its result (a beta exam is scored weeks after it is taken).
-- A pending attempt has no score and no pass/fail yet; it still counts for the retake rules. SQLite
-- cannot relax a NOT NULL or a CHECK in place, so the table is rebuilt with every row kept.

CREATE TABLE official_attempts_v9 (
    id            INTEGER PRIMARY KEY,
    exam          TEXT NOT NULL,
    taken_at      TEXT NOT NULL,
    score         INTEGER CHECK (score BETWEEN 1 AND 1000),   -- NULL while the result is pending
    passed        INTEGER CHECK (passed IN (0, 1)),            -- NULL exactly when score is
    expires       TEXT,
    domains       TEXT,            -- JSON object: domain id -> percent, from the score report
    logged_at     TEXT NOT NULL,
    scored_at     TEXT,            -- when the score of a pending attempt was added
    CHECK ((score IS NULL) = (passed IS NULL))
) STRICT;

INSERT INTO official_attempts_v9 (id, exam, taken_at, score, passed, expires, domains, logged_at)
    SELECT id, exam, taken_at, score, passed, expires, domains, logged_at FROM official_attempts;

DROP TABLE official_attempts;
ALTER TABLE official_attempts_v9 RENAME TO official_attempts;

CREATE INDEX official_attempts_by_exam ON official_attempts (exam, taken_at);
