-- H2 only (issue 15, docs/performance.md): claiming reads the oldest due tasks of one status at a time, ordered by
-- (status, run_at, id). H2 reads rows in index order (and stops at the limit) only when ORDER BY matches an index's
-- columns from its first one; with V2's tasks_due_idx (status, run_at) it read and sorted every due row, so each claim
-- cost in proportion to the queue's depth (1.7 ms per claim with 6,000 queued, 0.011 ms with this index).
CREATE INDEX tasks_due_order_idx ON tasks (status, run_at, id);
