package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"

	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// auditKeys reads the audit keys the configuration names (nil: none),
// refusing a key too short or given twice. Its errors name where the keys
// came from and their key ids, never a key.
func (e *cmdEnv) auditKeys() (*audit.Keyring, error) {
	secrets, err := e.cfg.AuditKeys()
	if err != nil {
		return nil, err
	}
	r, err := audit.NewKeyring(secrets)
	if err != nil {
		source := "--audit-key-file " + e.cfg.AuditKeyFile
		if e.cfg.AuditKey != "" {
			source = "LODESTAR_AUDIT_KEY"
		}
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	// Like ssh with a private key, but a warning rather than a refusal:
	// secrets mounted by an orchestrator are often readable by all, and a
	// server that will not start over it helps nobody.
	if f := e.cfg.AuditKeyFile; r != nil && f != "" && runtime.GOOS != "windows" {
		if fi, err := os.Stat(f); err == nil && fi.Mode().Perm()&0o077 != 0 {
			fmt.Fprintln(e.stderr, "lodestar:", e.out("warn.key_file", f, fi.Mode().Perm()))
		}
	}
	return r, nil
}

// startAuditKeys readies the audit log for serve's keys (audit.Start) and
// says how it is kept: keyed under which key id, or not keyed.
func startAuditKeys(ctx context.Context, db *sqldb.DB, log *slog.Logger) error {
	ev, err := audit.Start(ctx, db)
	if err != nil {
		return err
	}
	r := audit.KeysOf(db)
	switch {
	case r == nil:
		log.Info("audit log not keyed: whoever can write the database could rebuild it unnoticed; set LODESTAR_AUDIT_KEY or --audit-key-file to key it")
	case ev != nil:
		log.Info("audit log keyed from this entry on", "key_id", r.Current().ID(), "entry", ev.Seq, "previous_key_id", audit.KeyIDOf(ev.PrevHash))
	default:
		log.Info("audit log keyed", "key_id", r.Current().ID(), "keys", len(r.IDs()))
	}
	return nil
}
