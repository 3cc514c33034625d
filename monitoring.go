package lodestar

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"time"
)

// Ingestion limits, documented in the API: a batch is at most this many
// lines and this many bytes.
const (
	MaxIngestLines = 10000
	MaxIngestBytes = 8 << 20
)

// IngestResult is the answer to a batch of prediction events: valid lines
// are stored (Accepted new ones, Duplicates already known by event ID and
// counted once), invalid ones reported by line.
type IngestResult struct {
	Accepted   int         `json:"accepted"`
	Duplicates int         `json:"duplicates"`
	Rejected   []LineError `json:"rejected"`
	// Unregistered lists the versions of the batch's valid events that
	// the model has not registered, each with how many of them (new or
	// duplicate) carry it and the latest one's time. They are stored, but
	// no monitor reads them until a version of that name is registered.
	Unregistered []VersionEvents `json:"unregistered_versions"`
	// Retired lists, in the same way, the versions of the batch's valid
	// events that the model has retired: they are stored, but a retired
	// version's monitors are not evaluated, so no monitor reads them.
	Retired []VersionEvents `json:"retired_versions"`
}

// VersionEvents is how many of a model's events carry one version
// string, and when the latest of them happened.
type VersionEvents struct {
	Version     string    `json:"version"`
	Events      int64     `json:"events"`
	LastEventAt time.Time `json:"last_event_at"`
}

// LabelResult is the answer to a batch of late labels.
type LabelResult struct {
	Updated  int         `json:"updated"`
	Unknown  []LineError `json:"unknown"`
	Rejected []LineError `json:"rejected"`
}

// StoredEvent is one prediction event as kept: its identity and time in
// columns, the validated line as sent in Body, and the label attached
// later (or sent with the event) as JSON in Label (empty: none yet).
type StoredEvent struct {
	ID      string
	Time    time.Time
	Version string
	Body    []byte
	Label   []byte
	// Line is the event's line in the batch it came in (ingestion only:
	// not stored, 0 when read back).
	Line int
}

// EventLabel attaches a label to an event by its ID.
type EventLabel struct {
	ID    string
	Label []byte // JSON: a number or a string
}

// EventService stores prediction events and their labels.
type EventService interface {
	// FindModelByRef finds a model by key, or by numeric ID when no model
	// has that key.
	FindModelByRef(ctx context.Context, ref string) (*Model, error)
	// AppendEvents stores events in one transaction, skipping IDs already
	// stored; it returns how many were new. It returns only once the
	// transaction is committed.
	AppendEvents(ctx context.Context, modelID int64, events []StoredEvent) (int, error)
	// StoreEvents is AppendEvents that also returns the indexes in events
	// (in order) of the events refused because their ID is taken by an
	// event with other content: one stored already, or an earlier one of
	// the batch. An identical repeat is a duplicate, not a conflict.
	StoreEvents(ctx context.Context, modelID int64, events []StoredEvent) (accepted int, conflicts []int, err error)
	// AttachLabels sets labels by event ID in one transaction and returns
	// the IDs that are unknown.
	AttachLabels(ctx context.Context, modelID int64, labels []EventLabel) (unknown []string, err error)
	// ScanEvents calls fn for each event of a model in [from, to) in time
	// order, optionally of one version ("" for all). The event's Body and
	// Label are valid only until fn returns: their memory is reused for the
	// events after, so fn copies what it keeps of them (bytes.Clone). Its
	// ID, Time and Version may be kept.
	ScanEvents(ctx context.Context, modelID int64, version string, from, to time.Time, fn func(StoredEvent) error) error
	// CountEvents counts a model's stored events.
	CountEvents(ctx context.Context, modelID int64) (int64, error)
	// EventVersions returns the versions of the model's stored events
	// among ids, by ID; an ID with no event is not in it.
	EventVersions(ctx context.Context, modelID int64, ids []string) (map[string]string, error)
	// FilterUnregistered returns those of versions that the model has no
	// registered version of that name for, in the order given.
	FilterUnregistered(ctx context.Context, modelID int64, versions []string) ([]string, error)
	// UnregisteredEventVersions lists the version strings of a model's
	// stored events that are not registered versions of the model, with
	// their events' count and latest time, the most recent first.
	UnregisteredEventVersions(ctx context.Context, modelID int64) ([]VersionEvents, error)
	// DeleteEventsBefore deletes a model's events older than before.
	DeleteEventsBefore(ctx context.Context, modelID int64, before time.Time) (int64, error)
}

// Monitor windows.
const (
	WindowHour = "hour"
	WindowDay  = "day"
	// WindowEvents is written "events:N": a window every N events.
	WindowEvents = "events"
)

