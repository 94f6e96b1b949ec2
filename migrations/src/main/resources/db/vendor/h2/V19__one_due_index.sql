-- H2 only (issue 15, docs/performance.md, "Fewer index pages per status change"): V13's tasks_due_order_idx
-- (status, run_at, id) holds everything V2's tasks_due_idx (status, run_at) does, and every status change rewrote a page
-- of both. Worse, H2's planner chose tasks_due_idx for the claim's `WHERE status = ? AND run_at <= now ORDER BY status,
-- run_at, id LIMIT n` and then sorted all rows of equal run_at: a submitAll queues its tasks with one run_at, so each
-- claim read and sorted up to the whole batch. With one index the claim reads (status, run_at, id) in order and stops at
-- the limit. Every query tasks_due_idx served has tasks_due_order_idx's leading columns (docs/sql.md, "Indexes").
DROP INDEX tasks_due_idx;
