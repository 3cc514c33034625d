package api

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// Inputs: only the fields a client may write, so unknown or read-only
// fields (id, archived, created_at) are rejected by name.
type (
	businessUnitIn struct {
		Name      string     `json:"name"`
		NameZH    string     `json:"name_zh"`
		ParentID  int64      `json:"parent_id"`
		UpdatedAt *time.Time `json:"updated_at"` // only in an update: see stamp
	}
	goalIn struct {
		Title          string     `json:"title"`
		TitleZH        string     `json:"title_zh"`
		Description    string     `json:"description"`
		BusinessUnitID int64      `json:"business_unit_id"`
		OwnerID        int64      `json:"owner_id"`
		Horizon        string     `json:"horizon"`
		Status         string     `json:"status"`
		UpdatedAt      *time.Time `json:"updated_at"` // only in an update: see stamp
	}
	kpiIn struct {
		GoalID     int64      `json:"goal_id"`
		Name       string     `json:"name"`
		NameZH     string     `json:"name_zh"`
		Unit       string     `json:"unit"`
		Direction  string     `json:"direction"`
		Baseline   float64    `json:"baseline"`
		Target     float64    `json:"target"`
		TargetDate string     `json:"target_date"`
		OwnerID    int64      `json:"owner_id"`
		UpdatedAt  *time.Time `json:"updated_at"` // only in an update: see stamp
	}
	painIn struct {
		BusinessUnitID int64      `json:"business_unit_id"`
		Title          string     `json:"title"`
		TitleZH        string     `json:"title_zh"`
		Description    string     `json:"description"`
		Category       string     `json:"category"`
		AnnualCost     int64      `json:"annual_cost"`
		GoalID         int64      `json:"goal_id"`
		UpdatedAt      *time.Time `json:"updated_at"` // only in an update: see stamp
	}
	archiveIn struct {
		Archived *bool `json:"archived"`
	}
	stageIn struct {
		Stage  string `json:"stage"`
		Reason string `json:"reason"`
		// From is the stage the client saw the use case in: the change
		// is refused (409) if it has left it since. Optional.
		From string `json:"from"`
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

// The stamp of an input is the optional updated_at of an update (PUT)
// based on the record as the client read it: given, an update of a record
// changed since is refused with 409 and nothing changes
// (lodestar.WithBasedOn); left out, the update is made whatever changed
// meanwhile, as before. A create takes none.
func (in businessUnitIn) stamp() *time.Time { return in.UpdatedAt }
func (in goalIn) stamp() *time.Time         { return in.UpdatedAt }
func (in kpiIn) stamp() *time.Time          { return in.UpdatedAt }
func (in painIn) stamp() *time.Time         { return in.UpdatedAt }
func (in modelIn) stamp() *time.Time        { return in.UpdatedAt }
func (in experimentIn) stamp() *time.Time   { return in.UpdatedAt }

// entityIn is an entity's input: the entity, and the updated_at an
// update is based on.
type entityIn[E any] interface {
	entity() E
	stamp() *time.Time
}

// resource wires one entity's CRUD handlers from its service methods.
type resource[In entityIn[E], E any] struct {
	list    func(context.Context, lodestar.ListFilter) ([]*E, error)
	find    func(context.Context, int64) (*E, error)
	create  func(context.Context, E) (*E, error)
	update  func(context.Context, int64, E) (*E, error)
	archive func(context.Context, int64, bool) (*E, error)
	// filters are the query filters the list takes besides q and archived.
	filters listFilters
}

// routes are the entity's list, create, get, update and archive routes
// under path (e.g. "/goals").
func (res resource[In, E]) routes(s *Server, path string) []httpx.Route {
	read, write := auth.StrategyRead, auth.StrategyWrite
	return []httpx.Route{
		{Method: "GET", Pattern: Prefix + path, Perm: read, Handler: handle(s, fromQuery(res.filters.read), res.page, http.StatusOK)},
		{Method: "POST", Pattern: Prefix + path, Perm: write, Handler: res.createH(s, path+"/")},
		{Method: "GET", Pattern: Prefix + path + "/{id}", Perm: read, Handler: handleGet(s, res.find)},
		{Method: "PUT", Pattern: Prefix + path + "/{id}", Perm: write, Handler: putH[In](s, res.update)},
		{Method: "POST", Pattern: Prefix + path + "/{id}/archive", Perm: write, Handler: handleID(s, decodeArchive, res.archive, http.StatusOK)},
	}
}

func (s *Server) strategyRoutes() []httpx.Route {
	bu := resource[businessUnitIn, lodestar.BusinessUnit]{s.Units.ListBusinessUnits, s.Units.FindBusinessUnitByID, s.Units.CreateBusinessUnit, s.Units.UpdateBusinessUnit, s.Units.ArchiveBusinessUnit, nil}
	g := resource[goalIn, lodestar.Goal]{s.Goals.ListGoals, s.Goals.FindGoalByID, s.Goals.CreateGoal, s.Goals.UpdateGoal, s.Goals.ArchiveGoal, listFilters{"business_unit_id": nil, "status": lodestar.GoalStatuses}}
	k := resource[kpiIn, lodestar.KPI]{s.KPIs.ListKPIs, s.KPIs.FindKPIByID, s.KPIs.CreateKPI, s.KPIs.UpdateKPI, s.KPIs.ArchiveKPI, listFilters{"goal_id": nil}}
	p := resource[painIn, lodestar.PainPoint]{s.Pains.ListPainPoints, s.Pains.FindPainPointByID, s.Pains.CreatePainPoint, s.Pains.UpdatePainPoint, s.Pains.ArchivePainPoint, listFilters{"business_unit_id": nil, "goal_id": nil, "category": lodestar.PainCategories}}
	return slices.Concat(bu.routes(s, "/business-units"), g.routes(s, "/goals"), k.routes(s, "/kpis"), p.routes(s, "/pain-points"), []httpx.Route{
		{Method: "GET", Pattern: Prefix + "/kpis/{id}/readings", Perm: auth.StrategyRead, Handler: handleID(s, pageOnly(), s.kpiReadings, http.StatusOK)},
		{Method: "POST", Pattern: Prefix + "/kpis/{id}/readings", Perm: auth.StrategyWrite, Handler: handleID(s, decodeBody[readingsIn], s.addReadings, http.StatusOK)},
		{Method: "PUT", Pattern: Prefix + "/use-cases/{id}", Perm: auth.UseCaseWrite, Handler: handleID(s, stampedBody[useCasePut, lodestar.NewUseCase], s.updateUseCase, http.StatusOK)},
		{Method: "POST", Pattern: Prefix + "/use-cases/{id}/stage", Perm: auth.UseCaseWrite, Handler: handleID(s, decodeBody[stageIn], s.changeStage, http.StatusOK)},
		{Method: "GET", Pattern: Prefix + "/use-cases/{id}/stages", Perm: auth.UseCaseRead, Handler: handleID(s, pageOnly(), s.stageHistory, http.StatusOK)},
		{Method: "POST", Pattern: Prefix + "/use-cases/{id}/archive", Perm: auth.UseCaseWrite, Handler: handleID(s, decodeArchive, s.UseCases.ArchiveUseCase, http.StatusOK)},
		{Method: "GET", Pattern: Prefix + "/use-cases/{id}/realisation", Perm: auth.UseCaseRead, Handler: handleGet(s, s.Portfolio.Realisation)},
		{Method: "GET", Pattern: Prefix + "/portfolio", Perm: auth.UseCaseRead, Handler: handle(s, fromQuery(dashboardFilter), s.dashboard, http.StatusOK)},
	})
}

// reader reads what a request carries besides its {id}: its JSON body,
// its query, or nothing.
type reader[In any] func(http.ResponseWriter, *http.Request) (In, error)

// handle serves a request without an {id}: it reads the input with read,
// calls fn and writes what fn returns as JSON with status. The first error
// (read's, then fn's) is written in the API's error shape instead.
func handle[In, Out any](s *Server, read reader[In], fn func(r *http.Request, in In) (Out, error), status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in, err := read(w, r)
		var out Out
		if err == nil {
			out, err = fn(r, in)
		}
		s.reply(w, r, status, out, err)
	}
}

// handleID serves a request on the record named by the {id} path value:
// it reads the id, then the input with read, calls fn and writes what fn
// returns as JSON with status. The first error (the id's, read's, then
// fn's) is written in the API's error shape instead.
func handleID[In, Out any](s *Server, read reader[In], fn func(ctx context.Context, id int64, in In) (Out, error), status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		var in In
		if err == nil {
			in, err = read(w, r)
		}
		var out Out
		if err == nil {
			out, err = fn(r.Context(), id, in)
		}
		s.reply(w, r, status, out, err)
	}
}

