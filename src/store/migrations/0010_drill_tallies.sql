-- 0009: the drill starts at the speed of a lookup. Its summary read every answer (the memorisation
-- index) and counted every card due within a week; both are now running tallies that triggers keep
-- in step with the tables they summarise, so they cost the same at 1 k and 100 k families.

-- Per exam, domain and whether the form had been seen before: answers and right answers.
CREATE TABLE memorisation (
    exam          TEXT NOT NULL,
    domain        TEXT NOT NULL,
    seen_before   INTEGER NOT NULL CHECK (seen_before IN (0, 1)),
    answers       INTEGER NOT NULL,
    right_answers INTEGER NOT NULL,
    PRIMARY KEY (exam, domain, seen_before)
) STRICT, WITHOUT ROWID;

INSERT INTO memorisation (exam, domain, seen_before, answers, right_answers)
SELECT exam, domain, seen_before, count(*), sum(correct) FROM answers
WHERE seen_before IS NOT NULL GROUP BY exam, domain, seen_before;

CREATE TRIGGER memorisation_insert AFTER INSERT ON answers WHEN new.seen_before IS NOT NULL
BEGIN
    INSERT INTO memorisation (exam, domain, seen_before, answers, right_answers)
    VALUES (new.exam, new.domain, new.seen_before, 1, new.correct)
    ON CONFLICT (exam, domain, seen_before) DO UPDATE
    SET answers = answers + 1, right_answers = right_answers + excluded.right_answers;
END;

CREATE TRIGGER memorisation_delete AFTER DELETE ON answers WHEN old.seen_before IS NOT NULL
BEGIN
    UPDATE memorisation SET answers = answers - 1, right_answers = right_answers - old.correct
    WHERE exam = old.exam AND domain = old.domain AND seen_before = old.seen_before;
END;

CREATE TRIGGER memorisation_update AFTER UPDATE OF exam, domain, seen_before, correct ON answers
BEGIN
    UPDATE memorisation SET answers = answers - 1, right_answers = right_answers - old.correct
    WHERE old.seen_before IS NOT NULL
      AND exam = old.exam AND domain = old.domain AND seen_before = old.seen_before;
    INSERT INTO memorisation (exam, domain, seen_before, answers, right_answers)
    SELECT new.exam, new.domain, new.seen_before, 1, new.correct WHERE new.seen_before IS NOT NULL
    ON CONFLICT (exam, domain, seen_before) DO UPDATE
    SET answers = answers + 1, right_answers = right_answers + excluded.right_answers;
END;

-- Per UTC hour (`YYYY-MM-DDTHH`, the first 13 characters of a stored instant) and exam: the
-- unsuspended cards falling due in it. A count of cards due in a range adds up the whole hours
-- inside it and counts only its partial first and last hours from the `families_by_due` index.
CREATE TABLE due_hours (
    hour          TEXT NOT NULL,
    exam          TEXT NOT NULL,
    cards         INTEGER NOT NULL,
    PRIMARY KEY (hour, exam)
) STRICT, WITHOUT ROWID;

INSERT INTO due_hours (hour, exam, cards)
SELECT substr(due, 1, 13), exam, count(*) FROM families WHERE suspended = 0 GROUP BY 1, 2;

CREATE TRIGGER due_hours_insert AFTER INSERT ON families WHEN new.suspended = 0
BEGIN
    INSERT INTO due_hours (hour, exam, cards) VALUES (substr(new.due, 1, 13), new.exam, 1)
    ON CONFLICT (hour, exam) DO UPDATE SET cards = cards + 1;
END;

CREATE TRIGGER due_hours_delete AFTER DELETE ON families WHEN old.suspended = 0
BEGIN
    UPDATE due_hours SET cards = cards - 1 WHERE hour = substr(old.due, 1, 13) AND exam = old.exam;
END;

CREATE TRIGGER due_hours_update AFTER UPDATE OF due, suspended, exam ON families
BEGIN
    UPDATE due_hours SET cards = cards - 1
    WHERE old.suspended = 0 AND hour = substr(old.due, 1, 13) AND exam = old.exam;
    INSERT INTO due_hours (hour, exam, cards)
    SELECT substr(new.due, 1, 13), new.exam, 1 WHERE new.suspended = 0
    ON CONFLICT (hour, exam) DO UPDATE SET cards = cards + 1;
END;

-- A repair's siblings skip families shown in the last week: read them from an index, not by
-- scanning every form the learner was shown.
CREATE INDEX shown_forms_recent ON shown_forms (exam, last_shown, family);

-- The drill queue ranks the due cards by elapsed time / stability: with the last review's Julian
-- day in the index, ranking parses no date. It replaces `families_queue` (0007), which held the text.
CREATE INDEX families_rank ON families (exam, suspended, due, julianday(last_review), stability);
DROP INDEX families_queue;
