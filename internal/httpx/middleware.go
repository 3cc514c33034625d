package httpx

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the HTTP server's Prometheus collectors.
type Metrics struct {
	Requests *prometheus.CounterVec
	Duration *prometheus.HistogramVec
}

// NewMetrics registers the HTTP collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lodestar_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "lodestar_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	reg.MustRegister(m.Requests, m.Duration)
	return m
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Observe logs each request and records its metrics under its route
// pattern (never the raw path, which would explode label cardinality).
// route returns the pattern that will serve r.
func Observe(log *slog.Logger, m *Metrics, route func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		pattern := route(r)
		defer func() {
			p := recover()
			// http.ErrAbortHandler is a handler cutting a response it has
			// begun (a download whose database failed midway; it logged
			// why): it is passed on, for net/http to cut the connection
			// or stream — recovered here, the response would end cleanly,
			// a short file that looks whole.
			aborted := p == http.ErrAbortHandler
			if p != nil && !aborted {
				log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
			if aborted {
				defer panic(p)
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			d := time.Since(start)
			m.Requests.WithLabelValues(pattern, methodLabel(r.Method), strconv.Itoa(sw.status)).Inc()
			m.Duration.WithLabelValues(pattern).Observe(d.Seconds())
			attrs := []any{"method", r.Method, "route", pattern, "path", r.URL.Path,
				"status", sw.status, "bytes", sw.bytes, "duration_ms", float64(d.Microseconds()) / 1000}
			if aborted {
				attrs = append(attrs, "aborted", true) // the status was sent, the body cut short
			}
			log.Info("request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}

// SecurityHeaders sets headers that keep pages to their own origin. When
// the server is reached over HTTPS — it serves TLS itself, or https says
// a proxy in front does (secure cookies) — it also tells browsers to come
// back over HTTPS only for a year: without it, a typed address or an
// "http://" link is first sent in the clear, where it can be redirected
// or rewritten. (No includeSubDomains: Lodestar does not know its
// neighbours.)
func SecurityHeaders(https bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if https || r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// LimitBody caps every request body at max bytes; handlers that read past
// it get an error they turn into 413.
func LimitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			w.Header().Set("Connection", "close")
		}
		// On a copy of the request: the server's own keeps the body it
		// made, by which it knows a client waiting on "Expect:
		// 100-continue" whose body was never asked for — answered, that
		// client sends none of it and the connection is closed. Replaced,
		// the server read that body after a refusal (to reuse the
		// connection), waiting for what the client held back until its
		// own timeout (curl's and Go's: 1 s) sent it.
		r = r.WithContext(r.Context())
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

// methodLabel is a request's method as a metric label: the standard ones
// as they are, any other (a client may send any token) as "other", so
// that made-up methods cannot grow the series without bound.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}