// Monitor reference kinds.
const (
	ReferenceDataset = "dataset" // an uploaded CSV or Parquet file
	ReferenceEvents  = "events"  // the model's own events in a time range
)

// MonitorThresholds decide when a window breaches. A zero field is off,
// except drift, which is judged with the drift engine's defaults (PSI
// 0.1/0.25, p < 0.05, distances ≥ 0.1, half the features) unless
// overridden.
type MonitorThresholds struct {
	MinAccuracy     float64 `json:"min_accuracy,omitempty"`       // accuracy below this breaches (0: off)
	MaxLatencyP95MS float64 `json:"max_latency_p95_ms,omitempty"` // p95 latency above this breaches (0: off)
	MinEvents       int64   `json:"min_events,omitempty"`         // fewer events in a window breaches (0: off)
	MaxEvents       int64   `json:"max_events,omitempty"`         // more events in a window breaches (0: off)
	Drift           bool    `json:"drift"`                        // dataset drift breaches
	DriftPValue     float64 `json:"drift_p_value,omitempty"`
	DriftPSI        float64 `json:"drift_psi,omitempty"`
	DriftDistance   float64 `json:"drift_distance,omitempty"`
	DriftShare      float64 `json:"drift_share,omitempty"`
	// DriftNumericTest and DriftCategoricalTest choose the test that
	// decides each feature's drift: "" or "auto" (Evidently's rule: the
	// p-value tests, KS and chi-square, with a reference of at most 1,000
	// values, else the distances, Wasserstein and Jensen–Shannon), or one
	// of ks, wasserstein, psi and chi2, jensenshannon, psi. Small windows
	// against a large reference are better judged by ks (see README).
	DriftNumericTest     string `json:"drift_numeric_test,omitempty"`
	DriftCategoricalTest string `json:"drift_categorical_test,omitempty"`
	// Fairness breaches a window when, over the values of a group
	// attribute with at least FairnessMinGroup events, the smallest
	// impact ratio is below FairnessMinImpactRatio, or the
	// equal-opportunity difference (labelled events) is above
	// FairnessMaxEqualOpportunity. Binary classifiers with group
	// attributes only.
	Fairness bool `json:"fairness"`
	// FairnessMinImpactRatio: 0 means 0.8, the four-fifths rule.
	FairnessMinImpactRatio float64 `json:"fairness_min_impact_ratio,omitempty"`
	// FairnessMaxEqualOpportunity: the largest TPR gap tolerated (0: not judged).
	FairnessMaxEqualOpportunity float64 `json:"fairness_max_equal_opportunity,omitempty"`
	// FairnessMinGroup is how many events a group value needs in a window
	// to decide (0: 30); smaller ones are reported only.
	FairnessMinGroup int64 `json:"fairness_min_group,omitempty"`
	// FairnessFavourable is the favourable prediction, "positive" (the
	// default: approved, hired) or "negative" (the positive prediction is
	// adverse: a high-risk or fraud flag), as in a fairness audit.
	FairnessFavourable string `json:"fairness_favourable,omitempty"`

	// DataQuality breaches a window when a feature with at least
	// QualityMinEvents events in it has a missing share above the
	// reference's by more than QualityMaxMissingIncrease, a numeric one
	// more than QualityMaxOutOfRange of its values outside the reference's
	// range, or a categorical one more than QualityMaxNewValues of its
	// values that the reference never had. A share's 0 means
	// DefaultQualityShare; 1 turns that check off.
	DataQuality               bool    `json:"data_quality"`
	QualityMaxMissingIncrease float64 `json:"quality_max_missing_increase,omitempty"`
	QualityMaxOutOfRange      float64 `json:"quality_max_out_of_range,omitempty"`
	QualityMaxNewValues       float64 `json:"quality_max_new_values,omitempty"`
	QualityMinEvents          int64   `json:"quality_min_events,omitempty"` // 0: 30
}

// Watches reports whether the thresholds judge alerts of kind (accuracy,
// latency, volume, drift, fairness, data_quality) at all: a kind whose
// threshold is off never opens an alert, nor resolves one.
func (t MonitorThresholds) Watches(kind string) bool {
	switch kind {
	case "accuracy":
		return t.MinAccuracy > 0
	case "latency":
		return t.MaxLatencyP95MS > 0
	case "volume":
		return t.MinEvents > 0 || t.MaxEvents > 0
	case "drift":
		return t.Drift
	case "fairness":
		return t.Fairness
	case "data_quality":
		return t.DataQuality
	}
	return false
}

// QualityCheck is one data-quality check of a feature in a window: its
// name (missing, range or new), the figure held against its threshold
// (for missing, the rise of the missing share over the reference's) and
// the threshold; it breaches when Value > Limit.
type QualityCheck struct {
	Name         string
	Value, Limit float64
}

