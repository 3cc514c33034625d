// Package api serves Lodestar's JSON API under /api/v1 and its OpenAPI
// document. Every route is declared in Routes with its permission; the
// OpenAPI test checks the two agree.
package api

import (
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// Pagination limits, documented in the OpenAPI document.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Server serves the API.
type Server struct {
	UseCases lodestar.UseCaseService
	Units    lodestar.BusinessUnitService
	Goals    lodestar.GoalService
	KPIs     lodestar.KPIService
	Pains    lodestar.PainPointService
	Models   lodestar.ModelService
	Switches lodestar.SwitchService
	Events   lodestar.EventService
	Monitors lodestar.MonitorService
	// Metrics reads GET /api/v1/metrics' figures.
	Metrics lodestar.MetricsService
	// Monitoring creates and evaluates monitors.
	Monitoring *monitoring.Service
	// Hub fans switch flips out to open streams.
	Hub   *SwitchHub
	Audit lodestar.AuditService
	// Portfolio computes the dashboard's and value realisation's figures.
	Portfolio lodestar.PortfolioService
	// Evidence holds fairness audits and explanation reports.
	Evidence lodestar.EvidenceService
	// Experiments manages A/B experiments and their analysis.
	Experiments lodestar.ExperimentService
	Log         *slog.Logger
	// Heartbeat is how often an idle switch stream gets a comment line
	// and its caller's credential is checked again; 0 means the package's
	// Heartbeat.
	Heartbeat time.Duration
	// IngestLimit holds each token to a rate of ingested lines (nil: no
	// limit).
	IngestLimit *IngestLimiter
	// MaxStreams caps the switch streams open on this server at once (0:
	// no cap): one more is refused with 503 (stream_limit.go).
	MaxStreams int
	// MaxStreamsPerCredential caps those one token or session holds (0: no
	// cap): one more is refused with 429.
	MaxStreamsPerCredential int
	// MaxStreamsPerUser caps those one user holds, all its tokens and
	// sessions together (0: no cap): one more is refused with 429. A user
	// who mints more tokens gets no more streams.
	MaxStreamsPerUser int

	checks credChecks  // the credentials of the open streams, checked every heartbeat
	slots  streamSlots // the open streams, counted against the caps
}

// Routes is the API's route table.
func (s *Server) Routes() []httpx.Route {
	return append([]httpx.Route{
		{Method: "GET", Pattern: Prefix + "/openapi.json", Perm: auth.Public, Handler: s.openapi},
		{Method: "GET", Pattern: Prefix + "/me", Perm: auth.SignedIn, Handler: s.me},
		{Method: "GET", Pattern: Prefix + "/use-cases", Perm: auth.UseCaseRead, Handler: s.listUseCases},
		{Method: "POST", Pattern: Prefix + "/use-cases", Perm: auth.UseCaseWrite, Handler: s.createUseCase},
		{Method: "GET", Pattern: Prefix + "/use-cases/{id}", Perm: auth.UseCaseRead, Handler: s.getUseCase},
		{Method: "GET", Pattern: Prefix + "/audit", Perm: auth.AuditRead, Handler: s.listAudit},
	}, slices.Concat(s.strategyRoutes(), s.modelRoutes(), s.monitoringRoutes(), s.ofrepRoutes(), s.evidenceRoutes(), s.experimentRoutes(), s.metricsRoutes(), s.monitorCopyRoutes())...)
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteJSONError(s.Log, w, r, err)
}

// Page is a list response: one page of items, how many match across all
// pages (0 included: an empty list says total 0), and the cursor of the
// next page.
type Page[T any] struct {
	Data       []T    `json:"data"`
	Total      int    `json:"total"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// CursorPage is a list response without a total: the audit log's, which
// pages by sequence number and is not counted (an append-only log of every
// write, filtered by text fields no index answers).
type CursorPage[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// emptyParam is the refusal of query parameter name given with no value
// (?status=): read as absent, it answered the unfiltered list or the
// default page as if they were the ones asked for.
func emptyParam(name string) error {
	return lodestar.FieldError(name, emptyParamMsg(name))
}

func emptyParamMsg(name string) string {
	return fmt.Sprintf("%s is given empty; give it a value or leave it out.", name)
}

// queryValue is the value of query parameter name and whether it is
// given; given empty, it is refused by name (emptyParam).
func queryValue(r *http.Request, name string) (string, bool, error) {
	q := r.URL.Query()
	if !q.Has(name) {
		return "", false, nil
	}
	if v := q.Get(name); v != "" {
		return v, true, nil
	}
	return "", false, emptyParam(name)
}

// pageParams reads limit and cursor, rejecting bad values by name, an
// empty one too.
func pageParams(r *http.Request) (limit int, cursor int64, err error) {
	limit = DefaultPageSize
	v, ok, err := queryValue(r, "limit")
	if err != nil {
		return 0, 0, err
	}
	if ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			return 0, 0, lodestar.FieldError("limit", "limit must be an integer between 1 and 200.")
		}
		limit = n
	}
	v, ok, err = queryValue(r, "cursor")
	if err != nil {
		return 0, 0, err
	}
	if ok {
		c, err := strconv.ParseInt(v, 10, 64)
		if err != nil || c < 1 {
			return 0, 0, lodestar.FieldError("cursor", "cursor must be a value returned as next_cursor.")
		}
		cursor = c
	}
	return limit, cursor, nil
}

// onlyFilters refuses, by name, a query parameter other than limit,
// cursor and the list's own filters: a list that ignored it would answer
// the unfiltered list as if it were the filtered one (every model's
// retraining tasks for /retraining-tasks?model_id=…, every goal for
// /goals?stauts=live).
func onlyFilters(r *http.Request, filters ...string) error {
	return onlyParams(r, append(slices.Clip(filters), "limit", "cursor")...)
}

// repeatable are the query parameters a request may give more than once
// (an assignment check's unit=…&unit=…).
var repeatable = map[string]bool{"unit": true}

// onlyParams refuses, by name, a query parameter other than names, one
// of them given more than once (unless repeatable): a request reads each
// parameter's first value only, so a second one (status=draft&
// status=active) would be ignored as silently as an unknown name — and
// one given empty (status=), which would be read as not given.
func onlyParams(r *http.Request, names ...string) error {
	// r.URL.Query() drops what it cannot read (a ';' separator, a '%'
	// not followed by two hex digits): a filter or a flip's version so
	// dropped would be answered as if it were not sent.
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		msg := "The query string cannot be read: write each parameter as name=value, joined by & (not ;), a percent sign only in an escape such as %20."
		return &lodestar.Error{Code: lodestar.EInvalid, Message: msg, Fields: map[string]string{"query": msg}}
	}
	var bad []string
	for name, vs := range q {
		if !slices.Contains(names, name) || len(vs) > 1 && !repeatable[name] || slices.Contains(vs, "") {
			bad = append(bad, name)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	slices.Sort(bad)
	// Each refusal is one message shape, the names its only parts, so
	// that it translates whole (httpx.WriteJSONError).
	e := &lodestar.Error{Code: lodestar.EInvalid, Fields: map[string]string{}}
	for _, name := range bad {
		switch {
		case slices.Contains(names, name) && (len(q[name]) == 1 || repeatable[name]):
			e.Fields[name] = emptyParamMsg(name)
		case slices.Contains(names, name):
			e.Fields[name] = fmt.Sprintf("%s is given %d times; give it once.", name, len(q[name]))
		case len(names) == 0:
			e.Fields[name] = fmt.Sprintf("%s is not a parameter of this request, which takes no query parameters.", name)
		default:
			e.Fields[name] = fmt.Sprintf("%s is not a parameter of this request; it takes only %s.", name, strings.Join(names, ", "))
		}
	}
	e.Message = e.Fields[bad[0]]
	return e
}

// pageOnly reads a list's page (readPage) after refusing every query
// parameter but its filters (onlyFilters).
func pageOnly(filters ...string) func(http.ResponseWriter, *http.Request) (pageReq, error) {
	return func(w http.ResponseWriter, r *http.Request) (pageReq, error) {
		if err := onlyFilters(r, filters...); err != nil {
			return pageReq{}, err
		}
		return readPage(w, r)
	}
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r); err != nil {
		s.fail(w, r, err)
		return
	}
	id := httpx.IdentityFrom(r.Context())
	out := struct {
		User   *lodestar.User `json:"user"`
		Scopes []string       `json:"scopes,omitempty"`
		Models []string       `json:"models,omitempty"`
		Locale string         `json:"locale"`
	}{User: id.User, Locale: id.Locale}
	if id.Token != nil {
		out.Scopes = id.Token.Scopes
		if len(id.Token.Models) > 0 {
			out.Models = id.Token.ModelKeys()
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) listUseCases(w http.ResponseWriter, r *http.Request) {
	if err := onlyFilters(r, slices.Concat(useCaseFilters, []string{"sort"})...); err != nil {
		s.fail(w, r, err)
		return
	}
	limit, cursor, err := pageParams(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := useCaseFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Unsorted pages by ID (the cursor is the last ID); sorted pages by
	// position (the cursor is an offset).
	if f.Sort == "" {
		f.After = cursor
	} else {
		// Capped in int64 first: cut to a 32-bit int, a cursor of 2^31
		// was a negative offset and 2^32+1 an offset of 1. No list is
		// that long, so the cap answers the same empty last page.
		f.Offset = int(min(cursor, math.MaxInt))
	}
	// One more than the page, to know whether another follows (cutPage);
	// the store reads at most MaxPageSize, so a page of that many asks
	// after it for one more.
	f.Limit = min(limit+1, MaxPageSize)
	items, total, err := s.UseCases.FindUseCases(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items, more := cutPage(items, limit)
	if !more && len(items) == MaxPageSize {
		next := f
		next.Limit = 1
		if f.Sort == "" {
			next.After = items[len(items)-1].ID
		} else {
			next.Offset = f.Offset + limit
		}
		after, _, err := s.UseCases.FindUseCases(r.Context(), next)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		more = len(after) > 0
	}
	p := Page[*lodestar.UseCase]{Data: items, Total: total}
	if p.Data == nil {
		p.Data = []*lodestar.UseCase{}
	}
	if more && f.Sort == "" {
		p.NextCursor = strconv.FormatInt(items[len(items)-1].ID, 10)
	} else if more {
		p.NextCursor = strconv.Itoa(f.Offset + limit)
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}

func (s *Server) createUseCase(w http.ResponseWriter, r *http.Request) {
	in, err := decodeBody[lodestar.NewUseCase](w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := lodestar.CheckStartStage(in.Stage); err != nil {
		s.fail(w, r, err)
		return
	}
	uc, err := s.UseCases.CreateUseCase(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/use-cases/"+strconv.FormatInt(uc.ID, 10))
	httpx.WriteJSON(w, http.StatusCreated, uc)
}

func (s *Server) getUseCase(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.fail(w, r, lodestar.FieldError("id", "id must be a positive integer."))
		return
	}
	if err := onlyParams(r); err != nil {
		s.fail(w, r, err)
		return
	}
	uc, err := s.UseCases.FindUseCaseByID(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, uc)
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	if err := onlyFilters(r, "actor", "action", "entity_type", "entity_id", "from", "to"); err != nil {
		s.fail(w, r, err)
		return
	}
	limit, cursor, err := pageParams(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	from, to, err := lodestar.ParseTimeRange(q.Get("from"), q.Get("to"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	events, err := s.Audit.FindEvents(r.Context(), lodestar.AuditFilter{Actor: q.Get("actor"), Action: q.Get("action"),
		EntityType: q.Get("entity_type"), EntityID: q.Get("entity_id"), Before: cursor, Limit: limit + 1, From: from, To: to})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	events, more := cutPage(events, limit)
	p := CursorPage[*lodestar.AuditEvent]{Data: events}
	if p.Data == nil {
		p.Data = []*lodestar.AuditEvent{}
	}
	if more {
		p.NextCursor = strconv.FormatInt(events[len(events)-1].Seq, 10)
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}
