-- Process-level start events (docs/decisions/0009-process-start-events.md).
-- Append-only: never edit a released migration, add a new one (for both backends).

-- A timer start event of a definition version: it belongs to no instance. Firing it starts an
-- instance of `definition_id` at `element_id` and, for a cycle, moves `due_at` to the next due
-- time in the same transaction (else deletes the row). Deploying a new version of the key
-- deletes the previous version's rows.
CREATE TABLE start_timers (
    id             TEXT PRIMARY KEY,
    definition_id  TEXT NOT NULL REFERENCES definitions(id),   -- "<key>:<version>"
    element_id     TEXT NOT NULL,                              -- the start event
    due_at         BIGINT NOT NULL,
    fired          BIGINT NOT NULL,                           -- firings so far (R<n> stops at n)
    created_at     BIGINT NOT NULL
);
CREATE INDEX start_timers_due ON start_timers (due_at);
CREATE INDEX start_timers_by_definition ON start_timers (definition_id);

-- Which instance a message with a correlation key started, per process key: while it is
-- active, another message with that key starts no second instance of the process (Zeebe);
-- when it ends, the oldest such message buffered meanwhile starts the next one.
CREATE TABLE message_start_keys (
    definition_key   TEXT NOT NULL,
    correlation_key  TEXT NOT NULL,
    instance_id      TEXT NOT NULL,
    PRIMARY KEY (definition_key, correlation_key)
);
CREATE INDEX message_start_keys_by_instance ON message_start_keys (instance_id);
