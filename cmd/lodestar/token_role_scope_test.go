package main

import (
	"strings"
	"testing"
)

// token create refuses an ingest token for a user whose role may not send
// events and labels (every request of it would be refused), naming the
// roles that may, in either language, and makes no token; a read token
// for the same user is made.
func TestTokenCreateScopeTheRoleCannotUse(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := runCLI(t, "migrate", "up", "--data", dir); code != 0 {
		t.Fatalf("migrate: %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "user", "add", "--data", dir, "--email", "viewer@example.com", "--role", "viewer", "--password", "correct horse battery"); code != 0 {
		t.Fatalf("user add: %d %s", code, errOut)
	}
	args := []string{"token", "create", "--data", dir, "--user", "viewer@example.com", "--name", "v", "--scope", "ingest"}
	for _, c := range []struct {
		getenv func(string) string
		want   string
	}{
		{noEnv, "lodestar: Only the roles admin, ai_team may use the ingest scope; viewer@example.com has the role viewer, so the token could never be used. (scope)\n"},
		{zhEnvOf, "lodestar: 只有角色 admin, ai_team 可以使用 ingest 权限范围；viewer@example.com 的角色是 viewer，这样的令牌永远无法使用。（scope）\n"},
	} {
		if code, out, errOut := runWith(c.getenv, args...); code != 1 || out != "" || errOut != c.want {
			t.Errorf("token create --scope ingest for a viewer: exit %d, stdout %q, stderr %q; want 1, nothing, %q", code, out, errOut, c.want)
		}
	}
	if code, out, errOut := runCLI(t, "token", "list", "--data", dir); code != 0 || strings.Contains(out, "viewer@example.com") {
		t.Errorf("token list after the refusal: %d %q %s; want no token", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "token", "create", "--data", dir, "--user", "viewer@example.com", "--name", "r", "--scope", "read"); code != 0 || !strings.HasPrefix(lastLineOf(out), "lst_") {
		t.Errorf("token create --scope read for a viewer: %d %q %s; want a token", code, out, errOut)
	}
}

func lastLineOf(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
