package store

import (
	"cmp"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// A batch blob holds events sorted by (time, ID) as records, integers
// big-endian (migration 0009 writes the same format in SQL):
//
//	ts int64 (Unix ms) | id len uint16 | id | version len uint16 | version |
//	label len uint16 | label | body len uint32 | body
//
// The label is one sent with the event (or carried over from the old
// per-event table); a label sent later lives in event_labels and wins.

const recordHead = 8 + 2 + 2 + 2 + 4

var errBlob = errors.New("damaged event batch")

// record is one decoded event of a batch; its slices alias the blob.
type record struct {
	ts      int64
	id      string
	version []byte
	label   []byte
	body    []byte
}

func compareRecords(a, b *record) int {
	if c := cmp.Compare(a.ts, b.ts); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

// blobSize is the bytes encodeRecords writes for events.
func blobSize(events []*lodestar.StoredEvent) int {
	n := 0
	for _, e := range events {
		n += recordHead + len(e.ID) + len(e.Version) + len(e.Label) + len(e.Body)
	}
	return n
}

// encodeRecords appends events (already sorted by time and ID) to dst.
func encodeRecords(dst []byte, events []*lodestar.StoredEvent) []byte {
	for _, e := range events {
		dst = binary.BigEndian.AppendUint64(dst, uint64(e.Time.UnixMilli()))
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(e.ID)))
		dst = append(dst, e.ID...)
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(e.Version)))
		dst = append(dst, e.Version...)
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(e.Label)))
		dst = append(dst, e.Label...)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(e.Body)))
		dst = append(dst, e.Body...)
	}
	return dst
}

// decodeRecords appends to dst the records of blob with from ≤ ts < to
// and, when version is set, of that version. Records alias blob.
func decodeRecords(dst []record, blob []byte, from, to int64, version string) ([]record, error) {
	for len(blob) > 0 {
		if len(blob) < recordHead {
			return dst, errBlob
		}
		var r record
		r.ts = int64(binary.BigEndian.Uint64(blob))
		blob = blob[8:]
		var field []byte
		var ok bool
		if field, blob, ok = cut16(blob); !ok {
			return dst, errBlob
		}
		id := field
		if r.version, blob, ok = cut16(blob); !ok {
			return dst, errBlob
		}
		if r.label, blob, ok = cut16(blob); !ok {
			return dst, errBlob
		}
		if len(blob) < 4 {
			return dst, errBlob
		}
		n := binary.BigEndian.Uint32(blob)
		blob = blob[4:]
		if uint64(len(blob)) < uint64(n) {
			return dst, errBlob
		}
		r.body, blob = blob[:n:n], blob[n:]
		if r.ts < from || r.ts >= to || (version != "" && string(r.version) != version) {
			continue
		}
		r.id = string(id)
		dst = append(dst, r)
	}
	return dst, nil
}

func cut16(b []byte) (field, rest []byte, ok bool) {
	if len(b) < 2 {
		return nil, b, false
	}
	n := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	if len(b) < n {
		return nil, b, false
	}
	return b[:n:n], b[n:], true
}

const (
	minTS = -1 << 63
	maxTS = 1<<63 - 1
)

// dayMS is one UTC day in milliseconds: a batch row never spans two days,
// so a scan of recent windows does not re-read a long backfill.
const dayMS = int64(24 * time.Hour / time.Millisecond)

// maxBlob bounds one batch row; a bigger batch is split.
const maxBlob = 4 << 20

// splitBatch cuts events (sorted by time and ID) into runs that each stay
// within one UTC day and maxBlob bytes.
func splitBatch(events []*lodestar.StoredEvent) [][]*lodestar.StoredEvent {
	var out [][]*lodestar.StoredEvent
	start, size := 0, 0
	for i, e := range events {
		rec := recordHead + len(e.ID) + len(e.Version) + len(e.Label) + len(e.Body)
		if i > start && (utcDay(e.Time.UnixMilli()) != utcDay(events[start].Time.UnixMilli()) || size+rec > maxBlob) {
			out = append(out, events[start:i])
			start, size = i, 0
		}
		size += rec
	}
	return append(out, events[start:])
}

func utcDay(ms int64) int64 {
	d := ms / dayMS
	if ms < 0 && ms%dayMS != 0 {
		d--
	}
	return d
}

// sortEvents sorts events by (time in milliseconds, ID), the order of
// the records.
func sortEvents(events []*lodestar.StoredEvent) {
	slices.SortFunc(events, func(a, b *lodestar.StoredEvent) int {
		if c := cmp.Compare(a.Time.UnixMilli(), b.Time.UnixMilli()); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}
