package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/ingest"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// MaxMonitorBody bounds a monitor's JSON, which may carry its reference
// dataset inline.
const MaxMonitorBody = monitoring.MaxReferenceBytes*4/3 + 1<<20 // base64 takes 4 bytes for 3

type (
	monitorIn struct {
		Version      string                     `json:"version"`
		Name         string                     `json:"name"`
		Task         string                     `json:"task"`
		Threshold    float64                    `json:"threshold"`
		Classes      []string                   `json:"classes"`
		Numeric      []string                   `json:"numeric"`
		Categorical  []string                   `json:"categorical"`
		Groups       []string                   `json:"groups"`
		Exclude      []string                   `json:"exclude"`
		Window       string                     `json:"window"`
		Reference    monitorRefIn               `json:"reference"`
		Thresholds   lodestar.MonitorThresholds `json:"thresholds"`
		RetrainAfter int                        `json:"retrain_after"`
		AlertAfter   int                        `json:"alert_after"`
		ResolveAfter int                        `json:"resolve_after"`
		RemindAfter  int                        `json:"remind_after"`
		WebhookURL   string                     `json:"webhook_url"`
	}
	monitorRefIn struct {
		Kind     string    `json:"kind"`
		From     time.Time `json:"from"`
		To       time.Time `json:"to"`
		FileName string    `json:"file_name"`
		CSV      string    `json:"csv"`
		// Data is the file's bytes (base64 in JSON): CSV or Parquet.
		Data []byte `json:"data"`
	}
	evaluateIn struct {
		From time.Time `json:"from"`
	}
	ackIn struct {
		Note string `json:"note"`
	}
)

// ndjson checks an ingestion request's content type and encoding and
// returns its body to read: decompressed when sent gzip-encoded. A body
// in another coding, or another charset than UTF-8, is refused as a
// whole (415) rather than read line by line as garbage, each line
// refused on its own and the batch answered 200 with nothing stored.
func ndjson(w http.ResponseWriter, r *http.Request) (io.Reader, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/x-ndjson" && mt != "application/jsonl") {
		return nil, lodestar.Errorf(lodestar.EUnsupported, "Content-Type must be application/x-ndjson or application/jsonl (one JSON object per line).")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return nil, lodestar.Errorf(lodestar.EUnsupported, "NDJSON is UTF-8: send the lines as UTF-8 (charset=utf-8, or no charset).")
	}
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		return r.Body, nil
	case "gzip", "x-gzip":
		// The batch limits (lines and bytes) apply to the decompressed
		// lines: ingest.Events and Labels count them as they read.
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, lodestar.Errorf(lodestar.EInvalid, "The body is not gzip data, as its Content-Encoding says: %v", err)
		}
		return zr, nil
	}
	w.Header().Set("Accept-Encoding", "gzip")
	return nil, lodestar.Errorf(lodestar.EUnsupported, "Content-Encoding must be gzip, or none.")
}

// ingestEvents stores a batch of prediction events. It answers only after
// the batch is committed, so an acknowledged event is durable.
func (s *Server) ingestEvents(w http.ResponseWriter, r *http.Request) {
	res, err := func() (*lodestar.IngestResult, error) {
		if err := onlyParams(r); err != nil {
			return nil, err
		}
		body, err := ndjson(w, r)
		if err != nil {
			return nil, err
		}
		m, err := s.boundModel(r)
		if err != nil {
			return nil, err
		}
		opt, optErr := s.boolLabels(r.Context(), m.ID)
		events, rejected, err := ingest.EventsWith(body, time.Now().UTC(), opt)
		if err == nil {
			err = *optErr
		}
		if err != nil {
			return nil, err
		}
		if len(events) == 0 && len(rejected) == 0 {
			return nil, errNoLines
		}
		if err := s.admit(w, r, len(events)+len(rejected)); err != nil {
			return nil, err
		}
		accepted, conflicts, err := s.Events.StoreEvents(r.Context(), m.ID, events)
		if err != nil {
			return nil, err
		}
		if rejected == nil {
			rejected = []lodestar.LineError{}
		}
		if len(conflicts) > 0 {
			// An ID taken by another event is no retry: the line is
			// refused, with its own code, among the others by line.
			for _, i := range conflicts {
				e := events[i]
				rejected = append(rejected, lodestar.LineError{Line: e.Line, ID: e.ID, Code: lodestar.LineIDConflict,
					Message: idConflict(e.ID)})
			}
			slices.SortStableFunc(rejected, func(a, b lodestar.LineError) int { return a.Line - b.Line })
			events = withoutIndexes(events, conflicts)
		}
		// Each event once, as the store keeps it: an id repeated in the
		// batch is one event (its first line), not one per line.
		once := firstOfEachID(events)
		unregistered, err := s.unregistered(r.Context(), m.ID, once)
		if err != nil {
			return nil, err
		}
		retired, err := s.retiredEvents(r.Context(), m.ID, once)
		if err != nil {
			return nil, err
		}
		translateLines(w, r, rejected)
		return &lodestar.IngestResult{Accepted: accepted, Duplicates: len(events) - accepted, Rejected: rejected, Unregistered: unregistered, Retired: retired}, nil
	}()
	s.reply(w, r, http.StatusOK, res, err)
}

