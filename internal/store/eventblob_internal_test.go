package store

import (
	"errors"
	"hash/fnv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// A blob decodes to what was encoded, filtered by time and version; a
// damaged one (cut anywhere, an unknown format, broken compression) is an
// error, never a panic or a wrong event.
func TestBlobRoundTripAndDamage(t *testing.T) {
	t0 := time.UnixMilli(1_780_000_000_000).UTC()
	events := []*lodestar.StoredEvent{
		{ID: "a", Time: t0, Version: "1", Body: []byte(`{"p":1}`)},
		{ID: "b", Time: t0.Add(time.Millisecond), Version: "2", Label: []byte(`"` + strings.Repeat("L", 70000) + `"`), Body: []byte(`{}`)},
		{ID: "c-长", Time: t0.Add(2 * time.Millisecond), Version: "1", Label: []byte("1"), Body: []byte(strings.Repeat("x", 1000))},
	}
	blob := encodeBlob(events)
	recs, err := decodeBlob(nil, blob, minTS, maxTS, "")
	if err != nil || len(recs) != 3 {
		t.Fatalf("decode: %d records, %v", len(recs), err)
	}
	for i, r := range recs {
		e := events[i]
		if r.id != e.ID || r.ts != e.Time.UnixMilli() || string(r.version) != e.Version || string(r.label) != string(e.Label) || string(r.body) != string(e.Body) {
			t.Errorf("record %d: %+v", i, r)
		}
	}
	if recs, err := decodeBlob(nil, blob, t0.UnixMilli()+1, maxTS, "1"); err != nil || len(recs) != 1 || recs[0].id != "c-长" {
		t.Errorf("filtered: %+v %v", recs, err)
	}
	raw := encodeRecords(nil, events)
	for cut := 1; cut < len(raw); cut++ {
		recs, err := decodeRecords(nil, raw[:cut], minTS, maxTS, "")
		switch {
		case err == nil: // cut just after a record: the records before it
			if n := len(recs); n == 0 || n >= 3 || recs[n-1].id != events[n-1].ID {
				t.Fatalf("raw records cut at %d of %d: %+v", cut, len(raw), recs)
			}
		case !errors.Is(err, errBlob):
			t.Fatalf("raw records cut at %d of %d: %v", cut, len(raw), err)
		}
	}
	for _, bad := range [][]byte{nil, {9, 1, 2}, {blobS2, 0xff, 0xff, 0xff}, append([]byte{blobS2}, blob[1:len(blob)/2]...)} {
		if _, err := decodeBlob(nil, bad, minTS, maxTS, ""); !errors.Is(err, errBlob) {
			t.Errorf("%x…: %v, want a damaged-batch error", bad[:min(len(bad), 4)], err)
		}
	}
	if err := checkRecord(&lodestar.StoredEvent{ID: strings.Repeat("i", 70000)}); lodestar.ErrorCode(err) != lodestar.EInvalid {
		t.Errorf("a 70,000-byte ID: %v", err)
	}
}

// TestVersionKey: event_ids keeps a version's 64-bit FNV-1a hash
// (migration 0029); keys written by one build must be read by the next,
// so the hand-rolled loop must stay the standard one.
func TestVersionKey(t *testing.T) {
	for _, v := range []string{"", "1.0", "3.1", "v2.0-rc.1", "版本二", strings.Repeat("x", 300)} {
		h := fnv.New64a()
		h.Write([]byte(v))
		if got, want := versionKey(v), int64(h.Sum64()); got != want {
			t.Errorf("versionKey(%q) = %d, want %d", v, got, want)
		}
	}
	if versionKey("1.0") == versionKey("1.1") {
		t.Error("versions 1.0 and 1.1 share a key")
	}
}
