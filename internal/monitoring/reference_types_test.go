package monitoring_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// timedRow is a training sample as it is usually kept: its features
// beside an event time, a date and a legacy INT96 time, types monitors
// do not read.
type timedRow struct {
	T      int64            `parquet:"t,timestamp(millisecond)"`
	D      int32            `parquet:"d,date"`
	Legacy deprecated.Int96 `parquet:"legacy"`
	X      float64          `parquet:"x"`
	Colour string           `parquet:"colour"`
}

func timedParquet(t *testing.T) []byte {
	t.Helper()
	var rows []timedRow
	for i := range 200 {
		rows = append(rows, timedRow{T: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC).UnixMilli() + int64(i)*60000, D: 20544 + int32(i%30),
			Legacy: deprecated.Int96{uint32(i), 0, 2461000}, X: float64(i%20) / 20, Colour: []string{"red", "blue"}[i%2]})
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A Parquet reference with a timestamp, a date and an INT96 column makes
// a monitor when those columns are not features — excluded, left out of
// numeric and categorical, or found among the columns — and its reference
// builds and judges a window; naming one as a feature is still refused,
// naming the column and its type. (Every such file was refused, whatever
// its features.)
func TestReferenceUnreadableColumnsThatAreNotFeatures(t *testing.T) {
	e := newEnv(t)
	data := timedParquet(t)
	svc := &monitoring.Service{Store: e.st}
	create := func(name string, numeric, categorical, exclude []string) (*lodestar.Monitor, error) {
		return svc.CreateMonitor(e.ctx, lodestar.Monitor{ModelID: e.model, Version: "1", Name: name, Task: "binary",
			Numeric: numeric, Categorical: categorical, Exclude: exclude, Window: "hour",
			Thresholds: lodestar.MonitorThresholds{Drift: true, DataQuality: true},
			Reference:  lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}}, data, "train.parquet")
	}
	var made []*lodestar.Monitor
	for _, tc := range []struct {
		name                          string
		numeric, categorical, exclude []string
	}{
		{"excluded", nil, nil, []string{"t", "d", "legacy"}},
		{"features named", []string{"x"}, []string{"colour"}, nil},
		{"features found", nil, nil, nil},
	} {
		m, err := create(tc.name, tc.numeric, tc.categorical, tc.exclude)
		if err != nil {
			t.Fatalf("%s: %v (the unreadable columns are not features)", tc.name, err)
		}
		if fmt.Sprint(m.Numeric, m.Categorical) != "[x] [colour]" || m.Reference.Rows != 200 || m.Reference.Format != "parquet" {
			t.Errorf("%s: features %v %v, rows %d, format %s; want [x] [colour] from 200 Parquet rows", tc.name, m.Numeric, m.Categorical, m.Reference.Rows, m.Reference.Format)
		}
		made = append(made, m)
	}

	// The reference builds: an hour like it drifts nowhere.
	var evs []lodestar.StoredEvent
	for i := range 200 {
		evs = append(evs, evRaw(fmt.Sprint("t-", i), e.t0.Add(time.Duration(i)*15*time.Second),
			fmt.Sprintf(`{"id":"t-%d","version":"1","features":{"x":%g,"colour":%q},"prediction":0.9,"label":1}`, i, float64(i%20)/20, []string{"red", "blue"}[i%2])))
	}
	e.add(t, evs...)
	for _, m := range made {
		if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(time.Hour+time.Minute), time.Time{}); err != nil {
			t.Fatalf("%s: evaluate: %v", m.Name, err)
		}
		ws := since(mustWindows(t, e, m.ID), e.t0)
		if len(ws) != 1 || ws[0].DatasetDrift || ws[0].Events != 200 {
			t.Errorf("%s: windows %+v, want one of 200 events without drift", m.Name, ws)
		}
	}

	for _, tc := range []struct {
		name                 string
		numeric, categorical []string
		want                 string
	}{
		{"timestamp as numeric", []string{"x", "t"}, nil, `column "t" has a type monitors cannot read (INT64 (TIMESTAMP`},
		{"date as categorical", []string{"x"}, []string{"d"}, `column "d" has a type monitors cannot read (INT32 (DATE)`},
		{"INT96 as categorical", nil, []string{"legacy"}, `column "legacy" has a type monitors cannot read (INT96`},
	} {
		_, err := create(tc.name, tc.numeric, tc.categorical, nil)
		if lodestar.ErrorCode(err) != lodestar.EInvalid || !strings.HasPrefix(lodestar.ErrorFields(err)["reference"], tc.want) {
			t.Errorf("%s: got %v (%v), want a refusal of reference starting %s", tc.name, err, lodestar.ErrorFields(err), tc.want)
		}
	}
	if ms, err := e.st.ListMonitors(e.ctx, e.model); err != nil || len(ms) != len(made) {
		t.Errorf("monitors stored: %d (%v), want %d: a refused one is not kept", len(ms), err, len(made))
	}
}
