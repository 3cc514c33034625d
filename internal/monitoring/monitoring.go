// Package monitoring runs Lodestar's monitors: it reads a model's stored
// prediction events, cuts them into windows with the monitoring engine,
// compares each window with the monitor's reference, decides which
// thresholds are breached, raises an alert once per breach and resolves it
// on recovery, opens a retraining task on sustained decay, and delivers
// webhooks. Deciding (Decide) is pure; Service does the reading and
// saving.
package monitoring

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/dataset"
	"github.com/lodestar-hq/lodestar/internal/engine/fairness"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
	"github.com/lodestar-hq/lodestar/internal/i18n"
	"github.com/lodestar-hq/lodestar/internal/ingest"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// MaxReferenceBytes bounds an uploaded reference dataset: a sample of the
// training data is enough to cut bins and compare distributions, and the
// file is held in memory while it is profiled.
const MaxReferenceBytes = 20 << 20

// reserved columns of a reference file are never features.
var reserved = map[string]bool{"id": true, "time": true, "version": true, "prediction": true, "label": true, "latency_ms": true}

// Store is what the service needs from storage.
type Store interface {
	lodestar.EventService
	lodestar.MonitorService
	lodestar.ModelService
	ClaimWebhooks(ctx context.Context, now, until time.Time, limit int) ([]store.Webhook, error)
	ReleaseWebhooks(ctx context.Context, claimed []store.Webhook, until time.Time) (int, error)
	WindowStartAtOrBefore(ctx context.Context, monitorID int64, t time.Time) (time.Time, bool, error)
	ResolvedAlertsSince(ctx context.Context, monitorID int64, since time.Time) ([]*lodestar.Alert, error)
	WindowsBefore(ctx context.Context, monitorID int64, before, from time.Time, n, limit int) ([]*lodestar.WindowResult, error)
	EventsMark(ctx context.Context, modelID int64, from, to time.Time) (int64, int64, error)
	MarkWebhook(ctx context.Context, id int64, delivered bool, errText string, next time.Time) error
	DueReminders(ctx context.Context, now time.Time) ([]store.Reminder, error)
	QueueReminder(ctx context.Context, r store.Reminder, now time.Time) (bool, error)
	SetReferenceUnreadable(ctx context.Context, id int64, n int64, reason string) error
	ClearRelabel(ctx context.Context, id, mark int64) error
}

// recomputeReach bounds the stored windows a recomputation reads before
// its start to judge the alerts opened before it (evaluate): 2,000
// windows, 83 days of hourly windows, five years of daily ones. An alert
// opened further back than that is taken as running, as recorded, and a
// recomputation's outcome for it may then depend on where it starts. A
// variable so that tests can lower it.
var recomputeReach = 2000

// Service creates and evaluates monitors.
type Service struct {
	Store Store
	Log   *slog.Logger
	// Client sends webhooks (when nil: a 10-second timeout, and no
	// connection to a private address unless AllowPrivateWebhooks).
	Client *http.Client
	// AllowPrivateWebhooks lets webhooks go to loopback, private and
	// link-local addresses (serve --webhook-allow-private). Off, whoever
	// may create a monitor cannot make the server post to its own admin
	// ports, the internal network or a cloud metadata service.
	AllowPrivateWebhooks bool

	transportOnce sync.Once
	transport     http.RoundTripper // webhooks' connections, kept between ticks
	// Lateness is how long after its end an hour or day window is closed:
	// events stamped inside it that arrive within it still count (later
	// ones only when the window is evaluated again from its start).
	Lateness time.Duration
	// Retention, when above 0, is how long prediction events are kept;
	// events a monitor's event-range reference needs are kept whatever
	// their age.
	Retention time.Duration
	// Secret, when set, signs each webhook: the header
	// X-Lodestar-Signature carries "sha256=" and the hex HMAC-SHA256 of
	// the body under it, so a receiver can check the sender.
	Secret []byte
	// I18n words the messages sent to chat services (ChatHosts); ChatHosts
	// here adds hosts to the package's (a relay's, a test's).
	I18n      *i18n.Bundle
	ChatHosts map[string]string

	mu    sync.Mutex
	refs  map[int64]*reference
	evals sync.Map // monitor ID → *sync.Mutex: one evaluation at a time per monitor
}

type reference struct {
	layout *monitor.Layout
	window *monitor.Window
	mark   [2]int64 // an event-range reference's EventsMark when it was built
}

// CreateMonitor checks the reference dataset (CSV or Parquet; columns named id, time,
// version, prediction, label or latency_ms are not features, nor those in
// in.Exclude, nor Parquet columns of a type monitors cannot read — an
// event time, a date — which are refused only when named as features),
// takes the features from it when none are named (numeric when every
// non-blank value is a number, else categorical), and saves the monitor.
func (s *Service) CreateMonitor(ctx context.Context, in lodestar.Monitor, data []byte, fileName string) (*lodestar.Monitor, error) {
	if msg := s.WebhookRefusal(in.WebhookURL); msg != "" {
		return nil, s.refuse(ctx, in, "webhook_url", msg)
	}
	if len(in.Exclude) > 0 && len(in.Numeric)+len(in.Categorical) > 0 {
		return nil, s.refuse(ctx, in, "exclude", "Name the features (numeric, categorical) or the columns that are not features, not both.")
	}
	if in.Reference.Kind == lodestar.ReferenceDataset {
		if len(data) == 0 {
			return nil, s.refuse(ctx, in, "reference", "Upload the reference dataset (CSV or Parquet).")
		}
		if len(data) > MaxReferenceBytes {
			return nil, s.refuse(ctx, in, "reference", fmt.Sprintf("The reference dataset is larger than %d MiB.", MaxReferenceBytes>>20))
		}
		if !bytes.HasPrefix(data, []byte("PAR1")) && bytes.IndexByte(data, 0) >= 0 {
			// Text never holds a NUL byte: this is some other binary file,
			// which would read as a column of garbled names.
			return nil, s.refuse(ctx, in, "reference", "The reference is neither CSV text nor Parquet (it holds NUL bytes).")
		}
		prof, err := profile(data)
		if err != nil {
			return nil, s.refuse(ctx, in, "reference", err.Error())
		}
		header := prof.header
		for _, x := range in.Exclude {
			if !slices.Contains(header, x) {
				return nil, s.refuse(ctx, in, "exclude", fmt.Sprintf("The reference dataset has no column %q.", x))
			}
		}
		if len(in.Numeric)+len(in.Categorical) == 0 {
			for i, h := range header {
				if reserved[h] || slices.Contains(in.Groups, h) || slices.Contains(in.Exclude, h) || prof.unreadable[i] != "" {
					continue
				}
				if prof.numeric[i] {
					in.Numeric = append(in.Numeric, h)
				} else {
					in.Categorical = append(in.Categorical, h)
				}
			}
		} else {
			for _, f := range append(slices.Clone(in.Numeric), in.Categorical...) {
				if !slices.Contains(header, f) {
					return nil, s.refuse(ctx, in, "reference", fmt.Sprintf("The reference dataset has no column %q.", f))
				}
			}
			if err := prof.unreadableFeature(in.Numeric, in.Categorical); err != nil {
				return nil, s.refuse(ctx, in, "reference", err.Error())
			}
		}
		skipped, err := readRows(data, &in, prof.rows)
		if err != nil {
			return nil, s.refuse(ctx, in, "reference", err.Error())
		}
		sum := sha256.Sum256(data)
		in.Reference = lodestar.MonitorReference{Kind: lodestar.ReferenceDataset, FileName: fileName, Format: prof.format, Rows: prof.rows, SHA256: hex.EncodeToString(sum[:]),
			Unreadable: skipped.n, UnreadableReason: skipped.reason}
	} else {
		data = nil
		if in.Reference.Kind == lodestar.ReferenceEvents && len(in.Numeric)+len(in.Categorical) == 0 && in.ModelID != 0 &&
			in.Version != "" && !in.Reference.From.IsZero() && in.Reference.To.After(in.Reference.From) {
			var err error
			if in.Numeric, in.Categorical, in.Reference.FeaturesLeftOut, in.Reference.FeaturesLeftOutReasons, err = s.eventFeatures(ctx, in); err != nil {
				return nil, err
			}
			// The English lines, as before the codes: what older clients read.
			for _, r := range in.Reference.FeaturesLeftOutReasons {
				in.Reference.FeaturesLeftOutWhy = append(in.Reference.FeaturesLeftOutWhy, r.Message)
			}
			if len(in.Numeric)+len(in.Categorical) == 0 && (in.Thresholds.Drift || in.Thresholds.DataQuality) {
				return nil, s.refuse(ctx, in, "reference.from", fmt.Sprintf("This range holds no events of version %s yet to take the features from: choose a range with events, or turn drift and data quality off.", in.Version))
			}
		}
		// Features named (a copy's, the API's): the range must still hold
		// events, else the monitor could never be evaluated (its
		// reference never ready).
		if in.Reference.Kind == lodestar.ReferenceEvents && len(in.Numeric)+len(in.Categorical) > 0 && in.ModelID != 0 &&
			in.Version != "" && !in.Reference.From.IsZero() && in.Reference.To.After(in.Reference.From) {
			some, err := s.rangeHasEvents(ctx, in)
			if err != nil {
				return nil, err
			}
			if !some {
				return nil, s.refuse(ctx, in, "reference.from", fmt.Sprintf("This range holds no events of version %s yet: choose a range with events.", in.Version))
			}
		}
	}
	m, err := s.Store.CreateMonitor(ctx, in, data)
	if err != nil {
		return nil, err
	}
	if sqldb.IsDryRun(ctx) {
		// A form's checks only: the monitor was not kept, and its ID may
		// go to the next one, so nothing is loaded or cached for it.
		return m, nil
	}
	if _, err := s.reference(ctx, m); err != nil {
		// Keep the monitor: the reference (an event range) may fill later.
		s.log().Warn("monitor reference not ready", "monitor", m.ID, "err", err)
	}
	return m, nil
}

// refuse refuses a monitor for one field's reason, with the store's
// checks of its other fields (on a dry run), so that every bad field is
// named at once: a form whose reference file is refused would otherwise
// come back, be fixed and sent again — the file chosen again — only to be
// refused for a bad threshold.
func (s *Service) refuse(ctx context.Context, in lodestar.Monitor, field, msg string) error {
	fields := map[string]string{field: msg}
	// Without the file: the store's check of it ("upload the reference")
	// is left out below, the file having been judged here.
	_, err := s.Store.CreateMonitor(sqldb.WithDryRun(ctx), in, nil)
	if lodestar.ErrorCode(err) != lodestar.EInvalid && err != nil && len(lodestar.ErrorFields(err)) == 0 {
		return err
	}
	dataset := in.Reference.Kind == lodestar.ReferenceDataset
	for k, v := range lodestar.ErrorFields(err) {
		switch {
		case k == field, k == "reference" && dataset:
		case k == "thresholds.data_quality" && dataset && len(in.Numeric)+len(in.Categorical) == 0:
			// The features were to come from the file refused.
		default:
			fields[k] = v
		}
	}
	return &lodestar.Error{Code: lodestar.EInvalid, Message: "The monitor could not be saved; check the fields.", Fields: fields}
}

// maxFeatureScan is how many events of an event-range reference are read
// for its features.
const maxFeatureScan = 10000

// maxFeatureNames is how many distinct feature names of an event range
// are weighed as features (their kinds judged), in the order first seen;
// the names seen after them are counted, up to maxUnweighed, and left
// out. Ingestion takes up to 1,000 features an event, so that 10,000
// events could otherwise name millions.
const (
	maxFeatureNames = 2 * maxKindFeatures
	maxUnweighed    = 100_000
)

// maxKindFeatures is how many numeric features, and how many categorical
// ones, a monitor follows (the store's limit).
const maxKindFeatures = 1000

var errScanned = errors.New("scanned enough")

