package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	lodestar "github.com/lodestar-hq/lodestar"
)

// timedReference is a Parquet training sample with an event time and a
// date beside its features x and colour.
func timedReference(t *testing.T) []byte {
	t.Helper()
	type row struct {
		T      int64   `parquet:"t,timestamp(millisecond)"`
		D      int32   `parquet:"d,date"`
		X      float64 `parquet:"x"`
		Colour string  `parquet:"colour"`
	}
	var rows []row
	for i := range 100 {
		rows = append(rows, row{T: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC).UnixMilli() + int64(i)*60000, D: 20544 + int32(i%30),
			X: float64(i%10) / 10, Colour: []string{"red", "blue"}[i%2]})
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A Parquet reference with timestamp and date columns makes a monitor over
// the API when they are not features: excluded, or left out of numeric
// and categorical, or among the columns the features are taken from. A
// feature that is one is refused, naming the column and its type, in the
// client's language, and nothing is kept. (Every such file was refused.)
func TestMonitorParquetReferenceWithTimeColumns(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, m, tok := f.teamModel("Recs", "rec", "Rec")
	data := timedReference(t)
	body := func(name string, extra map[string]any) string {
		b := map[string]any{"version": "1.0", "name": name, "window": "hour",
			"reference": map[string]any{"kind": "dataset", "file_name": "train.parquet", "data": data}}
		for k, v := range extra {
			b[k] = v
		}
		out, _ := json.Marshal(b)
		return string(out)
	}
	path := fmt.Sprintf("/api/v1/models/%d/monitors", m.ID)
	for name, extra := range map[string]map[string]any{
		"excluded":       {"exclude": []string{"t", "d"}},
		"features named": {"numeric": []string{"x"}, "categorical": []string{"colour"}},
		"features found": nil,
	} {
		r := f.api("POST", path, tok, body(name, extra))
		if r.StatusCode != 201 {
			t.Errorf("%s: %d %s; want 201", name, r.StatusCode, r.body)
			continue
		}
		mon := decodeInto[lodestar.Monitor](t, r)
		if fmt.Sprint(mon.Numeric, mon.Categorical) != "[x] [colour]" || mon.Reference.Rows != 100 {
			t.Errorf("%s: features %v %v, %d rows; want [x] [colour] from 100", name, mon.Numeric, mon.Categorical, mon.Reference.Rows)
		}
	}
	r := f.api("POST", path, tok, body("time as a feature", map[string]any{"numeric": []string{"x", "t"}}))
	d := wantAPIError(t, r, 400, lodestar.EInvalid)
	if got := d.Fields["reference"]; !strings.HasPrefix(got, `column "t" has a type monitors cannot read (INT64 (TIMESTAMP`) {
		t.Errorf("the time as a feature: reference %q, want the column and its type named", got)
	}
	h := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}, "Accept-Language": {"zh-CN"}}
	r = f.do(f.client(), "POST", path, h, strings.NewReader(body("date as a feature", map[string]any{"categorical": []string{"d"}})))
	d = wantAPIError(t, r, 400, lodestar.EInvalid)
	if got := d.Fields["reference"]; !strings.HasPrefix(got, `监控器无法读取列 "d" 的类型（INT32 (DATE)`) {
		t.Errorf("the date as a feature, in Chinese: reference %q", got)
	}
	if n := f.count("monitors"); n != 3 {
		t.Errorf("%d monitors stored, want the 3 made", n)
	}
}

// The web form's upload goes the same way: a Parquet file with a time
// column, excluded or not, makes a monitor of its features.
func TestMonitorFormParquetReferenceWithTimeColumns(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team, m, _ := f.teamModel("Recs", "rec", "Rec")
	c, csrf, _ := f.signIn(team, time.Hour)
	data := string(timedReference(t))
	for _, exclude := range []string{"t, d", ""} {
		r := f.postMonitorForm(c, m.ID, map[string]string{"csrf_token": csrf, "version": "1.0", "name": "M " + exclude, "window": "hour",
			"reference_kind": "dataset", "task": "binary", "exclude": exclude}, data)
		if r.StatusCode >= 400 {
			t.Errorf("exclude %q: %d, want the monitor saved", exclude, r.StatusCode)
		}
	}
	mons, err := f.app.Store.ListMonitors(sys(), m.ID)
	if err != nil || len(mons) != 2 {
		t.Fatalf("monitors: %d (%v), want 2", len(mons), err)
	}
	for _, mon := range mons {
		if fmt.Sprint(mon.Numeric, mon.Categorical) != "[x] [colour]" || mon.Reference.Format != "parquet" {
			t.Errorf("%s: features %v %v from %s, want [x] [colour] from parquet", mon.Name, mon.Numeric, mon.Categorical, mon.Reference.Format)
		}
	}
}
