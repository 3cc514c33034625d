package api

func experimentPaths() obj {
	notRunning := response("The experiment is not running (a draft takes no data until started; a stopped one none at all).", ref("Error"))
	return obj{
		"/experiments": obj{
			"get": obj{"summary": "List experiments, newest first.", "operationId": "listExperiments",
				"parameters": append([]obj{
					{"name": "use_case_id", "in": "query", "description": "Only this use case's experiments.", "schema": obj{"type": "integer", "minimum": 1}},
					{"name": "status", "in": "query", "schema": obj{"type": "string", "enum": []string{"draft", "running", "stopped"}}},
				}, pageParamsDoc...),
				"responses": withErrors(obj{"200": response("One page of experiments; the cursor is an offset.", pageOf("Experiment"))})},
			"post": obj{"summary": "Design an experiment (a draft) for a use case: a treatment model version against a control version of its models.",
				"operationId": "createExperiment", "requestBody": requiredBody("ExperimentInput"),
				"responses": withErrors(obj{"201": response("The experiment.", ref("Experiment")), "409": response("The key is taken.", ref("Error"))}, "413", "415")},
		},
		"/experiments/{id}": obj{
			"get": obj{"summary": "Get one experiment.", "operationId": "getExperiment", "parameters": idParam(),
				"responses": withErrors(obj{"200": response("The experiment.", ref("Experiment"))}, "404")},
			"put": obj{"summary": "Change a draft's design; its key cannot change (units are assigned by it).", "operationId": "updateExperiment",
				"description": basedOnDoc, "parameters": idParam(), "requestBody": requiredBody("ExperimentUpdate"),
				"responses": withErrors(obj{"200": response("The experiment.", ref("Experiment")), "409": response("The experiment is no longer a draft, or updated_at was sent and it has changed since.", ref("Error"))}, "404", "413", "415")},
		},
		"/experiments/{id}/status": obj{"post": obj{"summary": "Start (running) or stop (stopped) an experiment, saying why; audited.",
			"description": "draft → running → stopped, one step at a time; stopped is final. " + transitionDoc,
			"operationId": "setExperimentStatus", "parameters": idParam(), "requestBody": requiredBody("StatusInput"),
			"responses": withErrors(obj{"200": response("The experiment.", ref("Experiment"))}, "404", "413", "415")}},
		"/experiments/{id}/data": obj{"post": obj{"summary": "Add summed data per variant and metric; all items or none.",
			"description": "For a mean metric send n, sum and sum_squares (Σx and Σx² over n units); for a proportion n and successes. " +
				"Aggregates add to what is stored. A refused item is named in fields as data[i].field and nothing is recorded.",
			"operationId": "addExperimentData", "parameters": idParam(), "requestBody": requiredBody("AggregatesInput"),
			"responses": withErrors(obj{"200": response("How many aggregates were recorded.", obj{"type": "object", "properties": obj{"recorded": obj{"type": "integer"}}}),
				"409": notRunning}, "404", "413", "415")}},
		"/experiments/{id}/observations": obj{"post": obj{"summary": "Stream observations as NDJSON: one JSON object per line.",
			"description": "Content-Type application/x-ndjson (or application/jsonl), at most 16 MiB per request, each line at most 64 KiB, e.g. " +
				"{\"unit\":\"u1\",\"variant\":\"treatment\",\"metrics\":{\"conversion\":1,\"revenue\":12.5}}. " +
				"Blank lines are skipped. A unit's value of a metric counts once: a repeat in the same variant is ignored, and a line all of whose metrics are repeats counts in duplicates (accepted + duplicates + rejected_count is the lines sent, blank ones aside); " +
				"a unit already recorded in the other variant refuses its line. Valid lines are recorded in one transaction, refused lines are reported " +
				"(the first 100, with rejected_count counting all). Proportion values are 0 or 1.",
			"operationId": "ingestObservations", "parameters": idParam(),
			"requestBody": obj{"required": true, "content": obj{"application/x-ndjson": obj{"schema": obj{"type": "string"}}, "application/jsonl": obj{"schema": obj{"type": "string"}}}},
			"responses": withErrors(obj{"200": response("What happened to the lines.", ref("ObservationResult")), "409": notRunning,
				"413": response("Body larger than 16 MiB.", ref("Error")), "415": response("Content-Type is neither application/x-ndjson nor application/jsonl.", ref("Error"))}, "404")}},
		"/experiments/{id}/analysis": obj{"get": obj{"summary": "The experiment's analysis: effects with confidence intervals, p-values, sample-ratio check, guardrails and the verdict.",
			"description": "Means: Welch's t-test with a delta-method interval for the relative change. Proportions: the two-proportion z-test. " +
				"Sample-ratio mismatch: chi-square of the primary metric's units per variant against the planned split, flagged at p < 0.001.",
			"operationId": "analyzeExperiment", "parameters": idParam(),
			"responses": withErrors(obj{"200": response("The analysis.", ref("ExperimentAnalysis"))}, "404")}},
		"/experiments/{id}/assignments": obj{"get": obj{"summary": "The variant each unit gets, by the SDK's Assign: SHA-256 of key, NUL, unit; the top 53 bits as u in [0, 1); treatment when u ≥ 1 − treatment_share.",
			"description": "For checking an implementation of the assignment in another language against Lodestar's.",
			"operationId": "assignUnits", "parameters": append(idParam(), obj{"name": "unit", "in": "query", "required": true,
				"description": "A unit ID (1 to 200 characters, as in the data); repeat for up to 1,000.", "schema": obj{"type": "array", "items": obj{"type": "string"}}, "style": "form", "explode": true}),
			"responses": withErrors(obj{"200": response("One assignment per unit, in the order asked.", obj{"type": "object", "properties": obj{
				"data": obj{"type": "array", "items": obj{"type": "object", "properties": obj{"unit": obj{"type": "string"},
					"variant": obj{"type": "string", "enum": []string{"control", "treatment"}}, "point": obj{"type": "number"}}}},
				"total": obj{"type": "integer"}}})}, "404")}},
	}
}

