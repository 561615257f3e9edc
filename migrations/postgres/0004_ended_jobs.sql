-- Jobs that existed and are over (docs/decisions/0012-ended-jobs-released-locks-and-wake-ups.md):
-- the flush that deletes a job row (completed, or its element left by an error, a boundary
-- event, a cancellation) records its id here in the same transaction. A late complete, fail or
-- throw-error on such an id answers 409 (the job is over), an id never seen 404; only that
-- refused request reads this table. Append-only: never edit a released migration.
CREATE TABLE ended_jobs (
    id           TEXT PRIMARY KEY,
    instance_id  TEXT NOT NULL,
    ended_at     BIGINT NOT NULL
);
