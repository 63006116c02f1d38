-- 0002: mock-exam attempts, every answer given, and the learner model's running evidence.

CREATE TABLE attempts (
    id            INTEGER PRIMARY KEY,
    exam          TEXT NOT NULL REFERENCES exams (code),
    mode          TEXT NOT NULL CHECK (mode IN ('targeted', 'blueprint')),
    timed         INTEGER NOT NULL CHECK (timed IN (0, 1)),   -- 0: --practice, untimed
    seed          INTEGER NOT NULL,                            -- u64 stored bit for bit
    status        TEXT NOT NULL CHECK (status IN ('in_progress', 'submitted', 'expired', 'abandoned')),
    started_at    TEXT NOT NULL,
    deadline      TEXT,                                        -- absolute UTC; NULL when untimed
    finished_at   TEXT,
    location      INTEGER NOT NULL DEFAULT 0,                  -- 0-based item, or -1 for the review screen
    domains       TEXT,                                        -- JSON list when restricted with --domain
    blueprint     TEXT NOT NULL                                -- the exam as it was when the attempt started
) STRICT;

-- At most one attempt in progress per exam.
CREATE UNIQUE INDEX attempts_one_in_progress ON attempts (exam) WHERE status = 'in_progress';
CREATE INDEX attempts_by_exam ON attempts (exam, started_at);

CREATE TABLE attempt_items (
    attempt       INTEGER NOT NULL REFERENCES attempts (id),
    position      INTEGER NOT NULL,                            -- 1-based
    item          TEXT NOT NULL,
    family        TEXT NOT NULL,
    domain        TEXT NOT NULL,
    category      TEXT NOT NULL,
    type          TEXT NOT NULL,
    variant       TEXT,                                        -- canonical axis=value,… or NULL
    section       INTEGER,                                     -- case study / yes-no series
    instance      TEXT NOT NULL,                               -- the item as shown (JSON), so edits never change a running attempt
    shuffle       TEXT NOT NULL,                               -- display order (JSON)
    scenario      TEXT,
    response      TEXT,                                        -- canonical response (JSON) or NULL
    points        INTEGER NOT NULL DEFAULT 0,
    max_points    INTEGER NOT NULL,
    flagged       INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
    disputed      INTEGER NOT NULL DEFAULT 0 CHECK (disputed IN (0, 1)),
    dispute_note  TEXT,
    locked        INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
    seconds       REAL NOT NULL DEFAULT 0,
    answered_at   TEXT,
    PRIMARY KEY (attempt, position)
) STRICT;

CREATE INDEX attempt_items_disputed ON attempt_items (disputed) WHERE disputed = 1;

-- Every scored answer, from any source: the learner model's evidence and the base of progress reports.
CREATE TABLE answers (
    id            INTEGER PRIMARY KEY,
    exam          TEXT NOT NULL,
    item          TEXT NOT NULL,
    family        TEXT NOT NULL,
    domain        TEXT NOT NULL,
    category      TEXT NOT NULL,
    variant       TEXT,
    source        TEXT NOT NULL CHECK (source IN ('mock', 'drill', 'report')),
    attempt       INTEGER REFERENCES attempts (id),
    points        INTEGER NOT NULL,
    max_points    INTEGER NOT NULL,
    correct       INTEGER NOT NULL CHECK (correct IN (0, 1)),
    seconds       REAL,
    answered_at   TEXT NOT NULL
) STRICT;

CREATE INDEX answers_by_exam_time ON answers (exam, answered_at);
CREATE INDEX answers_by_family ON answers (exam, family);

-- Running, decaying evidence per category (see the mastery module): reading it costs the same
-- whatever the length of the history.
CREATE TABLE category_evidence (
    exam          TEXT NOT NULL,
    domain        TEXT NOT NULL,
    category      TEXT NOT NULL,
    successes     REAL NOT NULL,
    failures      REAL NOT NULL,
    as_of         TEXT NOT NULL,
    PRIMARY KEY (exam, domain, category)
) STRICT;

-- When each family was last seen in a mock exam, for novelty.
CREATE TABLE family_exposure (
    exam          TEXT NOT NULL,
    family        TEXT NOT NULL,
    seen          INTEGER NOT NULL,
    last_attempt  INTEGER,
    last_seen_at  TEXT NOT NULL,
    PRIMARY KEY (exam, family)
) STRICT;
