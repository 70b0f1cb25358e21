-- Sub-agents, memory tools and compaction (SPEC §4.1 steps 3-5).

-- The sub-agents the model may call, frozen at create: [{agentId, name, llmName, ...}].
ALTER TABLE objectives ADD COLUMN sub_agents TEXT NOT NULL DEFAULT '[]';
-- The system-managed episodic layer on top of the memory stack, when there is one.
ALTER TABLE objectives ADD COLUMN episodic_layer_id TEXT;
-- 1 when the last model reply crossed the compaction threshold: compact before the next call.
ALTER TABLE objectives ADD COLUMN compact_due INTEGER NOT NULL DEFAULT 0;
CREATE INDEX objectives_by_parent ON objectives(parent_objective_id) WHERE parent_objective_id IS NOT NULL;

-- A sub-agent call waits on the objective it created.
ALTER TABLE objective_tool_calls ADD COLUMN child_objective_id TEXT;

-- What a compacted window carries over from the one before it (provider-neutral turns).
ALTER TABLE context_windows ADD COLUMN carried TEXT;

-- Episodic entries expire `episodicMemoryTtl` seconds after they were written.
ALTER TABLE memory_entries ADD COLUMN expires_at INTEGER;
