package api

import (
	"context"
	"net/http"
	"strconv"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// Inputs: only the fields a client may write, so unknown or read-only
// fields (id, archived, created_at) are rejected by name.
type (
	businessUnitIn struct {
		Name     string `json:"name"`
		NameZH   string `json:"name_zh"`
		ParentID int64  `json:"parent_id"`
	}
	goalIn struct {
		Title          string `json:"title"`
		TitleZH        string `json:"title_zh"`
		Description    string `json:"description"`
		BusinessUnitID int64  `json:"business_unit_id"`
		OwnerID        int64  `json:"owner_id"`
		Horizon        string `json:"horizon"`
		Status         string `json:"status"`
	}
	kpiIn struct {
		GoalID     int64   `json:"goal_id"`
		Name       string  `json:"name"`
		NameZH     string  `json:"name_zh"`
		Unit       string  `json:"unit"`
		Direction  string  `json:"direction"`
		Baseline   float64 `json:"baseline"`
		Target     float64 `json:"target"`
		TargetDate string  `json:"target_date"`
		OwnerID    int64   `json:"owner_id"`
	}
	painIn struct {
		BusinessUnitID int64  `json:"business_unit_id"`
		Title          string `json:"title"`
		TitleZH        string `json:"title_zh"`
		Description    string `json:"description"`
		Category       string `json:"category"`
		AnnualCost     int64  `json:"annual_cost"`
		GoalID         int64  `json:"goal_id"`
	}
	archiveIn struct {
		Archived *bool `json:"archived"`
	}
	stageIn struct {
		Stage  string `json:"stage"`
		Reason string `json:"reason"`
	}
	readingsIn struct {
		Readings []lodestar.KPIReading `json:"readings"`
	}
)

func (in businessUnitIn) entity() lodestar.BusinessUnit {
	return lodestar.BusinessUnit{Name: in.Name, NameZH: in.NameZH, ParentID: in.ParentID}
}

func (in goalIn) entity() lodestar.Goal {
	return lodestar.Goal{Title: in.Title, TitleZH: in.TitleZH, Description: in.Description, BusinessUnitID: in.BusinessUnitID,
		OwnerID: in.OwnerID, Horizon: in.Horizon, Status: in.Status}
}

func (in kpiIn) entity() lodestar.KPI {
	return lodestar.KPI{GoalID: in.GoalID, Name: in.Name, NameZH: in.NameZH, Unit: in.Unit, Direction: in.Direction,
		Baseline: in.Baseline, Target: in.Target, TargetDate: in.TargetDate, OwnerID: in.OwnerID}
}

func (in painIn) entity() lodestar.PainPoint {
	return lodestar.PainPoint{BusinessUnitID: in.BusinessUnitID, Title: in.Title, TitleZH: in.TitleZH, Description: in.Description,
		Category: in.Category, AnnualCost: in.AnnualCost, GoalID: in.GoalID}
}

// resource wires one entity's CRUD handlers from its service methods.
type resource[In interface{ entity() E }, E any] struct {
	list    func(context.Context, lodestar.ListFilter) ([]*E, error)
	find    func(context.Context, int64) (*E, error)
	create  func(context.Context, E) (*E, error)
	update  func(context.Context, int64, E) (*E, error)
	archive func(context.Context, int64, bool) (*E, error)
}

func (s *Server) strategyRoutes() []httpx.Route {
	var rs []httpx.Route
	add := func(path string, listH, createH, getH, putH, archiveH http.HandlerFunc) {
		rs = append(rs,
			httpx.Route{Method: "GET", Pattern: Prefix + path, Perm: auth.StrategyRead, Handler: listH},
			httpx.Route{Method: "POST", Pattern: Prefix + path, Perm: auth.StrategyWrite, Handler: createH},
			httpx.Route{Method: "GET", Pattern: Prefix + path + "/{id}", Perm: auth.StrategyRead, Handler: getH},
			httpx.Route{Method: "PUT", Pattern: Prefix + path + "/{id}", Perm: auth.StrategyWrite, Handler: putH},
			httpx.Route{Method: "POST", Pattern: Prefix + path + "/{id}/archive", Perm: auth.StrategyWrite, Handler: archiveH},
		)
	}
	bu := resource[businessUnitIn, lodestar.BusinessUnit]{s.Units.ListBusinessUnits, s.Units.FindBusinessUnitByID, s.Units.CreateBusinessUnit, s.Units.UpdateBusinessUnit, s.Units.ArchiveBusinessUnit}
	add("/business-units", listH(s, bu), createH(s, bu, "/business-units/"), getH(s, bu), putH(s, bu), archiveH(s, bu))
	g := resource[goalIn, lodestar.Goal]{s.Goals.ListGoals, s.Goals.FindGoalByID, s.Goals.CreateGoal, s.Goals.UpdateGoal, s.Goals.ArchiveGoal}
	add("/goals", listH(s, g), createH(s, g, "/goals/"), getH(s, g), putH(s, g), archiveH(s, g))
	k := resource[kpiIn, lodestar.KPI]{s.KPIs.ListKPIs, s.KPIs.FindKPIByID, s.KPIs.CreateKPI, s.KPIs.UpdateKPI, s.KPIs.ArchiveKPI}
	add("/kpis", listH(s, k), createH(s, k, "/kpis/"), getH(s, k), putH(s, k), archiveH(s, k))
	p := resource[painIn, lodestar.PainPoint]{s.Pains.ListPainPoints, s.Pains.FindPainPointByID, s.Pains.CreatePainPoint, s.Pains.UpdatePainPoint, s.Pains.ArchivePainPoint}
	add("/pain-points", listH(s, p), createH(s, p, "/pain-points/"), getH(s, p), putH(s, p), archiveH(s, p))
	return append(rs,
		httpx.Route{Method: "GET", Pattern: Prefix + "/kpis/{id}/readings", Perm: auth.StrategyRead, Handler: s.listReadings},
		httpx.Route{Method: "POST", Pattern: Prefix + "/kpis/{id}/readings", Perm: auth.StrategyWrite, Handler: s.addReadings},
		httpx.Route{Method: "PUT", Pattern: Prefix + "/use-cases/{id}", Perm: auth.UseCaseWrite, Handler: s.updateUseCase},
		httpx.Route{Method: "POST", Pattern: Prefix + "/use-cases/{id}/stage", Perm: auth.UseCaseWrite, Handler: s.changeStage},
		httpx.Route{Method: "GET", Pattern: Prefix + "/use-cases/{id}/stages", Perm: auth.UseCaseRead, Handler: s.stageHistory},
		httpx.Route{Method: "POST", Pattern: Prefix + "/use-cases/{id}/archive", Perm: auth.UseCaseWrite, Handler: s.archiveUseCase},
		httpx.Route{Method: "GET", Pattern: Prefix + "/use-cases/{id}/realisation", Perm: auth.UseCaseRead, Handler: s.realisation},
		httpx.Route{Method: "GET", Pattern: Prefix + "/portfolio", Perm: auth.UseCaseRead, Handler: s.portfolio},
	)
}

// pathID reads the {id} path value.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, lodestar.FieldError("id", "id must be a positive integer.")
	}
	return id, nil
}

