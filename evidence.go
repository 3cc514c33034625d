package lodestar

import (
	"context"
	"encoding/json"
	"time"
)

// Evidence flags: what a fairness audit found that a stage gate or an
// ethics review must look at.
const (
	// FlagFourFifthsFailed: some group's rate of the favourable outcome
	// (the selection rate, or 1 − selection rate when the negative
	// prediction is favourable) is below four fifths of the reference
	// group's (or the ratio is undefined).
	FlagFourFifthsFailed = "four_fifths_failed"
	// FlagEqualizedOddsGap: the equalized-odds difference (the larger of
	// the TPR and FPR spreads between groups) is at least
	// EqualizedOddsGapLimit, or undefined.
	FlagEqualizedOddsGap = "equalized_odds_gap"
)

// EqualizedOddsGapLimit is the equalized-odds difference from which an
// audit is flagged: a ten-point gap in true- or false-positive rates.
const EqualizedOddsGapLimit = 0.1

// Upload limits for evidence.
const (
	// MaxEvidenceUpload is the largest upload an evidence route takes
	// (32 MiB); the HTTP routes answer 413 beyond it.
	MaxEvidenceUpload = 32 << 20
	// MaxExplainRows is the most sample rows an explanation report takes.
	MaxExplainRows = 10000
)

// FairnessParams say how to read a fairness audit's file and how to
// compute it; they are stored with the audit so it can be reproduced.
// Columns are header names or positions written #N (1-based).
type FairnessParams struct {
	GroupColumn      string `json:"group_column"`
	LabelColumn      string `json:"label_column"`
	PredictionColumn string `json:"prediction_column,omitempty"`
	ScoreColumn      string `json:"score_column,omitempty"`
	// Threshold goes with ScoreColumn: a score ≥ Threshold is predicted
	// positive.
	Threshold *float64 `json:"threshold,omitempty"`
	// PositiveLabel is the label value meaning the positive class; empty
	// recognises 1/0, true/false, yes/no.
	PositiveLabel string `json:"positive_label,omitempty"`
	// PositivePrediction is the prediction column's positive value when it
	// differs from PositiveLabel.
	PositivePrediction string `json:"positive_prediction,omitempty"`
	// Favourable says which prediction is the favourable outcome for the
	// people decided on: "positive" (hired, approved; the default) or
	// "negative" (the positive prediction is adverse: a fraud or high-risk
	// flag, a rejection). Disparate impact and the four-fifths rule compare
	// groups' rates of the favourable outcome; every other figure keeps its
	// definition. Stored params omit it when positive ("" means positive),
	// so an audit keeps the parameters it had before the field existed.
	Favourable string `json:"favourable,omitempty"`
	// Reference is the group disparate impact is measured against; empty
	// means the group with the highest rate of the favourable outcome.
	Reference string `json:"reference,omitempty"`
	// Bootstrap replicates for the confidence intervals (0: none, else
	// 100 to 10,000: fewer give intervals too coarse to cover the
	// estimate), the seed that makes them reproducible, and the
	// confidence level.
	Bootstrap  int     `json:"bootstrap"`
	Seed       uint64  `json:"seed"`
	Level      float64 `json:"level"`
	Stratified bool    `json:"stratified,omitempty"`
	// Encoding and Separator of the file; empty detects them.
	Encoding  string `json:"encoding,omitempty"`
	Separator string `json:"separator,omitempty"`
}

// FairnessAuditInput is an uploaded file and how to audit it.
type FairnessAuditInput struct {
	Title    string
	FileName string
	Data     []byte
	Params   FairnessParams
}

// FairnessAudit is a fairness audit of a model version's decisions,
// computed by Lodestar's fairness engine from an uploaded file and
// stored with everything needed to reproduce it.
type FairnessAudit struct {
	ID             int64          `json:"id"`
	ModelVersionID int64          `json:"model_version_id"`
	Title          string         `json:"title"`
	FileName       string         `json:"file_name"`
	SHA256         string         `json:"sha256"`
	Rows           int64          `json:"rows"`
	Params         FairnessParams `json:"params"`
	// Result is the fairness engine's report, as JSON (undefined rates are
	// null).
	Result json.RawMessage `json:"result"`
	// Flags lists what the audit found, e.g. four_fifths_failed.
	Flags         []string  `json:"flags"`
	CreatedBy     int64     `json:"created_by"`
	CreatedByName string    `json:"created_by_name"`
	CreatedAt     time.Time `json:"created_at"`
}

// ExplanationParams say how to read an explanation report's sample and
// how many per-row explanations to keep.
type ExplanationParams struct {
	// RowsShown is how many rows, from the top of the sample, keep their
	// own explanation (default 5, at most 50).
	RowsShown int    `json:"rows_shown"`
	Encoding  string `json:"encoding,omitempty"`
	Separator string `json:"separator,omitempty"`
}

// ExplanationInput is an uploaded XGBoost JSON model, a CSV sample of
// its inputs, and how to read them.
type ExplanationInput struct {
	Title         string
	ModelFileName string
	Model         []byte
	DataFileName  string
	Data          []byte
	Params        ExplanationParams
}

// ExplanationReport is a TreeSHAP explanation of a model version on a
// sample, computed by Lodestar's explain engine and stored with the
// inputs' hashes.
type ExplanationReport struct {
	ID             int64             `json:"id"`
	ModelVersionID int64             `json:"model_version_id"`
	Title          string            `json:"title"`
	ModelFileName  string            `json:"model_file_name"`
	ModelSHA256    string            `json:"model_sha256"`
	DataFileName   string            `json:"data_file_name"`
	DataSHA256     string            `json:"data_sha256"`
	Rows           int64             `json:"rows"`
	Params         ExplanationParams `json:"params"`
	// Result holds the model's summary, the global importance (mean
	// |SHAP| per feature, most important first), the bias and the kept
	// rows' SHAP values, as JSON.
	Result        json.RawMessage `json:"result"`
	CreatedBy     int64           `json:"created_by"`
	CreatedByName string          `json:"created_by_name"`
	CreatedAt     time.Time       `json:"created_at"`
}

// EvidenceService computes and keeps the evidence attached to model
// versions: fairness audits and explanation reports. Creating one runs
// the engine on the upload; malformed input is refused naming the field
// and nothing is stored. The same input with the same parameters on the
// same version is a conflict.
type EvidenceService interface {
	CreateFairnessAudit(ctx context.Context, versionID int64, in FairnessAuditInput) (*FairnessAudit, error)
	FindFairnessAuditByID(ctx context.Context, id int64) (*FairnessAudit, error)
	// ListFairnessAudits lists a version's audits, newest first.
	ListFairnessAudits(ctx context.Context, versionID int64) ([]*FairnessAudit, error)
	CreateExplanation(ctx context.Context, versionID int64, in ExplanationInput) (*ExplanationReport, error)
	FindExplanationByID(ctx context.Context, id int64) (*ExplanationReport, error)
	// ListExplanations lists a version's explanation reports, newest first.
	ListExplanations(ctx context.Context, versionID int64) ([]*ExplanationReport, error)
}
