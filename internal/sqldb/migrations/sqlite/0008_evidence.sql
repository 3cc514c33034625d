-- Evidence attached to model versions: fairness audits and explanation
-- reports, each with its inputs' SHA-256, parameters and result (JSON) so
-- an auditor can reproduce it. The same input with the same parameters is
-- stored once per version.
CREATE TABLE fairness_audits (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	model_version_id BIGINT NOT NULL REFERENCES model_versions(id),
	title TEXT NOT NULL,
	file_name TEXT NOT NULL,
	sha256 TEXT NOT NULL,
	row_count BIGINT NOT NULL,
	params TEXT NOT NULL,
	result TEXT NOT NULL,
	flags TEXT NOT NULL,
	created_by BIGINT NOT NULL,
	created_by_name TEXT NOT NULL,
	created_at TEXT NOT NULL,
	UNIQUE (model_version_id, sha256, params)
);

CREATE TABLE explanation_reports (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	model_version_id BIGINT NOT NULL REFERENCES model_versions(id),
	title TEXT NOT NULL,
	model_file_name TEXT NOT NULL,
	model_sha256 TEXT NOT NULL,
	data_file_name TEXT NOT NULL,
	data_sha256 TEXT NOT NULL,
	row_count BIGINT NOT NULL,
	params TEXT NOT NULL,
	result TEXT NOT NULL,
	created_by BIGINT NOT NULL,
	created_by_name TEXT NOT NULL,
	created_at TEXT NOT NULL,
	UNIQUE (model_version_id, model_sha256, data_sha256, params)
);
