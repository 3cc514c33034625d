package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"
)

// caseOnly matches the scanner's refusal of a known field name in other
// letter case.
var caseOnly = regexp.MustCompile(`(?i)^unknown field "(id|version|time|prediction|label|latency_ms|features|groups)"$`)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// corpus are lines of every shape: valid ones and each way to be wrong.
var corpus = []string{
	`{"id":"e-1","time":"2026-11-28T10:00:00.123Z","version":"2.0","features":{"age":31,"region":"north","income":null},"prediction":0.82,"label":1,"latency_ms":12.5,"groups":{"gender":"f"}}`,
	`{"id":"e-2","version":"1","prediction":"cat"}`,
	`{"id":"e-3","version":"1","prediction":-1.5e3,"label":"dog","features":{}}`,
	` { "id" : "e-4" , "version" : "1" , "prediction" : 0 } `,
	`{"id":"e\u00e9\"5","version":"v\\1","prediction":1,"groups":{"a":"b\nc"}}`,
	`{"id":"é-6","version":"1","prediction":1,"features":{"名":"值"}}`,
	`{"id":"e-7","version":"1","prediction":1,"label":null,"latency_ms":null,"groups":null,"features":null,"time":null}`,
	`{"id":"dup","id":"e-8","version":"1","prediction":0.5}`,
	`{"id":"e-9","version":"1","prediction":0.5,"time":"2026-11-28T10:00:00+08:00"}`,
	// wrong
	`{"id":"","version":"1","prediction":1}`,
	`{"version":"1","prediction":1}`,
	`{"id":"x","prediction":1}`,
	`{"id":"x","version":"1"}`,
	`{"id":"x","version":"1","prediction":null}`,
	`{"id":1,"version":"1","prediction":1}`,
	`{"id":"x","version":2,"prediction":1}`,
	`{"id":"x","version":"1","prediction":true}`,
	`{"id":"x","version":"1","prediction":[1]}`,
	`{"id":"x","version":"1","prediction":{}}`,
	`{"id":"x","version":"1","prediction":1e999}`,
	`{"id":"x","version":"1","prediction":1,"label":false}`,
	`{"id":"x","version":"1","prediction":1,"latency_ms":-1}`,
	`{"id":"x","version":"1","prediction":1,"latency_ms":"3"}`,
	`{"id":"x","version":"1","prediction":1,"features":[1]}`,
	`{"id":"x","version":"1","prediction":1,"features":{"a":true}}`,
	`{"id":"x","version":"1","prediction":1,"features":{"a":{"b":1}}}`,
	`{"id":"x","version":"1","prediction":1,"groups":{"a":1}}`,
	`{"id":"x","version":"1","prediction":1,"groups":"a"}`,
	`{"id":"x","version":"1","prediction":1,"time":"yesterday"}`,
	`{"id":"x","version":"1","prediction":1,"time":"0001-01-01T00:00:00Z"}`,
	`{"id":"x","version":"1","prediction":1,"lable":1}`,
	`{"id":"x","version":"1","prediction":1}{}`,
	`{"id":"x","version":"1","prediction":1} x`,
	`[1,2]`,
	`"text"`,
	`42`,
	`not json`,
	`{"id":"x","version":"1","prediction":01}`,
	`{"id":"x","version":"1","prediction":1.}`,
	`{"id":"x","version":"1","prediction":1,}`,
	`{"id":"x" "version":"1"}`,
	`{"id":"x","version":"1","prediction":1`,
	`{"id":"a\qb","version":"1","prediction":1}`,
	"{\"id\":\"a\tb\",\"version\":\"1\",\"prediction\":1}",
	`{"id":"` + strings.Repeat("x", 129) + `","version":"1","prediction":1}`,
	`{"id":"x","version":"` + strings.Repeat("v", 65) + `","prediction":1}`,
	`{"id":"x","version":"1","prediction":1,"features":{"a":nul}}`,
	`{"id":"x","version":"1","prediction":-}`,
	`{"id":"nul-1","version":"\u0000","prediction":0.3}`,
	`{"id":"a\u0000b","version":"1","prediction":1}`,
	`{"id":"x","version":"1","prediction":1,"features":{"a\u0000":1}}`,
	`{"id":"x","version":"1","prediction":1,"features":{"a":"\u0000"}}`,
	`{"id":"x","version":"1","prediction":1,"groups":{"g":"\u0000"}}`,
	`{"id":"x","version":"1","prediction":"\u0000"}`,
	`{"id":"x","version":"\u0000","version":"1","prediction":1}`,
	`{"id":"x","version":"1","prediction":["\u0000"],"prediction":1}`,
}

