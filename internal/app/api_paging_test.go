package app_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// rawPage is a list response with its items kept as they came.
type rawPage struct {
	Data       []json.RawMessage `json:"data"`
	Total      *int              `json:"total"`
	NextCursor string            `json:"next_cursor"`
}

// walk reads every page of the list at path, limit items at a time,
// following next_cursor, and returns the items in order and the total the
// first page reported.
func (f *fixture) walk(path, tok string, limit int) ([]json.RawMessage, int) {
	f.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var items []json.RawMessage
	total, cursor := -1, ""
	for page := 0; ; page++ {
		if page > 2000 {
			f.t.Fatalf("%s: no end after 2,000 pages", path)
		}
		p := fmt.Sprintf("%s%slimit=%d", path, sep, limit)
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		pg := fromJSON[rawPage](f.t, f.apiOK("GET", p, tok, "", 200))
		if pg.Total == nil {
			f.t.Fatalf("GET %s: no total in the page", p)
		}
		if total < 0 {
			total = *pg.Total
		}
		if len(pg.Data) > limit {
			f.t.Fatalf("GET %s: %d items, more than limit %d", p, len(pg.Data), limit)
		}
		// A next_cursor promises a page with items: the last page, full
		// or not, has none (README).
		if cursor != "" && len(pg.Data) == 0 {
			f.t.Fatalf("GET %s: the previous page's next_cursor led to an empty page", p)
		}
		items = append(items, pg.Data...)
		if len(items) >= total && pg.NextCursor != "" {
			f.t.Fatalf("GET %s: next_cursor %q on the last page (%d of %d items read)", p, pg.NextCursor, len(items), total)
		}
		if pg.NextCursor == "" {
			return items, total
		}
		cursor = pg.NextCursor
	}
}

