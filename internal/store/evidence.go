package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/evidence"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

var _ lodestar.EvidenceService = (*Store)(nil)

const fairnessColumns = `id, model_version_id, title, file_name, sha256, row_count, params, result, flags, created_by, created_by_name, created_at`

func scanFairness(s interface{ Scan(...any) error }) (*lodestar.FairnessAudit, error) {
	a := &lodestar.FairnessAudit{}
	var params, result, flags string
	err := s.Scan(&a.ID, &a.ModelVersionID, &a.Title, &a.FileName, &a.SHA256, &a.Rows, &params, &result, &flags,
		&a.CreatedBy, &a.CreatedByName, sqldb.Time{T: &a.CreatedAt})
	if err != nil {
		return nil, err
	}
	a.Result = json.RawMessage(result)
	if err := json.Unmarshal([]byte(params), &a.Params); err != nil {
		return nil, fmt.Errorf("fairness audit %d params: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(flags), &a.Flags); err != nil {
		return nil, fmt.Errorf("fairness audit %d flags: %w", a.ID, err)
	}
	return a, nil
}

func loadFairness(ctx context.Context, tx *sqldb.Tx, id int64) (*lodestar.FairnessAudit, error) {
	a, err := scanFairness(tx.QueryRowContext(ctx, `SELECT `+fairnessColumns+` FROM fairness_audits WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Fairness audit")
	}
	return a, err
}

// fileName keeps the last element of an uploaded file's name (some
// browsers send a whole path) and bounds it.
func fileName(name, dflt string) string {
	name = strings.TrimSpace(strings.ReplaceAll(name, `\`, "/"))
	name = path.Base(name)
	if name == "." || name == "/" || name == "" {
		return dflt
	}
	if utf8.RuneCountInString(name) > 255 {
		name = string([]rune(name)[:255])
	}
	return name
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// evidenceTitle checks a title, defaulting to the file's name.
func evidenceTitle(title, dflt string) (string, error) {
	title = strings.TrimSpace(title)
	if title == "" {
		// The file's name may run to 255 characters: its first 200 are
		// the title, a limit for a title the user typed, not one they
		// left to the file.
		title = dflt
		if r := []rune(title); len(r) > 200 {
			title = string(r[:200])
		}
	}
	if utf8.RuneCountInString(title) > 200 {
		return "", lodestar.FieldError("title", "At most 200 characters.")
	}
	return title, nil
}

// checkVersion refuses evidence for a version that does not exist.
func checkVersion(ctx context.Context, tx *sqldb.Tx, id int64) error {
	_, err := loadVersion(ctx, tx, id)
	return err
}

func duplicateEvidence(err error, field, msg string) error {
	if sqldb.IsUniqueViolation(err) {
		return &lodestar.Error{Code: lodestar.EConflict, Message: msg, Fields: map[string]string{field: msg}}
	}
	return err
}

// CreateFairnessAudit implements lodestar.EvidenceService: it runs the
// fairness engine on the upload, then stores the report with the input's
// SHA-256, the parameters and who ran it, audited in one transaction.
func (s *Store) CreateFairnessAudit(ctx context.Context, versionID int64, in lodestar.FairnessAuditInput) (*lodestar.FairnessAudit, error) {
	name := fileName(in.FileName, "upload.csv")
	title, err := evidenceTitle(in.Title, name)
	if err != nil {
		return nil, err
	}
	p := in.Params
	if fields := evidence.CheckFairnessParams(&p); len(fields) > 0 {
		return nil, &lodestar.Error{Code: lodestar.EInvalid, Message: "The evidence could not be computed; check the fields.", Fields: fields}
	}
	// Refuse an unknown version before the computation, which may take a
	// while on a large file.
	if _, err := s.FindModelVersionByID(ctx, versionID); err != nil {
		return nil, err
	}
	rep, rows, err := evidence.Fairness(name, in.Data, p)
	if err != nil {
		return nil, err
	}
	params, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	result, err := json.Marshal(rep)
	if err != nil {
		return nil, fmt.Errorf("fairness report: %w", err)
	}
	flags, _ := json.Marshal(evidence.FairnessFlags(rep))
	actor := lodestar.ActorFrom(ctx)
	return create(ctx, s, "fairness_audit", loadFairness, func(tx *sqldb.Tx) (int64, error) {
		if err := checkVersion(ctx, tx, versionID); err != nil {
			return 0, err
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO fairness_audits (model_version_id, title, file_name, sha256, row_count, params, result, flags,
			created_by, created_by_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			versionID, title, name, sha(in.Data), rows, string(params), string(result), string(flags), actor.ID, actor.Label,
			sqldb.FormatTime(tx.Now)).Scan(&id)
		return id, duplicateEvidence(err, "file", "This version already has a fairness audit of the same file with the same parameters.")
	})
}

// FindFairnessAuditByID implements lodestar.EvidenceService.
func (s *Store) FindFairnessAuditByID(ctx context.Context, id int64) (*lodestar.FairnessAudit, error) {
	a, err := scanFairness(s.DB.QueryRow(ctx, `SELECT `+fairnessColumns+` FROM fairness_audits WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Fairness audit")
	}
	return a, wrap("find fairness audit", err)
}

// ListFairnessAudits implements lodestar.EvidenceService.
func (s *Store) ListFairnessAudits(ctx context.Context, versionID int64) ([]*lodestar.FairnessAudit, error) {
	if _, err := s.FindModelVersionByID(ctx, versionID); err != nil {
		return nil, err
	}
	return list(ctx, s, `SELECT `+fairnessColumns+` FROM fairness_audits WHERE model_version_id = ? ORDER BY id DESC`, []any{versionID}, scanFairness)
}

const explanationColumns = `id, model_version_id, title, model_file_name, model_sha256, data_file_name, data_sha256, row_count, params, result,
	created_by, created_by_name, created_at`

func scanExplanation(s interface{ Scan(...any) error }) (*lodestar.ExplanationReport, error) {
	e := &lodestar.ExplanationReport{}
	var params, result string
	err := s.Scan(&e.ID, &e.ModelVersionID, &e.Title, &e.ModelFileName, &e.ModelSHA256, &e.DataFileName, &e.DataSHA256, &e.Rows,
		&params, &result, &e.CreatedBy, &e.CreatedByName, sqldb.Time{T: &e.CreatedAt})
	if err != nil {
		return nil, err
	}
	e.Result = json.RawMessage(result)
	if err := json.Unmarshal([]byte(params), &e.Params); err != nil {
		return nil, fmt.Errorf("explanation %d params: %w", e.ID, err)
	}
	return e, nil
}

func loadExplanation(ctx context.Context, tx *sqldb.Tx, id int64) (*lodestar.ExplanationReport, error) {
	e, err := scanExplanation(tx.QueryRowContext(ctx, `SELECT `+explanationColumns+` FROM explanation_reports WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Explanation report")
	}
	return e, err
}

// CreateExplanation implements lodestar.EvidenceService: TreeSHAP on the
// uploaded model and sample, stored with both inputs' SHA-256.
func (s *Store) CreateExplanation(ctx context.Context, versionID int64, in lodestar.ExplanationInput) (*lodestar.ExplanationReport, error) {
	modelName, dataName := fileName(in.ModelFileName, "model.json"), fileName(in.DataFileName, "sample.csv")
	title, err := evidenceTitle(in.Title, modelName)
	if err != nil {
		return nil, err
	}
	p := in.Params
	if fields := evidence.CheckExplanationParams(&p); len(fields) > 0 {
		return nil, &lodestar.Error{Code: lodestar.EInvalid, Message: "The evidence could not be computed; check the fields.", Fields: fields}
	}
	if _, err := s.FindModelVersionByID(ctx, versionID); err != nil {
		return nil, err
	}
	res, rows, err := evidence.Explain(modelName, in.Model, dataName, in.Data, p)
	if err != nil {
		return nil, err
	}
	params, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	result, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("explanation result: %w", err)
	}
	actor := lodestar.ActorFrom(ctx)
	return create(ctx, s, "explanation_report", loadExplanation, func(tx *sqldb.Tx) (int64, error) {
		if err := checkVersion(ctx, tx, versionID); err != nil {
			return 0, err
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO explanation_reports (model_version_id, title, model_file_name, model_sha256, data_file_name,
			data_sha256, row_count, params, result, created_by, created_by_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			versionID, title, modelName, sha(in.Model), dataName, sha(in.Data), rows, string(params), string(result), actor.ID, actor.Label,
			sqldb.FormatTime(tx.Now)).Scan(&id)
		return id, duplicateEvidence(err, "model", "This version already has an explanation report of the same model and sample with the same parameters.")
	})
}

// FindExplanationByID implements lodestar.EvidenceService.
func (s *Store) FindExplanationByID(ctx context.Context, id int64) (*lodestar.ExplanationReport, error) {
	e, err := scanExplanation(s.DB.QueryRow(ctx, `SELECT `+explanationColumns+` FROM explanation_reports WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Explanation report")
	}
	return e, wrap("find explanation report", err)
}

// ListExplanations implements lodestar.EvidenceService.
func (s *Store) ListExplanations(ctx context.Context, versionID int64) ([]*lodestar.ExplanationReport, error) {
	if _, err := s.FindModelVersionByID(ctx, versionID); err != nil {
		return nil, err
	}
	return list(ctx, s, `SELECT `+explanationColumns+` FROM explanation_reports WHERE model_version_id = ? ORDER BY id DESC`, []any{versionID}, scanExplanation)
}
