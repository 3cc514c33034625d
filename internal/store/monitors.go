package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// monitorConfig is what the config column holds: the monitor's settings
// that are not columns of their own.
type monitorConfig struct {
	Task         string                     `json:"task"`
	Threshold    float64                    `json:"threshold,omitempty"`
	Classes      []string                   `json:"classes,omitempty"`
	Numeric      []string                   `json:"numeric"`
	Categorical  []string                   `json:"categorical"`
	Groups       []string                   `json:"groups"`
	Window       string                     `json:"window"`
	Reference    lodestar.MonitorReference  `json:"reference"`
	Thresholds   lodestar.MonitorThresholds `json:"thresholds"`
	RetrainAfter int                        `json:"retrain_after"`
	AlertAfter   int                        `json:"alert_after,omitempty"`
	ResolveAfter int                        `json:"resolve_after,omitempty"`
	RemindAfter  int                        `json:"remind_after,omitempty"`
	WebhookURL   string                     `json:"webhook_url,omitempty"`
}

// monitorColumns are a monitor's columns, then its version's status
// (from model_versions: "" when the version is not registered).
const monitorColumns = `id, model_id, version, name, config, evaluated_to, paused_at, paused_by, pause_reason, relabel_from, relabel_n, created_at, updated_at,
	COALESCE((SELECT v.status FROM model_versions v WHERE v.model_id = monitors.model_id AND v.version = monitors.version), '')`

func scanMonitor(s interface{ Scan(...any) error }) (*lodestar.Monitor, error) {
	m := &lodestar.Monitor{}
	var cfg, evaluated string
	var relabel sql.NullInt64
	if err := s.Scan(&m.ID, &m.ModelID, &m.Version, &m.Name, &cfg, &evaluated, sqldb.Time{T: &m.PausedAt}, &m.PausedBy, &m.PauseReason,
		&relabel, &m.RelabelMark, sqldb.Time{T: &m.CreatedAt}, sqldb.Time{T: &m.UpdatedAt}, &m.VersionStatus); err != nil {
		return nil, err
	}
	var c monitorConfig
	if err := json.Unmarshal([]byte(cfg), &c); err != nil {
		return nil, fmt.Errorf("monitor %d config: %w", m.ID, err)
	}
	m.Task, m.Threshold, m.Classes, m.Numeric, m.Categorical, m.Groups = c.Task, c.Threshold, c.Classes, c.Numeric, c.Categorical, c.Groups
	m.Window, m.Reference, m.Thresholds, m.RetrainAfter, m.WebhookURL = c.Window, c.Reference, c.Thresholds, c.RetrainAfter, c.WebhookURL
	m.AlertAfter, m.ResolveAfter, m.RemindAfter = max(c.AlertAfter, 1), max(c.ResolveAfter, 1), c.RemindAfter
	if evaluated != "" {
		t, err := sqldb.ParseTime(evaluated)
		if err != nil {
			return nil, err
		}
		m.EvaluatedTo = t
	}
	if relabel.Valid {
		m.RelabeledFrom = time.UnixMilli(relabel.Int64).UTC()
	}
	return m, nil
}

func loadMonitor(ctx context.Context, tx *sqldb.Tx, id int64) (*lodestar.Monitor, error) {
	m, err := scanMonitor(tx.QueryRowContext(ctx, `SELECT `+monitorColumns+` FROM monitors WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Monitor")
	}
	return m, err
}

// ParseWindow reads a monitor window: hour, day or events:N (N from 10 to
// 10,000,000). It returns the period or the count.
func ParseWindow(w string) (time.Duration, uint64, error) {
	switch w {
	case lodestar.WindowHour:
		return time.Hour, 0, nil
	case lodestar.WindowDay:
		return 24 * time.Hour, 0, nil
	}
	if n, ok := strings.CutPrefix(w, lodestar.WindowEvents+":"); ok {
		c, err := strconv.ParseUint(n, 10, 64)
		if err == nil && c >= 10 && c <= 10_000_000 {
			return 0, c, nil
		}
	}
	return 0, 0, fmt.Errorf("use hour, day or events:N with N from 10 to 10,000,000")
}

// DriftThresholds are a monitor's drift thresholds for the drift engine.
func DriftThresholds(t lodestar.MonitorThresholds) monitor.Thresholds {
	return monitor.Thresholds{PValue: t.DriftPValue, PSIDrift: t.DriftPSI, PSIWarn: math.Min(0.1, nonZero(t.DriftPSI, 0.1)),
		Wasserstein: t.DriftDistance, JensenShannon: t.DriftDistance, Share: t.DriftShare,
		NumericTest: t.DriftNumericTest, CategoricalTest: t.DriftCategoricalTest}.WithDefaults()
}

func nonZero(x, def float64) float64 {
	if x == 0 {
		return def
	}
	return x
}

func checkNames(fields map[string]string, field string, names []string, max int) {
	if len(names) > max {
		fields[field] = fmt.Sprintf("At most %d.", max)
		return
	}
	seen := map[string]bool{}
	for _, n := range names {
		switch {
		case strings.TrimSpace(n) == "":
			fields[field] = "A name is empty; every name must have at least one character."
		case utf8.RuneCountInString(n) > 200:
			fields[field] = "A name is longer than 200 characters."
		case seen[n]:
			// (For the web form's features, the reference file's columns:
			// "a,a" is two columns named a.)
			fields[field] = fmt.Sprintf("Each name must be different; %q appears twice.", n)
		default:
			seen[n] = true
			continue
		}
		return
	}
}

func checkMonitor(ctx context.Context, tx *sqldb.Tx, in *lodestar.Monitor) error {
	in.Name, in.Version, in.WebhookURL = strings.TrimSpace(in.Name), strings.TrimSpace(in.Version), strings.TrimSpace(in.WebhookURL)
	fields := map[string]string{}
	checkLen(fields, "name", in.Name, lodestar.MaxTitle, true)
	if in.Task == "" {
		in.Task = monitor.TaskBinary
	}
	switch in.Task {
	case monitor.TaskBinary, monitor.TaskRegression:
	case monitor.TaskMulticlass:
		if len(in.Classes) < 2 {
			fields["classes"] = "A multiclass monitor needs at least two class names."
		}
	default:
		fields["task"] = "Use binary, multiclass or regression."
	}
	checkNames(fields, "classes", in.Classes, 1000)
	if !(in.Threshold >= 0 && in.Threshold <= 1) {
		fields["threshold"] = "A score threshold between 0 and 1."
	}
	checkNames(fields, "numeric", in.Numeric, 1000)
	checkNames(fields, "categorical", in.Categorical, 1000)
	checkNames(fields, "groups", in.Groups, 50)
	for _, n := range in.Numeric {
		for _, c := range in.Categorical {
			if n == c {
				fields["categorical"] = "A feature is either numeric or categorical: " + n + "."
			}
		}
	}
	if _, _, err := ParseWindow(in.Window); err != nil {
		fields["window"] = "Use hour, day or events:N with N from 10 to 10,000,000."
	}
	// Each threshold is checked on its own, so that every bad one is
	// named at once.
	t := in.Thresholds
	switch {
	case !(t.MinAccuracy >= 0 && t.MinAccuracy <= 1):
		fields["thresholds.min_accuracy"] = "Between 0 and 1 (0: off)."
	case t.MinAccuracy > 0 && in.Task == monitor.TaskRegression:
		// It would never be judged: a regression's windows have MAE and
		// RMSE, no accuracy.
		fields["thresholds.min_accuracy"] = "A regression model has no accuracy, so this threshold would never be judged: leave it empty (its MAE and RMSE are shown per window)."
	}
	if !(t.MaxLatencyP95MS >= 0) || math.IsInf(t.MaxLatencyP95MS, 0) {
		fields["thresholds.max_latency_p95_ms"] = "A number of milliseconds ≥ 0 (0: off)."
	}
	if t.MinEvents < 0 || t.MaxEvents < 0 || (t.MaxEvents > 0 && t.MaxEvents < t.MinEvents) {
		fields["thresholds.min_events"] = "Event counts ≥ 0 (0: off), the maximum not below the minimum."
	}
	if !(t.DriftPValue >= 0 && t.DriftPValue < 1) || !(t.DriftShare >= 0 && t.DriftShare <= 1) || !(t.DriftPSI >= 0) || !(t.DriftDistance >= 0 && t.DriftDistance <= monitor.JensenShannonMax) {
		fields["thresholds.drift"] = "Drift thresholds: p-value in [0, 1), share in [0, 1], PSI ≥ 0, distance in [0, 0.83] (0: default; it serves both Wasserstein and Jensen–Shannon, which never exceeds 0.83)."
	}
	switch t.DriftNumericTest {
	case "", monitor.TestAuto, monitor.TestKS, monitor.TestWasserstein, monitor.TestPSI:
	default:
		fields["thresholds.drift_numeric_test"] = "Use auto, ks, wasserstein or psi."
	}
	switch t.DriftCategoricalTest {
	case "", monitor.TestAuto, monitor.TestChiSquare, monitor.TestJensenShannon, monitor.TestPSI:
	default:
		fields["thresholds.drift_categorical_test"] = "Use auto, chi2, jensenshannon or psi."
	}
	if t.Fairness && ((in.Task != "" && in.Task != monitor.TaskBinary) || len(in.Groups) == 0) {
		fields["thresholds.fairness"] = "Fairness alerts need a binary classifier with at least one group attribute."
	}
	if !(t.FairnessMinImpactRatio >= 0 && t.FairnessMinImpactRatio <= 1) {
		fields["thresholds.fairness_min_impact_ratio"] = "An impact ratio between 0 and 1 (0: 0.8, the four-fifths rule)."
	}
	if !(t.FairnessMaxEqualOpportunity >= 0 && t.FairnessMaxEqualOpportunity <= 1) {
		fields["thresholds.fairness_max_equal_opportunity"] = "A difference of true positive rates between 0 and 1 (0: off)."
	}
	if t.FairnessMinGroup < 0 || t.FairnessMinGroup > 1_000_000 {
		fields["thresholds.fairness_min_group"] = "A number of events from 1 to 1,000,000 (0: 30)."
	}
	if t.FairnessFavourable != "" && t.FairnessFavourable != "positive" && t.FairnessFavourable != "negative" {
		fields["thresholds.fairness_favourable"] = "Use positive or negative: the prediction that is the favourable outcome."
	}
	if t.DataQuality && len(in.Numeric)+len(in.Categorical) == 0 {
		fields["thresholds.data_quality"] = "Data-quality alerts need at least one numeric or categorical feature."
	}
	for _, q := range []struct {
		key string
		v   float64
	}{{"quality_max_missing_increase", t.QualityMaxMissingIncrease}, {"quality_max_out_of_range", t.QualityMaxOutOfRange}, {"quality_max_new_values", t.QualityMaxNewValues}} {
		if !(q.v >= 0 && q.v <= 1) {
			fields["thresholds."+q.key] = "A share between 0 and 1 (0: 0.05; 1: off)."
		}
	}
	if t.QualityMinEvents < 0 || t.QualityMinEvents > 1_000_000 {
		fields["thresholds.quality_min_events"] = "A number of events from 1 to 1,000,000 (0: 30)."
	}
	if in.RetrainAfter < 0 || in.RetrainAfter > 100 {
		fields["retrain_after"] = "Between 0 (never) and 100 windows."
	}
	if in.AlertAfter < 0 || in.AlertAfter > 100 {
		fields["alert_after"] = "Between 1 and 100 windows (0 means 1)."
	}
	if in.ResolveAfter < 0 || in.ResolveAfter > 100 {
		fields["resolve_after"] = "Between 1 and 100 windows (0 means 1)."
	}
	if in.RemindAfter < 0 || in.RemindAfter > lodestar.MaxRemindAfter {
		fields["remind_after"] = "Between 0 (never) and 720 hours."
	}
	if in.WebhookURL != "" {
		u, err := url.Parse(in.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(in.WebhookURL) > lodestar.MaxWebhookURL {
			fields["webhook_url"] = "An http:// or https:// address, at most 2,000 characters."
		}
	}
	switch in.Reference.Kind {
	case lodestar.ReferenceDataset:
	case lodestar.ReferenceEvents:
		if in.Reference.From.IsZero() || !in.Reference.To.After(in.Reference.From) {
			fields["reference.from"] = "An event reference needs a time range: from before to."
		}
	default:
		fields["reference.kind"] = "Use dataset (an uploaded file) or events (a time range of this model's events)."
	}
	if in.ModelID == 0 {
		fields["model_id"] = "Choose the model."
	} else if err := checkRef(ctx, tx, fields, "model_id", "models", in.ModelID, 0); err != nil {
		return err
	}
	if _, bad := fields["model_id"]; !bad && in.ModelID != 0 {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM model_versions WHERE model_id = ? AND version = ?`, in.ModelID, in.Version).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			fields["version"] = "Choose a version of this model."
		}
	}
	if len(fields) > 0 {
		return &lodestar.Error{Code: lodestar.EInvalid, Message: "The monitor could not be saved; check the fields.", Fields: fields}
	}
	return nil
}

