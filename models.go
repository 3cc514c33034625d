package lodestar

import (
	"context"
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
	IntendedUse           string             `json:"intended_use"`
	OutOfScopeUse         string             `json:"out_of_scope_use"`
	TrainingData          string             `json:"training_data"`
	EvaluationMetrics     map[string]float64 `json:"evaluation_metrics"`
	Limitations           string             `json:"limitations"`
	EthicalConsiderations string             `json:"ethical_considerations"`
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
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
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
	// SetModelVersionStatus moves a version along development → staging →
	// production → retired (one step forward, or back from staging or
	// production to development); a reason is required and audited.
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
// every flip is audited. Version increases with every flip.
type Switch struct {
	Key       string    `json:"key"`
	ModelID   int64     `json:"model_id"`
	State     string    `json:"state"`
	Fallback  string    `json:"fallback,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	ChangedBy string    `json:"changed_by,omitempty"`
	ChangedAt time.Time `json:"changed_at"`
	Version   int64     `json:"version"`
}

// SwitchService reads and flips model switches.
type SwitchService interface {
	ListSwitches(ctx context.Context) ([]*Switch, error)
	FindSwitch(ctx context.Context, key string) (*Switch, error)
	// FlipSwitch sets a switch's state; fallback names what to serve when
	// the state is fallback; a reason is required.
	FlipSwitch(ctx context.Context, key, state, fallback, reason string) (*Switch, error)
}
