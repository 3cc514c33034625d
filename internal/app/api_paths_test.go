package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAPIPathsAnswerJSON: the API's prefixes and its paths written
// unclean (//api/v1/use-cases) are answered in JSON, 404 in the error
// shape naming the clean path, in Chinese too — not with a redirect whose
// body is HTML. A page's unclean path is still redirected.
func TestAPIPathsAnswerJSON(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAdmin, "admin@example.com"))
	// send sends path as written: the client does not clean it.
	send := func(method, path, lang string) *response {
		t.Helper()
		req, err := http.NewRequest(method, f.srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Path = path
		req.Header.Set("Authorization", "Bearer "+tok)
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
		resp, err := f.client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return &response{Response: resp, body: string(b)}
	}
	for _, c := range []struct{ method, path, clean string }{
		{"GET", "/api/v1", ""},
		{"GET", "/ofrep/v1", ""},
		{"POST", "/api/v1", ""},
		{"GET", "//api/v1/use-cases", "/api/v1/use-cases"},
		{"GET", "/api/v1//use-cases", "/api/v1/use-cases"},
		{"GET", "/api/v1/./me", "/api/v1/me"},
		{"GET", "/api/v1/use-cases/../me", "/api/v1/me"},
		{"POST", "//ofrep/v1/evaluate/flags", "/ofrep/v1/evaluate/flags"},
	} {
		d := wantAPIError(t, send(c.method, c.path, ""), 404, lodestar.ENotFound)
		if !strings.Contains(d.Message, c.path) || !strings.Contains(d.Message, c.clean) {
			t.Errorf("%s %s: %q; want it to name the path and its clean form %q", c.method, c.path, d.Message, c.clean)
		}
		wantChinese(t, c.method+" "+c.path, wantAPIError(t, send(c.method, c.path, "zh-CN"), 404, lodestar.ENotFound).Message)
	}
	// A page's path is the browser's: redirected to its clean form.
	if r := send("GET", "//use-cases", ""); r.StatusCode/100 != 3 || r.Header.Get("Location") != "/use-cases" {
		t.Errorf("GET //use-cases: %d Location %q; want a redirect to /use-cases", r.StatusCode, r.Header.Get("Location"))
	}
}
