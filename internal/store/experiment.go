package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

var _ lodestar.ExperimentService = (*Store)(nil)

const experimentColumns = `id, use_case_id, key, name, hypothesis, control_version_id, treatment_version_id, primary_metric, guardrails,
	alpha, min_sample, treatment_share, status, status_reason, started_at, stopped_at, created_at, updated_at`

func scanExperiment(s interface{ Scan(...any) error }) (*lodestar.Experiment, error) {
	e := &lodestar.Experiment{}
	var primary, guardrails, started, stopped string
	err := s.Scan(&e.ID, &e.UseCaseID, &e.Key, &e.Name, &e.Hypothesis, &e.ControlVersionID, &e.TreatmentVersionID, &primary, &guardrails,
		&e.Alpha, &e.MinSample, &e.TreatmentShare, &e.Status, &e.StatusReason, &started, &stopped,
		sqldb.Time{T: &e.CreatedAt}, sqldb.Time{T: &e.UpdatedAt})
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(primary), &e.Primary); err != nil {
		return nil, fmt.Errorf("experiment %d primary metric: %w", e.ID, err)
	}
	if err := json.Unmarshal([]byte(guardrails), &e.Guardrails); err != nil {
		return nil, fmt.Errorf("experiment %d guardrails: %w", e.ID, err)
	}
	if e.Guardrails == nil {
		e.Guardrails = []lodestar.ExperimentMetric{}
	}
	if started != "" {
		if e.StartedAt, err = sqldb.ParseTime(started); err != nil {
			return nil, err
		}
	}
	if stopped != "" {
		if e.StoppedAt, err = sqldb.ParseTime(stopped); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func loadExperiment(ctx context.Context, tx *sqldb.Tx, id int64) (*lodestar.Experiment, error) {
	e, err := scanExperiment(tx.QueryRowContext(ctx, `SELECT `+experimentColumns+` FROM experiments WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Experiment")
	}
	return e, err
}

// checkMetric validates one metric of an experiment's design, noting
// problems under prefix (e.g. "primary." or "guardrails[1].").
func checkMetric(fields map[string]string, prefix string, m *lodestar.ExperimentMetric, guardrail bool) {
	m.Name, m.Kind, m.Direction = strings.TrimSpace(m.Name), strings.TrimSpace(m.Kind), strings.TrimSpace(m.Direction)
	if !modelKey.MatchString(m.Name) {
		fields[prefix+"name"] = "Name the metric with 1–63 lower-case letters, digits, dots, dashes or underscores."
	}
	if m.Kind != lodestar.MetricMean && m.Kind != lodestar.MetricProportion {
		fields[prefix+"kind"] = "Kind is mean or proportion."
	}
	if m.Direction != lodestar.DirectionUp && m.Direction != lodestar.DirectionDown {
		fields[prefix+"direction"] = "Direction is up (higher is better) or down (lower is better)."
	}
	switch {
	case !guardrail && m.MaxDegradation != 0:
		fields[prefix+"max_degradation"] = "Only guardrails have an allowed degradation."
	case guardrail && !(m.MaxDegradation >= 0 && m.MaxDegradation <= 1):
		fields[prefix+"max_degradation"] = "The allowed degradation is a fraction from 0 to 1 (0.02 allows 2 percent worse)."
	}
}

// checkExperiment trims and validates an experiment's design, applying
// the defaults, and checks its references inside tx.
func checkExperiment(ctx context.Context, tx *sqldb.Tx, in *lodestar.Experiment) error {
	in.Key, in.Name, in.Hypothesis = strings.TrimSpace(in.Key), strings.TrimSpace(in.Name), strings.TrimSpace(in.Hypothesis)
	fields := map[string]string{}
	if !modelKey.MatchString(in.Key) {
		fields["key"] = "Use 1–63 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit."
	}
	checkLen(fields, "name", in.Name, 200, true)
	checkLen(fields, "hypothesis", in.Hypothesis, 10000, true)
	if in.Alpha == 0 {
		in.Alpha = lodestar.DefaultAlpha
	}
	if !(in.Alpha > 0 && in.Alpha <= 0.5) {
		fields["alpha"] = "Alpha is the significance level, above 0 and at most 0.5 (usually 0.05)."
	}
	if in.TreatmentShare == 0 {
		in.TreatmentShare = lodestar.DefaultTreatmentShare
	}
	if !(in.TreatmentShare > 0 && in.TreatmentShare < 1) {
		fields["treatment_share"] = "The treatment share is a fraction between 0 and 1 (0.5 splits evenly)."
	}
	if in.MinSample < 0 || in.MinSample > 1e12 {
		fields["min_sample"] = "The minimum sample per variant is a whole number, 0 for none."
	}
	checkMetric(fields, "primary.", &in.Primary, false)
	if len(in.Guardrails) > lodestar.MaxGuardrails {
		fields["guardrails"] = fmt.Sprintf("At most %d guardrails.", lodestar.MaxGuardrails)
	}
	seen := map[string]bool{in.Primary.Name: true}
	for i := range in.Guardrails {
		prefix := fmt.Sprintf("guardrails[%d].", i)
		checkMetric(fields, prefix, &in.Guardrails[i], true)
		if n := in.Guardrails[i].Name; n != "" && seen[n] {
			fields[prefix+"name"] = "Each metric is named once."
		}
		seen[in.Guardrails[i].Name] = true
	}
	if in.Guardrails == nil {
		in.Guardrails = []lodestar.ExperimentMetric{}
	}
	if in.UseCaseID == 0 {
		fields["use_case_id"] = "Choose the use case this experiment serves."
	} else if err := checkRef(ctx, tx, fields, "use_case_id", "use_cases", in.UseCaseID, 0); err != nil {
		return err
	}
	for _, v := range []struct {
		field string
		id    int64
	}{{"control_version_id", in.ControlVersionID}, {"treatment_version_id", in.TreatmentVersionID}} {
		if err := checkExperimentVersion(ctx, tx, fields, v.field, v.id, in.UseCaseID); err != nil {
			return err
		}
	}
	if in.ControlVersionID != 0 && in.ControlVersionID == in.TreatmentVersionID {
		fields["treatment_version_id"] = "The treatment must be another version than the control."
	}
	if len(fields) > 0 {
		return &lodestar.Error{Code: lodestar.EInvalid, Message: "The experiment could not be saved; check the fields.", Fields: fields}
	}
	return nil
}

// checkExperimentVersion notes in fields when id is not a version of one of
// the use case's models.
func checkExperimentVersion(ctx context.Context, tx *sqldb.Tx, fields map[string]string, field string, id, useCaseID int64) error {
	if id == 0 {
		fields[field] = "Choose a model version."
		return nil
	}
	var uc int64
	err := tx.QueryRowContext(ctx, `SELECT m.use_case_id FROM model_versions v JOIN models m ON m.id = v.model_id WHERE v.id = ?`, id).Scan(&uc)
	switch {
	case isNoRows(err):
		fields[field] = "No such model version."
	case err != nil:
		return err
	case useCaseID != 0 && uc != useCaseID:
		fields[field] = "Choose a version of one of this use case's models."
	}
	return nil
}

func duplicateExperimentKey(err error) error {
	if sqldb.IsUniqueViolation(err) {
		return &lodestar.Error{Code: lodestar.EConflict, Message: "An experiment with this key already exists.",
			Fields: map[string]string{"key": "An experiment with this key already exists."}}
	}
	return err
}

func experimentJSON(e *lodestar.Experiment) (primary, guardrails string, err error) {
	p, err := json.Marshal(e.Primary)
	if err != nil {
		return "", "", err
	}
	g, err := json.Marshal(e.Guardrails)
	return string(p), string(g), err
}

// CreateExperiment implements lodestar.ExperimentService. Experiments
// start as drafts.
func (s *Store) CreateExperiment(ctx context.Context, in lodestar.Experiment) (*lodestar.Experiment, error) {
	return create(ctx, s, "experiment", loadExperiment, func(tx *sqldb.Tx) (int64, error) {
		if err := checkExperiment(ctx, tx, &in); err != nil {
			return 0, err
		}
		primary, guardrails, err := experimentJSON(&in)
		if err != nil {
			return 0, err
		}
		now := sqldb.FormatTime(tx.Now)
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO experiments (use_case_id, key, name, hypothesis, control_version_id, treatment_version_id,
			primary_metric, guardrails, alpha, min_sample, treatment_share, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.UseCaseID, in.Key, in.Name, in.Hypothesis, in.ControlVersionID, in.TreatmentVersionID, primary, guardrails,
			in.Alpha, in.MinSample, in.TreatmentShare, lodestar.ExperimentDraft, now, now).Scan(&id)
		return id, duplicateExperimentKey(err)
	})
}

// UpdateExperiment implements lodestar.ExperimentService. Only a draft's
// design may change: data collected under one design says nothing about
// another. The key never changes: units are assigned by it.
func (s *Store) UpdateExperiment(ctx context.Context, id int64, in lodestar.Experiment) (*lodestar.Experiment, error) {
	return update(ctx, s, "experiment", "update", id, loadExperiment, func(tx *sqldb.Tx, before *lodestar.Experiment) error {
		if before.Status != lodestar.ExperimentDraft {
			return lodestar.Errorf(lodestar.EConflict, "Only a draft experiment can be edited; data collected under one design says nothing about another.")
		}
		if in.Key != "" && in.Key != before.Key {
			return lodestar.FieldError("key", "An experiment's key cannot change; units are assigned by it.")
		}
		in.Key = before.Key
		if err := checkExperiment(ctx, tx, &in); err != nil {
			return err
		}
		primary, guardrails, err := experimentJSON(&in)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE experiments SET use_case_id = ?, name = ?, hypothesis = ?, control_version_id = ?,
			treatment_version_id = ?, primary_metric = ?, guardrails = ?, alpha = ?, min_sample = ?, treatment_share = ?, updated_at = ?
			WHERE id = ?`, in.UseCaseID, in.Name, in.Hypothesis, in.ControlVersionID, in.TreatmentVersionID, primary, guardrails,
			in.Alpha, in.MinSample, in.TreatmentShare, sqldb.FormatTime(tx.Now), id)
		return err
	})
}

