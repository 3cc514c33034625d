package lodestar

import (
	"context"
	"time"
)

// BusinessUnit is a node of the enterprise's organisation tree.
type BusinessUnit struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	NameZH    string    `json:"name_zh,omitempty"`
	ParentID  int64     `json:"parent_id,omitempty"`
	Archived  bool      `json:"archived"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Goal horizons and statuses.
var (
	GoalHorizons = []string{"quarter", "year", "three_years", "five_years"}
	GoalStatuses = []string{"draft", "active", "achieved", "abandoned"}
)

// Goal is a business objective KPIs measure.
type Goal struct {
	ID             int64     `json:"id"`
	Title          string    `json:"title"`
	TitleZH        string    `json:"title_zh,omitempty"`
	Description    string    `json:"description"`
	BusinessUnitID int64     `json:"business_unit_id,omitempty"`
	OwnerID        int64     `json:"owner_id,omitempty"`
	Horizon        string    `json:"horizon"`
	Status         string    `json:"status"`
	Archived       bool      `json:"archived"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// KPI directions: whether higher or lower values are better.
const (
	DirectionUp   = "up"
	DirectionDown = "down"
)

// KPI is a business measure with a baseline, a target and readings.
type KPI struct {
	ID         int64     `json:"id"`
	GoalID     int64     `json:"goal_id,omitempty"`
	Name       string    `json:"name"`
	NameZH     string    `json:"name_zh,omitempty"`
	Unit       string    `json:"unit"`
	Direction  string    `json:"direction"`
	Baseline   float64   `json:"baseline"`
	Target     float64   `json:"target"`
	TargetDate string    `json:"target_date"` // YYYY-MM-DD
	OwnerID    int64     `json:"owner_id,omitempty"`
	Archived   bool      `json:"archived"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Latest is the most recent reading, when there is one.
	Latest *KPIReading `json:"latest,omitempty"`
}

// KPIReading is one observed value of a KPI on a date.
type KPIReading struct {
	KPIID int64   `json:"kpi_id"`
	Date  string  `json:"date"` // YYYY-MM-DD
	Value float64 `json:"value"`
}

// Pain point categories.
var PainCategories = []string{"cost", "efficiency", "experience", "risk", "revenue"}

// PainPoint is a quantified business problem AI may address.
type PainPoint struct {
	ID             int64     `json:"id"`
	BusinessUnitID int64     `json:"business_unit_id"`
	Title          string    `json:"title"`
	TitleZH        string    `json:"title_zh,omitempty"`
	Description    string    `json:"description"`
	Category       string    `json:"category"`
	AnnualCost     int64     `json:"annual_cost"` // whole currency units per year
	GoalID         int64     `json:"goal_id,omitempty"`
	Archived       bool      `json:"archived"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Use case stages, in lifecycle order, then the two ends.
const (
	StageIdea       = "idea"
	StageAssessment = "assessment"
	StageApproved   = "approved"
	StagePilot      = "pilot"
	StageScaling    = "scaling"
	StageOperating  = "operating"
	StageRejected   = "rejected"
	StageRetired    = "retired"
)

// Stages lists every stage in display order.
var Stages = []string{StageIdea, StageAssessment, StageApproved, StagePilot, StageScaling, StageOperating, StageRejected, StageRetired}

// CheckStartStage refuses a stage a new use case may not be created in
// through the web or the API: rejected and retired are reached by a
// stage change, which records who and why (and a retired one must have
// been live). "" (idea) and the six lifecycle stages are accepted, an
// unknown stage is left to the service. An import, which migrates a
// portfolio as it stands, creates use cases in any stage and does not
// call it.
func CheckStartStage(stage string) error {
	if stage == StageRejected || stage == StageRetired {
		return FieldError("stage", "A new use case starts in a stage from idea to operating; reject or retire it later with a stage change, which records why.")
	}
	return nil
}

// Impact is a use case's promised effect on one KPI: the change in the
// KPI's own unit, signed (a fall is negative), with a confidence 0–1.
type Impact struct {
	KPIID      int64   `json:"kpi_id"`
	Change     float64 `json:"change"`
	Confidence float64 `json:"confidence"`
}

// Feasibility scores, each 1 (poor) to 5 (excellent); 0 means not scored.
type Feasibility struct {
	DataReadiness     int `json:"data_readiness"`
	TechnicalMaturity int `json:"technical_maturity"`
	Skills            int `json:"skills"`
	Integration       int `json:"integration"`
}

// Alignment is computed for every use case, never typed.
type Alignment struct {
	Status  string   `json:"status"` // aligned | misaligned
	Reasons []string `json:"reasons"`
}

// Alignment reason codes.
const (
	ReasonNoKPIImpact    = "no_kpi_impact"
	ReasonNoSponsor      = "no_sponsor"
	ReasonNoPainPoint    = "no_pain_point"
	ReasonKPIWithoutGoal = "kpi_without_goal"
)

// StageChange records one move of a use case between stages.
type StageChange struct {
	UseCaseID int64     `json:"use_case_id"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	ActorID   int64     `json:"actor_id"`
	Actor     string    `json:"actor"`
	Reason    string    `json:"reason"`
	At        time.Time `json:"at"`
}

// ListFilter narrows the strategy lists. Fields that do not apply to an
// entity are ignored.
type ListFilter struct {
	Query          string
	BusinessUnitID int64
	GoalID         int64
	Status         string
	Category       string
	Archived       bool // include archived records
	Sort           string
}

// BusinessUnitService manages the business-unit tree.
type BusinessUnitService interface {
	CreateBusinessUnit(ctx context.Context, in BusinessUnit) (*BusinessUnit, error)
	// UpdateBusinessUnit renames or moves a unit; a move that would make a
	// unit its own ancestor is refused.
	UpdateBusinessUnit(ctx context.Context, id int64, in BusinessUnit) (*BusinessUnit, error)
	ArchiveBusinessUnit(ctx context.Context, id int64, archived bool) (*BusinessUnit, error)
	FindBusinessUnitByID(ctx context.Context, id int64) (*BusinessUnit, error)
	ListBusinessUnits(ctx context.Context, f ListFilter) ([]*BusinessUnit, error)
}

// GoalService manages goals.
type GoalService interface {
	CreateGoal(ctx context.Context, in Goal) (*Goal, error)
	UpdateGoal(ctx context.Context, id int64, in Goal) (*Goal, error)
	ArchiveGoal(ctx context.Context, id int64, archived bool) (*Goal, error)
	FindGoalByID(ctx context.Context, id int64) (*Goal, error)
	ListGoals(ctx context.Context, f ListFilter) ([]*Goal, error)
}

// KPIService manages KPIs and their readings.
type KPIService interface {
	CreateKPI(ctx context.Context, in KPI) (*KPI, error)
	UpdateKPI(ctx context.Context, id int64, in KPI) (*KPI, error)
	ArchiveKPI(ctx context.Context, id int64, archived bool) (*KPI, error)
	FindKPIByID(ctx context.Context, id int64) (*KPI, error)
	ListKPIs(ctx context.Context, f ListFilter) ([]*KPI, error)
	// AddReadings records readings, replacing any on the same date, all or
	// none.
	AddReadings(ctx context.Context, kpiID int64, readings []KPIReading) (int, error)
	Readings(ctx context.Context, kpiID int64) ([]KPIReading, error)
}

// PainPointService manages pain points.
type PainPointService interface {
	CreatePainPoint(ctx context.Context, in PainPoint) (*PainPoint, error)
	UpdatePainPoint(ctx context.Context, id int64, in PainPoint) (*PainPoint, error)
	ArchivePainPoint(ctx context.Context, id int64, archived bool) (*PainPoint, error)
	FindPainPointByID(ctx context.Context, id int64) (*PainPoint, error)
	ListPainPoints(ctx context.Context, f ListFilter) ([]*PainPoint, error)
}

// StageCount is one bar of the stage funnel.
type StageCount struct {
	Stage string `json:"stage"`
	Count int    `json:"count"`
	Value int64  `json:"value"` // summed value estimates
}

// MatrixPoint is one use case on the value/feasibility matrix.
type MatrixPoint struct {
	ID          int64   `json:"id"`
	Title       string  `json:"title"`
	TitleZH     string  `json:"title_zh,omitempty"`
	Stage       string  `json:"stage"`
	Value       int64   `json:"value"`
	Feasibility float64 `json:"feasibility"`
	Score       float64 `json:"score"`
	Aligned     bool    `json:"aligned"`
}

// KPIStatus is a KPI with where it stands against its glide path.
type KPIStatus struct {
	KPI      *KPI    `json:"kpi"`
	Status   string  `json:"status"` // on_track | behind | no_data
	Latest   float64 `json:"latest"`
	Expected float64 `json:"expected"`
}

// Dashboard is the portfolio home page's content.
type Dashboard struct {
	Total           int           `json:"total"`
	Funnel          []StageCount  `json:"funnel"`
	Matrix          []MatrixPoint `json:"matrix"`       // the top MatrixLimit by score
	MatrixTotal     int           `json:"matrix_total"` // how many matched
	Misaligned      []*UseCase    `json:"misaligned"`   // the first few, by score
	MisalignedCount int           `json:"misaligned_count"`
	KPIsBehind      []KPIStatus   `json:"kpis_behind"`
	Recent          []*AuditEvent `json:"recent"`
}

// RealisedKPI is one promised impact of a live use case against the KPI.
type RealisedKPI struct {
	KPI      *KPI         `json:"kpi"`
	Promised float64      `json:"promised"`
	Expected float64      `json:"expected"`
	Realised float64      `json:"realised"`
	Baseline float64      `json:"baseline"`
	Progress float64      `json:"progress"`
	Status   string       `json:"status"` // on_track | behind | no_data
	Series   []KPIReading `json:"series"`
}

// Realisation is a use case's value realisation: for pilot or later,
// each promised KPI impact since go-live.
type Realisation struct {
	UseCaseID int64         `json:"use_case_id"`
	Live      bool          `json:"live"`
	LiveSince string        `json:"live_since,omitempty"`
	Status    string        `json:"status"` // worst of the KPIs: behind > no_data > on_track; "" when not live
	KPIs      []RealisedKPI `json:"kpis"`
}

// PortfolioService computes the dashboard and value realisation.
type PortfolioService interface {
	Dashboard(ctx context.Context, f UseCaseFilter) (*Dashboard, error)
	Realisation(ctx context.Context, useCaseID int64) (*Realisation, error)
	// KPIStatuses judges every live KPI against its path to target.
	KPIStatuses(ctx context.Context) ([]KPIStatus, error)
}

// GetID returns the business unit's ID.
func (b *BusinessUnit) GetID() int64 { return b.ID }

// GetID returns the goal's ID.
func (g *Goal) GetID() int64 { return g.ID }

// GetID returns the KPI's ID.
func (k *KPI) GetID() int64 { return k.ID }

// GetID returns the pain point's ID.
func (p *PainPoint) GetID() int64 { return p.ID }