// boolLabels decides a label sent as true or false by its event's
// version: taken (stored as sent, for each monitor to read as its task
// does) unless a monitor of that version would not read it — a
// regression monitor, or a multiclass one with no class for it
// (monitoring.BoolLabelRefusal). The model's monitors are read once a
// batch, and only when a line has such a label; a label line's event
// version is looked up only when some monitor refuses such labels. A
// read's error, if any, is in *err once the batch is read.
func (s *Server) boolLabels(ctx context.Context, modelID int64) (ingest.Options, *error) {
	var err error
	var ms []*lodestar.Monitor
	read := false
	load := func() bool {
		if !read {
			read = true
			if ms, err = s.Monitors.ListMonitors(ctx, modelID); err != nil {
				return false
			}
			ms = slices.DeleteFunc(ms, func(m *lodestar.Monitor) bool {
				return monitoring.BoolLabelRefusal(m, true) == "" && monitoring.BoolLabelRefusal(m, false) == ""
			})
		}
		return err == nil
	}
	return ingest.Options{
		BoolLabel: func(version string, value bool) string {
			if !load() {
				return "the model's monitors could not be read"
			}
			for _, m := range ms {
				if m.Version == version {
					if msg := monitoring.BoolLabelRefusal(m, value); msg != "" {
						return msg
					}
				}
			}
			return ""
		},
		EventVersions: func(ids []string) map[string]string {
			if !load() || len(ms) == 0 {
				return nil
			}
			var versions map[string]string
			versions, err = s.Events.EventVersions(ctx, modelID, ids)
			return versions
		},
	}, &err
}

// idConflict is the reason of an event line whose ID is taken by an event
// with other content.
func idConflict(id string) string {
	return fmt.Sprintf("id %q was used before for an event with other content; a retry must send that event as it was, and another event needs a new id", id)
}

// firstOfEachID returns events with each ID once, the first line of it
// (the one the store keeps), in order; events itself when no ID repeats.
func firstOfEachID(events []lodestar.StoredEvent) []lodestar.StoredEvent {
	// IDs in increasing order (the SDK's, in a batch of one producer)
	// repeat none: checked without a set of them.
	increasing := true
	for i := 1; i < len(events) && increasing; i++ {
		increasing = events[i-1].ID < events[i].ID
	}
	if increasing {
		return events
	}
	seen := make(map[string]struct{}, len(events))
	var out []lodestar.StoredEvent
	for i, e := range events {
		if _, ok := seen[e.ID]; !ok {
			seen[e.ID] = struct{}{}
			if out != nil {
				out = append(out, e)
			}
			continue
		}
		if out == nil {
			out = append(make([]lodestar.StoredEvent, 0, len(events)), events[:i]...)
		}
	}
	if out == nil {
		return events
	}
	return out
}

// withoutIndexes returns events but those at the indexes given (in
// order), in a new slice.
func withoutIndexes(events []lodestar.StoredEvent, drop []int) []lodestar.StoredEvent {
	out := make([]lodestar.StoredEvent, 0, len(events)-len(drop))
	for i, e := range events {
		if len(drop) > 0 && drop[0] == i {
			drop = drop[1:]
			continue
		}
		out = append(out, e)
	}
	return out
}