// handleGet is handleID for a request without a body or query
// parameters (noParams), answering 200.
func handleGet[Out any](s *Server, fn func(ctx context.Context, id int64) (Out, error)) http.HandlerFunc {
	return handleID(s, noParams, func(ctx context.Context, id int64, _ struct{}) (Out, error) { return fn(ctx, id) }, http.StatusOK)
}

// reply writes out as JSON with status, or err, when there is one, in the
// API's error shape.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, status int, out any, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if status == http.StatusCreated && w.Header().Get("Location") == "" {
		if loc := locationOf(out); loc != "" {
			w.Header().Set("Location", loc)
		}
	}
	httpx.WriteJSON(w, status, out)
}

// asSent renames the fields err names under prefix ("card.intended_use",
// as the store names a version's card fields) as the body sent them
// ("intended_use": PUT …/card sends the card's fields at the top).
func asSent(err error, prefix string) error {
	var le *lodestar.Error
	if !errors.As(err, &le) || len(le.Fields) == 0 {
		return err
	}
	// In the messages, only a name: "card.intended_use", not "the card."
	named := regexp.MustCompile(`\b` + regexp.QuoteMeta(prefix) + `([a-z_])`)
	fields := make(map[string]string, len(le.Fields))
	for k, v := range le.Fields {
		fields[strings.TrimPrefix(k, prefix)] = named.ReplaceAllString(v, "$1")
	}
	out := *le
	out.Fields, out.Message = fields, named.ReplaceAllString(le.Message, "$1")
	return &out
}

