-- Labels that arrive late (POST /api/v1/models/{key}/labels) change the
-- figures of windows a monitor may have evaluated already. The label write
-- records, in its transaction, the earliest time of an event it labelled
-- (relabel_from, Unix milliseconds; NULL when none) on each of the model's
-- monitors and counts the writes (relabel_n); the monitor loop recomputes
-- the monitor's windows from that time, then clears relabel_from only if
-- no label came meanwhile (relabel_n unchanged).
ALTER TABLE monitors ADD COLUMN relabel_from BIGINT;
ALTER TABLE monitors ADD COLUMN relabel_n BIGINT NOT NULL DEFAULT 0;
