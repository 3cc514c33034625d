package api

// evidenceUploadErrors are an upload's refusals besides the usual ones.
func evidenceUploadErrors(ok obj) obj {
	out := withErrors(ok, "404")
	out["409"] = response("This version already has this evidence: the same input with the same parameters.", ref("Error"))
	out["413"] = response("Body larger than 32 MiB.", ref("Error"))
	out["415"] = response("Content-Type is neither application/json nor multipart/form-data.", ref("Error"))
	return out
}

func exportOp(summary, id, csvDesc string) obj {
	return obj{"summary": summary, "operationId": id,
		"parameters": append(idParam(), obj{"name": "format", "in": "query", "description": "json (default) or csv; anything else is a 400 naming format.",
			"schema": obj{"type": "string", "enum": []string{"json", "csv"}, "default": "json"}}),
		"responses": withErrors(obj{"200": obj{"description": "A download (Content-Disposition: attachment). " + csvDesc + " The CSV starts with a UTF-8 byte-order mark (for Excel).", "content": obj{
			"application/json": obj{"schema": obj{"type": "object"}}, "text/csv": obj{"schema": obj{"type": "string"}}}}}, "404")}
}

// versionListOp documents the paged list of a model version's evidence
// of one kind (item, a schema).
func versionListOp(summary, id, pageDesc, item string) obj {
	return obj{"summary": summary, "operationId": id, "parameters": append(idParam(), pageParamsDoc...),
		"responses": withErrors(obj{"200": response(pageDesc, pageOf(item))}, "404")}
}

// uploadOp documents the upload of evidence to a model version: a JSON
// body (schema input) or multipart form (schema upload), answered 201
// with created.
func uploadOp(summary, desc, id, input, upload string, created obj) obj {
	return obj{"summary": summary, "description": desc, "operationId": id, "parameters": idParam(),
		"requestBody": obj{"required": true, "content": obj{
			"application/json":    obj{"schema": ref(input)},
			"multipart/form-data": obj{"schema": ref(upload)}}},
		"responses": evidenceUploadErrors(obj{"201": created})}
}

func evidencePaths() obj {
	uploadDoc := "Send JSON (the file as text in data) or multipart/form-data (the file as a part, the other fields as form fields). " +
		"Lodestar runs its engine on the upload and stores the result with the parameters and the input's SHA-256; malformed input is refused " +
		"naming the field and nothing is stored. Body at most 32 MiB."
	return obj{
		"/model-versions/{id}/fairness-audits": obj{
			"get": versionListOp("A model version's fairness audits, newest first.", "listFairnessAudits",
				"One page of the version's audits; the cursor is an offset.", "FairnessAudit"),
			"post": uploadOp("Audit a classifier's decisions for group fairness (evidence writers: admin, AI team, risk officer).",
				uploadDoc+" Rows hold a group, a true label and a predicted class (or a score with a threshold); columns are named by header or as #N. "+
					"The figures follow sklearn.metrics and fairlearn definitions, so `lodestar fairness` or fairlearn's MetricFrame on the same file give the same numbers.",
				"createFairnessAudit", "FairnessAuditInput", "FairnessAuditUpload", response("The stored audit.", ref("FairnessAudit"))),
		},
		"/fairness-audits/{id}": obj{"get": obj{"summary": "One fairness audit with its report.", "operationId": "getFairnessAudit", "parameters": idParam(),
			"responses": withErrors(obj{"200": response("The audit.", ref("FairnessAudit"))}, "404")}},
		"/fairness-audits/{id}/export": obj{"get": exportOp("Download a fairness audit.", "exportFairnessAudit",
			"JSON: the stored audit. CSV: one figure per row with columns scope, group, metric, value, ci_lo, ci_hi (as `lodestar fairness --format csv`).")},
		"/model-versions/{id}/explanations": obj{
			"get": versionListOp("A model version's explanation reports, newest first.", "listExplanations",
				"One page of the version's reports; the cursor is an offset.", "ExplanationReport"),
			"post": uploadOp("Explain an XGBoost model on a sample with TreeSHAP (evidence writers: admin, AI team, risk officer).",
				uploadDoc+" The model is the JSON that Booster.save_model(\"model.json\") writes; the sample's columns are matched to the model's "+
					"feature names (or by position when it has none); at most 10,000 rows. SHAP values equal xgboost's predict(pred_contribs=True).",
				"createExplanation", "ExplanationInput", "ExplanationUpload", response("The stored report.", ref("ExplanationReport"))),
		},
		"/explanations/{id}": obj{"get": obj{"summary": "One explanation report.", "operationId": "getExplanation", "parameters": idParam(),
			"responses": withErrors(obj{"200": response("The report.", ref("ExplanationReport"))}, "404")}},
		"/explanations/{id}/export": obj{"get": exportOp("Download an explanation report.", "exportExplanation",
			"JSON: the stored report. CSV: columns scope, line, feature, value — the importance per feature, then each kept row's SHAP values, bias, margin and prediction.")},
	}
}

