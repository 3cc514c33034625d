package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func jsonBody(schema obj) obj {
	return obj{"content": obj{"application/json": obj{"schema": schema}}}
}

func response(desc string, schema obj) obj {
	r := jsonBody(schema)
	r["description"] = desc
	return r
}

var errorResponses = obj{
	"400": response("Invalid input; fields names each offending field.", ref("Error")),
	"401": response("Missing, invalid or revoked credentials.", ref("Error")),
	"403": response("The caller's role or token scope does not allow this.", ref("Error")),
}

func withErrors(ok obj, extra ...string) obj {
	out := obj{}
	for k, v := range ok {
		out[k] = v
	}
	for k, v := range errorResponses {
		out[k] = v
	}
	for _, code := range extra {
		out[code] = response(map[string]string{
			"404": "Not found.", "413": "Body larger than 1 MiB.", "415": "Content-Type is not application/json.",
		}[code], ref("Error"))
	}
	return out
}

var pageParamsDoc = []obj{
	{"name": "limit", "in": "query", "description": "Page size, 1 to 200 (default 50). Larger values are rejected with 400.",
		"schema": obj{"type": "integer", "minimum": 1, "maximum": MaxPageSize, "default": DefaultPageSize}},
	{"name": "cursor", "in": "query", "description": "The next_cursor of the previous page; anything else that is not a positive integer is a 400 naming cursor.",
		"schema": obj{"type": "string", "pattern": "^[1-9][0-9]*$"}, "example": "50"},
}

func pageOf(item string) obj {
	return obj{"type": "object", "required": []string{"data", "total"}, "properties": obj{
		"data":        obj{"type": "array", "items": ref(item)},
		"total":       obj{"type": "integer", "minimum": 0, "description": "Items matching the filter, across all pages; 0 for an empty list."},
		"next_cursor": obj{"type": "string", "description": "Pass as cursor to get the next page; absent on the last page."},
	}}
}

// cursorPageOf is a page without a total (the audit log's).
func cursorPageOf(item string) obj {
	return obj{"type": "object", "required": []string{"data"}, "properties": obj{
		"data":        obj{"type": "array", "items": ref(item)},
		"next_cursor": obj{"type": "string", "description": "Pass as cursor to get the next (older) page; absent on the last page."},
	}}
}

// Document returns the OpenAPI 3.1 description of the API. Paths are
// relative to the server URL /api/v1, except OFREP's, which name their
// own (/ofrep/v1).
func Document() obj {
	doc := baseDocument()
	paths := doc["paths"].(obj)
	schemas := doc["components"].(obj)["schemas"].(obj)
	// Each area of the API adds its paths (merging methods into a path
	// another area started) and its schemas.
	for _, area := range [][2]obj{
		{strategyPaths(), strategySchemas()},
		{modelPaths(), modelSchemas()},
		{monitoringPaths(), monitoringSchemas()},
		{evidencePaths(), evidenceSchemas()},
		{experimentPaths(), experimentSchemas()},
		{ofrepPaths(), ofrepSchemas()},
	} {
		for p, item := range area[0] {
			if _, ok := paths[p]; !ok {
				paths[p] = obj{}
			}
			for m, op := range item.(obj) {
				paths[p].(obj)[m] = op
			}
		}
		for n, sc := range area[1] {
			schemas[n] = sc
		}
	}
	// An update (PUT) takes its input's fields and the optional
	// updated_at it is based on.
	for put, in := range updateInputs {
		schemas[put] = wholePut(withBasedOn(schemas[in].(obj)), putKept[put]...)
	}
	useCaseUpdateStage(schemas["UseCaseUpdate"].(obj))
	withBodyErrors(paths)
	return doc
}

// withBodyErrors gives every operation that takes a body the refusals
// of one too large (413) or of another type (415), as the server answers
// them for every such route, where the operation does not document its
// own (the NDJSON ingestion routes, a monitor's larger limit).
func withBodyErrors(paths obj) {
	for _, item := range paths {
		for m, op := range item.(obj) {
			op, ok := op.(obj)
			if !httpMethods[m] || !ok || op["requestBody"] == nil {
				continue
			}
			responses := op["responses"].(obj)
			for _, code := range []string{"413", "415"} {
				if _, ok := responses[code]; !ok {
					responses[code] = withErrors(obj{}, code)[code]
				}
			}
		}
	}
}

// useCaseUpdateStage documents an update's stage: not a new use case's
// starting stage but the one it is in, which an update cannot change.
func useCaseUpdateStage(schema obj) {
	props := obj{}
	for k, v := range schema["properties"].(obj) {
		props[k] = v
	}
	props["stage"] = obj{"type": "string", "enum": []string{"idea", "assessment", "approved", "pilot", "scaling", "operating", "rejected", "retired"},
		"description": "Optional; if sent, it must equal the use case's current stage (400 otherwise). Change the stage with POST /use-cases/{id}/stage."}
	schema["properties"] = props
}

// updateInputs are the update bodies (PUT) by the input each extends
// with updated_at (withBasedOn).
var updateInputs = map[string]string{"BusinessUnitUpdate": "BusinessUnitInput", "GoalUpdate": "GoalInput", "KPIUpdate": "KPIInput",
	"PainPointUpdate": "PainPointInput", "UseCaseUpdate": "NewUseCase", "ModelUpdate": "ModelInput", "ExperimentUpdate": "ExperimentInput"}

// putKept are the fields of an update body (PUT) that it may leave out,
// besides updated_at: those it cannot change (a use case's stage, a
// model's or experiment's key), which leaving out erases nothing.
var putKept = map[string][]string{"UseCaseUpdate": {"stage"}, "ModelUpdate": {"key"}, "ExperimentUpdate": {"key"}}

// wholePut is a copy of schema, a PUT's body, requiring every property
// but updated_at and kept: a PUT replaces the whole record (putWholeDoc).
func wholePut(schema obj, kept ...string) obj {
	var required []string
	for k := range schema["properties"].(obj) {
		if k != "updated_at" && !slices.Contains(kept, k) {
			required = append(required, k)
		}
	}
	slices.Sort(required)
	out := obj{}
	for k, v := range schema {
		out[k] = v
	}
	out["required"] = required
	if d, ok := schema["description"].(string); ok {
		out["description"] = d + " In a PUT, each field must be present (\"\" for none): the PUT replaces them all."
	}
	return out
}

// putWholeDoc says that a PUT replaces the whole record.
const putWholeDoc = "A PUT replaces the whole record: send every field GET returns but the read-only ones (id, archived, created_at …), changed or not. " +
	"A body missing one is a 400 whose fields name each missing field, and nothing changes — a field left out is never read as empty. " +
	"Only updated_at, and a field the PUT cannot change (a use case's stage, a model's or experiment's key), may be left out. "

