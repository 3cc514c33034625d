package store

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

var _ lodestar.ModelService = (*Store)(nil)

const modelColumns = `id, use_case_id, key, name, description, archived, created_at, updated_at`

func scanModel(s interface{ Scan(...any) error }) (*lodestar.Model, error) {
	m := &lodestar.Model{}
	err := s.Scan(&m.ID, &m.UseCaseID, &m.Key, &m.Name, &m.Description, &m.Archived, sqldb.Time{T: &m.CreatedAt}, sqldb.Time{T: &m.UpdatedAt})
	return m, err
}

func loadModel(ctx context.Context, tx *sqldb.Tx, id int64) (*lodestar.Model, error) {
	m, err := scanModel(tx.QueryRowContext(ctx, `SELECT `+modelColumns+` FROM models WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Model")
	}
	return m, err
}

// modelKey is what a model key may look like: it travels in URLs, switch
// names and SDK calls.
var modelKey = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// digitsOnly is a key a new model may not have: the routes that take a
// model's key or its ID (/api/v1/models/{model}/events, token bindings)
// could not tell it from another model's ID. Models keyed so before the
// rule keep their key (it cannot change).
var digitsOnly = regexp.MustCompile(`^[0-9]+$`)

// checkModel trims and validates in; isNew says it is being created, when
// the key must also not be all digits.
func checkModel(ctx context.Context, tx *sqldb.Tx, in *lodestar.Model, isNew bool) error {
	in.Key, in.Name, in.Description = strings.TrimSpace(in.Key), strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	fields := map[string]string{}
	switch {
	case !modelKey.MatchString(in.Key):
		fields["key"] = "Use 1–63 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit."
	case isNew && digitsOnly.MatchString(in.Key):
		fields["key"] = "A key made only of digits could be taken for a model's ID: include a letter, dot, dash or underscore (model-5, not 5)."
	case in.Key == "stream":
		// GET /api/v1/switches/stream is the switches' event stream: a
		// model of that key would have a switch no one could read.
		fields["key"] = "The key stream is reserved: choose another."
	}
	checkLen(fields, "name", in.Name, lodestar.MaxTitle, true)
	checkLen(fields, "description", in.Description, lodestar.MaxDescription, false)
	if in.UseCaseID == 0 {
		fields["use_case_id"] = "Choose the use case this model serves."
	} else if err := checkRef(ctx, tx, fields, "use_case_id", "use_cases", in.UseCaseID, 0); err != nil {
		return err
	}
	if len(fields) > 0 {
		return &lodestar.Error{Code: lodestar.EInvalid, Message: "The model could not be saved; check the fields.", Fields: fields}
	}
	return nil
}

func duplicateKey(err error) error {
	if sqldb.IsUniqueViolation(err) {
		return &lodestar.Error{Code: lodestar.EConflict, Message: "A model with this key already exists.",
			Fields: map[string]string{"key": "A model with this key already exists."}}
	}
	return err
}

// CreateModel implements lodestar.ModelService.
func (s *Store) CreateModel(ctx context.Context, in lodestar.Model) (*lodestar.Model, error) {
	return create(ctx, s, "model", loadModel, func(tx *sqldb.Tx) (int64, error) {
		if err := checkModel(ctx, tx, &in, true); err != nil {
			return 0, err
		}
		now := sqldb.FormatTime(tx.Now)
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO models (use_case_id, key, name, description, archived, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.UseCaseID, in.Key, in.Name, in.Description, false, now, now).Scan(&id)
		if err != nil {
			return 0, duplicateKey(err)
		}
		// Every model has its switch from the start, on.
		if _, err = tx.ExecContext(ctx, `INSERT INTO switches (model_id, state, changed_at) VALUES (?, ?, ?)`, id, lodestar.SwitchOn, now); err != nil {
			return 0, err
		}
		if tx.Dialect() == sqldb.Postgres {
			// Announced like a flip, so every replica's open switch streams
			// get the new switch (App.FollowSwitches), whoever created it.
			_, err = tx.ExecContext(ctx, `SELECT pg_notify(?, ?)`, SwitchChannel, in.Key)
		}
		return id, err
	})
}

// UpdateModel implements lodestar.ModelService. The key cannot change:
// production services know the model by it.
func (s *Store) UpdateModel(ctx context.Context, id int64, in lodestar.Model) (*lodestar.Model, error) {
	return update(ctx, s, "model", "update", id, loadModel, func(tx *sqldb.Tx, before *lodestar.Model) error {
		if in.Key != "" && in.Key != before.Key {
			return lodestar.FieldError("key", "A model's key cannot change; production services know the model by it.")
		}
		in.Key = before.Key
		if err := checkModel(ctx, tx, &in, false); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE models SET use_case_id = ?, name = ?, description = ?, updated_at = ? WHERE id = ?`,
			in.UseCaseID, in.Name, in.Description, sqldb.FormatTime(tx.Now), id)
		return err
	})
}

