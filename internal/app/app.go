// Package app wires Lodestar together: store, services, both HTTP
// surfaces, health and metrics, into one http.Handler.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/api"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/i18n"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/web"
)

// MaxBody caps every request body: httpx.MaxServerBody.
const MaxBody = httpx.MaxServerBody

// Options tune the app.
type Options struct {
	SessionTTL time.Duration
	// SessionIdle ends a session unused this long (0: no idle timeout;
	// serve's default is 2h).
	SessionIdle time.Duration
	// SecureCookies marks cookies Secure: the server is reached over
	// HTTPS (its own TLS or a proxy's), so it also sends HSTS.
	SecureCookies bool
	// WebhookSecret signs monitors' webhooks.
	WebhookSecret string
	// WebhookAllowPrivate lets webhooks go to non-public addresses.
	WebhookAllowPrivate bool
	// EventRetention is how long prediction events are kept (0: forever).
	EventRetention time.Duration
	// MonitorLateness is how long after its end a time window is closed.
	MonitorLateness time.Duration
	// Proxies are the trusted reverse proxies (httpx.Guard.ClientIP).
	Proxies httpx.Proxies
	// SwitchPoll is how often, on SQLite, FollowSwitches looks for flips
	// made by another process (0: DefaultSwitchPoll).
	SwitchPoll time.Duration
	// IngestRate holds each token to this many ingested lines (events
	// and labels) a second (0: no limit; api.IngestLimiter).
	IngestRate int
	// MaxStreams caps the switch streams open at once (0: no cap; serve's
	// default is three quarters of the open-file limit), and
	// MaxStreamsPerCredential those of one token or session (0: no cap;
	// serve's default 5,000), and MaxStreamsPerUser those of one user,
	// all its tokens and sessions together (0: no cap; serve's default
	// 10,000).
	MaxStreams, MaxStreamsPerCredential, MaxStreamsPerUser int
	// UploadDir is where pages' streamed uploads are written as they
	// arrive (httpx.UploadDir's Path; "": the system's temporary
	// directory).
	UploadDir string
}

// App is the assembled server.
type App struct {
	DB    *sqldb.DB
	Store *store.Store
	Web   *web.Server
	API   *api.Server
	// Monitoring evaluates monitors and delivers their webhooks; serve
	// runs it in the background.
	Monitoring *monitoring.Service
	Handler    http.Handler
	// Routes is every route of every surface, for the role-matrix test.
	Routes []httpx.Route
	mux    *http.ServeMux
	log    *slog.Logger
	// switchPoll is Options.SwitchPoll.
	switchPoll time.Duration
}

