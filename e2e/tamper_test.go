package e2e

import (
	"database/sql"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // "sqlite" driver, to tamper with the file
)

// TestAuditTamper changes the audit log behind Lodestar's back, the way
// someone with direct access to the SQLite file could, and checks that
// `lodestar audit verify` exits 1 naming the first broken entry.
func TestAuditTamper(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := []string{"--data", dir}

	// Some history: 1 admin created, 2 sign-in, 3 token created,
	// 4 use case created, 5 user created.
	srv := startServer(t, serverOpts{dbArgs: db, env: withAdmin()})
	if code, body := login(t, newClient(t), srv.URL, adminEmail, adminPassword); code != http.StatusOK {
		t.Fatalf("sign-in: %d\n%.2000s", code, body)
	}
	token := lastLine(mustRun(t, append([]string{"token", "create", "--user", adminEmail, "--name", "ci"}, db...)...).stdout)
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/use-cases", strings.NewReader(`{"title":"Churn model"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if code, body := do(t, http.DefaultClient, req); code != http.StatusCreated {
		t.Fatalf("POST /api/v1/use-cases: %d\n%s", code, body)
	}
	mustRun(t, append([]string{"user", "add", "--email", "eve@example.com", "--role", "viewer", "--password", "long-enough-pw-1"}, db...)...)
	srv.Stop()

	r := mustRun(t, append([]string{"audit", "verify"}, db...)...)
	if !strings.Contains(r.stdout, "intact: 5 entries") {
		t.Fatalf("audit verify before tampering: want 5 intact entries\n%s", r)
	}

	cases := []struct {
		name   string
		tamper func(t *testing.T, db *sql.DB)
		broken string
	}{
		{"edit after_json", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `UPDATE audit_log SET after_json = '{"title":"Nothing to see"}' WHERE seq = 3`)
		}, "entry 3"},
		{"delete a middle row", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `DELETE FROM audit_log WHERE seq = 3`)
		}, "entry 3"},
		{"swap two rows", func(t *testing.T, db *sql.DB) {
			// Every column but seq trades places between entries 3 and 4.
			mustExec(t, db, `CREATE TEMP TABLE swap AS SELECT * FROM audit_log WHERE seq IN (3, 4)`)
			mustExec(t, db, `UPDATE audit_log SET (at, actor_id, actor, action, entity_type, entity_id, before_json, after_json, prev_hash, hash) =
				(SELECT at, actor_id, actor, action, entity_type, entity_id, before_json, after_json, prev_hash, hash
				 FROM swap WHERE swap.seq = 7 - audit_log.seq) WHERE seq IN (3, 4)`)
		}, "entry 3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			copyDir := t.TempDir()
			copyFiles(t, dir, copyDir)
			sdb, err := sql.Open("sqlite", "file:"+filepath.Join(copyDir, "lodestar.db"))
			if err != nil {
				t.Fatal(err)
			}
			sdb.SetMaxOpenConns(1) // the swap's TEMP table lives on one connection
			mustExec(t, sdb, `DROP TRIGGER audit_log_no_update`)
			mustExec(t, sdb, `DROP TRIGGER audit_log_no_delete`)
			tc.tamper(t, sdb)
			if err := sdb.Close(); err != nil {
				t.Fatal(err)
			}
			r := lodestar(t, "audit", "verify", "--data", copyDir)
			if r.code != 1 {
				t.Errorf("audit verify after tampering: want exit 1\n%s", r)
			}
			if !strings.Contains(r.stderr, "BROKEN") || !strings.Contains(r.stderr, tc.broken) {
				t.Errorf("audit verify after tampering: stderr should say the chain is BROKEN at %q\n%s", tc.broken, r)
			}
			t.Logf("audit verify: %s", strings.TrimSpace(r.stderr))
			if strings.Contains(r.stdout, "intact") {
				t.Errorf("audit verify after tampering claims the chain is intact\n%s", r)
			}
		})
	}
}

func mustExec(t *testing.T, db *sql.DB, stmt string) {
	t.Helper()
	if _, err := db.Exec(stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// copyFiles copies the regular files of a stopped server's data directory
// (the database and any WAL left behind).
func copyFiles(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