// FindModelByID implements lodestar.ModelService.
func (s *Store) FindModelByID(ctx context.Context, id int64) (*lodestar.Model, error) {
	m, err := scanModel(s.DB.QueryRow(ctx, `SELECT `+modelColumns+` FROM models WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Model")
	}
	return m, wrap("find model", err)
}

// ListModels implements lodestar.ModelService, by key.
func (s *Store) ListModels(ctx context.Context, useCaseID int64) ([]*lodestar.Model, error) {
	var w filterSQL
	if useCaseID != 0 {
		w.add("use_case_id = ?", useCaseID)
	}
	return list(ctx, s, `SELECT `+modelColumns+` FROM models`+w.sql()+` ORDER BY key`, w.args, scanModel)
}

const versionColumns = `id, model_id, version, status, status_reason, card, artifact_uri, artifact_sha256, source_commit, training_run, created_at, updated_at`

func scanVersion(s interface{ Scan(...any) error }) (*lodestar.ModelVersion, error) {
	v := &lodestar.ModelVersion{}
	var card string
	p := &v.Provenance
	err := s.Scan(&v.ID, &v.ModelID, &v.Version, &v.Status, &v.StatusReason, &card,
		&p.ArtifactURI, &p.ArtifactSHA256, &p.SourceCommit, &p.TrainingRun, sqldb.Time{T: &v.CreatedAt}, sqldb.Time{T: &v.UpdatedAt})
	if err != nil {
		return nil, err
	}
	if v.NoDigest() {
		v.Warnings = []string{lodestar.VersionNoDigest}
	}
	if err := json.Unmarshal([]byte(card), &v.Card); err != nil {
		return nil, fmt.Errorf("model version %d card: %w", v.ID, err)
	}
	if v.Card.EvaluationMetrics == nil {
		v.Card.EvaluationMetrics = map[string]float64{}
	}
	return v, nil
}

func loadVersion(ctx context.Context, tx *sqldb.Tx, id int64) (*lodestar.ModelVersion, error) {
	v, err := scanVersion(tx.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM model_versions WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Model version")
	}
	return v, err
}

// checkCard validates a model card and returns it as stored.
func checkCard(c *lodestar.ModelCard) (string, error) {
	fields := map[string]string{}
	for name, p := range map[string]*string{"card.intended_use": &c.IntendedUse, "card.out_of_scope_use": &c.OutOfScopeUse,
		"card.training_data": &c.TrainingData, "card.limitations": &c.Limitations, "card.ethical_considerations": &c.EthicalConsiderations} {
		*p = strings.TrimSpace(*p)
		checkLen(fields, name, *p, 20000, false)
	}
	if len(c.EvaluationMetrics) > 100 {
		fields["card.evaluation_metrics"] = "At most 100 metrics."
	}
	// Each metric's fault under its own name ("card.evaluation_metrics.mae",
	// a blank name's "card.evaluation_metrics."), as a wrong type of value
	// is named: every bad metric is reported, each message whole.
	for _, k := range slices.Sorted(maps.Keys(c.EvaluationMetrics)) {
		v := c.EvaluationMetrics[k]
		if k == "" || utf8.RuneCountInString(k) > 100 || math.IsNaN(v) || math.IsInf(v, 0) {
			fields["card.evaluation_metrics."+k] = "Each metric needs a name of at most 100 characters and a finite number."
		} else if msg := checkQualityMetric(k, v); msg != "" {
			fields["card.evaluation_metrics."+k] = msg
		}
	}
	if len(fields) > 0 {
		return "", &lodestar.Error{Code: lodestar.EInvalid, Message: "The model card could not be saved; check the fields.", Fields: fields}
	}
	if c.EvaluationMetrics == nil {
		c.EvaluationMetrics = map[string]float64{}
	}
	b, err := json.Marshal(c)
	return string(b), err
}

// CreateModelVersion implements lodestar.ModelService. New versions start
// in development.
func (s *Store) CreateModelVersion(ctx context.Context, modelID int64, in lodestar.ModelVersion) (*lodestar.ModelVersion, error) {
	in.Version = strings.TrimSpace(in.Version)
	if in.Version == "" || utf8.RuneCountInString(in.Version) > 64 {
		return nil, lodestar.FieldError("version", "Name the version, at most 64 characters (e.g. 1.4.0 or 2026-11-28).")
	}
	card, err := checkVersionInput(&in)
	if err != nil {
		return nil, err
	}
	p := in.Provenance
	return create(ctx, s, "model_version", loadVersion, func(tx *sqldb.Tx) (int64, error) {
		m, err := loadModel(ctx, tx, modelID)
		if err != nil {
			return 0, err
		}
		if m.Archived {
			return 0, lodestar.Errorf(lodestar.EConflict, "The model is archived.")
		}
		now := sqldb.FormatTime(tx.Now)
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO model_versions (model_id, version, status, card,
			artifact_uri, artifact_sha256, source_commit, training_run, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, modelID, in.Version, lodestar.ModelDevelopment, card,
			p.ArtifactURI, p.ArtifactSHA256, p.SourceCommit, p.TrainingRun, now, now).Scan(&id)
		if sqldb.IsUniqueViolation(err) {
			return 0, &lodestar.Error{Code: lodestar.EConflict, Message: "This model already has a version with this name.",
				Fields: map[string]string{"version": "This model already has a version with this name."}}
		}
		return id, err
	})
}

// checkVersionInput checks a new version's card and provenance together,
// so that one refusal names every bad field of both, and returns the card
// as stored.
func checkVersionInput(in *lodestar.ModelVersion) (string, error) {
	card, cardErr := checkCard(&in.Card)
	provErr := checkProvenance(&in.Provenance)
	switch {
	case cardErr == nil:
		return card, provErr
	case provErr == nil:
		return "", cardErr
	}
	fields := map[string]string{}
	for _, err := range []error{cardErr, provErr} {
		for k, v := range lodestar.ErrorFields(err) {
			fields[k] = v
		}
	}
	return "", &lodestar.Error{Code: lodestar.EInvalid, Message: "The version could not be added; check the fields.", Fields: fields}
}

// versionStamp is the updated_at a write to version before stores: the
// transaction's time, or, should the clock not have moved past the
// stored one (two writes within a microsecond, a clock set back), a
// microsecond after it — every write moves it, so an edit based on the
// version as it was (lodestar.WithBasedOn) is always told it changed.
func versionStamp(tx *sqldb.Tx, before *lodestar.ModelVersion) string {
	now := tx.Now.Truncate(time.Microsecond)
	if !now.After(before.UpdatedAt) {
		now = before.UpdatedAt.Truncate(time.Microsecond).Add(time.Microsecond)
	}
	return sqldb.FormatTime(now)
}

// UpdateModelCard implements lodestar.ModelService. Based on the version
// as it was read (lodestar.WithBasedOn), it is refused if the version
// changed since.
func (s *Store) UpdateModelCard(ctx context.Context, versionID int64, c lodestar.ModelCard) (*lodestar.ModelVersion, error) {
	card, err := checkCard(&c)
	if err != nil {
		return nil, err
	}
	return update(ctx, s, "model_version", "update_card", versionID, loadVersion, func(tx *sqldb.Tx, before *lodestar.ModelVersion) error {
		if err := checkBasedOn(ctx, before); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE model_versions SET card = ?, updated_at = ? WHERE id = ?`, card, versionStamp(tx, before), versionID)
		if err == nil {
			// A retraining task awaiting this live version's metrics
			// closes with them.
			err = settleRetrainingTasks(ctx, tx, before.ModelID, before.Version, c.EvaluationMetrics, time.Time{})
		}
		return err
	})
}

