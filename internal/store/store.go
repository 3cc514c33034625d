// Package store implements Lodestar's service interfaces on sqldb in
// hand-written SQL, one file per entity. Every write runs in one
// transaction together with its audit entry.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// Store is the database-backed implementation of the services.
type Store struct {
	DB *sqldb.DB
	// Throttle governs failed sign-ins.
	Throttle Throttle
	// SessionIdle ends a session not used for this long, though its
	// lifetime has not run out: a browser left signed in on a shared or
	// unattended computer does not stay usable for the whole lifetime.
	// 0: sessions end only when they expire.
	SessionIdle time.Duration
	// attemptsSwept is when (Unix nanoseconds, the database's clock) stale
	// throttle rows were last removed (sweepAttempts).
	attemptsSwept atomic.Int64
}

// Throttle limits failed sign-ins per e-mail and client address.
type Throttle struct {
	MaxFailures int           // failures allowed within Window before locking
	Window      time.Duration // how long failures are remembered
	Lockout     time.Duration // how long a lock lasts
}

// DefaultThrottle locks an e-mail/client pair for 15 minutes after 5
// failures within 15 minutes.
var DefaultThrottle = Throttle{MaxFailures: 5, Window: 15 * time.Minute, Lockout: 15 * time.Minute}

// New returns a Store on db with default settings.
func New(db *sqldb.DB) *Store { return &Store{DB: db, Throttle: DefaultThrottle} }

var (
	_ lodestar.UserService    = (*Store)(nil)
	_ lodestar.SessionService = (*Store)(nil)
	_ lodestar.TokenService   = (*Store)(nil)
	_ lodestar.UseCaseService = (*Store)(nil)
	_ lodestar.AuditService   = (*Store)(nil)
)

// FindEvents implements lodestar.AuditService.
func (s *Store) FindEvents(ctx context.Context, f lodestar.AuditFilter) ([]*lodestar.AuditEvent, error) {
	return audit.Find(ctx, s.DB, f)
}

// Verify implements lodestar.AuditService.
func (s *Store) Verify(ctx context.Context) (int64, *lodestar.AuditBreak, error) {
	return audit.Verify(ctx, s.DB)
}

// AuditHashAt returns the hash of audit entry seq, or "" when there is none.
func (s *Store) AuditHashAt(ctx context.Context, seq int64) (string, error) {
	return audit.HashAt(ctx, s.DB, seq)
}

func notFound(what string) error {
	return lodestar.Errorf(lodestar.ENotFound, "%s not found.", what)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// errUnavailable is what a caller is told when the database is away.
var errUnavailable = lodestar.Errorf(lodestar.EUnavailable, "The database cannot be reached at the moment; try again shortly.")

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var le *lodestar.Error
	if errors.As(err, &le) {
		return err
	}
	if sqldb.IsConcurrentChange(err) {
		return lodestar.Errorf(lodestar.EConflict, "Another change to the same records was being saved at the same moment; try again.")
	}
	if sqldb.IsUnavailable(err) {
		// The database away (restarting, the network cut): a 503 the
		// caller may retry, not a 500 fault; the cause stays in the log.
		return fmt.Errorf("%s: %w: %w", op, errUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
