package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// metWorld is a portfolio on 2030-09-01 with KPIs that met their targets
// and use cases live, retired and rejected, and an admin's browser.
type metWorld struct {
	f                        *fixture
	c                        *http.Client
	csrf                     string
	accuracy, response, cost *lodestar.KPI
	agent, retired, rejected *lodestar.UseCase
}

func newMetWorld(t *testing.T) *metWorld {
	f := start(t, fixtureOpts{})
	w := &metWorld{f: f}
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	ctx := sys()
	kpi := func(k lodestar.KPI, readings ...lodestar.KPIReading) *lodestar.KPI {
		t.Helper()
		out, err := f.app.Store.CreateKPI(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		// Recorded on the day of the last reading (a reading cannot be
		// dated in the future), the clock put back afterwards.
		now, last := f.clock.Now(), f.clock.Now()
		for i, r := range readings {
			readings[i].KPIID = out.ID
			if d, _ := time.Parse(time.DateOnly, r.Date); d.After(last) {
				last = d
			}
		}
		f.clock.Set(last)
		_, err = f.app.Store.AddReadings(ctx, out.ID, readings)
		f.clock.Set(now)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// The demo's "Failure alert accuracy": 95.32% against a 95% target.
	w.accuracy = kpi(lodestar.KPI{Name: "Alert accuracy", NameZH: "告警准确率", Unit: "%", Direction: lodestar.DirectionUp, Baseline: 82, Target: 95, TargetDate: "2031-03-01"},
		lodestar.KPIReading{Date: "2030-01-01", Value: 82.4}, lodestar.KPIReading{Date: "2030-03-01", Value: 95.32})
	// Response time, target 45 s: −20 s promised, −66.3 s realised.
	w.response = kpi(lodestar.KPI{Name: "First response time", NameZH: "首次响应时间", Unit: "s", Direction: lodestar.DirectionDown, Baseline: 110, Target: 45, TargetDate: "2031-03-01"},
		lodestar.KPIReading{Date: "2030-03-01", Value: 107.5}, lodestar.KPIReading{Date: "2030-05-01", Value: 41.2})
	// Cost per delivery: −0.15 by the retirement, then up again after it.
	w.cost = kpi(lodestar.KPI{Name: "Cost per delivery", NameZH: "单均配送成本", Unit: "¥", Direction: lodestar.DirectionDown, Baseline: 8.7, Target: 8.2, TargetDate: "2031-03-01"},
		lodestar.KPIReading{Date: "2030-03-01", Value: 8.7}, lodestar.KPIReading{Date: "2030-06-01", Value: 8.55},
		lodestar.KPIReading{Date: "2030-08-01", Value: 9.5})

	toPilot := func(uc *lodestar.UseCase) {
		t.Helper()
		for _, st := range []string{lodestar.StageAssessment, lodestar.StageApproved, lodestar.StagePilot} {
			if _, err := f.app.Store.ChangeStage(ctx, uc.ID, st, "step"); err != nil {
				t.Fatal(err)
			}
		}
	}
	newUC := func(in lodestar.NewUseCase) *lodestar.UseCase {
		t.Helper()
		uc, err := f.app.Store.CreateUseCase(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		toPilot(uc)
		return uc
	}
	// All go live on 2030-03-04 (the test clock's epoch).
	w.agent = newUC(lodestar.NewUseCase{Title: "Service agent", ValueEstimate: 1_500_000, CostEstimate: 2_000_000,
		Impacts: []lodestar.Impact{{KPIID: w.response.ID, Change: -20, Confidence: 0.8}}})
	w.retired = newUC(lodestar.NewUseCase{Title: "Delivery router", ValueEstimate: 3_000_000, CostEstimate: 1_000_000,
		Impacts: []lodestar.Impact{{KPIID: w.cost.ID, Change: -0.3, Confidence: 0.6}}})
	w.rejected = newUC(lodestar.NewUseCase{Title: "Shelf scanner", Impacts: []lodestar.Impact{{KPIID: w.cost.ID, Change: -0.2, Confidence: 0.5}}})
	f.clock.Set(time.Date(2030, time.April, 1, 12, 0, 0, 0, time.UTC))
	if _, err := f.app.Store.ChangeStage(ctx, w.rejected.ID, lodestar.StageRejected, "no budget"); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(time.Date(2030, time.July, 15, 12, 0, 0, 0, time.UTC))
	if _, err := f.app.Store.ChangeStage(ctx, w.retired.ID, lodestar.StageRetired, "replaced"); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(time.Date(2030, time.September, 1, 0, 0, 0, 0, time.UTC))
	w.c, w.csrf, _ = f.signIn(admin, time.Hour)
	return w
}

// chinese switches the browser to Chinese.
func (w *metWorld) chinese(t *testing.T) {
	t.Helper()
	r := w.f.postForm(w.c, "/locale", url.Values{"csrf_token": {w.csrf}, "locale": {"zh-CN"}, "next": {"/"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /locale: %d", r.StatusCode)
	}
}

// check fetches path and reports each of wants it lacks and each of nots
// it holds.
func (w *metWorld) check(t *testing.T, path string, wants, nots []string) {
	t.Helper()
	r := w.f.get(w.c, path)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, r.StatusCode)
	}
	for _, s := range wants {
		if !strings.Contains(r.body, s) {
			t.Errorf("GET %s: got no %q", path, s)
		}
	}
	for _, s := range nots {
		if strings.Contains(r.body, s) {
			t.Errorf("GET %s: got %q, want none", path, s)
		}
	}
}

// TestTargetMetPages: a KPI at or beyond its target reads "Target met"
// (已达成目标), not "On track", on the KPI list and its page, and in a use
// case's realisation when the promise is realised in full; it is not
// among the dashboard's KPIs behind.
func TestTargetMetPages(t *testing.T) {
	t.Parallel()
	w := newMetWorld(t)
	acc, resp, agent := fmt.Sprintf("/kpis/%d", w.accuracy.ID), fmt.Sprintf("/kpis/%d", w.response.ID), fmt.Sprintf("/use-cases/%d", w.agent.ID)
	met := `<span class="ent-status ent-kpi-met">Target met</span>`
	w.check(t, "/kpis", []string{met}, nil)
	w.check(t, acc, []string{met}, []string{"On track"})
	w.check(t, resp, []string{met}, []string{"On track"})
	w.check(t, "/", nil, []string{`href="` + acc + `"`, `href="` + resp + `"`})
	w.check(t, agent, []string{`· <span class="badge status-met">Target met</span>`, `<span class="badge status-met">Target met</span></h3>`},
		[]string{"On track"})

	w.chinese(t)
	metZH := `<span class="ent-status ent-kpi-met">已达成目标</span>`
	w.check(t, "/kpis", []string{metZH}, nil)
	w.check(t, acc, []string{metZH}, []string{"按计划"})
	w.check(t, agent, []string{`· <span class="badge status-met">已达成目标</span>`}, []string{"进展正常"})
}

// TestEndedUseCasePages: a retired use case says when it ended and shows
// its figures as of then with no live status; a rejected one says it
// ended; go-live and end dates are in the locale's format.
func TestEndedUseCasePages(t *testing.T) {
	t.Parallel()
	w := newMetWorld(t)
	agent, retired, rejected := fmt.Sprintf("/use-cases/%d", w.agent.ID), fmt.Sprintf("/use-cases/%d", w.retired.ID), fmt.Sprintf("/use-cases/%d", w.rejected.ID)
	w.check(t, agent, []string{"Live since 4 Mar 2030 · <span"}, []string{"2030-03-04"})
	// The figures as they stood on retirement: −0.15, not +0.80.
	w.check(t, retired, []string{"Live since 4 Mar 2030 · retired on 15 Jul 2030. Value realisation has ended", "due at retirement -0.11, realised by then -0.15 (¥)"},
		[]string{"badge status-", "On track", "Behind", "2030-03-04"})
	w.check(t, rejected, []string{"Rejected on 1 Apr 2030: value realisation has ended."},
		[]string{"Value realisation starts when the use case enters pilot."})

	w.chinese(t)
	w.check(t, agent, []string{"自 2030年3月4日 上线 · <span"}, []string{"2030-03-04"})
	w.check(t, retired, []string{"自 2030年3月4日 上线，于 2030年7月15日 退役。价值实现跟踪已结束"}, []string{"badge status-", "进展正常", "落后"})
	w.check(t, rejected, []string{"于 2030年4月1日 被否决：价值实现跟踪已结束。"}, nil)
}

// TestValueBelowCostShown: a use case costing ¥2.0M a year for ¥1.5M of
// value scores 0 (the formula floors the net value at 0); its page says
// the value is below cost and by how much, in both languages.
func TestValueBelowCostShown(t *testing.T) {
	t.Parallel()
	w := newMetWorld(t)
	agent, retired := fmt.Sprintf("/use-cases/%d", w.agent.ID), fmt.Sprintf("/use-cases/%d", w.retired.ID)
	w.check(t, agent, []string{`<dd>0.00 <span class="badge bad" id="below-cost">Value below cost: net −¥500,000 a year</span>`}, nil)
	w.check(t, retired, nil, []string{"below-cost"})
	w.chinese(t)
	w.check(t, agent, []string{"价值低于成本：每年净值 −¥500,000"}, nil)
}
