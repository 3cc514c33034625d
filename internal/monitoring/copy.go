package monitoring

import (
	"context"
	"fmt"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// CopyTo says where CopyMonitor copies a monitor: the version to watch,
// the copy's name (empty: the monitor's own), and, for a monitor whose
// reference is a range of its version's events, the range of the new
// version's events to judge it against (that version's events are not
// the old one's).
type CopyTo struct {
	Version  string
	Name     string
	From, To time.Time
}

// CopyMonitor makes a monitor for another version of the same model with
// the monitor's settings — task, features, window, thresholds, alert,
// resolve and retraining rules, webhook — and its reference: the same
// dataset, or the range to.From–to.To of the new version's events. The
// copy is checked and audited as any new monitor (CreateMonitor): the
// version must exist, the name be free on it. It is how an ML engineer
// keeps watching a model whose new version goes live without setting
// every threshold again.
func (s *Service) CopyMonitor(ctx context.Context, id int64, to CopyTo) (*lodestar.Monitor, error) {
	src, err := s.Store.FindMonitorByID(ctx, id)
	if err != nil {
		return nil, err
	}
	in := lodestar.Monitor{ModelID: src.ModelID, Version: strings.TrimSpace(to.Version), Name: strings.TrimSpace(to.Name),
		Task: src.Task, Threshold: src.Threshold, Classes: src.Classes,
		Numeric: src.Numeric, Categorical: src.Categorical, Groups: src.Groups, Window: src.Window,
		Thresholds: src.Thresholds, RetrainAfter: src.RetrainAfter, AlertAfter: src.AlertAfter, ResolveAfter: src.ResolveAfter, RemindAfter: src.RemindAfter,
		WebhookURL: src.WebhookURL}
	if in.Name == "" {
		in.Name = src.Name
	}
	if in.Version == "" {
		return nil, invalidCopy("version", "Name the version the copy watches.")
	}
	if in.Version == src.Version && in.Name == src.Name {
		return nil, invalidCopy("version", fmt.Sprintf("This monitor watches version %s already: name another version, or give the copy another name.", src.Version))
	}
	switch src.Reference.Kind {
	case lodestar.ReferenceDataset:
		if !to.From.IsZero() || !to.To.IsZero() {
			return nil, invalidCopy("reference.from", "This monitor's reference is a dataset, which the copy keeps: a range of events is for a monitor whose reference is one.")
		}
		data, err := s.Store.MonitorReferenceData(ctx, src.ID)
		if err != nil {
			return nil, err
		}
		in.Reference = lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}
		return s.CreateMonitor(ctx, in, data, src.Reference.FileName)
	default:
		if to.From.IsZero() || to.To.IsZero() {
			return nil, invalidCopy("reference.from", fmt.Sprintf("This monitor's reference is a range of version %s's events: give the range of version %s's events the copy is judged against.", src.Version, in.Version))
		}
		in.Reference = lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: to.From, To: to.To}
		return s.CreateMonitor(ctx, in, nil, "")
	}
}

func invalidCopy(field, msg string) error {
	return &lodestar.Error{Code: lodestar.EInvalid, Message: "The monitor could not be copied; check the fields.", Fields: map[string]string{field: msg}}
}
