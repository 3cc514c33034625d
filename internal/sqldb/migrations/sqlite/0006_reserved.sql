-- Placeholder so this branch's migrations are numbered 1..n: 0006 belongs to
-- event ingestion, developed on another branch. When that branch's 0006 is
-- merged, delete this file.
SELECT 1;
