-- event_versions: how many of a model's stored events carry each version
-- string, and the latest one's time (Unix ms). Kept by ingestion and
-- retention, so a version the model has not registered — events the
-- service reports as v2.0 while the registry holds 2.0, which no monitor
-- reads — can be shown without decoding the event batches.
CREATE TABLE event_versions (
	model_id BIGINT NOT NULL,
	version TEXT NOT NULL,
	n BIGINT NOT NULL,
	last_ts BIGINT NOT NULL,
	PRIMARY KEY (model_id, version)
) WITHOUT ROWID;

-- event_versions_pending: the models whose batches stored before this
-- migration (those with id ≤ upto) are not counted in event_versions
-- yet. The store counts them the first time it needs a model's counts
-- (the batches are compressed: SQL cannot read their versions).
CREATE TABLE event_versions_pending (
	model_id BIGINT PRIMARY KEY,
	upto BIGINT NOT NULL
);
INSERT INTO event_versions_pending (model_id, upto)
SELECT model_id, MAX(id) FROM event_batches GROUP BY model_id;
