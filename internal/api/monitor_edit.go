package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

type (
	// monitorEditIn is a PATCH of a monitor: the fields given change,
	// the others stay. Thresholds is merged into the monitor's own: a
	// threshold left out stays as it is.
	monitorEditIn struct {
		UpdatedAt    *time.Time                  `json:"updated_at"`
		Name         *string                     `json:"name"`
		Thresholds   *lodestar.MonitorThresholds `json:"thresholds"`
		AlertAfter   *int                        `json:"alert_after"`
		ResolveAfter *int                        `json:"resolve_after"`
		RetrainAfter *int                        `json:"retrain_after"`
		RemindAfter  *int                        `json:"remind_after"`
		WebhookURL   *string                     `json:"webhook_url"`
		ClearWebhook bool                        `json:"clear_webhook"`
		// What the windows are cut and computed from cannot change: named
		// so that sending one is refused with the reason, not as unknown.
		Version     json.RawMessage `json:"version"`
		Task        json.RawMessage `json:"task"`
		Threshold   json.RawMessage `json:"threshold"`
		Classes     json.RawMessage `json:"classes"`
		Numeric     json.RawMessage `json:"numeric"`
		Categorical json.RawMessage `json:"categorical"`
		Groups      json.RawMessage `json:"groups"`
		Exclude     json.RawMessage `json:"exclude"`
		Window      json.RawMessage `json:"window"`
		Reference   json.RawMessage `json:"reference"`
	}
	pauseIn struct {
		Reason string `json:"reason"`
	}
)

// fixedMonitorMessage is the refusal of a change to what a monitor's
// stored windows were computed from.
const fixedMonitorMessage = "This cannot change on a monitor: its stored windows were computed with it. Create a new monitor instead."

// fixed names the fields sent that a monitor's edit cannot change.
func (in *monitorEditIn) fixed() map[string]string {
	out := map[string]string{}
	for name, v := range map[string]json.RawMessage{"version": in.Version, "task": in.Task, "threshold": in.Threshold, "classes": in.Classes,
		"numeric": in.Numeric, "categorical": in.Categorical, "groups": in.Groups, "exclude": in.Exclude, "window": in.Window, "reference": in.Reference} {
		if v != nil {
			out[name] = fixedMonitorMessage
		}
	}
	return out
}

// editMonitor serves PATCH /monitors/{id}. The body's thresholds are read
// onto the monitor's own, so the monitor is read first; the edit is made
// only on the monitor as the client read it (updated_at), which the store
// checks under its lock.
func (s *Server) editMonitor(w http.ResponseWriter, r *http.Request) {
	out, err := func() (*lodestar.Monitor, error) {
		id, err := pathID(r)
		if err != nil {
			return nil, err
		}
		if err := onlyParams(r); err != nil {
			return nil, err
		}
		m, err := s.Monitors.FindMonitorByID(r.Context(), id)
		if err != nil {
			return nil, err
		}
		current := m.Thresholds
		in := monitorEditIn{Thresholds: &current}
		if err := httpx.DecodeJSON(w, r, &in, httpx.MaxJSONBody); err != nil {
			return nil, err
		}
		if fixed := in.fixed(); len(fixed) > 0 {
			return nil, &lodestar.Error{Code: lodestar.EInvalid, Message: fixedMonitorMessage, Fields: fixed}
		}
		if in.UpdatedAt == nil {
			return nil, lodestar.FieldError("updated_at", "Send the monitor's updated_at as you read it, so that a change made meanwhile is not overwritten.")
		}
		if in.WebhookURL != nil {
			if msg := s.Monitoring.WebhookRefusal(*in.WebhookURL); msg != "" {
				return nil, lodestar.FieldError("webhook_url", msg)
			}
		}
		ctx := lodestar.WithBasedOn(r.Context(), *in.UpdatedAt)
		return s.Monitors.UpdateMonitor(ctx, id, lodestar.MonitorUpdate{Name: in.Name, Thresholds: in.Thresholds, AlertAfter: in.AlertAfter,
			ResolveAfter: in.ResolveAfter, RetrainAfter: in.RetrainAfter,
			RemindAfter: in.RemindAfter, WebhookURL: in.WebhookURL, ClearWebhook: in.ClearWebhook})
	}()
	s.reply(w, r, http.StatusOK, out, err)
}

func (s *Server) pauseMonitor(ctx context.Context, id int64, in pauseIn) (*lodestar.Monitor, error) {
	return s.Monitors.PauseMonitor(ctx, id, in.Reason)
}

func (s *Server) resumeMonitor(ctx context.Context, id int64, _ struct{}) (*lodestar.Monitor, error) {
	return s.Monitors.ResumeMonitor(ctx, id)
}