// locationOf is the path of a record a POST created (a 201's Location),
// "" for one with no path of its own.
func locationOf(v any) string {
	var path string
	var id int64
	switch v := v.(type) {
	case *lodestar.Model:
		path, id = "/models/", v.ID
	case *lodestar.ModelVersion:
		path, id = "/model-versions/", v.ID
	case *lodestar.Monitor:
		path, id = "/monitors/", v.ID
	case *lodestar.Experiment:
		path, id = "/experiments/", v.ID
	case *lodestar.FairnessAudit:
		path, id = "/fairness-audits/", v.ID
	case *lodestar.ExplanationReport:
		path, id = "/explanations/", v.ID
	case *lodestar.UseCase:
		path, id = "/use-cases/", v.ID
	default:
		return ""
	}
	if id == 0 {
		return ""
	}
	return Prefix + path + strconv.FormatInt(id, 10)
}

// noInput is the reader of a request whose handler reads what it carries
// itself (an evidence list its page: listOf).
func noInput(http.ResponseWriter, *http.Request) (struct{}, error) { return struct{}{}, nil }

// noParams is the reader of a request that carries nothing to read (one
// record's GET): a query parameter is refused, by name (onlyParams),
// rather than ignored.
func noParams(_ http.ResponseWriter, r *http.Request) (struct{}, error) {
	return struct{}{}, onlyParams(r)
}

