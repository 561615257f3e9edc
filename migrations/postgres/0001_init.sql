-- Keel schema v1 (PostgreSQL): the same tables, columns and indexes as migrations/sqlite, so one
-- SQL text serves both. Times are epoch milliseconds (BIGINT); JSON is TEXT.
-- Append-only: never edit a released migration, add a new one (for both backends).

CREATE TABLE deployments (
    id          TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL,
    created_by  TEXT
);

CREATE TABLE definitions (
    id             TEXT PRIMARY KEY,          -- "<key>:<version>"
    key            TEXT NOT NULL,
    version        BIGINT NOT NULL,
    name           TEXT,
    deployment_id  TEXT NOT NULL REFERENCES deployments(id),
    resource_name  TEXT NOT NULL,
    xml            BYTEA NOT NULL,             -- the deployed document, byte for byte
    xml_sha256     TEXT NOT NULL,
    deployed_at    BIGINT NOT NULL,
    UNIQUE (key, version)
);

CREATE TABLE instances (
    id                  TEXT PRIMARY KEY,
    definition_id       TEXT NOT NULL REFERENCES definitions(id),
    definition_key      TEXT NOT NULL,
    definition_version  BIGINT NOT NULL,
    business_key        TEXT,
    state               TEXT NOT NULL,        -- active | completed | terminated | cancelled
    started_at          BIGINT NOT NULL,
    ended_at            BIGINT,
    started_by          TEXT,
    incidents           BIGINT NOT NULL DEFAULT 0,
    audit_seq           BIGINT NOT NULL,     -- head of the instance's audit chain
    audit_hash          TEXT NOT NULL,
    version             BIGINT NOT NULL,     -- bumped by every applied trigger
    body                TEXT NOT NULL         -- runtime::InstanceState as JSON
);
CREATE INDEX instances_by_definition ON instances (definition_key, state);
CREATE INDEX instances_by_business_key ON instances (business_key);

CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    instance_id      TEXT NOT NULL,
    element_key      BIGINT NOT NULL,
    element_id       TEXT NOT NULL,
    type             TEXT NOT NULL,
    state            TEXT NOT NULL,          -- ready | locked | failed
    retries          BIGINT NOT NULL,
    available_at     BIGINT NOT NULL,       -- ready: when it may run; locked: lock expiry
    lock_owner       TEXT,
    error_message    TEXT,
    headers          TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    version          BIGINT NOT NULL
);
CREATE INDEX jobs_acquirable ON jobs (type, available_at) WHERE state IN ('ready', 'locked');
CREATE INDEX jobs_by_element ON jobs (instance_id, element_key);

CREATE TABLE user_tasks (
    id              TEXT PRIMARY KEY,
    instance_id     TEXT NOT NULL,
    element_key     BIGINT NOT NULL,
    element_id      TEXT NOT NULL,
    name            TEXT,
    assignee        TEXT,
    state           TEXT NOT NULL,           -- open | completed | cancelled
    created_at      BIGINT NOT NULL,
    due_at          BIGINT,
    follow_up_at    BIGINT,
    priority        BIGINT NOT NULL,
    form_key        TEXT,
    completed_by    TEXT,
    completed_at    BIGINT,
    candidate_users  TEXT NOT NULL,          -- JSON array (display); matching uses task_candidates
    candidate_groups TEXT NOT NULL
);
CREATE INDEX user_tasks_by_state ON user_tasks (state, created_at);
CREATE INDEX user_tasks_by_assignee ON user_tasks (assignee, state);
CREATE INDEX user_tasks_by_element ON user_tasks (instance_id, element_key);

CREATE TABLE task_candidates (
    task_id  TEXT NOT NULL,
    kind     TEXT NOT NULL,                  -- user | group
    value    TEXT NOT NULL,
    PRIMARY KEY (task_id, kind, value)
);
CREATE INDEX task_candidates_by_value ON task_candidates (kind, value);

