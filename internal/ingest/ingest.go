// Package ingest reads batches of prediction events and labels sent as
// NDJSON (one JSON object per line), validating each line on its own so
// that a batch's valid lines are kept and each invalid one is reported by
// its line number and reason. It is pure: no database, no HTTP.
//
// An event line:
//
//	{"id":"e-1","time":"2026-11-28T10:00:00Z","version":"2.0",
//	 "features":{"age":31,"region":"north","income":null},
//	 "prediction":0.82,"label":1,"latency_ms":12.5,"groups":{"gender":"f"}}
//
// id (1–128 characters), version (1–64) and prediction (a number — a
// binary score or a regression value — or a string, a class name) are
// required; time is RFC 3339 and defaults to when the batch arrived;
// feature values are numbers, strings or null; label is a number or a
// string (or true or false, kept as sent, when Options.BoolLabel takes
// it); latency_ms a number ≥ 0; groups maps names to strings. Unknown
// fields are errors, so a misspelt "lable" is not silently dropped. No
// string anywhere in a line may hold the NUL character (\u0000): the
// line is refused naming the field, as PostgreSQL could not store it and
// the databases must agree. Blank lines are skipped, and not counted
// toward a batch's lines, but numbered, so line numbers match the
// sender's.
package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
)

// Limits of a single line.
const (
	MaxIDLen      = 128
	MaxVersionLen = 64
	MaxFeatures   = 1000
	MaxGroups     = 50
)

// eventLine is an event line as encoding/json reads it: the reference
// the fast scanner is tested against.
type eventLine struct {
	ID         *string           `json:"id"`
	Time       *string           `json:"time"`
	Version    *string           `json:"version"`
	Features   json.RawMessage   `json:"features"`
	Prediction json.RawMessage   `json:"prediction"`
	Label      json.RawMessage   `json:"label"`
	LatencyMS  *float64          `json:"latency_ms"`
	Groups     map[string]string `json:"groups"`
}

type labelLine struct {
	ID    *string         `json:"id"`
	Label json.RawMessage `json:"label"`
}

// lines calls fn for every line of r that is not blank (without its line
// ending), with its number among all of r's lines, refusing batches over
// the limits: more than MaxIngestLines lines that are not blank, or more
// than MaxIngestBytes bytes (blank lines' too).
func lines(r io.Reader, fn func(n int, line []byte)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	n, read, total := 0, 0, 0 // lines, lines not blank, bytes
	var long []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, chunk...)
			total += len(chunk)
			if total > lodestar.MaxIngestBytes {
				return tooLarge()
			}
			continue
		}
		if len(chunk) > 0 || len(long) > 0 {
			line := chunk
			if long != nil {
				line = append(long, chunk...)
				long = nil
			}
			total += len(chunk)
			if total > lodestar.MaxIngestBytes {
				return tooLarge()
			}
			n++
			line = bytes.TrimRight(line, "\r\n")
			if n == 1 { // a UTF-8 byte-order mark (Windows tools write one) is not the line's
				line = bytes.TrimPrefix(line, []byte("\uFEFF"))
			}
			// A blank line is skipped: not read, not reported, and not
			// counted toward the batch's lines (its number is, so that
			// the next line's is the sender's).
			if len(bytes.TrimSpace(line)) > 0 {
				if read++; read > lodestar.MaxIngestLines {
					return lodestar.Errorf(lodestar.ETooLarge, "A batch holds at most %d lines; split it.", lodestar.MaxIngestLines)
				}
				fn(n, line)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if strings.Contains(err.Error(), "body too large") {
				return tooLarge()
			}
			return lodestar.Errorf(lodestar.EInvalid, "The batch could not be read: %v", err)
		}
	}
}

func tooLarge() error {
	return lodestar.Errorf(lodestar.ETooLarge, "A batch is at most %d bytes; split it.", lodestar.MaxIngestBytes)
}

// MaxAhead is how far past the server's clock an event may be stamped (a
// sender's clock a little fast, time zones written wrongly).
const MaxAhead = 24 * time.Hour

// Options change how a batch is read.
type Options struct {
	// BoolLabel decides a label sent as JSON true or false (value) for an
	// event of version: it returns "" to take it, or the reason the line
	// is refused (a version whose monitors would not read it). A label
	// taken is stored as sent, true or false, and each monitor reads it
	// as its task does, whenever it reads it. It is called once the line
	// is read, only when such a label is the line's last (the caller may
	// keep its answers for the batch). Nil refuses such labels as any
	// label but a number or a string.
	BoolLabel func(version string, value bool) string
	// EventVersions gives, for label lines (LabelsWith), the versions of
	// the stored events of ids — those sent a label true or false — by
	// ID; BoolLabel then decides each by its event's version. A label of
	// an ID it does not give (no such event) is taken, to be found
	// unknown by whoever stores it. Nil decides every such label as of
	// version "".
	EventVersions func(ids []string) map[string]string
	// Admit, for label lines (LabelsWith), is asked once every line is
	// read and before any is decided (EventVersions, BoolLabel), with the
	// number of lines read (not blank), when there is one: an error ends
	// the read with it, so a batch refused (over a rate limit) costs no
	// lookup. Nil admits every batch.
	Admit func(lines int) error
}

