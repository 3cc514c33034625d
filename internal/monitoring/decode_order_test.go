package monitoring

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
	"github.com/lodestar-hq/lodestar/internal/ingest"
)

// plainFeatures is the features of a line as the decoder must read them,
// each name looked up in maps (a numeric feature first, the last of a
// name repeated in the schema; of a name repeated in the line, the last
// value of the right kind).
func plainFeatures(t *testing.T, schema *monitor.Schema, body []byte) ([]float64, []string) {
	num, cat := map[string]int{}, map[string]int{}
	for i, n := range schema.Numeric {
		num[n] = i
	}
	for i, n := range schema.Categorical {
		cat[n] = i
	}
	ev := schema.NewEvent()
	err := ingest.Read(body, &ingest.Visitor{Feature: func(name []byte, v ingest.Value) {
		if i, ok := num[string(name)]; ok {
			if v.Kind == 'n' {
				ev.Num[i] = v.Num
			}
		} else if i, ok := cat[string(name)]; ok {
			switch v.Kind {
			case 's':
				ev.Cat[i] = string(categoryText(v.Str))
			case 'n':
				ev.Cat[i] = numberText(v.Num)
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	return ev.Num, ev.Cat
}

// The decoder remembers which feature stood at each place of the events
// before: it must read the same features whatever the order — one
// producer's fixed order, orders shuffled per event (the Go SDK writes a
// map's), names missing, repeated, not monitored, of another kind, names
// a prefix of others, and more names than it remembers places.
func TestDecoderFeaturesInAnyOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	schema := monitor.Schema{Task: monitor.TaskBinary,
		Numeric:     []string{"n0", "n1", "n2", "n", "both", "dup", "dup"},
		Categorical: []string{"c0", "c1", "both", "c", "cdup", "cdup"}}
	names := append(slices.Concat(schema.Numeric, schema.Categorical), "other", "n00", "c", "", "x1", "x2")
	many := make([]string, maxSeen+50)
	for i := range many {
		many[i] = fmt.Sprintf("u%d", i)
	}
	value := func() string {
		switch r.IntN(6) {
		case 0:
			return "null"
		case 1:
			return fmt.Sprintf("%q", []string{"red", "blue", "7.0", ""}[r.IntN(4)])
		case 2:
			return fmt.Sprint(r.IntN(5))
		}
		return fmt.Sprint(r.NormFloat64())
	}
	fixed := slices.Clone(names)
	for _, mode := range []string{"fixed", "shuffled", "mixed", "many"} {
		d := NewDecoder(&schema)
		for n := range 3000 {
			var order []string
			switch mode {
			case "fixed":
				order = fixed
			case "shuffled":
				order = slices.Clone(names)
				r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			case "mixed": // mostly one order, some names left out or repeated
				for _, name := range fixed {
					if k := r.IntN(20); k == 0 {
						continue
					} else if k == 1 {
						order = append(order, names[r.IntN(len(names))])
					}
					order = append(order, name)
				}
			case "many": // more names than places remembered, the monitored ones last
				order = append(slices.Clone(many[:r.IntN(len(many))]), names...)
			}
			var b strings.Builder
			fmt.Fprintf(&b, `{"id":"e%d","version":"1","features":{`, n)
			for i, name := range order {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "%q:%s", name, value())
			}
			b.WriteString(`},"prediction":0.5}`)
			body := []byte(b.String())
			ev, ok := d.Decode(lodestar.StoredEvent{ID: "e", Time: time.Unix(1, 0), Version: "1", Body: body})
			if !ok {
				t.Fatalf("%s: not decoded: %s", body, d.Reason())
			}
			num, cat := plainFeatures(t, &schema, body)
			for i := range num {
				if !(ev.Num[i] == num[i] || math.IsNaN(ev.Num[i]) && math.IsNaN(num[i])) {
					t.Fatalf("%s, %s: numeric %q = %v, want %v", mode, body, schema.Numeric[i], ev.Num[i], num[i])
				}
			}
			if !slices.Equal(ev.Cat, cat) {
				t.Fatalf("%s, %s: categorical %q, want %q", mode, body, ev.Cat, cat)
			}
		}
	}
}