// boundModel finds the model of an ingest route's path, refusing it
// (403, before a line is read) when the request's token is bound to
// other models: the same refusal whether the model exists or not, so a
// bound token cannot tell which keys exist. A request the binding allows
// gets 404 for a model that is not there.
func (s *Server) boundModel(r *http.Request) (*lodestar.Model, error) {
	ref := r.PathValue("model")
	if err := httpx.MayIngestTo(r, ref, nil); err != nil {
		return nil, err
	}
	m, err := s.Events.FindModelByRef(r.Context(), ref)
	if err != nil {
		return nil, err
	}
	if err := httpx.MayIngestTo(r, ref, m); err != nil {
		return nil, err
	}
	return m, nil
}

// unregistered lists the versions of a batch's events that the model has
// not registered, with how many events carry each and the latest one's
// time, by version: stored, but watched by no monitor.
func (s *Server) unregistered(ctx context.Context, modelID int64, events []lodestar.StoredEvent) ([]lodestar.VersionEvents, error) {
	byVersion, names := eventsByVersion(events, func(string) bool { return true })
	missing, err := s.Events.FilterUnregistered(ctx, modelID, names)
	if err != nil {
		return nil, err
	}
	out := make([]lodestar.VersionEvents, 0, len(missing))
	for _, v := range missing {
		out = append(out, *byVersion[v])
	}
	return out, nil
}

// retiredEvents lists the versions of a batch's events that the model has
// retired, as unregistered does the unregistered ones: stored, but no
// monitor evaluates a retired version, so a client still sending them
// hears it.
func (s *Server) retiredEvents(ctx context.Context, modelID int64, events []lodestar.StoredEvent) ([]lodestar.VersionEvents, error) {
	out := []lodestar.VersionEvents{}
	if len(events) == 0 {
		return out, nil
	}
	vs, err := s.Models.ListModelVersions(ctx, modelID)
	if err != nil {
		return nil, err
	}
	retired := map[string]bool{}
	for _, v := range vs {
		if v.Status == lodestar.ModelRetired {
			retired[v.Version] = true
		}
	}
	if len(retired) == 0 {
		return out, nil
	}
	byVersion, names := eventsByVersion(events, func(v string) bool { return retired[v] })
	for _, n := range names {
		out = append(out, *byVersion[n])
	}
	return out, nil
}

// eventsByVersion counts the events of each version keep takes, with the
// latest one's time, and returns the versions in order.
func eventsByVersion(events []lodestar.StoredEvent, keep func(version string) bool) (map[string]*lodestar.VersionEvents, []string) {
	byVersion := map[string]*lodestar.VersionEvents{}
	var names []string
	var v *lodestar.VersionEvents // the last event's version (a batch's events nearly always share one)
	for _, e := range events {
		if v != nil && v.Version == e.Version {
			// taken already
		} else if !keep(e.Version) {
			continue
		} else if v = byVersion[e.Version]; v == nil {
			v = &lodestar.VersionEvents{Version: e.Version}
			byVersion[e.Version] = v
			names = append(names, e.Version)
		}
		v.Events++
		// As stored, to the millisecond: the same event's time as the
		// unregistered versions' list gives it.
		if at := e.Time.Truncate(time.Millisecond); at.After(v.LastEventAt) {
			v.LastEventAt = at
		}
	}
	slices.Sort(names)
	return byVersion, names
}

// translateLines puts the reasons of a batch's lines in the language the
// request's Accept-Language asks for, as its error would be
// (httpx.Translator).
func translateLines(w http.ResponseWriter, r *http.Request, lists ...[]lodestar.LineError) {
	tr := httpx.Translator(w, r)
	for _, lines := range lists {
		for i := range lines {
			lines[i].Message = tr(lines[i].Message)
		}
	}
}

// errNoLines refuses a batch with no line at all (an empty body, or
// blank lines only), as an empty JSON body is refused: a client sending
// nothing has a bug to hear about.
var errNoLines = lodestar.Errorf(lodestar.EInvalid, "The request body holds no lines: send one JSON object per line.")