// boolWords are the labels true and false as stored: as sent, for each
// monitor to read as its task does.
var boolWords = map[byte][]byte{'t': []byte("true"), 'f': []byte("false")}

// boolLabel1 tells whether a label as stored is true or false, and which.
func boolLabel1(label []byte) (value, ok bool) {
	switch string(label) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// Events reads a batch of event lines. now stamps events sent without a
// time. The error is for the batch as a whole (too large, unreadable);
// bad lines are in rejected, each with one reason: a line with several
// faults gets the first in a fixed order (scanLine lists it), a true or
// false label its version refuses last.
func Events(r io.Reader, now time.Time) (events []lodestar.StoredEvent, rejected []lodestar.LineError, err error) {
	return EventsWith(r, now, Options{})
}

// EventsWith is Events with options.
func EventsWith(r io.Reader, now time.Time, opt Options) (events []lodestar.StoredEvent, rejected []lodestar.LineError, err error) {
	// Each line is copied out of the reader's buffer into a few large
	// blocks rather than one allocation each, then read there: the event's
	// body, label, ID and version all point into the block.
	var block []byte
	err = lines(r, func(n int, line []byte) {
		if cap(block)-len(block) < len(line) {
			block = make([]byte, 0, max(1<<20, len(line)))
		}
		start := len(block)
		block = append(block, line...)
		body := block[start:len(block):len(block)]
		ev, id, msg := scanLine(body, true, now, opt.BoolLabel)
		if msg != "" {
			block = block[:start] // the next line takes its place
			rejected = append(rejected, lodestar.LineError{Line: n, ID: strings.Clone(id), Message: msg})
			return
		}
		ev.Line = n
		events = append(events, ev)
	})
	if err != nil {
		return nil, nil, err
	}
	return events, rejected, nil
}

func decodeStrict(line []byte, v any) string {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// Offset counts the byte that broke the syntax.
			return jsonMessage(err) + nonFinite(line, int(se.Offset)-1)
		}
		return jsonMessage(err)
	}
	// Anything after the object, a stray '}' or ']' too (dec.More
	// reports false on those), refuses the line.
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return "one JSON object per line; found more after it"
	}
	return ""
}

func jsonMessage(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return fmt.Sprintf("%s: must be %s", te.Field, kindName(te.Type.String()))
	case errors.As(err, &te):
		return "each line must be a JSON object"
	case errors.As(err, &se):
		return fmt.Sprintf("not valid JSON at byte %d", se.Offset)
	}
	msg := err.Error()
	if f, ok := bytes.CutPrefix([]byte(msg), []byte("json: unknown field ")); ok {
		return "unknown field " + string(f)
	}
	if msg == "unexpected EOF" {
		return "the JSON object is not complete"
	}
	return msg
}

func kindName(goType string) string {
	switch goType {
	case "string", "*string":
		return "a string"
	case "float64", "*float64":
		return "a number"
	case "map[string]string":
		return "an object of strings"
	}
	return goType
}

func checkText(name string, p *string, max int) string {
	if p == nil || *p == "" {
		return name + ": required"
	}
	if strings.TrimSpace(*p) == "" {
		return name + ": required (only white space was sent)"
	}
	if len(*p) > max*4 || utf8.RuneCountInString(*p) > max {
		return fmt.Sprintf("%s: at most %d characters", name, max)
	}
	return ""
}

func isNull(raw []byte) bool { return string(bytes.TrimSpace(raw)) == "null" }

// scalar checks that raw (valid JSON) is a finite number or a string.
func scalar(name string, raw []byte) string {
	raw = bytes.TrimSpace(raw)
	switch {
	case raw[0] == '"':
		return ""
	case raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'):
		if f, err := strconv.ParseFloat(string(raw), 64); err != nil || math.IsInf(f, 0) {
			return name + ": the number is out of range"
		}
		return ""
	}
	return name + ": must be a number or a string"
}

// exactFields refuses a line (a JSON object encoding/json has read) with
// a field other than those named, spelt exactly: encoding/json matches
// names ignoring letter case, so "Label" would fill label — and replace
// one sent before it — where an event line refuses it as unknown.
func exactFields(line []byte, names ...string) (msg string) {
	defer caught(&msg)
	s := newScanner(line)
	s.ws()
	s.object(func(raw []byte, esc bool) {
		if k := unquote(raw, esc); msg == "" && !slices.Contains(names, k) {
			msg = fmt.Sprintf("unknown field %q", k)
		}
		s.skip()
	})
	return msg
}

