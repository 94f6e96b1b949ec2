-- Network requests guests made through the host-call channel (portable SQL for H2 and PostgreSQL).
-- Written in the transaction that finishes the attempt. Documented in docs/sql.md.

CREATE TABLE host_requests (
    task_id         VARCHAR(36)              NOT NULL REFERENCES tasks (id),
    attempt_no      INTEGER                  NOT NULL,
    seq             INTEGER                  NOT NULL,
    at              TIMESTAMP WITH TIME ZONE NOT NULL,
    method          VARCHAR(16)              NOT NULL,
    url             VARCHAR                  NOT NULL,
    headers         VARCHAR,
    status          INTEGER,
    bytes_sent      BIGINT                   NOT NULL,
    bytes_received  BIGINT                   NOT NULL,
    duration_ms     BIGINT                   NOT NULL,
    error           VARCHAR,
    PRIMARY KEY (task_id, attempt_no, seq)
);
