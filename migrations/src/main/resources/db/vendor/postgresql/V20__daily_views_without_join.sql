-- The daily views read the task name that V18 keeps on each attempt, so "this week" of usage_daily and failures_daily
-- is one range of attempts_started_on_idx with no lookup of the tasks (issue 17, docs/performance.md). The same SQL on
-- H2 and PostgreSQL; it lives here because started_on (V17) is a vendor column.
CREATE OR REPLACE VIEW usage_daily AS
SELECT a.started_on, a.task_name AS name,
       COUNT(*) AS attempts,
       COUNT(DISTINCT a.task_id) AS tasks,
       SUM(CASE WHEN a.status = 'SUCCEEDED' THEN 1 ELSE 0 END) AS succeeded,
       SUM(CASE WHEN a.status = 'FAILED' THEN 1 ELSE 0 END) AS failed,
       SUM(a.fuel_consumed) AS fuel,
       SUM(a.duration_ms) AS duration_ms,
       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY a.duration_ms) AS duration_p50_ms,
       PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY a.duration_ms) AS duration_p95_ms
FROM attempts a
WHERE a.finished_at IS NOT NULL
GROUP BY a.started_on, a.task_name;

CREATE OR REPLACE VIEW failures_daily AS
SELECT a.started_on, a.task_name AS name, a.error_type, COUNT(*) AS failures, MAX(a.error_message) AS sample_message
FROM attempts a
WHERE a.status = 'FAILED'
GROUP BY a.started_on, a.task_name, a.error_type;