// basedOnDoc is how an update (PUT) avoids overwriting a change made
// meanwhile.
const basedOnDoc = putWholeDoc + "To avoid overwriting someone else's change, send the record's updated_at as you read it: if the record has changed since, " +
	"the update is refused with 409 and nothing changes; read it again and redo the update. updated_at is optional: left out, the update is made " +
	"whatever changed meanwhile. A create takes none (400)."

// withBasedOn is schema, an input object's, with the optional updated_at
// of an update based on the record as read (basedOnDoc).
func withBasedOn(schema obj) obj {
	return withOptionalUpdatedAt(schema, "Optional: the record's updated_at as read. If the record has changed since, the update is refused with 409.")
}

func baseDocument() obj {
	ts := obj{"type": "string", "format": "date-time"}
	return obj{
		"openapi": "3.1.0",
		"info": obj{"title": "Lodestar API", "version": "1",
			"description": "Lodestar's REST API. Authenticate with `Authorization: Bearer <token>` (create one with `lodestar token create`). " +
				"Errors share one shape: {\"error\":{\"code\",\"message\",\"fields\"}}. Lists are paged with limit (max 200) and cursor. " +
				"Every operation takes only the query parameters it lists, and most list none (one record's read, every write, upload and " +
				"ingestion, the stream, this document): any other (a misspelt filter, another list's, a body's field such as updated_at or " +
				"version sent in the query), a malformed value (an id that is not a positive integer, a value outside the enum), an empty one or a " +
				"parameter given twice is a 400 whose fields name it, never an unfiltered answer nor a write made without it (nothing is written). " +
				"Request bodies are limited to 1 MiB; unknown fields and wrong types are rejected naming the field."},
		"servers":  []obj{{"url": Prefix}},
		"security": []obj{{"bearer": []string{}}},
		"paths": obj{
			"/openapi.json": obj{"get": obj{"summary": "This document.", "operationId": "getOpenAPI", "security": []obj{},
				"responses": obj{"200": response("The OpenAPI document.", obj{"type": "object", "additionalProperties": true}),
					"400": errorResponses["400"]}}},
			"/me": obj{"get": obj{"summary": "The caller.", "operationId": "getMe",
				"responses": withErrors(obj{"200": response("The caller's user, token scopes and locale.", ref("Me"))})}},
			"/use-cases": obj{
				"get": obj{"summary": "List use cases, newest first.", "operationId": "listUseCases",
					"parameters": append([]obj{{"name": "q", "in": "query", "description": "Text to find in title or description.", "schema": obj{"type": "string"}},
						{"name": "business_unit_id", "in": "query", "description": "Only this business unit's use cases.", "schema": obj{"type": "integer", "minimum": 1}},
						{"name": "stage", "in": "query", "schema": obj{"type": "string", "enum": []string{"idea", "assessment", "approved", "pilot", "scaling", "operating", "rejected", "retired"}}},
						{"name": "alignment", "in": "query", "schema": obj{"type": "string", "enum": []string{"aligned", "misaligned"}}},
						{"name": "archived", "in": "query", "description": "true to include archived use cases; true or false, anything else is a 400 naming archived.", "schema": obj{"type": "boolean"}},
						{"name": "active", "in": "query", "description": "true for work still under way only: rejected and retired use cases left out (what the home page counts); true or false, anything else is a 400 naming active.", "schema": obj{"type": "boolean"}},
						{"name": "sort", "in": "query", "description": "score, title, value, feasibility, cost or updated, each with - for descending; without it, newest first. With a sort, the cursor is an offset. Any other value is a 400 naming sort.",
							"schema": obj{"type": "string", "enum": []string{"score", "-score", "title", "-title", "value", "-value", "feasibility", "-feasibility", "cost", "-cost", "updated", "-updated"}}}}, pageParamsDoc...),
					"responses": withErrors(obj{"200": response("One page of use cases.", pageOf("UseCase"))})},
				"post": obj{"summary": "Create a use case.", "operationId": "createUseCase",
					"requestBody": func() obj { b := jsonBody(ref("NewUseCase")); b["required"] = true; return b }(),
					"responses": withErrors(obj{"201": response("The created use case.", ref("UseCase")),
						"409": response("A live use case of the same business unit (or, without one, among use cases with none) has this title in either language, ignoring case; nothing was created. The message names it and its ID.", ref("Error"))}, "413", "415")},
			},
			"/use-cases/{id}": obj{"get": obj{"summary": "Get one use case.", "operationId": "getUseCase",
				"parameters": []obj{{"name": "id", "in": "path", "required": true, "schema": obj{"type": "integer"}}},
				"responses":  withErrors(obj{"200": response("The use case.", ref("UseCase"))}, "404")}},
			"/audit": obj{"get": obj{"summary": "List audit events, newest first.", "operationId": "listAudit",
				"parameters": append([]obj{
					{"name": "actor", "in": "query", "schema": obj{"type": "string"}},
					{"name": "action", "in": "query", "schema": obj{"type": "string"}},
					{"name": "entity_type", "in": "query", "schema": obj{"type": "string"}},
					{"name": "entity_id", "in": "query", "schema": obj{"type": "string"}},
					{"name": "from", "in": "query", "description": "Events at or after: a date (YYYY-MM-DD, UTC) or an RFC 3339 time.", "schema": obj{"type": "string"}, "example": "2026-03-01"},
					{"name": "to", "in": "query", "description": "Events before: an RFC 3339 time, or a date (UTC), whose whole day is included.", "schema": obj{"type": "string"}, "example": "2026-03-31T18:00:00Z"},
				}, pageParamsDoc...),
				"description": "Paged by sequence number (the cursor); the log is not counted, so pages carry no total. A malformed from or to, or to not after from, is a 400 naming the field.",
				"responses":   withErrors(obj{"200": response("One page of audit events, without a total.", cursorPageOf("AuditEvent"))})}},
		},
		"components": obj{
			"securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer"}},
			"schemas": obj{
				"Error": obj{"type": "object", "required": []string{"error"}, "properties": obj{"error": obj{
					"type": "object", "required": []string{"code", "message"}, "properties": obj{
						"code":    obj{"type": "string", "enum": []string{"invalid", "unauthorized", "forbidden", "not_found", "method_not_allowed", "conflict", "too_large", "unsupported_media", "too_many_requests", "internal", "unavailable"}},
						"message": obj{"type": "string"},
						"fields":  obj{"type": "object", "additionalProperties": obj{"type": "string"}},
						"current": obj{"type": "object", "description": "On a 409 for a write based on a version the record has moved on from: the record as it is now " +
							"(for a switch flip, the Switch: its version, state, fallback, who flipped it, how and when)."},
					}}}},
				"NewUseCase": obj{"type": "object", "required": []string{"title"}, "additionalProperties": false, "properties": obj{
					"title":       obj{"type": "string", "minLength": 1, "maxLength": 200},
					"description": obj{"type": "string", "maxLength": 10000},
				}},
				"UseCase": obj{"type": "object", "properties": obj{
					"id": obj{"type": "integer"}, "title": obj{"type": "string"}, "description": obj{"type": "string"},
					"created_by": obj{"type": "integer"}, "created_at": ts, "updated_at": ts,
				}},
				"User": obj{"type": "object", "properties": obj{
					"id": obj{"type": "integer"}, "email": obj{"type": "string"}, "name": obj{"type": "string"},
					"role":   obj{"type": "string", "enum": []string{"admin", "committee", "business_owner", "ai_team", "risk_officer", "data_steward", "viewer"}},
					"locale": obj{"type": "string"}, "disabled": obj{"type": "boolean"}, "created_at": ts, "updated_at": ts, "last_login_at": ts,
				}},
				"Me": obj{"type": "object", "properties": obj{"user": ref("User"), "locale": obj{"type": "string"},
					"scopes": obj{"type": "array", "items": obj{"type": "string", "enum": []string{"read", "write", "ingest"}}},
					"models": obj{"type": "array", "items": obj{"type": "string"},
						"description": "The keys of the models the token is bound to: it may send events and labels to these only. Absent: every model."}}},
				"AuditEvent": obj{"type": "object", "properties": obj{
					"seq": obj{"type": "integer"}, "at": ts, "actor_id": obj{"type": "integer"}, "actor": obj{"type": "string"},
					"action": obj{"type": "string"}, "entity_type": obj{"type": "string"}, "entity_id": obj{"type": "string"},
					"before":    obj{"type": "string", "description": "JSON of the entity before the change."},
					"after":     obj{"type": "string", "description": "JSON of the entity after the change."},
					"prev_hash": obj{"type": "string"}, "hash": obj{"type": "string"},
				}},
			},
		},
	}
}

