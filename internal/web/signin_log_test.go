package web

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

type lines struct {
	mu  sync.Mutex
	got []string
}

func (h *lines) Enabled(context.Context, slog.Level) bool { return true }
func (h *lines) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.Key + "=" + a.Value.String()); return true })
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, b.String())
	return nil
}
func (h *lines) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *lines) WithGroup(string) slog.Handler      { return h }

// TestSignInLogBudget: at most signInLogBurst lines a minute however fast
// refusals come; the next minute's first line says how many went
// unlogged.
func TestSignInLogBudget(t *testing.T) {
	h := &lines{}
	log := slog.New(h)
	var l signInLog
	t0 := time.Date(2030, 1, 1, 10, 0, 0, 0, time.UTC)
	denied := lodestar.Errorf(lodestar.ETooManyRequests, "Too many failed sign-ins. Try again later.")
	for i := range 1000 {
		l.refused(log, t0.Add(time.Duration(i)*time.Millisecond), "a@example.com", "192.0.2.1", denied)
	}
	if len(h.got) != signInLogBurst {
		t.Fatalf("1,000 refusals in a second: %d lines, want %d", len(h.got), signInLogBurst)
	}
	l.refused(log, t0.Add(time.Minute), "a@example.com", "192.0.2.1", denied)
	if last := h.got[len(h.got)-1]; len(h.got) != signInLogBurst+1 || !strings.Contains(last, "earlier_unlogged=940") || !strings.Contains(last, "reason=throttled") {
		t.Errorf("the next minute's line: got %q (%d lines), want it to count the 940 unlogged", last, len(h.got))
	}
}

func TestLoggableEmail(t *testing.T) {
	for in, want := range map[string]string{
		"A@Example.com ":                  "a@example.com",
		"correct horse battery":           "(not an e-mail address)",
		"Name <a@example.com>":            "(not an e-mail address)",
		"":                                "(not an e-mail address)",
		strings.Repeat("a", 251) + "@b.c": "(not an e-mail address)",
	} {
		if got := loggableEmail(in); got != want {
			t.Errorf("loggableEmail(%.30q) = %q, want %q", in, got, want)
		}
	}
}