// QualityChecks returns the checks a feature's quality can be judged by:
// none when it does not decide, and only those whose figures are defined.
func (t MonitorThresholds) QualityChecks(q FeatureQuality) []QualityCheck {
	if !q.Decides {
		return nil
	}
	maxMiss, maxRange, maxNew := t.QualityLimits()
	var out []QualityCheck
	if q.MissingShare != nil && q.ReferenceMissingShare != nil {
		out = append(out, QualityCheck{"missing", *q.MissingShare - *q.ReferenceMissingShare, maxMiss})
	}
	if q.OutOfRangeShare != nil {
		out = append(out, QualityCheck{"range", *q.OutOfRangeShare, maxRange})
	}
	if q.NewValueShare != nil {
		out = append(out, QualityCheck{"new", *q.NewValueShare, maxNew})
	}
	return out
}

// DefaultQualityShare is each data-quality threshold unless the monitor
// sets another: 5 points more missing values than the reference, 5% of
// values outside its range or new to it.
const DefaultQualityShare = 0.05

// QualityLimits returns the monitor's data-quality thresholds with the
// defaults filled in: the missing-share increase, the out-of-range share
// and the new-value share.
func (t MonitorThresholds) QualityLimits() (missing, outOfRange, newValues float64) {
	def := func(v float64) float64 {
		if v == 0 {
			return DefaultQualityShare
		}
		return v
	}
	return def(t.QualityMaxMissingIncrease), def(t.QualityMaxOutOfRange), def(t.QualityMaxNewValues)
}

// DefaultFairnessMinImpactRatio is the impact ratio below which a window
// breaches fairness unless the monitor sets another: the four-fifths rule.
const DefaultFairnessMinImpactRatio = 0.8

// MonitorReference says what a monitor compares windows with.
type MonitorReference struct {
	Kind     string    `json:"kind"`
	From     time.Time `json:"from,omitzero"` // events: the range
	To       time.Time `json:"to,omitzero"`
	FileName string    `json:"file_name,omitempty"` // dataset: what was uploaded
	Format   string    `json:"format,omitempty"`    // csv or parquet
	Rows     int64     `json:"rows,omitempty"`
	SHA256   string    `json:"sha256,omitempty"`
	// Unreadable counts a dataset's rows the reference leaves out (a
	// numeric feature's cell that is not a number), and UnreadableReason
	// is the first one's reason: counted when the monitor is made, as a
	// dataset none of whose rows can be read is refused.
	Unreadable       int64  `json:"unreadable,omitempty"`
	UnreadableReason string `json:"unreadable_reason,omitempty"`
	// FeaturesLeftOut counts the features of an event range's events
	// that the monitor does not follow when its features were taken from
	// them (a name blank or longer than MaxTitle characters, beyond the
	// first 1,000 of a kind), and FeaturesLeftOutWhy says which, one
	// reason a line (English, as UnreadableReason): the monitor is made
	// with the others.
	FeaturesLeftOut    int64    `json:"features_left_out,omitempty"`
	FeaturesLeftOutWhy []string `json:"features_left_out_why,omitempty"`
	// FeaturesLeftOutReasons are the same reasons for a program: each a
	// stable code with its figures beside the English line (absent on a
	// monitor made before they were recorded, whose lines alone say why).
	FeaturesLeftOutReasons []FeatureLeftOut `json:"features_left_out_reasons,omitempty"`
}

// Codes of FeatureLeftOut: why a monitor does not follow some features of
// its reference events.
const (
	// LeftOutName: a name blank or longer than Limit characters.
	LeftOutName = "name_blank_or_too_long"
	// LeftOutNumeric, LeftOutCategorical: beyond the first Limit features
	// of the kind.
	LeftOutNumeric     = "beyond_numeric_limit"
	LeftOutCategorical = "beyond_categorical_limit"
	// LeftOutNames: beyond the first Limit names seen.
	LeftOutNames = "beyond_names_seen_limit"
)

// FeatureLeftOut is one reason features of a monitor's reference events
// were left out: Count of them, by the rule Code names, whose number is
// Limit. First is the first name left out by LeftOutName (cut to 40
// characters, "…" added), and Message the reason in English, as
// FeaturesLeftOutWhy has it.
type FeatureLeftOut struct {
	Code    string  `json:"code"`
	Count   int64   `json:"count"`
	Limit   int     `json:"limit"`
	First   *string `json:"first,omitempty"`
	Message string  `json:"message"`
}