// New builds the app on an open, migrated database.
func New(db *sqldb.DB, log *slog.Logger, opt Options) (*App, error) {
	if opt.SessionTTL == 0 {
		opt.SessionTTL = 12 * time.Hour
	}
	st := store.New(db)
	st.SessionIdle = opt.SessionIdle
	bundle, err := i18n.Shared()
	if err != nil {
		return nil, err
	}
	hub := api.NewSwitchHub()
	mon := &monitoring.Service{Store: st, Log: log, Secret: []byte(opt.WebhookSecret), I18n: bundle, AllowPrivateWebhooks: opt.WebhookAllowPrivate, Retention: opt.EventRetention, Lateness: opt.MonitorLateness}
	webGuard := &httpx.Guard{Sessions: st, Tokens: st, Forms: st, Log: log, Secure: opt.SecureCookies, Proxies: opt.Proxies, UploadDir: opt.UploadDir}
	apiGuard := &httpx.Guard{Sessions: st, Tokens: st, Log: log, Secure: opt.SecureCookies, API: true, Proxies: opt.Proxies}
	w, err := web.New(web.Services{Users: st, Sessions: st, UseCases: st, Models: st, Switches: st, Events: st, Monitors: st, Monitoring: mon, Units: st, Goals: st, KPIs: st, Pains: st, Portfolio: st, Audit: st, Transfer: st, Importer: st, PublishSwitch: hub.Publish, Evidence: st, Experiments: st, Tokens: st}, webGuard, bundle, log, opt.SessionTTL)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	w.Now = func() time.Time { return db.Now() }
	a := &App{DB: db, Store: st, Web: w, API: &api.Server{UseCases: st, Units: st, Goals: st, KPIs: st, Pains: st, Models: st, Switches: st, Hub: hub, Audit: st, Portfolio: st, Evidence: st, Experiments: st, Log: log,
		Events: st, Monitors: st, Metrics: st, Monitoring: mon, MaxStreams: opt.MaxStreams, MaxStreamsPerCredential: opt.MaxStreamsPerCredential,
		MaxStreamsPerUser: opt.MaxStreamsPerUser}, Monitoring: mon, mux: http.NewServeMux(), log: log, switchPoll: opt.SwitchPoll}

	if opt.IngestRate > 0 {
		a.API.IngestLimit = &api.IngestLimiter{Rate: opt.IngestRate, Now: func() time.Time { return db.Now() }}
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := httpx.NewMetrics(reg)
	a.registerStreamMetrics(reg)

	system := []httpx.Route{
		{Method: "GET", Pattern: "/healthz", Perm: auth.Public, Handler: a.healthz},
		{Method: "GET", Pattern: "/readyz", Perm: auth.Public, Handler: a.readyz},
		{Method: "GET", Pattern: "/metrics", Perm: auth.Public, Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP},
	}
	machine := map[string]bool{}
	for _, rt := range system {
		machine[rt.Pattern] = true
		a.handle(apiGuard, rt)
	}
	for _, rt := range a.API.Routes() {
		a.handle(apiGuard, rt)
	}
	for _, rt := range w.Routes() {
		a.handle(webGuard, rt)
	}
	apiMissing := apiGuard.Wrap(httpx.Route{Perm: auth.Public, Handler: a.apiFallback, ReadOnly: true})
	webMissing := webGuard.Wrap(httpx.Route{Perm: auth.Public, Handler: a.webFallback, ReadOnly: true})
	a.mux.Handle(api.Prefix+"/", apiMissing)
	// OFREP's clients are OpenFeature providers, not browsers: a wrong
	// method or path under it is answered in JSON too, not with a page.
	a.mux.Handle(api.OFREP+"/", apiMissing)
	// The prefixes themselves: the mux would redirect them to the
	// subtree (a 307 with an HTML body), as if a client would follow it.
	a.mux.Handle(api.Prefix, apiMissing)
	a.mux.Handle(api.OFREP, apiMissing)
	// The machine endpoints (health, readiness, metrics) are read by load
	// balancers and scrapers, not browsers: a wrong method there is
	// answered as the API answers it (JSON, 405 with Allow), not with an
	// HTML page.
	a.mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if machine[r.URL.Path] {
			apiMissing.ServeHTTP(w, r)
			return
		}
		webMissing.ServeHTTP(w, r)
	}))

	route := func(r *http.Request) string {
		_, p := a.mux.Handler(r)
		if unmatched(p) || uncleanAPIPath(r.URL.Path) {
			return "unmatched"
		}
		return p
	}
	// An API path that is not clean (//api/v1/use-cases, /api/v1/./me):
	// the mux would redirect it to its clean form with an HTML body; a
	// program is told in JSON what is wrong with it instead.
	root := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if uncleanAPIPath(r.URL.Path) {
			httpx.WriteJSONError(a.log, w, r, lodestar.Errorf(lodestar.ENotFound, "No such route: %s %s; write the path as %s.",
				r.Method, r.URL.Path, cleanPath(r.URL.Path)))
			return
		}
		a.mux.ServeHTTP(w, r)
	})
	a.Handler = httpx.SecurityHeaders(opt.SecureCookies, httpx.LimitBody(MaxBody, httpx.Observe(log, metrics, route, root)))
	return a, nil
}

