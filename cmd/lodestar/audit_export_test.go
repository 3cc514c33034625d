package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAuditExportCLI exports the audit log as CSV: everything, a time
// range and an action filter, to standard output or a file; bad ranges
// and a missing database are usage errors that write nothing.
func TestAuditExportCLI(t *testing.T) {
	dir := t.TempDir()
	do := runIn(dir)
	if code, _, errs := do("audit", "export"); code != 1 || !strings.Contains(errs, "no Lodestar database here") {
		t.Errorf("no database: got %d %q, want 1 saying so", code, errs)
	}
	if code, _, errs := do("migrate", "up"); code != 0 {
		t.Fatalf("migrate: %s", errs)
	}
	mustUseCase(t, dir)
	for _, a := range [][]string{
		{"model", "add", "--use-case", "1", "--key", "recsys", "--name", "Recommender"},
		{"model", "version", "--key", "recsys", "--version", "1.0"},
	} {
		if code, _, errs := do(a...); code != 0 {
			t.Fatalf("%v: %s", a, errs)
		}
	}
	rows := func(out string) [][]string {
		t.Helper()
		r, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || len(r) == 0 || strings.Join(r[0], ",") != "seq,at,actor_id,actor,action,entity_type,entity_id,before,after,prev_hash,hash" {
			t.Fatalf("not the audit CSV (%v): %q", err, out)
		}
		return r[1:]
	}
	_, out, _ := do("audit", "export")
	all := rows(out)
	if len(all) != 3 || all[0][5] != "model_version" || all[2][5] != "use_case" || all[0][9] != all[1][10] || all[1][9] != all[2][10] {
		t.Errorf("everything: got %v, want the version, the model and the use case, newest first, chained", all)
	}
	_, out, _ = do("audit", "export", "--entity-type", "model")
	if r := rows(out); len(r) != 1 || r[0][6] != "1" {
		t.Errorf("--entity-type model: got %v", r)
	}
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	_, out, _ = do("audit", "export", "--from", tomorrow)
	if r := rows(out); len(r) != 0 {
		t.Errorf("--from tomorrow: got %d rows, want none", len(r))
	}
	file := filepath.Join(dir, "audit.csv")
	code, out, errs := do("audit", "export", "--to", tomorrow, "--output", file)
	if data, err := os.ReadFile(file); code != 0 || out != "" || !strings.Contains(errs, "exported 3 audit entries") || err != nil || len(rows(string(data))) != 3 {
		t.Errorf("--output: got %d %q %q, file %v", code, out, errs, err)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("--output file mode: %v %v, want 0600 (the log names people)", fi.Mode(), err)
	}
	for _, bad := range [][]string{{"--from", "soon"}, {"--to", "2026-02-30"}, {"--from", "2026-03-02", "--to", "2026-03-01"}} {
		code, out, errs := do(append([]string{"audit", "export"}, bad...)...)
		if code != 2 || out != "" || !strings.Contains(errs, bad[len(bad)-2]) {
			t.Errorf("%v: got %d %q %q, want a usage error naming the flag", bad, code, out, errs)
		}
	}
	if code, _, errs := do("audit", "export", "-h"); code != 0 || !strings.Contains(errs, "Usage: lodestar audit export") {
		t.Errorf("-h: got %d %q, want 0 and the usage", code, errs)
	}
}
