package app_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestIngestContentEncoding: a gzip-encoded batch (what log shippers and
// HTTP clients send when asked to compress) is read as its lines, for
// events and labels, its limits counted on the lines; another coding, or
// a charset other than UTF-8, is refused as a whole (415) naming what is
// taken. Each such batch used to be read as its compressed or re-encoded
// bytes: every line refused on its own, the batch answered 200 and
// nothing stored.
func TestIngestContentEncoding(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAITeam, "team@example.com"), lodestar.ScopeIngest)
	m := f.model("Recommendations", "recsys", "Recommender")
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	post := func(path, contentType, encoding string, body []byte) *response {
		h := http.Header{"Content-Type": {contentType}, "Authorization": {"Bearer " + tok}}
		if encoding != "" {
			h.Set("Content-Encoding", encoding)
		}
		return f.do(f.client(), "POST", path, h, bytes.NewReader(body))
	}
	const events, labels, nd = "/api/v1/models/recsys/events", "/api/v1/models/recsys/labels", "application/x-ndjson"
	count := func() int64 {
		n, err := f.app.Store.CountEvents(sys(), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	batch := eventLine("g-1", t0, "1.0", 1, "red", 0.9, 1) + "\n" + `{"id":"g-2","version":"1.0"}` + "\n" + eventLine("g-3", t0, "1.0", 2, "blue", 0.2, 0)
	for _, enc := range []string{"gzip", "x-gzip", "GZIP"} {
		r := post(events, nd, enc, gzipped(t, batch))
		if r.StatusCode != 200 {
			t.Fatalf("%s: got %d %s, want 200", enc, r.StatusCode, r.body)
		}
		res := decodeInto[lodestar.IngestResult](t, r)
		if res.Accepted+res.Duplicates != 2 || len(res.Rejected) != 1 || res.Rejected[0].Line != 2 || res.Rejected[0].ID != "g-2" {
			t.Errorf("%s: got %+v, want g-1 and g-3 taken and line 2 (g-2) refused", enc, res)
		}
	}
	if n := count(); n != 2 {
		t.Errorf("stored %d events, want 2", n)
	}
	r := post(labels, nd+"; charset=UTF-8", "gzip", gzipped(t, "{\"id\":\"g-1\",\"label\":0}\n{\"id\":\"nope\",\"label\":1}\n"))
	if lr := decodeInto[lodestar.LabelResult](t, r); r.StatusCode != 200 || lr.Updated != 1 || len(lr.Unknown) != 1 || lr.Unknown[0].Line != 2 {
		t.Errorf("gzip labels: got %d %s, want g-1 updated and line 2 unknown", r.StatusCode, r.body)
	}
	if label, err := storedLabel(f.app.Store, "recsys", "g-1"); err != nil || label != "0" {
		t.Errorf("g-1 label: got %q (%v), want 0", label, err)
	}

	// Refused as a whole, nothing stored.
	before := count()
	plain := []byte(eventLine("r-1", t0, "1.0", 1, "red", 0.5, 1))
	for _, tc := range []struct {
		name, contentType, encoding string
		body                        []byte
		status                      int
		code, says                  string
	}{
		// Both NDJSON types are taken, and the refusal names both.
		{"text", "text/plain", "", plain, 415, lodestar.EUnsupported, "application/x-ndjson or application/jsonl"},
		{"brotli", nd, "br", plain, 415, lodestar.EUnsupported, "Content-Encoding must be gzip"},
		{"deflate", nd, "deflate", plain, 415, lodestar.EUnsupported, "Content-Encoding must be gzip"},
		{"gzip twice", nd, "gzip, gzip", gzipped(t, string(gzipped(t, string(plain)))), 415, lodestar.EUnsupported, "Content-Encoding must be gzip"},
		{"latin-1", nd + "; charset=iso-8859-1", "", []byte("{\"id\":\"caf\xe9\",\"version\":\"1.0\",\"prediction\":1}"), 415, lodestar.EUnsupported, "UTF-8"},
		{"not gzip", nd, "gzip", plain, 400, lodestar.EInvalid, "not gzip"},
		{"gzip cut short", nd, "gzip", gzipped(t, strings.Repeat(string(plain)+"\n", 50))[:60], 400, lodestar.EInvalid, "could not be read"},
		// 8 MiB is the lines' limit, however small the compressed body.
		{"gzip of more than 8 MiB", nd, "gzip", gzipped(t, string(plain)+"\n"+strings.Repeat(" ", lodestar.MaxIngestBytes)), 413, lodestar.ETooLarge, "8388608"},
	} {
		for _, path := range []string{events, labels} {
			r := post(path, tc.contentType, tc.encoding, tc.body)
			if d := wantAPIError(t, r, tc.status, tc.code); !strings.Contains(d.Message, tc.says) {
				t.Errorf("%s to %s: got %q, want it to say %q", tc.name, path, d.Message, tc.says)
			}
			if tc.status == 415 && tc.encoding != "" && r.Header.Get("Accept-Encoding") != "gzip" {
				t.Errorf("%s: Accept-Encoding %q, want gzip (RFC 9110: a 415 for a coding names those taken)", tc.name, r.Header.Get("Accept-Encoding"))
			}
		}
	}
	if after := count(); after != before {
		t.Errorf("refused batches stored events: %d → %d", before, after)
	}
}

// TestIngestLineShapes: what a client's writer may put around its lines —
// a byte-order mark, CRLF endings, no final newline, blank lines — loses
// no line and keeps line numbers the sender's; an event ID repeated in a
// batch keeps its first line (as a retry of it would), a repeat with
// another line refused as an id_conflict, and a label repeated keeps its
// last.
func TestIngestLineShapes(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAITeam, "team@example.com"), lodestar.ScopeIngest)
	f.model("Recommendations", "recsys", "Recommender")
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	body := "\uFEFF" + eventLine("s-1", t0, "1.0", 1, "red", 0.9, 1) + "\r\n" +
		"\r\n" +
		"   \r\n" +
		`{"id":"s-2","version":"1.0","prediction":0.1,"label":0}` + "\r\n" +
		`{"id":"s-2","version":"1.0","prediction":0.7,"label":1}` + "\r\n" + // the same ID, another line: refused, the first stands
		`{"id":"s-3","version":"1.0"}` + "\r\n" +
		eventLine("s-4", t0, "1.0", 2, "blue", 0.2, 0) // no final newline
	r := f.ndjson("/api/v1/models/recsys/events", tok, body)
	res := decodeInto[lodestar.IngestResult](t, r)
	if r.StatusCode != 200 || res.Accepted != 3 || res.Duplicates != 0 || len(res.Rejected) != 2 ||
		res.Rejected[0].Line != 5 || res.Rejected[0].Code != lodestar.LineIDConflict || res.Rejected[1].Line != 6 {
		t.Fatalf("got %d %s; want s-1, s-2 and s-4 taken, line 5 (s-2 again, changed) and line 6 (s-3) refused", r.StatusCode, r.body)
	}
	if label, err := storedLabel(f.app.Store, "recsys", "s-2"); err != nil || label != "0" {
		t.Errorf("s-2: label %q (%v), want 0, its first line's", label, err)
	}
	r = f.ndjson("/api/v1/models/recsys/labels", tok, "\uFEFF{\"id\":\"s-4\",\"label\":1}\r\n\r\n{\"id\":\"s-4\",\"label\":0}\r\n{\"id\":\"s-9\",\"label\":1}")
	lr := decodeInto[lodestar.LabelResult](t, r)
	if r.StatusCode != 200 || lr.Updated != 1 || len(lr.Unknown) != 1 || lr.Unknown[0].Line != 4 || len(lr.Rejected) != 0 {
		t.Fatalf("labels: got %d %s; want s-4 updated once and line 4 (s-9) unknown", r.StatusCode, r.body)
	}
	if label, err := storedLabel(f.app.Store, "recsys", "s-4"); err != nil || label != "0" {
		t.Errorf("s-4: label %q (%v), want 0, its last line's", label, err)
	}
}
