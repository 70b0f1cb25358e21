-- Secrets are stored sealed (docs/deploy.md "Secrets at rest"). The scheduler seals rows
-- from before sealing, or under a rotated-out key, a batch a tick; when a pass finds none
-- left under a key it records that key here, and later ticks skip the scan until the
-- key changes.
CREATE TABLE secrets_sealed (
    key_id TEXT PRIMARY KEY,
    done_at INTEGER NOT NULL
);