// Monitor watches one version of a model: it cuts its events into windows,
// computes quality, latency, volume and drift against a reference, raises
// alerts on breaches and opens a retraining task on sustained decay.
type Monitor struct {
	ID      int64  `json:"id"`
	ModelID int64  `json:"model_id"`
	Version string `json:"version"`
	Name    string `json:"name"`
	// Task is binary (the prediction is a score), multiclass (a class
	// name) or regression (a value).
	Task      string   `json:"task"`
	Threshold float64  `json:"threshold,omitempty"` // binary: score ≥ threshold predicts 1 (0: 0.5)
	Classes   []string `json:"classes,omitempty"`   // multiclass
	// Features by kind; taken from the reference when not given.
	Numeric     []string `json:"numeric"`
	Categorical []string `json:"categorical"`
	Groups      []string `json:"groups"`
	// Exclude names columns of a reference dataset that are not features
	// (the label, an ID) when the features are taken from it. It is read
	// when the monitor is made; the features are what is kept.
	Exclude    []string          `json:"-"`
	Window     string            `json:"window"`
	Reference  MonitorReference  `json:"reference"`
	Thresholds MonitorThresholds `json:"thresholds"`
	// RetrainAfter is how many breached windows in a row of accuracy or
	// drift open a retraining task (0: never).
	RetrainAfter int `json:"retrain_after"`
	// AlertAfter is how many breaching windows in a row open an alert, and
	// ResolveAfter how many good ones in a row resolve it (0 means 1): a
	// metric hovering at its threshold does not flap.
	AlertAfter   int `json:"alert_after"`
	ResolveAfter int `json:"resolve_after"`
	// RemindAfter is how many hours after an open alert was last announced
	// to the webhook, nobody having acknowledged it, it is announced again
	// (alert.reminder), and again every as many hours until it is
	// acknowledged or resolved; 0 (the default) never, at most
	// MaxRemindAfter. A paused monitor's alerts are not reminded of.
	RemindAfter int `json:"remind_after"`
	// WebhookURL is where alerts are POSTed. Its path and query often hold
	// the receiver's secret: JSON (responses, the audit log) shows only
	// its scheme and host (RedactURL).
	WebhookURL string `json:"webhook_url,omitempty"`
	// EvaluatedTo is the end of the last window evaluated.
	EvaluatedTo time.Time `json:"evaluated_to,omitzero"`
	// PausedAt, PausedBy and PauseReason say who paused the monitor, when
	// and why (PauseMonitor); zero while it runs. A paused monitor is not
	// evaluated; resumed, it evaluates the windows it missed.
	PausedAt    time.Time `json:"paused_at,omitzero"`
	PausedBy    string    `json:"paused_by,omitempty"`
	PauseReason string    `json:"pause_reason,omitempty"`
	// RelabeledFrom is the earliest time of an event of the monitor's
	// version whose label was written since its last evaluation (zero:
	// none; a retired version's monitor is not marked), and
	// RelabelMark counts label writes: the loop recomputes the windows
	// from RelabeledFrom (late labels), then clears it unless another
	// label came meanwhile. Internal bookkeeping, not shown.
	RelabeledFrom time.Time `json:"-"`
	RelabelMark   int64     `json:"-"`
	// VersionStatus is its model version's status (development,
	// staging, production, retired), as read with the monitor: a retired
	// version's monitors are not evaluated. "" when the version is not
	// registered.
	VersionStatus string    `json:"version_status,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	// UpdatedAt is when the monitor was created or its settings last
	// changed (UpdateMonitor): an edit names the one it was based on.
	UpdatedAt time.Time `json:"updated_at"`
}

// Paused reports whether the monitor is paused.
func (m *Monitor) Paused() bool { return !m.PausedAt.IsZero() }

// MonitorUpdate is an edit of a monitor's settings: each field left nil
// stays as it is. Only what judges windows may change; what they are cut
// and computed from (version, task, features, window, reference) may
// not: the stored windows would no longer mean the same.
type MonitorUpdate struct {
	Name         *string
	Thresholds   *MonitorThresholds
	AlertAfter   *int
	ResolveAfter *int
	RetrainAfter *int
	RemindAfter  *int
	// WebhookURL, when set and not empty, replaces the address; empty, or
	// the redacted address as JSON shows it (RedactURL), keeps it.
	// ClearWebhook removes it.
	WebhookURL   *string
	ClearWebhook bool
}

// MaxRemindAfter is the longest a monitor may wait to remind of an
// unacknowledged alert, in hours: 30 days.
const MaxRemindAfter = 720

// MaxPauseReason is the longest reason for pausing a monitor, in characters.
const MaxPauseReason = 1000

// WindowResult is one evaluated window of a monitor.
type WindowResult struct {
	MonitorID int64     `json:"monitor_id"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Events    int64     `json:"events"`
	Labelled  int64     `json:"labelled"`
	// Unreadable counts the version's events in the window's time range
	// that the monitor could not read (a binary score outside [0, 1], a
	// class it does not know): they are in no metric. UnreadableReason is
	// the first one's reason.
	Unreadable       int64  `json:"unreadable"`
	UnreadableReason string `json:"unreadable_reason,omitempty"`
	// Metrics: accuracy, precision, recall, f1, auc, log_loss, mae, rmse,
	// latency_p50/p95/p99 — those defined for the window.
	Metrics map[string]float64 `json:"metrics"`
	// Drift is the dataset drift verdict with its per-feature detail
	// (JSON of the drift engine's result), when a reference exists.
	Drift        json.RawMessage `json:"drift,omitempty"`
	DriftShare   float64         `json:"drift_share"`
	DatasetDrift bool            `json:"dataset_drift"`
	Breaches     []string        `json:"breaches"` // accuracy, latency, volume, drift, fairness, data_quality
	// Fairness is the window's fairness per group attribute, when the
	// monitor has group attributes and the window holds their values.
	Fairness []WindowFairness `json:"fairness,omitempty"`
	// Quality is each feature's data quality against the reference, when
	// the monitor has features.
	Quality []FeatureQuality `json:"quality,omitempty"`
}

