package httpx_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// streamedRoute serves a route with a FileLimit behind a page guard, and
// a signed-in admin's session (its secret and CSRF token).
func streamedRoute(t *testing.T, handler http.HandlerFunc) (srv *httptest.Server, secret, csrf string) {
	t.Helper()
	return streamedRouteOn(t, handler, nil)
}

// streamedRouteOn is streamedRoute, its server's listener wrapped by wrap
// (nil: as it is).
func streamedRouteOn(t *testing.T, handler http.HandlerFunc, wrap func(net.Listener) net.Listener) (srv *httptest.Server, secret, csrf string) {
	t.Helper()
	db := testdb.Open(t)
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "test-setup"})
	st := store.New(db)
	u, err := st.CreateUser(ctx, lodestar.NewUser{Email: "ann@example.com", Name: "Ann", Role: lodestar.RoleAdmin,
		Password: "correct horse battery staple", Locale: "en"})
	if err != nil {
		t.Fatal(err)
	}
	sess, secret, err := st.CreateSession(ctx, u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	guard := &httpx.Guard{Sessions: st, Tokens: st, Deny: func(w http.ResponseWriter, r *http.Request, err error) {
		httpx.WriteJSONError(nil, w, r, err)
	}}
	srv = httptest.NewUnstartedServer(guard.Wrap(httpx.Route{Method: "POST", Pattern: "/upload", Perm: auth.SignedIn, Handler: handler,
		FileLimit: 1000, MaxBody: 1 << 20}))
	if wrap != nil {
		srv.Listener = wrap(srv.Listener)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, secret, sess.CSRFToken
}

// postForm sends body to srv's /upload with the session's cookie and,
// when header is set, the CSRF header.
func postForm(t *testing.T, srv *httptest.Server, secret, header string, body io.Reader, ctype string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+"/upload", body)
	req.Header.Set("Content-Type", ctype)
	if header != "" {
		req.Header.Set(httpx.CSRFHeader, header)
	}
	req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: secret})
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// streamedForm is a multipart form of fields given as name, value pairs
// in order; a pair named "file" is a file, data.csv, of that content.
func streamedForm(fields ...string) (*bytes.Buffer, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i < len(fields); i += 2 {
		if fields[i] == "file" {
			fw, _ := mw.CreateFormFile("file", "data.csv")
			fw.Write([]byte(fields[i+1]))
			continue
		}
		mw.WriteField(fields[i], fields[i+1])
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}

// TestStreamedFormDiskFailureIsTheServers: a streamed form's file that
// the server cannot write (here its temporary directory is missing; a
// full disk alike) is the server's failure, a 500, not a form the sender
// should reload and send again (400); the handler is not called.
func TestStreamedFormDiskFailureIsTheServers(t *testing.T) {
	called := 0
	srv, secret, csrf := streamedRoute(t, func(w http.ResponseWriter, r *http.Request) { called++ })
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	body, ctype := streamedForm("csrf_token", csrf, "file", "a,b\n1,2\n")
	if code := postForm(t, srv, secret, "", body, ctype); code != http.StatusInternalServerError || called != 0 {
		t.Errorf("a file the server cannot write: %d, handler called %d times; want 500, not called", code, called)
	}
}

// TestStreamedFormChecksCSRFBeforeWritingFiles: a streamed form's file is
// written to disk only once the form's CSRF token has been checked — its
// field, which a page's form sends before the file, or the header. The
// temporary directory is missing, so that a file the server goes on to
// write fails the request as the server's (500); a request refused for
// its token (403) never got that far.
func TestStreamedFormChecksCSRFBeforeWritingFiles(t *testing.T) {
	called := 0
	srv, secret, csrf := streamedRoute(t, func(w http.ResponseWriter, r *http.Request) { called++ })
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	const file = "a,b\n1,2\n"
	for _, c := range []struct {
		name   string
		header string
		fields []string
		want   int
	}{
		{"a wrong token before the file", "", []string{"csrf_token", "not-the-token", "file", file}, http.StatusForbidden},
		{"no token before the file, the right one after it", "", []string{"name", "x", "file", file, "csrf_token", csrf}, http.StatusForbidden},
		{"a wrong header, the right field", "not-the-token", []string{"csrf_token", csrf, "file", file}, http.StatusForbidden},
		{"the right token, then a wrong one, before the file", "", []string{"csrf_token", csrf, "csrf_token", "x", "file", file}, http.StatusInternalServerError},
		{"the right token before the file", "", []string{"csrf_token", csrf, "file", file}, http.StatusInternalServerError},
		{"the right header", csrf, []string{"file", file}, http.StatusInternalServerError},
	} {
		body, ctype := streamedForm(c.fields...)
		if code := postForm(t, srv, secret, c.header, body, ctype); code != c.want {
			t.Errorf("%s: %d, want %d", c.name, code, c.want)
		}
	}
	if called != 0 {
		t.Errorf("the handler was called %d times; want never", called)
	}
}

// TestStreamedFormBoundsItsParts: a streamed form is held to what
// ParseMultipartForm holds every other form to — at most 1,000 parts —
// and to at most 10 files, each its own temporary file: a body of the
// route's size could otherwise be hundreds of thousands of tiny fields,
// or as many temporary files, made and removed for one request. A form
// over either is refused unread (400), and none of its files is left.
func TestStreamedFormBoundsItsParts(t *testing.T) {
	var uploads int
	called := 0
	srv, secret, csrf := streamedRoute(t, func(w http.ResponseWriter, r *http.Request) {
		called++
		uploads = 0
		for i := range 20 {
			if httpx.UploadFrom(r, fmt.Sprint("f", i)) != nil {
				uploads++
			}
		}
	})
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	form := func(fields, files int) (*bytes.Buffer, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("csrf_token", csrf)
		for i := range fields {
			mw.WriteField(fmt.Sprint("v", i), "x")
		}
		for i := range files {
			fw, _ := mw.CreateFormFile(fmt.Sprint("f", i), "data.csv")
			fw.Write([]byte("a\n1\n"))
		}
		mw.Close()
		return &b, mw.FormDataContentType()
	}
	for _, c := range []struct {
		name          string
		fields, files int
		want          int
	}{
		{"1,000 parts, 10 of them files", 989, 10, http.StatusOK},
		{"1,001 fields", 1000, 0, http.StatusBadRequest},
		{"1,001 parts, 10 of them files", 990, 10, http.StatusBadRequest},
		{"11 files", 0, 11, http.StatusBadRequest},
	} {
		called = 0
		body, ctype := form(c.fields, c.files)
		code := postForm(t, srv, secret, "", body, ctype)
		if code != c.want || (called == 1) != (c.want == http.StatusOK) {
			t.Errorf("%s: %d, handler called %d times; want %d", c.name, code, called, c.want)
		}
		if c.want == http.StatusOK && uploads != c.files {
			t.Errorf("%s: the handler had %d files, want %d", c.name, uploads, c.files)
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("%s: %d temporary files left", c.name, len(left))
		}
	}
}

// TestStreamedFormCutOutsideAFile: a streamed form's body the route's cap
// cuts short in a field (or between parts) is refused as too large (413),
// not handed on without its last fields as though it were whole; a cut in
// a file is the file's, which is then too large (TestStreamedFormUpload).
func TestStreamedFormCutOutsideAFile(t *testing.T) {
	called := 0
	srv, secret, csrf := streamedRoute(t, func(w http.ResponseWriter, r *http.Request) { called++ })
	t.Setenv("TMPDIR", t.TempDir())
	big := strings.Repeat("x", 2<<20) // over the route's 1 MiB, within 10 MiB of fields
	for _, c := range []struct {
		name   string
		fields []string
	}{
		{"a field after the file", []string{"csrf_token", csrf, "before", "typed", "file", "a\n1\n", "notes", big, "after", "typed"}},
		{"a field, no file", []string{"csrf_token", csrf, "notes", big, "after", "typed"}},
	} {
		called = 0
		body, ctype := streamedForm(c.fields...)
		if code := postForm(t, srv, secret, "", body, ctype); code != http.StatusRequestEntityTooLarge || called != 0 {
			t.Errorf("%s: %d, handler called %d times; want 413, not called", c.name, code, called)
		}
	}
}

// TestStreamedFormLeavesNoTemporaryFiles: a streamed form's temporary
// files are gone once its request is over, however it ends — the handler
// done, the handler panicking, the client going mid-file — and of a field
// sent two files the first is the one kept, the second not written.
func TestStreamedFormLeavesNoTemporaryFiles(t *testing.T) {
	// What the handler saw (a panic drops the connection: no answer
	// orders its writes before the test's reads, so a lock does).
	var mu sync.Mutex
	var content string
	var sawFile bool
	seen := func() (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		return content, sawFile
	}
	srv, secret, csrf := streamedRoute(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		content, sawFile = "", false
		if up := httpx.UploadFrom(r, "file"); up != nil {
			if f, err := up.Open(); err == nil {
				b, _ := io.ReadAll(f)
				f.Close()
				content, sawFile = string(b), true
			}
		}
		if r.PostFormValue("panic") != "" {
			panic(http.ErrAbortHandler) // (net/http logs no stack for this one)
		}
	})
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	left := func(what string) {
		t.Helper()
		if files, _ := os.ReadDir(tmp); len(files) != 0 {
			t.Errorf("%s: %d temporary files left", what, len(files))
		}
	}

	body, ctype := streamedForm("csrf_token", csrf, "file", "first", "file", "second", "after", "x")
	if code := postForm(t, srv, secret, "", body, ctype); code != http.StatusOK {
		t.Errorf("two files of one field: %d, want 200", code)
	} else if got, _ := seen(); got != "first" {
		t.Errorf("two files of one field: the handler read %q, want the first", got)
	}
	left("two files of one field")

	body, ctype = streamedForm("csrf_token", csrf, "panic", "1", "file", "a\n1\n")
	req, _ := http.NewRequest("POST", srv.URL+"/upload", body)
	req.Header.Set("Content-Type", ctype)
	req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: secret})
	if resp, err := srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("a handler that panics: answered %d, want the connection dropped", resp.StatusCode)
	}
	if _, had := seen(); !had {
		t.Error("a handler that panics: it had no file")
	}
	left("a handler that panics")

	// The client sends the form up to half its file, then goes.
	body, ctype = streamedForm("csrf_token", csrf, "file", strings.Repeat("x", 800))
	pr, pw := io.Pipe()
	go func() {
		pw.Write(body.Bytes()[:body.Len()-500])
		pw.CloseWithError(errors.New("the client went"))
	}()
	mu.Lock()
	sawFile = false
	mu.Unlock()
	req, _ = http.NewRequest("POST", srv.URL+"/upload", pr)
	req.Header.Set("Content-Type", ctype)
	req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: secret})
	if resp, err := srv.Client().Do(req); err == nil {
		resp.Body.Close()
	}
	srv.Close() // waits for the request's handling to end
	if _, had := seen(); had {
		t.Error("a client gone mid-file: the handler was called with a file")
	}
	left("a client gone mid-file")
}

// TestStreamedFormBadQueryKeepsTheForm: a query string ParseForm cannot
// read loses a streamed form nothing, as it loses other forms nothing
// (checkCSRF): its fields and file are read and the handler called.
func TestStreamedFormBadQueryKeepsTheForm(t *testing.T) {
	var name, content string
	srv, secret, csrf := streamedRoute(t, func(w http.ResponseWriter, r *http.Request) {
		name = r.PostFormValue("name")
		if up := httpx.UploadFrom(r, "file"); up != nil {
			if f, err := up.Open(); err == nil {
				b, _ := io.ReadAll(f)
				f.Close()
				content = string(b)
			}
		}
	})
	t.Setenv("TMPDIR", t.TempDir())
	body, ctype := streamedForm("csrf_token", csrf, "name", "typed", "file", "a\n1\n")
	req, _ := http.NewRequest("POST", srv.URL+"/upload?x=%zz", body)
	req.Header.Set("Content-Type", ctype)
	req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: secret})
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || name != "typed" || content != "a\n1\n" {
		t.Errorf("a bad query string: %d, the handler read name %q and file %q; want 200, both", resp.StatusCode, name, content)
	}
}
