package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/transfer"
)

// TestTextOutputInChinese runs every record-keeping command that writes
// text for a reader on the demo data with --lang zh-CN and fails on any
// English word left in what it prints, once the values are taken out:
// the names, keys, e-mails, states and messages the commands' own JSON
// holds (or the demo's users), quoted values, commands, flags, paths,
// times and hashes, and a short list of enum values, units and
// abbreviations written the same in both languages.
func TestTextOutputInChinese(t *testing.T) {
	dir := demoData(t)
	zh := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), append(args, "--data", dir, "--lang", "zh-CN"), &out, &errb, noEnv)
		return code, out.String(), errb.String()
	}
	// Values: every string of the JSON the commands print for programs.
	values := map[string]bool{}
	var collect func(v any)
	collect = func(v any) {
		switch v := v.(type) {
		case string:
			values[v] = true
			values[oneLine(v)] = true
			// model show cuts an intended use at 59 characters.
			if r := []rune(v); len(r) > 60 {
				values[string(r[:59])] = true
			}
			for _, line := range strings.Split(v, "\n") {
				values[line] = true
			}
		case []any:
			for _, x := range v {
				collect(x)
			}
		case map[string]any:
			for k, x := range v {
				if k == "evaluation_metrics" {
					// A card's metrics are named by their keys.
					for name := range x.(map[string]any) {
						values[name] = true
					}
				}
				collect(x)
			}
		}
	}
	for _, args := range [][]string{
		{"switch", "list"}, {"model", "show", "pdm"}, {"model", "show", "recsys"}, {"monitor", "list"}, {"alert", "list"},
		{"model", "show", "credit-risk"}, {"model", "show", "credit-risk", "--version", "2.3"},
		{"monitor", "show", "1"}, {"monitor", "show", "2"}, {"monitor", "show", "3"}, {"monitor", "show", "4"},
	} {
		code, out, errs := zh(append(args, "--format", "json")...)
		if code != 0 {
			t.Fatalf("%q --format json: exit %d %s", args, code, errs)
		}
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%q --format json: %v", args, err)
		}
		collect(v)
	}
	// The users, which user list has no JSON for: their names as the
	// demo made them, and the one this test adds.
	var users bytes.Buffer
	if code := run(context.Background(), []string{"user", "list", "--data", dir}, &users, &bytes.Buffer{}, noEnv); code != 0 {
		t.Fatal("user list (en) failed")
	}
	for _, line := range strings.Split(users.String(), "\n")[1:] {
		// ID, e-mail, name (may hold spaces), role, status, last login.
		f := strings.Fields(line)
		if len(f) >= 6 {
			values[strings.Join(f[2:len(f)-3], " ")] = true
		}
	}
	// The migrations, by their names.
	var migs bytes.Buffer
	if code := run(context.Background(), []string{"migrate", "status", "--data", dir}, &migs, &bytes.Buffer{}, noEnv); code != 0 {
		t.Fatal("migrate status (en) failed")
	}
	for _, line := range strings.Split(migs.String(), "\n")[1:] {
		if f := strings.Fields(line); len(f) > 1 {
			values[f[1]] = true
		}
	}
	// import's fields, and what this test writes.
	for _, f := range transfer.Fields {
		values[f] = true
	}
	for _, v := range []string{"r", "n", "zh", "zh2", "zh-check"} {
		values[v] = true
	}
	csv := filepath.Join(t.TempDir(), "uc.csv")
	if err := os.WriteFile(csv, []byte("title,stage,business_unit,Notes\nZh import check,pilot,Retail,x\n,bogus,Retail,y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	values["Zh import check"] = true
	values["Notes"] = true

	cmds := [][]string{
		{"switch", "flip", "recsys", "--state", "fallback", "--fallback", "pdm", "--reason", "r", "--as", "risk@demo.lodestar"},
		{"switch", "flip", "pdm", "--state", "off", "--reason", "r", "--as", "risk@demo.lodestar"},
		{"switch", "flip", "pdm", "--state", "off", "--reason", "r", "--as", "risk@demo.lodestar"},
		{"switch", "list"}, {"switch", "show", "recsys"}, {"switch", "show", "pdm"}, {"switch", "show", "credit-risk"},
		{"model", "list"}, {"model", "show", "credit-risk"}, {"model", "show", "credit-risk", "--version", "2.3"},
		{"model", "add", "--use-case", "1", "--key", "zh-check", "--name", "zh"},
		{"model", "version", "--key", "zh-check", "--version", "1"},
		{"model", "status", "--key", "zh-check", "--version", "1", "--status", "staging", "--reason", "r", "--as", "ml.lead@demo.lodestar"},
		{"monitor", "list"}, {"monitor", "show", "1"}, {"monitor", "show", "2"}, {"monitor", "show", "3"}, {"monitor", "show", "4"},
		{"monitor", "pause", "3", "--reason", "r", "--as", "ml.lead@demo.lodestar"},
		{"monitor", "show", "3"},
		{"monitor", "resume", "3", "--as", "ml.lead@demo.lodestar"},
		{"alert", "list"}, {"alert", "ack", "6", "--note", "n", "--as", "ml.lead@demo.lodestar"},
		{"user", "add", "--email", "zh@example.com", "--role", "viewer"},
		{"user", "set-role", "--email", "zh@example.com", "--role", "ai_team"},
		{"user", "set-password", "--email", "zh@example.com"},
		{"user", "disable", "--email", "zh@example.com"}, {"user", "enable", "--email", "zh@example.com"},
		{"user", "list"},
		{"token", "create", "--user", "zh@example.com", "--name", "zh", "--scope", "ingest", "--expires", "30d", "--models", "credit-risk"},
		{"token", "create", "--user", "zh@example.com", "--name", "zh2"},
		{"token", "list"}, {"token", "revoke", "--id", "1"},
		{"migrate", "status"}, {"migrate", "up"},
		{"audit", "verify"},
		{"backup", "--to", filepath.Join(t.TempDir(), "copy")},
		{"import", "use-cases", csv, "--dry-run", "--skip-invalid"},
		{"import", "use-cases", csv, "--skip-invalid"},
	}
	for _, args := range cmds {
		code, out, errs := zh(args...)
		if code != 0 {
			t.Fatalf("%q: exit %d %s", args, code, errs)
		}
		if !regexp.MustCompile(`\p{Han}`).MatchString(out) {
			t.Errorf("%q: no Chinese in\n%s", args, out)
		}
		if left := englishLeftOut(out, values); len(left) > 0 {
			t.Errorf("%q: English left: %q in\n%s", args, left, out)
		}
	}
	// The exports write their data to a file and say so on stderr.
	for _, args := range [][]string{
		{"export", "use-cases", "--output", filepath.Join(t.TempDir(), "uc.csv")},
		{"audit", "export", "--output", filepath.Join(t.TempDir(), "audit.csv")},
	} {
		code, _, errs := zh(args...)
		if code != 0 {
			t.Fatalf("%q: exit %d %s", args, code, errs)
		}
		if !regexp.MustCompile(`\p{Han}`).MatchString(errs) {
			t.Errorf("%q: no Chinese on stderr: %s", args, errs)
		}
		if left := englishLeftOut(errs, values); len(left) > 0 {
			t.Errorf("%q: English left on stderr: %q in\n%s", args, left, errs)
		}
	}
}

var (
	// Taken out before words are counted: quoted values, commands,
	// URLs, e-mails, flags, paths, times, hashes and hex, numbers with
	// their units.
	notWordsOut = []*regexp.Regexp{
		regexp.MustCompile(`"[^"]*"|'[^']*'`),
		regexp.MustCompile(`\S+://\S+|\S+@\S+|--[a-z-]+|\S*/\S*`),
		regexp.MustCompile(`\d{4}-\d\d-\d\dT[\d:.]+Z`),
		regexp.MustCompile(`\b(?:hmac-sha256:)?[0-9a-f]{8,}\b|\b\w*\d\w*\b`),
	}
	// The secrets the commands print once: passwords and tokens.
	secretsOut = regexp.MustCompile(`\blst_\S+|密码（仅显示一次）：\S+|\n[A-Za-z0-9_-]{30,}\n`)
	latinWord  = regexp.MustCompile(`[A-Za-z][A-Za-z_]*(?:-[A-Za-z_]+)*`)
	// Written the same in both languages: the values a reader types back
	// (states, statuses, roles, scopes), the monitors' settings as the
	// API names them, units and abbreviations.
	sameWordsOut = strings.Fields(`on off fallback production staging development retired
		admin committee business_owner ai_team risk_officer data_steward viewer
		read write ingest binary regression day hour week dataset window running paused auto ks psi chi
		wasserstein jensenshannon cli web api ID AUC MAE RMSE URI SHA XLSX CSV UTF utf MB ms s P Webhook`)
)

// englishLeftOut is the English words of out that are not values, sorted.
func englishLeftOut(out string, values map[string]bool) []string {
	// Secrets first: a random password may hold a value's letters.
	out = secretsOut.ReplaceAllString(out, " ")
	vs := make([]string, 0, len(values))
	for v := range values {
		if strings.TrimSpace(v) != "" {
			vs = append(vs, v)
		}
	}
	// Longest first, so that a name is taken out whole before a word of it.
	sort.Slice(vs, func(i, j int) bool { return len(vs[i]) > len(vs[j]) || len(vs[i]) == len(vs[j]) && vs[i] < vs[j] })
	for _, v := range vs {
		if strings.ContainsAny(v, " \t") || len(v) > 3 {
			out = strings.ReplaceAll(out, v, " ")
		}
	}
	for _, re := range notWordsOut {
		out = re.ReplaceAllString(out, " ")
	}
	same := map[string]bool{}
	for _, w := range sameWordsOut {
		same[w] = true
	}
	seen := map[string]bool{}
	var left []string
	for _, w := range latinWord.FindAllString(out, -1) {
		if !same[w] && !values[w] && !seen[w] {
			seen[w] = true
			left = append(left, w)
		}
	}
	sort.Strings(left)
	return left
}
