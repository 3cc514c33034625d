package app_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAuditTimeRange filters the audit log by date on the API and the
// page: the range keeps what it should, a bad date is a 400 naming the
// field (the page keeps the filters and shows no entries), and the next
// page's link carries the range.
func TestAuditTimeRange(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	_, tok := f.token(admin)
	f.clock.Set(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	f.useCase("March")
	f.clock.Set(time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC))
	for i := range 101 {
		f.useCase(fmt.Sprintf("April %d", i)) // one title a use case: a second is a duplicate
	}

	titles := func(path string) []string {
		t.Helper()
		r := f.apiOK("GET", path, tok, "", 200)
		var page struct {
			Data []struct {
				After string `json:"after"` // the record as JSON
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(r.body), &page); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range page.Data {
			var uc struct{ Title string }
			if err := json.Unmarshal([]byte(e.After), &uc); err != nil {
				t.Fatalf("an entry's after: %v", err)
			}
			out = append(out, uc.Title)
		}
		return out
	}
	if got := titles("/api/v1/audit?entity_type=use_case&from=2026-03-01&to=2026-03-01"); len(got) != 1 || got[0] != "March" {
		t.Errorf("March 1 alone: got %v, want the March use case", got)
	}
	if got := titles("/api/v1/audit?entity_type=use_case&to=2026-03-31T23:59:59Z"); len(got) != 1 {
		t.Errorf("up to the end of March: got %d entries, want 1", len(got))
	}
	if got := titles("/api/v1/audit?entity_type=use_case&from=2026-04-01T00:00:00%2B08:00&limit=200"); len(got) != 101 {
		t.Errorf("from April 1 (UTC+8): got %d entries, want 101", len(got))
	}
	for _, c := range []struct{ query, field string }{
		{"from=last+week", "from"}, {"to=2026-13-01", "to"}, {"from=2026-04-02&to=2026-04-01", "to"},
	} {
		r := f.api("GET", "/api/v1/audit?"+c.query, tok, "")
		if e := apiError(t, r); r.StatusCode != 400 || e.Code != lodestar.EInvalid || e.Fields[c.field] == "" {
			t.Errorf("%s: got %d %+v, want 400 naming %s", c.query, r.StatusCode, e, c.field)
		}
	}

	c, _, _ := f.signIn(admin, time.Hour)
	r := f.get(c, "/admin/audit?entity_type=use_case&from=2026-04-01")
	if r.StatusCode != 200 || strings.Contains(r.body, ">March<") || !strings.Contains(r.body, `value="2026-04-01"`) {
		t.Errorf("the page from April 1: got %d, March shown or the date not kept:\n%.2000s", r.StatusCode, r.body)
	}
	if !strings.Contains(r.body, `href="/admin/audit?entity_type=use_case&amp;from=2026-04-01&amp;before=`) {
		t.Errorf("the next page's link does not carry the filters:\n%.4000s", r.body[strings.LastIndex(r.body, "<table"):])
	}
	r = f.get(c, "/admin/audit?from=2026-04-02&to=2026-04-01")
	if r.StatusCode != 400 || !strings.Contains(r.body, "The end must come after the start.") || strings.Contains(r.body, "<table class=\"audit\">") ||
		!strings.Contains(r.body, `aria-describedby="to-error" aria-invalid="true" autofocus`) {
		t.Errorf("a reversed range on the page: got %d:\n%.2000s", r.StatusCode, r.body)
	}
}

// TestAuditExport downloads the audit log as CSV: every entry the filters
// match, across the export's internal pages, newest first, each with its
// hashes, which chain; a bad range is refused before any CSV is sent.
func TestAuditExport(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	f.clock.Set(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	f.useCase("March")
	f.clock.Set(time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC))
	for i := range 520 {
		f.useCase(fmt.Sprintf("April %d", i)) // one title a use case: a second is a duplicate
	}
	c, _, _ := f.signIn(admin, time.Hour)
	r := f.get(c, "/admin/audit/export?entity_type=use_case&from=2026-04-01")
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: got %d %q %q", r.StatusCode, r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"))
	}
	body, bom := strings.CutPrefix(r.body, "\ufeff")
	if !bom {
		t.Errorf("export: no UTF-8 byte-order mark first (Excel reads the names as GBK without it)")
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "seq,at,actor_id,actor,action,entity_type,entity_id,before,after,prev_hash,hash" {
		t.Errorf("header: %v", rows[0])
	}
	if got := len(rows) - 1; got != 520 {
		t.Fatalf("April's use cases: got %d rows, want 520 (the export pages by 500)", got)
	}
	for i := 2; i < len(rows); i++ {
		// Newest first, consecutive (nothing else was written in April):
		// each entry's prev_hash is the next row's hash.
		if rows[i-1][9] != rows[i][10] {
			t.Fatalf("rows %d and %d do not chain: prev_hash %s, hash %s", i-1, i, rows[i-1][9], rows[i][10])
		}
	}
	page := f.get(c, "/admin/audit?entity_type=use_case&from=2026-04-01")
	if !strings.Contains(page.body, `href="/admin/audit/export?entity_type=use_case&amp;from=2026-04-01"`) {
		t.Errorf("the page's download link does not carry its filters")
	}
	if r := f.get(c, "/admin/audit/export?to=someday"); r.StatusCode != 400 || strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("a bad range: got %d %s, want a 400 page", r.StatusCode, r.Header.Get("Content-Type"))
	}
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	vc, _, _ := f.signIn(viewer, time.Hour)
	if r := f.get(vc, "/admin/audit/export"); r.StatusCode != 403 {
		t.Errorf("a viewer: got %d, want 403", r.StatusCode)
	}
}
