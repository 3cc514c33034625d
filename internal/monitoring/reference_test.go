package monitoring

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

type refRow struct {
	Basket  *float64 `parquet:"basket_value,optional"`
	Channel string   `parquet:"channel"`
	Visits  int64    `parquet:"visits"`
	Label   int32    `parquet:"label"`
}

// TestReferenceCSVAndParquetAgree builds a monitor's reference from the
// same rows written as CSV and as Parquet, profiles both the same way, and
// finds the same drift for the same window.
func TestReferenceCSVAndParquetAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var rows []refRow
	var csv strings.Builder
	csv.WriteString("basket_value,channel,visits,label\r\n")
	for i := range 3000 {
		r := refRow{Channel: []string{"app", "web", "store"}[rng.IntN(3)], Visits: int64(rng.IntN(20)), Label: int32(i % 2)}
		basket := ""
		if i%13 != 0 {
			x := float64(int(5000+1000*rng.NormFloat64())) / 100
			r.Basket = &x
			basket = fmt.Sprint(x)
		}
		rows = append(rows, r)
		fmt.Fprintf(&csv, "%s,%s,%d,%d\r\n", basket, r.Channel, r.Visits, r.Label)
	}
	var pq bytes.Buffer
	if err := parquet.Write(&pq, rows, parquet.MaxRowsPerRowGroup(700)); err != nil {
		t.Fatal(err)
	}
	type profiled struct {
		format  string
		header  []string
		numeric []bool
		rows    int64
	}
	var got []profiled
	for _, data := range [][]byte{[]byte(csv.String()), pq.Bytes()} {
		p, err := profile(data)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, profiled{p.format, p.header, p.numeric, p.rows})
	}
	if got[0].format != "csv" || got[1].format != "parquet" {
		t.Errorf("formats: %s and %s", got[0].format, got[1].format)
	}
	for _, p := range got {
		if fmt.Sprint(p.header) != "[basket_value channel visits label]" || fmt.Sprint(p.numeric) != "[true false true true]" || p.rows != 3000 {
			t.Errorf("%s profile: header %v numeric %v rows %d", p.format, p.header, p.numeric, p.rows)
		}
	}

	schema := monitor.Schema{Numeric: []string{"basket_value", "visits"}, Categorical: []string{"channel"}}
	layout := func(data []byte) *monitor.Layout {
		prof, _ := monitor.NewProfiler(schema, 0, 1)
		if _, err := eachRow(data, &schema, prof.Add); err != nil {
			t.Fatal(err)
		}
		l, err := prof.Layout(0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	window := func(l *monitor.Layout, data []byte) *monitor.Window {
		w := monitor.NewWindow(l)
		if _, err := eachRow(data, &schema, func(ev *monitor.Event) error { ev.Score = 0; return w.Add(ev) }); err != nil {
			t.Fatal(err)
		}
		return w
	}
	lc := layout([]byte(csv.String()))
	a, b := window(lc, []byte(csv.String())), window(lc, pq.Bytes())
	d, err := a.Drift(b, monitor.DefaultThresholds())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range d.Features {
		if f.Drifted || f.PSI > 1e-12 {
			t.Errorf("%s: the CSV and Parquet references differ (PSI %g)", f.Name, f.PSI)
		}
	}
	if a.Events != 3000 || b.Events != 3000 || a.Num[0].N != b.Num[0].N || a.Num[0].N != 3000-3000/13-1 {
		t.Errorf("events %d/%d, basket values %d vs %d", a.Events, b.Events, a.Num[0].N, b.Num[0].N)
	}
	for i := range a.Num {
		if fmt.Sprint(a.Num[i].PSICounts()) != fmt.Sprint(b.Num[i].PSICounts()) {
			t.Errorf("%s: bin counts %v (CSV) vs %v (Parquet)", schema.Numeric[i], a.Num[i].PSICounts(), b.Num[i].PSICounts())
		}
	}
}

func TestReferenceRefusals(t *testing.T) {
	s := &Service{Store: store.New(testdb.Open(t))}
	for name, data := range map[string]string{
		"empty":       "",
		"header only": "x,y\n",
		"not parquet": "PAR1 but not really",
	} {
		_, err := s.CreateMonitor(context.Background(), lodestar.Monitor{Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}}, []byte(data), "ref")
		if lodestar.ErrorCode(err) != lodestar.EInvalid || lodestar.ErrorFields(err)["reference"] == "" {
			t.Errorf("%s: got %v, want a refusal naming reference", name, err)
		}
	}
}

// A Parquet reference's rows whose numeric feature is not a number are
// left out and counted by row, a string column's numbers read as numbers;
// a long cell is cut in the reason.
func TestReferenceParquetRowsLeftOut(t *testing.T) {
	type row struct {
		Amount string `parquet:"amount"`
		Shop   string `parquet:"shop"`
	}
	long := strings.Repeat("z", 100)
	var buf bytes.Buffer
	if err := parquet.Write(&buf, []row{{"1.5", "a"}, {"x", "b"}, {"", "c"}, {"2", "d"}, {long, "e"}}); err != nil {
		t.Fatal(err)
	}
	schema := monitor.Schema{Numeric: []string{"amount"}, Categorical: []string{"shop"}}
	var got []string
	skipped, err := eachRow(buf.Bytes(), &schema, func(ev *monitor.Event) error {
		got = append(got, fmt.Sprintf("%g/%s", ev.Num[0], ev.Cat[0]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "[1.5/a NaN/c 2/d]"; fmt.Sprint(got) != want {
		t.Errorf("rows read: got %v, want %s", got, want)
	}
	if skipped.n != 2 || skipped.reason != `row 2: column "amount": "x" is not a number` {
		t.Errorf("left out: %d (%q), want 2 (row 2: column \"amount\": \"x\" is not a number)", skipped.n, skipped.reason)
	}
	if r := quoteCut([]byte(long)); r != `"`+strings.Repeat("z", 40)+`…"` {
		t.Errorf("a long cell in a reason: %s", r)
	}
}