// DocumentedRoutes lists "METHOD /api/v1/path" for every operation in the
// document (a path that names its own server, as OFREP's do, under that
// server's URL), for the test that keeps it and the route table in step.
func DocumentedRoutes() []string {
	var out []string
	for p, item := range Document()["paths"].(obj) {
		prefix := Prefix
		if sv, ok := item.(obj)["servers"].([]obj); ok && len(sv) > 0 {
			prefix = sv[0]["url"].(string)
		}
		for m := range item.(obj) {
			if httpMethods[m] {
				out = append(out, strings.ToUpper(m)+" "+prefix+p)
			}
		}
	}
	return out
}

// httpMethods are the keys of a path item that are operations (the
// others: servers, parameters, summary, description).
var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r); err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, Document())
}

// transitionDoc is how every lifecycle change (a use case's stage, a
// model version's or an experiment's status) refuses a change its
// lifecycle does not allow.
const transitionDoc = "A change the lifecycle does not allow from the current state is a 400 (invalid) naming the field, as is a change " +
	"to the state it is already in, which says so (\"already …\"); 409 is kept for an archived record or a write that lost a race."

// fromConflictDoc is what the refusal of a stage or status change based
// on a stage or status the record has left says.
const fromConflictDoc = "Send from — the stage or status you read — so that a decision made meanwhile (approved, shipped) is not silently reversed; " +
	"the refusal names the stage or status now and who changed it when."

// lowerFirst is s with its first letter in lower case, for a sentence
// made a clause of another.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func idParam() []obj {
	return []obj{{"name": "id", "in": "path", "required": true, "schema": obj{"type": "integer", "minimum": 1}}}
}

func requiredBody(schema string) obj {
	b := jsonBody(ref(schema))
	b["required"] = true
	return b
}

// crudPaths documents the five routes every strategy entity has. dup
// says which name a create (or a rename) may not take: the store's
// uniqueness rule, refused with 409.
func crudPaths(paths obj, path, name, plural, dup string, filters []obj) {
	paths[path] = obj{
		"get": obj{"summary": "List " + plural + ".", "operationId": "list" + name + "s",
			"parameters": append(append([]obj{
				{"name": "q", "in": "query", "description": "Text to find in the name or title, in either language.", "schema": obj{"type": "string"}},
				{"name": "archived", "in": "query", "description": "true to include archived records; true or false, anything else is a 400 naming archived.", "schema": obj{"type": "boolean"}},
			}, filters...), pageParamsDoc...),
			"description": "Only the parameters listed here are taken: another list's filter (status on KPIs, say), a misspelt one (stauts), one given twice or an unknown value is a 400 naming the parameter, never an empty or unfiltered list.",
			"responses":   withErrors(obj{"200": response("One page of "+plural+"; the cursor is an offset.", pageOf(name))})},
		"post": obj{"summary": "Create a " + name + ".", "operationId": "create" + name, "requestBody": requiredBody(name + "Input"),
			"responses": withErrors(obj{"201": response("The created record.", ref(name)),
				"409": response(dup+"; nothing was created. The message names the record holding the name and its ID.", ref("Error"))}, "413", "415")},
	}
	paths[path+"/{id}"] = obj{
		"get": obj{"summary": "Get one " + name + ".", "operationId": "get" + name, "parameters": idParam(),
			"responses": withErrors(obj{"200": response("The record.", ref(name))}, "404")},
		"put": obj{"summary": "Replace a " + name + "'s fields.", "description": basedOnDoc, "operationId": "update" + name, "parameters": idParam(),
			"requestBody": requiredBody(name + "Update"),
			"responses": withErrors(obj{"200": response("The updated record.", ref(name)),
				"409": response("updated_at was sent and the record has changed since, or the record is archived, or "+lowerFirst(dup)+"; nothing was changed.", ref("Error"))}, "404", "413", "415")},
	}
	paths[path+"/{id}/archive"] = obj{
		"post": obj{"summary": "Archive or restore a " + name + ".", "operationId": "archive" + name, "parameters": idParam(),
			"requestBody": requiredBody("ArchiveInput"),
			"responses":   withErrors(obj{"200": response("The record.", ref(name)), "409": response(archiveConflict(name, dup), ref("Error"))}, "404")},
	}
}

// archiveConflict is what an archive's 409 says: the record is in that
// state already, or, restored, it would be live beside one holding its
// name (the rule every write keeps; a business unit's name is unique
// archived or not, so one cannot meet it).
func archiveConflict(name, dup string) string {
	if name == "BusinessUnit" {
		return "Already in that state: \"Nothing to change.\"; nothing was changed."
	}
	return "Already in that state (\"Nothing to change.\"), or, restoring, " + lowerFirst(dup) + "; nothing was changed."
}

