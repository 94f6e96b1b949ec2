-- History at scale (issue 17, docs/performance.md): the questions people ask of history group attempts and host
-- requests by task name. Reading the name from tasks cost one primary-key lookup of a whole task row (config and all)
-- per attempt: 1-4 s for a week of a million-task journal on H2, a hash join over the tasks heap on PostgreSQL. A
-- task's name never changes, so attempts and host requests now keep it too, written with the row.
ALTER TABLE attempts ADD COLUMN task_name VARCHAR(200);
UPDATE attempts SET task_name = (SELECT t.name FROM tasks t WHERE t.id = attempts.task_id);
ALTER TABLE attempts ALTER COLUMN task_name SET NOT NULL;

ALTER TABLE host_requests ADD COLUMN task_name VARCHAR(200);
UPDATE host_requests SET task_name = (SELECT t.name FROM tasks t WHERE t.id = host_requests.task_id);
ALTER TABLE host_requests ALTER COLUMN task_name SET NOT NULL;

-- The same columns as before; the name now comes from the request itself, without a join.
CREATE OR REPLACE VIEW host_requests_named AS
SELECT r.task_id, r.attempt_no, r.seq, r.task_name AS name, r.at, r.method,
       CASE WHEN POSITION('/' IN SUBSTRING(r.url FROM POSITION('://' IN r.url) + 3)) > 0
            THEN SUBSTRING(SUBSTRING(r.url FROM POSITION('://' IN r.url) + 3) FROM 1
                           FOR POSITION('/' IN SUBSTRING(r.url FROM POSITION('://' IN r.url) + 3)) - 1)
            ELSE SUBSTRING(r.url FROM POSITION('://' IN r.url) + 3) END AS host,
       r.url, r.status, r.bytes_sent, r.bytes_received, r.duration_ms, r.error
FROM host_requests r;
