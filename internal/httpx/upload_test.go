package httpx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// seenUpload is what a streamed form's handler saw.
type seenUpload struct {
	Called         bool
	Fields         map[string]string
	Filename       string
	Size           int64
	TooLarge, None bool
	Content        string
	TempFile       string // the temporary file's name, while it was open
}

// TestStreamedFormUpload: a route with a FileLimit reads its page form as
// it comes — its fields, and its file into a temporary file removed once
// the handler returns; a file over the limit is read through and dropped,
// marked TooLarge, the fields after it read all the same; a body over the
// route's MaxBody is read to it, not refused, with the fields before the
// cut; the CSRF token is still checked, and a body that is not a
// well-formed multipart form is a 400.
func TestStreamedFormUpload(t *testing.T) {
	t.Parallel()
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
	var seen seenUpload
	handler := func(w http.ResponseWriter, r *http.Request) {
		seen = seenUpload{Called: true, Fields: map[string]string{}}
		for _, k := range []string{"before", "after"} {
			seen.Fields[k] = r.PostFormValue(k)
		}
		up := httpx.UploadFrom(r, "file")
		if up == nil {
			seen.None = true
			return
		}
		seen.Filename, seen.Size, seen.TooLarge = up.Filename, up.Size, up.TooLarge
		if f, err := up.Open(); err == nil {
			b, _ := io.ReadAll(f)
			seen.Content, seen.TempFile = string(b), f.Name()
			f.Close()
		}
	}
	guard := &httpx.Guard{Sessions: st, Tokens: st, Deny: func(w http.ResponseWriter, r *http.Request, err error) {
		httpx.WriteJSONError(nil, w, r, err)
	}}
	const limit, maxBody = 1000, 5000
	srv := httptest.NewServer(guard.Wrap(httpx.Route{Method: "POST", Pattern: "/upload", Perm: auth.SignedIn, Handler: handler,
		FileLimit: limit, MaxBody: maxBody}))
	t.Cleanup(srv.Close)

	form := func(csrf string, file int) (*bytes.Buffer, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("csrf_token", csrf)
		mw.WriteField("before", "typed first")
		fw, _ := mw.CreateFormFile("file", "data.csv")
		fw.Write(bytes.Repeat([]byte("x"), file))
		mw.WriteField("after", "typed last")
		mw.Close()
		return &b, mw.FormDataContentType()
	}
	post := func(body io.Reader, ctype string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+"/upload", body)
		req.Header.Set("Content-Type", ctype)
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: secret})
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	// Within the limit: kept in a temporary file, removed after.
	body, ctype := form(sess.CSRFToken, limit)
	if code, msg := post(body, ctype); code != 200 || !seen.Called {
		t.Fatalf("a file of the limit: %d %s", code, msg)
	}
	if seen.TooLarge || seen.Size != limit || seen.Content != strings.Repeat("x", limit) || seen.Filename != "data.csv" ||
		seen.Fields["before"] != "typed first" || seen.Fields["after"] != "typed last" {
		t.Errorf("a file of the limit: the handler saw %+v", seen)
	}
	if _, err := os.Stat(seen.TempFile); seen.TempFile == "" || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the temporary file %q is still there after the request (%v)", seen.TempFile, err)
	}

	// Over the limit, within the body's cap: dropped, every field read.
	body, ctype = form(sess.CSRFToken, limit+1)
	if code, msg := post(body, ctype); code != 200 {
		t.Fatalf("a file over the limit: %d %s", code, msg)
	}
	if !seen.TooLarge || seen.Size != limit+1 || seen.Content != "" || seen.Fields["before"] != "typed first" || seen.Fields["after"] != "typed last" {
		t.Errorf("a file over the limit: the handler saw %+v", seen)
	}

	// Over the body's cap: read to it, the fields before the file kept.
	body, ctype = form(sess.CSRFToken, 2*maxBody)
	if code, msg := post(body, ctype); code != 200 {
		t.Fatalf("a body over the route's cap: %d %s, want the handler's answer", code, msg)
	}
	if !seen.TooLarge || seen.Content != "" || seen.Fields["before"] != "typed first" || seen.Fields["after"] != "" {
		t.Errorf("a body over the route's cap: the handler saw %+v", seen)
	}

	// No file chosen (a browser sends the field with no name): none.
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("csrf_token", sess.CSRFToken)
	mw.CreateFormField("file")
	mw.Close()
	if code, msg := post(&b, mw.FormDataContentType()); code != 200 || !seen.None {
		t.Errorf("no file: %d %s, the handler saw %+v", code, msg, seen)
	}

	// The CSRF token is checked all the same: the handler is not called.
	seen = seenUpload{}
	body, ctype = form("not-the-token", 10)
	if code, _ := post(body, ctype); code != http.StatusForbidden || seen.Called {
		t.Errorf("a wrong CSRF token: %d, handler called %v; want 403, not called", code, seen.Called)
	}

	// A body cut short of its closing boundary is no form: 400.
	body, ctype = form(sess.CSRFToken, 10)
	cut := body.Bytes()[:body.Len()-40]
	code, msg := post(bytes.NewReader(cut), ctype)
	var e httpx.ErrorBody
	json.Unmarshal([]byte(msg), &e)
	if code != http.StatusBadRequest || seen.Called || e.Error.Message != "The form could not be read. Reload the page and try again." {
		t.Errorf("a malformed body: %d %s, handler called %v; want 400, the form not read", code, msg, seen.Called)
	}
}
