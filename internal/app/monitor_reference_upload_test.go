package app_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// csvOf is a reference CSV of columns x and y of exactly size bytes
// (size at least 40): rows "1,123456789012" (rows of 15 bytes: a
// quarter as many to read as rows "1,2", which under the race detector on
// a loaded 2-core machine outlasted the client's timeout), the last one
// padded with digits.
func csvOf(size int) []byte {
	const row = "1,123456789012\n"
	b := bytes.NewBufferString("x,y\n")
	for b.Len()+len(row) <= size-24 {
		b.WriteString(row)
	}
	last := size - b.Len() - 3 // "1," … "\n"
	b.WriteString("1," + strings.Repeat("7", last) + "\n")
	return b.Bytes()
}

// streamedMonitorForm is a monitor form's multipart body as a browser
// sends it, the reference file last, of fileSize bytes: a reader, so a
// body larger than the server takes is never held in memory.
func streamedMonitorForm(t *testing.T, fields [][2]string, fileSize int64) (io.Reader, string) {
	t.Helper()
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := mw.CreateFormFile("reference", "big.csv"); err != nil {
		t.Fatal(err)
	}
	tail := "\r\n--" + mw.Boundary() + "--\r\n"
	file := io.MultiReader(strings.NewReader("x,y\n"), io.LimitReader(&repeatReader{text: "1,2\n"}, fileSize-4))
	return io.MultiReader(&head, file, strings.NewReader(tail)), mw.FormDataContentType()
}

// repeatReader repeats its text without end.
type repeatReader struct {
	text string
	at   int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.text[r.at]
		r.at = (r.at + 1) % len(r.text)
	}
	return len(p), nil
}

// TestMonitorFormLargeReference: a reference file over the limit (20 MiB,
// the API's too) on the new-monitor form was refused with a 413 before the
// form was read, and everything typed into it was lost. Now a file of the
// limit is taken, and one over it — just over, or larger than the server
// reads of any body — brings the form back with every value typed, the
// refusal under the file in the user's language, and nothing saved.
func TestMonitorFormLargeReference(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ai@example.com")
	zh := f.user(lodestar.RoleAITeam, "ai-zh@example.com")
	if err := f.app.Store.SetLocale(sys(), zh.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	m := f.model("Recs", "recs", "Recs")
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/models/%d/monitors", m.ID)
	health := fmt.Sprintf("/models/%d/health", m.ID)
	limit := int64(monitoring.MaxReferenceBytes)
	post := func(c *http.Client, csrf, name string, size int64) *response {
		body, ctype := streamedMonitorForm(t, [][2]string{{"csrf_token", csrf}, {"form_id", pageFormID(t, f, c, health)},
			{"version", "1.0"}, {"name", name}, {"task", "binary"}, {"window", "events:500"}, {"exclude", "user_id, clicked"},
			{"webhook_url", "https://hooks.example.com/lodestar"}, {"remind_after", "12"}, {"min_events", "25"},
			{"reference_kind", "dataset"}}, size)
		return f.do(c, "POST", path, http.Header{"Content-Type": {ctype}}, body)
	}
	for _, c := range []struct {
		u    *lodestar.User
		size int64
		want string
	}{
		{ai, limit + 1, "The reference dataset is larger than 20 MiB."},
		{zh, 25 << 20, "参照数据集超过 20 MiB。"},
		// Over the server's cap on any body (32 MiB): read to the cap.
		{ai, 40 << 20, "The reference dataset is larger than 20 MiB."},
	} {
		what := fmt.Sprintf("%s, %d bytes", c.u.Email, c.size)
		cl, csrf, _ := f.signIn(c.u, time.Hour)
		before := f.count("monitors")
		r := post(cl, csrf, "big watch", c.size)
		if r.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: got %d, want 400 with the form", what, r.StatusCode)
		}
		wantShown(t, r, what, c.want, `value="big watch"`, `value="events:500"`, `value="user_id, clicked"`,
			`value="https://hooks.example.com/lodestar"`, `value="12"`, `value="25"`, `id="mon-ref-dataset" name="reference_kind" value="dataset" checked`)
		if strings.Contains(r.body, "big.csv") {
			t.Errorf("%s: the page asks for the file too large to be taken again", what)
		}
		if n := f.count("monitors"); n != before {
			t.Errorf("%s: %d monitors, want %d", what, n, before)
		}
	}

	// A file of the limit exactly is taken. Reading 20 MiB of CSV into a
	// reference takes long under the race detector on a loaded machine:
	// the client waits as long as it must.
	cl, csrf, _ := f.signIn(ai, time.Hour)
	cl.Timeout = 5 * time.Minute
	ref := csvOf(int(limit))
	if int64(len(ref)) != limit {
		t.Fatalf("csvOf made %d bytes, want %d", len(ref), limit)
	}
	r := f.postMultipart(cl, path, importPart{name: "csrf_token", value: csrf}, importPart{name: "form_id", value: pageFormID(t, f, cl, health)},
		importPart{name: "version", value: "1.0"}, importPart{name: "name", value: "at the limit"}, importPart{name: "task", value: "binary"},
		importPart{name: "window", value: "day"}, importPart{name: "reference_kind", value: "dataset"},
		importPart{name: "reference", filename: "limit.csv", value: string(ref)})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("a reference of %d bytes: got %d, want 303; %s", limit, r.StatusCode, lastLines(r.body))
	}
	mons, err := f.app.Store.ListMonitors(sys(), m.ID)
	if err != nil || len(mons) != 1 || mons[0].Name != "at the limit" || mons[0].Reference.Rows == 0 {
		t.Fatalf("after a reference at the limit: %v, %+v", err, mons)
	}
}

// lastLines is the end of a page, for a failure's message.
func lastLines(s string) string {
	return s[max(0, len(s)-600):]
}
