-- Agent schedules. next_fire_at is the instant the schedule fires next (NULL when it
-- is not ACTIVE or nothing is left to fire); a fire moves it forward with a
-- compare-and-swap on its old value, so one instant fires at most once however many
-- instances tick.

CREATE TABLE schedules (
    id                TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL,
    workspace_id      TEXT NOT NULL,
    name              TEXT NOT NULL,
    external_id       TEXT,
    labels            TEXT NOT NULL DEFAULT '{}',
    bundle_key        TEXT,
    profile_id        TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    agent_id          TEXT NOT NULL,
    spec              TEXT NOT NULL,
    status            TEXT NOT NULL,
    next_fire_at      INTEGER,
    last_fire_at      INTEGER,
    last_objective_id TEXT,
    last_skipped_at   INTEGER,
    last_skip_reason  TEXT,
    total_fires       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX schedules_by_agent ON schedules(agent_id, id);
CREATE UNIQUE INDEX schedules_external_id ON schedules(workspace_id, external_id);
CREATE INDEX schedules_due ON schedules(next_fire_at) WHERE next_fire_at IS NOT NULL;
