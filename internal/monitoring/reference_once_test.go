package monitoring

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// scanCounting is the store, counting the scans of stored events.
type scanCounting struct {
	*store.Store
	scans atomic.Int64
}

func (s *scanCounting) ScanEvents(ctx context.Context, modelID int64, version string, from, to time.Time, fn func(lodestar.StoredEvent) error) error {
	s.scans.Add(1)
	return s.Store.ScanEvents(ctx, modelID, version, from, to, fn)
}

// setReferenceKeep sets referenceKeep to n for the rest of the test.
func setReferenceKeep(t *testing.T, n int64) {
	was := referenceKeep
	referenceKeep = n
	t.Cleanup(func() { referenceKeep = was })
}

// An event-range reference is read once when its events fit the memory
// kept, and again when they do not (none kept, or the bound passed after
// some blocks, or by a new categorical value): its bins and its window are
// the same to the bit either way, as are the events it counts unreadable.
// The events: three features of different kinds (a spread, one sometimes
// missing or a string, one of few values), two categorical ones (one with
// 700 values, some sent as numbers), a group, latencies (some missing),
// unreadable predictions, another version's events, and batches that
// overlap in time.
func TestEventReferenceReadOnce(t *testing.T) {
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{ID: 1000, Label: "root@example.com", Role: lodestar.RoleAdmin})
	st := &scanCounting{Store: store.New(testdb.Open(t))}
	uc, err := st.CreateUseCase(ctx, lodestar.NewUseCase{Title: "Churn"})
	if err != nil {
		t.Fatal(err)
	}
	model, err := st.CreateModel(ctx, lodestar.Model{UseCaseID: uc.ID, Key: "churn", Name: "Churn"})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"1", "2"} {
		if _, err := st.CreateModelVersion(ctx, model.ID, lodestar.ModelVersion{Version: v}); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	const events = 5000
	unreadable := 0
	var batches [3][]lodestar.StoredEvent
	for i := range events {
		b := fmt.Sprintf("%g", float64(i%37)/7)
		switch i % 11 {
		case 3:
			b = "null"
		case 7:
			b = `"n/a"`
		}
		ch := fmt.Sprintf("%q", []string{"app", "web", "store"}[i%3])
		if i%5 == 0 {
			ch = fmt.Sprint(i % 4) // a number: spelt as its text
		} else if i%13 == 0 {
			ch = "null"
		}
		pred := fmt.Sprintf("%g", float64(i%100)/100)
		if i%97 == 5 {
			pred = `"high"`
			unreadable++
		}
		lat := fmt.Sprintf(`,"latency_ms":%g`, float64(i%50)+0.25)
		if i%17 == 0 {
			lat = ""
		}
		body := fmt.Sprintf(`{"id":"e%d","version":"1","features":{"a":%g,"b":%s,"c":%d,"ch":%s,"n":"v%d"},"prediction":%s,"label":%d%s,"groups":{"region":%q}}`,
			i, math.Sin(float64(i))*100, b, i%4, ch, i%700, pred, i%2, lat, []string{"north", "south", ""}[i%3])
		// Three batches whose times interleave; several events a millisecond.
		at := t0.Add(time.Duration(i/3) * time.Millisecond)
		batches[i%3] = append(batches[i%3], lodestar.StoredEvent{ID: fmt.Sprintf("e%d", i), Time: at, Version: "1", Body: []byte(body)})
		if i%10 == 0 {
			batches[i%3] = append(batches[i%3], lodestar.StoredEvent{ID: fmt.Sprintf("o%d", i), Time: at, Version: "2",
				Body: []byte(fmt.Sprintf(`{"id":"o%d","version":"2","features":{"a":1e9,"ch":"other"},"prediction":0.5}`, i))})
		}
	}
	for _, b := range batches {
		if _, err := st.AppendEvents(ctx, model.ID, b); err != nil {
			t.Fatal(err)
		}
	}
	svc := &Service{Store: st}
	m, err := svc.CreateMonitor(ctx, lodestar.Monitor{ModelID: model.ID, Version: "1", Name: "m", Task: "binary", Window: "hour",
		Numeric: []string{"a", "b", "c"}, Categorical: []string{"ch", "n"}, Groups: []string{"region"},
		Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: t0, To: t0.Add(time.Hour)}}, nil, "")
	if err != nil {
		t.Fatal(err, lodestar.ErrorFields(err))
	}
	schema := Schema(m)
	block := newKeptEvents(&schema).blockBytes

	var held int64 // reserved by other builds
	build := func(keep int64) (*reference, int64) {
		t.Helper()
		setReferenceKeep(t, keep)
		m, err := st.FindMonitorByID(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		before := st.scans.Load()
		r, err := (&Service{Store: st}).reference(ctx, m)
		if err != nil {
			t.Fatalf("keep %d: %v", keep, err)
		}
		if n := referenceKept.Load() - held; n != 0 {
			t.Errorf("keep %d: %d bytes still reserved after the build", keep, n)
		}
		return r, st.scans.Load() - before
	}
	once, scans := build(64 << 20)
	if scans != 1 {
		t.Errorf("the reference's events were scanned %d times, want once", scans)
	}
	if once.window.Events != uint64(events-unreadable) {
		t.Errorf("reference window of %d events, want %d", once.window.Events, events-unreadable)
	}
	got, err := st.FindMonitorByID(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Reference.Unreadable != int64(unreadable) || !strings.Contains(got.Reference.UnreadableReason, `"high"`) {
		t.Errorf("unreadable %d (%q), want %d", got.Reference.Unreadable, got.Reference.UnreadableReason, unreadable)
	}
	for _, keep := range []int64{0, block - 1, block, block + 40*64, 3 * block} {
		r, scans := build(keep)
		if scans != 2 {
			t.Errorf("keep %d: the events were scanned %d times, want twice (they do not fit)", keep, scans)
		}
		if diff := bitDiff(reflect.ValueOf(once.layout), reflect.ValueOf(r.layout), "layout"); diff != "" {
			t.Errorf("keep %d: %s", keep, diff)
		}
		if diff := bitDiff(reflect.ValueOf(once.window), reflect.ValueOf(r.window), "window"); diff != "" {
			t.Errorf("keep %d: %s", keep, diff)
		}
		got, err := st.FindMonitorByID(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Reference.Unreadable != int64(unreadable) {
			t.Errorf("keep %d: unreadable %d, want %d", keep, got.Reference.Unreadable, unreadable)
		}
	}
	// The bound is shared: while other builds keep all of it but a block,
	// this one keeps nothing more and reads its events again.
	held = 64<<20 - block + 1
	referenceKept.Add(held)
	r, scans := build(64 << 20)
	referenceKept.Add(-held)
	if scans != 2 {
		t.Errorf("with the memory taken by other builds: scanned %d times, want twice", scans)
	}
	if diff := bitDiff(reflect.ValueOf(once.window), reflect.ValueOf(r.window), "window"); diff != "" {
		t.Errorf("with the memory taken: %s", diff)
	}
}

// A dataset reference kept in memory and one read twice give the same
// bins and window to the bit.
func TestDatasetReferenceKeptAgrees(t *testing.T) {
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{ID: 1000, Label: "root@example.com", Role: lodestar.RoleAdmin})
	st := store.New(testdb.Open(t))
	uc, err := st.CreateUseCase(ctx, lodestar.NewUseCase{Title: "Churn"})
	if err != nil {
		t.Fatal(err)
	}
	model, err := st.CreateModel(ctx, lodestar.Model{UseCaseID: uc.ID, Key: "churn", Name: "Churn"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateModelVersion(ctx, model.ID, lodestar.ModelVersion{Version: "1"}); err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("amount,visits,shop,city\n")
	skipped := 0
	for i := range 3000 {
		amount := fmt.Sprintf("%g", math.Cos(float64(i))*50+50)
		if i%9 == 0 {
			amount = ""
		} else if i%31 == 0 {
			amount = "abc"
			skipped++
		}
		fmt.Fprintf(&csv, "%s,%d,%s,c%d\n", amount, i%6, []string{"a", "b", ""}[i%3], i%900)
	}
	svc := &Service{Store: st}
	m, err := svc.CreateMonitor(ctx, lodestar.Monitor{ModelID: model.ID, Version: "1", Name: "m", Task: "binary", Window: "hour",
		Numeric: []string{"amount", "visits"}, Categorical: []string{"shop", "city"},
		Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}}, []byte(csv.String()), "ref.csv")
	if err != nil {
		t.Fatal(err)
	}
	var refs []*reference
	for _, keep := range []int64{64 << 20, 0, 2*keptBlock*(8*2+4*2+24+8) + 100*64} {
		setReferenceKeep(t, keep)
		r, err := (&Service{Store: st}).reference(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if n := referenceKept.Load(); n != 0 {
			t.Errorf("keep %d: %d bytes still reserved after the build", keep, n)
		}
		refs = append(refs, r)
	}
	if refs[0].window.Events != uint64(3000-skipped) {
		t.Errorf("reference window of %d events, want %d", refs[0].window.Events, 3000-skipped)
	}
	for i, r := range refs[1:] {
		if diff := bitDiff(reflect.ValueOf(refs[0].layout), reflect.ValueOf(r.layout), "layout"); diff != "" {
			t.Errorf("build %d: %s", i+1, diff)
		}
		if diff := bitDiff(reflect.ValueOf(refs[0].window), reflect.ValueOf(r.window), "window"); diff != "" {
			t.Errorf("build %d: %s", i+1, diff)
		}
	}
}

// bitDiff says where a and b differ, "" when they are the same: every
// float to the bit (NaN equals NaN of the same bits), pointers and
// interfaces by what they hold, maps by key, unexported fields too.
func bitDiff(a, b reflect.Value, path string) string {
	if a.IsValid() != b.IsValid() {
		return path + ": one is missing"
	}
	if !a.IsValid() {
		return ""
	}
	if a.Type() != b.Type() {
		return fmt.Sprintf("%s: types %s and %s", path, a.Type(), b.Type())
	}
	switch a.Kind() {
	case reflect.Float32, reflect.Float64:
		if math.Float64bits(a.Float()) != math.Float64bits(b.Float()) {
			return fmt.Sprintf("%s: %v and %v", path, a.Float(), b.Float())
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if a.Int() != b.Int() {
			return fmt.Sprintf("%s: %d and %d", path, a.Int(), b.Int())
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if a.Uint() != b.Uint() {
			return fmt.Sprintf("%s: %d and %d", path, a.Uint(), b.Uint())
		}
	case reflect.Bool:
		if a.Bool() != b.Bool() {
			return fmt.Sprintf("%s: %v and %v", path, a.Bool(), b.Bool())
		}
	case reflect.String:
		if a.String() != b.String() {
			return fmt.Sprintf("%s: %q and %q", path, a.String(), b.String())
		}
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": one is nil"
			}
			return ""
		}
		return bitDiff(a.Elem(), b.Elem(), path)
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: lengths %d and %d", path, a.Len(), b.Len())
		}
		for i := range a.Len() {
			if d := bitDiff(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d and %d keys", path, a.Len(), b.Len())
		}
		for _, k := range a.MapKeys() {
			if d := bitDiff(a.MapIndex(k), b.MapIndex(k), fmt.Sprintf("%s[%v]", path, k)); d != "" {
				return d
			}
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if d := bitDiff(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
				return d
			}
		}
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		if a.IsNil() != b.IsNil() {
			return path + ": one is nil"
		}
	default:
		return fmt.Sprintf("%s: kind %s not compared", path, a.Kind())
	}
	return ""
}

// BenchmarkEventReference builds bench/monitor's event-range reference
// (100,000 events of 20 numeric and 5 categorical features, in batches of
// 5,000 on SQLite) in a service just started: its events kept from the
// first pass (kept) or read again (read twice, as when they pass
// referenceKeep).
func BenchmarkEventReference(b *testing.B) {
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{ID: 1000, Label: "root@example.com", Role: lodestar.RoleAdmin})
	st := store.New(testdb.Open(b))
	uc, err := st.CreateUseCase(ctx, lodestar.NewUseCase{Title: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	model, err := st.CreateModel(ctx, lodestar.Model{UseCaseID: uc.ID, Key: "recommender", Name: "Recommender"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.CreateModelVersion(ctx, model.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		b.Fatal(err)
	}
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var numeric, categorical []string
	for f := range 20 {
		numeric = append(numeric, fmt.Sprintf("n%d", f))
	}
	for f := range 5 {
		categorical = append(categorical, fmt.Sprintf("c%d", f))
	}
	const events, batch = 100_000, 5000
	for start := 0; start < events; start += batch {
		var evs []lodestar.StoredEvent
		for i := start; i < start+batch; i++ {
			var body strings.Builder
			id := fmt.Sprintf("0193a0b2-7c1d-7abc-8def-%012d", i)
			fmt.Fprintf(&body, `{"id":%q,"version":"1.0","features":{`, id)
			for f := range 20 {
				fmt.Fprintf(&body, `"n%d":%.4f,`, f, math.Sin(float64(i*(f+1)))*10)
			}
			for f := range 5 {
				if f > 0 {
					body.WriteByte(',')
				}
				fmt.Fprintf(&body, `"c%d":"v%d"`, f, (i*(f+3))%(10+f*20))
			}
			fmt.Fprintf(&body, `},"prediction":%.3f,"label":%d,"latency_ms":%.1f}`, float64(i%1000)/1000, i%2, float64(i%97)/3)
			evs = append(evs, lodestar.StoredEvent{ID: id, Time: t0.Add(time.Duration(i) * time.Millisecond), Version: "1.0", Body: []byte(body.String())})
		}
		if _, err := st.AppendEvents(ctx, model.ID, evs); err != nil {
			b.Fatal(err)
		}
	}
	m, err := (&Service{Store: st}).CreateMonitor(ctx, lodestar.Monitor{ModelID: model.ID, Version: "1.0", Name: "bench", Task: "binary", Window: "events:10000",
		Numeric: numeric, Categorical: categorical,
		Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: t0, To: t0.Add(time.Hour)}}, nil, "")
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		keep int64
	}{{"kept", 64 << 20}, {"read twice", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			was := referenceKeep
			referenceKeep = bc.keep
			defer func() { referenceKeep = was }()
			b.ReportAllocs()
			for b.Loop() {
				r, err := (&Service{Store: st}).reference(ctx, m)
				if err != nil || r.window.Events != events {
					b.Fatalf("%v, %v", r, err)
				}
			}
		})
	}
}
