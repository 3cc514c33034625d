package api

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// Inputs for the model registry: only what a client may write.
type (
	modelIn struct {
		UseCaseID   int64      `json:"use_case_id"`
		Key         string     `json:"key"`
		Name        string     `json:"name"`
		Description string     `json:"description"`
		UpdatedAt   *time.Time `json:"updated_at"` // only in an update: see stamp
	}
	versionIn struct {
		Version    string              `json:"version"`
		Card       lodestar.ModelCard  `json:"card"`
		Provenance lodestar.Provenance `json:"provenance"`
	}
	// cardIn and provenanceIn replace a version's card or provenance.
	// UpdatedAt, optional, is the version's updated_at as the client
	// read it: given, an edit of a version changed since (by anyone, in
	// any of its parts) is refused with 409 and nothing changes; left
	// out, the edit is made whatever changed meanwhile, as before.
	cardIn struct {
		lodestar.ModelCard
		UpdatedAt *time.Time `json:"updated_at"`
	}
	provenanceIn struct {
		lodestar.Provenance
		UpdatedAt *time.Time `json:"updated_at"`
	}
	flipIn struct {
		State    string `json:"state"`
		Fallback string `json:"fallback"`
		Reason   string `json:"reason"`
		// Version, when given, is the switch's version the flip is based
		// on: a flip of a switch flipped since is refused (409).
		Version *int64 `json:"version"`
	}
	statusIn struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
		// From is the status the client saw the version in: the change
		// is refused (409) if it has left it since. Optional.
		From string `json:"from"`
	}
)

// keptFields are the fields a model's PUT may leave out: its key cannot
// change.
func (modelIn) keptFields() []string { return []string{"key"} }

func (in modelIn) entity() lodestar.Model {
	return lodestar.Model{UseCaseID: in.UseCaseID, Key: in.Key, Name: in.Name, Description: in.Description}
}

// modelRoutes are the model registry's routes.
func (s *Server) modelRoutes() []httpx.Route {
	m := s.Models
	list := func(r *http.Request, useCase int64) (Page[*lodestar.Model], error) {
		items, err := m.ListModels(r.Context(), useCase)
		if err != nil {
			return Page[*lodestar.Model]{}, err
		}
		return pageOfSlice(r, items)
	}
	versions := func(ctx context.Context, id int64, p pageReq) (Page[*lodestar.ModelVersion], error) {
		if _, err := m.FindModelByID(ctx, id); err != nil {
			return Page[*lodestar.ModelVersion]{}, err
		}
		items, err := m.ListModelVersions(ctx, id)
		if err != nil {
			return Page[*lodestar.ModelVersion]{}, err
		}
		return slicePage(items, p), nil
	}
	addVersion := func(ctx context.Context, id int64, in versionIn) (*lodestar.ModelVersion, error) {
		return m.CreateModelVersion(ctx, id, lodestar.ModelVersion{Version: in.Version, Card: in.Card, Provenance: in.Provenance})
	}
	updateCard := func(ctx context.Context, id int64, in cardIn) (*lodestar.ModelVersion, error) {
		v, err := m.UpdateModelCard(basedOnIn(ctx, in.UpdatedAt), id, in.ModelCard)
		return v, asSent(err, "card.")
	}
	updateProvenance := func(ctx context.Context, id int64, in provenanceIn) (*lodestar.ModelVersion, error) {
		v, err := m.UpdateModelProvenance(basedOnIn(ctx, in.UpdatedAt), id, in.Provenance)
		return v, asSent(err, "provenance.")
	}
	setStatus := func(ctx context.Context, id int64, in statusIn) (*lodestar.ModelVersion, error) {
		return m.SetModelVersionStatus(fromIn(ctx, in.From), id, in.Status, in.Reason)
	}
	return []httpx.Route{
		{Method: "GET", Pattern: Prefix + "/models", Perm: auth.ModelRead, Handler: handle(s, fromQuery(func(r *http.Request) (int64, error) {
			if err := onlyFilters(r, "use_case_id"); err != nil {
				return 0, err
			}
			return queryID(r, "use_case_id")
		}), list, http.StatusOK)},
		{Method: "POST", Pattern: Prefix + "/models", Perm: auth.ModelWrite, Handler: handle(s, entityBody[modelIn], func(r *http.Request, in lodestar.Model) (*lodestar.Model, error) {
			created, err := m.CreateModel(r.Context(), in)
			if err == nil {
				s.publishSwitch(r.Context(), created.Key)
			}
			return created, err
		}, http.StatusCreated)},
		{Method: "GET", Pattern: Prefix + "/models/{id}", Perm: auth.ModelRead, Handler: handleGet(s, m.FindModelByID)},
		{Method: "PUT", Pattern: Prefix + "/models/{id}", Perm: auth.ModelWrite, Handler: putH[modelIn](s, m.UpdateModel)},
		{Method: "GET", Pattern: Prefix + "/models/{id}/versions", Perm: auth.ModelRead, Handler: handleID(s, pageOnly(), versions, http.StatusOK)},
		{Method: "POST", Pattern: Prefix + "/models/{id}/versions", Perm: auth.ModelWrite, Handler: handleID(s, decodeBody[versionIn], addVersion, http.StatusCreated)},
		{Method: "GET", Pattern: Prefix + "/model-versions/{id}", Perm: auth.ModelRead, Handler: handleGet(s, m.FindModelVersionByID)},
		{Method: "PUT", Pattern: Prefix + "/model-versions/{id}/card", Perm: auth.ModelWrite, Handler: handleID(s, stampedBody[cardIn, lodestar.ModelCard], updateCard, http.StatusOK)},
		{Method: "PUT", Pattern: Prefix + "/model-versions/{id}/provenance", Perm: auth.ModelWrite, Handler: handleID(s, stampedBody[provenanceIn, lodestar.Provenance], updateProvenance, http.StatusOK)},
		{Method: "POST", Pattern: Prefix + "/model-versions/{id}/status", Perm: auth.ModelWrite, Handler: handleID(s, decodeBody[statusIn], setStatus, http.StatusOK)},
		{Method: "GET", Pattern: Prefix + "/switches", Perm: auth.ModelRead, Handler: handle(s, pageOnly(), func(r *http.Request, p pageReq) (Page[*lodestar.Switch], error) {
			// One switch a model: paged in memory like the models.
			items, err := s.Switches.ListSwitches(r.Context())
			if err != nil {
				return Page[*lodestar.Switch]{}, err
			}
			return slicePage(items, p), nil
		}, http.StatusOK)},
		{Method: "GET", Pattern: Prefix + "/switches/{key}", Perm: auth.ModelRead, Handler: handle(s, noParams, func(r *http.Request, _ struct{}) (*lodestar.Switch, error) {
			key, err := s.switchKey(r)
			if err != nil {
				return nil, err
			}
			return s.Switches.FindSwitch(r.Context(), key)
		}, http.StatusOK)},
		{Method: "PUT", Pattern: Prefix + "/switches/{key}", Perm: auth.SwitchFlip, Handler: handle(s, decodeBody[flipIn], func(r *http.Request, in flipIn) (*lodestar.Switch, error) {
			key, err := s.switchKey(r)
			if err != nil {
				return nil, err
			}
			return s.flipAndPublish(r.Context(), key, in)
		}, http.StatusOK)},
		{Method: "GET", Pattern: Prefix + "/switches/stream", Perm: auth.ModelRead, Handler: s.streamSwitches},
	}
}

