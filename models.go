package lodestar

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"
)

// Model version statuses, in lifecycle order.
const (
	ModelDevelopment = "development"
	ModelStaging     = "staging"
	ModelProduction  = "production"
	ModelRetired     = "retired"
)

// ModelStatuses lists the statuses a model version may have.
var ModelStatuses = []string{ModelDevelopment, ModelStaging, ModelProduction, ModelRetired}

// Model is a machine-learning model serving one use case. Its Key is the
// stable name production services use for it (for its switch and its
// events).
type Model struct {
	ID          int64     `json:"id"`
	UseCaseID   int64     `json:"use_case_id"`
	Key         string    `json:"key"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Archived    bool      `json:"archived"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ModelCard documents a model version, after Mitchell et al.'s model
// cards: what it is for, what it is not for, what it learned from, how
// well it does, where it fails and what it risks.
type ModelCard struct {
	IntendedUse           string      `json:"intended_use"`
	OutOfScopeUse         string      `json:"out_of_scope_use"`
	TrainingData          string      `json:"training_data"`
	EvaluationMetrics     CardMetrics `json:"evaluation_metrics"`
	Limitations           string      `json:"limitations"`
	EthicalConsiderations string      `json:"ethical_considerations"`
}

// CardMetrics are a model card's evaluation metrics, by name.
type CardMetrics map[string]float64

// UnmarshalJSON reads the metrics as a map of numbers, refusing a null
// value (a metric a pipeline could not compute), which encoding/json
// would read as 0 and the card then claim. The error names the metric.
func (m *CardMetrics) UnmarshalJSON(b []byte) error {
	var raw map[string]*float64
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*m = nil
		return nil
	}
	out := make(CardMetrics, len(raw))
	for k, v := range raw {
		if v == nil {
			return &json.UnmarshalTypeError{Value: "null", Type: reflect.TypeFor[float64](), Field: k}
		}
		out[k] = *v
	}
	*m = out
	return nil
}

// ModelVersion is one trained version of a model with its card.
type ModelVersion struct {
	ID      int64  `json:"id"`
	ModelID int64  `json:"model_id"`
	Version string `json:"version"`
	Status  string `json:"status"`
	// StatusReason is why the status last changed.
	StatusReason string    `json:"status_reason,omitempty"`
	Card         ModelCard `json:"card"`
	// Provenance says what the version is. It can change only while the
	// version is in development (ProvenanceFrozen).
	Provenance Provenance `json:"provenance"`
	// Warnings are what a reviewer should know of the version, computed
	// when it is read (VersionNoDigest); empty when there is nothing.
	Warnings  []string  `json:"warnings,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Provenance says what a model version is: where its artifact lives, the
// artifact's SHA-256 digest, the commit of the code that made it and the
// training run that made it. Every field is optional; what is given is
// checked (no credentials in a URI, a digest of 64 hex digits, a commit
// of 7–64 hex digits: a tag or branch can move, a commit cannot).
type Provenance struct {
	ArtifactURI    string `json:"artifact_uri"`
	ArtifactSHA256 string `json:"artifact_sha256"`
	SourceCommit   string `json:"source_commit"`
	TrainingRun    string `json:"training_run"`
}

// VersionNoDigest is the warning of a version in staging or production
// with no artifact digest recorded: nothing shows that what runs is the
// artifact that was reviewed. It warns rather than blocks: a model served
// by a system that exposes no artifact (a vendor's API) must still move.
const VersionNoDigest = "no_digest"

// ProvenanceFrozen reports whether a version's provenance can no longer
// change: once it has left development, what was reviewed is what runs.
// Moving it back to development (audited) unfreezes it.
func (v *ModelVersion) ProvenanceFrozen() bool { return v.Status != ModelDevelopment }

// NoDigest reports whether the version carries the VersionNoDigest
// warning.
func (v *ModelVersion) NoDigest() bool {
	return (v.Status == ModelStaging || v.Status == ModelProduction) && v.Provenance.ArtifactSHA256 == ""
}

// ModelService manages the model registry.
type ModelService interface {
	CreateModel(ctx context.Context, in Model) (*Model, error)
	UpdateModel(ctx context.Context, id int64, in Model) (*Model, error)
	FindModelByID(ctx context.Context, id int64) (*Model, error)
	// ListModels lists models, optionally of one use case (0: all).
	ListModels(ctx context.Context, useCaseID int64) ([]*Model, error)
	CreateModelVersion(ctx context.Context, modelID int64, in ModelVersion) (*ModelVersion, error)
	UpdateModelCard(ctx context.Context, versionID int64, card ModelCard) (*ModelVersion, error)
	// UpdateModelProvenance replaces a version's provenance; refused
	// (EConflict) once the version has left development.
	UpdateModelProvenance(ctx context.Context, versionID int64, p Provenance) (*ModelVersion, error)
	// SetModelVersionStatus moves a version along development → staging →
	// production (one step forward, or back from staging or production to
	// development), or retires it from any status; retired is final. A
	// reason is required and audited.
	SetModelVersionStatus(ctx context.Context, versionID int64, status, reason string) (*ModelVersion, error)
	FindModelVersionByID(ctx context.Context, id int64) (*ModelVersion, error)
	ListModelVersions(ctx context.Context, modelID int64) ([]*ModelVersion, error)
}

// Switch states: the human intervention switch (人工干预开关) of a model.
const (
	SwitchOn       = "on"       // the model serves
	SwitchOff      = "off"      // the model must not serve
	SwitchFallback = "fallback" // serve the named fallback instead
)

// Switch is a model's human intervention switch. Production services read
// it by the model's key; authorised people flip it, with a reason, and
// every flip is audited. Version increases with every flip. Via says how
// the last flip was made — web, api or cli (ViaWeb, ViaAPI, ViaCLI) —
// and is absent before the first flip and for flips made before it was
// recorded. Serving says whether the model itself serves: the switch is
// on and a version of it is in production. An "on" switch with no version
// in production (none yet, or all retired) serves nothing, and says so
// with serving false; off and fallback are never serving.
type Switch struct {
	Key       string    `json:"key"`
	ModelID   int64     `json:"model_id"`
	State     string    `json:"state"`
	Fallback  string    `json:"fallback,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	ChangedBy string    `json:"changed_by,omitempty"`
	Via       string    `json:"via,omitempty"`
	ChangedAt time.Time `json:"changed_at"`
	Version   int64     `json:"version"`
	Serving   bool      `json:"serving"`
	// Reaffirmed says the last flip left the state and fallback as they
	// were: a re-affirmation with a new reason (a fallback's or a stop's
	// reason renewed on review), audited and given a new version like any
	// flip, but no change of what serves. Absent for a flip that changed
	// the switch.
	Reaffirmed bool `json:"reaffirmed,omitempty"`
}