// CreateMonitor implements lodestar.MonitorService. The reference dataset,
// when there is one, is kept with the monitor.
func (s *Store) CreateMonitor(ctx context.Context, in lodestar.Monitor, reference []byte) (*lodestar.Monitor, error) {
	in.ID = 0 // (a copy of another's settings is a new monitor)
	return create(ctx, s, "monitor", loadMonitor, func(tx *sqldb.Tx) (int64, error) {
		if err := checkMonitor(ctx, tx, &in); err != nil {
			return 0, err
		}
		// A repeated submission (a double click, a retried request) must
		// not make a second monitor raising the same alerts. Monitors of a
		// model are made one at a time, so that two submissions at once
		// cannot both find no monitor of the name (PostgreSQL; SQLite's
		// writers take turns already).
		if err := tx.LockRow(ctx, "models", in.ModelID); err != nil {
			return 0, err
		}
		if err := checkMonitorName(ctx, tx, &in); err != nil {
			return 0, err
		}
		if in.Reference.Kind == lodestar.ReferenceDataset && len(reference) == 0 {
			return 0, lodestar.FieldError("reference", "Upload the reference dataset (CSV or Parquet).")
		}
		cfg, err := configOf(&in)
		if err != nil {
			return 0, err
		}
		now := sqldb.FormatTime(tx.Now)
		var ref any
		if len(reference) > 0 {
			ref = reference
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO monitors (model_id, version, name, config, reference_data, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.ModelID, in.Version, in.Name, cfg, ref, now, now).Scan(&id)
		return id, err
	})
}

// configOf is what a monitor's config column holds.
func configOf(in *lodestar.Monitor) (string, error) {
	cfg, err := json.Marshal(monitorConfig{Task: in.Task, Threshold: in.Threshold, Classes: in.Classes, Numeric: orEmpty(in.Numeric),
		Categorical: orEmpty(in.Categorical), Groups: orEmpty(in.Groups), Window: in.Window, Reference: in.Reference,
		Thresholds: in.Thresholds, RetrainAfter: in.RetrainAfter, AlertAfter: in.AlertAfter, ResolveAfter: in.ResolveAfter,
		RemindAfter: in.RemindAfter, WebhookURL: in.WebhookURL})
	return string(cfg), err
}

// checkMonitorName refuses a name another monitor of the same model
// version has: a repeated submission (a double click, a retried request)
// must not make a second monitor raising the same alerts, nor may a
// rename make two that cannot be told apart.
func checkMonitorName(ctx context.Context, tx *sqldb.Tx, in *lodestar.Monitor) error {
	var dup int
	switch err := tx.QueryRowContext(ctx, `SELECT 1 FROM monitors WHERE model_id = ? AND version = ? AND name = ? AND id <> ?`,
		in.ModelID, in.Version, in.Name, in.ID).Scan(&dup); {
	case err == nil:
		msg := "This version already has a monitor of this name."
		return &lodestar.Error{Code: lodestar.EConflict, Message: msg, Fields: map[string]string{"name": msg}}
	case !isNoRows(err):
		return err
	}
	return nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// FindMonitorByID implements lodestar.MonitorService.
func (s *Store) FindMonitorByID(ctx context.Context, id int64) (*lodestar.Monitor, error) {
	m, err := scanMonitor(s.DB.QueryRow(ctx, `SELECT `+monitorColumns+` FROM monitors WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Monitor")
	}
	return m, wrap("find monitor", err)
}

// ListMonitors implements lodestar.MonitorService.
func (s *Store) ListMonitors(ctx context.Context, modelID int64) ([]*lodestar.Monitor, error) {
	q, args := `SELECT `+monitorColumns+` FROM monitors`, []any{}
	if modelID != 0 {
		q += ` WHERE model_id = ?`
		args = append(args, modelID)
	}
	return list(ctx, s, q+` ORDER BY id`, args, scanMonitor)
}

// SetReferenceUnreadable records, in an event-range reference, how many of
// its range's events the monitor could not read (left out of it) and the
// first one's reason, as the reference was last built: the range may still
// be filling, so the count is set again each time the reference is built
// anew. It is a reading of the events, not a change of the monitor's
// settings: neither audited nor its updated_at moved. A monitor whose
// reference is a dataset (counted when it was made) is left as it is, as
// is a config changed meanwhile (its own builder sets it).
func (s *Store) SetReferenceUnreadable(ctx context.Context, id int64, n int64, reason string) error {
	return wrap("set reference unreadable", s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		var raw string
		if err := tx.QueryRowContext(ctx, `SELECT config FROM monitors WHERE id = ?`, id).Scan(&raw); err != nil {
			if isNoRows(err) {
				return notFound("Monitor")
			}
			return err
		}
		var c monitorConfig
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return fmt.Errorf("monitor %d config: %w", id, err)
		}
		if n == 0 {
			reason = ""
		}
		if c.Reference.Kind != lodestar.ReferenceEvents || (c.Reference.Unreadable == n && c.Reference.UnreadableReason == reason) {
			return nil
		}
		c.Reference.Unreadable, c.Reference.UnreadableReason = n, reason
		cfg, err := json.Marshal(c)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE monitors SET config = ? WHERE id = ? AND config = ?`, string(cfg), id, raw)
		return err
	}))
}

