-- Placeholder so this branch's migrations stay numbered 1..n: 0007 is the
-- A/B experiments migration on another branch. DELETE THIS FILE when that
-- migration is merged.
SELECT 1;
