-- Queued tasks, engine nodes and leases (portable SQL for H2 and PostgreSQL). Documented in docs/sql.md.

ALTER TABLE tasks ADD COLUMN run_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE tasks ADD COLUMN idempotency_key VARCHAR(200);
ALTER TABLE tasks ADD COLUMN claimed_by VARCHAR(200);
ALTER TABLE tasks ADD COLUMN recoveries INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE tasks ADD COLUMN cancel_requested BOOLEAN DEFAULT FALSE NOT NULL;
UPDATE tasks SET run_at = created_at WHERE run_at IS NULL;

CREATE UNIQUE INDEX tasks_idempotency_key_idx ON tasks (idempotency_key);
CREATE INDEX tasks_due_idx ON tasks (status, run_at);
CREATE INDEX tasks_claimed_by_idx ON tasks (claimed_by, status);

-- Values of granted environment variables, kept apart from tasks.config so that read-only journal
-- queries on H2 (user capsule_reader) cannot see them.
CREATE TABLE task_secrets (
    task_id   VARCHAR(36) NOT NULL PRIMARY KEY REFERENCES tasks (id),
    env_json  VARCHAR     NOT NULL
);

CREATE TABLE nodes (
    id            VARCHAR(200)             NOT NULL PRIMARY KEY,
    status        VARCHAR(16)              NOT NULL,
    runners       INTEGER                  NOT NULL,
    started_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    heartbeat_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    stopped_at    TIMESTAMP WITH TIME ZONE,
    CONSTRAINT nodes_status_check CHECK (status IN ('ALIVE', 'STOPPED', 'LOST'))
);
