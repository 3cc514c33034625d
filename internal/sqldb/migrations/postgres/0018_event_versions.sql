-- event_versions: how many of a model's stored events carry each version
-- string, and the latest one's time (Unix ms). The SQLite migration of the
-- same number explains both tables.
CREATE TABLE event_versions (
	model_id BIGINT NOT NULL,
	version TEXT NOT NULL,
	n BIGINT NOT NULL,
	last_ts BIGINT NOT NULL,
	PRIMARY KEY (model_id, version)
);

CREATE TABLE event_versions_pending (
	model_id BIGINT PRIMARY KEY,
	upto BIGINT NOT NULL
);
INSERT INTO event_versions_pending (model_id, upto)
SELECT model_id, MAX(id) FROM event_batches GROUP BY model_id;
