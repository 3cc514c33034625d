package web

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// riskModel is one model as the risk overview lists it: its switch, and
// its versions that serve (or are about to) with no monitor watching.
type riskModel struct {
	Model     *lodestar.Model
	Switch    *lodestar.Switch
	Live      bool                     // a version is in production
	Unwatched []*lodestar.ModelVersion // in production or staging, no monitor
	Paused    int                      // its monitors that are paused
}

// riskData is the risk overview: what a risk officer checks first.
type riskData struct {
	Models  []riskModel // switched off or at fallback first
	Held    int         // models switched off or at fallback
	Alerts  alertTriage
	Tasks   int // retraining tasks open
	Blind   int // versions serving or about to with no monitor
	Paused  int // monitors paused
	Monitor int // monitors in all
	// Switches holds every switch by key: whether a model at fallback
	// falls back to one that serves.
	Switches map[string]*lodestar.Switch
}

// riskOverview is the Risk section's page: every model's switch (those
// held off first, with why and by whom), the open alerts and how long
// the oldest has been left alone, the versions in production or staging
// no monitor watches, the paused monitors and the open retraining tasks —
// each linking to where it is handled.
func (s *Server) riskOverview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.page(r, "nav.risk", "risk")
	fail := func(err error) { s.Error(w, r, err) }
	models, err := s.Models.ListModels(ctx, 0)
	if err != nil {
		fail(err)
		return
	}
	sws, err := s.Switches.ListSwitches(ctx)
	if err != nil {
		fail(err)
		return
	}
	switches := make(map[int64]*lodestar.Switch, len(sws))
	for _, sw := range sws {
		switches[sw.ModelID] = sw
	}
	d := riskData{Switches: switchesByKey(sws)}
	byID := make(map[int64]*lodestar.Model, len(models))
	monitorNames := map[int64]string{}
	for _, m := range models {
		byID[m.ID] = m
		vs, err := s.Models.ListModelVersions(ctx, m.ID)
		if err != nil {
			fail(err)
			return
		}
		mons, err := s.Monitors.ListMonitors(ctx, m.ID)
		if err != nil {
			fail(err)
			return
		}
		row := riskModel{Model: m, Switch: switches[m.ID], Live: inProduction(vs), Unwatched: unwatchedVersions(vs, mons)}
		for _, mon := range mons {
			monitorNames[mon.ID] = mon.Name
			if mon.Paused() {
				row.Paused++
			}
		}
		d.Blind += len(row.Unwatched)
		d.Paused += row.Paused
		d.Monitor += len(mons)
		if row.Switch != nil && row.Switch.State != lodestar.SwitchOn {
			d.Held++
		}
		d.Models = append(d.Models, row)
	}
	// Held models first (off before fallback), then by key.
	held := func(m riskModel) int {
		if m.Switch == nil {
			return 2
		}
		switch m.Switch.State {
		case lodestar.SwitchOff:
			return 0
		case lodestar.SwitchFallback:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(d.Models, func(a, b riskModel) int {
		return cmp.Or(held(a)-held(b), cmp.Compare(a.Model.Key, b.Model.Key))
	})

	open, err := s.Monitors.ListAlerts(ctx, 0, true)
	if err != nil {
		fail(err)
		return
	}
	now := s.Now()
	d.Alerts.Open = len(open)
	for _, a := range open {
		if !a.AckedAt.IsZero() {
			continue
		}
		d.Alerts.Unacked++
		if o := d.Alerts.Oldest; o == nil || a.OpenedAt.Before(o.A.OpenedAt) {
			d.Alerts.Oldest = &alertRow{A: a, Model: byID[a.ModelID], Monitor: monitorNames[a.MonitorID], Open: max(now.Sub(a.OpenedAt), time.Duration(0))}
		}
	}
	tasks, err := s.Monitors.ListRetrainingTasks(ctx, 0)
	if err != nil {
		fail(err)
		return
	}
	for _, t := range tasks {
		if t.Status == lodestar.TaskOpen {
			d.Tasks++
		}
	}
	p.Data = d
	s.render(w, r, http.StatusOK, "risk", p)
}

// alertKinds are the kinds of alert in the order the iteration page
// counts them: those that say a model has aged first.
var alertKinds = []string{"drift", "accuracy", "data_quality", "fairness", "latency", "volume"}

// kindCount is how many open alerts of one kind there are.
type kindCount struct {
	Kind string
	N    int
}

// iterationOverview is the Iteration section's page: what says a model
// needs renewing (its open alerts by kind, drift and accuracy first) and
// every retraining task, open first, with its figures before and after.
func (s *Server) iterationOverview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.page(r, "nav.iteration", "iteration")
	open, err := s.Monitors.ListAlerts(ctx, 0, true)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	n := map[string]int{}
	for _, a := range open {
		n[a.Kind]++
	}
	var kinds []kindCount
	for _, k := range alertKinds {
		if n[k] > 0 {
			kinds = append(kinds, kindCount{k, n[k]})
		}
	}
	tasks, err := s.Monitors.ListRetrainingTasks(ctx, 0)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	slices.SortStableFunc(tasks, func(a, b *lodestar.RetrainingTask) int {
		return cmp.Compare(taskRank(a), taskRank(b))
	})
	p.Data = struct {
		Open      int
		Kinds     []kindCount
		TaskTable taskTable
	}{len(open), kinds, taskTable{Rows: s.taskRows(ctx, tasks, true), Model: true, UseCase: true}}
	s.render(w, r, http.StatusOK, "iteration", p)
}

// taskRank puts open retraining tasks before closed ones.
func taskRank(t *lodestar.RetrainingTask) int {
	if t.Status == lodestar.TaskOpen {
		return 0
	}
	return 1
}
