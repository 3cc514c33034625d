package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// TestSwitchCLI reads and flips switches from the shell: the flip is made
// by the user --as names, only if their role may flip one (as on the web
// and the API), refused with the service's own messages for a bad state
// or fallback, and guarded by --version; a refused flip changes nothing.
func TestSwitchCLI(t *testing.T) {
	dir, do := withUseCase(t)
	mustRun(t, do, [][]string{
		{"user", "add", "--email", "ai@example.com", "--role", "ai_team", "--password", "correct horse battery"},
		{"user", "add", "--email", "risk@example.com", "--role", "risk_officer", "--password", "correct horse battery"},
		{"user", "add", "--email", "committee@example.com", "--role", "committee", "--password", "correct horse battery"},
		{"user", "add", "--email", "ml@example.com", "--role", "ai_team", "--password", "correct horse battery"},
		{"user", "add", "--email", "admin@example.com", "--role", "admin", "--password", "correct horse battery"},
		{"user", "add", "--email", "gone@example.com", "--role", "admin", "--password", "correct horse battery"},
		{"user", "disable", "--email", "gone@example.com"},
		{"model", "add", "--use-case", "1", "--key", "credit-risk", "--name", "Credit"},
		{"model", "add", "--use-case", "1", "--key", "rules", "--name", "Rules"},
		{"model", "version", "--key", "rules", "--version", "3"},
		{"model", "status", "--key", "rules", "--version", "3", "--status", "staging", "--reason", "checked", "--as", "ai@example.com"},
		{"model", "status", "--key", "rules", "--version", "3", "--status", "production", "--reason", "live", "--as", "ai@example.com"},
	}...)
	refused := []struct {
		args   []string
		code   int
		errHas string
	}{
		{[]string{"switch", "flip", "credit-risk", "--state", "off", "--reason", "drift", "--as", "ml@example.com"}, 1, "ml@example.com has the role ai_team; only the roles admin, committee, risk_officer may flip"},
		{[]string{"switch", "flip", "credit-risk", "--state", "off", "--reason", "drift", "--as", "gone@example.com"}, 1, "gone@example.com is disabled"},
		{[]string{"switch", "flip", "credit-risk", "--state", "off", "--reason", "drift", "--as", "nobody@example.com"}, 1, "no user nobody@example.com in this database"},
		{[]string{"switch", "flip", "no-such-model", "--state", "off", "--reason", "drift", "--as", "risk@example.com"}, 1, `no model with key "no-such-model"`},
		{[]string{"switch", "flip", "credit-risk", "--state", "paused", "--reason", "drift", "--as", "risk@example.com"}, 1, "state: The state is on, off or fallback."},
		{[]string{"switch", "flip", "credit-risk", "--state", "fallback", "--reason", "drift", "--as", "risk@example.com"}, 1, "fallback: Name what to serve instead."},
		{[]string{"switch", "flip", "credit-risk", "--state", "off", "--fallback", "rules", "--reason", "drift", "--as", "risk@example.com"}, 1, "fallback: A fallback is named only when the state is fallback."},
		{[]string{"switch", "flip", "credit-risk", "--state", "fallback", "--fallback", "credit-risk", "--reason", "drift", "--as", "risk@example.com"}, 1, "cannot be its own fallback"},
		{[]string{"switch", "flip", "credit-risk", "--state", "off", "--reason", strings.Repeat("x", 2001), "--as", "risk@example.com"}, 1, "reason:"},
		// A reason given but blank is the service's refusal (exit 1), as
		// a PUT's or the web form's is; only a --reason left out is bad
		// usage (exit 2, TestRunUsage).
		{[]string{"switch", "flip", "credit-risk", "--state", "off", "--reason", "  ", "--as", "risk@example.com"}, 1, "switch flip: The switch was not flipped; check the fields. reason: Say why the switch is flipped."},
		{[]string{"switch", "flip", "credit-risk", "--state", "off", "--reason=", "--as", "risk@example.com"}, 1, "reason: Say why the switch is flipped."},
		{[]string{"switch", "flip", "credit-risk", "--state", "off", "--reason", "\t\n", "--as", "risk@example.com"}, 1, "reason: Say why the switch is flipped."},
		{[]string{"switch", "flip", "credit-risk", "--state", "off", "--reason", "drift", "--as", "risk@example.com", "--version", "2"}, 1, "The switch is at version 1; 2 is ahead of it"},
		{[]string{"switch", "show", "no-such-model"}, 1, `no model with key "no-such-model"`},
	}
	for _, st := range refused {
		if code, out, errs := do(st.args...); code != st.code || out != "" || !strings.Contains(errs, st.errHas) {
			t.Errorf("%v: got exit %d, stdout %q, stderr %q; want exit %d, no stdout, stderr with %q", st.args, code, out, errs, st.code, st.errHas)
		}
	}
	if sw := readSwitch(t, dir, "credit-risk"); sw.Version != 1 || sw.State != lodestar.SwitchOn {
		t.Fatalf("after the refused flips: %+v, want on at version 1, untouched", sw)
	}
	if _, out, _ := do("switch", "show", "credit-risk"); !strings.Contains(out, "no version is in production: nothing serves") {
		t.Errorf("show of a model with nothing in production:\n%s", out)
	}

	// Flips that are made: by a risk officer, then by the committee on
	// the version it saw, to a fallback that may serve.
	code, out, errs := do("switch", "flip", "--key", "credit-risk", "--state", "off", "--reason", "Drift alert under review", "--as", "RISK@example.com", "--version", "1")
	if code != 0 || !strings.Contains(out, "flipped credit-risk from on to off (version 2, as risk@example.com)") {
		t.Fatalf("flip off: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, errs = do("switch", "flip", "credit-risk", "--state", "fallback", "--fallback", "rules", "--reason", "rules while retraining", "--as", "committee@example.com", "--version", "2", "--format", "json")
	var got lodestar.Switch
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.State != lodestar.SwitchFallback || got.Fallback != "rules" || got.Version != 3 || got.ChangedBy != "committee@example.com" || got.Via != lodestar.ViaCLI {
		t.Fatalf("flip to fallback, json: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// A flip to the state it has records the reason and says so.
	code, out, _ = do("switch", "flip", "credit-risk", "--state", "fallback", "--fallback", "rules", "--reason", "still retraining", "--as", "risk@example.com")
	if code != 0 || !strings.Contains(out, "credit-risk was already fallback (fallback: rules); your reason is recorded (version 4") {
		t.Errorf("flip to the same state: exit %d, stdout %q", code, out)
	}
	// An old version is refused after the flips, and names who flipped.
	code, _, errs = do("switch", "flip", "credit-risk", "--state", "on", "--reason", "back", "--as", "risk@example.com", "--version", "2")
	if code != 1 || !strings.Contains(errs, "at version 4 now, not 2: risk@example.com flipped it to fallback since; your flip was not made") {
		t.Errorf("stale --version: exit %d, stderr %q", code, errs)
	}

	code, out, _ = do("switch", "list")
	if code != 0 || !strings.Contains(out, "credit-risk  fallback  rules") || !strings.Contains(out, "still retraining") || !strings.Contains(out, "rules        on ") {
		t.Errorf("list: exit %d\n%s", code, out)
	}
	code, out, _ = do("switch", "list", "--format", "json")
	var all []lodestar.Switch
	if code != 0 || json.Unmarshal([]byte(out), &all) != nil || len(all) != 2 || all[0].Key != "credit-risk" || all[0].Version != 4 {
		t.Errorf("list --format json: exit %d\n%s", code, out)
	}
	code, out, _ = do("switch", "show", "credit-risk")
	if code != 0 || !strings.Contains(out, "changed via:    cli") {
		t.Errorf("show credit-risk: exit %d, want it to say the last flip was made via cli\n%s", code, out)
	}
	code, out, _ = do("switch", "show", "rules")
	if code != 0 || !strings.Contains(out, "on (the model serves)") || !strings.Contains(out, "in production:  3") {
		t.Errorf("show rules: exit %d\n%s", code, out)
	}

	// Each flip is audited as the user's, and the chain holds.
	db, err := sqldb.Open(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	evs, err := store.New(db).FindEvents(context.Background(), lodestar.AuditFilter{Action: "flip", EntityType: "switch"})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	var actors []string
	for _, ev := range evs {
		actors = append(actors, ev.Actor)
		// The entry's details say the flip came from the shell.
		var after lodestar.Switch
		if json.Unmarshal([]byte(ev.After), &after) != nil || after.Via != lodestar.ViaCLI {
			t.Errorf("audit entry %d: after %s, want the switch with via cli", ev.Seq, ev.After)
		}
	}
	if strings.Join(actors, " ") != "risk@example.com committee@example.com risk@example.com" {
		t.Errorf("audited flips, newest first: by %v", actors)
	}
	if code, out, _ := do("audit", "verify"); code != 0 || !strings.Contains(out, "intact") {
		t.Errorf("audit verify after the flips: exit %d %s", code, out)
	}
}

// TestSwitchCLINoDatabase: reading or flipping on a directory with no
// database says so and creates none.
func TestSwitchCLINoDatabase(t *testing.T) {
	for _, args := range [][]string{
		{"switch", "list"},
		{"switch", "show", "credit-risk"},
		{"switch", "flip", "credit-risk", "--state", "off", "--reason", "r", "--as", "risk@example.com"},
	} {
		data := filepath.Join(t.TempDir(), "data")
		var out, errb bytes.Buffer
		code := run(context.Background(), append(args, "--data", data), &out, &errb, noEnv)
		if code != 1 || !strings.Contains(errb.String(), "no Lodestar database here") {
			t.Errorf("%v: exit %d, stderr %q; want 1 and no database here", args, code, errb.String())
		}
		if _, err := os.Stat(data); !os.IsNotExist(err) {
			t.Errorf("%v: created %s", args, data)
		}
	}
}

func readSwitch(t *testing.T, dir, key string) *lodestar.Switch {
	t.Helper()
	db, err := sqldb.Open(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sw, err := store.New(db).FindSwitch(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return sw
}

// TestSwitchCLIServing: a switch on while its model has no version in
// production serves nothing; switch list marks it, and show --format json
// and list --format json carry "serving": false (true once a version is
// in production), as the API's objects do.
func TestSwitchCLIServing(t *testing.T) {
	_, do := withUseCase(t)
	mustRun(t, do, [][]string{
		{"user", "add", "--email", "ai@example.com", "--role", "ai_team", "--password", "correct horse battery"},
		{"model", "add", "--use-case", "1", "--key", "churn", "--name", "Churn"},
		{"model", "add", "--use-case", "1", "--key", "rules", "--name", "Rules"},
		{"model", "version", "--key", "rules", "--version", "3"},
		{"model", "status", "--key", "rules", "--version", "3", "--status", "staging", "--reason", "checked", "--as", "ai@example.com"},
		{"model", "status", "--key", "rules", "--version", "3", "--status", "production", "--reason", "live", "--as", "ai@example.com"},
	}...)
	code, out, _ := do("switch", "list")
	if code != 0 || !strings.Contains(out, "churn  on (nothing serves)  ") || !strings.Contains(out, "rules  on                   ") {
		t.Errorf("list: exit %d, want churn marked as serving nothing and rules not\n%s", code, out)
	}
	code, out, _ = do("switch", "show", "churn", "--format", "json")
	var one map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &one) != nil || one["serving"] != false {
		t.Errorf("show churn --format json: exit %d, want \"serving\": false\n%s", code, out)
	}
	code, out, _ = do("switch", "list", "--format", "json")
	var all []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &all) != nil || len(all) != 2 || all[0]["serving"] != false || all[1]["serving"] != true {
		t.Errorf("list --format json: exit %d, want churn serving false, rules true\n%s", code, out)
	}
}
