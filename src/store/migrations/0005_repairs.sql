-- 0005: variations instead of repeats. A family whose item was missed is in repair until it is
-- answered right on enough forms it had not seen before; every form shown is remembered so the
-- missed one is never shown again and so answers can be split into seen-before and never-seen forms.

CREATE TABLE repairs (
    exam           TEXT NOT NULL,
    family         TEXT NOT NULL,
    domain         TEXT NOT NULL,
    category       TEXT NOT NULL,
    missed_item    TEXT NOT NULL,
    missed_variant TEXT,
    missed_source  TEXT NOT NULL CHECK (missed_source IN ('mock', 'drill')),
    missed_at      TEXT NOT NULL,
    progress       INTEGER NOT NULL DEFAULT 0,     -- right answers on forms not seen before
    closed_at      TEXT,                           -- NULL while in repair
    PRIMARY KEY (exam, family)
) STRICT;

CREATE INDEX repairs_open ON repairs (exam, category) WHERE closed_at IS NULL;

-- Every surface form (item + variant; '' for a plain item) shown to the learner.
CREATE TABLE shown_forms (
    exam           TEXT NOT NULL,
    family         TEXT NOT NULL,
    item           TEXT NOT NULL,
    variant        TEXT NOT NULL,
    first_shown    TEXT NOT NULL,
    last_shown     TEXT NOT NULL,
    times          INTEGER NOT NULL,
    PRIMARY KEY (exam, family, item, variant)
) STRICT;

-- Whether the exact form answered had been shown before (the memorisation index compares the two).
ALTER TABLE answers ADD COLUMN seen_before INTEGER CHECK (seen_before IN (0, 1));
