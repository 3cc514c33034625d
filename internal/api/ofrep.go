package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"

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
	return []httpx.Route{
		{Method: "POST", Pattern: OFREP + "/evaluate/flags/{key}", Perm: auth.ModelRead, Handler: s.ofrepOne, ReadOnly: true},
		{Method: "POST", Pattern: OFREP + "/evaluate/flags", Perm: auth.ModelRead, Handler: s.ofrepBulk, ReadOnly: true},
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

func evaluated(sw *lodestar.Switch) ofrepResult {
	md := map[string]any{"version": sw.Version}
	if sw.Fallback != "" {
		md["fallback"] = sw.Fallback
	}
	return ofrepResult{Key: sw.Key, Value: sw.State, Variant: sw.State, Reason: "STATIC", Metadata: md}
}

// readContext checks the request body: empty, or {"context": {...}}. The
// switches do not target, so the context is checked and not used.
func readContext(w http.ResponseWriter, r *http.Request) error {
	if r.ContentLength == 0 {
		return nil
	}
	var in struct {
		Context map[string]any `json:"context"`
	}
	err := httpx.DecodeJSON(w, r, &in, httpx.MaxJSONBody)
	if lodestar.ErrorCode(err) == lodestar.EInvalid && errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

func (s *Server) ofrepOne(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if err := readContext(w, r); err != nil {
		if lodestar.ErrorCode(err) != lodestar.EInvalid {
			s.fail(w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusBadRequest, ofrepResult{Key: key, ErrorCode: "INVALID_CONTEXT", ErrorDetails: lodestar.ErrorMessage(err)})
		return
	}
	sw, err := s.Switches.FindSwitch(r.Context(), key)
	switch {
	case lodestar.ErrorCode(err) == lodestar.ENotFound:
		httpx.WriteJSON(w, http.StatusNotFound, ofrepResult{Key: key, ErrorCode: "FLAG_NOT_FOUND", ErrorDetails: "No model has this key."})
	case err != nil:
		s.fail(w, r, err)
	default:
		httpx.WriteJSON(w, http.StatusOK, evaluated(sw))
	}
}

// ofrepBulk evaluates every switch; its ETag (the sum of switch versions)
// lets a polling client ask "anything new?" with If-None-Match.
func (s *Server) ofrepBulk(w http.ResponseWriter, r *http.Request) {
	if err := readContext(w, r); err != nil {
		if lodestar.ErrorCode(err) != lodestar.EInvalid {
			s.fail(w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusBadRequest, map[string]string{"errorCode": "INVALID_CONTEXT", "errorDetails": lodestar.ErrorMessage(err)})
		return
	}
	all, err := s.Switches.ListSwitches(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var sum int64
	out := struct {
		Flags []ofrepResult `json:"flags"`
	}{Flags: []ofrepResult{}}
	for _, sw := range all {
		sum += sw.Version
		out.Flags = append(out.Flags, evaluated(sw))
	}
	etag := `"` + strconv.FormatInt(sum, 10) + "-" + strconv.Itoa(len(all)) + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}