// A window's drift verdicts, as WindowResult.DriftVerdict says them.
const (
	VerdictDrift        = "drift"
	VerdictNoDrift      = "no_drift"
	VerdictUndetermined = "undetermined"
)

// DriftVerdict says what the window's drift result found: VerdictDrift or
// VerdictNoDrift, VerdictUndetermined when no feature could be tested
// (DatasetDrift is false then, but that is no finding of no drift), and ""
// when the window has no drift result (the monitor has no reference).
func (w *WindowResult) DriftVerdict() string {
	if len(w.Drift) == 0 {
		return ""
	}
	var d struct {
		Tested int `json:"tested"`
	}
	switch {
	case json.Unmarshal(w.Drift, &d) != nil || d.Tested == 0:
		return VerdictUndetermined
	case w.DatasetDrift:
		return VerdictDrift
	}
	return VerdictNoDrift
}

// MarshalJSON writes the window with its drift verdict (drift_verdict,
// absent without a drift result), so a client need not tell an
// undetermined window from one without drift by reading drift.tested.
func (w WindowResult) MarshalJSON() ([]byte, error) {
	type plain WindowResult
	return json.Marshal(struct {
		plain
		DriftVerdict string `json:"drift_verdict,omitempty"`
	}{plain(w), w.DriftVerdict()})
}

// FeatureQuality is one feature's data quality in a window: its missing
// values against the reference's share, a numeric feature's values outside
// the reference's range, a categorical feature's values the reference
// never had (the most frequent named). Shares are null when undefined.
type FeatureQuality struct {
	Feature               string   `json:"feature"`
	Kind                  string   `json:"kind"` // numeric or categorical
	Events                int64    `json:"events"`
	Missing               int64    `json:"missing"`
	MissingShare          *float64 `json:"missing_share"`
	ReferenceMissingShare *float64 `json:"reference_missing_share"`
	// Numeric: the reference's range and the values below and above it.
	ReferenceMin    *float64 `json:"reference_min,omitempty"`
	ReferenceMax    *float64 `json:"reference_max,omitempty"`
	Below           int64    `json:"below,omitempty"`
	Above           int64    `json:"above,omitempty"`
	OutOfRangeShare *float64 `json:"out_of_range_share,omitempty"`
	// Categorical: values the reference never had.
	NewValues     int64    `json:"new_values,omitempty"`
	NewValueShare *float64 `json:"new_value_share,omitempty"`
	NewExamples   []string `json:"new_examples,omitempty"`
	// Decides: enough events for the shares to raise an alert.
	Decides bool `json:"decides"`
}

// WindowFairness is a window's fairness across the values of one group
// attribute. Figures are null when undefined; the summary ones are over
// the values that decide (at least MinGroupSize events) and need two.
type WindowFairness struct {
	Attribute    string `json:"attribute"`
	MinGroupSize int64  `json:"min_group_size"`
	// Binary: the favourable prediction, the deciding value with the
	// highest rate of it (impact ratios are against it), and the figures.
	Favourable                  string   `json:"favourable,omitempty"`
	Reference                   string   `json:"reference,omitempty"`
	MinImpactRatio              *float64 `json:"min_impact_ratio"`
	DemographicParityDifference *float64 `json:"demographic_parity_difference"`
	EqualOpportunityDifference  *float64 `json:"equal_opportunity_difference"`
	EqualizedOddsDifference     *float64 `json:"equalized_odds_difference"`
	// Multiclass: the spread of the values' accuracy; regression: of their MAE.
	AccuracyGap *float64        `json:"accuracy_gap,omitempty"`
	MAEGap      *float64        `json:"mae_gap,omitempty"`
	Groups      []GroupFairness `json:"groups"`
}

