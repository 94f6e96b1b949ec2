-- H2 only (docs/steps.md, docs/performance.md): a step's request and outcome become CLOBs, which H2 keeps apart from
-- the row once they are longer than a few hundred bytes. As VARCHARs they were kept in the row, and each update of a
-- replayed step (steps.replays) rewrote its whole outcome: a replay of twenty 4 MB outcomes wrote about 2 GB to the
-- journal file. PostgreSQL keeps long text out of the row already (TOAST): its V9 changes nothing.
ALTER TABLE steps ALTER COLUMN request SET DATA TYPE CLOB;
ALTER TABLE steps ALTER COLUMN outcome SET DATA TYPE CLOB;