// ingestLabels attaches late labels by event ID.
func (s *Server) ingestLabels(w http.ResponseWriter, r *http.Request) {
	res, err := func() (*lodestar.LabelResult, error) {
		if err := onlyParams(r); err != nil {
			return nil, err
		}
		body, err := ndjson(w, r)
		if err != nil {
			return nil, err
		}
		m, err := s.boundModel(r)
		if err != nil {
			return nil, err
		}
		opt, optErr := s.boolLabels(r.Context(), m.ID)
		// Admitted once the lines are counted, before their events'
		// versions are looked up: a batch over the limit costs no read.
		opt.Admit = func(n int) error { return s.admit(w, r, n) }
		labels, lineOf, rejected, err := ingest.LabelsWith(body, opt)
		if err == nil {
			err = *optErr
		}
		if err != nil {
			return nil, err
		}
		if len(labels) == 0 && len(rejected) == 0 {
			return nil, errNoLines
		}
		unknown, err := s.Events.AttachLabels(r.Context(), m.ID, labels)
		if err != nil {
			return nil, err
		}
		out := &lodestar.LabelResult{Updated: len(labels) - len(unknown), Unknown: []lodestar.LineError{}, Rejected: rejected}
		if out.Rejected == nil {
			out.Rejected = []lodestar.LineError{}
		}
		for _, id := range unknown {
			out.Unknown = append(out.Unknown, lodestar.LineError{Line: lineOf[id], ID: id, Message: "no event with this id"})
		}
		translateLines(w, r, out.Rejected, out.Unknown)
		return out, nil
	}()
	s.reply(w, r, http.StatusOK, res, err)
}

func (in monitorIn) monitor(modelID int64) lodestar.Monitor {
	return lodestar.Monitor{ModelID: modelID, Version: in.Version, Name: in.Name, Task: in.Task, Threshold: in.Threshold, Classes: in.Classes,
		Numeric: in.Numeric, Categorical: in.Categorical, Groups: in.Groups, Exclude: in.Exclude, Window: in.Window,
		Reference:  lodestar.MonitorReference{Kind: in.Reference.Kind, From: in.Reference.From, To: in.Reference.To},
		Thresholds: in.Thresholds, RetrainAfter: in.RetrainAfter, AlertAfter: in.AlertAfter, ResolveAfter: in.ResolveAfter,
		RemindAfter: in.RemindAfter, WebhookURL: in.WebhookURL}
}

