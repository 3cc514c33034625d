package tabular

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Block is a run of consecutive records of a file, holding the fields of
// the columns asked of ReadBlocks, decoded to UTF-8.
type Block struct {
	// Rows is the number of records.
	Rows int
	// Lines holds the line each record starts on.
	Lines []int
	// Aux is the caller's: BlockOptions.Prepare may keep per-block work
	// in it. It stays with the block when the block is reused.
	Aux any

	cols       int
	data       []byte  // the chunk itself, or own
	own        []byte  // the fields copied out of the chunk, when they must be
	start, end []int32 // field (r, k) is data[start[r*cols+k]:end[r*cols+k]]

	masks  []uint64 // scanPlain's: the separators and line breaks of each 64 bytes
	chunk  []byte   // the raw records
	line   int      // the line chunk starts on
	breaks int      // the line breaks in chunk
	quoted bool     // chunk may hold a double quote (false: split saw none)
	eof    bool
	err    error
	done   chan struct{}
}

// Field returns the k-th asked-for field of record r. The bytes are the
// block's: valid until the callback that received the block returns.
func (b *Block) Field(r, k int) []byte {
	i := r*b.cols + k
	return b.data[b.start[i]:b.end[i]]
}

// Cells returns the text of the block's fields and where each is in it:
// field (r, k) is data[start[r*cols+k]:end[r*cols+k]], cols the number of
// columns asked for, as Field returns it. Bytes past a field's end are
// other fields' or separators, for a reader that loads a word at a time.
// Valid as Field's bytes are.
func (b *Block) Cells() (data []byte, start, end []int32) {
	return b.data, b.start, b.end
}

// BlockOptions tune ReadBlocks.
type BlockOptions struct {
	// Workers is how many goroutines parse blocks; 0 means GOMAXPROCS.
	Workers int
	// Prepare, when set, runs on the parsing goroutine once a block is
	// parsed, before the block is handed to the callback: per-block work
	// (such as parsing numbers) that can run in parallel.
	Prepare func(*Block)
}

// chunkBytes is the size of the raw text a block is cut from; lowered by
// tests to put block boundaries everywhere.
var chunkBytes = 256 << 10

// ReadBlocks reads the rest of the file in blocks of records and calls fn
// with each, in file order, on the calling goroutine. Each block holds the
// fields of the columns cols (0-based indexes; in that order). Blocks are
// parsed on several goroutines, so it is faster than Next on more than one
// core; the rules and the errors are the same as Next's, and the first
// error in file order is returned (fn may not have seen the records just
// before it). An error from fn stops the reading and is returned. After
// ReadBlocks, Next returns io.EOF.
//
// The raw text is cut into blocks at line breaks that are outside quotes:
// a line break is outside quotes when the text before it, from the first
// record, holds an even number of double quotes. That is exact for every
// file the rules accept (inside a quoted field quotes come in pairs) and a
// file they refuse is refused at its first fault, which comes before any
// misplaced cut. The encodings' multi-byte characters never contain the
// bytes of a quote, a line break or a separator, so the cut is safe in
// every supported encoding.
func (t *Reader) ReadBlocks(cols []int, opt BlockOptions, fn func(*Block) error) error {
	for _, c := range cols {
		if c < 0 || c >= len(t.header) {
			return t.errorf(0, "%w: column index %d: the file has %d columns", ErrColumn, c, len(t.header))
		}
	}
	if t.consumed {
		return nil
	}
	t.consumed = true
	if t.guard != nil {
		t.guard.quotes = false // the blocks' readers find their own
	}
	if t.nextLine == 0 { // no record read: the header was empty
		return nil
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	sel := make([][]int32, len(t.header)) // file field → the ks it feeds
	for k, c := range cols {
		sel[c] = append(sel[c], int32(k))
	}
	plain := make([]int32, len(t.header)) // file field → the k it feeds, or −1; nil when one feeds several
	for c, ks := range sel {
		switch {
		case len(ks) > 1:
			plain = nil
		case plain == nil:
		case len(ks) == 1:
			plain[c] = ks[0]
		default:
			plain[c] = -1
		}
	}
	nblocks := workers + 2
	free := make(chan *Block, nblocks)
	for range nblocks {
		free <- &Block{cols: len(cols)}
	}
	jobs := make(chan *Block, nblocks)
	order := make(chan *Block, nblocks)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				if b.err == nil {
					b.err = t.parseBlock(b, cols, sel, plain)
					if b.err == nil && opt.Prepare != nil {
						opt.Prepare(b)
					}
				}
				close(b.done)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		defer close(order)
		t.split(free, jobs, order, quit)
	}()
	var err error
	for b := range order {
		<-b.done
		switch {
		case b.err != nil:
			err = b.err
		case b.Rows > 0:
			err = fn(b)
		}
		if err != nil {
			break
		}
		free <- b
	}
	close(quit)
	for range order { // let the splitter finish
	}
	wg.Wait()
	return err
}