// unmatched reports whether a mux pattern is one of the fallbacks, which
// answer the requests no route takes.
func unmatched(pattern string) bool {
	switch pattern {
	case "/", api.Prefix + "/", api.OFREP + "/", api.Prefix, api.OFREP:
		return true
	}
	return false
}

// cleanPath is p as the mux would redirect it: path.Clean, keeping a
// final slash.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// uncleanAPIPath reports whether p is not clean and, cleaned, an API (or
// OFREP) path.
func uncleanAPIPath(p string) bool {
	c := cleanPath(p)
	if c == p {
		return false
	}
	for _, prefix := range []string{api.Prefix, api.OFREP} {
		if c == prefix || strings.HasPrefix(c, prefix+"/") {
			return true
		}
	}
	return false
}

func (a *App) handle(g *httpx.Guard, rt httpx.Route) {
	a.Routes = append(a.Routes, rt)
	a.mux.Handle(rt.Method+" "+rt.Pattern, g.Wrap(rt))
}

// otherMethods returns the methods that do have a route for r's path, so
// a wrong method gets 405 with Allow instead of 404.
func (a *App) otherMethods(r *http.Request) []string {
	var allow []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		if m == r.Method {
			continue
		}
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, p := a.mux.Handler(r2); !unmatched(p) {
			allow = append(allow, m)
		}
	}
	return allow
}

func (a *App) missing(w http.ResponseWriter, r *http.Request) error {
	if allow := a.otherMethods(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		if n := len(allow); n > 1 {
			// The list's last "or" is the shape's, so that it translates.
			return lodestar.Errorf(lodestar.EMethod, "Method %s is not allowed here; use %s or %s.", r.Method, strings.Join(allow[:n-1], ", "), allow[n-1])
		}
		return lodestar.Errorf(lodestar.EMethod, "Method %s is not allowed here; use %s.", r.Method, allow[0])
	}
	return lodestar.Errorf(lodestar.ENotFound, "No such route: %s %s.", r.Method, r.URL.Path)
}

func (a *App) apiFallback(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSONError(a.log, w, r, a.missing(w, r))
}

func (a *App) webFallback(w http.ResponseWriter, r *http.Request) {
	err := a.missing(w, r)
	if lodestar.ErrorCode(err) == lodestar.ENotFound {
		err = lodestar.Errorf(lodestar.ENotFound, "Page not found.")
	}
	a.Web.Error(w, r, err)
}

func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok\n")
}

// readyz answers 200 only when the database answers and its schema is
// current, so a load balancer sends no traffic to a replica that cannot
// serve it.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := a.DB.PingContext(ctx); err != nil {
		a.log.Warn("not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "database unreachable\n")
		return
	}
	// A schema another replica migrated past this binary, or one with a
	// migration pending, is not one this replica can serve.
	if err := a.DB.CheckCurrent(ctx); err != nil {
		a.log.Warn("not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "schema not current\n")
		return
	}
	_, _ = io.WriteString(w, "ready\n")
}

