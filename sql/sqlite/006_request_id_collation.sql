-- PostgreSQL's 006 gives the outcome table's request id the "C" collation, so its primary key compares
-- bytes whatever the database's locale. SQLite's default collation (BINARY) already does. Nothing to do;
-- the number keeps both backends' migrations in step.
SELECT 1;
