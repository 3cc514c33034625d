package httpx

import (
	"reflect"
	"strings"
	"testing"
)

// TestFoldedKeyCheapPass: the check DecodeJSON runs on every body costs
// one pass over its bytes and no allocation when no key is suspect —
// the common case, a map's keys (features, metrics) included.
func TestFoldedKeyCheapPass(t *testing.T) {
	type body struct {
		Title    string             `json:"title"`
		Metrics  map[string]float64 `json:"metrics"`
		Features []struct {
			Name string `json:"name"`
		} `json:"features"`
		CSV string `json:"csv"`
	}
	raw := []byte(`{"title":"x","metrics":{"auc":0.9,"f1":0.8},"features":[{"name":"a"},{"name":"b"}],"csv":"` + strings.Repeat(`a,b\n1,2\n`, 10000) + `"}`)
	typ := reflect.TypeFor[*body]()
	if err := foldedKey(raw, typ); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(20, func() { _ = foldedKey(raw, typ) }); n > 4 {
		t.Errorf("foldedKey on a clean body: %v allocations a run, want a handful at most", n)
	}
}
