-- A monitor window's fairness per group attribute (JSON; empty: none).
ALTER TABLE monitor_windows ADD COLUMN fairness TEXT NOT NULL DEFAULT '';
