-- PostgreSQL's V12 partial index tasks_due_unfinished_idx (run_at, id) already returns the oldest due tasks in order;
-- H2's V13 adds the index H2 needs (db/vendor/h2). This script only keeps the schema version the same on both.
SELECT 1;
