package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/demo"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// demoData loads the demo enterprise into a fresh data directory, as
// 'serve --demo' does, and returns the directory.
func demoData(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var errb bytes.Buffer
	if code := run(context.Background(), []string{"migrate", "up", "--data", dir}, &bytes.Buffer{}, &errb, noEnv); code != 0 {
		t.Fatalf("migrate up: exit %d %s", code, errb.String())
	}
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "system"})
	db, err := sqldb.Open(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	setNow := func(at time.Time) { db.Now = func() time.Time { return at } }
	if _, err := demo.Load(ctx, store.New(db), setNow, "demo-password-123"); err != nil {
		t.Fatalf("demo.Load: %v", err)
	}
	return dir
}

// storeAlerts reads every alert straight from the database.
func storeAlerts(t *testing.T, dir string) []*lodestar.Alert {
	t.Helper()
	db, err := sqldb.Open(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	as, err := store.New(db).ListAlerts(context.Background(), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// TestAlertAndMonitorCLI reads the demo's monitors and alerts from the
// shell and acknowledges one: the lists agree with the database, the
// acknowledgement is made by the user --as names only if their role may
// (as on the web and the API) and is refused, changing nothing, for a
// resolved or acknowledged alert, a missing one and bad arguments.
func TestAlertAndMonitorCLI(t *testing.T) {
	dir := demoData(t)
	do := runIn(dir)
	all := storeAlerts(t, dir)
	var open, resolved, acked *lodestar.Alert
	for _, a := range all {
		switch {
		case a.Status == lodestar.AlertOpen && a.AckedAt.IsZero() && open == nil:
			open = a
		case a.Status == lodestar.AlertOpen && !a.AckedAt.IsZero():
			acked = a
		case a.Status != lodestar.AlertOpen:
			resolved = a
		}
	}
	if open == nil || resolved == nil || acked == nil {
		t.Fatalf("the demo should hold an open, an acknowledged and a resolved alert: %d alerts", len(all))
	}

	// list: every alert, as JSON exactly what the store holds; as text,
	// one row each with its model's key; --open and --model filter.
	code, out, errs := do("alert", "list", "--format", "json")
	var got []*lodestar.Alert
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got) != len(all) {
		t.Fatalf("alert list --format json: exit %d, %d alerts (want %d), stderr %q", code, len(got), len(all), errs)
	}
	code, out, _ = do("alert", "list")
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if code != 0 || len(lines) != len(all)+1 || !strings.HasPrefix(lines[0], "ID  MODEL") {
		t.Fatalf("alert list: exit %d, %d lines for %d alerts:\n%s", code, len(lines), len(all), out)
	}
	if !strings.Contains(out, "resolved (") || !strings.Contains(out, "recsys") || !strings.Contains(out, "ml.lead@demo.lodestar") {
		t.Errorf("alert list lacks a resolution, a model key or who acknowledged:\n%s", out)
	}
	// Each row names the version its alert's monitor watches, after the
	// model's key.
	versions := map[string]string{}
	for _, a := range all {
		versions[strconv.FormatInt(a.ID, 10)] = a.Version
	}
	for _, l := range lines[1:] {
		if f := strings.Fields(l); len(f) < 3 || versions[f[0]] == "" || f[2] != versions[f[0]] {
			t.Errorf("alert list: row %q does not give its alert's version (%q) after the model", l, versions[f[0]])
		}
	}
	_, out, _ = do("alert", "list", "--open", "--model", "recsys", "--format", "json")
	got = nil
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) == 0 {
		t.Fatalf("alert list --open --model recsys: %v %q", err, out)
	}
	for _, a := range got {
		if a.Status != lodestar.AlertOpen || a.ModelID != open.ModelID && a.ModelID != acked.ModelID {
			t.Errorf("--open --model recsys listed %+v", a)
		}
	}

	// monitor list and show.
	code, out, errs = do("monitor", "list")
	if code != 0 || strings.Count(out, "\n") < 2 || !strings.Contains(out, "credit-risk") {
		t.Fatalf("monitor list: exit %d %q %q", code, out, errs)
	}
	code, out, errs = do("monitor", "show", "3", "--windows", "5")
	if code != 0 || !strings.Contains(out, "accuracy below:") || !strings.Contains(out, "START") {
		t.Fatalf("monitor show 3: exit %d %q %q", code, out, errs)
	}
	if rows := strings.Count(out[strings.Index(out, "START"):], "\n") - 1; rows != 5 {
		t.Errorf("monitor show --windows 5 printed %d windows:\n%s", rows, out)
	}
	code, out, _ = do("monitor", "show", "3", "--windows", "2", "--format", "json")
	var shown struct {
		Monitor lodestar.Monitor
		Windows []lodestar.WindowResult
	}
	if code != 0 || json.Unmarshal([]byte(out), &shown) != nil || shown.Monitor.ID != 3 || len(shown.Windows) != 2 ||
		!shown.Windows[0].Start.Before(shown.Windows[1].Start) {
		t.Errorf("monitor show --format json: exit %d, %+v", code, shown)
	}

	refused := []struct {
		args   []string
		code   int
		errHas string
	}{
		{[]string{"alert", "ack", itoa(open.ID), "--note", "on it", "--as", "viewer@demo.lodestar"}, 1, "viewer@demo.lodestar has the role viewer; only the roles admin, ai_team, risk_officer may acknowledge an alert"},
		{[]string{"alert", "ack", itoa(open.ID), "--note", "on it", "--as", "nobody@demo.lodestar"}, 1, "no user nobody@demo.lodestar in this database"},
		{[]string{"alert", "ack", itoa(resolved.ID), "--note", "on it", "--as", "risk@demo.lodestar"}, 1, "resolved already"},
		{[]string{"alert", "ack", itoa(acked.ID), "--note", "on it", "--as", "risk@demo.lodestar"}, 1, "ml.lead@demo.lodestar acknowledged the alert already"},
		{[]string{"alert", "ack", "9999", "--note", "on it", "--as", "risk@demo.lodestar"}, 1, "no alert 9999"},
		{[]string{"alert", "ack", itoa(open.ID), "--note", strings.Repeat("x", lodestar.MaxAckNote+1), "--as", "risk@demo.lodestar"}, 1, "note:"},
		// A note given blank is the service's refusal (exit 1), as the
		// API's and the web form's are; only a --note left out is bad
		// usage (exit 2).
		{[]string{"alert", "ack", itoa(open.ID), "--note", " ", "--as", "risk@demo.lodestar"}, 1, "alert ack: The alert was not acknowledged; check the fields. note: Say what is being done about the alert."},
		{[]string{"alert", "ack", itoa(open.ID), "--note=", "--as", "risk@demo.lodestar"}, 1, "note: Say what is being done about the alert."},
		{[]string{"alert", "ack", itoa(open.ID), "--note", "\t\n", "--as", "risk@demo.lodestar", "--lang", "zh-CN"}, 1, "alert ack：未能确认告警；请检查各字段。 note：请说明正在如何处理该告警。"},
		{[]string{"alert", "ack", itoa(open.ID), "--as", "risk@demo.lodestar"}, 2, "--note and --as are required"},
		{[]string{"alert", "ack", itoa(open.ID), "--note", "on it", "--as", " "}, 2, "--note and --as are required"},
		{[]string{"alert", "ack", "--note", "on it", "--as", "risk@demo.lodestar"}, 2, "name the ID"},
		{[]string{"alert", "ack", "x1", "--note", "on it", "--as", "risk@demo.lodestar"}, 2, `ID "x1" is not a number`},
		{[]string{"alert", "ack", "1", "2", "--note", "on it", "--as", "risk@demo.lodestar"}, 2, `unexpected argument "2"`},
		{[]string{"alert", "list", "--model", "no-such"}, 1, `no model with key "no-such"`},
		{[]string{"alert", "list", "--format", "yaml"}, 2, "--format must be text or json"},
		{[]string{"alert", "mute"}, 2, `unknown subcommand "mute"`},
		{[]string{"monitor", "show", "999"}, 1, "no monitor 999"},
		{[]string{"monitor", "show", "3", "--windows", "0"}, 2, "--windows 0: want 1 to 500"},
		{[]string{"monitor", "show"}, 2, "name the monitor ID"},
		{[]string{"monitor", "list", "3"}, 2, `unexpected argument "3"`},
	}
	for _, st := range refused {
		if code, out, errs := do(st.args...); code != st.code || out != "" || !strings.Contains(errs, st.errHas) {
			t.Errorf("%v: got exit %d, stdout %q, stderr %q; want exit %d, no stdout, stderr with %q", st.args, code, out, errs, st.code, st.errHas)
		}
	}
	for i, a := range storeAlerts(t, dir) {
		if b := all[i]; a.ID != b.ID || a.AckedBy != b.AckedBy || a.AckNote != b.AckNote || a.Status != b.Status {
			t.Fatalf("a refused command changed alert %d: %+v, was %+v", a.ID, a, b)
		}
	}

	// The acknowledgement made: as the risk officer, recorded and audited
	// as theirs, via the CLI.
	code, out, errs = do("alert", "ack", itoa(open.ID), "--note", "Checking the feature pipeline", "--as", "RISK@demo.lodestar")
	if code != 0 || !strings.Contains(out, "acknowledged by risk@demo.lodestar") {
		t.Fatalf("alert ack: exit %d %q %q", code, out, errs)
	}
	for _, a := range storeAlerts(t, dir) {
		if a.ID == open.ID && (a.AckedBy != "risk@demo.lodestar" || a.AckNote != "Checking the feature pipeline" || a.Status != lodestar.AlertOpen) {
			t.Errorf("after ack: %+v", a)
		}
	}
	code, out, _ = do("audit", "export")
	if code != 0 || !strings.Contains(out, "acknowledge") || !strings.Contains(out, "risk@demo.lodestar") {
		t.Errorf("the acknowledgement is not in the audit log (exit %d)", code)
	}

	// Pause and resume: as a user who may change monitors; refused for
	// others, twice, or without a reason, leaving the monitor as it was.
	for _, st := range []struct {
		args   []string
		code   int
		errHas string
	}{
		{[]string{"monitor", "pause", "3", "--reason", "rebuild", "--as", "risk@demo.lodestar"}, 1, "only the roles admin, ai_team may pause a monitor"},
		{[]string{"monitor", "pause", "3", "--as", "ml.lead@demo.lodestar"}, 2, "--reason and --as are required"},
		{[]string{"monitor", "pause", "3", "--reason", "rebuild", "--as", " "}, 2, "--reason and --as are required"},
		// A reason given blank is the service's refusal (exit 1), as the
		// API's and the web form's are.
		{[]string{"monitor", "pause", "3", "--reason", "  ", "--as", "ml.lead@demo.lodestar"}, 1, "monitor pause: The monitor was not paused; check the fields. reason: Say why the monitor is paused."},
		{[]string{"monitor", "pause", "3", "--reason=", "--as", "ml.lead@demo.lodestar"}, 1, "reason: Say why the monitor is paused."},
		{[]string{"monitor", "pause", "3", "--reason", "\t", "--as", "ml.lead@demo.lodestar", "--lang", "zh-CN"}, 1, "monitor pause：未能暂停监控器；请检查各字段。 reason：请说明暂停监控器的原因。"},
		{[]string{"monitor", "pause", "99", "--reason", "rebuild", "--as", "ml.lead@demo.lodestar"}, 1, "no monitor 99"},
		{[]string{"monitor", "resume", "3", "--as", "ml.lead@demo.lodestar"}, 1, "The monitor is not paused"},
		{[]string{"monitor", "resume", "3", "--reason", "x", "--as", "ml.lead@demo.lodestar"}, 2, "takes no --reason"},
		{[]string{"monitor", "pause", "3", "--model", "recsys", "--reason", "x", "--as", "ml.lead@demo.lodestar"}, 2, "--model filters list"},
	} {
		if code, out, errs := do(st.args...); code != st.code || out != "" || !strings.Contains(errs, st.errHas) {
			t.Errorf("%v: got exit %d, stdout %q, stderr %q; want exit %d, no stdout, stderr with %q", st.args, code, out, errs, st.code, st.errHas)
		}
	}
	monitor := func(id int64) *lodestar.Monitor {
		db, err := sqldb.Open(context.Background(), dir, "")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		m, err := store.New(db).FindMonitorByID(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := monitor(3); m.Paused() {
		t.Fatalf("a refused command paused monitor 3: %+v", m)
	}
	if code, out, errs := do("monitor", "pause", "3", "--reason", "Feature pipeline being rebuilt", "--as", "ml.lead@demo.lodestar"); code != 0 || !strings.Contains(out, "paused by ml.lead@demo.lodestar") {
		t.Fatalf("monitor pause: exit %d %q %q", code, out, errs)
	}
	if m := monitor(3); !m.Paused() || m.PausedBy != "ml.lead@demo.lodestar" || m.PauseReason != "Feature pipeline being rebuilt" {
		t.Errorf("after pause: %+v", m)
	}
	if _, out, _ := do("monitor", "list"); !strings.Contains(out, "paused") {
		t.Errorf("monitor list does not show the pause:\n%s", out)
	}
	// The demo's retired version's monitor is not evaluated: not "running".
	if _, out, _ := do("monitor", "list"); !regexp.MustCompile(`(?m)\sretired\s`).MatchString(out) {
		t.Errorf("monitor list does not show a retired version's monitor as retired:\n%s", out)
	}
	if _, out, _ := do("monitor", "show", "3"); !strings.Contains(out, "by ml.lead@demo.lodestar: Feature pipeline being rebuilt") {
		t.Errorf("monitor show does not show the pause:\n%s", out)
	}
	if code, _, errs := do("monitor", "pause", "3", "--reason", "again", "--as", "ml.lead@demo.lodestar"); code != 1 || !strings.Contains(errs, "paused the monitor already") {
		t.Errorf("a second pause: exit %d %q", code, errs)
	}
	if code, out, errs := do("monitor", "resume", "3", "--as", "ml.lead@demo.lodestar"); code != 0 || !strings.Contains(out, "resumed") {
		t.Errorf("monitor resume: exit %d %q %q", code, out, errs)
	}
	if m := monitor(3); m.Paused() {
		t.Errorf("after resume: %+v", m)
	}

	// Copy: pdm's 1.0 monitor to 2.0, which has one of that name already.
	for _, st := range []struct {
		args   []string
		code   int
		errHas string
	}{
		{[]string{"monitor", "copy", "1", "--version", "2.0", "--as", "viewer@demo.lodestar"}, 1, "only the roles admin, ai_team may copy a monitor"},
		{[]string{"monitor", "copy", "1", "--version", "2.0", "--as", "ml.lead@demo.lodestar"}, 1, "already has a monitor of this name"},
		{[]string{"monitor", "copy", "1", "--version", "9.9", "--name", "x", "--as", "ml.lead@demo.lodestar"}, 1, "version:"},
		{[]string{"monitor", "copy", "1", "--version", "2.0", "--name", "x", "--from", "2026-01-01", "--to", "2026-02-01", "--as", "ml.lead@demo.lodestar"}, 1, "reference is a dataset"},
		{[]string{"monitor", "copy", "1", "--version", "2.0", "--from", "yesterday", "--as", "ml.lead@demo.lodestar"}, 2, "from"},
		{[]string{"monitor", "copy", "1", "--as", "ml.lead@demo.lodestar"}, 2, "--version and --as are required"},
	} {
		if code, out, errs := do(st.args...); code != st.code || out != "" || !strings.Contains(errs, st.errHas) {
			t.Errorf("%v: got exit %d, stdout %q, stderr %q; want exit %d, no stdout, stderr with %q", st.args, code, out, errs, st.code, st.errHas)
		}
	}
	code, out, errs = do("monitor", "copy", "1", "--version", "2.0", "--name", "Weekly review copy", "--as", "ml.lead@demo.lodestar", "--format", "json")
	var cp lodestar.Monitor
	if code != 0 || json.Unmarshal([]byte(out), &cp) != nil || cp.Version != "2.0" || cp.Name != "Weekly review copy" ||
		cp.ModelID != monitor(1).ModelID || cp.Thresholds != monitor(1).Thresholds || cp.Reference.SHA256 != monitor(1).Reference.SHA256 {
		t.Fatalf("monitor copy: exit %d %q %q", code, out, errs)
	}
	if _, out, _ := do("monitor", "list", "--model", "pdm"); strings.Count(out, "Weekly review copy") != 1 {
		t.Errorf("the copy is not listed:\n%s", out)
	}
	if _, out, _ := do("monitor", "show", "3"); !regexp.MustCompile(`remind after:\s+never\n`).MatchString(out) {
		t.Errorf("monitor show does not say the demo monitor never reminds:\n%s", out)
	}
	// Evaluate: as a user who may change monitors, from a day when given
	// (late labels), as the API's evaluate; refused otherwise.
	for _, st := range []struct {
		args   []string
		code   int
		errHas string
	}{
		{[]string{"monitor", "evaluate", "3"}, 2, "--as is required"},
		{[]string{"monitor", "evaluate", "3", "--as", "viewer@demo.lodestar"}, 1, "only the roles admin, ai_team may evaluate a monitor"},
		{[]string{"monitor", "evaluate", "3", "--from", "yesterday", "--as", "ml.lead@demo.lodestar"}, 2, "from"},
		{[]string{"monitor", "evaluate", "3", "--to", "2026-01-01", "--as", "ml.lead@demo.lodestar"}, 2, "takes only --from and --as"},
		{[]string{"monitor", "evaluate", "99", "--as", "ml.lead@demo.lodestar"}, 1, "no monitor 99"},
	} {
		if code, out, errs := do(st.args...); code != st.code || out != "" || !strings.Contains(errs, st.errHas) {
			t.Errorf("%v: got exit %d, stdout %q, stderr %q; want exit %d, no stdout, stderr with %q", st.args, code, out, errs, st.code, st.errHas)
		}
	}
	before := monitor(3).EvaluatedTo
	if code, out, errs := do("monitor", "evaluate", "3", "--from", "2020-01-01", "--as", "ml.lead@demo.lodestar"); code != 0 || !strings.Contains(out, "monitor 3 evaluated:") {
		t.Errorf("monitor evaluate --from: exit %d %q %q", code, out, errs)
	}
	if after := monitor(3).EvaluatedTo; after.Before(before) || after.IsZero() {
		t.Errorf("after monitor evaluate: evaluated to %s (was %s)", after, before)
	}

	if code, _, errs := do("audit", "verify"); code != 0 {
		t.Errorf("audit verify after the acknowledgement, pause, resume and copy: exit %d %s", code, errs)
	}
}

// TestWriteMonitorRemindAfter: monitor show says how often a monitor
// reminds of an unacknowledged alert.
func TestWriteMonitorRemindAfter(t *testing.T) {
	var b bytes.Buffer
	writeMonitor(&b, &lodestar.Monitor{ID: 1, Name: "m", Version: "1", Window: "hour", RemindAfter: 24}, "churn", "en")
	if !regexp.MustCompile(`remind after:\s+every 24 hours while an alert is open and unacknowledged\n`).MatchString(b.String()) {
		t.Errorf("monitor show with remind_after 24:\n%s", b.String())
	}
}

// TestEveryCommandTakesLang: --lang chooses the language of the errors of
// every command, not only of those with a report, and one that is neither
// en nor zh-CN is refused as in the reports.
func TestEveryCommandTakesLang(t *testing.T) {
	dir := t.TempDir()
	do := runIn(dir)
	if code, _, errs := do("migrate", "up", "--lang", "zh-CN"); code != 0 {
		t.Fatalf("migrate up --lang zh-CN: exit %d %s", code, errs)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"alert", "ack", "9", "--note", "n", "--as", "a@example.com", "--lang", "zh-CN"}, 1, "此数据库中没有用户 a@example.com"},
		{[]string{"monitor", "show", "9", "--lang", "zh-CN"}, 1, "没有监控 9"},
		{[]string{"model", "show", "--key", "nope", "--lang", "zh-CN"}, 1, `没有键为 "nope" 的模型`},
		{[]string{"monitor", "show", "9", "--lang", "en"}, 1, "monitor show: no monitor 9"},
		{[]string{"alert", "list", "--lang", "fr"}, 2, `alert list: --lang "fr": want en or zh-CN`},
		{[]string{"switch", "show", "k", "--lang", "de"}, 2, `switch show: --lang "de": want en or zh-CN`},
	} {
		if code, out, errs := do(c.args...); code != c.code || out != "" || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q", c.args, code, out, errs, c.code, c.want)
		}
	}
}
