-- A monitor window's events the monitor could not read (a score outside
-- [0, 1], an unknown class), and the first one's reason.
ALTER TABLE monitor_windows ADD COLUMN unreadable BIGINT NOT NULL DEFAULT 0;
ALTER TABLE monitor_windows ADD COLUMN unreadable_reason TEXT NOT NULL DEFAULT '';