CREATE TABLE timers (
    id            TEXT PRIMARY KEY,
    instance_id   TEXT NOT NULL,
    element_key   BIGINT NOT NULL,
    element_id    TEXT NOT NULL,
    due_at        BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    lock_owner    TEXT,                      -- the node firing it (several nodes share PostgreSQL)
    lock_expires_at BIGINT
);
CREATE INDEX timers_due ON timers (due_at);
CREATE INDEX timers_by_element ON timers (instance_id, element_key);

CREATE TABLE subscriptions (
    id               TEXT PRIMARY KEY,
    instance_id      TEXT NOT NULL,
    element_key      BIGINT NOT NULL,
    element_id       TEXT NOT NULL,
    message_name     TEXT NOT NULL,
    correlation_key  TEXT,                   -- NULL: correlate by business key / instance id
    business_key     TEXT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX subscriptions_by_message ON subscriptions (message_name, correlation_key);
CREATE INDEX subscriptions_by_element ON subscriptions (instance_id, element_key);

CREATE TABLE buffered_messages (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    correlation_key  TEXT,
    business_key     TEXT,
    instance_id      TEXT,
    variables        TEXT NOT NULL,
    message_id       TEXT,
    expires_at       BIGINT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX buffered_messages_by_name ON buffered_messages (name, expires_at);

CREATE TABLE message_ids (
    message_id  TEXT PRIMARY KEY,
    response    TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);

CREATE TABLE incidents (
    id            TEXT PRIMARY KEY,
    instance_id   TEXT NOT NULL,
    element_key   BIGINT NOT NULL,
    element_id    TEXT NOT NULL,
    kind          TEXT NOT NULL,
    message       TEXT NOT NULL,
    state         TEXT NOT NULL,             -- open | resolved
    job_id        TEXT,
    created_at    BIGINT NOT NULL,
    resolved_at   BIGINT
);
CREATE INDEX incidents_by_instance ON incidents (instance_id, element_key);
CREATE INDEX incidents_by_state ON incidents (state, created_at);

-- Element history: one row per element instance that ended (and one for the process, key 0);
-- live element instances are in instances.body. Sequence flows taken are in the audit trail.
CREATE TABLE history (
    instance_id   TEXT NOT NULL,
    element_key   BIGINT NOT NULL,
    element_id    TEXT NOT NULL,
    element_type  TEXT NOT NULL,
    state         TEXT NOT NULL,             -- completed | terminated
    started_at    BIGINT NOT NULL,
    ended_at      BIGINT NOT NULL,
    audit_seq     BIGINT NOT NULL           -- the audit record of the trigger that ended it
);
CREATE INDEX history_by_instance ON history (instance_id);

CREATE TABLE audit (
    seq                 BIGINT PRIMARY KEY,
    v                   BIGINT NOT NULL,
    at                  TEXT NOT NULL,
    instance_id         TEXT,
    instance_seq        BIGINT,
    element_id          TEXT,
    kind                TEXT NOT NULL,
    actor               TEXT NOT NULL,
    data                TEXT NOT NULL,
    prev_hash           TEXT NOT NULL,
    instance_prev_hash  TEXT,
    hash                TEXT NOT NULL
);
CREATE INDEX audit_by_instance ON audit (instance_id, instance_seq);
CREATE FUNCTION keel_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END;
$$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION keel_audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION keel_audit_append_only();

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    email       TEXT,
    created_at  BIGINT NOT NULL
);
CREATE TABLE user_groups (
    user_id  TEXT NOT NULL REFERENCES users(id),
    name     TEXT NOT NULL,
    PRIMARY KEY (user_id, name)
);
CREATE TABLE user_roles (
    user_id  TEXT NOT NULL REFERENCES users(id),
    role     TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);
CREATE TABLE tokens (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id),
    secret_sha256  TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    revoked_at     BIGINT
);

CREATE TABLE idempotency_keys (
    caller        TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    instance_id   TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (caller, key)
);
