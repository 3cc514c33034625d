package lodestar

import (
	"context"
	"time"
)

// Experiment statuses, in lifecycle order: a draft can be edited; a
// running experiment takes data; a stopped one is final.
const (
	ExperimentDraft   = "draft"
	ExperimentRunning = "running"
	ExperimentStopped = "stopped"
)

// ExperimentStatuses lists the statuses an experiment may have.
var ExperimentStatuses = []string{ExperimentDraft, ExperimentRunning, ExperimentStopped}

// Metric kinds: a mean of any numeric value per unit (revenue, latency),
// or a proportion of units with outcome 1 (conversion).
const (
	MetricMean       = "mean"
	MetricProportion = "proportion"
)

// The two variants of an experiment.
const (
	VariantControl   = "control"
	VariantTreatment = "treatment"
)

// Experiment defaults.
const (
	DefaultAlpha          = 0.05
	DefaultTreatmentShare = 0.5
	MaxGuardrails         = 10
)

// ExperimentMetric is a metric an experiment measures: the primary one it
// exists to move, or a guardrail it must not harm. Direction is up when
// higher is better, down when lower is better (DirectionUp, DirectionDown).
type ExperimentMetric struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Direction string `json:"direction"`
	// MaxDegradation is a guardrail's largest acceptable relative change in
	// the bad direction, as a fraction (0.02 allows 2% worse); 0 for the
	// primary metric.
	MaxDegradation float64 `json:"max_degradation,omitempty"`
}

