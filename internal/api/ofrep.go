package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// OFREP is where the OpenFeature Remote Evaluation Protocol is served, so
// any OpenFeature SDK with an OFREP provider can read the switches: each
// switch is a string flag named by the model's key whose value and variant
// are its state (on, off or fallback).
const OFREP = "/ofrep/v1"

func (s *Server) ofrepRoutes() []httpx.Route {
	serverError := func(w http.ResponseWriter, r *http.Request, err error) { s.ofrepFail(w, r, r.PathValue("key"), err) }
	return []httpx.Route{
		{Method: "POST", Pattern: OFREP + "/evaluate/flags/{key}", Perm: auth.ModelRead, Handler: s.ofrepOne, ReadOnly: true, TextError: ofrepTextError, ServerError: serverError},
		{Method: "POST", Pattern: OFREP + "/evaluate/flags", Perm: auth.ModelRead, Handler: s.ofrepBulk, ReadOnly: true, TextError: ofrepTextError, ServerError: serverError},
	}
}

// ofrepResult is one flag's evaluation in OFREP's shape.
type ofrepResult struct {
	Key          string         `json:"key"`
	Value        string         `json:"value,omitempty"`
	Reason       string         `json:"reason,omitempty"`
	Variant      string         `json:"variant,omitempty"`
	Metadata     map[string]any `json:"metadata,omitempty"`
	ErrorCode    string         `json:"errorCode,omitempty"`
	ErrorDetails string         `json:"errorDetails,omitempty"`
}

// evaluated is a switch as an OFREP flag. Its metadata (OFREP's flag
// metadata: strings, numbers and booleans) is the switch's own record,
// under the names GET /api/v1/switches/{key} gives its fields: version,
// fallback (when on fallback), reason, changed_by and via (once flipped:
// why, by whom, and through what: web, api or cli) and changed_at (the last flip, or the model's
// registration; RFC 3339) — so a service reading its flag through
// OpenFeature can log why it is off and since when without a second call.
func evaluated(sw *lodestar.Switch) ofrepResult {
	md := map[string]any{"version": sw.Version, "changed_at": sw.ChangedAt.Format(time.RFC3339Nano)}
	for k, v := range map[string]string{"fallback": sw.Fallback, "reason": sw.Reason, "changed_by": sw.ChangedBy, "via": sw.Via} {
		if v != "" {
			md[k] = v
		}
	}
	return ofrepResult{Key: sw.Key, Value: sw.State, Variant: sw.State, Reason: "STATIC", Metadata: md}
}

// readContext reads the request body: empty, or a JSON object whose
// "context", when present, is an object (the switches do not target, so
// the context is checked and not used; other members are ignored, as the
// protocol may add some). For a body it cannot take it returns the OFREP
// error code — PARSE_ERROR for what is not a JSON object, INVALID_CONTEXT
// for a context that is not an object — and a message, in English:
// the handlers translate it (httpx.TranslateError), as the rest of the
// API's errors are, by Accept-Language; the code is the protocol's and
// stays as it is.
func readContext(w http.ResponseWriter, r *http.Request) (code, details string) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpx.MaxJSONBody))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return "PARSE_ERROR", fmt.Sprintf("The body is larger than %d bytes.", httpx.MaxJSONBody)
	case err != nil:
		return "PARSE_ERROR", "The body could not be read."
	case len(bytes.TrimSpace(body)) == 0:
		return "", ""
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return "PARSE_ERROR", "The body must be JSON (Content-Type: application/json)."
		}
	}
	var in map[string]json.RawMessage
	if err := json.Unmarshal(body, &in); err != nil || in == nil {
		return "PARSE_ERROR", "The body must be a JSON object, such as {\"context\":{}}."
	}
	if c, ok := in["context"]; ok && string(bytes.TrimSpace(c)) != "null" {
		var ctx map[string]any
		if err := json.Unmarshal(c, &ctx); err != nil {
			return "INVALID_CONTEXT", "context must be an object."
		}
	}
	return "", ""
}

// ofrepTextError answers, in OFREP's shape, a request the guard refused
// for its text: a flag key or a query parameter that is not UTF-8 or
// holds NUL (httpx's checkText) is a 400 PARSE_ERROR, with the key for
// one flag as for its other errors.
func ofrepTextError(w http.ResponseWriter, r *http.Request, err error) {
	details := httpx.TranslateError(w, r, lodestar.ErrorMessage(err))
	if key := r.PathValue("key"); key != "" {
		httpx.WriteJSON(w, http.StatusBadRequest, ofrepResult{Key: key, ErrorCode: "PARSE_ERROR", ErrorDetails: details})
		return
	}
	httpx.WriteJSON(w, http.StatusBadRequest, map[string]string{"errorCode": "PARSE_ERROR", "errorDetails": details})
}

