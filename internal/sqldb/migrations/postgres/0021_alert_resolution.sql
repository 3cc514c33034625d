-- Why a resolved alert was resolved: recovered (later windows no longer
-- breach), withdrawn (windows recomputed after late or corrected labels
-- show it never breached; kept as history) or retired (its model version
-- was retired). '' while open, and for alerts resolved before this was
-- recorded.
ALTER TABLE alerts ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