// UpdateModelProvenance implements lodestar.ModelService: the whole
// provenance is replaced (a field left empty is cleared), only while the
// version is in development. Based on the version as it was read
// (lodestar.WithBasedOn), it is refused if the version changed since.
func (s *Store) UpdateModelProvenance(ctx context.Context, versionID int64, p lodestar.Provenance) (*lodestar.ModelVersion, error) {
	if err := checkProvenance(&p); err != nil {
		return nil, err
	}
	return update(ctx, s, "model_version", "update_provenance", versionID, loadVersion, func(tx *sqldb.Tx, before *lodestar.ModelVersion) error {
		if err := checkBasedOn(ctx, before); err != nil {
			return err
		}
		if before.ProvenanceFrozen() {
			return lodestar.Errorf(lodestar.EConflict, "The version has left development, so its provenance is frozen: what was reviewed is what runs. Move it back to development (audited) to change it.")
		}
		_, err := tx.ExecContext(ctx, `UPDATE model_versions SET artifact_uri = ?, artifact_sha256 = ?, source_commit = ?, training_run = ?, updated_at = ?
			WHERE id = ?`, p.ArtifactURI, p.ArtifactSHA256, p.SourceCommit, p.TrainingRun, versionStamp(tx, before), versionID)
		return err
	})
}