// split cuts the rest of the file into blocks of whole records and hands
// them to the workers, and in the same order to the reader of order.
func (t *Reader) split(free chan *Block, jobs, order chan<- *Block, quit chan struct{}) {
	var carry []byte
	line := t.nextLine
	for {
		var b *Block
		select {
		case b = <-free:
		case <-quit:
			return
		}
		b.done = make(chan struct{})
		buf := append(b.chunk[:0], carry...)
		cut, eof, quoted := -1, false, true
		for cut < 0 && !eof {
			if cap(buf)-len(buf) < max(chunkBytes/2, 1) {
				buf = slices.Grow(buf, max(chunkBytes, len(buf)))
			}
			n, err := io.ReadFull(t.br, buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			switch {
			case err == io.EOF || err == io.ErrUnexpectedEOF:
				eof = true
			case err != nil:
				b.err = t.readError(err)
				eof = true
			}
			if !eof {
				cut, quoted = recordCut(buf)
				if cut < 0 && len(buf) > 2*maxLineBytes {
					b.err = t.errorf(line, "%w: a record longer than %d MiB (an unclosed quote?)", ErrFormat, 2*maxLineBytes>>20)
					eof = true
				}
			}
		}
		if eof {
			cut, quoted = len(buf), true // the last read's bytes were not looked at
		}
		carry = append(carry[:0], buf[cut:]...)
		b.chunk, b.line, b.eof, b.quoted = buf[:cut], line, eof, quoted
		b.breaks = bytes.Count(b.chunk, []byte{'\n'})
		line += b.breaks
		jobs <- b
		order <- b
		if eof {
			return
		}
	}
}

func (t *Reader) readError(err error) error {
	var le *lineError
	if errors.As(err, &le) {
		if t.name != "" {
			return &nameError{name: t.name, err: err}
		}
		return err
	}
	return t.errorf(0, "%w", err)
}

// recordCut returns the offset just after the last line break of buf that
// is outside quotes, or -1, and whether buf holds a double quote (so that
// parseBlock need not look again). buf starts at a record.
func recordCut(buf []byte) (cut int, quoted bool) {
	cut, inQuote := -1, false
	for p := 0; p < len(buf); {
		q := bytes.IndexByte(buf[p:], '"')
		seg := buf[p:]
		if q >= 0 {
			seg = buf[p : p+q]
		}
		if !inQuote {
			if i := bytes.LastIndexByte(seg, '\n'); i >= 0 {
				cut = p + i + 1
			}
		}
		if q < 0 {
			break
		}
		quoted = true
		inQuote = !inQuote
		p += q + 1
	}
	return cut, quoted
}

// parseBlock parses a block's records, taking the fields of cols. A
// block without quotes, in UTF-8 (or ASCII in any encoding), is cut at
// its separators and line breaks by scanPlain, its fields left where they
// are. Else plain UTF-8 (or ASCII) goes through a fast scanner; anything
// it does not accept at once — a fault, bytes to decode — is read from
// that record on by encoding/csv, as Next reads it, so the records and
// the errors are Next's.
func (t *Reader) parseBlock(b *Block, cols []int, sel [][]int32, plain []int32) error {
	if plain != nil && (!b.quoted || bytes.IndexByte(b.chunk, '"') < 0) {
		if ascii, ok := t.scanPlain(b, plain); ok && (ascii || t.dec == nil && utf8.Valid(b.chunk)) {
			b.data = b.chunk
			return nil
		}
	}
	b.Rows, b.Lines, b.data = 0, b.Lines[:0], b.own[:0]
	b.start, b.end = b.start[:0], b.end[:0]
	defer func() { b.own = b.data[:0] }() // its room, for the next block
	fast := false
	if t.dec == nil {
		fast = utf8.Valid(b.chunk)
	} else {
		fast = isASCII(b.chunk)
	}
	at, line := 0, b.line
	if fast {
		var ok bool
		at, line, ok = t.scanFast(b, sel)
		if ok {
			return nil
		}
	}
	return t.scanSlow(b, cols, at, line)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// scanFast parses records of RFC 4180 text; on anything else it stops
// and returns the offset and line of the record it could not take.
func (t *Reader) scanFast(b *Block, sel [][]int32) (at, atLine int, ok bool) {
	c, sep := b.chunk, byte(t.sep)
	var stop [256]bool // the bytes that end an unquoted field's text
	stop[sep], stop['\n'], stop['"'] = true, true, true
	nf, k := len(t.header), b.cols
	p, n, line := 0, len(c), b.line
	for p < n {
		switch {
		case c[p] == '\n':
			p++
			line++
			continue
		case c[p] == '\r' && p+1 == n:
			p++
			continue
		case c[p] == '\r' && c[p+1] == '\n':
			p += 2
			line++
			continue
		}
		recStart, recLine := p, line
		rowAt := len(b.start)
		for range k {
			b.start, b.end = append(b.start, 0), append(b.end, 0)
		}
		field := 0
		blank := false // the last field holds white space only
		for {
			var s, e int32
			if p < n && c[p] == '"' {
				p++
				s = int32(len(b.data))
				blank = true
				for {
					q := bytes.IndexByte(c[p:], '"')
					if q < 0 {
						return t.undo(b, rowAt, recStart, recLine) // unclosed
					}
					seg := c[p : p+q]
					blank = blank && (q == 0 || blankCell(seg))
					if i := bytes.IndexByte(seg, '\n'); i >= 0 {
						line += bytes.Count(seg, []byte{'\n'})
						if field < nf && sel[field] != nil {
							b.data = appendCRLFasLF(b.data, seg)
						}
					} else if field < nf && sel[field] != nil {
						b.data = append(b.data, seg...)
					}
					p += q + 1
					if p < n && c[p] == '"' { // a doubled quote
						blank = false
						if field < nf && sel[field] != nil {
							b.data = append(b.data, '"')
						}
						p++
						continue
					}
					break
				}
				e = int32(len(b.data))
				if field < nf && sel[field] != nil {
					t.place(b, rowAt, sel[field], s, e)
				}
			} else {
				q := p
				for q < n && !stop[c[q]] {
					q++
				}
				if q < n && c[q] == '"' {
					return t.undo(b, rowAt, recStart, recLine) // a bare quote
				}
				end := q
				if end > p && c[end-1] == '\r' && (end == n || c[end] == '\n') {
					end--
				}
				blank = field == 0 && end > p && mayBeBlank(c[p]) && blankCell(c[p:end])
				if field < nf && sel[field] != nil {
					s = int32(len(b.data))
					b.data = append(b.data, c[p:end]...)
					t.place(b, rowAt, sel[field], s, int32(len(b.data)))
				}
				p = q
			}
			field++
			// After a field: a separator, the end of the record, or a fault.
			switch {
			case p < n && c[p] == sep:
				p++
				continue
			case p == n:
			case c[p] == '\n':
				p++
				line++
			case c[p] == '\r' && (p+1 == n || c[p+1] == '\n'):
				p += 2
				if p > n {
					p = n
				} else {
					line++
				}
			default:
				return t.undo(b, rowAt, recStart, recLine) // text after a closing quote
			}
			break
		}
		if field == 1 && blank { // a line of white space: skipped, as Next skips it
			b.start, b.end = b.start[:rowAt], b.end[:rowAt]
			continue
		}
		if field != nf {
			return t.undo(b, rowAt, recStart, recLine)
		}
		b.Rows++
		b.Lines = append(b.Lines, recLine)
	}
	return n, line, true
}

// scanPlain parses a block without quotes: each record is its text up to
// a line break (LF, or CR LF: a CR before the LF, or at the end of the
// file, ends the last field) cut at the separators, blank lines skipped —
// what the fast scanner makes of such text, found 64 bytes at a time
// (sepMasks).
// Field (r, k) is left in the chunk: the caller points data at it. plain
// maps a file field to the k it feeds, or −1. ok is false, the block to
// be parsed again by the other scanners, when a record has too few or too
// many fields; ascii says whether every byte is ASCII.
func (t *Reader) scanPlain(b *Block, plain []int32) (ascii, ok bool) {
	c, k, nf := b.chunk, b.cols, len(plain)
	rows := b.breaks + 1
	b.Rows, b.Lines = 0, slices.Grow(b.Lines[:0], rows)
	b.start, b.end = slices.Grow(b.start[:0], rows*k)[:rows*k], slices.Grow(b.end[:0], rows*k)[:rows*k]
	// The separators and line breaks of each 64 bytes in a mask
	// (sepMasks), the last bytes' by hand; then each found in turn.
	n := len(c)
	groups := n / 64
	b.masks = slices.Grow(b.masks[:0], groups+1)[:groups+1]
	high := sepMasks(c[:groups*64], byte(t.sep), b.masks)
	var tail uint64
	for i := groups * 64; i < n; i++ {
		if c[i] == byte(t.sep) || c[i] == '\n' {
			tail |= 1 << uint(i-groups*64)
		}
		high = high || c[i] >= utf8.RuneSelf
	}
	b.masks[groups] = tail
	field, fs, line := 0, 0, b.line
	slot := 0 // start of the current record's slots
	masks := b.masks
	if k == nf && nf > 1 && identity(plain) {
		if lines, ok := cutRegular(c, masks, nf, b.breaks, b.start, b.end, b.Lines, line); ok {
			b.Lines, b.Rows, b.start, b.end = lines, len(lines), b.start[:len(lines)*nf], b.end[:len(lines)*nf]
			return !high, true
		}
	}
	for q, m := range masks {
		for ; m != 0; m &= m - 1 {
			i := q*64 + bits.TrailingZeros64(m)
			if c[i] != '\n' { // a separator ends a field
				if field < nf {
					if kk := plain[field]; kk >= 0 {
						b.start[slot+int(kk)], b.end[slot+int(kk)] = int32(fs), int32(i)
					}
				}
				field, fs = field+1, i+1
				continue
			}
			e := i
			if e > fs && c[e-1] == '\r' {
				e--
			}
			if field == 0 && (e == fs || mayBeBlank(c[fs]) && blankCell(c[fs:e])) { // a blank line
				fs, line = i+1, line+1
				continue
			}
			if field != nf-1 {
				return false, false
			}
			if kk := plain[field]; kk >= 0 {
				b.start[slot+int(kk)], b.end[slot+int(kk)] = int32(fs), int32(e)
			}
			b.Lines = append(b.Lines, line)
			b.Rows++
			slot += k
			field, fs, line = 0, i+1, line+1
		}
	}
	if fs < n { // the last record, without a line break: the end of the file
		e := n
		if c[e-1] == '\r' {
			e--
		}
		switch {
		case field == 0 && (e == fs || mayBeBlank(c[fs]) && blankCell(c[fs:e])):
		case field != nf-1:
			return false, false
		default:
			if kk := plain[field]; kk >= 0 {
				b.start[slot+int(kk)], b.end[slot+int(kk)] = int32(fs), int32(e)
			}
			b.Lines = append(b.Lines, line)
			b.Rows++
			slot += k
		}
	} else if field > 0 { // a separator as the last byte
		if field != nf-1 {
			return false, false
		}
		if kk := plain[field]; kk >= 0 {
			b.start[slot+int(kk)], b.end[slot+int(kk)] = int32(fs), int32(n)
		}
		b.Lines = append(b.Lines, line)
		b.Rows++
		slot += k
	}
	b.start, b.end = b.start[:slot], b.end[:slot]
	return !high, true
}

// identity reports whether plain maps each field to its own place: every
// field asked for, in order.
func identity(plain []int32) bool {
	for f, k := range plain {
		if int(k) != f {
			return false
		}
	}
	return true
}

// cutRegular is scanPlain for the usual block: every field asked for in
// order, more than one a record, and the block's text ending in a line
// break. Field f of the r-th record is then slot r*nf+f, the w-th
// separator or line break ends slot w, and the block is regular when it
// has breaks*nf of them and each record's last is a line break: the
// breaks are all accounted for, so every line has nf fields (none is
// blank). ok is false when it is not (blank lines, a record of another
// length), the slots to be filled again by scanPlain's loop, which says
// why. The loop that finds the separators holds few values, for the
// registers: scanPlain's, holding every case, kept a dozen on the stack.
func cutRegular(c []byte, masks []uint64, nf, breaks int, start, end []int32, lines []int, line int) (_ []int, ok bool) {
	if len(c) == 0 || c[len(c)-1] != '\n' || len(start) < breaks*nf || len(end) < breaks*nf {
		return lines, false
	}
	total := 0
	for _, m := range masks {
		total += bits.OnesCount64(m)
	}
	if total != breaks*nf {
		return lines, false
	}
	// Each mask's first eight positions are written whatever its count
	// (the writes past it are overwritten by the next mask's, or lie past
	// the slots of the block's records), the rest in a loop: a loop per
	// bit ended at a varying count, a mispredicted branch each 64 bytes.
	w := 0
	for q, m := range masks {
		if w+8 > len(end) {
			for ; m != 0; m &= m - 1 {
				end[w] = int32(q*64 + bits.TrailingZeros64(m))
				w++
			}
			continue
		}
		n, base := bits.OnesCount64(m), int32(q*64)
		e := (*[8]int32)(end[w : w+8])
		e[0] = base + int32(bits.TrailingZeros64(m))
		m &= m - 1
		e[1] = base + int32(bits.TrailingZeros64(m))
		m &= m - 1
		e[2] = base + int32(bits.TrailingZeros64(m))
		m &= m - 1
		e[3] = base + int32(bits.TrailingZeros64(m))
		m &= m - 1
		e[4] = base + int32(bits.TrailingZeros64(m))
		m &= m - 1
		e[5] = base + int32(bits.TrailingZeros64(m))
		m &= m - 1
		e[6] = base + int32(bits.TrailingZeros64(m))
		m &= m - 1
		e[7] = base + int32(bits.TrailingZeros64(m))
		m &= m - 1
		for j := w + 8; m != 0; m &= m - 1 {
			end[j] = base + int32(bits.TrailingZeros64(m))
			j++
		}
		w += n
	}
	end = end[:total]
	for r := range breaks {
		if c[end[r*nf+nf-1]] != '\n' {
			return lines, false
		}
	}
	start = start[:total]
	start[0] = 0
	for w := 1; w < total; w++ {
		start[w] = end[w-1] + 1
	}
	// A CR before a line break ends the record's last field.
	for w := nf - 1; w < total; w += nf {
		if e := end[w]; e > start[w] && c[e-1] == '\r' {
			end[w] = e - 1
		}
	}
	for r := range breaks {
		lines = append(lines, line+r)
	}
	return lines, true
}

// blankCell reports whether a field (UTF-8) holds white space only, as
// strings.TrimSpace sees it, and at least one byte; it stops at the
// first byte that is not, so a field of text costs a byte's test.
func blankCell(f []byte) bool {
	for i := 0; i < len(f); {
		if c := f[i]; c < utf8.RuneSelf {
			if c != ' ' && (c < '\t' || c > '\r') {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(f[i:])
		if !unicode.IsSpace(r) {
			return false
		}
		i += size
	}
	return len(f) > 0
}

// mayBeBlank reports whether a field starting with byte c may be white
// space (blankCell): inlined, so that a field of text costs no call.
func mayBeBlank(c byte) bool { return c <= ' ' || c >= utf8.RuneSelf }

// place records a field's bytes in every slot that asks for it.
func (t *Reader) place(b *Block, rowAt int, ks []int32, s, e int32) {
	for _, k := range ks {
		b.start[rowAt+int(k)], b.end[rowAt+int(k)] = s, e
	}
}

// undo drops the slots of a record the fast scanner could not take.
func (t *Reader) undo(b *Block, rowAt, at, line int) (int, int, bool) {
	b.start, b.end = b.start[:rowAt], b.end[:rowAt]
	return at, line, false
}

// appendCRLFasLF appends seg with each CR LF turned into LF, as
// encoding/csv does inside quoted fields.
func appendCRLFasLF(dst, seg []byte) []byte {
	for {
		i := bytes.Index(seg, []byte{'\r', '\n'})
		if i < 0 {
			return append(dst, seg...)
		}
		dst = append(dst, seg[:i]...)
		dst = append(dst, '\n')
		seg = seg[i+2:]
	}
}

// scanSlow reads the block's records from offset at (a record that starts
// on line) with encoding/csv and the encoding rules, as Next does.
func (t *Reader) scanSlow(b *Block, cols []int, at, line int) error {
	sub := &Reader{name: t.name, detected: t.detected, sep: t.sep, header: t.header, lineBase: line - 1}
	sub.setEncoding(t.encoding)
	rest := b.chunk[at:]
	sub.atEnd = func() (bool, int, int) {
		if !b.eof {
			return false, 0, 0
		}
		breaks, at := lastQuote(rest)
		return true, 1 + breaks, at + 1
	}
	sub.csv = csv.NewReader(bytes.NewReader(rest))
	sub.csv.Comma = t.sep
	sub.csv.ReuseRecord = true
	sub.csv.FieldsPerRecord = -1 // read counts them, past white-space lines
	for {
		rec, l, err := sub.read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		for _, c := range cols {
			s := int32(len(b.data))
			b.data = append(b.data, rec[c]...)
			b.start, b.end = append(b.start, s), append(b.end, int32(len(b.data)))
		}
		b.Rows++
		b.Lines = append(b.Lines, l)
	}
}