// enumParam documents a query filter that takes one of values; anything
// else is a 400 naming it.
func enumParam(name, desc string, values ...string) obj {
	return obj{"name": name, "in": "query", "description": desc + " Any other value is a 400 naming " + name + ".",
		"schema": obj{"type": "string", "enum": values}}
}

func filterParam(name, desc string) obj {
	return obj{"name": name, "in": "query", "description": desc, "schema": obj{"type": "string"}}
}

// idFilter documents a query filter that takes a record's id; anything
// but a positive integer is a 400 naming it.
func idFilter(name, desc string) obj {
	return obj{"name": name, "in": "query", "description": desc + " Anything but a positive integer is a 400 naming " + name + ".",
		"schema": obj{"type": "integer", "minimum": 1}}
}

func strategyPaths() obj {
	paths := obj{}
	crudPaths(paths, "/business-units", "BusinessUnit", "business units", "Another business unit, archived or not, has this name", nil)
	crudPaths(paths, "/goals", "Goal", "goals", "A live goal of the same business unit (or, without one, among goals with none) has this title in either language, ignoring case", []obj{idFilter("business_unit_id", "Only this business unit's goals."),
		enumParam("status", "Only goals in this status.", "draft", "active", "achieved", "abandoned")})
	crudPaths(paths, "/kpis", "KPI", "KPIs", "A live KPI, of whatever goal, has this name in either language, ignoring case", []obj{idFilter("goal_id", "Only this goal's KPIs.")})
	crudPaths(paths, "/pain-points", "PainPoint", "pain points", "A live pain point of the same business unit has this title in either language, ignoring case", []obj{idFilter("business_unit_id", "Only this business unit's pain points."),
		idFilter("goal_id", "Only pain points linked to this goal."),
		enumParam("category", "Only pain points of this category.", "cost", "efficiency", "experience", "risk", "revenue")})
	paths["/kpis/{id}/readings"] = obj{
		"get": obj{"summary": "A KPI's readings, oldest first.", "operationId": "listReadings", "parameters": append(idParam(), pageParamsDoc...),
			"responses": withErrors(obj{"200": response("One page of readings; the cursor is an offset.", pageOf("KPIReading"))}, "404")},
		"post": obj{"summary": "Record readings; a reading on an existing date replaces it. All or none.",
			"description": "Each date is from 1900-01-01 to tomorrow (UTC) and given once per batch: a date twice is a 400 naming the later readings[i].date, nothing recorded, so recorded is every reading sent.", "operationId": "addReadings",
			"parameters": idParam(), "requestBody": requiredBody("ReadingsInput"),
			"responses": withErrors(obj{"200": response("How many were recorded.", obj{"type": "object", "properties": obj{"recorded": obj{"type": "integer"}}})}, "404", "413", "415")},
	}
	paths["/use-cases/{id}"] = obj{}
	paths["/use-cases/{id}"].(obj)["put"] = obj{"summary": "Replace a use case's fields and links; its stage changes only through /stage.",
		"description": basedOnDoc, "operationId": "updateUseCase", "parameters": idParam(), "requestBody": requiredBody("UseCaseUpdate"),
		"responses": withErrors(obj{"200": response("The updated use case.", ref("UseCase")),
			"409": response("The use case is archived, or updated_at was sent and it has changed since, or a live use case of the business unit it would be in has its new title in either language; nothing was changed.", ref("Error"))}, "404", "413", "415")}
	paths["/use-cases/{id}/stage"] = obj{"post": obj{"summary": "Move a use case one stage along its lifecycle, saying why.",
		"description": "Allowed: one stage forward or back among idea, assessment, approved, pilot, scaling, operating; rejected from idea to pilot; retired from pilot to operating; rejected back to idea. " + transitionDoc,
		"operationId": "changeStage", "parameters": idParam(), "requestBody": requiredBody("StageInput"),
		"responses": withErrors(obj{"200": response("The use case.", ref("UseCase")),
			"409": response("The use case is archived, or from was sent and the use case has left that stage since; nothing was changed. "+fromConflictDoc+" current is the UseCase as it is now.", ref("Error"))}, "404")}}
	paths["/use-cases/{id}/stages"] = obj{"get": obj{"summary": "A use case's stage history, oldest first.", "operationId": "stageHistory",
		"parameters": append(idParam(), pageParamsDoc...), "responses": withErrors(obj{"200": response("One page of stage changes; the cursor is an offset.", pageOf("StageChange"))}, "404")}}
	paths["/use-cases/{id}/archive"] = obj{"post": obj{"summary": "Archive or restore a use case.", "operationId": "archiveUseCase",
		"parameters": idParam(), "requestBody": requiredBody("ArchiveInput"),
		"responses": withErrors(obj{"200": response("The use case.", ref("UseCase")),
			"409": response("Already in that state (archived, or restored): \"Nothing to change.\"; or, restoring, a live use case of the same business unit has its title in either language, ignoring case. Nothing was changed.", ref("Error"))}, "404")}}
	paths["/use-cases/{id}/realisation"] = obj{"get": obj{"summary": "Value realisation: each promised KPI impact since go-live.",
		"operationId": "realisation", "parameters": idParam(), "responses": withErrors(obj{"200": response("The realisation.", ref("Realisation"))}, "404")}}
	paths["/portfolio"] = obj{"get": obj{"summary": "The portfolio dashboard's figures.", "operationId": "portfolio",
		"description": "Takes no sort (the matrix is always by score) and is not paged: a sort, limit, cursor or any parameter not listed here, or an unknown stage, alignment or archived value, is a 400 naming the parameter.",
		"parameters": []obj{idFilter("business_unit_id", "Only this business unit."),
			enumParam("stage", "Only this stage (the funnel still shows all).", "idea", "assessment", "approved", "pilot", "scaling", "operating", "rejected", "retired"),
			enumParam("alignment", "Only aligned or misaligned use cases.", "aligned", "misaligned"), filterParam("q", "Text to find."),
			{"name": "archived", "in": "query", "description": "true to include archived use cases; true or false.", "schema": obj{"type": "boolean"}},
			{"name": "active", "in": "query", "description": "true for work still under way only (rejected and retired left out); true or false.", "schema": obj{"type": "boolean"}}},
		"responses": withErrors(obj{"200": response("Funnel, matrix, misaligned use cases, KPIs behind target and recent changes.", ref("Dashboard"))})}}
	return paths
}

