-- Cluster operations (issue 16, docs/operations.md): what `capsule nodes` shows of each node, and `capsule drain`.
-- Portable SQL for H2 and PostgreSQL: V2 named the status check, so both drop and re-create it by that name.

ALTER TABLE nodes ADD COLUMN host VARCHAR(255);
ALTER TABLE nodes ADD COLUMN pid BIGINT;
ALTER TABLE nodes ADD COLUMN version VARCHAR(64);
ALTER TABLE nodes ADD COLUMN runners_busy INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE nodes ADD COLUMN drain_requested_at TIMESTAMP WITH TIME ZONE;

ALTER TABLE nodes DROP CONSTRAINT nodes_status_check;
ALTER TABLE nodes ADD CONSTRAINT nodes_status_check CHECK (status IN ('ALIVE', 'DRAINING', 'STOPPED', 'LOST'));
