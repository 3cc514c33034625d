package api

import (
	"context"
	"net/http"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// monitorCopyIn is POST /monitors/{id}/copy: the version the copy
// watches, its name (absent: the monitor's), and for a monitor whose
// reference is a range of events, the new version's range.
type monitorCopyIn struct {
	Version   string `json:"version"`
	Name      string `json:"name"`
	Reference *struct {
		From time.Time `json:"from"`
		To   time.Time `json:"to"`
	} `json:"reference"`
}

func (s *Server) monitorCopyRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "POST", Pattern: Prefix + "/monitors/{id}/copy", Perm: auth.ModelWrite, Handler: handleID(s, decodeBody[monitorCopyIn], s.copyMonitor, http.StatusCreated)},
	}
}

func (s *Server) copyMonitor(ctx context.Context, id int64, in monitorCopyIn) (*lodestar.Monitor, error) {
	to := monitoring.CopyTo{Version: in.Version, Name: in.Name}
	if in.Reference != nil {
		to.From, to.To = in.Reference.From, in.Reference.To
	}
	return s.Monitoring.CopyMonitor(ctx, id, to)
}
