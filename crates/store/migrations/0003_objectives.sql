-- Objectives and the durable record of their runs. The engine claims work with one
-- UPDATE on `objectives` (lease_owner/lease_until) and fences every later commit on
-- lease_owner, so two instances never run the same objective at once.

CREATE TABLE objectives (
    id                  TEXT PRIMARY KEY,
    account_id          TEXT NOT NULL,
    workspace_id        TEXT NOT NULL,
    profile_id          TEXT,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    external_id         TEXT,
    labels              TEXT NOT NULL DEFAULT '{}',
    agent_id            TEXT NOT NULL,
    variation_id        TEXT NOT NULL,
    parent_objective_id TEXT,
    source_schedule_id  TEXT,
    status              TEXT NOT NULL,
    status_message      TEXT,
    data                TEXT NOT NULL,
    memory_stack        TEXT NOT NULL DEFAULT '[]',
    -- {NAME: value} given at create; only ever read to resolve tool headers
    secrets             TEXT NOT NULL DEFAULT '{}',
    window_id           TEXT NOT NULL,
    windows             INTEGER NOT NULL DEFAULT 1,
    input_tokens        INTEGER NOT NULL DEFAULT 0,
    completion_tokens   INTEGER NOT NULL DEFAULT 0,
    tool_calls          INTEGER NOT NULL DEFAULT 0,
    events              INTEGER NOT NULL DEFAULT 0,
    iterations          INTEGER NOT NULL DEFAULT 0,
    -- 1 when there is a step to take now; wake_at when one becomes due later
    runnable            INTEGER NOT NULL DEFAULT 0,
    wake_at             INTEGER,
    lease_owner         TEXT,
    lease_until         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX objectives_by_workspace ON objectives(workspace_id, id);
CREATE UNIQUE INDEX objectives_external_id ON objectives(workspace_id, external_id);
CREATE INDEX objectives_runnable ON objectives(lease_until) WHERE runnable = 1;
CREATE INDEX objectives_waking ON objectives(wake_at) WHERE wake_at IS NOT NULL;

CREATE TABLE objective_events (
    id           TEXT PRIMARY KEY,
    objective_id TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    profile_id   TEXT,
    window_id    TEXT NOT NULL,
    type         TEXT NOT NULL,
    data         TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX objective_events_by_objective ON objective_events(objective_id, id);

CREATE TABLE context_windows (
    id                    TEXT PRIMARY KEY,
    objective_id          TEXT NOT NULL,
    account_id            TEXT NOT NULL,
    workspace_id          TEXT NOT NULL,
    sequence              INTEGER NOT NULL,
    prompt_tokens         INTEGER NOT NULL DEFAULT 0,
    completion_tokens     INTEGER NOT NULL DEFAULT 0,
    continue_instructions TEXT,
    created_at            INTEGER NOT NULL
);
CREATE INDEX context_windows_by_objective ON context_windows(objective_id, id);

-- The tools an objective may call, frozen at create: the tool and its set's adapter.
CREATE TABLE objective_tools (
    objective_id TEXT NOT NULL,
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    llm_name     TEXT NOT NULL,
    adapter      TEXT NOT NULL,
    snapshot     TEXT NOT NULL,
    PRIMARY KEY (objective_id, id)
) WITHOUT ROWID;

CREATE TABLE objective_tool_calls (
    id               TEXT PRIMARY KEY,
    objective_id     TEXT NOT NULL,
    account_id       TEXT NOT NULL,
    workspace_id     TEXT NOT NULL,
    window_id        TEXT NOT NULL,
    status           TEXT NOT NULL,
    execution_status TEXT NOT NULL,
    callable         TEXT NOT NULL,
    -- objective_tools.id, or the built-in's name
    target           TEXT NOT NULL,
    function_name    TEXT NOT NULL,
    arguments        TEXT NOT NULL,
    memo             TEXT,
    result           TEXT,
    error            TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    content_deadline INTEGER,
    changed_by       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX objective_tool_calls_by_objective ON objective_tool_calls(objective_id, id);

CREATE TABLE objective_tasks (
    id           TEXT PRIMARY KEY,
    objective_id TEXT NOT NULL,
    number       INTEGER NOT NULL,
    task         TEXT NOT NULL,
    completed_at INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX objective_tasks_by_objective ON objective_tasks(objective_id, number);
