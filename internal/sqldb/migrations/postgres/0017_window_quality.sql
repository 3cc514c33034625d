-- A monitor window's data quality per feature (JSON; empty: none).
ALTER TABLE monitor_windows ADD COLUMN quality TEXT NOT NULL DEFAULT '';