// queryID reads an optional positive integer query parameter.
func queryID(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, lodestar.FieldError(name, name+" must be a positive integer.")
	}
	return id, nil
}

func listFilter(r *http.Request) (lodestar.ListFilter, error) {
	q := r.URL.Query()
	f := lodestar.ListFilter{Query: q.Get("q"), Status: q.Get("status"), Category: q.Get("category"), Archived: q.Get("archived") == "true"}
	var err error
	if f.BusinessUnitID, err = queryID(r, "business_unit_id"); err != nil {
		return f, err
	}
	f.GoalID, err = queryID(r, "goal_id")
	return f, err
}

// pageOfSlice pages an in-memory list with the same limit/cursor rules
// as the database-paged lists; the cursor is an offset.
func pageOfSlice[T any](r *http.Request, items []T) (Page[T], error) {
	limit, cursor, err := pageParams(r)
	if err != nil {
		return Page[T]{}, err
	}
	start := min(int(cursor), len(items))
	end := min(start+limit, len(items))
	p := Page[T]{Data: items[start:end], Total: len(items)}
	if end < len(items) {
		p.NextCursor = strconv.Itoa(end)
	}
	return p, nil
}

func listH[In interface{ entity() E }, E any](s *Server, res resource[In, E]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := listFilter(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		items, err := res.list(r.Context(), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p, err := pageOfSlice(r, items)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, p)
	}
}