// ClearRelabel forgets a monitor's late labels (Monitor.RelabeledFrom)
// once its windows were recomputed from them — unless a label was written
// since mark was read (the recomputation may have missed it): the next
// evaluation recomputes again then.
func (s *Store) ClearRelabel(ctx context.Context, id, mark int64) error {
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE monitors SET relabel_from = NULL WHERE id = ? AND relabel_n = ?`, id, mark)
		return err
	})
	return wrap("clear relabel", err)
}

// MonitorReferenceData implements lodestar.MonitorService.
func (s *Store) MonitorReferenceData(ctx context.Context, id int64) ([]byte, error) {
	var data []byte
	err := s.DB.QueryRow(ctx, `SELECT reference_data FROM monitors WHERE id = ?`, id).Scan(&data)
	if isNoRows(err) {
		return nil, notFound("Monitor")
	}
	return data, wrap("monitor reference", err)
}

// jsonOrEmpty is the JSON of a window's list, or "" when it is empty.
func jsonOrEmpty[T any](xs []T) (string, error) {
	if len(xs) == 0 {
		return "", nil
	}
	b, err := json.Marshal(xs)
	return string(b), err
}

const windowColumns = `monitor_id, start_at, end_at, events, labelled, metrics, drift, drift_share, dataset_drift, breaches, fairness, quality, unreadable, unreadable_reason`

func scanWindow(s interface{ Scan(...any) error }) (*lodestar.WindowResult, error) {
	w := &lodestar.WindowResult{}
	var metrics, drift, breaches, fair, quality string
	if err := s.Scan(&w.MonitorID, sqldb.Time{T: &w.Start}, sqldb.Time{T: &w.End}, &w.Events, &w.Labelled, &metrics, &drift,
		&w.DriftShare, &w.DatasetDrift, &breaches, &fair, &quality, &w.Unreadable, &w.UnreadableReason); err != nil {
		return nil, err
	}
	if fair != "" {
		if err := json.Unmarshal([]byte(fair), &w.Fairness); err != nil {
			return nil, fmt.Errorf("window fairness: %w", err)
		}
	}
	if quality != "" {
		if err := json.Unmarshal([]byte(quality), &w.Quality); err != nil {
			return nil, fmt.Errorf("window quality: %w", err)
		}
	}
	if err := json.Unmarshal([]byte(metrics), &w.Metrics); err != nil {
		return nil, err
	}
	if drift != "" {
		w.Drift = []byte(drift)
	}
	w.Breaches = []string{}
	if breaches != "" {
		w.Breaches = strings.Split(breaches, ",")
	}
	return w, nil
}

// WindowStartAtOrBefore returns the start of the monitor's last stored
// window that starts at or before t, and false when there is none.
func (s *Store) WindowStartAtOrBefore(ctx context.Context, monitorID int64, t time.Time) (time.Time, bool, error) {
	var start string
	err := s.DB.QueryRow(ctx, `SELECT start_at FROM monitor_windows WHERE monitor_id = ? AND start_at <= ? ORDER BY start_at DESC LIMIT 1`,
		monitorID, sqldb.FormatTime(t)).Scan(&start)
	if isNoRows(err) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, wrap("window start", err)
	}
	at, err := sqldb.ParseTime(start)
	return at, err == nil, wrap("window start", err)
}

// ListWindows implements lodestar.MonitorService: the latest limit windows
// (0: all), oldest first.
func (s *Store) ListWindows(ctx context.Context, monitorID int64, limit int) ([]*lodestar.WindowResult, error) {
	q := `SELECT ` + windowColumns + ` FROM monitor_windows WHERE monitor_id = ? ORDER BY start_at DESC`
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit)
	}
	out, err := list(ctx, s, q, []any{monitorID}, scanWindow)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, err
}

// WindowsBefore is the monitor's windows starting before before, oldest
// first: every one starting at or after from (none when from is zero or
// not before before) and the n before them, but at most limit — the
// latest. A recomputation from before reads them to judge the alerts
// opened before it back to their opening (monitoring.Service.evaluate).
func (s *Store) WindowsBefore(ctx context.Context, monitorID int64, before, from time.Time, n, limit int) ([]*lodestar.WindowResult, error) {
	k := n
	if !from.IsZero() && from.Before(before) {
		var since int
		if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM monitor_windows WHERE monitor_id = ? AND start_at >= ? AND start_at < ?`,
			monitorID, sqldb.FormatTime(from), sqldb.FormatTime(before)).Scan(&since); err != nil {
			return nil, wrap("count windows", err)
		}
		k += since
	}
	if k = min(k, limit); k <= 0 {
		return nil, nil
	}
	out, err := list(ctx, s, `SELECT `+windowColumns+` FROM monitor_windows WHERE monitor_id = ? AND start_at < ? ORDER BY start_at DESC LIMIT `+strconv.Itoa(k),
		[]any{monitorID, sqldb.FormatTime(before)}, scanWindow)
	slices.Reverse(out)
	return out, err
}

// PageWindows implements lodestar.MonitorService: oldest first, at most
// limit windows starting after after (zero: from the first), and how many
// the monitor has in all.
func (s *Store) PageWindows(ctx context.Context, monitorID int64, after time.Time, limit int) ([]*lodestar.WindowResult, int, error) {
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM monitor_windows WHERE monitor_id = ?`, monitorID).Scan(&total); err != nil {
		return nil, 0, wrap("count windows", err)
	}
	q, args := `SELECT `+windowColumns+` FROM monitor_windows WHERE monitor_id = ?`, []any{monitorID}
	if !after.IsZero() {
		q += ` AND start_at > ?`
		args = append(args, sqldb.FormatTime(after))
	}
	out, err := list(ctx, s, q+` ORDER BY start_at LIMIT `+strconv.Itoa(max(limit, 1)), args, scanWindow)
	return out, total, err
}

// pageNewestFirst adds to w the condition of the rows of table, named
// alias, that come after the row with ID after in the order opened_at
// DESC, id DESC (none when after is 0).
func pageNewestFirst(w *filterSQL, table, alias string, after int64) {
	if after == 0 {
		return
	}
	at := `(SELECT opened_at FROM ` + table + ` WHERE id = ?)`
	w.add(`(`+alias+`.opened_at < `+at+` OR (`+alias+`.opened_at = `+at+` AND `+alias+`.id < ?))`, after, after, after)
}

// countAndPage counts the rows of table, named alias, w matches (its
// conditions name the columns alias.column), then reads one page of them
// newest first with query, a SELECT from table alias and whatever it
// joins: at most limit after the row with ID after.
func countAndPage[T any](ctx context.Context, s *Store, table, alias, query string, w *filterSQL, after int64, limit int,
	scan func(interface{ Scan(...any) error }) (T, error)) ([]T, int, error) {
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM `+table+` `+alias+w.sql(), w.args...).Scan(&total); err != nil {
		return nil, 0, wrap("count "+table, err)
	}
	pageNewestFirst(w, table, alias, after)
	out, err := list(ctx, s, query+w.sql()+` ORDER BY `+alias+`.opened_at DESC, `+alias+`.id DESC LIMIT `+strconv.Itoa(max(limit, 1)), w.args, scan)
	return out, total, err
}

