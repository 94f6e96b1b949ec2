-- History at scale on H2 and PostgreSQL at a million tasks (issue 17, docs/performance.md). The daily views grouped
-- by CAST(started_at AS DATE), which no index serves, so "this week" of usage_daily read every attempt (58 s on H2 at a
-- million); attempts now store their UTC start day in a generated column with an index. Failures since yesterday
-- filter attempts by finished_at, which had no index (the join then started from every task: 21 s on H2).
ALTER TABLE attempts ADD COLUMN started_on DATE GENERATED ALWAYS AS (CAST(started_at AT TIME ZONE 'UTC' AS DATE));
CREATE INDEX attempts_started_on_idx ON attempts (started_on);
CREATE INDEX attempts_finished_idx ON attempts (finished_at);

-- The daily views group by the stored day, so a condition on started_on reaches attempts_started_on_idx.
CREATE OR REPLACE VIEW usage_daily AS
SELECT a.started_on, t.name,
       COUNT(*) AS attempts,
       COUNT(DISTINCT a.task_id) AS tasks,
       SUM(CASE WHEN a.status = 'SUCCEEDED' THEN 1 ELSE 0 END) AS succeeded,
       SUM(CASE WHEN a.status = 'FAILED' THEN 1 ELSE 0 END) AS failed,
       SUM(a.fuel_consumed) AS fuel,
       SUM(a.duration_ms) AS duration_ms,
       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY a.duration_ms) AS duration_p50_ms,
       PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY a.duration_ms) AS duration_p95_ms
FROM attempts a JOIN tasks t ON t.id = a.task_id
WHERE a.finished_at IS NOT NULL
GROUP BY a.started_on, t.name;

CREATE OR REPLACE VIEW failures_daily AS
SELECT a.started_on, t.name, a.error_type, COUNT(*) AS failures, MAX(a.error_message) AS sample_message
FROM attempts a JOIN tasks t ON t.id = a.task_id
WHERE a.status = 'FAILED'
GROUP BY a.started_on, t.name, a.error_type;