// GroupFairness is one value of a group attribute in a window.
type GroupFairness struct {
	Group    string `json:"group"`
	Events   int64  `json:"events"`
	Labelled int64  `json:"labelled"`
	// Decides: at least the minimum size of events; DecidesLabelled: of
	// labelled events (binary: with both outcomes).
	Decides         bool `json:"decides"`
	DecidesLabelled bool `json:"decides_labelled"`
	// Binary: share predicted positive and impact ratio (every event);
	// TPR, FPR and confusion counts (labelled events).
	SelectionRate *float64 `json:"selection_rate,omitempty"`
	ImpactRatio   *float64 `json:"impact_ratio,omitempty"`
	TPR           *float64 `json:"tpr,omitempty"`
	FPR           *float64 `json:"fpr,omitempty"`
	TP            int64    `json:"tp,omitempty"`
	FP            int64    `json:"fp,omitempty"`
	TN            int64    `json:"tn,omitempty"`
	FN            int64    `json:"fn,omitempty"`
	// Classification: accuracy over labelled events; regression: MAE.
	Accuracy *float64 `json:"accuracy,omitempty"`
	MAE      *float64 `json:"mae,omitempty"`
}

// Alert statuses.
const (
	AlertOpen     = "open"
	AlertResolved = "resolved"
)

// Why an alert was resolved (Alert.Resolution).
const (
	// ResolutionRecovered: windows after its breach no longer breach.
	ResolutionRecovered = "recovered"
	// ResolutionWithdrawn: windows recomputed (late or corrected labels or
	// events) show that it never breached; it is kept as history.
	ResolutionWithdrawn = "withdrawn"
	// ResolutionRetired: its model version was retired.
	ResolutionRetired = "retired"
	// ResolutionUnwatched: an edit of its monitor turned its kind's
	// threshold off, so no window would ever resolve it.
	ResolutionUnwatched = "unwatched"
)

// Alert is one breach of a monitor's threshold, raised once when a window
// first breaches and resolved when a window no longer does. Value,
// Threshold and Message are the breach's figures in its first window, the
// one OpenedAt is the start of.
type Alert struct {
	ID        int64 `json:"id"`
	MonitorID int64 `json:"monitor_id"`
	ModelID   int64 `json:"model_id"`
	// Version is the model version the alert's monitor watches: during
	// a canary two versions of one model may alert at once.
	Version    string    `json:"version"`
	Kind       string    `json:"kind"`
	Status     string    `json:"status"`
	Value      float64   `json:"value"`
	Threshold  float64   `json:"threshold"`
	Message    string    `json:"message"`
	OpenedAt   time.Time `json:"opened_at"` // start of the first breaching window
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// Resolution says why a resolved alert was resolved (Resolution*
	// constants); empty while open, and for alerts resolved before it was
	// recorded.
	Resolution string `json:"resolution,omitempty"`
	// AckedAt, AckedBy and AckNote say who took an open alert on, when,
	// and what they said (AcknowledgeAlert); zero until then.
	AckedAt time.Time `json:"acknowledged_at,omitzero"`
	AckedBy string    `json:"acknowledged_by,omitempty"`
	AckNote string    `json:"acknowledgement,omitempty"`
	// LastNotifiedAt is when the alert was last announced to its
	// monitor's webhook (or would have been, the monitor having none):
	// opened, opened again or reminded. Reminders counts the
	// alert.reminder announcements it has had.
	LastNotifiedAt time.Time `json:"last_notified_at,omitzero"`
	Reminders      int       `json:"reminders,omitempty"`
}

// MaxAckNote is the longest acknowledgement note, in characters.
const MaxAckNote = 1000

// Retraining task statuses.
const (
	TaskOpen   = "open"
	TaskClosed = "closed"
	// TaskWithdrawn is a task whose decay windows recomputed (late or
	// corrected labels) no longer show: it never had a reason to be.
	TaskWithdrawn = "withdrawn"
)