func strategySchemas() obj {
	str, num, integer, id := obj{"type": "string"}, obj{"type": "number"}, obj{"type": "integer"}, obj{"type": "integer", "minimum": 1}
	// A reference a record may lack (a use case in no business unit, a
	// KPI under no goal): null for none, in answers and in a PUT, which
	// must send every field (null for an empty one).
	optID := obj{"type": []string{"integer", "null"}, "minimum": 1, "description": "null: none."}
	ts := obj{"type": "string", "format": "date-time"}
	date := obj{"type": "string", "format": "date"}
	// withMeta is a record's schema: props with its id, archived and
	// times; required are the fields every answer has (those without
	// omitempty), the id, archived and times among them.
	withMeta := func(props obj, required ...string) obj {
		props["id"], props["archived"], props["created_at"], props["updated_at"] = integer, obj{"type": "boolean"}, ts, ts
		return obj{"type": "object", "required": append(required, "id", "archived", "created_at", "updated_at"), "properties": props}
	}
	input := func(required []string, props obj) obj {
		return obj{"type": "object", "required": required, "additionalProperties": false, "properties": props}
	}
	// An input's text: trimmed of leading and trailing spaces, then
	// counted in characters (lodestar.MaxTitle …); a required one may not
	// be blank.
	text := func(max int) obj { return obj{"type": "string", "maxLength": max} }
	nonBlank := func(max int) obj {
		return obj{"type": "string", "minLength": 1, "maxLength": max, "pattern": `\S`,
			"description": fmt.Sprintf("1 to %d characters once leading and trailing spaces are trimmed; blank is refused.", max)}
	}
	// inputOf is an input schema: props (the record's) with the limits the
	// store checks in place of the bare types.
	inputOf := func(required []string, props, limits obj) obj {
		for k, v := range limits {
			props[k] = v
		}
		return input(required, props)
	}
	buProps := func() obj { return obj{"name": str, "name_zh": str, "parent_id": optID} }
	goalProps := func() obj {
		return obj{"title": str, "title_zh": str, "description": str, "business_unit_id": optID, "owner_id": optID,
			"horizon": obj{"type": "string", "enum": []string{"quarter", "year", "three_years", "five_years"}},
			"status":  obj{"type": "string", "enum": []string{"draft", "active", "achieved", "abandoned"}}}
	}
	kpiProps := func() obj {
		return obj{"goal_id": optID, "name": str, "name_zh": str, "unit": str, "direction": obj{"type": "string", "enum": []string{"up", "down"}},
			"baseline": num, "target": num, "target_date": date, "owner_id": optID}
	}
	painProps := func() obj {
		return obj{"business_unit_id": id, "title": str, "title_zh": str, "description": str,
			"category":    obj{"type": "string", "enum": []string{"cost", "efficiency", "experience", "risk", "revenue"}},
			"annual_cost": obj{"type": "integer", "minimum": 0, "maximum": int64(lodestar.MaxEstimate)}, "goal_id": optID}
	}
	reading := obj{"type": "object", "required": []string{"date", "value"}, "properties": obj{"kpi_id": integer, "date": date, "value": num}}
	kpi := withMeta(kpiProps(), "goal_id", "name", "name_zh", "unit", "direction", "baseline", "target", "target_date", "owner_id")
	kpi["properties"].(obj)["latest"] = ref("KPIReading")
	impact := obj{"type": "object", "required": []string{"kpi_id", "change"}, "properties": obj{
		"kpi_id": id, "change": obj{"type": "number", "description": "Promised change in the KPI's own unit; negative for a fall; not 0."},
		"confidence": obj{"type": "number", "minimum": 0, "maximum": 1}}}
	score := obj{"type": "integer", "minimum": 0, "maximum": 5, "description": "1 (poor) to 5 (excellent); 0 or absent: not scored."}
	feas := obj{"type": "object", "properties": obj{"data_readiness": score, "technical_maturity": score, "skills": score, "integration": score}}
	stageEnum := obj{"type": "string", "enum": []string{"idea", "assessment", "approved", "pilot", "scaling", "operating", "rejected", "retired"}}
	// A new use case starts in a stage from idea to operating
	// (lodestar.CheckStartStage).
	var startStages []string
	for _, st := range stageEnum["enum"].([]string) {
		if lodestar.CheckStartStage(st) == nil {
			startStages = append(startStages, st)
		}
	}
	return obj{
		"BusinessUnit":      withMeta(buProps(), "name", "name_zh", "parent_id"),
		"BusinessUnitInput": inputOf([]string{"name"}, buProps(), obj{"name": nonBlank(lodestar.MaxUnitName), "name_zh": text(lodestar.MaxUnitName)}),
		"Goal":              withMeta(goalProps(), "title", "title_zh", "description", "business_unit_id", "owner_id", "horizon", "status"),
		"GoalInput": inputOf([]string{"title", "horizon"}, goalProps(), obj{"title": nonBlank(lodestar.MaxTitle), "title_zh": text(lodestar.MaxTitle),
			"description": text(lodestar.MaxDescription)}),
		"KPI": kpi,
		"KPIInput": inputOf([]string{"name", "unit", "direction", "baseline", "target", "target_date"}, kpiProps(), obj{"name": nonBlank(lodestar.MaxTitle),
			"name_zh": text(lodestar.MaxTitle), "unit": nonBlank(lodestar.MaxKPIUnit),
			"target_date": obj{"type": "string", "format": "date", "description": "YYYY-MM-DD, from 1900-01-01 to 100 years from today."}}),
		"PainPoint": withMeta(painProps(), "business_unit_id", "title", "title_zh", "description", "category", "annual_cost", "goal_id"),
		"PainPointInput": inputOf([]string{"business_unit_id", "title", "category"}, painProps(), obj{"title": nonBlank(lodestar.MaxTitle),
			"title_zh": text(lodestar.MaxTitle), "description": text(lodestar.MaxDescription)}),
		"KPIReading":    reading,
		"ReadingsInput": input([]string{"readings"}, obj{"readings": obj{"type": "array", "maxItems": 10000, "items": reading}}),
		"ArchiveInput":  input([]string{"archived"}, obj{"archived": obj{"type": "boolean"}}),
		"StageInput": input([]string{"stage", "reason"}, obj{"stage": stageEnum, "reason": obj{"type": "string", "minLength": 1, "maxLength": 2000},
			"from": obj{"type": "string", "enum": stageEnum["enum"],
				"description": "Optional: the stage the use case was in as you read it. If it has left that stage since, the change is refused with 409 and nothing changes."}}),
		"StageChange": obj{"type": "object", "properties": obj{"use_case_id": integer, "from": stageEnum, "to": stageEnum,
			"actor_id": integer, "actor": str, "reason": str, "at": ts}},
		"Impact":      impact,
		"Feasibility": feas,
		"NewUseCase": input([]string{"title"}, obj{"title": nonBlank(lodestar.MaxTitle), "title_zh": text(lodestar.MaxTitle),
			"description": text(lodestar.MaxDescription), "business_unit_id": optID, "sponsor_id": optID, "ai_lead_id": optID,
			"stage": obj{"type": "string", "enum": startStages, "default": "idea",
				"description": "The stage it starts in; a new use case cannot start rejected or retired (reject or retire it later with POST /use-cases/{id}/stage, which records why)."}, "pain_point_ids": obj{"type": "array", "items": id}, "impacts": obj{"type": "array", "items": ref("Impact")},
			"value_estimate": obj{"type": "integer", "minimum": 0, "maximum": int64(lodestar.MaxEstimate)}, "cost_estimate": obj{"type": "integer", "minimum": 0, "maximum": int64(lodestar.MaxEstimate)},
			"feasibility": ref("Feasibility"), "tags": obj{"type": "array", "maxItems": 20, "items": obj{"type": "string", "maxLength": 40}}}),
		"UseCase": obj{"type": "object", "required": []string{"id", "title", "title_zh", "description", "business_unit_id", "sponsor_id", "ai_lead_id", "stage", "stage_changed_at", "pain_point_ids", "impacts",
			"value_estimate", "cost_estimate", "feasibility", "tags", "risk_tier", "alignment", "score", "archived", "created_by", "created_at", "updated_at"},
			"properties": obj{"id": integer, "title": str, "title_zh": str, "description": str,
				"business_unit_id": optID, "sponsor_id": optID, "ai_lead_id": optID, "stage": stageEnum, "stage_changed_at": ts,
				"pain_point_ids": obj{"type": "array", "items": integer}, "impacts": obj{"type": "array", "items": ref("Impact")},
				"value_estimate": integer, "cost_estimate": integer, "feasibility": ref("Feasibility"), "tags": obj{"type": "array", "items": str},
				"risk_tier": obj{"type": "string", "description": "unassessed until the risk path assesses it."},
				"alignment": obj{"type": "object", "properties": obj{"status": obj{"type": "string", "enum": []string{"aligned", "misaligned"}},
					"reasons": obj{"type": "array", "items": obj{"type": "string", "description": "no_kpi_impact, no_sponsor, no_pain_point or kpi_without_goal:<KPI id>"}}}},
				"score":    obj{"type": "number", "description": "Net annual value in millions × feasibility ÷ 5 ÷ risk factor."},
				"archived": obj{"type": "boolean"}, "created_by": integer, "created_at": ts, "updated_at": ts}},
		"Realisation": obj{"type": "object", "properties": obj{"use_case_id": integer, "live": obj{"type": "boolean"}, "live_since": date,
			"status": obj{"type": "string", "enum": []string{"met", "on_track", "behind", "no_data", ""},
				"description": "met: every promised change realised in full (a KPI's status is met likewise, or its target reached); otherwise the worst of the KPIs: behind, no_data, on_track. Empty when not live; a retired use case is judged as it stood on retirement."},
			"kpis": obj{"type": "array", "items": obj{"type": "object", "properties": obj{"kpi": ref("KPI"), "promised": num, "expected": num,
				"realised": num, "baseline": num, "progress": num, "status": str, "series": obj{"type": "array", "items": reading}}}}}},
		"Dashboard": obj{"type": "object", "properties": obj{"total": integer,
			"funnel":       obj{"type": "array", "items": obj{"type": "object", "properties": obj{"stage": stageEnum, "count": integer, "value": integer}}},
			"matrix":       obj{"type": "array", "items": obj{"type": "object", "properties": obj{"id": integer, "title": str, "title_zh": str, "stage": stageEnum, "value": integer, "feasibility": num, "score": num, "aligned": obj{"type": "boolean"}}}},
			"matrix_total": integer, "misaligned": obj{"type": "array", "items": ref("UseCase")}, "misaligned_count": integer,
			"kpis_behind": obj{"type": "array", "items": obj{"type": "object", "properties": obj{"kpi": ref("KPI"), "status": str, "latest": num, "expected": num}}},
			"recent":      obj{"type": "array", "items": ref("AuditEvent")}}},
	}
}

