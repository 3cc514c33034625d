package web

import "github.com/lodestar-hq/lodestar/internal/httpx"

// entityRoutes are the pages for business units, goals, KPIs and pain
// points.
func (s *Server) entityRoutes() []httpx.Route {
	return nil
}
