-- 0001: the compiled bank catalogue. Shipped migrations are never edited; add a new file instead.

-- One row per exam code: where its bank came from and how to tell whether it changed.
CREATE TABLE exams (
    code          TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    source        TEXT NOT NULL,   -- embedded:<folder> or the absolute path of the exam folder
    fingerprint   TEXT NOT NULL,   -- cheap change detection: file names, sizes, modification times
    content_hash  TEXT NOT NULL,   -- SHA-256 of every file's path and bytes
    blueprint     TEXT NOT NULL,   -- the validated exam.yaml as JSON
    imported_at   TEXT NOT NULL
) STRICT;

CREATE INDEX exams_by_source ON exams (source);

-- Questions, case-study sub-items and flashcards, by stable id. Items that leave the bank are kept
-- (inactive) so that history referring to them stays meaningful.
CREATE TABLE items (
    exam          TEXT NOT NULL REFERENCES exams (code),
    id            TEXT NOT NULL,
    family        TEXT NOT NULL,
    domain        TEXT NOT NULL,
    category      TEXT NOT NULL,
    type          TEXT NOT NULL,   -- single, multi, order, match, dropdown, yesno, flashcard
    case_id       TEXT,            -- set for case-study sub-items
    case_index    INTEGER,
    difficulty    INTEGER,
    templated     INTEGER NOT NULL CHECK (templated IN (0, 1)),
    content_hash  TEXT NOT NULL,   -- the whole item: notices any edit
    answer_hash   TEXT NOT NULL,   -- the answer alone: notices a changed answer
    body          TEXT NOT NULL,   -- the validated item as JSON
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    added_at      TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (exam, id)
) STRICT;

CREATE INDEX items_by_family ON items (exam, family);
CREATE INDEX items_by_category ON items (exam, domain, category);

CREATE TABLE cases (
    exam          TEXT NOT NULL REFERENCES exams (code),
    id            TEXT NOT NULL,
    domain        TEXT NOT NULL,
    category      TEXT NOT NULL,
    scenario      TEXT NOT NULL,
    PRIMARY KEY (exam, id)
) STRICT;

-- Every change an import made to an item, so the learner can be told and later schedules can react
-- (a changed answer restarts the family's memory state).
CREATE TABLE item_changes (
    seq           INTEGER PRIMARY KEY,
    exam          TEXT NOT NULL,
    item          TEXT NOT NULL,
    family        TEXT NOT NULL,
    change        TEXT NOT NULL CHECK (change IN ('added', 'edited', 'answer_changed', 'removed', 'restored')),
    at            TEXT NOT NULL
) STRICT;