// decodeBody reads a JSON body into a T. The request's input is its body
// only: a query parameter is refused, by name, before the body is read —
// a filter or a version sent in the query (a flip's ?version=2, an
// update's ?updated_at=…) would otherwise be ignored and the write made
// without it, the client believing it applied.
func decodeBody[T any](w http.ResponseWriter, r *http.Request) (T, error) {
	var in T
	if err := onlyParams(r); err != nil {
		return in, err
	}
	err := httpx.DecodeJSON(w, r, &in, httpx.MaxJSONBody)
	return in, err
}

// putBody reads the JSON body of a PUT, which replaces the whole record:
// every field of T must be in it (httpx.DecodeWholeJSON), but updated_at
// and those T says a PUT cannot change (keptFields), so that a client
// sending part of a record is refused rather than erasing the rest. As
// for decodeBody, a query parameter is refused before the body is read.
func putBody[T any](w http.ResponseWriter, r *http.Request) (T, error) {
	var in T
	if err := onlyParams(r); err != nil {
		return in, err
	}
	var kept []string
	if k, ok := any(in).(interface{ keptFields() []string }); ok {
		kept = k.keptFields()
	}
	err := httpx.DecodeWholeJSON(w, r, &in, httpx.MaxJSONBody, kept...)
	return in, err
}

// entityBody reads a JSON body of the fields a client may write (In) and
// returns the entity they make.
func entityBody[In entityIn[E], E any](w http.ResponseWriter, r *http.Request) (E, error) {
	in, err := decodeBody[In](w, r)
	if err == nil && in.stamp() != nil {
		err = lodestar.FieldError("updated_at", "updated_at is for an update, based on the record as read; a new record has none.")
	}
	return in.entity(), err
}

// putH serves PUT {path}/{id}: the record updated from the JSON body,
// based on the updated_at it carries, if any (stamp).
func putH[In entityIn[E], E any](s *Server, update func(context.Context, int64, E) (*E, error)) http.HandlerFunc {
	return handleID(s, putBody[In], func(ctx context.Context, id int64, in In) (*E, error) {
		return update(basedOnIn(ctx, in.stamp()), id, in.entity())
	}, http.StatusOK)
}

// useCasePut is a use case's update: its fields, and the updated_at it is
// based on (stamp).
type useCasePut struct {
	lodestar.NewUseCase
	UpdatedAt *time.Time `json:"updated_at"`
}

// keptFields are the fields a use case's PUT may leave out: its stage
// changes only through /stage, so leaving it out erases nothing.
func (useCasePut) keptFields() []string { return []string{"stage"} }

// updateUseCase replaces a use case's fields, based on the updated_at
// sent, if any.
func (s *Server) updateUseCase(ctx context.Context, id int64, in useCasePut) (*lodestar.UseCase, error) {
	return s.UseCases.UpdateUseCase(basedOnIn(ctx, in.UpdatedAt), id, in.NewUseCase)
}

// fromQuery is the reader of filters parse reads from the query.
func fromQuery[T any](parse func(*http.Request) (T, error)) reader[T] {
	return func(_ http.ResponseWriter, r *http.Request) (T, error) { return parse(r) }
}

// pathID reads the {id} path value.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, lodestar.FieldError("id", "id must be a positive integer.")
	}
	return id, nil
}

// queryID reads an optional positive integer query parameter; given
// empty, it is refused.
func queryID(r *http.Request, name string) (int64, error) {
	v, ok, err := queryValue(r, name)
	if !ok {
		return 0, err
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, lodestar.FieldError(name, name+" must be a positive integer.")
	}
	return id, nil
}

// listFilters are the query filters a strategy list takes besides q and
// archived: for each name, the values it accepts (nil: a positive id).
type listFilters map[string][]string

// names are the query parameters a strategy list takes: q, archived and
// its filters, in a stable order.
func (fs listFilters) names() []string {
	names := []string{"q", "archived"}
	for _, name := range slices.Sorted(maps.Keys(fs)) {
		names = append(names, name)
	}
	return names
}