// FollowSwitches relays flips committed by other processes sharing the
// database — other replicas, 'lodestar switch flip' — to this server's
// open switch streams, until ctx ends. On PostgreSQL every flip is
// announced on commit (LISTEN/NOTIFY): it listens, reconnecting with
// backoff. SQLite announces nothing to other processes: it polls the
// switches' stamp every Options.SwitchPoll (see pollSwitches).
func (a *App) FollowSwitches(ctx context.Context) {
	if a.DB.Dialect != sqldb.Postgres {
		a.pollSwitches(ctx)
		return
	}
	backoff := time.Second
	for ctx.Err() == nil {
		// Once listening (again), every switch is published: flips made
		// by other replicas while this one was not listening reach its
		// streams too (the hub drops versions it has already sent).
		listened := false
		catchUp := func() error {
			all, err := a.Store.ListSwitches(ctx)
			if err != nil {
				// Flips made meanwhile would stay unknown here until the
				// next reconnect: listen again (backing off), and catch up
				// then.
				return err
			}
			// Listening again and caught up: the next loss is waited on
			// from the backoff's first step, not from where failures
			// left it.
			listened = true
			for _, sw := range all {
				a.API.Hub.Publish(sw)
			}
			return nil
		}
		err := a.DB.Listen(ctx, store.SwitchChannel, catchUp, func(key string) error {
			sw, err := a.Store.FindSwitch(ctx, key)
			switch {
			case lodestar.ErrorCode(err) == lodestar.ENotFound:
				return nil // not a switch (any more): nothing to tell
			case err != nil:
				return err // the flip unread: listen again and catch up
			}
			a.API.Hub.Publish(sw)
			return nil
		})
		if err == nil || ctx.Err() != nil {
			return
		}
		if listened {
			backoff = time.Second
		}
		a.log.Warn("switch notifications lost; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// DefaultSwitchPoll is how often a server on SQLite looks for switch
// flips made by another process on its database (the CLI's): such a flip
// reaches the server's streams within about this long.
const DefaultSwitchPoll = time.Second

// pollSwitches is FollowSwitches on SQLite. Every SwitchPoll it reads the
// switches' stamp (one small query); when the stamp has changed, it
// reads the switches and publishes those at a version it has not seen,
// through the hub as a flip made here is (the hub drops what it has
// already sent: flips made through this server come back here too). A
// flip made by another process therefore reaches the streams within
// SwitchPoll and a query's time. A read that fails is tried again at the
// next tick (logged once until one succeeds again), and the flips made
// meanwhile are published then.
func (a *App) pollSwitches(ctx context.Context) {
	every := a.switchPoll
	if every <= 0 {
		every = DefaultSwitchPoll
	}
	var stamp store.SwitchStamp
	seen := map[string]int64{}
	primed, failing := false, false
	check := func() error {
		st, err := a.Store.SwitchStamp(ctx)
		if err != nil || (primed && st == stamp) {
			return err
		}
		// The stamp before the switches: a flip committed between the two
		// changes the stamp again, and is read at the next tick if not now.
		all, err := a.Store.ListSwitches(ctx)
		if err != nil {
			return err
		}
		// The first read publishes every switch, as a PostgreSQL server
		// catches up when it starts listening: a stream opened before it
		// (or while the reads were failing) gets what it lacks, and the
		// others, which have it, are sent nothing.
		for _, sw := range all {
			if sw.Version > seen[sw.Key] {
				a.API.Hub.Publish(sw)
				seen[sw.Key] = sw.Version
			}
		}
		stamp, primed = st, true
		return nil
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		switch err := check(); {
		case ctx.Err() != nil:
			return
		case err != nil && !failing:
			failing = true
			a.log.Warn("reading the switches for flips made by other processes failed; trying again", "err", err, "every", every)
		case err == nil && failing:
			failing = false
			a.log.Info("reading the switches for flips made by other processes works again")
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// registerStreamMetrics exposes the switch streams on /metrics: how many
// are open, the cap, and how many were refused at each cap.
func (a *App) registerStreamMetrics(reg prometheus.Registerer) {
	s := a.API
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "lodestar_switch_streams_open", Help: "Switch event streams open on this server."},
			func() float64 { return float64(s.StreamStats().Open) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "lodestar_switch_streams_max", Help: "The most switch event streams this server holds open (serve --max-streams; 0: no cap)."},
			func() float64 { return float64(s.MaxStreams) }),
	)
	for reason, n := range map[string]func(api.StreamStats) int64{
		"credential": func(st api.StreamStats) int64 { return st.RefusedCredential },
		"server":     func(st api.StreamStats) int64 { return st.RefusedServer },
		"user":       func(st api.StreamStats) int64 { return st.RefusedUser },
	} {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "lodestar_switch_streams_refused_total",
			Help:        "Switch event streams refused at a cap: reason credential (429, serve --max-streams-per-credential), user (429, serve --max-streams-per-user) or server (503, serve --max-streams).",
			ConstLabels: prometheus.Labels{"reason": reason}},
			func() float64 { return float64(n(s.StreamStats())) }))
	}
}
