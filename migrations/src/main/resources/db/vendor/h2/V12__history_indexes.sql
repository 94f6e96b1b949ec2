-- PostgreSQL's V12 adds a prefix index on tasks.id and a partial index of due tasks (db/vendor/postgresql); H2 has
-- neither operator classes nor partial indexes. This script only keeps the schema version the same on both.
SELECT 1;
