package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

const backupHelp = `Usage: lodestar backup --to DIR [--data DIR] [--audit-key-file FILE]

Copies the SQLite database into DIR, a new (or empty) directory that becomes
a data directory of its own: one moment of the database, taken while the
server goes on reading and writing, compacted, owner-only. The copy's audit
chain is then checked, and its anchor printed to keep elsewhere.
To restore: stop the server, then start it with --data DIR. (To put
DIR/lodestar.db in the data directory's place instead, first delete the
lodestar.db-wal, -shm and -journal files there: SQLite would apply them to
the copy and damage it.)
A PostgreSQL database is backed up with pg_dump, and restored with
pg_restore.
`

func (e *cmdEnv) backup(args []string) error {
	fs := e.flags("backup")
	e.cfg.DatabaseFlags(fs)
	to := fs.String("to", "", "the directory to write the backup into: new, or empty")
	fs.Usage = func() { printHelp(fs, backupHelp, helpFlags) }
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *to == "" {
		return errUsage{"backup: --to is required: the directory to write the backup into"}
	}
	if e.cfg.DatabaseURL != "" {
		return errUsage{sqldb.ErrBackupPostgres.Error()}
	}
	if err := e.requireDB("nothing to back up"); err != nil {
		return err
	}
	// At any schema version, not migrated: a backup is what to take
	// before an upgrade.
	db, err := e.openDB(dbBackup)
	if err != nil {
		return noDatabase(err, "nothing to back up")
	}
	defer db.Close()
	if err := sqldb.CheckBackupDir(*to); err != nil {
		return err
	}
	start := time.Now()
	fmt.Fprintln(e.stderr, "lodestar:", errorText(e.lang, fmt.Sprintf("backing up %s to %s …", db.Where, *to)))
	path, size, err := db.Backup(e.ctx, *to)
	if err != nil {
		return err
	}
	took := time.Since(start)
	// The copy checked as a database of its own: what a restore gets.
	cp, err := sqldb.OpenReadOnly(e.ctx, *to, "")
	if err != nil {
		return fmt.Errorf("backup written to %s, but it does not open: %w", path, err)
	}
	defer cp.Close()
	schema, known, err := cp.SchemaVersion(e.ctx)
	var newer *sqldb.ErrSchemaTooNew
	if errors.As(err, &newer) {
		schema, known, err = newer.DBVersion, newer.Known, nil
	}
	if err != nil {
		return fmt.Errorf("backup written to %s, but its schema could not be read: %w", path, err)
	}
	fmt.Fprintln(e.stdout, e.out("backup.written", path, float64(size)/1e6, schema, took.Seconds()))
	if schema != known {
		// This build checks the audit log of its own schema only.
		fmt.Fprintln(e.stdout, e.out("backup.not_checked", schema, known))
		fmt.Fprintln(e.stdout, e.out("backup.restore", *to))
		return nil
	}
	rep, err := audit.VerifyKeyed(e.ctx, cp, audit.KeysOf(db))
	if err != nil {
		return fmt.Errorf("backup written to %s, but its audit log could not be read: %w", path, err)
	}
	if brk := rep.Break; brk != nil {
		// The copy is the database's own log: a key left out reads the
		// same as a rewrite, so the words are verify's, not a verdict.
		return fmt.Errorf("backup written to %s, but its audit chain does not verify at entry %d: %s (run 'lodestar audit verify' on the database with every audit key it was keyed under)", path, brk.Seq, brk.Reason)
	}
	chain := e.out("backup.chain", rep.Entries)
	if u := rep.Unchecked(); u > 0 {
		chain += e.out("backup.unchecked", u)
	}
	fmt.Fprintln(e.stdout, chain)
	if rep.Entries > 0 {
		head, err := audit.HashAt(e.ctx, cp, rep.Entries)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, e.out("backup.anchor", rep.Entries, head))
	}
	fmt.Fprintln(e.stdout, e.out("backup.restore", *to))
	return nil
}