// agree checks the fast scanner against encoding/json on one line: both
// accept or both refuse, and accepted lines read the same.
func agree(t *testing.T, line string) {
	t.Helper()
	fast, fid, fmsg := scanEvent([]byte(line), now)
	ref, rid, rmsg := refParseEvent([]byte(line), now)
	if fmsg != "" && !json.Valid([]byte(line)) {
		return // not JSON: refused rightly, even where the reference's decoder stops early (a stray "}" after the object)
	}
	if caseOnly.MatchString(fmsg) {
		return // encoding/json matches field names ignoring case; the scanner, by design, does not
	}
	if (fmsg == "") != (rmsg == "") {
		t.Errorf("%q: scanner says %q, encoding/json says %q", line, fmsg, rmsg)
		return
	}
	if fmsg != "" {
		// The scanner may name the id where encoding/json, failing
		// before it, cannot; where both name one it must be the same.
		if rid != "" && fid != rid {
			t.Errorf("%q: refused; scanner reports id %q, encoding/json %q", line, fid, rid)
		}
		return
	}
	if fast.ID != ref.ID || fast.Version != ref.Version || !fast.Time.Equal(ref.Time) || !bytes.Equal(fast.Label, bytes.TrimSpace(ref.Label)) || !bytes.Equal(fast.Body, ref.Body) {
		t.Errorf("%q: scanner read %+v, encoding/json %+v", line, fast, ref)
	}
}

func TestScannerAgreesWithEncodingJSON(t *testing.T) {
	for _, line := range corpus {
		agree(t, line)
	}
	// Every prefix and every one-byte deletion of the valid lines.
	for _, line := range corpus[:9] {
		for i := range len(line) {
			for _, l := range []string{line[:i], line[:i] + line[i+1:]} {
				if utf8Valid(l) {
					agree(t, l)
				} else if _, _, msg := scanEvent([]byte(l), now); msg == "" {
					t.Errorf("%q: invalid UTF-8 accepted", l) // encoding/json would keep it and PostgreSQL refuse it
				}
			}
		}
	}
}

func TestScannerMessages(t *testing.T) {
	for line, want := range map[string]string{
		`{"id":"x","version":"1","prediction":1,"features":{"a":true}}`:  `features: "a" must be a number, a string or null`,
		`{"id":"x","version":"1","prediction":1,"lable":1}`:              `unknown field "lable"`,
		`{"id":"x","version":"1"}`:                                       `prediction: required`,
		`{"version":"1","prediction":1}`:                                 `id: required`,
		`{"id":"  ","version":"1","prediction":1}`:                       `id: required (only white space was sent)`,
		`{"id":"x","version":"\t","prediction":1}`:                       `version: required (only white space was sent)`,
		`{"id":"x","version":"1","prediction":1,"features":{"a":1e999}}`: `features: "a" is out of range`,
		`{"id":"x","version":"1","prediction":1,"latency_ms":1e999}`:     `latency_ms: the number is out of range`,
		`{"id":"x","version":"1","prediction":1,"latency_ms":"5"}`:       `latency_ms: must be a number`,
		"{\"id\":\"x\xff\",\"version\":\"1\",\"prediction\":1}":          `not valid UTF-8`,
		`{"id":"x","version":"1","prediction":1`:                         `not complete`,
		`nope`:                                                           `not valid JSON at byte 1`,
		`{"id":"x","version":"1","prediction":1}}`:                       `found more after it`,
		`{"id":"x","version":"1","prediction":1}]`:                       `found more after it`,
		`{"id":"x","version":"1","prediction":1} {}`:                     `found more after it`,
	} {
		_, _, msg := scanEvent([]byte(line), now)
		if !strings.Contains(msg, want) {
			t.Errorf("%q: got %q, want it to say %q", line, msg, want)
		}
	}
}

