-- Human intervention switches: one per model, on until someone with the
-- authority flips it, with a reason.
CREATE TABLE switches (
	model_id BIGINT PRIMARY KEY REFERENCES models(id),
	state TEXT NOT NULL,
	fallback TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	changed_by TEXT NOT NULL DEFAULT '',
	changed_at TEXT NOT NULL,
	version BIGINT NOT NULL DEFAULT 1
);
INSERT INTO switches (model_id, state, changed_at) SELECT id, 'on', created_at FROM models;
