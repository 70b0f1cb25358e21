-- Audit rows are buffered in the key-value store per second and drained by the
-- scheduler; this is how far (a Unix second, inclusive) they have been drained.
CREATE TABLE audit_drain (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    drained_until INTEGER NOT NULL
);