const alertColumns = `id, monitor_id, model_id, kind, status, value, threshold, message, opened_at, resolved_at, acked_at, acked_by, ack_note, resolution, last_notified_at, reminders`

// alertSelect reads alerts (named a) with the model version their
// monitor (m) watches, which scanAlert scans. The version is the
// monitor's, read by the join rather than copied onto each alert: a
// monitor watches one version for good.
var alertSelect = `SELECT ` + prefixed("a.", alertColumns) + `, m.version FROM alerts a JOIN monitors m ON m.id = a.monitor_id`

// scanAlert scans a row of alertSelect.
func scanAlert(s interface{ Scan(...any) error }) (*lodestar.Alert, error) {
	a := &lodestar.Alert{}
	err := s.Scan(append(alertFields(a), &a.Version)...)
	return a, err
}

// alertFields are the scan targets of alertColumns, in their order.
func alertFields(a *lodestar.Alert) []any {
	return []any{&a.ID, &a.MonitorID, &a.ModelID, &a.Kind, &a.Status, &a.Value, &a.Threshold, &a.Message,
		sqldb.Time{T: &a.OpenedAt}, sqldb.Time{T: &a.ResolvedAt}, sqldb.Time{T: &a.AckedAt}, &a.AckedBy, &a.AckNote, &a.Resolution,
		sqldb.Time{T: &a.LastNotifiedAt}, &a.Reminders}
}

// AcknowledgeAlert implements lodestar.MonitorService.
func (s *Store) AcknowledgeAlert(ctx context.Context, id int64, note string) (*lodestar.Alert, error) {
	note = strings.TrimSpace(note)
	fields := map[string]string{}
	if note == "" {
		fields["note"] = "Say what is being done about the alert."
	}
	checkLen(fields, "note", note, lodestar.MaxAckNote, false)
	if len(fields) > 0 {
		return nil, &lodestar.Error{Code: lodestar.EInvalid, Message: "The alert was not acknowledged; check the fields.", Fields: fields}
	}
	var after *lodestar.Alert
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		before, err := scanAlert(tx.QueryRowContext(ctx, alertSelect+` WHERE a.id = ?`, id))
		if isNoRows(err) {
			return notFound("Alert")
		} else if err != nil {
			return err
		}
		switch {
		case before.Status != lodestar.AlertOpen:
			return lodestar.Errorf(lodestar.EConflict, "The alert is resolved already; there is nothing to acknowledge.")
		case !before.AckedAt.IsZero():
			return lodestar.Errorf(lodestar.EConflict, "%s acknowledged the alert already.", before.AckedBy)
		}
		// The condition repeats the checks: a parallel acknowledgement or
		// the evaluator resolving the alert in between changes no row.
		res, err := tx.ExecContext(ctx, `UPDATE alerts SET acked_at = ?, acked_by = ?, ack_note = ? WHERE id = ? AND status = ? AND acked_at = ''`,
			sqldb.FormatTime(tx.Now), lodestar.ActorFrom(ctx).Label, note, id, lodestar.AlertOpen)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return lodestar.Errorf(lodestar.EConflict, "The alert changed meanwhile; reload to see it.")
		}
		if after, err = scanAlert(tx.QueryRowContext(ctx, alertSelect+` WHERE a.id = ?`, id)); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Change{Action: "acknowledge", EntityType: "alert", EntityID: id, Before: before, After: after})
		return err
	})
	if err != nil {
		return nil, wrap("acknowledge alert", err)
	}
	return after, nil
}

// ListAlerts implements lodestar.MonitorService.
func (s *Store) ListAlerts(ctx context.Context, modelID int64, openOnly bool) ([]*lodestar.Alert, error) {
	w := &filterSQL{}
	if modelID != 0 {
		w.add("a.model_id = ?", modelID)
	}
	if openOnly {
		w.add("a.status = ?", lodestar.AlertOpen)
		return list(ctx, s, alertSelect+w.sql()+` ORDER BY a.opened_at DESC, a.id DESC`, w.args, scanAlert)
	}
	return openAndNewest(ctx, s, alertSelect, "a.", w, lodestar.AlertOpen, scanAlert,
		func(a *lodestar.Alert) (time.Time, int64) { return a.OpenedAt, a.ID })
}

const taskColumns = `id, use_case_id, model_id, monitor_id, version, status, reason, before_metrics, after_metrics, new_version, opened_at, closed_at`

