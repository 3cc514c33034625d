package store

import (
	"context"
	"strings"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// MaxPageSize is the largest page any list returns.
const MaxPageSize = 200

const useCaseColumns = `id, title, description, created_by, created_at, updated_at`

func scanUseCase(s interface{ Scan(...any) error }) (*lodestar.UseCase, error) {
	u := &lodestar.UseCase{}
	err := s.Scan(&u.ID, &u.Title, &u.Description, &u.CreatedBy, sqldb.Time{T: &u.CreatedAt}, sqldb.Time{T: &u.UpdatedAt})
	return u, err
}

// ValidateNewUseCase trims and checks the input, naming each bad field.
func ValidateNewUseCase(in *lodestar.NewUseCase) error {
	fields := map[string]string{}
	in.Title = strings.TrimSpace(in.Title)
	in.Description = strings.TrimSpace(in.Description)
	if in.Title == "" {
		fields["title"] = "Title is required."
	} else if utf8.RuneCountInString(in.Title) > 200 {
		fields["title"] = "Title must be at most 200 characters."
	}
	if utf8.RuneCountInString(in.Description) > 10000 {
		fields["description"] = "Description must be at most 10,000 characters."
	}
	if len(fields) > 0 {
		return &lodestar.Error{Code: lodestar.EInvalid, Message: "The use case could not be saved; check the fields.", Fields: fields}
	}
	return nil
}

// CreateUseCase implements lodestar.UseCaseService.
func (s *Store) CreateUseCase(ctx context.Context, in lodestar.NewUseCase) (*lodestar.UseCase, error) {
	if err := ValidateNewUseCase(&in); err != nil {
		return nil, err
	}
	var uc *lodestar.UseCase
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		now := sqldb.FormatTime(tx.Now)
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO use_cases (title, description, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, in.Title, in.Description, lodestar.ActorFrom(ctx).ID, now, now).Scan(&id)
		if err != nil {
			return err
		}
		if uc, err = scanUseCase(tx.QueryRowContext(ctx, `SELECT `+useCaseColumns+` FROM use_cases WHERE id = ?`, id)); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Change{Action: "create", EntityType: "use_case", EntityID: id, After: uc})
		return err
	})
	return uc, wrap("create use case", err)
}

// FindUseCaseByID implements lodestar.UseCaseService.
func (s *Store) FindUseCaseByID(ctx context.Context, id int64) (*lodestar.UseCase, error) {
	uc, err := scanUseCase(s.DB.QueryRow(ctx, `SELECT `+useCaseColumns+` FROM use_cases WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Use case")
	}
	return uc, wrap("find use case", err)
}

// FindUseCases implements lodestar.UseCaseService.
func (s *Store) FindUseCases(ctx context.Context, f lodestar.UseCaseFilter) ([]*lodestar.UseCase, int, error) {
	if f.Limit <= 0 || f.Limit > MaxPageSize {
		return nil, 0, lodestar.FieldError("limit", "limit must be between 1 and 200.")
	}
	var where []string
	var args []any
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, "(LOWER(title) LIKE ? OR LOWER(description) LIKE ?)")
		like := "%" + strings.ToLower(q) + "%"
		args = append(args, like, like)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM use_cases`+cond, args...).Scan(&total); err != nil {
		return nil, 0, wrap("count use cases", err)
	}
	if f.After > 0 {
		where = append(where, "id < ?")
		args = append(args, f.After)
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.DB.Query(ctx, `SELECT `+useCaseColumns+` FROM use_cases`+cond+` ORDER BY id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, 0, wrap("find use cases", err)
	}
	defer rows.Close()
	var out []*lodestar.UseCase
	for rows.Next() {
		uc, err := scanUseCase(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, uc)
	}
	return out, total, rows.Err()
}
