package app_test

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/api"
)

// TestAPIRefusesUndefinedParameters: every operation of the OpenAPI
// document under /api/v1 — the reads of one record, the writes that read
// only their body, the uploads, the ingestion, the stream and the
// document itself, not only the lists — refuses a query parameter it does
// not define with a 400 naming it (in English and in Chinese), and writes
// nothing: a client that sends a filter or a version in the query of a
// write (PUT /models/1?updated_at=…) would otherwise believe it applied.
// The same request without the parameter is then answered as the walk
// expects (calls), so the 400 is the parameter's and nothing else's.
//
// OFREP's operations (their own server, /ofrep/v1) are left out: the
// protocol defines no query parameters, and they ignore the query.
func TestAPIRefusesUndefinedParameters(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	target := f.user(lodestar.RoleViewer, "target@example.com")
	_, tok := f.token(admin)
	ids := f.records("existing") // as the matrix walk names them: its bodies name v-existing

	var doc map[string]any
	if err := json.Unmarshal([]byte(f.get(f.client(), "/api/v1/openapi.json").body), &doc); err != nil {
		t.Fatal(err)
	}
	// The route patterns, by their normalized form: the walk's calls are
	// keyed by pattern, the document may name its path values otherwise.
	patterns := map[string]string{}
	for _, rt := range f.app.Routes {
		patterns[normalize(rt.Method, rt.Pattern)] = rt.Method + " " + rt.Pattern
	}
	type op struct{ key, method, pattern, doc string }
	var ops []op
	paths, _ := doc["paths"].(map[string]any)
	for p, item := range paths {
		item := item.(map[string]any)
		if _, own := item["servers"]; own {
			continue // OFREP's
		}
		for m := range item {
			key, ok := patterns[normalize(m, api.Prefix+p)]
			if !ok {
				t.Errorf("%s %s: documented but not served", m, p)
				continue
			}
			method, pattern, _ := strings.Cut(key, " ")
			ops = append(ops, op{key, method, pattern, p})
		}
	}
	slices.SortFunc(ops, func(a, b op) int { return strings.Compare(a.key, b.key) })
	if len(ops) < 80 {
		t.Fatalf("found %d operations under %s in the document, want every one", len(ops), api.Prefix)
	}

	// OFREP ignores the query: a flag's evaluation is answered as without it.
	for _, path := range []string{"/ofrep/v1/evaluate/flags/" + walkModelKey(ids), "/ofrep/v1/evaluate/flags"} {
		r := f.api("POST", path+"?zzz=1", tok, `{"context":{"targetingKey":"u-1"}}`)
		if r.StatusCode != http.StatusOK {
			t.Errorf("POST %s?zzz=1: got %d %.300s, want 200 (OFREP ignores the query)", path, r.StatusCode, r.body)
		}
	}

	for i, o := range ops {
		cl, ok := calls[o.key]
		if !ok {
			t.Errorf("%s: no entry in the walk's calls", o.key)
			continue
		}
		w := walker{role: lodestar.RoleAdmin, email: admin.Email, nonce: fmt.Sprintf("undef-%d", i), target: target.Email, ids: ids}
		f.prepare(cl, &w)
		var body string
		if cl.body != nil {
			body = cl.body(w)
		}
		if o.method == "PUT" {
			body = whole(o.pattern, body)
		}
		path := expand(t, o.pattern, w, "") + cl.query
		send := func(query, lang string) *response {
			h := http.Header{"Authorization": {"Bearer " + tok}}
			if body != "" {
				h.Set("Content-Type", cmp.Or(cl.contentType, "application/json"))
			}
			if lang != "" {
				h.Set("Accept-Language", lang)
			}
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			if query != "" {
				query = sep + query
			}
			return f.do(f.client(), o.method, path+query, h, strings.NewReader(body))
		}

		// zzz no operation takes; updated_at is a body's field (an
		// update's version), which no query takes either.
		for _, c := range []struct{ lang, says string }{
			{"", "is not a parameter of this request"},
			{"zh-CN", "不是此请求的参数"},
		} {
			before := snapshot(t, f)
			r := send("zzz=1&updated_at=2026-01-01T00:00:00Z", c.lang)
			if r.StatusCode != http.StatusBadRequest {
				t.Errorf("%s %s?zzz=1&updated_at=… (%q): got %d %.300s, want 400 naming zzz and updated_at", o.method, path, c.lang, r.StatusCode, r.body)
			} else if d := apiError(t, r); d.Code != lodestar.EInvalid || len(d.Fields) != 2 ||
				!strings.HasPrefix(d.Fields["zzz"], "zzz ") || !strings.Contains(d.Fields["zzz"], c.says) ||
				!strings.HasPrefix(d.Fields["updated_at"], "updated_at ") || !strings.Contains(d.Fields["updated_at"], c.says) {
				t.Errorf("%s %s?zzz=1&updated_at=… (%q): got %s %q %v, want invalid naming zzz and updated_at (%q)", o.method, path, c.lang, d.Code, d.Message, d.Fields, c.says)
			}
			if after := snapshot(t, f); !maps2Equal(before, after) {
				t.Errorf("%s %s?zzz=1&updated_at=… (%q): refused, yet it changed the tables %v", o.method, path, c.lang, changedTables(before, after))
			}
		}
		// Given empty, a parameter no operation takes is refused too.
		if r := send("zzz=", ""); r.StatusCode != http.StatusBadRequest || apiError(t, r).Fields["zzz"] == "" {
			t.Errorf("%s %s?zzz=: got %d %.300s, want 400 naming zzz", o.method, path, r.StatusCode, r.body)
		}
		// The document says a 400 may come.
		if dig(paths, o.doc, strings.ToLower(o.method), "responses", "400") == nil {
			t.Errorf("%s: the document lists no 400 response", o.key)
		}
		// Without them, the same request is answered as the walk expects.
		if r := send("", ""); !slices.Contains(cl.ok, r.StatusCode) {
			t.Errorf("%s %s without the parameters: got %d %.300s, want one of %v", o.method, path, r.StatusCode, r.body, cl.ok)
		}
	}
}

// snapshot is a digest of every table's rows: a request that changes no
// row leaves it as it was. A token's last_used_at, which presenting it
// records, is left out.
func snapshot(t *testing.T, f *fixture) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := f.app.DB.Query(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	out := map[string]string{}
	for _, table := range tables {
		rs, err := f.app.DB.Query(ctx, `SELECT * FROM "`+table+`"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rs.Columns()
		h := sha256.New()
		n := 0
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, c := range cols {
				if c == "last_used_at" {
					vals[i] = nil // a token's use, recorded as it is presented, is no write of the request's
				}
			}
			fmt.Fprintf(h, "%v\n", vals)
			n++
		}
		rs.Close()
		out[table] = fmt.Sprintf("%d rows %x", n, h.Sum(nil))
	}
	return out
}

func maps2Equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func changedTables(a, b map[string]string) []string {
	var out []string
	for k := range b {
		if a[k] != b[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
