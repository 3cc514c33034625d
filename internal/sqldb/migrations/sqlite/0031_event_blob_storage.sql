-- PostgreSQL's migration of this number stores event batch blobs without
-- its own compression (they are S2-compressed already); SQLite never
-- compresses a value, so nothing changes here. Both dialects carry the
-- same migration numbers.
SELECT 1;