// TestScannerRefusesNUL: PostgreSQL cannot store the NUL character in
// text, so a line with one in any string is refused, naming where, on
// every database alike; an escaped backslash before "u0000" is no NUL.
func TestScannerRefusesNUL(t *testing.T) {
	for line, want := range map[string]string{
		`{"id":"nul-1","version":"\u0000","prediction":0.3}`:                                    `version: must not contain the NUL character`,
		`{"id":"a\u0000","version":"1","prediction":1}`:                                         `id: must not contain the NUL character`,
		`{"id":"x","version":"1","time":"\u0000","time":"2026-11-28T10:00:00Z","prediction":1}`: `time: must not contain`,
		`{"id":"x","version":"1","prediction":"c\u0000"}`:                                       `prediction: must not contain`,
		`{"id":"x","version":"1","prediction":1,"label":"\u0000"}`:                              `label: must not contain`,
		`{"id":"x","version":"1","prediction":1,"features":{"k\u0000":1}}`:                      `features: the name "k\x00" must not contain`,
		`{"id":"x","version":"1","prediction":1,"features":{"region":"n\u0000"}}`:               `features: "region" must not contain`,
		`{"id":"x","version":"1","prediction":1,"groups":{"g\u0000":"f"}}`:                      `groups: the name "g\x00" must not contain`,
		`{"id":"x","version":"1","prediction":1,"groups":{"gender":"\u0000"}}`:                  `groups: "gender" must not contain`,
		`{"id":"x","version":"1","prediction":[1,"\u0000"],"prediction":1}`:                     `text must not contain the NUL character`,
	} {
		agree(t, line)
		if _, _, msg := scanEvent([]byte(line), now); !strings.Contains(msg, want) {
			t.Errorf("%s: got %q, want it to say %q", line, msg, want)
		}
	}
	for _, line := range []string{
		`{"id":"a\\u0000","version":"1","prediction":1}`,
		`{"id":"x","version":"\u0001","prediction":1}`,
	} {
		agree(t, line)
		if _, _, msg := scanEvent([]byte(line), now); msg != "" {
			t.Errorf("%s: refused (%q), want accepted", line, msg)
		}
	}
	// In a batch only the line is refused; the good lines are kept.
	body := `{"id":"ok-1","version":"1","prediction":0.1}` + "\n" + `{"id":"nul-1","version":"\u0000","prediction":0.3}` + "\n" + `{"id":"ok-2","version":"1","prediction":0.2}`
	evs, rej, err := Events(strings.NewReader(body), now)
	if err != nil || len(evs) != 2 || len(rej) != 1 || rej[0].Line != 2 || rej[0].ID != "nul-1" || !strings.Contains(rej[0].Message, "version: must not contain") {
		t.Errorf("got %d events, rejected %+v, %v; want ok-1 and ok-2 kept and line 2 (nul-1) refused naming version", len(evs), rej, err)
	}
	labels, _, lrej, err := Labels(strings.NewReader(`{"id":"a","label":1}` + "\n" + `{"id":"b\u0000","label":1}` + "\n" + `{"id":"c","label":"x\u0000"}` + "\n" + `{"id":"\u0000","id":"d","label":1}`))
	if err != nil || len(labels) != 1 || labels[0].ID != "a" || len(lrej) != 3 ||
		!strings.Contains(lrej[0].Message, "id: must not contain") || !strings.Contains(lrej[1].Message, "label: must not contain") || !strings.Contains(lrej[2].Message, "must not contain") {
		t.Errorf("labels %q, rejected %+v, %v; want a kept and lines 2-4 refused naming id, label and the text", labels, lrej, err)
	}
}

