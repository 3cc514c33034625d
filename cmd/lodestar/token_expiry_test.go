package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseExpiry(t *testing.T) {
	now := time.Date(2027, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"never", time.Time{}},
		{" never ", time.Time{}},
		{"1d", now.Add(24 * time.Hour)},
		{"90d", now.Add(90 * 24 * time.Hour)},
		{"1830d", now.Add(1830 * 24 * time.Hour)},
		{"2027-06-01", time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)},
		{"2027-06-01T12:00:00+08:00", time.Date(2027, 6, 1, 4, 0, 0, 0, time.UTC)},
	} {
		got, err := parseExpiry(c.in, now)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("parseExpiry(%q): got %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "0d", "-3d", "1831d", "d", "3.5d", "90", "tomorrow", "2027-13-01", "2027-06-01 12:00", "Never"} {
		if got, err := parseExpiry(in, now); err == nil {
			t.Errorf("parseExpiry(%q): got %v, want an error", in, got)
		}
	}
}

// TestTokenCreateExpires: token create --expires sets the expiry, says it,
// and lists it; a bad or past expiry is refused and makes no token.
func TestTokenCreateExpires(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := runCLI(t, "user", "add", "--data", dir, "--email", "a@example.com", "--role", "viewer", "--password", "correct horse battery"); code != 0 {
		t.Fatalf("user add: %d %s", code, errOut)
	}
	day := time.Now().UTC().AddDate(1, 0, 0).Format(time.DateOnly)
	code, out, errOut := runCLI(t, "token", "create", "--data", dir, "--user", "a@example.com", "--name", "ci", "--scope", "read", "--expires", day)
	if code != 0 || !strings.Contains(out, "it expires at "+day+"T00:00:00Z") {
		t.Fatalf("token create --expires: %d %q %s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "token", "create", "--data", dir, "--user", "a@example.com", "--name", "forever", "--scope", "read")
	if code != 0 || !strings.Contains(out, "it does not expire") {
		t.Errorf("token create without --expires: %d %q", code, out)
	}
	for _, c := range []struct {
		expires string
		code    int
		want    string
	}{
		{"2001-01-01", 1, "The expiry must be in the future."},
		{"2999-01-01", 1, "at most five years ahead"},
		{"soon", 2, `--expires "soon"`},
		{"0d", 2, "want 1d to 1830d"},
	} {
		code, _, errOut := runCLI(t, "token", "create", "--data", dir, "--user", "a@example.com", "--name", "x", "--expires", c.expires)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("--expires %s: got %d %q, want %d saying %q", c.expires, code, errOut, c.code, c.want)
		}
	}
	code, out, _ = runCLI(t, "token", "list", "--data", dir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.Contains(lines[0], "EXPIRES") || !strings.Contains(lines[1], day) {
		t.Errorf("token list: got %d\n%s\nwant a header with EXPIRES and two tokens, the first expiring in a year", code, out)
	}
}

// TestTokenCreateModels: token create --models binds an ingest token to
// those models, says so, and token list shows each token's models ("all"
// for one bound to none); an unknown model, an empty --models or a
// binding without the ingest scope is refused and makes no token.
func TestTokenCreateModels(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := runCLI(t, "migrate", "up", "--data", dir); code != 0 {
		t.Fatalf("migrate: %d %s", code, errOut)
	}
	mustUseCase(t, dir)
	for _, key := range []string{"recommender", "churn"} {
		if code, _, errOut := runCLI(t, "model", "add", "--data", dir, "--use-case", "1", "--key", key, "--name", key); code != 0 {
			t.Fatalf("model add %s: %d %s", key, code, errOut)
		}
	}
	if code, _, errOut := runCLI(t, "user", "add", "--data", dir, "--email", "ml@example.com", "--role", "ai_team", "--password", "correct horse battery"); code != 0 {
		t.Fatalf("user add: %d %s", code, errOut)
	}
	create := func(args ...string) (int, string, string) {
		return runCLI(t, append([]string{"token", "create", "--data", dir, "--user", "ml@example.com"}, args...)...)
	}
	if code, out, errOut := create("--name", "svc", "--scope", "ingest", "--models", "churn, recommender"); code != 0 ||
		!strings.Contains(out, "bound to models churn,recommender;") {
		t.Fatalf("token create --models: %d %q %s", code, out, errOut)
	}
	if code, out, errOut := create("--name", "any", "--scope", "ingest"); code != 0 || !strings.Contains(out, "for every model;") {
		t.Fatalf("token create without --models: %d %q %s", code, out, errOut)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--scope", "ingest", "--models", "churn,nope"}, 1, `There is no model "nope"`},
		{[]string{"--scope", "ingest", "--models", "CHURN"}, 1, "(models)"},
		{[]string{"--scope", "ingest", "--models", ""}, 2, "--models names no model"},
		{[]string{"--scope", "ingest", "--models", " , "}, 2, "--models names no model"},
		{[]string{"--scope", "read", "--models", "churn"}, 1, "ingest scope"},
		{[]string{"--scope", "ingest,write", "--models", "churn"}, 1, "without write"},
		{[]string{"--models", "churn"}, 1, "without write"}, // the default scope is write
	} {
		code, out, errOut := create(append([]string{"--name", "x"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) || strings.Contains(out, "lst_") {
			t.Errorf("token create %v: got %d %q %q, want %d saying %q and no secret", c.args, code, out, errOut, c.code, c.want)
		}
	}
	code, out, _ := runCLI(t, "token", "list", "--data", dir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.HasSuffix(strings.TrimSpace(lines[0]), "MODELS") ||
		!strings.HasSuffix(lines[1], " churn,recommender") || !strings.HasSuffix(lines[2], " all") {
		t.Errorf("token list: got %d\n%s\nwant a MODELS column and two tokens, the first bound to churn,recommender, the second to all", code, out)
	}
	if code, out, _ := runCLI(t, "audit", "verify", "--data", dir); code != 0 || !strings.Contains(out, "intact") {
		t.Errorf("audit verify: %d %s", code, out)
	}
}
