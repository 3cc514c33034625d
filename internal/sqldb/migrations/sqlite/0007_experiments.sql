-- Experiments: pre-launch A/B tests of a treatment model version against a
-- control version of the same use case. Data is kept as sufficient
-- statistics per variant and metric (experiment_stats), plus the units
-- already counted per metric (experiment_units), so a unit's value counts
-- once however often it is sent.
CREATE TABLE experiments (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	use_case_id BIGINT NOT NULL REFERENCES use_cases(id),
	key TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	hypothesis TEXT NOT NULL DEFAULT '',
	control_version_id BIGINT NOT NULL REFERENCES model_versions(id),
	treatment_version_id BIGINT NOT NULL REFERENCES model_versions(id),
	primary_metric TEXT NOT NULL,
	guardrails TEXT NOT NULL,
	alpha DOUBLE PRECISION NOT NULL,
	min_sample BIGINT NOT NULL,
	treatment_share DOUBLE PRECISION NOT NULL,
	status TEXT NOT NULL,
	status_reason TEXT NOT NULL DEFAULT '',
	started_at TEXT NOT NULL DEFAULT '',
	stopped_at TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX experiments_use_case ON experiments(use_case_id);

CREATE TABLE experiment_stats (
	experiment_id BIGINT NOT NULL REFERENCES experiments(id),
	variant TEXT NOT NULL,
	metric TEXT NOT NULL,
	n BIGINT NOT NULL,
	sum DOUBLE PRECISION NOT NULL,
	sum_squares DOUBLE PRECISION NOT NULL,
	shift DOUBLE PRECISION NOT NULL,
	PRIMARY KEY (experiment_id, variant, metric)
);

CREATE TABLE experiment_units (
	experiment_id BIGINT NOT NULL REFERENCES experiments(id),
	metric TEXT NOT NULL,
	unit TEXT NOT NULL,
	variant TEXT NOT NULL,
	PRIMARY KEY (experiment_id, unit, metric)
);
