package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// pauseMonitorField names, in a refused pause's form, the monitor whose
// card shows the refusal on the health page.
const pauseMonitorField = "pause_monitor"

// copyMonitorField names, in a refused copy's form, the monitor whose
// card shows the copy form again with the values given. The form's own
// fields are copy_ ones, apart from the new-monitor form's on the page.
const copyMonitorField = "copy_monitor"

// monitorAnchor is a monitor's card on its model's health page, where
// what was done to the monitor is seen.
func monitorAnchor(modelID, monitorID int64) string {
	return "/models/" + strconv.FormatInt(modelID, 10) + "/health#monitor-" + strconv.FormatInt(monitorID, 10)
}

// copyFields maps the copy service's field names to the copy form's.
var copyFields = map[string]string{"version": "copy_version", "name": "copy_name", "reference.from": "copy_from", "reference.to": "copy_to",
	"from": "copy_from", "to": "copy_to"}

// monitorForm is the edit form's values for a monitor as it is: a
// threshold that is off (0) is left empty, as on the create form.
func monitorForm(m *lodestar.Monitor) url.Values {
	f := url.Values{}
	num := func(name string, x float64) {
		if x != 0 {
			f.Set(name, strconv.FormatFloat(x, 'g', -1, 64))
		}
	}
	whole := func(name string, n int64) {
		if n != 0 {
			f.Set(name, strconv.FormatInt(n, 10))
		}
	}
	flag := func(name string, on bool) {
		if on {
			f.Set(name, "on")
		}
	}
	t := m.Thresholds
	f.Set("name", m.Name)
	num("min_accuracy", t.MinAccuracy)
	num("max_latency_p95_ms", t.MaxLatencyP95MS)
	whole("min_events", t.MinEvents)
	whole("max_events", t.MaxEvents)
	flag("drift", t.Drift)
	f.Set("drift_numeric_test", t.DriftNumericTest)
	f.Set("drift_categorical_test", t.DriftCategoricalTest)
	flag("fairness", t.Fairness)
	num("fairness_min_impact_ratio", t.FairnessMinImpactRatio)
	num("fairness_max_equal_opportunity", t.FairnessMaxEqualOpportunity)
	whole("fairness_min_group", t.FairnessMinGroup)
	f.Set("fairness_favourable", t.FairnessFavourable)
	flag("data_quality", t.DataQuality)
	num("quality_max_missing_increase", t.QualityMaxMissingIncrease)
	num("quality_max_out_of_range", t.QualityMaxOutOfRange)
	num("quality_max_new_values", t.QualityMaxNewValues)
	whole("quality_min_events", t.QualityMinEvents)
	f.Set("alert_after", strconv.Itoa(m.AlertAfter))
	f.Set("resolve_after", strconv.Itoa(m.ResolveAfter))
	f.Set("retrain_after", strconv.Itoa(m.RetrainAfter))
	f.Set("remind_after", strconv.Itoa(m.RemindAfter))
	f.Set("updated_at", stamp(m.UpdatedAt))
	return f
}

func (s *Server) monitorEditShow(w http.ResponseWriter, r *http.Request) {
	s.renderMonitorEdit(w, r, http.StatusOK, s.page(r, "monitor_edit.title", "risk"))
}

