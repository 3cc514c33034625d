-- A monitor can be paused: the scheduler and manual evaluation leave it
-- alone until it is resumed (its windows missed are evaluated then, from
-- the stored events). Who paused it, when, and why (required); '' while
-- it runs.
ALTER TABLE monitors ADD COLUMN paused_at TEXT NOT NULL DEFAULT '';
ALTER TABLE monitors ADD COLUMN paused_by TEXT NOT NULL DEFAULT '';
ALTER TABLE monitors ADD COLUMN pause_reason TEXT NOT NULL DEFAULT '';
