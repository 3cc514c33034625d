package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// versionSnapshot is what a refused edit of a version must leave as it
// was: the version whole (card, provenance, status, updated_at), the
// number of versions and the audit log.
type versionSnapshot struct {
	v        *lodestar.ModelVersion
	versions int
	audit    int
}

func (f *fixture) versionSnapshot(id int64) versionSnapshot {
	f.t.Helper()
	v, err := f.app.Store.FindModelVersionByID(sys(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return versionSnapshot{v, f.count("model_versions"), f.count("audit_log")}
}

func (f *fixture) wantVersionUnchanged(before versionSnapshot, what string) {
	f.t.Helper()
	after := f.versionSnapshot(before.v.ID)
	a, b := after.v, before.v
	if fmt.Sprint(a.Card) != fmt.Sprint(b.Card) || a.Provenance != b.Provenance || a.Status != b.Status || !a.UpdatedAt.Equal(b.UpdatedAt) ||
		after.versions != before.versions || after.audit != before.audit {
		f.t.Errorf("%s changed something: version %+v → %+v, versions %d → %d, audit entries %d → %d", what,
			b, a, before.versions, after.versions, before.audit, after.audit)
	}
}

// TestVersionEditsAPIStale: an edit of a version's card or provenance
// that sends the version's updated_at as read is refused with 409 once
// the version has changed since, by any edit (a status change too), and
// changes nothing; sent as it is now, or not sent at all (older clients),
// the edit is made.
func TestVersionEditsAPIStale(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, ver, tok := f.teamVersion("Recs", "rec", "Rec")
	id := ver.ID
	path := fmt.Sprintf("/api/v1/model-versions/%d", id)
	read := func() lodestar.ModelVersion {
		t.Helper()
		return decodeInto[lodestar.ModelVersion](t, f.api("GET", path, tok, ""))
	}
	stamp := func(v lodestar.ModelVersion) string { return v.UpdatedAt.Format(time.RFC3339Nano) }

	opened := read()
	f.clock.Advance(time.Second)
	r := f.api("PUT", path+"/card", tok, whole("/card", fmt.Sprintf(`{"updated_at":%q,"intended_use":"Ranking","evaluation_metrics":{"auc":0.9}}`, stamp(opened))))
	if r.StatusCode != 200 {
		t.Fatalf("card based on the version as read: %d %s", r.StatusCode, r.body)
	}
	edited := decodeInto[lodestar.ModelVersion](t, r)
	if edited.Card.IntendedUse != "Ranking" || !edited.UpdatedAt.After(opened.UpdatedAt) {
		t.Fatalf("card saved: %+v; want the card and updated_at moved on from %v", edited, opened.UpdatedAt)
	}
	for _, c := range []struct{ name, path, body string }{
		{"card", "/card", `"intended_use":"Overwritten"`},
		{"provenance", "/provenance", `"artifact_uri":"s3://models/overwritten.bin"`},
	} {
		before := f.versionSnapshot(id)
		d := wantAPIError(t, f.api("PUT", path+c.path, tok, whole(c.path, fmt.Sprintf(`{"updated_at":%q,%s}`, stamp(opened), c.body))), 409, "conflict")
		if !strings.Contains(d.Message, "Someone else changed this record") {
			t.Errorf("stale %s: message %q; want it to say someone else changed the version", c.name, d.Message)
		}
		f.wantVersionUnchanged(before, "a stale "+c.name+" edit")
	}
	// The stale refusal in Chinese, for a client that asks for it.
	h := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}, "Accept-Language": {"zh-CN"}}
	r = f.do(f.client(), "PUT", path+"/provenance", h, strings.NewReader(whole("/provenance", fmt.Sprintf(`{"updated_at":%q,"training_run":"run-1"}`, stamp(opened)))))
	if r.StatusCode != 409 || !strings.Contains(r.body, "有人修改了这条记录") {
		t.Errorf("stale edit in Chinese: %d %s", r.StatusCode, r.body)
	}

	// Based on the version as it is now: made.
	r = f.api("PUT", path+"/provenance", tok, whole("/provenance", fmt.Sprintf(`{"updated_at":%q,"artifact_uri":"s3://models/rec/1.0.bin","artifact_sha256":%q}`, stamp(edited), provDigest)))
	if r.StatusCode != 200 || read().Provenance.ArtifactURI != "s3://models/rec/1.0.bin" {
		t.Fatalf("provenance based on the current version: %d %s", r.StatusCode, r.body)
	}
	// Without updated_at (a client written before it): made, as ever.
	if r := f.api("PUT", path+"/card", tok, whole("/card", `{"intended_use":"Ranking v2"}`)); r.StatusCode != 200 || read().Card.IntendedUse != "Ranking v2" {
		t.Errorf("card without updated_at: %d %s; want it made", r.StatusCode, r.body)
	}
	if r := f.api("PUT", path+"/provenance", tok, whole("/provenance", `{"updated_at":null,"artifact_uri":"s3://models/rec/1.0b.bin"}`)); r.StatusCode != 200 {
		t.Errorf("provenance with updated_at null: %d %s; want it made", r.StatusCode, r.body)
	}
	// A status change moves updated_at too: an edit based on the version
	// before it is stale.
	current := read()
	if r := f.api("POST", path+"/status", tok, `{"status":"staging","reason":"offline metrics pass"}`); r.StatusCode != 200 {
		t.Fatalf("to staging: %d %s", r.StatusCode, r.body)
	}
	before := f.versionSnapshot(id)
	wantAPIError(t, f.api("PUT", path+"/card", tok, whole("/card", fmt.Sprintf(`{"updated_at":%q,"intended_use":"Stale"}`, stamp(current)))), 409, "conflict")
	f.wantVersionUnchanged(before, "a card edit based on the version before its status change")
	// A malformed updated_at is a 400 naming it, not an edit made blind.
	d := wantAPIError(t, f.api("PUT", path+"/card", tok, `{"updated_at":"yesterday","intended_use":"Blind"}`), 400, "invalid")
	if !strings.Contains(d.Message+fmt.Sprint(d.Fields), "updated_at") {
		t.Errorf("malformed updated_at: %+v; want it named", d)
	}
	f.wantVersionUnchanged(before, "a malformed updated_at")
}