func FuzzScanner(f *testing.F) {
	for _, line := range corpus {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if !utf8Valid(line) || strings.Contains(line, "e999") {
			return // the scanner is stricter on these, by design (tested above)
		}
		agree(t, line)
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func TestEventsBatch(t *testing.T) {
	body := strings.Join([]string{corpus[0], "", "garbage", corpus[1] + "\r"}, "\n")
	evs, rej, err := Events(strings.NewReader(body), now)
	if err != nil || len(evs) != 2 || len(rej) != 1 || rej[0].Line != 3 {
		t.Fatalf("got %d events, rejected %+v, %v", len(evs), rej, err)
	}
	if string(evs[1].Body) != corpus[1] {
		t.Errorf("CR not stripped: %q", evs[1].Body)
	}
	// A line longer than the reader's buffer is read whole.
	long := fmt.Sprintf(`{"id":"long","version":"1","prediction":1,"features":{"text":%q}}`, strings.Repeat("y", 200<<10))
	evs, rej, err = Events(strings.NewReader(long+"\n"+corpus[1]), now)
	if err != nil || len(evs) != 2 || len(rej) != 0 || evs[0].ID != "long" {
		t.Errorf("long line: %d events, %+v, %v", len(evs), rej, err)
	}
}

func benchBody(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `{"id":"e-%d","time":"2026-11-28T10:00:00.%03dZ","version":"1.0","features":{`, i, i%1000)
		for f := range 20 {
			fmt.Fprintf(&b, `"n%d":%.4f,`, f, rng.NormFloat64())
		}
		b.WriteString(`"c0":"north","c1":"a","c2":"b","c3":"c","c4":"d"},"prediction":0.5,"label":1,"latency_ms":3.5}` + "\n")
	}
	return b.Bytes()
}

func BenchmarkEvents(b *testing.B) {
	body := benchBody(5000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Events(bytes.NewReader(body), now); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*5000)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkEventsEncodingJSON(b *testing.B) {
	body := benchBody(5000)
	lines := bytes.Split(bytes.TrimSpace(body), []byte("\n"))
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			refParseEvent(l, now)
		}
	}
	b.ReportMetric(float64(b.N*5000)/b.Elapsed().Seconds(), "events/s")
}

// Events copies each accepted line, and the label inside it, out of the
// reader's buffer: over many lines, some bigger than a copy block, every
// event's body and label read as that line alone reads.
func TestEventsCopiesLines(t *testing.T) {
	var body bytes.Buffer
	var lines, bad []string
	for i := range 3000 {
		pad := strings.Repeat("p", (i%7)*40)
		if i%997 == 0 {
			pad = strings.Repeat("q", 1<<20) // more than a block
		}
		l := fmt.Sprintf(`{"id":"e-%d","version":"v%d","prediction":0.5,"features":{"pad":%q},"label":%d}`, i, i%4, pad, i%3)
		switch {
		case i%5 == 0:
			l = fmt.Sprintf(`{"label":"c%d","id":"e-%d","version":"1","prediction":"c1"}`, i, i)
		case i%7 == 3:
			// Refused: its place in the block is taken by the next line,
			// which must change neither its reported ID nor the others'.
			id := fmt.Sprintf("bad-%d-%s", i, pad)
			bad = append(bad, id)
			body.WriteString(fmt.Sprintf(`{"id":%q,"version":"1"}`+"\n", id))
			continue
		}
		lines = append(lines, l)
		body.WriteString(l + "\r\n")
	}
	evs, rej, err := Events(bufio.NewReaderSize(&body, 4096), now)
	if err != nil || len(rej) != len(bad) || len(evs) != len(lines) {
		t.Fatalf("got %d events, %d rejected, %v", len(evs), len(rej), err)
	}
	for i, r := range rej {
		if r.ID != bad[i] {
			t.Fatalf("rejected line %d: ID %.40q, want %.40q", r.Line, r.ID, bad[i])
		}
	}
	for i, l := range lines {
		want, _, msg := scanEvent([]byte(l), now)
		if msg != "" {
			t.Fatal(msg)
		}
		got := evs[i]
		if got.ID != want.ID || got.Version != want.Version || !bytes.Equal(got.Body, []byte(l)) || !bytes.Equal(got.Label, want.Label) || len(got.Label) == 0 {
			t.Fatalf("event %d: id %q version %q body %.60q label %q; want label %q", i, got.ID, got.Version, got.Body, got.Label, want.Label)
		}
		if cap(got.Label) != len(got.Label) || cap(got.Body) != len(got.Body) {
			t.Fatalf("event %d: an append to its label or body would write over the next line", i)
		}
	}
}

