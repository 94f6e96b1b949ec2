-- The guest's own account of a failure (a Python or JavaScript traceback), beside the one-line error_message.
-- Portable SQL for H2 and PostgreSQL; documented in docs/sql.md.
ALTER TABLE attempts ADD COLUMN error_detail VARCHAR;
