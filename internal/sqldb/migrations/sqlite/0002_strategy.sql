-- Strategy path: business units, goals, KPIs and readings, pain points,
-- and use cases grown with their links, estimates, stage history and the
-- computed alignment and score (written by the service on every change).
CREATE TABLE business_units (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name TEXT NOT NULL,
	name_zh TEXT NOT NULL DEFAULT '',
	parent_id BIGINT REFERENCES business_units(id),
	archived INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX business_units_name ON business_units(name);

CREATE TABLE goals (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	title TEXT NOT NULL,
	title_zh TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	business_unit_id BIGINT REFERENCES business_units(id),
	owner_id BIGINT REFERENCES users(id),
	horizon TEXT NOT NULL,
	status TEXT NOT NULL,
	archived INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

CREATE TABLE kpis (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	goal_id BIGINT REFERENCES goals(id),
	name TEXT NOT NULL,
	name_zh TEXT NOT NULL DEFAULT '',
	unit TEXT NOT NULL,
	direction TEXT NOT NULL,
	baseline DOUBLE PRECISION NOT NULL,
	target DOUBLE PRECISION NOT NULL,
	target_date TEXT NOT NULL,
	owner_id BIGINT REFERENCES users(id),
	-- first and last readings, kept by AddReadings so progress needs no scan
	first_date TEXT NOT NULL DEFAULT '',
	first_value DOUBLE PRECISION NOT NULL DEFAULT 0,
	last_date TEXT NOT NULL DEFAULT '',
	last_value DOUBLE PRECISION NOT NULL DEFAULT 0,
	archived INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX kpis_goal ON kpis(goal_id);

CREATE TABLE kpi_readings (
	kpi_id BIGINT NOT NULL REFERENCES kpis(id),
	date TEXT NOT NULL,
	value DOUBLE PRECISION NOT NULL,
	PRIMARY KEY (kpi_id, date)
);

CREATE TABLE pain_points (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	business_unit_id BIGINT NOT NULL REFERENCES business_units(id),
	title TEXT NOT NULL,
	title_zh TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	category TEXT NOT NULL,
	annual_cost BIGINT NOT NULL DEFAULT 0,
	goal_id BIGINT REFERENCES goals(id),
	archived INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

ALTER TABLE use_cases ADD COLUMN title_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE use_cases ADD COLUMN business_unit_id BIGINT REFERENCES business_units(id);
ALTER TABLE use_cases ADD COLUMN sponsor_id BIGINT REFERENCES users(id);
ALTER TABLE use_cases ADD COLUMN ai_lead_id BIGINT REFERENCES users(id);
ALTER TABLE use_cases ADD COLUMN stage TEXT NOT NULL DEFAULT 'idea';
ALTER TABLE use_cases ADD COLUMN stage_changed_at TEXT NOT NULL DEFAULT '';
ALTER TABLE use_cases ADD COLUMN live_since TEXT NOT NULL DEFAULT '';
ALTER TABLE use_cases ADD COLUMN value_estimate BIGINT NOT NULL DEFAULT 0;
ALTER TABLE use_cases ADD COLUMN cost_estimate BIGINT NOT NULL DEFAULT 0;
ALTER TABLE use_cases ADD COLUMN f_data INTEGER NOT NULL DEFAULT 0;
ALTER TABLE use_cases ADD COLUMN f_tech INTEGER NOT NULL DEFAULT 0;
ALTER TABLE use_cases ADD COLUMN f_skills INTEGER NOT NULL DEFAULT 0;
ALTER TABLE use_cases ADD COLUMN f_integration INTEGER NOT NULL DEFAULT 0;
ALTER TABLE use_cases ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE use_cases ADD COLUMN risk_tier TEXT NOT NULL DEFAULT 'unassessed';
ALTER TABLE use_cases ADD COLUMN alignment TEXT NOT NULL DEFAULT 'misaligned';
ALTER TABLE use_cases ADD COLUMN alignment_reasons TEXT NOT NULL DEFAULT '';
ALTER TABLE use_cases ADD COLUMN score DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE use_cases ADD COLUMN feasibility DOUBLE PRECISION NOT NULL DEFAULT 1;
ALTER TABLE use_cases ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
-- search holds the lower-cased title, Chinese title and description, so
-- a text search is one LIKE over one column.
ALTER TABLE use_cases ADD COLUMN search TEXT NOT NULL DEFAULT '';
-- Indexes for the list's default order and sorts, and covering indexes
-- for the dashboard's funnel and alignment counts.
CREATE INDEX use_cases_list ON use_cases(archived, id);
CREATE INDEX use_cases_score ON use_cases(archived, score);
CREATE INDEX use_cases_value ON use_cases(archived, value_estimate);
CREATE INDEX use_cases_funnel ON use_cases(archived, stage, value_estimate);
CREATE INDEX use_cases_alignment ON use_cases(archived, alignment, stage);
CREATE INDEX use_cases_alignment_cost ON use_cases(archived, alignment, cost_estimate);
CREATE INDEX use_cases_bu ON use_cases(business_unit_id, archived);
-- A covering index for text search: a search scans this narrow index, not
-- the table's rows. (PostgreSQL has no such index: btree entries are
-- size-limited and its sequential scan is fast enough.)
CREATE INDEX use_cases_search ON use_cases(archived, search);

CREATE TABLE use_case_pain_points (
	use_case_id BIGINT NOT NULL REFERENCES use_cases(id),
	pain_point_id BIGINT NOT NULL REFERENCES pain_points(id),
	PRIMARY KEY (use_case_id, pain_point_id)
);

CREATE TABLE use_case_impacts (
	use_case_id BIGINT NOT NULL REFERENCES use_cases(id),
	kpi_id BIGINT NOT NULL REFERENCES kpis(id),
	change DOUBLE PRECISION NOT NULL,
	confidence DOUBLE PRECISION NOT NULL,
	PRIMARY KEY (use_case_id, kpi_id)
);
CREATE INDEX use_case_impacts_kpi ON use_case_impacts(kpi_id);

CREATE TABLE stage_changes (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	use_case_id BIGINT NOT NULL REFERENCES use_cases(id),
	from_stage TEXT NOT NULL,
	to_stage TEXT NOT NULL,
	actor_id BIGINT NOT NULL,
	actor TEXT NOT NULL,
	reason TEXT NOT NULL,
	at TEXT NOT NULL
);
CREATE INDEX stage_changes_use_case ON stage_changes(use_case_id);