func modelPaths() obj {
	return obj{
		"/models": obj{
			"get": obj{"summary": "List models, by key.", "operationId": "listModels",
				"parameters": append([]obj{{"name": "use_case_id", "in": "query", "description": "Only this use case's models.", "schema": obj{"type": "integer", "minimum": 1}}}, pageParamsDoc...),
				"responses":  withErrors(obj{"200": response("One page of models; the cursor is an offset.", pageOf("Model"))})},
			"post": obj{"summary": "Register a model for a use case.", "operationId": "createModel", "requestBody": requiredBody("ModelInput"),
				"responses": withErrors(obj{"201": response("The model.", ref("Model")), "409": response("The key is taken.", ref("Error"))}, "413", "415")},
		},
		"/models/{id}": obj{
			"get": obj{"summary": "Get one model.", "operationId": "getModel", "parameters": idParam(),
				"responses": withErrors(obj{"200": response("The model.", ref("Model"))}, "404")},
			"put": obj{"summary": "Change a model's name, description or use case; its key cannot change.", "operationId": "updateModel",
				"description": basedOnDoc, "parameters": idParam(), "requestBody": requiredBody("ModelUpdate"),
				"responses": withErrors(obj{"200": response("The model.", ref("Model")),
					"409": response("updated_at was sent and the model has changed since; nothing was changed.", ref("Error"))}, "404", "413", "415")},
		},
		"/models/{id}/versions": obj{
			"get": obj{"summary": "A model's versions, newest first.", "operationId": "listModelVersions", "parameters": append(idParam(), pageParamsDoc...),
				"responses": withErrors(obj{"200": response("One page of versions; the cursor is an offset.", pageOf("ModelVersion"))}, "404")},
			"post": obj{"summary": "Register a version with its model card; it starts in development.", "operationId": "createModelVersion",
				"parameters": idParam(), "requestBody": requiredBody("ModelVersionInput"),
				"responses": withErrors(obj{"201": response("The version.", ref("ModelVersion")), "409": response("The version name is taken or the model is archived.", ref("Error"))}, "404", "413", "415")},
		},
		"/switches": obj{"get": obj{"summary": "Every model's human intervention switch, by key.", "operationId": "listSwitches", "parameters": pageParamsDoc,
			"responses": withErrors(obj{"200": response("One page of switches; the cursor is an offset.", pageOf("Switch"))})}},
		"/switches/stream": obj{"get": obj{"summary": "Server-Sent Events: a snapshot of every switch on connect (and on every reconnect), then one event per flip, and a comment line every 15 s.",
			"description": "Events: `snapshot` (data: an array of Switch) and `switch` (data: one Switch). Event IDs are the sum of all switch versions, which every flip raises by one. The caller's token or session is checked again every 15 s, once for all the streams that present it: one revoked or expired, or whose user was disabled, ends its streams within 15 s and the time of two checks (a check that cannot run ends nothing). It takes no query parameters: one given is a 400 naming it, before anything is opened.",
			"operationId": "streamSwitches",
			"responses":   streamResponses()}},
		"/switches/{key}": obj{
			"get": obj{"summary": "One model's switch.", "operationId": "getSwitch",
				"parameters": []obj{{"name": "key", "in": "path", "required": true, "description": "The model's key or its numeric ID.", "schema": obj{"type": "string"}}},
				"responses":  withErrors(obj{"200": response("The switch.", ref("Switch"))}, "404")},
			"put": obj{"summary": "Flip a switch (risk officer, committee or admin), saying why; audited.", "operationId": "flipSwitch",
				"description": "A flip to the state (and fallback) the switch already has is accepted as a re-affirmation: the reason is recorded, the version " +
					"goes up, it is audited and reaches the streams like any flip, and the Switch (the answer, the audit entry's after, the stream event) has " +
					"reaffirmed: true, so that none reads it as a change. It is how a risk officer renews a stop's or a fallback's reason on review.",
				"parameters":  []obj{{"name": "key", "in": "path", "required": true, "description": "The model's key or its numeric ID.", "schema": obj{"type": "string"}}},
				"requestBody": requiredBody("FlipInput"),
				"responses": withErrors(obj{"200": response("The switch after the flip.", ref("Switch")),
					"409": response("The flip named a version and the switch has been flipped since; nothing was changed. The message says what the switch is now, at which version, and who flipped it when; current is the Switch as it is now.", ref("Error"))}, "404", "413", "415")},
		},
		"/model-versions/{id}": obj{"get": obj{"summary": "Get one model version with its card.", "operationId": "getModelVersion",
			"parameters": idParam(), "responses": withErrors(obj{"200": response("The version.", ref("ModelVersion"))}, "404")}},
		"/model-versions/{id}/card": obj{"put": obj{"summary": "Replace a version's model card.", "operationId": "updateModelCard",
			"description": versionBasedOnDoc,
			"parameters":  idParam(), "requestBody": requiredBody("ModelCardInput"),
			"responses": withErrors(obj{"200": response("The version.", ref("ModelVersion")),
				"409": response("updated_at was sent and the version has changed since; nothing was changed.", ref("Error"))}, "404", "413", "415")}},
		"/model-versions/{id}/provenance": obj{"put": obj{"summary": "Replace a version's provenance (a field left out is cleared), while it is in development.",
			"description": "Provenance says what the version is. It is frozen once the version leaves development — what was reviewed is what runs — and a change is then refused with 409; moving the version back to development (audited) lets it change again. Each change is audited (update_provenance) with the version before and after. " + versionBasedOnDoc,
			"operationId": "updateModelProvenance", "parameters": idParam(), "requestBody": requiredBody("ProvenanceInput"),
			"responses": withErrors(obj{"200": response("The version.", ref("ModelVersion")),
				"409": response("The version has left development (its provenance is frozen), or updated_at was sent and the version has changed since; nothing was changed.", ref("Error"))}, "404", "413", "415")}},
		"/model-versions/{id}/status": obj{"post": obj{"summary": "Move a version one step forward (development → staging → production), back to development from staging or production, or to retired from any status (retired is final), saying why.",
			"description": transitionDoc, "operationId": "setModelVersionStatus", "parameters": idParam(), "requestBody": requiredBody("VersionStatusInput"),
			"responses": withErrors(obj{"200": response("The version.", ref("ModelVersion")),
				"409": response("from was sent and the version has left that status since; nothing was changed. "+fromConflictDoc+" current is the ModelVersion as it is now.", ref("Error"))}, "404")}},
	}
}