// RetrainingTask is opened on a use case when a model's quality decays
// for several windows; it keeps the metrics before, and closes with the
// metrics after when another version of the model goes into production
// with them in its card. A version going live without them leaves the
// task open, awaiting its metrics (NewVersion set, After empty), until
// its card is edited with them or its monitor's first window computes
// them.
type RetrainingTask struct {
	ID         int64              `json:"id"`
	UseCaseID  int64              `json:"use_case_id"`
	ModelID    int64              `json:"model_id"`
	MonitorID  int64              `json:"monitor_id"`
	Version    string             `json:"version"`
	Status     string             `json:"status"`
	Reason     string             `json:"reason"`
	Before     map[string]float64 `json:"before"`
	After      map[string]float64 `json:"after,omitempty"`
	NewVersion string             `json:"new_version,omitempty"`
	OpenedAt   time.Time          `json:"opened_at"`
	ClosedAt   time.Time          `json:"closed_at,omitzero"`
}

// AwaitingMetrics reports whether the task is open with a new version
// live that has not yet given the metrics it closes with.
func (t *RetrainingTask) AwaitingMetrics() bool {
	return t.Status == TaskOpen && t.NewVersion != ""
}

// Evaluation is what a monitor's evaluation produced: the windows it
// computed and the alerts and tasks it opened or resolved.
type Evaluation struct {
	Windows  []*WindowResult `json:"windows"`
	Opened   []*Alert        `json:"opened"`
	Resolved []*Alert        `json:"resolved"`
	// Reopened holds resolved alerts whose breach windows recomputed
	// (late or corrected labels) show still running: open again, and
	// announced as opened again.
	Reopened []*Alert `json:"reopened,omitempty"`
	// Corrected holds alerts whose breach windows recomputed date
	// differently (it started earlier, or recovered at another window),
	// their status unchanged: their times are corrected, unannounced.
	Corrected []*Alert          `json:"corrected,omitempty"`
	Tasks     []*RetrainingTask `json:"tasks"`
	// Settings, when set, is the monitor's UpdatedAt the evaluation was
	// computed with: SaveEvaluation saves it only if the monitor's
	// settings are still those and it is not paused, and otherwise
	// returns ErrEvaluatedMeanwhile, saving nothing (windows are judged
	// with the settings in force when they are saved).
	Settings *time.Time `json:"-"`
	// Base, when set, is the monitor's evaluated-to time the evaluation
	// was computed from: SaveEvaluation saves it only if the monitor is
	// still there (another evaluator, on another replica, may have saved
	// the same windows and alerts meanwhile) and otherwise returns
	// ErrEvaluatedMeanwhile, saving nothing.
	Base *time.Time `json:"-"`
	// Seen, when set, is the monitor's alerts the evaluation was decided
	// on, as they were read: its open ones and, with Replace, those
	// resolved at or after it. SaveEvaluation saves it only if they are
	// the same still, and otherwise returns ErrEvaluatedMeanwhile: a
	// recomputation saved meanwhile elsewhere (which need not move the
	// evaluated-to time Base checks) may have opened, resolved or opened
	// again the alerts this one decided on.
	Seen []*Alert `json:"-"`
	// Replace, when set (a recomputation from a stored window's start),
	// has SaveEvaluation delete the stored windows starting at or after it
	// before it stores Windows: recomputed windows may be cut elsewhere
	// (an N-event window, once late events came), and none may overlap.
	Replace *time.Time `json:"-"`
	// Decays says a window of the evaluation ended a streak of the
	// monitor's RetrainAfter windows breaching accuracy or drift, whether
	// or not it opened a task (one may be open already).
	Decays bool `json:"-"`
	// WithdrawTasks, when set (a recomputation from it whose windows show
	// no such streak), has SaveEvaluation withdraw the monitor's open
	// retraining tasks opened after it: their decay is gone from the
	// windows that showed it.
	WithdrawTasks *time.Time `json:"-"`
}

// ErrEvaluatedMeanwhile is SaveEvaluation's answer to an evaluation whose
// Base is no longer the monitor's: it was evaluated by another meanwhile.
var ErrEvaluatedMeanwhile = errors.New("the monitor was evaluated meanwhile")

