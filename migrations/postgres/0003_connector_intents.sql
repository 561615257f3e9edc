-- Built-in connector calls (docs/decisions/0010-connector-intents.md): one row per idempotency
-- key, written in its own committed transaction before every call ("intent") and updated in
-- the transaction that completes, fails or escalates the job ("result").
CREATE TABLE connector_intents (
    idempotency_key  TEXT PRIMARY KEY,
    job_id           TEXT NOT NULL,
    instance_id      TEXT NOT NULL,
    element_id       TEXT NOT NULL,
    connector        TEXT NOT NULL,           -- the job type, e.g. keel:http
    attempt          BIGINT NOT NULL,         -- tries so far (1 for the first)
    state            TEXT NOT NULL,           -- calling | succeeded | failed
    started_at       BIGINT NOT NULL,         -- when the current attempt's intent was recorded
    finished_at      BIGINT,
    owner            TEXT NOT NULL,           -- the node that recorded the current attempt
    result           TEXT,                    -- JSON, once succeeded
    error_message    TEXT,                    -- once failed
    reconciled       BIGINT NOT NULL          -- 1 when the result came from reconcile, not a call
);
CREATE INDEX connector_intents_by_job ON connector_intents (job_id);