// streamResponses are the switch stream's answers: the stream, or a
// refusal at one of the caps on open streams.
func streamResponses() obj {
	out := withErrors(obj{"200": obj{"description": "An event stream.", "content": obj{"text/event-stream": obj{"schema": obj{"type": "string"}}}}})
	retry := func(desc string) obj {
		r := response(desc, ref("Error"))
		r["headers"] = obj{"Retry-After": obj{"description": "Whole seconds to wait before opening the stream again.", "schema": obj{"type": "integer", "minimum": 1}}}
		return r
	}
	out["429"] = retry("The caller's token or session already holds the most streams one credential may hold on this server (serve --max-streams-per-credential), or its user does across all its tokens and sessions (serve --max-streams-per-user); nothing was opened. Retry-After: 20.")
	out["503"] = retry("This server holds the most streams it takes (serve --max-streams); nothing was opened. Retry-After: 10; another replica may have room.")
	return out
}

// versionBasedOnDoc is how an edit of a version's card or provenance
// avoids overwriting a change made meanwhile.
const versionBasedOnDoc = putWholeDoc + "To avoid overwriting someone else's change, send the version's updated_at as you read it (GET /model-versions/{id}): " +
	"if the version has changed since — its card, provenance or status, by anyone — the edit is refused with 409 and nothing changes; read it again and redo the edit. " +
	"updated_at is optional: left out, the edit is made whatever changed meanwhile."

// withUpdatedAt is schema, an object's, with the optional updated_at of
// an edit based on the version as read (versionBasedOnDoc).
func withUpdatedAt(schema obj) obj {
	return withOptionalUpdatedAt(schema, "Optional: the version's updated_at as read. If the version has changed since, the edit is refused with 409.")
}

// withOptionalUpdatedAt is a copy of schema with an optional updated_at
// property described by doc beside its own.
func withOptionalUpdatedAt(schema obj, doc string) obj {
	props := obj{"updated_at": obj{"type": "string", "format": "date-time", "description": doc}}
	for k, v := range schema["properties"].(obj) {
		props[k] = v
	}
	out := obj{}
	for k, v := range schema {
		out[k] = v
	}
	out["properties"] = props
	return out
}

