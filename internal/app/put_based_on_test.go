package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAPIUpdatesBasedOnUpdatedAt: a PUT of a record may carry the
// updated_at the client read. Based on the record as it is, the update is
// made; based on one changed since, it is a 409 and nothing changes;
// without updated_at it is made as before. A malformed updated_at is a
// 400 naming it, and a create carrying one is refused.
func TestAPIUpdatesBasedOnUpdatedAt(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	w := f.experimentWorld()
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	_, tok := f.token(admin)
	bu := fromJSON[lodestar.BusinessUnit](t, f.apiOK("POST", "/api/v1/business-units", tok, `{"name":"Retail"}`, 201))
	g := fromJSON[lodestar.Goal](t, f.apiOK("POST", "/api/v1/goals", tok, `{"title":"Grow","horizon":"year"}`, 201))
	m := fromJSON[lodestar.Model](t, f.apiOK("POST", "/api/v1/models", tok, fmt.Sprintf(`{"use_case_id":%d,"key":"churn","name":"Churn"}`, w.uc.ID), 201))
	e := fromJSON[lodestar.Experiment](t, f.apiOK("POST", "/api/v1/experiments", w.token, w.design("recsys-4"), 201))
	design := func(name string) string {
		return strings.Replace(w.design("recsys-4"), `"name":"Recommender 4.0"`, `"name":"`+name+`"`, 1)
	}
	for _, c := range []struct {
		path, tok string
		body      func(name string) string
		name      func(body string) string
	}{
		{fmt.Sprintf("/api/v1/business-units/%d", bu.ID), tok, func(n string) string { return `"name":"` + n + `"` },
			func(b string) string { return field(t, b, "name") }},
		{fmt.Sprintf("/api/v1/goals/%d", g.ID), tok, func(n string) string { return `"title":"` + n + `","horizon":"year"` },
			func(b string) string { return field(t, b, "title") }},
		{fmt.Sprintf("/api/v1/use-cases/%d", w.uc.ID), tok, func(n string) string { return `"title":"` + n + `"` },
			func(b string) string { return field(t, b, "title") }},
		{fmt.Sprintf("/api/v1/models/%d", m.ID), tok, func(n string) string { return fmt.Sprintf(`"use_case_id":%d,"key":"churn","name":%q`, w.uc.ID, n) },
			func(b string) string { return field(t, b, "name") }},
		{fmt.Sprintf("/api/v1/experiments/%d", e.ID), w.token, func(n string) string { d := design(n); return d[1 : len(d)-1] },
			func(b string) string { return field(t, b, "name") }},
	} {
		read := func() (string, string) {
			t.Helper()
			r := f.apiOK("GET", c.path, c.tok, "", 200)
			return c.name(r.body), field(t, r.body, "updated_at")
		}
		_, opened := read()
		f.clock.Advance(time.Second)
		put := func(stamp, name string) *response {
			if stamp == "" {
				return f.api("PUT", c.path, c.tok, whole(c.path, "{"+c.body(name)+"}"))
			}
			return f.api("PUT", c.path, c.tok, whole(c.path, fmt.Sprintf(`{"updated_at":%q,%s}`, stamp, c.body(name))))
		}
		if r := put(opened, "By A"); r.StatusCode != 200 {
			t.Fatalf("%s: update based on the record as read: %d %s", c.path, r.StatusCode, r.body)
		}
		f.clock.Advance(time.Second)
		audits := f.count("audit_log")
		d := wantAPIError(t, put(opened, "By B"), 409, "conflict")
		if !strings.Contains(d.Message, "changed") {
			t.Errorf("%s: stale update: %q", c.path, d.Message)
		}
		if got, _ := read(); got != "By A" || f.count("audit_log") != audits {
			t.Errorf("%s: after the stale update it reads %q (audit entries %d → %d), want A's, nothing written", c.path, got, audits, f.count("audit_log"))
		}
		d = wantAPIError(t, put("yesterday", "Blind"), 400, "invalid")
		if !strings.Contains(d.Message+fmt.Sprint(d.Fields), "updated_at") {
			t.Errorf("%s: malformed updated_at: %+v; want it named", c.path, d)
		}
		_, now := read()
		if r := put(now, "By B"); r.StatusCode != 200 {
			t.Errorf("%s: update based on the record as it is: %d %s", c.path, r.StatusCode, r.body)
		}
		f.clock.Advance(time.Second)
		if r := put("", "By C"); r.StatusCode != 200 {
			t.Errorf("%s: update without updated_at: %d %s", c.path, r.StatusCode, r.body)
		}
	}
	d := wantAPIError(t, f.api("POST", "/api/v1/goals", tok, `{"title":"New","horizon":"year","updated_at":"2026-11-30T09:00:00Z"}`), 400, "invalid")
	if _, ok := d.Fields["updated_at"]; !ok {
		t.Errorf("a create with updated_at: %+v; want updated_at named", d)
	}
}

// field is one top-level string field of a JSON object.
func field(t *testing.T, body, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%v in %.300s", err, body)
	}
	s, _ := m[name].(string)
	return s
}
