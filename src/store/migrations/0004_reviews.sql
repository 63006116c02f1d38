-- 0004: spaced repetition. A family (a question and all its variants, or one flashcard) is one
-- memory card with an FSRS state; every review is logged with what it changed, so a review can be
-- undone, evaluated, optimised on and exported.

CREATE TABLE settings (
    key           TEXT PRIMARY KEY,
    value         TEXT NOT NULL
) STRICT;

CREATE TABLE families (
    exam          TEXT NOT NULL,
    family        TEXT NOT NULL,
    domain        TEXT NOT NULL,
    category      TEXT NOT NULL,
    stability     REAL NOT NULL,
    difficulty    REAL NOT NULL,
    due           TEXT NOT NULL,
    last_review   TEXT NOT NULL,
    reps          INTEGER NOT NULL,
    lapses        INTEGER NOT NULL,
    suspended     INTEGER NOT NULL DEFAULT 0 CHECK (suspended IN (0, 1)),
    last_item     TEXT,
    last_variant  TEXT,
    PRIMARY KEY (exam, family)
) STRICT;

CREATE INDEX families_due ON families (exam, due) WHERE suspended = 0;
CREATE INDEX families_by_category ON families (exam, domain, category);

CREATE TABLE reviews (
    id                 INTEGER PRIMARY KEY,
    exam               TEXT NOT NULL,
    family             TEXT NOT NULL,
    item               TEXT NOT NULL,
    variant            TEXT,
    source             TEXT NOT NULL CHECK (source IN ('drill', 'mock')),
    reviewed_at        TEXT NOT NULL,
    rating             INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    elapsed_days       INTEGER NOT NULL,
    scheduled_days     INTEGER NOT NULL,
    stability_before   REAL,
    difficulty_before  REAL,
    stability_after    REAL NOT NULL,
    difficulty_after   REAL NOT NULL,
    due_before         TEXT,
    last_review_before TEXT,
    reps_before        INTEGER NOT NULL,
    lapses_before      INTEGER NOT NULL,
    suspended_before   INTEGER NOT NULL,
    seconds            REAL
) STRICT;

CREATE INDEX reviews_by_family ON reviews (exam, family, reviewed_at);

-- New families are introduced per category in draw-key order, flashcards included.
CREATE INDEX items_new ON items (exam, domain, category, draw_key) WHERE active = 1;
CREATE INDEX reviews_by_time ON reviews (reviewed_at);
