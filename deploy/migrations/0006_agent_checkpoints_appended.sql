-- An agent's checkpoints are appended (binary COPY, like the log's other rows) instead of
-- upserting one row per agent: an upsert waits for the row lock of the agent's previous
-- checkpoint until that commit is done, which made every commit wait for the one before it.
-- Each agent's newest version is its state; older versions are deleted in the background
-- (`Routing:Database:CheckpointPruneInterval`).
ALTER TABLE agent_checkpoints DROP CONSTRAINT agent_checkpoints_pkey;
ALTER TABLE agent_checkpoints ADD PRIMARY KEY (agent_id, version);
ALTER TABLE agent_checkpoints RENAME COLUMN updated_at TO written_at;