func experimentSchemas() obj {
	str, num, integer, ts := obj{"type": "string"}, obj{"type": "number"}, obj{"type": "integer"}, obj{"type": "string", "format": "date-time"}
	key := obj{"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,62}$"}
	metric := obj{"type": "object", "required": []string{"name", "kind", "direction"}, "additionalProperties": false, "properties": obj{
		"name": key, "kind": obj{"type": "string", "enum": []string{"mean", "proportion"}},
		"direction":       obj{"type": "string", "enum": []string{"up", "down"}, "description": "up: higher is better; down: lower is better."},
		"max_degradation": obj{"type": "number", "minimum": 0, "maximum": 1, "description": "Guardrails only: the largest acceptable relative change in the bad direction (0.02 = 2% worse)."}}}
	design := obj{"use_case_id": obj{"type": "integer", "minimum": 1}, "key": key, "name": obj{"type": "string", "maxLength": 200},
		"hypothesis": obj{"type": "string", "maxLength": 10000}, "control_version_id": obj{"type": "integer", "minimum": 1},
		"treatment_version_id": obj{"type": "integer", "minimum": 1}, "primary": ref("ExperimentMetric"),
		"guardrails": obj{"type": "array", "maxItems": 10, "items": ref("ExperimentMetric")},
		"alpha":      obj{"type": "number", "exclusiveMinimum": 0, "maximum": 0.5, "default": 0.05},
		"min_sample": obj{"type": "integer", "minimum": 0, "description": "Planned units per variant; 0 for none."},
		"treatment_share": obj{"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "default": 0.5,
			"description": "Planned share of units in treatment; units are assigned by the SDK's hash of the key and the unit ID."}}
	exp := obj{}
	for k, v := range design {
		exp[k] = v
	}
	exp["id"], exp["status"], exp["status_reason"] = integer, obj{"type": "string", "enum": []string{"draft", "running", "stopped"}}, str
	exp["started_at"], exp["stopped_at"], exp["created_at"], exp["updated_at"] = ts, ts, ts, ts
	arm := obj{"type": "object", "properties": obj{"n": integer, "mean": num, "variance": num}}
	interval := obj{"type": "object", "properties": obj{"value": num, "se": num, "lo": num, "hi": num}}
	result := obj{"type": "object", "properties": obj{"metric": ref("ExperimentMetric"),
		"method": obj{"type": "string", "enum": []string{"welch-t", "two-proportion-z"}}, "control": arm, "treatment": arm,
		"diff": interval, "relative": interval, "stat": num, "df": num, "p": num, "significant": obj{"type": "boolean"},
		"error":  obj{"type": "string", "description": "Why the metric cannot be compared yet; the numbers are then zero."},
		"status": obj{"type": "string", "enum": []string{"ok", "violated", "unsure", "no_data"}, "description": "Guardrails only."}}}
	return obj{
		"ExperimentMetric": metric,
		"ExperimentInput":  obj{"type": "object", "additionalProperties": false, "required": []string{"use_case_id", "key", "name", "hypothesis", "control_version_id", "treatment_version_id", "primary"}, "properties": design},
		"Experiment": obj{"type": "object", "required": []string{"id", "use_case_id", "key", "name", "hypothesis", "control_version_id", "treatment_version_id",
			"primary", "guardrails", "alpha", "min_sample", "treatment_share", "status", "created_at", "updated_at"}, "properties": exp},
		"AggregatesInput": obj{"type": "object", "additionalProperties": false, "required": []string{"data"}, "properties": obj{
			"data": obj{"type": "array", "minItems": 1, "maxItems": 1000, "items": obj{"type": "object", "additionalProperties": false,
				"required": []string{"variant", "metric", "n"}, "properties": obj{
					"variant": obj{"type": "string", "enum": []string{"control", "treatment"}}, "metric": str, "n": obj{"type": "integer", "minimum": 1},
					"sum": num, "sum_squares": num, "successes": obj{"type": "integer", "minimum": 0}}}}}},
		"ObservationResult": obj{"type": "object", "properties": obj{"accepted": integer, "duplicates": integer, "rejected_count": integer,
			"rejected": obj{"type": "array", "items": obj{"type": "object", "properties": obj{"line": integer, "error": str}}}}},
		"ExperimentAnalysis": obj{"type": "object", "properties": obj{"experiment_id": integer, "alpha": num, "min_sample": integer, "treatment_share": num,
			"primary": result, "guardrails": obj{"type": "array", "items": result},
			"srm": obj{"type": "object", "properties": obj{"observed": obj{"type": "array", "items": integer}, "expected": obj{"type": "array", "items": num},
				"chi_square": num, "p": num, "mismatch": obj{"type": "boolean"}}},
			"verdict": obj{"type": "object", "properties": obj{"decision": obj{"type": "string", "enum": []string{"ship", "do-not-ship", "keep-running"}},
				"reason": str, "metric": str,
				"code": obj{"type": "string", "description": "The rule that decided: srm, min_sample, primary_worse, guardrail_violated, guardrail_unsure, ship, no_effect, not_yet, no_data, guardrail_no_data."}}}}},
	}
}