func scanTask(s interface{ Scan(...any) error }) (*lodestar.RetrainingTask, error) {
	t := &lodestar.RetrainingTask{}
	var before, after string
	if err := s.Scan(&t.ID, &t.UseCaseID, &t.ModelID, &t.MonitorID, &t.Version, &t.Status, &t.Reason, &before, &after, &t.NewVersion,
		sqldb.Time{T: &t.OpenedAt}, sqldb.Time{T: &t.ClosedAt}); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(before), &t.Before); err != nil {
		return nil, err
	}
	if after != "" {
		if err := json.Unmarshal([]byte(after), &t.After); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// PageAlerts implements lodestar.MonitorService.
func (s *Store) PageAlerts(ctx context.Context, modelID int64, openOnly bool, after int64, limit int) ([]*lodestar.Alert, int, error) {
	w := &filterSQL{}
	if modelID != 0 {
		w.add("a.model_id = ?", modelID)
	}
	if openOnly {
		w.add("a.status = ?", lodestar.AlertOpen)
	}
	return countAndPage(ctx, s, "alerts", "a", alertSelect, w, after, limit, scanAlert)
}

// ListRetrainingTasks implements lodestar.MonitorService.
func (s *Store) ListRetrainingTasks(ctx context.Context, useCaseID int64) ([]*lodestar.RetrainingTask, error) {
	w := &filterSQL{}
	if useCaseID != 0 {
		w.add("use_case_id = ?", useCaseID)
	}
	return openAndNewest(ctx, s, `SELECT `+taskColumns+` FROM retraining_tasks`, "", w, lodestar.TaskOpen, scanTask,
		func(t *lodestar.RetrainingTask) (time.Time, int64) { return t.OpenedAt, t.ID })
}

// openAndNewest lists the rows of sel (its columns prefixed, its status
// column col+"status") matching w: every open one, however old — the one
// left longest is the one a person most needs to see, and open ones are
// few (one per monitor and kind at most) — and the newest 500 of the
// others, merged newest first by key (opened, then ID). One statement,
// so one snapshot: read as two, a row closed between them was listed
// twice (open, then closed), and one opened again between them not at all.
func openAndNewest[T any](ctx context.Context, s *Store, sel, col string, w *filterSQL, open string,
	scan func(interface{ Scan(...any) error }) (T, error), key func(T) (time.Time, int64)) ([]T, error) {
	opened, rest := filterSQL{where: slices.Clone(w.where), args: slices.Clone(w.args)}, filterSQL{where: slices.Clone(w.where), args: slices.Clone(w.args)}
	opened.add(col+"status = ?", open)
	rest.add(col+"status <> ?", open)
	order := ` ORDER BY ` + col + `opened_at DESC, ` + col + `id DESC`
	q := `SELECT * FROM (` + sel + opened.sql() + `) open_rows UNION ALL SELECT * FROM (` + sel + rest.sql() + order + ` LIMIT 500) newest_rows`
	rows, err := list(ctx, s, q, append(opened.args, rest.args...), scan)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(rows, func(a, b T) int {
		at, ai := key(a)
		bt, bi := key(b)
		return cmp.Or(bt.Compare(at), cmp.Compare(bi, ai))
	})
	return rows, nil
}

// PageRetrainingTasks implements lodestar.MonitorService.
func (s *Store) PageRetrainingTasks(ctx context.Context, useCaseID int64, after int64, limit int) ([]*lodestar.RetrainingTask, int, error) {
	w := &filterSQL{}
	if useCaseID != 0 {
		w.add("t.use_case_id = ?", useCaseID)
	}
	return countAndPage(ctx, s, "retraining_tasks", "t", `SELECT `+prefixed("t.", taskColumns)+` FROM retraining_tasks t`, w, after, limit, scanTask)
}

// ResolvedAlertsSince is the monitor's alerts resolved at or after since,
// oldest first: those a recomputation of its windows from since decides
// on again. All of them, however many alerts its model has (an alert list
// stops at 500).
func (s *Store) ResolvedAlertsSince(ctx context.Context, monitorID int64, since time.Time) ([]*lodestar.Alert, error) {
	// By model and status first: the alerts' index.
	return list(ctx, s, alertSelect+` WHERE a.model_id = (SELECT model_id FROM monitors WHERE id = ?) AND a.status = ?
		AND a.monitor_id = ? AND a.resolved_at >= ? ORDER BY a.opened_at, a.id`, []any{monitorID, lodestar.AlertResolved, monitorID, sqldb.FormatTime(since)}, scanAlert)
}

// MonitorState implements lodestar.MonitorService.
func (s *Store) MonitorState(ctx context.Context, monitorID int64, recent int) ([]*lodestar.Alert, []*lodestar.WindowResult, bool, error) {
	alerts, err := list(ctx, s, alertSelect+` WHERE a.monitor_id = ? AND a.status = ? ORDER BY a.id`, []any{monitorID, lodestar.AlertOpen}, scanAlert)
	if err != nil {
		return nil, nil, false, err
	}
	windows, err := s.ListWindows(ctx, monitorID, recent)
	if err != nil {
		return nil, nil, false, err
	}
	var n int
	// A task open on the monitor's model version, whichever monitor opened it.
	err = s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM retraining_tasks t JOIN monitors m ON m.model_id = t.model_id AND m.version = t.version
		WHERE m.id = ? AND t.status = ?`, monitorID, lodestar.TaskOpen).Scan(&n)
	return alerts, windows, n > 0, wrap("monitor state", err)
}

// webhookPayload is what a monitor's webhook receives.
type webhookPayload struct {
	Event   string          `json:"event"` // alert.opened, alert.resolved, alert.reminder, retraining.opened, retraining.withdrawn
	Model   string          `json:"model"`
	Version string          `json:"version"` // the model version the monitor watches
	Monitor int64           `json:"monitor_id"`
	Alert   *lodestar.Alert `json:"alert,omitempty"`
	Task    any             `json:"task,omitempty"`
	// alert.reminder: which reminder it is (1, 2, …) and how long the
	// alert has been open, in seconds, since its first breaching window
	// started.
	Reminder    int   `json:"reminder,omitempty"`
	OpenSeconds int64 `json:"open_seconds,omitempty"`
	// OccurredAt is when the event was recorded (the delivery queued);
	// SentAt is set again at each attempt (monitoring's post), so that a
	// retry says when it was sent.
	OccurredAt time.Time `json:"occurred_at"`
	SentAt     time.Time `json:"sent_at"`
}

// SaveEvaluation implements lodestar.MonitorService.
func (s *Store) SaveEvaluation(ctx context.Context, monitorID int64, to time.Time, ev *lodestar.Evaluation) error {
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		if tx.Dialect() == sqldb.Postgres {
			// One evaluation saved at a time per monitor: the base check
			// below must see the last one's evaluated_to (and an edit's or
			// a pause's change, which lock the row too).
			if _, err := tx.ExecContext(ctx, `SELECT id FROM monitors WHERE id = ? FOR UPDATE`, monitorID); err != nil {
				return err
			}
		}
		m, err := loadMonitor(ctx, tx, monitorID)
		if err != nil {
			return err
		}
		if ev.Base != nil && !m.EvaluatedTo.Equal(*ev.Base) {
			return lodestar.ErrEvaluatedMeanwhile
		}
		// Edited or paused since the evaluation read it: its windows were
		// judged with settings no longer in force, or ought not be saved.
		if ev.Settings != nil && (!m.UpdatedAt.Equal(*ev.Settings) || m.Paused()) {
			return lodestar.ErrEvaluatedMeanwhile
		}
		if ev.Seen != nil {
			if same, err := alertsUnchanged(ctx, tx, monitorID, ev); err != nil {
				return err
			} else if !same {
				return lodestar.ErrEvaluatedMeanwhile
			}
		}
		var modelKey string
		var useCase int64
		if err := tx.QueryRowContext(ctx, `SELECT key, use_case_id FROM models WHERE id = ?`, m.ModelID).Scan(&modelKey, &useCase); err != nil {
			return err
		}
		if ev.Replace != nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM monitor_windows WHERE monitor_id = ? AND start_at >= ?`, monitorID, sqldb.FormatTime(*ev.Replace)); err != nil {
				return err
			}
		}
		for _, w := range ev.Windows {
			metrics, err := json.Marshal(finiteMetrics(w.Metrics))
			if err != nil {
				return err
			}
			start := sqldb.FormatTime(w.Start)
			if _, err := tx.ExecContext(ctx, `DELETE FROM monitor_windows WHERE monitor_id = ? AND start_at = ?`, monitorID, start); err != nil {
				return err
			}
			fair, err := jsonOrEmpty(w.Fairness)
			if err != nil {
				return err
			}
			quality, err := jsonOrEmpty(w.Quality)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO monitor_windows (`+windowColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				monitorID, start, sqldb.FormatTime(w.End), w.Events, w.Labelled, string(metrics), string(w.Drift), w.DriftShare,
				w.DatasetDrift, strings.Join(w.Breaches, ","), fair, quality, w.Unreadable, w.UnreadableReason); err != nil {
				return err
			}
			// A task awaiting this version's metrics closes on its first
			// window since it went live that computes them.
			if err := settleRetrainingTasks(ctx, tx, m.ModelID, m.Version, w.Metrics, w.Start); err != nil {
				return err
			}
		}
		hook := func(event string, a *lodestar.Alert, task any) error {
			if m.WebhookURL == "" {
				return nil
			}
			p, err := json.Marshal(webhookPayload{Event: event, Model: modelKey, Version: m.Version, Monitor: monitorID, Alert: a, Task: task, OccurredAt: tx.Now, SentAt: tx.Now})
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO webhook_outbox (url, payload, next_attempt_at) VALUES (?, ?, ?)`,
				m.WebhookURL, string(p), sqldb.FormatTime(tx.Now))
			return err
		}
		for _, a := range ev.Opened {
			a.MonitorID, a.ModelID, a.Version = monitorID, m.ModelID, m.Version
			a.LastNotifiedAt, a.Reminders = time.Time{}, 0
			if a.Status != lodestar.AlertResolved {
				a.Status, a.ResolvedAt, a.Resolution = lodestar.AlertOpen, time.Time{}, ""
				if m.WebhookURL != "" {
					// Announced now: its reminders count from now. A
					// monitor without a webhook announces nothing, so the
					// alert has no last announcement.
					a.LastNotifiedAt = tx.Now
				}
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO alerts (monitor_id, model_id, kind, status, value, threshold, message, opened_at, resolved_at, resolution, last_notified_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, monitorID, m.ModelID, a.Kind, a.Status, a.Value, a.Threshold, a.Message,
				sqldb.FormatTime(a.OpenedAt), sqldb.FormatTime(a.ResolvedAt), a.Resolution, sqldb.FormatTime(a.LastNotifiedAt)).Scan(&a.ID); err != nil {
				return err
			}
			if a.Status == lodestar.AlertOpen {
				if err := hook("alert.opened", a, nil); err != nil {
					return err
				}
			}
		}
		// An alert's change is made only from the status it was decided
		// on: resolved meanwhile (its version retired), it is not the
		// alert decided on. Its figures go with its opening date: an
		// alert redated to another first window reports that window's.
		update := func(a *lodestar.Alert, from string) error {
			res, err := tx.ExecContext(ctx, `UPDATE alerts SET status = ?, opened_at = ?, resolved_at = ?, resolution = ?, value = ?, threshold = ?, message = ? WHERE id = ? AND monitor_id = ? AND status = ?`,
				a.Status, sqldb.FormatTime(a.OpenedAt), sqldb.FormatTime(a.ResolvedAt), a.Resolution, a.Value, a.Threshold, a.Message, a.ID, monitorID, from)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return lodestar.Errorf(lodestar.EConflict, "An alert of the monitor changed while it was evaluated; evaluate it again.")
			}
			return nil
		}
		for _, a := range ev.Resolved {
			a.Status = lodestar.AlertResolved
			if a.Resolution == "" {
				a.Resolution = lodestar.ResolutionRecovered
			}
			if err := update(a, lodestar.AlertOpen); err != nil {
				return err
			}
			if err := hook("alert.resolved", a, nil); err != nil {
				return err
			}
		}
		// A resolved alert whose breach windows recomputed show running
		// still is open again, and said so as when it opened.
		for _, a := range ev.Reopened {
			a.Status, a.ResolvedAt, a.Resolution = lodestar.AlertOpen, time.Time{}, ""
			if err := update(a, lodestar.AlertResolved); err != nil {
				return err
			}
			// Announced again as opened (when the monitor has a webhook):
			// its reminders count afresh. Without one nothing is announced
			// and its last announcement stays what it was.
			if m.WebhookURL != "" {
				a.LastNotifiedAt, a.Reminders = tx.Now, 0
				if _, err := tx.ExecContext(ctx, `UPDATE alerts SET last_notified_at = ?, reminders = 0 WHERE id = ?`, sqldb.FormatTime(tx.Now), a.ID); err != nil {
					return err
				}
			}
			if err := hook("alert.opened", a, nil); err != nil {
				return err
			}
		}
		// Times corrected, status as it was: nothing to announce.
		for _, a := range ev.Corrected {
			if err := update(a, a.Status); err != nil {
				return err
			}
		}
		if ev.WithdrawTasks != nil {
			if err := withdrawRetrainingTasks(ctx, tx, monitorID, *ev.WithdrawTasks, func(t *lodestar.RetrainingTask) error {
				// Told, as its opening was: the team may be retraining.
				return hook("retraining.withdrawn", nil, t)
			}); err != nil {
				return err
			}
		}
		for _, t := range ev.Tasks {
			// One open task per model version: another monitor watching
			// the same version may have opened one (its alerts say what
			// this one saw).
			var open int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM retraining_tasks WHERE model_id = ? AND version = ? AND status = ?`,
				m.ModelID, m.Version, lodestar.TaskOpen).Scan(&open); err != nil {
				return err
			}
			if open > 0 {
				continue
			}
			t.UseCaseID, t.ModelID, t.MonitorID, t.Version, t.Status = useCase, m.ModelID, monitorID, m.Version, lodestar.TaskOpen
			before, err := json.Marshal(finiteMetrics(t.Before))
			if err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `INSERT INTO retraining_tasks (use_case_id, model_id, monitor_id, version, status, reason, before_metrics, opened_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, useCase, m.ModelID, monitorID, m.Version, t.Status, t.Reason, string(before),
				sqldb.FormatTime(t.OpenedAt)).Scan(&t.ID); err != nil {
				return err
			}
			if _, err := audit.Append(ctx, tx, audit.Change{Action: "open", EntityType: "retraining_task", EntityID: t.ID, After: t}); err != nil {
				return err
			}
			if err := hook("retraining.opened", nil, t); err != nil {
				return err
			}
		}
		if len(ev.Opened)+len(ev.Resolved)+len(ev.Reopened)+len(ev.Corrected) > 0 {
			after := map[string]any{"opened": ev.Opened, "resolved": ev.Resolved}
			if len(ev.Reopened) > 0 {
				after["reopened"] = ev.Reopened
			}
			if len(ev.Corrected) > 0 {
				after["corrected"] = ev.Corrected
			}
			if _, err := audit.Append(ctx, tx, audit.Change{Action: "alerts", EntityType: "monitor", EntityID: monitorID,
				After: after}); err != nil {
				return err
			}
		}
		if to.After(m.EvaluatedTo) {
			_, err = tx.ExecContext(ctx, `UPDATE monitors SET evaluated_to = ? WHERE id = ?`, sqldb.FormatTime(to), monitorID)
		}
		return err
	})
	return wrap("save evaluation", err)
}

