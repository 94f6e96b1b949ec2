-- Journaled steps of tasks (docs/steps.md): child-task calls, HTTP requests, clock readings, random bytes and sleeps,
-- in the order a task made them, with what the task was answered. Portable SQL for H2 and PostgreSQL; documented in
-- docs/sql.md. An attempt that ends in a durable sleep is SUSPENDED.
CREATE TABLE steps (
    task_id                VARCHAR(36)              NOT NULL REFERENCES tasks (id),
    step_no                INTEGER                  NOT NULL,
    kind                   VARCHAR(16)              NOT NULL,
    target                 VARCHAR                  NOT NULL,
    request                VARCHAR                  NOT NULL,
    outcome                VARCHAR,
    child_id               VARCHAR(36)              REFERENCES tasks (id),
    attempt_no             INTEGER                  NOT NULL,
    at                     TIMESTAMP WITH TIME ZONE NOT NULL,
    duration_ms            BIGINT                   NOT NULL,
    replays                INTEGER                  DEFAULT 0 NOT NULL,
    last_replayed_attempt  INTEGER,
    PRIMARY KEY (task_id, step_no),
    CONSTRAINT steps_kind_check CHECK (kind IN ('child', 'http', 'clock', 'random', 'sleep'))
);

CREATE INDEX steps_child_id_idx ON steps (child_id);

ALTER TABLE attempts DROP CONSTRAINT attempts_status_check;
ALTER TABLE attempts ADD CONSTRAINT attempts_status_check
    CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'ABANDONED', 'CANCELLED', 'SUSPENDED'));
