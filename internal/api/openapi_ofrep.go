package api

// ofrepPaths documents the OpenFeature Remote Evaluation Protocol's two
// evaluations. They are served at OFREP, not under Prefix: each path
// names that server itself (a path item's servers).
func ofrepPaths() obj {
	servers := []obj{{"url": OFREP, "description": "OFREP, beside the API"}}
	key := []obj{{"name": "key", "in": "path", "required": true, "description": "The flag key: the model's key, never its numeric ID (OFREP names a flag by its key; the switch routes under /api/v1 take either).", "schema": obj{"type": "string"}}}
	body := obj{"content": obj{"application/json": obj{"schema": ref("OFREPRequest")}},
		"description": "Optional. The switches do not target: a context is checked (it must be an object) and not used."}
	badBody := response("PARSE_ERROR: the body is not a JSON object (or not JSON, or, sent without a Content-Length, over 1 MiB); INVALID_CONTEXT: its context is not an object; PARSE_ERROR too for a key or a query parameter that is not UTF-8 text or holds NUL.", ref("OFREPError"))
	return obj{
		"/evaluate/flags/{key}": obj{
			"servers": servers,
			"post": obj{"summary": "Evaluate one switch as an OFREP string flag (any role; a read token is enough).", "operationId": "ofrepEvaluateFlag",
				"parameters": key, "requestBody": body,
				"responses": ofrepErrors(obj{"200": response("The switch as a flag: value and variant are its state; its metadata, its record.", ref("OFREPEvaluation")),
					"400": badBody,
					"404": response("FLAG_NOT_FOUND: no model has this key.", ref("OFREPError"))})},
		},
		"/evaluate/flags": obj{
			"servers": servers,
			"post": obj{"summary": "Evaluate every switch as OFREP string flags (any role; a read token is enough).", "operationId": "ofrepEvaluateFlags",
				"description": "The ETag names the whole list (a hash of each switch's model, key, version, state and fallback): a client polling with If-None-Match (compared weakly) gets 304 until a switch is flipped or a model registered, also after a restore from an export.",
				"parameters":  []obj{{"name": "If-None-Match", "in": "header", "schema": obj{"type": "string"}}},
				"requestBody": body,
				"responses": ofrepErrors(obj{
					"200": func() obj {
						r := response("Every switch as a flag.", obj{"type": "object", "required": []string{"flags"}, "properties": obj{
							"flags": obj{"type": "array", "items": ref("OFREPEvaluation")}}})
						r["headers"] = obj{"ETag": obj{"schema": obj{"type": "string"}}}
						return r
					}(),
					"304": obj{"description": "Nothing changed since the ETag given in If-None-Match."},
					"400": response("PARSE_ERROR or INVALID_CONTEXT, as for one flag (without a key).", ref("OFREPError")),
				})},
		},
	}
}

// ofrepErrors is withErrors for OFREP: its 400, 404 and 5xx answer in
// OFREP's own shape, while a missing or refused credential is answered
// as the API answers it.
//
// A body whose Content-Length is over 1 MiB is refused before it is read,
// as everywhere: 413 in the API's shape.
//
// A failure of the server's (the store's) is answered in OFREP's shape
// too: errorCode GENERAL, with the key for one flag, and always a 500,
// the one server error the protocol lists (ofrepFail).
func ofrepErrors(own obj) obj {
	out := withErrors(obj{}, "413")
	r := response("GENERAL: the server failed (errorDetails says Internal error.), or cannot answer now — its database away, which the rest of the API answers 503: OFREP has no 503, so this is a 500 too, with errorDetails saying so and Retry-After (seconds) as a hint; with the key for one flag.", ref("OFREPError"))
	r["headers"] = obj{"Retry-After": obj{"description": "Sent when the database is away: whole seconds to wait before asking again.", "schema": obj{"type": "integer", "minimum": 1}}}
	out["500"] = r
	for k, v := range own {
		out[k] = v
	}
	return out
}

func ofrepSchemas() obj {
	str := obj{"type": "string"}
	state := obj{"type": "string", "enum": []string{"on", "off", "fallback"}}
	return obj{
		"OFREPRequest": obj{"type": "object", "properties": obj{"context": obj{"type": "object"}}},
		"OFREPEvaluation": obj{"type": "object", "required": []string{"key", "value", "variant", "reason", "metadata"}, "properties": obj{
			"key": str, "value": state, "variant": state,
			"reason": obj{"type": "string", "enum": []string{"STATIC"}},
			"metadata": obj{"type": "object", "required": []string{"version", "changed_at"},
				"description": "The switch's record, under the names of the Switch's fields (OFREP flag metadata: strings and numbers only).",
				"properties": obj{
					"version":    obj{"type": "integer", "description": "The switch's version; increases with every flip."},
					"fallback":   obj{"type": "string", "description": "What to serve instead; only when the state is fallback. Another model's key named here has its own flag, which this one does not follow: serve that model only while its flag is on."},
					"reason":     obj{"type": "string", "description": "Why the switch was last flipped; absent until it is flipped."},
					"changed_by": obj{"type": "string", "description": "Who last flipped it (their e-mail); absent until it is flipped."},
					"via":        obj{"type": "string", "enum": []string{"web", "api", "cli"}, "description": "How it was last flipped: on the web pages, through the API or with the lodestar command; absent until it is flipped."},
					"changed_at": obj{"type": "string", "format": "date-time", "description": "When it was last flipped, or, never flipped, when its model was registered."},
				}},
		}},
		"OFREPError": obj{"type": "object", "required": []string{"errorCode"}, "properties": obj{
			"key":          str,
			"errorCode":    obj{"type": "string", "enum": []string{"PARSE_ERROR", "INVALID_CONTEXT", "FLAG_NOT_FOUND", "GENERAL"}},
			"errorDetails": str,
		}},
	}
}