// MonitorService manages monitors and what they found.
type MonitorService interface {
	CreateMonitor(ctx context.Context, in Monitor, reference []byte) (*Monitor, error)
	// UpdateMonitor changes a monitor's settings (MonitorUpdate), checked
	// as CreateMonitor checks them, in one audited transaction. With
	// WithBasedOn, a monitor changed since is a conflict. Open alerts of a
	// kind whose threshold the edit turns off are resolved (unwatched).
	UpdateMonitor(ctx context.Context, id int64, in MonitorUpdate) (*Monitor, error)
	// PauseMonitor pauses a running monitor, for a reason (required, at
	// most MaxPauseReason characters), and ResumeMonitor resumes a paused
	// one; each is audited, and the other state is a conflict.
	PauseMonitor(ctx context.Context, id int64, reason string) (*Monitor, error)
	ResumeMonitor(ctx context.Context, id int64) (*Monitor, error)
	FindMonitorByID(ctx context.Context, id int64) (*Monitor, error)
	// ListMonitors lists monitors, of one model or all (0).
	ListMonitors(ctx context.Context, modelID int64) ([]*Monitor, error)
	// MonitorReferenceData returns an uploaded reference dataset.
	MonitorReferenceData(ctx context.Context, id int64) ([]byte, error)
	// SaveEvaluation stores windows (replacing ones with the same start),
	// opens and resolves alerts, opens tasks and moves EvaluatedTo, in one
	// transaction.
	SaveEvaluation(ctx context.Context, monitorID int64, to time.Time, ev *Evaluation) error
	ListWindows(ctx context.Context, monitorID int64, limit int) ([]*WindowResult, error)
	// ListAlerts lists alerts, newest first: of a model (0: all), open only
	// when openOnly; every open one and the newest 500 of the others.
	ListAlerts(ctx context.Context, modelID int64, openOnly bool) ([]*Alert, error)
	// AcknowledgeAlert records that the acting user has taken an open
	// alert on, with a note (required, at most MaxAckNote characters). A
	// resolved alert, or one acknowledged already, is a conflict.
	AcknowledgeAlert(ctx context.Context, id int64, note string) (*Alert, error)
	// ListRetrainingTasks lists tasks of a use case (0: all), newest first:
	// every open one and the newest 500 of the others.
	ListRetrainingTasks(ctx context.Context, useCaseID int64) ([]*RetrainingTask, error)
	// PageWindows is one page of a monitor's windows, oldest first: at
	// most limit starting after after (zero: from the first), and how many
	// the monitor has in all.
	PageWindows(ctx context.Context, monitorID int64, after time.Time, limit int) ([]*WindowResult, int, error)
	// PageAlerts is one page of ListAlerts' alerts, in its order: at most
	// limit after the alert with ID after (0: from the first), and how many
	// match in all.
	PageAlerts(ctx context.Context, modelID int64, openOnly bool, after int64, limit int) ([]*Alert, int, error)
	// PageRetrainingTasks is one page of ListRetrainingTasks' tasks, in its
	// order: at most limit after the task with ID after (0: from the
	// first), and how many match in all.
	PageRetrainingTasks(ctx context.Context, useCaseID int64, after int64, limit int) ([]*RetrainingTask, int, error)
	// MonitorState is what deciding on new windows needs: the monitor's
	// open alerts, its latest recent windows, whether a retraining task is
	// open on its model version (whichever monitor opened it: a version
	// has one open task at a time).
	MonitorState(ctx context.Context, monitorID int64, recent int) ([]*Alert, []*WindowResult, bool, error)
}

// MetricsService reads what GET /api/v1/metrics shows.
type MetricsService interface {
	// ModelMetrics reads every model's and monitor's figures of one
	// scrape in a fixed number of queries, however many models and
	// monitors there are: a scrape every few seconds must not cost the
	// database a query per monitor.
	ModelMetrics(ctx context.Context) (*ModelMetrics, error)
}

// ModelMetrics is one scrape's figures, as the JSON API gives them.
type ModelMetrics struct {
	// Models are every model, by key.
	Models []*Model
	// Versions counts each model's versions by status: model ID, then
	// status.
	Versions map[int64]map[string]int
	// Retired are each model's retired versions: model ID, then version
	// (their monitors are not evaluated).
	Retired map[int64]map[string]bool
	// Switches are every model's switch, by key.
	Switches []*Switch
	// OpenAlerts counts the open alerts by model, kind and whether they
	// are acknowledged.
	OpenAlerts map[OpenAlertKey]int
	// OpenTasks counts each model's open retraining tasks, by model ID.
	OpenTasks map[int64]int
	// Monitors are every monitor, by ID.
	Monitors []*Monitor
	// Latest is each monitor's latest window (ListWindows' last), by
	// monitor ID: none for a monitor without windows.
	Latest map[int64]*WindowResult
}

// OpenAlertKey is what ModelMetrics counts open alerts by.
type OpenAlertKey struct {
	ModelID int64
	Kind    string
	Acked   bool
}

// MarshalJSON writes the monitor with its webhook address cut by RedactURL.
func (m Monitor) MarshalJSON() ([]byte, error) {
	type plain Monitor // the same fields, without this method
	p := plain(m)
	p.WebhookURL = RedactURL(m.WebhookURL)
	return json.Marshal(p)
}

// RedactURL returns an address's scheme and host, with "/…" standing for
// a path or query it had: what may be shown of an address whose path or
// query may hold a secret. Anything that does not parse shows as "…".
func RedactURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "…"
	}
	out := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		out += "/…"
	}
	return out
}