// TestAPIListsArePaged checks that every list endpoint takes limit and
// cursor as the README documents: a page holds at most limit items, the
// pages followed by next_cursor hold every item once in the endpoint's
// order with the total on each, and a bad limit or cursor is a 400 naming
// it. The monitor's windows, once cut at 1,000 with no cursor, are all
// reachable.
func TestAPIListsArePaged(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	_, tok := f.token(admin)
	ctx, st := sys(), f.app.Store
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("set-up: %v", err)
		}
	}

	uc := f.useCase("Recommendations")
	var model *lodestar.Model
	for i := range 3 {
		m, err := st.CreateModel(ctx, lodestar.Model{UseCaseID: uc.ID, Key: fmt.Sprintf("rec-%d", i), Name: "Rec"})
		must(err)
		if i == 0 {
			model = m
		}
	}
	for _, v := range []string{"1.0", "1.1", "1.2", "2.0", "2.1"} {
		_, err := st.CreateModelVersion(ctx, model.ID, lodestar.ModelVersion{Version: v})
		must(err)
	}
	// A monitor on each version: a version has one open retraining task
	// at a time, so the five tasks below are one per version.
	var mons []lodestar.Monitor
	for i, v := range []string{"1.0", "1.1", "1.2", "2.0", "2.1"} {
		r := f.apiOK("POST", fmt.Sprintf("/api/v1/models/%d/monitors", model.ID), tok,
			fmt.Sprintf(`{"version":%q,"name":"M%d","window":"hour","reference":{"kind":"dataset","csv":"x\n1\n2\n"}}`, v, i), 201)
		mons = append(mons, fromJSON[lodestar.Monitor](t, r))
	}
	mon := mons[0]
	// 1,005 windows, 7 alerts (three opened at the same instant, so the
	// cursor must break ties) and 5 retraining tasks.
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ev := &lodestar.Evaluation{}
	for h := range 1005 {
		ev.Windows = append(ev.Windows, &lodestar.WindowResult{Start: t0.Add(time.Duration(h) * time.Hour),
			End: t0.Add(time.Duration(h+1) * time.Hour), Events: int64(h), Metrics: map[string]float64{"accuracy": 0.9}})
	}
	for i := range 7 {
		at := t0.Add(time.Duration(min(i, 4)) * time.Hour)
		ev.Opened = append(ev.Opened, &lodestar.Alert{Kind: "accuracy", Value: 0.5, Threshold: 0.8, Message: fmt.Sprint("alert ", i), OpenedAt: at})
	}
	must(st.SaveEvaluation(ctx, mon.ID, t0.Add(1005*time.Hour), ev))
	for i, m := range mons {
		must(st.SaveEvaluation(ctx, m.ID, t0.Add(1005*time.Hour), &lodestar.Evaluation{Tasks: []*lodestar.RetrainingTask{{
			Reason: fmt.Sprint("task ", i), Before: map[string]float64{"accuracy": 0.5}, OpenedAt: t0.Add(time.Duration(i%2) * time.Hour)}}}))
	}

	w := f.strategyWorld()
	for _, to := range []string{lodestar.StageAssessment, lodestar.StageApproved, lodestar.StagePilot} {
		_, err := st.ChangeStage(ctx, w.uc.ID, to, "next")
		must(err)
	}
	var readings []lodestar.KPIReading
	for d := 1; d <= 9; d++ {
		readings = append(readings, lodestar.KPIReading{KPIID: w.kpi.ID, Date: fmt.Sprintf("2026-01-%02d", d), Value: float64(100 + d)})
	}
	_, err := st.AddReadings(ctx, w.kpi.ID, readings)
	must(err)

	lists := map[string]int{ // path: how many items it holds
		fmt.Sprintf("/api/v1/monitors/%d/windows", mon.ID): 1005,
		fmt.Sprintf("/api/v1/kpis/%d/readings", w.kpi.ID):  9,
		"/api/v1/switches": 3,
		"/api/v1/alerts":   7,
		fmt.Sprintf("/api/v1/alerts?model_id=%d", model.ID): 7,
		"/api/v1/alerts?status=open":                        7,
		"/api/v1/retraining-tasks":                          5,
		fmt.Sprintf("/api/v1/models/%d/versions", model.ID): 5,
		fmt.Sprintf("/api/v1/models/%d/monitors", model.ID): 5,
		fmt.Sprintf("/api/v1/use-cases/%d/stages", w.uc.ID): 3,
		"/api/v1/models":               3,
		"/api/v1/goals":                1,
		"/api/v1/use-cases":            2,
		"/api/v1/use-cases?sort=title": 2,
		fmt.Sprintf("/api/v1/retraining-tasks?use_case_id=%d", uc.ID): 5,
	}
	for path, n := range lists {
		t.Run(path, func(t *testing.T) {
			f := f.with(t)
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			// The default page is 50 items at most.
			first := fromJSON[rawPage](t, f.apiOK("GET", path, tok, "", 200))
			if len(first.Data) != min(n, 50) || first.Total == nil || *first.Total != n {
				t.Errorf("default page: got %d items, total %v; want %d of %d", len(first.Data), first.Total, min(n, 50), n)
			}
			if (n > 50) != (first.NextCursor != "") {
				t.Errorf("default page: next_cursor %q with %d items", first.NextCursor, n)
			}
			// Walked two at a time, and 200 at a time: every item once,
			// in the same order.
			small, total := f.walk(path, tok, 2)
			big, _ := f.walk(path, tok, 200)
			if len(small) != n || total != n || len(big) != n {
				t.Fatalf("walked: %d items (limit 2), %d (limit 200), total %d; want %d", len(small), len(big), total, n)
			}
			for i := range small {
				if string(small[i]) != string(big[i]) {
					t.Fatalf("item %d differs between page sizes:\n%s\n%s", i, small[i], big[i])
				}
			}
			if string(big[0]) != string(first.Data[0]) {
				t.Errorf("first item differs from the default page's")
			}
			// A last page exactly full has no next_cursor: walked one at
			// a time, and by a limit the total is a multiple of (walk
			// refuses a cursor on the last page, or one leading to an
			// empty page).
			for _, limit := range []int{1, exactLimit(n)} {
				if items, _ := f.walk(path, tok, limit); len(items) != n {
					t.Errorf("walked with limit %d: %d items, want %d", limit, len(items), n)
				}
			}
			if n <= 200 {
				if pg := fromJSON[rawPage](t, f.apiOK("GET", fmt.Sprintf("%s%slimit=%d", path, sep, n), tok, "", 200)); pg.NextCursor != "" || len(pg.Data) != n {
					t.Errorf("limit=%d, the whole list: %d items, next_cursor %q; want all and none", n, len(pg.Data), pg.NextCursor)
				}
			}
			for _, bad := range []string{"limit=abc", "limit=0", "limit=201", "limit=-1", "limit=", "limit=&cursor="} {
				if d := wantAPIError(t, f.api("GET", path+sep+bad, tok, ""), 400, lodestar.EInvalid); d.Fields["limit"] == "" {
					t.Errorf("%s: got fields %v, want limit", bad, d.Fields)
				}
			}
			for _, bad := range []string{"cursor=abc", "cursor=0", "cursor=-5", "cursor="} {
				if d := wantAPIError(t, f.api("GET", path+sep+bad, tok, ""), 400, lodestar.EInvalid); d.Fields["cursor"] == "" {
					t.Errorf("%s: got fields %v, want cursor", bad, d.Fields)
				}
			}
		})
	}

	// The orders: windows oldest first, alerts and tasks newest first.
	items, _ := f.walk(fmt.Sprintf("/api/v1/monitors/%d/windows", mon.ID), tok, 7)
	for i, raw := range items {
		var win lodestar.WindowResult
		must(json.Unmarshal(raw, &win))
		if want := t0.Add(time.Duration(i) * time.Hour); !win.Start.Equal(want) {
			t.Fatalf("window %d starts at %v, want %v", i, win.Start, want)
		}
	}
	alerts, err := st.ListAlerts(ctx, 0, false)
	must(err)
	items, _ = f.walk("/api/v1/alerts", tok, 2)
	for i, raw := range items {
		var a lodestar.Alert
		must(json.Unmarshal(raw, &a))
		if a.ID != alerts[i].ID {
			t.Errorf("alert %d: got id %d, want %d (newest first)", i, a.ID, alerts[i].ID)
		}
	}
	tasks, err := st.ListRetrainingTasks(ctx, 0)
	must(err)
	items, _ = f.walk("/api/v1/retraining-tasks", tok, 3)
	for i, raw := range items {
		var tk lodestar.RetrainingTask
		must(json.Unmarshal(raw, &tk))
		if tk.ID != tasks[i].ID {
			t.Errorf("task %d: got id %d, want %d (newest first)", i, tk.ID, tasks[i].ID)
		}
	}
}

// exactLimit is the largest page size (at most 200) that n items fill
// exactly: the last page is full.
func exactLimit(n int) int {
	for l := min(n, 200); l > 1; l-- {
		if n%l == 0 {
			return l
		}
	}
	return 1
}
