-- Identity: accounts, profiles, workspaces, API keys.
--
-- Spin opens a fresh connection per request and SQLite parses the whole schema on
-- each one, so every table, index and trigger costs every request a little
-- (bench/README). Keep the schema lean: no decorative REFERENCES clauses (foreign keys
-- are not enforced without a per-connection pragma anyway) and only indexes a hot
-- query needs.
CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT,
    external_id TEXT,
    labels      TEXT NOT NULL DEFAULT '{}',
    profile_id  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE profiles (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    email       TEXT,
    external_id TEXT,
    labels      TEXT NOT NULL DEFAULT '{}',
    profile_id  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE workspaces (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT,
    status      TEXT NOT NULL,
    external_id TEXT,
    labels      TEXT NOT NULL DEFAULT '{}',
    profile_id  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX workspaces_external_id ON workspaces(account_id, external_id);

-- An API key authenticates as its own profile (key_profile_id). Tokens carry `version`;
-- :rotate bumps it so older tokens stop verifying. Revoked keys stay for the audit trail.
CREATE TABLE api_keys (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL,
    workspace_id   TEXT NOT NULL,
    key_profile_id TEXT NOT NULL,
    name           TEXT NOT NULL,
    description    TEXT,
    external_id    TEXT,
    labels         TEXT NOT NULL DEFAULT '{}',
    bundle_key     TEXT,
    scopes         TEXT NOT NULL,
    workspace_ids  TEXT NOT NULL,
    state          TEXT NOT NULL,
    version        INTEGER NOT NULL,
    expires_at     INTEGER,
    profile_id     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    rotated_at     INTEGER,
    revoked_at     INTEGER
);
CREATE INDEX api_keys_by_workspace ON api_keys(workspace_id, id);
CREATE UNIQUE INDEX api_keys_external_id ON api_keys(workspace_id, external_id) WHERE revoked_at IS NULL;

CREATE TABLE agents (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    external_id TEXT,
    labels      TEXT NOT NULL DEFAULT '{}',
    bundle_key  TEXT,
    profile_id  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    status      TEXT NOT NULL,
    spec        TEXT NOT NULL
);
CREATE INDEX agents_by_workspace ON agents(workspace_id, id);
CREATE UNIQUE INDEX agents_external_id ON agents(workspace_id, external_id);

-- Maintained counts, so list totals and info counts never scan. Triggers keep them
-- exact: a row and its count change in the same statement.
CREATE TABLE counters (
    scope TEXT NOT NULL,
    kind  TEXT NOT NULL,
    n     INTEGER NOT NULL,
    PRIMARY KEY (scope, kind)
) WITHOUT ROWID;

CREATE TRIGGER agents_count_insert AFTER INSERT ON agents
BEGIN
    INSERT INTO counters (scope, kind, n) VALUES (NEW.workspace_id, 'agents', 1)
        ON CONFLICT (scope, kind) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER agents_count_delete AFTER DELETE ON agents
BEGIN
    UPDATE counters SET n = n - 1 WHERE scope = OLD.workspace_id AND kind = 'agents';
END;

CREATE TRIGGER api_keys_count_insert AFTER INSERT ON api_keys
BEGIN
    INSERT INTO counters (scope, kind, n) VALUES (NEW.workspace_id, 'api_keys', 1)
        ON CONFLICT (scope, kind) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER api_keys_count_revoke AFTER UPDATE OF revoked_at ON api_keys
    WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
BEGIN
    UPDATE counters SET n = n - 1 WHERE scope = NEW.workspace_id AND kind = 'api_keys';
END;

CREATE TABLE audit_logs (
    id           TEXT PRIMARY KEY,
    account_id   TEXT,
    workspace_id TEXT,
    token_id     TEXT,
    profile_id   TEXT,
    request_id   TEXT NOT NULL,
    method       TEXT NOT NULL,
    route        TEXT NOT NULL,
    path         TEXT NOT NULL,
    scope        TEXT,
    status       INTEGER NOT NULL,
    latency_ms   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX audit_logs_by_workspace ON audit_logs(workspace_id, id);
