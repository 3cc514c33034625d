package store

import (
	"cmp"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/s2"
	lodestar "github.com/lodestar-hq/lodestar"
)

// A batch blob is a format byte, then events sorted by (time, ID) as
// records, integers big-endian:
//
//	ts int64 (Unix ms) | id len uint16 | id | version len uint16 | version |
//	label len uint32 | label | body len uint32 | body
//
// Format 0 holds the records as they are (migration 0009 writes it in
// SQL); format 1 holds them S2-compressed (github.com/klauspost/compress/s2,
// block format): event lines shrink to a third or so, and the single
// writer copies that much less into pages and the WAL. The label is one
// sent with the event (or carried over from the old per-event table); a
// label sent later lives in event_labels and wins.

const recordHead = 8 + 2 + 2 + 4 + 4

// Blob formats.
const (
	blobRaw = 0
	blobS2  = 1
)

// rawRecords reuses the uncompressed records' buffers between batches.
var rawRecords sync.Pool

// blobBuffers reuses compressed blobs' buffers between batches: a blob is
// about a megabyte, and a fresh one each time was cleared by the runtime
// and soon collected again. AppendEvents puts its blobs back once written.
var blobBuffers sync.Pool

// encodeBlob returns the compressed blob of events (sorted by time and ID),
// in a buffer from blobBuffers: releaseBlob may give it back once the blob
// is no longer used (else the collector takes it).
func encodeBlob(events []*lodestar.StoredEvent) []byte {
	size := blobSize(events)
	buf, _ := rawRecords.Get().(*[]byte)
	if buf == nil || cap(*buf) < size {
		b := make([]byte, 0, size)
		buf = &b
	}
	raw := encodeRecords((*buf)[:0], events)
	need := 1 + s2.MaxEncodedLen(len(raw))
	var out []byte
	if p, _ := blobBuffers.Get().(*[]byte); p != nil && cap(*p) >= need {
		out = (*p)[:need]
	} else {
		out = make([]byte, need)
	}
	out[0] = blobS2
	// out[1:] is long enough for s2 to compress into it in place.
	out = out[:1+len(s2.Encode(out[1:], raw))]
	*buf = raw
	rawRecords.Put(buf)
	return out
}

// releaseBlob gives a blob from encodeBlob back for reuse; the caller must
// not use it after.
func releaseBlob(blob []byte) {
	blobBuffers.Put(&blob)
}

// blobRecords returns the records of a blob of either format.
func blobRecords(blob []byte) ([]byte, error) {
	if len(blob) == 0 {
		return nil, errBlob
	}
	switch blob[0] {
	case blobRaw:
		return blob[1:], nil
	case blobS2:
		raw, err := s2.Decode(nil, blob[1:])
		if err != nil {
			return nil, errBlob
		}
		return raw, nil
	}
	return nil, errBlob
}

// blobRecordsInto is blobRecords into dst's memory (grown when too small),
// so that a scan reuses one buffer from batch to batch; the records never
// alias blob.
func blobRecordsInto(dst, blob []byte) ([]byte, error) {
	if len(blob) == 0 {
		return nil, errBlob
	}
	switch blob[0] {
	case blobRaw:
		return append(dst[:0], blob[1:]...), nil
	case blobS2:
		raw, err := s2.Decode(dst[:cap(dst)], blob[1:])
		if err != nil {
			return nil, errBlob
		}
		return raw, nil
	}
	return nil, errBlob
}

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
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(e.Label)))
		dst = append(dst, e.Label...)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(e.Body)))
		dst = append(dst, e.Body...)
	}
	return dst
}

// decodeBlob appends to dst the records of blob with from ≤ ts < to and,
// when version is set, of that version.
func decodeBlob(dst []record, blob []byte, from, to int64, version string) ([]record, error) {
	raw, err := blobRecords(blob)
	if err != nil {
		return dst, err
	}
	return decodeRecords(dst, raw, from, to, version)
}

// decodeRecords is decodeBlob for the records themselves; they alias
// blob, but for their IDs, copied.
func decodeRecords(dst []record, blob []byte, from, to int64, version string) ([]record, error) {
	return recordsOf(dst, blob, from, to, version, nil)
}

// idArena gathers the IDs of a batch's records so that they become one
// string, one allocation for the batch instead of one per event; each ID
// is a piece of it, an ordinary string that stays valid however long it
// is kept.
type idArena struct {
	b    []byte
	ends []int
}

// scanRecords is decodeRecords with the IDs of a batch made as one string
// (ids is scratch, reused from batch to batch).
func scanRecords(dst []record, blob []byte, from, to int64, version string, ids *idArena) ([]record, error) {
	start := len(dst)
	ids.b, ids.ends = ids.b[:0], ids.ends[:0]
	dst, err := recordsOf(dst, blob, from, to, version, ids)
	if err != nil {
		return dst, err
	}
	all, at := string(ids.b), 0
	for k, end := range ids.ends {
		dst[start+k].id = all[at:end]
		at = end
	}
	return dst, nil
}

// recordsOf decodes blob's records in range; with ids, their IDs go there
// (scanRecords), else each is copied on its own.
func recordsOf(dst []record, blob []byte, from, to int64, version string, ids *idArena) ([]record, error) {
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
		if r.label, blob, ok = cut32(blob); !ok {
			return dst, errBlob
		}
		if r.body, blob, ok = cut32(blob); !ok {
			return dst, errBlob
		}
		if r.ts < from || r.ts >= to || (version != "" && string(r.version) != version) {
			continue
		}
		if ids != nil {
			ids.b = append(ids.b, id...)
			ids.ends = append(ids.ends, len(ids.b))
		} else {
			r.id = string(id)
		}
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

func cut32(b []byte) (field, rest []byte, ok bool) {
	if len(b) < 4 {
		return nil, b, false
	}
	n := uint64(binary.BigEndian.Uint32(b))
	b = b[4:]
	if uint64(len(b)) < n {
		return nil, b, false
	}
	return b[:n:n], b[n:], true
}

// checkRecord refuses an event whose fields do not fit a record (the API
// keeps far inside these: IDs of 128 and versions of 64 characters, 8 MiB
// batches).
func checkRecord(e *lodestar.StoredEvent) error {
	if len(e.ID) == 0 || len(e.ID) > 0xffff || len(e.Version) > 0xffff || uint64(len(e.Label)) > 0xffffffff || uint64(len(e.Body)) > 0xffffffff {
		return lodestar.Errorf(lodestar.EInvalid, "event %.40q: an event needs an ID, and its ID and version must be under 64 KiB", e.ID)
	}
	return nil
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
// the records. Producers mostly send events in time order already.
func sortEvents(events []*lodestar.StoredEvent) {
	if !slices.IsSortedFunc(events, compareEvents) {
		slices.SortFunc(events, compareEvents)
	}
}

func compareEvents(a, b *lodestar.StoredEvent) int {
	if c := cmp.Compare(a.Time.UnixMilli(), b.Time.UnixMilli()); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}
