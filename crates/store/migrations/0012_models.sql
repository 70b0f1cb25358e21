-- The models catalog (docs/api.md §3.8): one row per `family/model` a workspace can use,
-- discovered from its AI provider keys and the operator's providers or named by one of
-- its variations. `external_id` is the `modelConfig.modelId`; `ai_provider_key_id` the
-- key it is served through (NULL: the operator's providers).
CREATE TABLE models (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL,
    workspace_id       TEXT NOT NULL,
    name               TEXT NOT NULL,
    external_id        TEXT NOT NULL,
    labels             TEXT NOT NULL DEFAULT '{}',
    bundle_key         TEXT,
    profile_id         TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    provider           TEXT NOT NULL,
    family             TEXT NOT NULL,
    ai_provider_key_id TEXT,
    max_input_tokens   INTEGER,
    state              TEXT NOT NULL
);
CREATE UNIQUE INDEX models_external_id ON models(workspace_id, external_id);