func modelSchemas() obj {
	str, ts := obj{"type": "string"}, obj{"type": "string", "format": "date-time"}
	status := obj{"type": "string", "enum": []string{"development", "staging", "production", "retired"}}
	key := obj{"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,62}$"}
	// A new model's key may not be all digits: routes that take a key or an
	// ID could not tell it from another model's ID.
	newModelKey := obj{"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,62}$", "not": obj{"pattern": "^[0-9]+$"},
		"description": "1–63 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit, and not digits only (model-5, not 5: a number is taken for a model's ID where a route takes a key or an ID). It cannot change later."}
	card := obj{"type": "object", "additionalProperties": false, "properties": obj{
		"intended_use": str, "out_of_scope_use": str, "training_data": str,
		"evaluation_metrics": obj{"type": "object", "maxProperties": 100, "additionalProperties": obj{"type": "number"}},
		"limitations":        str, "ethical_considerations": str}}
	provenance := obj{"type": "object", "additionalProperties": false,
		"description": "What the version is. Every field is optional; an empty string is not recorded. Frozen once the version leaves development.",
		"properties": obj{
			"artifact_uri": obj{"type": "string", "maxLength": 2000,
				"description": "Where the artifact lives: a URI of scheme s3, gs, https, http, file, hdfs, abfs, abfss, wasbs, dbfs, oci, models, runs or hf, an absolute file path, or an OCI image reference (registry/repository[:tag][@sha256:…]). No spaces; no user name or password (Azure's container@account excepted) and no signing or token query parameter (X-Amz-Signature, sig, token …)."},
			"artifact_sha256": obj{"type": "string", "pattern": "^([0-9a-f]{64})?$",
				"description": "The artifact's SHA-256, 64 hex digits; upper case and a sha256: prefix are accepted and stored lower-case without it."},
			"source_commit": obj{"type": "string", "pattern": "^([0-9a-f]{7,64})?$",
				"description": "The git commit of the code that made the artifact, 7 to 64 hex digits (stored lower-case). Not a tag or branch: they can move."},
			"training_run": obj{"type": "string", "maxLength": 500,
				"description": "The training run's ID (an MLflow run ID, a SageMaker ARN …) or an http(s) link to it, with no credentials in it."}}}
	return obj{
		"Provenance":      provenance,
		"ProvenanceInput": wholePut(withUpdatedAt(provenance)),
		"ModelCardInput":  wholePut(withUpdatedAt(card)),
		"Model": obj{"type": "object", "required": []string{"id", "use_case_id", "key", "name", "description", "archived", "created_at", "updated_at"},
			"properties": obj{"id": obj{"type": "integer"}, "use_case_id": obj{"type": "integer"}, "key": key,
				"name": str, "description": str, "archived": obj{"type": "boolean"}, "created_at": ts, "updated_at": ts}},
		"ModelInput": obj{"type": "object", "required": []string{"use_case_id", "key", "name"}, "additionalProperties": false, "properties": obj{
			"use_case_id": obj{"type": "integer", "minimum": 1}, "key": newModelKey, "name": obj{"type": "string", "minLength": 1, "maxLength": lodestar.MaxTitle, "pattern": `\S`,
				"description": fmt.Sprintf("1 to %d characters once leading and trailing spaces are trimmed; blank is refused.", lodestar.MaxTitle)},
			"description": obj{"type": "string", "maxLength": lodestar.MaxDescription}}},
		"ModelCard": card,
		"Switch": obj{"type": "object", "required": []string{"key", "model_id", "state", "changed_at", "version", "serving"}, "properties": obj{"key": key, "model_id": obj{"type": "integer"},
			"state": obj{"type": "string", "enum": []string{"on", "off", "fallback"}},
			"fallback": obj{"type": "string", "description": "What to serve instead, at fallback: the name as it was given. When it is another model's key, " +
				"whether that model serves now is its own switch (its state and serving), which this one does not follow: a service serves it only while that switch is on."},
			"reason":     str,
			"changed_by": str, "via": obj{"type": "string", "enum": []string{"web", "api", "cli"},
				"description": "How the last flip was made: on the web pages, through the API or with the lodestar command (lodestar switch flip); absent until the switch is flipped."},
			"changed_at": ts, "version": obj{"type": "integer", "description": "Increases with every flip."},
			"serving": obj{"type": "boolean", "description": "Whether the model itself serves: the switch is on and a version of the model is in production. " +
				"False when off or at fallback, and when on with no version in production (none yet, or all retired): then nothing serves. " +
				"It is as of the read or the flip: a version entering or leaving production flips no switch, so a stream sends no event for it (a new snapshot, on reconnect, has it)."},
			"reaffirmed": obj{"type": "boolean", "description": "True when the last flip left the state and fallback as they were: a re-affirmation with a new reason " +
				"(a stop or a fallback renewed on review), audited and given a new version, but no change of what serves. Absent when the last flip changed the switch."}}},
		"FlipInput": obj{"type": "object", "required": []string{"state", "reason"}, "additionalProperties": false, "properties": obj{
			"state": obj{"type": "string", "enum": []string{"on", "off", "fallback"}}, "fallback": obj{"type": "string", "maxLength": 200,
				"description": "What to serve instead; required for fallback, refused otherwise."},
			"reason": obj{"type": "string", "minLength": 1, "maxLength": 2000},
			"version": obj{"type": "integer", "minimum": 1,
				"description": "The switch's version the flip is based on (as last read): if it has been flipped since, the flip is refused with 409 rather than undo that flip. Optional."}}},
		"ModelVersion": obj{"type": "object", "required": []string{"id", "model_id", "version", "status", "card", "provenance", "created_at", "updated_at"},
			"properties": obj{"id": obj{"type": "integer"}, "model_id": obj{"type": "integer"},
				"version": str, "status": status, "status_reason": str, "card": ref("ModelCard"), "provenance": ref("Provenance"),
				"warnings": obj{"type": "array", "items": obj{"type": "string", "enum": []string{"no_digest"}},
					"description": "What a reviewer should know; absent when nothing. no_digest: the version is in staging or production with no artifact_sha256 recorded, so nothing shows that what runs is what was reviewed (allowed, not blocked)."},
				"created_at": ts, "updated_at": obj{"type": "string", "format": "date-time",
					"description": "When it was created or last changed (card, provenance or status): send it back with an edit of the card or provenance so that a change made meanwhile is not overwritten."}}},
		"ModelVersionInput": obj{"type": "object", "required": []string{"version"}, "additionalProperties": false, "properties": obj{
			"version": obj{"type": "string", "minLength": 1, "maxLength": 64}, "card": ref("ModelCard"), "provenance": ref("Provenance")}},
		"StatusInput": obj{"type": "object", "required": []string{"status", "reason"}, "additionalProperties": false, "properties": obj{
			"status": status, "reason": obj{"type": "string", "minLength": 1, "maxLength": 2000}}},
		"VersionStatusInput": obj{"type": "object", "required": []string{"status", "reason"}, "additionalProperties": false, "properties": obj{
			"status": status, "reason": obj{"type": "string", "minLength": 1, "maxLength": 2000},
			"from": obj{"type": "string", "enum": []string{"development", "staging", "production", "retired"},
				"description": "Optional: the status the version was in as you read it. If it has left that status since, the change is refused with 409 and nothing changes."}}},
	}
}
