-- PostgreSQL only (issue 17, docs/sql.md): a task found by a prefix of its id (capsule status 0190a...) uses the
-- index whatever the database's collation, and claiming reads only the unfinished tasks' index entries however many
-- finished tasks the journal keeps. H2 has neither operator classes nor partial indexes: its V12 changes nothing.
CREATE INDEX tasks_id_prefix_idx ON tasks (id varchar_pattern_ops);
CREATE INDEX tasks_due_unfinished_idx ON tasks (run_at, id) WHERE status IN ('PENDING', 'RETRY_WAIT');
