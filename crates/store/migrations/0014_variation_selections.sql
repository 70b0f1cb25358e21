-- How many objectives each variation has run (info.selectionCount): every objective
-- started on it, whichever way it was chosen.
ALTER TABLE variations ADD COLUMN selections INTEGER NOT NULL DEFAULT 0;
