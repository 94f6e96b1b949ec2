-- What the service API (docs/api.md) lists, filters and shows: each task's language, the root of its tree, the task
-- it reruns, its labels, and the guest's output of each attempt. Portable SQL for H2 and PostgreSQL; docs/sql.md.
ALTER TABLE tasks ADD COLUMN language VARCHAR(16);
ALTER TABLE tasks ADD COLUMN root_id VARCHAR(36);
ALTER TABLE tasks ADD COLUMN rerun_of VARCHAR(36);
UPDATE tasks SET root_id = id WHERE parent_id IS NULL;
UPDATE tasks SET language = CASE
    WHEN config LIKE '%"program":{"language":"python"%' THEN 'python'
    WHEN config LIKE '%"program":{"language":"javascript"%' THEN 'javascript'
    ELSE 'wasm' END;

-- GET /api/v1/tasks pages newest first by (created_at, id), optionally within one status, name or tree.
CREATE INDEX tasks_api_page_idx ON tasks (created_at, id);
CREATE INDEX tasks_api_status_page_idx ON tasks (status, created_at, id);
CREATE INDEX tasks_api_name_page_idx ON tasks (name, created_at, id);
CREATE INDEX tasks_api_root_idx ON tasks (root_id);

CREATE TABLE task_labels (
    task_id  VARCHAR(36)  NOT NULL REFERENCES tasks (id),
    name     VARCHAR(64)  NOT NULL,
    label_value  VARCHAR(200) NOT NULL,
    PRIMARY KEY (task_id, name)
);

CREATE INDEX task_labels_value_idx ON task_labels (name, label_value, task_id);

-- The guest's stdout and stderr of an attempt, each within the task's output cap (Limits.outputBytes), written in the
-- transaction that finishes the attempt.
CREATE TABLE attempt_output (
    task_id           VARCHAR(36) NOT NULL REFERENCES tasks (id),
    attempt_no        INTEGER     NOT NULL,
    stdout            VARCHAR,
    stdout_truncated  BOOLEAN     DEFAULT FALSE NOT NULL,
    stderr            VARCHAR,
    stderr_truncated  BOOLEAN     DEFAULT FALSE NOT NULL,
    PRIMARY KEY (task_id, attempt_no)
);
