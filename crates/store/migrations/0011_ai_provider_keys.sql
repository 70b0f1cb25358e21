-- A workspace's own keys for AI providers (docs/api.md §3.10). `family` is the
-- `modelConfig.modelId` prefix the key serves (one key per family and workspace);
-- `credentials` is sealed JSON (crate `sealing`), NULL when the server needs none.
CREATE TABLE ai_provider_keys (
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
    provider     TEXT NOT NULL,
    family       TEXT NOT NULL,
    config       TEXT,
    credentials  TEXT
);
CREATE UNIQUE INDEX ai_provider_keys_family ON ai_provider_keys(workspace_id, family);
CREATE UNIQUE INDEX ai_provider_keys_external_id ON ai_provider_keys(workspace_id, external_id);