// switchKey is the key of the switch {key} names: the model's key or, as
// wherever a model's key is taken, its numeric ID (a key is never digits
// only, so the two cannot be confused). An ID of no model is left as it
// is, for FindSwitch's 404. OFREP's flag key is the switch key only.
func (s *Server) switchKey(r *http.Request) (string, error) {
	ref := r.PathValue("key")
	if id, err := strconv.ParseInt(ref, 10, 64); err != nil || id <= 0 {
		return ref, nil
	}
	m, err := s.Events.FindModelByRef(r.Context(), ref)
	if lodestar.ErrorCode(err) == lodestar.ENotFound {
		return ref, nil
	} else if err != nil {
		return "", err
	}
	return m.Key, nil
}

// stampedBody reads a PUT's body (putBody) of In: E's fields, embedded,
// beside an updated_at. encoding/json names a bad field of an embedded
// struct after the struct's Go name ("ModelCard.evaluation_metrics.f1"); the client
// sent it, and knows it, as evaluation_metrics.f1.
func stampedBody[In, E any](w http.ResponseWriter, r *http.Request) (In, error) {
	in, err := putBody[In](w, r)
	var le *lodestar.Error
	if errors.As(err, &le) && len(le.Fields) > 0 {
		prefix := reflect.TypeFor[E]().Name() + "."
		fields := make(map[string]string, len(le.Fields))
		for k, v := range le.Fields {
			fields[strings.TrimPrefix(k, prefix)] = strings.ReplaceAll(v, prefix, "")
		}
		le.Fields, le.Message = fields, strings.ReplaceAll(le.Message, prefix, "")
	}
	return in, err
}

// basedOnIn is ctx saying the edit made with it is based on the record as
// it was at updatedAt (lodestar.WithBasedOn), when the client sent it.
func basedOnIn(ctx context.Context, updatedAt *time.Time) context.Context {
	if updatedAt == nil {
		return ctx
	}
	return lodestar.WithBasedOn(ctx, *updatedAt)
}

// fromIn is ctx saying the stage or status change made with it is based
// on the record being in from (lodestar.WithFrom), when the client sent
// it.
func fromIn(ctx context.Context, from string) context.Context {
	if from == "" {
		return ctx
	}
	return lodestar.WithFrom(ctx, from)
}