// eventFeatures takes a monitor's features from the first events of its
// reference range, as a dataset's are taken from its columns: each
// feature the events carry (not a group, not excluded), numeric when
// every value seen is a number, in the order first seen. The features a
// monitor cannot follow — a name blank or longer than lodestar.MaxTitle
// characters, or beyond the first maxKindFeatures of its kind — are left
// out, counted and said why (each reason a code, its figures and its
// English line, translated where shown): the monitor is made with the
// others.
func (s *Service) eventFeatures(ctx context.Context, in lodestar.Monitor) (numeric, categorical []string, leftOut int64, why []lodestar.FeatureLeftOut, err error) {
	var names []string
	text := map[string]bool{}
	var badNames []string
	bad := map[string]bool{}
	unweighed := map[uint64]bool{}
	n := 0
	v := ingest.Visitor{Feature: func(name []byte, v ingest.Value) {
		if v.Kind == '0' {
			return
		}
		k := string(name)
		seen, ok := text[k]
		if !ok {
			if reserved[k] || slices.Contains(in.Groups, k) || slices.Contains(in.Exclude, k) || bad[k] {
				return
			}
			if strings.TrimSpace(k) == "" || utf8.RuneCountInString(k) > lodestar.MaxTitle {
				bad[k] = true
				badNames = append(badNames, k)
				return
			}
			if len(names) >= maxFeatureNames {
				h := fnv.New64a()
				h.Write(name)
				unweighed[h.Sum64()] = true
				return
			}
			names = append(names, k)
		}
		text[k] = seen || v.Kind != 'n'
	}}
	err = s.Store.ScanEvents(ctx, in.ModelID, in.Version, in.Reference.From, in.Reference.To, func(e lodestar.StoredEvent) error {
		if err := ingest.Read(e.Body, &v); err != nil {
			return nil
		}
		if n++; n >= maxFeatureScan || len(unweighed) >= maxUnweighed {
			return errScanned
		}
		return nil
	})
	if err != nil && !errors.Is(err, errScanned) {
		return nil, nil, 0, nil, err
	}
	var overNumeric, overCategorical int
	for _, k := range names {
		switch {
		case text[k] && len(categorical) < maxKindFeatures:
			categorical = append(categorical, k)
		case text[k]:
			overCategorical++
		case len(numeric) < maxKindFeatures:
			numeric = append(numeric, k)
		default:
			overNumeric++
		}
	}
	var reasons []lodestar.FeatureLeftOut
	say := func(code string, count, limit int, first *string, msg string) {
		reasons = append(reasons, lodestar.FeatureLeftOut{Code: code, Count: int64(count), Limit: limit, First: first, Message: msg})
	}
	if len(badNames) > 0 {
		first := badNames[0]
		if r := []rune(first); len(r) > 40 {
			first = string(r[:40]) + "…"
		}
		say(lodestar.LeftOutName, len(badNames), lodestar.MaxTitle, &first,
			fmt.Sprintf("%d with a name blank or longer than %d characters, the first %q", len(badNames), lodestar.MaxTitle, first))
	}
	if overNumeric > 0 {
		say(lodestar.LeftOutNumeric, overNumeric, maxKindFeatures, nil, fmt.Sprintf("%d beyond the first %d numeric features", overNumeric, maxKindFeatures))
	}
	if overCategorical > 0 {
		say(lodestar.LeftOutCategorical, overCategorical, maxKindFeatures, nil, fmt.Sprintf("%d beyond the first %d categorical features", overCategorical, maxKindFeatures))
	}
	if len(unweighed) > 0 {
		say(lodestar.LeftOutNames, len(unweighed), maxFeatureNames, nil, fmt.Sprintf("%d beyond the first %d names seen", len(unweighed), maxFeatureNames))
	}
	leftOut = int64(len(badNames) + overNumeric + overCategorical + len(unweighed))
	return numeric, categorical, leftOut, reasons, nil
}

