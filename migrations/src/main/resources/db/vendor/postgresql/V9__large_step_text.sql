-- PostgreSQL keeps long text out of the row already (TOAST), so the steps table stays as it is; H2's V9 makes its
-- request and outcome CLOBs (db/vendor/h2). This script only keeps the schema version the same on both.
SELECT 1;