// Flipped reports whether the switch was ever flipped: each flip moves
// its version on from 1, the version it was made with (its ChangedAt is
// then the model's registration, not a flip).
func (s *Switch) Flipped() bool { return s.Version > 1 }

// SwitchService reads and flips model switches.
type SwitchService interface {
	ListSwitches(ctx context.Context) ([]*Switch, error)
	FindSwitch(ctx context.Context, key string) (*Switch, error)
	// FlipSwitch sets a switch's state; fallback names what to serve when
	// the state is fallback; a reason is required. A flip made with
	// WithSwitchVersion is refused (EConflict, ErrSwitchFlippedSince) when
	// the switch is no longer at that version.
	FlipSwitch(ctx context.Context, key, state, fallback, reason string) (*Switch, error)
}

type switchVersionKey struct{}

// WithSwitchVersion returns a context saying a flip made with it is based
// on the switch as it was at version v (what the person or client last
// saw): if someone flipped it since, the flip is refused rather than
// silently undo theirs — a page left open putting a model back into
// service minutes after it was switched off.
func WithSwitchVersion(ctx context.Context, v int64) context.Context {
	return context.WithValue(ctx, switchVersionKey{}, v)
}

// SwitchVersionFrom returns what WithSwitchVersion put in ctx.
func SwitchVersionFrom(ctx context.Context) (int64, bool) {
	v, ok := ctx.Value(switchVersionKey{}).(int64)
	return v, ok
}

// ErrSwitchFlippedSince is the refusal of a flip based on version sent of
// a switch that is now cur: it says what the switch is now, at which
// version, and who flipped it when (as the CLI does), and carries cur as
// the error's Current, so an API client reads the same in fields.
func ErrSwitchFlippedSince(sent int64, cur *Switch) error {
	what := cur.State
	if cur.Fallback != "" {
		what += " (" + cur.Fallback + ")"
	}
	at := cur.ChangedAt.UTC().Format(time.RFC3339)
	var msg string
	if cur.ChangedBy != "" {
		msg = fmt.Sprintf("The switch was flipped after you opened it: it is at version %d now, not %d; %s flipped it to %s at %s. Your flip was not made. Check its state now, then flip again if you still need to.",
			cur.Version, sent, cur.ChangedBy, what, at)
	} else {
		msg = fmt.Sprintf("The switch was flipped after you opened it: it is at version %d now, not %d, and %s since %s. Your flip was not made. Check its state now, then flip again if you still need to.",
			cur.Version, sent, what, at)
	}
	return &Error{Code: EConflict, Message: msg, Current: cur}
}
