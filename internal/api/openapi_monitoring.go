package api

import (
	"fmt"
	"strconv"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
	"github.com/lodestar-hq/lodestar/internal/ingest"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

func modelRefParam() []obj {
	return []obj{{"name": "model", "in": "path", "required": true, "description": "The model's key (or its numeric id when no model has that key).",
		"schema": obj{"type": "string"}}}
}

func ndjsonBody(line string, desc string) obj {
	return obj{"required": true, "description": desc, "content": obj{
		"application/x-ndjson": obj{"schema": obj{"type": "string", "description": "One " + line + " object per line (see the schema of that name)."}},
		"application/jsonl":    obj{"schema": obj{"type": "string"}},
	}}
}

func monitoringPaths() obj {
	limits := "At most " + strconv.Itoa(10000) + " lines (blank ones aside) and 8 MiB per request (413 beyond). " +
		"The body may be gzip-encoded (Content-Encoding: gzip; the limits count the decompressed lines); another coding, " +
		"or a charset other than UTF-8, is a 415. A UTF-8 byte-order mark, CRLF line endings, blank lines and a last line " +
		"without a newline are taken; a blank line (empty or white space only) is skipped, neither reported nor counted toward the 10,000, but line numbers count every line, blank ones too. "
	ingestErrors := func(ok obj) obj {
		out := withErrors(ok, "404")
		out["403"] = response("The caller's role or token scope does not allow this, or the token is bound to other models (lodestar token create --models): the message names the model as the path gives it. A bound token gets this 403 for any model outside its binding, there or not (never a 404 that would tell it which keys exist).", ref("Error"))
		out["413"] = response("More than 10,000 lines or 8 MiB.", ref("Error"))
		out["415"] = response("Content-Type is not application/x-ndjson (or application/jsonl) in UTF-8, or Content-Encoding is neither gzip nor absent (the answer's Accept-Encoding says gzip).", ref("Error"))
		tooMany := response("Over the server's per-token ingestion rate (serve --ingest-rate, lines a second, events and labels alike): the whole batch is refused, nothing of it stored; send it again after Retry-After.", ref("Error"))
		tooMany["headers"] = obj{"Retry-After": obj{"description": "Whole seconds, at least 1, until the batch would be taken.", "schema": obj{"type": "integer", "minimum": 1}}}
		out["429"] = tooMany
		return out
	}
	return obj{
		"/models/{model}/events": obj{"post": obj{"summary": "Send a batch of prediction events (token scope ingest or write).",
			"description": limits + "Idempotent by event id: a retried batch is counted once (duplicates), and an id repeated within a batch keeps its first line, the identical others counted in duplicates. " +
				"An id sent again with other content (another time, features, prediction or label, each value as written; fields and features in any order are the same content) is no retry: that line is refused, in rejected with code id_conflict, and the stored event is kept as it was. Each invalid line is reported by number and reason; " +
				"the valid ones are stored. The answer comes only after the batch is committed to the database. " +
				"Events of a version the model has not registered are stored too, but no monitor reads them until a version of that name is registered: " +
				"unregistered_versions lists those versions of the batch (empty when there are none), with each version's events counted once, as ingestion counts them: an id repeated within the batch is one event, a line refused is none; " +
				"a retried batch names its versions again, its events still unwatched. retired_versions lists the batch's events of retired versions the same way.",
			"operationId": "ingestEvents", "parameters": modelRefParam(), "requestBody": ndjsonBody("EventLine", "Prediction events."),
			"responses": ingestErrors(obj{"200": response("What was stored.", ref("IngestResult"))})}},
		"/models/{model}/labels": obj{"post": obj{"summary": "Attach labels to earlier events by id (token scope ingest or write).",
			"description": limits + "Unknown ids are listed with their line, not stored. An id labelled twice in a batch takes its last label, counted once in updated.",
			"operationId": "ingestLabels", "parameters": modelRefParam(), "requestBody": ndjsonBody("LabelLine", "Labels."),
			"responses": ingestErrors(obj{"200": response("What was updated.", ref("LabelResult"))})}},
		"/models/{id}/unregistered-versions": obj{"get": obj{"summary": "The versions of a model's stored events that it has not registered, the most recent first.",
			"description": "Events are stored whatever their version, and a monitor reads only its own version's: these are watched by no monitor (often a misspelling, v2.0 for 2.0). " +
				"Each stored event is counted once, however often it was sent. Registering a version of the same name takes it off this list, and its monitors read the events already stored.",
			"operationId": "listUnregisteredVersions", "parameters": append(idParam(), pageParamsDoc...),
			"responses": withErrors(obj{"200": response("One page of versions with their events' count and latest time; the cursor is an offset.", pageOf("VersionEvents"))}, "404")}},
		"/models/{id}/monitors": obj{
			"get": obj{"summary": "A model's monitors, oldest first.", "operationId": "listMonitors", "parameters": append(idParam(), pageParamsDoc...),
				"responses": withErrors(obj{"200": response("One page of the model's monitors; the cursor is an offset.", pageOf("Monitor"))}, "404")},
			"post": obj{"summary": "Create a monitor for one version of the model.", "operationId": "createMonitor", "parameters": idParam(),
				"description": "The reference is a dataset sent inline — CSV text in reference.csv, or any file (CSV or Parquet, told by content) base64-encoded in reference.data; at most 20 MiB — or a time range of the model's events. " +
					"Features default to the dataset's columns (numeric when every value is a number); id, time, version, prediction, label and latency_ms are never features.",
				"requestBody": requiredBody("MonitorInput"),
				"responses":   monitorCreateErrors()},
		},
		"/monitors/{id}": obj{"get": obj{"summary": "One monitor.", "operationId": "getMonitor", "parameters": idParam(),
			"responses": withErrors(obj{"200": response("The monitor.", ref("Monitor"))}, "404")},
			"patch": obj{"summary": "Edit a monitor's name, thresholds, alert_after, resolve_after, retrain_after, remind_after or webhook (roles admin, ai_team).",
				"description": "Only the fields sent change; thresholds are merged into the monitor's own (a threshold left out stays as it is; 0 or false turns one off). " +
					"updated_at is required: the monitor's updated_at as read; if it changed since (someone else edited it), the edit is refused with 409 and nothing changes. " +
					"The result is checked as a new monitor is (the same 400 field errors). version, task, threshold, classes, numeric, categorical, groups, exclude, window and reference cannot change " +
					"(the stored windows were computed with them): sending one is a 400 naming it — create a new monitor instead. " +
					"webhook_url empty, absent, or as the monitor's JSON shows it (scheme and host) keeps the address; clear_webhook removes it. " +
					"Windows evaluated before the edit keep their breaches; windows evaluated after it (and windows recomputed with from) are judged with the new settings, " +
					"so an open alert that no longer breaches resolves (recovered) once resolve_after good windows follow. An edit that turns a kind's threshold off resolves that kind's open alerts at once (resolution unwatched). " +
					"Audited as update with the changed fields, before and after, the webhook shown as scheme and host only.",
				"operationId": "updateMonitor", "parameters": idParam(), "requestBody": requiredBody("MonitorEditInput"),
				"responses": withErrors(obj{"200": response("The monitor as edited.", ref("Monitor")),
					"409": response("The monitor changed since updated_at, or its new name is another monitor's of the same version.", ref("Error"))}, "404", "413", "415")}},
		"/monitors/{id}/pause": obj{"post": obj{"summary": "Pause a monitor (roles admin, ai_team): it is not evaluated until resumed.",
			"description": "The reason is required. A paused monitor is skipped by the server's evaluation loop and POST …/evaluate answers 409; its open alerts stay open. " +
				"Its events are still stored, and those it has not evaluated are kept whatever --event-retention says: resumed, it evaluates the windows it missed on the next run. Audited. A paused monitor is a 409.",
			"operationId": "pauseMonitor", "parameters": idParam(), "requestBody": requiredBody("PauseInput"),
			"responses": withErrors(obj{"200": response("The monitor, paused (paused_at, paused_by, pause_reason).", ref("Monitor")),
				"409": response("The monitor is paused already.", ref("Error"))}, "404", "413", "415")}},
		"/monitors/{id}/copy": obj{"post": obj{"summary": "Copy a monitor to another version of its model (roles admin, ai_team): a new monitor with the same settings.",
			"description": "The copy has the monitor's task, features, window, thresholds, alert, resolve and retraining rules and webhook, and its reference: " +
				"the same dataset, or — for a monitor whose reference is a range of its version's events — the range of the new version's events given in reference. " +
				"It is checked and audited as a new monitor: the version must exist and the name (the monitor's own unless given) be free on it.",
			"operationId": "copyMonitor", "parameters": idParam(), "requestBody": requiredBody("CopyMonitorInput"),
			"responses": withErrors(obj{"201": response("The new monitor.", ref("Monitor")),
				"409": response("The version has a monitor of that name.", ref("Error"))}, "404", "413", "415")}},
		"/monitors/{id}/resume": obj{"post": obj{"summary": "Resume a paused monitor (roles admin, ai_team).",
			"description": "The next evaluation evaluates every window closed since the last one evaluated before the pause. Audited. A monitor that is not paused is a 409.",
			"operationId": "resumeMonitor", "parameters": idParam(), "requestBody": requiredBody("ResumeInput"),
			"responses": withErrors(obj{"200": response("The monitor, running.", ref("Monitor")),
				"409": response("The monitor is not paused.", ref("Error"))}, "404", "413", "415")}},
		"/monitors/{id}/windows": obj{"get": obj{"summary": "A monitor's evaluated windows, oldest first.", "operationId": "listMonitorWindows",
			"description": "Every window, page by page: follow next_cursor (the last window's start) to the newest; total counts them all.",
			"parameters":  append(idParam(), pageParamsDoc...), "responses": withErrors(obj{"200": response("One page of windows.", pageOf("WindowResult"))}, "404")}},
		"/monitors/{id}/evaluate": obj{"post": obj{"summary": "Evaluate the windows closed since the last evaluation now (the server also does this every --monitor-interval).",
			"description": "With from, windows from that time are recomputed (for labels that came late); alerts are decided only on windows not seen before.",
			"operationId": "evaluateMonitor", "parameters": idParam(), "requestBody": requiredBody("EvaluateInput"),
			"responses": withErrors(obj{"200": response("What the evaluation found.", ref("Evaluation")), "409": response("The reference is not ready, or the monitor is paused.", ref("Error"))}, "404", "413", "415")}},
		"/alerts": obj{"get": obj{"summary": "Alerts, newest first.", "operationId": "listAlerts",
			"parameters": append([]obj{{"name": "model_id", "in": "query", "schema": obj{"type": "integer", "minimum": 1}},
				{"name": "status", "in": "query", "description": "open: only open alerts; anything else is a 400 naming status.", "schema": obj{"type": "string", "enum": []string{"open"}}}}, pageParamsDoc...),
			"responses": withErrors(obj{"200": response("One page of alerts; the cursor is the last alert's id.", pageOf("Alert"))})}},
		"/alerts/{id}/acknowledge": obj{"post": obj{"summary": "Acknowledge an open alert: the caller has taken it on (roles admin, ai_team, risk_officer).",
			"description": "Records who, when and the note; audited. A resolved alert, or one acknowledged already, is a 409.",
			"operationId": "acknowledgeAlert", "parameters": idParam(), "requestBody": requiredBody("AcknowledgeInput"),
			"responses": withErrors(obj{"200": response("The alert, acknowledged.", ref("Alert"))}, "404", "409", "413", "415")}},
		"/retraining-tasks": obj{"get": obj{"summary": "Retraining tasks, newest first.", "operationId": "listRetrainingTasks",
			"parameters": append([]obj{{"name": "use_case_id", "in": "query", "schema": obj{"type": "integer", "minimum": 1}}}, pageParamsDoc...),
			"responses":  withErrors(obj{"200": response("One page of tasks; the cursor is the last task's id.", pageOf("RetrainingTask"))})}},
		"/metrics": obj{"get": obj{"summary": "The models' state for Prometheus: switches, versions, open alerts and retraining tasks, each monitor's latest window.",
			"description": "Prometheus text exposition format, read from the database at each scrape. Scrape it with a read-scope token " +
				"(authorization credentials in the scrape configuration). Series: lodestar_model_switch_state{model,state}, " +
				"lodestar_model_switch_version{model}, lodestar_model_versions{model,status}, lodestar_model_alerts_open{model,kind,acknowledged}, " +
				"lodestar_model_retraining_tasks_open{model}, lodestar_monitor_info{monitor,model,version,name,window,task}, lodestar_monitor_paused, lodestar_monitor_retired, " +
				"lodestar_monitor_evaluated_to_timestamp_seconds, lodestar_monitor_window_end_timestamp_seconds, lodestar_monitor_window_events, " +
				"lodestar_monitor_window_labelled_events, lodestar_monitor_window_metric{metric}, lodestar_monitor_window_drift_share and " +
				"lodestar_monitor_window_breach{kind} (monitor, model and version labelled).",
			"operationId": "modelMetrics",
			"responses": withErrors(obj{"200": obj{"description": "The series, in Prometheus' text format.",
				"content": obj{"text/plain": obj{"schema": obj{"type": "string"}}}}})}},
	}
}

func monitoringSchemas() obj {
	str, ts, num, integer := obj{"type": "string"}, obj{"type": "string", "format": "date-time"}, obj{"type": "number"}, obj{"type": "integer"}
	nullNum := obj{"type": []string{"number", "null"}}
	strs := obj{"type": "array", "items": str}
	metrics := obj{"type": "object", "additionalProperties": num}
	boolLabel := "true and false are a classification label, stored as sent and read by each monitor of the event's version as its task reads them: a binary monitor as 1 and 0, a multiclass one as its class named true or false (in any letter case), else 1 or 0. " +
		"A version with a regression monitor (its labels are numbers), or a multiclass monitor with no class for the value, refuses them, line by line, naming the version (and the classes); other versions' lines are stored. A retired version's monitors decide them too (a recomputation still reads its labels). " +
		"The refusal is a line's last reason: a line with another fault is refused for that. " +
		"One stored before such a monitor was made is no label for it."
	lineErrs := obj{"type": "array", "items": obj{"type": "object", "properties": obj{"line": integer, "id": str, "error": str,
		"code": obj{"type": "string", "enum": []string{lodestar.LineIDConflict}, "description": "A reason a client may act on, when the line has one: id_conflict, the event id is taken by an event with other content (an earlier batch's, or an earlier line's of this batch)."}}}}
	thresholds := obj{"type": "object", "additionalProperties": false, "properties": obj{
		"min_accuracy":       obj{"type": "number", "minimum": 0, "maximum": 1, "description": "0: off."},
		"max_latency_p95_ms": obj{"type": "number", "minimum": 0, "description": "Milliseconds; 0: off."},
		"min_events":         obj{"type": "integer", "minimum": 0, "description": "0: off."},
		"max_events":         obj{"type": "integer", "minimum": 0, "description": "0: off; otherwise not below min_events (a 400 naming thresholds.min_events)."},
		"drift":              obj{"type": "boolean", "description": "Dataset drift breaches."},
		"drift_p_value":      obj{"type": "number", "minimum": 0, "exclusiveMaximum": 1, "description": "0: the default. A bad drift threshold is a 400 naming thresholds.drift."},
		"drift_psi":          obj{"type": "number", "minimum": 0, "description": "0: the default."},
		"drift_distance": obj{"type": "number", "minimum": 0, "maximum": monitor.JensenShannonMax,
			"description": "0: the default. It serves both Wasserstein and Jensen–Shannon, which never exceeds √ln 2 ≈ 0.83."},
		"drift_share":                    obj{"type": "number", "minimum": 0, "maximum": 1, "description": "0: the default."},
		"drift_numeric_test":             obj{"type": "string", "enum": []string{"auto", "ks", "wasserstein", "psi"}, "description": "The test deciding a numeric feature's drift (default auto: KS with at most 1,000 reference values, else Wasserstein)."},
		"drift_categorical_test":         obj{"type": "string", "enum": []string{"auto", "chi2", "jensenshannon", "psi"}, "description": "The test deciding a categorical feature's drift (default auto: chi-square with at most 1,000 reference values, else Jensen–Shannon)."},
		"fairness":                       obj{"type": "boolean", "description": "Fairness breaches (binary classifiers with group attributes): the smallest impact ratio below fairness_min_impact_ratio, or the equal-opportunity difference above fairness_max_equal_opportunity, over group values with at least fairness_min_group events."},
		"fairness_min_impact_ratio":      obj{"type": "number", "minimum": 0, "maximum": 1, "description": "0: 0.8 (the four-fifths rule)."},
		"fairness_max_equal_opportunity": obj{"type": "number", "minimum": 0, "maximum": 1, "description": "Largest TPR gap between group values (labelled events); 0: not judged."},
		"fairness_min_group":             obj{"type": "integer", "minimum": 0, "maximum": 1000000, "description": "Events a group value needs in a window to decide; 0: 30. Smaller ones are reported only."},
		"fairness_favourable":            obj{"type": "string", "enum": []string{"positive", "negative"}, "description": "The favourable prediction (negative: the positive prediction is adverse, a risk flag); impact ratios compare its rates. Default positive."},
		"data_quality":                   obj{"type": "boolean", "description": "Data quality breaches: a feature with at least quality_min_events events whose missing share rises above the reference's by more than quality_max_missing_increase, whose values fall outside the reference's range (numeric) or are new to it (categorical) in a share above quality_max_out_of_range or quality_max_new_values."},
		"quality_max_missing_increase":   obj{"type": "number", "minimum": 0, "maximum": 1, "description": "0: 0.05 (five points); 1: off."},
		"quality_max_out_of_range":       obj{"type": "number", "minimum": 0, "maximum": 1, "description": "0: 0.05; 1: off."},
		"quality_max_new_values":         obj{"type": "number", "minimum": 0, "maximum": 1, "description": "0: 0.05; 1: off."},
		"quality_min_events":             obj{"type": "integer", "minimum": 0, "maximum": 1000000, "description": "Events a feature needs in a window to decide; 0: 30."}}}
	featureQuality := obj{"type": "object", "properties": obj{"feature": str, "kind": obj{"type": "string", "enum": []string{"numeric", "categorical"}},
		"events": integer, "missing": integer, "missing_share": nullNum, "reference_missing_share": nullNum,
		"reference_min": num, "reference_max": num, "below": integer, "above": integer,
		"out_of_range_share": obj{"type": "number", "description": "Numeric: the share of values below reference_min or above reference_max (the reference's whole range)."},
		"new_values":         obj{"type": "integer", "description": "Categorical: values the reference never had."},
		"new_value_share":    obj{"type": "number", "description": "Categorical: their share of the values; absent when either side had too many distinct values to know."},
		"new_examples":       obj{"type": "array", "items": str, "description": "Up to five of them, most frequent first."},
		"decides":            obj{"type": "boolean", "description": "At least quality_min_events events: may breach."}}}
	groupFairness := obj{"type": "object", "properties": obj{"group": str, "events": integer, "labelled": integer,
		"decides":          obj{"type": "boolean", "description": "At least min_group_size events: takes part in the reference and the min impact ratio."},
		"decides_labelled": obj{"type": "boolean", "description": "At least min_group_size labelled events (binary: with both outcomes): takes part in the TPR/FPR differences."},
		"selection_rate":   num, "impact_ratio": obj{"type": "number", "description": "Rate of the favourable prediction over the reference value's."},
		"tpr": num, "fpr": num, "tp": integer, "fp": integer, "tn": integer, "fn": integer,
		"accuracy": num, "mae": num}}
	windowFairness := obj{"type": "object", "properties": obj{"attribute": str, "min_group_size": integer,
		"favourable": obj{"type": "string", "enum": []string{"positive", "negative"}}, "reference": str,
		"min_impact_ratio": nullNum, "demographic_parity_difference": nullNum, "equal_opportunity_difference": nullNum, "equalized_odds_difference": nullNum,
		"accuracy_gap": num, "mae_gap": num, "groups": obj{"type": "array", "items": groupFairness}}}
	window := obj{"type": "string", "description": "hour, day or events:N (N from 10 to 10,000,000)."}
	windowIn := obj{"type": "string", "pattern": "^(hour|day|events:[0-9]+)$", "description": "hour, day or events:N (N from 10 to 10,000,000)."}
	name := obj{"type": "string", "minLength": 1, "maxLength": lodestar.MaxTitle, "pattern": `\S`,
		"description": fmt.Sprintf("1 to %d characters once leading and trailing spaces are trimmed; blank is refused.", lodestar.MaxTitle)}
	// names are a list of columns or classes: each 1 to 200 characters,
	// not blank, none twice; null is taken as absent.
	names := func(max int, desc string) obj {
		return obj{"type": []string{"array", "null"}, "maxItems": max, "uniqueItems": true, "description": desc + " null: as absent.",
			"items": obj{"type": "string", "minLength": 1, "maxLength": lodestar.MaxTitle, "pattern": `\S`}}
	}
	webhook := obj{"type": "string", "format": "uri", "maxLength": lodestar.MaxWebhookURL, "pattern": "^([hH][tT][tT][pP][sS]?://.+)?$",
		"description": "An http:// or https:// address with a host, at most 2,000 characters (bytes); empty: none."}
	task := obj{"type": "string", "enum": []string{"binary", "multiclass", "regression"}}
	eventID := obj{"type": "string", "minLength": 1, "maxLength": ingest.MaxIDLen}
	return obj{
		"EventLine": obj{"type": "object", "required": []string{"id", "version", "prediction"}, "additionalProperties": false, "properties": obj{
			"id": eventID, "time": obj{"type": []string{"string", "null"}, "format": "date-time", "description": "RFC 3339, from 1970 (UTC) to a day ahead of the server's clock; absent or null: when the batch arrived."}, "version": obj{"type": "string", "minLength": 1, "maxLength": ingest.MaxVersionLen},
			"features":   obj{"type": []string{"object", "null"}, "maxProperties": ingest.MaxFeatures, "additionalProperties": obj{"type": []string{"number", "string", "null"}}},
			"prediction": obj{"type": []string{"number", "string"}, "description": "Binary: the score in [0, 1]; regression: the value; multiclass: the class name."},
			"label":      obj{"type": []string{"number", "string", "boolean", "null"}, "description": "Read as the monitor's task reads it: a binary monitor's 0 or 1 and a regression monitor's number as a JSON number or a string holding one (\"1\"); a multiclass monitor's class by its name or a number naming it. Any other label leaves the event unlabelled. " + boolLabel}, "latency_ms": obj{"type": []string{"number", "null"}, "minimum": 0},
			"groups": obj{"type": []string{"object", "null"}, "maxProperties": ingest.MaxGroups, "additionalProperties": obj{"type": []string{"string", "null"}}}}},
		"LabelLine": obj{"type": "object", "required": []string{"id", "label"}, "additionalProperties": false, "properties": obj{
			"id": eventID, "label": obj{"type": []string{"number", "string", "boolean"}, "description": "As an event's label: read as the monitor's task reads it. " + boolLabel}}},
		"IngestResult": obj{"type": "object", "properties": obj{"accepted": integer, "duplicates": integer, "rejected": lineErrs,
			"unregistered_versions": obj{"type": "array", "items": ref("VersionEvents"),
				"description": "The versions of the batch's valid events (new or duplicate) that the model has not registered: stored, but watched by no monitor until registered. Empty when there are none."},
			"retired_versions": obj{"type": "array", "items": ref("VersionEvents"),
				"description": "The versions of the batch's valid events (new or duplicate) that the model has retired: stored, but a retired version's monitors are not evaluated. Empty when there are none."}}},
		"VersionEvents": obj{"type": "object", "properties": obj{"version": str, "events": integer, "last_event_at": ts},
			"description": "How many events carry a version string, and the latest one's time."},
		"LabelResult": obj{"type": "object", "properties": obj{"updated": integer, "unknown": lineErrs, "rejected": lineErrs}},
		"MonitorInput": obj{"type": "object", "required": []string{"version", "name", "window", "reference"}, "additionalProperties": false, "properties": obj{
			"version": str, "name": name, "task": obj{"type": "string", "enum": []string{"binary", "multiclass", "regression"}, "default": "binary"},
			"threshold": obj{"type": "number", "minimum": 0, "maximum": 1, "description": "Binary: the score threshold (0: 0.5)."},
			"classes":   names(1000, "Multiclass: the class names, at least two (a multiclass monitor without them is a 400 naming classes)."),
			"numeric":   names(1000, "Numeric features."), "categorical": names(1000, "Categorical features; none of them also numeric."),
			"groups": names(50, "Group attributes (fairness)."),
			"exclude": obj{"type": []string{"array", "null"}, "items": str,
				"description": "Columns of the reference dataset that are not features (the label, an ID), when numeric and categorical are not given. null: as absent."},
			"window": windowIn, "thresholds": thresholds, "retrain_after": obj{"type": "integer", "minimum": 0, "maximum": 100},
			"alert_after":   obj{"type": "integer", "minimum": 0, "maximum": 100, "description": "Breaching windows in a row that open an alert (0: 1)."},
			"resolve_after": obj{"type": "integer", "minimum": 0, "maximum": 100, "description": "Good windows in a row that resolve it (0: 1)."},
			"remind_after":  obj{"type": "integer", "minimum": 0, "maximum": 720, "description": "Hours after which an open alert nobody has acknowledged is announced to the webhook again (event alert.reminder), and again every as many hours until it is acknowledged or resolved; 0 (the default): never. A paused monitor's alerts are not reminded of."},
			"webhook_url":   webhook,
			"reference": obj{"type": "object", "additionalProperties": false, "properties": obj{
				"kind": obj{"type": "string", "enum": []string{"dataset", "events"}}, "from": ts, "to": ts, "file_name": str, "csv": str, "data": obj{"type": "string", "contentEncoding": "base64"}}}}},
		"Monitor": obj{"type": "object", "required": []string{"id", "model_id", "version", "name", "task", "numeric", "categorical", "groups", "window",
			"reference", "thresholds", "retrain_after", "alert_after", "resolve_after", "remind_after", "created_at", "updated_at"},
			"properties": obj{"id": integer, "model_id": integer, "version": str, "name": str, "task": task,
				"threshold": num, "classes": strs, "numeric": strs, "categorical": strs, "groups": strs, "window": window,
				"reference": obj{"type": "object", "properties": obj{"kind": str, "from": ts, "to": ts, "file_name": str, "format": str, "rows": integer, "sha256": str,
					"unreadable":            obj{"type": "integer", "description": "The reference's rows or events left out of it. A dataset's rows whose numeric feature's cell is neither a number nor missing, counted when the monitor is made (a dataset none of whose rows can be read is refused); an event range's events the monitor could not read (a binary score outside [0, 1] or not a number, a class not among the monitor's classes), counted each time the reference is built, so it may grow as the range fills. Absent when none."},
					"unreadable_reason":     obj{"type": "string", "description": "Why the first row or event left out could not be read, e.g. line 7: column \"age\": \"unknown\" is not a number, or score 1.4 is outside [0, 1]; absent when none."},
					"features_left_out":     obj{"type": "integer", "description": "An event range whose features were taken from its events (numeric and categorical not given): how many feature names of its first 10,000 events the monitor does not follow — a name blank or longer than 200 characters, beyond the first 1,000 numeric or categorical features, or beyond the first 2,000 names seen. Absent when none."},
					"features_left_out_why": obj{"type": "array", "items": str, "description": "Why, one reason an item, in English, e.g. 2 beyond the first 1000 numeric features; absent when none. features_left_out_reasons says the same for a program."},
					"features_left_out_reasons": obj{"type": "array", "description": "The reasons of features_left_out_why, in its order, each a stable code with its figures; absent when none, and on a monitor made before they were recorded (its features_left_out_why alone says why).",
						"items": obj{"type": "object", "required": []string{"code", "count", "limit", "message"}, "properties": obj{
							"code":    obj{"type": "string", "enum": []string{lodestar.LeftOutName, lodestar.LeftOutNumeric, lodestar.LeftOutCategorical, lodestar.LeftOutNames}, "description": "name_blank_or_too_long: a name blank or longer than limit characters; beyond_numeric_limit, beyond_categorical_limit: beyond the first limit features of the kind; beyond_names_seen_limit: beyond the first limit names seen."},
							"count":   obj{"type": "integer", "description": "How many features this reason left out."},
							"limit":   obj{"type": "integer", "description": "The rule's number: 200 characters, 1000 features of a kind, 2000 names."},
							"first":   obj{"type": "string", "description": "name_blank_or_too_long only: the first name left out, cut to 40 characters with … added (\"\" for a blank one)."},
							"message": obj{"type": "string", "description": "The reason in English, as features_left_out_why has it."}}}}}},
				"thresholds": thresholds, "retrain_after": integer, "alert_after": integer, "resolve_after": integer,
				"remind_after": obj{"type": "integer", "description": "Hours between reminders of an open, unacknowledged alert (0: none)."}, "webhook_url": obj{"type": "string", "description": "Scheme and host only (its path and query may hold a secret)."}, "evaluated_to": ts,
				"paused_at":      obj{"type": "string", "format": "date-time", "description": "When it was paused; absent while it runs."},
				"version_status": obj{"type": "string", "enum": []string{"development", "staging", "production", "retired"}, "description": "Its model version's status; a retired version's monitors are not evaluated. Absent when the version is not registered."},
				"paused_by":      obj{"type": "string", "description": "Who paused it."}, "pause_reason": obj{"type": "string", "description": "Why it was paused."},
				"created_at": ts, "updated_at": obj{"type": "string", "format": "date-time", "description": "When it was created or its settings last edited: send it back to edit it (PATCH)."},
				"trend": obj{"type": "object", "additionalProperties": ref("MetricTrend"),
					"description": "Only in GET /monitors/{id}: the change since the monitor's first windows, by metric (accuracy, precision, recall, f1, auc, log_loss, mae, rmse — those its windows hold — and latency_p95). " +
						"Each is the mean over the first windows against the mean over the latest: 7 windows at each end (24 for hourly windows), or half the windows that have the metric when they are fewer than twice that, so the two ends never share a window. " +
						"A window counts for a quality metric when it has the metric and labelled events, weighted by them; for latency_p95 when it has events, weighted by them. " +
						"A metric fewer than two windows have is absent; {} when none has two."}}},
		"MetricTrend": obj{"type": "object", "description": "One metric's change from the monitor's first windows to its latest.", "properties": obj{
			"first": num, "last": num, "difference": obj{"type": "number", "description": "last − first."},
			"change":       obj{"type": "number", "description": "The relative change, (last − first) / |first|: −0.2 is a fall of 20%. Absent when first is 0."},
			"windows":      obj{"type": "integer", "description": "How many windows each mean is over."},
			"first_from":   obj{"type": "string", "format": "date-time", "description": "The start of the first window of the first span."},
			"first_to":     obj{"type": "string", "format": "date-time", "description": "The end of the last window of the first span."},
			"last_from":    obj{"type": "string", "format": "date-time", "description": "The start of the first window of the latest span."},
			"last_to":      obj{"type": "string", "format": "date-time", "description": "The end of the latest window counted."},
			"weighted_by":  obj{"type": "string", "enum": []string{"labelled", "events"}},
			"first_weight": obj{"type": "integer", "description": "The labelled events (or events) of the first span."},
			"last_weight":  obj{"type": "integer", "description": "The labelled events (or events) of the latest span."}}},
		"MonitorEditInput": obj{"type": "object", "required": []string{"updated_at"}, "additionalProperties": false, "properties": obj{
			"updated_at": obj{"type": "string", "format": "date-time", "description": "The monitor's updated_at as read."},
			"name":       name, "thresholds": obj{"type": "object", "additionalProperties": false, "properties": thresholds["properties"], "description": "Merged into the monitor's thresholds: those left out stay."},
			"retrain_after": obj{"type": "integer", "minimum": 0, "maximum": 100},
			"alert_after":   obj{"type": "integer", "minimum": 0, "maximum": 100, "description": "Breaching windows in a row that open an alert (0: 1)."},
			"resolve_after": obj{"type": "integer", "minimum": 0, "maximum": 100, "description": "Good windows in a row that resolve it (0: 1)."},
			"remind_after":  obj{"type": "integer", "minimum": 0, "maximum": 720, "description": "Hours after which an open alert nobody has acknowledged is announced to the webhook again (event alert.reminder), and again every as many hours until it is acknowledged or resolved; 0 (the default): never. A paused monitor's alerts are not reminded of."},
			"webhook_url": obj{"type": "string", "maxLength": lodestar.MaxWebhookURL, "pattern": "^([hH][tT][tT][pP][sS]?://.+)?$",
				"description": "A new http(s) address with a host, at most 2,000 characters (bytes); empty, or the address as shown, keeps it."},
			"clear_webhook": obj{"type": "boolean", "description": "Remove the webhook address."}}},
		"ResumeInput": obj{"type": "object", "additionalProperties": false, "properties": obj{}, "description": "Nothing: send {}."},
		"CopyMonitorInput": obj{"type": "object", "required": []string{"version"}, "additionalProperties": false, "properties": obj{
			"version": obj{"type": "string", "description": "The version of the same model the copy watches."},
			"name":    obj{"type": "string", "description": "The copy's name; the monitor's own when absent."},
			"reference": obj{"type": "object", "additionalProperties": false, "required": []string{"from", "to"},
				"description": "Only for a monitor whose reference is a range of events: the range of the new version's events.",
				"properties":  obj{"from": obj{"type": "string", "format": "date-time"}, "to": obj{"type": "string", "format": "date-time"}}}}},
		"PauseInput": obj{"type": "object", "required": []string{"reason"}, "additionalProperties": false, "properties": obj{
			"reason": obj{"type": "string", "minLength": 1, "maxLength": 1000, "description": "Why the monitor is paused."}}},
		"WindowResult": obj{"type": "object", "properties": obj{"monitor_id": integer, "start": ts, "end": ts, "events": integer, "labelled": integer,
			"unreadable":        obj{"type": "integer", "description": "The version's events in the window's time range that the monitor could not read (a binary score outside [0, 1] or not a number, a class not among the monitor's classes): accepted at ingest, but in no metric and not in events."},
			"unreadable_reason": obj{"type": "string", "description": "Why the window's first unreadable event could not be read, e.g. score 1.4 is outside [0, 1]; absent when none."},
			"metrics":           metrics, "drift": ref("DatasetDrift"),
			"drift_share": num, "dataset_drift": obj{"type": "boolean", "description": "true when at least the monitor's share of the tested features drifted. false also when no feature could be tested (drift.tested is 0): that is undetermined, not a finding of no drift (drift_verdict says which), and such a window neither opens nor resolves a drift alert."},
			"drift_verdict": obj{"type": "string", "enum": []string{"drift", "no_drift", "undetermined"}, "description": "The window's drift verdict: undetermined when no feature could be tested (drift.tested is 0). Absent when the window has no drift result (the monitor has no reference)."},
			"breaches":      strs,
			"fairness":      obj{"type": "array", "items": windowFairness, "description": "Fairness per group attribute, through the fairness audit's definitions; figures are null when undefined (summary ones need two group values that decide). The metrics carry min_impact_ratio, equal_opportunity_difference, equalized_odds_difference (binary), accuracy_gap or mae_gap."},
			"quality":       obj{"type": "array", "items": featureQuality, "description": "Each feature's data quality against the reference. The metrics carry max_missing_increase, max_out_of_range_share and max_new_value_share over the features that decide."}}},
		"DatasetDrift": obj{"type": "object", "description": "The drift engine's result for a window: each feature's test and the verdict over them.",
			"properties": obj{"columns": obj{"type": "array", "items": ref("FeatureDrift")}, "tested": integer, "drifted": integer,
				"share_drifted": num, "share_threshold": num, "dataset_drift": obj{"type": "boolean", "description": "false also when tested is 0: undetermined, not no drift."}}},
		"FeatureDrift": obj{"type": "object", "description": "One feature's drift: the test that decided (statistic, p-value for a test, threshold) and every statistic computed; null where a figure does not apply.",
			"properties": obj{"name": str, "kind": obj{"type": "string", "enum": []string{"numeric", "categorical"}},
				"test":      obj{"type": "string", "description": "ks, wasserstein, psi, chi2, jensenshannon, or none (not tested: see note)."},
				"statistic": nullNum,
				"p_value":   obj{"type": []string{"number", "null"}, "description": "The deciding test's p-value (ks, chi2); null for a distance, except the Jensen–Shannon distance the automatic choice made, where it is chi-square's over the same categories (significance_test chi2), which had to be below p_value_threshold too for the feature to drift."},
				"threshold": nullNum, "drifted": obj{"type": "boolean"},
				"significance_test": obj{"type": "string", "description": "chi2 when the verdict of a distance (the Jensen–Shannon distance the automatic choice made) also needed chi-square's p-value (p_value) below p_value_threshold, so that a distance within sampling noise is no drift; absent otherwise."},
				"p_value_threshold": obj{"type": "number", "description": "With significance_test: the p-value threshold it was held against (the monitor's drift_p_value); absent otherwise."},
				"psi":               nullNum,
				"psi_level":         str, "ks": nullNum, "ks_p_value": nullNum, "ks_method": str, "ks_upper_bound": nullNum,
				"wasserstein_norm": nullNum, "wasserstein_error_bound": nullNum, "chi2": nullNum, "chi2_p_value": nullNum, "jensenshannon": nullNum,
				"method": str, "reference_count": integer, "current_count": integer, "reference_missing": integer, "current_missing": integer,
				"categories":        integer,
				"pooled_categories": obj{"type": "integer", "description": "Of the categories, how many were pooled into one bin before chi-square, Jensen–Shannon and PSI, each expected fewer than 5 times both in the reference and in the window (the sample's size × the category's count in both ÷ both counts, chi-square's expected count); absent when none were. With every category pooled the feature is not tested (test none, note sparse: …)."},
				"note":              obj{"type": "string", "description": "Why the feature was not tested, or how it was, in English (the health page shows it translated): e.g. id-like: …, sparse: …, pooled into one bin: …, within sampling noise: …."}}},
		"Alert": obj{"type": "object", "required": []string{"id", "monitor_id", "model_id", "version", "kind", "status", "value", "threshold", "message", "opened_at"},
			"properties": obj{"id": integer, "monitor_id": integer, "model_id": integer,
				"version": obj{"type": "string", "description": "The model version the alert's monitor watches: during a canary two versions of one model may alert at once."},
				"kind":    obj{"type": "string", "enum": []string{"accuracy", "latency", "volume", "drift", "fairness", "data_quality"}}, "status": obj{"type": "string", "enum": []string{"open", "resolved"}},
				"value":     obj{"type": "number", "description": "The breaching figure of the breach's first window — the window opened_at is the start of — as message words it; not the window that made the breach alert_after windows long."},
				"threshold": num, "message": str,
				"opened_at":       obj{"type": "string", "format": "date-time", "description": "The start of the breach's first window."},
				"resolved_at":     ts,
				"resolution":      obj{"type": "string", "enum": []string{"recovered", "withdrawn", "retired", "unwatched"}, "description": "Why it was resolved: later windows no longer breach; windows recomputed (late or corrected labels) show it never breached — resolved at its own start, kept as history; its version was retired; or an edit of its monitor turned its kind's threshold off. Absent while open, and on alerts resolved before it was recorded."},
				"acknowledged_at": ts, "acknowledged_by": str, "acknowledgement": obj{"type": "string", "description": "The note of whoever acknowledged it."},
				"last_notified_at": obj{"type": "string", "format": "date-time", "description": "When it was last announced to its monitor's webhook: opened, opened again or reminded (alert.reminder). Absent on an alert never announced: one opened while its monitor had no webhook (nothing was sent); a webhook added later reminds of it remind_after hours after it opened."},
				"reminders":        obj{"type": "integer", "description": "How many alert.reminder announcements it has had; absent when none."}}},
		"RetrainingTask": obj{"type": "object", "required": []string{"id", "use_case_id", "model_id", "monitor_id", "version", "status", "reason", "before", "opened_at"},
			"properties": obj{"id": integer, "use_case_id": integer, "model_id": integer, "monitor_id": integer,
				"version": str, "status": obj{"type": "string", "enum": []string{"open", "closed", "withdrawn"}},
				"reason": obj{"type": "string", "description": "Why it opened, in English: the retrain_after (or more) windows in a row to its end, each breaching accuracy or drift, and how many breached each when both did — e.g. \"Accuracy or drift breached in each of 7 windows in a row, to 2026-08-29T00:00:00Z: accuracy in 5, drift in 4.\""},
				"before": metrics, "after": metrics,
				"new_version": str, "opened_at": ts, "closed_at": ts}},
		"EvaluateInput": obj{"type": "object", "additionalProperties": false, "properties": obj{"from": ts}},
		"AcknowledgeInput": obj{"type": "object", "required": []string{"note"}, "additionalProperties": false, "properties": obj{
			"note": obj{"type": "string", "minLength": 1, "maxLength": 1000, "description": "What is being done about the alert."}}},
		"Evaluation": obj{"type": "object", "properties": obj{"windows": obj{"type": "array", "items": ref("WindowResult")},
			"opened": obj{"type": "array", "items": ref("Alert")}, "resolved": obj{"type": "array", "items": ref("Alert")},
			"reopened":  obj{"type": "array", "items": ref("Alert"), "description": "Resolved alerts whose breach the recomputed windows show still running: open again (announced as alert.opened again)."},
			"corrected": obj{"type": "array", "items": ref("Alert"), "description": "Alerts whose breach the recomputed windows date differently (it started earlier, or recovered at another window), their status unchanged."},
			"tasks":     obj{"type": "array", "items": ref("RetrainingTask")}}},
	}
}

// monitorCreateErrors are createMonitor's answers: its body may carry a
// 20 MiB reference, base64-encoded, so its 413 is not the default 1 MiB.
func monitorCreateErrors() obj {
	out := withErrors(obj{"201": response("The monitor.", ref("Monitor"))}, "404", "415")
	out["413"] = response(fmt.Sprintf("Body larger than %.1f MiB (a %d MiB reference, base64-encoded, and the rest).",
		float64(MaxMonitorBody)/(1<<20), monitoring.MaxReferenceBytes>>20), ref("Error"))
	return out
}