// renderMonitorEdit shows the edit form of the monitor named by the path:
// with the monitor's settings, or with what was sent when it was refused.
func (s *Server) renderMonitorEdit(w http.ResponseWriter, r *http.Request, status int, p *Page) {
	mon, ok := entFind(s, w, r, s.Monitors.FindMonitorByID)
	if !ok {
		return
	}
	m, err := s.Models.FindModelByID(r.Context(), mon.ModelID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if p.Form == nil {
		p.Form = monitorForm(mon)
	}
	p.Data = struct {
		Mon     *lodestar.Monitor
		Model   *lodestar.Model
		Webhook string // the address as JSON shows it: scheme and host
		// The drift tests the form offers, auto first.
		NumericTests, CategoricalTests []string
	}{mon, m, lodestar.RedactURL(mon.WebhookURL), []string{monitor.TestAuto, monitor.TestKS, monitor.TestWasserstein, monitor.TestPSI},
		[]string{monitor.TestAuto, monitor.TestChiSquare, monitor.TestJensenShannon, monitor.TestPSI}}
	s.render(w, r, status, "monitor_edit", p)
}

// monitorUpdate saves the edit form: every setting it shows, based on the
// monitor as the form was opened (updated_at). The webhook field is empty
// on the form (the address is never shown whole): left empty, the address
// is kept; clear_webhook removes it.
func (s *Server) monitorUpdate(w http.ResponseWriter, r *http.Request) {
	mon, ok := entFind(s, w, r, s.Monitors.FindMonitorByID)
	if !ok {
		return
	}
	fields := map[string]string{}
	name, hook := r.PostFormValue("name"), r.PostFormValue("webhook_url")
	t := formThresholds(r, fields)
	// The drift tests' own thresholds are not on the form (the API sets
	// them): the form's thresholds replace the monitor's whole, so they
	// are kept as the monitor has them, not reset to the defaults. (The
	// edit is based on the form's updated_at: a monitor changed since is
	// refused, so these are the values the form was opened on.)
	old := mon.Thresholds
	t.DriftPValue, t.DriftPSI, t.DriftDistance, t.DriftShare = old.DriftPValue, old.DriftPSI, old.DriftDistance, old.DriftShare
	alertAfter := int(formInt(r, "alert_after", fields, "alert_after"))
	resolveAfter := int(formInt(r, "resolve_after", fields, "resolve_after"))
	retrainAfter := int(formInt(r, "retrain_after", fields, "retrain_after"))
	remindAfter := int(formInt(r, "remind_after", fields, "remind_after"))
	clearHook := formCheckbox(r, "clear_webhook", checkboxOn, fields, "clear_webhook")
	in := lodestar.MonitorUpdate{Name: &name, Thresholds: &t, AlertAfter: &alertAfter, ResolveAfter: &resolveAfter, RetrainAfter: &retrainAfter,
		RemindAfter: &remindAfter, WebhookURL: &hook, ClearWebhook: clearHook}
	if msg := s.Monitoring.WebhookRefusal(hook); msg != "" {
		fields["webhook_url"] = msg
	}
	ctx := basedOn(r, mon.ID)
	var err error
	if len(fields) > 0 {
		err = checkAlso(ctx, fields, "The monitor could not be saved; check the fields.", func(ctx context.Context) error {
			_, err := s.Monitors.UpdateMonitor(ctx, mon.ID, in)
			return err
		})
	} else {
		_, err = s.Monitors.UpdateMonitor(ctx, mon.ID, in)
	}
	if err != nil {
		s.refused(w, r, err, "monitor_edit.title", "risk", r.PostForm, s.renderMonitorEdit)
		return
	}
	s.redirect(w, r, monitorAnchor(mon.ModelID, mon.ID), "flash.monitor_updated")
}

// monitorPause pauses a monitor for the reason given; a refusal shows the
// health page again with the reason kept in the monitor's card.
func (s *Server) monitorPause(w http.ResponseWriter, r *http.Request) {
	mon, ok := entFind(s, w, r, s.Monitors.FindMonitorByID)
	if !ok {
		return
	}
	if _, err := s.Monitors.PauseMonitor(r.Context(), mon.ID, r.PostFormValue("reason")); err != nil {
		form := url.Values{pauseMonitorField: {strconv.FormatInt(mon.ID, 10)}, "reason": {r.PostFormValue("reason")}}
		r.SetPathValue("id", strconv.FormatInt(mon.ModelID, 10)) // the health page is the model's
		s.refused(w, r, err, "health.title", "risk", form, s.renderHealth)
		return
	}
	s.redirect(w, r, monitorAnchor(mon.ModelID, mon.ID), "flash.monitor_paused")
}

// monitorCopy copies a monitor to another version of its model (its
// card's "Copy to version"); a refusal shows the health page again with
// the copy's fields kept and marked in the monitor's card.
func (s *Server) monitorCopy(w http.ResponseWriter, r *http.Request) {
	mon, ok := entFind(s, w, r, s.Monitors.FindMonitorByID)
	if !ok {
		return
	}
	form := url.Values{copyMonitorField: {strconv.FormatInt(mon.ID, 10)}}
	for _, f := range []string{"copy_version", "copy_name", "copy_from", "copy_to"} {
		form.Set(f, r.PostFormValue(f))
	}
	to := monitoring.CopyTo{Version: form.Get("copy_version"), Name: form.Get("copy_name")}
	from, until, err := lodestar.ParseTimeRange(form.Get("copy_from"), form.Get("copy_to"))
	var made *lodestar.Monitor
	if err == nil {
		to.From, to.To = from, until
		made, err = s.Monitoring.CopyMonitor(r.Context(), mon.ID, to)
	}
	if err != nil {
		var le *lodestar.Error
		if errors.As(err, &le) && len(le.Fields) > 0 {
			fields := map[string]string{}
			for k, v := range le.Fields {
				if c, ok := copyFields[k]; ok {
					k = c
				}
				fields[k] = v
			}
			err = &lodestar.Error{Code: le.Code, Message: le.Message, Fields: fields}
		}
		r.SetPathValue("id", strconv.FormatInt(mon.ModelID, 10)) // the health page is the model's
		s.refused(w, r, err, "health.title", "risk", form, s.renderHealth)
		return
	}
	s.redirect(w, r, monitorAnchor(made.ModelID, made.ID), "flash.monitor_copied")
}

// monitorResume resumes a paused monitor.
func (s *Server) monitorResume(w http.ResponseWriter, r *http.Request) {
	mon, ok := entFind(s, w, r, s.Monitors.FindMonitorByID)
	if !ok {
		return
	}
	if _, err := s.Monitors.ResumeMonitor(r.Context(), mon.ID); err != nil {
		s.Error(w, r, err)
		return
	}
	s.redirect(w, r, monitorAnchor(mon.ModelID, mon.ID), "flash.monitor_resumed")
}
