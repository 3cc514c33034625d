package api

import (
	"net/http"
	"strings"

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
	{"name": "cursor", "in": "query", "description": "The next_cursor of the previous page.", "schema": obj{"type": "string"}},
}

func pageOf(item string) obj {
	return obj{"type": "object", "required": []string{"data"}, "properties": obj{
		"data":        obj{"type": "array", "items": ref(item)},
		"total":       obj{"type": "integer", "description": "Items matching the filter, across all pages."},
		"next_cursor": obj{"type": "string", "description": "Pass as cursor to get the next page; absent on the last page."},
	}}
}

// Document returns the OpenAPI 3.1 description of the API. Paths are
// relative to the server URL /api/v1.
func Document() obj {
	ts := obj{"type": "string", "format": "date-time"}
	return obj{
		"openapi": "3.1.0",
		"info": obj{"title": "Lodestar API", "version": "1",
			"description": "Lodestar's REST API. Authenticate with `Authorization: Bearer <token>` (create one with `lodestar token create`). " +
				"Errors share one shape: {\"error\":{\"code\",\"message\",\"fields\"}}. Lists are paged with limit (max 200) and cursor. " +
				"Request bodies are limited to 1 MiB; unknown fields and wrong types are rejected naming the field."},
		"servers":  []obj{{"url": Prefix}},
		"security": []obj{{"bearer": []string{}}},
		"paths": obj{
			"/openapi.json": obj{"get": obj{"summary": "This document.", "operationId": "getOpenAPI", "security": []obj{},
				"responses": obj{"200": obj{"description": "The OpenAPI document."}}}},
			"/me": obj{"get": obj{"summary": "The caller.", "operationId": "getMe",
				"responses": withErrors(obj{"200": response("The caller's user, token scopes and locale.", ref("Me"))})}},
			"/use-cases": obj{
				"get": obj{"summary": "List use cases, newest first.", "operationId": "listUseCases",
					"parameters": append([]obj{{"name": "q", "in": "query", "description": "Text to find in title or description.", "schema": obj{"type": "string"}}}, pageParamsDoc...),
					"responses":  withErrors(obj{"200": response("One page of use cases.", pageOf("UseCase"))})},
				"post": obj{"summary": "Create a use case.", "operationId": "createUseCase",
					"requestBody": func() obj { b := jsonBody(ref("NewUseCase")); b["required"] = true; return b }(),
					"responses":   withErrors(obj{"201": response("The created use case.", ref("UseCase"))}, "413", "415")},
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
				}, pageParamsDoc...),
				"responses": withErrors(obj{"200": response("One page of audit events.", pageOf("AuditEvent"))})}},
		},
		"components": obj{
			"securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer"}},
			"schemas": obj{
				"Error": obj{"type": "object", "required": []string{"error"}, "properties": obj{"error": obj{
					"type": "object", "required": []string{"code", "message"}, "properties": obj{
						"code":    obj{"type": "string", "enum": []string{"invalid", "unauthorized", "forbidden", "not_found", "method_not_allowed", "conflict", "too_large", "unsupported_media", "too_many_requests", "internal", "unavailable"}},
						"message": obj{"type": "string"},
						"fields":  obj{"type": "object", "additionalProperties": obj{"type": "string"}},
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
					"scopes": obj{"type": "array", "items": obj{"type": "string", "enum": []string{"read", "write"}}}}},
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
// document, for the test that keeps it and the route table in step.
func DocumentedRoutes() []string {
	var out []string
	for p, item := range Document()["paths"].(obj) {
		for m := range item.(obj) {
			out = append(out, strings.ToUpper(m)+" "+Prefix+p)
		}
	}
	return out
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, Document())
}
