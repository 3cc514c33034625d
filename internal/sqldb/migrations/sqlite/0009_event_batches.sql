-- Prediction events are stored one row per ingested batch instead of one
-- row each: a row per event cost three B-tree inserts (the row and two
-- indexes) plus the whole line, which capped ingestion at the single
-- writer's ~90,000 rows/s. Now an event costs one small key in event_ids
-- (for idempotency and labels) and its share of a batch blob.
--
-- event_ids: (model, event ID) → time. No foreign key: the model is
-- checked once per batch, and this table takes one insert per event.
CREATE TABLE event_ids (
	model_id BIGINT NOT NULL,
	event_id TEXT NOT NULL,
	ts BIGINT NOT NULL,
	PRIMARY KEY (model_id, event_id)
) WITHOUT ROWID;

-- event_batches: the events of one batch within one UTC day, sorted by
-- (time, ID): a format byte (0: records as they are, 1: S2-compressed
-- records), then records: ts int64 | id len uint16 | id | version len
-- uint16 | version | label len uint32 | label | body len uint32 | body,
-- integers big-endian. min_ts/max_ts bound the records' times.
CREATE TABLE event_batches (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	model_id BIGINT NOT NULL REFERENCES models(id),
	min_ts BIGINT NOT NULL,
	max_ts BIGINT NOT NULL,
	n INTEGER NOT NULL,
	body BLOB NOT NULL
);
CREATE INDEX event_batches_time ON event_batches(model_id, max_ts);

-- event_labels: labels sent after their events; they win over a label in
-- the batch record. ts is the event's, for scans in time order.
CREATE TABLE event_labels (
	model_id BIGINT NOT NULL,
	event_id TEXT NOT NULL,
	ts BIGINT NOT NULL,
	label TEXT NOT NULL,
	PRIMARY KEY (model_id, event_id)
) WITHOUT ROWID;
CREATE INDEX event_labels_time ON event_labels(model_id, ts);

-- Existing events carry over, one batch each.
INSERT INTO event_ids (model_id, event_id, ts)
SELECT model_id, event_id, ts FROM prediction_events;
INSERT INTO event_batches (model_id, min_ts, max_ts, n, body)
SELECT model_id, ts, ts, 1, unhex('00' ||
	printf('%016X%04X', ts, length(CAST(event_id AS BLOB))) || hex(event_id) ||
	printf('%04X', length(CAST(version AS BLOB))) || hex(version) ||
	printf('%08X', length(CAST(coalesce(label, '') AS BLOB))) || hex(coalesce(label, '')) ||
	printf('%08X', length(CAST(body AS BLOB))) || hex(body))
FROM prediction_events ORDER BY model_id, ts, event_id;
DROP TABLE prediction_events;