// TestPlainFeatures checks the features fast path against the general
// one: where it reads an object, the general path reads the same bytes
// without a complaint; where the general path complains, it declines.
func TestPlainFeatures(t *testing.T) {
	big := strings.Repeat("9", 400)
	many := "{" + strings.Repeat(`"a":1,`, MaxFeatures) + `"a":1}`
	for obj, fast := range map[string]bool{
		`{}`:                                   true,
		`{ }`:                                  true,
		`{"a":1,"b":-0.5,"c":"x","d":null}`:    true,
		`{ "a" : 1 , "b" : "y" , "c" : null }`: true,
		`{"名":"值","a":0}`:                      true,
		`{"a":1e5}`:                            false, // an exponent: range checked on the general path
		`{"a\"b":1}`:                           false,
		`{"a":"b\nc"}`:                         false,
		`{"a":01}`:                             false,
		`{"a":-}`:                              false,
		`{"a":1.}`:                             false,
		`{"a":true}`:                           false,
		`{"a":{"b":1}}`:                        false,
		`{"a":nul}`:                            false,
		`{"a":1,}`:                             false,
		`{"a":1`:                               false,
		`{"a":` + big + `}`:                    false,
		many:                                   false,
	} {
		s := newScanner([]byte(obj + ` tail`))
		got := s.plainFeatures()
		if got != fast {
			t.Errorf("%.40q: fast path read it: %v, want %v", obj, got, fast)
			continue
		}
		if !got {
			if s.i != 0 {
				t.Errorf("%.40q: declined but moved to byte %d", obj, s.i)
			}
			continue
		}
		if s.i != len(obj) {
			t.Errorf("%.40q: stopped at byte %d, want %d", obj, s.i, len(obj))
		}
		line := `{"id":"x","version":"1","prediction":1,"features":` + obj + `}`
		if _, _, msg := scanEvent([]byte(line), now); msg != "" {
			t.Errorf("%.40q: the line is refused: %s", obj, msg)
		}
	}
	// The general path's verdicts on what the fast path declines.
	for obj, want := range map[string]string{
		`{"a":` + big + `}`: `"a" is out of range`,
		many:                "at most 1000",
		`{"a":true}`:        `"a" must be a number, a string or null`,
	} {
		line := `{"id":"x","version":"1","prediction":1,"features":` + obj + `}`
		if _, _, msg := scanEvent([]byte(line), now); !strings.Contains(msg, want) {
			t.Errorf("%.40q: got %q, want it to say %q", obj, msg, want)
		}
	}
}

