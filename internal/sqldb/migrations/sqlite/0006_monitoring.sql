-- Prediction events, monitors, their windows, alerts, retraining tasks and
-- the webhook outbox.

-- Events are keyed by (model, event ID), which makes ingestion idempotent:
-- a retried batch inserts nothing twice. ts is Unix milliseconds, for
-- cheap range scans in time order; body is the validated line as sent.
CREATE TABLE prediction_events (
	model_id BIGINT NOT NULL REFERENCES models(id),
	event_id TEXT NOT NULL,
	ts BIGINT NOT NULL,
	version TEXT NOT NULL,
	body TEXT NOT NULL,
	label TEXT,
	UNIQUE (model_id, event_id)
);
CREATE INDEX prediction_events_time ON prediction_events(model_id, ts);

CREATE TABLE monitors (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	model_id BIGINT NOT NULL REFERENCES models(id),
	version TEXT NOT NULL,
	name TEXT NOT NULL,
	config TEXT NOT NULL,
	reference_data BLOB,
	evaluated_to TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX monitors_model ON monitors(model_id);

CREATE TABLE monitor_windows (
	monitor_id BIGINT NOT NULL REFERENCES monitors(id),
	start_at TEXT NOT NULL,
	end_at TEXT NOT NULL,
	events BIGINT NOT NULL,
	labelled BIGINT NOT NULL,
	metrics TEXT NOT NULL,
	drift TEXT NOT NULL DEFAULT '',
	drift_share DOUBLE PRECISION NOT NULL DEFAULT 0,
	dataset_drift INTEGER NOT NULL DEFAULT 0,
	breaches TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (monitor_id, start_at)
);

CREATE TABLE alerts (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	monitor_id BIGINT NOT NULL REFERENCES monitors(id),
	model_id BIGINT NOT NULL REFERENCES models(id),
	kind TEXT NOT NULL,
	status TEXT NOT NULL,
	value DOUBLE PRECISION NOT NULL,
	threshold DOUBLE PRECISION NOT NULL,
	message TEXT NOT NULL,
	opened_at TEXT NOT NULL,
	resolved_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alerts_model ON alerts(model_id, status);

CREATE TABLE retraining_tasks (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	use_case_id BIGINT NOT NULL REFERENCES use_cases(id),
	model_id BIGINT NOT NULL REFERENCES models(id),
	monitor_id BIGINT NOT NULL REFERENCES monitors(id),
	version TEXT NOT NULL,
	status TEXT NOT NULL,
	reason TEXT NOT NULL,
	before_metrics TEXT NOT NULL,
	after_metrics TEXT NOT NULL DEFAULT '',
	new_version TEXT NOT NULL DEFAULT '',
	opened_at TEXT NOT NULL,
	closed_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX retraining_tasks_model ON retraining_tasks(model_id, status);

-- Webhook deliveries are written in the same transaction as the alert
-- they announce and sent afterwards, with retries, until delivered.
CREATE TABLE webhook_outbox (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	url TEXT NOT NULL,
	payload TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TEXT NOT NULL,
	delivered_at TEXT NOT NULL DEFAULT '',
	last_error TEXT NOT NULL DEFAULT ''
);
