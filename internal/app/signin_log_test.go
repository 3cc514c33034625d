package app_test

import (
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestRefusedSignInsLogged: every refused sign-in is a warning line with
// the address tried, the client and why — wrong password, unknown
// account, throttled — so guessing shows in the log; text that is not an
// address (a password typed into the e-mail field) is not written, and a
// good sign-in writes no such line.
func TestRefusedSignInsLogged(t *testing.T) {
	f := start(t, fixtureOpts{})
	u := f.user(lodestar.RoleViewer, "viewer@example.com")
	c := f.client()
	f.login(c, u.Email, "not the password")
	f.login(c, "nobody@example.com", "whatever-it-is")
	f.login(c, "Tr0ub4dor&3 secret", "x")
	for range 5 { // past the throttle's 5 failures for this address and client
		f.login(c, u.Email, "still wrong")
	}
	var refused []string
	for _, l := range f.logs.warnings() {
		if strings.HasPrefix(l, "sign-in refused") {
			refused = append(refused, l)
		}
	}
	if len(refused) != 8 {
		t.Fatalf("got %d sign-in lines, want 8:\n%s", len(refused), strings.Join(refused, "\n"))
	}
	for i, want := range []string{"email=viewer@example.com client=127.0.0.1 reason=wrong e-mail or password",
		"email=nobody@example.com", "email=(not an e-mail address)"} {
		if !strings.Contains(refused[i], want) {
			t.Errorf("line %d: got %q, want %q", i, refused[i], want)
		}
	}
	if !strings.Contains(refused[7], "reason=throttled") {
		t.Errorf("the sixth failure in a row: got %q, want reason=throttled", refused[7])
	}
	for _, l := range refused {
		if strings.Contains(l, "Tr0ub4dor") || strings.Contains(l, "still wrong") {
			t.Errorf("a password reached the log: %q", l)
		}
	}
	n := len(f.logs.warnings())
	other := f.user(lodestar.RoleViewer, "other@example.com")
	if r := f.login(f.client(), other.Email, testPassword); r.StatusCode != 303 {
		t.Fatalf("a good sign-in: got %d, want 303", r.StatusCode)
	}
	if got := len(f.logs.warnings()) - n; got != 0 {
		t.Errorf("a good sign-in logged %d warning lines, want none", got)
	}
}