// TestScannerRepeatedFields checks lines that give a field more than once
// against encoding/json: the last prediction, label or features counts, a
// string field of the wrong type is an error whatever follows, and groups
// add up, a repeated name counting once.
func TestScannerRepeatedFields(t *testing.T) {
	group := func(prefix string, n int, distinct bool) string {
		var g []string
		for i := range n {
			name := prefix
			if distinct {
				name = fmt.Sprintf("%s%d", prefix, i)
			}
			g = append(g, fmt.Sprintf(`%q:"x"`, name))
		}
		return "{" + strings.Join(g, ",") + "}"
	}
	head := `{"id":"x","version":"1",`
	lines := map[string]bool{ // line → accepted
		head + `"prediction":true,"prediction":1}`:                                                                         true,
		head + `"prediction":1,"prediction":true}`:                                                                         false,
		head + `"prediction":1e999,"prediction":1}`:                                                                        true,
		head + `"prediction":1,"label":false,"label":1}`:                                                                   true,
		head + `"prediction":1,"label":1,"label":[1]}`:                                                                     false,
		head + `"prediction":1,"label":{},"label":null}`:                                                                   true,
		head + `"prediction":1,"features":{"a":true},"features":{}}`:                                                       true,
		head + `"prediction":1,"features":{"a":1},"features":{"a":true}}`:                                                  false,
		head + `"prediction":1,"features":[1],"features":null}`:                                                            true,
		head + `"prediction":1,"groups":` + group("a", 51, false) + `}`:                                                    true,
		head + `"prediction":1,"groups":` + group("a", 30, true) + `,"groups":` + group("b", 30, true) + `}`:               false,
		head + `"prediction":1,"groups":` + group("a", 30, true) + `,"groups":null,"groups":` + group("b", 30, true) + `}`: true,
		head + `"prediction":1,"groups":` + group("a", 51, true) + `}`:                                                     false,
		head + `"prediction":1,"groups":{"a":1},"groups":{"a":"x"}}`:                                                       false,
		`{"id":1,"id":"x","version":"1","prediction":1}`:                                                                   false,
		`{"id":"x","version":"1","prediction":1,"latency_ms":"3","latency_ms":3}`:                                          false,
	}
	for line, ok := range lines {
		agree(t, line)
		if _, _, msg := scanEvent([]byte(line), now); (msg == "") != ok {
			t.Errorf("%.80q: message %q, want accepted %v", line, msg, ok)
		}
	}
}

// TestLabelsBatch: a label line that is not UTF-8 is refused (not read as
// another ID), and an ID labelled twice in one batch counts once, with the
// later label.
func TestLabelsBatch(t *testing.T) {
	body := "{\"id\":\"a\",\"label\":1}\n" +
		"{\"id\":\"b\xff\",\"label\":1}\n" +
		"{\"id\":\"c\",\"label\":\"x\"}\n" +
		"{\"id\":\"a\",\"label\":0}\n" +
		"{\"id\":\"d\"}\n" +
		"{\"id\":\"e\",\"label\":1}}\n" +
		"{\"id\":\"f\",\"label\":1}]\n" +
		"{\"id\":\"g\",\"label\":1,\"lable\":0}\n"
	labels, lineOf, rejected, err := Labels(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) != 2 || labels[0].ID != "a" || string(labels[0].Label) != "0" || labels[1].ID != "c" || lineOf["a"] != 4 {
		t.Errorf("labels %q, lines %v; want a (its later label 0, line 4) and c", labels, lineOf)
	}
	if len(rejected) != 5 || rejected[0].Line != 2 || !strings.Contains(rejected[0].Message, "UTF-8") || rejected[1].Line != 5 ||
		rejected[2].Line != 6 || rejected[3].Line != 7 || !strings.Contains(rejected[3].Message, "found more after it") {
		t.Errorf("rejected %+v; want line 2 (not UTF-8), line 5 (no label), lines 6 and 7 (a stray '}' or ']' after the object)", rejected)
	}
	// A line refused for an unknown field names its id, as an event line
	// does; one that is no object has none to name.
	if len(rejected) == 5 && (rejected[4].Line != 8 || rejected[4].ID != "g" || !strings.Contains(rejected[4].Message, "lable") || rejected[3].ID != "") {
		t.Errorf("rejected %+v; want line 8 refused with its id g and the unknown field named", rejected)
	}
}

