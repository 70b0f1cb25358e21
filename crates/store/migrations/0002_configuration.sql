-- Configuration objectives run on: variations (with their tool/tool set/sub-agent and
-- memory layer assignments), tool sets, tools, workspace secrets, memory layers and
-- entries. Cascades are explicit statements in the store, not triggers: every schema
-- object is parsed on every request (see 0001).

CREATE TABLE variations (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL,
    workspace_id   TEXT NOT NULL,
    agent_id       TEXT NOT NULL,
    name           TEXT NOT NULL,
    external_id    TEXT,
    labels         TEXT NOT NULL DEFAULT '{}',
    bundle_key     TEXT,
    profile_id     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    spec           TEXT NOT NULL,
    weight         REAL NOT NULL,
    alpha          REAL NOT NULL DEFAULT 1,
    beta           REAL NOT NULL DEFAULT 1,
    feedback_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX variations_by_agent ON variations(agent_id, id);
CREATE UNIQUE INDEX variations_external_id ON variations(workspace_id, external_id);

CREATE TRIGGER variations_count_insert AFTER INSERT ON variations
BEGIN
    INSERT INTO counters (scope, kind, n) VALUES (NEW.agent_id, 'variations', 1)
        ON CONFLICT (scope, kind) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER variations_count_delete AFTER DELETE ON variations
BEGIN
    UPDATE counters SET n = n - 1 WHERE scope = OLD.agent_id AND kind = 'variations';
END;

-- kind: tool | tool_set | agent. One row per (target, variation).
CREATE TABLE variation_assignments (
    variation_id TEXT NOT NULL,
    id           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (variation_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX variation_assignments_by_target ON variation_assignments(target_id, variation_id);

CREATE TABLE memory_layer_assignments (
    variation_id    TEXT NOT NULL,
    id              TEXT NOT NULL,
    memory_layer_id TEXT NOT NULL,
    position        INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (variation_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX memory_layer_assignments_by_layer ON memory_layer_assignments(memory_layer_id, variation_id);
CREATE UNIQUE INDEX memory_layer_assignments_position ON memory_layer_assignments(variation_id, position);

CREATE TABLE tool_sets (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL,
    workspace_id    TEXT NOT NULL,
    name            TEXT NOT NULL,
    external_id     TEXT,
    labels          TEXT NOT NULL DEFAULT '{}',
    bundle_key      TEXT,
    profile_id      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    state           TEXT NOT NULL,
    spec            TEXT NOT NULL,
    last_sync_at    INTEGER,
    last_sync_error TEXT
);
CREATE INDEX tool_sets_by_workspace ON tool_sets(workspace_id, id);
CREATE UNIQUE INDEX tool_sets_external_id ON tool_sets(workspace_id, external_id);

CREATE TABLE tools (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL,
    workspace_id  TEXT NOT NULL,
    tool_set_id   TEXT NOT NULL,
    name          TEXT NOT NULL,
    external_id   TEXT,
    labels        TEXT NOT NULL DEFAULT '{}',
    bundle_key    TEXT,
    profile_id    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    state         TEXT NOT NULL,
    llm_tool_name TEXT NOT NULL,
    spec          TEXT NOT NULL,
    vanished_at   INTEGER
);
CREATE INDEX tools_by_set ON tools(tool_set_id, id);
CREATE UNIQUE INDEX tools_llm_tool_name ON tools(tool_set_id, llm_tool_name);
CREATE UNIQUE INDEX tools_external_id ON tools(workspace_id, external_id);

-- The value is write-only through the API and read only to resolve {{secrets.NAME}}.
CREATE TABLE workspace_secrets (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    name         TEXT NOT NULL,
    external_id  TEXT,
    labels       TEXT NOT NULL DEFAULT '{}',
    bundle_key   TEXT,
    profile_id   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    value        TEXT NOT NULL,
    last_used_at INTEGER
);
CREATE UNIQUE INDEX workspace_secrets_name ON workspace_secrets(workspace_id, name);
CREATE UNIQUE INDEX workspace_secrets_external_id ON workspace_secrets(workspace_id, external_id);

CREATE TABLE memory_layers (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    name         TEXT NOT NULL,
    external_id  TEXT,
    labels       TEXT NOT NULL DEFAULT '{}',
    bundle_key   TEXT,
    profile_id   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    spec         TEXT NOT NULL,
    agent_id     TEXT,
    episodic_key TEXT,
    expires_at   INTEGER,
    entry_count  INTEGER NOT NULL DEFAULT 0,
    last_used_at INTEGER
);
CREATE INDEX memory_layers_by_workspace ON memory_layers(workspace_id, id);
CREATE UNIQUE INDEX memory_layers_external_id ON memory_layers(workspace_id, external_id);
CREATE UNIQUE INDEX memory_layers_episodic ON memory_layers(agent_id, episodic_key);

CREATE TABLE memory_entries (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    layer_id     TEXT NOT NULL,
    name         TEXT NOT NULL,
    external_id  TEXT,
    labels       TEXT NOT NULL DEFAULT '{}',
    bundle_key   TEXT,
    profile_id   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    key          TEXT NOT NULL,
    description  TEXT,
    content      TEXT NOT NULL
);
CREATE INDEX memory_entries_by_layer ON memory_entries(layer_id, id);
CREATE UNIQUE INDEX memory_entries_key ON memory_entries(layer_id, key);
CREATE UNIQUE INDEX memory_entries_external_id ON memory_entries(workspace_id, external_id);

CREATE TRIGGER memory_entries_count_insert AFTER INSERT ON memory_entries
BEGIN
    UPDATE memory_layers SET entry_count = entry_count + 1 WHERE id = NEW.layer_id;
END;

CREATE TRIGGER memory_entries_count_delete AFTER DELETE ON memory_entries
BEGIN
    UPDATE memory_layers SET entry_count = entry_count - 1 WHERE id = OLD.layer_id;
END;
