package app_test

import (
	"net/http"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/httpx"
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

// forwardedFor sends every request as a proxy would that forwards it for
// client.
type forwardedFor struct {
	base   http.RoundTripper
	client string
}

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.client)
	return f.base.RoundTrip(r)
}

// TestSignInBehindProxy checks that sign-ins are throttled and logged by
// the client a trusted proxy names, and that the header counts for
// nothing from a peer not trusted (anyone can write it).
func TestSignInBehindProxy(t *testing.T) {
	via := func(f *fixture, client string) *http.Client {
		c := f.client()
		c.Transport = forwardedFor{c.Transport, client}
		return c
	}
	proxies, err := httpx.ParseProxies("127.0.0.0/8, ::1")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("trusted", func(t *testing.T) {
		f := start(t, fixtureOpts{options: app.Options{Proxies: proxies}})
		u := f.user(lodestar.RoleViewer, "viewer@example.com")
		a := via(f, "198.51.100.1")
		for range 5 {
			f.login(a, u.Email, "wrong password")
		}
		if r := f.login(a, u.Email, testPassword); r.StatusCode != http.StatusTooManyRequests {
			t.Errorf("the guesser's next sign-in: got %d, want 429", r.StatusCode)
		}
		if r := f.login(via(f, "198.51.100.2"), u.Email, testPassword); r.StatusCode != http.StatusSeeOther {
			t.Errorf("another client behind the same proxy: got %d, want 303", r.StatusCode)
		}
		var logged bool
		for _, l := range f.logs.warnings() {
			logged = logged || strings.Contains(l, "sign-in refused") && strings.Contains(l, "client=198.51.100.1")
		}
		if !logged {
			t.Errorf("no refused sign-in logged with the forwarded client: %q", f.logs.warnings())
		}
	})
	t.Run("not trusted", func(t *testing.T) {
		f := start(t, fixtureOpts{})
		u := f.user(lodestar.RoleViewer, "viewer@example.com")
		for range 5 {
			f.login(via(f, "198.51.100.1"), u.Email, "wrong password")
		}
		// A new forged address each time changes nothing: the peer is one.
		if r := f.login(via(f, "198.51.100.3"), u.Email, testPassword); r.StatusCode != http.StatusTooManyRequests {
			t.Errorf("a forged X-Forwarded-For: got %d, want 429 (the header ignored)", r.StatusCode)
		}
	})
}