// A batch written with a UTF-8 byte-order mark (Windows tools write one)
// reads its first line like any other.
func TestEventsBatchWithBOM(t *testing.T) {
	evs, rej, err := Events(strings.NewReader("\uFEFF"+corpus[0]+"\n"+corpus[1]), now)
	if err != nil || len(evs) != 2 || len(rej) != 0 {
		t.Errorf("got %d events, rejected %+v, %v; want both lines read", len(evs), rej, err)
	}
	labels, _, rej, err := Labels(strings.NewReader("\uFEFF{\"id\":\"a\",\"label\":1}\n"))
	if err != nil || len(labels) != 1 || len(rej) != 0 {
		t.Errorf("labels with a BOM: %q, rejected %+v, %v", labels, rej, err)
	}
}

// TestEventTimeFarAhead: an event stamped more than a day ahead of the
// server's clock is refused by line (a wrong clock); a day ahead or less,
// and any past time from 1970, are taken.
func TestEventTimeFarAhead(t *testing.T) {
	at := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	line := func(id string, ts time.Time) string {
		return `{"id":"` + id + `","time":"` + ts.Format(time.RFC3339Nano) + `","version":"1","features":{"x":1},"prediction":0.5}`
	}
	body := strings.Join([]string{
		line("ok-past", time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)),
		line("ok-ahead", at.Add(MaxAhead)),
		line("far", at.Add(MaxAhead+time.Second)),
		line("2999", time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC)),
	}, "\n")
	evs, rej, err := Events(strings.NewReader(body), at)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || len(rej) != 2 || rej[0].Line != 3 || rej[1].Line != 4 || !strings.Contains(rej[0].Message, "ahead of the server's clock") {
		t.Errorf("got %d events and rejections %+v; want lines 1-2 taken and 3-4 refused as ahead of the clock", len(evs), rej)
	}
}

// TestNonFiniteHint: NaN and Infinity, which Python's json.dumps writes
// for a float JSON cannot hold, are refused by line as any syntax error
// is, with a hint saying what to send instead; other syntax errors carry
// no hint.
func TestNonFiniteHint(t *testing.T) {
	const hint = "NaN and Infinity are not JSON numbers"
	body := strings.Join([]string{
		`{"id":"a","version":"1","prediction":NaN}`,
		`{"id":"b","version":"1","prediction":0.5,"features":{"x":Infinity}}`,
		`{"id":"c","version":"1","prediction":0.5,"features":{"x":-Infinity}}`,
		`{"id":"d","version":"1","prediction":0.5,"latency_ms":NaN}`,
		`{"id":"e","version":"1","prediction":nan}`,
		`{"id":"f","version":"1","prediction":0.5,"features":{"x":"NaN"}}`,
	}, "\n")
	evs, rej, err := Events(strings.NewReader(body), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].ID != "f" || len(rej) != 5 {
		t.Fatalf("got %d events, rejected %+v; want f (a string \"NaN\") taken and a-e refused", len(evs), rej)
	}
	for i, r := range rej[:4] {
		if r.Line != i+1 || !strings.Contains(r.Message, "not valid JSON") || !strings.Contains(r.Message, hint) {
			t.Errorf("line %d: got %+v, want a syntax error with the hint", i+1, r)
		}
	}
	if strings.Contains(rej[4].Message, hint) || !strings.Contains(rej[4].Message, "not valid JSON") {
		t.Errorf("line 5 (nan): got %q, want a syntax error without the hint", rej[4].Message)
	}
	_, _, rej, err = Labels(strings.NewReader("{\"id\":\"a\",\"label\":NaN}\n{\"id\":\"b\",\"label\":-Infinity}\n{\"id\":\"c\",\"label\":tru}\n"))
	if err != nil || len(rej) != 3 {
		t.Fatalf("labels: rejected %+v, %v; want all three", rej, err)
	}
	if !strings.Contains(rej[0].Message, hint) || !strings.Contains(rej[1].Message, hint) || strings.Contains(rej[2].Message, hint) {
		t.Errorf("labels: got %+v, want the hint on lines 1 and 2 only", rej)
	}
}
