package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

var _ lodestar.EventService = (*Store)(nil)

// FindModelByRef implements lodestar.EventService: by key first, then by
// numeric ID.
func (s *Store) FindModelByRef(ctx context.Context, ref string) (*lodestar.Model, error) {
	m, err := scanModel(s.DB.QueryRow(ctx, `SELECT `+modelColumns+` FROM models WHERE key = ?`, ref))
	if err == nil {
		return m, nil
	}
	if !isNoRows(err) {
		return nil, wrap("find model", err)
	}
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil && id > 0 {
		return s.FindModelByID(ctx, id)
	}
	return nil, notFound("Model")
}

// eventRows is how many events one INSERT carries: 6 parameters each stays
// well inside both databases' parameter limits.
const eventRows = 500

var insertSQL sync.Map // rows → statement

func insertEventsSQL(n int) string {
	if q, ok := insertSQL.Load(n); ok {
		return q.(string)
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO prediction_events (model_id, event_id, ts, version, body, label) VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?, ?, ?, ?)")
	}
	b.WriteString(` ON CONFLICT (model_id, event_id) DO NOTHING`)
	q := b.String()
	insertSQL.Store(n, q)
	return q
}

func nullable(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// AppendEvents implements lodestar.EventService. Events are data, not
// governance changes: they are not written to the audit log.
func (s *Store) AppendEvents(ctx context.Context, modelID int64, events []lodestar.StoredEvent) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	accepted := 0
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		accepted = 0
		var archived bool
		if err := tx.QueryRowContext(ctx, `SELECT archived FROM models WHERE id = ?`, modelID).Scan(&archived); err != nil {
			if isNoRows(err) {
				return notFound("Model")
			}
			return err
		}
		args := make([]any, 0, 6*eventRows)
		var full *sql.Stmt // the statement for whole chunks, prepared once per batch
		defer func() {
			if full != nil {
				full.Close()
			}
		}()
		for start := 0; start < len(events); start += eventRows {
			chunk := events[start:min(start+eventRows, len(events))]
			args = args[:0]
			for i := range chunk {
				e := &chunk[i]
				args = append(args, modelID, e.ID, e.Time.UnixMilli(), e.Version, string(e.Body), nullable(e.Label))
			}
			var res sql.Result
			var err error
			if len(chunk) == eventRows {
				if full == nil {
					if full, err = tx.PrepareContext(ctx, s.DB.Rebind(insertEventsSQL(eventRows))); err != nil {
						return err
					}
				}
				res, err = full.ExecContext(ctx, args...)
			} else {
				res, err = tx.ExecContext(ctx, insertEventsSQL(len(chunk)), args...)
			}
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			accepted += int(n)
		}
		return nil
	})
	return accepted, wrap("append events", err)
}

// AttachLabels implements lodestar.EventService.
func (s *Store) AttachLabels(ctx context.Context, modelID int64, labels []lodestar.EventLabel) ([]string, error) {
	var unknown []string
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		unknown = unknown[:0]
		stmt, err := tx.PrepareContext(ctx, s.DB.Rebind(`UPDATE prediction_events SET label = ? WHERE model_id = ? AND event_id = ?`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, l := range labels {
			res, err := stmt.ExecContext(ctx, string(l.Label), modelID, l.ID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				unknown = append(unknown, l.ID)
			}
		}
		return nil
	})
	return unknown, wrap("attach labels", err)
}

// ScanEvents implements lodestar.EventService.
func (s *Store) ScanEvents(ctx context.Context, modelID int64, version string, from, to time.Time, fn func(lodestar.StoredEvent) error) error {
	q := `SELECT event_id, ts, version, body, label FROM prediction_events WHERE model_id = ? AND ts >= ? AND ts < ?`
	args := []any{modelID, from.UnixMilli(), to.UnixMilli()}
	if version != "" {
		q += ` AND version = ?`
		args = append(args, version)
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY ts, event_id`, args...)
	if err != nil {
		return wrap("scan events", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e     lodestar.StoredEvent
			ms    int64
			body  string
			label *string
		)
		if err := rows.Scan(&e.ID, &ms, &e.Version, &body, &label); err != nil {
			return wrap("scan events", err)
		}
		e.Time, e.Body = time.UnixMilli(ms).UTC(), []byte(body)
		if label != nil {
			e.Label = []byte(*label)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return wrap("scan events", rows.Err())
}

// CountEvents implements lodestar.EventService.
func (s *Store) CountEvents(ctx context.Context, modelID int64) (int64, error) {
	var n int64
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM prediction_events WHERE model_id = ?`, modelID).Scan(&n)
	return n, wrap("count events", err)
}

// DeleteEventsBefore deletes a model's events older than before, in
// chunks so no transaction holds the write lock for long, and returns how
// many it deleted. Windows already evaluated keep their figures.
func (s *Store) DeleteEventsBefore(ctx context.Context, modelID int64, before time.Time) (int64, error) {
	var total int64
	for {
		res, err := s.DB.DB.ExecContext(ctx, s.DB.Rebind(`DELETE FROM prediction_events WHERE model_id = ? AND event_id IN
			(SELECT event_id FROM prediction_events WHERE model_id = ? AND ts < ? LIMIT 5000)`), modelID, modelID, before.UnixMilli())
		if err != nil {
			return total, wrap("delete events", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, wrap("delete events", err)
		}
		total += n
		if n == 0 {
			return total, nil
		}
	}
}
