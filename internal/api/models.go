package api

import (
	"context"
	"net/http"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// Inputs for the model registry: only what a client may write.
type (
	modelIn struct {
		UseCaseID   int64  `json:"use_case_id"`
		Key         string `json:"key"`
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	versionIn struct {
		Version    string              `json:"version"`
		Card       lodestar.ModelCard  `json:"card"`
		Provenance lodestar.Provenance `json:"provenance"`
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
	}
)

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
	setStatus := func(ctx context.Context, id int64, in statusIn) (*lodestar.ModelVersion, error) {
		return m.SetModelVersionStatus(ctx, id, in.Status, in.Reason)
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
		{Method: "PUT", Pattern: Prefix + "/models/{id}", Perm: auth.ModelWrite, Handler: handleID(s, entityBody[modelIn], m.UpdateModel, http.StatusOK)},
		{Method: "GET", Pattern: Prefix + "/models/{id}/versions", Perm: auth.ModelRead, Handler: handleID(s, pageOnly(), versions, http.StatusOK)},
		{Method: "POST", Pattern: Prefix + "/models/{id}/versions", Perm: auth.ModelWrite, Handler: handleID(s, decodeBody[versionIn], addVersion, http.StatusCreated)},
		{Method: "GET", Pattern: Prefix + "/model-versions/{id}", Perm: auth.ModelRead, Handler: handleGet(s, m.FindModelVersionByID)},
		{Method: "PUT", Pattern: Prefix + "/model-versions/{id}/card", Perm: auth.ModelWrite, Handler: handleID(s, decodeBody[lodestar.ModelCard], m.UpdateModelCard, http.StatusOK)},
		{Method: "PUT", Pattern: Prefix + "/model-versions/{id}/provenance", Perm: auth.ModelWrite, Handler: handleID(s, decodeBody[lodestar.Provenance], m.UpdateModelProvenance, http.StatusOK)},
		{Method: "POST", Pattern: Prefix + "/model-versions/{id}/status", Perm: auth.ModelWrite, Handler: handleID(s, decodeBody[statusIn], setStatus, http.StatusOK)},
		{Method: "GET", Pattern: Prefix + "/switches", Perm: auth.ModelRead, Handler: handle(s, pageOnly(), func(r *http.Request, p pageReq) (Page[*lodestar.Switch], error) {
			// One switch a model: paged in memory like the models.
			items, err := s.Switches.ListSwitches(r.Context())
			if err != nil {
				return Page[*lodestar.Switch]{}, err
			}
			return slicePage(items, p), nil
		}, http.StatusOK)},
		{Method: "GET", Pattern: Prefix + "/switches/{key}", Perm: auth.ModelRead, Handler: handle(s, noInput, func(r *http.Request, _ struct{}) (*lodestar.Switch, error) {
			return s.Switches.FindSwitch(r.Context(), r.PathValue("key"))
		}, http.StatusOK)},
		{Method: "PUT", Pattern: Prefix + "/switches/{key}", Perm: auth.SwitchFlip, Handler: handle(s, decodeBody[flipIn], func(r *http.Request, in flipIn) (*lodestar.Switch, error) {
			return s.flipAndPublish(r.Context(), r.PathValue("key"), in)
		}, http.StatusOK)},
		{Method: "GET", Pattern: Prefix + "/switches/stream", Perm: auth.ModelRead, Handler: s.streamSwitches},
	}
}
