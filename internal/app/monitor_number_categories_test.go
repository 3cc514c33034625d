package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	lodestar "github.com/lodestar-hq/lodestar"
)

// A categorical feature of numbers of a million or more (store IDs) sent
// as JSON numbers matches its reference — a CSV file's integers, a pandas
// CSV's "1234567.0", a Parquet INT64 or DOUBLE column — and a window of the
// reference's distribution drifts nowhere and has no new values. (Events
// spelt 1234567 as "1.234567e+06", so every store ID was new: Jensen–Shannon
// 0.83, PSI 15.6, every value new, dataset drift.)
func TestMonitorNumberCategoriesMatchTheReference(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, m, tok := f.teamModel("Stores", "stores", "Stores")
	stores := []int64{1234567, 2345678, 3456789, 1000000}
	rng := rand.New(rand.NewPCG(11, 12))
	type row struct {
		X      float64 `parquet:"x"`
		Store  int64   `parquet:"store_id"`
		StoreF float64 `parquet:"store_f"`
	}
	var rows []row
	var csvInt, csvPandas strings.Builder
	csvInt.WriteString("x,store_id\n")
	csvPandas.WriteString("x,store_id\n")
	for range 2000 {
		r := row{X: float64(int(rng.NormFloat64()*1000)) / 1000, Store: stores[rng.IntN(len(stores))]}
		r.StoreF = float64(r.Store)
		rows = append(rows, r)
		fmt.Fprintf(&csvInt, "%g,%d\n", r.X, r.Store)
		fmt.Fprintf(&csvPandas, "%g,%d.0\n", r.X, r.Store)
	}
	var pq bytes.Buffer
	if err := parquet.Write(&pq, rows); err != nil {
		t.Fatal(err)
	}
	create := func(name, store string, ref map[string]any) lodestar.Monitor {
		ref["kind"] = "dataset"
		body, _ := json.Marshal(map[string]any{"version": "1.0", "name": name, "window": "hour", "numeric": []string{"x"}, "categorical": []string{store},
			"thresholds": map[string]any{"drift": true, "data_quality": true}, "reference": ref})
		return f.postMonitor(tok, m.ID, body)
	}
	mons := []lodestar.Monitor{
		create("CSV", "store_id", map[string]any{"csv": csvInt.String()}),
		create("pandas CSV", "store_id", map[string]any{"csv": csvPandas.String()}),
		create("Parquet INT64", "store_id", map[string]any{"data": pq.Bytes(), "file_name": "train.parquet"}),
		create("Parquet DOUBLE", "store_f", map[string]any{"data": pq.Bytes(), "file_name": "train.parquet"}),
	}

	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	for i := range 1100 {
		s := stores[rng.IntN(len(stores))]
		fmt.Fprintf(&batch, `{"id":"e%d","time":%q,"version":"1.0","features":{"x":%g,"store_id":%d,"store_f":%d},"prediction":0.5}`+"\n",
			i, t0.Add(time.Duration(i)*3*time.Second).Format(time.RFC3339Nano), float64(int(rng.NormFloat64()*1000))/1000, s, s)
	}
	if r := f.ndjson("/api/v1/models/stores/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 1100 {
		t.Fatalf("ingest: %s", r.body)
	}
	for _, mon := range mons {
		if _, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(time.Hour+time.Minute), time.Time{}); err != nil {
			t.Fatalf("%s: evaluate: %v", mon.Name, err)
		}
		var page struct {
			Data []struct {
				Events       int64           `json:"events"`
				DatasetDrift bool            `json:"dataset_drift"`
				Drift        json.RawMessage `json:"drift"`
				Quality      []struct {
					Feature     string   `json:"feature"`
					NewValues   int64    `json:"new_values"`
					NewExamples []string `json:"new_examples"`
				} `json:"quality"`
			} `json:"data"`
		}
		r := f.api("GET", fmt.Sprintf("/api/v1/monitors/%d/windows", mon.ID), tok, "")
		if err := json.Unmarshal([]byte(r.body), &page); err != nil || len(page.Data) != 1 {
			t.Fatalf("%s: windows %d %.400s (%v), want one", mon.Name, r.StatusCode, r.body, err)
		}
		w := page.Data[0]
		var drift struct {
			Columns []struct {
				Name          string   `json:"name"`
				Drifted       bool     `json:"drifted"`
				JensenShannon *float64 `json:"jensenshannon"`
				PSI           *float64 `json:"psi"`
			} `json:"columns"`
		}
		if err := json.Unmarshal(w.Drift, &drift); err != nil {
			t.Fatalf("%s: drift %s: %v", mon.Name, w.Drift, err)
		}
		if w.Events != 1100 || w.DatasetDrift {
			t.Errorf("%s: %d events, dataset drift %v; want 1100 and no drift", mon.Name, w.Events, w.DatasetDrift)
		}
		for _, c := range drift.Columns {
			if c.Name == "x" {
				continue
			}
			if c.Drifted || c.JensenShannon == nil || *c.JensenShannon > 0.1 || c.PSI == nil || *c.PSI > 0.1 {
				t.Errorf("%s: %s drifted %v, Jensen–Shannon %v, PSI %v; want small distances", mon.Name, c.Name, c.Drifted, deref(c.JensenShannon), deref(c.PSI))
			}
		}
		for _, q := range w.Quality {
			if q.NewValues != 0 {
				t.Errorf("%s: %s has %d new values (%v), want none", mon.Name, q.Feature, q.NewValues, q.NewExamples)
			}
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
