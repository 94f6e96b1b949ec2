-- H2's V19 drops tasks_due_idx, which V13's tasks_due_order_idx covers there (db/vendor/h2). On PostgreSQL the claim reads
-- V12's partial index tasks_due_unfinished_idx; tasks_due_idx stays (not measured there). This script only keeps the
-- schema version the same on both.
SELECT 1;