// monitoringRoutes are ingestion, monitors, alerts and retraining tasks.
func (s *Server) monitoringRoutes() []httpx.Route {
	createMonitor := func(ctx context.Context, id int64, in monitorIn) (*lodestar.Monitor, error) {
		// A file or a range, as kind says: the other part would be
		// dropped without a word (a CSV sent with kind events).
		switch ref := in.Reference; {
		case ref.Kind == lodestar.ReferenceEvents && ref.CSV != "":
			return nil, lodestar.FieldError("reference.csv", "An events reference is a time range (from, to): send csv only with kind dataset.")
		case ref.Kind == lodestar.ReferenceEvents && len(ref.Data) > 0:
			return nil, lodestar.FieldError("reference.data", "An events reference is a time range (from, to): send data only with kind dataset.")
		case ref.Kind == lodestar.ReferenceDataset && !ref.From.IsZero():
			return nil, lodestar.FieldError("reference.from", "A dataset reference is the file sent: give from and to only with kind events.")
		case ref.Kind == lodestar.ReferenceDataset && !ref.To.IsZero():
			return nil, lodestar.FieldError("reference.to", "A dataset reference is the file sent: give from and to only with kind events.")
		}
		data := in.Reference.Data
		if in.Reference.CSV != "" {
			if len(data) > 0 {
				return nil, lodestar.FieldError("reference", "Send the reference as csv or as data, not both.")
			}
			data = []byte(in.Reference.CSV)
		}
		return s.Monitoring.CreateMonitor(ctx, in.monitor(id), data, in.Reference.FileName)
	}
	listMonitors := func(ctx context.Context, id int64, p pageReq) (Page[*lodestar.Monitor], error) {
		if _, err := s.Models.FindModelByID(ctx, id); err != nil {
			return Page[*lodestar.Monitor]{}, err
		}
		items, err := s.Monitors.ListMonitors(ctx, id)
		if err != nil {
			return Page[*lodestar.Monitor]{}, err
		}
		return slicePage(items, p), nil
	}
	// A monitor's windows grow with time: paged in the store, oldest
	// first; the cursor is the last window's start (Unix nanoseconds).
	windows := func(ctx context.Context, id int64, p pageReq) (Page[*lodestar.WindowResult], error) {
		if _, err := s.Monitors.FindMonitorByID(ctx, id); err != nil {
			return Page[*lodestar.WindowResult]{}, err
		}
		var after time.Time
		if p.Cursor > 0 {
			after = time.Unix(0, p.Cursor).UTC()
		}
		items, total, err := s.Monitors.PageWindows(ctx, id, after, p.Limit+1)
		if err != nil {
			return Page[*lodestar.WindowResult]{}, err
		}
		items, more := cutPage(items, p.Limit)
		out := Page[*lodestar.WindowResult]{Data: orEmpty(items), Total: total}
		if more {
			out.NextCursor = strconv.FormatInt(items[len(items)-1].Start.UnixNano(), 10)
		}
		return out, nil
	}
	evaluate := func(ctx context.Context, id int64, in evaluateIn) (*lodestar.Evaluation, error) {
		ev, err := s.Monitoring.Evaluate(ctx, id, time.Now().UTC(), in.From)
		if ev != nil {
			// Lists, empty or not: a client iterates without a null check.
			ev.Windows, ev.Opened = orEmpty(ev.Windows), orEmpty(ev.Opened)
			ev.Resolved, ev.Tasks = orEmpty(ev.Resolved), orEmpty(ev.Tasks)
		}
		return ev, err
	}
	// Alerts and tasks grow with time: paged in the store, newest first;
	// the cursor is the last item's ID.
	alerts := func(r *http.Request, p pageReq) (Page[*lodestar.Alert], error) {
		model, err := queryID(r, "model_id")
		if err != nil {
			return Page[*lodestar.Alert]{}, err
		}
		st := r.URL.Query().Get("status")
		if st != "" && st != lodestar.AlertOpen {
			return Page[*lodestar.Alert]{}, lodestar.FieldError("status", "status may only be open (omit it for all).")
		}
		items, total, err := s.Monitors.PageAlerts(r.Context(), model, st == lodestar.AlertOpen, p.Cursor, p.Limit+1)
		return idPage(items, total, p, func(a *lodestar.Alert) int64 { return a.ID }), err
	}
	tasks := func(r *http.Request, p pageReq) (Page[*lodestar.RetrainingTask], error) {
		uc, err := queryID(r, "use_case_id")
		if err != nil {
			return Page[*lodestar.RetrainingTask]{}, err
		}
		items, total, err := s.Monitors.PageRetrainingTasks(r.Context(), uc, p.Cursor, p.Limit+1)
		return idPage(items, total, p, func(t *lodestar.RetrainingTask) int64 { return t.ID }), err
	}
	// The version strings of a model's stored events that it has not
	// registered: few, paged in memory like its versions.
	unregistered := func(ctx context.Context, id int64, p pageReq) (Page[lodestar.VersionEvents], error) {
		if _, err := s.Models.FindModelByID(ctx, id); err != nil {
			return Page[lodestar.VersionEvents]{}, err
		}
		items, err := s.Events.UnregisteredEventVersions(ctx, id)
		if err != nil {
			return Page[lodestar.VersionEvents]{}, err
		}
		return slicePage(items, p), nil
	}
	monitorBody := func(w http.ResponseWriter, r *http.Request) (monitorIn, error) {
		var in monitorIn
		if err := onlyParams(r); err != nil {
			return in, err
		}
		err := httpx.DecodeJSON(w, r, &in, MaxMonitorBody)
		return in, err
	}
	return []httpx.Route{
		{Method: "POST", Pattern: Prefix + "/models/{model}/events", Perm: auth.ModelIngest, Handler: s.ingestEvents, MaxBody: lodestar.MaxIngestBytes},
		{Method: "POST", Pattern: Prefix + "/models/{model}/labels", Perm: auth.ModelIngest, Handler: s.ingestLabels, MaxBody: lodestar.MaxIngestBytes},
		{Method: "GET", Pattern: Prefix + "/models/{id}/unregistered-versions", Perm: auth.ModelRead, Handler: handleID(s, pageOnly(), unregistered, http.StatusOK)},
		{Method: "GET", Pattern: Prefix + "/models/{id}/monitors", Perm: auth.ModelRead, Handler: handleID(s, pageOnly(), listMonitors, http.StatusOK)},
		{Method: "POST", Pattern: Prefix + "/models/{id}/monitors", Perm: auth.ModelWrite, Handler: handleID(s, monitorBody, createMonitor, http.StatusCreated), MaxBody: MaxMonitorBody},
		{Method: "GET", Pattern: Prefix + "/monitors/{id}", Perm: auth.ModelRead, Handler: handleGet(s, s.monitorWithTrend)},
		{Method: "GET", Pattern: Prefix + "/monitors/{id}/windows", Perm: auth.ModelRead, Handler: handleID(s, pageOnly(), windows, http.StatusOK)},
		{Method: "PATCH", Pattern: Prefix + "/monitors/{id}", Perm: auth.ModelWrite, Handler: s.editMonitor},
		{Method: "POST", Pattern: Prefix + "/monitors/{id}/pause", Perm: auth.ModelWrite, Handler: handleID(s, decodeBody[pauseIn], s.pauseMonitor, http.StatusOK)},
		{Method: "POST", Pattern: Prefix + "/monitors/{id}/resume", Perm: auth.ModelWrite, Handler: handleID(s, decodeBody[struct{}], s.resumeMonitor, http.StatusOK)},
		{Method: "POST", Pattern: Prefix + "/monitors/{id}/evaluate", Perm: auth.ModelWrite, Handler: handleID(s, decodeBody[evaluateIn], evaluate, http.StatusOK)},
		{Method: "GET", Pattern: Prefix + "/alerts", Perm: auth.ModelRead, Handler: handle(s, pageOnly("model_id", "status"), alerts, http.StatusOK)},
		{Method: "POST", Pattern: Prefix + "/alerts/{id}/acknowledge", Perm: auth.AlertAck, Handler: handleID(s, decodeBody[ackIn], func(ctx context.Context, id int64, in ackIn) (*lodestar.Alert, error) {
			return s.Monitors.AcknowledgeAlert(ctx, id, in.Note)
		}, http.StatusOK)},
		{Method: "GET", Pattern: Prefix + "/retraining-tasks", Perm: auth.ModelRead, Handler: handle(s, pageOnly("use_case_id"), tasks, http.StatusOK)},
	}
}