// read reads a strategy list's filters: a parameter the list does not
// take (another list's filter, a misspelt one), or a value it does not
// know, is refused by name rather than ignored (which answered an empty
// or unfiltered list as if it were the answer).
func (fs listFilters) read(r *http.Request) (lodestar.ListFilter, error) {
	if err := onlyFilters(r, fs.names()...); err != nil {
		return lodestar.ListFilter{}, err
	}
	q := r.URL.Query()
	f := lodestar.ListFilter{Query: q.Get("q"), Status: q.Get("status"), Category: q.Get("category")}
	var err error
	if f.Archived, err = boolParam(r, "archived", "archived must be true or false."); err != nil {
		return f, err
	}
	for _, name := range slices.Sorted(maps.Keys(fs)) {
		v, given, err := queryValue(r, name)
		if err != nil {
			return f, err
		}
		if values := fs[name]; given && values != nil && !slices.Contains(values, v) {
			return f, lodestar.FieldError(name, "Unknown "+name+"; use one of "+strings.Join(values, ", ")+".")
		}
	}
	if f.BusinessUnitID, err = queryID(r, "business_unit_id"); err != nil {
		return f, err
	}
	f.GoalID, err = queryID(r, "goal_id")
	return f, err
}

// boolParam reads a true/false query flag: true, false or absent (false);
// given empty, it is refused.
func boolParam(r *http.Request, name, refusal string) (bool, error) {
	v, ok, err := queryValue(r, name)
	if !ok {
		return false, err
	}
	switch v {
	case "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, lodestar.FieldError(name, refusal)
}

// pageReq is a list request's page: its limit and cursor (0: the first
// page).
type pageReq struct {
	Limit  int
	Cursor int64
}

// readPage is the reader of a list's limit and cursor (pageParams).
func readPage(_ http.ResponseWriter, r *http.Request) (pageReq, error) {
	limit, cursor, err := pageParams(r)
	return pageReq{Limit: limit, Cursor: cursor}, err
}

// slicePage is one page of an in-memory list, in its order; the cursor is
// an offset. The whole list is read, so only lists that stay small (a
// record's versions, monitors, stage changes) are paged this way.
func slicePage[T any](items []T, p pageReq) Page[T] {
	start := int(min(p.Cursor, int64(len(items)))) // in int64: an int is 32 bits on some platforms
	end := min(start+p.Limit, len(items))
	out := Page[T]{Data: items[start:end], Total: len(items)}
	if out.Data == nil {
		out.Data = []T{}
	}
	if end < len(items) {
		out.NextCursor = strconv.Itoa(end)
	}
	return out
}

// pageOfSlice pages an in-memory list with the same limit/cursor rules
// as the database-paged lists; the cursor is an offset.
func pageOfSlice[T any](r *http.Request, items []T) (Page[T], error) {
	p, err := readPage(nil, r)
	if err != nil {
		return Page[T]{}, err
	}
	return slicePage(items, p), nil
}

// page is one page of the records the list filter f matches.
func (res resource[In, E]) page(r *http.Request, f lodestar.ListFilter) (Page[*E], error) {
	items, err := res.list(r.Context(), f)
	if err != nil {
		return Page[*E]{}, err
	}
	return pageOfSlice(r, items)
}

// createH creates a record from the JSON body and answers 201 with it and
// its Location, under loc.
func (res resource[In, E]) createH(s *Server, loc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in, err := entityBody[In, E](w, r)
		var v *E
		if err == nil {
			v, err = res.create(r.Context(), in)
		}
		if id, ok := any(v).(interface{ GetID() int64 }); ok && err == nil {
			w.Header().Set("Location", Prefix+loc+strconv.FormatInt(id.GetID(), 10))
		}
		s.reply(w, r, http.StatusCreated, v, err)
	}
}

// decodeArchive reads {"archived": true|false}; the field is required.
func decodeArchive(w http.ResponseWriter, r *http.Request) (bool, error) {
	in, err := decodeBody[archiveIn](w, r)
	if err != nil {
		return false, err
	}
	if in.Archived == nil {
		return false, lodestar.FieldError("archived", "archived (true or false) is required.")
	}
	return *in.Archived, nil
}