// Labels reads a batch of label lines: {"id":"e-1","label":1}.
func Labels(r io.Reader) (labels []lodestar.EventLabel, lineOf map[string]int, rejected []lodestar.LineError, err error) {
	return LabelsWith(r, Options{})
}

// LabelsWith is Labels with options. A label true or false is decided
// once every line is read, by its event's version (Options.EventVersions,
// asked once for the batch): a line refused so replaces no other label of
// its ID, as a line refused for any reason does not. A line with several
// faults is refused for the first of: text not UTF-8; the line not one
// JSON object, or a field of the wrong kind (as encoding/json finds
// them); a field unknown as spelt; id missing or too long; a NUL
// character; a lone surrogate; the label missing; its kind or range; and
// last, a true or false label its version refuses.
func LabelsWith(r io.Reader, opt Options) (labels []lodestar.EventLabel, lineOf map[string]int, rejected []lodestar.LineError, err error) {
	type read struct {
		n     int
		label lodestar.EventLabel
	}
	var taken []read // the lines read, in order
	var boolIDs []string
	err = lines(r, func(n int, line []byte) {
		if !utf8.Valid(line) {
			// encoding/json would read a bad byte as U+FFFD: another ID.
			rejected = append(rejected, lodestar.LineError{Line: n, Message: "text is not valid UTF-8"})
			return
		}
		var in labelLine
		if msg := decodeStrict(line, &in); msg != "" {
			// The line's id, when it has a readable one, goes with the
			// reason (as an event line's does): the sender finds the label.
			var loose struct {
				ID string `json:"id"`
			}
			id := ""
			if json.Unmarshal(line, &loose) == nil && len(loose.ID) <= MaxIDLen {
				id = loose.ID
			}
			rejected = append(rejected, lodestar.LineError{Line: n, ID: id, Message: msg})
			return
		}
		id := ""
		if in.ID != nil {
			id = *in.ID
		}
		if msg := exactFields(line, "id", "label"); msg != "" {
			rejected = append(rejected, lodestar.LineError{Line: n, ID: id, Message: msg})
			return
		}
		if msg := checkText("id", in.ID, MaxIDLen); msg != "" {
			rejected = append(rejected, lodestar.LineError{Line: n, ID: id, Message: msg})
			return
		}
		if hasNUL(line) { // valid JSON: a backslash stands only in a string
			field := "text" // a repeated field's earlier value
			if strings.IndexByte(id, 0) >= 0 {
				field = "id:"
			} else if hasNUL(in.Label) {
				field = "label:"
			}
			rejected = append(rejected, lodestar.LineError{Line: n, ID: id, Message: field + " " + NUL})
			return
		}
		if msg := loneSurrogate(line); msg != "" {
			rejected = append(rejected, lodestar.LineError{Line: n, ID: id, Message: msg})
			return
		}
		if len(in.Label) == 0 || isNull(in.Label) {
			rejected = append(rejected, lodestar.LineError{Line: n, ID: id, Message: "label: required (a number or a string)"})
			return
		}
		raw := bytes.TrimSpace(in.Label)
		if b := string(raw); opt.BoolLabel != nil && (b == "true" || b == "false") {
			raw = slices.Clone(boolWords[b[0]])
			boolIDs = append(boolIDs, id)
		} else if msg := scalar("label", in.Label); msg != "" {
			rejected = append(rejected, lodestar.LineError{Line: n, ID: id, Message: msg})
			return
		} else {
			raw = append([]byte(nil), raw...)
		}
		taken = append(taken, read{n, lodestar.EventLabel{ID: id, Label: raw}})
	})
	if err != nil {
		return nil, nil, nil, err
	}
	if n := len(taken) + len(rejected); n > 0 && opt.Admit != nil {
		if err := opt.Admit(n); err != nil {
			return nil, nil, nil, err
		}
	}
	var versions map[string]string
	if len(boolIDs) > 0 && opt.EventVersions != nil {
		slices.Sort(boolIDs)
		versions = opt.EventVersions(slices.Compact(boolIDs))
	}
	refused := false
	lineOf = map[string]int{}
	at := map[string]int{} // an ID's place in labels: a repeat replaces it (the last line wins)
	for _, t := range taken {
		if b, ok := boolLabel1(t.label.Label); ok && opt.BoolLabel != nil {
			v, known := versions[t.label.ID]
			if known || opt.EventVersions == nil {
				if msg := opt.BoolLabel(v, b); msg != "" {
					rejected = append(rejected, lodestar.LineError{Line: t.n, ID: t.label.ID, Message: "label: " + msg})
					refused = true
					continue
				}
			}
		}
		id := t.label.ID
		lineOf[id] = t.n
		if i, ok := at[id]; ok {
			labels[i] = t.label
			continue
		}
		at[id] = len(labels)
		labels = append(labels, t.label)
	}
	if refused { // among the others, by line
		slices.SortStableFunc(rejected, func(a, b lodestar.LineError) int { return a.Line - b.Line })
	}
	return labels, lineOf, rejected, nil
}
