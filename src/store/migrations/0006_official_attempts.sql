-- 0006: official exam attempts (the learner's real results), for the retake rules and the repair plan.

CREATE TABLE official_attempts (
    id            INTEGER PRIMARY KEY,
    exam          TEXT NOT NULL,
    taken_at      TEXT NOT NULL,
    score         INTEGER NOT NULL CHECK (score BETWEEN 1 AND 1000),
    passed        INTEGER NOT NULL CHECK (passed IN (0, 1)),
    expires       TEXT,
    domains       TEXT,            -- JSON object: domain id -> percent, from the score report
    logged_at     TEXT NOT NULL
) STRICT;

CREATE INDEX official_attempts_by_exam ON official_attempts (exam, taken_at);
