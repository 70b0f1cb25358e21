-- Webhook deliveries (one per objective event of an agent with a webhookEventsUrl,
-- inserted with the event) and objective feedback. The account's signing secret is
-- created on first use.

ALTER TABLE accounts ADD COLUMN webhook_secret TEXT;

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL,
    workspace_id    TEXT NOT NULL,
    agent_id        TEXT NOT NULL,
    objective_id    TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    url             TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempt_count   INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    lease_until     INTEGER NOT NULL DEFAULT 0,
    last_attempt_at INTEGER,
    http_status     INTEGER,
    latency_ms      INTEGER,
    headers         TEXT,
    content_length  INTEGER,
    error           TEXT,
    created_at      INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_by_agent ON webhook_deliveries(agent_id, id);
CREATE INDEX webhook_deliveries_by_objective ON webhook_deliveries(objective_id, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'WEBHOOK_DELIVERY_STATUS_PENDING';

CREATE TABLE feedback (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    profile_id   TEXT NOT NULL,
    external_id  TEXT,
    labels       TEXT NOT NULL DEFAULT '{}',
    objective_id TEXT NOT NULL,
    agent_id     TEXT NOT NULL,
    variation_id TEXT NOT NULL,
    score        REAL NOT NULL,
    comment      TEXT,
    created_at   INTEGER NOT NULL
);
CREATE INDEX feedback_by_objective ON feedback(objective_id, id);
CREATE INDEX feedback_by_agent ON feedback(agent_id, id);
CREATE UNIQUE INDEX feedback_external_id ON feedback(workspace_id, external_id);