// finiteMetrics drops undefined (NaN or infinite) metrics, which JSON cannot
// carry; a missing metric means undefined for the window.
func finiteMetrics(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[k] = v
		}
	}
	return out
}

// taskFigures are metrics as a retraining task reads them, from a card
// or a window: the finite ones, a quality metric (QualityMetrics) given in
// other letter case — "AUC", "Accuracy", as people write them on a card —
// under the name the task's before figures have, unless the card gives
// that name too (then its own figure counts). Without it such a card was
// taken for one without the task's metrics: the task stayed open,
// awaiting metrics the card seemed to hold.
func taskFigures(m map[string]float64) map[string]float64 {
	out := finiteMetrics(m)
	for _, k := range slices.Sorted(maps.Keys(out)) {
		lower := strings.ToLower(k)
		if lower == k || !slices.Contains(QualityMetrics, lower) {
			continue
		}
		if _, ok := out[lower]; !ok {
			out[lower] = out[k]
		}
		delete(out, k)
	}
	return out
}

// closeRetrainingTasks settles a model's open retraining tasks when
// version v of it goes into production (a task opened on v itself is
// left open: the version that decayed going live again fixes nothing). A
// task closes with v's card metrics as the after figures when the card
// holds the task's metrics (taskMetricsIn); otherwise it stays open,
// awaiting metrics from v (new_version set, no after figures), and
// closes when they arrive: v's card edited with them, or the first
// window of a monitor of v, starting once v is live, that computes them
// (settleRetrainingTasks).
func closeRetrainingTasks(ctx context.Context, tx *sqldb.Tx, v *lodestar.ModelVersion) error {
	tasks, err := openTasks(ctx, tx, `model_id = ? AND status = ? AND version <> ?`, v.ModelID, lodestar.TaskOpen, v.Version)
	if err != nil {
		return err
	}
	metrics := taskFigures(v.Card.EvaluationMetrics)
	for _, t := range tasks {
		if taskMetricsIn(t, metrics) {
			err = closeTask(ctx, tx, t, v.Version, metrics)
		} else if t.NewVersion != v.Version {
			before := *t
			var open bool
			if open, err = updateOpenTask(ctx, tx, t.ID, `new_version = ?, after_metrics = ''`, v.Version); err != nil || !open {
				return err
			}
			t.NewVersion, t.After = v.Version, nil
			_, err = audit.Append(ctx, tx, audit.Change{Action: "await_metrics", EntityType: "retraining_task", EntityID: t.ID, Before: before, After: t})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// releaseRetrainingTasks clears the version that model tasks await
// metrics from when v leaves production (retired, or back to
// development): they no longer await it — no version of theirs is live —
// and stay open, as before one went live, until the next one does.
func releaseRetrainingTasks(ctx context.Context, tx *sqldb.Tx, v *lodestar.ModelVersion) error {
	tasks, err := openTasks(ctx, tx, `model_id = ? AND status = ? AND new_version = ?`, v.ModelID, lodestar.TaskOpen, v.Version)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		before := *t
		if open, err := updateOpenTask(ctx, tx, t.ID, `new_version = '', after_metrics = ''`); err != nil {
			return err
		} else if !open {
			continue
		}
		t.NewVersion, t.After = "", nil
		if _, err := audit.Append(ctx, tx, audit.Change{Action: "stop_awaiting", EntityType: "retraining_task", EntityID: t.ID, Before: before, After: t}); err != nil {
			return err
		}
	}
	return nil
}

// settleRetrainingTasks closes the model's tasks awaiting metrics from
// version (see closeRetrainingTasks) with metrics — the version's card
// (windowStart zero), or a window of its monitor starting at windowStart
// — when they hold the task's metrics and the version is still in
// production. A window is the version's figures after the retraining
// only if it starts once the version is live (liveSince): one recomputed
// for a time before (late labels, an evaluation from an earlier date)
// measured the version before it served, and closes nothing.
func settleRetrainingTasks(ctx context.Context, tx *sqldb.Tx, modelID int64, version string, metrics map[string]float64, windowStart time.Time) error {
	metrics = taskFigures(metrics)
	if len(metrics) == 0 {
		return nil
	}
	tasks, err := openTasks(ctx, tx, `model_id = ? AND status = ? AND new_version = ? AND version <> ?`, modelID, lodestar.TaskOpen, version, version)
	if err != nil || len(tasks) == 0 {
		return err
	}
	var versionID int64
	var status string
	var updated time.Time
	if err := tx.QueryRowContext(ctx, `SELECT id, status, updated_at FROM model_versions WHERE model_id = ? AND version = ?`, modelID, version).
		Scan(&versionID, &status, sqldb.Time{T: &updated}); err != nil {
		return err
	}
	if status != lodestar.ModelProduction {
		return nil
	}
	if !windowStart.IsZero() {
		since, err := liveSince(ctx, tx, versionID, updated)
		if err != nil {
			return err
		}
		if windowStart.Before(since) {
			return nil
		}
	}
	for _, t := range tasks {
		if taskMetricsIn(t, metrics) {
			if err := closeTask(ctx, tx, t, version, metrics); err != nil {
				return err
			}
		}
	}
	return nil
}

// liveSince returns when a version in production last went into
// production: the time of its latest status change, as the audit log
// records it (the version's set_status entry, to production). Should the
// log hold no such entry, its row's last change (updated): no earlier
// than that, so a window is never taken for after figures too soon.
func liveSince(ctx context.Context, tx *sqldb.Tx, versionID int64, updated time.Time) (time.Time, error) {
	var at time.Time
	var after string
	switch err := tx.QueryRowContext(ctx, `SELECT at, after_json FROM audit_log
		WHERE entity_type = 'model_version' AND entity_id = ? AND action = 'set_status' ORDER BY seq DESC LIMIT 1`,
		strconv.FormatInt(versionID, 10)).Scan(sqldb.Time{T: &at}, &after); {
	case isNoRows(err):
		return updated, nil
	case err != nil:
		return time.Time{}, err
	}
	var v struct {
		Status string `json:"status"`
	}
	if json.Unmarshal([]byte(after), &v) != nil || v.Status != lodestar.ModelProduction {
		return updated, nil
	}
	return at, nil
}

// QualityMetrics are the metrics of a window computed from labels: a
// model's quality. A window's other figures — latency, the positive rate
// and mean score (from predictions alone), the data-quality and fairness
// summaries — are there without labels and say nothing of it.
var QualityMetrics = []string{"accuracy", "precision", "recall", "f1", "auc", "log_loss", "mae", "rmse"}

// taskMetricsIn reports whether metrics can stand as a task's after
// figures: they hold one of the quality metrics (QualityMetrics) the task
// opened with, or, for a task opened without any (on drift alone, by a
// monitor without labels), any metric. For a task opened with quality
// figures, a new version's window evaluated before its labels came, or a
// card with latency alone, has none of those the retraining is judged on,
// and closes nothing; a task opened on drift alone had no quality figures
// to judge by, so any figures of the new version close it.
func taskMetricsIn(t *lodestar.RetrainingTask, metrics map[string]float64) bool {
	quality := false
	for k := range t.Before {
		if !slices.Contains(QualityMetrics, k) {
			continue
		}
		quality = true
		if _, ok := metrics[k]; ok {
			return true
		}
	}
	return !quality && len(metrics) > 0
}

// openTasks reads the retraining tasks matching where.
func openTasks(ctx context.Context, tx *sqldb.Tx, where string, args ...any) ([]*lodestar.RetrainingTask, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+taskColumns+` FROM retraining_tasks WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*lodestar.RetrainingTask
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// withdrawRetrainingTasks withdraws the monitor's open retraining tasks
// opened after since, audited: a recomputation from since found no decay
// in the windows that had opened them.
func withdrawRetrainingTasks(ctx context.Context, tx *sqldb.Tx, monitorID int64, since time.Time, announce func(*lodestar.RetrainingTask) error) error {
	tasks, err := openTasks(ctx, tx, `monitor_id = ? AND status = ? AND opened_at > ?`, monitorID, lodestar.TaskOpen, sqldb.FormatTime(since))
	if err != nil {
		return err
	}
	for _, t := range tasks {
		before := *t
		if open, err := updateOpenTask(ctx, tx, t.ID, `status = ?, closed_at = ?`, lodestar.TaskWithdrawn, sqldb.FormatTime(tx.Now)); err != nil {
			return err
		} else if !open {
			continue
		}
		t.Status, t.ClosedAt = lodestar.TaskWithdrawn, tx.Now
		if _, err := audit.Append(ctx, tx, audit.Change{Action: "withdraw", EntityType: "retraining_task", EntityID: t.ID, Before: before, After: t}); err != nil {
			return err
		}
		if err := announce(t); err != nil {
			return err
		}
	}
	return nil
}

// updateOpenTask sets a retraining task's columns (set, with args) only
// while it is open, and says whether it was. The open tasks a change acts
// on are read without a lock: on PostgreSQL a card edit, a window's save
// and a recomputation may each have read one open; the second to write
// waits for the first's row lock, then finds it closed or withdrawn and
// leaves it (one change, one audit entry; never a withdrawn task holding
// a close's figures).
func updateOpenTask(ctx context.Context, tx *sqldb.Tx, id int64, set string, args ...any) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE retraining_tasks SET `+set+` WHERE id = ? AND status = ?`, append(args, id, lodestar.TaskOpen)...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// closeTask closes t with version's metrics as its after figures, audited.
func closeTask(ctx context.Context, tx *sqldb.Tx, t *lodestar.RetrainingTask, version string, metrics map[string]float64) error {
	after, err := json.Marshal(metrics)
	if err != nil {
		return err
	}
	before := *t
	open, err := updateOpenTask(ctx, tx, t.ID, `status = ?, after_metrics = ?, new_version = ?, closed_at = ?`,
		lodestar.TaskClosed, string(after), version, sqldb.FormatTime(tx.Now))
	if err != nil || !open {
		return err
	}
	t.Status, t.After, t.NewVersion, t.ClosedAt = lodestar.TaskClosed, metrics, version, tx.Now
	_, err = audit.Append(ctx, tx, audit.Change{Action: "close", EntityType: "retraining_task", EntityID: t.ID, Before: before, After: t})
	return err
}

// alertsUnchanged reports whether the monitor's alerts an evaluation was
// decided on (ev.Seen: its open ones and, with ev.Replace, those resolved
// at or after it) are as they were read.
func alertsUnchanged(ctx context.Context, tx *sqldb.Tx, monitorID int64, ev *lodestar.Evaluation) (bool, error) {
	q, args := alertSelect+` WHERE a.monitor_id = ? AND a.status = ?`, []any{monitorID, lodestar.AlertOpen}
	if ev.Replace != nil {
		q += ` OR a.monitor_id = ? AND a.status = ? AND a.resolved_at >= ?`
		args = append(args, monitorID, lodestar.AlertResolved, sqldb.FormatTime(*ev.Replace))
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	key := func(a *lodestar.Alert) string {
		return fmt.Sprintf("%d %s %s %s %s", a.ID, a.Status, sqldb.FormatTime(a.OpenedAt), sqldb.FormatTime(a.ResolvedAt), a.Resolution)
	}
	seen := map[string]bool{}
	for _, a := range ev.Seen {
		seen[key(a)] = true
	}
	n := 0
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return false, err
		}
		if !seen[key(a)] {
			return false, nil
		}
		n++
	}
	return n == len(seen), rows.Err()
}

// resolveRetiredAlerts resolves the open alerts of a version being
// retired: it serves no predictions any more, so no window would ever
// resolve them, and they would stay open on every list for good. Each is
// audited and, for a monitor with a webhook, announced as resolved.
func resolveRetiredAlerts(ctx context.Context, tx *sqldb.Tx, v *lodestar.ModelVersion) error {
	alerts, err := func() ([]openAlert, error) {
		rows, err := tx.QueryContext(ctx, `SELECT `+prefixed("a.", alertColumns)+`, m.config, md.key FROM alerts a
			JOIN monitors m ON m.id = a.monitor_id JOIN models md ON md.id = m.model_id
			WHERE m.model_id = ? AND m.version = ? AND a.status = ? ORDER BY a.id`, v.ModelID, v.Version, lodestar.AlertOpen)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []openAlert
		for rows.Next() {
			o := openAlert{version: v.Version}
			o.a = &lodestar.Alert{Version: v.Version}
			a := o.a
			if err := rows.Scan(append(alertFields(a), &o.url, &o.model)...); err != nil {
				return nil, err
			}
			var c monitorConfig // o.url held the monitor's config until here
			if err := json.Unmarshal([]byte(o.url), &c); err != nil {
				return nil, fmt.Errorf("monitor %d config: %w", a.MonitorID, err)
			}
			o.url = c.WebhookURL
			out = append(out, o)
		}
		return out, rows.Err()
	}()
	if err != nil {
		return err
	}
	return resolveOpen(ctx, tx, alerts, lodestar.ResolutionRetired)
}

// openAlert is an open alert to resolve, with its monitor's webhook
// address and its model's key, to announce it.
type openAlert struct {
	a                   *lodestar.Alert
	url, model, version string
}

// resolveOpen resolves open alerts now, for resolution: each is audited
// and, for a monitor with a webhook, announced as resolved.
func resolveOpen(ctx context.Context, tx *sqldb.Tx, alerts []openAlert, resolution string) error {
	for _, o := range alerts {
		before := *o.a
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET status = ?, resolved_at = ?, resolution = ? WHERE id = ?`,
			lodestar.AlertResolved, sqldb.FormatTime(tx.Now), resolution, o.a.ID); err != nil {
			return err
		}
		o.a.Status, o.a.ResolvedAt, o.a.Resolution = lodestar.AlertResolved, tx.Now, resolution
		if _, err := audit.Append(ctx, tx, audit.Change{Action: "resolve", EntityType: "alert", EntityID: o.a.ID, Before: before, After: o.a}); err != nil {
			return err
		}
		if o.url == "" {
			continue
		}
		p, err := json.Marshal(webhookPayload{Event: "alert.resolved", Model: o.model, Version: o.version, Monitor: o.a.MonitorID, Alert: o.a, OccurredAt: tx.Now, SentAt: tx.Now})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_outbox (url, payload, next_attempt_at) VALUES (?, ?, ?)`,
			o.url, string(p), sqldb.FormatTime(tx.Now)); err != nil {
			return err
		}
	}
	return nil
}

// Webhook is one pending webhook delivery.
type Webhook struct {
	ID       int64
	URL      string
	Payload  []byte
	Attempts int
	// Due is when it was due before it was claimed: ReleaseWebhooks makes
	// it due then again.
	Due time.Time
}

// ClaimWebhooks returns deliveries due by now, oldest first, and claims
// them until until: another deliverer (another replica's loop) does not
// see them until then, by which time this one has marked each delivered
// or due again (MarkWebhook); one it never marks (it crashed) is tried
// again after until.
func (s *Store) ClaimWebhooks(ctx context.Context, now, until time.Time, limit int) ([]Webhook, error) {
	var out []Webhook
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, `SELECT id, url, payload, attempts, next_attempt_at FROM webhook_outbox WHERE delivered_at = '' AND attempts < ? AND next_attempt_at <= ? ORDER BY id LIMIT `+strconv.Itoa(limit),
			MaxWebhookAttempts, sqldb.FormatTime(now))
		if err != nil {
			return err
		}
		var due []Webhook
		for rows.Next() {
			var w Webhook
			var p string
			if err := rows.Scan(&w.ID, &w.URL, &p, &w.Attempts, sqldb.Time{T: &w.Due}); err != nil {
				rows.Close()
				return err
			}
			w.Payload = []byte(p)
			due = append(due, w)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, w := range due {
			// Claimed only if still due: on PostgreSQL a deliverer that
			// claimed it first has moved next_attempt_at past now.
			res, err := tx.ExecContext(ctx, `UPDATE webhook_outbox SET next_attempt_at = ? WHERE id = ? AND delivered_at = '' AND next_attempt_at <= ?`,
				sqldb.FormatTime(until), w.ID, sqldb.FormatTime(now))
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				out = append(out, w)
			}
		}
		return nil
	})
	return out, wrap("claim webhooks", err)
}