// rangeHasEvents reports whether a monitor's event-range reference holds
// an event of its version.
func (s *Service) rangeHasEvents(ctx context.Context, in lodestar.Monitor) (bool, error) {
	some := false
	err := s.Store.ScanEvents(ctx, in.ModelID, in.Version, in.Reference.From, in.Reference.To, func(lodestar.StoredEvent) error {
		some = true
		return errScanned
	})
	if err != nil && !errors.Is(err, errScanned) {
		return false, err
	}
	return some, nil
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// openReference opens an uploaded reference dataset, CSV or Parquet
// (told by content, as `lodestar drift` does).
func openReference(data []byte) (*dataset.File, error) {
	return dataset.Open(bytes.NewReader(data), int64(len(data)), dataset.Options{})
}

// refProfile is what profile finds in a reference dataset.
type refProfile struct {
	format string
	header []string
	// numeric[i] says whether column i is numeric (Parquet: by its type;
	// CSV: when every cell that is not missing is a number).
	numeric []bool
	// unreadable[i] is column i's type when monitors cannot read it (a
	// Parquet timestamp, date, INT96, nested column…), else "": such a
	// column is no feature, and is refused only when named as one.
	unreadable []string
	rows       int64
}

// profile reads a reference dataset whole: its header, the kind of each
// column it can read and its row count. A column of a type monitors cannot
// read is not read (a training sample's event time is one): only a
// feature must be readable, and which columns are features is decided
// after (unreadableFeature).
func profile(data []byte) (p refProfile, err error) {
	f, err := openReference(data)
	if err != nil {
		return refProfile{}, err
	}
	defer f.Close()
	p.header = f.Header()
	p.numeric = make([]bool, len(p.header))
	p.unreadable = make([]string, len(p.header))
	var cols []int // the columns read, by their index in the file
	for i := range p.header {
		switch f.Kind(i) {
		case dataset.Text, dataset.Numeric:
			p.numeric[i] = true
		case dataset.Unsupported:
			p.unreadable[i] = f.TypeName(i)
			continue
		}
		cols = append(cols, i)
	}
	seen := make([]bool, len(p.header))
	err = f.Scan(cols, func(b *dataset.Batch) error {
		p.rows += int64(b.Rows)
		for k, i := range cols {
			if !b.Has(k) {
				continue
			}
			for r := 0; r < b.Rows; r++ {
				if b.Missing(k, r) {
					continue
				}
				seen[i] = true
				if p.numeric[i] && b.Num[k][r] != b.Num[k][r] {
					p.numeric[i] = false
				}
			}
		}
		return nil
	})
	if err != nil {
		return refProfile{}, err
	}
	if p.rows == 0 {
		return refProfile{}, errors.New("The reference dataset has no rows")
	}
	for i := range p.numeric {
		p.numeric[i] = p.numeric[i] && seen[i]
	}
	p.format = strings.ToLower(f.Format().String())
	return p, nil
}

// unreadableFeature refuses a feature that is a column of a type monitors
// cannot read, naming the column and its type.
func (p *refProfile) unreadableFeature(features ...[]string) error {
	for _, names := range features {
		for _, name := range names {
			if i := slices.Index(p.header, name); i >= 0 && p.unreadable[i] != "" {
				return fmt.Errorf("column %q has a type monitors cannot read (%s)", name, p.unreadable[i])
			}
		}
	}
	return nil
}

// readRows reads a reference dataset of rows rows as the monitor's
// reference will be built from it (by its features), before the monitor
// is saved: it returns the rows that build leaves out, and refuses a
// dataset none of whose rows can be read, or with a numeric feature that
// has no number in the rows read — a reference that could never be built.
func readRows(data []byte, m *lodestar.Monitor, rows int64) (unread, error) {
	schema := Schema(m)
	if schema.Validate() != nil {
		return unread{}, nil // the store names the bad field
	}
	values := make([]int64, len(schema.Numeric))
	skipped, err := eachRow(data, &schema, func(ev *monitor.Event) error {
		for i, x := range ev.Num {
			if x-x == 0 {
				values[i]++
			}
		}
		return nil
	})
	if err != nil {
		return unread{}, err
	}
	if skipped.n >= rows {
		return unread{}, fmt.Errorf("No row of the reference dataset can be read (%d rows); the first: %s.", rows, skipped.reason)
	}
	for i, n := range values {
		if n == 0 {
			return unread{}, fmt.Errorf("The reference dataset has no number in column %q, a numeric feature.", schema.Numeric[i])
		}
	}
	return skipped, nil
}

// Schema is the engine schema of a monitor.
func Schema(m *lodestar.Monitor) monitor.Schema {
	return monitor.Schema{Task: m.Task, Classes: m.Classes, Threshold: m.Threshold, Numeric: m.Numeric, Categorical: m.Categorical, Groups: m.Groups}
}

// reference builds (once per monitor) the bins and the reference window.
func (s *Service) reference(ctx context.Context, m *lodestar.Monitor) (*reference, error) {
	// An event-range reference is built again when events in its range
	// were added since (its range was still filling, or events came late).
	var mark [2]int64
	if m.Reference.Kind != lodestar.ReferenceDataset {
		n, last, err := s.Store.EventsMark(ctx, m.ModelID, m.Reference.From, m.Reference.To)
		if err != nil {
			return nil, err
		}
		mark = [2]int64{n, last}
	}
	s.mu.Lock()
	if r, ok := s.refs[m.ID]; ok && r.mark == mark {
		s.mu.Unlock()
		return r, nil
	}
	s.mu.Unlock()
	schema := Schema(m)
	prof, err := monitor.NewProfiler(schema, 0, uint64(m.ID))
	if err != nil {
		return nil, err
	}
	var each func(fn func(*monitor.Event) error) error
	var skipped unread // an event range's events left out, counted on the first pass
	passes := 0
	switch m.Reference.Kind {
	case lodestar.ReferenceDataset:
		data, err := s.Store.MonitorReferenceData(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		// The rows left out were counted when the monitor was made
		// (MonitorReference.Unreadable): the same file, the same count.
		each = func(fn func(*monitor.Event) error) error { _, err := eachRow(data, &schema, fn); return err }
	default:
		dec := NewDecoder(&schema)
		each = func(fn func(*monitor.Event) error) error {
			passes++
			first := passes == 1
			return s.Store.ScanEvents(ctx, m.ModelID, m.Version, m.Reference.From, m.Reference.To, func(e lodestar.StoredEvent) error {
				ev, ok := dec.Decode(e)
				if !ok {
					if first {
						skipped.add(1, dec.Reason())
					}
					return nil
				}
				return fn(ev)
			})
		}
	}
	// The first pass keeps what the second reads of each event, within
	// referenceKeep, so that the events are read and decoded once.
	kept := newKeptEvents(&schema)
	defer kept.release()
	n := 0
	if err := each(func(ev *monitor.Event) error { n++; kept.add(ev); return prof.Add(ev) }); err != nil {
		return nil, err
	}
	if m.Reference.Kind == lodestar.ReferenceEvents && (skipped.n != m.Reference.Unreadable || skipped.reason != m.Reference.UnreadableReason) {
		// The events left out, as this build counted them (the range may
		// have filled since the last): kept with the monitor, for the API
		// and the health page, as a dataset's rows left out are.
		if err := s.Store.SetReferenceUnreadable(ctx, m.ID, skipped.n, skipped.reason); err != nil {
			s.log().Warn("monitor reference: recording its unreadable events", "monitor", m.ID, "err", err)
		} else {
			m.Reference.Unreadable, m.Reference.UnreadableReason = skipped.n, skipped.reason
		}
	}
	if n == 0 {
		return nil, errors.New("the reference holds no events yet")
	}
	layout, err := prof.Layout(0, 0)
	if err != nil {
		return nil, err
	}
	w := monitor.NewWindow(layout)
	fill := func(ev *monitor.Event) error {
		ev.Score, ev.Class, ev.Value, ev.Label = math.NaN(), -1, math.NaN(), math.NaN()
		if schema.Task == monitor.TaskMulticlass {
			ev.Class = 0
		}
		if schema.Task == monitor.TaskRegression {
			ev.Value = 0
		}
		if schema.Task == monitor.TaskBinary || schema.Task == "" {
			ev.Score = 0
		}
		return w.Add(ev)
	}
	if kept.full {
		err = each(fill)
	} else {
		err = kept.replay(&schema, fill)
	}
	if err != nil {
		return nil, err
	}
	r := &reference{layout: layout, window: w, mark: mark}
	s.mu.Lock()
	if s.refs == nil {
		s.refs = map[int64]*reference{}
	}
	s.refs[m.ID] = r
	s.mu.Unlock()
	return r, nil
}

// referenceKeep bounds the memory that the reference builds in progress
// together keep of their events (keptEvents), so that a reference is read
// and decoded once, not once to cut its bins and again to fill them: 64
// MiB, a reference of about 300,000 events of 20 numeric and 5 categorical
// features. A build that would pass it reads its events again instead
// (the same events, the same figures). A variable so that tests can change
// it.
var referenceKeep int64 = 64 << 20

// referenceKept is the memory the builds in progress keep.
var referenceKept atomic.Int64

// keptBlock is how many events a block of keptEvents holds.
const keptBlock = 1024

// keptEvents is a reference's events as its first pass decoded them, in
// their order, holding what the reference window reads of an event: each
// numeric feature's value, each categorical feature's and group's value
// (an index into a table of the distinct values), its time and latency.
// The second pass adds them to the window from here rather than reading
// the events again. Its memory is reserved from referenceKeep a block (and
// a new distinct value) at a time; when that would pass the bound, what is
// kept is let go and full says the events must be read again.
type keptEvents struct {
	nn, nc, ng int
	blockBytes int64
	blocks     []*keptEventBlock
	values     []string // categorical and group values by index; 0 is ""
	index      map[string]uint32
	reserved   int64 // from referenceKept
	full       bool
}

type keptEventBlock struct {
	n    int
	num  []float64   // keptBlock × nn
	text []uint32    // keptBlock × (nc + ng): categorical values, then groups
	time []time.Time // keptBlock
	lat  []float64   // keptBlock
}

func newKeptEvents(s *monitor.Schema) *keptEvents {
	k := &keptEvents{nn: len(s.Numeric), nc: len(s.Categorical), ng: len(s.Groups), values: []string{""}, index: map[string]uint32{"": 0}}
	k.blockBytes = keptBlock * (8*int64(k.nn) + 4*int64(k.nc+k.ng) + 24 + 8)
	return k
}

// reserve takes n bytes from referenceKeep, or lets go of what is kept
// and returns false when they would pass it.
func (k *keptEvents) reserve(n int64) bool {
	if referenceKept.Add(n) > referenceKeep {
		referenceKept.Add(-n)
		k.release()
		k.full = true
		return false
	}
	k.reserved += n
	return true
}

// release gives back the memory kept.
func (k *keptEvents) release() {
	referenceKept.Add(-k.reserved)
	k.reserved = 0
	k.blocks, k.values, k.index = nil, nil, nil
}

// text returns the index of value v, adding it to the table.
func (k *keptEvents) text(v string) (uint32, bool) {
	if i, ok := k.index[v]; ok {
		return i, true
	}
	// Its bytes, its place in the table and an entry of the map.
	if !k.reserve(int64(len(v)) + 64) {
		return 0, false
	}
	i := uint32(len(k.values))
	k.values = append(k.values, v)
	k.index[v] = i
	return i, true
}

// add keeps ev, unless full.
func (k *keptEvents) add(ev *monitor.Event) {
	if k.full {
		return
	}
	var b *keptEventBlock
	if len(k.blocks) > 0 && k.blocks[len(k.blocks)-1].n < keptBlock {
		b = k.blocks[len(k.blocks)-1]
	} else {
		if !k.reserve(k.blockBytes) {
			return
		}
		b = &keptEventBlock{num: make([]float64, keptBlock*k.nn), text: make([]uint32, keptBlock*(k.nc+k.ng)),
			time: make([]time.Time, keptBlock), lat: make([]float64, keptBlock)}
		k.blocks = append(k.blocks, b)
	}
	text := b.text[b.n*(k.nc+k.ng):][:k.nc+k.ng]
	for j, v := range ev.Cat {
		i, ok := k.text(v)
		if !ok {
			return
		}
		text[j] = i
	}
	for j, v := range ev.Groups {
		i, ok := k.text(v)
		if !ok {
			return
		}
		text[k.nc+j] = i
	}
	copy(b.num[b.n*k.nn:][:k.nn], ev.Num)
	b.time[b.n], b.lat[b.n] = ev.Time, ev.LatencyMS
	b.n++
}

// replay calls fn with each event kept, in the order added, as an event
// of schema s with every other field unknown.
func (k *keptEvents) replay(s *monitor.Schema, fn func(*monitor.Event) error) error {
	ev := s.NewEvent()
	for _, b := range k.blocks {
		for r := range b.n {
			ev.Reset()
			copy(ev.Num, b.num[r*k.nn:][:k.nn])
			text := b.text[r*(k.nc+k.ng):][:k.nc+k.ng]
			for j := range ev.Cat {
				ev.Cat[j] = k.values[text[j]]
			}
			for j := range ev.Groups {
				ev.Groups[j] = k.values[text[k.nc+j]]
			}
			ev.Time, ev.LatencyMS = b.time[r], b.lat[r]
			if err := fn(&ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// eachRow calls fn with each row of a reference dataset as an event,
// leaving out the rows it cannot read — a numeric feature's cell that is
// neither a number nor missing ("n/a!", a word) — which it counts, with
// the first one's reason ("line 7: column "age": "abc" is not a number").
func eachRow(data []byte, schema *monitor.Schema, fn func(*monitor.Event) error) (skipped unread, err error) {
	f, err := openReference(data)
	if err != nil {
		return unread{}, err
	}
	defer f.Close()
	var cols []int
	for _, name := range append(slices.Clone(schema.Numeric), schema.Categorical...) {
		i, err := f.Column(name)
		if err != nil {
			return unread{}, err
		}
		cols = append(cols, i)
	}
	where := "line"
	if f.Format() == dataset.Parquet {
		where = "row"
	}
	nn := len(schema.Numeric)
	ev := schema.NewEvent()
	err = f.Scan(cols, func(b *dataset.Batch) error {
	rows:
		for r := 0; r < b.Rows; r++ {
			ev.Reset()
			for k := range cols {
				if !b.Has(k) || b.Missing(k, r) {
					continue
				}
				if k < nn {
					x := b.Num[k][r]
					if b.Kind(k) == dataset.Categorical {
						// A Parquet string column named as numeric: its
						// cells are read as a CSV file's are.
						if v, ok := dataset.ParseNumber(b.Text(k, r)); ok {
							x = v
						}
					}
					if x != x {
						skipped.add(1, fmt.Sprintf("%s %d: column %q: %s is not a number", where, b.Line(r), schema.Numeric[k], quoteCut(b.Text(k, r))))
						continue rows
					}
					ev.Num[k] = x
				} else if b.Kind(k) == dataset.Numeric {
					// A Parquet number column named categorical: spelt as
					// a CSV file writes it, as events' numbers are.
					// An INT64 column's values exactly, past 2^53 too
					// (a float64 would round 12345678901234567).
					if ints, unsigned := b.Int64s(k); ints != nil {
						if unsigned {
							ev.Cat[k-nn] = strconv.FormatUint(uint64(ints[r]), 10)
						} else {
							ev.Cat[k-nn] = strconv.FormatInt(ints[r], 10)
						}
					} else {
						ev.Cat[k-nn] = f.NumberText(cols[k], b.Num[k][r])
					}
				} else if b.Kind(k) == dataset.Text {
					ev.Cat[k-nn] = string(categoryText(dataset.Trim(b.Text(k, r)))) // CSV cells are trimmed, as drift does
				} else {
					ev.Cat[k-nn] = string(categoryText(b.Text(k, r)))
				}
			}
			if err := fn(&ev); err != nil {
				return err
			}
		}
		return nil
	})
	return skipped, err
}

// A categorical feature's values are compared as text, each spelt one way
// wherever it comes from — an event's JSON number or string, a CSV
// reference's cell, a Parquet reference's number or string — so that the
// same category is the same value on both sides:
//
//   - a number (a JSON number, a Parquet number column) as CSV files write
//     it, the rule dataset.File.NumberText states: a Parquet integer type
//     as an integer; a double in plain notation from 1e-4 up to 1e16
//     ("1234567", "0.25"), with an exponent beyond ("1e-05", "1e+16");
//   - text (a CSV cell, a Parquet string, a JSON string) as written, but a
//     whole number written with a zero fraction ("7.0", "1234567.00", as
//     pandas writes an integer column that has missing values) without it
//     ("7"), and true or false in any letter case ("True", as pandas
//     writes a boolean) as "true" or "false", as a Parquet boolean column
//     reads (lodestar drift compares them so too).
//
// So a store ID sent as 1234567 or "1234567" matches a reference cell
// 1234567 or 1234567.0; "0.50" and "007" stay as written (a code's zeros
// are part of it).

// numberText spells a number given for a categorical feature (a JSON
// number), as dataset.File.NumberText spells a DOUBLE.
func numberText(v float64) string { return string(appendNumber(nil, v)) }

// appendNumber appends numberText(v) to dst.
func appendNumber(dst []byte, v float64) []byte {
	if a := math.Abs(v); a == 0 || a >= 1e-4 && a < 1e16 {
		return strconv.AppendFloat(dst, v, 'f', -1, 64)
	}
	return strconv.AppendFloat(dst, v, 'g', -1, 64)
}

// categoryText is a categorical value's text without the zero fraction of
// a whole number ("7.0", "-12.000" → "7", "-12"), a boolean in lower case
// ("TRUE" → "true"); any other text as it is. The result may be shared:
// callers copy it (string) before keeping it.
func categoryText(b []byte) []byte {
	n := len(b)
	switch {
	case n == 4 && bytes.EqualFold(b, trueText):
		return trueText
	case n == 5 && bytes.EqualFold(b, falseText):
		return falseText
	}
	if n < 3 || b[n-1] != '0' {
		return b // the common case: not a number ending in 0
	}
	dot := bytes.IndexByte(b, '.')
	if dot < 0 || dot == n-1 {
		return b
	}
	for _, c := range b[dot+1:] {
		if c != '0' {
			return b
		}
	}
	digits := b[:dot]
	if digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return b
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return b
		}
	}
	return b[:dot]
}

// The spellings of a boolean categoryText gives.
var trueText, falseText = []byte("true"), []byte("false")

// quoteCut quotes a cell for a reason, cut as predicted cuts a string.
func quoteCut(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	if r := []rune(s); len(r) > maxReasonValue {
		s = string(r[:maxReasonValue]) + "…"
	}
	return strconv.Quote(s)
}

// Decoder turns stored events into engine events for one schema. It
// reads each line with ingest.Read (no maps built per event) and interns
// categorical values, so decoding allocates next to nothing once the
// values have been seen.
type Decoder struct {
	schema *monitor.Schema
	groups map[string]int
	class  map[string]int
	// boolClass is the class a label false ([0]) or true ([1]) reads as
	// (BoolClass): -1 for none.
	boolClass [2]int
	intern    map[string]string
	ev        monitor.Event
	visitor   ingest.Visitor
	pred      ingest.Value
	label     ingest.Value
	reason    string
	numBuf    []byte // a categorical number's text
	// names holds each monitored feature's name and slot (see slot), and
	// others the names of features not monitored, interned (at most
	// maxSeen). seen[k] is the feature last seen kth in an event: a
	// producer mostly writes its features in one order, so a name is
	// compared with the one its position had before it is looked up.
	// k counts the current event's features.
	names  map[string]seenName
	others map[string]string
	seen   []seenName
	k      int
}

type seenName struct {
	name  string
	slot  int
	known bool // false: a position not seen yet
}

// maxSeen bounds the positions and the names not monitored remembered.
const maxSeen = 4096

// slot is where the feature name goes: i+1 for the numeric feature i,
// -(i+1) for the categorical feature i, 0 for a feature not monitored.
func (d *Decoder) slot(name []byte) int {
	k := d.k
	d.k++
	if k < len(d.seen) {
		if e := &d.seen[k]; e.known && e.name == string(name) {
			return e.slot
		}
	}
	e, ok := d.names[string(name)]
	if !ok {
		s, ok := d.others[string(name)]
		if !ok {
			if len(d.others) >= maxSeen {
				return 0
			}
			s = string(name)
			d.others[s] = s
		}
		e = seenName{name: s, known: true}
	}
	if k < maxSeen {
		for len(d.seen) <= k {
			d.seen = append(d.seen, seenName{})
		}
		d.seen[k] = e
	}
	return e.slot
}

// maxInterned bounds the interned categorical values.
const maxInterned = 100000

// NewDecoder returns a decoder for schema.
func NewDecoder(schema *monitor.Schema) *Decoder {
	d := &Decoder{schema: schema, groups: map[string]int{}, class: map[string]int{},
		intern: map[string]string{}, ev: schema.NewEvent(), others: map[string]string{},
		names: make(map[string]seenName, len(schema.Numeric)+len(schema.Categorical))}
	// A numeric feature's name first; of a name repeated, the last.
	for i, n := range schema.Categorical {
		d.names[n] = seenName{name: n, slot: -i - 1, known: true}
	}
	for i, n := range schema.Numeric {
		d.names[n] = seenName{name: n, slot: i + 1, known: true}
	}
	for i, n := range schema.Groups {
		d.groups[n] = i
	}
	for i, n := range schema.Classes {
		d.class[n] = i
	}
	d.boolClass = [2]int{BoolClass(schema.Classes, false), BoolClass(schema.Classes, true)}
	d.visitor = ingest.Visitor{
		Feature: func(name []byte, v ingest.Value) {
			slot := d.slot(name)
			if i := slot - 1; slot > 0 {
				if v.Kind == 'n' {
					d.ev.Num[i] = v.Num
				}
			} else if i := -slot - 1; slot < 0 {
				switch v.Kind {
				case 's':
					d.ev.Cat[i] = d.text(categoryText(v.Str))
				case 'n': // interned: a number spelt once
					d.numBuf = appendNumber(d.numBuf[:0], v.Num)
					d.ev.Cat[i] = d.text(d.numBuf)
				}
			}
		},
		Group: func(name []byte, v ingest.Value) {
			if i, ok := d.groups[string(name)]; ok && v.Kind == 's' {
				d.ev.Groups[i] = d.text(v.Str)
			}
		},
		Prediction: func(v ingest.Value) { d.pred = v },
		Label:      func(v ingest.Value) { d.label = v },
		Latency:    func(ms float64) { d.ev.LatencyMS = ms },
	}
	return d
}

// text returns b as a string, the same string for the same text.
func (d *Decoder) text(b []byte) string {
	if s, ok := d.intern[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(d.intern) < maxInterned {
		d.intern[s] = s
	}
	return s
}

// storedLabel reads a label kept in its own column (JSON: a number or a
// string, or true or false — Kind 'b', Num 1 or 0 — as ingestion keeps
// them for each monitor to read as its task does).
func storedLabel(raw []byte) ingest.Value {
	switch string(raw) {
	case "true":
		return ingest.Value{Kind: 'b', Num: 1}
	case "false":
		return ingest.Value{Kind: 'b', Num: 0}
	}
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return ingest.Value{Kind: 's', Str: []byte(s)}
		}
		return ingest.Value{Kind: '0'}
	}
	if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
		return ingest.Value{Kind: 'n', Num: f}
	}
	return ingest.Value{Kind: '0'}
}

// Decode returns the engine event for a stored one (reused by the next
// call), and false when its prediction does not fit the task (a string
// score, an unknown class): such events are not counted in the metrics,
// and Reason says why it could not be read. Feature values
// of the wrong kind count as missing; a categorical feature's value is
// spelt as a reference's is (numberText, categoryText). A label stored
// apart (sent later) wins over one sent with the event. A label is read as the task reads it: a binary
// monitor's 0 or 1 and a regression monitor's number may come as JSON
// numbers or strings holding them ("1"), a multiclass monitor's class as
// its name, a number naming it ("3" or 3); any other label is no label.
func (d *Decoder) Decode(e lodestar.StoredEvent) (*monitor.Event, bool) {
	ev := &d.ev
	ev.Reset()
	d.pred, d.label, d.reason, d.k = ingest.Value{Kind: '0'}, ingest.Value{Kind: '0'}, "", 0
	if err := ingest.Read(e.Body, &d.visitor); err != nil {
		return d.unreadable("the stored event could not be read")
	}
	ev.ID, ev.Time, ev.ModelVersion = e.ID, e.Time, e.Version
	label := d.label
	if len(e.Label) > 0 {
		label = storedLabel(e.Label)
	}
	if d.pred.Kind != 'n' && d.pred.Kind != 's' {
		return d.unreadable("the event has no prediction")
	}
	switch d.schema.Task {
	case monitor.TaskMulticlass:
		if d.pred.Kind != 's' {
			return d.unreadable("prediction " + predicted(d.pred) + " is not a class name")
		}
		c, ok := d.class[string(d.pred.Str)]
		if !ok {
			return d.unreadable("class " + predicted(d.pred) + " is not one of the monitor's classes")
		}
		ev.Class = c
		switch label.Kind {
		case 's':
			if y, ok := d.class[string(label.Str)]; ok {
				ev.Label = float64(y)
			}
		case 'n': // a class named by a number, sent as one: its decimal text
			if y, ok := d.class[numberText(label.Num)]; ok {
				ev.Label = float64(y)
			}
		case 'b':
			if y := d.boolClass[int(label.Num)]; y >= 0 {
				ev.Label = float64(y)
			}
		}
	case monitor.TaskRegression:
		if d.pred.Kind != 'n' {
			return d.unreadable("prediction " + predicted(d.pred) + " is not a number")
		}
		ev.Value = d.pred.Num
		if y, ok := labelNumber(label); ok {
			ev.Label = y
		}
	default:
		if d.pred.Kind != 'n' {
			return d.unreadable("prediction " + predicted(d.pred) + " is not a score")
		}
		if !(d.pred.Num >= 0 && d.pred.Num <= 1) {
			return d.unreadable("score " + predicted(d.pred) + " is outside [0, 1]")
		}
		ev.Score = d.pred.Num
		if label.Kind == 'b' {
			ev.Label = label.Num
		} else if y, ok := labelNumber(label); ok && (y == 0 || y == 1) {
			ev.Label = y
		}
	}
	return ev, true
}

// BoolClass is the index of the class among classes that a label sent
// as true (value) or false reads as in a multiclass monitor: the class
// named true (false) — in any letter case, as pandas writes True — or
// else the class named 1 (0), as a binary label reads them; -1 when there
// is none.
func BoolClass(classes []string, value bool) int {
	word, digit := "false", "0"
	if value {
		word, digit = "true", "1"
	}
	fold := -1
	for i, c := range classes {
		if c == word {
			return i
		}
		if fold < 0 && strings.EqualFold(c, word) {
			fold = i
		}
	}
	if fold >= 0 {
		return fold
	}
	return slices.Index(classes, digit)
}

// BoolLabelRefusal says why monitor m does not read a label sent as true
// (value) or false, "" when it does: a binary monitor reads them as 1 and
// 0, a multiclass one as the class BoolClass names, and a regression
// monitor not at all (its labels are numbers). Ingestion refuses such a
// label of a version with a monitor that does not read it; one stored
// before that monitor existed is no label for it.
func BoolLabelRefusal(m *lodestar.Monitor, value bool) string {
	switch m.Task {
	case monitor.TaskRegression:
		return fmt.Sprintf("true or false is a classification label, and version %q has a regression monitor, whose labels are numbers", m.Version)
	case monitor.TaskMulticlass:
		if BoolClass(m.Classes, value) >= 0 {
			return ""
		}
		word := "false"
		if value {
			word = "true"
		}
		return fmt.Sprintf("version %q's multiclass monitor %q has no class for %s (its classes: %s); true is read as a class named true or 1, false as one named false or 0",
			m.Version, m.Name, word, quotedList(m.Classes, 10))
	}
	return ""
}

// quotedList quotes the first max of names, comma-separated, saying how
// many more there are.
func quotedList(names []string, max int) string {
	var b strings.Builder
	for i, n := range names {
		if i == max {
			fmt.Fprintf(&b, " … (+%d)", len(names)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(n))
	}
	return b.String()
}

// labelNumber reads a label as a number: a JSON number, or a string that
// holds a decimal one ("1", " 0.5") — labels joined from a CSV export are
// often sent so.
func labelNumber(v ingest.Value) (float64, bool) {
	switch v.Kind {
	case 'n':
		return v.Num, true
	case 's': // read as a CSV cell is: a finite decimal, spaces around it ignored
		return dataset.ParseNumber(v.Str)
	}
	return 0, false
}

// Reason says why the last event Decode refused could not be read ("score
// 1.4 is outside [0, 1]"): empty after an event it read.
func (d *Decoder) Reason() string { return d.reason }

func (d *Decoder) unreadable(reason string) (*monitor.Event, bool) {
	d.reason = reason
	return nil, false
}

// maxReasonValue bounds a string prediction quoted in a reason.
const maxReasonValue = 40

// predicted names a prediction in a reason: a number as it is, a string
// quoted (and cut).
func predicted(v ingest.Value) string {
	switch v.Kind {
	case 'n':
		return strconv.FormatFloat(v.Num, 'g', -1, 64)
	case 's':
		return quoteCut(v.Str)
	}
	return "null"
}

// Evaluate computes the monitor's windows that closed since it was last
// evaluated (or, with from set, since from: to recompute windows whose
// labels arrived late), decides on alerts and tasks, and saves it all in
// one transaction. Alerts are decided on the windows it computes,
// recomputed ones included (a breach already recorded is not recorded
// again).
func (s *Service) Evaluate(ctx context.Context, monitorID int64, now time.Time, from time.Time) (*lodestar.Evaluation, error) {
	mu, _ := s.evals.LoadOrStore(monitorID, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	// Another evaluator (another replica's loop) may save between this
	// one's read of the monitor and its save, which then saves nothing.
	// That evaluator saved the same new windows and alerts, but not a
	// recomputation asked of this one (from, for late events or labels):
	// so the evaluation is made again on the monitor as it now is.
	for try := 1; ; try++ {
		out, err := s.evaluate(ctx, monitorID, now, from)
		if errors.Is(err, lodestar.ErrEvaluatedMeanwhile) {
			switch {
			case try < evaluateTries:
				continue
			case !from.IsZero():
				// A recomputation asked for and not made: say so, rather
				// than answer as if there were nothing to recompute.
				return nil, lodestar.Errorf(lodestar.EConflict, "The monitor was being evaluated elsewhere at the same moment; ask for the recomputation again.")
			}
			return &lodestar.Evaluation{}, nil // others keep evaluating it
		}
		return out, err
	}
}

// errPaused refuses to evaluate a paused monitor.
func errPaused(m *lodestar.Monitor) error {
	return lodestar.Errorf(lodestar.EConflict, "The monitor is paused (%s, %s: %s); resume it to evaluate it.",
		m.PausedBy, m.PausedAt.UTC().Format(time.RFC3339), m.PauseReason)
}

// evaluateTries is how many times Evaluate computes an evaluation that
// another evaluator's save keeps overtaking.
const evaluateTries = 3

// evaluate is one try of Evaluate: it returns ErrEvaluatedMeanwhile when
// another evaluator saved first.
func (s *Service) evaluate(ctx context.Context, monitorID int64, now time.Time, from time.Time) (*lodestar.Evaluation, error) {
	m, err := s.Store.FindMonitorByID(ctx, monitorID)
	if err != nil {
		return nil, err
	}
	if m.Paused() {
		return nil, errPaused(m)
	}
	ref, err := s.reference(ctx, m)
	if err != nil {
		return nil, lodestar.Errorf(lodestar.EConflict, "The monitor's reference is not ready: %v", err)
	}
	period, count, err := store.ParseWindow(m.Window)
	if err != nil {
		return nil, err
	}
	start := m.EvaluatedTo
	if !from.IsZero() && (start.IsZero() || from.Before(start)) {
		start = from
	}
	to := now
	if period > 0 {
		to = now.UTC().Add(-s.Lateness).Truncate(period)
		// A recomputation starts at the start of the window holding from:
		// a window is replaced whole, never by the part of it after from.
		start = start.UTC().Truncate(period)
	} else if start.Before(m.EvaluatedTo) {
		// An N-event recomputation starts where the stored window holding
		// from starts (or at from, before the first).
		if at, ok, err := s.Store.WindowStartAtOrBefore(ctx, m.ID, start); err != nil {
			return nil, err
		} else if ok {
			start = at
		}
	}
	recompute := start.Before(m.EvaluatedTo)
	if !to.After(start) {
		return &lodestar.Evaluation{}, nil
	}
	roller, err := monitor.NewRoller(ref.layout, period, count)
	if err != nil {
		return nil, err
	}
	schema := Schema(m)
	dec := NewDecoder(&schema)
	thresholds := store.DriftThresholds(m.Thresholds)
	var windows []*lodestar.WindowResult
	// Events the monitor cannot read are in no metric but counted in
	// their window: by period for time windows; for N-event windows, held
	// until the window they fall in closes (those up to its last event's
	// millisecond go to it, later ones to the next).
	periodUnread := map[time.Time]*unread{}
	var held, after unread
	heldTo := int64(math.MinInt64)
	emit := func(w *monitor.Window, wStart, wEnd time.Time) error {
		res, err := Result(w, ref.window, thresholds, m)
		if err != nil {
			return err
		}
		res.MonitorID, res.Start, res.End = m.ID, wStart, wEnd
		windows = append(windows, res)
		return nil
	}
	var lastEnd time.Time
	err = s.Store.ScanEvents(ctx, m.ModelID, m.Version, start, to, func(e lodestar.StoredEvent) error {
		ev, ok := dec.Decode(e)
		if !ok {
			switch {
			case period > 0:
				at := e.Time.UTC().Truncate(period)
				if periodUnread[at] == nil {
					periodUnread[at] = &unread{}
				}
				periodUnread[at].add(1, dec.Reason())
			case e.Time.UnixMilli() <= heldTo:
				held.add(1, dec.Reason())
			default:
				after.add(1, dec.Reason())
			}
			return nil
		}
		open := roller.WindowStart()
		closed, err := roller.Add(ev)
		if err != nil && !errors.Is(err, monitor.ErrValue) {
			return err
		}
		if period == 0 {
			heldTo = max(heldTo, ev.Time.UnixMilli())
		}
		if closed == nil {
			held.add(after.n, after.reason)
			after = unread{}
			return nil
		}
		if period > 0 {
			return emit(closed, open, open.Add(period))
		}
		lastEnd = closed.End.Add(time.Millisecond)
		if err := emit(closed, closed.Start, closed.End); err != nil {
			return err
		}
		held.put(windows[len(windows)-1])
		held, after = after, unread{}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if period > 0 {
		if w := roller.Flush(); w != nil {
			ws := roller.WindowStart()
			if err := emit(w, ws, ws.Add(period)); err != nil {
				return nil, err
			}
		}
		windows = withUnread(windows, periodUnread, m, period)
		windows = fillGaps(windows, m, period, start, to)
	} else {
		to = lastEnd
		if to.IsZero() {
			return &lodestar.Evaluation{}, nil
		}
	}
	// Enough stored windows that the streaks carry across windows that
	// cannot judge a kind (a day of unlabelled hours): with only the last
	// N, unjudged windows pushed earlier breaches out of view, and
	// whether an alert opened depended on how often the loop ran.
	history := max(4*max(m.RetrainAfter, m.AlertAfter, m.ResolveAfter, 1), 96)
	alerts, recent, taskOpen, err := s.Store.MonitorState(ctx, m.ID, history)
	if err != nil {
		return nil, err
	}
	// A version another one has replaced in production opens no
	// retraining task: the replacement is the retraining (its going live
	// closed the task), whatever the old version still serves. Its alerts
	// are still raised and announced: during a canary the old version may
	// serve most of the traffic, and silencing it would hide a breach.
	replaced, retired, err := s.replaced(ctx, m)
	if err != nil {
		return nil, err
	}
	// Alerts are decided on the windows computed now: new ones, and —
	// recomputed after late labels or events — stored ones, whose figures
	// may have changed (labels sent later are what accuracy is judged on:
	// deciding only new windows, whose labels have not come yet, no
	// accuracy alert would ever open or resolve). The streaks then start
	// from the stored windows before the recomputed ones, and the alerts
	// resolved since the first of them are matched too (Decide): a breach
	// recorded already is followed, reopened, redated or withdrawn on the
	// new figures, never recorded twice.
	if recompute {
		resolved, err := s.Store.ResolvedAlertsSince(ctx, m.ID, start)
		if err != nil {
			return nil, err
		}
		alerts = append(alerts, resolved...)
		// The stored windows before the start are read back to the
		// opening of the earliest alert opened before it (open, or
		// resolved since the start), with history more before that, as
		// a recomputation starting at that opening would have them:
		// Decide judges on them whether that alert's breach was running
		// at the start, and where the recomputation starts then changes
		// nothing. At most recomputeReach windows: an alert opened
		// further back is one the stored windows read do not reach, and
		// Decide takes it as running, as recorded.
		var earliest time.Time
		for _, a := range alerts {
			if a.OpenedAt.Before(start) && (earliest.IsZero() || a.OpenedAt.Before(earliest)) {
				earliest = a.OpenedAt
			}
		}
		if recent, err = s.Store.WindowsBefore(ctx, m.ID, start, earliest, history, max(recomputeReach, history)); err != nil {
			return nil, err
		}
	}
	seen := make([]*lodestar.Alert, len(alerts)) // as read: Decide changes alerts
	for i, a := range alerts {
		c := *a
		seen[i] = &c
	}
	out := decide(m, alerts, recent, taskOpen || replaced, windows, recompute)
	out.Seen = seen
	if retired {
		// A retired version serves nothing and is never evaluated again
		// (EvaluateAll): an alert left open on it — opened, or opened
		// again, by a recomputation — would stay open for good, and be
		// announced for a version no one runs; nor is it retrained. Its
		// recomputed windows still tell its history: a breach that
		// recovered within them is kept, resolved.
		out.Opened = slices.DeleteFunc(out.Opened, func(a *lodestar.Alert) bool { return a.Status != lodestar.AlertResolved })
		out.Reopened, out.Tasks = nil, nil
	}
	out.Windows = windows
	base, settings := m.EvaluatedTo, m.UpdatedAt
	out.Base, out.Settings = &base, &settings
	if recompute {
		out.Replace = &start
		// Recomputed windows that no longer show the decay that opened
		// this monitor's task since start (labels corrected) withdraw it,
		// as they withdraw its alerts.
		if m.RetrainAfter > 0 && !out.Decays {
			out.WithdrawTasks = &start
		}
	}
	if err := s.Store.SaveEvaluation(ctx, m.ID, to, out); err != nil {
		return nil, err // ErrEvaluatedMeanwhile: another evaluator (replica) saved first
	}
	return out, nil
}

// replaced reports whether another version of the monitor's model is in
// production while the monitored one is not, or a newer one is in
// production beside it: going live does not move the old version out of
// production, but it is the new one that is live (the one the model's
// list shows, the one whose going live closed the old one's tasks). It
// reports too whether the monitored version is retired.
func (s *Service) replaced(ctx context.Context, m *lodestar.Monitor) (replaced, retired bool, err error) {
	vs, err := s.Store.ListModelVersions(ctx, m.ModelID) // newest first
	if err != nil {
		return false, false, err
	}
	for _, v := range vs {
		if v.Version == m.Version && v.Status == lodestar.ModelRetired {
			retired = true
		}
	}
	other := false
	for _, v := range vs {
		if v.Status == lodestar.ModelProduction {
			if v.Version == m.Version {
				return other, retired, nil
			}
			other = true
		}
	}
	return other, retired, nil
}

// unread tallies the events of a window the monitor could not read.
type unread struct {
	n      int64
	reason string
}

func (u *unread) add(n int64, reason string) {
	if n == 0 {
		return
	}
	if u.n == 0 {
		u.reason = reason
	}
	u.n += n
}

// put adds the tally to the window's.
func (u *unread) put(w *lodestar.WindowResult) {
	if u.n == 0 {
		return
	}
	if w.Unreadable == 0 {
		w.UnreadableReason = u.reason
	}
	w.Unreadable += u.n
}

// withUnread puts each period's unreadable events in its window, adding a
// window (of no events) for a period that had only unreadable ones, in
// time order.
func withUnread(ws []*lodestar.WindowResult, byStart map[time.Time]*unread, m *lodestar.Monitor, period time.Duration) []*lodestar.WindowResult {
	if len(byStart) == 0 {
		return ws
	}
	have := map[time.Time]*lodestar.WindowResult{}
	for _, w := range ws {
		have[w.Start] = w
	}
	for at, u := range byStart {
		w, ok := have[at]
		if !ok {
			w = &lodestar.WindowResult{MonitorID: m.ID, Start: at, End: at.Add(period), Metrics: map[string]float64{}}
			w.Breaches = Breaches(w, m.Thresholds)
			ws = append(ws, w)
		}
		u.put(w)
	}
	slices.SortFunc(ws, func(a, b *lodestar.WindowResult) int { return a.Start.Compare(b.Start) })
	return ws
}

// fillGaps adds empty windows for periods with no events, when the monitor
// watches volume, so that silence raises an alert too.
func fillGaps(ws []*lodestar.WindowResult, m *lodestar.Monitor, period time.Duration, start, to time.Time) []*lodestar.WindowResult {
	if m.Thresholds.MinEvents <= 0 || (start.IsZero() && len(ws) == 0) {
		return ws
	}
	first := start.UTC().Truncate(period)
	if start.IsZero() {
		first = ws[0].Start
	}
	have := map[time.Time]*lodestar.WindowResult{}
	for _, w := range ws {
		have[w.Start] = w
	}
	var out []*lodestar.WindowResult
	for t := first; t.Before(to) && len(out) < 10000; t = t.Add(period) {
		if w, ok := have[t]; ok {
			out = append(out, w)
			continue
		}
		out = append(out, &lodestar.WindowResult{MonitorID: m.ID, Start: t, End: t.Add(period), Metrics: map[string]float64{},
			Breaches: []string{"volume"}})
	}
	return out
}

// Result turns an engine window into a stored result: its metrics, its
// drift against the reference and the thresholds it breaches.
func Result(w, ref *monitor.Window, t monitor.Thresholds, m *lodestar.Monitor) (*lodestar.WindowResult, error) {
	mt := w.Metrics()
	res := &lodestar.WindowResult{Events: int64(mt.Events), Labelled: int64(mt.Labelled), Metrics: map[string]float64{
		"accuracy": mt.Accuracy, "precision": mt.Precision, "recall": mt.Recall, "f1": mt.F1, "auc": mt.AUC, "log_loss": mt.LogLoss,
		"positive_rate": mt.PositiveRate, "mean_score": mt.MeanScore, "mae": mt.MAE, "rmse": mt.RMSE,
		"latency_p50": mt.LatencyP50, "latency_p95": mt.LatencyP95, "latency_p99": mt.LatencyP99,
	}}
	for k, v := range res.Metrics {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			delete(res.Metrics, k)
		}
	}
	if len(m.Numeric)+len(m.Categorical) > 0 {
		d, err := w.Drift(ref, t)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(d)
		if err != nil {
			return nil, err
		}
		res.Drift, res.DriftShare, res.DatasetDrift = b, d.ShareDrifted, d.Drift
		if err := addQuality(res, w, ref, m); err != nil {
			return nil, err
		}
	}
	if len(m.Groups) > 0 {
		if err := addFairness(res, w, m); err != nil {
			return nil, err
		}
	}
	res.Breaches = Breaches(res, m.Thresholds)
	return res, nil
}

// addFairness puts the window's fairness per group attribute in res, and
// its summary in the metrics: the smallest impact ratio and the largest
// equal-opportunity and equalized-odds differences over the attributes
// (binary), the largest accuracy or MAE gap (multiclass, regression).
func addFairness(res *lodestar.WindowResult, w *monitor.Window, m *lodestar.Monitor) error {
	t := m.Thresholds
	fav, err := fairness.ParseFavourable(t.FairnessFavourable)
	if err != nil {
		return err
	}
	minN := uint64(t.FairnessMinGroup)
	if minN == 0 {
		minN = monitor.DefaultMinGroupSize
	}
	fs, err := w.Fairness(monitor.FairnessOptions{MinGroupSize: minN, Favourable: fav})
	if err != nil {
		return err
	}
	binary := m.Task == "" || m.Task == monitor.TaskBinary
	summary := func(name string, v float64, lower bool) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		if old, ok := res.Metrics[name]; !ok || (lower && v < old) || (!lower && v > old) {
			res.Metrics[name] = v
		}
	}
	for _, a := range fs {
		wf := lodestar.WindowFairness{Attribute: a.Attribute, MinGroupSize: int64(minN), Reference: a.Reference,
			MinImpactRatio: finite(a.MinImpactRatio), DemographicParityDifference: finite(a.DemographicParityDifference),
			EqualOpportunityDifference: finite(a.EqualOpportunityDifference), EqualizedOddsDifference: finite(a.EqualizedOddsDifference),
			AccuracyGap: finite(a.AccuracyGap), MAEGap: finite(a.MAEGap), Groups: []lodestar.GroupFairness{}}
		if binary {
			wf.Favourable = fav.String()
		}
		for _, g := range a.Groups {
			wf.Groups = append(wf.Groups, lodestar.GroupFairness{Group: g.Group, Events: int64(g.Events), Labelled: int64(g.Labelled),
				Decides: g.Decides, DecidesLabelled: g.DecidesLabelled, SelectionRate: finite(g.SelectionRate), ImpactRatio: finite(g.ImpactRatio),
				TPR: finite(g.TPR), FPR: finite(g.FPR), TP: g.Counts.TP, FP: g.Counts.FP, TN: g.Counts.TN, FN: g.Counts.FN,
				Accuracy: finite(g.Accuracy), MAE: finite(g.MAE)})
		}
		res.Fairness = append(res.Fairness, wf)
		summary("min_impact_ratio", a.MinImpactRatio, true)
		summary("equal_opportunity_difference", a.EqualOpportunityDifference, false)
		summary("equalized_odds_difference", a.EqualizedOddsDifference, false)
		summary("accuracy_gap", a.AccuracyGap, false)
		summary("mae_gap", a.MAEGap, false)
	}
	return nil
}

// addQuality puts each feature's data quality in res, and in the metrics
// the largest of each share over the features that decide:
// max_missing_increase, max_out_of_range_share, max_new_value_share.
func addQuality(res *lodestar.WindowResult, w, ref *monitor.Window, m *lodestar.Monitor) error {
	qs, err := w.Quality(ref, uint64(max(m.Thresholds.QualityMinEvents, 0)))
	if err != nil {
		return err
	}
	worst := func(name string, v float64) {
		if math.IsNaN(v) {
			return
		}
		if old, ok := res.Metrics[name]; !ok || v > old {
			res.Metrics[name] = v
		}
	}
	for _, q := range qs {
		fq := lodestar.FeatureQuality{Feature: q.Name, Kind: q.Kind, Events: int64(q.Events), Missing: int64(q.Missing),
			MissingShare: finite(q.MissingShare), ReferenceMissingShare: finite(q.RefMissingShare), Decides: q.Decides}
		if q.Kind == monitor.Numeric {
			fq.ReferenceMin, fq.ReferenceMax, fq.OutOfRangeShare = finite(q.RefMin), finite(q.RefMax), finite(q.OutOfRangeShare)
			fq.Below, fq.Above = int64(q.Below), int64(q.Above)
		} else {
			fq.NewValues, fq.NewValueShare, fq.NewExamples = int64(q.NewValues), finite(q.NewValueShare), q.NewExamples
		}
		res.Quality = append(res.Quality, fq)
		if q.Decides {
			worst("max_missing_increase", q.MissingIncrease)
			worst("max_out_of_range_share", q.OutOfRangeShare)
			worst("max_new_value_share", q.NewValueShare)
		}
	}
	return nil
}

// qualityBreach returns the feature quality that breaches the monitor's
// data-quality thresholds the most (the largest share over its
// threshold), the figure held against the threshold (for "missing" the
// increase over the reference's share), the threshold and which check: "missing",
// "range" or "new"; ok false when none breaches.
func qualityBreach(w *lodestar.WindowResult, t lodestar.MonitorThresholds) (q lodestar.FeatureQuality, value, limit float64, check string, ok bool) {
	best := 0.0
	for _, f := range w.Quality {
		for _, c := range t.QualityChecks(f) {
			if c.Value > c.Limit && c.Value/c.Limit > best {
				best, q, value, limit, check, ok = c.Value/c.Limit, f, c.Value, c.Limit, c.Name, true
			}
		}
	}
	return q, value, limit, check, ok
}

// finite is x, or nil when x is NaN or infinite (null in JSON).
func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// FairnessMinImpactRatio is the monitor's impact-ratio threshold (0: the
// four-fifths rule, 0.8).
func FairnessMinImpactRatio(t lodestar.MonitorThresholds) float64 {
	if t.FairnessMinImpactRatio == 0 {
		return lodestar.DefaultFairnessMinImpactRatio
	}
	return t.FairnessMinImpactRatio
}

// Breaches lists the thresholds a window breaches.
func Breaches(w *lodestar.WindowResult, t lodestar.MonitorThresholds) []string {
	out := []string{}
	if acc, ok := w.Metrics["accuracy"]; ok && t.MinAccuracy > 0 && acc < t.MinAccuracy {
		out = append(out, "accuracy")
	}
	if p95, ok := w.Metrics["latency_p95"]; ok && t.MaxLatencyP95MS > 0 && p95 > t.MaxLatencyP95MS {
		out = append(out, "latency")
	}
	if (t.MinEvents > 0 && w.Events < t.MinEvents) || (t.MaxEvents > 0 && w.Events > t.MaxEvents) {
		out = append(out, "volume")
	}
	if t.Drift && w.DatasetDrift {
		out = append(out, "drift")
	}
	if t.DataQuality {
		if _, _, _, _, ok := qualityBreach(w, t); ok {
			out = append(out, "data_quality")
		}
	}
	if t.Fairness {
		ir, okIR := w.Metrics["min_impact_ratio"]
		eo, okEO := w.Metrics["equal_opportunity_difference"]
		if (okIR && ir < FairnessMinImpactRatio(t)) || (okEO && t.FairnessMaxEqualOpportunity > 0 && eo > t.FairnessMaxEqualOpportunity) {
			out = append(out, "fairness")
		}
	}
	return out
}

// Kinds of alert, in the order they are decided.
var Kinds = []string{"accuracy", "latency", "volume", "drift", "fairness", "data_quality"}

// judged reports whether a window can say anything about kind: accuracy
// needs labels, latency measured latencies, drift a drift result.
func judged(w *lodestar.WindowResult, kind string, t lodestar.MonitorThresholds) bool {
	switch kind {
	case "accuracy":
		_, ok := w.Metrics["accuracy"]
		return ok && t.MinAccuracy > 0
	case "latency":
		_, ok := w.Metrics["latency_p95"]
		return ok && t.MaxLatencyP95MS > 0
	case "volume":
		return t.MinEvents > 0 || t.MaxEvents > 0
	case "drift":
		return t.Drift && DriftTested(w.Drift)
	case "fairness":
		// Two group values large enough to compare, by predictions (the
		// impact ratio) or, when that threshold is set, by labels.
		_, okIR := w.Metrics["min_impact_ratio"]
		_, okEO := w.Metrics["equal_opportunity_difference"]
		return t.Fairness && (okIR || (okEO && t.FairnessMaxEqualOpportunity > 0))
	case "data_quality":
		// A feature with enough events to decide.
		for _, q := range w.Quality {
			if q.Decides {
				return t.DataQuality
			}
		}
	}
	return false
}

// DriftThresholds are the drift thresholds a monitor's windows are judged
// by: its own, the engine's defaults where it sets none.
func DriftThresholds(t lodestar.MonitorThresholds) monitor.Thresholds {
	return store.DriftThresholds(t)
}

// DriftTested reports whether a window's drift result tested a feature:
// one with no values to test (no features sent) says nothing either way,
// and its share of drifted features (0 of 0) is no figure.
func DriftTested(drift []byte) bool {
	if len(drift) == 0 {
		return false
	}
	var d struct {
		Tested int `json:"tested"`
	}
	return json.Unmarshal(drift, &d) == nil && d.Tested > 0
}

// driftCounts reads how many features a window's drift result tested and
// how many of them drifted.
func driftCounts(drift []byte) (tested, drifted int) {
	var d struct {
		Tested  int `json:"tested"`
		Drifted int `json:"drifted"`
	}
	if len(drift) > 0 && json.Unmarshal(drift, &d) == nil {
		return d.Tested, d.Drifted
	}
	return 0, 0
}

func alertFor(kind string, w *lodestar.WindowResult, t lodestar.MonitorThresholds) *lodestar.Alert {
	a := &lodestar.Alert{Kind: kind, OpenedAt: w.Start}
	switch kind {
	case "accuracy":
		a.Value, a.Threshold = w.Metrics["accuracy"], t.MinAccuracy
		a.Message = fmt.Sprintf("Accuracy %.3f is below %.3f.", a.Value, a.Threshold)
	case "latency":
		a.Value, a.Threshold = w.Metrics["latency_p95"], t.MaxLatencyP95MS
		a.Message = fmt.Sprintf("p95 latency %.1f ms is above %.1f ms.", a.Value, a.Threshold)
	case "volume":
		a.Value = float64(w.Events)
		if t.MinEvents > 0 && w.Events < t.MinEvents {
			a.Threshold = float64(t.MinEvents)
			a.Message = fmt.Sprintf("%d events, fewer than %d.", w.Events, t.MinEvents)
		} else {
			a.Threshold = float64(t.MaxEvents)
			a.Message = fmt.Sprintf("%d events, more than %d.", w.Events, t.MaxEvents)
		}
	case "drift":
		a.Value, a.Threshold = w.DriftShare, store.DriftThresholds(t).Share
		// The share is of the features tested: a feature with no values
		// in the window is not, and "100% of features" read as all of them.
		tested, drifted := driftCounts(w.Drift)
		a.Message = fmt.Sprintf("Dataset drift: %d of %d tested features drifted (%.0f%%; threshold %.0f%%).", drifted, tested, 100*a.Value, 100*a.Threshold)
	case "fairness":
		minIR := FairnessMinImpactRatio(t)
		if ir, ok := w.Metrics["min_impact_ratio"]; ok && ir < minIR {
			attr, group, ref := lowestImpact(w)
			a.Value, a.Threshold = ir, minIR
			a.Message = fmt.Sprintf("Impact ratio %.3f for %s %q (against %q) is below %.2f.", ir, attr, group, ref, minIR)
		} else {
			a.Value, a.Threshold = w.Metrics["equal_opportunity_difference"], t.FairnessMaxEqualOpportunity
			a.Message = fmt.Sprintf("Equal-opportunity difference %.3f across %s is above %.2f.", a.Value, widestOpportunity(w), a.Threshold)
		}
	case "data_quality":
		q, v, lim, check, _ := qualityBreach(w, t)
		a.Value, a.Threshold = v, lim
		switch check {
		case "missing":
			a.Message = fmt.Sprintf("Feature %q: %s of values missing against %s in the reference (threshold: %s more).",
				q.Feature, percent(*q.MissingShare), percent(*q.ReferenceMissingShare), percent(lim))
		case "range":
			a.Message = fmt.Sprintf("Feature %q: %s of values outside the reference's range %s to %s (threshold %s).",
				q.Feature, percent(v), strconv.FormatFloat(*q.ReferenceMin, 'g', 6, 64), strconv.FormatFloat(*q.ReferenceMax, 'g', 6, 64), percent(lim))
		default:
			a.Message = fmt.Sprintf("Feature %q: %s of values are new to the reference, such as %s (threshold %s).",
				q.Feature, percent(v), strings.Join(quoteAll(q.NewExamples), ", "), percent(lim))
		}
	}
	return a
}

// percent writes a share as a percentage with one decimal.
func percent(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) + "%" }

// quoteAll quotes each string as %q does.
func quoteAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strconv.Quote(x)
	}
	return out
}

// lowestImpact names the attribute, the deciding value with the smallest
// impact ratio, and the value it is measured against.
func lowestImpact(w *lodestar.WindowResult) (attr, group, ref string) {
	best := math.Inf(1)
	for _, f := range w.Fairness {
		for _, g := range f.Groups {
			if g.Decides && g.ImpactRatio != nil && *g.ImpactRatio < best {
				best, attr, group, ref = *g.ImpactRatio, f.Attribute, g.Group, f.Reference
			}
		}
	}
	return attr, group, ref
}

// widestOpportunity names the attribute with the largest equal-opportunity
// difference.
func widestOpportunity(w *lodestar.WindowResult) string {
	attr, best := "", math.Inf(-1)
	for _, f := range w.Fairness {
		if f.EqualOpportunityDifference != nil && *f.EqualOpportunityDifference > best {
			attr, best = f.Attribute, *f.EqualOpportunityDifference
		}
	}
	return attr
}

// Decide walks new windows in time order: AlertAfter breaching windows of
// a kind in a row open an alert (once, however long the breach lasts);
// ResolveAfter windows in a row that can judge the kind and do not breach
// it resolve it (an alert opened and resolved within the same run is
// returned in Opened with status resolved: history, not news); windows
// that cannot judge a kind (no labels) leave its streaks as they are; and
// when the last RetrainAfter windows (counting recent ones already
// stored) all breach accuracy or drift and no task is open, a retraining
// task opens with the latest window's metrics as its before figures.
//
// alerts holds the monitor's open alerts and, when stored windows are
// decided again (recomputed after late or corrected labels or events),
// its alerts resolved at or after the first of them. One alert per
// breach, whatever order windows and labels came in: the breaches the
// windows show are found first, then each is matched with the alert
// recorded for it.
//   - An alert whose breach was running when the first window started
//     (opened before it; open, or resolved at or after it) is that breach
//     going on: resolved when the windows show it recover, open again
//     (Reopened) when they show it still running though it had been
//     resolved, its times corrected (Corrected) when they show it
//     recovering at another window. When the windows are stored ones
//     decided again (a recomputation), the breach was running only if the
//     stored windows before the first (recent, which the recomputation
//     does not change) show it: AlertAfter breaching windows of its kind
//     in a row, not recovered since. Otherwise the alert is matched as one
//     opened within the windows — as a recomputation starting earlier
//     would match it: where it starts changes nothing. AlertAfter and
//     ResolveAfter are the monitor's current ones: raised since the alert
//     opened, a recomputation can find its breach too short and withdraw
//     it; lowered, it can find a breach in the stored windows that no
//     alert is recorded for, and open one.
//   - An alert opened within the windows is the breach they show that
//     overlaps it, dated from that breach's first window: a breach found
//     to start earlier, or to recover later or not yet, is the same
//     alert, never a second one.
//   - An open alert opened within the windows that no breach overlaps
//     never breached on the figures as they are now: it is resolved as
//     withdrawn, at its own start (it lasted no time), and kept.
//   - A breach no alert is recorded for opens one.
//
// Deciding the same windows again finds every breach recorded as it is
// and changes nothing.
func Decide(m *lodestar.Monitor, alerts []*lodestar.Alert, recent []*lodestar.WindowResult, taskOpen bool, windows []*lodestar.WindowResult) *lodestar.Evaluation {
	return decide(m, alerts, recent, taskOpen, windows, false)
}

// decide is Decide; again says the windows are stored ones decided again
// (a recomputation), whose alerts opened before the first window are
// judged on the stored windows before it (recent).
func decide(m *lodestar.Monitor, alerts []*lodestar.Alert, recent []*lodestar.WindowResult, taskOpen bool, windows []*lodestar.WindowResult, again bool) *lodestar.Evaluation {
	out := &lodestar.Evaluation{}
	if len(windows) == 0 {
		return out
	}
	first := windows[0].Start
	// A breach of one kind: from since, its first breaching window's
	// start, to end, the start of the window that recovers it (zero while
	// it runs); first is that first window, whose figures its alert
	// reports (as its opening date is that window's start: the figures
	// and the date are of one window), alert the alert it is.
	type breach struct {
		since, end time.Time
		first      *lodestar.WindowResult
		alert      *lodestar.Alert
		running    bool // running when the first window started: alert was recorded for it
	}
	breaches := map[string][]*breach{}
	alertAfter, resolveAfter := max(m.AlertAfter, 1), max(m.ResolveAfter, 1)
	bad, good := map[string]int{}, map[string]int{}
	since := map[string]*lodestar.WindowResult{} // the first window of each kind's current breaching streak
	count := func(w *lodestar.WindowResult) {
		for _, kind := range Kinds {
			switch {
			case slices.Contains(w.Breaches, kind):
				if bad[kind] == 0 {
					since[kind] = w
				}
				bad[kind]++
				good[kind] = 0
			case judged(w, kind, m.Thresholds):
				good[kind]++
				bad[kind] = 0
			}
		}
	}
	// The retraining streak: windows that decay add one, windows that can
	// judge accuracy or drift and do not decay end it, others (no labels,
	// no features) leave it — whether the windows were stored by an
	// earlier run or are new in this one.
	// streakKinds counts, of the streak's windows, those that breached
	// each kind: a window of the streak breaches accuracy, drift or both.
	streak, streakKinds := 0, map[string]int{}
	step := func(w *lodestar.WindowResult) {
		if kinds := decayKinds(w); len(kinds) > 0 {
			streak++
			for _, k := range kinds {
				streakKinds[k]++
			}
		} else if judged(w, "accuracy", m.Thresholds) || judged(w, "drift", m.Thresholds) {
			streak = 0
			clear(streakKinds)
		}
	}
	// The stored windows before the first carry the streaks on, and show
	// which breaches were running when it started (judged as the windows
	// are, with the monitor's alert_after and resolve_after as they are
	// now).
	stored := map[string]*breach{}
	for _, w := range recent {
		count(w)
		step(w)
		for _, kind := range Kinds {
			breaching := slices.Contains(w.Breaches, kind)
			switch {
			case stored[kind] == nil && bad[kind] >= alertAfter && breaching:
				stored[kind] = &breach{since: since[kind].Start, first: since[kind]}
			case stored[kind] != nil && good[kind] >= resolveAfter && !breaching && judged(w, kind, m.Thresholds):
				delete(stored, kind)
			}
		}
	}
	cur := map[string]*breach{}
	var within []*lodestar.Alert // alerts opened within the windows, to match with the breaches
	for _, a := range alerts {
		// (Stored windows that do not reach back to the alert's opening —
		// pruned, or past those read — cannot tell: it is taken as
		// running, as recorded.)
		if !a.OpenedAt.Before(first) || (a.Status == lodestar.AlertResolved && a.ResolvedAt.Before(first)) ||
			(again && stored[a.Kind] == nil && len(recent) > 0 && !recent[0].Start.After(a.OpenedAt)) {
			within = append(within, a)
			continue
		}
		if b := cur[a.Kind]; b != nil { // two of a kind running: the later is followed, the other matched as any
			if !a.OpenedAt.After(b.alert.OpenedAt) {
				within = append(within, a)
				continue
			}
			within = append(within, b.alert)
		}
		cur[a.Kind] = &breach{since: a.OpenedAt, alert: a, running: true}
	}
	if again {
		// A breach the stored windows show running that no alert is
		// recorded for (alert_after lowered since): it is matched, or
		// opens one, as a breach found in the windows would.
		for kind, b := range stored {
			if cur[kind] == nil {
				cur[kind] = b
			}
		}
	}
	for kind, b := range cur {
		breaches[kind] = append(breaches[kind], b)
	}
	for _, w := range windows {
		count(w)
		for _, kind := range Kinds {
			b := cur[kind]
			// Opened or resolved on a window that judges the kind: one
			// without labels cannot breach accuracy, whatever the streak
			// stored windows left.
			breaching := slices.Contains(w.Breaches, kind)
			switch {
			case b == nil && bad[kind] >= alertAfter && breaching:
				b = &breach{since: since[kind].Start, first: since[kind]}
				cur[kind] = b
				breaches[kind] = append(breaches[kind], b)
			case b != nil && good[kind] >= resolveAfter && !breaching && judged(w, kind, m.Thresholds):
				b.end = w.Start
				delete(cur, kind)
			}
		}
		step(w)
		if m.RetrainAfter > 0 && streak >= m.RetrainAfter {
			out.Decays = true
		}
		if m.RetrainAfter > 0 && streak >= m.RetrainAfter && !taskOpen {
			taskOpen = true
			before := map[string]float64{"events": float64(w.Events), "drift_share": w.DriftShare}
			for k, v := range w.Metrics {
				before[k] = v
			}
			out.Tasks = append(out.Tasks, &lodestar.RetrainingTask{OpenedAt: w.End, Before: before,
				Reason: retrainReason(streak, streakKinds, w.End)})
		}
	}
	slices.SortStableFunc(within, func(a, b *lodestar.Alert) int { return a.OpenedAt.Compare(b.OpenedAt) })
	matched := map[*lodestar.Alert]bool{}
	for _, kind := range Kinds {
		for _, b := range breaches[kind] {
			if b.alert == nil {
				for _, a := range within {
					if a.Kind == kind && !matched[a] && overlaps(a, b.since, b.end) {
						b.alert, matched[a] = a, true
						break
					}
				}
			}
			a := b.alert
			if a == nil {
				// Dated from the breach's first window, with its figures.
				a = alertFor(kind, b.first, m.Thresholds)
				if !b.end.IsZero() { // opened and resolved in this run: kept as history
					a.Status, a.ResolvedAt, a.Resolution = lodestar.AlertResolved, b.end, lodestar.ResolutionRecovered
				}
				out.Opened = append(out.Opened, a)
				continue
			}
			if a.Status == lodestar.AlertResolved && a.Resolution == lodestar.ResolutionRetired {
				continue // its version was retired: history as it stands
			}
			opened := a.OpenedAt
			if !b.running {
				opened = b.since
				if !opened.Equal(a.OpenedAt) {
					// Redated to another first window: its figures are
					// that window's, as a new alert's are.
					f := alertFor(kind, b.first, m.Thresholds)
					a.Value, a.Threshold, a.Message = f.Value, f.Threshold, f.Message
				}
			}
			switch {
			case a.Status == lodestar.AlertOpen && b.end.IsZero():
				if !opened.Equal(a.OpenedAt) {
					a.OpenedAt = opened
					out.Corrected = append(out.Corrected, a)
				}
			case a.Status == lodestar.AlertOpen:
				a.OpenedAt, a.ResolvedAt, a.Resolution = opened, b.end, lodestar.ResolutionRecovered
				out.Resolved = append(out.Resolved, a)
			case b.end.IsZero(): // resolved, and running after all
				a.Status, a.OpenedAt, a.ResolvedAt, a.Resolution = lodestar.AlertOpen, opened, time.Time{}, ""
				out.Reopened = append(out.Reopened, a)
			case !opened.Equal(a.OpenedAt) || !b.end.Equal(a.ResolvedAt) || a.Resolution == lodestar.ResolutionWithdrawn:
				a.OpenedAt, a.ResolvedAt, a.Resolution = opened, b.end, lodestar.ResolutionRecovered
				out.Corrected = append(out.Corrected, a)
			}
		}
	}
	for _, a := range within {
		if !matched[a] && a.Status == lodestar.AlertOpen {
			a.Status, a.ResolvedAt, a.Resolution = lodestar.AlertResolved, a.OpenedAt, lodestar.ResolutionWithdrawn
			out.Resolved = append(out.Resolved, a)
		}
	}
	return out
}

// overlaps reports whether alert a's breach — from its start to its
// resolution, still running while it is open; a withdrawn alert's, which
// lasted no time, at its start — overlaps the one from since to end (zero:
// still running).
func overlaps(a *lodestar.Alert, since, end time.Time) bool {
	if !end.IsZero() && !a.OpenedAt.Before(end) {
		return false
	}
	switch {
	case a.Status == lodestar.AlertOpen:
		return true
	case !a.ResolvedAt.After(a.OpenedAt):
		return !a.OpenedAt.Before(since)
	}
	return since.Before(a.ResolvedAt)
}

// retrainReason says why a retraining task opened: the streak of n
// windows to end, each breaching accuracy or drift, and how many breached
// each — not the last window's kinds as if every window had breached them.
// The sentences are shapes of the catalogs (msgpat.), so a chat webhook
// words them in each language.
func retrainReason(n int, kinds map[string]int, end time.Time) string {
	to := end.UTC().Format(time.RFC3339)
	acc, drift := kinds["accuracy"], kinds["drift"]
	switch {
	case acc > 0 && drift > 0:
		return fmt.Sprintf("Accuracy or drift breached in each of %d windows in a row, to %s: accuracy in %d, drift in %d.", n, to, acc, drift)
	case acc > 0:
		return fmt.Sprintf("Accuracy breached in each of %d windows in a row, to %s.", n, to)
	}
	return fmt.Sprintf("Drift breached in each of %d windows in a row, to %s.", n, to)
}

// decayKinds gives the decay a window shows that retraining answers:
// its breaches of accuracy and drift (none: it does not decay). A
// fairness breach is not counted: a skew against a group is an incident
// for review (the fairness audit, the kill switch), and retraining on the
// same data may well keep it.
func decayKinds(w *lodestar.WindowResult) []string {
	var out []string
	for _, b := range w.Breaches {
		if b == "accuracy" || b == "drift" {
			out = append(out, b)
		}
	}
	return out
}

// SignatureHeader carries a webhook's signature.
const SignatureHeader = "X-Lodestar-Signature"

// Sign returns the signature of a webhook body: "sha256=" and the hex
// HMAC-SHA256 of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// EvaluateAll evaluates every monitor, logging failures.
func (s *Service) EvaluateAll(ctx context.Context, now time.Time) {
	ms, err := s.Store.ListMonitors(ctx, 0)
	if err != nil {
		s.log().Error("list monitors", "err", err)
		return
	}
	retired := map[[2]any]bool{} // (model, version) → retired
	seen := map[int64]bool{}
	for _, m := range ms {
		if !seen[m.ModelID] {
			seen[m.ModelID] = true
			vs, err := s.Store.ListModelVersions(ctx, m.ModelID)
			if err != nil {
				s.log().Error("list model versions", "model", m.ModelID, "err", err)
				continue
			}
			for _, v := range vs {
				retired[[2]any{v.ModelID, v.Version}] = v.Status == lodestar.ModelRetired
			}
		}
		// A retired version serves nothing: its empty windows would
		// breach volume and reopen the alerts its retirement resolved.
		// A paused monitor waits to be resumed: its events are kept, and
		// the windows it misses are evaluated then.
		if retired[[2]any{m.ModelID, m.Version}] || m.Paused() {
			continue
		}
		// Labels written since the last evaluation (late labels) for
		// events of windows evaluated already: those windows are computed
		// again, and their alerts decided again, as POST …/evaluate with
		// from does.
		var from time.Time
		if !m.RelabeledFrom.IsZero() && m.RelabeledFrom.Before(m.EvaluatedTo) {
			from = m.RelabeledFrom
		}
		ev, err := s.Evaluate(ctx, m.ID, now, from)
		if err != nil {
			s.log().Warn("monitor evaluation", "monitor", m.ID, "err", err)
			continue
		}
		if !m.RelabeledFrom.IsZero() {
			if err := s.Store.ClearRelabel(ctx, m.ID, m.RelabelMark); err != nil {
				s.log().Warn("monitor evaluation: clearing its late labels", "monitor", m.ID, "err", err)
			}
		}
		if len(ev.Windows)+len(ev.Opened)+len(ev.Resolved)+len(ev.Reopened)+len(ev.Tasks) > 0 {
			s.log().Info("monitor evaluated", "monitor", m.ID, "windows", len(ev.Windows), "opened", len(ev.Opened), "resolved", len(ev.Resolved),
				"reopened", len(ev.Reopened), "tasks", len(ev.Tasks))
		}
	}
}

// DeliverWebhooks sends due webhook deliveries once each, up to
// webhookSenders at a time (a receiver that does not answer holds up one
// sender for the client's timeout, not the loop): a 2xx answer marks one
// delivered; anything else schedules a retry with exponential backoff (30 s
// doubling, at most an hour), up to store.MaxWebhookAttempts. Each request
// carries DeliveryHeader, the same on every attempt of a delivery, for
// receivers to drop a repeat (one sent again after a crash between the
// answer and its record). It returns how many were delivered.
//
// When ctx ends, no further delivery is started, and the claims of those
// claimed and not started are given back (ReleaseWebhooks): they are due
// again at once, for the next deliverer — this one restarted, another
// replica — rather than when the claim lapses, an alert otherwise held
// up to webhookClaim by a routine deploy (a crash still leaves them to
// the lapse). One already in flight is let finish, bounded by its
// timeout, and its outcome recorded, so that a shutdown neither cuts a
// receiver off mid-answer nor leaves a sent alert to be sent again.
func (s *Service) DeliverWebhooks(ctx context.Context, now time.Time) int {
	until := now.Add(webhookClaim)
	due, err := s.Store.ClaimWebhooks(ctx, now, until, 100)
	if err != nil {
		s.log().Error("claim webhooks", "err", err)
		return 0
	}
	s.transportOnce.Do(func() { s.transport = webhookTransport(s.AllowPrivateWebhooks) })
	client := &http.Client{Timeout: webhookTimeout, Transport: s.transport}
	if s.Client != nil {
		c := *s.Client
		client = &c
	}
	// A redirect is not a delivery: a POST redirected with 301/302/303
	// arrives as a GET without the alert (and would carry the signature
	// to another host). The 3xx is answered as a failure, to be retried
	// and seen.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	var sent atomic.Int64
	var wg sync.WaitGroup
	senders := make(chan struct{}, webhookSenders)
	// In flight, a delivery outlives ctx (bounded by the client's timeout,
	// or webhookTimeout for a client without one) and its outcome is
	// recorded whatever ctx does.
	flight := context.WithoutCancel(ctx)
	bound := max(client.Timeout, webhookTimeout)
	started := 0
send:
	for _, h := range due {
		select {
		case senders <- struct{}{}:
		case <-ctx.Done():
			break send
		}
		if ctx.Err() != nil { // both were ready: ctx wins
			<-senders
			break send
		}
		started++
		wg.Add(1)
		go func() {
			defer func() { <-senders; wg.Done() }()
			pctx, cancel := context.WithTimeout(flight, bound)
			err := s.post(pctx, client, h, now)
			cancel()
			errText := ""
			if err != nil {
				errText = err.Error()
			}
			backoff := min(time.Duration(30<<min(h.Attempts, 7))*time.Second, time.Hour)
			if merr := s.Store.MarkWebhook(flight, h.ID, err == nil, errText, now.Add(backoff)); merr != nil {
				s.log().Error("mark webhook", "err", merr)
			}
			switch {
			case err == nil:
				sent.Add(1)
			case h.Attempts+1 >= store.MaxWebhookAttempts:
				// No attempt follows: said once, as an error, for the
				// operator to hear of an announcement never delivered
				// (the alert itself stays on the alert list).
				s.log().Error("webhook given up", "id", h.ID, "attempts", h.Attempts+1, "err", errText)
			default:
				s.log().Warn("webhook failed", "id", h.ID, "attempt", h.Attempts+1, "err", errText)
			}
		}()
	}
	if rest := due[started:]; len(rest) > 0 {
		// ctx has ended: given back with a context of their own, while
		// those in flight finish.
		rctx, cancel := context.WithTimeout(flight, webhookTimeout)
		n, err := s.Store.ReleaseWebhooks(rctx, rest, until)
		cancel()
		if err != nil {
			s.log().Error("release webhooks: tried again when their claim lapses", "deliveries", len(rest), "err", err)
		} else {
			s.log().Info("webhooks not sent before stopping, due again", "deliveries", n)
		}
	}
	wg.Wait()
	return int(sent.Load())
}

// Remind queues an alert.reminder delivery for each open alert that
// nobody has acknowledged and that its monitor's remind_after hours have
// passed over since it was last announced (store.DueReminders: due times
// are kept in the database, so a restart loses none), and returns how
// many it queued. Each is queued by a conditional update
// (store.QueueReminder): deliverers on several replicas queue a reminder
// once between them. An acknowledgement, a resolution or a pause stops
// them. The deliverer runs it before it delivers.
func (s *Service) Remind(ctx context.Context, now time.Time) int {
	due, err := s.Store.DueReminders(ctx, now)
	if err != nil {
		s.log().Error("due reminders", "err", err)
		return 0
	}
	n := 0
	for _, r := range due {
		if ctx.Err() != nil {
			break
		}
		ok, err := s.Store.QueueReminder(ctx, r, now)
		if err != nil {
			s.log().Error("queue reminder", "alert", r.Alert.ID, "err", err)
			continue
		}
		if ok {
			n++
		}
	}
	if n > 0 {
		s.log().Info("alert reminders queued", "reminders", n)
	}
	return n
}

// DeliveryHeader names a webhook delivery: the outbox row's ID.
const DeliveryHeader = "X-Lodestar-Delivery"

// webhookSenders is how many deliveries are sent at once; webhookTimeout
// how long one may take (the default client's timeout, and the bound on
// a client without one); webhookClaim how long a delivery is claimed for
// its sending (well past the timeout).
const (
	webhookSenders = 8
	webhookTimeout = 10 * time.Second
	webhookClaim   = 10 * time.Minute
)

// stampSent sets a queued payload's sent_at to this attempt's time (a
// retry's is not the first's), keeping when the event occurred in
// occurred_at — a payload queued before occurred_at existed takes its
// sent_at, the queueing time, for it. A payload that is not a JSON object
// is sent as it is.
func stampSent(payload []byte, at time.Time) []byte {
	var p map[string]json.RawMessage
	if json.Unmarshal(payload, &p) != nil || p == nil {
		return payload
	}
	if _, ok := p["occurred_at"]; !ok {
		if sent, ok := p["sent_at"]; ok {
			p["occurred_at"] = sent
		}
	}
	stamp, err := json.Marshal(at)
	if err != nil {
		return payload
	}
	p["sent_at"] = stamp
	out, err := json.Marshal(p)
	if err != nil {
		return payload
	}
	return out
}

// post sends one delivery, its sent_at the attempt's time (now). Its error names the receiver by scheme and host
// only: a webhook URL's path and query often hold its secret, and the
// error is logged and stored.
func (s *Service) post(ctx context.Context, client *http.Client, h store.Webhook, now time.Time) error {
	u, err := url.Parse(h.URL)
	if err != nil {
		return errors.New("the webhook URL does not parse")
	}
	where := u.Scheme + "://" + u.Host
	body, format := stampSent(h.Payload, now.UTC()), s.chatFormat(u)
	if format != "" {
		// A chat service's robot takes its own message, not the payload.
		if s.I18n == nil {
			return fmt.Errorf("POST %s: no messages to word a %s message with", where, format)
		}
		text, err := chatText(s.I18n, h.Payload)
		if err == nil {
			body, err = chatBody(format, text)
		}
		if err != nil {
			return fmt.Errorf("POST %s: %w", where, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("request to %s: cannot be made", where)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Lodestar-Webhook/1")
	req.Header.Set(DeliveryHeader, strconv.FormatInt(h.ID, 10))
	if len(s.Secret) > 0 {
		req.Header.Set(SignatureHeader, Sign(s.Secret, body))
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("POST %s: %w", where, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: HTTP %d", where, resp.StatusCode)
	}
	if format != "" {
		if err := chatRefused(format, resp); err != nil {
			return fmt.Errorf("POST %s: %w", where, err)
		}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return nil
}

// Prune deletes events older than Retention (nothing when it is 0), each
// model's cutoff moved back to the start of any event-range reference of
// its monitors, and reports how many it deleted. It runs after the
// evaluation, so windows are computed before their events go.
func (s *Service) Prune(ctx context.Context, now time.Time) int64 {
	if s.Retention <= 0 {
		return 0
	}
	models, err := s.Store.ListModels(ctx, 0)
	if err != nil {
		s.log().Error("prune: list models", "err", err)
		return 0
	}
	mons, err := s.Store.ListMonitors(ctx, 0)
	if err != nil {
		s.log().Error("prune: list monitors", "err", err)
		return 0
	}
	var total int64
	for _, m := range models {
		cutoff := now.Add(-s.Retention)
		for _, mon := range mons {
			if mon.ModelID != m.ID {
				continue
			}
			if mon.Reference.Kind == lodestar.ReferenceEvents && mon.Reference.From.Before(cutoff) {
				cutoff = mon.Reference.From
			}
			if mon.EvaluatedTo.Before(cutoff) {
				cutoff = mon.EvaluatedTo // not yet evaluated (never: the zero time): keep
			}
		}
		n, err := s.Store.DeleteEventsBefore(ctx, m.ID, cutoff)
		if err != nil {
			s.log().Error("prune events", "model", m.Key, "err", err)
			continue
		}
		total += n
	}
	if total > 0 {
		s.log().Info("events pruned", "deleted", total, "retention", s.Retention)
	}
	return total
}

// Run evaluates every monitor (then prunes events) every interval, and
// delivers webhooks in a loop of its own, until ctx ends; it returns when
// both loops have ended, a delivery in flight having finished or timed
// out. The two are apart so that a receiver that hangs or is slow delays
// its own announcements, never the next evaluation: an alert is raised
// and stored on time whatever the receivers do. The deliverer runs
// every interval and as soon as it is free after each evaluation, which
// may have queued deliveries; across replicas, each delivery is still sent
// by whoever claims it (ClaimWebhooks).
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	evaluated := make(chan struct{}, 1)
	delivered := make(chan struct{})
	go func() {
		defer close(delivered)
		s.deliverLoop(ctx, interval, evaluated)
	}()
	defer func() { <-delivered }()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.EvaluateAll(ctx, time.Now())
		select {
		case evaluated <- struct{}{}:
		default: // the deliverer is already due to run again
		}
		s.Prune(ctx, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// deliverLoop queues due reminders (Remind) and delivers due webhooks
// every interval and whenever wake says an evaluation ended, until ctx
// ends.
func (s *Service) deliverLoop(ctx context.Context, interval time.Duration, wake <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
		s.Remind(ctx, time.Now())
		s.DeliverWebhooks(ctx, time.Now())
	}
}

// WebhookRefusal says why a webhook address is one this server would
// refuse to dial (webhookTransport), or "": a loopback, private,
// link-local or other non-public IP address written in the URL, or
// localhost, while private webhooks are not allowed (and no Client of the
// caller's own sends them). A host name is judged when dialled, after it
// is resolved: DNS can change between now and then.
//
// An IPv4 address written as a number other than four decimal parts —
// 127.1, 2130706433, 0x7f.1, 0177.0.0.1, as inet_aton and browsers read
// them — is refused whatever it means: one that is private as the address
// it stands for, any other with the way to write it (whether the resolver
// reads such a host as an address or looks it up as a name depends on how
// the server was built). A host whose last label is a number but which is
// no address is refused too.
func (s *Service) WebhookRefusal(raw string) string {
	if raw == "" || s == nil {
		return ""
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "" // the store refuses what does not parse
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	allowed := s.AllowPrivateWebhooks || s.Client != nil
	if _, err := netip.ParseAddr(host); err != nil {
		if v4, numeric, ok := numericIPv4(host); numeric && !ok {
			return fmt.Sprintf("The webhook's host %s is written as a number but is not an IPv4 address: write an address as four decimal numbers, such as 203.0.113.10, or use a host name.", host)
		} else if numeric {
			if why := privateAddr(v4); why != "" && !allowed {
				return fmt.Sprintf("The webhook's host %s is %s, where this server does not send webhooks: use a public address, or start the server with --webhook-allow-private.", host+" ("+v4.String()+")", why)
			}
			return fmt.Sprintf("The webhook's host %s is the IPv4 address %s written in a short, octal or hexadecimal form: write it as %s.", host, v4, v4)
		}
	}
	if allowed {
		return ""
	}
	why := ""
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		why = "a loopback address"
	} else if ip, err := netip.ParseAddr(host); err == nil {
		why = privateAddr(ip.Unmap())
	}
	if why == "" {
		return ""
	}
	return fmt.Sprintf("The webhook's host %s is %s, where this server does not send webhooks: use a public address, or start the server with --webhook-allow-private.", host, why)
}

// numericIPv4 reads host as an IPv4 address in the forms inet_aton and
// the WHATWG URL standard accept: one to four dot-separated parts, each
// decimal, hexadecimal (0x…) or octal (a leading 0), the last filling the
// bytes the others leave. numeric says host is meant as such a number —
// its last label is one — and ok that it is a valid address.
func numericIPv4(host string) (ip netip.Addr, numeric, ok bool) {
	parts := strings.Split(host, ".")
	if !numericPart(parts[len(parts)-1]) {
		return netip.Addr{}, false, false
	}
	if len(parts) > 4 {
		return netip.Addr{}, true, false
	}
	var v uint64
	for i, p := range parts {
		if !numericPart(p) {
			return netip.Addr{}, true, false
		}
		base, digits := 10, p
		switch {
		case strings.HasPrefix(p, "0x"):
			base, digits = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		n := uint64(0)
		if digits != "" {
			var err error
			if n, err = strconv.ParseUint(digits, base, 32); err != nil {
				return netip.Addr{}, true, false
			}
		}
		// Every part but the last is one byte; the last fills the rest.
		bits := uint(8)
		if i == len(parts)-1 {
			bits = uint(8 * (4 - i))
		}
		if n >= 1<<bits {
			return netip.Addr{}, true, false
		}
		v = v<<bits | n
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true, true
}

// numericPart reports whether a host label is written as a number:
// decimal digits, or 0x and hexadecimal digits (0x alone is 0).
func numericPart(p string) bool {
	digits, hex := p, false
	if rest, ok := strings.CutPrefix(p, "0x"); ok {
		digits, hex = rest, true
	} else if p == "" {
		return false
	}
	for _, c := range digits {
		if !('0' <= c && c <= '9' || hex && ('a' <= c && c <= 'f')) {
			return false
		}
	}
	return true
}

// webhookTransport is the transport webhooks go out on: the default one,
// whose connections, unless allowPrivate, may only reach public
// addresses — checked on the address actually dialled, after name
// resolution, so a name that resolves to 127.0.0.1 is caught too.
func webhookTransport(allowPrivate bool) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if allowPrivate {
		return t
	}
	// Sent directly: through an HTTP proxy, the check below would see
	// only the proxy's address, and the proxy would fetch any target.
	t.Proxy = nil
	d := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return err
		}
		if why := privateAddr(ip.Unmap()); why != "" {
			return fmt.Errorf("webhook address %s is %s: start the server with --webhook-allow-private to send webhooks there", ip, why)
		}
		return nil
	}}
	t.DialContext = d.DialContext
	return t
}

// privateAddr says what kind of non-public address ip is, or "".
func privateAddr(ip netip.Addr) string {
	switch {
	case ip.IsLoopback():
		return "a loopback address"
	case ip.IsPrivate():
		return "a private address"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "a link-local address"
	case ip.IsUnspecified():
		return "an unspecified address"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "a multicast address"
	}
	for _, r := range reservedNets {
		if r.p.Contains(ip) {
			return r.why
		}
	}
	// IPv6 forms that carry an IPv4 address (NAT64, IPv4-compatible,
	// 6to4): judged by it.
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64.Contains(ip), v4Compatible.Contains(ip):
			return privateAddr(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case sixToFour.Contains(ip):
			return privateAddr(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	return ""
}

var (
	nat64        = netip.MustParsePrefix("64:ff9b::/96")
	v4Compatible = netip.MustParsePrefix("::/96") // deprecated (RFC 4291), still routed by some stacks
	sixToFour    = netip.MustParsePrefix("2002::/16")
	reservedNets = []struct {
		p   netip.Prefix
		why string
	}{
		{netip.MustParsePrefix("0.0.0.0/8"), "a reserved address"},
		{netip.MustParsePrefix("100.64.0.0/10"), "a shared (carrier-grade NAT) address"},
		{netip.MustParsePrefix("192.0.0.0/24"), "a reserved address"},
		{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
		{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
		{netip.MustParsePrefix("fec0::/10"), "a site-local address"},
		// RFC 8215: a network's own IPv4/IPv6 translator, which may lead to
		// its private IPv4 addresses (where the IPv4 address sits depends
		// on the prefix length the network chose: all of it is refused).
		{netip.MustParsePrefix("64:ff9b:1::/48"), "a local-use NAT64 address"},
	}
)
