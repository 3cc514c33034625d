package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestEventReferenceLeavesOutFeaturesItCannotFollow: ingestion accepts
// a feature name of any length and up to 1,000 features an event, but a
// monitor follows names of at most 200 characters and at most 1,000
// features of each kind. A monitor taking its features from an event
// range was refused for them with a field error on numeric, a field
// never sent; it is now made, the features it cannot follow left out
// and said so on the monitor and its health page, in both languages.
func TestEventReferenceLeavesOutFeaturesItCannotFollow(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team, m, tok := f.teamModel("Churn", "churn", "Churn")
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	long := strings.Repeat("l", 300)
	var batch strings.Builder
	for i := range 20 {
		// Each event brings 100 new numeric features: 2,000 over the range.
		var extra strings.Builder
		for k := range 100 {
			fmt.Fprintf(&extra, `,"f%04d":%d`, i*100+k, k)
		}
		fmt.Fprintf(&batch, `{"id":"e%d","time":%q,"version":"1.0","features":{"x":%d,"%s":%d,"colour":"red"%s},"prediction":0.4,"label":%d}`+"\n",
			i, t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i, long, i, extra.String(), i%2)
	}
	if r := f.ndjson("/api/v1/models/churn/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 20 {
		t.Fatalf("ingest: %s", r.body)
	}
	r := f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok,
		`{"version":"1.0","name":"M","window":"hour","reference":{"kind":"events","from":"2026-01-05T00:00:00Z","to":"2026-01-06T00:00:00Z"}}`)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("create: got %d %s, want 201", r.StatusCode, r.body)
	}
	mon := decodeInto[lodestar.Monitor](t, r)
	if len(mon.Numeric) != 1000 || mon.Numeric[0] != "x" || slices.Contains(mon.Numeric, long) || !slices.Equal(mon.Categorical, []string{"colour"}) {
		t.Fatalf("features: %d numeric (first %q), categorical %v; want x and the first 999 others, and colour", len(mon.Numeric), mon.Numeric[0], mon.Categorical)
	}
	// Of the 2,002 names, the first 2,000 are weighed (x, the long name
	// not counted, colour and 1,998 others): 1,000 numeric kept, 999
	// left out; the last 2 are beyond them.
	want := []string{fmt.Sprintf("1 with a name blank or longer than 200 characters, the first %q", long[:40]+"…"),
		"999 beyond the first 1000 numeric features", "2 beyond the first 2000 names seen"}
	if mon.Reference.FeaturesLeftOut != 1002 || !slices.Equal(mon.Reference.FeaturesLeftOutWhy, want) {
		t.Fatalf("left out: %d, %q; want 1002, %q", mon.Reference.FeaturesLeftOut, mon.Reference.FeaturesLeftOutWhy, want)
	}
	// The same for a program: a code and its figures beside each line.
	var raw struct {
		Reference struct {
			Reasons []map[string]any `json:"features_left_out_reasons"`
		} `json:"reference"`
	}
	if err := json.Unmarshal([]byte(r.body), &raw); err != nil {
		t.Fatal(err)
	}
	wantReasons := []map[string]any{
		{"code": "name_blank_or_too_long", "count": 1.0, "limit": 200.0, "first": long[:40] + "…", "message": want[0]},
		{"code": "beyond_numeric_limit", "count": 999.0, "limit": 1000.0, "message": want[1]},
		{"code": "beyond_names_seen_limit", "count": 2.0, "limit": 2000.0, "message": want[2]},
	}
	if !reflect.DeepEqual(raw.Reference.Reasons, wantReasons) {
		t.Fatalf("features_left_out_reasons: %v, want %v", raw.Reference.Reasons, wantReasons)
	}
	stored, err := f.app.Store.FindMonitorByID(sys(), mon.ID)
	if err != nil || !slices.Equal(stored.Reference.FeaturesLeftOutWhy, want) || !reflect.DeepEqual(stored.Reference.FeaturesLeftOutReasons, mon.Reference.FeaturesLeftOutReasons) {
		t.Fatalf("stored: %v, %+v", err, stored)
	}
	// Named in exclude, the long name is simply not a feature: nothing
	// is said of it.
	r = f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok,
		`{"version":"1.0","name":"N","window":"hour","exclude":["`+long+`"],"reference":{"kind":"events","from":"2026-01-05T00:00:00Z","to":"2026-01-05T00:01:00Z"}}`)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("create with exclude: got %d %s, want 201", r.StatusCode, r.body)
	}
	if mon := decodeInto[lodestar.Monitor](t, r); mon.Reference.FeaturesLeftOut != 0 || len(mon.Numeric) != 101 {
		t.Fatalf("with exclude: %d numeric, left out %d %q; want 101, none", len(mon.Numeric), mon.Reference.FeaturesLeftOut, mon.Reference.FeaturesLeftOutWhy)
	}
	c, _, _ := f.signIn(team, time.Hour)
	for lang, text := range map[string]string{
		"en":    "1,002 features of the range left out: not tested (1 with a name blank or longer than 200 characters, the first \"llll",
		"zh-CN": "该时间范围内有 1,002 个特征被略去：未检验（1 个名称为空或超过 200 个字符，第一个为 \"llll",
	} {
		if err := f.app.Store.SetLocale(sys(), team.ID, lang); err != nil {
			t.Fatal(err)
		}
		wantShown(t, f.get(c, fmt.Sprintf("/models/%d/health?monitor=%d", m.ID, mon.ID)), lang, text)
	}
}
