-- attempts_named (V11) read a task's language out of its config text at the offset of "program":{"language":". A
-- WebAssembly task's config has no program, so it read whatever character stood 23 characters into the config (a
-- module under /var/lib/pipelines/ was called python). tasks.language (V10) is written with every task: read that.
-- Replaced in place with the column's type of before (text), so views and grants built on it by operators survive.
CREATE OR REPLACE VIEW attempts_named AS
SELECT a.task_id, a.attempt_no, t.name, t.parent_id, CAST(COALESCE(t.language, 'wasm') AS TEXT) AS language,
       a.node_id, a.status, a.started_at, a.finished_at, a.duration_ms, a.fuel_consumed, a.ram_used, a.exit_code,
       a.error_type, a.error_message
FROM attempts a JOIN tasks t ON t.id = a.task_id;