// SetModelVersionStatus implements lodestar.ModelService. Based on the
// status the version was seen in (lodestar.WithFrom), it is refused if
// the version has left that status since.
func (s *Store) SetModelVersionStatus(ctx context.Context, versionID int64, status, reason string) (*lodestar.ModelVersion, error) {
	if utf8.RuneCountInString(reason) > 2000 {
		return nil, lodestar.FieldError("reason", "At most 2,000 characters.")
	}
	return update(ctx, s, "model_version", "set_status", versionID, loadVersion, func(tx *sqldb.Tx, before *lodestar.ModelVersion) error {
		// Based on a status it has left (a page opened before someone
		// else's change), the change would silently reverse that one.
		if err := checkFrom(ctx, tx, "model_version", versionID, before.Status, lodestar.ModelStatuses,
			"Unknown status; use development, staging, production or retired.", func(by string, at time.Time) error {
				return lodestar.ErrStatusChangedSince(before.Status, by, at, before)
			}, "create", "set_status"); err != nil {
			return err
		}
		if err := portfolio.CheckModelTransition(before.Status, status, reason); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE model_versions SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?`,
			status, strings.TrimSpace(reason), versionStamp(tx, before), versionID)
		if err == nil && status == lodestar.ModelProduction {
			err = closeRetrainingTasks(ctx, tx, before)
		}
		if err == nil && before.Status == lodestar.ModelProduction && status != lodestar.ModelProduction {
			err = releaseRetrainingTasks(ctx, tx, before)
		}
		if err == nil && status == lodestar.ModelRetired {
			err = resolveRetiredAlerts(ctx, tx, before)
		}
		return err
	})
}

// FindModelVersionByID implements lodestar.ModelService.
func (s *Store) FindModelVersionByID(ctx context.Context, id int64) (*lodestar.ModelVersion, error) {
	v, err := scanVersion(s.DB.QueryRow(ctx, `SELECT `+versionColumns+` FROM model_versions WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Model version")
	}
	return v, wrap("find model version", err)
}

// ListModelVersions implements lodestar.ModelService, newest first.
func (s *Store) ListModelVersions(ctx context.Context, modelID int64) ([]*lodestar.ModelVersion, error) {
	return list(ctx, s, `SELECT `+versionColumns+` FROM model_versions WHERE model_id = ? ORDER BY id DESC`, []any{modelID}, scanVersion)
}

// checkQualityMetric checks a card metric named as monitors name their
// quality metrics (QualityMetrics), which a retraining task closes with as
// its after figures: accuracy, precision, recall, F1 and AUC are shares
// from 0 to 1, log loss, MAE and RMSE never negative, in any letter case
// ("AUC" too). It returns why the metric is refused, or "".
func checkQualityMetric(name string, v float64) string {
	num := strconv.FormatFloat(v, 'g', -1, 64)
	switch strings.ToLower(name) { // a task reads "AUC" as auc (taskFigures)
	case "accuracy", "precision", "recall", "f1", "auc":
		if v < 0 || v > 1 {
			return fmt.Sprintf("%s is a share from 0 to 1, not %s: write a percentage as a fraction (0.85, not 85).", name, num)
		}
	case "log_loss", "mae", "rmse":
		if v < 0 {
			return fmt.Sprintf("%s is never negative, not %s.", name, num)
		}
	}
	return ""
}