// FindExperimentByID implements lodestar.ExperimentService.
func (s *Store) FindExperimentByID(ctx context.Context, id int64) (*lodestar.Experiment, error) {
	e, err := scanExperiment(s.DB.QueryRow(ctx, `SELECT `+experimentColumns+` FROM experiments WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Experiment")
	}
	return e, wrap("find experiment", err)
}

// ListExperiments implements lodestar.ExperimentService, newest first.
func (s *Store) ListExperiments(ctx context.Context, f lodestar.ExperimentFilter) ([]*lodestar.Experiment, error) {
	var w filterSQL
	if f.UseCaseID != 0 {
		w.add("use_case_id = ?", f.UseCaseID)
	}
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	return list(ctx, s, `SELECT `+experimentColumns+` FROM experiments`+w.sql()+` ORDER BY id DESC`, w.args, scanExperiment)
}

// SetExperimentStatus implements lodestar.ExperimentService: draft →
// running → stopped, each with a reason.
func (s *Store) SetExperimentStatus(ctx context.Context, id int64, status, reason string) (*lodestar.Experiment, error) {
	reason = strings.TrimSpace(reason)
	fields := map[string]string{}
	if reason == "" {
		fields["reason"] = "Say why; the reason is kept in the audit log."
	} else if utf8.RuneCountInString(reason) > 2000 {
		fields["reason"] = "At most 2,000 characters."
	}
	if status != lodestar.ExperimentRunning && status != lodestar.ExperimentStopped {
		fields["status"] = "Status is running (to start) or stopped (to stop)."
	}
	if len(fields) > 0 {
		return nil, &lodestar.Error{Code: lodestar.EInvalid, Message: "The status could not be changed; check the fields.", Fields: fields}
	}
	return update(ctx, s, "experiment", "set_status", id, loadExperiment, func(tx *sqldb.Tx, before *lodestar.Experiment) error {
		now := sqldb.FormatTime(tx.Now)
		switch {
		case before.Status == lodestar.ExperimentDraft && status == lodestar.ExperimentRunning:
			_, err := tx.ExecContext(ctx, `UPDATE experiments SET status = ?, status_reason = ?, started_at = ?, updated_at = ? WHERE id = ?`,
				status, reason, now, now, id)
			return err
		case before.Status == lodestar.ExperimentRunning && status == lodestar.ExperimentStopped:
			_, err := tx.ExecContext(ctx, `UPDATE experiments SET status = ?, status_reason = ?, stopped_at = ?, updated_at = ? WHERE id = ?`,
				status, reason, now, now, id)
			return err
		}
		// Refused as invalid input (400), as a use case's stage and a model
		// version's status are: the change asked for is not one of the
		// lifecycle's steps from here.
		if before.Status == status {
			return lodestar.FieldError("status", "The experiment is already in this status.")
		}
		return lodestar.FieldError("status", "An experiment goes from draft to running to stopped, one step at a time.")
	})
}
