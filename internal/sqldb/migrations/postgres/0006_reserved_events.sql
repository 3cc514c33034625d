-- Placeholder so this branch's migrations stay numbered 1..n: 0006 is the
-- event ingestion migration on another branch. DELETE THIS FILE when that
-- migration is merged.
SELECT 1;
