package web

import "testing"

func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/use-cases?q=a":        "/use-cases?q=a",
		"/":                     "/",
		"":                      "/",
		"https://evil.example/": "/",
		"//evil.example/x":      "/",
		"/\t/evil.example/x":    "/",
		"/\n/evil.example":      "/",
		"/\\evil.example":       "/",
		"/%09/evil.example/x":   "/%09/evil.example/x", // stays a path on this site: escapes are not decoded into the Location
		"javascript:alert(1)":   "/",
		"/ok\x7f":               "/",
		"/kpis/1#readings":      "/kpis/1#readings",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q): got %q, want %q", next, got, want)
		}
	}
}