// Experiment is a pre-launch A/B test of a treatment model version against
// the control version, both of the use case's models. Units are assigned to
// variants by the SDK's documented hash of the experiment's Key and the unit
// ID, so the key never changes.
type Experiment struct {
	ID                 int64              `json:"id"`
	UseCaseID          int64              `json:"use_case_id"`
	Key                string             `json:"key"`
	Name               string             `json:"name"`
	Hypothesis         string             `json:"hypothesis"`
	ControlVersionID   int64              `json:"control_version_id"`
	TreatmentVersionID int64              `json:"treatment_version_id"`
	Primary            ExperimentMetric   `json:"primary"`
	Guardrails         []ExperimentMetric `json:"guardrails"`
	// Alpha is the two-sided significance level (default 0.05).
	Alpha float64 `json:"alpha"`
	// MinSample is the planned number of units per variant; 0 for none.
	MinSample int64 `json:"min_sample"`
	// TreatmentShare is the planned share of units in treatment (default 0.5).
	TreatmentShare float64   `json:"treatment_share"`
	Status         string    `json:"status"`
	StatusReason   string    `json:"status_reason,omitempty"`
	StartedAt      time.Time `json:"started_at,omitzero"`
	StoppedAt      time.Time `json:"stopped_at,omitzero"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// GetID returns the experiment's ID.
func (e *Experiment) GetID() int64 { return e.ID }

// Copy returns a copy that shares nothing with e.
func (e *Experiment) Copy() Experiment {
	c := *e
	c.Guardrails = append([]ExperimentMetric{}, e.Guardrails...)
	return c
}

// Metric returns the experiment's metric by name: the primary one or a
// guardrail.
func (e *Experiment) Metric(name string) (ExperimentMetric, bool) {
	if e.Primary.Name == name {
		return e.Primary, true
	}
	for _, g := range e.Guardrails {
		if g.Name == name {
			return g, true
		}
	}
	return ExperimentMetric{}, false
}

// ExperimentFilter selects experiments; zero values select all.
type ExperimentFilter struct {
	UseCaseID int64
	Status    string
}

// ExperimentAggregate is data for one variant and metric, already summed:
// for a mean metric N, Sum and SumSquares (Σx and Σx² over N units); for
// a proportion N and Successes. Aggregates add to what is stored.
type ExperimentAggregate struct {
	Variant    string   `json:"variant"`
	Metric     string   `json:"metric"`
	N          int64    `json:"n"`
	Sum        *float64 `json:"sum,omitempty"`
	SumSquares *float64 `json:"sum_squares,omitempty"`
	Successes  *int64   `json:"successes,omitempty"`
}

// ExperimentObservation is one unit's values for some of an experiment's
// metrics. Line is where it came from, for error reports. With a Unit, a
// unit's value of a metric counts once: a repeat in the same variant is a
// duplicate and ignored, one in the other variant is refused.
type ExperimentObservation struct {
	Line    int
	Unit    string
	Variant string
	Metrics map[string]float64
}

// LineError is a refused line of an upload or a batch: its number, the id
// it carried when it had one, and why.
type LineError struct {
	Line int    `json:"line"`
	ID   string `json:"id,omitempty"`
	// Code names a reason a client may act on (LineIDConflict); most
	// refusals have none.
	Code    string `json:"code,omitempty"`
	Message string `json:"error"`
}

// LineIDConflict is the code of an event line whose ID is taken by an
// event with other content (another time, features, prediction…): an
// idempotency key reused for another event, not a retry.
const LineIDConflict = "id_conflict"

// ObservationResult says what happened to the lines of an upload.
type ObservationResult struct {
	// Accepted is how many lines were recorded: those that added a value
	// (a line's metrics already recorded for its unit are ignored).
	Accepted int64 `json:"accepted"`
	// Duplicates is how many lines added nothing: every metric they hold
	// was already recorded for their unit in the same variant. Accepted,
	// Duplicates and RejectedCount add up to the lines sent (blank lines
	// aside).
	Duplicates int64 `json:"duplicates"`
	// Rejected lists refused lines (at most MaxLineErrors of them);
	// RejectedCount counts them all.
	Rejected      []LineError `json:"rejected"`
	RejectedCount int64       `json:"rejected_count"`
}

// MaxLineErrors is how many refused lines an ObservationResult lists.
const MaxLineErrors = 100

// ObservationSource yields an upload's observations one by one: the next
// observation, or a *LineError for a line that cannot be read (reading goes
// on), or io.EOF at the end; any other error aborts.
type ObservationSource func() (*ExperimentObservation, error)

// Error implements error, so a source can hand back a refused line.
func (e *LineError) Error() string { return e.Message }

// ArmStats is one variant's data for a metric as the test saw it.
type ArmStats struct {
	N        int64   `json:"n"`
	Mean     float64 `json:"mean"`
	Variance float64 `json:"variance"`
}

// Interval is an estimate with its standard error and its 1−alpha
// confidence interval.
type Interval struct {
	Value float64 `json:"value"`
	SE    float64 `json:"se"`
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
}

// MetricResult is one metric's comparison of treatment with control.
// Error, when set, says why it could not be computed (too little data,
// no variation) and the numbers are zero.
type MetricResult struct {
	Metric ExperimentMetric `json:"metric"`
	// Method is welch-t for means, two-proportion-z for proportions.
	Method    string   `json:"method,omitempty"`
	Control   ArmStats `json:"control"`
	Treatment ArmStats `json:"treatment"`
	// Diff is treatment − control; Relative is treatment/control − 1 (nil
	// when the control mean is 0).
	Diff        Interval  `json:"diff"`
	Relative    *Interval `json:"relative,omitempty"`
	Stat        float64   `json:"stat"`
	DF          float64   `json:"df,omitempty"`
	P           float64   `json:"p"`
	Significant bool      `json:"significant"`
	Error       string    `json:"error,omitempty"`
}

// Guardrail statuses.
const (
	GuardrailOK       = "ok"       // the whole interval is within the allowed degradation
	GuardrailViolated = "violated" // the whole interval is beyond it
	GuardrailUnsure   = "unsure"   // the interval reaches beyond it: more data needed
	GuardrailNoData   = "no_data"  // not computable yet
)

// GuardrailResult is a guardrail's comparison and whether it holds.
type GuardrailResult struct {
	MetricResult
	Status string `json:"status"`
}

// SRMCheck is the sample-ratio-mismatch check of the units per variant
// against the planned split.
type SRMCheck struct {
	Observed  [2]int64   `json:"observed"` // control, treatment
	Expected  [2]float64 `json:"expected"`
	ChiSquare float64    `json:"chi_square"`
	P         float64    `json:"p"`
	Mismatch  bool       `json:"mismatch"`
}

// Verdict decisions.
const (
	DecisionShip        = "ship"
	DecisionDoNotShip   = "do-not-ship"
	DecisionKeepRunning = "keep-running"
)

// ExperimentVerdict is what to do, and why. Reason is the stats engine's
// English sentence; Code names the rule that decided (for translation) and
// Metric the guardrail it is about, if any.
type ExperimentVerdict struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
	Code     string `json:"code"`
	Metric   string `json:"metric,omitempty"`
}

// ExperimentAnalysis is an experiment's analysis, computed from its
// sufficient statistics by the stats engine whenever it is asked for.
type ExperimentAnalysis struct {
	ExperimentID   int64             `json:"experiment_id"`
	Alpha          float64           `json:"alpha"`
	MinSample      int64             `json:"min_sample"`
	TreatmentShare float64           `json:"treatment_share"`
	Primary        MetricResult      `json:"primary"`
	Guardrails     []GuardrailResult `json:"guardrails"`
	// SRM is nil until a variant has units.
	SRM     *SRMCheck         `json:"srm,omitempty"`
	Verdict ExperimentVerdict `json:"verdict"`
}

// ExperimentService manages experiments, their data and their analysis.
type ExperimentService interface {
	CreateExperiment(ctx context.Context, in Experiment) (*Experiment, error)
	// UpdateExperiment changes a draft's design; the key cannot change.
	UpdateExperiment(ctx context.Context, id int64, in Experiment) (*Experiment, error)
	FindExperimentByID(ctx context.Context, id int64) (*Experiment, error)
	ListExperiments(ctx context.Context, f ExperimentFilter) ([]*Experiment, error)
	// SetExperimentStatus moves draft → running → stopped with a reason.
	SetExperimentStatus(ctx context.Context, id int64, status, reason string) (*Experiment, error)
	// AddExperimentAggregates adds summed data to a running experiment:
	// all of it or, when any item is refused, none.
	AddExperimentAggregates(ctx context.Context, id int64, data []ExperimentAggregate) error
	// IngestObservations streams observations into a running experiment in
	// one transaction. With atomic set, any refused line refuses the whole
	// upload (EInvalid naming the lines) and nothing is recorded; otherwise
	// the valid lines are recorded and the refused ones reported.
	IngestObservations(ctx context.Context, id int64, next ObservationSource, atomic bool) (*ObservationResult, error)
	AnalyzeExperiment(ctx context.Context, id int64) (*ExperimentAnalysis, error)
}

// MaxUnitLen bounds an experiment unit's ID, in characters: the same for
// its data and for the assignments endpoint, so an assigned unit can
// report.
const MaxUnitLen = 200
