-- 0003: start-up that does not grow with bank size. Each question gets a draw key (a hash of its
-- id, so every database draws alike) indexed per category, and per-category sizes are kept at import,
-- so a mock exam reads a bounded pool of candidates instead of the whole bank.

ALTER TABLE items ADD COLUMN draw_key INTEGER NOT NULL DEFAULT 0;

CREATE INDEX items_draw ON items (exam, domain, category, draw_key) WHERE active = 1 AND type <> 'flashcard';
CREATE INDEX items_cases ON items (exam, case_id) WHERE case_id IS NOT NULL;

CREATE TABLE category_sizes (
    exam          TEXT NOT NULL,
    domain        TEXT NOT NULL,
    category      TEXT NOT NULL,
    questions     INTEGER NOT NULL,
    flashcards    INTEGER NOT NULL,
    families      INTEGER NOT NULL,
    PRIMARY KEY (exam, domain, category)
) STRICT;

-- Existing catalogues are re-imported on the next run, which fills both.
UPDATE exams SET fingerprint = '', content_hash = '';