// ofrepFail answers a failure past the request's checks (the store's) in
// OFREP's shape, as its 400 and 404 answers are: errorCode GENERAL (the
// protocol's code for any other failure) and errorDetails, in the
// language asked for, with the key for one flag; the error is logged as
// it would be. The API's {"error":{…}} is no shape an OFREP provider
// reads.
//
// The status is one the protocol lists: a 500, also for the database
// away, which the rest of the API answers 503. OFREP's OpenAPI document
// lists 400, 401, 403, 404, 429 and 500 only, and its providers map
// those: a 500 reaches the caller as an evaluation error (GENERAL, its
// default served), where a 503 may reach it as an unexpected answer of
// the server. Retry-After, which the API sends with its 503, is
// kept as a hint: a provider that does not read it ignores it. A client
// gone (499) is left as it is: no one reads that answer.
func (s *Server) ofrepFail(w http.ResponseWriter, r *http.Request, key string, err error) {
	status, d := httpx.Detail(s.Log, r, err)
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "5")
	}
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
		http.StatusTooManyRequests, http.StatusInternalServerError, httpx.StatusClientClosedRequest:
	default:
		status = http.StatusInternalServerError
	}
	details := httpx.TranslateError(w, r, d.Message)
	if key != "" {
		httpx.WriteJSON(w, status, ofrepResult{Key: key, ErrorCode: "GENERAL", ErrorDetails: details})
		return
	}
	httpx.WriteJSON(w, status, map[string]string{"errorCode": "GENERAL", "errorDetails": details})
}

func (s *Server) ofrepOne(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if code, details := readContext(w, r); code != "" {
		httpx.WriteJSON(w, http.StatusBadRequest, ofrepResult{Key: key, ErrorCode: code, ErrorDetails: httpx.TranslateError(w, r, details)})
		return
	}
	sw, err := s.Switches.FindSwitch(r.Context(), key)
	switch {
	case lodestar.ErrorCode(err) == lodestar.ENotFound:
		httpx.WriteJSON(w, http.StatusNotFound, ofrepResult{Key: key, ErrorCode: "FLAG_NOT_FOUND", ErrorDetails: httpx.TranslateError(w, r, "No model has this key.")})
	case err != nil:
		s.ofrepFail(w, r, key, err)
	default:
		httpx.WriteJSON(w, http.StatusOK, evaluated(sw))
	}
}

// ofrepBulk evaluates every switch; its ETag (bulkETag) lets a polling
// client ask "anything new?" with If-None-Match.
func (s *Server) ofrepBulk(w http.ResponseWriter, r *http.Request) {
	if code, details := readContext(w, r); code != "" {
		httpx.WriteJSON(w, http.StatusBadRequest, map[string]string{"errorCode": code, "errorDetails": httpx.TranslateError(w, r, details)})
		return
	}
	all, err := s.Switches.ListSwitches(r.Context())
	if err != nil {
		s.ofrepFail(w, r, "", err)
		return
	}
	out := struct {
		Flags []ofrepResult `json:"flags"`
	}{Flags: []ofrepResult{}}
	for _, sw := range all {
		out.Flags = append(out.Flags, evaluated(sw))
	}
	etag := bulkETag(all)
	w.Header().Set("ETag", etag)
	if noneMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// bulkETag names one state of the whole switch list: a hash of each
// switch's model, key, version, state and fallback, in list order. A sum of
// versions (what it was) could come back to an earlier value — after a
// restore from an export, say — and a client polling with If-None-Match
// would then be told nothing changed while a switch it reads had been
// turned off. Everything else a flag carries changes only with its version.
func bulkETag(all []*lodestar.Switch) string {
	h := fnv.New64a()
	var b []byte
	for _, sw := range all {
		b = strconv.AppendInt(b[:0], sw.ModelID, 10)
		b = append(b, 0)
		b = append(b, sw.Key...)
		b = append(b, 0)
		b = strconv.AppendInt(b, sw.Version, 10)
		b = append(b, 0)
		b = append(b, sw.State...)
		b = append(b, 0)
		b = append(b, sw.Fallback...)
		b = append(b, '\n')
		h.Write(b)
	}
	return `"` + strconv.FormatUint(h.Sum64(), 36) + "-" + strconv.Itoa(len(all)) + `"`
}

// noneMatch reports whether an If-None-Match header matches etag: "*", or
// a list holding it, compared weakly (a W/ prefix ignored), as RFC 9110
// says for If-None-Match.
func noneMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
