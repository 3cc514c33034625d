package main

import (
	"encoding/json"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestModelProvenanceCLI: provenance given with a new version, changed
// later field by field while in development, refused by field when bad
// and with the freeze once staged, shown by model show --version.
func TestModelProvenanceCLI(t *testing.T) {
	_, do := withUseCase(t)
	mustRun(t, do, []string{"user", "add", "--email", "ai@example.com", "--role", "ai_team", "--password", "correct horse battery"})
	const digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	steps := []struct {
		args   []string
		code   int
		outHas string
		errHas string
	}{
		{[]string{"model", "add", "--use-case", "1", "--key", "recsys", "--name", "Recommender"}, 0, "registered model 1 recsys", ""},
		{[]string{"model", "version", "--key", "recsys", "--version", "1.0", "--artifact-uri", "s3://models/recsys/1.0/model.xgb",
			"--source-commit", "ABC1234"}, 0, "added recsys 1.0", ""},
		{[]string{"model", "version", "--key", "recsys", "--version", "1.1", "--artifact-sha256", "nope"}, 1, "", "64 hexadecimal"},
		{[]string{"model", "provenance", "--key", "recsys", "--version", "1.0"}, 2, "", "a provenance flag"},
		{[]string{"model", "provenance", "--key", "recsys", "--version", "1.0", "--artifact-uri", "https://u:p@example.com/m.bin"}, 1, "", "user name and password"},
		{[]string{"model", "provenance", "--key", "recsys", "--version", "1.0", "--artifact-uri", "javascript:alert(1)"}, 1, "", "Write where the artifact lives"},
		{[]string{"model", "provenance", "--key", "recsys", "--version", "1.0", "--artifact-sha256", strings.ToUpper(digest),
			"--training-run", "https://mlflow.example.com/#/experiments/1/runs/7"}, 0, "updated the provenance of recsys 1.0", ""},
		{[]string{"model", "status", "--key", "recsys", "--version", "1.0", "--status", "staging", "--reason", "offline metrics pass", "--as", "ai@example.com"}, 0, "is now staging", ""},
		{[]string{"model", "provenance", "--key", "recsys", "--version", "1.0", "--artifact-uri", "s3://models/recsys/swapped.xgb"}, 1, "", "frozen"},
		{[]string{"model", "show", "--key", "recsys", "--version", "1.0"}, 0, "Artifact SHA-256: " + digest, ""},
	}
	for _, st := range steps {
		code, out, errs := do(st.args...)
		if code != st.code || !strings.Contains(out, st.outHas) || !strings.Contains(errs, st.errHas) {
			t.Errorf("%v: got exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
				st.args, code, out, errs, st.code, st.outHas, st.errHas)
		}
	}
	// Each flag kept the fields it did not name; the refusals changed
	// nothing; the freeze is shown.
	_, out, _ := do("model", "show", "--key", "recsys", "--version", "1.0")
	for _, w := range []string{"Artifact URI:     s3://models/recsys/1.0/model.xgb", "Source commit:    abc1234",
		"Training run:     https://mlflow.example.com/#/experiments/1/runs/7", "(frozen: the version has left development)"} {
		if !strings.Contains(out, w) {
			t.Errorf("model show --version: no %q in\n%s", w, out)
		}
	}
	if strings.Contains(out, "warning: no digest") {
		t.Errorf("model show --version: warns of a missing digest the version has")
	}
	_, out, _ = do("model", "show", "--key", "recsys", "--version", "1.0", "--format", "json")
	var v lodestar.ModelVersion
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Provenance.ArtifactSHA256 != digest {
		t.Errorf("model show --format json: %+v, %v", v.Provenance, err)
	}
	// Back in development it thaws; staged with the digest cleared, it warns.
	steps = steps[:0]
	for _, args := range [][]string{
		{"model", "status", "--key", "recsys", "--version", "1.0", "--status", "development", "--reason", "wrong file", "--as", "ai@example.com"},
		{"model", "provenance", "--key", "recsys", "--version", "1.0", "--artifact-sha256", ""},
		{"model", "status", "--key", "recsys", "--version", "1.0", "--status", "staging", "--reason", "again", "--as", "ai@example.com"},
	} {
		if code, _, errs := do(args...); code != 0 {
			t.Fatalf("%v: exit %d, %s", args, code, errs)
		}
	}
	if _, out, _ := do("model", "show", "--key", "recsys", "--version", "1.0"); !strings.Contains(out, "Artifact SHA-256: -") ||
		!strings.Contains(out, "warning: no digest recorded") || !strings.Contains(out, "Artifact URI:     s3://models/recsys/1.0/model.xgb") {
		t.Errorf("after clearing the digest and staging again:\n%s", out)
	}
	if code, out, _ := do("audit", "verify"); code != 0 || !strings.Contains(out, "intact") {
		t.Errorf("audit verify: exit %d %s", code, out)
	}
}
