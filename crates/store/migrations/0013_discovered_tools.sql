-- Tools a model found with `search_tools` (progressive discovery, docs/api.md §4.1) join
-- the objective's snapshot marked as discovered.
ALTER TABLE objective_tools ADD COLUMN discovered INTEGER NOT NULL DEFAULT 0;