// ReleaseWebhooks gives back claims ClaimWebhooks made until until, of
// deliveries that were not sent (their deliverer is stopping): each is
// due again at once, at the time it was due before the claim, rather
// than when the claim would lapse. Only a delivery still under that very
// claim is released — not delivered, not tried since (attempts as
// claimed), next_attempt_at still until —, so that a delivery marked
// meanwhile, or claimed again by another deliverer once this claim had
// lapsed, is left as it is. It returns how many were released.
func (s *Store) ReleaseWebhooks(ctx context.Context, claimed []Webhook, until time.Time) (int, error) {
	n := 0
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		n = 0
		for _, w := range claimed {
			res, err := tx.ExecContext(ctx, `UPDATE webhook_outbox SET next_attempt_at = ?
				WHERE id = ? AND delivered_at = '' AND attempts = ? AND next_attempt_at = ?`,
				sqldb.FormatTime(w.Due), w.ID, w.Attempts, sqldb.FormatTime(until))
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += int(k)
		}
		return nil
	})
	if err != nil {
		return 0, wrap("release webhooks", err)
	}
	return n, nil
}

// MaxWebhookAttempts is how often a delivery is tried before it is given up.
const MaxWebhookAttempts = 10

// MarkWebhook records an attempt: delivered, or failed with the error and
// the time of the next attempt.
func (s *Store) MarkWebhook(ctx context.Context, id int64, delivered bool, errText string, next time.Time) error {
	return wrap("mark webhook", s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		var err error
		if delivered {
			_, err = tx.ExecContext(ctx, `UPDATE webhook_outbox SET attempts = attempts + 1, delivered_at = ?, last_error = '' WHERE id = ?`, sqldb.FormatTime(tx.Now), id)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE webhook_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?`, errText, sqldb.FormatTime(next), id)
		}
		return err
	}))
}

// BoundDriftDistances brings monitors saved before the drift distance
// threshold was bounded into the range every monitor is now checked
// against. That one threshold serves both the Wasserstein distance and the
// Jensen–Shannon distance, which in natural log never exceeds √ln 2 ≈
// 0.8326, so checkMonitor refuses more; a monitor saved when up to 1 was
// accepted can hold more, which no categorical feature can ever reach (its
// drift silently never flagged) and which the API refuses when the
// monitor's settings are sent again (a copy for the next version). Each
// such threshold is lowered to the bound — the least change that makes
// the monitor valid; its Wasserstein threshold moves as little — in one
// transaction, with an audit entry per monitor holding the value before,
// the value after and why. It returns how many monitors it changed; run
// again, it changes none. serve runs it at start.
func (s *Store) BoundDriftDistances(ctx context.Context) (int, error) {
	n := 0
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		n = 0
		type row struct {
			id  int64
			raw string // the config as read: the update is made only on it
			cfg monitorConfig
		}
		var over []row
		rows, err := tx.QueryContext(ctx, `SELECT id, config FROM monitors WHERE config LIKE '%"drift_distance"%' ORDER BY id`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r row
			var cfg string
			if err := rows.Scan(&r.id, &cfg); err != nil {
				rows.Close()
				return err
			}
			r.raw = cfg
			if err := json.Unmarshal([]byte(cfg), &r.cfg); err != nil {
				rows.Close()
				return fmt.Errorf("monitor %d config: %w", r.id, err)
			}
			if r.cfg.Thresholds.DriftDistance > monitor.JensenShannonMax {
				over = append(over, r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range over {
			before := r.cfg.Thresholds
			r.cfg.Thresholds.DriftDistance = monitor.JensenShannonMax
			cfg, err := json.Marshal(r.cfg)
			if err != nil {
				return err
			}
			// On the config as read: a replica starting at the same moment
			// that lowered it first leaves this one nothing to change, and
			// nothing to audit twice.
			res, err := tx.ExecContext(ctx, `UPDATE monitors SET config = ?, updated_at = ? WHERE id = ? AND config = ?`,
				string(cfg), sqldb.FormatTime(tx.Now), r.id, r.raw)
			if err != nil {
				return err
			}
			if k, err := res.RowsAffected(); err != nil {
				return err
			} else if k == 0 {
				continue
			}
			n++
			note := fmt.Sprintf("drift_distance %g is above √ln 2 ≈ 0.8326, the largest Jensen–Shannon distance (natural log), which the same threshold serves: lowered to that bound, the most a monitor may now hold (saved when up to 1 was accepted)", before.DriftDistance)
			if _, err := audit.Append(ctx, tx, audit.Change{Action: "update", EntityType: "monitor", EntityID: r.id,
				Before: map[string]any{"thresholds": before},
				After:  map[string]any{"thresholds": r.cfg.Thresholds, "note": note}}); err != nil {
				return err
			}
		}
		return nil
	})
	return n, wrap("bound drift distances", err)
}