// monitorOut is one monitor as GET /monitors/{id} shows it: its JSON
// with its trend, each quality metric's and the p95 latency's change from
// its first windows to its latest (monitoring.Trend), by metric name —
// {} when fewer than two windows have any.
type monitorOut struct {
	M     *lodestar.Monitor
	Trend []monitoring.MetricTrend
}

func (o monitorOut) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(o.M)
	if err != nil {
		return nil, err
	}
	trend := make(map[string]monitoring.MetricTrend, len(o.Trend))
	for _, t := range o.Trend {
		trend[t.Metric] = t
	}
	t, err := json.Marshal(trend)
	if err != nil {
		return nil, err
	}
	// The monitor's object (never empty: it has its id) with trend last.
	b = bytes.TrimRight(b, " \n")
	out := append(b[:len(b)-1:len(b)-1], `,"trend":`...)
	return append(append(out, t...), '}'), nil
}

// monitorWithTrend reads a monitor and its trend.
func (s *Server) monitorWithTrend(ctx context.Context, id int64) (monitorOut, error) {
	m, err := s.Monitors.FindMonitorByID(ctx, id)
	if err != nil {
		return monitorOut{}, err
	}
	t, err := monitoring.ReadTrend(ctx, s.Monitors, m, nil)
	return monitorOut{M: m, Trend: t}, err
}

// idPage is a page read from the store, items one more than the page
// holds when another page follows (cutPage), whose cursor is its last
// item's ID.
func idPage[T any](items []T, total int, p pageReq, id func(T) int64) Page[T] {
	items, more := cutPage(items, p.Limit)
	out := Page[T]{Data: orEmpty(items), Total: total}
	if more {
		out.NextCursor = strconv.FormatInt(id(items[len(items)-1]), 10)
	}
	return out
}

// cutPage is the page of items read with a limit one over the page's
// (limit+1): the first limit, and whether there was an item after them.
// A full page alone does not say another follows — the last page may be
// exactly full, and its next_cursor would lead to an empty page.
func cutPage[T any](items []T, limit int) ([]T, bool) {
	if len(items) > limit {
		return items[:limit], true
	}
	return items, false
}

// orEmpty is xs, or an empty slice for nil (JSON [] rather than null).
func orEmpty[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
