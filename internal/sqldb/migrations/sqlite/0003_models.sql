-- Model registry: models serve a use case; versions carry a model card and
-- a lifecycle status.
CREATE TABLE models (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	use_case_id BIGINT NOT NULL REFERENCES use_cases(id),
	key TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	archived INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX models_use_case ON models(use_case_id);

CREATE TABLE model_versions (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	model_id BIGINT NOT NULL REFERENCES models(id),
	version TEXT NOT NULL,
	status TEXT NOT NULL,
	status_reason TEXT NOT NULL DEFAULT '',
	card TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (model_id, version)
);
