-- One driver per attempt: the token of the process (or browser tab) that holds the attempt. Every
-- write of a driver names its token, and a write whose token is not the attempt's is rejected, so a
-- process that lost the attempt (taken over with `exam resume --take-over`) can never overwrite an
-- answer that another one acknowledged.
ALTER TABLE attempts ADD COLUMN driver TEXT;

-- Showing a drill card reads only its family's forms, in id order, from the index alone.
DROP INDEX items_by_family;
CREATE INDEX items_by_family ON items (exam, family, id);
