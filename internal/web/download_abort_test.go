package web_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/evidence"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/i18n"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
	"github.com/lodestar-hq/lodestar/internal/web"
)

var errAway = errors.New("test: the database went away")

// failingAudit is the real audit log whose reads fail from the failAt-th
// on (0: never), as a database lost in the middle of an export does.
type failingAudit struct {
	lodestar.AuditService
	failAt int32
	calls  atomic.Int32
}

func (a *failingAudit) FindEvents(ctx context.Context, f lodestar.AuditFilter) ([]*lodestar.AuditEvent, error) {
	if n := a.calls.Add(1); a.failAt > 0 && n >= a.failAt {
		return nil, errAway
	}
	return a.AuditService.FindEvents(ctx, f)
}

// failingTransfer is failingAudit for the use-case export's pages.
type failingTransfer struct {
	web.TransferServices
	failAt int32
	calls  atomic.Int32
}

func (t *failingTransfer) FindUseCases(ctx context.Context, f lodestar.UseCaseFilter) ([]*lodestar.UseCase, int, error) {
	if n := t.calls.Add(1); t.failAt > 0 && n >= t.failAt {
		return nil, 0, errAway
	}
	return t.TransferServices.FindUseCases(ctx, f)
}

// recordLog keeps every record at warning level and above.
type recordLog struct {
	mu   sync.Mutex
	recs []string
}

func (h *recordLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *recordLog) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, r.Message)
	return nil
}
func (h *recordLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordLog) WithGroup(string) slog.Handler      { return h }
func (h *recordLog) all() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.recs, "\n")
}

// TestDownloadCutWhenStoreFails: an export whose store fails after the
// download has begun is cut — the client reading it gets an error (here
// an unexpected EOF: the chunked body is never terminated) — rather than
// ending as a clean 200 with a short file that looks whole; the cause is
// logged, and the cut is not logged as a panic. A failure before any of
// it was written is the error page, without the attachment's headers.
// The pages, guard and middleware are the server's; the store is real,
// only made to fail at a chosen read.
func TestDownloadCutWhenStoreFails(t *testing.T) {
	t.Parallel()
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "test-setup"})
	st := store.New(testdb.Open(t))
	admin, err := st.CreateUser(ctx, lodestar.NewUser{Email: "admin@example.com", Name: "Admin", Role: lodestar.RoleAdmin, Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	// More than a page of each: 200 use cases a page for the inventory,
	// 500 audit entries for the log (each use case writes one).
	for i := range 520 {
		if _, err := st.CreateUseCase(ctx, lodestar.NewUseCase{Title: "Use case " + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	_, secret, err := st.CreateSession(context.Background(), admin.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := i18n.Shared()
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, path  string
		auditFail   int32 // the read that fails
		useCaseFail int32
		cut         bool   // else: the error page
		begins      string // what the cut download had sent
	}{
		{"audit CSV, second page", "/admin/audit/export", 2, 0, true, evidence.BOM + "seq,at,"},
		{"use cases CSV, second page", "/use-cases/export?format=csv", 0, 2, true, evidence.BOM + "id,title,"},
		{"use cases JSON, second page", "/use-cases/export?format=json", 0, 2, true, "[\n{"},
		{"use cases XLSX, first page", "/use-cases/export?format=xlsx", 0, 1, false, ""},
		// The first read failing (the database down): the byte-order mark
		// or bracket already written is held back, so the error page.
		{"audit CSV, first page", "/admin/audit/export", 1, 0, false, ""},
		{"use cases CSV, first page", "/use-cases/export?format=csv", 0, 1, false, ""},
		{"use cases JSON, first page", "/use-cases/export?format=json", 0, 1, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			logs := &recordLog{}
			log := slog.New(logs)
			guard := &httpx.Guard{Sessions: st, Tokens: st, Forms: st, Log: log}
			svc := web.Services{Users: st, Sessions: st, UseCases: st, Models: st, Switches: st, Events: st, Monitors: st, Units: st, Goals: st,
				KPIs: st, Pains: st, Portfolio: st, Audit: &failingAudit{AuditService: st, failAt: tc.auditFail},
				Transfer: &failingTransfer{TransferServices: st, failAt: tc.useCaseFail}, Importer: st, Evidence: st, Experiments: st, Tokens: st}
			w, err := web.New(svc, guard, bundle, log, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			for _, rt := range w.Routes() {
				mux.Handle(rt.Method+" "+rt.Pattern, guard.Wrap(rt))
			}
			srv := httptest.NewServer(httpx.Observe(log, httpx.NewMetrics(prometheus.NewRegistry()), func(r *http.Request) string { return r.URL.Path }, mux))
			defer srv.Close()

			req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
			req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: secret})
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatalf("GET %s: %v", tc.path, err)
			}
			defer resp.Body.Close()
			body, readErr := io.ReadAll(resp.Body)
			if tc.cut {
				if resp.StatusCode != http.StatusOK || readErr == nil || !strings.HasPrefix(string(body), tc.begins) {
					t.Errorf("GET %s with the store failing midway: got %d, %d bytes beginning %.20q, read error %v; want 200 begun with %q and a read error (the response cut)",
						tc.path, resp.StatusCode, len(body), body, readErr, tc.begins)
				}
				if !errors.Is(readErr, io.ErrUnexpectedEOF) {
					t.Errorf("GET %s: read error %v, want an unexpected EOF", tc.path, readErr)
				}
			} else {
				if resp.StatusCode != http.StatusInternalServerError || readErr != nil || resp.Header.Get("Content-Disposition") != "" ||
					!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
					t.Errorf("GET %s with the store failing at once: got %d %q Content-Disposition %q (read error %v); want the 500 page, no attachment",
						tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), readErr)
				}
			}
			srv.Close() // the server's handlers have returned: the log is complete
			got := logs.all()
			if !strings.Contains(got, "export") && !strings.Contains(got, "internal error") {
				t.Errorf("GET %s: the cause was not logged; log:\n%s", tc.path, got)
			}
			if strings.Contains(got, "panic serving request") {
				t.Errorf("GET %s: the cut was logged as a panic:\n%s", tc.path, got)
			}
		})
	}
}