func evidenceSchemas() obj {
	str, ts, integer := obj{"type": "string"}, obj{"type": "string", "format": "date-time"}, obj{"type": "integer"}
	col := func(desc string) obj {
		return obj{"type": "string", "maxLength": 200, "description": desc + " A header name, or #N for the N-th column (needed when names repeat)."}
	}
	fairnessParams := obj{
		"group_column":        col("The column holding the group."),
		"label_column":        col("The column holding the true outcome (binary)."),
		"prediction_column":   col("The column holding the predicted class (binary); or give score_column and threshold."),
		"score_column":        col("The column holding a score; a score ≥ threshold is predicted positive."),
		"threshold":           obj{"type": "number"},
		"positive_label":      obj{"type": "string", "description": "The label value meaning positive; default: recognise 1/0, true/false, yes/no."},
		"positive_prediction": obj{"type": "string", "description": "The prediction column's positive value when it differs from the label's."},
		"favourable":          obj{"type": "string", "enum": []string{"positive", "negative"}, "default": "positive", "description": "Which prediction is the favourable outcome for the people decided on. positive (approved, hired): the impact ratio and the four-fifths rule compare selection rates. negative (the positive prediction is adverse: a fraud or high-risk flag, a rejection): they compare each group's rate of the negative prediction (1 − selection rate), the reference being the group with the highest such rate. Demographic parity, TPR, FPR and the other figures keep their definitions. Any other value is refused (400, field favourable); stored params omit it when positive."},
		"reference":           obj{"type": "string", "description": "The group disparate impact is measured against; default: the group with the highest rate of the favourable outcome."},
		"bootstrap":           obj{"type": "integer", "minimum": 0, "maximum": 10000, "description": "Bootstrap replicates for confidence intervals: 0 (none) or 100 to 10,000; 1 to 99 are refused (too few for a percentile interval)."},
		"seed":                obj{"type": "integer", "minimum": 0, "default": 1, "description": "Bootstrap seed; the same file, parameters and seed give the same intervals. Default 1 for a JSON body and a multipart upload alike (as on the web and the command line); 0 is a seed like any other."},
		"level":               obj{"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "default": 0.95},
		"stratified":          obj{"type": "boolean", "description": "Resample within groups (fixed group sizes)."},
		"encoding":            obj{"type": "string", "enum": []string{"", "utf-8", "gb18030", "gbk", "windows-1252", "latin1"}, "description": "Default: detected."},
		"separator":           obj{"type": "string", "enum": []string{"", "comma", "semicolon", "tab"}, "description": "Default: detected from the header."},
	}
	with := func(base obj, extra obj) obj {
		out := obj{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	title := obj{"type": "string", "maxLength": 200, "description": "Default: the file's name."}
	explainParams := obj{
		"rows_shown": obj{"type": "integer", "minimum": 1, "maximum": 50, "default": 5, "description": "How many rows, from the top of the sample, keep their own explanation."},
		"encoding":   fairnessParams["encoding"], "separator": fairnessParams["separator"],
	}
	return obj{
		"FairnessParams": obj{"type": "object", "properties": fairnessParams},
		"FairnessAuditInput": obj{"type": "object", "additionalProperties": false, "required": []string{"data", "group_column", "label_column"},
			"properties": with(fairnessParams, obj{"title": title, "file_name": str,
				"data": obj{"type": "string", "description": "The CSV text: a header line, then one row per decision."}})},
		"FairnessAuditUpload": obj{"type": "object", "required": []string{"file", "group_column", "label_column"},
			"properties": with(fairnessParams, obj{"title": title, "file": obj{"type": "string", "format": "binary"}})},
		"FairnessAudit": obj{"type": "object", "properties": obj{
			"id": integer, "model_version_id": integer, "title": str, "file_name": str,
			"sha256": obj{"type": "string", "description": "SHA-256 of the uploaded file's bytes (of data's UTF-8 bytes for a JSON body)."},
			"rows":   integer, "params": ref("FairnessParams"),
			"result":     obj{"type": "object", "description": "The fairness engine's report: groups (n, counts, base_rate, selection_rate, tpr, fpr, fnr, ppv, accuracy, impact_ratio, adverse_impact), overall, reference and reference_rule, favourable (the prediction whose rate impact_ratio, min_impact_ratio and four_fifths_rule_met compare: positive or negative), demographic parity difference and ratio (on selection rates), equalized-odds and equal-opportunity differences, min_impact_ratio, four_fifths_rule_met, bootstrap. Each figure is {value, ci}; an undefined value is null."},
			"flags":      obj{"type": "array", "items": obj{"type": "string", "enum": []string{"four_fifths_failed", "equalized_odds_gap"}}},
			"created_by": integer, "created_by_name": str, "created_at": ts}},
		"ExplanationParams": obj{"type": "object", "properties": explainParams},
		"ExplanationInput": obj{"type": "object", "additionalProperties": false, "required": []string{"model", "data"},
			"properties": with(explainParams, obj{"title": title, "model_file_name": str, "data_file_name": str,
				"model": obj{"type": "object", "description": "The XGBoost model as saved by Booster.save_model(\"model.json\")."},
				"data":  obj{"type": "string", "description": "The sample as CSV text, a header line first."}})},
		"ExplanationUpload": obj{"type": "object", "required": []string{"model", "data"},
			"properties": with(explainParams, obj{"title": title, "model": obj{"type": "string", "format": "binary"}, "data": obj{"type": "string", "format": "binary"}})},
		"ExplanationReport": obj{"type": "object", "properties": obj{
			"id": integer, "model_version_id": integer, "title": str, "model_file_name": str, "model_sha256": str, "data_file_name": str, "data_sha256": str,
			"rows": integer, "params": ref("ExplanationParams"),
			"result":     obj{"type": "object", "description": "model (objective, link, trees, max_depth, num_feature, base_score, expected_value), features, bias, importance (feature, mean |SHAP|, most important first), rows (line, margin, prediction, shap per feature), max_additivity_error. SHAP values are in margin space."},
			"created_by": integer, "created_by_name": str, "created_at": ts}},
	}
}