func getH[In interface{ entity() E }, E any](s *Server, res resource[In, E]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v, err := res.find(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, v)
	}
}

func createH[In interface{ entity() E }, E any](s *Server, res resource[In, E], loc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in In
		if err := httpx.DecodeJSON(w, r, &in, httpx.MaxJSONBody); err != nil {
			s.fail(w, r, err)
			return
		}
		v, err := res.create(r.Context(), in.entity())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if id, ok := any(v).(interface{ GetID() int64 }); ok {
			w.Header().Set("Location", Prefix+loc+strconv.FormatInt(id.GetID(), 10))
		}
		httpx.WriteJSON(w, http.StatusCreated, v)
	}
}

func putH[In interface{ entity() E }, E any](s *Server, res resource[In, E]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var in In
		if err := httpx.DecodeJSON(w, r, &in, httpx.MaxJSONBody); err != nil {
			s.fail(w, r, err)
			return
		}
		v, err := res.update(r.Context(), id, in.entity())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, v)
	}
}

// decodeArchive reads {"archived": true|false}; the field is required.
func decodeArchive(w http.ResponseWriter, r *http.Request) (bool, error) {
	var in archiveIn
	if err := httpx.DecodeJSON(w, r, &in, httpx.MaxJSONBody); err != nil {
		return false, err
	}
	if in.Archived == nil {
		return false, lodestar.FieldError("archived", "archived (true or false) is required.")
	}
	return *in.Archived, nil
}

func archiveH[In interface{ entity() E }, E any](s *Server, res resource[In, E]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		archived, err := decodeArchive(w, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v, err := res.archive(r.Context(), id, archived)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, v)
	}
}

func (s *Server) listReadings(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		_, err = s.KPIs.FindKPIByID(r.Context(), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rs, err := s.KPIs.Readings(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, Page[lodestar.KPIReading]{Data: rs, Total: len(rs)})
}

func (s *Server) addReadings(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in readingsIn
	if err := httpx.DecodeJSON(w, r, &in, httpx.MaxJSONBody); err != nil {
		s.fail(w, r, err)
		return
	}
	for i := range in.Readings {
		in.Readings[i].KPIID = id
	}
	n, err := s.KPIs.AddReadings(r.Context(), id, in.Readings)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]int{"recorded": n})
}

func (s *Server) updateUseCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in lodestar.NewUseCase
	if err := httpx.DecodeJSON(w, r, &in, httpx.MaxJSONBody); err != nil {
		s.fail(w, r, err)
		return
	}
	uc, err := s.UseCases.UpdateUseCase(r.Context(), id, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, uc)
}

func (s *Server) changeStage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in stageIn
	if err := httpx.DecodeJSON(w, r, &in, httpx.MaxJSONBody); err != nil {
		s.fail(w, r, err)
		return
	}
	uc, err := s.UseCases.ChangeStage(r.Context(), id, in.Stage, in.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, uc)
}

func (s *Server) stageHistory(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		_, err = s.UseCases.FindUseCaseByID(r.Context(), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h, err := s.UseCases.StageHistory(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, Page[*lodestar.StageChange]{Data: h, Total: len(h)})
}

func (s *Server) archiveUseCase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	archived, err := decodeArchive(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	uc, err := s.UseCases.ArchiveUseCase(r.Context(), id, archived)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, uc)
}

func (s *Server) realisation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.Portfolio.Realisation(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) portfolio(w http.ResponseWriter, r *http.Request) {
	f, err := useCaseFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.Portfolio.Dashboard(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// useCaseFilter reads the use-case list filters shared by the list and
// the portfolio.
func useCaseFilter(r *http.Request) (lodestar.UseCaseFilter, error) {
	q := r.URL.Query()
	f := lodestar.UseCaseFilter{Query: q.Get("q"), Stage: q.Get("stage"), Alignment: q.Get("alignment"), Sort: q.Get("sort"),
		Archived: q.Get("archived") == "true"}
	var err error
	f.BusinessUnitID, err = queryID(r, "business_unit_id")
	return f, err
}