// kpiReadings is one page of a KPI's readings, oldest first (one a date,
// so the list stays small enough to page in memory); an unknown KPI is
// not found.
func (s *Server) kpiReadings(ctx context.Context, id int64, p pageReq) (Page[lodestar.KPIReading], error) {
	if _, err := s.KPIs.FindKPIByID(ctx, id); err != nil {
		return Page[lodestar.KPIReading]{}, err
	}
	rs, err := s.KPIs.Readings(ctx, id)
	if err != nil {
		return Page[lodestar.KPIReading]{}, err
	}
	return slicePage(rs, p), nil
}

// addReadings records a KPI's readings and says how many it recorded.
func (s *Server) addReadings(ctx context.Context, id int64, in readingsIn) (map[string]int, error) {
	for i := range in.Readings {
		in.Readings[i].KPIID = id
	}
	n, err := s.KPIs.AddReadings(ctx, id, in.Readings)
	if err != nil {
		return nil, err
	}
	return map[string]int{"recorded": n}, nil
}

// changeStage moves a use case to the stage the body names.
func (s *Server) changeStage(ctx context.Context, id int64, in stageIn) (*lodestar.UseCase, error) {
	return s.UseCases.ChangeStage(fromIn(ctx, in.From), id, in.Stage, in.Reason)
}

// stageHistory is one page of a use case's stage changes, oldest first;
// an unknown use case is not found.
func (s *Server) stageHistory(ctx context.Context, id int64, p pageReq) (Page[*lodestar.StageChange], error) {
	if _, err := s.UseCases.FindUseCaseByID(ctx, id); err != nil {
		return Page[*lodestar.StageChange]{}, err
	}
	h, err := s.UseCases.StageHistory(ctx, id)
	if err != nil {
		return Page[*lodestar.StageChange]{}, err
	}
	return slicePage(h, p), nil
}

// dashboard is the portfolio's figures for the use cases f matches.
func (s *Server) dashboard(r *http.Request, f lodestar.UseCaseFilter) (*lodestar.Dashboard, error) {
	return s.Portfolio.Dashboard(r.Context(), f)
}

// useCaseFilters are the use-case list's filters the portfolio takes too
// (the list takes sort besides, and limit and cursor).
var useCaseFilters = []string{"q", "business_unit_id", "stage", "alignment", "archived", "active"}

// useCaseFilter reads the use-case list filters shared by the list and
// the portfolio. Stage, alignment and sort values are checked by the
// store; archived here.
func useCaseFilter(r *http.Request) (lodestar.UseCaseFilter, error) {
	q := r.URL.Query()
	f := lodestar.UseCaseFilter{Query: q.Get("q"), Stage: q.Get("stage"), Alignment: q.Get("alignment"), Sort: q.Get("sort")}
	var err error
	if f.Archived, err = boolParam(r, "archived", "archived must be true or false."); err != nil {
		return f, err
	}
	// active=true: work still under way only, rejected and retired left
	// out (the web list's active=1, which the home page's counts use).
	if f.Active, err = boolParam(r, "active", "active must be true or false."); err != nil {
		return f, err
	}
	f.BusinessUnitID, err = queryID(r, "business_unit_id")
	return f, err
}

// dashboardFilter reads the portfolio's filters: the use-case list's,
// except sort, which the portfolio does not take (its matrix is always by
// score), so a sort is refused rather than ignored.
func dashboardFilter(r *http.Request) (lodestar.UseCaseFilter, error) {
	if r.URL.Query().Get("sort") != "" {
		return lodestar.UseCaseFilter{}, lodestar.FieldError("sort", "The portfolio takes no sort: its matrix is always by score.")
	}
	// Nor limit or cursor: it is not paged.
	if err := onlyParams(r, useCaseFilters...); err != nil {
		return lodestar.UseCaseFilter{}, err
	}
	return useCaseFilter(r)
}
